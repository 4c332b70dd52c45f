"""Was this article written as a translation? A reading of one text alone.

A fact-checker often holds one article, with no source stored and no cue naming one.
Translated text still shows where it came from: the translator's choice of function
words ("translationese": more explicit connectives, fewer of the target language's
idioms), punctuation and quote styles carried over from the source, sentence lengths
of another language, names written the way another script spells them (katakana, a
middle dot between a name's parts, a Latin gloss in brackets), and units and number
formats of another country. These are cheap to count, and a small logistic
regression per language over them tells translated from original text (Bernardini
and Baroni, 2006, reach 86.7% on Italian with function words and parts of speech).

The model is fitted by scripts/fit_translated.py on public data where a language
appears both as an original and as a translation (WMT22, NTREX, CL-OSA) and shipped
as translated_model.json; this module needs only numpy at run time. A language the
model was not fitted for, or a text too short to read, gets no reading. Where the
translated texts of a language came from several source languages in the fitting
data and the source could be told apart on dev, the reading also names the likely
source language.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from .errors import ModelError

MODEL_FILE = "translated_model.json"
MIN_TOKENS = 50  # fewer words (CJK: characters) than this are too few to count rates on
CJK_LANGS = {"zh", "ja"}  # tokens are characters: no spaces between words

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_KATAKANA = re.compile(r"[\u30a0-\u30ff]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LETTER = re.compile(r"[^\W\d_]")
_SENTENCE = re.compile(r"[^.!?。！？]+[.!?。！？]*[\"'”’」』)]*")

# what each punctuation feature counts, per token
_MARKS = {
    "comma": r"[,，、]",
    "semicolon": r"[;；]",
    "colon": r"[:：]",
    "dash": r"[—–]| - ",
    "parenthesis": r"[(（]",
    "question_exclamation": r"[?!？！]",
    "ellipsis": r"…|\.\.\.",
    "quote_straight_double": r"\"",
    "quote_curly_double": r"[“”]",
    "quote_guillemet": r"[«»‹›]",
    "quote_low": r"„",
    "quote_cjk": r"[「」『』]",
    "quote_single_open": r"‘|(?<!\w)'(?=\w)",
    "middle_dot": r"[•·・‧]",  # between a transliterated name's parts: 巴拉克•奥巴马
    "latin_gloss": r"[(（][A-Za-z][^)）]{0,40}[)）]",  # 奥巴马(Barack Obama)
}
_MARK_PATTERNS = {name: re.compile(pattern) for name, pattern in _MARKS.items()}
# numbers, units and dates of another country
_FORMATS = {
    "thousands_comma": r"\d{1,3},\d{3}\b",
    "thousands_dot_or_space": r"\d{1,3}[. \u00a0\u202f]\d{3}\b",
    "decimal_comma": r"\d,\d{1,2}\b(?!,?\d{3})",
    "imperial_unit": r"(?i)\b(?:miles?|feet|foot|inch(?:es)?|pounds?|lbs?|mph|yards?|gallons?|fahrenheit)\b|°F",
    "metric_unit": r"(?i)\b(?:km|kg|cm|mm|kilomet\w*|kilogram\w*|metres?|meters?|celsius|hectares?)\b|°C|公里|千米|公斤|キロ",
    "dollar": r"\$|(?i:\bdollars?\b|美元|ドル|доллар\w*|долар\w*)",
    "other_currency": r"[€£¥₽₴]|(?i:\beuros?\b|\byuan\b|\byen\b|\brubles?\b|\broubles?\b|\bhryvnias?\b|人民币|元|円|рубл\w*|гривн\w*|евро|євро)",
    "dotted_date": r"\b\d{1,2}\.\d{1,2}\.\d{2,4}\b",
    "slashed_date": r"\b\d{1,2}/\d{1,2}/\d{2,4}\b",
    "cjk_date": r"\d{1,4}年|\d{1,2}月\d{1,2}日",
}
_FORMAT_PATTERNS = {name: re.compile(pattern) for name, pattern in _FORMATS.items()}

STYLE_FEATURES = (
    "sentence_tokens_mean",
    "sentence_tokens_cv",
    "word_chars_mean",
    "type_token_ratio",
    "capitalised_share",
    "foreign_script_share",
    "katakana_share",
    "digit_share",
    *(f"{name}_rate" for name in _MARKS),
    *(f"{name}_rate" for name in _FORMATS),
)
TTR_WINDOW = 200  # type-token ratio over the first tokens only: it falls with length


@dataclass(frozen=True)
class Reading:
    """What the detector reads in one text: the probability that it was written as a
    translation, and the likely source language where that can be told."""

    lang: str
    probability: float
    threshold: float | None  # the probability from which the report says so (chosen on dev); None: never
    source_lang: str | None = None  # None: not told (one source language seen, or unsure)
    source_probability: float | None = None

    @property
    def translated(self) -> bool:
        return self.threshold is not None and self.probability >= self.threshold

    def note(self) -> str | None:
        """The report's line, or None when the text reads as original (or unsure)."""
        if not self.translated:
            return None
        told = f", likely from {self.source_lang}" if self.source_lang else ""
        return f"reads as a translation ({self.probability:.2f}){told}"


def tokens(text: str, lang: str) -> list[str]:
    """Words, lower-cased (Chinese and Japanese: CJK characters and words of other scripts)."""
    if lang in CJK_LANGS:
        return [m.group(0).lower() for m in re.finditer(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]|[^\W\d_]+", text)]
    return [m.group(0).lower() for m in _WORD.finditer(text)]


def style_features(text: str, lang: str) -> np.ndarray:
    """STYLE_FEATURES of a text: rates that do not depend on its length."""
    words = tokens(text, lang)
    n_tokens = max(len(words), 1)
    sentences = [s for s in (m.group(0).strip() for m in _SENTENCE.finditer(text)) if s]
    per_sentence = [len(tokens(s, lang)) for s in sentences] or [0]
    mean = float(np.mean(per_sentence))
    letters = _LETTER.findall(text)
    n_letters = max(len(letters), 1)
    if lang in CJK_LANGS:
        native = sum(1 for ch in letters if _CJK.match(ch))
    elif lang in {"ru", "uk", "bg", "sr", "mk"}:
        native = sum(1 for ch in letters if _CYRILLIC.match(ch))
    else:
        native = sum(1 for ch in letters if _LATIN.match(ch))
    raw_words = _WORD.findall(text)
    sentence_initial = {s.split()[0] for s in sentences if s.split()}
    capitalised = sum(1 for w in raw_words if w[:1].isupper() and w not in sentence_initial)
    values = {
        "sentence_tokens_mean": mean,
        "sentence_tokens_cv": float(np.std(per_sentence)) / mean if mean else 0.0,
        "word_chars_mean": float(np.mean([len(w) for w in raw_words])) if raw_words else 0.0,
        "type_token_ratio": len(set(words[:TTR_WINDOW])) / max(min(len(words), TTR_WINDOW), 1),
        "capitalised_share": capitalised / max(len(raw_words), 1),
        "foreign_script_share": 1.0 - native / n_letters,
        "katakana_share": len(_KATAKANA.findall(text)) / n_letters,
        "digit_share": sum(ch.isdigit() for ch in text) / max(len(text), 1),
    }
    for name, pattern in (*_MARK_PATTERNS.items(), *_FORMAT_PATTERNS.items()):
        values[f"{name}_rate"] = len(pattern.findall(text)) / n_tokens
    return np.array([values[name] for name in STYLE_FEATURES], dtype=np.float64)


def word_rates(text: str, lang: str, vocabulary: list[str]) -> np.ndarray:
    """How often each of the language's most frequent words occurs, per token (square
    root: a rate's spread grows with the rate)."""
    words = tokens(text, lang)
    counts = Counter(words)
    n_tokens = max(len(words), 1)
    return np.sqrt(np.array([counts[word] / n_tokens for word in vocabulary], dtype=np.float64))


def features(text: str, lang: str, vocabulary: list[str]) -> np.ndarray:
    """The model's input for a text: its style features, then its vocabulary's rates."""
    return np.concatenate([style_features(text, lang), word_rates(text, lang, vocabulary)])


def primary_language(lang: str | None) -> str:
    return (lang or "").split("-")[0].split("_")[0].lower()


def read(text: str, lang: str | None) -> Reading | None:
    """The detector's reading of a text in `lang`, or None where it cannot read one:
    a language the model was not fitted for, or a text under MIN_TOKENS tokens."""
    lang = primary_language(lang)
    model = _model()
    fitted = model["languages"].get(lang)
    if fitted is None or len(tokens(text, lang)) < MIN_TOKENS:
        return None
    x = features(text, lang, fitted["vocabulary"])
    z = (x - fitted["means"]) / fitted["scales"]
    probability = _sigmoid(float(z @ fitted["weights"] + fitted["bias"]))
    source_lang, source_probability = None, None
    sources = fitted.get("sources")
    if sources is not None:
        scores = sources["weights"] @ z + sources["bias"]
        shares = np.exp(scores - scores.max())
        shares /= shares.sum()
        best = int(np.argmax(shares))
        if shares[best] >= sources["min_probability"]:
            source_lang, source_probability = sources["classes"][best], round(float(shares[best]), 3)
    return Reading(lang, round(probability, 3), fitted["threshold"], source_lang, source_probability)


def note(text: str, lang: str | None) -> list[str]:
    """The report's notes for a text: one line when it reads as a translation, none else."""
    reading = read(text, lang)
    line = reading.note() if reading else None
    return [line] if line else []


def languages() -> list[str]:
    """The languages the shipped model reads."""
    return sorted(_model()["languages"])


def _sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(value, 50.0), -50.0)))


@lru_cache(maxsize=1)
def _model() -> dict:
    try:
        fitted = json.loads((resources.files("provenance") / MODEL_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read the translation detector's model {MODEL_FILE}: {exc}") from exc
    if list(fitted.get("style_features", [])) != list(STYLE_FEATURES):
        raise ModelError(f"{MODEL_FILE} was fitted on other features: run scripts/fit_translated.py")
    for model in fitted["languages"].values():
        for key in ("means", "scales", "weights"):
            model[key] = np.asarray(model[key], dtype=np.float64)
        if model.get("sources"):
            model["sources"]["weights"] = np.asarray(model["sources"]["weights"], dtype=np.float64)
            model["sources"]["bias"] = np.asarray(model["sources"]["bias"], dtype=np.float64)
    return fitted
