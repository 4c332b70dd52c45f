"""The document-vector index that retrieval searches: one shard a language.

A shard answers "the k stored documents of this language nearest to a vector". Below
settings.INDEX_ANN_MIN documents it is an exact scan (one matrix product); from there
on it is a faiss inverted file over 8-bit scalar-quantised vectors (IVF-SQ8), about
400 bytes a document: the vectors are grouped around learnt centroids, and a search
scans the groups of the INDEX_NPROBE centroids nearest to the query, about a
millisecond where a scan of a million documents takes tens. It was measured against
HNSW graphs (faiss, usearch, hnswlib) on the same million vectors (BENCHMARKS.md,
section 9): a news archive is full of near-copies (wire stories, rewrites of one
report), a graph walk among hundreds of near-identical vectors misses some of the
nearest (0.92 of the exact top 5 at a million), while an inverted file scans every
member of their group (0.999), and it builds in seconds where a graph takes minutes.

Shards by language because retrieval asks two questions: the nearest documents of
all, and the nearest in each other language (an original crowded out by a hundred
same-language stories must still be found). The first is the merge of every shard's
top k; the second is each shard's own.

Keys are the store's document sequence numbers. The inverted files are saved beside the store
(`<store>.index/`) with the last sequence number they hold, so a later process loads
them and adds only what was stored since, and a trace never rebuilds them. The
manifest holds each file's size, CRC-32, dimension and count: a file that does not
match (damaged, or copied from another store) is not loaded, and the index is
rebuilt from the store instead of answering with another store's documents. Exact
shards are not saved: they are read back from the store, which is quicker than a file.
A document deleted from the store stays in its shard and is dropped when its key no
longer resolves to a stored document; one whose language is corrected stays in the
shard of the old one, which only matters to the nearest-in-other-languages search.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import settings

if TYPE_CHECKING:
    import faiss  # loaded where an inverted file is built, searched or read: a small store never needs it

MANIFEST = "manifest.json"
FORMAT = 2  # 2: each inverted file's size and CRC-32 in the manifest


class Shard:
    """The documents of one language: exact below INDEX_ANN_MIN, an inverted file from
    there on (never, for an exact shard)."""

    def __init__(self, dim: int, exact: bool = False):
        self.dim = dim
        self.exact = exact
        self.keys = np.empty(0, dtype=np.int64)
        self.vectors = np.empty((0, dim), dtype=np.float32)  # exact shards only
        self.searcher: faiss.Index | None = None  # the inverted file, once there is one
        self.count = 0

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        keys = np.asarray(keys, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.count += len(keys)
        if self.searcher is not None:
            self.searcher.add_with_ids(vectors, keys)
            return
        self.keys = np.concatenate([self.keys, keys])
        self.vectors = np.concatenate([self.vectors, vectors])
        if self.count >= settings.INDEX_ANN_MIN and not self.exact:
            self.searcher = _new_inverted_file(self.dim, self.vectors)
            self.searcher.add_with_ids(self.vectors, self.keys)
            self.keys, self.vectors = np.empty(0, dtype=np.int64), np.empty((0, self.dim), dtype=np.float32)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(keys, cosines) of the k nearest, best first."""
        k = min(k, self.count)
        if k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        if self.searcher is None:
            cosines = self.vectors @ query
            top = np.argsort(-cosines, kind="stable")[:k]
            return self.keys[top], cosines[top]
        import faiss

        params = faiss.SearchParametersIVF(nprobe=settings.INDEX_NPROBE)
        cosines, keys = self.searcher.search(query[None, :].astype(np.float32), k, params=params)
        found = keys[0] >= 0
        return keys[0][found], cosines[0][found]


def _new_inverted_file(dim: int, vectors: np.ndarray) -> faiss.Index:
    """An IVF-SQ8 index whose centroids and 8-bit ranges are learnt from a sample of
    `vectors` (inner product: the vectors are unit length, so it is the cosine). The
    number of lists grows with what there is to learn from, up to INDEX_IVF_LISTS;
    faiss wants some 40 training vectors a list."""
    import faiss

    sample = vectors
    if len(vectors) > settings.INDEX_TRAIN_SAMPLE:
        rows = np.random.default_rng(0).choice(len(vectors), settings.INDEX_TRAIN_SAMPLE, replace=False)
        sample = vectors[np.sort(rows)]
    lists = max(1, min(settings.INDEX_IVF_LISTS, len(sample) // 40))
    index = faiss.index_factory(dim, f"IVF{lists},SQ8", faiss.METRIC_INNER_PRODUCT)
    index.train(np.ascontiguousarray(sample, dtype=np.float32))
    return index


class DocumentIndex:
    """Every stored document's vector, by language shard, keyed by sequence number."""

    def __init__(self, dim: int, token: str | None = None, exact: bool = False):
        self.dim = dim
        self.exact = exact  # scan every shard, however big: a corpus that must match an exact search
        self.shards: dict[str, Shard] = {}
        self.max_seq = 0
        self.token = token or uuid.uuid4().hex
        self.dirty: set[str] = set()
        self.files: dict[str, dict] = {}  # lang -> its saved file's manifest entry

    def __len__(self) -> int:
        return sum(shard.count for shard in self.shards.values())

    def add(self, seqs: np.ndarray, langs: list[str], vectors: np.ndarray) -> None:
        seqs = np.asarray(seqs, dtype=np.int64)
        langs_arr = np.asarray(langs, dtype=object)
        for lang in dict.fromkeys(langs):
            rows = np.flatnonzero(langs_arr == lang)
            shard = self.shards.setdefault(lang, Shard(self.dim, self.exact))
            shard.add(seqs[rows], vectors[rows])
            if shard.searcher is not None:
                self.dirty.add(lang)
        if len(seqs):
            self.max_seq = max(self.max_seq, int(seqs.max()))

    def search(self, query: np.ndarray, k: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Each language's k nearest: {lang: (keys, cosines)}, best first in each."""
        query = np.ascontiguousarray(query, dtype=np.float32)
        return {lang: shard.search(query, k) for lang, shard in self.shards.items()}

    # -- beside the store ---------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write the inverted files that changed, then the manifest (last, so a crash
        leaves the previous manifest, whose shards are still whole)."""
        saved = {lang: shard for lang, shard in self.shards.items() if shard.searcher is not None}
        if not saved:
            return
        import faiss

        folder.mkdir(parents=True, exist_ok=True)
        for lang, shard in saved.items():
            name = f"{_safe(lang)}.faiss"
            if lang in self.dirty or lang not in self.files or not (folder / name).exists():
                data = faiss.serialize_index(shard.searcher).tobytes()
                partial = folder / (name + ".partial")
                partial.write_bytes(data)
                os.replace(partial, folder / name)
                self.files[lang] = {"file": name, "count": shard.count, "bytes": len(data), "crc32": zlib.crc32(data)}
        files = {lang: self.files[lang] for lang in saved}
        manifest = {"format": FORMAT, "token": self.token, "dim": self.dim, "max_seq": self.max_seq, "searchers": files}
        partial = folder / (MANIFEST + ".partial")
        partial.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        os.replace(partial, folder / MANIFEST)
        self.dirty.clear()

    @classmethod
    def load(cls, folder: Path, dim: int, token: str) -> DocumentIndex | None:
        """The saved inverted files, or None when there are none for this store (no
        folder, another store's, another format) or one does not match its manifest
        entry (size, CRC-32, dimension, count): the caller rebuilds from the store."""
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            if (manifest.get("format"), manifest.get("token"), manifest.get("dim")) != (FORMAT, token, dim):
                return None
            index = cls(dim, token)
            index.max_seq = int(manifest["max_seq"])
            import faiss

            for lang, entry in manifest["searchers"].items():
                data = (folder / Path(entry["file"]).name).read_bytes()
                if len(data) != int(entry["bytes"]) or zlib.crc32(data) != int(entry["crc32"]):
                    return None
                shard = Shard(dim)
                shard.searcher = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
                shard.count = int(entry["count"])
                if shard.searcher.d != dim or shard.searcher.ntotal != shard.count:
                    return None
                index.shards[lang] = shard
                index.files[lang] = entry
            return index
        except (OSError, ValueError, KeyError, TypeError, RuntimeError, AssertionError):
            return None


def _safe(lang: str) -> str:
    """A language code as a file name (codes are short ASCII; anything else is hashed)."""
    return (
        lang
        if lang.replace("-", "").isalnum() and lang.isascii()
        else "x" + hashlib.sha256(lang.encode("utf-8")).hexdigest()[:12]
    )
