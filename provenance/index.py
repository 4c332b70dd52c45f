"""The document-vector index that retrieval searches: one shard a language.

A shard answers "the k stored documents of this language nearest to a vector". Below
settings.INDEX_ANN_MIN documents it is an exact scan (one matrix product); from there
on it is a faiss HNSW graph over 8-bit scalar-quantised vectors, about 400 bytes a
document, searched in well under a millisecond where a scan of a million documents
takes tens. faiss was measured against usearch and hnswlib on the same vectors
(BENCHMARKS.md, section 9): it built fastest, searched fastest and held recall with
int8 codes; usearch's int8 lost recall on unit vectors.

Shards by language because retrieval asks two questions: the nearest documents of
all, and the nearest in each other language (an original crowded out by a hundred
same-language stories must still be found). The first is the merge of every shard's
top k; the second is each shard's own.

Keys are the store's document sequence numbers. The graphs are saved beside the store
(`<store>.index/`) with the last sequence number they hold, so a later process loads
them and adds only what was stored since, and a trace never rebuilds them. Exact
shards are not saved: they are read back from the store, which is quicker than a file.
A document deleted from the store stays in a graph (faiss HNSW cannot remove) and is
dropped when its key no longer resolves to a stored document.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from pathlib import Path

import faiss
import numpy as np

from . import settings

MANIFEST = "manifest.json"
FORMAT = 1


class Shard:
    """The documents of one language: exact below INDEX_ANN_MIN, a graph from there on
    (never, for an exact shard)."""

    def __init__(self, dim: int, exact: bool = False):
        self.dim = dim
        self.exact = exact
        self.keys = np.empty(0, dtype=np.int64)
        self.vectors = np.empty((0, dim), dtype=np.float32)  # exact shards only
        self.graph: faiss.Index | None = None
        self.count = 0

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        keys = np.asarray(keys, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.count += len(keys)
        if self.graph is not None:
            self.graph.add_with_ids(vectors, keys)
            return
        self.keys = np.concatenate([self.keys, keys])
        self.vectors = np.concatenate([self.vectors, vectors])
        if self.count >= settings.INDEX_ANN_MIN and not self.exact:
            self.graph = _new_graph(self.dim, self.vectors)
            self.graph.add_with_ids(self.vectors, self.keys)
            self.keys, self.vectors = np.empty(0, dtype=np.int64), np.empty((0, self.dim), dtype=np.float32)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(keys, cosines) of the k nearest, best first."""
        k = min(k, self.count)
        if k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        if self.graph is None:
            cosines = self.vectors @ query
            top = np.argsort(-cosines, kind="stable")[:k]
            return self.keys[top], cosines[top]
        params = faiss.SearchParametersHNSW(efSearch=max(settings.INDEX_EF_SEARCH, 2 * k))
        cosines, keys = self.graph.search(query[None, :].astype(np.float32), k, params=params)
        found = keys[0] >= 0
        return keys[0][found], cosines[0][found]


def _new_graph(dim: int, sample: np.ndarray) -> faiss.Index:
    """An HNSW graph over 8-bit codes whose per-dimension ranges are learnt from
    `sample` (inner product: the vectors are unit length, so it is the cosine)."""
    graph = faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_8bit, settings.INDEX_HNSW_M, faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = settings.INDEX_EF_CONSTRUCTION
    graph.train(sample[: settings.INDEX_TRAIN_SAMPLE])
    return faiss.IndexIDMap(graph)


class DocumentIndex:
    """Every stored document's vector, by language shard, keyed by sequence number."""

    def __init__(self, dim: int, token: str | None = None, exact: bool = False):
        self.dim = dim
        self.exact = exact  # scan every shard, however big: a corpus that must match an exact search
        self.shards: dict[str, Shard] = {}
        self.max_seq = 0
        self.token = token or uuid.uuid4().hex
        self.dirty: set[str] = set()

    def __len__(self) -> int:
        return sum(shard.count for shard in self.shards.values())

    def add(self, seqs: np.ndarray, langs: list[str], vectors: np.ndarray) -> None:
        seqs = np.asarray(seqs, dtype=np.int64)
        langs_arr = np.asarray(langs, dtype=object)
        for lang in dict.fromkeys(langs):
            rows = np.flatnonzero(langs_arr == lang)
            shard = self.shards.setdefault(lang, Shard(self.dim, self.exact))
            shard.add(seqs[rows], vectors[rows])
            if shard.graph is not None:
                self.dirty.add(lang)
        if len(seqs):
            self.max_seq = max(self.max_seq, int(seqs.max()))

    def search(self, query: np.ndarray, k: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Each language's k nearest: {lang: (keys, cosines)}, best first in each."""
        query = np.ascontiguousarray(query, dtype=np.float32)
        return {lang: shard.search(query, k) for lang, shard in self.shards.items()}

    # -- beside the store ---------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write the graph shards that changed, then the manifest (last, so a crash
        leaves the previous manifest, whose shards are still whole)."""
        graphs = {lang: shard for lang, shard in self.shards.items() if shard.graph is not None}
        if not graphs:
            return
        folder.mkdir(parents=True, exist_ok=True)
        files = {}
        for lang, shard in graphs.items():
            name = f"{_safe(lang)}.faiss"
            if lang in self.dirty or not (folder / name).exists():
                partial = folder / (name + ".partial")
                faiss.write_index(shard.graph, str(partial))
                os.replace(partial, folder / name)
            files[lang] = {"file": name, "count": shard.count}
        manifest = {"format": FORMAT, "token": self.token, "dim": self.dim, "max_seq": self.max_seq, "graphs": files}
        partial = folder / (MANIFEST + ".partial")
        partial.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        os.replace(partial, folder / MANIFEST)
        self.dirty.clear()

    @classmethod
    def load(cls, folder: Path, dim: int, token: str) -> DocumentIndex | None:
        """The saved graph shards, or None when there are none for this store (no
        folder, another store's, another format, or a file that does not read)."""
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            if (manifest.get("format"), manifest.get("token"), manifest.get("dim")) != (FORMAT, token, dim):
                return None
            index = cls(dim, token)
            index.max_seq = int(manifest["max_seq"])
            for lang, entry in manifest["graphs"].items():
                shard = Shard(dim)
                shard.graph = faiss.read_index(str(folder / entry["file"]))
                shard.count = int(entry["count"])
                if shard.graph.ntotal != shard.count:
                    return None
                index.shards[lang] = shard
            return index
        except (OSError, ValueError, KeyError, TypeError, RuntimeError):
            return None


def _safe(lang: str) -> str:
    """A language code as a file name (codes are short ASCII; anything else is hashed)."""
    return lang if lang.replace("-", "").isalnum() and lang.isascii() else "x" + hashlib.sha256(lang.encode("utf-8")).hexdigest()[:12]
