"""Fit the judge's relation model on the dev split of the judge benchmark's pairs.

    python scripts/fit_judge.py            # features from bench/cache when the code that makes them is unchanged
    python scripts/fit_judge.py --refresh  # recompute every pair's features

Builds the judge set as `scripts/bench.py judge` does (benchmarks.data.judge_set, seed 0,
JUDGE_FULL sizes: human pairs of five relations and machine-translation pairs), embeds it
through the full benchmark's store (bench/cache/bench.duckdb), and computes
provenance.judge.relation_features for every pair. A multinomial logistic regression
over standardised features, classes weighted equally, is fitted on the dev pairs only;
its C is chosen by 5-fold cross-validation on dev, folds grouped by source item so no
text is on both sides of a fold. Writes the coefficients, with the data and the dev
and test figures they came from, to provenance/judge_model.json, which the judge reads
at run time (numpy only). The test figures printed here use the judge's own inference
on the written file; `scripts/bench.py judge` gives the same test macro-F1.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import time

import click
import numpy as np
from benchmarks import data as bench_data
from benchmarks.data import SEED
from benchmarks.locations import CACHE, REPO_ROOT
from benchmarks.records import console, git, show
from benchmarks.workspace import Workspace, embed_all, pair_vectors
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from provenance import judge
from provenance.models import COPY, RELATIONS, TRANSLATION

FEATURE_CACHE = CACHE / "judge_features.npz"
MODEL_PATH = REPO_ROOT / "provenance" / judge.MODEL_FILE
# the code a pair's features depend on: a change to any of these recomputes them
FEATURE_CODE = ("provenance/judge.py", "provenance/align.py", "provenance/settings.py", "provenance/segment.py",
                "provenance/language.py", "scripts/benchmarks/data.py")  # fmt: skip
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
FOLDS = 5
REPEATS = 5


def feature_key() -> str:
    digest = hashlib.sha256(repr((judge.FEATURES, SEED, bench_data.JUDGE_FULL)).encode())
    for path in FEATURE_CODE:
        digest.update((REPO_ROOT / path).read_bytes())
    return digest.hexdigest()


def pair_features(pairs: list[bench_data.Pair], refresh: bool) -> np.ndarray:
    """Every pair's relation features, from bench/cache when the code is unchanged."""
    key = feature_key()
    ids = [pair.pair_id for pair in pairs]
    if FEATURE_CACHE.exists() and not refresh:
        cached = np.load(FEATURE_CACHE)
        if str(cached["key"]) == key and cached["pair_ids"].tolist() == ids:
            return cached["features"]
    ws = Workspace(quick=False, model=None)
    try:
        tracker = ws.tracker()
        embed_all(tracker, pairs)
        began = time.perf_counter()
        with console.status("computing features") as status:
            rows = []
            for n, pair in enumerate(pairs):
                rows.append(judge.relation_features(*pair_vectors(tracker, pair)))
                status.update(f"computing features: {n + 1}/{len(pairs)}")
        console.print(f"features of {len(pairs)} pairs in {time.perf_counter() - began:.0f} s")
    finally:
        ws.close()
    features = np.stack(rows)
    FEATURE_CACHE.parent.mkdir(parents=True, exist_ok=True)
    np.savez(FEATURE_CACHE, key=key, pair_ids=np.array(ids), features=features)
    return features


def allowed_argmax(probabilities: np.ndarray, classes: list[str], same_language: np.ndarray) -> np.ndarray:
    """The judge's rule on top of the model: no copy across languages, no translation within one."""
    ruled_out = np.where(same_language[:, None], np.array(classes) == TRANSLATION, np.array(classes) == COPY)
    return np.array(classes)[np.argmax(np.where(ruled_out, -1.0, probabilities), axis=1)]


def new_model(c: float):
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, class_weight="balanced", max_iter=5000))


def cross_validated(features, labels, groups, same_language, human, c: float) -> float:
    """Macro-F1 of out-of-fold predictions on the human dev pairs, averaged over
    REPEATS shuffles of the folds (dev has about a hundred source items, so one
    shuffle's figure moves by a point)."""
    figures = []
    for repeat in range(REPEATS):
        predicted = np.empty(len(labels), dtype=object)
        folds = StratifiedGroupKFold(n_splits=FOLDS, shuffle=True, random_state=repeat)
        for train, held in folds.split(features, labels, groups):
            model = new_model(c).fit(features[train], labels[train])
            probabilities = model.predict_proba(features[held])
            predicted[held] = allowed_argmax(probabilities, list(model.classes_), same_language[held])
        figures.append(f1_score(labels[human], predicted[human], labels=list(RELATIONS), average="macro"))
    return float(np.mean(figures))


def scores(labels: np.ndarray, predicted: np.ndarray) -> dict:
    per_class = f1_score(labels, predicted, labels=list(RELATIONS), average=None)
    return {
        "pairs": len(labels),
        "macro_f1": round(float(per_class.mean()), 4),
        "accuracy": round(float((labels == predicted).mean()), 4),
        "f1": {relation: round(float(f), 4) for relation, f in zip(RELATIONS, per_class)},
    }


def judge_relation(features: np.ndarray, same_language: bool) -> str:
    probabilities = judge.relation_probabilities(features, bool(same_language))
    return max(probabilities, key=probabilities.get)


@click.command()
@click.option("--refresh", is_flag=True, help="Recompute the features even when the cache matches the code.")
def main(refresh: bool) -> None:
    """Fit the relation model on dev pairs and write provenance/judge_model.json."""
    pairs = bench_data.judge_set(SEED, **bench_data.JUDGE_FULL)
    features = pair_features(pairs, refresh)
    labels = np.array([pair.label for pair in pairs], dtype=object)
    dev = np.array([pair.split == "dev" for pair in pairs])
    human = np.array(["/mt-" not in pair.kind for pair in pairs])
    machine = ~human
    # a source item's texts (its languages, its edits) all sit in one fold
    groups = np.array([pair.source.key.rsplit("/", 1)[0] for pair in pairs])
    same_language = features[:, judge.FEATURES.index("same_language")] > 0.5

    cv = {}
    for c in C_GRID:
        cv[c] = cross_validated(features[dev], labels[dev], groups[dev], same_language[dev], human[dev], c)
    best_c = max(C_GRID, key=lambda c: (round(cv[c], 4), -c))  # ties go to the stronger regularisation
    show(f"judge model: C by {FOLDS}-fold CV on dev, {REPEATS} shuffles", ["C", "dev CV macro-F1 (human pairs)"],
         [[c, f] for c, f in cv.items()])  # fmt: skip

    model = new_model(best_c).fit(features[dev], labels[dev])
    scaler, regression = model.named_steps["standardscaler"], model.named_steps["logisticregression"]
    fitted = {
        "about": "Multinomial logistic regression of the judge's relation over standardised features "
        "(provenance.judge.FEATURES); written by scripts/fit_judge.py, read by provenance/judge.py.",
        "features": list(judge.FEATURES),
        "classes": [str(c) for c in regression.classes_],
        "lows": features[dev].min(axis=0).round(6).tolist(),
        "highs": features[dev].max(axis=0).round(6).tolist(),
        "means": scaler.mean_.round(6).tolist(),
        "scales": scaler.scale_.round(6).tolist(),
        "weights": regression.coef_.round(6).tolist(),
        "biases": regression.intercept_.round(6).tolist(),
    }
    # written now so that every figure below is the judge's own inference on this file;
    # written again with the figures
    MODEL_PATH.write_text(json.dumps(fitted, indent=1) + "\n", encoding="utf-8")
    judge.relation_model.cache_clear()
    predicted = np.array([judge_relation(row, same) for row, same in zip(features, same_language)], dtype=object)
    test = ~dev
    figures = {
        "dev_cv": round(cv[best_c], 4),
        "dev_fitted": scores(labels[dev & human], predicted[dev & human]),
        "test": scores(labels[test & human], predicted[test & human]),
        "test_with_mt": scores(labels[test], predicted[test]),
        "mt_recall_test": round(float((predicted[test & machine] == TRANSLATION).mean()), 4),
        "mt_recall_all": round(float((predicted[machine] == TRANSLATION).mean()), 4),
    }
    fitted["fitted_on"] = {
        "data": "scripts/benchmarks/data.py judge_set: NTREX-128, WMT22, IWSLT15 en-vi (shared/bench), "
        "human pairs of five relations plus machine-translation pairs",
        "seed": SEED,
        "sizes": bench_data.JUDGE_FULL,
        "dev_pairs": int(dev.sum()),
        "dev_human_pairs": int((dev & human).sum()),
        "test_pairs": int(test.sum()),
        "C": best_c,
        "folds": f"{FOLDS}-fold CV on dev, grouped by source item, {REPEATS} shuffles",
        "date": datetime.date.today().isoformat(),
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--", "provenance", "scripts")),
        "figures": figures,
    }
    MODEL_PATH.write_text(json.dumps(fitted, indent=1) + "\n", encoding="utf-8")

    show("judge model: macro-F1 (human pairs unless said)", ["set", "pairs", "macro-F1", "accuracy"],
         [[f"dev, {FOLDS}-fold CV", int((dev & human).sum()), figures["dev_cv"], ""],
          ["dev, fitted (in-sample)", figures["dev_fitted"]["pairs"], figures["dev_fitted"]["macro_f1"],
           figures["dev_fitted"]["accuracy"]],
          ["test", figures["test"]["pairs"], figures["test"]["macro_f1"], figures["test"]["accuracy"]],
          ["test with MT", figures["test_with_mt"]["pairs"], figures["test_with_mt"]["macro_f1"],
           figures["test_with_mt"]["accuracy"]]])  # fmt: skip
    show("judge model: test F1 per class", ["relation", "F1"], [[r, f] for r, f in figures["test"]["f1"].items()])
    console.print(f"MT recall: test {figures['mt_recall_test']:.3f}, all {figures['mt_recall_all']:.3f}")
    console.print(f"wrote {MODEL_PATH.relative_to(REPO_ROOT)} (C={best_c})")


if __name__ == "__main__":
    main()
