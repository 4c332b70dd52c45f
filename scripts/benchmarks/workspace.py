"""Where a benchmark run keeps its store, and the embedding steps the benchmarks share.

Full runs keep their store in bench/cache/bench.duckdb (the store's own embedding
cache, seeded from the vector cache) so they can be re-run; quick runs start from an
empty store in a temporary folder, as CI does.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from .data import BenchDoc, Pair, prepare_doc
from .locations import CACHE
from .vectors import VectorCache, seed_embeddings


class Workspace:
    """Where a run keeps its store: bench/cache for full runs (re-runnable), a fresh
    temporary folder for quick runs (CI starts from nothing and so must the gate)."""

    def __init__(self, quick: bool, model: str | None, store_sizes: list[int] | None = None):
        self.quick = quick
        self.model = model
        self.store_sizes = store_sizes  # the speed benchmark's store sizes, when not its own
        self._tmp = tempfile.TemporaryDirectory(prefix="provenance-bench-") if quick else None
        self.folder = Path(self._tmp.name) if self._tmp else CACHE
        self.folder.mkdir(parents=True, exist_ok=True)
        self._tracker = None

    @property
    def db(self) -> Path:
        return self.folder / ("bench.duckdb" if self.model is None else f"bench-{_slug(self.model)}.duckdb")

    @property
    def embedder(self):
        from provenance.embed import load_embedder

        return load_embedder(self.model)

    @property
    def model_name(self) -> str:
        return self.embedder.name

    def vectors(self) -> VectorCache:
        """The run's vector cache: bench/cache/vectors for full runs, the temporary folder's for quick ones."""
        return VectorCache(self.model_name, root=self.folder / "vectors")

    def tracker(self):
        """One tracker per run: its store holds the retrieval corpus and the embedding
        cache every benchmark shares."""
        if self._tracker is None:
            self._tracker = self.open_tracker(self.db)
        return self._tracker

    def open_tracker(self, db: Path):
        """A tracker on a store in this run's folder; a full run's starts with the cached vectors."""
        from provenance.tracker import Tracker

        tracker = Tracker(db=db, model=self.model)
        if not self.quick:
            seed_embeddings(tracker, self.vectors())
        return tracker

    def close(self) -> None:
        if self._tracker is not None:
            self._tracker.close()
            self._tracker = None
        if self._tmp:
            self._tmp.cleanup()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


def pair_vectors(tracker, pair: Pair):
    """(suspect, its passage vectors, source, its passage vectors): what the judge compares."""
    suspect, source = prepare_doc(pair.suspect), prepare_doc(pair.source)
    return suspect, tracker.passage_vectors(suspect), source, tracker.passage_vectors(source)


def embed_all(tracker, pairs: list[Pair]) -> None:
    """One embedding pass over every passage of every pair (one batch loop, one cache write)."""
    embed_docs(tracker, [doc for pair in pairs for doc in (pair.suspect, pair.source)])


def embed_docs(tracker, docs: list[BenchDoc]) -> None:
    """One embedding pass over every passage of the documents."""
    tracker.embed_texts(list(dict.fromkeys(p.text for doc in docs for p in prepare_doc(doc).passages)))
