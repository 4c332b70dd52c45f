"""The library's front door: read this file top to bottom to see the whole pipeline.

    ingest -> language -> passages -> cues -> embed -> store      (Tracker.add)
    suspect -> retrieve -> align + judge -> store -> TraceResult  (Tracker.trace)

Every stage is a plain function in its own module; the Tracker only wires them to
one store and one embedding model, and times each step.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import settings
from .cues import extract_cues, translation_hints
from .embed import Embedder, load_embedder
from .errors import InputError, NotFound, StoreError
from .ingest import content_id, metadata_fields, read_source
from .judge import compare, mark_siblings, place
from .language import document_language
from .models import (
    DERIVED,
    PARTIAL,
    SIBLING,
    UNDECIDED,
    UNRELATED,
    Added,
    Candidate,
    Document,
    Match,
    RawDocument,
    TraceResult,
)
from .progress import NullProgress, Progress
from .retrieve import Corpus, body_rows, document_vector, retrieve
from .segment import split_passages
from .store import RunSummary, Store, default_db_path


def prepare(raw: RawDocument) -> Document:
    """Language, passages, cues and id of an ingested text; no model, no store."""
    lang = raw.lang or document_language(raw.text)
    passages = split_passages(raw.text, lang)
    if not passages:
        raise InputError(f"{raw.origin}: no passages found in the text")
    return Document(
        doc_id=content_id(raw.text),
        text=raw.text,
        lang=lang,
        passages=passages,
        cues=extract_cues(passages),
        title=raw.title,
        url=raw.url,
        site=raw.site,
        author=raw.author,
        published=raw.published,
    )


def text_hash(text: str) -> str:
    """Key of the embedding cache: the same text is never embedded twice by one model."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class Tracker:
    """One store and one embedding model, and the pipeline over them: `add` ingests and
    stores articles, `trace` finds a suspect's source among them, `show` re-reads a
    stored trace. The model loads on first use, so reading commands never load it.

        with Tracker("news.duckdb") as tracker:
            tracker.add("originals.jsonl")
            result = tracker.trace("suspect.html", keep=False)
            print(result.source.source.title if result.source else "no source found")
    """

    def __init__(
        self,
        db: str | os.PathLike | None = None,
        model: str | None = None,
        progress: Progress | None = None,
        create: bool = True,
    ):
        """`create=False` opens only an existing store: a command that only reads must
        not turn a mistyped --db into a new, empty store."""
        self.store = Store(Path(db) if db else default_db_path(), create=create)
        self._model_spec = model
        self._embedder: Embedder | None = None
        self._corpus: Corpus | None = None
        self.progress = progress or NullProgress()

    # -- model and embeddings ---------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        """Loaded on first use, so `show` and `docs` never load a model. Without
        --model, a store keeps using the model it was built with."""
        if self._embedder is None:
            self._embedder = load_embedder(self._model_spec or self.store.model or settings.DEFAULT_MODEL)
            self.store.bind_model(self._embedder.name, self._embedder.dim)
        return self._embedder

    def embed_texts(self, texts: list[str], description: str = "embedding") -> np.ndarray:
        """Vectors for texts, from the store's cache where it has them."""
        model = self.embedder
        hashes = [text_hash(t) for t in texts]
        cached = self.store.cached_embeddings(model.name, list(dict.fromkeys(hashes)))
        missing = list(dict.fromkeys(h for h in hashes if h not in cached))
        if missing:
            first_text = {}
            for h, t in zip(hashes, texts):
                first_text.setdefault(h, t)
            with self.progress.task(description, total=len(missing)) as advance:
                vectors = model.encode([first_text[h] for h in missing], progress=advance)
            self.store.put_embeddings(model.name, missing, vectors)
            cached.update(zip(missing, vectors))
        out = np.empty((len(texts), model.dim), dtype=np.float32)
        for row, h in enumerate(hashes):
            out[row] = cached[h]
        return out

    def passage_vectors(self, doc: Document) -> np.ndarray:
        return self.embed_texts([p.text for p in doc.passages])

    # -- add --------------------------------------------------------------------

    def read(self, source: str, **overrides) -> list[Document]:
        overrides = {key: value for key, value in overrides.items() if value is not None}
        return [prepare(raw) for raw in read_source(source, **overrides)]

    def add(self, source: str, **overrides) -> list[Added]:
        """Ingest a source (URL, file, .jsonl, "-") and store each new document. The
        metadata given also corrects documents already stored (their `changes`)."""
        added = self.add_documents(self.read(source, **overrides))
        given = {key: value for key, value in overrides.items() if value is not None}
        if not given:
            return added
        return [item if item.new else self._corrected(item.doc.doc_id, given) for item in added]

    def _corrected(self, doc_id: str, metadata: dict) -> Added:
        _, changes = self.store.update_document(doc_id, **metadata_fields(**metadata))
        return Added(self.store.get_document(doc_id), False, changes)

    def add_documents(self, docs: list[Document]) -> list[Added]:
        stored_before = self.store.stored_ids([doc.doc_id for doc in docs])
        new_docs = [doc for doc in {d.doc_id: d for d in docs}.values() if doc.doc_id not in stored_before]
        if not new_docs:
            return [Added(self.store.get_document(doc.doc_id), False) for doc in docs]
        # one embedding pass over every new passage, so a big .jsonl shows one progress bar
        vectors = self.embed_texts([p.text for doc in new_docs for p in doc.passages])
        items, start = [], 0
        for doc in new_docs:
            passage_vecs = vectors[start : start + len(doc.passages)]
            start += len(doc.passages)
            items.append((doc, passage_vecs, document_vector(passage_vecs[body_rows(doc)])))
        stored: set[str] = set()
        # a few hundred documents a transaction: one per document is slow in bulk, and
        # Ctrl-C during a big .jsonl keeps every batch already written
        with self.progress.task("storing", total=len(items)) as advance:
            for first in range(0, len(items), settings.STORE_BATCH_DOCUMENTS):
                batch = items[first : first + settings.STORE_BATCH_DOCUMENTS]
                stored |= self.store.add_documents(batch)
                advance(len(batch))
        self._corpus = None
        return [
            Added(doc, True) if doc.doc_id in stored else Added(self.store.get_document(doc.doc_id), False)
            for doc in docs
        ]

    # -- trace ------------------------------------------------------------------

    def resolve(self, suspect: str, keep: bool = True, **overrides) -> Document:
        """A stored doc id (or unique prefix), else a source to read (and, with keep,
        to add first)."""
        looks_like_source = suspect == "-" or "://" in suspect or Path(suspect).exists()
        if not looks_like_source:
            try:
                return self.store.get_document(suspect)
            except NotFound:
                raise NotFound(f"{suspect!r} is neither a stored document id nor a file or URL") from None
        docs = self.read(suspect, **overrides)
        if len(docs) != 1:
            raise InputError(f"{suspect}: trace takes one document, this source holds {len(docs)}")
        return self.add_documents(docs)[0].doc if keep else docs[0]

    def trace(self, suspect: str | Document, *, top_k: int = settings.TOP_K, keep: bool = True, **overrides) -> TraceResult:
        """Find the suspect's source among the stored documents. With keep (the default)
        the suspect is stored first and the run saved, so `show` can re-read it; without,
        the store is left as it was (the embedding cache aside), so tracing many
        suspects one after another gives each the same store."""
        timings = {}
        self._require_documents()
        with _timed(timings, "ingest"):
            if isinstance(suspect, Document):
                doc = self.add_documents([suspect])[0].doc if keep else suspect
            else:
                doc = self.resolve(suspect, keep=keep, **overrides)
        if all(doc_id == doc.doc_id for doc_id in self.corpus().doc_ids):  # stops at the first other
            raise StoreError("the store holds only this document: add the originals first")
        with _timed(timings, "embed"):
            vectors = self.passage_vectors(doc)
        with _timed(timings, "retrieve"):
            candidates = retrieve(doc, vectors, self.corpus(), top_k=top_k)
        with _timed(timings, "align"):
            matches = self.judge(doc, vectors, candidates)
        result = TraceResult(
            run_id=uuid.uuid4().hex[:12],
            suspect=doc,
            matches=matches,
            model=self.embedder.name,
            # the documents the suspect was traced against: the suspect itself is not one
            params={"top_k": top_k, "stored_documents": len(self.corpus().doc_ids) - self.corpus().doc_ids.count(doc.doc_id)},
            timings=timings,
            created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            notes=translation_hints(doc.cues, doc.lang),
        )
        if keep:
            with _timed(timings, "store"):
                self.store.save_run(result)
        return result

    def suspect(self, suspect: str, keep: bool = True, **metadata) -> Document:
        """What `trace` should trace: `resolve`'s document with the metadata given
        applied, also to a document already stored (corrected in the store with keep,
        in memory without), so that a date given for a stored suspect is never ignored."""
        self._require_documents()
        doc = self.resolve(suspect, keep=keep, **metadata)
        given = {key: value for key, value in metadata.items() if value is not None}
        if not given:
            return doc
        return self._corrected(doc.doc_id, given).doc if keep else replace(doc, **metadata_fields(**given))

    def _require_documents(self) -> None:
        """Refuse to trace against an empty store, before the suspect is read (and stored)."""
        if self.store.document_count() == 0:
            raise StoreError("the store is empty: add the originals first")

    def judge(self, doc: Document, vectors: np.ndarray, candidates: list[Candidate]) -> list[Match]:
        """Align and judge the suspect against each stored candidate, place each related
        one (a source, a sibling, or derived from the suspect), and rank them as a
        trace reports them."""
        # one read for every candidate's vectors: the sibling check compares them again
        source_vecs = self.store.passage_vectors([candidate.doc_id for candidate in candidates])
        matches = []
        with self.progress.task("aligning candidates", total=len(candidates)) as advance:
            for candidate in candidates:
                source = self.store.get_document(candidate.doc_id)
                matches.append(compare(doc, vectors, source, source_vecs[source.doc_id], candidate))
                advance(1)
        for match in matches:
            place(doc, match)
        ranked = rank_matches(matches)
        mark_siblings(
            ranked,
            lambda later, upstream: compare(later, source_vecs[later.doc_id], upstream, source_vecs[upstream.doc_id]),
        )
        return rank_matches(ranked)

    def corpus(self) -> Corpus:
        """Every stored document's vector, kept in memory between traces."""
        if self._corpus is None:
            self._corpus = Corpus.from_store(self.store)
        return self._corpus

    # -- read back --------------------------------------------------------------

    def show(self, run_id: str) -> TraceResult:
        return self.store.load_run(run_id)

    def documents(self, **filters) -> list[Document]:
        """Stored documents, newest first; filters as Store.documents takes them."""
        return self.store.documents(**filters)

    def runs(self, **filters) -> list[RunSummary]:
        """Stored traces, newest first; filters as Store.runs takes them."""
        return self.store.runs(**filters)

    # -- correct and remove -------------------------------------------------------

    def update(self, doc_id: str, **metadata) -> Added:
        """Correct a stored document's metadata (--url, --title, --date, --lang, --site,
        --author as `add` takes them); `changes` says what changed."""
        given = {key: value for key, value in metadata.items() if value is not None}
        if not given:
            raise InputError("nothing to update: give --date, --site, --url, --title, --author or --lang")
        return self._corrected(self.store.get_document(doc_id).doc_id, given)

    def delete(self, doc_id: str) -> str:
        """Remove a stored document (refused while a run uses it); returns its id."""
        removed = self.store.delete_document(doc_id)
        self._corpus = None
        return removed

    def delete_run(self, run_id: str) -> str:
        return self.store.delete_run(run_id)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Tracker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def rank_matches(matches: list[Match]) -> list[Match]:
    """Possible sources first (partial reuse after whole-story reuse), then undecided
    ones, siblings, articles derived from the suspect, and unrelated ones. Among sources,
    the one the suspect cites, then the earliest published (the upstream end of a chain
    of copies), then the strongest evidence. Unrelated ones keep retrieval's order:
    their confidence is that they are unrelated, so it says nothing about which is the
    nearer miss."""

    def key(match: Match):
        if match.relation == UNRELATED:
            return (9, 0.0, "", -match.candidate.score)
        if match.relation == UNDECIDED:
            return (5, 0.0, "", -match.confidence)
        tier = {SIBLING: 6, DERIVED: 7}.get(match.role, 0) + (match.relation == PARTIAL)
        ev = match.evidence
        strength = match.confidence * (ev.suspect_aligned + ev.source_covered)
        return (tier, -match.candidate.cue_boost, match.source.published or "9999", -strength)

    return sorted(matches, key=key)


@contextmanager
def _timed(timings: dict[str, float], stage: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = round(timings.get(stage, 0.0) + time.perf_counter() - start, 4)
