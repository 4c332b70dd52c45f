"""The demo corpus: provenance/demo_data is exactly what scripts/make_demo.py builds, its
manifest tells the truth about each suspect, every input reads through the
public ingest path, and run_demo judges its cases the way the manifest says."""

import importlib.util
import json
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import BENCH_DIR

from provenance.demo import DEMO_DIR, read_manifest
from provenance.errors import InputError
from provenance.ingest import read_source
from provenance.models import (
    BOILERPLATE,
    RELATIONS,
    REWRITE,
    UNRELATED,
    Candidate,
    DemoCase,
    Document,
    Evidence,
    Match,
    TraceResult,
)

REPO = Path(__file__).resolve().parent.parent
NTREX_DIR = BENCH_DIR / "ntrex"
MANIFEST = json.loads((DEMO_DIR / "manifest.json").read_text(encoding="utf-8"))
STORE = [json.loads(line) for line in (DEMO_DIR / "store.jsonl").read_text(encoding="utf-8").splitlines()]
SUSPECTS = {entry["name"]: entry for entry in MANIFEST["suspects"]}
ORIGINAL = STORE[0]


def load_script():
    spec = importlib.util.spec_from_file_location("make_demo", REPO / "scripts" / "make_demo.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


needs_ntrex = pytest.mark.skipif(not NTREX_DIR.is_dir(), reason=f"NTREX-128 is not at {NTREX_DIR}")


@needs_ntrex
def test_data_demo_is_what_the_script_builds(tmp_path):
    load_script().build_demo(NTREX_DIR, tmp_path)
    built = files_under(tmp_path)
    shipped = files_under(DEMO_DIR)
    assert shipped.pop("SOURCE.md")  # written by hand, the one file the script does not make
    assert sorted(built) == sorted(shipped)
    for name, content in built.items():
        assert content == shipped[name], f"provenance/demo_data/{name} differs from what scripts/make_demo.py builds"


def test_demo_is_small():
    assert sum(len(content) for content in files_under(DEMO_DIR).values()) < 300_000


def test_store_holds_the_original_its_translations_and_distractors():
    for record in STORE:
        assert set(record) == {"text", "title", "url", "site", "date", "lang"}
        assert all(isinstance(value, str) and value.strip() for value in record.values())
        assert re.fullmatch(r"https://www\.[a-z0-9-]+\.invalid/2024/\d\d/\d\d/[a-z0-9-]+", record["url"])
        assert record["url"].split("/")[3:6] == record["date"].split("-")
    assert len({record["url"] for record in STORE}) == len(STORE)
    assert len({record["text"] for record in STORE}) == len(STORE)

    assert ORIGINAL["url"] == MANIFEST["original"]["url"]
    assert (ORIGINAL["lang"], ORIGINAL["date"], ORIGINAL["site"]) == ("en", "2024-09-11", "World News")
    assert ORIGINAL["text"].count("\n\n") == len(MANIFEST["original"]["paragraphs"]) - 1
    translations = STORE[1:3]
    assert [t["url"] for t in translations] == MANIFEST["translations_in_store"]
    assert {t["lang"] for t in translations} == {"de", "fr"}
    assert {t["date"] for t in translations} == {"2024-09-12"}
    assert all(t["site"] != ORIGINAL["site"] for t in translations)

    distractors = STORE[3:]
    assert len(distractors) >= 30
    assert len({d["lang"] for d in distractors}) >= 4
    assert all("2024-08-01" <= d["date"] <= "2024-09-30" for d in distractors)
    ids = [d["ntrex"]["doc_id"] for d in MANIFEST["distractors"]]
    assert len(set(ids)) == len(ids) == len(distractors)
    suspect_stories = {MANIFEST["original"]["ntrex"]["doc_id"], SUSPECTS["03-en-spliced"]["ntrex"]["doc_id"]}
    suspect_stories.add(SUSPECTS["04-unrelated"]["ntrex"]["doc_id"])
    assert not suspect_stories & set(ids)
    assert sum(d["same_topic"] for d in MANIFEST["distractors"]) >= 3


def test_manifest_lists_the_four_suspects_in_order():
    suspects = read_manifest(DEMO_DIR)
    assert [s.name for s in suspects] == ["01-vi-translation", "02-vi-rewrite", "03-en-spliced", "04-unrelated"]
    assert [s.path.name[:2] for s in suspects] == ["01", "02", "03", "04"]
    assert {s.path.suffix for s in suspects} == {".html", ".txt"}
    assert [s.expected for s in suspects] == ["translation", "rewrite", "partial", "unrelated"]
    assert all(s.expected in RELATIONS and s.path.is_file() for s in suspects)
    # the rewrite's nearest source is the Vietnamese translation it rewrites: suspect 01,
    # stored when the demo traces it
    assert [s.expected_source for s in suspects[::2]] == [ORIGINAL["url"]] * 2
    assert urlsplit(suspects[1].expected_source).hostname == "www.tin-the-gioi.invalid"
    assert suspects[3].expected_source is None
    for suspect in suspects:
        assert set(suspect.overrides) <= {"url", "title", "date", "lang", "site", "author"}
        if "url" in suspect.overrides:
            assert urlsplit(suspect.overrides["url"]).hostname.endswith(".invalid")


def test_rewrite_drops_about_30_percent_and_accounts_for_every_sentence():
    rewrite = SUSPECTS["02-vi-rewrite"]
    count = MANIFEST["original"]["sentences"]
    dropped = rewrite["dropped_sentences"]
    assert 0.25 <= len(dropped) / count <= 0.35
    rendered = [i for sources in rewrite["sentence_sources"] for i in sources]
    assert sorted(rendered + dropped) == list(range(count))  # every sentence kept once or dropped
    assert rendered != sorted(rendered)  # paragraphs were moved
    for first, second in rewrite["merged_sentences"]:
        assert second == first + 1 and [first, second] in rewrite["sentence_sources"]

    text = (DEMO_DIR / rewrite["file"]).read_text(encoding="utf-8")
    blocks = text.strip().split("\n\n")
    for line in rewrite["boilerplate_lines"]:
        assert line in blocks  # each added line is its own paragraph
    assert blocks[-1] == f"Nguồn: {ORIGINAL['url']}"
    assert "(Theo World News)" in text and "Ảnh: AFP" in text and "Bình luận (0)" in text
    assert sum(sources == [] for sources in rewrite["sentence_sources"]) == len(rewrite["boilerplate_lines"])


@needs_ntrex
def test_splice_pastes_about_40_percent_of_the_original_into_the_host():
    splice = SUSPECTS["03-en-spliced"]
    make_demo = load_script()
    english = make_demo.load_ntrex(NTREX_DIR, "eng")
    original = english[MANIFEST["original"]["ntrex"]["doc_id"]][1:]
    host = english[splice["ntrex"]["doc_id"]][1:]
    spliced = splice["spliced_sentences"]
    assert 0.35 <= len(spliced) / len(original) <= 0.45

    text = (DEMO_DIR / splice["file"]).read_text(encoding="utf-8")
    origins = splice["sentence_origins"]
    assert splice["host_sentences"] == [n for n, (origin, _) in enumerate(origins) if origin == "host"]
    assert [i for origin, i in origins if origin == "original"] == spliced  # pasted in their original order
    assert sorted(i for origin, i in origins if origin == "host") == list(range(len(host)))
    suspect_sentences = [(original if origin == "original" else host)[i] for origin, i in origins]
    assert " ".join(" ".join(suspect_sentences).split()) == " ".join(text.split())  # exactly these, in order
    for i in spliced:
        assert original[i] in ORIGINAL["text"]
    for sentence in host:  # the host story is nowhere in the store
        assert not any(sentence in record["text"] for record in STORE)


def test_spliced_runs_are_one_to_three_consecutive_sentences():
    spliced = SUSPECTS["03-en-spliced"]["spliced_sentences"]
    runs: list[list[int]] = []
    for i in spliced:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    assert all(1 <= len(run) <= 3 for run in runs)
    assert len(runs) >= 3


def test_suspects_read_through_the_public_ingest_path():
    suspects = {s.name: s for s in read_manifest(DEMO_DIR)}
    [page] = read_source(str(suspects["01-vi-translation"].path))
    assert page.title.startswith("Hàng trăm người thiệt mạng")
    assert page.published == "2024-09-12"
    assert page.author == "Lan Anh"
    assert page.url.startswith("https://www.tin-the-gioi.invalid/")
    assert "Trang chủ" not in page.text and "©" not in page.text  # navigation and footer left out
    assert not page.text.startswith(page.title)  # the headline is the title, not the first paragraph
    paragraphs = [p for p in re.split(r"\n\s*\n", page.text) if p.strip()]
    assert len(paragraphs) == len(MANIFEST["original"]["paragraphs"])

    for name in ("02-vi-rewrite", "03-en-spliced", "04-unrelated"):
        suspect = suspects[name]
        [raw] = read_source(str(suspect.path), **suspect.overrides)
        assert raw.published == suspect.overrides["date"]
        assert raw.url == suspect.overrides["url"]
        assert raw.title == suspect.overrides["title"]
        written = suspect.path.read_text(encoding="utf-8")
        assert raw.text.count("\n\n") == written.strip().count("\n\n")  # paragraphs kept

    records = read_source(str(DEMO_DIR / "store.jsonl"))
    # ingest may normalise spacing (French titles hold no-break spaces), nothing else
    assert [(r.url, r.published, r.lang, r.title.split(), r.site) for r in records] == [
        (s["url"], s["date"], s["lang"], s["title"].split(), s["site"]) for s in STORE
    ]


def test_missing_or_broken_demo_data_is_a_clear_input_error(tmp_path):
    with pytest.raises(InputError, match="--data"):
        read_manifest(tmp_path / "nowhere")
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not a demo manifest"):
        read_manifest(tmp_path)
    entry = {"name": "x", "file": "x.txt", "expected_relation": "plagiarism", "expected_source": None}
    (tmp_path / "x.txt").write_text("Some text.", encoding="utf-8")
    (tmp_path / "manifest.json").write_text(json.dumps({"suspects": [entry]}), encoding="utf-8")
    with pytest.raises(InputError, match="plagiarism"):
        read_manifest(tmp_path)
    entry.update(expected_relation="unrelated", file="missing.txt")
    (tmp_path / "manifest.json").write_text(json.dumps({"suspects": [entry]}), encoding="utf-8")
    with pytest.raises(InputError, match="missing"):
        read_manifest(tmp_path)


def judged(relation: str | None, source_url: str | None) -> TraceResult:
    """A TraceResult whose verdict has the given relation and source url (None: no match at all)."""
    suspect = Document(doc_id="s", text="Suspect.", lang="vi")
    matches = []
    if relation:
        source = Document(doc_id="o", text="Original.", lang="en", url=source_url)
        evidence = Evidence(1.0, 1.0, 1.0, 1.0, False, 0.0)
        candidate = Candidate(doc_id="o", score=1.0, passage_score=1.0, doc_score=1.0)
        role = "" if relation == UNRELATED else "source"  # as judge.place sets it
        matches.append(Match(source, candidate, relation, 0.9, "source_first", [], evidence, [], "monotone", role))
    return TraceResult(run_id="r", suspect=suspect, matches=matches, model="m", params={}, timings={})


def test_a_case_is_ok_when_relation_and_source_both_match():
    url = ORIGINAL["url"]
    assert DemoCase("02", REWRITE, url, judged(REWRITE, url)).ok
    assert not DemoCase("02", REWRITE, url, judged("translation", url)).ok
    assert not DemoCase("02", REWRITE, url, judged(REWRITE, "https://www.daily-courier.invalid/x")).ok
    assert not DemoCase("02", REWRITE, url, judged(None, None)).ok
    assert DemoCase("04", UNRELATED, None, judged(None, None)).ok
    assert DemoCase("04", UNRELATED, None, judged(UNRELATED, "https://www.daily-courier.invalid/x")).ok
    assert not DemoCase("04", UNRELATED, None, judged("partial", "https://www.daily-courier.invalid/x")).ok


def origin_of(passage_text: str, origins: list[list], original: list[str], host: list[str]) -> str:
    """Which story a passage of the splice comes from: the one whose sentence it starts with."""
    head = passage_text[:40]
    [origin] = {origin for origin, i in origins if head in (original if origin == "original" else host)[i]}
    return origin


@needs_ntrex
def test_run_demo_meets_every_expectation(demo_store):
    _, cases = demo_store
    assert [case.name for case in cases] == [entry["name"] for entry in MANIFEST["suspects"]]
    for case in cases:
        assert case.ok, (case.name, case.expected, case.expected_source, case.relation, case.source_url)

    rewrite = cases[1].result.suspect
    boilerplate = {p.text for p in rewrite.passages if p.kind == BOILERPLATE}
    assert boilerplate == set(SUSPECTS["02-vi-rewrite"]["boilerplate_lines"])

    # the splice: the host story's passages are "not in source" (the host reports the same
    # quake, and one of its sentences, "Hundreds of people were injured ... 7.5 quake",
    # restates facts of two original sentences closely enough to pass as their merge),
    # and most pasted ones are found
    splice = cases[2].result
    english = load_script().load_ntrex(NTREX_DIR, "eng")
    original = english[MANIFEST["original"]["ntrex"]["doc_id"]][1:]
    host = english[SUSPECTS["03-en-spliced"]["ntrex"]["doc_id"]][1:]
    origins = SUSPECTS["03-en-spliced"]["sentence_origins"]
    passage_origin = {p.idx: origin_of(p.text, origins, original, host) for p in splice.suspect.passages}
    unmatched = set(splice.verdict.unmatched)
    host_passages = {i for i, origin in passage_origin.items() if origin == "host"}
    pasted_passages = set(passage_origin) - host_passages
    assert len(host_passages - unmatched) <= 1
    assert len(pasted_passages - unmatched) >= 0.75 * len(pasted_passages)
