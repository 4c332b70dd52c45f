"""The one place that decides how results look: rich tables for a terminal, plain
data for `--json`, and a self-contained HTML page a fact-checker can save and cite.

Every string that comes from a document is untrusted (it was scraped from a web
page), so the terminal renderers pass it through `_clean` (no terminal control
codes) and `rich.text.Text` (no rich markup), and the HTML renderer through
`html.escape`; only http(s) URLs become links. The three renderers share the helpers
below that decide what a trace says (the verdict sentence, the alignment rows, the
key to the numbers), so they cannot disagree. The terminal report is laid out to
read whole at 80 columns: nothing is cut, and words are never broken.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from rich import box
from rich.columns import Columns
from rich.console import Console
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.progress import (
    Progress as RichProgressBar,
)
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from . import __version__, settings
from .facts import Differences, differences
from .judge import no_source_confidence
from .models import (
    BOILERPLATE,
    CITED,
    DERIVED,
    ORIGIN,
    PARTIAL,
    SIBLING,
    SOURCE_FIRST,
    SUSPECT_FIRST,
    UNDECIDED,
    UNRELATED,
    Added,
    BulkSummary,
    DemoCase,
    DemoLineage,
    Document,
    Judged,
    Match,
    Story,
    StoryEdge,
    StoryNode,
    TraceResult,
)
from .progress import Advance

# The version of the JSON that `trace --json` and `show --json` print (README, "The
# JSON report"): raised whenever a key is removed or changes meaning.
JSON_SCHEMA_VERSION = 1
# Decimal places of every score in the JSON: more is noise, and it keeps diffs of two
# runs readable. The store keeps the full values.
JSON_DECIMALS = 3

# Link-score bands for colouring alignment rows. A link score is the probability
# that the link is a true correspondence (align.link_score); below LINK_ACCEPT the
# judge does not count it, so that is where red starts. SCORE_HIGH is display only.
SCORE_HIGH = 0.8
SCORE_MID = settings.LINK_ACCEPT

STATUS_LINKED = "linked"
STATUS_NOT_IN_SOURCE = "not in source"
STATUS_BOILERPLATE = "boilerplate (not part of the story)"

_BAND_STYLES = {"high": "green", "mid": "yellow", "low": "red"}
# C0/C1 control characters other than tab and newline: an ESC in a scraped page
# must not reach the terminal as an escape sequence. And the bidi embeddings,
# overrides and isolates (U+202A-U+202E, U+2066-U+2069): a scraped U+202E would
# reverse the rest of the line, a verdict or a URL included, in the terminal and HTML.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# --- progress -----------------------------------------------------------------


class _RateColumn(ProgressColumn):
    """Items per second (rich's own speed column counts bytes)."""

    def render(self, task: Task) -> Text:
        if task.speed is None:
            return Text("", style="progress.data.speed")
        return Text(f"{task.speed:,.1f}/s", style="progress.data.speed")


class RichProgress:
    """A `provenance.progress.Progress` drawn with rich on stderr, so that stdout
    stays clean for `--json`. Tasks may nest (embedding inside a trace): they share
    one live display, shown while any task is open and cleared when the last one
    ends, so that finished bars do not pile up above the report. A task that fails
    or is interrupted keeps the count it reached: a bar never claims work not done.
    On a stderr that is not a terminal (a log file, a pipe) it draws nothing."""

    def __init__(self, console: Console | None = None):
        console = console or Console(stderr=True)
        self._drawn = console.is_terminal
        self._bar = RichProgressBar(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _RateColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self._open_tasks = 0

    @contextmanager
    def task(self, description: str, total: int | None) -> Iterator[Advance]:
        if not self._drawn:
            yield lambda n=1: None
            return
        if self._open_tasks == 0:
            self._bar.start()
        self._open_tasks += 1
        task_id = self._bar.add_task(description, total=total)
        try:
            yield lambda n=1: self._bar.advance(task_id, n)
            if total is not None:
                self._bar.update(task_id, completed=total)
        finally:
            self._bar.stop_task(task_id)
            self._open_tasks -= 1
            if self._open_tasks == 0:
                self._bar.stop()
                for finished in list(self._bar.task_ids):
                    self._bar.remove_task(finished)


# --- what a trace says (shared by every renderer) -----------------------------


@dataclass
class AlignmentRow:
    """One row of the side-by-side table, in suspect order."""

    suspect: tuple[int, ...]
    suspect_text: str
    source: tuple[int, ...]
    source_text: str
    score: float | None  # None when the suspect passages have no counterpart
    status: str  # STATUS_LINKED, STATUS_NOT_IN_SOURCE or STATUS_BOILERPLATE
    differs: Differences = dataclasses.field(default_factory=Differences)  # linked rows only


def score_band(score: float) -> str:
    """'high', 'mid' or 'low': the colour class of a link score."""
    if score >= SCORE_HIGH:
        return "high"
    if score >= SCORE_MID:
        return "mid"
    return "low"


def related_match(result: TraceResult) -> Match | None:
    """The match named as the suspect's source, or None when no candidate is one."""
    return result.source


def shown_match(result: TraceResult) -> Match | None:
    """The match whose passages a report lays out: the source named, else the lead
    offered (a possible source whose passages the reader should check)."""
    return result.source or result.lead


def source_probability(match: Match) -> float:
    """The probability that a candidate is the suspect's source, whatever its relation:
    an unrelated candidate's confidence is that it is not one."""
    return 1.0 - match.confidence if match.relation == UNRELATED else match.confidence


# The highest confidence any view shows (terminal, HTML, JSON, sweep): a calibrated
# probability is never certainty (README, "How far to trust a verdict"). The store
# keeps the raw value.
MAX_SHOWN_CONFIDENCE = 0.99


def shown_confidence(confidence: float) -> float:
    """A confidence as every view reports it: capped at MAX_SHOWN_CONFIDENCE."""
    return min(confidence, MAX_SHOWN_CONFIDENCE)


def confidence_number(confidence: float) -> str:
    """A confidence as every view prints it: the source model's probability, calibrated
    on real traces (BENCHMARKS.md, attribution), never shown as certainty."""
    return f"{shown_confidence(confidence):.2f}"


def confidence_words(confidence: float) -> str:
    """A confidence as a fact-checker should read it, in words and number."""
    band = "high" if confidence >= 0.95 else "moderate" if confidence >= 0.8 else "low"
    return f"confidence {band} ({confidence_number(confidence)})"


def verdict_line(result: TraceResult) -> str:
    """The verdict in one sentence."""
    match = related_match(result)
    if match is None:
        stored = result.params.get("stored_documents")
        among = f"among {stored} stored documents" if stored is not None else "among the stored documents"
        first = result.verdict
        lead = result.lead
        if lead is not None:
            ev = lead.evidence
            return (
                f"possible source, check these passages: {ev.aligned_passages} of {ev.body_passages} passages "
                f"match {_named(lead.source)}, evidence short of naming it the source "
                f"(probability {confidence_number(lead.confidence)}); no source found {among}"
            )
        # a later article that takes from the suspect: say which way it goes, and why
        derived = (
            f"; {relation_headline(first)} ({_clean(first.role_reason)})"
            if first is not None and first.role == DERIVED
            else ""
        )
        if not result.matches:
            return f"no source found {among}"
        sure = confidence_words(no_source_confidence(result.matches))
        closest = max(result.matches, key=source_probability)
        best = (
            f"; its passages match {_clean(closest.source.label)} best ({closest.evidence.aligned_passages} of "
            f"{closest.evidence.body_passages}), too little to be a lead"
            if closest.evidence.aligned_passages and closest.role != DERIVED
            else ""
        )
        return (
            f"no source found {among}{derived} ({sure} that none of the {len(result.matches)} closest is its source)"
            f"{best}"
        )
    evidence = match.evidence
    origin = result.origin
    through = f"; its text comes from {_named(origin.source)}, the origin" if origin is not None else ""
    return (
        f"{relation_headline(match)}: "
        f"{evidence.aligned_passages} of {evidence.body_passages} passages aligned, "
        f"{confidence_words(match.confidence)}{through}"
    )


def role_text(match: Match) -> str:
    """What a candidate is to the suspect, for the candidate table."""
    if match.relation == UNDECIDED:
        return POSSIBLE_SOURCE
    if match.role in (SIBLING, DERIVED, ORIGIN):
        return f"{match.relation} ({match.role})"
    return match.relation


POSSIBLE_SOURCE = "possible source"  # how a lead (UNDECIDED) reads in every report


def _named(doc: Document) -> str:
    """'World News (worldnews.example, 2024-09-11, en)': a document with its details."""
    details = ", ".join(part for part in (doc.site, doc.published, doc.lang) if part)
    return f"{_clean(doc.label)} ({_clean(details)})" if details else _clean(doc.label)


def relation_headline(match: Match) -> str:
    """The relation with its direction, so that the headline alone never points the
    wrong way: "translation of X (...)" when X came first, "X (...) is a translation
    of this text" when the suspect did, "... or the reverse" when nothing tells."""
    named = _named(match.source)
    noun = "partial reuse" if match.relation == PARTIAL else match.relation
    if match.direction == SUSPECT_FIRST:
        return f"{named} is a {noun} of this text"
    if match.direction == SOURCE_FIRST:
        return f"{relation_of(match.relation)} {named}"
    return f"{relation_of(match.relation)} {named} or the reverse"


def relation_of(relation: str) -> str:
    """A relation before the text it points to: "translation of", "reuses part of"
    (not "partial of")."""
    return "reuses part of" if relation == PARTIAL else f"{relation} of"


def direction_line(match: Match) -> str:
    """Which text came first, and why. The verdict line above names the source: this
    line does not repeat its headline."""
    reasons = "; ".join(match.direction_reasons)
    if match.direction == SOURCE_FIRST:
        claim = "the source came first"
    elif match.direction == SUSPECT_FIRST:
        claim = "the suspect came first (the source derives from it)"
    else:
        claim = "which text came first is unknown"
    return f"{claim}: {_clean(reasons)}" if reasons else claim


IN_ORDER = 0.95  # order preservation from which a best-match alignment is shown as in order


def alignment_text(match: Match) -> str:
    """How the passages correspond, as a reader sees it: "in order" for the in-order
    reading, and for a best-match one that kept the order anyway (a translation);
    "reordered" only when the best-match pairs do cross."""
    if match.mode == "monotone" or match.evidence.order >= IN_ORDER:
        return "in order"
    return "reordered (best-match)"


def evidence_items(match: Match) -> list[tuple[str, str]]:
    """The verdict's evidence as (label, value) pairs."""
    evidence = match.evidence
    items = [
        ("suspect aligned", f"{evidence.suspect_aligned:.0%}"),
        ("source covered", f"{evidence.source_covered:.0%}"),
        ("mean link score", f"{evidence.mean_link_score:.2f}"),
        ("order preservation", f"{evidence.order:.2f}"),
        ("near-verbatim", f"{evidence.near_verbatim:.0%}"),
        ("alignment", alignment_text(match)),
    ]
    if evidence.shared_numbers:
        items.append(("shared numbers", _clean(", ".join(evidence.shared_numbers))))
    if evidence.shared_names:
        items.append(("shared names", _clean(", ".join(evidence.shared_names))))
    return items


def alignment_rows(suspect: Document, match: Match) -> list[AlignmentRow]:
    """One row per link that involves suspect passages, in suspect order; suspect
    passages that no link mentions get a row of their own, marked boilerplate or
    "not in source". A linked row carries the numbers and names its two sides
    disagree on."""
    suspect_texts, source_texts = _texts(suspect), _texts(match.source)
    boilerplate = {passage.idx for passage in suspect.passages if passage.kind == BOILERPLATE}

    def unmatched_status(indices: Iterable[int]) -> str:
        return STATUS_BOILERPLATE if set(indices) <= boilerplate else STATUS_NOT_IN_SOURCE

    rows = []
    linked: set[int] = set()
    for link in match.links:
        if not link.suspect:
            continue
        linked.update(link.suspect)
        suspect_text, source_text = _join(suspect_texts, link.suspect), _join(source_texts, link.source)
        rows.append(
            AlignmentRow(
                suspect=link.suspect,
                suspect_text=suspect_text,
                source=link.source,
                source_text=source_text,
                score=link.score if link.source else None,
                status=STATUS_LINKED if link.source else unmatched_status(link.suspect),
                differs=_differs(
                    suspect, match, _join(suspect_texts, link.suspect, "\n"), _join(source_texts, link.source, "\n")
                ),
            )
        )
    for passage in suspect.passages:
        if passage.idx not in linked:
            rows.append(
                AlignmentRow(
                    suspect=(passage.idx,),
                    suspect_text=passage.text,
                    source=(),
                    source_text="",
                    score=None,
                    status=unmatched_status((passage.idx,)),
                )
            )
    rows.sort(key=lambda row: min(row.suspect))
    return rows


def _differs(suspect: Document, match: Match, suspect_text: str, source_text: str) -> Differences:
    """What one link's two sides disagree on (nothing, when a side is empty); each
    side's passages one a line, so that a passage's first word opens a sentence."""
    if not (suspect_text and source_text):
        return Differences()
    return differences(suspect_text, source_text, suspect.lang == match.source.lang, suspect.lang, match.source.lang)


def dropped_passages(match: Match) -> list[tuple[int, str]]:
    """Source passages the suspect left out, as (index, text)."""
    texts = _texts(match.source)
    return [(idx, texts.get(idx, "")) for idx in match.dropped]


def added_passages(suspect: Document, match: Match) -> list[tuple[int, str]]:
    """Story passages of the suspect with no counterpart in the source, as (index,
    text): what it added (captions and other boilerplate are not counted)."""
    linked = {idx for link in match.links if link.source for idx in link.suspect}
    return [(p.idx, p.text) for p in suspect.body if p.idx not in linked]


def differing_rows(rows: Sequence[AlignmentRow]) -> list[AlignmentRow]:
    """The aligned pairs whose numbers or names disagree: where a rewrite changes facts."""
    return [row for row in rows if row.differs]


def differs_text(differs: Differences) -> str:
    """'numbers 15 ≠ 14; names Macron ≠ Merkel' (suspect side first)."""
    parts = []
    if differs.suspect_numbers:
        parts.append(f"numbers {', '.join(differs.suspect_numbers)} ≠ {', '.join(differs.source_numbers)}")
    if differs.suspect_names:
        parts.append(f"names {', '.join(differs.suspect_names)} ≠ {', '.join(differs.source_names)}")
    return "; ".join(parts)


# What each figure of a report means: printed by `--explain`, in every HTML report,
# and in the README's "Reading a report" (a test keeps the three in step).
KEY = (
    (
        "relation",
        "what the suspect is to the candidate: translation (the same story in another language), "
        "copy (the same language, nearly word for word), rewrite (the same story retold), "
        "partial reuse (some passages taken, e.g. spliced into another story), or unrelated; "
        'possible source (a lead, "undecided" in JSON) when some passages match with evidence short of '
        "naming a source: check its passages, it is not a finding",
    ),
    (
        "role",
        "what a related candidate is to the suspect: its possible source; (sibling) when it derives, as "
        "the suspect does, from a candidate listed above it; (origin) when the source named derives from "
        "it (a rewrite of a translation names the translation, and the original as its origin); (derived) "
        "when it came after the suspect (a later date, or it cites the suspect), so it cannot be its source",
    ),
    (
        "direction",
        "which text came first, from publication dates, then attribution cues (who cites whom), "
        "then which one was cut from the other; for translations with none of these, which side "
        "runs longer than its language needs (translations run long)",
    ),
    (
        "confidence",
        "of a source named, the probability that it is the suspect's source, calibrated on real "
        'traces (of sources named with 0.9, about nine in ten were right); of "no source found", the '
        "probability that none of the closest candidates is its source. Shown as high (0.95 and over), "
        "moderate (0.80 to 0.95) or low, and never as 1.00. README: How far to trust a verdict",
    ),
    (
        "p src",
        "for each candidate, the probability that it is the suspect's source (calibrated for one named): "
        "low for an unrelated candidate, between the two for a possible source",
    ),
    ("aligned", "share of the suspect's story passages that have a counterpart in the candidate"),
    ("covered", "share of the candidate's story passages that the suspect kept"),
    (
        "retrieval",
        "how strongly the search picked the candidate before alignment: the share of suspect passages "
        "with a likely counterpart there (0 to 1) plus how far the whole text stands above its nearest "
        "rivals (around 0, negative below them), so the sum can be negative; +0.20 cue when the suspect "
        "names the candidate's outlet, +0.50 cue when it gives its URL; -0.20 date when the candidate "
        "was published after the suspect",
    ),
    (
        "rank",
        "the nearest source comes first (partial reuse after whole-story reuse): among sources the one the "
        "suspect cites, then the one whose wording it repeats in its own language, then the earliest "
        "published (the start of a chain of copies), then the strongest evidence, so the first can have a "
        "lower confidence than one below it. Then the origin, possible sources, sibling and derived "
        "candidates, then unrelated ones in retrieval order",
    ),
    (
        "link score",
        "for each aligned pair, the probability that the two passages correspond (their similarity "
        "against each side's nearest neighbours); pairs under 0.50 are not counted. Green 0.80 and "
        "above, yellow 0.50 to 0.80, red below 0.50 or no counterpart, dim: not part of the story",
    ),
    ("mean link score", "the average link score of the aligned pairs"),
    ("order preservation", "share of aligned pairs in the same order on both sides: 1.00 kept, about 0.50 shuffled"),
    ("near-verbatim", "share of aligned pairs whose two texts are almost the same string (same language only)"),
    (
        "alignment",
        "in order: the passages correspond in the same order on both sides, some merged or skipped; "
        "reordered (best-match): each passage to its best counterpart wherever it is, for rewrites that reorder",
    ),
    (
        "differs",
        "an aligned pair in which a number or a name on one side is replaced by another on the other "
        "(15 ≠ 14, Macron ≠ Merkel): where a rewrite changes a fact. Numbers are compared by value "
        "(4,7 = 4.7; 250 000 = 250,000; 6.40 Uhr = 6:40 a.m.; eight = 8); names only within one language, "
        "and Kiev = Kyiv",
    ),
    (
        "cue kinds",
        'attribution found in the suspect: according_to ("according to X", "selon X", "theo X"), '
        'reported ("X reported"), told ("told X"), source ("Source: X", "Nguồn: URL"), '
        'byline ("(Theo Politico)" under the story)',
    ),
)


def format_indices(indices: Sequence[int]) -> str:
    """'3', '3-5' for a contiguous run, '3, 7' otherwise."""
    if not indices:
        return ""
    ordered = sorted(indices)
    if len(ordered) > 1 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}-{ordered[-1]}"
    return ", ".join(str(idx) for idx in ordered)


def _texts(document: Document) -> dict[int, str]:
    return {passage.idx: passage.text for passage in document.passages}


def _join(texts: dict[int, str], indices: Iterable[int], separator: str = " ") -> str:
    return separator.join(texts.get(idx, "") for idx in indices).strip()


def _clean(text: str | None) -> str:
    return _CONTROL_CHARS.sub("", text) if text else ""


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _percent(share: float) -> str:
    return f"{share:.0%}"


def _retrieval(candidate) -> list[str]:
    """The retrieval score, then the cue boost and date penalty where they applied."""
    parts = [f"{candidate.score:.3f}"]
    if candidate.cue_boost:
        parts.append(f"+{candidate.cue_boost:.2f} cue")
    if candidate.date_penalty:
        parts.append(f"-{candidate.date_penalty:.2f} date")
    return parts


# --- terminal -----------------------------------------------------------------


def _untrusted(text: str | None, style: str = "") -> Text:
    """Scraped text as rich Text: no markup parsing, no control codes."""
    return Text(_clean(text), style=style)


def suspect_fields(result: TraceResult) -> list[tuple[str, str]]:
    """The suspect's metadata and cues as (label, text) rows, for every renderer."""
    suspect = result.suspect
    rows = [
        (label, value)
        for label, value in (
            ("title", suspect.label),
            ("site", suspect.site),
            ("date", suspect.published),
            ("language", suspect.lang),
            ("url", suspect.url),
            ("author", suspect.author),
            ("doc id", suspect.doc_id),
            ("passages", f"{len(suspect.body)} body, {len(suspect.passages) - len(suspect.body)} boilerplate"),
        )
        if value
    ]
    for cue in suspect.cues:
        named = " · ".join(part for part in (cue.outlet, cue.url) if part) or cue.text
        rows.append(("cue", f"{cue.kind}: {named}"))
    return rows


def _header(result: TraceResult) -> Panel:
    """The suspect's fields in a panel; its URL is printed whole below it (_url_line)."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in suspect_fields(result):
        if label != "url":
            grid.add_row(label, _untrusted(value))
    for note in result.notes:
        grid.add_row("note", _untrusted(note, style="italic"))
    return Panel(grid, title="suspect", title_align="left", box=box.ROUNDED)


def _url_line(label: str, url: str | None) -> Text | None:
    """A URL whole on a line of its own, printed with soft_wrap: the terminal wraps it
    and a click or a copy takes all of it (in a table cell it would be cut or broken)."""
    return Text.assemble((f"{label} ", "bold"), _untrusted(url)) if url else None


# From this width the candidates are a table with the title in its own column; below it
# each candidate is a line of figures with its title, details and URL under it, at full
# width (at 80 columns a title column of 20 characters took 6 to 8 lines).
WIDE_TERMINAL = 120


def _candidates_list(result: TraceResult, console: Console) -> None:
    """The candidates for a narrow terminal: figures on a line, the title under them."""
    console.print(Text("candidate sources", style="bold"))
    rank_width = len(str(len(result.matches)))
    for rank, match in enumerate(result.matches, start=1):
        grid = Table.grid(padding=(0, 2, 0, 0))
        grid.add_column(justify="right", no_wrap=True, min_width=rank_width)
        grid.add_column(overflow="fold")
        related = rank == 1 and match is result.source
        figures = Text.assemble(
            (role_text(match), _RELATION_STYLES.get(match.relation, "green") + (" bold" if related else "")),
            ("  p src ", "dim"),
            (confidence_number(source_probability(match)), _confidence_style(match)),
            ("  aligned ", "dim"),
            _percent(match.evidence.suspect_aligned),
            ("  covered ", "dim"),
            _percent(match.evidence.source_covered),
            ("  retrieval ", "dim"),
            " ".join(_retrieval(match.candidate)),
        )
        grid.add_row(str(rank), figures)
        grid.add_row("", _titled(match.source))
        console.print(grid)
        url = _url_line(" " * (rank_width + 1), match.source.url)
        if url is not None:
            console.print(url, soft_wrap=True)


def _titled(doc: Document) -> Text:
    """A document's title, with its site, date and language on a dim second line."""
    cell = _untrusted(_shorten(doc.label, 120))
    details = " · ".join(part for part in (doc.site, doc.published, doc.lang) if part)
    if details:
        cell.append("\n")
        cell.append(_untrusted(details, style="dim"))
    return cell


_RELATION_STYLES = {UNRELATED: "dim", UNDECIDED: "yellow", PARTIAL: "yellow"}


def _table(title: str, **options) -> Table:
    """A table that fits 80 columns: two spaces between columns (rich's default puts
    three, and an outer edge), so that the widest column keeps more of the width."""
    return Table(
        title=title,
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        padding=(0, 1, 0, 0),
        show_edge=False,
        **options,
    )


def _candidates_table(result: TraceResult) -> Table:
    # numbers first and never wrapped; the title takes what is left and wraps at words
    table = _table("candidate sources")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("relation", min_width=9)
    table.add_column("p src", justify="right", no_wrap=True)
    table.add_column("aligned", justify="right", no_wrap=True)
    table.add_column("covered", justify="right", no_wrap=True)
    table.add_column("retrieval", justify="right", no_wrap=True)
    table.add_column("candidate", ratio=1, min_width=16, overflow="fold")
    for rank, match in enumerate(result.matches, start=1):
        related = rank == 1 and match is result.source
        table.add_row(
            str(rank),
            Text(role_text(match), style=_RELATION_STYLES.get(match.relation, "green") + (" bold" if related else "")),
            Text(confidence_number(source_probability(match)), style=_confidence_style(match)),
            _percent(match.evidence.suspect_aligned),
            _percent(match.evidence.source_covered),
            "\n".join(_retrieval(match.candidate)),
            _titled(match.source),
        )
    return table


def _confidence_style(match: Match) -> str:
    """Green when a related verdict is sure, yellow when it is not; unrelated ones dim."""
    if match.relation == UNRELATED:
        return "dim"
    return "green" if match.confidence >= SCORE_HIGH else "yellow"


def _alignment_table(match: Match, rows: Sequence[AlignmentRow]) -> Table:
    table = _table(f"alignment with {_clean(match.source.label)}", show_lines=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("suspect passage", ratio=1, overflow="fold")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("source passage", ratio=1, overflow="fold")
    table.add_column("score", justify="right", no_wrap=True)
    for row in rows:
        if row.status == STATUS_LINKED:
            style = _BAND_STYLES[score_band(row.score)]
            source_cell = _untrusted(row.source_text)
            score_cell = Text(f"{row.score:.2f}")
            if row.differs:
                score_cell.append("\ndiffers", style="bold magenta")
        elif row.status == STATUS_BOILERPLATE:
            style = "dim"
            source_cell = Text(STATUS_BOILERPLATE, style="italic")
            score_cell = Text("")
        else:
            style = _BAND_STYLES["low"]
            source_cell = Text(STATUS_NOT_IN_SOURCE, style="bold")
            score_cell = Text("")
        table.add_row(
            format_indices(row.suspect),
            _untrusted(row.suspect_text),
            format_indices(row.source),
            source_cell,
            score_cell,
            style=style,
        )
    return table


def _passage_list(console: Console, title: str, passages: Sequence[tuple[int, str]]) -> None:
    """A titled list of numbered passages, each wrapped under its own indent."""
    if not passages:
        return
    console.print(Text(title, style="bold"))
    grid = Table.grid(padding=(0, 2, 0, 2))
    grid.add_column(justify="right", style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    for idx, text in passages:
        grid.add_row(str(idx), _untrusted(text))
    console.print(grid)


def _differences_list(console: Console, rows: Sequence[AlignmentRow]) -> None:
    differing = differing_rows(rows)
    if not differing:
        return
    console.print(Text("facts that differ in aligned passages (suspect ≠ source)", style="bold magenta"))
    grid = Table.grid(padding=(0, 2, 0, 2))
    grid.add_column(justify="right", style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    for row in differing:
        grid.add_row(
            f"{format_indices(row.suspect)} ↔ {format_indices(row.source)}", _untrusted(differs_text(row.differs))
        )
    console.print(grid)


def _key_table() -> Table:
    table = _table("what the figures mean")
    table.add_column("term", style="bold", no_wrap=True)
    table.add_column("meaning", ratio=1)
    for term, meaning in KEY:
        table.add_row(term, meaning)
    return table


def render_trace(
    result: TraceResult, console: Console, *, saved: bool = True, explain: bool = False, story_place: str | None = None
) -> None:
    """Print a trace for a fact-checker: the suspect, the verdict, the candidates,
    and for the verdict its evidence, its passage-by-passage alignment, what the
    suspect added and dropped, and the facts that differ. `saved=False` for a run that
    was not stored (`trace --no-store`): it has no id to show again. `explain` adds the
    key to the figures."""
    console.print(_header(result))
    url = _url_line("url", result.suspect.url)
    if url is not None:
        console.print(url, soft_wrap=True)
    match = related_match(result)
    # not soft-wrapped: rich wraps the sentence at words, where a terminal would cut them
    console.print(Text(verdict_line(result), style="bold green" if match else "bold yellow"))
    if match is not None:
        console.print(Text(direction_line(match)))
    if story_place:
        console.print(_untrusted(f"in its story: {story_place}"))
    if result.matches:
        if console.width >= WIDE_TERMINAL:
            console.print(_candidates_table(result))
        else:
            _candidates_list(result, console)
    match = shown_match(result)
    if match is not None:
        # each figure whole on a line: Columns wraps between them, never inside one
        figures = [Text.assemble((f"{label} ", "dim"), _untrusted(value)) for label, value in evidence_items(match)]
        console.print(Columns(figures, padding=(0, 3)))
        rows = alignment_rows(result.suspect, match)
        console.print(_alignment_table(match, rows))
        _differences_list(console, rows)
        _passage_list(console, "in the suspect, not in the source", added_passages(result.suspect, match))
        _passage_list(console, "in the source, not in the suspect", dropped_passages(match))
    timings = ", ".join(f"{stage} {seconds:.2f}s" for stage, seconds in result.timings.items())
    run = f"run {result.run_id}" if saved else "run not saved (--no-store)"
    footer = Text(f"{run} · model {result.model}", style="dim")
    if timings:
        footer.append(f" · {timings}", style="dim")
    console.print(footer)
    if saved:
        console.print(Text(f"see it again: provenance show {result.run_id}", style="dim"))
    if explain:
        console.print(_key_table())
    else:
        console.print(Text("what the figures mean: add --explain", style="dim"))


def render_documents(
    docs: Sequence[Document], console: Console, total: int | None = None, *, filtered: bool = False
) -> None:
    """Print the stored documents as one table, the last added first; `total` is how
    many match in all, when the list shows only the last added of them; `filtered`
    when a filter chose them (so that an empty list says no document matches, not
    that none is stored)."""
    if not docs:
        if filtered:
            console.print("no stored document matches: `provenance docs` with no filter lists them all")
        else:
            console.print("no documents stored yet: add some with `provenance add FILE_OR_URL`")
        return
    total = len(docs) if total is None else total
    title = f"{total:,} stored document" + ("" if total == 1 else "s")
    if total > len(docs):
        title = f"the {len(docs):,} added last of {title} (--limit 0 for all)"
    table = _table(title)
    table.add_column("doc id", no_wrap=True)
    table.add_column("title · site · published · lang", ratio=1, min_width=20, overflow="fold")
    table.add_column("cues")
    for doc in docs:
        table.add_row(
            doc.doc_id,
            _titled(doc),
            _untrusted(", ".join(sorted({cue.outlet or cue.domain or cue.kind for cue in doc.cues}))),
        )
    console.print(table)


def render_added(added: Sequence[Added], console: Console) -> None:
    """One line per document `Tracker.add` returned."""
    for item in added:
        doc = item.doc
        status = added_status(item)
        if status == ADDED:
            line = f"added {doc.doc_id} {doc.lang} {doc.label} ({len(doc.passages)} passages)"
        elif status == UPDATED:
            line = f"updated {doc.doc_id} {doc.label}: {changes_text(item.changes)}"
        else:
            line = f"already stored {doc.doc_id} {doc.label} — nothing to do"
        console.print(_untrusted(line), soft_wrap=True)  # one line per document, for grep


def render_bulk(summary: BulkSummary, console: Console) -> None:
    """A bulk source's summary: what was added, already stored and failed (reasons
    grouped, a few examples each), what was left out, and the rate."""
    rate = summary.added / summary.seconds if summary.seconds else 0.0
    line = Text(f"{summary.kind} ", style="bold")
    line.append(_untrusted(summary.source))
    line.append(
        f": added {summary.added:,} documents ({summary.passages:,} passages), "
        f"already stored {summary.already_stored:,}"
        + (f" ({summary.skipped_unread:,} skipped unread)" if summary.skipped_unread else "")
        + f", failed {summary.failed:,}; {summary.seconds:.1f} s, {rate:.1f} documents/s"
    )
    console.print(line, soft_wrap=True)
    for reason, origins in summary.reasons():
        examples = ", ".join(origins[:BULK_EXAMPLES]) + (", …" if len(origins) > BULK_EXAMPLES else "")
        console.print(_untrusted(f"  failed {len(origins):,}: {reason} ({examples})", "yellow"), soft_wrap=True)
    for note in summary.notes:
        console.print(_untrusted(f"  note: {note}", "dim"), soft_wrap=True)
    if summary.damaged:
        console.print(_untrusted(f"  damaged: {summary.damaged}", "red"), soft_wrap=True)


BULK_EXAMPLES = 3  # origins shown for each failure reason of a bulk source


def bulk_to_dict(summary: BulkSummary) -> dict:
    """A bulk source's summary as JSON-ready data (`add --json`)."""
    return {
        "input": summary.source,
        "kind": summary.kind,
        "status": FAILED if summary.damaged else "done",
        "added": summary.added,
        "passages": summary.passages,
        "already_stored": summary.already_stored,
        "skipped_unread": summary.skipped_unread,
        "failed": summary.failed,
        "failures": [{"origin": origin, "reason": reason} for origin, reason in summary.failures],
        "notes": summary.notes,
        "damaged": summary.damaged,
        "seconds": round(summary.seconds, 2),
    }


def changes_text(changes: dict[str, tuple]) -> str:
    """'published none -> 2020-01-01, site AFP -> Reuters'."""
    return ", ".join(f"{name} {old or 'none'} -> {new or 'none'}" for name, (old, new) in changes.items())


def render_runs(runs: Sequence, console: Console, total: int | None = None, *, filtered: bool = False) -> None:
    """Print stored traces (store.RunSummary) as one table, the last run first;
    `total` is how many match in all, when the list shows only the last of them;
    `filtered` when a filter chose them."""
    if not runs:
        if filtered:
            console.print("no stored run matches: `provenance runs` with no filter lists them all")
        else:
            console.print("no runs stored yet: trace a suspect with `provenance trace FILE_OR_ID`")
        return
    total = len(runs) if total is None else total
    title = f"{total:,} run" + ("" if total == 1 else "s")
    if total > len(runs):
        title = f"the last {len(runs):,} of {title} (--limit 0 for all)"
    table = _table(title)
    table.add_column("run id", no_wrap=True)
    table.add_column("run date", no_wrap=True)
    table.add_column("suspect", ratio=1, overflow="fold")
    table.add_column("top match", ratio=1, overflow="fold")
    for run in runs:
        if run.source_id:
            found = _untrusted(f"{relation_of(run.relation)} ")
            found.append(_untrusted(_shorten(run.source_title, 120)))
            found.append(f" ({confidence_number(run.confidence)})", style="dim")
        else:
            found = Text("no source found", style="yellow")
        table.add_row(run.run_id, run.created_at[:10], _untrusted(_shorten(run.suspect_title, 120)), found)
    console.print(table)


def runs_to_list(runs: Sequence) -> list[dict]:
    """Stored traces (store.RunSummary) as JSON-ready data."""
    return [_rounded(dataclasses.asdict(run)) for run in runs]


def render_demo(cases: Sequence[DemoCase], lineage: DemoLineage, console: Console, *, explain: bool = False) -> None:
    """Each demo case's report, one summary table, then the story's lineage beside what
    it should be."""
    for case in cases:
        console.rule(Text(f"demo: {_clean(case.name)}"))
        render_trace(case.result, console, explain=explain)
    table = _table("demo summary")
    for name in ("suspect", "expected", "got", "source", "ok"):
        table.add_column(name, overflow="fold")
    for case in cases:
        match = related_match(case.result)
        table.add_row(
            _untrusted(case.name),
            case.expected,
            match.relation if match else UNRELATED,
            _untrusted(_shorten(match.source.label, 80)) if match else "",
            Text("yes", style="green") if case.ok else Text("NO", style="bold red"),
        )
    console.print(table)
    passed = sum(1 for case in cases if case.ok)
    console.print(Text(f"{passed} of {len(cases)} demo cases as expected", style="bold"))
    console.rule(Text("demo: the story's lineage"))
    render_lineage(lineage.story, console, focus=lineage.focus)
    for parent, child in lineage.missing:
        console.print(_untrusted(f"missing edge: {parent} -> {child}", "bold red"))
    for parent, child in lineage.extra:
        console.print(_untrusted(f"unexpected edge: {parent} -> {child}", "bold red"))
    console.print(
        Text("lineage as expected", style="bold") if lineage.ok else Text("lineage NOT as expected", style="bold red")
    )


# --- plain data (--json) ------------------------------------------------------


def _document_meta(doc: Document) -> dict:
    return {
        "doc_id": doc.doc_id,
        "title": doc.title,
        "url": doc.url,
        "site": doc.site,
        "author": doc.author,
        "published": doc.published,
        "lang": doc.lang,
        "added_at": doc.added_at,
        "cues": [dataclasses.asdict(cue) for cue in doc.cues],
    }


def _match_dict(suspect: Document, match: Match) -> dict:
    suspect_texts, source_texts = _texts(suspect), _texts(match.source)
    links = []
    for link in match.links:
        suspect_text, source_text = _join(suspect_texts, link.suspect), _join(source_texts, link.source)
        differs = _differs(suspect, match, suspect_text, source_text)
        links.append(
            {
                "suspect": list(link.suspect),
                "source": list(link.source),
                "score": link.score,
                "cosine": link.cosine,
                "suspect_text": suspect_text,
                "source_text": source_text,
                "differs": {
                    "numbers": {"suspect": differs.suspect_numbers, "source": differs.source_numbers},
                    "names": {"suspect": differs.suspect_names, "source": differs.source_names},
                },
            }
        )
    return {
        "source": _document_meta(match.source),
        "candidate": dataclasses.asdict(match.candidate),
        "relation": match.relation,
        "role": match.role or None,
        "role_reason": match.role_reason or None,
        "confidence": match.confidence,
        "direction": match.direction,
        "direction_reasons": list(match.direction_reasons),
        "evidence": dataclasses.asdict(match.evidence),
        "mode": match.mode,
        "links": links,
        "added": [{"idx": idx, "text": text} for idx, text in added_passages(suspect, match)],
        "dropped": [{"idx": idx, "text": text} for idx, text in dropped_passages(match)],
    }


def trace_to_dict(result: TraceResult, *, saved: bool = True, story: Story | None = None) -> dict:
    """The report as JSON-ready data (README, "The JSON report"); link texts are
    included so it stands alone. An unsaved run (`trace --no-store`) has no run id.
    With the suspect's story, "story" says where it stands in it."""
    suspect = result.suspect
    match = related_match(result)
    data = {
        "schema_version": JSON_SCHEMA_VERSION,
        "run_id": result.run_id if saved else None,
        "saved": saved,
        "created_at": result.created_at,
        "model": result.model,
        "params": result.params,
        "timings": result.timings,
        "notes": list(result.notes),
        "verdict": {
            "summary": verdict_line(result),
            "relation": match.relation if match else UNRELATED,
            "source": match.source.doc_id if match else None,
            "confidence": match.confidence
            if match
            else (no_source_confidence(result.matches) if result.matches else None),
            "direction": match.direction if match else None,
            "direction_summary": direction_line(match) if match else None,
            "origin": result.origin.source.doc_id if result.origin else None,
            "lead": result.lead.source.doc_id if result.lead else None,
        },
        "suspect": {
            **_document_meta(suspect),
            "passages": [dataclasses.asdict(passage) for passage in suspect.passages],
        },
        "matches": [_match_dict(suspect, m) for m in result.matches],
    }
    if story is not None:
        chain = story.chain(suspect.doc_id)
        data["story"] = {
            "story_id": story.story_id,
            "line": story_line(story, suspect.doc_id),
            "hops": len(chain) - 1,
            "chain": [node.id for node in chain],
            "roots": story.roots,
        }
    return _rounded(data)


def _rounded(value, key: str | None = None):
    """Every float in a JSON-ready structure rounded to JSON_DECIMALS, and every
    "confidence" capped as the other views show it (never 1.0)."""
    if isinstance(value, float):
        return round(shown_confidence(value) if key == "confidence" else value, JSON_DECIMALS)
    if isinstance(value, dict):
        return {name: _rounded(item, name) for name, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(item) for item in value]
    return value


def documents_to_list(docs: Sequence[Document]) -> list[dict]:
    """Stored documents as JSON-ready data (metadata, no texts)."""
    return [_document_meta(doc) for doc in docs]


ADDED, STORED_BEFORE, UPDATED, FAILED = "added", "already stored", "updated", "failed"


def added_status(item: Added) -> str:
    """What `add` did with one document (a `Tracker.add` result)."""
    if item.new:
        return ADDED
    return UPDATED if item.changes else STORED_BEFORE


def added_to_list(results: Sequence[tuple[str, Sequence[Added] | str]]) -> list[dict]:
    """`add`'s outcome as JSON-ready data, one entry per document, in input order:
    (input, Tracker.add's results) pairs, or (input, error message) for an input that
    failed, which gets one entry with status "failed". A bulk source (input,
    BulkSummary) gets one entry: its summary (bulk_to_dict)."""
    listed = []
    for source, outcome in results:
        if isinstance(outcome, str):
            listed.append({"input": source, "status": FAILED, "error": outcome})
            continue
        if isinstance(outcome, BulkSummary):
            listed.append(bulk_to_dict(outcome))
            continue
        for item in outcome:
            listed.append(
                {
                    "input": source,
                    "status": added_status(item),
                    **_document_meta(item.doc),
                    "passages": len(item.doc.passages),
                    "changes": {name: {"old": old, "new": new} for name, (old, new) in item.changes.items()},
                }
            )
    return listed


def demo_to_dict(cases: Sequence[DemoCase], lineage: DemoLineage) -> dict:
    """The demo as JSON-ready data: each case with its full trace, and the lineage."""
    return {
        "cases": demo_cases_to_list(cases),
        "lineage": {
            "ok": lineage.ok,
            "missing": [list(edge) for edge in lineage.missing],
            "extra": [list(edge) for edge in lineage.extra],
            "story": story_to_dict(lineage.story, focus=lineage.focus),
        },
    }


def demo_cases_to_list(cases: Sequence[DemoCase]) -> list[dict]:
    """Demo cases as JSON-ready data, each with its full trace."""
    return [
        {
            "name": case.name,
            "expected": case.expected,
            "expected_source": case.expected_source,
            "ok": case.ok,
            "result": trace_to_dict(case.result),
        }
        for case in cases
    ]


# --- HTML ---------------------------------------------------------------------

# Below this width the tables turn into one block per row, each cell labelled, so
# that a phone never scrolls sideways and a ten-column table is never squeezed until
# its words break (at 700 px, "tran/slation" in a column of its own).
_NARROW_PX = 960
_CSS = f"""
body {{ font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; padding: 0 1em;
  overflow-wrap: break-word; word-break: normal; hyphens: manual; }}
.url, td.long {{ overflow-wrap: anywhere; }}
th {{ overflow-wrap: normal; }}
svg.graph {{ display: block; width: 100%; height: auto; }}
h1 {{ font-size: 1.3em; }} h2 {{ font-size: 1.1em; margin-top: 1.6em; }}
.verdict {{ font-size: 1.15em; font-weight: 600; padding: .6em .8em; background: #eef7ee; border-left: 4px solid #3a3; }}
.verdict.none {{ background: #fdf6e3; border-color: #c90; }}
.direction {{ margin: .4em 0 1em; }}
dl.meta, dl.key {{ display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .2em 1em; }}
dl.meta dt, dl.key dt {{ font-weight: 600; }} dl.meta dd, dl.key dd {{ margin: 0; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #ddd; padding: .3em .5em; vertical-align: top; text-align: left; }}
th {{ background: #f4f4f4; }} td.num {{ text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }}
.date {{ white-space: nowrap; }}
tr.score-high td, .swatch.score-high {{ background: #e8f6e8; }}
tr.score-mid td, .swatch.score-mid {{ background: #fdf5d9; }}
tr.score-low td, tr.not-in-source td, .swatch.score-low {{ background: #fbe4e4; }}
tr.boilerplate td, .swatch.boilerplate {{ color: #888; background: #fafafa; }}
.rel {{ font-weight: 600; }} .rel-translation, .rel-copy, .rel-rewrite {{ color: #1a7f37; }}
.rel-partial {{ color: #9a6700; }} .rel-unrelated {{ color: #888; font-weight: normal; }}
.rel.role-derived, .rel.role-sibling {{ color: #555; font-style: italic; }} .rel-cited {{ color: #555; font-weight: normal; }}
.conf-high {{ color: #1a7f37; font-weight: 600; }} .conf-low {{ color: #9a6700; font-weight: 600; }} .conf-unrelated {{ color: #888; }}
.differs {{ color: #8250df; font-weight: 600; }} tr.differs td {{ outline: 2px solid #c297ff; outline-offset: -2px; }}
.status, .note {{ font-style: italic; }} .footer {{ color: #777; margin-top: 2em; }}
ul.evidence {{ list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .3em 1.5em; }}
ul.legend {{ list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .3em 1em; }}
.swatch {{ display: inline-block; padding: 0 .5em; border: 1px solid #ddd; }}
@media (max-width: {_NARROW_PX}px) {{
  body {{ margin: 1em auto; }}
  table, tbody, tr, td {{ display: block; width: auto; }}
  tr.head {{ display: none; }}
  tr {{ border: 1px solid #ddd; margin-bottom: .6em; }}
  td {{ border: none; border-bottom: 1px solid #eee; }}
  td.num {{ text-align: left; white-space: normal; }}
  td[data-label]::before {{ content: attr(data-label) ": "; font-weight: 600; font-style: normal; color: #555; }}
  td[data-label]:empty {{ display: none; }}
  dl.meta, dl.key {{ grid-template-columns: minmax(0, 1fr); }} dl.meta dd, dl.key dd {{ margin-bottom: .4em; }}
}}
"""


def _e(text: object) -> str:
    """Escape anything for HTML text and attribute values."""
    return html.escape(_clean(str(text)) if text is not None else "", quote=True)


_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _prose(text: str) -> str:
    """A sentence escaped for HTML, its ISO dates kept on one line ("2024-09-11", never
    "2024-" then "09-11")."""
    return _ISO_DATE.sub(lambda date: f'<span class="date">{date.group()}</span>', _e(text))


def web_url(url: str | None) -> str | None:
    """The URL if a browser may follow it (http or https), else None: a stored page
    can claim any URL, and a javascript: or data: one must never become a link."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def _link(url: str | None, label_html: str) -> str:
    """`label_html` (already escaped) as a link to `url` when it is an http(s) URL."""
    target = web_url(url)
    return f'<a href="{_e(target)}" rel="noopener noreferrer">{label_html}</a>' if target else label_html


def _row(css: str, cells: Sequence[tuple[str, str, str]]) -> str:
    """A table row of (label, class, inner HTML) cells; the label heads the cell on a phone."""
    tds = "".join(
        f'<td data-label="{_e(label)}"{f" class={chr(34)}{css_class}{chr(34)}" if css_class else ""}>{inner}</td>'
        for label, css_class, inner in cells
    )
    return f'<tr class="{css}">{tds}</tr>' if css else f"<tr>{tds}</tr>"


def _head(*names: str) -> str:
    return '<tr class="head">' + "".join(f"<th>{_e(name)}</th>" for name in names) + "</tr>"


def _html_header(result: TraceResult) -> str:
    suspect = result.suspect
    items = []
    for label, value in suspect_fields(result):
        if label == "url":
            shown = f'<span class="url">{_link(suspect.url, _e(value))}</span>'
        elif label == "date":
            shown = f'<span class="date">{_e(value)}</span>'
        else:
            shown = _e(value)
        items.append(f"<dt>{_e(label)}</dt><dd>{shown}</dd>")
    cue_urls = "".join(
        f'<dt>cue link</dt><dd class="url">{_link(cue.url, _e(cue.url))}</dd>'
        for cue in suspect.cues
        if web_url(cue.url)
    )
    notes = "".join(f'<p class="note">{_e(note)}</p>' for note in result.notes)
    return f'<h2>Suspect</h2><dl class="meta">{"".join(items)}{cue_urls}</dl>{notes}'


def _relation_class(match: Match) -> str:
    """A candidate's relation cell: coloured as a source only when its role lets it be
    one (a derived or sibling translation is no source, whatever its relation)."""
    css = f"rel rel-{_e(match.relation)}"
    return f"{css} role-{_e(match.role)}" if match.role in (SIBLING, DERIVED, ORIGIN) else css


def _confidence_class(match: Match) -> str:
    if match.relation == UNRELATED or match.role in (SIBLING, DERIVED):
        return "conf-unrelated"
    return "conf-high" if match.confidence >= SCORE_HIGH else "conf-low"


def _html_candidates(result: TraceResult) -> str:
    columns = (
        "#", "title", "site", "date", "lang", "retrieval", "relation", "p src", "suspect aligned", "source covered",
    )  # fmt: skip
    body = []
    for rank, match in enumerate(result.matches, start=1):
        source = match.source
        body.append(
            _row(
                "",
                (
                    ("#", "num", str(rank)),
                    ("title", "long", _link(source.url, _e(source.label))),
                    ("site", "", _e(source.site)),
                    ("date", "date", _e(source.published)),
                    ("lang", "", _e(source.lang)),
                    ("retrieval", "num", _e(" ".join(_retrieval(match.candidate)))),
                    ("relation", _relation_class(match), _e(role_text(match))),
                    ("p src", f"num {_confidence_class(match)}", confidence_number(source_probability(match))),
                    ("suspect aligned", "num", _percent(match.evidence.suspect_aligned)),
                    ("source covered", "num", _percent(match.evidence.source_covered)),
                ),
            )
        )
    return f"<h2>Candidate sources</h2><table>{_head(*columns)}{''.join(body)}</table>"


def _html_passages(title: str, column: str, passages: Sequence[tuple[int, str]]) -> str:
    if not passages:
        return ""
    rows = "".join(_row("", (("#", "num", str(idx)), (column, "long", _e(text)))) for idx, text in passages)
    return f"<h2>{_e(title)}</h2><table>{_head('#', column)}{rows}</table>"


def _html_alignment(result: TraceResult, match: Match) -> str:
    evidence = "".join(f"<li><b>{_e(label)}</b> {_e(value)}</li>" for label, value in evidence_items(match))
    alignment = alignment_rows(result.suspect, match)
    rows = []
    for row in alignment:
        if row.status == STATUS_LINKED:
            css = f"score-{score_band(row.score)}" + (" differs" if row.differs else "")
            source_cell = _e(row.source_text)
            score_cell = f"{row.score:.2f}" + (' <span class="differs">differs</span>' if row.differs else "")
        else:
            css = "boilerplate" if row.status == STATUS_BOILERPLATE else "not-in-source"
            source_cell = f'<span class="status">{_e(row.status)}</span>'
            score_cell = ""
        rows.append(
            _row(
                css,
                (
                    ("#", "num", _e(format_indices(row.suspect))),
                    ("suspect passage", "long", _e(row.suspect_text)),
                    ("#", "num", _e(format_indices(row.source))),
                    ("source passage", "long", source_cell),
                    ("score", "num", score_cell),
                ),
            )
        )
    differing = "".join(
        _row(
            "differs",
            (
                ("suspect ↔ source", "num", _e(f"{format_indices(row.suspect)} ↔ {format_indices(row.source)}")),
                ("what differs", "", _e(differs_text(row.differs))),
            ),
        )
        for row in differing_rows(alignment)
    )
    differing_section = (
        f'<h2 class="differs">Facts that differ in aligned passages (suspect ≠ source)</h2>'
        f"<table>{_head('suspect ↔ source', 'what differs')}{differing}</table>"
        if differing
        else ""
    )
    legend = (
        '<ul class="legend"><li><span class="swatch score-high">0.80 and above</span></li>'
        '<li><span class="swatch score-mid">0.50 to 0.80</span></li>'
        '<li><span class="swatch score-low">below 0.50, or not in source</span></li>'
        '<li><span class="swatch boilerplate">not part of the story</span></li>'
        '<li><span class="differs">differs</span>: a number or name changed</li></ul>'
    )
    return (
        f'<h2>Evidence</h2><ul class="evidence">{evidence}</ul>'
        f"<h2>Alignment with {_e(match.source.label)}</h2>{legend}"
        f"<table>{_head('#', 'suspect passage', '#', 'source passage', 'score')}{''.join(rows)}</table>"
        f"{differing_section}"
        f"{_html_passages('In the suspect, not in the source', 'suspect passage', added_passages(result.suspect, match))}"
        f"{_html_passages('In the source, not in the suspect', 'source passage', dropped_passages(match))}"
    )


def _html_key() -> str:
    items = "".join(f"<dt>{_e(term)}</dt><dd>{_e(meaning)}</dd>" for term, meaning in KEY)
    return f'<h2>How to read this report</h2><dl class="key">{items}</dl>'


def trace_to_html(result: TraceResult, *, saved: bool = True) -> str:
    """One self-contained HTML page (inline CSS, no scripts, nothing fetched) that
    reads on a phone as on a desktop, for an editor who has no command line."""
    match = related_match(result)
    verdict_css = "verdict" if match else "verdict none"
    run = f"run {_e(result.run_id)}" if saved else "a run that was not saved"
    parts = [
        f'<p class="{verdict_css}">{_prose(verdict_line(result))}</p>',
        f'<p class="direction">{_prose(direction_line(match))}</p>' if match else "",
        _html_header(result),
        _html_candidates(result) if result.matches else "",
        _html_alignment(result, shown_match(result)) if shown_match(result) else "",
        _html_key(),
        f'<p class="footer">Made by provenance {_e(__version__)} on {_e(result.created_at or "")}: '
        f"{run}, model {_e(result.model)}.</p>",
    ]
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>provenance: {_e(result.suspect.label)}</title><style>{_CSS}</style></head>"
        f"<body><h1>Provenance of {_e(result.suspect.label)}</h1>{''.join(parts)}</body></html>\n"
    )


# --- lineage ------------------------------------------------------------------

CITED_NOT_STORED = "cited, not stored"


def node_name(node: StoryNode) -> str:
    """A node's short name: its outlet, else its URL's host, else its title (a file's
    file:// URL has no host: its title says more than its path)."""
    if node.site:
        return node.site
    host = urlsplit(node.url).netloc.removeprefix("www.") if node.url else ""
    return host or node.title or node.url or node.id


def node_label(node: StoryNode) -> str:
    """'World News (en, 2024-09-11)', '(vi, cited, not stored)' for a placeholder."""
    details = [node.lang or "?"] + ([node.published] if node.published else [])
    if not node.stored:
        details.append(CITED_NOT_STORED)
    return f"{node_name(node)} ({', '.join(details)})"


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def story_line(story: Story, doc_id: str) -> str:
    """Where one article stands in its story, in one line: "2nd hop: World News (en,
    2024-09-11) -> Tin The Gioi (vi, 2024-09-12) -> this"."""
    chain = story.chain(doc_id)
    if len(chain) == 1:
        origins = len(story.roots)
        return f"an origin of the story ({origins} independent origin{'s' if origins > 1 else ''}, {len(story.nodes)} articles)"
    path = " -> ".join([*(node_label(node) for node in chain[:-1]), "this"])
    trip = f"; a round trip {chain[-1].round_trip}" if chain[-1].round_trip else ""
    return f"{_ordinal(len(chain) - 1)} hop: {path}{trip}"


def story_summary(story: Story) -> str:
    """ "7 articles in 4 languages; 1 independent origin: World News (en, 2024-09-11)"."""
    stored = [node for node in story.nodes if node.stored]
    langs = {node.lang for node in stored if node.lang}
    roots = [story.node(root) for root in story.roots]
    placeholders = len(story.nodes) - len(stored)
    cited = f" and {placeholders} cited but not stored" if placeholders else ""
    return (
        f"{len(stored)} stored article{'s' if len(stored) != 1 else ''} in {len(langs)} language"
        f"{'s' if len(langs) != 1 else ''}{cited}; {len(roots)} independent origin{'s' if len(roots) != 1 else ''}: "
        + "; ".join(node_label(root) for root in roots)
    )


def edge_text(story: Story, edge: StoryEdge) -> str:
    """What the edge says: relation, confidence, what the child kept, dropped and added."""
    if edge.relation == CITED:
        return f"cited: {edge.reason}"
    kept = len(edge.kept)
    total = kept + len(edge.dropped)
    return (
        f"{edge.relation} {confidence_number(edge.confidence)} · keeps {kept} of {total} passages, "
        f"adds {len(edge.added)} · {edge.reason}"
    )


def _children(story: Story) -> dict[str, list[StoryEdge]]:
    """Each node's first-parent edges out, in story order: the tree the report draws."""
    position = {node.id: n for n, node in enumerate(story.nodes)}
    children: dict[str, list[StoryEdge]] = {node.id: [] for node in story.nodes}
    for node in story.nodes:
        parents = story.parents(node.id)
        if parents:
            children[parents[0].parent].append(parents[0])
    for edges in children.values():
        edges.sort(key=lambda edge: position[edge.child])
    return children


def render_lineage(story: Story, console: Console, *, focus: str | None = None) -> None:
    """The story as a tree: each article under its nearest parent, with the evidence."""
    console.print(Text(story_summary(story), style="bold"))
    if focus:
        console.print(_untrusted("this article: " + story_line(story, focus)))
    children = _children(story)

    def label(node: StoryNode, edge: StoryEdge | None) -> Text:
        text = _untrusted(node_label(node), "bold" if node.id == focus else "")
        if node.stored:
            text.append(f"  {node.id[:12]}", style="dim")
            text.append("\n")
            text.append_text(_untrusted(_shorten(node.title or "", 100), "italic"))
        if node.round_trip:
            text.append(f"\nround trip: {node.round_trip}", style="magenta")
        if edge is not None:
            text.append("\n")
            text.append_text(_untrusted(edge_text(story, edge), "dim" if edge.relation == CITED else "green"))
        for extra in story.parents(node.id)[1:]:
            text.append("\n")
            text.append_text(
                _untrusted(f"also from {node_label(story.node(extra.parent))}: {edge_text(story, extra)}", "yellow")
            )
        return text

    def grow(branch: Tree, node_id: str) -> None:
        for edge in children[node_id]:
            grow(branch.add(label(story.node(edge.child), edge)), edge.child)

    for root in story.roots:
        tree = Tree(label(story.node(root), None), guide_style="dim")
        grow(tree, root)
        console.print(tree)
    console.print(Text(f"story {story.story_id}, built {story.built_at}", style="dim"))


def story_to_dict(story: Story, *, focus: str | None = None) -> dict:
    """The story as JSON-ready data (README, "The lineage JSON")."""
    return _rounded(
        {
            "schema_version": JSON_SCHEMA_VERSION,
            "story_id": story.story_id,
            "built_at": story.built_at,
            "focus": focus,
            "summary": story_summary(story),
            "focus_line": story_line(story, focus) if focus else None,
            "nodes": [dataclasses.asdict(node) for node in story.nodes],
            "edges": [
                {**dataclasses.asdict(edge), "rank": story.parents(edge.child).index(edge) + 1} for edge in story.edges
            ],
            "roots": story.roots,
        }
    )


# layout of the inline SVG: one column per generation, one row per article; a box is as
# wide as its longest label (at about these pixels per character), and the gap between
# columns holds the edge's label
_BOX_H, _GAP_X, _GAP_Y, _MARGIN = 46, 150, 18, 10
_LABEL_CHARS, _LABEL_PX, _TITLE_PX, _MIN_BOX_W = 48, 8, 7, 160
CITED_NOT_COMPARED = "cited, not compared"


def edge_label(edge: StoryEdge) -> str:
    """The label an edge of the graph carries: its relation and confidence, or "cited"
    for an edge that rests on a citation alone (no text was compared)."""
    return "cited" if edge.relation == CITED else f"{edge.relation} {confidence_number(edge.confidence)}"


def _svg(story: Story, focus: str | None) -> str:
    """The graph drawn as inline SVG: origins on the left, each generation a column to
    the right, labelled arrows from parent to child. It scales to the page's width
    (never wider than drawn), so that a phone shows it whole. Nothing is loaded."""
    depth = {node.id: len(story.chain(node.id)) - 1 for node in story.nodes}
    children = _children(story)
    order: list[str] = []

    def visit(node_id: str) -> None:
        order.append(node_id)
        for edge in children[node_id]:
            visit(edge.child)

    for root in story.roots:
        visit(root)
    labels = {node.id: _shorten(node_label(node), _LABEL_CHARS) for node in story.nodes}
    titles = {
        node.id: _shorten(node.title or "", _LABEL_CHARS) if node.stored else CITED_NOT_STORED for node in story.nodes
    }
    box_w = max(
        [_MIN_BOX_W]
        + [16 + _LABEL_PX * len(label) for label in labels.values()]
        + [16 + _TITLE_PX * len(title) for title in titles.values()]
    )
    place = {node_id: (depth[node_id], row) for row, node_id in enumerate(order)}
    width = _MARGIN * 2 + (max(depth.values(), default=0) + 1) * (box_w + _GAP_X) - _GAP_X
    height = _MARGIN * 2 + max(len(order), 1) * (_BOX_H + _GAP_Y)

    def corner(node_id: str) -> tuple[int, int]:
        column, row = place[node_id]
        return _MARGIN + column * (box_w + _GAP_X), _MARGIN + row * (_BOX_H + _GAP_Y)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" style="max-width:{width}px" role="img" aria-label="derivation graph">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#666"/></marker></defs>',
    ]
    edge_labels = []
    for edge in story.edges:
        (px, py), (cx, cy) = corner(edge.parent), corner(edge.child)
        dashed = ' stroke-dasharray="5 4"' if edge.relation == CITED or edge is not story.parents(edge.child)[0] else ""
        x1, y1, x2, y2 = px + box_w, py + _BOX_H // 2, cx, cy + _BOX_H // 2
        parts.append(
            f'<path d="M {x1} {y1} C {x1 + _GAP_X // 2} {y1}, {x2 - _GAP_X // 2} {y2}, {x2} {y2}" fill="none" '
            f'stroke="#666"{dashed} marker-end="url(#arrow)"><title>{_e(edge_text(story, edge))}</title></path>'
        )
        # the label sits on the curve's midpoint, over a white halo so that a line never crosses it
        edge_labels.append(
            f'<text class="edge" x="{(x1 + x2) // 2}" y="{(y1 + y2) // 2 - 4}" font-size="11" text-anchor="middle" '
            f'fill="{"#555" if edge.relation == CITED else "#1a7f37"}" stroke="#fff" stroke-width="3" '
            f'paint-order="stroke">{_e(edge_label(edge))}</text>'
        )
    for node in story.nodes:
        x, y = corner(node.id)
        fill = "#fff" if node.stored else "#f4f4f4"
        stroke = "#1a7f37" if node.id == focus else ("#999" if node.stored else "#bbb")
        dash = "" if node.stored else ' stroke-dasharray="4 3"'
        parts.append(
            f"<g><title>{_e(node.title or node.id)}</title>"
            f'<rect x="{x}" y="{y}" width="{box_w}" height="{_BOX_H}" rx="6" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{2 if node.id == focus else 1}"{dash}/>'
            f'<text x="{x + 8}" y="{y + 18}" font-size="13" font-weight="600">{_e(labels[node.id])}</text>'
            f'<text x="{x + 8}" y="{y + 36}" font-size="12" fill="#555">{_e(titles[node.id])}</text></g>'
        )
    parts.extend(edge_labels)
    parts.append("</svg>")
    return "".join(parts)


LINEAGE_KEY = (
    ("graph", "the oldest articles (the story's origins) on the left; each article to the right of the one it "
     "derives from, an arrow from the parent to the child. Hover a box or an arrow for its full text"),
    ("box", "an article: its outlet, language and date, and its title; a grey dashed box is cited by a stored "
     "article but not stored itself (cited, not stored)"),
    ("arrow", "\"the child derives from the parent\", labelled with the relation and its confidence; a dashed "
     "arrow is a citation or a second parent the child also resembles"),
    ("relation", "what the child is to its parent: translation, copy, rewrite, partial reuse; cited when only a "
     "citation links them"),
    ("confidence", "the probability that the parent is the child's source, calibrated on real traces, never shown "
     "as 1.00"),
    ("kept / dropped / added", "the parent's passages the child kept, the parent's story passages it left out, and "
     f"the child's story passages with no counterpart in the parent; {CITED_NOT_COMPARED} for a citation, whose "
     "texts were not compared"),
    ("why this parent", "why this article, of those the child resembles, is its nearest parent"),
    ("which came first", "the evidence for the direction: dates, citations, which text contains the other"),
    ("round trip", "the text came back to the language of an article it derives from (en -> vi -> en)"),
)  # fmt: skip


def _lineage_key() -> str:
    items = "".join(f"<dt>{_e(term)}</dt><dd>{_e(meaning)}</dd>" for term, meaning in LINEAGE_KEY)
    return f'<h2>How to read this graph</h2><dl class="key">{items}</dl>'


def story_to_html(story: Story, *, focus: str | None = None) -> str:
    """One self-contained page: the summary, the graph as inline SVG, and every article
    and edge with its evidence. Every text is escaped; only http(s) URLs become links."""
    node_rows = "".join(
        _row(
            "" if node.stored else "boilerplate",
            [
                ("article", "", _link(node.url, _e(node_name(node)))),
                ("language", "", _e(node.lang or "?")),
                ("date", "date", _e(node.published or "")),
                ("title", "long", _e(node.title or "")),
                ("id", "", _e(node.id if node.stored else CITED_NOT_STORED)),
                ("note", "", _e(f"round trip {node.round_trip}" if node.round_trip else "")),
            ],
        )
        for node in story.nodes
    )
    edge_rows = "".join(
        _row(
            "",
            [
                ("parent", "", _e(node_label(story.node(edge.parent)))),
                ("child", "", _e(node_label(story.node(edge.child)))),
                ("relation", f"rel rel-{_e(edge.relation)}", _e(edge.relation)),
                ("confidence", "num", "" if edge.relation == CITED else _e(confidence_number(edge.confidence))),
                (
                    "kept / dropped / added",
                    "" if edge.relation == CITED else "num",
                    _e(
                        CITED_NOT_COMPARED
                        if edge.relation == CITED
                        else f"{len(edge.kept)} / {len(edge.dropped)} / {len(edge.added)}"
                    ),
                ),
                ("why this parent", "long", _prose(edge.reason)),
                ("which came first", "", _prose("; ".join(edge.direction_reasons))),
            ],
        )
        for edge in story.edges
    )
    focus_line = f'<p class="direction">{_prose("This article: " + story_line(story, focus))}</p>' if focus else ""
    body = (
        f'<p class="verdict">{_prose(story_summary(story))}</p>{focus_line}'
        f"{_svg(story, focus)}"
        f"<h2>Articles</h2><table>{_head('article', 'language', 'date', 'title', 'id', 'note')}{node_rows}</table>"
        f"<h2>Who took from whom</h2><table>{_head('parent', 'child', 'relation', 'confidence', 'kept / dropped / added', 'why this parent', 'which came first')}{edge_rows}</table>"
        f"{_lineage_key()}"
        f'<p class="footer">Made by provenance {_e(__version__)}: story {_e(story.story_id)}, built {_e(story.built_at or "")}.</p>'
    )
    title = story.node(focus).title if focus else story.story_id
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>provenance lineage: {_e(title)}</title><style>{_CSS}</style></head>"
        f"<body><h1>Lineage of {_e(title)}</h1>{body}</body></html>\n"
    )


# --- sweep -----------------------------------------------------------------------


def sweep_to_dict(summary: dict, related: Sequence[Judged], bad: Sequence) -> dict:
    """A sweep (single-machine or imported from Spark) for --json: its figures, each
    related pair, and each bad record skipped."""
    pairs = [
        {
            "suspect": pair.suspect,
            "source": pair.source,
            "relation": pair.relation,
            "confidence": pair.confidence,
            "direction": pair.direction,
        }  # fmt: skip
        for pair in related
    ]
    bad_records = [{"origin": record.origin, "reason": record.reason} for record in bad]
    return _rounded({**summary, "related_pairs": pairs, "bad_records": bad_records})


def render_sweep(summary: dict, related: Sequence[Judged], bad: Sequence, console: Console) -> None:
    """The sweep's figures, its related pairs (one per line, for grep) and the bad records."""
    figures = ", ".join(f"{name} {value}" for name, value in summary.items() if not isinstance(value, dict))
    console.print(_untrusted(figures), soft_wrap=True)
    if related:
        table = _table(f"{len(related)} related pair" + ("" if len(related) == 1 else "s"))
        for column in ("suspect", "source", "relation", "confidence", "direction"):
            table.add_column(column, no_wrap=True)
        for pair in related:
            table.add_row(pair.suspect, pair.source, pair.relation, confidence_number(pair.confidence), pair.direction)
        console.print(table)
    else:
        console.print("no related pairs found")
    if bad:
        console.print(f"{len(bad)} bad record" + ("" if len(bad) == 1 else "s") + " skipped:")
        for record in bad:
            console.print(_untrusted(f"  {record.origin}: {record.reason}"), soft_wrap=True)
    if "seconds" in summary:
        console.print("seconds: " + ", ".join(f"{step} {value}" for step, value in summary["seconds"].items()))
