"""The sweep benchmark: does `provenance sweep` find the corpus's related pairs, does
the Spark job find the same ones, and what would a 10M-article sweep cost?

    python scripts/bench.py sweep [--quick]

The corpus (sweep_corpus.py): 2,000 short articles, NTREX families (an English
original, two human translations, a copy or a rewrite) among CL-OSA BBC distractors,
each with a date. Every pair inside a family is a known related pair.

What is timed, on the same documents and the same passage vectors (embedded once,
kept in the vector cache):
- one machine: `sweep.sweep_store` on a store holding the corpus (reading the store,
  candidate pairs, judging, saving the readings), one process;
- Spark: `spark_sweep.run` on the documents Parquet (reading it, the blocked pairing
  join, judging in the executors, writing the readings as Parquet) at local[1] and
  local[2]; the session's start-up is timed apart;
- the embedding path: the Spark job from a JSONL corpus (the first articles of the
  corpus), the passages embedded in the executors at local[2].
The 10M estimate multiplies measured costs: embedding per passage, judging per pair,
and the pairing kernel per article pair (timed on one 4,000 x 4,000 block pair).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable

import numpy as np

from provenance import settings
from provenance.sweep import document_row, import_results, sweep_store
from provenance.tracker import Tracker, text_hash

from . import sweep_corpus
from .data import SEED, prepare_doc
from .records import console, show
from .workspace import Workspace

FULL = {"families": 200, "distractors": 1200, "embed_articles": 250, "cores": (1, 2)}
QUICK = {"families": 8, "distractors": 32, "embed_articles": 0, "cores": (2,)}
TARGET_ARTICLES = 10_000_000
TARGET_SPAN_DAYS = 365  # the 10M articles are taken as a year of news, dated evenly
KERNEL_BLOCK = 4000


def run(ws: Workspace) -> dict:
    sizes = QUICK if ws.quick else FULL
    load_before = os.getloadavg()[1]  # the machine may be shared: its load says how far to trust the times
    corpus = sweep_corpus.build(sizes["families"], sizes["distractors"], SEED)
    docs, keys = {}, {}
    for bench_doc in corpus.docs:
        doc = prepare_doc(bench_doc)
        docs.setdefault(doc.doc_id, doc)
        keys.setdefault(doc.doc_id, bench_doc.key)
    texts = list(dict.fromkeys(p.text for doc in docs.values() for p in doc.passages))
    with console.status(f"sweep: vectors of {len(texts)} passages"):
        cached = ws.vectors().vectors(ws.embedder, texts)
    by_text = dict(zip(texts, cached))
    vectors = {doc_id: np.stack([by_text[p.text] for p in doc.passages]) for doc_id, doc in docs.items()}
    folder = ws.folder / "sweep"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)

    # one machine: a store holding the corpus, its embedding cache filled from the vector cache
    with Tracker(db=folder / "single.duckdb", model=ws.model) as tracker:
        tracker.store.put_embeddings(tracker.embedder.name, [text_hash(t) for t in texts], cached)
        tracker.add_documents(list(docs.values()))
        began = time.perf_counter()
        single = sweep_store(tracker)
        single_seconds = time.perf_counter() - began
    single_related = {_pair(j): j.relation for j in single.related}

    # Spark: the same documents and vectors as Parquet
    documents = folder / "documents"
    _write_documents(documents, docs, vectors, ws.model_name)
    spark_runs, spark_skipped = {}, None
    for cores in sizes["cores"]:
        spark_runs[cores], spark_skipped = _spark_retried(folder / f"local{cores}", cores, [], str(documents))
        if spark_skipped:
            break
    spark_related = {}
    if not spark_skipped:
        with Tracker(db=folder / "spark.duckdb", model=ws.model) as tracker:
            imported = import_results(tracker.store, folder / f"local{max(sizes['cores'])}")
        spark_related = {_pair(j): j.relation for j in imported["related_pairs"]}

    embed_run, embed_skipped = None, None
    if sizes["embed_articles"]:
        jsonl = folder / "embed.jsonl"
        with jsonl.open("w", encoding="utf-8") as out:
            for bench_doc in corpus.docs[: sizes["embed_articles"]]:
                out.write(
                    json.dumps(
                        {"text": bench_doc.text, "lang": bench_doc.lang, "date": bench_doc.published},
                        ensure_ascii=False,
                    )
                    + "\n"
                )
        embed_run, embed_skipped = _spark_retried(folder / "embedded", 2, [str(jsonl)], None)
    if embed_run:
        embed_run["passages"] = len(
            {p.text for d in corpus.docs[: sizes["embed_articles"]] for p in prepare_doc(d).passages}
        )

    truth = corpus.related_pairs()
    found = {frozenset(keys[doc_id] for doc_id in pair) for pair in single_related}
    right = found & truth
    relation_right = sum(single_related[_doc_pair(pair, keys)] in corpus.expected[pair] for pair in right)
    same_pairs = set(single_related) == set(spark_related)
    same_relations = sum(spark_related.get(pair) == relation for pair, relation in single_related.items())
    figures = {
        "sweep.articles": len(docs),
        "sweep.known_related_pairs": len(truth),
        "sweep.candidate_pairs": single.pairs,
        "sweep.related_found": len(found),
        "sweep.pair_precision": len(right) / len(found) if found else 0.0,
        "sweep.pair_recall": len(right) / len(truth),
        "sweep.relation_accuracy": relation_right / len(right) if right else 0.0,
        "sweep.seconds_single": single_seconds,
    }
    if not spark_skipped:
        two = spark_runs[max(sizes["cores"])]
        figures["sweep.spark_same_pairs"] = 1.0 if same_pairs else 0.0
        figures["sweep.spark_same_relations"] = same_relations / len(single_related) if single_related else 1.0
        figures[f"sweep.seconds_spark_local{max(sizes['cores'])}"] = two["seconds"]
        figures["sweep.spark_local2_over_single"] = two["seconds"] / single_seconds
    for skipped in (spark_skipped, embed_skipped):
        if skipped:
            console.print(f"[yellow]Spark figures skipped, not gated:[/yellow] {skipped}")
    if 1 in spark_runs and 2 in spark_runs and not spark_skipped:
        figures["sweep.seconds_spark_local1"] = spark_runs[1]["seconds"]
        figures["sweep.speedup_local2_over_local1"] = spark_runs[1]["seconds"] / spark_runs[2]["seconds"]
    estimate = None if spark_skipped else _estimate(single, spark_runs, embed_run, docs)
    if estimate:
        figures["sweep.estimate_core_hours_10m"] = estimate["core_hours"]
    figures["sweep.load_average"] = round((load_before + os.getloadavg()[1]) / 2, 2)
    missed = sorted(truth - found, key=sorted)
    wrong = sorted(found - truth, key=sorted)
    show("sweep", ["figure", "value"], [[name, value] for name, value in figures.items()])
    show("what was timed", ["run", "seconds", "steps"],
         [["one machine (sweep_store)", single_seconds, json.dumps(single.seconds)]]
         + [[f"Spark local[{c}] (run, documents Parquet)", r["seconds"], json.dumps(r["steps"]) + f"; start-up {r['startup']:.1f} s"] for c, r in spark_runs.items() if r]
         + ([["Spark local[2] with embedding", embed_run["seconds"], json.dumps(embed_run["steps"])]] if embed_run else []))  # fmt: skip
    if estimate:
        show("10M articles, from the measured costs", ["part", "value"], [[k, v] for k, v in estimate.items()])
    return {
        "data_files": ["ntrex/ntrex.*.jsonl", "closa/bbc.en-distractors.jsonl.gz"],
        "params": {
            "seed": SEED,
            **{k: list(v) if isinstance(v, tuple) else v for k, v in sizes.items()},
            "window_days": settings.SWEEP_WINDOW_DAYS,
            "passages": len(texts),
        },  # fmt: skip
        "figures": figures,
        "timed": {
            "single": {"seconds": single_seconds, "steps": single.seconds},
            "spark": spark_runs,
            "embedded": embed_run,
        },
        "estimate": estimate,
        "spark_skipped": spark_skipped or embed_skipped,
        "relations_found": dict(Counter(single_related.values())),
        "missed": [sorted(pair) for pair in missed],
        "wrong": [sorted(pair) for pair in wrong],
        "differences": sorted(str(pair) for pair in set(single_related) ^ set(spark_related)),
    }


def _pair(judged) -> frozenset:
    return frozenset((judged.suspect, judged.source))


def _doc_pair(pair: frozenset, keys: dict) -> frozenset:
    by_key = {key: doc_id for doc_id, key in keys.items()}
    return frozenset(by_key[key] for key in pair)


def _write_documents(folder, docs, vectors, model: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    text, binary = pa.string(), pa.binary()
    schema = pa.schema([("doc_id", text), ("text", text), ("lang", text), ("title", text), ("url", text), ("site", text),
                        ("author", text), ("published", text), ("day", pa.int32()), ("passages", text), ("cues", text),
                        ("vectors", binary), ("doc_vector", binary), ("model", text)])  # fmt: skip
    rows = [{**document_row(doc, vectors[doc_id]), "model": model} for doc_id, doc in docs.items()]
    folder.mkdir(parents=True)
    for part in range(4):  # a few files, so that Spark reads them in parallel
        pq.write_table(pa.Table.from_pylist(rows[part::4], schema=schema), folder / f"part-{part}.parquet")


# what Spark says when a Python worker dies under it: on a loaded shared machine that is
# the machine (a worker killed for memory, a socket that timed out while starved of CPU),
# not the sweep, so the run is tried once more and then skipped with the reason
WORKER_DIED = ("Python worker exited unexpectedly", "Python worker failed to connect back", "Connection reset")


def _spark_retried(out, cores: int, paths: list[str], documents: str | None) -> tuple[dict | None, str | None]:
    """`_spark`, tried a second time when a Python worker died."""

    def attempt() -> dict:
        shutil.rmtree(out, ignore_errors=True)
        return _spark(out, cores, paths, documents)

    return worker_death_retried(attempt, f"Spark local[{cores}]")


def worker_death_retried(attempt: Callable[[], dict], label: str) -> tuple[dict | None, str | None]:
    """(attempt(), None), or (None, why it was skipped) when a Python worker died in
    both of two tries. Any other error is the sweep's and fails the benchmark."""
    reason = None
    for number in (1, 2):
        try:
            return attempt(), None
        except Exception as error:  # Py4JJavaError or PySparkException, from the JVM
            message = str(error)
            if not any(sign in message for sign in WORKER_DIED):
                raise
            sign = next(sign for sign in WORKER_DIED if sign in message)
            cause = message[message.index(sign) :].splitlines()[0][:200]  # Spark's line, past its stack
            reason = f"{label}: a Python worker died twice ({cause}; load average {os.getloadavg()[0]:.1f})"
            console.print(f"[yellow]{label}, try {number} of 2: a Python worker died:[/yellow] {cause}")
    return None, reason


def _spark(out, cores: int, paths: list[str], documents: str | None) -> dict:
    from provenance.spark_sweep import run as spark_run
    from provenance.spark_sweep import spark_session

    began = time.perf_counter()
    spark = spark_session(f"local[{cores}]", app=f"bench-sweep-{cores}")
    startup = time.perf_counter() - began
    try:
        began = time.perf_counter()
        manifest = spark_run(spark, paths, str(out), documents=documents)
        seconds = time.perf_counter() - began
    finally:
        spark.stop()
    return {"seconds": seconds, "startup": startup, "steps": manifest["seconds"], "pairs": manifest["pairs"],
            "related": manifest["related"], "documents": manifest["documents"]}  # fmt: skip


def _kernel_seconds_per_pair() -> float:
    """The pairing join's cost per article pair: one KERNEL_BLOCK x KERNEL_BLOCK block
    pair through spark_sweep's kernel (unit vectors, 13 languages, dates over a year)."""
    from provenance.spark_sweep import _block_candidates

    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((KERNEL_BLOCK, 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    members = [{"doc_id": f"{n:08d}", "lang": f"l{n % 13}", "day": 739000 + n % 365, "doc_vector": vecs[n].tobytes()}
               for n in range(KERNEL_BLOCK)]  # fmt: skip
    began = time.perf_counter()
    sum(1 for _ in _block_candidates(settings.SWEEP_WINDOW_DAYS, {"q": members, "p": members}))
    return (time.perf_counter() - began) / KERNEL_BLOCK**2


def _estimate(single, spark_runs, embed_run, docs) -> dict | None:
    """Cores x hours for TARGET_ARTICLES articles like these, from measured costs."""
    if embed_run is None:
        return None
    articles = len(docs)
    passages_per_article = sum(len(doc.passages) for doc in docs.values()) / articles
    embed_per_passage = embed_run["steps"]["embed"] * 2 / embed_run["passages"]  # core-seconds, local[2]
    judge_per_pair = single.seconds["judge"] / single.pairs  # core-seconds, one process
    pairs_per_article = single.pairs / articles
    kernel = _kernel_seconds_per_pair()
    embed = embed_per_passage * passages_per_article * TARGET_ARTICLES
    judge = judge_per_pair * pairs_per_article * TARGET_ARTICLES
    # the join computes the block pairs whose days come within the window: one-day blocks
    # at 10M a year (27k articles a day), so each article meets 2 x window + 1 days of others
    joined_share = min(1.0, (2 * settings.SWEEP_WINDOW_DAYS + 1) / TARGET_SPAN_DAYS)
    pair = kernel * TARGET_ARTICLES**2 * joined_share
    core_hours = (embed + judge + pair) / 3600
    return {
        "passages_per_article": passages_per_article,
        "embed_core_ms_per_passage": embed_per_passage * 1e3,
        "judge_core_ms_per_pair": judge_per_pair * 1e3,
        "pairs_per_article": pairs_per_article,
        "pair_kernel_core_ns_per_article_pair": kernel * 1e9,
        "embed_core_hours": embed / 3600,
        "judge_core_hours": judge / 3600,
        "pair_joined_share": joined_share,
        "pair_core_hours": pair / 3600,
        "core_hours": core_hours,
        "hours_on_1000_cores": core_hours / 1000,
    }
