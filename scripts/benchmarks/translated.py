"""The translation detector's benchmark: is a lone article written as a translation?

Texts of one language that are originals and texts of the same language that are
translations, from the public data (translated_set): WMT22 documents (a pair's source
side is original, its human reference and the two MT outputs are translations),
WMT22 zh-en lines in windows of ZH_EN_WINDOW (the data keeps no document ids), NTREX
(English originals; the twelve other languages are translations), CL-OSA BBC (the
English article is original, the Japanese version and its MT into English are
translations) with BBC_DISTRACTORS of its English distractors as originals, and ECCE
(Financial Times editorials and their Chinese translations). Each text carries the
split of its source item (data.split_of, as the other benchmarks split), so the
detector fitted on dev (scripts/fit_translated.py) is read here on test texts only.

Per language: the detector's accuracy against always answering the language's
majority class (and the balanced accuracy, where the majority scores 0.5), the report
note's precision and recall at the shipped thresholds, the share of originals it
wrongly notes, and
the likely source language where the model names one; the most confident mistakes
are listed for BENCHMARKS.md.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from provenance import translated

from .data import SEED, closa_distractors, closa_pairs, doc_from_sentences, ntrex_items, read_jsonl, split_of, wmt_items
from .locations import BENCH_DATA
from .records import show
from .workspace import Workspace

ZH_EN_WINDOW = 8  # consecutive WMT22 zh-en lines taken as one document
BBC_DISTRACTORS = 200  # English BBC originals beside the 94 paired ones (1,732 are stored)


@dataclass(frozen=True)
class Text:
    key: str  # the source item's key and the side: "wmt22/ru-en/<doc>#en-ref"
    item: str  # the source item's key: texts of one item share a split and a CV fold
    lang: str
    text: str
    translated: bool
    source_lang: str | None  # the original's language, for a translation
    kind: str  # "wmt22 original", "wmt22 human", "wmt22 mt", "ntrex human", ...

    @property
    def split(self) -> str:
        return split_of(self.item)


def translated_set() -> list[Text]:
    """Every labelled text, in a fixed order."""
    texts: list[Text] = []

    def add(item: str, side: str, lang: str, sentences, translated_from: str | None, kind: str) -> None:
        key = f"{item}#{lang}-{side}"
        text = doc_from_sentences(key, lang, sentences, SEED).text if not isinstance(sentences, str) else sentences
        texts.append(Text(key, item, lang, text, translated_from is not None, translated_from, kind))

    for item in wmt_items():
        add(item.key, "original", item.original_lang, item.original, None, "wmt22 original")
        for lang, sentences in item.translations.items():
            add(item.key, "ref", lang, sentences, item.original_lang, "wmt22 human")
        for system, sentences in item.machine.items():
            add(item.key, system, item.machine_lang, sentences, item.original_lang, "wmt22 mt")
    lines = read_jsonl(BENCH_DATA / "wmt22" / "wmt22.zh-en.segments.jsonl")
    for start in range(0, len(lines) - ZH_EN_WINDOW + 1, ZH_EN_WINDOW):
        window = lines[start : start + ZH_EN_WINDOW]
        item = f"wmt22/zh-en/lines-{start}"
        add(item, "original", "zh", [line["src"] for line in window], None, "wmt22 original")
        add(item, "ref", "en", [line["ref"]["A"] for line in window], "zh", "wmt22 human")
        for system in ("Online-A", "Online-B"):
            add(item, system, "en", [line["mt"][system] for line in window], "zh", "wmt22 mt")
    for item in ntrex_items():
        add(item.key, "original", "en", item.original, None, "ntrex original")
        for lang, sentences in item.translations.items():
            add(item.key, "ref", lang, sentences, "en", "ntrex human")
    for pair in closa_pairs():
        item = f"closa/{pair['pair_id']}"
        add(item, "original", "en", pair["en_text"], None, "bbc original")
        add(item, "bbc", "ja", pair["ja_text"], "en", "bbc human")
        add(item, "mt", "en", pair["ja_mt_en_text"], "ja", "bbc mt")
    for record in closa_distractors()[:BBC_DISTRACTORS]:
        add(f"closa/distractor/{record['doc_id']}", "original", "en", record["text"], None, "bbc original")
    for record in read_jsonl(BENCH_DATA / "closa" / "ecce.en-zh.jsonl"):
        item = f"ecce/{record['doc_id']}"
        add(item, "original", "en", record["en_sentences"], None, "ecce original")
        add(item, "ref", "zh", record["zh_sentences"], "en", "ecce human")
    return texts


def run(ws: Workspace) -> dict:
    """Read every test text of a language the model reads; quick runs read the same
    texts (the detector costs milliseconds a text, no embedding)."""
    model = translated._model()
    thresholds = {lang: fitted["threshold"] for lang, fitted in model["languages"].items()}
    readings = []
    for text in translated_set():
        if text.split != "test" or text.lang not in model["languages"]:
            continue
        reading = translated.read(text.text, text.lang)
        if reading is not None:
            readings.append((text, reading))

    per_language: dict[str, dict] = {}
    for lang in sorted({text.lang for text, _ in readings}):
        mine = [(text, reading) for text, reading in readings if text.lang == lang]
        per_language[lang] = _scores(mine)
    everything = _scores(readings)
    by_kind = {}
    for kind in sorted({text.kind for text, _ in readings}):
        mine = [(text, reading) for text, reading in readings if text.kind == kind]
        by_kind[kind] = {"texts": len(mine), "accuracy": _accuracy(mine, 0.5), "noted": _share_noted(mine)}
    sourced = [(text, reading) for text, reading in readings
               if text.translated and text.kind.startswith("wmt22") and model["languages"][text.lang].get("sources")]  # fmt: skip
    named = [(text, reading) for text, reading in sourced if reading.source_lang]
    source = {
        "translations": len(sourced),
        "named": len(named),
        "right_when_named": sum(t.source_lang == r.source_lang for t, r in named) / len(named)
        if named
        else float("nan"),
    }
    rows = [[lang, s["texts"], s["translated_share"], s["majority"], s["accuracy"], s["balanced_accuracy"], s["auc"],
             thresholds.get(lang), s["note_precision"], s["note_recall"], s["originals_noted"]]
            for lang, s in {**per_language, "all": everything}.items()]  # fmt: skip
    show(
        f"translated: {len(readings)} test texts",
        ["language", "texts", "translated", "majority acc", "detector acc", "balanced acc", "AUC", "note threshold",
         "note precision", "note recall", "originals noted"],
        rows,
    )  # fmt: skip
    show("translated: by kind", ["kind", "texts", "accuracy", "noted"],
         [[kind, k["texts"], k["accuracy"], k["noted"]] for kind, k in by_kind.items()])  # fmt: skip
    show("translated: source language of WMT22 translations", ["translations", "named", "right when named"],
         [[source["translations"], source["named"], source["right_when_named"]]])  # fmt: skip
    # per language in the record's table (BENCHMARKS.md); the headline figures are the means
    figures = {}
    figures["translated.accuracy.mean"] = sum(s["accuracy"] for s in per_language.values()) / len(per_language)
    figures["translated.majority.mean"] = sum(s["majority"] for s in per_language.values()) / len(per_language)
    figures["translated.balanced_accuracy.mean"] = sum(s["balanced_accuracy"] for s in per_language.values()) / len(
        per_language
    )
    figures["translated.note_precision"] = everything["note_precision"]
    figures["translated.originals_noted"] = everything["originals_noted"]
    figures["translated.note_recall"] = everything["note_recall"]
    figures["translated.source_right_when_named"] = source["right_when_named"]
    mistakes = sorted(
        ((abs(reading.probability - 0.5), text, reading) for text, reading in readings
         if (reading.probability >= 0.5) != text.translated),
        key=lambda row: -row[0],
    )  # fmt: skip
    return {
        "data_files": [
            "wmt22/wmt22.*.jsonl",
            "ntrex/ntrex.*.jsonl",
            "closa/bbc.en-ja.jsonl",
            "closa/bbc.en-distractors.jsonl.gz",
            "closa/ecce.en-zh.jsonl",
        ],  # fmt: skip
        "params": {
            "seed": SEED,
            "split": "test",
            "thresholds": thresholds,
            "zh_en_window": ZH_EN_WINDOW,
            "bbc_distractors": BBC_DISTRACTORS,
            "min_tokens": translated.MIN_TOKENS,
        },  # fmt: skip
        "figures": figures,
        "languages": per_language,
        "by_kind": by_kind,
        "source": source,
        "mistakes": [
            {
                "key": text.key,
                "kind": text.kind,
                "translated": text.translated,
                "probability": reading.probability,
                "start": text.text[:120],
            }
            for _, text, reading in mistakes[:40]
        ],  # fmt: skip
    }


def _scores(readings: list) -> dict:
    labels = [text.translated for text, _ in readings]
    translated_share = sum(labels) / len(labels)
    noted = [text for text, reading in readings if reading.translated]
    positives = sum(labels)
    originals = len(labels) - positives
    recall = sum((reading.probability >= 0.5) for text, reading in readings if text.translated) / max(positives, 1)
    specificity = sum((reading.probability < 0.5) for text, reading in readings if not text.translated) / max(
        originals, 1
    )
    return {
        "texts": len(readings),
        "translated_share": translated_share,
        "majority": max(translated_share, 1 - translated_share),
        "accuracy": _accuracy(readings, 0.5),
        # the mean of both classes' accuracy: always answering the majority scores 0.5
        "balanced_accuracy": (recall + specificity) / 2 if positives and originals else float("nan"),
        "auc": _auc([reading.probability for _, reading in readings], labels),
        "note_precision": sum(t.translated for t in noted) / len(noted) if noted else float("nan"),
        "note_recall": sum(t.translated for t in noted) / positives if positives else float("nan"),
        "originals_noted": sum(not t.translated for t in noted) / originals if originals else float("nan"),
    }


def _accuracy(readings: list, cut: float) -> float:
    return sum((reading.probability >= cut) == text.translated for text, reading in readings) / len(readings)


def _share_noted(readings: list) -> float:
    return sum(reading.translated for _, reading in readings) / len(readings)


def _auc(scores: list[float], labels: list[bool]) -> float:
    """The chance a translation scores above an original (ties count half)."""
    pos = [s for s, label in zip(scores, labels) if label]
    neg = [s for s, label in zip(scores, labels) if not label]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def languages_in(texts: list[Text]) -> dict[str, dict[str, int]]:
    """Texts a language and class: which languages the data can fit a model for."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"original": 0, "translated": 0})
    for text in texts:
        counts[text.lang]["translated" if text.translated else "original"] += 1
    return dict(counts)
