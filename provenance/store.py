"""The one place that talks to DuckDB: documents, passages and their vectors, the
embedding cache, and every trace's scores, in one file a user can query with SQL.

A store is made for one embedding model: vectors are packed one byte a dimension
(vectors.py), and mixing two models' vectors would make every cosine meaningless, so
`bind_model` records the first model and refuses any other. Each document has a
sequence number (`seq`), given in the order documents are stored and never reused:
the vector index keys on it, and passages are found through an index on it, which
reads a few blocks of an eight-million-row table where a scan for a text id reads most. The schema grows through numbered migrations
(migrations.py, simonw/llm style), each applied once and recorded, so an old store
upgrades itself and a store from a newer provenance is refused rather than guessed at.
Bulk rows go in and vectors come out through Arrow: row-by-row inserts are about 1000x
slower.
Every write is one transaction, so an interrupted write leaves nothing behind.

A store is a file on a disk that can fill up, sit in a read-only folder or be damaged;
each public method turns those DuckDB failures into a one-line StoreError (`_guarded`),
and keeps DuckDB's own traceback only for what would be a bug here.
"""

from __future__ import annotations

import functools
import json
import os
import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timezone
from itertools import groupby
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from .errors import AmbiguousId, NotFound, StoreError
from .migrations import MIGRATIONS
from .models import (
    Candidate,
    Cue,
    Document,
    Evidence,
    Judged,
    Link,
    Match,
    Passage,
    Story,
    StoryEdge,
    StoryNode,
    TraceResult,
)
from .outlets import SITE, TITLE, title_outlets
from .vectors import hash_key, int64s, pack, text_key, unpack

DEFAULT_DB = "provenance.duckdb"
MIN_PREFIX = 4  # shorter id prefixes match too much to be what the user meant
SCHEMA_VERSION = len(MIGRATIONS)

# A match row is the candidate's scores, the judged match and its evidence, one column
# a field (read off the dataclasses, so a field added there is a column to add in a
# migration); where a column's name is not the field's, the renaming says so.
_ARROW_TYPES = {"str": pa.string(), "float": pa.float64(), "int": pa.int32(), "bool": pa.bool_()}
_CASTS = {"float": float, "int": int, "bool": bool, "str": str}


@dataclass(frozen=True)
class _Column:
    field: str
    name: str
    kind: str  # the field's type; any but _ARROW_TYPES' (a list) is stored as JSON text

    @property
    def arrow(self) -> pa.DataType:
        return _ARROW_TYPES.get(self.kind, pa.string())

    def cell(self, item: object) -> object:
        value = getattr(item, self.field)
        return _CASTS[self.kind](value) if self.kind in _CASTS else _json(value)

    def value(self, row: dict) -> object:
        return row[self.name] if self.kind in _CASTS else json.loads(row[self.name])


def _columns(cls: type, *, renamed: dict[str, str] | None = None, skipped: tuple[str, ...] = ()) -> tuple[_Column, ...]:
    renamed = renamed or {}
    return tuple(_Column(f.name, renamed.get(f.name, f.name), f.type) for f in fields(cls) if f.name not in skipped)


_CANDIDATE_COLUMNS = _columns(Candidate, renamed={"score": "retrieval_score"}, skipped=("doc_id",))
_MATCH_COLUMNS = _columns(Match, skipped=("source", "candidate", "evidence", "links"))
_EVIDENCE_COLUMNS = _columns(Evidence, renamed={"order": "order_score"})
_MATCH_SCHEMA = pa.schema(
    [("run_id", pa.string()), ("rank", pa.int32()), ("source_id", pa.string())]
    + [(c.name, c.arrow) for c in (*_CANDIDATE_COLUMNS, *_MATCH_COLUMNS, *_EVIDENCE_COLUMNS)]
)

_ALIGNMENT_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("source_id", pa.string()),
        ("link", pa.int32()),
        ("suspect_idx", pa.list_(pa.int32())),
        ("source_idx", pa.list_(pa.int32())),
        ("score", pa.float64()),
        ("cosine", pa.float64()),
    ]
)

_STORY_NODE_SCHEMA = pa.schema(
    [
        ("story_id", pa.string()),
        ("position", pa.int32()),
        ("node_id", pa.string()),
        ("stored", pa.bool_()),
        ("title", pa.string()),
        ("site", pa.string()),
        ("lang", pa.string()),
        ("published", pa.date32()),
        ("url", pa.string()),
        ("round_trip", pa.string()),
    ]
)

_STORY_EDGE_SCHEMA = pa.schema(
    [
        ("story_id", pa.string()),
        ("parent_id", pa.string()),
        ("child_id", pa.string()),
        ("rank", pa.int32()),
        ("relation", pa.string()),
        ("confidence", pa.float64()),
        ("reason", pa.string()),
        ("direction_reasons", pa.string()),
        ("kept", pa.list_(pa.int32())),
        ("dropped", pa.list_(pa.int32())),
        ("added", pa.list_(pa.int32())),
    ]
)

_DUCKDB_CONFIG = {
    # Unit vectors are close to random floats: DuckDB's float codecs (ALP, ALPRD)
    # save about 4% on them but halve the speed of every bulk vector write.
    "disabled_compression_methods": "alp,alprd",
    # The store needs only what is built in (JSON included) and must never reach
    # the network, which autoloading would do for, say, a SQLite file.
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    # DuckDB keeps what it read cached up to 80% of the machine's memory by default; a
    # long session of traces over a big store would grow to that. Work that needs more
    # spills to a temporary folder beside the store.
    "memory_limit": "2GB",
}

_DOCUMENT_COLUMNS = "doc_id, url, title, site, author, published, lang, text, cues, added_at"
# what `update_document` may change: the metadata a user can correct, never the text
# (the id is a hash of it) nor what was derived from the text
EDITABLE_FIELDS = ("url", "title", "site", "author", "published", "lang")


# a run with its suspect and its top match (the best-ranked that may be a source): what `runs` lists and filters
_RUN_JOINS = (
    "FROM runs r JOIN documents d ON d.doc_id = r.suspect_id "
    "LEFT JOIN matches m ON m.run_id = r.run_id AND m.rank = 1 AND m.role NOT IN ('sibling', 'derived')"
)


@dataclass
class RunSummary:
    """One line of `provenance runs`: a stored trace and its top match."""

    run_id: str
    created_at: str
    suspect_id: str
    suspect_title: str  # the title, else the start of the text
    relation: str | None  # the top match's relation; None when the run judged no candidate
    source_id: str | None  # the top match, when it is related
    source_title: str | None
    confidence: float | None


def _guarded(method):
    """Run a Store method, turning DuckDB's failures of the file itself (damaged,
    disk full, read-only folder) into one StoreError line; other DuckDB errors are bugs
    and keep their traceback."""

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except duckdb.Error as error:
            failure = _failure(self.path, error)
            if failure is None:
                raise
            raise failure from None

    return guarded


def default_db_path() -> Path:
    """Where the store lives unless --db says otherwise: $PROVENANCE_DB, else ./provenance.duckdb."""
    return Path(os.environ.get("PROVENANCE_DB") or DEFAULT_DB).expanduser()


class Store:
    """One DuckDB file holding documents, vectors and runs for one embedding model.

    Not thread-safe: one Store per thread. DuckDB lets one process at a time open a
    file for writing, so a second process gets a clear StoreError.
    """

    def __init__(self, path: str | Path, *, create: bool = True, read_only: bool = False):
        """`read_only`: the command only reads, so a store file it may not write (a
        shared archive, a read-only mount) can still be read."""
        self.path = Path(path).expanduser()
        self.read_only = read_only and self.path.exists()
        # a store this object creates and never binds to a model is removed on close, so
        # that a command that fails (a missing file, a bad option) leaves no file behind
        self._created = not self.path.exists()
        if self._created:
            if not create:
                raise StoreError(
                    f"no store at {self.path}: add documents first (provenance add), "
                    "or name an existing store with --db or PROVENANCE_DB"
                )
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise StoreError(f"cannot create the folder for {self.path}: {err.strerror}") from None
        self._con = _connect(self.path, self.read_only)
        try:
            self._model, self._dim = _guarded(Store._open)(self)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._con.close()
        if self._created and self._model is None:
            for leftover in (self.path, self.path.with_name(self.path.name + ".wal")):
                leftover.unlink(missing_ok=True)

    @property
    def model(self) -> str | None:
        """The embedding model whose vectors this store holds; None until one is bound."""
        return self._model

    @property
    def dim(self) -> int | None:
        return self._dim

    # --- schema ---------------------------------------------------------------

    def _open(self) -> tuple[str | None, int | None]:
        tables = {name for (name,) in self._con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if tables and "meta" not in tables:
            raise StoreError(f"{self.path} is a DuckDB file but not a provenance store; use another --db")
        if not tables:
            with self._transaction():
                self._con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
                self._con.execute("CREATE TABLE migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL)")
        meta = dict(self._con.execute("SELECT key, value FROM meta").fetchall())
        version = int(meta.get("schema_version", 0))
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer provenance (schema {version}, "
                f"this one knows {SCHEMA_VERSION}); upgrade provenance"
            )
        dim = int(meta["dim"]) if "dim" in meta else None
        if dim is not None and version < SCHEMA_VERSION:
            with self._transaction():
                self._migrate(dim)
        return meta.get("model"), dim

    def _migrate(self, dim: int) -> None:
        """Apply the migrations this store lacks; the caller holds the transaction."""
        applied = {name for (name,) in self._con.execute("SELECT name FROM migrations").fetchall()}
        for number, step in enumerate(MIGRATIONS, start=1):
            if step.__name__ in applied:
                continue
            step(self._con, dim)
            self._con.execute("INSERT INTO migrations VALUES (?, ?)", [step.__name__, _now()])
            self._con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(number)])

    @_guarded
    def bind_model(self, name: str, dim: int) -> None:
        """Record the model on first use (and build the tables sized for its vectors);
        refuse a store built with a different model or dimension."""
        if self._model is None:
            with self._transaction():
                self._con.execute("INSERT OR REPLACE INTO meta VALUES ('model', ?), ('dim', ?)", [name, str(dim)])
                self._migrate(dim)
            self._model, self._dim = name, int(dim)
        elif (name, int(dim)) != (self._model, self._dim):
            raise StoreError(
                f"{self.path} holds embeddings of {self._model} ({self._dim} dims); "
                f"use --model {self._model} or a new --db"
            )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        if self.read_only:  # a store opened to read that would need writing (an older schema)
            raise StoreError(
                f"{self.path} needs writing (an older store's upgrade): run a command that writes, such as add, once"
            )
        self._con.begin()
        try:
            yield
            self._con.commit()
        except BaseException:
            # KeyboardInterrupt included: a half-written document must not survive. A
            # rollback can fail too (a full disk, a damaged file); the first error is the one
            # to report, and a commit that failed must not leave the transaction open.
            with suppress(duckdb.Error):
                self._con.rollback()
            raise

    @contextmanager
    def _registered(self, name: str, rows: pa.Table) -> Iterator[None]:
        self._con.register(name, rows)
        try:
            yield
        finally:
            self._con.unregister(name)

    def _require_dim(self) -> int:
        if self._dim is None:
            raise StoreError(f"{self.path} has no embedding model yet; call bind_model first")
        return self._dim

    def _resolve(self, table: str, column: str, wanted: str, what: str) -> str:
        """The full id that `wanted` names, exactly or as a unique prefix."""
        if self._dim is None:
            raise NotFound(f"no {what} {wanted!r} in {self.path}: the store is empty")
        if self._first(f"SELECT 1 FROM {table} WHERE {column} = ?", [wanted]):
            return wanted
        if len(wanted) < MIN_PREFIX:
            if self._first(f"SELECT 1 FROM {table} WHERE starts_with({column}, ?)", [wanted]):
                raise AmbiguousId(f"{what} id prefix {wanted!r} is too short: give at least {MIN_PREFIX} characters")
            raise NotFound(f"no {what} {wanted!r} in {self.path}")
        found = [
            full
            for (full,) in self._con.execute(
                f"SELECT {column} FROM {table} WHERE starts_with({column}, ?) ORDER BY {column} LIMIT 3", [wanted]
            ).fetchall()
        ]
        if not found:
            raise NotFound(f"no {what} {wanted!r} in {self.path}")
        if len(found) > 1:
            shown = ", ".join(found[:2]) + (", …" if len(found) > 2 else "")
            raise AmbiguousId(f"{what} id {wanted!r} is ambiguous in {self.path} ({shown}); give more characters")
        return found[0]

    # --- documents ------------------------------------------------------------

    def _first(self, sql: str, params: list) -> tuple | None:
        """The first row or None. fetchall, not fetchone: DuckDB keeps a fetchone's
        result open, and the connection then refuses the next query."""
        rows = self._con.execute(sql, params).fetchall()
        return rows[0] if rows else None

    @_guarded
    def stored_ids(self, doc_ids: Sequence[str]) -> set[str]:
        """Which of `doc_ids` are stored, in one query."""
        if self._dim is None or not doc_ids:
            return set()
        rows = self._con.execute(
            "SELECT doc_id FROM documents WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))", [list(doc_ids)]
        ).fetchall()
        return {doc_id for (doc_id,) in rows}

    @_guarded
    def add_documents(self, items: Sequence[tuple[Document, np.ndarray, np.ndarray]]) -> set[str]:
        """Store documents, their passages and their vectors in one transaction.

        Each item is (document, passage vectors with one row per passage in
        `doc.passages` order, document vector). Documents already stored (and repeats
        within `items`) are skipped; the ids actually written are returned. One Arrow
        insert per table, not one per document: building a 100k-document store one
        document at a time costs ~20 ms each in transaction overhead alone. The store
        sets `added_at`; the documents passed in are left as they are.
        """
        dim = self._require_dim()
        unique: dict[str, tuple[Document, np.ndarray, np.ndarray]] = {}
        for doc, passage_vecs, doc_vec in items:
            passage_vecs = np.asarray(passage_vecs)
            if passage_vecs.shape != (len(doc.passages), dim) or np.shape(doc_vec) != (dim,):
                raise ValueError(
                    f"document {doc.doc_id} has {len(doc.passages)} passages and the store {dim} dimensions, "
                    f"but passage_vecs has shape {passage_vecs.shape} and doc_vec {np.shape(doc_vec)}"
                )
            unique.setdefault(doc.doc_id, (doc, passage_vecs, np.asarray(doc_vec)))
        if not unique:
            return set()
        with self._transaction():
            stored = self.stored_ids(list(unique))
            new = [item for doc_id, item in unique.items() if doc_id not in stored]
            if not new:
                return set()
            # the next number is kept, not read off max(seq): a deleted last document's
            # number must not come back, or the index would give its vector to another
            first_seq = int(self._first("SELECT value FROM meta WHERE key = 'next_seq'", [])[0])
            self._con.execute("UPDATE meta SET value = ? WHERE key = 'next_seq'", [str(first_seq + len(new))])
            document_rows, passage_rows = _rows(new, first_seq, _now())
            with self._registered("document_rows", document_rows), self._registered("passage_rows", passage_rows):
                self._con.execute("INSERT INTO documents BY NAME SELECT * FROM document_rows")
                self._con.execute("INSERT INTO passages BY NAME SELECT * FROM passage_rows")
        return {doc.doc_id for doc, _, _ in new}

    @_guarded
    def get_document(self, doc_id_or_prefix: str) -> Document:
        """A stored document with its passages and cues, by id or unique id prefix."""
        doc_id = self._resolve("documents", "doc_id", doc_id_or_prefix, "document")
        *row, seq = self._first(f"SELECT {_DOCUMENT_COLUMNS}, seq FROM documents WHERE doc_id = ?", [doc_id])
        document = _document(tuple(row))
        document.passages = [
            Passage(idx=idx, para=para, text=text, lang=lang, kind=kind, start=start, end=end)
            for idx, para, text, lang, kind, start, end in self._con.execute(
                f"SELECT idx, para, text, lang, kind, start_char, end_char FROM passages WHERE seq = {int(seq)} ORDER BY idx"
            ).fetchall()
        ]
        return document

    @_guarded
    def documents(
        self,
        text_chars: int | None = None,
        *,
        site: str | None = None,
        lang: str | None = None,
        since: str | None = None,
        until: str | None = None,
        words: Sequence[str] = (),
        limit: int | None = None,
    ) -> list[Document]:
        """Stored documents without their passages, newest first. `text_chars` keeps
        only the start of each text: a listing of a big store needs labels, not
        gigabytes of text. The filters narrow the list: `site` (a part of the
        outlet's name), `lang`, publication dates from `since` to `until` (ISO, both
        included), and `words` that must each appear in the title or the text (any case)."""
        if self._dim is None:
            return []
        columns = _DOCUMENT_COLUMNS
        if text_chars is not None:
            columns = columns.replace("text", f"left(text, {int(text_chars)}) AS text")
        where, params = _document_filter(site=site, lang=lang, since=since, until=until, words=words)
        limited = f"LIMIT {int(limit)}" if limit else ""
        rows = self._con.execute(
            f"SELECT {columns} FROM documents {where} ORDER BY added_at DESC, seq DESC {limited}", params
        ).fetchall()
        return [_document(row) for row in rows]

    @_guarded
    def count_documents(
        self,
        *,
        site: str | None = None,
        lang: str | None = None,
        since: str | None = None,
        until: str | None = None,
        words: Sequence[str] = (),
    ) -> int:
        """How many stored documents `documents` would list with these filters and no limit."""
        if self._dim is None:
            return 0
        where, params = _document_filter(site=site, lang=lang, since=since, until=until, words=words)
        return self._first(f"SELECT count(*) FROM documents {where}", params)[0]

    @_guarded
    def document_count(self) -> int:
        if self._dim is None:
            return 0
        return self._first("SELECT count(*) FROM documents", [])[0]

    @_guarded
    def update_document(self, doc_id_or_prefix: str, **fields: str | None) -> tuple[str, dict[str, tuple]]:
        """Correct a stored document's metadata (EDITABLE_FIELDS; `published` an ISO
        date): (its full id, {field: (old, new)} for what changed). Direction is judged
        from dates, so a wrong or missing date must be fixable without re-adding."""
        unknown = set(fields) - set(EDITABLE_FIELDS)
        if unknown:
            raise ValueError(f"cannot update {', '.join(sorted(unknown))}: only {', '.join(EDITABLE_FIELDS)}")
        doc_id = self._resolve("documents", "doc_id", doc_id_or_prefix, "document")
        current = _document(self._first(f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE doc_id = ?", [doc_id]))
        changes = {
            name: (getattr(current, name), value) for name, value in fields.items() if getattr(current, name) != value
        }
        if changes:
            values = [_date_value(new) if name == "published" else new for name, (_, new) in changes.items()]
            assignments = ", ".join(f"{name} = ?" for name in changes)
            with self._transaction():
                self._con.execute(f"UPDATE documents SET {assignments} WHERE doc_id = ?", [*values, doc_id])
                self._forget_lineage(doc_id, pairs=False)
        return doc_id, changes

    @_guarded
    def delete_document(self, doc_id_or_prefix: str) -> str:
        """Remove a document and its passages; returns its full id. Refused while a
        stored run refers to it, since `show` would then have nothing to show."""
        doc_id = self._resolve("documents", "doc_id", doc_id_or_prefix, "document")
        using = [
            run_id
            for (run_id,) in self._con.execute(
                "SELECT run_id FROM runs WHERE suspect_id = ? UNION "
                "SELECT run_id FROM matches WHERE source_id = ? ORDER BY run_id",
                [doc_id, doc_id],
            ).fetchall()
        ]
        if using:
            shown = ", ".join(using[:3]) + (", …" if len(using) > 3 else "")
            raise StoreError(
                f"document {doc_id} is part of {len(using)} stored run{'s' if len(using) > 1 else ''} "
                f"({shown}); delete {'them' if len(using) > 1 else 'it'} first"
            )
        with self._transaction():
            self._forget_lineage(doc_id, pairs=True)
            self._con.execute("DELETE FROM passages WHERE doc_id = ?", [doc_id])
            self._con.execute("DELETE FROM documents WHERE doc_id = ?", [doc_id])
        return doc_id

    @_guarded
    def delete_run(self, run_id_or_prefix: str) -> str:
        """Remove a stored trace (its matches and alignments); returns its full id."""
        run_id = self._resolve("runs", "run_id", run_id_or_prefix, "run")
        with self._transaction():
            for table in ("alignments", "matches", "runs"):
                self._con.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])
        return run_id

    @_guarded
    def passage_vectors(self, doc_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """(n_passages, dim) float32 vectors per document, rows in passage order."""
        if not doc_ids:
            return {}
        dim = self._require_dim()
        ids = list(dict.fromkeys(doc_ids))
        seq_of = dict(
            self._con.execute(
                "SELECT doc_id, seq FROM documents WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))", [ids]
            ).fetchall()
        )
        missing = [doc_id for doc_id in ids if doc_id not in seq_of]
        if missing:
            raise NotFound(f"no document {missing[0]!r} in {self.path}")
        rows = self._con.sql(
            f"SELECT seq, vector FROM passages WHERE seq IN {_in_list(seq_of.values())} ORDER BY seq, idx"
        ).to_arrow_table()
        vectors = unpack(rows.column("vector"), dim)
        by_seq = {}
        start = 0
        for seq, group in groupby(rows.column("seq").to_pylist()):
            count = sum(1 for _ in group)
            by_seq[seq] = vectors[start : start + count]
            start += count
        empty = np.empty((0, dim), dtype=np.float32)
        return {doc_id: by_seq.get(seq_of[doc_id], empty) for doc_id in ids}

    @_guarded
    def document_vectors(
        self,
        after_seq: int = 0,
        batch_rows: int = 100_000,
        *,
        up_to_seq: int | None = None,
        except_langs: Sequence[str] = (),
    ) -> Iterator[tuple[np.ndarray, list[str], np.ndarray]]:
        """Every document stored after `after_seq` (up to `up_to_seq`, and not in
        `except_langs`), in batches of (seqs, languages, (n, dim) vectors): what the
        vector index is built and caught up from. In the order stored (DuckDB keeps
        insertion order), not sorted: a sort of a million vectors costs more than the read."""
        if self._dim is None:
            return
        conditions, params = ["seq > ?"], [int(after_seq)]
        if up_to_seq is not None:
            conditions.append("seq <= ?")
            params.append(int(up_to_seq))
        if except_langs:
            conditions.append("lang NOT IN (SELECT unnest(?::VARCHAR[]))")
            params.append(list(except_langs))
        reader = self._con.sql(
            f"SELECT seq, lang, vector FROM documents WHERE {' AND '.join(conditions)}", params=params
        ).to_arrow_reader(batch_rows)
        for batch in reader:
            yield (
                int64s(batch.column("seq")),
                batch.column("lang").to_pylist(),
                unpack(batch.column("vector"), self._dim),
            )

    @_guarded
    def outlet_names(self, word: str) -> list[tuple[str, str]]:
        """The stored outlets' names that hold `word` (lower case, no diacritics), each
        with where it was found: a site, a URL's host (SITE), or the site part of a
        title (TITLE). What cues.py reads an outlet's name against when the lexicon
        does not know it; asked only for the names a text cites."""
        if self._dim is None or not word:
            return []
        sites = self._con.execute(
            "SELECT DISTINCT site FROM documents WHERE contains(strip_accents(lower(site)), ?)", [word]
        ).fetchall()
        hosts = self._con.execute(
            r"SELECT DISTINCT regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.\-]*://([^/?#:@]+)', 1) FROM documents"
            " WHERE contains(lower(url), ?)",
            [word],
        ).fetchall()
        # every site is listed, for a short name must match only one; titles holding a
        # common word are many, and their site parts repeat the sites'
        titles = self._con.execute(
            "SELECT DISTINCT title FROM documents WHERE contains(strip_accents(lower(title)), ?) LIMIT 500", [word]
        ).fetchall()
        found = [(site, SITE) for (site,) in sites] + [
            (host, SITE) for (host,) in hosts if host and word in host.lower()
        ]
        return found + [(part, TITLE) for (title,) in titles for part in title_outlets(title)]

    @_guarded
    def seq_of(self, doc_id: str) -> int | None:
        """A stored document's sequence number, None when it is not stored."""
        if self._dim is None:
            return None
        row = self._first("SELECT seq FROM documents WHERE doc_id = ?", [doc_id])
        return int(row[0]) if row else None

    @_guarded
    def vectors_of(self, doc_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The document vectors of `doc_ids` that are stored."""
        if not doc_ids or self._dim is None:
            return {}
        rows = self._con.sql(
            "SELECT doc_id, vector FROM documents WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))",
            params=[list(doc_ids)],
        ).to_arrow_table()
        return dict(zip(rows.column("doc_id").to_pylist(), unpack(rows.column("vector"), self._dim)))

    @_guarded
    def documents_by_seq(self, seqs: Sequence[int]) -> dict[int, Document]:
        """The stored documents among sequence numbers, metadata only (no passages, an
        empty text): what retrieval needs of the index's nearest documents. Reading
        even the start of each text would decompress a block of texts per document,
        four times the time of the rest. A number whose document was deleted is left out."""
        if not seqs or self._dim is None:
            return {}
        columns = _DOCUMENT_COLUMNS.replace("text", "'' AS text")
        rows = self._con.execute(f"SELECT seq, {columns} FROM documents WHERE seq IN {_in_list(seqs)}").fetchall()
        return {seq: _document(row) for seq, *row in rows}

    @_guarded
    def index_token(self) -> str:
        """A random name for this store, which its saved vector index carries: an
        index left beside a file that was replaced by another store is not used."""
        row = self._first("SELECT value FROM meta WHERE key = 'index_token'", [])
        if row:
            return row[0]
        token = os.urandom(8).hex()
        with self._transaction():
            self._con.execute("INSERT INTO meta VALUES ('index_token', ?)", [token])
        return token

    # --- embedding cache ------------------------------------------------------

    @_guarded
    def cached_embeddings(self, model: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """The cached vectors among `text_hashes` for `model`; absent hashes are left
        out. Stored passages are part of the cache: their vectors are not kept twice."""
        if not text_hashes or self._dim is None:
            return {}
        rows = self._con.sql(
            "SELECT text_hash, vector FROM embeddings WHERE model = ? AND text_hash IN (SELECT unnest(?::VARCHAR[]))",
            params=[model, list(text_hashes)],
        ).to_arrow_table()
        found = dict(zip(rows.column("text_hash").to_pylist(), unpack(rows.column("vector"), self._dim)))
        missing = {key: h for h in text_hashes if h not in found and (key := hash_key(h)) is not None}
        if missing and model == self._model:
            # the key column first, alone: the vectors of the few rows it finds come after
            keys = pa.table({"text_key": pa.array(list(missing), pa.uint64())})
            with self._registered("wanted_keys", keys):
                places = self._con.execute(
                    "SELECT any_value(seq), any_value(idx), text_key FROM passages "
                    "WHERE text_key IN (SELECT text_key FROM wanted_keys) GROUP BY text_key"
                ).fetchall()
            by_seq: dict[int, list[tuple[int, int]]] = {}
            for seq, idx, key in places:
                by_seq.setdefault(seq, []).append((idx, key))
            if by_seq:
                rows = self._con.sql(
                    f"SELECT seq, idx, vector FROM passages WHERE seq IN {_in_list(by_seq)}"
                ).to_arrow_table()
                vectors = unpack(rows.column("vector"), self._dim)
                wanted = {(seq, idx): key for seq, pairs in by_seq.items() for idx, key in pairs}
                for row, (seq, idx) in enumerate(zip(rows.column("seq").to_pylist(), rows.column("idx").to_pylist())):
                    if (seq, idx) in wanted:
                        found[missing[wanted[seq, idx]]] = vectors[row]
        return found

    @_guarded
    def put_embeddings(self, model: str, text_hashes: Sequence[str], vectors: np.ndarray) -> None:
        """Cache vectors by (model, text hash); hashes already cached keep their vector."""
        vectors = np.asarray(vectors)
        if vectors.ndim != 2 or len(vectors) != len(text_hashes):
            raise ValueError(f"{len(text_hashes)} text hashes but vectors have shape {vectors.shape}")
        if not text_hashes:
            return
        self.bind_model(model, vectors.shape[1])
        first_position: dict[str, int] = {}
        for position, text_hash in enumerate(text_hashes):
            first_position.setdefault(text_hash, position)
        rows = pa.table(
            {
                "model": pa.array([model] * len(first_position), pa.string()),
                "text_hash": pa.array(list(first_position), pa.string()),
                "vector": pack(vectors[list(first_position.values())]),
            }
        )
        # An anti join skips cached hashes twice as fast as INSERT OR IGNORE's
        # row-by-row key checks; the batch itself was made unique above.
        with self._transaction(), self._registered("embedding_rows", rows):
            self._con.execute(
                "INSERT INTO embeddings BY NAME "
                "SELECT * FROM embedding_rows ANTI JOIN embeddings USING (model, text_hash)"
            )

    # --- runs -----------------------------------------------------------------

    @_guarded
    def save_run(self, result: TraceResult) -> None:
        """Store a trace (the run, each judged match, each alignment link) in one
        transaction. The suspect and every source must already be stored."""
        run_id = result.run_id
        referenced = [result.suspect.doc_id] + [match.source.doc_id for match in result.matches]
        stored = self.stored_ids(referenced)
        missing = [doc_id for doc_id in referenced if doc_id not in stored]
        if missing:
            raise StoreError(
                f"run {run_id} refers to documents not in {self.path} ({', '.join(missing)}); add them first"
            )
        match_rows = pa.Table.from_pylist(
            [_match_row(run_id, rank, match) for rank, match in enumerate(result.matches, start=1)],
            schema=_MATCH_SCHEMA,
        )
        alignment_rows = pa.Table.from_pylist(
            [
                {
                    "run_id": run_id,
                    "source_id": match.source.doc_id,
                    "link": number,
                    "suspect_idx": [int(i) for i in link.suspect],
                    "source_idx": [int(i) for i in link.source],
                    "score": float(link.score),
                    "cosine": float(link.cosine),
                }
                for match in result.matches
                for number, link in enumerate(match.links)
            ],
            schema=_ALIGNMENT_SCHEMA,
        )
        with self._transaction():
            if self._first("SELECT 1 FROM runs WHERE run_id = ?", [run_id]):
                raise StoreError(f"run {run_id} is already in {self.path}")
            self._con.execute(
                "INSERT INTO runs (run_id, suspect_id, model, params, timings, notes, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    result.suspect.doc_id,
                    result.model,
                    _json(result.params),
                    _json(result.timings),
                    _json(result.notes),
                    _timestamp_value(result.created_at) if result.created_at else _now(),
                ],
            )
            with self._registered("match_rows", match_rows):
                self._con.execute("INSERT INTO matches BY NAME SELECT * FROM match_rows")
            with self._registered("alignment_rows", alignment_rows):
                self._con.execute("INSERT INTO alignments BY NAME SELECT * FROM alignment_rows")

    @_guarded
    def load_run(self, run_id_or_prefix: str) -> TraceResult:
        """A stored trace rebuilt as it was saved, with its documents read from the store."""
        run_id = self._resolve("runs", "run_id", run_id_or_prefix, "run")
        suspect_id, model, params, timings, notes, created_at = self._first(
            "SELECT suspect_id, model, params, timings, notes, created_at FROM runs WHERE run_id = ?", [run_id]
        )
        links_by_source: dict[str, list[Link]] = {}
        for source_id, suspect_idx, source_idx, score, cosine in self._con.execute(
            "SELECT source_id, suspect_idx, source_idx, score, cosine FROM alignments "
            "WHERE run_id = ? ORDER BY source_id, link",
            [run_id],
        ).fetchall():
            links_by_source.setdefault(source_id, []).append(
                Link(suspect=tuple(suspect_idx), source=tuple(source_idx), score=score, cosine=cosine)
            )
        cursor = self._con.execute(
            f"SELECT {', '.join(_MATCH_SCHEMA.names)} FROM matches WHERE run_id = ? ORDER BY rank", [run_id]
        )
        names = [column[0] for column in cursor.description]
        matches = []
        for values in cursor.fetchall():
            row = dict(zip(names, values))
            source_id = row["source_id"]
            matches.append(_match(row, self.get_document(source_id), links_by_source.get(source_id, [])))
        return TraceResult(
            run_id=run_id,
            suspect=self.get_document(suspect_id),
            matches=matches,
            model=model,
            params=json.loads(params),
            timings=json.loads(timings),
            created_at=_timestamp_text(created_at),
            notes=json.loads(notes),
        )

    @_guarded
    def runs(
        self,
        *,
        suspect: str | None = None,
        source: str | None = None,
        relation: str | None = None,
        since: str | None = None,
        words: Sequence[str] = (),
        limit: int | None = None,
    ) -> list[RunSummary]:
        """Stored traces, newest first, each with its top match. The filters narrow
        the list: the `suspect` traced and a `source` found (ids or unique prefixes),
        the top match's `relation` ("unrelated" also matches runs that judged nothing),
        runs made on or after `since` (ISO date), and `words` that must each appear in
        the suspect's title or text."""
        if self._dim is None:
            return []
        where, params = self._run_filter(suspect=suspect, source=source, relation=relation, since=since, words=words)
        limited = f"LIMIT {int(limit)}" if limit else ""
        rows = self._con.execute(
            "SELECT r.run_id, r.created_at, r.suspect_id, d.title, left(d.text, 200), m.relation, m.source_id, "
            "s.title, left(s.text, 200), m.confidence "
            f"{_RUN_JOINS} LEFT JOIN documents s ON s.doc_id = m.source_id "
            f"{where} ORDER BY r.created_at DESC, r.rowid DESC {limited}",
            params,
        ).fetchall()
        summaries = []
        for (
            run_id,
            created_at,
            suspect_id,
            title,
            text,
            top_relation,
            source_id,
            source_title,
            source_text,
            confidence,
        ) in rows:
            related = top_relation is not None and top_relation != "unrelated"
            summaries.append(
                RunSummary(
                    run_id=run_id,
                    created_at=_timestamp_text(created_at),
                    suspect_id=suspect_id,
                    suspect_title=_label(suspect_id, title, text),
                    relation=top_relation,
                    source_id=source_id if related else None,
                    source_title=_label(source_id, source_title, source_text) if related else None,
                    confidence=confidence,
                )
            )
        return summaries

    @_guarded
    def count_runs(
        self,
        *,
        suspect: str | None = None,
        source: str | None = None,
        relation: str | None = None,
        since: str | None = None,
        words: Sequence[str] = (),
    ) -> int:
        """How many stored traces `runs` would list with these filters and no limit
        (so that a limited list can say "1 of 3")."""
        if self._dim is None:
            return 0
        where, params = self._run_filter(suspect=suspect, source=source, relation=relation, since=since, words=words)
        return self._first(f"SELECT count(*) {_RUN_JOINS} {where}", params)[0]

    def _run_filter(
        self, *, suspect: str | None, source: str | None, relation: str | None, since: str | None, words: Sequence[str]
    ) -> tuple[str, list]:
        """The WHERE clause of `runs` and `count_runs` over _RUN_JOINS, and its parameters."""
        conditions, params = [], []
        if suspect:
            conditions.append("r.suspect_id = ?")
            params.append(self._resolve("documents", "doc_id", suspect, "document"))
        if source:
            conditions.append(
                "EXISTS (SELECT 1 FROM matches f WHERE f.run_id = r.run_id AND f.source_id = ? AND f.relation <> 'unrelated')"
            )
            params.append(self._resolve("documents", "doc_id", source, "document"))
        if relation:
            conditions.append("coalesce(m.relation, 'unrelated') = ?")
            params.append(relation)
        if since:
            conditions.append("r.created_at >= ?")
            params.append(_date_value(since))
        for word in words:
            conditions.append("contains(lower(coalesce(d.title, '') || ' ' || d.text), lower(?))")
            params.append(word)
        return (f"WHERE {' AND '.join(conditions)}" if conditions else ""), params

    # --- lineage ----------------------------------------------------------------

    @_guarded
    def save_judged(self, pairs: Sequence[Judged]) -> None:
        """Keep the judge's reading of pairs of stored articles (a pair read again replaces the old reading)."""
        if not pairs:
            return
        rows = pa.Table.from_pylist(
            [
                {
                    "suspect_id": pair.suspect,
                    "source_id": pair.source,
                    "relation": pair.relation,
                    "confidence": float(pair.confidence),
                    "direction": pair.direction,
                    "reasons": _json(pair.reasons),
                    "evidence": _json(asdict(pair.evidence)),
                    "links": _json(
                        [[list(link.suspect), list(link.source), link.score, link.cosine] for link in pair.links]
                    ),
                    "judged_at": _now(),
                }
                for pair in pairs
            ]
        )
        with self._transaction(), self._registered("judged_rows", rows):
            self._con.execute("INSERT OR REPLACE INTO judged_pairs BY NAME SELECT * FROM judged_rows")

    @_guarded
    def judged(self, doc_ids: Sequence[str]) -> list[Judged]:
        """Every stored reading of a pair with a member of `doc_ids` on either side."""
        if self._dim is None or not doc_ids:
            return []
        rows = self._con.execute(
            "SELECT suspect_id, source_id, relation, confidence, direction, reasons, evidence, links "
            "FROM judged_pairs WHERE list_contains(?, suspect_id) OR list_contains(?, source_id)",
            [list(doc_ids), list(doc_ids)],
        ).fetchall()
        return [
            Judged(
                suspect,
                source,
                relation,
                confidence,
                direction,
                json.loads(reasons),
                Evidence(**json.loads(evidence)),
                [Link(tuple(a), tuple(b), score, cosine) for a, b, score, cosine in json.loads(links)],
            )  # fmt: skip
            for suspect, source, relation, confidence, direction, reasons, evidence, links in rows
        ]

    @_guarded
    def story_of(self, doc_id: str) -> str | None:
        """The stored story a document belongs to, if any."""
        if self._dim is None:
            return None
        row = self._first("SELECT story_id FROM story_nodes WHERE node_id = ? AND stored", [doc_id])
        return row[0] if row else None

    @_guarded
    def save_story(self, story: Story) -> None:
        """Store a story's graph, replacing every stored story that shares a member with
        it (a new article can join two stories into one)."""
        stored = [node.id for node in story.nodes if node.stored]
        node_rows = pa.Table.from_pylist(
            [
                {
                    "story_id": story.story_id,
                    "position": position,
                    "node_id": node.id,
                    "stored": node.stored,
                    "title": node.title,
                    "site": node.site,
                    "lang": node.lang,
                    "published": _date_value(node.published),
                    "url": node.url,
                    "round_trip": node.round_trip,
                }
                for position, node in enumerate(story.nodes)
            ],
            schema=_STORY_NODE_SCHEMA,
        )
        edge_rows, ranks = [], {}
        for edge in story.edges:
            ranks[edge.child] = ranks.get(edge.child, 0) + 1
            edge_rows.append(
                {
                    "story_id": story.story_id,
                    "parent_id": edge.parent,
                    "child_id": edge.child,
                    "rank": ranks[edge.child],
                    "relation": edge.relation,
                    "confidence": float(edge.confidence),
                    "reason": edge.reason,
                    "direction_reasons": _json(edge.direction_reasons),
                    "kept": [int(i) for i in edge.kept],
                    "dropped": [int(i) for i in edge.dropped],
                    "added": [int(i) for i in edge.added],
                }
            )
        edge_rows = pa.Table.from_pylist(edge_rows, schema=_STORY_EDGE_SCHEMA)
        with self._transaction():
            replaced = [
                story_id
                for (story_id,) in self._con.execute(
                    "SELECT DISTINCT story_id FROM story_nodes WHERE stored AND list_contains(?, node_id)", [stored]
                ).fetchall()
            ] + [story.story_id]
            self._drop_stories(replaced)
            self._con.execute(
                "INSERT INTO stories VALUES (?, ?)",
                [story.story_id, _timestamp_value(story.built_at) if story.built_at else _now()],
            )
            with self._registered("node_rows", node_rows):
                self._con.execute("INSERT INTO story_nodes BY NAME SELECT * FROM node_rows")
            with self._registered("edge_rows", edge_rows):
                self._con.execute("INSERT INTO story_edges BY NAME SELECT * FROM edge_rows")

    @_guarded
    def load_story(self, story_id: str) -> Story:
        built_at = self._first("SELECT built_at FROM stories WHERE story_id = ?", [story_id])
        if built_at is None:
            raise NotFound(f"no story {story_id!r} in {self.path}")
        nodes = [
            StoryNode(node_id, title, site, lang, published.isoformat() if published else None, url, stored, round_trip)
            for node_id, stored, title, site, lang, published, url, round_trip in self._con.execute(
                "SELECT node_id, stored, title, site, lang, published, url, round_trip FROM story_nodes "
                "WHERE story_id = ? ORDER BY position",
                [story_id],
            ).fetchall()
        ]
        edges = [
            StoryEdge(
                parent, child, relation, confidence, reason, json.loads(reasons), list(kept), list(dropped), list(added)
            )
            for parent, child, relation, confidence, reason, reasons, kept, dropped, added in self._con.execute(
                "SELECT e.parent_id, e.child_id, e.relation, e.confidence, e.reason, e.direction_reasons, e.kept, "
                "e.dropped, e.added FROM story_edges e JOIN story_nodes n ON n.story_id = e.story_id "
                "AND n.node_id = e.child_id WHERE e.story_id = ? ORDER BY n.position, e.rank",
                [story_id],
            ).fetchall()
        ]
        return Story(story_id, nodes, edges, _timestamp_text(built_at[0]))

    @_guarded
    def added_since(self, moment: str) -> list[str]:
        """Ids of the documents stored since `moment` (an ISO timestamp; the store keeps
        seconds, so one stored in that very second is included), oldest first."""
        return [
            doc_id
            for (doc_id,) in self._con.execute(
                "SELECT doc_id FROM documents WHERE added_at >= ? ORDER BY added_at, doc_id", [_timestamp_value(moment)]
            ).fetchall()
        ]

    def _drop_stories(self, story_ids: Sequence[str]) -> None:
        """Remove stories' graphs (the judged pairs stay); the caller holds the transaction."""
        for table in ("story_edges", "story_nodes", "stories"):
            self._con.execute(f"DELETE FROM {table} WHERE list_contains(?, story_id)", [list(story_ids)])

    def _forget_lineage(self, doc_id: str, *, pairs: bool) -> None:
        """A document's metadata changed or it left: its story is rebuilt on the next
        `lineage`, and (`pairs`) its judged pairs are gone. The caller holds the transaction."""
        story_ids = [
            row[0]
            for row in self._con.execute(
                "SELECT DISTINCT story_id FROM story_nodes WHERE node_id = ?", [doc_id]
            ).fetchall()
        ]
        self._drop_stories(story_ids)
        if pairs:
            self._con.execute("DELETE FROM judged_pairs WHERE suspect_id = ? OR source_id = ?", [doc_id, doc_id])

    @_guarded
    def save_sweep(self, engine: str, params: dict, figures: dict, bad: Sequence[tuple[str, str]]) -> str:
        """Record a sweep (its pairs are saved with save_judged); returns its id."""
        sweep_id = uuid.uuid4().hex[:12]
        with self._transaction():
            self._con.execute(
                "INSERT INTO sweeps VALUES (?, ?, ?, ?, ?, ?)",
                [sweep_id, _now(), engine, _json(params), _json(figures), _json([list(item) for item in bad])],
            )
        return sweep_id

    @_guarded
    def known_items(self, keys: Sequence[str]) -> set[str]:
        """Which item keys of a bulk source ('url:' + URL, 'sha256:' + hash of its
        bytes) name a stored document, in one query: a recorded item whose document
        was deleted since is not known, and a URL counts when a stored document has it."""
        if self._dim is None or not keys:
            return set()
        rows = self._con.execute(
            """
            WITH wanted AS (SELECT unnest(?::VARCHAR[]) AS item_key)
            SELECT item_key FROM wanted JOIN ingested_items USING (item_key) JOIN documents USING (doc_id)
            UNION
            SELECT item_key FROM wanted JOIN documents ON item_key = 'url:' || documents.url
            """,
            [list(keys)],
        ).fetchall()
        return {key for (key,) in rows}

    @_guarded
    def record_items(self, items: dict[str, str]) -> None:
        """Record bulk-source item keys -> the document each gave (see known_items)."""
        if not items:
            return
        rows = pa.table(
            {
                "item_key": pa.array(list(items), pa.string()),
                "doc_id": pa.array(list(items.values()), pa.string()),
                "added_at": pa.array([_now()] * len(items), pa.timestamp("us")),
            }
        )
        with self._transaction(), self._registered("item_rows", rows):
            self._con.execute("INSERT OR REPLACE INTO ingested_items BY NAME SELECT * FROM item_rows")


def _connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the file, turning DuckDB's errors into one-line messages a user can act on."""
    try:
        return duckdb.connect(str(path), read_only=read_only, config=_DUCKDB_CONFIG)
    except duckdb.Error as error:
        if not read_only and path.exists() and not os.access(path, os.W_OK):
            raise StoreError(
                f"{path} is read-only and this command writes to the store; make it writable "
                "or use another --db (docs, show and runs only read it, and work)"
            ) from None
        message = str(error)
        if "Could not set lock" in message:
            pid = re.search(r"\(PID (\d+)\)", message)
            holder = f" (pid {pid.group(1)})" if pid else ""
            raise StoreError(f"{path} is in use by another process{holder}; close it or use another --db") from None
        # DuckDB hands a SQLite file to its sqlite extension, which the config keeps out.
        if "not a valid DuckDB database file" in message or "sqlite" in message.lower():
            raise StoreError(f"{path} is not a provenance store (not a DuckDB file); use another --db") from None
        failure = _file_failure(path, error)
        if failure is not None:
            raise failure from None
        raise StoreError(f"cannot open {path}: {_reason(error)}") from None


# What DuckDB says when the file itself is damaged (a truncated copy, a bad block)
_DAMAGED = ("corrupt", "could not read enough bytes", "checksum", "failed to load", "serialization error")
# ...and when it cannot write it (a full disk, a size limit, a read-only folder or file)
_UNWRITABLE = (
    "no space left", "file too large", "disk quota", "permission denied", "not permitted", "read-only", "read only",
)  # fmt: skip


def _failure(path: Path, error: duckdb.Error) -> StoreError | None:
    """A StoreError for a failure of the store's file, or None for any other error."""
    failure = _file_failure(path, error)
    if failure is None and isinstance(error, (duckdb.IOException, duckdb.FatalException)):
        return StoreError(f"the store {path} failed: {_reason(error)}")
    return failure


def _file_failure(path: Path, error: duckdb.Error) -> StoreError | None:
    """A StoreError for a file that cannot be written or is damaged, else None."""
    reason = _reason(error)
    lowered = str(error).lower()
    if any(words in lowered for words in _UNWRITABLE):
        return StoreError(f"cannot write to {path}: {reason}; nothing was half-written")
    if any(words in lowered for words in _DAMAGED):
        return StoreError(f"{path} is damaged ({reason}); restore a copy, or start a new store with --db")
    return None


def _reason(error: duckdb.Error) -> str:
    """DuckDB's first line without its "IO Error: " style prefixes, and without the
    "database has been invalidated" preamble that hides the original error."""
    message = str(error)
    original = re.search(r"Original error: \"?(.+?)\"?$", message, flags=re.S)
    first = (original.group(1) if original else message).strip().splitlines()[0]
    return re.sub(r"^(?:[A-Z][A-Za-z]* )*Error: ", "", first)


def _label(doc_id: str, title: str | None, text: str | None) -> str:
    """What Document.label would say, from a title and the start of a text."""
    return Document(doc_id=doc_id, text=text or "", lang="", title=title).label


def _now() -> datetime:
    """The store's clock: UTC, to the second, without a zone (DuckDB TIMESTAMP)."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def _timestamp_value(text: str) -> datetime:
    """A TIMESTAMP value (naive UTC) for an ISO time; a time without a zone is taken as UTC."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _timestamp_text(moment: datetime) -> str:
    """ISO text for a stored TIMESTAMP, which always holds UTC: "2024-09-12T08:15:00+00:00"."""
    return moment.replace(tzinfo=timezone.utc).isoformat()


def _date_value(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _json(value: object) -> str:
    """JSON text for a JSON column; numpy scalars and arrays from the scorers become plain numbers."""

    def plain(item: object) -> object:
        if isinstance(item, (np.generic, np.ndarray)):
            return item.tolist()
        raise TypeError(f"{type(item).__name__} is not JSON serialisable")

    return json.dumps(value, ensure_ascii=False, default=plain)


def _rows(
    items: list[tuple[Document, np.ndarray, np.ndarray]], first_seq: int, now: datetime
) -> tuple[pa.Table, pa.Table]:
    """The document and passage rows of new documents, numbered from first_seq."""
    docs = [doc for doc, _, _ in items]
    seqs = list(range(first_seq, first_seq + len(docs)))
    passages = [(seq, doc.doc_id, p) for seq, doc in zip(seqs, docs) for p in doc.passages]
    dim = items[0][2].shape[-1]
    documents = pa.table(
        {
            "doc_id": [doc.doc_id for doc in docs],
            "seq": pa.array(seqs, pa.int64()),
            "url": pa.array([doc.url for doc in docs], pa.string()),
            "title": pa.array([doc.title for doc in docs], pa.string()),
            "site": pa.array([doc.site for doc in docs], pa.string()),
            "author": pa.array([doc.author for doc in docs], pa.string()),
            "published": pa.array([_date_value(doc.published) for doc in docs], pa.date32()),
            "lang": [doc.lang for doc in docs],
            "text": [doc.text for doc in docs],
            "cues": [_json([asdict(cue) for cue in doc.cues]) for doc in docs],
            "added_at": pa.array([now] * len(docs), pa.timestamp("us")),
            "vector": pack(np.stack([doc_vec.reshape(-1) for _, _, doc_vec in items])),
        }
    )
    passage_vectors = [vecs for _, vecs, _ in items if len(vecs)]
    passage_rows = pa.table(
        {
            "seq": pa.array([seq for seq, _, _ in passages], pa.int64()),
            "doc_id": pa.array([doc_id for _, doc_id, _ in passages], pa.string()),
            "idx": pa.array([p.idx for _, _, p in passages], pa.int32()),
            "para": pa.array([p.para for _, _, p in passages], pa.int32()),
            "kind": pa.array([p.kind for _, _, p in passages], pa.string()),
            "lang": pa.array([p.lang for _, _, p in passages], pa.string()),
            "text": pa.array([p.text for _, _, p in passages], pa.string()),
            "start_char": pa.array([p.start for _, _, p in passages], pa.int32()),
            "end_char": pa.array([p.end for _, _, p in passages], pa.int32()),
            "text_key": pa.array([text_key(p.text) for _, _, p in passages], pa.uint64()),
            "vector": pack(np.concatenate(passage_vectors) if passage_vectors else np.empty((0, dim), np.float32)),
        }
    )
    return documents, passage_rows


def _document_filter(
    *, site: str | None, lang: str | None, since: str | None, until: str | None, words: Sequence[str]
) -> tuple[str, list]:
    """The WHERE clause (and its parameters) of `Store.documents`' filters."""
    conditions, params = [], []
    if site:
        conditions.append("contains(lower(site), lower(?))")
        params.append(site)
    if lang:
        conditions.append("lang = ?")
        params.append(lang)
    if since:
        conditions.append("published >= ?")
        params.append(_date_value(since))
    if until:
        conditions.append("published <= ?")
        params.append(_date_value(until))
    for word in words:
        conditions.append("contains(lower(coalesce(title, '') || ' ' || text), lower(?))")
        params.append(word)
    return (f"WHERE {' AND '.join(conditions)}" if conditions else ""), params


def _in_list(values: Sequence[int]) -> str:
    """Integers as a literal SQL list: DuckDB looks a constant IN list up in the
    column's index, where a joined or bound list makes it scan the table."""
    return "(" + ", ".join(str(int(value)) for value in values) + ")"


def _document(row: tuple) -> Document:
    doc_id, url, title, site, author, published, lang, text, cues, added_at = row
    return Document(
        doc_id=doc_id,
        text=text,
        lang=lang,
        cues=[Cue(**cue) for cue in json.loads(cues)],
        title=title,
        url=url,
        site=site,
        author=author,
        published=published.isoformat() if published else None,
        added_at=_timestamp_text(added_at),
    )


def _match_row(run_id: str, rank: int, match: Match) -> dict:
    return {
        "run_id": run_id,
        "rank": rank,
        "source_id": match.source.doc_id,
        **{c.name: c.cell(match.candidate) for c in _CANDIDATE_COLUMNS},
        **{c.name: c.cell(match) for c in _MATCH_COLUMNS},
        **{c.name: c.cell(match.evidence) for c in _EVIDENCE_COLUMNS},
    }


def _match(row: dict, source: Document, links: list[Link]) -> Match:
    return Match(
        source=source,
        candidate=Candidate(doc_id=source.doc_id, **{c.field: c.value(row) for c in _CANDIDATE_COLUMNS}),
        evidence=Evidence(**{c.field: c.value(row) for c in _EVIDENCE_COLUMNS}),
        links=links,
        **{c.field: c.value(row) for c in _MATCH_COLUMNS},
    )
