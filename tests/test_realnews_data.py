"""The real-news set's labels (data/realnews/articles.jsonl) hold together without the
texts: every field there, roles known, sources inside their own story, no cycles,
splits by story, enough stories and languages, none of the reserved stories."""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import realnews  # noqa: E402

FIELDS = {"story", "split", "url", "lang", "outlet", "published", "role", "source", "evidence", "sha256", "chars"}
# the stories kept for held-out checks (issue 18): none may be collected here
RESERVED = [r"putin.{0,40}ceasefire", r"\bq\*|q-star", r"he jiankui|gene.edited bab", r"ibiza", r"verizon",
            r"ohtani", r"hypersonic", r"titan submersible|oceangate", r"tesla.{0,30}(cheap|affordable)",
            r"lab.leak", r"roe v\.? wade|dobbs", r"llama", r"doping", r"weapons? restrictions?"]  # fmt: skip
# the stories we hold, at the least (issue 18 asks for 30 clusters in 10 languages)
MIN_STORIES, MIN_LANGUAGES = 30, 10


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return realnews.read_articles()


def test_every_row_has_the_fields_and_known_values(rows):
    assert rows
    for row in rows:
        assert set(row) == FIELDS, row["url"]
        assert row["split"] in ("dev", "test")
        assert row["role"] in realnews.ROLES
        assert re.fullmatch(r"[0-9a-f]{64}", row["sha256"]) and row["chars"] > 0
        assert row["url"].startswith(("http://", "https://"))
        assert re.fullmatch(r"[a-z]{2,3}(-[A-Za-z]+)?", row["lang"])
        assert row["published"] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["published"])
        assert len(row["evidence"]) >= 40, f"{row['url']}: say why, in your own words"


def test_urls_are_unique(rows):
    urls = [row["url"] for row in rows]
    assert len(urls) == len(set(urls))


def test_sources_are_in_the_same_story_and_form_no_cycle(rows):
    by_url = {row["url"]: row for row in rows}
    for row in rows:
        derived = row["role"] in realnews.DERIVED
        assert bool(row["source"]) == derived, f"{row['url']}: a derived article names its source, others none"
        if not derived:
            continue
        assert row["source"] in by_url, f"{row['url']}: its source is not labelled"
        assert by_url[row["source"]]["story"] == row["story"]
        seen, url = set(), row["url"]
        while url:
            assert url not in seen, f"cycle through {url}"
            seen.add(url)
            url = by_url[url]["source"]


def test_each_story_has_one_root_with_something_derived_from_it(rows):
    stories = defaultdict(list)
    for row in rows:
        stories[row["story"]].append(row)
    for story, members in stories.items():
        assert sum(m["role"] == "original" for m in members) == 1, story
        assert any(m["role"] in realnews.DERIVED for m in members), story


def test_splits_are_by_story_and_both_used(rows):
    split_of = defaultdict(set)
    for row in rows:
        split_of[row["story"]].add(row["split"])
    assert all(len(splits) == 1 for splits in split_of.values()), "a story lies in both splits"
    assert {next(iter(s)) for s in split_of.values()} == {"dev", "test"}


def test_enough_stories_and_languages(rows):
    assert len({row["story"] for row in rows}) >= MIN_STORIES
    assert len({row["lang"] for row in rows}) >= MIN_LANGUAGES


def test_no_reserved_story(rows):
    for row in rows:
        text = f"{row['story']} {row['url']} {row['evidence']}".lower()
        for pattern in RESERVED:
            assert not re.search(pattern, text), f"{row['url']} looks like a reserved story ({pattern})"


def test_normalisation_keeps_a_pasted_copy_and_a_cut_matching():
    text = "date 2024-08-07 *\n\n\u201cQuoted\u201d line  \r\nsecond paragraph\n\nthird\n"
    assert realnews.digest(text) == realnews.digest('"Quoted" line\nsecond paragraph\n\nthird')
    cut = realnews.normalise(text)[: len('"Quoted" line\nsecond paragraph')]
    assert realnews.normalise(cut) == '"Quoted" line\nsecond paragraph\n'


def test_a_saved_part_is_found_again_in_a_longer_page_text():
    """`save` must recognise the committed text inside what the search gives now: page
    header lines before it, more paragraphs after it."""
    saved = "Second line of the story.\nThird line."
    row = {"sha256": realnews.digest(saved), "chars": len(saved)}
    page = "Menu\nLog in\n" + saved + "\n\nA paragraph the saved text left out.\n"
    assert realnews.matching_part(page, row) == realnews.normalise(saved)
    assert realnews.matching_part("Menu\nsomething else entirely\n", row) is None
