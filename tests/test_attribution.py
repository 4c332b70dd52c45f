"""What a trace names as a source, in the cases where real news misled the judge:
articles and briefs whose source is not stored, a brief among same-topic stories, a
candidate published after the suspect, sibling translations of one original, and a
hard-wrapped wire copy cut into fragments. Real texts from ../shared/bench."""

import gzip
import json

import pytest
from conftest import BENCH_DIR

from provenance.models import DERIVED, RELATED, SIBLING, SOURCE, TRANSLATION, UNDECIDED, UNRELATED, RawDocument
from provenance.report import verdict_line
from provenance.segment import split_passages
from provenance.tracker import Tracker, prepare

DISTRACTORS = BENCH_DIR / "closa" / "bbc.en-distractors.jsonl.gz"
NTREX = BENCH_DIR / "ntrex" / "ntrex.{}.jsonl"

pytestmark = pytest.mark.skipif(not DISTRACTORS.exists(), reason=f"the public bench data is not at {BENCH_DIR}")


def _lines(text: str, count: int) -> str:
    return "\n".join([line for line in text.splitlines() if line.strip()][:count])


@pytest.fixture(scope="module")
def bbc():
    with gzip.open(DISTRACTORS, "rt", encoding="utf-8") as rows:
        return [json.loads(row) for _, row in zip(range(60), rows)]


def _ntrex(lang: str, count: int = 40) -> list[dict]:
    with open(str(NTREX).format(lang), encoding="utf-8") as rows:
        return [json.loads(row) for _, row in zip(range(count), rows)]


def _doc(text: str, lang: str, **meta):
    return prepare(RawDocument(text=text, origin="test", lang=lang, **meta))


def _story(record: dict, lang: str, sentences: int = 8, **meta):
    body = record["sentences"][:sentences]
    text = "\n\n".join(" ".join(body[i : i + 2]) for i in range(0, len(body), 2))
    return _doc(text, lang, **meta)


def test_bbc_articles_and_briefs_with_no_source_stored_get_none(db_path, bbc):
    """Same outlet, same period, none derives from another: no trace names a source."""
    with Tracker(db=db_path) as tracker:
        tracker.add_documents([_doc(_lines(r["text"], 6), "en") for r in bbc[:36]])
        suspects = [_doc(_lines(r["text"], 6), "en") for r in bbc[36:48]]
        # two-line briefs: a lead and the sentence after it
        suspects += [_doc("\n".join(_lines(r["text"], 4).splitlines()[1:3]), "en") for r in bbc[48:60]]
        for suspect in suspects:
            result = tracker.trace(suspect, keep=False)
            assert result.source is None, verdict_line(result)
            for match in result.matches:
                if match.relation == UNDECIDED:
                    assert match.confidence < 0.9


def test_a_short_brief_among_same_topic_stories_is_not_given_a_confident_source(db_path):
    """A two-sentence Russian brief, its English original not stored: no source, and
    with its original stored, that original or a lead: a possible source to check."""
    english, russian = _ntrex("eng"), _ntrex("rus")
    brief = _doc(" ".join(russian[0]["sentences"][1:3]), "ru")
    with Tracker(db=db_path) as tracker:
        tracker.add_documents([_story(record, "en") for record in english[1:]])
        assert tracker.trace(brief, keep=False).source is None
        original = _story(english[0], "en")
        tracker.add_documents([original])
        result = tracker.trace(brief, keep=False)
        first = result.verdict
        assert result.source is None or result.source.source.doc_id == original.doc_id
        assert first.relation in (*RELATED, UNDECIDED, UNRELATED)
        if first.relation == UNDECIDED:
            assert verdict_line(result).startswith("possible source, check these passages")
        assert "1.00" not in verdict_line(result)


def test_a_candidate_published_after_the_suspect_is_never_its_source(db_path):
    english, french = _ntrex("eng"), _ntrex("fra")
    with Tracker(db=db_path) as tracker:
        later = _story(english[3], "en", published="2024-09-20")
        tracker.add_documents([later, *(_story(record, "en") for record in english[10:20])])
        result = tracker.trace(_story(french[3], "fr", published="2024-09-10"), keep=False)
        assert result.source is None
        match = next(m for m in result.matches if m.source.doc_id == later.doc_id)
        assert match.relation in RELATED and match.role == DERIVED
        assert "after the suspect" in match.role_reason
        assert "it cannot be its source" in verdict_line(result)


def test_sibling_translations_are_not_named_as_sources(db_path):
    """The English original and its German and French translations are stored; the
    Vietnamese translation's source is the original, the others are its siblings."""
    rows = {lang: _ntrex(lang, 6) for lang in ("eng", "deu", "fra", "vie")}
    with Tracker(db=db_path) as tracker:
        original = _story(rows["eng"][2], "en", published="2024-09-11", site="Original News")
        german = _story(rows["deu"][2], "de", published="2024-09-12", site="Zeitung")
        french = _story(rows["fra"][2], "fr", published="2024-09-12", site="Journal")
        tracker.add_documents([original, german, french, *(_story(r, "en") for r in rows["eng"][3:])])
        result = tracker.trace(_story(rows["vie"][2], "vi", published="2024-09-14"), keep=False)
        assert result.source is not None and result.source.source.doc_id == original.doc_id
        assert result.source.relation == TRANSLATION and result.source.role == SOURCE
        roles = {m.source.doc_id: m.role for m in result.matches}
        assert roles[german.doc_id] == roles[french.doc_id] == SIBLING


def test_a_hard_wrapped_wire_copy_is_reflowed_and_its_credits_are_boilerplate():
    text = (
        "MOSCOW/LONDON, March 3 (Reuters) - Three\n"
        "people were killed on Tuesday when a drone hit an apartment block in\n"
        "the city, officials said, in what Moscow called a terrorist attack on\n"
        "civilians. The Kremlin said it would respond to the attack in due course.\n"
        "YURI KOCHETKOV/Pool via REUTERS/File Photo\n"
        "Purchase Licensing Rights\n"
        "Ukraine did not comment on the incident, which came a day after talks in\n"
        "Istanbul on a ceasefire stalled over the exchange of prisoners of war.\n"
    )
    passages = split_passages(text, "en")
    body = [p.text for p in passages if p.kind == "body"]
    assert all(len(text.split()) >= 5 for text in body), body
    assert body[0].startswith("MOSCOW/LONDON, March 3 (Reuters) - Three\npeople were killed")
    boilerplate = [p.text for p in passages if p.kind == "boilerplate"]
    assert boilerplate == ["YURI KOCHETKOV/Pool via REUTERS/File Photo", "Purchase Licensing Rights"]
    # a list of short lines is no hard wrap: each stays a passage
    assert [p.text for p in split_passages("Title\nOne.\nTwo here.\nThree there.\n", "en")] == [
        "Title", "One.", "Two here.", "Three there."
    ]  # fmt: skip
