"""Sweep a corpus for reuse: every related pair of articles, found and judged at once.

`trace` asks where one suspect came from; a sweep asks it of every article. The
candidate pairs are each article's nearest articles by document vector
(retrieve.neighbours, what `lineage` judges around each member of a story), among
those published within `window_days` of it when both dates are known, since a
source is rarely weeks older than what reuses it. Each pair is judged once, by
`judge_pair`, with the judge `trace` uses, and kept as a `Judged` row in the store's
judged_pairs table, which `lineage` reads: a story of a swept article is built from
the sweep's readings without judging them again.

The Spark job (spark_sweep.py) runs the same steps on a cluster and calls the same
functions defined here (`read_corpus`'s record readers, `neighbours`, `judge_pair`),
so both find the same pairs with the same relations. A corpus file's bad records
(empty text, binary bytes, a broken WARC record) never stop a sweep: each is a
`BadRecord`, counted and listed at the end.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from . import settings
from .archives import Failure, warc_items
from .errors import InputError, ProvenanceError
from .ingest import metadata_fields, normalise_text, read_bytes
from .judge import compare
from .models import RELATED, Cue, Document, Evidence, Judged, Link, Passage, RawDocument
from .prepare import prepare
from .progress import NullProgress, Progress
from .retrieve import Corpus, body_rows, document_vector, neighbours
from .vectors import pack, unpack

CORPUS_SUFFIXES = (".jsonl", ".jsonl.gz", ".parquet", ".warc", ".warc.gz")
RECORD_FIELDS = ("text", "url", "title", "date", "lang", "site", "author")
# a text with more than this share of U+FFFD or control characters is binary, not an article
BINARY_SHARE = 0.05


@dataclass
class BadRecord:
    """A corpus record the sweep skipped, and why."""

    origin: str  # "corpus.jsonl:12", "crawl.warc.gz@1234"
    reason: str


@dataclass
class SweepResult:
    documents: int  # articles swept
    pairs: int  # candidate pairs judged
    judged: list[Judged]
    bad: list[BadRecord] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    sweep_id: str | None = None  # its row in the store's sweeps table, once recorded

    @property
    def related(self) -> list[Judged]:
        return [pair for pair in self.judged if pair.relation in RELATED]


# --- reading a corpus -------------------------------------------------------------


def read_corpus(paths: Iterable[str | Path]) -> Iterator[RawDocument | BadRecord]:
    """Every record of JSONL (optionally gzipped), Parquet and WARC files, in order; a
    record that cannot be an article comes out as a BadRecord, a file that cannot be
    read at all as an InputError."""
    for path in map(Path, paths):
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        kind = corpus_kind(path)
        if kind == "jsonl":
            opener = gzip.open if path.name.endswith(".gz") else open
            with opener(path, "rb") as lines:
                for number, line in enumerate(lines, start=1):
                    if line.strip():
                        yield jsonl_record(line, f"{path}:{number}")
        elif kind == "parquet":
            yield from parquet_records(path)
        else:
            with path.open("rb") as stream:
                yield from warc_records(stream, str(path))


def corpus_kind(path: Path) -> str:
    name = path.name.lower()
    for suffix in CORPUS_SUFFIXES:
        if name.endswith(suffix):
            return suffix.split(".")[1]
    raise InputError(f"{path}: a corpus is .jsonl, .jsonl.gz, .parquet, .warc or .warc.gz files")


def jsonl_record(line: bytes | str, origin: str) -> RawDocument | BadRecord:
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        return BadRecord(origin, f"not valid JSON ({getattr(err, 'msg', None) or err.reason})")
    return record_document(record, origin)


def parquet_records(path: Path) -> Iterator[RawDocument | BadRecord]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as err:
        raise InputError(f"{path}: not a readable Parquet file ({err})") from None
    if "text" not in table.schema_arrow.names:
        raise InputError(f"{path}: a corpus Parquet file needs a 'text' column")
    columns = [name for name in RECORD_FIELDS if name in table.schema_arrow.names]
    row = 0
    for batch in table.iter_batches(columns=columns):
        for record in batch.to_pylist():
            row += 1
            yield record_document(record, f"{path}#{row}")


def record_document(record: object, origin: str) -> RawDocument | BadRecord:
    """One corpus record (a JSON object, a Parquet row) as an article, or why not."""
    if not isinstance(record, dict):
        return BadRecord(origin, "not a JSON object")
    for name in RECORD_FIELDS:
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            if name == "date" and isinstance(value, date):
                record = {**record, name: value.isoformat()}
                continue
            return BadRecord(origin, f"{name!r} must be a string")
    return text_document(
        record.get("text") or "", origin,
        **{name: record.get(name) or None for name in RECORD_FIELDS if name != "text"},
    )  # fmt: skip


def text_document(text: str, origin: str, **metadata: str | None) -> RawDocument | BadRecord:
    """Text and metadata as an article: an empty, binary or oversized text, or a bad
    date or language code, is a BadRecord."""
    if looks_binary(text):
        return BadRecord(origin, "binary content, not text")
    text = normalise_text(text)
    if not text:
        return BadRecord(origin, "empty text")
    if len(text) > settings.MAX_TEXT_CHARS:
        return BadRecord(origin, f"{len(text):,} characters, over the cap of {settings.MAX_TEXT_CHARS:,}")
    try:
        fields = metadata_fields(**metadata)
    except InputError as err:
        return BadRecord(origin, str(err).replace("--", ""))
    return RawDocument(text=text, origin=origin, **fields)


def looks_binary(text: str) -> bool:
    if not text:
        return False
    odd = sum(1 for ch in text if ch == "\ufffd" or (ch < " " and ch not in "\n\r\t\f\v"))
    return odd / len(text) > BINARY_SHARE


def warc_records(stream, origin: str) -> Iterator[RawDocument | BadRecord]:
    """The HTML responses of a WARC file as articles, read as `add` reads a crawl
    (archives.warc_items; the crawl's date where the page gives none). A file cut off
    or unreadable past a record keeps the records before it; the rest is one bad record."""
    notes: list[str] = []
    for item in warc_items(stream.read(), notes, origin):
        if isinstance(item, Failure):
            yield BadRecord(item.origin, item.reason)
            continue
        try:
            [raw] = read_bytes(item.data, item.origin, suffix=".html", charset=item.charset, url=item.url)
        except InputError as err:
            yield BadRecord(item.origin, str(err).removeprefix(f"{item.origin}: "))
            continue
        date = raw.published or item.date
        yield text_document(
            raw.text, item.origin, url=raw.url, title=raw.title, site=raw.site, author=raw.author, date=date
        )


def split_records(records: Iterable[RawDocument | BadRecord]) -> tuple[list[Document], list[BadRecord]]:
    """Prepared articles (language, passages, cues) and the bad records, the same text
    twice kept once."""
    docs: dict[str, Document] = {}
    bad: list[BadRecord] = []
    for record in records:
        if isinstance(record, BadRecord):
            bad.append(record)
            continue
        try:
            doc = prepare(record)
        except ProvenanceError as err:
            bad.append(BadRecord(record.origin, str(err).removeprefix(f"{record.origin}: ")))
            continue
        docs.setdefault(doc.doc_id, doc)
    return list(docs.values()), bad


# --- pairs --------------------------------------------------------------------------


def day_number(published: str | None) -> int:
    """Days since 0001-01-01, -1 when unknown: dates compared as numbers in bulk."""
    return date.fromisoformat(published[:10]).toordinal() if published else -1


def in_window(days: np.ndarray, day: int, window_days: int | None) -> np.ndarray:
    """Which articles may pair with one published on `day`: any, when a date is unknown."""
    if window_days is None or day < 0:
        return np.ones(len(days), dtype=bool)
    return (days < 0) | (np.abs(days - day) <= window_days)


def candidates(doc: Document, vectors: np.ndarray, corpus: Corpus) -> list[str]:
    """The ids `doc` is paired with: its nearest articles in `corpus` (already cut to
    its date window), as lineage takes them."""
    found = neighbours(
        doc, vectors, corpus, top_k=settings.LINEAGE_TOP_K, other_languages=settings.LINEAGE_OTHER_LANGUAGES
    )
    return [candidate.doc_id for candidate in found]


def reading_order(a: Document, b: Document) -> tuple[Document, Document]:
    """(suspect, source): a pair is read from the later article's side, as a trace of
    it would read it; with no dates to tell, from the shorter one's (an extract reads
    as a partial reuse of the whole), then by id, so the order never depends on which
    side found the other."""

    def key(doc: Document):
        return (doc.published or "", -len(doc.body or doc.passages), doc.doc_id)

    return (a, b) if key(a) > key(b) else (b, a)


def judge_pair(a: Document, a_vecs: np.ndarray, b: Document, b_vecs: np.ndarray) -> Judged:
    """The one reading of a pair both sweeps make: `trace`'s judge, from the side
    `reading_order` picks."""
    suspect, source = reading_order(a, b)
    vectors = {a.doc_id: a_vecs, b.doc_id: b_vecs}
    return Judged.of(suspect.doc_id, compare(suspect, vectors[suspect.doc_id], source, vectors[source.doc_id]))


def pair_key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


# --- the single-machine sweep -------------------------------------------------------


def sweep_store(
    tracker,
    *,
    since: str | None = None,
    until: str | None = None,
    window_days: int | None = settings.SWEEP_WINDOW_DAYS,
    progress: Progress | None = None,
) -> SweepResult:
    """Judge every candidate pair among the stored articles published from `since` to
    `until` (all, without them), and store the readings. Every swept article's
    passages and vectors are held in memory: past a few hundred thousand articles,
    run the Spark job instead."""
    import time

    progress = progress or NullProgress()
    seconds: dict[str, float] = {}
    began = time.perf_counter()
    store = tracker.store
    # in the order stored (documents() lists the newest first): ties go to the earlier
    swept = store.documents(text_chars=0, since=since, until=until)[::-1]
    ids = [doc.doc_id for doc in swept]
    doc_vectors = store.vectors_of(ids)
    matrix = np.stack([doc_vectors[doc_id] for doc_id in ids]) if ids else np.empty((0, store.dim or 0), np.float32)
    days = np.array([day_number(doc.published) for doc in swept], dtype=np.int64)
    docs = {doc_id: store.get_document(doc_id) for doc_id in ids}
    vectors = store.passage_vectors(ids)
    seconds["read"] = time.perf_counter() - began

    began = time.perf_counter()
    pairs: set[tuple[str, str]] = set()
    windows: dict[int, Corpus] = {}  # one cut of the corpus per publication day
    with progress.task("finding candidate pairs", total=len(docs)) as advance:
        for doc_id, doc in docs.items():
            day = day_number(doc.published)
            if day not in windows:
                rows = np.flatnonzero(in_window(days, day, window_days))
                windows[day] = Corpus.in_memory([swept[row] for row in rows], matrix[rows])
            pairs.update(pair_key(doc_id, other) for other in candidates(doc, vectors[doc_id], windows[day]))
            advance(1)
    seconds["pairs"] = time.perf_counter() - began

    began = time.perf_counter()
    judged = []
    with progress.task("judging pairs", total=len(pairs)) as advance:
        for a, b in sorted(pairs):
            judged.append(judge_pair(docs[a], vectors[a], docs[b], vectors[b]))
            advance(1)
    seconds["judge"] = time.perf_counter() - began
    store.save_judged(judged)
    return SweepResult(len(docs), len(pairs), judged, seconds={k: round(v, 3) for k, v in seconds.items()})


# --- rows: what the Spark job writes as Parquet, and the store imports ----------------


def document_row(doc: Document, vectors: np.ndarray) -> dict:
    """A document and its vectors as the Spark job writes them: the vectors as a store
    would give them back (vectors.py), so the Spark sweep reads the same cosines as a
    sweep of the store, and importing them stores the same bytes."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    doc_vector = stored_form(document_vector(vectors[body_rows(doc)])[None, :])[0]
    vectors = stored_form(vectors)
    return {
        "doc_id": doc.doc_id,
        "text": doc.text,
        "lang": doc.lang,
        "title": doc.title,
        "url": doc.url,
        "site": doc.site,
        "author": doc.author,
        "published": doc.published,
        "day": day_number(doc.published),
        "passages": json.dumps([asdict(p) for p in doc.passages], ensure_ascii=False),
        "cues": json.dumps([asdict(cue) for cue in doc.cues], ensure_ascii=False),
        "vectors": vectors.tobytes(),
        "doc_vector": doc_vector.tobytes(),
    }


def stored_form(vectors: np.ndarray) -> np.ndarray:
    """Vectors packed and unpacked, as the store keeps them (packing these again gives
    the same bytes: each row's largest magnitude is its scale's 127)."""
    return unpack(pack(vectors), vectors.shape[1]) if len(vectors) else vectors


def document_of(row: dict) -> tuple[Document, np.ndarray]:
    """A document_row back as the document and its passage vectors."""
    passages = [Passage(**p) for p in json.loads(row["passages"])]
    doc = Document(
        doc_id=row["doc_id"], text=row["text"], lang=row["lang"], passages=passages,
        cues=[Cue(**cue) for cue in json.loads(row["cues"])], title=row["title"], url=row["url"],
        site=row["site"], author=row["author"], published=row["published"],
    )  # fmt: skip
    vectors = np.frombuffer(row["vectors"], dtype=np.float32).reshape(len(passages), -1)
    return doc, vectors


def judged_row(pair: Judged) -> dict:
    return {
        "suspect_id": pair.suspect,
        "source_id": pair.source,
        "relation": pair.relation,
        "confidence": float(pair.confidence),
        "direction": pair.direction,
        "reasons": json.dumps(pair.reasons, ensure_ascii=False),
        "evidence": json.dumps(asdict(pair.evidence), ensure_ascii=False),
        "links": json.dumps([[list(link.suspect), list(link.source), link.score, link.cosine] for link in pair.links]),
    }


def judged_of(row: dict) -> Judged:
    return Judged(
        row["suspect_id"], row["source_id"], row["relation"], row["confidence"], row["direction"],
        json.loads(row["reasons"]), Evidence(**json.loads(row["evidence"])),
        [Link(tuple(a), tuple(b), score, cosine) for a, b, score, cosine in json.loads(row["links"])],
    )  # fmt: skip


def import_results(store, folder: str | Path, batch: int = settings.STORE_BATCH_DOCUMENTS) -> dict:
    """Load a Spark sweep's results (documents with their vectors, judged pairs, bad
    records) into a store; returns the run's manifest with the bad records listed.
    Documents already stored stay as they are; a pair read again replaces the old reading."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(folder)
    parts = sorted((folder / "manifest").glob("part-*"))
    if not parts:
        raise InputError(f"{folder}: not the output of a Spark sweep (no manifest/)")
    manifest = json.loads(next(line for part in parts for line in part.read_text().splitlines() if line.strip()))
    if not manifest.get("documents"):  # an empty corpus, or every record bad: no model, no vectors, nothing to store
        raise InputError(
            f"{folder}: the Spark sweep read no documents ({manifest.get('bad_records', 0)} bad records): "
            "nothing to import; check the corpus files it was given"
        )
    try:
        # a run given --documents read an earlier run's, which may sit elsewhere
        documents = pq.ParquetDataset(
            folder / "documents" if (folder / "documents").exists() else manifest["documents_path"]
        )
        judged = pq.read_table(folder / "judged")
        bad = pq.read_table(folder / "bad").to_pylist() if (folder / "bad").exists() else []
    except (pa.ArrowException, OSError) as err:
        raise InputError(f"{folder}: cannot read the sweep's Parquet ({err})") from None
    if manifest["dim"]:
        store.bind_model(manifest["model"], manifest["dim"])
    added = 0
    for fragment in documents.fragments:
        for rows in fragment.to_table().to_batches(batch):
            items = []
            for row in rows.to_pylist():
                doc, vectors = document_of(row)
                items.append((doc, vectors, np.frombuffer(row["doc_vector"], dtype=np.float32)))
            added += len(store.add_documents(items))
    readings = [judged_of(row) for row in judged.to_pylist()]
    store.save_judged(readings)
    return {
        **manifest,
        "added": added,
        "bad": [BadRecord(row["origin"], row["reason"]) for row in bad],
        "related_pairs": sorted(
            (pair for pair in readings if pair.relation in RELATED), key=lambda p: (p.suspect, p.source)
        ),
    }
