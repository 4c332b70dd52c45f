"""The quality gate's bounds, and what the issue asks of each figure.

The gate: a quick run exits non-zero when a quality figure falls past its bound in
GATES. Each bound sits just under what runs measured, and says which full-run figure
it sits under. Times are shown beside their targets but never fail the gate: on a
shared machine they measure the load as much as the code (a loaded 2-core machine
took 457 s for a run that takes 56 s on a quiet one). The quick subset is small, so a bound also leaves room
for the quick figure, which is noisier than the full one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Gate:
    at_least: float | None  # the figure must be >= this (quality)
    at_most: float | None  # or <= this (times, overheads)
    full: float | None  # the full-run figure the bound sits under (None: not measured in full yet)
    note: str = ""
    gated: bool = True  # False: a time, shown with its bound but never failing the gate


# figure name -> bound. Quick-run figures are what `all --quick` checks. Quick subsets
# are small (5-25 pairs or queries a figure), so a floor sits one or two misses below
# the quick figure as well as under the full one; `full` is the full-run figure
# (bench/results/<name>.json), `note` the quick figure measured when the floor was set.
GATES: dict[str, Gate] = {
    "align.strict_f1": Gate(0.85, None, 0.916, "quick 0.980 (test0, first 60 sentences)"),
    "retrieval.recall_at_1.min": Gate(0.8, None, 0.957, "quick 1.000; 6 queries a language"),
    "retrieval.mrr.min": Gate(0.85, None, 0.978, "quick 1.000"),
    "judge.macro_f1": Gate(0.77, None, 0.925, "quick 0.848 on 25 pairs since the source model (0.920 before)"),
    "direction.accuracy.text": Gate(0.5, None, 0.735, "quick 0.700 on 10 pairs; chance is 0.5"),
    "direction.accuracy.dates": Gate(0.8, None, 0.996, "quick 1.000 on 10 pairs"),
    "direction.accuracy.cues": Gate(0.8, None, 0.996, "quick 1.000 on 10 pairs"),
    "speed.embed_overhead": Gate(
        None, 0.6, 0.016, "quick 0.03 on a quiet machine, 0.02-0.47 on a busy one: timing noise", gated=False
    ),
    "speed.trace_p95_s.1k": Gate(
        None, 1.0, 0.183, "quick 0.16 s at 1k documents; 0.53 s at 300 with the machine under load", gated=False
    ),
    # the quick store's shards are made graphs for this check (full runs: 100k and 1M)
    "speed.index_recall_at_5.1k": Gate(0.95, None, None, "quick 1.000 (50 queries, graphs from 100 documents)"),
    # attribution's quick figures read all 76 quick suspects (40 with no source stored,
    # 24 long ones with it): one false attribution is 0.025, one miss 0.042
    "attribution.false_attribution": Gate(None, 0.08, 0.011, "quick 0.025 (1 of 40)"),
    "attribution.recall": Gate(0.85, None, 0.959, "quick 0.958 (1 miss of 24 long suspects)"),
    "attribution.ece": Gate(None, 0.1, 0.006, "quick 0.020"),
    # lineage's quick stories: 6 NTREX stories under each condition, 13 edges a condition
    # (one wrong parent is 0.077 of a condition's F1)
    "lineage.edge_f1.dates": Gate(0.8, None, 0.860, "quick 0.923 (one chain4 hop under its grandparent)"),
    "lineage.edge_f1.cues": Gate(0.85, None, 0.895, "quick 1.000"),
    "lineage.roots_right.dates": Gate(0.8, None, 0.897, "quick 1.000 (6 stories)"),
    "lineage.origin_count_exact": Gate(0.8, None, 0.977, "quick 1.000 (18 stories)"),
    # sweep's quick corpus: 8 NTREX families (48 known pairs: one miss is 0.021) among 32
    # distractors; the Spark job on local[2] must agree with one machine exactly
    "sweep.pair_precision": Gate(0.9, None, 0.991, "quick 1.000 (47 found)"),
    "sweep.pair_recall": Gate(0.9, None, 0.953, "quick 0.979 (1 miss of 48)"),
    "sweep.spark_same_pairs": Gate(1.0, None, 1.0, "quick 1.000"),
    "sweep.spark_same_relations": Gate(1.0, None, 1.0, "quick 1.000"),
    # the quick crawl: 20 pages added, 2 menu-only pages counted as failures, every page
    # dated, a re-run that skips all 20 unread; any miscount fails
    "ingest.count_errors": Gate(None, 0.0, 0, "quick 0"),
    # the translation detector reads the same 4,670 test texts quick or full (8 s, no
    # embedding), so the quick figures are the full ones
    "translated.accuracy.mean": Gate(0.82, None, 0.874, "quick = full 0.874 (majority 0.694)"),
    "translated.note_precision": Gate(0.93, None, 0.970, "quick = full 0.970"),
    "translated.originals_noted": Gate(None, 0.08, 0.048, "quick = full 0.048"),
    # the target is 180 s on a quiet 2-core machine (56 s in a fresh clone, 154 s before the
    # embedding and store speed-ups); shown, not gated: a busy machine took 457 s
    "all.seconds": Gate(None, 300.0, None, "the whole quick gate, model load included", gated=False),
}

# what the issue asks for, shown beside the figures in BENCHMARKS.md
TARGETS = {
    "align.strict_f1": ">= 0.95",
    "retrieval.recall_at_1.min": ">= 0.99 in every language",
    "retrieval.mrr.min": ">= 0.995",
    "judge.macro_f1": ">= 0.95",
    "direction.accuracy.text": ">= 0.85",
    "direction.accuracy.dates": ">= 0.99",
    "direction.accuracy.cues": ">= 0.99",
    "speed.embed_overhead": "<= 0.10",
    "speed.trace_p95_s.10k": "<= 1 s",
    "speed.trace_p95_s.100k": "<= 3 s",
    "speed.peak_rss_gb.100k": "<= 4 GB",
    "speed.trace_p95_s.1M": "<= 1 s",
    "speed.peak_rss_gb.1M": "<= 4 GB",
    "speed.index_recall_at_5.1M": ">= 0.99",
    "speed.duckdb_gb_per_million_passages.1M": "<= 1 GB",
    "attribution.false_attribution": "<= 0.01",
    "attribution.false_attribution.short": "<= 0.02",
    "attribution.recall.ntrex": ">= 0.98",
    "attribution.recall.wmt22": ">= 0.98",
    "attribution.recall.iwslt": ">= 0.98",
    "attribution.recall.closa-ja": ">= 0.90",
    "attribution.ece": "<= 0.05",
    "lineage.edge_f1.dates": ">= 0.95",
    "lineage.edge_f1.none": ">= 0.85",
    "lineage.roots_right": ">= 0.98",
    "lineage.origin_count_exact": ">= 0.95",
    "lineage.seconds_50_articles": "<= 2 s",
    "sweep.pair_precision": ">= 0.97",
    "sweep.pair_recall": ">= 0.95",
    "sweep.spark_same_pairs": ">= 1.0",
    "sweep.spark_same_relations": ">= 1.0",
    "sweep.spark_local2_over_single": "<= 1.5",
    "sweep.speedup_local2_over_local1": ">= 1.7",
    "ingest.rate_ratio": ">= 0.9",
    # issue 18, on the real-news test split (source stored, dates given)
    "realnews.stored.dated.named": ">= 0.80",
    "realnews.stored.dated.named_or_lead": ">= 0.92",
    "realnews.stored.dated.independent_source": "<= 0.03",
    "realnews.stored.dated.independent_lead": "<= 0.15",
    "ingest.count_errors": "<= 0",
    "translated.note_precision": ">= 0.9",
    "translated.originals_noted": "<= 0.05",
}


def check_gates(figures: dict[str, float]) -> list[str]:
    misses = []
    for name, gate in GATES.items():
        if name not in figures or not gate.gated:
            continue
        value = figures[name]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            misses.append(f"{name}: no figure")
        elif gate.at_least is not None and value < gate.at_least:
            misses.append(f"{name} = {value:.3f} < floor {gate.at_least}")
        elif gate.at_most is not None and value > gate.at_most:
            misses.append(f"{name} = {value:.3f} > ceiling {gate.at_most}")
    return misses


def bound(gate: Gate) -> str:
    shown = f">= {gate.at_least}" if gate.at_least is not None else f"<= {gate.at_most}"
    return shown if gate.gated else f"{shown} (time: shown, not gated)"
