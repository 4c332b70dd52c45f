"""Story lineage on the demo store: real NTREX texts, the real default model, a real
DuckDB file. The demo has traced its suspects, so the store holds an English original,
its German, French and Vietnamese translations, a Vietnamese rewrite of the Vietnamese
translation and an English splice, among same-topic and other stories."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance.cli import cli
from provenance.demo import DemoLineage, demo_lineage
from provenance.errors import NotFound
from provenance.models import CITED, PLACEHOLDER, RawDocument
from provenance.report import story_line, story_to_html
from provenance.tracker import Tracker, prepare

ORIGINAL_SITE = "World News"


@pytest.fixture
def tracker(demo_store, db_path):
    shutil.copyfile(demo_store[0], db_path)
    with Tracker(db_path) as tracker:
        yield tracker


def _by_site(tracker, site, lang=None):
    return next(doc for doc in tracker.documents(site=site, lang=lang) if doc.site == site)


def _original(tracker):
    return next(doc for doc in tracker.documents(site=ORIGINAL_SITE) if doc.title.startswith("Hundreds killed"))


def _paragraphs(doc):
    return [paragraph for paragraph in doc.text.split("\n\n") if paragraph.strip()]


def _add(tracker, text, lang, **meta):
    doc = prepare(RawDocument(text=text, origin="test", lang=lang, **meta))
    return tracker.add_documents([doc])[0].doc


def _judged_count(tracker):
    return tracker.store._con.execute("SELECT count(*) FROM judged_pairs").fetchone()[0]


def test_demo_story_chain_and_siblings(tracker):
    """The translations hang under the original, not under each other; the rewrite hangs
    under the Vietnamese translation whose wording it repeats, though it names the
    original; one origin."""
    lineage = demo_lineage(tracker)
    assert lineage.ok, (lineage.missing, lineage.extra, lineage.story.roots)
    story = lineage.story
    assert story.roots == [lineage.focus]
    rewrite = _by_site(tracker, "Tin Nhanh 24h")
    chain = [node.site for node in story.chain(rewrite.doc_id)]
    assert chain == [ORIGINAL_SITE, "Tin Thế Giới", "Tin Nhanh 24h"]
    assert story_line(story, rewrite.doc_id).startswith("2nd hop: World News (en, 2024-09-11) -> Tin Thế Giới (vi")
    into_rewrite = story.parents(rewrite.doc_id)[0]
    assert into_rewrite.relation == "rewrite" and "wording" in into_rewrite.reason
    assert into_rewrite.kept and into_rewrite.dropped  # the rewrite dropped sentences of the translation
    translations = [edge for edge in story.edges if edge.relation == "translation"]
    assert {edge.parent for edge in translations} == {lineage.focus}  # siblings, linked through the original


def test_stored_story_is_reread_from_any_member(tracker):
    first = tracker.lineage(_original(tracker))
    pairs = _judged_count(tracker)
    rewrite = _by_site(tracker, "Tin Nhanh 24h")
    again = tracker.lineage(rewrite.doc_id)
    assert again.story_id == first.story_id
    assert [(e.parent, e.child) for e in again.edges] == [(e.parent, e.child) for e in first.edges]
    assert _judged_count(tracker) == pairs  # nothing judged again
    # a store reopened reads the same graph
    path = tracker.store.path
    tracker.close()
    with Tracker(path) as reopened:
        assert reopened.lineage(rewrite.doc_id).story_id == first.story_id


def test_new_article_joins_the_stored_story(tracker):
    """A copy of the rewrite, added later, hangs under the rewrite; only its own pairs are judged."""
    first = tracker.lineage(_original(tracker))
    before = {(row[0], row[1]): row[2] for row in tracker.store._con.execute(
        "SELECT suspect_id, source_id, judged_at FROM judged_pairs").fetchall()}  # fmt: skip
    rewrite = _by_site(tracker, "Tin Nhanh 24h")
    body = [p for p in _paragraphs(rewrite) if len(p) > 80]
    copy = _add(tracker, "\n\n".join(body[:-1]) + "\n\nẢnh: Reuters", "vi", site="Báo Mới", published="2024-09-14")
    story = tracker.lineage(first.nodes[0].id)
    assert copy.doc_id in {node.id for node in story.nodes}
    assert story.parents(copy.doc_id)[0].parent == rewrite.doc_id
    after = {(row[0], row[1]): row[2] for row in tracker.store._con.execute(
        "SELECT suspect_id, source_id, judged_at FROM judged_pairs").fetchall()}  # fmt: skip
    new = set(after) - set(before)
    assert new and all(copy.doc_id in pair for pair in new)
    assert all(after[pair] == judged_at for pair, judged_at in before.items())  # the rest not judged again


def test_cited_intermediate_is_a_placeholder_and_a_round_trip_is_flagged(tracker):
    """The motivating case: an English portal's text that names the original and gives a
    Vietnamese outlet's URL as its source. The Vietnamese page is not stored: it becomes
    a placeholder between the original and the portal, and the portal's English, back
    from Vietnamese, is a round trip."""
    original = _original(tracker)
    text = "\n\n".join(_paragraphs(original)[:6])
    portal = _add(
        tracker,
        text + "\n\nAccording to World News.\n\nSource: https://www.nguoiduatin.vn/dong-dat-indonesia-a1234.html",
        "en",
        site="Portal English",
        published="2024-09-15",
    )
    story = tracker.lineage(portal.doc_id)
    chain = story.chain(portal.doc_id)
    assert [node.id for node in chain][0] == original.doc_id
    placeholder = chain[1]
    assert placeholder.id.startswith(PLACEHOLDER) and not placeholder.stored
    assert placeholder.lang == "vi" and "nguoiduatin.vn" in placeholder.url
    assert story.parents(placeholder.id)[0].relation == CITED
    assert chain[2].round_trip == "en -> vi -> en"
    assert "cited, not stored" in story_line(story, portal.doc_id)
    assert story.roots == [original.doc_id]


def test_two_independent_origins(tracker):
    """A roundup made of two same-event stories from two outlets has two roots."""
    first = _original(tracker)
    second = next(
        doc for doc in tracker.documents(site=ORIGINAL_SITE) if doc.title == "Earthquakes and tsunamis in Indonesia"
    )
    roundup = _add(
        tracker,
        "\n\n".join(_paragraphs(first)[:4] + _paragraphs(second)[:4]),
        "en",
        site="Roundup Daily",
        published="2024-09-16",
    )
    story = tracker.lineage(roundup.doc_id)
    assert set(story.roots) == {first.doc_id, second.doc_id}
    assert {edge.parent for edge in story.parents(roundup.doc_id)} == {first.doc_id, second.doc_id}


def test_store_forgets_a_story_when_a_member_changes(tracker):
    story = tracker.lineage(_original(tracker))
    member = story.nodes[-1].id
    assert tracker.store.story_of(member) == story.story_id
    tracker.update(member, date="2024-09-30")
    assert tracker.store.story_of(member) is None  # its date decides the graph: rebuilt next time
    rebuilt = tracker.lineage(member)
    assert rebuilt.story_id != story.story_id


def test_lineage_of_unknown_document(tracker):
    with pytest.raises(NotFound):
        tracker.lineage("ffffffffffff")


def test_cli_lineage_tree_json_and_html(demo_store, db_path, tmp_path):
    shutil.copyfile(demo_store[0], db_path)
    with Tracker(db_path) as tracker:
        original = _original(tracker).doc_id
    runner = CliRunner()
    shown = runner.invoke(cli, ["lineage", original[:8]])
    assert shown.exit_code == 0, shown.output
    assert "1 independent origin: World News (en, 2024-09-11)" in " ".join(shown.output.split())
    page = tmp_path / "story.html"
    as_json = runner.invoke(cli, ["lineage", original, "--json", "--html", str(page)])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert data["roots"] == [original]
    assert set(data["nodes"][0]) >= {"id", "title", "site", "lang", "published", "url", "stored"}
    assert set(data["edges"][0]) >= {"parent", "child", "relation", "confidence", "kept", "dropped", "added"}
    assert len(data["edges"]) == len(data["nodes"]) - 1
    html = page.read_text(encoding="utf-8")
    assert "<svg" in html and "<script" not in html and "http-equiv" not in html
    missing = runner.invoke(cli, ["lineage", "ffffffffffff"])
    assert missing.exit_code != 0 and "Traceback" not in missing.output


def test_html_escapes_every_text(tracker):
    story = tracker.lineage(_original(tracker))
    story.nodes[0].title = '<script>alert("x")</script>'
    story.nodes[0].site = "<b>Site</b>"
    page = story_to_html(story, focus=story.nodes[0].id)
    assert "<script>" not in page and "<b>Site</b>" not in page
    assert "&lt;script&gt;" in page


def test_demo_lineage_reports_a_wrong_graph(tracker):
    lineage = demo_lineage(tracker)
    wrong = DemoLineage(
        lineage.story, lineage.focus, [("https://a.invalid", "https://b.invalid")], lineage.expected_roots
    )
    assert not wrong.ok and wrong.missing == [("https://a.invalid", "https://b.invalid")]


def test_the_readme_shows_the_demo_story_as_lineage_prints_it(demo_store, db_path):
    """Issue 20, item 19: the README's example said 6 articles and showed 5, in another
    layout. It is the real output of `lineage` on the demo's store at 100 columns, less
    its last line (the story's id and build time): when the output changes, so must it."""
    shutil.copyfile(demo_store[0], db_path)
    with Tracker(db_path) as tracker:
        original = _original(tracker).doc_id
    shown = CliRunner().invoke(cli, ["lineage", original[:8], "--quiet"], env={"COLUMNS": "100"})
    assert shown.exit_code == 0, shown.output
    printed = [line.rstrip() for line in shown.stdout.splitlines()]
    assert printed[-1].startswith("story ")
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    example = readme.split("## A story's lineage", 1)[1].split("```text\n", 1)[1].split("\n```", 1)[0]
    assert example.splitlines() == printed[:-1]
    # what the summary counts is what the tree shows
    count = int(example.split(" stored articles", 1)[0])
    assert (
        sum(f"({lang}, 20" in line for line in example.splitlines()[2:] for lang in ("en", "de", "fr", "vi")) == count
    )
