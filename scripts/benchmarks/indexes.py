"""Which approximate nearest-neighbour index the document index uses: faiss's inverted
file and HNSW graphs, usearch and hnswlib, on the same document vectors, against the
exact scan.

The vectors are a speed store's (bench/cache/speed-100k.duckdb or speed-1M.duckdb,
built by `bench.py speed`: real documents and their noisy repeats, which make the
clusters of near-copies a news archive has). The queries are the real documents
among them, each leaving itself out. For each library and setting: the
build time on every core, the memory its vectors and graph take, the time of one
query on one thread, and the share of the exact top 5 found in the first 50 results
(the shortlist retrieval reads). usearch and hnswlib are not dependencies of
provenance: `pip install usearch hnswlib` to measure them too.
"""

from __future__ import annotations

import importlib.util
import os
import time

import numpy as np

from provenance import settings
from provenance.store import Store

from .locations import CACHE
from .records import show

SHORTLIST = settings.SHORTLIST
QUERIES = 300
HNSW_M, EF_CONSTRUCTION, EF_SEARCH = 16, 100, 128  # the graphs' settings (faiss's defaults are 32, 40, 16)


def run(store: str = "100k", only: str | None = None) -> dict:
    path = CACHE / f"speed-{store}.duckdb"
    if not path.exists():
        raise SystemExit(f"{path} is missing: run `python scripts/bench.py speed` first")
    with Store(path) as opened:
        batches = list(opened.document_vectors())
    vectors = np.concatenate([v for _, _, v in batches])
    queries = np.arange(QUERIES)  # the real documents come first in the speed store
    cosines = vectors[queries] @ vectors.T
    cosines[np.arange(QUERIES), queries] = -np.inf
    exact = np.argsort(-cosines, axis=1)[:, :5]
    threads = os.cpu_count() or 1

    def recall(found: list[np.ndarray]) -> float:
        return float(
            np.mean([len(set(row[:SHORTLIST].tolist()) & set(truth.tolist())) / 5 for row, truth in zip(found, exact)])
        )

    rows, figures = [], {}
    for name, build in _libraries(vectors.shape[1], threads).items():
        if only and not name.startswith(tuple(only.split(","))):
            continue
        began = time.perf_counter()
        search, memory = build(vectors)
        build_s = time.perf_counter() - began
        began = time.perf_counter()
        found = [_without(np.asarray(search(vectors[q])), q) for q in queries]  # a library may return fewer
        query_ms = (time.perf_counter() - began) / QUERIES * 1000
        rows.append([name, build_s, memory / 1e6, query_ms, recall(found)])
        key = name.split(" ")[0] + "." + name.split(" ")[1]
        figures[f"indexes.recall_at_5_in_50.{key}"] = rows[-1][4]
        figures[f"indexes.build_s.{key}"] = build_s
    show(
        f"indexes: {len(vectors):,} document vectors, {QUERIES} real documents as queries",
        ["library setting", "build s", "memory MB", "ms a query", f"exact top 5 in first {SHORTLIST}"],
        rows,
    )
    return {
        "command": f"python scripts/bench.py indexes --store {store}" + (f' --only "{only}"' if only else ""),
        "data_files": [f"bench/cache/speed-{store}.duckdb (bench.py speed)"],
        "params": {
            "vectors": len(vectors),
            "queries": QUERIES,
            "shortlist": SHORTLIST,
            "threads": threads,
            "ivf_lists": settings.INDEX_IVF_LISTS,
            "nprobe": settings.INDEX_NPROBE,
            "hnsw_m": HNSW_M,
            "ef_construction": EF_CONSTRUCTION,
            "ef_search": EF_SEARCH,
            "only": only,
        },  # fmt: skip
        "figures": figures,
        "detail": {"rows": rows},
    }


def _without(found: np.ndarray, query: int) -> np.ndarray:
    """The first SHORTLIST results other than the query itself."""
    return found[found != query][:SHORTLIST]


def _libraries(dim: int, threads: int) -> dict:
    """name -> build(vectors) -> (search(vector) -> ids best first, memory bytes)."""
    m, ef_add, ef_search, k = HNSW_M, EF_CONSTRUCTION, EF_SEARCH, SHORTLIST + 1
    libraries = {}

    import faiss

    from provenance.index import _new_inverted_file

    def faiss_ivf(vectors):
        faiss.omp_set_num_threads(threads)
        index = _new_inverted_file(dim, vectors)
        index.add_with_ids(vectors, np.arange(len(vectors)))
        faiss.omp_set_num_threads(1)
        params = faiss.SearchParametersIVF(nprobe=settings.INDEX_NPROBE)
        return (lambda q: index.search(q[None, :], k, params=params)[1][0]), len(vectors) * (dim + 8)

    libraries["faiss ivf-sq8 (chosen)"] = faiss_ivf

    def faiss_build(quantizer):
        def build(vectors):
            faiss.omp_set_num_threads(threads)
            if quantizer is None:
                index = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT)
                per_vector = 4 * dim
            else:
                index = faiss.IndexHNSWSQ(dim, quantizer, m, faiss.METRIC_INNER_PRODUCT)
                index.train(vectors[: settings.INDEX_TRAIN_SAMPLE])
                per_vector = dim if quantizer == faiss.ScalarQuantizer.QT_8bit else 2 * dim
            index.hnsw.efConstruction = ef_add
            index.add(vectors)
            faiss.omp_set_num_threads(1)
            params = faiss.SearchParametersHNSW(efSearch=ef_search)
            graph_bytes = len(vectors) * 2 * m * 4  # level-0 links dominate
            return (lambda q: index.search(q[None, :], k, params=params)[1][0]), len(vectors) * per_vector + graph_bytes

        return build

    libraries["faiss hnsw-sq8"] = faiss_build(faiss.ScalarQuantizer.QT_8bit)
    libraries["faiss hnsw-fp16"] = faiss_build(faiss.ScalarQuantizer.QT_fp16)
    libraries["faiss hnsw-f32"] = faiss_build(None)

    if importlib.util.find_spec("usearch"):
        from usearch.index import Index

        def usearch_build(dtype):
            def build(vectors):
                index = Index(
                    ndim=dim, metric="ip", dtype=dtype, connectivity=m, expansion_add=ef_add, expansion_search=ef_search
                )
                index.add(np.arange(len(vectors)), vectors, threads=threads)
                return (lambda q: index.search(q, k, threads=1).keys), index.memory_usage

            return build

        libraries["usearch i8"] = usearch_build("i8")
        libraries["usearch f16"] = usearch_build("f16")
    if importlib.util.find_spec("hnswlib"):
        import hnswlib

        def hnswlib_build(vectors):
            index = hnswlib.Index(space="ip", dim=dim)
            index.init_index(max_elements=len(vectors), ef_construction=ef_add, M=m)
            index.add_items(vectors, np.arange(len(vectors)), num_threads=threads)
            index.set_ef(ef_search)

            def search(q):
                try:
                    return index.knn_query(q[None, :], k, num_threads=1)[0][0]
                except RuntimeError:  # "Cannot return the results...": it found fewer than k; all count as missed
                    return np.empty(0, dtype=np.int64)

            return search, len(vectors) * (4 * dim + 2 * m * 4)

        libraries["hnswlib f32"] = hnswlib_build
    return libraries
