"""The CLI end to end: the real default model, a real DuckDB file (the autouse
`db_path` fixture), then the store read back with plain SQL.

The English story and its Vietnamese translation are from NTREX-128 (document
upi.176266, sentences 1-3 and 8-10; CC BY-SA 4.0, Federmann et al. 2022), a human
translation from English; the distractors are the openings of three other NTREX
stories.
"""

import io
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from provenance.cli import cli

SHARK_TITLE = "Shark injures 13-year-old on lobster dive in California"
SHARK_EN = [
    "A shark attacked and injured a 13-year-old boy Saturday while he was diving for lobster in California on the "
    "opening day of lobster season, officials said.",
    "The attack occurred just before 7 a.m. near Beacon's Beach in Encinitas.",
    "Chad Hammel told KSWB-TV in San Diego he had been diving with friends for about half an hour Saturday morning "
    "when he heard the boy screaming for help and then paddled over with a group to help pull him out of the water.",
    "The boy was airlifted to Rady Children's Hospital in San Diego where he is listed in critical condition.",
    "The species of shark responsible for the attack was unknown.",
    "Lifeguard Capt. Larry Giles said at a media briefing that a shark had been spotted in the area a few weeks "
    "earlier, but it was determined not to be a dangerous species of shark.",
]
SHARK_VI = [
    "Một con cá mập đã tấn công và khiến một chú bé 13 tuổi bị thương khi đang đi lặn bắt tôm hùm tại California vào "
    "thứ Bảy vừa qua, ngay ngày đầu tiên của mùa vụ bắt tôm, các nhà chức trách cho hay.",
    "Sự việc xảy ra trước 7 giờ sáng, ngay gần bờ biển Beacon’s tại Encinitas.",
    "Chad Hammel thuật lại với đài KSWB-TV của San Diego rằng anh đang lái xe cùng bạn bè khoảng chừng nửa tiếng vào "
    "sáng thứ Bảy đó thì anh nghe thấy tiếng cậu bé kêu cứu và rồi tất cả cùng bơi xuồng ra kéo cậu bé ra khỏi nước.",
    "Cậu bé được di chuyển bằng máy bay tới Bệnh viện Nhi Rady ở San Diego, nơi cậu bé thuộc diện bảo hiểm, trong "
    "tình trạng nguy kịch.",
    "Tên loại cá mập là thủ phạm trong cuộc tấn công chưa được xác định.",
    "Nhân viên cứu hộ, Đại úy Larry Giles chia sẻ trong một cuộc họp báo trên truyền thông rằng họ phát hiện được một "
    "con cá mập ở khu vực này vài tuần trước, nhưng họ xác định rằng đó không phải là một loài cá mập nguy hiểm.",
]
DISTRACTORS = [
    {
        "title": "Sainsbury's plans push into UK beauty market",
        "url": "https://www.theguardian.com/sainsburys-beauty",
        "site": "The Guardian",
        "date": "2018-09-28",
        "text": "Sainsbury's is taking on Boots, Superdrug and Debenhams with department store-style beauty aisles "
        "staffed with specialist assistants.\n\nAs part of a substantial push into the UK's £2.8bn beauty market, "
        "which is continuing to grow while fashion and homeware sales fall back, the larger beauty aisles will be "
        "tested out in 11 stores around the country and taken to more stores next year if it proves a success.\n\n"
        "The investment in beauty comes as supermarkets hunt for ways to use up shelf space once used for TVs, "
        "microwaves and homeware.",
    },
    {
        "title": "Death toll from Indonesia tsunami rises to 832",
        "url": "https://www.euronews.com/indonesia-tsunami",
        "site": "Euronews",
        "date": "2018-09-30",
        "text": "The death toll in Indonesia's earthquake and tsunami has climbed to 832, the country's disaster agency "
        "said early Sunday.\n\nMany people were reported trapped in the rubble of buildings brought down in the 7.5 "
        "magnitude earthquake which struck Friday and triggered waves as high as 20 feet, agency spokesman Sutopo "
        "Purwo Nugroho told a news conference.\n\nThe city of Palu, which has more than 380,000 people, was strewn "
        "with debris from collapsed buildings.",
    },
]
MACEDONIA_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Macedonians go to polls in referendum on changing country's name</title>
<meta property="og:site_name" content="RT">
<meta name="date" content="2018-09-30">
</head><body><article>
<h1>Macedonians go to polls in referendum on changing country's name</h1>
<p>Voters will vote Sunday on whether to change their country's name to the "Republic of North Macedonia."</p>
<p>The popular vote was set up in a bid to resolve a decades-long dispute with neighboring Greece, which has its own
province called Macedonia.</p>
<p>Athens has long insisted that its northern neighbor's name represents a claim on its territory and has repeatedly
objected to its membership bids for the EU and NATO.</p>
<p>Macedonian President Gjorge Ivanov, an opponent of the plebiscite on the name change, has said he will disregard
the vote.</p>
</article></body></html>
"""
STDIN_STORY = (
    "Officials shut down beach access from Ponto Beach to Swami's for 48 hours for investigation and safety "
    "purposes.\n\nGiles noted that there are more than 135 shark species in the area, but most are not considered "
    "dangerous."
)
# a story none of the above is about, for traces that must find no source
UNRELATED_STORY = (
    "The city council approved a plan on Wednesday to build twelve kilometres of new cycle lanes by 2026.\n\n"
    "The mayor said the lanes would link the train station to the university and the hospital.\n\n"
    "Shop owners on the main street asked for more parking spaces before the work begins."
)
ADDED_LINE = re.compile(r"^added (\S+) (\S+) (.+) \((\d+) passages\)$")


@pytest.fixture
def runner():
    return CliRunner()


def write_corpus(folder):
    """The source story as .txt, the distractors as .jsonl and .html, the suspect as .txt."""
    source = folder / "shark.en.txt"
    source.write_text("\n\n".join(SHARK_EN), encoding="utf-8")
    distractors = folder / "distractors.jsonl"
    distractors.write_text("".join(json.dumps(doc) + "\n" for doc in DISTRACTORS), encoding="utf-8")
    page = folder / "macedonia.html"
    page.write_text(MACEDONIA_HTML, encoding="utf-8")
    suspect = folder / "shark.vi.txt"
    suspect.write_text("\n\n".join(SHARK_VI), encoding="utf-8")
    return {"source": source, "distractors": distractors, "page": page, "suspect": suspect}


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path)


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory):
    """A store holding the corpus (add_corpus's four documents), made once: tests that
    start from it copy the file rather than embed the documents again."""
    folder = tmp_path_factory.mktemp("corpus")
    path = folder / "corpus.duckdb"
    runner = CliRunner()
    files = write_corpus(folder)
    add_corpus(runner, files, "--db", path)
    return path


@pytest.fixture
def stored(corpus, corpus_store, db_path):
    """The corpus files, and the store holding them at the test's own path."""
    shutil.copyfile(corpus_store, db_path)
    return corpus


def invoke(runner, *args, input=None):
    result = runner.invoke(cli, [str(arg) for arg in args], input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def add_corpus(runner, corpus, *options):
    result = invoke(
        runner,
        "add",
        corpus["source"],
        "--title",
        SHARK_TITLE,
        "--site",
        "UPI",
        "--date",
        "2018-09-29",
        "--url",
        "https://www.upi.com/shark",
        *options,
    )
    assert result.exit_code == 0, result.output
    result = invoke(runner, "add", corpus["distractors"], corpus["page"], *options)
    assert result.exit_code == 0, result.output


def test_add_every_kind_of_source_then_again(runner, corpus):
    result = invoke(runner, "add", corpus["source"], "--title", SHARK_TITLE, "--site", "UPI", "--date", "2018-09-29")
    assert result.exit_code == 0, result.output
    shark = ADDED_LINE.match(result.stdout.strip())
    assert shark, result.stdout
    shark_id, lang, title, passages = shark.groups()
    assert (lang, title, int(passages)) == ("en", SHARK_TITLE, len(SHARK_EN))

    result = invoke(runner, "add", corpus["distractors"], corpus["page"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3 and all(ADDED_LINE.match(line) for line in lines), result.stdout
    assert "Death toll from Indonesia tsunami rises to 832" in result.stdout
    assert "Macedonians go to polls" in result.stdout  # the title came from the HTML page

    result = invoke(runner, "add", "-", "--title", "Beach closed", input=STDIN_STORY)
    assert result.exit_code == 0, result.output
    assert ADDED_LINE.match(result.stdout.strip()).group(3) == "Beach closed"

    result = invoke(runner, "add", corpus["source"], "--title", SHARK_TITLE)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"already stored {shark_id} {SHARK_TITLE} — nothing to do"

    result = invoke(runner, "docs")
    assert result.exit_code == 0, result.output
    assert "5 stored documents" in result.stdout and shark_id in result.stdout

    result = invoke(runner, "docs", "--limit", "2")
    assert "the 2 added last of 5 stored documents (--limit 0 for all)" in result.stdout

    result = invoke(runner, "docs", "--json")
    listed = json.loads(result.stdout)
    assert len(listed) == 5
    assert [doc["doc_id"] for doc in json.loads(invoke(runner, "docs", "--json", "-n", "2").stdout)] == [
        doc["doc_id"] for doc in listed[:2]
    ]
    shark_doc = next(doc for doc in listed if doc["doc_id"] == shark_id)
    assert shark_doc["site"] == "UPI" and str(shark_doc["published"]).startswith("2018-09-29")
    by_title = {doc["title"]: doc for doc in listed}
    assert str(by_title[DISTRACTORS[1]["title"]]["published"]).startswith("2018-09-30")  # from the .jsonl

    result = invoke(runner, "add", corpus["page"], "--json")
    [entry] = json.loads(result.stdout)
    assert (entry["input"], entry["status"], entry["changes"]) == (str(corpus["page"]), "already stored", {})


def test_trace_translation_then_show_and_read_the_store(runner, stored, db_path, tmp_path):
    result = invoke(runner, "trace", stored["suspect"], "--date", "2018-09-30")
    assert result.exit_code == 0, result.output
    out = result.stdout
    flat = " ".join(out.split())  # the sentences wrap at words to the terminal's width
    assert re.search(
        rf"translation of {re.escape(SHARK_TITLE)} \(UPI, 2018-09-29, en\): \d+ of \d+ passages aligned", flat
    ), out
    assert "the source came first" in flat and f"{SHARK_TITLE} came first" not in flat  # named once, above
    run_id = re.search(r"provenance show (\w+)", out).group(1)
    # the alignment table's rows: suspect index, text, source index, text, score
    printed_scores = {float(score) for score in re.findall(r"^\s+\d+\s.*\s(\d\.\d\d)\s*$", out, flags=re.M)}

    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs WHERE run_id = ?", [run_id]).fetchone()[0] == 1
        relation, source_id = con.execute(
            "SELECT m.relation, m.source_id FROM matches m WHERE m.run_id = ? ORDER BY m.rank LIMIT 1", [run_id]
        ).fetchone()
        source_url = con.execute("SELECT url FROM documents WHERE doc_id = ?", [source_id]).fetchone()[0]
        stored_scores = [
            row[0]
            for row in con.execute(
                "SELECT score FROM alignments WHERE run_id = ? AND source_id = ? AND len(source_idx) > 0",
                [run_id, source_id],
            ).fetchall()
        ]
    assert (relation, source_url) == ("translation", "https://www.upi.com/shark")
    assert len(stored_scores) >= 5
    assert printed_scores and printed_scores <= {round(score, 2) for score in stored_scores}

    shown = invoke(runner, "show", run_id, "--html", tmp_path / "report.html")
    assert shown.exit_code == 0, shown.output
    assert f"translation of {SHARK_TITLE}" in " ".join(shown.stdout.split())
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Beacon’s" in page and run_id in page and "<script" not in page

    shown_json = invoke(runner, "show", run_id[:8], "--json")
    data = json.loads(shown_json.stdout)
    assert data["run_id"] == run_id
    assert data["verdict"]["relation"] == "translation"
    assert data["suspect"]["lang"] == "vi"
    assert data["matches"][0]["links"][0]["source_text"] == SHARK_EN[0]

    # tracing the same suspect again reuses its stored passages and vectors
    traced_json = invoke(runner, "trace", stored["suspect"], "--json", "--top-k", "2")
    assert traced_json.exit_code == 0, traced_json.output
    data = json.loads(traced_json.stdout)  # stdout holds the JSON alone
    assert data["run_id"] != run_id
    assert data["params"]["top_k"] == 2 and len(data["matches"]) <= 2
    assert data["verdict"]["summary"].startswith(f"translation of {SHARK_TITLE}")
    assert traced_json.stderr == ""  # progress bars are cleared when done, and stdout holds the JSON alone


@pytest.mark.parametrize(
    "args",
    [
        ["add", "no-such-file.txt"],
        ["show", "0123456789ab"],
        ["trace", "deadbeefcafe"],
    ],
    ids=["missing file", "unknown run id", "unknown doc id"],
)
def test_user_errors_are_one_line(runner, args):
    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["trace", "add"])
def test_an_empty_argument_is_refused_not_read_as_the_current_folder(
    runner, stored, db_path, tmp_path, monkeypatch, command
):
    """`trace ""` (an unset shell variable) would be the current folder, every file in
    it traced or added: it is a usage error, and nothing is read or stored."""
    monkeypatch.chdir(stored["source"].parent)
    before = len(json.loads(invoke(runner, "docs", "--json").stdout))
    result = runner.invoke(cli, [command, ""])
    assert result.exit_code == 2 and result.stdout == ""
    assert "an empty argument; give a file, a folder, a URL or - for stdin" in result.stderr
    assert len(json.loads(invoke(runner, "docs", "--json").stdout)) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["add", "-", "--lang", "sr-Latn"],
            "--lang: 'sr-Latn' names a script (Latn), which the store does not keep; give the language alone ('sr')",
        ),
        (["add", "-", "--date", "9999-12-31"], "--date: 9999-12-31 is in the future (today is "),
        (["docs", "--since", "2024-13-01"], "--since: '2024-13-01' is not an ISO date (YYYY-MM-DD)"),
        (["docs", "--until", "soon"], "--until: 'soon' is not an ISO date (YYYY-MM-DD)"),
        (["runs", "--since", "yesterday"], "--since: 'yesterday' is not an ISO date (YYYY-MM-DD)"),
        (["sweep", "--since", "2024-02-30"], "--since: '2024-02-30' is not an ISO date (YYYY-MM-DD)"),
    ],
    ids=["script subtag", "future date", "docs since", "docs until", "runs since", "sweep since"],
)
def test_metadata_and_date_filters_are_checked_and_errors_name_the_option(runner, stored, db_path, args, message):
    """A script subtag is not silently dropped, a date in the future is not stored, and
    a bad --since or --until is named as itself, not as --date."""
    before = db_path.read_bytes()
    result = runner.invoke(cli, args, input="Ein kurzer Text über einen Hafen, einen Sturm und die Fähren.")
    one_error_line(result, re.escape(message))
    assert db_path.read_bytes() == before


def test_a_region_is_dropped_and_todays_date_is_accepted(runner, tmp_path):
    import datetime

    today = datetime.date.today().isoformat()
    result = invoke(
        runner,
        "add",
        "-",
        "--lang",
        "de-AT",
        "--date",
        today,
        "--json",
        input="Ein kurzer Text über einen Hafen, einen Sturm und die Fähren.",
    )
    assert result.exit_code == 0, result.output
    [doc] = json.loads(invoke(runner, "docs", "--json").stdout)
    assert (doc["lang"], doc["published"]) == ("de", today)


def test_c1_controls_are_dropped_and_bidi_overrides_cannot_reverse_what_is_shown(runner, stored, db_path, tmp_path):
    """A title with a raw C1 CSI (U+009B) is stored without it; a right-to-left
    override (U+202E) in a title and a text reaches neither the terminal nor the HTML,
    and --json writes it as an escape, so the JSON reads back the same."""
    override = "\u202e"
    suspect = tmp_path / "suspect.txt"
    suspect.write_text(
        stored["suspect"].read_text(encoding="utf-8").replace("\n\n", f" {override}gnp.tohs\n\n", 1), encoding="utf-8"
    )
    html_path = tmp_path / "report.html"
    title = f"Shark\u009b31m attack {override}txet desrever"
    result = invoke(runner, "trace", suspect, "--title", title, "--html", html_path)
    assert result.exit_code == 0, result.output
    assert override not in result.stdout and "\u009b" not in result.stdout
    assert override not in html_path.read_text(encoding="utf-8")
    listed = invoke(runner, "docs", "--json")
    assert override not in listed.stdout and "\\u202e" in listed.stdout  # escaped, not raw
    [doc] = [d for d in json.loads(listed.stdout) if (d["title"] or "").startswith("Shark") and "attack" in d["title"]]
    assert doc["title"] == f"Shark31m attack {override}txet desrever"  # the C1 control dropped at ingest
    shown = invoke(runner, "docs")
    assert override not in shown.stdout and "\u009b" not in shown.stdout


class CtrlCWhileReading(io.RawIOBase):
    """A stdin on which the user presses Ctrl-C."""

    def readable(self):
        return True

    def readinto(self, buffer):
        raise KeyboardInterrupt


def test_ctrl_c_exits_130_and_stores_nothing(runner, db_path):
    result = runner.invoke(cli, ["add", "-"], input=io.BufferedReader(CtrlCWhileReading()))
    assert result.exit_code == 130
    assert result.stderr.strip() == "Interrupted: nothing was half-written."
    assert not db_path.exists()  # not even an empty store


def test_help_has_examples_and_store_options_after_the_command(runner):
    for command in ("add", "trace", "lineage", "show", "docs", "runs", "update", "delete", "demo"):
        result = runner.invoke(cli, [command, "-h"])
        assert result.exit_code == 0 and "Examples:" in result.output, command
        assert "--db" in result.output and "PROVENANCE_DB" in result.output, command
    for command in ("add", "trace", "lineage", "demo"):
        assert "--model" in runner.invoke(cli, [command, "--help"]).output
        assert "--quiet" in runner.invoke(cli, [command, "--help"]).output
    assert "--json" in runner.invoke(cli, ["trace", "--help"]).output
    assert "Exit status" in runner.invoke(cli, ["-h"]).output
    # issue 20, item 19: the demo names one default store, its own
    demo_help = " ".join(runner.invoke(cli, ["demo", "--help"]).output.split())
    assert "default: ./provenance-demo.duckdb" in demo_help and "./provenance.duckdb" not in demo_help


def test_the_readme_lists_as_read_only_only_the_commands_that_only_read():
    """Issue 20, item 19: `update` and `delete` were listed among the commands that only read."""
    readme = " ".join((Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8").split())
    read_only = re.search(r"Commands that only read \(([^)]*)\)", readme).group(1)
    assert re.findall(r"`([^`]+)`", read_only) == ["docs", "show", "runs", "trace --no-store"]


def test_demo_shows_four_verdicts(runner, demo_store, db_path):
    from provenance.demo import read_manifest

    expected = [suspect.expected for suspect in read_manifest()]
    assert len(expected) == 4
    shutil.copyfile(demo_store[0], db_path)  # the demo's documents already embedded: the CLI only traces
    result = invoke(runner, "demo")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("demo: 0") == 4  # one report per case
    # CliRunner's width; a URL is shown whole on a line of its own (issue 20.18), never cut
    assert max(len(line) for line in result.stdout.splitlines() if "://" not in line) <= 80
    summary, story = result.stdout.split("demo summary")[1].split("demo: the story's lineage")
    assert "4 of 4 demo cases as expected" in summary, result.stdout
    for relation in expected:
        assert relation in summary
    assert "1 independent origin: World News" in " ".join(story.split())
    assert story.rstrip().endswith("lineage as expected"), story


# --- a fact-checker's day: batches, corrections, listings, faults (issue 9) ------


def doc_ids(runner) -> list[str]:
    return [doc["doc_id"] for doc in json.loads(invoke(runner, "docs", "--json").stdout)]


def one_error_line(result, pattern: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert re.search(pattern, result.stderr), result.stderr
    assert "Traceback" not in result.output


def test_a_batch_reports_every_input_even_when_one_fails(runner, corpus, tmp_path):
    result = invoke(runner, "add", "--json", corpus["source"], tmp_path / "missing.txt", corpus["distractors"])
    assert result.exit_code == 1
    listed = json.loads(result.stdout)
    assert [(entry["input"], entry["status"]) for entry in listed] == [
        (str(corpus["source"]), "added"),
        (str(tmp_path / "missing.txt"), "failed"),
        (str(corpus["distractors"]), "added"),
        (str(corpus["distractors"]), "added"),
    ]
    assert listed[1]["error"] == f"{tmp_path / 'missing.txt'}: no such file"
    assert result.stderr.splitlines() == [
        f"failed: {tmp_path / 'missing.txt'}: no such file",
        "Error: 1 of 3 inputs failed",
    ]
    assert len(doc_ids(runner)) == 3

    # a trace of a .jsonl of two records fails, and adds neither
    two = tmp_path / "two.jsonl"
    two.write_text("".join(json.dumps({"text": f"Story {n}: " + SHARK_EN[n]}) + "\n" for n in (1, 2)), encoding="utf-8")
    one_error_line(invoke(runner, "trace", two), r"trace takes one document, this source holds 2")
    assert len(doc_ids(runner)) == 3


def test_metadata_given_for_a_stored_document_corrects_it(runner, stored):
    result = invoke(runner, "add", stored["source"], "--date", "2018-09-28", "--site", "UPI")
    assert result.exit_code == 0, result.output
    shark_id = re.match(r"updated (\w+) ", result.stdout).group(1)
    assert result.stdout.strip().endswith(f"{SHARK_TITLE}: published 2018-09-29 -> 2018-09-28")

    suspect = invoke(runner, "add", stored["suspect"])
    suspect_id = ADDED_LINE.match(suspect.stdout.strip()).group(1)
    one_error_line(invoke(runner, "trace", suspect_id, "--date", "notadate"), r"'notadate' is not an ISO date")
    traced = invoke(runner, "trace", suspect_id[:8], "--date", "2018-09-30", "--json")
    assert traced.exit_code == 0, traced.output
    data = json.loads(traced.stdout)
    assert data["suspect"]["published"] == "2018-09-30"
    assert "source published 2018-09-28, before the suspect (2018-09-30)" in data["verdict"]["direction_summary"]

    updated = invoke(runner, "update", shark_id, "--site", "United Press International")
    assert updated.stdout.strip() == f"updated {shark_id}: site UPI -> United Press International"
    assert (
        invoke(runner, "update", shark_id, "--site", "United Press International")
        .stdout.strip()
        .endswith("nothing to do")
    )
    one_error_line(invoke(runner, "update", shark_id), "nothing to update")

    # a document a run uses is kept until the run is deleted
    one_error_line(invoke(runner, "delete", shark_id), rf"document {shark_id} is part of 1 stored run")
    assert invoke(runner, "delete", data["run_id"]).stdout.strip() == f"deleted run {data['run_id']}"
    assert invoke(runner, "delete", shark_id).stdout.strip() == f"deleted document {shark_id}"
    assert shark_id not in doc_ids(runner)


def test_trace_finds_the_direction_and_says_it_in_the_headline(runner, corpus):
    # the Vietnamese translation is stored first; the English original is traced
    invoke(runner, "add", corpus["suspect"], "--date", "2018-09-30", "--site", "VnExpress")
    invoke(runner, "add", corpus["distractors"])
    result = invoke(runner, "trace", corpus["source"], "--date", "2018-09-29", "--title", SHARK_TITLE)
    # the original has no source: the later translation derives from it
    assert result.exit_code == 3, result.output
    # the suspect's URL (its file, for a file) is on its own line under the panel
    headline = re.sub(r"^url \S+ ", "", " ".join(result.stdout.split("╯", 1)[1].split()))
    assert re.match(
        r"no source found among 3 stored documents; Một con cá mập .* \(VnExpress, 2018-09-30, vi\) is a "
        r"translation of this text \(published 2018-09-30, after the suspect \(2018-09-29\): it cannot be its source\)",
        headline,
    )


def test_trace_without_storing_leaves_the_store_as_it_was(runner, stored, db_path):
    before = doc_ids(runner)
    result = invoke(runner, "trace", "--no-store", stored["suspect"])
    assert result.exit_code == 0, result.output
    assert "run not saved (--no-store)" in result.stdout and "provenance show" not in result.stdout
    assert f"translation of {SHARK_TITLE}" in " ".join(result.stdout.split())
    assert doc_ids(runner) == before
    assert json.loads(invoke(runner, "runs", "--json").stdout) == []
    data = json.loads(invoke(runner, "trace", "--no-store", "--json", stored["suspect"]).stdout)
    assert (data["run_id"], data["saved"]) == (None, False)


def test_an_empty_store_says_to_add_the_originals(runner, corpus, db_path):
    one_error_line(invoke(runner, "trace", corpus["suspect"]), r"^Error: the store is empty: add the originals first$")
    assert not db_path.exists()  # and made no store
    invoke(runner, "add", corpus["suspect"])
    one_error_line(invoke(runner, "trace", corpus["suspect"]), r"the store holds only this document: add the originals")


def test_several_suspects_and_a_folder_in_one_trace(runner, stored, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(stored["suspect"], inbox / "a-translation.txt")
    (inbox / "b-unrelated.txt").write_text(UNRELATED_STORY, encoding="utf-8")
    (inbox / "notes.png").write_bytes(b"\x89PNG")  # not a kind ingest reads: left out
    result = invoke(runner, "trace", "--no-store", "--json", inbox, tmp_path / "missing.txt")
    assert result.exit_code == 1
    reports = json.loads(result.stdout)
    assert [report["input"] for report in reports] == [
        str(inbox / "a-translation.txt"), str(inbox / "b-unrelated.txt"), str(tmp_path / "missing.txt"),
    ]  # fmt: skip
    assert reports[0]["trace"]["verdict"]["relation"] == "translation"
    assert reports[1]["trace"]["verdict"]["relation"] == "unrelated"
    assert reports[2]["error"] == f"{str(tmp_path / 'missing.txt')!r} is neither a stored document id nor a file or URL"
    assert result.stderr.splitlines()[-1] == "Error: 1 of 3 inputs failed"

    shown = invoke(runner, "trace", "--no-store", inbox)
    assert shown.stdout.count("suspect 1 of 2") == 1 and "suspect 2 of 2" in shown.stdout


def test_no_source_found_exits_3_and_quiet_says_nothing_else(runner, stored, tmp_path):
    unrelated = tmp_path / "beach.txt"
    unrelated.write_text(UNRELATED_STORY, encoding="utf-8")
    result = invoke(runner, "trace", unrelated, "--quiet", "--html", tmp_path / "beach.html")
    assert result.exit_code == 3, result.output
    assert "no source found" in result.stdout and result.stderr == ""
    assert (tmp_path / "beach.html").exists()
    found = invoke(runner, "trace", stored["suspect"], "--quiet")
    assert found.exit_code == 0 and found.stderr == ""


def test_runs_lists_past_traces_and_docs_filters(runner, stored):
    traced = json.loads(invoke(runner, "trace", stored["suspect"], "--json").stdout)
    invoke(runner, "trace", stored["page"])
    listed = json.loads(invoke(runner, "runs", "--json").stdout)
    assert len(listed) == 2 and listed[1]["run_id"] == traced["run_id"]
    assert listed[1]["relation"] == "translation" and listed[1]["source_title"] == SHARK_TITLE
    only = json.loads(invoke(runner, "runs", "--json", "--relation", "translation").stdout)
    assert [run["run_id"] for run in only] == [traced["run_id"]]
    table = invoke(runner, "runs").stdout
    assert traced["run_id"] in table and "no source found" in table and "run date" in table
    # issue 20, item 16: a limited list says of how many, every relation the judge gives is a filter
    assert "the last 1 of 2 runs (--limit 0 for all)" in invoke(runner, "runs", "-n", "1").stdout
    for relation in ("translation", "copy", "rewrite", "partial", "undecided", "unrelated"):
        assert invoke(runner, "runs", "--relation", relation).exit_code == 0, relation
    assert invoke(runner, "runs", "--relation", "undecided").stdout.startswith("no stored run matches")
    assert json.loads(invoke(runner, "runs", "--relation", "undecided", "--json").stdout) == []
    assert "the date shown is the run's" in " ".join(invoke(runner, "runs", "--help").stdout.lower().split())

    assert [doc["site"] for doc in json.loads(invoke(runner, "docs", "--json", "--site", "guard").stdout)] == [
        "The Guardian"
    ]
    found = json.loads(invoke(runner, "docs", "--json", "--search", "lobster SHARK").stdout)
    assert [doc["title"] for doc in found] == [SHARK_TITLE]
    assert len(json.loads(invoke(runner, "docs", "--json", "--since", "2018-09-30").stdout)) == 2
    one_error_line(invoke(runner, "docs", "--since", "last week"), "not an ISO date")
    # a search that finds nothing says so, not that nothing is stored
    nothing = invoke(runner, "docs", "-s", "nomatch")
    assert nothing.exit_code == 0 and nothing.stdout.startswith("no stored document matches")
    assert "the last added first" in " ".join(invoke(runner, "docs", "--help").stdout.split())


def test_store_options_after_the_command_and_no_store_made_by_reading(runner, corpus, tmp_path, db_path):
    other = tmp_path / "other.duckdb"
    result = invoke(runner, "add", corpus["source"], "--db", other)
    assert result.exit_code == 0 and other.exists() and not db_path.exists()
    assert len(json.loads(invoke(runner, "docs", "--json", "--db", other).stdout)) == 1
    assert len(json.loads(invoke(runner, "--db", other, "docs", "--json").stdout)) == 1
    typo = tmp_path / "othre.duckdb"
    for args in (["docs", "--db", typo], ["show", "abcd1234", "--db", typo], ["runs", "--db", typo]):
        one_error_line(invoke(runner, *args), rf"no store at {re.escape(str(typo))}: add documents first")
    # a failed command leaves no store file behind
    one_error_line(invoke(runner, "add", tmp_path / "missing.txt", "--db", typo), "no such file")
    assert not typo.exists() and sorted(p.name for p in tmp_path.iterdir() if "duckdb" in p.name) == ["other.duckdb"]
    blocked = tmp_path / "a-file"
    blocked.write_text("x", encoding="utf-8")
    one_error_line(
        invoke(runner, "add", corpus["source"], "--db", blocked / "sub" / "s.duckdb"), "cannot create the folder"
    )


def test_an_id_prefix_is_found_or_named_as_ambiguous_or_too_short(runner, tmp_path):
    from provenance.ingest import content_id

    by_prefix = {}
    for number in range(5000):
        text = f"Story number {number} says that the harbour wall will be repaired this spring."
        twin = by_prefix.setdefault(content_id(text)[:4], text)
        if twin != text:
            break
    records = tmp_path / "twins.jsonl"
    records.write_text(json.dumps({"text": twin}) + "\n" + json.dumps({"text": text}) + "\n", encoding="utf-8")
    invoke(runner, "add", records)
    prefix = content_id(text)[:4]
    one_error_line(invoke(runner, "trace", prefix), rf"document id '{prefix}' is ambiguous .*give more characters")
    one_error_line(invoke(runner, "trace", prefix[:3]), rf"prefix '{prefix[:3]}' is too short: give at least 4")


def test_html_that_cannot_be_written_loses_nothing(runner, stored, tmp_path):
    before = doc_ids(runner)
    # a path that cannot be written is refused before the trace, which stores nothing
    one_error_line(invoke(runner, "trace", stored["suspect"], "--html", tmp_path / "no" / "r.html"), "no folder")
    assert doc_ids(runner) == before
    # a write that fails after the trace: the report is shown, the run id given, no empty file
    result = invoke(runner, "trace", stored["suspect"], "--html", "/dev/full")
    assert result.exit_code == 1
    run_id = re.search(r"provenance show (\w+)", result.stdout).group(1)
    assert f"translation of {SHARK_TITLE}" in " ".join(result.stdout.split())
    assert result.stderr.strip() == (
        f"Error: cannot write /dev/full: No space left on device; the run is saved: provenance show {run_id} --html FILE"
    )
    assert invoke(runner, "show", run_id).exit_code == 0


def test_a_stray_byte_is_read_around_and_reported(runner, tmp_path):
    path = tmp_path / "b.txt"
    path.write_bytes(
        "Le conseil a voté mardi une aide aux familles … les zones protégées seront élargies.\n".encode()
        + b"Une phrase avec un mot en latin-1 : caf\xe9.\n"
    )
    result = invoke(runner, "add", path)
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == f"Warning: {path}: 1 byte sequence not valid UTF-8 replaced with \ufffd"
    [doc] = json.loads(invoke(runner, "docs", "--json").stdout)
    assert doc["lang"] == "fr"
    one_error_line(invoke(runner, "add", _pdf(tmp_path)), r"is a PDF, which is not supported")


def _pdf(folder):
    path = folder / "report.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    return path


def test_shell_completion_script(runner):
    result = runner.invoke(cli, [], prog_name="provenance", env={"_PROVENANCE_COMPLETE": "bash_source"})
    assert result.exit_code == 0 and "_provenance_completion" in result.output


@contextmanager
def read_only(folder: Path):
    """The folder (or file) made read-only, even to root (chattr +i), for the length of the block."""
    if os.geteuid() == 0:
        made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
        if made.returncode != 0:
            pytest.skip(f"cannot make a folder read-only as root on this file system: {made.stderr.strip()}")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        mode = folder.stat().st_mode
        folder.chmod(0o555 if folder.is_dir() else 0o444)
        try:
            yield
        finally:
            folder.chmod(mode)


def test_a_store_in_a_read_only_folder_is_one_error(runner, corpus, tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    store = folder / "store.duckdb"
    invoke(runner, "add", corpus["source"], "--db", store)
    invoke(runner, "add", corpus["distractors"], "--db", store)
    with read_only(folder):
        assert len(json.loads(invoke(runner, "docs", "--json", "--db", store).stdout)) == 3  # reading works
        one_error_line(
            invoke(runner, "add", corpus["page"], "--db", store), rf"cannot write to {re.escape(str(store))}: "
        )
        one_error_line(
            invoke(runner, "trace", corpus["suspect"], "--db", store), r"cannot write to .*nothing was half-written"
        )
    assert len(json.loads(invoke(runner, "docs", "--json", "--db", store).stdout)) == 3


def test_a_read_only_store_file_is_read_by_the_commands_that_only_read(runner, stored, db_path):
    """A store file the user may not write (an archive shared read-only): docs, runs and
    show open it read-only and work; a command that writes says the file is read-only."""
    result = invoke(runner, "trace", stored["suspect"], "--date", "2018-09-30")
    run_id = re.search(r"provenance show (\w+)", result.stdout).group(1)
    with read_only(db_path):
        assert len(json.loads(invoke(runner, "docs", "--json").stdout)) == 5  # the corpus and the kept suspect
        assert [run["run_id"] for run in json.loads(invoke(runner, "runs", "--json").stdout)] == [run_id]
        assert json.loads(invoke(runner, "show", run_id, "--json").stdout)["run_id"] == run_id
        one_error_line(
            invoke(runner, "add", stored["page"]), rf"{re.escape(str(db_path))} is read-only and this command writes"
        )
    assert not db_path.with_name(db_path.name + ".wal").exists()


def test_a_damaged_store_is_one_error_on_every_command(runner, stored, db_path):
    data = db_path.read_bytes()
    db_path.write_bytes(data[: len(data) // 10])
    for args in (["docs"], ["runs"], ["show", "abcd1234"], ["add", stored["suspect"]], ["trace", stored["suspect"]]):
        one_error_line(invoke(runner, *args), r"is damaged \(.*\); restore a copy, or start a new store with --db")


# The CLI in a child process whose files may not grow past 64 kB: a full disk, to the
# store (writes fail with EFBIG where a full disk gives ENOSPC)
def _with_a_full_disk():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64_000, resource.RLIM_INFINITY))


def test_a_full_disk_during_add_is_one_error_and_the_store_stays_whole(runner, stored, db_path, tmp_path):
    before = doc_ids(runner)
    long_story = tmp_path / "long.txt"
    # 250 passages: their vectors alone (388 bytes each) are more than the 64 kB the file may grow
    long_story.write_text(
        "\n\n".join(f"Paragraph {n} of a long report on the harbour." for n in range(250)), encoding="utf-8"
    )
    repo = Path(__file__).resolve().parents[1]
    finished = subprocess.run(
        [sys.executable, "-c", "from provenance.cli import cli; cli()", "add", str(long_story), "--db", str(db_path)],
        capture_output=True, text=True, timeout=300, cwd=repo, preexec_fn=_with_a_full_disk,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )  # fmt: skip
    assert finished.returncode == 1, finished.stderr
    assert re.fullmatch(r"Error: cannot write to .*File too large; nothing was half-written\n", finished.stderr)
    assert doc_ids(runner) == before
