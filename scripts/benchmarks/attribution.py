"""The attribution benchmark: what `trace` names as a suspect's source, on real articles.

    python scripts/bench.py attribution [--quick]

Every suspect of attribution_data.attribution_set goes through Tracker.trace, as a
user's does (keep=False, so that no suspect joins the store and every one faces the
same store). Figures, on the test split unless named otherwise:

- false attribution: among suspects whose source is not stored, the share for which
  trace names a source (a related verdict at rank 1), by length, group and language;
- recall: among suspects whose source is stored, the share for which trace names that
  source;
- calibration: every trace's answer (a source named, or none) with the confidence it
  carries; observed share right per confidence decile and the expected calibration
  error (ECE), weighted by the traces in each decile.

Also the same figures on the dev split (the source model is fitted there, so they are
in-sample) and the stored articles named most often as a wrong source (hubs).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from provenance.judge import no_source_confidence
from provenance.models import UNRELATED, TraceResult

from . import attribution_data
from .attribution_data import AttributionSet, Suspect
from .data import SEED, prepare_doc
from .records import console, show
from .workspace import Workspace, embed_docs

DECILES = 10


@dataclass
class Outcome:
    """What trace answered for one suspect."""

    suspect: Suspect
    named: str | None  # key of the document named as source, or None
    relation: str  # the verdict's relation ("unrelated" when no candidate)
    confidence: float  # the confidence of the answer given (a source, or none)
    correct: bool
    lead: str | None = None  # key of the document offered as a possible source when none is named


def build_store(tracker, data: AttributionSet) -> dict[str, str]:
    """Add the set's stored articles; returns doc id -> document key."""
    docs = [prepare_doc(doc) for doc in data.store]
    tracker.add_documents(docs)
    return {prepared.doc_id: doc.key for doc, prepared in zip(data.store, docs)}


def outcome(suspect: Suspect, result: TraceResult, key_of: dict[str, str]) -> Outcome:
    named = result.source
    if named is not None:
        key = key_of.get(named.source.doc_id, named.source.doc_id)
        return Outcome(suspect, key, named.relation, named.confidence, key in suspect.sources)
    relation = result.verdict.relation if result.verdict else UNRELATED
    lead = key_of.get(result.lead.source.doc_id, result.lead.source.doc_id) if result.lead else None
    return Outcome(suspect, None, relation, no_source_confidence(result.matches), not suspect.sources, lead)


def trace_all(tracker, data: AttributionSet, progress=None) -> tuple[list[Outcome], float]:
    key_of = build_store(tracker, data)
    embed_docs(tracker, [suspect.doc for suspect in data.suspects])
    outcomes = []
    began = time.perf_counter()
    for n, suspect in enumerate(data.suspects):
        outcomes.append(outcome(suspect, tracker.trace(prepare_doc(suspect.doc), keep=False), key_of))
        if progress:
            progress(n + 1, len(data.suspects))
    return outcomes, (time.perf_counter() - began) / max(1, len(data.suspects))


def _share(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def length_bucket(suspect: Suspect) -> str:
    n = suspect.sentences
    return "1-4 sentences" if n <= 4 else "5-8 sentences" if n <= 8 else "9+ sentences"


def calibration(outcomes: list[Outcome]) -> tuple[float, list[dict]]:
    """Observed share right per confidence decile, and the expected calibration error."""
    bins: dict[int, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        bins[min(int(o.confidence * DECILES), DECILES - 1)].append(o)
    rows, ece = [], 0.0
    for b in sorted(bins):
        members = bins[b]
        mean_conf = float(np.mean([o.confidence for o in members]))
        right = float(np.mean([o.correct for o in members]))
        ece += len(members) / len(outcomes) * abs(mean_conf - right)
        rows.append({"bin": f"{b / DECILES:.1f}-{(b + 1) / DECILES:.1f}", "traces": len(members),
                     "mean_confidence": mean_conf, "share_right": right})  # fmt: skip
    return ece, rows


def figures(outcomes: list[Outcome]) -> dict:
    absent = [o for o in outcomes if not o.suspect.sources]
    present = [o for o in outcomes if o.suspect.sources]
    result: dict = {
        "false_attribution": _share([o.named is not None for o in absent]),
        "false_attribution.short": _share([o.named is not None for o in absent if o.suspect.short]),
        "false_attribution.long": _share([o.named is not None for o in absent if not o.suspect.short]),
        "no_source_suspects": len(absent),
        "no_source_short_suspects": sum(o.suspect.short for o in absent),
        "recall": _share([o.correct for o in present if not o.suspect.short]),
        "recall.short": _share([o.correct for o in present if o.suspect.short]),
        "lead.no_source": _share([o.lead is not None for o in absent]),
        "lead.no_source.short": _share([o.lead is not None for o in absent if o.suspect.short]),
        "named_or_lead": _share([o.correct or o.lead in o.suspect.sources for o in present if not o.suspect.short]),
        "named_or_lead.short": _share([o.correct or o.lead in o.suspect.sources for o in present if o.suspect.short]),
    }
    for group in sorted({o.suspect.group for o in outcomes}):
        result[f"false_attribution.{group}"] = _share([o.named is not None for o in absent if o.suspect.group == group])
        recall = _share([o.correct for o in present if o.suspect.group == group and not o.suspect.short])
        if recall is not None:
            result[f"recall.{group}"] = recall
    for bucket in sorted({length_bucket(o.suspect) for o in absent}):
        result[f"false_attribution.{bucket}"] = _share(
            [o.named is not None for o in absent if length_bucket(o.suspect) == bucket]
        )
    for lang in sorted({o.suspect.doc.lang for o in absent}):
        result[f"false_attribution.lang.{lang}"] = _share(
            [o.named is not None for o in absent if o.suspect.doc.lang == lang]
        )
    named = [o for o in outcomes if o.named is not None]
    for low, high in ((0.0, 0.7), (0.7, 0.9), (0.9, 1.01)):
        inside = [o for o in named if low <= o.confidence < high]
        result[f"named.precision.conf_{low:.1f}-{min(high, 1.0):.1f}"] = _share([o.correct for o in inside])
        result[f"named.count.conf_{low:.1f}-{min(high, 1.0):.1f}"] = len(inside)
    ece, rows = calibration(outcomes)
    result["ece"] = ece
    result["calibration"] = rows
    return result


def hubs(outcomes: list[Outcome], top: int = 5) -> list[tuple[str, int]]:
    """The stored articles named most often as a wrong source."""
    return Counter(o.named for o in outcomes if o.named and not o.correct).most_common(top)


def errors(outcomes: list[Outcome]) -> list[dict]:
    """Every wrong answer, for reading one by one."""
    return [
        {"suspect": o.suspect.doc.key, "group": o.suspect.group, "short": o.suspect.short, "split": o.suspect.split,
         "gold": list(o.suspect.sources), "named": o.named, "relation": o.relation, "confidence": round(o.confidence, 3)}
        for o in outcomes if not o.correct
    ]  # fmt: skip


def run(ws: Workspace) -> dict:
    """Real suspects traced through Tracker.trace against one store, with and without
    their source in it: the figures, the calibration table and the hubs."""
    data = attribution_data.attribution_set(SEED, quick=ws.quick)
    # a store of its own: the set's store must hold exactly its articles
    with ws.open_tracker(ws.folder / "attribution.duckdb") as tracker:
        with console.status("tracing") as status:
            outcomes, seconds_per_trace = trace_all(
                tracker, data, lambda n, total: status.update(f"tracing: {n}/{total}")
            )
    by_split = {split: figures([o for o in outcomes if o.suspect.split == split]) for split in ("dev", "test")}
    # the quick subset (76 suspects) is too small to split: its gate reads every suspect
    test = figures(outcomes) if ws.quick else by_split["test"]
    rows = [
        [name, *(by_split[split].get(name) for split in ("test", "dev"))]
        for name in test
        if name != "calibration"
        and (name.startswith(("false_attribution", "recall", "ece", "lead", "named", "no_source")))
    ]
    show(
        f"attribution: {len(data.suspects)} suspects traced against {len(data.store)} stored articles",
        ["figure", "test", "dev"],
        rows,
    )
    show("calibration (test): confidence of each trace's answer, a source or none",
         ["decile", "traces", "mean confidence", "share right"],
         [[row["bin"], row["traces"], row["mean_confidence"], row["share_right"]] for row in test["calibration"]])  # fmt: skip
    hub_rows = hubs(outcomes)
    if hub_rows:
        show(
            "stored articles named most often as a wrong source", ["article", "times"], [list(row) for row in hub_rows]
        )
    headline = {
        f"attribution.{name}": value for name, value in test.items() if name != "calibration" and value is not None
    }
    headline["attribution.seconds_per_trace"] = seconds_per_trace
    return {
        "data_files": [
            "ntrex/ntrex.*.jsonl",
            "wmt22/wmt22.*.jsonl",
            "iwslt15-envi/iwslt15.en-vi.jsonl",
            "closa/bbc.en-ja.jsonl",
            "closa/bbc.en-distractors.jsonl.gz",
            "closa/ecce.en-zh.jsonl",
        ],  # fmt: skip
        "params": {
            "seed": SEED,
            "sizes": attribution_data.QUICK if ws.quick else attribution_data.FULL,
            "stored_articles": len(data.store),
            "suspects": len(data.suspects),
        },  # fmt: skip
        "figures": headline,
        "dev": {name: value for name, value in by_split["dev"].items()},
        "calibration": test["calibration"],
        "hubs": hub_rows,
        "errors": errors(outcomes),
    }
