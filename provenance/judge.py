"""Decide what the suspect is to one candidate source, which came first, and why.

The judge reads only alignment evidence and metadata: how much of the suspect has a
counterpart in the source, how much of the source survives, whether the order is
kept, whether the strings are near-identical, and what dates and cues say. The
thresholds live in settings.py with the benchmark that calibrated them.
"""

from __future__ import annotations

import difflib
import re

import numpy as np

from . import settings
from .align import align_best_match, align_monotone
from .cues import outlet_matches
from .direction import text_direction
from .models import (
    BODY,
    COPY,
    PARTIAL,
    REWRITE,
    SOURCE_FIRST,
    SUSPECT_FIRST,
    TRANSLATION,
    UNKNOWN,
    UNRELATED,
    Candidate,
    Document,
    Evidence,
    Link,
    Match,
)

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# a capitalised Latin-script word of 3+ letters; names survive translation into most
# languages we meet (Politico, Trump, Kyiv), so shared ones are evidence of reuse
_NAME = re.compile(r"\b[A-Z][a-zA-Z\u00C0-\u024F'’-]{2,}\b")


def compare(
    suspect: Document,
    suspect_vecs: np.ndarray,
    source: Document,
    source_vecs: np.ndarray,
    candidate: Candidate | None = None,
) -> Match:
    """Align the suspect to one source both ways (in order, and best-match for
    rewrites that reorder), keep the reading that explains more, and judge it."""
    suspect_rows = [p.idx for p in suspect.passages if p.kind == BODY]
    source_rows = [p.idx for p in source.passages if p.kind == BODY]
    suspect_body, source_body = suspect_vecs[suspect_rows], source_vecs[source_rows]
    background = _Background(suspect_body, source_body)
    lengths = {
        "suspect_lengths": [len(suspect.passages[i].text) for i in suspect_rows],
        "source_lengths": [len(source.passages[j].text) for j in source_rows],
    }
    readings = {}
    for mode, aligned in (
        ("monotone", align_monotone(suspect_body, source_body, **lengths)),
        ("best-match", align_best_match(suspect_body, source_body)),
    ):
        kept = [part for link in aligned for part in background.accept(link)]
        links = _to_passage_indexes(kept, suspect_rows, source_rows)
        readings[mode] = (links, _evidence(suspect, source, links))
    # best-match is the reading the judge was calibrated on; the in-order one, with its
    # merges, is kept when it explains clearly more of the suspect
    mode = (
        "monotone"
        if readings["monotone"][1].suspect_aligned >= readings["best-match"][1].suspect_aligned + settings.MONOTONE_GAIN
        else "best-match"
    )
    links, evidence = readings[mode]
    boilerplate = [Link((p.idx,), (), 0.0, 0.0) for p in suspect.passages if p.kind != BODY]
    links = sorted(links + boilerplate, key=lambda link: (min(link.suspect, default=1e9), min(link.source, default=-1)))
    relation, confidence = _relation(evidence)
    direction, reasons = _direction(suspect, source, evidence, relation)
    return Match(
        source=source,
        candidate=candidate or Candidate(source.doc_id, 0.0, 0.0, 0.0),
        relation=relation,
        confidence=round(confidence, 3),
        direction=direction,
        direction_reasons=reasons,
        evidence=evidence,
        links=links,
        mode=mode,
    )


def _to_passage_indexes(links: list[Link], suspect_rows: list[int], source_rows: list[int]) -> list[Link]:
    """The aligners number body passages 0..n-1; map them back to passage idx."""
    return [
        Link(tuple(suspect_rows[i] for i in link.suspect), tuple(source_rows[j] for j in link.source), link.score, link.cosine)
        for link in links
    ]


class _Background:
    """What an unrelated passage pair scores in this pair of documents: the median
    cosine of each suspect row and each source column. A link is a counterpart only
    if its margin score is high (it beats its neighbours) AND its passages stand above
    that background by a lift, because in a short article every passage has a best
    neighbour whose margin looks good by chance."""

    def __init__(self, suspect_vecs: np.ndarray, source_vecs: np.ndarray):
        self.cosines = suspect_vecs @ source_vecs.T if len(suspect_vecs) and len(source_vecs) else np.zeros((0, 0))
        self.rows = np.median(self.cosines, axis=1) if self.cosines.size else np.zeros(len(suspect_vecs))
        self.cols = np.median(self.cosines, axis=0) if self.cosines.size else np.zeros(len(source_vecs))

    def lift(self, link: Link) -> tuple[float, float]:
        """How far each member passage's best cosine into the other side of the link
        stands above its own median: the mean over the members, and the weakest
        member's, since every passage of a merge must have some counterpart. Measured
        per member, not on the merged vectors: summing vectors smooths them, and two
        unrelated pairs of sentences merged look closer than either pair is."""
        block = self.cosines[np.ix_(list(link.suspect), list(link.source))]
        suspect_lift = block.max(axis=1) - self.rows[list(link.suspect)]
        source_lift = block.max(axis=0) - self.cols[list(link.source)]
        members = np.concatenate([suspect_lift, source_lift])
        return float(members.mean()), float(members.min())

    def accept(self, link: Link) -> list[Link]:
        """The link, or two skips when it is no counterpart (so the report shows its
        suspect passages as "not in source" and its source passages as dropped)."""
        if not (link.suspect and link.source):
            return [link]
        mean_lift, weakest_lift = self.lift(link)
        if (
            link.score >= settings.LINK_ACCEPT
            and mean_lift >= settings.LINK_MIN_LIFT
            and weakest_lift >= settings.MEMBER_MIN_LIFT
        ):
            return [link]
        return [Link(link.suspect, (), 0.0, 0.0), Link((), link.source, 0.0, 0.0)]


def _order(links: list[Link]) -> float:
    """Share of link pairs in the same order on both sides (1.0 kept, ~0.5 shuffled)."""
    points = [(min(link.suspect), min(link.source)) for link in links if link.suspect and link.source]
    if len(points) < 2:
        return 1.0
    a = np.array(points, dtype=np.float64)
    ds = np.sign(a[:, 0][:, None] - a[:, 0][None, :])
    dt = np.sign(a[:, 1][:, None] - a[:, 1][None, :])
    pairs = np.triu((ds * dt) != 0, 1)
    if not pairs.any():
        return 1.0
    return float(((ds * dt) > 0)[pairs].mean())


def _texts(doc: Document, indexes: tuple[int, ...]) -> str:
    return " ".join(doc.passages[i].text for i in indexes)


def _near_verbatim(suspect: Document, source: Document, links: list[Link]) -> float:
    pairs = [link for link in links if link.suspect and link.source]
    if not pairs:
        return 0.0
    same = 0
    for link in pairs:
        ratio = difflib.SequenceMatcher(None, _texts(suspect, link.suspect), _texts(source, link.source), autojunk=False).ratio()
        same += ratio >= settings.VERBATIM_RATIO
    return same / len(pairs)


def _evidence(suspect: Document, source: Document, links: list[Link]) -> Evidence:
    suspect_body = sum(p.kind == BODY for p in suspect.passages)
    source_body = sum(p.kind == BODY for p in source.passages)
    paired = [link for link in links if link.suspect and link.source]
    aligned_suspect = {i for link in paired for i in link.suspect}
    aligned_source = {j for link in paired for j in link.source}
    numbers = set(_NUMBER.findall(suspect.text)) & set(_NUMBER.findall(source.text))
    names = set(_NAME.findall(suspect.text)) & set(_NAME.findall(source.text))
    return Evidence(
        suspect_aligned=round(len(aligned_suspect) / suspect_body, 4) if suspect_body else 0.0,
        source_covered=round(len(aligned_source) / source_body, 4) if source_body else 0.0,
        mean_link_score=round(float(np.mean([link.score for link in paired])), 4) if paired else 0.0,
        order=round(_order(paired), 4),
        same_language=suspect.lang == source.lang,
        near_verbatim=round(_near_verbatim(suspect, source, paired), 4) if suspect.lang == source.lang else 0.0,
        shared_numbers=sorted(numbers, key=lambda n: (-len(n), n))[:12],
        shared_names=sorted(names)[:12],
        aligned_passages=len(aligned_suspect),
        body_passages=suspect_body,
    )


def _relation(ev: Evidence) -> tuple[str, float]:
    """The relation and a confidence in [0, 1]: how far the evidence sits from the
    nearest boundary between relations, scaled by how sure the links are."""
    s = settings
    aligned, covered = ev.suspect_aligned, ev.source_covered
    sureness = ev.mean_link_score
    # a few links that only just pass are what any long same-topic pair yields by chance
    by_chance = aligned < s.REWRITE_MIN_ALIGNED and sureness < s.PARTIAL_MIN_LINK_SCORE
    if aligned < s.PARTIAL_MIN_ALIGNED or by_chance:
        return UNRELATED, _clip(1.0 - min(aligned / s.PARTIAL_MIN_ALIGNED, 1.0) * 0.5)
    if aligned < s.REWRITE_MIN_ALIGNED:
        margin = min(aligned - s.PARTIAL_MIN_ALIGNED, s.REWRITE_MIN_ALIGNED - aligned)
        return PARTIAL, _clip(0.5 + margin + 0.3 * sureness)
    if covered >= s.FULL_MIN_COVERED:
        if ev.same_language and ev.near_verbatim >= s.COPY_MIN_VERBATIM:
            return COPY, _clip(0.5 + 0.5 * min(ev.near_verbatim, covered))
        if not ev.same_language and ev.order >= s.TRANSLATION_MIN_ORDER:
            return TRANSLATION, _clip(0.4 + 0.3 * min(aligned, covered) + 0.3 * sureness)
    return REWRITE, _clip(0.4 + 0.3 * aligned + 0.3 * sureness)


def _clip(value: float) -> float:
    return float(min(1.0, max(0.0, value)))


def _direction(suspect: Document, source: Document, ev: Evidence, relation: str) -> tuple[str, list[str]]:
    """Which text came first: dates first, then cues, then containment."""
    if relation == UNRELATED:
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
        original, _, length_reasons = text_direction(suspect, source)
        if original != UNKNOWN:
            return (SUSPECT_FIRST if original == "a" else SOURCE_FIRST), length_reasons
    return UNKNOWN, reasons or ["no dates, cues or containment tell them apart"]
