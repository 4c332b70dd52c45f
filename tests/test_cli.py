"""The CLI end to end: the real default model, a real DuckDB file (the autouse
`db_path` fixture), then the store read back with plain SQL.

The English story and its Vietnamese translation are from NTREX-128 (document
upi.176266, sentences 1-3 and 8-10; CC BY-SA 4.0, Federmann et al. 2022), a human
translation from English; the distractors are the openings of three other NTREX
stories.
"""

import io
import json
import re
import shutil

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
ADDED_LINE = re.compile(r"^added (\S+) (\S+) (.+) \((\d+) passages\)$")


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def corpus(tmp_path):
    """The source story as .txt, the distractors as .jsonl and .html, the suspect as .txt."""
    source = tmp_path / "shark.en.txt"
    source.write_text("\n\n".join(SHARK_EN), encoding="utf-8")
    distractors = tmp_path / "distractors.jsonl"
    distractors.write_text("".join(json.dumps(doc) + "\n" for doc in DISTRACTORS), encoding="utf-8")
    page = tmp_path / "macedonia.html"
    page.write_text(MACEDONIA_HTML, encoding="utf-8")
    suspect = tmp_path / "shark.vi.txt"
    suspect.write_text("\n\n".join(SHARK_VI), encoding="utf-8")
    return {"source": source, "distractors": distractors, "page": page, "suspect": suspect}


def invoke(runner, *args, input=None):
    result = runner.invoke(cli, [str(arg) for arg in args], input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def add_corpus(runner, corpus):
    result = invoke(
        runner, "add", corpus["source"], "--title", SHARK_TITLE, "--site", "UPI", "--date", "2018-09-29",
        "--url", "https://www.upi.com/shark",
    )
    assert result.exit_code == 0, result.output
    result = invoke(runner, "add", corpus["distractors"], corpus["page"])
    assert result.exit_code == 0, result.output


def test_add_every_kind_of_source_then_again(runner, corpus):
    result = invoke(
        runner, "add", corpus["source"], "--title", SHARK_TITLE, "--site", "UPI", "--date", "2018-09-29"
    )
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

    result = invoke(runner, "docs", "--json")
    listed = json.loads(result.stdout)
    assert len(listed) == 5
    shark_doc = next(doc for doc in listed if doc["doc_id"] == shark_id)
    assert shark_doc["site"] == "UPI" and str(shark_doc["published"]).startswith("2018-09-29")
    by_title = {doc["title"]: doc for doc in listed}
    assert str(by_title[DISTRACTORS[1]["title"]]["published"]).startswith("2018-09-30")  # from the .jsonl

    result = invoke(runner, "add", corpus["page"], "--json")
    assert json.loads(result.stdout)[0]["new"] is False


def test_trace_translation_then_show_and_read_the_store(runner, corpus, db_path, tmp_path):
    add_corpus(runner, corpus)
    result = invoke(runner, "trace", corpus["suspect"], "--date", "2018-09-30")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert re.search(rf"translation of {re.escape(SHARK_TITLE)} \(UPI, 2018-09-29, en\): \d+ of \d+ passages aligned", out), out
    assert f"{SHARK_TITLE} came first" in out
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
    assert f"translation of {SHARK_TITLE}" in shown.stdout
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Beacon’s" in page and run_id in page and "<script" not in page

    shown_json = invoke(runner, "show", run_id[:8], "--json")
    data = json.loads(shown_json.stdout)
    assert data["run_id"] == run_id
    assert data["verdict"]["relation"] == "translation"
    assert data["suspect"]["lang"] == "vi"
    assert data["matches"][0]["links"][0]["source_text"] == SHARK_EN[0]

    # tracing the same suspect again reuses its stored passages and vectors
    traced_json = invoke(runner, "trace", corpus["suspect"], "--json", "--top-k", "2")
    assert traced_json.exit_code == 0, traced_json.output
    data = json.loads(traced_json.stdout)  # stdout holds the JSON alone
    assert data["run_id"] != run_id
    assert data["params"]["top_k"] == 2 and len(data["matches"]) <= 2
    assert data["verdict"]["summary"].startswith(f"translation of {SHARK_TITLE}")
    assert "aligning candidates" in traced_json.stderr  # the progress bar went to stderr


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
    listed = runner.invoke(cli, ["docs", "--json"])
    assert json.loads(listed.stdout) == []


def test_help_has_examples(runner):
    for command in ("add", "trace", "show", "docs", "demo"):
        result = runner.invoke(cli, [command, "--help"])
        assert result.exit_code == 0 and "Examples:" in result.output, command
    assert "--json" in runner.invoke(cli, ["trace", "--help"]).output


def test_demo_shows_four_verdicts(runner, demo_store, db_path):
    from provenance.demo import read_manifest

    expected = [suspect.expected for suspect in read_manifest()]
    assert len(expected) == 4
    shutil.copyfile(demo_store[0], db_path)  # the demo's documents already embedded: the CLI only traces
    result = invoke(runner, "demo")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("demo: ") == 4  # one report per case
    summary = result.stdout.split("demo summary")[1]
    assert "4 of 4 demo cases as expected" in summary, result.stdout
    for relation in expected:
        assert relation in summary
