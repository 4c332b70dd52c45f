"""Decide what the suspect is to one candidate source, which came first, and why.

The judge reads only alignment evidence and metadata: how much of the suspect has a
counterpart in the source, how much of the source survives, whether the order is
kept, whether the strings are near-identical, and what dates and cues say. The
relation is a small logistic regression over that evidence (FEATURES), fitted on the
judge benchmark's dev split by scripts/fit_judge.py and shipped as judge_model.json;
the thresholds that decide which links count live in settings.py.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from . import settings
from .align import align_best_match, align_monotone
from .direction import which_first
from .errors import ModelError
from .facts import is_common_word
from .models import (
    BODY,
    COPY,
    TRANSLATION,
    UNDECIDED,
    UNRELATED,
    Candidate,
    Document,
    Evidence,
    Link,
    Match,
)
from .retrieve import document_vector

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
    reading = _read(suspect, suspect_vecs, source, source_vecs)
    evidence = reading.evidence
    boilerplate = [Link((p.idx,), (), 0.0, 0.0) for p in suspect.passages if p.kind != BODY]
    links = sorted(
        reading.links + boilerplate, key=lambda link: (min(link.suspect, default=1e9), min(link.source, default=-1))
    )
    relation, confidence = _verdict(reading)
    direction, reasons = which_first(suspect, source, evidence, relation)
    return Match(
        source=source,
        candidate=candidate or Candidate(source.doc_id, 0.0, 0.0, 0.0),
        relation=relation,
        confidence=round(confidence, 3),
        direction=direction,
        direction_reasons=reasons,
        evidence=evidence,
        links=links,
        mode=reading.mode,
    )


def relation_features(
    suspect: Document, suspect_vecs: np.ndarray, source: Document, source_vecs: np.ndarray
) -> np.ndarray:
    """What the relation model reads about this pair, in FEATURES order: the same
    alignment compare() makes (scripts/fit_judge.py fits the model on these)."""
    return _read(suspect, suspect_vecs, source, source_vecs).features


def source_features(
    suspect: Document, suspect_vecs: np.ndarray, source: Document, source_vecs: np.ndarray
) -> np.ndarray:
    """What the source model reads about this pair, in SOURCE_FEATURES order
    (scripts/fit_source.py fits the model on these)."""
    return _read(suspect, suspect_vecs, source, source_vecs).source_features


@dataclass
class _Reading:
    mode: str  # "monotone" or "best-match"
    links: list[Link]  # body links, passage idx on both sides
    evidence: Evidence
    features: np.ndarray  # FEATURES, for the relation model
    relation: dict[str, float]  # the relation model's probabilities
    source_features: np.ndarray  # SOURCE_FEATURES, for the source model


def _read(suspect: Document, suspect_vecs: np.ndarray, source: Document, source_vecs: np.ndarray) -> _Reading:
    suspect_rows = [p.idx for p in suspect.body]
    source_rows = [p.idx for p in source.body]
    suspect_body, source_body = suspect_vecs[suspect_rows], source_vecs[source_rows]
    background = _Background(suspect_body, source_body)
    lengths = {
        "suspect_lengths": [len(suspect.passages[i].text) for i in suspect_rows],
        "source_lengths": [len(source.passages[j].text) for j in source_rows],
    }
    fragments = (
        {n for n, i in enumerate(suspect_rows) if _fragment(suspect.passages[i].text)},
        {n for n, j in enumerate(source_rows) if _fragment(source.passages[j].text)},
    )
    readings = {}
    for mode, aligned in (
        ("monotone", align_monotone(suspect_body, source_body, **lengths)),
        ("best-match", align_best_match(suspect_body, source_body)),
    ):
        kept = [part for link in aligned for part in background.accept(link, fragments)]
        links = _to_passage_indexes(kept, suspect_rows, source_rows)
        readings[mode] = (kept, links, _evidence(suspect, source, links))
    # best-match is the default reading; the in-order one, with its merges, is kept when
    # it explains clearly more of the suspect
    mode = (
        "monotone"
        if readings["monotone"][2].suspect_aligned >= readings["best-match"][2].suspect_aligned + settings.MONOTONE_GAIN
        else "best-match"
    )
    other = "best-match" if mode == "monotone" else "monotone"
    kept, links, evidence = readings[mode]
    features = _features(evidence, kept, readings[other][2], background, suspect, source)
    relation = relation_probabilities(features, evidence.same_language)
    source_features = _source_features(features, kept, background, relation[UNRELATED], lengths["suspect_lengths"])
    return _Reading(mode, links, evidence, features, relation, source_features)


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


@lru_cache(maxsize=65536)
def _fragment(text: str) -> bool:
    """Too little text to be evidence: fewer than FRAGMENT_LETTERS letters and digits,
    a CJK character counting as three (it carries about a word)."""
    letters = sum(ch.isalnum() for ch in text) + 2 * len(_CJK.findall(text))
    return letters < settings.FRAGMENT_LETTERS


def _to_passage_indexes(links: list[Link], suspect_rows: list[int], source_rows: list[int]) -> list[Link]:
    """The aligners number body passages 0..n-1; map them back to passage idx."""
    return [
        Link(
            tuple(suspect_rows[i] for i in link.suspect),
            tuple(source_rows[j] for j in link.source),
            link.score,
            link.cosine,
        )
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
        self.document_cosine = (
            float(document_vector(suspect_vecs) @ document_vector(source_vecs)) if self.cosines.size else 0.0
        )

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

    def accept(self, link: Link, fragments: tuple[set[int], set[int]] = (set(), set())) -> list[Link]:
        """The link, or two skips when it is no counterpart (so the report shows its
        suspect passages as "not in source" and its source passages as dropped). A
        side made only of fragments ("1.", "Find out more", a word cut off by a line
        break) matches its like in any article, so it is no evidence either."""
        if not (link.suspect and link.source):
            return [link]
        mean_lift, weakest_lift = self.lift(link)
        only_fragments = set(link.suspect) <= fragments[0] or set(link.source) <= fragments[1]
        if not only_fragments and (
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
        suspect_text, source_text = _texts(suspect, link.suspect), _texts(source, link.source)
        # equal strings need no alignment of characters: copies of a text are mostly those
        same += suspect_text == source_text or (
            difflib.SequenceMatcher(None, suspect_text, source_text, autojunk=False).ratio() >= settings.VERBATIM_RATIO
        )
    return same / len(pairs)


def _evidence(suspect: Document, source: Document, links: list[Link]) -> Evidence:
    suspect_body = len(suspect.body)
    source_body = len(source.body)
    paired = [link for link in links if link.suspect and link.source]
    aligned_suspect = {i for link in paired for i in link.suspect}
    aligned_source = {j for link in paired for j in link.source}
    numbers = set(_NUMBER.findall(suspect.text)) & set(_NUMBER.findall(source.text))
    names = {
        name
        for name in set(_NAME.findall(suspect.text)) & set(_NAME.findall(source.text))
        if not is_common_word(name, suspect.lang, source.lang)  # "The", "But", "Three" open sentences
    }
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


# What the relation model reads: one number each, for any pair of articles. Lifts are
# in units of the pair's spread of passage cosines (their standard deviation), so that
# they read alike whatever the embedding model's cosine scale. Passage counts enter
# only as a ratio: the fitting pairs have at most 8 sentences a side, and a model that
# read the counts themselves would judge a 30-passage article by extrapolation.
FEATURES = (
    "suspect_aligned",  # share of the suspect's body passages with a counterpart
    "source_covered",  # share of the source's body passages kept
    "mean_link_score",
    "order",
    "same_language",
    "near_verbatim",
    "other_reading_aligned",  # suspect_aligned of the reading not kept (in-order vs best-match)
    "log_passage_ratio",  # log(suspect / source body passages): cut, kept whole, or padded
    "mean_link_lift",  # how far the linked passages stand above their rows' and columns' medians
    "longest_run_share",  # longest run of consecutive aligned suspect passages: a spliced block
    "one_to_one_share",  # links that pair one passage with one (rewrites merge)
    "document_lift",  # cosine of the two mean vectors above the pair's median passage cosine
    "top_row_lift",  # the two suspect passages standing highest above their own medians
    "shared_number_share",  # the suspect's numbers that the source has too
)


def _features(
    ev: Evidence,
    links: list[Link],
    other: Evidence,
    background: _Background,
    suspect: Document,
    source: Document,
) -> np.ndarray:
    """FEATURES for the kept reading (`ev`, and its `links` numbering body passages
    0..n-1); `other` is the evidence of the reading not kept."""
    cosines = background.cosines
    n, m = len(background.rows), len(background.cols)
    paired = [link for link in links if link.suspect and link.source]
    aligned = np.zeros(n, dtype=bool)
    for link in paired:
        aligned[list(link.suspect)] = True
    if cosines.size:
        # a floor for the spread: in a pair of one passage each, every cosine is the median
        spread = max(float(cosines.std()), 0.01)
        document_lift = (background.document_cosine - float(np.median(cosines))) / spread
        top_row_lift = float(np.sort(cosines.max(axis=1) - background.rows)[::-1][:2].mean()) / spread
        link_lift = float(np.mean([background.lift(link)[0] for link in paired])) / spread if paired else 0.0
    else:
        document_lift = top_row_lift = link_lift = 0.0
    suspect_numbers = set(_NUMBER.findall(suspect.text))
    values = {
        "suspect_aligned": ev.suspect_aligned,
        "source_covered": ev.source_covered,
        "mean_link_score": ev.mean_link_score,
        "order": ev.order,
        "same_language": float(ev.same_language),
        "near_verbatim": ev.near_verbatim,
        "other_reading_aligned": other.suspect_aligned,
        "log_passage_ratio": np.log(max(n, 1) / max(m, 1)),
        "mean_link_lift": link_lift,
        "longest_run_share": _longest_run(aligned) / n if n else 0.0,
        "one_to_one_share": (
            sum(len(link.suspect) == len(link.source) == 1 for link in paired) / len(paired) if paired else 0.0
        ),
        "document_lift": document_lift,
        "top_row_lift": top_row_lift,
        "shared_number_share": (
            len(suspect_numbers & set(_NUMBER.findall(source.text))) / len(suspect_numbers) if suspect_numbers else 0.0
        ),
    }
    return np.array([values[name] for name in FEATURES], dtype=np.float64)


def _longest_run(flags: np.ndarray) -> int:
    longest = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        longest = max(longest, run)
    return longest


# What the source model reads: is this candidate the suspect's source at all? The
# relation features above say what kind of reuse a pair would be, measured against the
# pair's own background; that background is not enough on real news, where a short
# suspect's best sentence always stands out from its neighbours by chance. So the
# source model also reads absolute evidence: how close the closest passages are (with
# the default model, no mutual-best pair of passages from two different stories was
# seen at 0.88 or above), and how many passages the evidence rests on.
SOURCE_FEATURES = (
    "link_cosine_1",  # the best accepted link's weakest member's best cosine (the pair's median if none)
    "link_cosine_2",  # ...the second best
    "link_cosine_3",  # ...the third
    "mutual_best_1",  # the best cosine of a mutual-best passage pair, accepted or not
    "mutual_best_2",  # ...the second
    "median_cosine",  # the pair's background
    "same_language",  # within a language every cosine runs higher: a generic quote finds a 0.9 match
    "same_language_link_cosine",  # mean of the two best link cosines, within a language only
    "aligned_count",  # log(1 + suspect body passages with a counterpart): how much evidence there is
    "aligned_chars",  # log(1 + characters of those passages): "He's a very nice person." is little
    "body_count",  # log(1 + suspect body passages): how much evidence there could be
    "suspect_aligned",
    "source_covered",
    "mean_link_lift",
    "top_row_lift",
    "document_lift",
    "order",
    "near_verbatim",
    "shared_number_share",
    "relation_unrelated",  # the relation model's log-odds of "unrelated"
)


def _source_features(
    relation_features: np.ndarray,
    links: list[Link],
    background: _Background,
    unrelated: float,
    suspect_lengths: list[int],
) -> np.ndarray:
    """SOURCE_FEATURES from the kept reading's links (body passages 0..n-1)."""
    cosines = background.cosines
    median = float(np.median(cosines)) if cosines.size else 0.0
    paired = [link for link in links if link.suspect and link.source]
    link_cosines = sorted(
        (float(cosines[np.ix_(list(link.suspect), list(link.source))].max(axis=1).min()) for link in paired),
        reverse=True,
    )
    mutual = []
    if cosines.size:
        best_col = cosines.argmax(axis=1)
        best_row = cosines.argmax(axis=0)
        mutual = sorted((float(cosines[i, j]) for i, j in enumerate(best_col) if best_row[j] == i), reverse=True)
    padded = (link_cosines + [median] * 3)[:3]
    mutual_padded = (mutual + [median] * 2)[:2]
    named = dict(zip(FEATURES, relation_features))
    aligned_rows = {i for link in paired for i in link.suspect}
    aligned = len(aligned_rows)
    same_language = named["same_language"]
    unrelated = min(max(unrelated, 1e-6), 1 - 1e-6)
    values = {
        "link_cosine_1": padded[0],
        "link_cosine_2": padded[1],
        "link_cosine_3": padded[2],
        "mutual_best_1": mutual_padded[0],
        "mutual_best_2": mutual_padded[1],
        "median_cosine": median,
        "same_language_link_cosine": same_language * (padded[0] + padded[1]) / 2,
        "aligned_count": float(np.log1p(aligned)),
        "aligned_chars": float(np.log1p(sum(suspect_lengths[i] for i in aligned_rows))),
        "body_count": float(np.log1p(len(background.rows))),
        "relation_unrelated": float(np.log(unrelated / (1 - unrelated))),
        **{name: named[name] for name in SOURCE_FEATURES if name in named},
    }
    return np.array([values[name] for name in SOURCE_FEATURES], dtype=np.float64)


@dataclass(frozen=True)
class _RelationModel:
    """Multinomial logistic regression over standardised FEATURES, fitted by
    scripts/fit_judge.py on the judge set's dev split (provenance/judge_model.json)."""

    classes: tuple[str, ...]
    lows: np.ndarray  # each feature's range in the fitting data: a pair outside it (a far
    highs: np.ndarray  # longer article, another embedding model) is read at its edge
    means: np.ndarray
    scales: np.ndarray
    weights: np.ndarray  # classes x features
    biases: np.ndarray

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        standardised = (np.clip(features, self.lows, self.highs) - self.means) / self.scales
        logits = self.weights @ standardised + self.biases
        exp = np.exp(logits - logits.max())
        return exp / exp.sum()


MODEL_FILE = "judge_model.json"


def _read_fitted(file_name: str, features: tuple[str, ...], features_name: str, script: str) -> dict:
    """A shipped model file, refused when it was fitted on other features than the
    judge computes (a stale file would read every pair wrongly, without an error)."""
    fitted = json.loads((resources.files("provenance") / file_name).read_text(encoding="utf-8"))
    if tuple(fitted["features"]) != features:
        raise ModelError(
            f"provenance/{file_name} was fitted on other features than judge.{features_name}; refit it with {script}"
        )
    return fitted


@lru_cache(maxsize=1)
def relation_model() -> _RelationModel:
    """The shipped coefficients, read once."""
    fitted = _read_fitted(MODEL_FILE, FEATURES, "FEATURES", "scripts/fit_judge.py")
    return _RelationModel(
        classes=tuple(fitted["classes"]),
        lows=np.array(fitted["lows"]),
        highs=np.array(fitted["highs"]),
        means=np.array(fitted["means"]),
        scales=np.array(fitted["scales"]),
        weights=np.array(fitted["weights"]),
        biases=np.array(fitted["biases"]),
    )


def relation_probabilities(features: np.ndarray, same_language: bool) -> dict[str, float]:
    """Each relation's probability under the model, among the relations the languages
    allow: a copy is in the source's language, a translation is not."""
    model = relation_model()
    probabilities = model.probabilities(features)
    ruled_out = TRANSLATION if same_language else COPY
    allowed = np.array([relation != ruled_out for relation in model.classes])
    probabilities = np.where(allowed, probabilities, 0.0)
    probabilities /= probabilities.sum()
    return dict(zip(model.classes, probabilities.tolist()))


@dataclass(frozen=True)
class _SourceModel:
    """Logistic regression of "this candidate is the suspect's source" over standardised
    SOURCE_FEATURES, fitted by scripts/fit_source.py on the dev split of real traces
    (provenance/source_model.json). A related verdict's confidence is its probability,
    calibrated on the dev traces; an unrelated one's is the complement."""

    lows: np.ndarray
    highs: np.ndarray
    means: np.ndarray
    scales: np.ndarray
    weights: np.ndarray
    bias: float
    accept: float  # a related verdict needs at least this probability
    short_passages: int  # a suspect with fewer body passages is short...
    short_accept: float  # ...and needs at least this
    lead: float  # a candidate between this and the accept is offered as a lead: a possible source to check

    named_calibration: tuple[np.ndarray, np.ndarray]  # isotonic map of a named source's probability...
    none_calibration: tuple[np.ndarray, np.ndarray]  # ...and of "none of the candidates is the source"

    def probability(self, features: np.ndarray) -> float:
        standardised = (np.clip(features, self.lows, self.highs) - self.means) / self.scales
        return float(1.0 / (1.0 + np.exp(-(self.weights @ standardised + self.bias))))

    def calibrated(self, probability: float, answer: str) -> float:
        """How often an answer given with this probability was right on the dev traces:
        the model's probability is per candidate, but a trace names the best of five,
        so the answer's own odds differ. The map never decreases, so more evidence never
        makes an answer less sure (scripts/fit_source.py fits it on dev)."""
        xs, ys = self.named_calibration if answer == "named" else self.none_calibration
        return float(np.interp(probability, xs, ys))


SOURCE_MODEL_FILE = "source_model.json"


@lru_cache(maxsize=1)
def source_model() -> _SourceModel:
    """The shipped coefficients, thresholds and calibration, read once."""
    fitted = _read_fitted(SOURCE_MODEL_FILE, SOURCE_FEATURES, "SOURCE_FEATURES", "scripts/fit_source.py")
    return _SourceModel(
        lows=np.array(fitted["lows"]),
        highs=np.array(fitted["highs"]),
        means=np.array(fitted["means"]),
        scales=np.array(fitted["scales"]),
        weights=np.array(fitted["weights"]),
        bias=float(fitted["bias"]),
        **{name: fitted["thresholds"][name] for name in ("accept", "short_passages", "short_accept", "lead")},
        named_calibration=tuple(np.array(values) for values in fitted["calibration"]["named"]),
        none_calibration=tuple(np.array(values) for values in fitted["calibration"]["none"]),
    )


def _verdict(reading: _Reading) -> tuple[str, float]:
    """The relation and its confidence. Whether the candidate is a source at all is the
    source model's call, and its probability, calibrated, is the confidence; what kind
    of reuse it is, the relation model's most probable related class. A short suspect needs more
    (a brief has a best-matching sentence in every same-topic article). A candidate with
    evidence short of the accept, but more than same-topic articles of another origin
    usually show, is a lead (UNDECIDED): the report offers it as a possible source with
    the passages to check, so a loose rewrite or an excerpt is not met with silence."""
    model = source_model()
    # no passage with a counterpart is no evidence at all, whatever the averages say
    probability = model.probability(reading.source_features) if reading.evidence.aligned_passages else 0.0
    short = reading.evidence.body_passages < model.short_passages
    if probability >= (model.short_accept if short else model.accept):
        related = {name: p for name, p in reading.relation.items() if name != UNRELATED}
        return max(related, key=related.get), model.calibrated(probability, "named")
    if probability >= model.lead:
        return UNDECIDED, probability
    return UNRELATED, 1.0 - probability


def no_source_confidence(matches: list[Match]) -> float:
    """How sure a trace that names no source is that none of its candidates is one:
    the complement of the best candidate's source probability (an unrelated match's
    confidence is that complement already), calibrated on the dev traces."""
    probabilities = [
        match.confidence if match.relation == UNDECIDED else 1.0 - match.confidence
        for match in matches
        if match.relation in (UNRELATED, UNDECIDED)
    ]
    return source_model().calibrated(1.0 - max(probabilities, default=0.0), "none")
