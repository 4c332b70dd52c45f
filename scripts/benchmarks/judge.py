"""The judge benchmark: the relation the judge names for labelled pairs.

Pairs of five relations (data.judge_set: human translations from NTREX, WMT22 and
IWSLT, and copies, rewrites, partial reuse and unrelated pairs made from them) plus
machine translations; figures are macro-F1 over the human pairs, per split, per
relation and per construction.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict

import numpy as np

from provenance.judge import compare
from provenance.models import RELATIONS

from .data import JUDGE_FULL, JUDGE_QUICK, SEED, judge_set
from .records import show
from .workspace import Workspace, embed_all, pair_vectors


def run(ws: Workspace) -> dict:
    sizes = JUDGE_QUICK if ws.quick else JUDGE_FULL
    pairs = judge_set(SEED, **sizes)
    tracker = ws.tracker()
    embed_all(tracker, pairs)
    predictions = []
    began = time.perf_counter()
    for pair in pairs:
        suspect, suspect_vecs, source, source_vecs = pair_vectors(tracker, pair)
        predictions.append(compare(suspect, suspect_vecs, source, source_vecs).relation)
    judge_seconds = time.perf_counter() - began

    def scores(selected: list[int]) -> dict:
        confusion = {gold: Counter() for gold in RELATIONS}
        for i in selected:
            confusion[pairs[i].label][predictions[i]] += 1
        per_class = {}
        for relation in RELATIONS:
            tp = confusion[relation][relation]
            fp = sum(confusion[gold][relation] for gold in RELATIONS if gold != relation)
            fn = sum(confusion[relation].values()) - tp
            p, r, f = prf(tp, fp, fn)
            per_class[relation] = {"precision": p, "recall": r, "f1": f, "support": sum(confusion[relation].values())}
        return {
            "pairs": len(selected),
            "macro_f1": float(np.mean([c["f1"] for c in per_class.values()])),
            "accuracy": sum(pairs[i].label == predictions[i] for i in selected) / max(1, len(selected)),
            "per_class": per_class,
            "confusion": {gold: dict(row) for gold, row in confusion.items()},
        }

    human = [i for i, pair in enumerate(pairs) if "/mt-" not in pair.kind]
    machine_translated = [i for i, pair in enumerate(pairs) if "/mt-" in pair.kind]
    overall = scores(human)
    by_split = {split: scores([i for i in human if pairs[i].split == split]) for split in ("dev", "test")}
    with_machine = scores(list(range(len(pairs))))
    kinds = defaultdict(list)
    for i, pair in enumerate(pairs):
        kinds[pair.kind].append(i)
    by_kind = {
        kind: {"pairs": len(rows), "recall": sum(predictions[i] == pairs[i].label for i in rows) / len(rows),
               "predicted": dict(Counter(predictions[i] for i in rows))}
        for kind, rows in sorted(kinds.items())
    }  # fmt: skip

    show(
        "judge: confusion (rows gold, columns predicted), human translations",
        ["gold \\ predicted", *RELATIONS, "recall", "precision", "F1"],
        [
            [gold, *[overall["confusion"][gold].get(p, 0) for p in RELATIONS], overall["per_class"][gold]["recall"],
             overall["per_class"][gold]["precision"], overall["per_class"][gold]["f1"]]
            for gold in RELATIONS
        ],
    )  # fmt: skip
    show(
        "judge: by construction",
        ["kind", "pairs", "recall", "predicted"],
        [[kind, k["pairs"], k["recall"], ", ".join(f"{p} {n}" for p, n in sorted(k["predicted"].items()))]
         for kind, k in by_kind.items()],
    )  # fmt: skip
    show(
        "judge: macro-F1",
        ["set", "pairs", "macro-F1", "accuracy"],
        [
            ["human translations (all)", overall["pairs"], overall["macro_f1"], overall["accuracy"]],
            *[[f"human, {split} split", s["pairs"], s["macro_f1"], s["accuracy"]] for split, s in by_split.items()],
            ["with machine translations", with_machine["pairs"], with_machine["macro_f1"], with_machine["accuracy"]],
        ],
    )
    figures = {
        "judge.macro_f1": overall["macro_f1"],
        "judge.macro_f1.test": by_split["test"]["macro_f1"],
        "judge.macro_f1.with_mt": with_machine["macro_f1"],
        "judge.mt_recall": (
            sum(predictions[i] == "translation" for i in machine_translated) / len(machine_translated)
            if machine_translated else float("nan")
        ),
        **{f"judge.f1.{relation}": c["f1"] for relation, c in overall["per_class"].items()},
    }  # fmt: skip
    return {
        "data_files": ["ntrex/ntrex.*.jsonl", "wmt22/wmt22.*.jsonl", "iwslt15-envi/iwslt15.en-vi.jsonl"],
        "params": {"seed": SEED, **sizes, "pairs": len(pairs), "judge_seconds": round(judge_seconds, 1)},
        "figures": figures,
        "human": overall,
        "by_split": by_split,
        "with_machine": with_machine,
        "by_kind": by_kind,
    }


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
