"""What each judged candidate is to the suspect, once all of them are judged: its
source, the origin its source derives from, a sibling that takes from the same
source, or an article derived from the suspect; and the order a trace reports them in.

The judge reads one pair at a time; these are the decisions that need the other
candidates. The nearest source is the one the suspect took its text from: a German
rewrite of a German translation of an English report names the translation, and the
English report is its origin. The evidence that a candidate is nearer than the one it
derives from is what the other cannot explain: the suspect cites it, or repeats its
wording in a language the other is not written in.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from . import settings
from .direction import came_after
from .models import (
    DERIVED,
    ORIGIN,
    PARTIAL,
    RELATED,
    SIBLING,
    SOURCE,
    SOURCE_FIRST,
    SUSPECT_FIRST,
    UNDECIDED,
    UNRELATED,
    Document,
    Match,
)

_WORD = re.compile(r"\w+")


def place(suspect: Document, match: Match) -> None:
    """A related candidate is a possible source unless it came after the suspect: a
    text published later, or one that cites the suspect, takes from it, whatever the
    text evidence says."""
    if match.relation not in RELATED:
        return
    reason = came_after(suspect, match.source)
    match.role, match.role_reason = (DERIVED, reason) if reason else (SOURCE, "")


def shared_wording(suspect: Document, source: Document) -> float:
    """Share of the suspect's word trigrams that the source has too, within one language
    (0 across languages): a text retold from a source keeps runs of its words that a
    translation of the source's own original does not. Trigrams of short words only
    ("in the of") are left out: every text of a language shares them."""
    if suspect.lang != source.lang:
        return 0.0
    suspect_runs, source_runs = _word_runs(suspect.text), _word_runs(source.text)
    return len(suspect_runs & source_runs) / len(suspect_runs) if suspect_runs else 0.0


def _word_runs(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {run for run in zip(words, words[1:], words[2:]) if max(len(word) for word in run) >= 4}


def _own_evidence(suspect: Document, match: Match, other: Match) -> bool:
    """The suspect shows it took from `match` rather than from `other`: it cites it, or
    repeats its wording where `other` is written in another language."""
    if match.candidate.cue_boost > other.candidate.cue_boost:
        return True
    return other.source.lang != suspect.lang and _repeats_wording(suspect, match)


def _repeats_wording(suspect: Document, match: Match) -> bool:
    """The suspect repeats the candidate's strings, or runs of its words, in its language."""
    return match.source.lang == suspect.lang and (
        match.evidence.near_verbatim >= settings.LINEAGE_WORDING
        or shared_wording(suspect, match.source) >= settings.NEAREST_WORDING
    )


def nearest_sources(
    suspect: Document, ranked: list[Match], judge_stored: Callable[[Document, Document], Match]
) -> None:
    """Among possible sources that derive from one another, keep the nearest as the source.
    A source B that derives from a source A ranked above it is the suspect's sibling (both
    take from A), unless the suspect has evidence of its own for B; then B is its nearest
    source and A the origin of B's text. Which of two came first is the judge's reading of
    the pair (dates, cues, then the text)."""
    sources = [match for match in ranked if match.role == SOURCE]
    for later, match in enumerate(sources[1:], start=1):
        for upstream in sources[:later]:
            if upstream.role != SOURCE or match.role != SOURCE:
                continue
            between = judge_stored(match.source, upstream.source)
            if between.relation not in RELATED or between.direction not in (SOURCE_FIRST, SUSPECT_FIRST):
                continue
            early, late = (upstream, match) if between.direction == SOURCE_FIRST else (match, upstream)
            if _own_evidence(suspect, late, early):
                early.role, early.role_reason = ORIGIN, f"{late.source.label} is a {between.relation} of it"
            else:
                late.role, late.role_reason = (
                    SIBLING,
                    f"it is a {between.relation} of {early.source.label}, as the suspect is",
                )


def rank(matches: list[Match], suspect: Document | None = None) -> list[Match]:
    """The nearest possible source first (partial reuse after whole-story reuse), then
    the origin it derives from, leads, siblings, articles derived from the suspect, and
    unrelated ones. Among sources: the one the suspect cites, then the one whose wording it
    repeats in its own language, then the earliest published (the upstream end of a chain
    of copies), then the strongest evidence. Unrelated ones keep retrieval's order: their
    confidence is that they are unrelated, so it says nothing about which is the nearer miss."""

    def key(match: Match):
        if match.relation == UNRELATED:
            return (9, 0.0, 0, "", -match.candidate.score)
        if match.relation == UNDECIDED:
            return (5, 0.0, 0, "", -match.confidence)
        tier = {ORIGIN: 2, SIBLING: 6, DERIVED: 7}.get(match.role, 0) + (match.relation == PARTIAL)
        ev = match.evidence
        strength = match.confidence * (ev.suspect_aligned + ev.source_covered)
        wording = suspect is not None and _repeats_wording(suspect, match)
        return (tier, -match.candidate.cue_boost, -int(wording), match.source.published or "9999", -strength)

    return sorted(matches, key=key)
