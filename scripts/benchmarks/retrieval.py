"""The retrieval benchmark: is a translation's original among the candidates retrieval
hands the judge, and first among what `trace` lists?

One store of English originals (NTREX, CL-OSA BBC, IWSLT talks) and BBC distractors
(data.retrieval_set); every translation is a query. Figures per query group: recall at
1 and 5 and MRR@5 of `retrieve`, recall at 1 of the trace's ranked answer, and the
document-vector cosine alone as a baseline.
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np

from provenance.retrieve import document_vector, retrieve

from .data import SEED, prepare_doc, retrieval_set
from .records import show
from .workspace import Workspace


def run(ws: Workspace) -> dict:
    # a store of its own, holding this run's documents and nothing else
    with ws.open_tracker(ws.folder / "retrieval.duckdb") as tracker:
        return _run(ws, tracker)


def _run(ws: Workspace, tracker) -> dict:
    data = retrieval_set(SEED, quick=ws.quick)
    started = time.perf_counter()
    store_docs = [prepare_doc(doc) for doc in data.store]
    tracker.add_documents(store_docs)
    add_seconds = time.perf_counter() - started
    doc_id_of = {doc.key: prepared.doc_id for doc, prepared in zip(data.store, store_docs)}
    wanted = set(doc_id_of.values())
    for stale in [
        doc.doc_id for doc in tracker.documents() if doc.doc_id not in wanted
    ]:  # a run of another data version
        tracker.delete(stale)
    corpus = tracker.corpus()

    ranks: dict[str, list[int | None]] = defaultdict(list)
    answer_ranks: dict[str, list[int | None]] = defaultdict(list)
    baseline_ranks: dict[str, list[int | None]] = defaultdict(list)
    query_seconds: dict[str, float] = defaultdict(float)
    for group, query, gold_key in data.queries:
        suspect = prepare_doc(query)
        vectors = tracker.passage_vectors(suspect)
        began = time.perf_counter()
        candidates = retrieve(suspect, vectors, corpus, top_k=5)
        query_seconds[group] += time.perf_counter() - began
        gold = doc_id_of[gold_key]
        found = [c.doc_id for c in candidates]
        ranks[group].append(found.index(gold) + 1 if gold in found else None)
        # what `provenance trace` lists first: every candidate judged, then ranked
        answered = [match.source.doc_id for match in tracker.judge(suspect, vectors, candidates)]
        answer_ranks[group].append(answered.index(gold) + 1 if gold in answered else None)
        # baseline in the same run: the document-vector cosine alone
        order = [doc.doc_id for _, doc in corpus.resolve(corpus.nearest(document_vector(vectors), 5)[:5])]
        baseline_ranks[group].append(order.index(gold) + 1 if gold in order else None)

    def summary(group_ranks: list[int | None]) -> dict:
        n = len(group_ranks)
        return {
            "queries": n,
            "recall_at_1": sum(r == 1 for r in group_ranks) / n,
            "recall_at_5": sum(r is not None for r in group_ranks) / n,
            "mrr": sum(1 / r for r in group_ranks if r) / n,
        }

    groups = {group: summary(r) for group, r in ranks.items()}
    answers = {group: summary(r) for group, r in answer_ranks.items()}
    baseline = {group: summary(r) for group, r in baseline_ranks.items()}
    for group in groups:
        groups[group]["seconds_per_query"] = query_seconds[group] / groups[group]["queries"]
    rows = [
        [group, g["queries"], g["recall_at_1"], g["recall_at_5"], g["mrr"], answers[group]["recall_at_1"],
         baseline[group]["recall_at_1"], g["seconds_per_query"]]
        for group, g in groups.items()
    ]  # fmt: skip
    show(
        f"retrieval: {len(data.queries)} queries, {len(corpus)} stored documents",
        ["group", "queries", "R@1", "R@5", "MRR@5", "trace's first R@1", "doc-cosine R@1", "s/query"],
        rows,
    )
    figures = {
        "retrieval.recall_at_1.min": min(g["recall_at_1"] for g in groups.values()),
        "retrieval.recall_at_5.min": min(g["recall_at_5"] for g in groups.values()),
        "retrieval.mrr.min": min(g["mrr"] for g in groups.values()),
        "retrieval.mrr.mean": float(np.mean([g["mrr"] for g in groups.values()])),
        "retrieval.trace_first_recall_at_1.min": min(g["recall_at_1"] for g in answers.values()),
        **{f"retrieval.recall_at_1.{group}": g["recall_at_1"] for group, g in groups.items()},
        **{f"retrieval.mrr.{group}": g["mrr"] for group, g in groups.items()},
    }
    return {
        "data_files": [
            "ntrex/ntrex.*.jsonl",
            "closa/bbc.en-ja.jsonl",
            "closa/bbc.en-distractors.jsonl.gz",
            "iwslt15-envi/iwslt15.en-vi.jsonl",
        ],  # fmt: skip
        "params": {
            "seed": SEED,
            "top_k": 5,
            "stored_documents": len(corpus),
            "queries": len(data.queries),
            "store_add_seconds": round(add_seconds, 1),
        },  # fmt: skip
        "figures": figures,
        "groups": groups,
        "trace_first": answers,
        "baseline_doc_cosine": baseline,
    }
