"""Fit the translation detector (provenance/translated.py) on the dev split.

    python scripts/fit_translated.py

Reads the texts `scripts/bench.py translated` reads (benchmarks.translated.translated_set:
WMT22, NTREX, CL-OSA BBC and ECCE, originals and translations of the same language)
and keeps the dev split (a quarter of the source items, data.split_of). For each
language with at least MIN_DEV texts of both classes on dev:

- a vocabulary: the language's VOCABULARY most frequent tokens on dev (words; for
  Chinese and Japanese, characters), whose rates are the function-word features;
- a logistic regression over the standardised style features and word rates, each
  (corpus, class) cell weighted equally (cell_weights), C chosen by grouped 5-fold cross-validation on dev (the texts of
  one source item, e.g. a reference and its MT outputs, in one fold);
- where the language's WMT22 translations came from several source languages, a
  multinomial regression over the same features for the source language, shipped only
  when its cross-validated accuracy on dev, counting the texts it names a language for,
  reaches SOURCE_PRECISION (WMT22 alone, so that it cannot learn to tell corpora apart).

The note's threshold is the lowest probability at which the pooled out-of-fold dev
readings reach NOTE_PRECISION precision, every language and each class within it
weighted equally (note_threshold); a language whose own dev readings need a higher
one gets its own, and one that never reaches NOTE_PRECISION reads but never notes. Everything is written to
provenance/translated_model.json, which the detector reads at run time (numpy only).
"""

from __future__ import annotations

import datetime
import json
from collections import Counter

import numpy as np
from benchmarks.locations import REPO_ROOT
from benchmarks.records import console, git, show
from benchmarks.translated import Text, languages_in, translated_set
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from provenance import translated

MODEL_PATH = REPO_ROOT / "provenance" / translated.MODEL_FILE
MIN_DEV = 15  # texts of each class on dev, else no model for the language
VOCABULARY = 100
C_GRID = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
FOLDS = 5
NOTE_PRECISION = 0.9
SOURCE_PRECISION = 0.85
SOURCE_MIN_TEXTS = 10  # dev translations from a source language, else it is not a class


def vocabulary(texts: list[Text], lang: str) -> list[str]:
    counts: Counter = Counter()
    for text in texts:
        counts.update(translated.tokens(text.text, lang))
    return [word for word, _ in counts.most_common(VOCABULARY)]


def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales < 1e-9] = 1.0
    return means, scales


def out_of_fold(x: np.ndarray, y: np.ndarray, groups: list[str], c: float, weights: np.ndarray) -> np.ndarray:
    """Each dev text's probabilities from a model fitted without its source item."""
    classes = np.unique(y)
    out = np.zeros((len(y), len(classes)))
    for train, held in GroupKFold(n_splits=FOLDS).split(x, y, groups):
        model = LogisticRegression(C=c, max_iter=2000)
        model.fit(x[train], y[train], sample_weight=weights[train])
        out[np.ix_(held, np.searchsorted(classes, model.classes_))] = model.predict_proba(x[held])
    return out


def best_c(x: np.ndarray, y: np.ndarray, groups: list[str], weights: np.ndarray) -> tuple[float, np.ndarray]:
    """The C whose weighted out-of-fold log loss is lowest, and its out-of-fold probabilities."""
    classes = np.unique(y)
    best = None
    for c in C_GRID:
        probabilities = out_of_fold(x, y, groups, c, weights)
        truth = probabilities[np.arange(len(y)), np.searchsorted(classes, y)]
        loss = -np.sum(weights * np.log(np.clip(truth, 1e-9, 1))) / weights.sum()
        if best is None or loss < best[0]:
            best = (loss, c, probabilities)
    return best[1], best[2]


def cell_weights(texts: list[Text], label) -> np.ndarray:
    """Each (corpus, class) cell of a language weighs the same, whatever its size: in
    English the WMT22 translations outnumber the WMT22 originals ten to one, and
    unweighted, the model would learn to tell WMT22 from the news corpora instead of
    translated from original text."""
    cells = Counter((t.kind.split()[0], label(t)) for t in texts)
    weights = np.array([1.0 / cells[(t.kind.split()[0], label(t))] for t in texts])
    return weights * len(texts) / weights.sum()


def fit_language(lang: str, texts: list[Text]) -> tuple[dict, np.ndarray, np.ndarray]:
    words = vocabulary(texts, lang)
    x = np.array([translated.features(t.text, lang, words) for t in texts])
    y = np.array([int(t.translated) for t in texts])
    groups = [t.item for t in texts]
    means, scales = standardise(x)
    z = (x - means) / scales
    weights = cell_weights(texts, lambda t: t.translated)
    c, oof = best_c(z, y, groups, weights)
    model = LogisticRegression(C=c, max_iter=2000).fit(z, y, sample_weight=weights)
    fitted = {
        "vocabulary": words,
        "means": [round(float(v), 6) for v in means],
        "scales": [round(float(v), 6) for v in scales],
        "weights": [round(float(v), 6) for v in model.coef_[0]],
        "bias": round(float(model.intercept_[0]), 6),
        "c": c,
        "dev": {
            "texts": len(texts),
            "translated": int(y.sum()),
            "cv_accuracy": round(float(np.mean((oof[:, 1] >= 0.5) == y)), 4),
        },  # fmt: skip
        "sources": fit_sources(lang, texts, z),
    }
    return fitted, oof[:, 1], y


def fit_sources(lang: str, texts: list[Text], z: np.ndarray) -> dict | None:
    """The source-language model, or None where the source cannot be told on dev."""
    rows = [n for n, t in enumerate(texts) if t.translated and t.kind.startswith("wmt22")]
    counts = Counter(texts[n].source_lang for n in rows)
    classes = sorted(source for source, count in counts.items() if count >= SOURCE_MIN_TEXTS)
    if len(classes) < 2:
        return None
    rows = [n for n in rows if texts[n].source_lang in classes]
    y = np.array([texts[n].source_lang for n in rows])
    groups = [texts[n].item for n in rows]
    weights = cell_weights([texts[n] for n in rows], lambda t: t.source_lang)
    c, oof = best_c(z[rows], y, groups, weights)
    right = oof.argmax(axis=1) == np.searchsorted(np.array(classes), y)
    top = oof.max(axis=1)
    # the lowest confidence from which the named languages are right often enough
    for cut in (0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        named = top >= cut
        if named.sum() >= 10 and right[named].mean() >= SOURCE_PRECISION:
            break
    else:
        console.print(f"{lang}: source language not told on dev (accuracy {right.mean():.3f}); not shipped")
        return None
    model = LogisticRegression(C=c, max_iter=2000).fit(z[rows], y, sample_weight=weights)
    console.print(f"{lang}: source language from {classes}: dev CV accuracy {right.mean():.3f}, "
                  f"{right[named].mean():.3f} on the {named.mean():.0%} named at >= {cut}")  # fmt: skip
    return {
        "classes": [str(v) for v in model.classes_],
        "weights": [[round(float(v), 6) for v in row] for row in model.coef_],
        "bias": [round(float(v), 6) for v in model.intercept_],
        "min_probability": cut,
        "dev": {"texts": len(rows), "cv_accuracy": round(float(right.mean()), 4),
                "named_share": round(float(named.mean()), 4), "right_when_named": round(float(right[named].mean()), 4)},
    }  # fmt: skip


def note_threshold(
    probabilities: np.ndarray, labels: np.ndarray, weights: np.ndarray, floor: float = 0.5
) -> tuple[float, float, float]:
    """The lowest cut whose dev precision is >= NOTE_PRECISION at it and at every cut
    above (so it does not dip back under), with its precision and recall. Each text is
    weighted so that every language, and each class within it, counts the same: the
    dev set holds far more translations than originals in German, French and Chinese,
    and a plain precision would hide the notes it puts on originals there."""

    def precision(cut: float) -> float:
        noted = probabilities >= cut
        return float(weights[noted & (labels == 1)].sum() / weights[noted].sum()) if noted.any() else 1.0

    cuts = [round(float(c), 2) for c in np.arange(floor, 0.991, 0.01)]
    for n, cut in enumerate(cuts):
        if all(precision(c) >= NOTE_PRECISION for c in cuts[n:]):
            positives = labels == 1
            recall = float(weights[positives & (probabilities >= cut)].sum() / weights[positives].sum())
            return cut, precision(cut), recall
    return 0.99, precision(0.99), 0.0


def class_weights(labels: np.ndarray) -> np.ndarray:
    """Within one language: each class sums to one half."""
    weights = np.zeros(len(labels))
    for value in (0, 1):
        weights[labels == value] = 0.5 / max(int((labels == value).sum()), 1)
    return weights


def main() -> None:
    texts = [t for t in translated_set() if t.split == "dev"]
    counts = languages_in(texts)
    show("dev texts", ["language", "original", "translated"],
         [[lang, c["original"], c["translated"]] for lang, c in sorted(counts.items())])  # fmt: skip
    languages, pooled, labels, weights, rows = {}, [], [], [], []
    for lang, count in sorted(counts.items()):
        if min(count.values()) < MIN_DEV:
            continue
        mine = [t for t in texts if t.lang == lang]
        fitted, oof, y = fit_language(lang, mine)
        languages[lang] = fitted
        pooled.append(oof)
        labels.append(y)
        weights.append(class_weights(y))
        rows.append(
            [lang, fitted["dev"]["texts"], fitted["dev"]["translated"], fitted["c"], fitted["dev"]["cv_accuracy"]]
        )
    show("per language, dev (5-fold CV)", ["language", "texts", "translated", "C", "CV accuracy"], rows)
    threshold, precision, recall = note_threshold(
        np.concatenate(pooled), np.concatenate(labels), np.concatenate(weights)
    )
    console.print(
        f"note threshold {threshold:.2f}: dev precision {precision:.3f}, recall {recall:.3f} (languages and classes weighted equally)"
    )
    for (lang, fitted), oof, y in zip(languages.items(), pooled, labels):
        # the pooled threshold, raised where the language's own dev readings need more
        own = note_threshold(oof, y, class_weights(y), floor=threshold)
        fitted["threshold"] = own[0] if own[1] >= NOTE_PRECISION else None
        if fitted["threshold"] is None:
            console.print(f"{lang}: no threshold reaches dev precision {NOTE_PRECISION}: it reads, but never notes")
        noted = oof >= (fitted["threshold"] or 2.0)
        w = class_weights(y)
        fitted["dev"]["note_precision"] = (
            round(float(w[noted & (y == 1)].sum() / w[noted].sum()), 4) if noted.any() else None
        )
        fitted["dev"]["note_recall"] = round(float(noted[y == 1].mean()), 4)
        fitted["dev"]["false_note_rate"] = round(float(noted[y == 0].mean()), 4)
    show("notes on dev (out of fold)", ["language", "threshold", "precision (classes equal)", "recall", "originals noted"],
         [[lang, f["threshold"], f["dev"]["note_precision"], f["dev"]["note_recall"], f["dev"]["false_note_rate"]]
          for lang, f in languages.items()])  # fmt: skip
    model = {
        "about": "Per-language logistic regressions: is a text written as a translation (provenance.translated); "
        "written by scripts/fit_translated.py on the dev split of benchmarks.translated.translated_set.",
        "fitted_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "git_commit": git("rev-parse", "HEAD"),
        "style_features": list(translated.STYLE_FEATURES),
        "threshold": threshold,
        "threshold_dev": {"precision": round(precision, 4), "recall": round(recall, 4), "target": NOTE_PRECISION},
        "languages": languages,
    }
    MODEL_PATH.write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    console.print(f"wrote {MODEL_PATH.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
