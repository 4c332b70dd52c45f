"""Which of two related texts came first: the whole decision, in the models' words
(SOURCE_FIRST, SUSPECT_FIRST, UNKNOWN).

`which_first` weighs publication dates, attribution cues (who cites whom) and
containment (a rewrite cut from the other); `came_after` says when a candidate cannot
be the source because it came later. For a translation with none of these,
`text_direction` judges from the texts alone. Translators spell out what the
original left implicit (explicitation, one of the best-attested traits of translated
text), so a translation runs longer than its original by more than its language
usually needs.
We compare the two bodies' lengths in characters with the ratio expected between the
two languages; the side longer than expected is the translation.

The expected ratios were measured on LASER's Tatoeba test pairs (1,000 sentence pairs
a language, of mixed direction, so a ratio is the languages' own and not a
translation's): `tatoeba_length_ratios()` in scripts/benchmarks/data.py recomputes them.

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
from .models import (
    PARTIAL,
    REWRITE,
    SOURCE_FIRST,
    SUSPECT_FIRST,
    TRANSLATION,
    UNDECIDED,
    UNKNOWN,
    UNRELATED,
    Document,
    Evidence,
)
from .outlets import outlet_matches

# characters a language spends per English character (Tatoeba, see above)
CHARS_PER_ENGLISH_CHAR = {
    "en": 1.0, "vi": 1.032, "uk": 0.979, "ru": 0.981, "zh": 0.318, "de": 1.166, "fr": 1.174,
    "es": 1.049, "ar": 0.84, "hi": 1.014, "ja": 0.462, "id": 1.15,
}  # fmt: skip


def which_first(suspect: Document, source: Document, ev: Evidence, relation: str) -> tuple[str, list[str]]:
    """(SOURCE_FIRST | SUSPECT_FIRST | UNKNOWN, reasons): which of a related pair came
    first. Dates first, then cues, then containment; for a translation with none of
    these, which side runs long (text_direction)."""
    if relation in (UNRELATED, UNDECIDED):
        return UNKNOWN, []
    reasons = []
    votes = 0
    if suspect.published and source.published and suspect.published != source.published:
        earlier = source.published < suspect.published
        votes += 2 if earlier else -2
        reasons.append(
            f"source published {source.published}, {'before' if earlier else 'after'} the suspect ({suspect.published})"
        )
    if any(outlet_matches(cue, site=source.site, url=source.url, title=source.title) for cue in suspect.cues):
        votes += 2
        reasons.append(f"the suspect cites {source.site or source.url or 'the source'}")
    if any(outlet_matches(cue, site=suspect.site, url=suspect.url, title=suspect.title) for cue in source.cues):
        votes -= 2
        reasons.append(f"the source cites {suspect.site or suspect.url or 'the suspect'}")
    if relation in (REWRITE, PARTIAL) and ev.source_covered < ev.suspect_aligned - settings.CONTAINMENT_GAP:
        votes += 1
        reasons.append(
            f"the suspect keeps {ev.source_covered:.0%} of the source, the source explains "
            f"{ev.suspect_aligned:.0%} of the suspect: the suspect was cut from it"
        )
    if votes > 0:
        return SOURCE_FIRST, reasons
    if votes < 0:
        return SUSPECT_FIRST, reasons
    if relation == TRANSLATION:
        # the weakest signal, and only for translations: which side runs long
        first, _, length_reasons = text_direction(suspect, source)
        if first != UNKNOWN:
            return first, length_reasons
    return UNKNOWN, reasons or ["no dates, cues or containment tell them apart"]


def came_after(suspect: Document, source: Document) -> str:
    """Why the candidate came after the suspect (a later date, or it cites the suspect),
    so it cannot be its source; "" when nothing says so."""
    if suspect.published and source.published and source.published > suspect.published:
        return f"published {source.published}, after the suspect ({suspect.published}): it cannot be its source"
    if any(outlet_matches(cue, site=suspect.site, url=suspect.url, title=suspect.title) for cue in source.cues):
        return f"it cites {suspect.site or suspect.url or 'the suspect'}: it takes from the suspect"
    return ""


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


def text_direction(suspect: Document, source: Document) -> tuple[str, float, list[str]]:
    """(SUSPECT_FIRST | SOURCE_FIRST | UNKNOWN, confidence, reasons): which of a
    translation pair is the original, judged from length alone. Confidence is the share
    of benchmark dev pairs with as large an excess that were right; 0.0 with UNKNOWN."""
    a, b = suspect, source
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
    return (SUSPECT_FIRST if original is suspect else SOURCE_FIRST), confidence, [reason]
