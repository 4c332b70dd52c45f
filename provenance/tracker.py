"""The library's front door: read this file top to bottom to see the whole pipeline.

    ingest -> language -> passages -> cues -> embed -> store      (Tracker.add)
    archive items -> the same, extraction in worker processes       (Tracker.add_bulk)
    suspect -> retrieve -> align + judge -> store -> TraceResult  (Tracker.trace)

Every stage is a plain function in its own module; the Tracker only wires them to
one store and one embedding model, and times each step.
"""

from __future__ import annotations

import os
import time
import uuid
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import settings, translated
from .attribution import nearest_sources, place, rank
from .cues import translation_hints
from .embed import Embedder, load_embedder
from .errors import InputError, NotFound, StoreError
from .ingest import content_id, metadata_fields, read_source
from .judge import compare
from .lineage import Pairs, build_story, component
from .models import (
    CITED,
    COPY,
    Added,
    BulkSummary,
    Candidate,
    Document,
    Judged,
    Match,
    RawDocument,
    Story,
    TraceResult,
)
from .outlets import StoredOutlets
from .prepare import prepare
from .progress import NullProgress, Progress
from .retrieve import Corpus, Hit, body_rows, document_vector, neighbours, retrieve
from .store import RunSummary, Store, default_db_path
from .vectors import text_hash

if TYPE_CHECKING:  # bulk adds and sweeps load their modules when run: a trace does not need them
    from .archives import BulkSource
    from .sweep import SweepResult


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
        read_only: bool = False,
    ):
        """`create=False` opens only an existing store: a command that only reads must
        not turn a mistyped --db into a new, empty store. `read_only`: the command never
        writes, so a store file it may not write can be read."""
        self.store = Store(Path(db) if db else default_db_path(), create=create, read_only=read_only)
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

    @property
    def model_name(self) -> str:
        """The model's name without loading it where the store already names it (no
        --model given): a text whose vectors are stored or cached needs no model, and
        loading one costs more than the rest of a small trace."""
        if self._embedder is None and self._model_spec is None and self.store.model:
            return self.store.model
        return self.embedder.name

    def embed_texts(
        self, texts: list[str], description: str = "embedding", cache: bool = True, progress: Progress | None = None
    ) -> np.ndarray:
        """Vectors for texts, from the store's cache where it has them. `cache=False`
        for passages about to be stored: the cache reads stored passages too, so their
        vectors are kept once."""
        model_name = self.model_name
        hashes = [text_hash(t) for t in texts]
        cached = self.store.cached_embeddings(model_name, list(dict.fromkeys(hashes)))
        missing = list(dict.fromkeys(h for h in hashes if h not in cached))
        if missing:
            model = self.embedder
            first_text = {}
            for h, t in zip(hashes, texts):
                first_text.setdefault(h, t)
            with (progress or self.progress).task(description, total=len(missing)) as advance:
                vectors = model.encode([first_text[h] for h in missing], progress=advance)
            if cache:
                self.store.put_embeddings(model.name, missing, vectors)
            cached.update(zip(missing, vectors))
        out = np.empty((len(texts), self.store.dim), dtype=np.float32)
        for row, h in enumerate(hashes):
            out[row] = cached[h]
        return out

    def passage_vectors(self, doc: Document) -> np.ndarray:
        """A document's passage vectors: read back when it is stored, else embedded
        (or taken from the cache)."""
        if self.store.seq_of(doc.doc_id) is not None:
            stored = self.store.passage_vectors([doc.doc_id])[doc.doc_id]
            if len(stored) == len(doc.passages):  # else split anew since it was stored
                return stored
        return self.embed_texts([p.text for p in doc.passages])

    # -- add --------------------------------------------------------------------

    def read(self, source: str, **overrides) -> list[Document]:
        return self._prepared(self._read_raw(source, **overrides))

    def _read_raw(self, source: str, **overrides) -> list[RawDocument]:
        return list(read_source(source, **{key: value for key, value in overrides.items() if value is not None}))

    def _prepared(self, raws: list[RawDocument]) -> list[Document]:
        # a cue may name an outlet that only the stored documents know: "According to
        # The Coastal Ledger" points at the Ledger's stored articles
        stored = StoredOutlets(self.store.outlet_names)
        return [prepare(raw, stored) for raw in raws]

    def add(self, source: str, **overrides) -> list[Added]:
        """Ingest a source (URL, file, .jsonl, "-") and store each new document. The
        metadata given also corrects documents already stored (their `changes`)."""
        added = self.add_documents(self.read(source, **overrides))
        given = {key: value for key, value in overrides.items() if value is not None}
        if not given:
            return added
        return [item if item.new else self._corrected(item.doc.doc_id, given) for item in added]

    def add_bulk(self, source: BulkSource, **overrides) -> BulkSummary:
        """Add every page or file of a bulk source (archives.open_source: a folder, a
        WARC crawl, a feed, a sitemap), extracting in worker processes while the model
        embeds; items stored before are skipped unread. The metadata given (all but
        url and title, which name one document) applies to every document added."""
        given = {key: value for key, value in overrides.items() if value is not None}
        if "url" in given or "title" in given:
            raise InputError(f"{source.name}: --url and --title name one document; a {source.kind} holds many")
        from .bulk import add_bulk

        return add_bulk(self, source, metadata_fields(**given))

    def _corrected(self, doc_id: str, metadata: dict) -> Added:
        _, changes = self.store.update_document(doc_id, **metadata_fields(**metadata))
        return Added(self.store.get_document(doc_id), False, changes)

    def add_documents(self, docs: list[Document], progress: Progress | None = None) -> list[Added]:
        """Embed and store the documents not stored yet; `progress` instead of the
        tracker's own (a bulk add shows one bar for the whole source)."""
        progress = progress or self.progress
        stored_before = self.store.stored_ids([doc.doc_id for doc in docs])
        new_docs = [doc for doc in {d.doc_id: d for d in docs}.values() if doc.doc_id not in stored_before]
        if not new_docs:
            return [Added(self.store.get_document(doc.doc_id), False) for doc in docs]
        # one embedding pass over every new passage, so a big .jsonl shows one progress bar
        vectors = self.embed_texts([p.text for doc in new_docs for p in doc.passages], cache=False, progress=progress)
        items, start = [], 0
        for doc in new_docs:
            passage_vecs = vectors[start : start + len(doc.passages)]
            start += len(doc.passages)
            items.append((doc, passage_vecs, document_vector(passage_vecs[body_rows(doc)])))
        stored: set[str] = set()
        # a few hundred documents a transaction: one per document is slow in bulk, and
        # Ctrl-C during a big .jsonl keeps every batch already written
        with progress.task("storing", total=len(items)) as advance:
            for first in range(0, len(items), settings.STORE_BATCH_DOCUMENTS):
                batch = items[first : first + settings.STORE_BATCH_DOCUMENTS]
                stored |= self.store.add_documents(batch)
                advance(len(batch))
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
        raws = self._read_raw(suspect, **overrides)
        if len(raws) != 1:
            raise InputError(f"{suspect}: trace takes one document, this source holds {len(raws)}")
        doc_id = content_id(raws[0].text)
        if keep and self.store.seq_of(doc_id) is not None:
            # traced or added before: the stored document is what add_documents would
            # return, and reading its language, passages and cues again costs ~0.4 s
            return self.store.get_document(doc_id)
        docs = self._prepared(raws)
        return self.add_documents(docs)[0].doc if keep else docs[0]

    def trace(
        self, suspect: str | Document, *, top_k: int = settings.TOP_K, keep: bool = True, **overrides
    ) -> TraceResult:
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
        # the index keeps deleted documents until its files are rebuilt: the store counts
        others = self.store.document_count() - (self.store.seq_of(doc.doc_id) is not None)
        if others == 0:
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
            model=self.model_name,
            # the documents the suspect was traced against: the suspect itself is not one
            params={"top_k": top_k, "stored_documents": others},
            timings=timings,
            created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            notes=translation_hints(doc.cues, doc.lang) + translated.note(_body_text(doc), doc.lang),
        )
        if keep:
            with _timed(timings, "store"):
                self.store.save_run(result)
                # the same readings a story of the suspect would need: `lineage` reuses them
                self.store.save_judged([Judged.of(doc.doc_id, match) for match in matches])
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
        ranked = rank(matches, doc)
        nearest_sources(
            doc,
            ranked,
            lambda later, upstream: compare(later, source_vecs[later.doc_id], upstream, source_vecs[upstream.doc_id]),
        )
        return rank(ranked, doc)

    # -- lineage ----------------------------------------------------------------

    def lineage(self, doc: str | Document, *, refresh: bool = False, **overrides) -> Story:
        """The derivation graph of every stored article that carries `doc`'s story (a
        stored id or prefix, or a source to add first). A stored story is re-read, and
        only articles stored since it was built are judged against it; `refresh` judges
        every pair anew. The story is stored, so any member re-reads it."""
        self._require_documents()
        if not isinstance(doc, Document):
            doc = self.resolve(doc, keep=True, **overrides)
        gathering = _Gathering(self, refresh)
        stored = None if refresh else self.store.story_of(doc.doc_id)
        if stored:
            story = self.store.load_story(stored)
            gathering.take_story(stored)
            known = {node.id for node in story.nodes}
            newcomers = [doc_id for doc_id in self.store.added_since(story.built_at) if doc_id not in known]
            if not newcomers:
                return story
            with self.progress.task("judging new articles against the story", total=len(newcomers)) as advance:
                for doc_id in newcomers:
                    gathering.explore(doc_id, among=known)
                    advance(1)
        members = gathering.documents(gathering.grow(doc.doc_id))
        story_id, built_at = uuid.uuid4().hex[:12], datetime.now(timezone.utc).isoformat(timespec="seconds")
        story = build_story(story_id, doc.doc_id, members, gathering.pairs, built_at)
        for _ in range(settings.LINEAGE_ROUNDS):
            missing = gathering.missing_pairs(story)
            if not missing:
                break
            for child, ancestor in missing:
                gathering.judge(child, ancestor)
            story = build_story(story_id, doc.doc_id, members, gathering.pairs, built_at)
        self.store.save_judged(gathering.fresh)
        self.store.save_story(story)
        return story

    def corpus(self) -> Corpus:
        """Every stored document's vector, in an index kept in memory between traces
        and caught up with what was stored since, so adding documents costs no reload."""
        if self._corpus is None:
            with self.progress.task("indexing stored documents", total=None) as advance:
                self._corpus = Corpus.from_store(self.store, advance)
        else:
            self._corpus.catch_up()
        return self._corpus

    # -- sweep ------------------------------------------------------------------

    def sweep(self, paths=(), *, since: str | None = None, until: str | None = None,
              window_days: int | None = settings.SWEEP_WINDOW_DAYS) -> SweepResult:  # fmt: skip
        """Judge every related pair among the stored articles (those published from
        `since` to `until`), after adding the corpus files `paths` (JSONL, Parquet,
        WARC): their bad records are skipped and listed in the result."""
        from .sweep import read_corpus, split_records, sweep_store

        began = time.perf_counter()
        docs, bad = split_records(read_corpus(paths))
        if docs:
            self.add_documents(docs)
        added = time.perf_counter() - began
        self._require_documents()
        result = sweep_store(self, since=since, until=until, window_days=window_days, progress=self.progress)
        result.bad = bad
        result.seconds = {"add": round(added, 3), **result.seconds}
        result.sweep_id = self.store.save_sweep(
            "one machine",
            {"corpus": [str(path) for path in paths], "since": since, "until": until, "window_days": window_days},
            {
                "documents": result.documents,
                "pairs": result.pairs,
                "related": len(result.related),
                "seconds": result.seconds,
            },
            [(record.origin, record.reason) for record in bad],
        )
        return result

    def import_sweep(self, folder: str | os.PathLike) -> dict:
        """Load a Spark sweep's Parquet results (spark_sweep.py) into the store."""
        from .sweep import import_results

        manifest = import_results(self.store, folder)
        figures = ("documents", "added", "pairs", "related", "seconds")
        manifest["sweep_id"] = self.store.save_sweep(
            manifest["master"],
            {"results": str(folder), "window_days": manifest["window_days"], "cores": manifest["cores"]},
            {name: manifest[name] for name in figures},
            [(record.origin, record.reason) for record in manifest["bad"]],
        )
        return manifest

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
        return self.store.delete_document(doc_id)

    def delete_run(self, run_id: str) -> str:
        return self.store.delete_run(run_id)

    def close(self) -> None:
        """Save the document index's inverted files beside the store (when it has
        grown some), then close the store."""
        try:
            if self._corpus is not None:
                self._corpus.save()
        finally:
            self.store.close()

    def __enter__(self) -> "Tracker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Gathering:
    """The articles of one story and the judged pairs between them, grown from one
    article by retrieval: each member's nearest stored articles are judged (unless a
    stored pair or story already says), and every related one joins and is explored in
    turn, until no member is left unexplored."""

    def __init__(self, tracker: Tracker, refresh: bool):
        self.tracker = tracker
        self.refresh = refresh
        self.pairs = Pairs([])
        self.fresh: list[Judged] = []  # pairs judged now, to store
        self.explored: set[str] = set()
        self._docs: dict[str, Document] = {}
        self._vectors: dict[str, np.ndarray] = {}
        self._stories: set[str] = set()

    def take_story(self, story_id: str) -> None:
        """A stored story's members count as explored, and its pairs as judged."""
        if story_id in self._stories:
            return
        self._stories.add(story_id)
        members = [node.id for node in self.tracker.store.load_story(story_id).nodes if node.stored]
        for item in self.tracker.store.judged(members):
            self.pairs.add(item)
        self.explored.update(members)

    def documents(self, doc_ids) -> dict[str, Document]:
        missing = [doc_id for doc_id in doc_ids if doc_id not in self._docs]
        for doc_id in missing:
            self._docs[doc_id] = self.tracker.store.get_document(doc_id)
        self._vectors.update(self.tracker.store.passage_vectors(missing))
        return {doc_id: self._docs[doc_id] for doc_id in doc_ids}

    def explore(self, doc_id: str, among: set[str] | None = None) -> None:
        """Judge the article against its nearest stored articles (only those `among`, if
        given: a newcomer is first asked only whether it belongs to the story)."""
        if not self.refresh:
            stored = self.tracker.store.story_of(doc_id)
            if stored:
                self.take_story(stored)
            else:
                for item in self.tracker.store.judged([doc_id]):
                    self.pairs.add(item)
        if doc_id in self.explored:
            return
        doc = self.documents([doc_id])[doc_id]
        corpus = self.tracker.corpus()
        vectors = self._vectors[doc_id]
        # the nearest versions of the whole text, and retrieval's candidates for a part of it
        candidates = neighbours(
            doc, vectors, corpus, top_k=settings.LINEAGE_TOP_K, other_languages=settings.LINEAGE_OTHER_LANGUAGES
        )
        listed = {c.doc_id for c in candidates}
        candidates += [c for c in retrieve(doc, vectors, corpus, top_k=settings.TOP_K) if c.doc_id not in listed]
        candidates = [c for c in candidates if among is None or c.doc_id in among]
        self.documents([c.doc_id for c in candidates])
        for candidate in candidates:
            if not self.pairs.judged(doc_id, candidate.doc_id):
                self.judge(doc_id, candidate.doc_id, candidate)
        if among is None:
            self.explored.add(doc_id)

    def missing_pairs(self, story: Story) -> list[tuple[str, str]]:
        """What a first draft of the graph shows is worth judging still: each article
        against each stored ancestor it was never read against (forty copies of a wire
        story are each other's nearest neighbours, and the original may be none of
        theirs), and each edge's pair from the child's side, since a relation is read
        from the suspect's (a translation's extract is a partial reuse of it, not the reverse)."""
        missing = []
        for node in story.nodes:
            if not node.stored:
                continue
            ancestors = [up.id for up in story.chain(node.id)[:-1] if up.stored]
            parents = [story.compared_with(edge) for edge in story.parents(node.id) if edge.relation != CITED]
            for ancestor in dict.fromkeys(ancestors + parents):
                if not self.pairs.direct(node.id, ancestor) and (
                    ancestor in parents or not self.pairs.judged(node.id, ancestor)
                ):
                    missing.append((node.id, ancestor))
        return missing

    def judge(self, suspect: str, source: str, candidate: Candidate | None = None) -> None:
        """Read the suspect against the source with the judge `trace` uses."""
        docs = self.documents([suspect, source])
        match = compare(docs[suspect], self._vectors[suspect], docs[source], self._vectors[source], candidate)
        judged = Judged.of(suspect, match)
        self.pairs.add(judged)
        self.fresh.append(judged)

    def grow(self, focus: str) -> list[str]:
        """The story's members: explore until every member of focus's component is
        explored, and no stored article stands as close to a member as the members do."""
        with self.tracker.progress.task("gathering the story", total=None) as advance:
            while True:
                members = component(focus, self.pairs)
                waiting = sorted(members - self.explored)
                if len(members) >= settings.LINEAGE_MAX_MEMBERS:
                    return sorted(members)
                if not waiting and not self.sweep(members):
                    return sorted(members)
                for doc_id in waiting:
                    self.explore(doc_id)
                    advance(1)

    def sweep(self, members: set[str]) -> bool:
        """Judge each stored article that stands as close to a member, in its language, as
        two members that copy each other do: the nearest-neighbour lists of forty copies
        of one text hold only each other, and can leave a few copies out of every list.
        True when one joined the story."""
        corpus = self.tracker.corpus()
        listed = sorted(members)
        vector = self.tracker.store.vectors_of(listed)
        language = {member: self.documents([member])[member].lang for member in listed}
        # per language, the least close pair of members that copy each other
        floors: dict[str, float] = {}
        for a in listed:
            for b in listed:
                pair = self.pairs.get(a, b) if a < b and language[a] == language[b] else None
                if pair is not None and pair.relation == COPY and self.pairs.related(a, b):
                    floors[language[a]] = min(floors.get(language[a], 1.0), float(vector[a] @ vector[b]))
        joined = False
        for lang, floor in floors.items():
            # each stored article of the language as close to a member as the floor,
            # with the member it is closest to
            closest: dict[int, tuple[float, str]] = {}
            for member in (m for m in listed if language[m] == lang and m in vector):
                for hit in corpus.nearest(vector[member], settings.LINEAGE_SWEEP_NEIGHBOURS, lang=lang):
                    if (
                        hit.cosine >= floor - settings.LINEAGE_SWEEP_SLACK
                        and hit.cosine > closest.get(hit.seq, (-1.0, ""))[0]
                    ):
                        closest[hit.seq] = (hit.cosine, member)
            hits = [Hit(seq, cosine, lang) for seq, (cosine, _) in closest.items()]
            for hit, stored in corpus.resolve(hits):
                member = closest[hit.seq][1]
                if stored.doc_id in members or self.pairs.judged(stored.doc_id, member):
                    continue
                self.judge(stored.doc_id, member)
                joined |= self.pairs.related(stored.doc_id, member)
        return joined


def _body_text(doc: Document) -> str:
    """What the translation detector reads: the story's passages, not the menus and
    credits around them (the whole text where no passage is the story's)."""
    return "\n\n".join(p.text for p in doc.body) or doc.text


@contextmanager
def _timed(timings: dict[str, float], stage: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = round(timings.get(stage, 0.0) + time.perf_counter() - start, 4)
