"""Which of two texts that translate each other came first, from the texts alone.

Dates and attribution cues settle direction when a page has them; this is the
fallback when it has neither. Translators spell out what the original left implicit
(explicitation, one of the best-attested traits of translated text), so a
translation runs longer than its original by more than its language usually needs.
We compare the two bodies' lengths in characters with the ratio expected between the
two languages; the side longer than expected is the translation.

The expected ratios were measured on LASER's Tatoeba test pairs (1,000 sentence pairs
a language, of mixed direction, so a ratio is the languages' own and not a
translation's): `scripts/bench_data.py tatoeba_length_ratios()` recomputes them.

On the direction benchmark (scripts/bench.py direction: NTREX, WMT22 and IWSLT human
translations, both orders) the shorter-than-expected side is the original in 70% of
the dev pairs and 75% of the test pairs; published text-only classifiers reach 60-81%
on human translations. The length of one text against another says something only
when both carry the same content, so ask this only of a translation pair, never of
a rewrite or a partial reuse.
"""

from __future__ import annotations

import math

from . import settings
from .models import Document

# characters a language spends per English character (Tatoeba, see above)
CHARS_PER_ENGLISH_CHAR = {
    "en": 1.0, "vi": 1.032, "uk": 0.979, "ru": 0.981, "zh": 0.318, "de": 1.166, "fr": 1.174,
    "es": 1.049, "ar": 0.84, "hi": 1.014, "ja": 0.462, "id": 1.15,
}  # fmt: skip

A, B, UNKNOWN = "a", "b", "unknown"


def excess_length(a: Document, b: Document) -> float | None:
    """log of how much longer b runs than a, beyond the languages' usual ratio
    (positive: b is longer than a translation of a would need); None when no norm applies."""
    if a.lang == b.lang or a.lang not in CHARS_PER_ENGLISH_CHAR or b.lang not in CHARS_PER_ENGLISH_CHAR:
        return None
    length_a = sum(len(p.text) for p in a.body)
    length_b = sum(len(p.text) for p in b.body)
    if not length_a or not length_b:
        return None
    expected = CHARS_PER_ENGLISH_CHAR[b.lang] / CHARS_PER_ENGLISH_CHAR[a.lang]
    return math.log(length_b / length_a) - math.log(expected)


def text_direction(a: Document, b: Document) -> tuple[str, float, list[str]]:
    """("a" | "b" | "unknown", confidence, reasons): which of a translation pair is the
    original, judged from length alone. Confidence is the share of benchmark dev pairs
    with as large an excess that were right; 0.0 with "unknown"."""
    excess = excess_length(a, b)
    if excess is None:
        if a.lang == b.lang:
            return UNKNOWN, 0.0, ["same language: length cannot tell a copy's direction"]
        missing = sorted({a.lang, b.lang} - set(CHARS_PER_ENGLISH_CHAR)) or ["an empty text"]
        return UNKNOWN, 0.0, [f"no length norm for {', '.join(missing)}"]
    original, translation = (a, b) if excess > 0 else (b, a)
    confidence = next(share for floor, share in settings.DIRECTION_LENGTH_CONFIDENCE if abs(excess) >= floor)
    reason = (
        f"the {translation.lang} text runs {math.exp(abs(excess)) - 1:.0%} longer than {translation.lang} "
        f"usually needs for {original.lang}: translations run long"
    )
    return (A if original is a else B), confidence, [reason]
