"""The one place that decides how results look: rich tables for a terminal, plain
data for `--json`, and a self-contained HTML page a fact-checker can save and cite.

Every string that comes from a document is untrusted (it was scraped from a web
page), so the terminal renderers pass it through `_clean` (no terminal control
codes) and `rich.text.Text` (no rich markup), and the HTML renderer through
`html.escape`. The three renderers share the helpers below that decide what a
trace says (the verdict sentence, the alignment rows), so they cannot disagree.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from rich import box
from rich.console import Console
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress as RichProgressBar,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from . import settings
from .models import (
    BOILERPLATE,
    DERIVED,
    SIBLING,
    SOURCE_FIRST,
    SUSPECT_FIRST,
    UNDECIDED,
    UNRELATED,
    Document,
    Match,
    TraceResult,
)
from .progress import Advance

# Link-score bands for colouring alignment rows. A link score is the probability
# that the link is a true correspondence (align.link_score); below LINK_ACCEPT the
# judge does not count it, so that is where red starts. SCORE_HIGH is display only.
SCORE_HIGH = 0.8
SCORE_MID = settings.LINK_ACCEPT
# Passage texts longer than this are cut, with "…", in the terminal only; JSON and
# HTML keep them whole.
TERMINAL_TEXT_CHARS = 300

STATUS_LINKED = "linked"
STATUS_NOT_IN_SOURCE = "not in source"
STATUS_BOILERPLATE = "boilerplate (not part of the story)"

_BAND_STYLES = {"high": "green", "mid": "yellow", "low": "red"}
# C0/C1 control characters other than tab and newline: an ESC in a scraped page
# must not reach the terminal as an escape sequence.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


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
    one live display, shown while any task is open."""

    def __init__(self, console: Console | None = None):
        self._bar = RichProgressBar(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _RateColumn(),
            TimeRemainingColumn(),
            console=console or Console(stderr=True),
        )
        self._open_tasks = 0

    @contextmanager
    def task(self, description: str, total: int | None) -> Iterator[Advance]:
        if self._open_tasks == 0:
            self._bar.start()
        self._open_tasks += 1
        task_id = self._bar.add_task(description, total=total)
        try:
            yield lambda n=1: self._bar.advance(task_id, n)
        finally:
            if total is not None:
                self._bar.update(task_id, completed=total)
            self._open_tasks -= 1
            if self._open_tasks == 0:
                self._bar.stop()
                # the stopped display stays on screen; the next one starts empty
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


def confidence_words(confidence: float) -> str:
    """A confidence as a fact-checker should read it. The number is the source model's
    probability, calibrated on real traces (BENCHMARKS.md, attribution); it is never
    shown as certainty."""
    shown = min(confidence, 0.99)
    band = "high" if confidence >= 0.95 else "moderate" if confidence >= 0.8 else "low"
    return f"confidence {band} ({shown:.2f})"


def verdict_line(result: TraceResult) -> str:
    """The verdict in one sentence."""
    match = related_match(result)
    if match is None:
        stored = result.params.get("stored_documents")
        among = f"among {stored} stored documents" if stored is not None else "among the stored documents"
        first = result.verdict
        if first is not None and first.relation == UNDECIDED:
            ev = first.evidence
            return (
                f"too little text to decide: {ev.aligned_passages} of {ev.body_passages} passages match "
                f"{_clean(first.source.label)}, which is not enough to tell a source from an article on the "
                f"same subject (probability it is the source {min(first.confidence, 0.99):.2f})"
            )
        if first is not None and first.role == DERIVED:
            return f"no source found {among}; {_clean(first.source.label)} derives from this text"
        return f"no source found {among}"
    source = match.source
    details = ", ".join(part for part in (source.site, source.published, source.lang) if part)
    evidence = match.evidence
    return (
        f"{match.relation} of {_clean(source.label)} ({_clean(details)}): "
        f"{evidence.aligned_passages} of {evidence.body_passages} passages aligned, "
        f"{confidence_words(match.confidence)}"
    )


def role_text(match: Match) -> str:
    """What a candidate is to the suspect, for the candidate table."""
    if match.role in (SIBLING, DERIVED):
        return f"{match.relation} ({match.role})"
    return match.relation


def direction_line(match: Match) -> str:
    """Which text came first, and why."""
    reasons = "; ".join(match.direction_reasons)
    if match.direction == SOURCE_FIRST:
        claim = f"{_clean(match.source.label)} came first"
    elif match.direction == SUSPECT_FIRST:
        claim = f"the suspect came first ({_clean(match.source.label)} derives from it)"
    else:
        claim = "which text came first is unknown"
    return f"{claim}: {_clean(reasons)}" if reasons else claim


def evidence_items(match: Match) -> list[tuple[str, str]]:
    """The verdict's evidence as (label, value) pairs."""
    evidence = match.evidence
    items = [
        ("suspect aligned", f"{evidence.suspect_aligned:.0%}"),
        ("source covered", f"{evidence.source_covered:.0%}"),
        ("mean link score", f"{evidence.mean_link_score:.2f}"),
        ("order preservation", f"{evidence.order:.2f}"),
        ("near-verbatim", f"{evidence.near_verbatim:.0%}"),
        ("alignment", match.mode),
    ]
    if evidence.shared_numbers:
        items.append(("shared numbers", _clean(", ".join(evidence.shared_numbers))))
    if evidence.shared_names:
        items.append(("shared names", _clean(", ".join(evidence.shared_names))))
    return items


def alignment_rows(suspect: Document, match: Match) -> list[AlignmentRow]:
    """One row per link that involves suspect passages, in suspect order; suspect
    passages that no link mentions get a row of their own, marked boilerplate or
    "not in source"."""
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
        rows.append(
            AlignmentRow(
                suspect=link.suspect,
                suspect_text=_join(suspect_texts, link.suspect),
                source=link.source,
                source_text=_join(source_texts, link.source),
                score=link.score if link.source else None,
                status=STATUS_LINKED if link.source else unmatched_status(link.suspect),
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


def dropped_passages(match: Match) -> list[tuple[int, str]]:
    """Source passages the suspect left out, as (index, text)."""
    texts = _texts(match.source)
    return [(idx, texts.get(idx, "")) for idx in match.dropped]


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


def _join(texts: dict[int, str], indices: Iterable[int]) -> str:
    return " ".join(texts.get(idx, "") for idx in indices).strip()


def _clean(text: str | None) -> str:
    return _CONTROL_CHARS.sub("", text) if text else ""


def _shorten(text: str, limit: int = TERMINAL_TEXT_CHARS) -> str:
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
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for label, value in suspect_fields(result):
        grid.add_row(label, _untrusted(value))
    for note in result.notes:
        grid.add_row("note", _untrusted(note, style="italic"))
    return Panel(grid, title="suspect", title_align="left", box=box.ROUNDED)


def _titled(doc: Document) -> Text:
    """A document's title, with its site, date and language on a dim second line."""
    cell = _untrusted(_shorten(doc.label, 120))
    details = " · ".join(part for part in (doc.site, doc.published, doc.lang) if part)
    if details:
        cell.append("\n")
        cell.append(_untrusted(details, style="dim"))
    return cell


def _candidates_table(result: TraceResult) -> Table:
    # site, date and language sit under the title so that the table fits 80 columns
    table = Table(
        title="candidate sources",
        title_justify="left",
        caption="aligned: share of the suspect's passages with a counterpart; covered: share of the source's",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("title · site · date · lang", ratio=1, min_width=20, overflow="fold")
    table.add_column("retrieval", justify="right", no_wrap=True)
    table.add_column("relation", no_wrap=True)
    table.add_column("conf.", justify="right", no_wrap=True)
    table.add_column("aligned", justify="right", no_wrap=True)
    table.add_column("covered", justify="right", no_wrap=True)
    for rank, match in enumerate(result.matches, start=1):
        table.add_row(
            str(rank),
            _titled(match.source),
            "\n".join(_retrieval(match.candidate)),
            role_text(match),
            f"{min(match.confidence, 0.99):.2f}",
            _percent(match.evidence.suspect_aligned),
            _percent(match.evidence.source_covered),
            style="bold" if rank == 1 and match.relation != UNRELATED else "",
        )
    return table


def _alignment_table(suspect: Document, match: Match) -> Table:
    table = Table(
        title=f"alignment with {_clean(match.source.label)}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_lines=True,
    )
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("suspect passage", ratio=1, overflow="fold")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("source passage", ratio=1, overflow="fold")
    table.add_column("score", justify="right", no_wrap=True)
    for row in alignment_rows(suspect, match):
        if row.status == STATUS_LINKED:
            style = _BAND_STYLES[score_band(row.score)]
            source_cell = _untrusted(_shorten(row.source_text))
            score_cell = f"{row.score:.2f}"
        elif row.status == STATUS_BOILERPLATE:
            style = "dim"
            source_cell = Text(STATUS_BOILERPLATE, style="italic")
            score_cell = ""
        else:
            style = _BAND_STYLES["low"]
            source_cell = Text(STATUS_NOT_IN_SOURCE, style="bold")
            score_cell = ""
        table.add_row(
            format_indices(row.suspect),
            _untrusted(_shorten(row.suspect_text)),
            format_indices(row.source),
            source_cell,
            score_cell,
            style=style,
        )
    return table


def render_trace(result: TraceResult, console: Console) -> None:
    """Print a trace for a fact-checker: the suspect, the verdict, the candidates,
    and for the verdict its evidence and passage-by-passage alignment."""
    console.print(_header(result))
    match = related_match(result)
    console.print(Text(verdict_line(result), style="bold green" if match else "bold yellow"), soft_wrap=True)
    if match is not None:
        console.print(Text(direction_line(match)), soft_wrap=True)
    if result.matches:
        console.print(_candidates_table(result))
    if match is not None:
        # figures on one line, the (possibly long) shared numbers and names below
        figures, shared = Text(), Text()
        for label, value in evidence_items(match):
            line = shared if label.startswith("shared") else figures
            if line:
                line.append(" · ", style="dim")
            line.append(f"{label} ", style="dim")
            line.append(value)
        console.print(figures)
        if shared:
            console.print(shared)
        console.print(_alignment_table(result.suspect, match))
        dropped = dropped_passages(match)
        if dropped:
            console.print(Text("in the source, not in the suspect", style="bold"))
            for idx, text in dropped:
                line = Text(f"  {idx:>3}  ", style="dim")
                line.append(_untrusted(_shorten(text)))
                console.print(line)
    timings = ", ".join(f"{stage} {seconds:.2f}s" for stage, seconds in result.timings.items())
    footer = Text(f"run {result.run_id} · model {result.model}", style="dim")
    if timings:
        footer.append(f" · {timings}", style="dim")
    console.print(footer)
    console.print(Text(f"see it again: provenance show {result.run_id}", style="dim"))


def render_documents(docs: Sequence[Document], console: Console) -> None:
    """Print the stored documents as one table, newest first."""
    if not docs:
        console.print("no documents stored yet: add some with `provenance add FILE_OR_URL`")
        return
    counted = f"{len(docs)} stored document" + ("" if len(docs) == 1 else "s")
    table = Table(title=counted, title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("doc id", no_wrap=True)
    table.add_column("title · site · date · lang", ratio=1, min_width=20, overflow="fold")
    table.add_column("cues", overflow="fold")
    for doc in docs:
        table.add_row(
            doc.doc_id,
            _titled(doc),
            _untrusted(", ".join(sorted({cue.outlet or cue.domain or cue.kind for cue in doc.cues}))),
        )
    console.print(table)


def render_added(added: Sequence, console: Console) -> None:
    """One line per document `Tracker.add` returned (items with .doc and .new)."""
    for item in added:
        doc = item.doc
        if item.new:
            line = f"added {doc.doc_id} {doc.lang} {doc.label} ({len(doc.passages)} passages)"
        else:
            line = f"already stored {doc.doc_id} {doc.label} — nothing to do"
        console.print(_untrusted(line), soft_wrap=True)  # one line per document, for grep


def render_demo(cases: Sequence, console: Console) -> None:
    """Each demo case's report, then one summary table (items are demo.DemoCase)."""
    for case in cases:
        console.rule(Text(f"demo: {_clean(case.name)}"))
        render_trace(case.result, console)
    table = Table(title="demo summary", title_justify="left", box=box.SIMPLE_HEAD)
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
    links = [
        {
            "suspect": list(link.suspect),
            "source": list(link.source),
            "score": link.score,
            "cosine": link.cosine,
            "suspect_text": _join(suspect_texts, link.suspect),
            "source_text": _join(source_texts, link.source),
        }
        for link in match.links
    ]
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
        "unmatched": match.unmatched,
        "dropped": match.dropped,
    }


def trace_to_dict(result: TraceResult) -> dict:
    """The report as JSON-ready data; link texts are included so it stands alone."""
    suspect = result.suspect
    match = related_match(result)
    return {
        "run_id": result.run_id,
        "created_at": result.created_at,
        "model": result.model,
        "params": result.params,
        "timings": result.timings,
        "notes": list(result.notes),
        "verdict": {
            "summary": verdict_line(result),
            "relation": match.relation if match else UNRELATED,
            "source": match.source.doc_id if match else None,
            "confidence": match.confidence if match else None,
            "direction": direction_line(match) if match else None,
        },
        "suspect": {
            **_document_meta(suspect),
            "passages": [dataclasses.asdict(passage) for passage in suspect.passages],
        },
        "matches": [_match_dict(suspect, m) for m in result.matches],
    }


def documents_to_list(docs: Sequence[Document]) -> list[dict]:
    """Stored documents as JSON-ready data (metadata, no texts)."""
    return [_document_meta(doc) for doc in docs]


def added_to_list(added: Sequence) -> list[dict]:
    """`Tracker.add`'s results as JSON-ready data."""
    return [{**_document_meta(item.doc), "passages": len(item.doc.passages), "new": item.new} for item in added]


def demo_to_list(cases: Sequence) -> list[dict]:
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

_CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; padding: 0 1em; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.6em; }
.verdict { font-size: 1.15em; font-weight: 600; padding: .6em .8em; background: #eef7ee; border-left: 4px solid #3a3; }
.verdict.none { background: #fdf6e3; border-color: #c90; }
.direction { margin: .4em 0 1em; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; }
dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #ddd; padding: .3em .5em; vertical-align: top; text-align: left; }
th { background: #f4f4f4; } td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.score-high td { background: #e8f6e8; } tr.score-mid td { background: #fdf5d9; } tr.score-low td { background: #fbe4e4; }
tr.not-in-source td { background: #fbe4e4; } tr.boilerplate td { color: #999; background: #fafafa; }
.status { font-style: italic; } .note { font-style: italic; } .footer { color: #777; margin-top: 2em; }
ul.evidence { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .3em 1.5em; }
"""


def _e(text: object) -> str:
    """Escape anything for HTML text and attribute values."""
    return html.escape(_clean(str(text)) if text is not None else "", quote=True)


def _html_header(result: TraceResult) -> str:
    rows = suspect_fields(result)
    items = "".join(f"<dt>{_e(label)}</dt><dd>{_e(value)}</dd>" for label, value in rows)
    notes = "".join(f'<p class="note">{_e(note)}</p>' for note in result.notes)
    return f'<h2>Suspect</h2><dl class="meta">{items}</dl>{notes}'


def _html_candidates(result: TraceResult) -> str:
    head = "".join(
        f"<th>{name}</th>"
        for name in (
            "#",
            "title",
            "site",
            "date",
            "lang",
            "retrieval",
            "relation",
            "confidence",
            "suspect aligned",
            "source covered",
        )
    )
    body = []
    for rank, match in enumerate(result.matches, start=1):
        source = match.source
        title = _e(source.label)
        if source.url:
            title = f'<a href="{_e(source.url)}">{title}</a>'
        body.append(
            f'<tr><td class="num">{rank}</td><td>{title}</td><td>{_e(source.site)}</td>'
            f"<td>{_e(source.published)}</td><td>{_e(source.lang)}</td>"
            f'<td class="num">{_e(" ".join(_retrieval(match.candidate)))}</td><td>{_e(match.relation)}</td>'
            f'<td class="num">{match.confidence:.2f}</td>'
            f'<td class="num">{_percent(match.evidence.suspect_aligned)}</td>'
            f'<td class="num">{_percent(match.evidence.source_covered)}</td></tr>'
        )
    return f"<h2>Candidate sources</h2><table><tr>{head}</tr>{''.join(body)}</table>"


def _html_alignment(result: TraceResult, match: Match) -> str:
    evidence = "".join(f"<li><b>{_e(label)}</b> {_e(value)}</li>" for label, value in evidence_items(match))
    rows = []
    for row in alignment_rows(result.suspect, match):
        if row.status == STATUS_LINKED:
            css = f"score-{score_band(row.score)}"
            source_cell = _e(row.source_text)
            score_cell = f"{row.score:.2f}"
        else:
            css = "boilerplate" if row.status == STATUS_BOILERPLATE else "not-in-source"
            source_cell = f'<span class="status">{_e(row.status)}</span>'
            score_cell = ""
        rows.append(
            f'<tr class="{css}"><td class="num">{_e(format_indices(row.suspect))}</td><td>{_e(row.suspect_text)}</td>'
            f'<td class="num">{_e(format_indices(row.source))}</td><td>{source_cell}</td>'
            f'<td class="num">{score_cell}</td></tr>'
        )
    dropped = "".join(
        f'<tr class="dropped"><td class="num">{idx}</td><td>{_e(text)}</td></tr>' for idx, text in dropped_passages(match)
    )
    dropped_section = (
        f"<h2>In the source, not in the suspect</h2><table><tr><th>#</th><th>source passage</th></tr>{dropped}</table>"
        if dropped
        else ""
    )
    return (
        f'<h2>Evidence</h2><ul class="evidence">{evidence}</ul>'
        f"<h2>Alignment with {_e(match.source.label)}</h2>"
        "<table><tr><th>#</th><th>suspect passage</th><th>#</th><th>source passage</th><th>score</th></tr>"
        f"{''.join(rows)}</table>{dropped_section}"
    )


def trace_to_html(result: TraceResult) -> str:
    """One self-contained HTML page (inline CSS, no scripts, nothing fetched)."""
    match = related_match(result)
    verdict_css = "verdict" if match else "verdict none"
    parts = [
        f'<p class="{verdict_css}">{_e(verdict_line(result))}</p>',
        f'<p class="direction">{_e(direction_line(match))}</p>' if match else "",
        _html_header(result),
        _html_candidates(result) if result.matches else "",
        _html_alignment(result, match) if match else "",
        f'<p class="footer">run {_e(result.run_id)} · model {_e(result.model)} · {_e(result.created_at or "")}'
        f"<br>see it again: <code>provenance show {_e(result.run_id)}</code></p>",
    ]
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>provenance: {_e(result.suspect.label)}</title><style>{_CSS}</style></head>"
        f"<body><h1>Provenance of {_e(result.suspect.label)}</h1>{''.join(parts)}</body></html>\n"
    )
