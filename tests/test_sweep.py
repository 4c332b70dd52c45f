"""The sweep: every related pair of a small real corpus, found and judged on one
machine and by the Spark job on local[2], with the same pairs and relations.

The corpus is real NTREX-128 text (tests/data/ntrex_sample.jsonl, CC BY-SA 4.0): one
English story with its German and French translations, a second English story with
its Russian translation, and a third English story on its own; plus bad records (an
empty text, a binary one, a broken JSON line) and a WARC file holding one good page
(tests/data/article_en.html) and then a broken record. The real default model and
real DuckDB files throughout.
"""

import json
import os
from io import BytesIO
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import bench_path

from provenance.cli import cli
from provenance.models import RawDocument
from provenance.sweep import BadRecord, read_corpus

DATA = Path(__file__).parent / "data"
DATES = {
    ("bbc.381790", "en"): "2024-05-01",
    ("bbc.381790", "de"): "2024-05-02",
    ("bbc.381790", "fr"): "2024-05-03",
    ("rt.com.91337", "en"): "2024-05-01",
    ("rt.com.91337", "ru"): "2024-05-04",
    ("nytimes.184853", "en"): "2024-05-02",
}
RELATED = {  # pairs of (story, language) that are translations of each other
    frozenset({("bbc.381790", "en"), ("bbc.381790", "de")}),
    frozenset({("bbc.381790", "en"), ("bbc.381790", "fr")}),
    frozenset({("bbc.381790", "de"), ("bbc.381790", "fr")}),
    frozenset({("rt.com.91337", "en"), ("rt.com.91337", "ru")}),
}
BAD_JSONL = ['{"text": ""}', json.dumps({"text": "\u0000\u0001\u0002binary\u0003" * 20}), "{broken"]


def _url(key) -> str:
    return f"https://example.org/{key[0]}/{key[1]}"


def _records() -> list[dict]:
    records = []
    for line in (DATA / "ntrex_sample.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        key = (row["doc_id"], row["lang"])
        if key in DATES:
            records.append(
                {"text": " ".join(row["sentences"]), "lang": row["lang"], "date": DATES[key], "url": _url(key)}
            )
    return records


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    """The corpus as a JSONL file with bad lines, and a WARC file with a broken record."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    folder = tmp_path_factory.mktemp("corpus")
    jsonl = folder / "corpus.jsonl"
    jsonl.write_text(
        "\n".join([json.dumps(r, ensure_ascii=False) for r in _records()] + BAD_JSONL) + "\n", encoding="utf-8"
    )
    warc = folder / "crawl.warc"
    with warc.open("wb") as out:
        writer = WARCWriter(out, gzip=False)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        page = (DATA / "article_en.html").read_bytes()
        writer.write_record(
            writer.create_warc_record(
                "https://example.org/page", "response", payload=BytesIO(page), http_headers=headers
            )
        )
        out.write(b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99999\r\n\r\n<html>cut short")
    return {"jsonl": jsonl, "warc": warc}


def _related(db: Path) -> dict[frozenset, str]:
    """The related pairs the store's judged_pairs table holds, by (story, language)."""
    with duckdb.connect(str(db), read_only=True) as con:
        keys = {doc_id: url for doc_id, url in con.execute("SELECT doc_id, url FROM documents").fetchall()}
        rows = con.execute(
            "SELECT suspect_id, source_id, relation FROM judged_pairs "
            "WHERE relation IN ('translation', 'copy', 'rewrite', 'partial')"
        ).fetchall()
    by_url = {_url(key): key for key in DATES}
    return {
        frozenset({by_url.get(keys[a], keys[a]), by_url.get(keys[b], keys[b])}): relation for a, b, relation in rows
    }


@pytest.fixture(scope="module")
def swept(corpus, tmp_path_factory):
    """The single-machine sweep through the CLI: its JSON output and its store."""
    db = tmp_path_factory.mktemp("single") / "single.duckdb"
    result = CliRunner().invoke(
        cli, ["--db", str(db), "sweep", str(corpus["jsonl"]), str(corpus["warc"]), "--json", "-q"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), db


def test_sweep_finds_the_translations_and_lists_bad_records(swept, corpus):
    report, db = swept
    assert _related(db) == dict.fromkeys(RELATED, "translation")
    assert report["related"] == 4 and len(report["related_pairs"]) == 4
    assert report["documents"] == 7  # six NTREX articles and the WARC's page
    reasons = {record["origin"]: record["reason"] for record in report["bad_records"]}
    jsonl = str(corpus["jsonl"])
    assert reasons[f"{jsonl}:7"] == "empty text"
    assert reasons[f"{jsonl}:8"] == "binary content, not text"
    assert reasons[f"{jsonl}:9"].startswith("not valid JSON")
    broken = [origin for origin, reason in reasons.items() if origin.startswith(str(corpus["warc"]))]
    assert len(broken) == 1 and "it is truncated" in reasons[broken[0]]
    assert len(reasons) == len(report["bad_records"]) == 4
    with duckdb.connect(str(db), read_only=True) as con:
        engine, figures, bad = con.execute(
            "SELECT engine, figures, bad_records FROM sweeps WHERE sweep_id = ?", [report["sweep_id"]]
        ).fetchone()
    assert engine == "one machine" and json.loads(figures)["related"] == 4
    assert sorted(map(tuple, json.loads(bad))) == sorted(reasons.items())


def test_lineage_reads_the_sweep(swept, db_path):
    _, db = swept
    pairs = "SELECT suspect_id, source_id, relation, judged_at FROM judged_pairs"
    with duckdb.connect(str(db), read_only=True) as con:
        english = con.execute("SELECT doc_id FROM documents WHERE url = ?", [_url(("bbc.381790", "en"))]).fetchone()[0]
        page = con.execute("SELECT doc_id FROM documents WHERE url = 'https://example.org/page'").fetchone()[0]
        before = set(con.execute(pairs).fetchall())
    db_path.write_bytes(db.read_bytes())
    result = CliRunner().invoke(cli, ["lineage", english, "--json", "-q"])
    assert result.exit_code == 0, result.output
    story = json.loads(result.stdout)
    urls = {node["url"] for node in story["nodes"]}
    assert {_url(("bbc.381790", lang)) for lang in ("en", "de", "fr")} <= urls
    assert _url(("rt.com.91337", "en")) not in urls
    with duckdb.connect(str(db_path), read_only=True) as con:
        after = set(con.execute(pairs).fetchall())
    # every pair the sweep read is kept as it was; lineage judged only pairs with the
    # WARC's page, published in 2023: outside the sweep's 30-day window of the story
    assert before <= after
    assert all(page in row[:2] for row in after - before)


def test_parquet_corpus_reads_as_jsonl_does(corpus, tmp_path):
    records = _records() + [{"text": "", "lang": None, "date": None, "url": None}]
    table = pa.Table.from_pylist(records)
    path = tmp_path / "corpus.parquet"
    pq.write_table(table, path)
    from_parquet = list(read_corpus([path]))
    from_jsonl = [r for r in read_corpus([corpus["jsonl"]]) if isinstance(r, RawDocument)]
    assert [(r.text, r.lang, r.published, r.url) for r in from_parquet[:-1]] == [
        (r.text, r.lang, r.published, r.url) for r in from_jsonl
    ]
    assert from_parquet[-1] == BadRecord(f"{path}#{len(records)}", "empty text")


def test_bad_input_is_one_error_line(tmp_path):
    runner = CliRunner()
    notes = tmp_path / "notes.txt"
    notes.write_text("some text", encoding="utf-8")
    for args, message in (
        (["sweep", str(tmp_path / "missing.jsonl")], "no such file"),
        (["sweep", str(notes)], ".jsonl, .jsonl.gz, .parquet, .warc or .warc.gz"),
        (["import-sweep", str(tmp_path)], "not the output of a Spark sweep"),
        (["sweep", "--since", "May"], "not an ISO date"),
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output, result.output


def test_spark_job_refuses_bad_paths_before_starting(tmp_path, capsys):
    from provenance.spark_sweep import main

    assert main(["--master", "local[2]", "--out", str(tmp_path / "out"), str(tmp_path / "missing.jsonl")]) == 1
    assert capsys.readouterr().err.strip() == f"Error: {tmp_path / 'missing.jsonl'}: no such file"
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="session")
def spark():
    """One local[2] session for every Spark test: starting one costs seconds."""
    pytest.importorskip("pyspark", reason="the Spark tests need the extra: pip install 'provenance[spark]'")
    from provenance.spark_sweep import spark_session

    session = spark_session("local[2]", app="provenance-tests")
    yield session
    session.stop()


def test_spark_job_finds_the_same_pairs_as_one_machine(spark, swept, corpus, tmp_path):
    from provenance.spark_sweep import run

    report, single_db = swept
    out = tmp_path / "out"
    manifest = run(spark, [str(corpus["jsonl"]), str(corpus["warc"])], str(out))
    assert manifest["master"] == "local[2]" and manifest["documents"] == 7 and manifest["bad_records"] == 4
    assert manifest["pairs"] == report["pairs"]
    db = tmp_path / "spark.duckdb"
    result = CliRunner().invoke(cli, ["--db", str(db), "import-sweep", str(out), "--json", "-q"])
    assert result.exit_code == 0, result.output
    imported = json.loads(result.stdout)
    assert _related(db) == _related(single_db)
    assert [(p["suspect"], p["source"], p["relation"]) for p in imported["related_pairs"]] == sorted(
        (p["suspect"], p["source"], p["relation"]) for p in report["related_pairs"]
    )
    jsonl_bad = {
        (r["origin"], r["reason"]) for r in imported["bad_records"] if r["origin"].startswith(str(corpus["jsonl"]))
    }
    assert jsonl_bad == {
        (r["origin"], r["reason"]) for r in report["bad_records"] if r["origin"].startswith(str(corpus["jsonl"]))
    }
    assert sum("it is truncated" in r["reason"] for r in imported["bad_records"]) == 1


def test_benchmark_corpus_has_known_families():
    bench_path("ntrex", "ntrex.eng.jsonl")
    bench_path("closa", "bbc.en-distractors.jsonl.gz")
    from benchmarks.sweep_corpus import build

    corpus = build(families=4, distractors=3, seed=0)
    assert len(corpus.docs) == 4 * 4 + 3 and len(corpus.expected) == 4 * 6
    assert build(families=4, distractors=3, seed=0) == corpus  # the same seed, the same corpus
    by_key = {doc.key: doc for doc in corpus.docs}
    for pair, relations in corpus.expected.items():
        a, b = sorted(pair)
        assert corpus.family[a] == corpus.family[b] and relations
        original = by_key[f"{corpus.family[a]}/en"]
        assert all(by_key[key].published >= original.published for key in pair)
    distractors = [doc for doc in corpus.docs if doc.key not in corpus.family]
    assert len(distractors) == 3 and all(doc.text and doc.published for doc in distractors)


def test_a_python_worker_that_dies_once_is_retried_and_twice_skipped(spark, tmp_path):
    """The CI gate on a loaded machine: a Spark Python worker that dies ("Python worker
    exited unexpectedly") costs one more try, and a second death skips the Spark figures
    with the reason instead of failing the gate; an error of the job itself still fails."""
    from benchmarks.sweep import worker_death_retried

    marker = str(tmp_path / "died")

    def dies_while(condition):
        def partition(rows):
            if condition():
                open(marker, "a").close()
                os._exit(1)  # what the kernel's OOM killer does to a worker
            yield from rows

        return lambda: {"rows": spark.sparkContext.parallelize([1, 2], 1).mapPartitions(partition).collect()}

    once = dies_while(lambda: not os.path.exists(marker))
    assert worker_death_retried(once, "once") == ({"rows": [1, 2]}, None)
    run, reason = worker_death_retried(dies_while(lambda: True), "always")
    assert run is None and reason.startswith("always: a Python worker died twice (") and "exited unexpectedly" in reason

    def job_error():
        raise ValueError("a bug in the sweep")

    with pytest.raises(ValueError):
        worker_death_retried(job_error, "bug")


def test_time_is_shown_not_gated():
    """A quick run that took 457 s on a loaded machine, with slow traces, passes the gate
    when every quality figure is in bounds; a quality figure past its bound still fails."""
    from benchmarks.gates import GATES, bound, check_gates

    slow = {"all.seconds": 457.0, "speed.trace_p95_s.1k": 3.0, "speed.embed_overhead": 0.9}
    assert check_gates(slow) == []
    assert "not gated" in bound(GATES["all.seconds"])
    assert check_gates({**slow, "judge.macro_f1": 0.5}) == ["judge.macro_f1 = 0.500 < floor 0.77"]


def test_importing_a_sweep_of_an_empty_corpus_is_one_clear_error(spark, tmp_path, db_path):
    """A Spark sweep of an empty corpus writes a manifest with no documents, no model
    and no dimension: importing it says so in one line and leaves no store behind."""
    from provenance.spark_sweep import run

    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    out = tmp_path / "out"
    assert run(spark, [str(empty)], str(out))["documents"] == 0
    result = CliRunner().invoke(cli, ["import-sweep", str(out)])
    assert result.exit_code == 1, result.output
    assert (
        result.stderr
        == f"Error: {out}: the Spark sweep read no documents (0 bad records): nothing to import; check the corpus files it was given\n"
    )
    assert not db_path.exists()
