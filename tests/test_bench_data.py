"""The benchmark sets are deterministic, balanced, and each class is built as it claims."""

import difflib
import random
from collections import Counter

import pytest
from benchmarks import data as bench_data
from benchmarks.data import light_edit, merge_sentences, rewrite_paragraphs

from provenance.models import (
    COPY,
    PARTIAL,
    RELATIONS,
    REWRITE,
    SOURCE_FIRST,
    SUSPECT_FIRST,
    TRANSLATION,
    UNKNOWN,
    UNRELATED,
)

needs_data = pytest.mark.skipif(
    not (bench_data.BENCH_DATA / "ntrex").is_dir(), reason=f"shared bench data not at {bench_data.BENCH_DATA}"
)
SMALL = {"per_class": 24, "machine": 6, "max_sentences": 10}


@pytest.fixture(scope="module")
def judge_pairs():
    return bench_data.judge_set(seed=7, **SMALL)


@needs_data
def test_same_seed_same_pairs_other_seed_other_pairs(judge_pairs):
    assert bench_data.judge_set(seed=7, **SMALL) == judge_pairs
    other = bench_data.judge_set(seed=8, **SMALL)
    assert [p.suspect.text for p in other] != [p.suspect.text for p in judge_pairs]


@needs_data
def test_balanced_with_machine_translations_apart(judge_pairs):
    human = Counter(p.label for p in judge_pairs if "/mt-" not in p.kind)
    assert human == {relation: SMALL["per_class"] for relation in RELATIONS}
    machine = Counter(p.kind for p in judge_pairs if "/mt-" in p.kind)
    assert machine == {"translation/mt-Online-A": 3, "translation/mt-Online-B": 3}
    assert len({p.pair_id for p in judge_pairs}) == len(judge_pairs)
    assert {p.split for p in judge_pairs} == {"dev", "test"}


@needs_data
def test_translations_cross_languages(judge_pairs):
    for pair in judge_pairs:
        if pair.label == TRANSLATION:
            assert pair.suspect.lang != pair.source.lang
            assert len(pair.suspect.sentences) == len(pair.source.sentences)


@needs_data
def test_copies_are_the_same_text_lightly_edited(judge_pairs):
    copies = [p for p in judge_pairs if p.label == COPY]
    for pair in copies:
        assert pair.suspect.lang == pair.source.lang
        assert len(pair.suspect.sentences) == len(pair.source.sentences)
        changed = [(a, b) for a, b in zip(pair.suspect.sentences, pair.source.sentences) if a != b]
        assert 1 <= len(changed) <= pair.facts["edited"]
        assert all(difflib.SequenceMatcher(None, a, b).ratio() > 0.8 for a, b in changed)


@needs_data
def test_rewrites_drop_20_to_50_percent_merge_and_reorder(judge_pairs):
    rewrites = [p for p in judge_pairs if p.label == REWRITE]
    assert Counter(p.kind for p in rewrites) == {"rewrite/same-language": 12, "rewrite/translated": 12}
    for pair in rewrites:
        facts = pair.facts
        assert 0.2 <= facts["dropped_share"] <= 0.5
        kept = facts["sentences"] - facts["dropped"]
        assert len(pair.suspect.sentences) == kept - facts["merged"]
        if pair.kind == "rewrite/same-language":
            original = set(pair.source.sentences)
            whole = [s for s in pair.suspect.sentences if s in original]
            assert len(whole) >= len(pair.suspect.sentences) - facts["merged"]
        else:
            assert pair.suspect.lang != pair.source.lang
    assert any(p.facts["reordered"] for p in rewrites)


@needs_data
def test_partials_splice_20_to_40_percent_into_an_unrelated_host(judge_pairs):
    partials = [p for p in judge_pairs if p.label == PARTIAL]
    for pair in partials:
        facts = pair.facts
        assert 0.2 <= facts["taken_share"] <= 0.4 + 1e-9
        block = facts["block"]
        sentences = list(pair.suspect.sentences)
        at = sentences.index(block[0])
        assert sentences[at : at + len(block)] == block  # one contiguous passage
        assert at > 0  # after the host's lead
        assert facts["host"] != pair.source.key.rsplit("/", 1)[0]
        if pair.kind == "partial/same-language":
            assert all(s in pair.source.sentences for s in block)


@needs_data
def test_unrelated_pairs_come_from_different_documents(judge_pairs):
    unrelated = [p for p in judge_pairs if p.label == UNRELATED]
    for pair in unrelated:
        assert pair.facts["suspect_item"] != pair.source.key.rsplit("/", 1)[0]
        assert not set(pair.suspect.sentences) & set(pair.source.sentences)
        if pair.kind == "unrelated/other-language":
            assert pair.suspect.lang != pair.source.lang
        else:
            assert pair.suspect.lang == pair.source.lang


@needs_data
def test_direction_pairs_name_the_original_and_cues_and_dates_point_to_it():
    pairs = bench_data.direction_set(seed=1, ntrex=10, wmt=6, iwslt=2, max_sentences=6)
    assert pairs == bench_data.direction_set(seed=1, ntrex=10, wmt=6, iwslt=2, max_sentences=6)
    assert len(pairs) == 18 and len({p.label for p in pairs}) == 2
    for pair in pairs:
        original, translation = (
            (pair.source, pair.suspect) if pair.label == SOURCE_FIRST else (pair.suspect, pair.source)
        )
        assert original.lang == pair.facts["original_lang"]
        assert translation.lang == pair.facts["translation_lang"]
        assert original.published is None and "Source:" not in translation.text
        dated = bench_data.with_dates(pair)
        dated_original, dated_translation = (
            (dated.source, dated.suspect) if pair.label == SOURCE_FIRST else (dated.suspect, dated.source)
        )
        assert dated_original.published < dated_translation.published
        cued = bench_data.with_cues(pair)
        cued_original, cued_translation = (
            (cued.source, cued.suspect) if pair.label == SOURCE_FIRST else (cued.suspect, cued.source)
        )
        assert cued_translation.text.endswith(f"Source: {cued_original.url}")


@needs_data
def test_quick_retrieval_set_has_its_originals_stored():
    data = bench_data.retrieval_set(quick=True)
    keys = {doc.key for doc in data.store}
    assert all(gold in keys for _, _, gold in data.queries)
    assert Counter(group for group, _, _ in data.queries) == {
        "ntrex-ru": 6, "ntrex-vi": 6, "ntrex-zh": 6, "closa-ja": 3, "iwslt-vi": 2,
    }  # fmt: skip
    assert len(data.store) == 6 + 3 + 2 + 25


def test_light_edit_changes_little():
    rng = random.Random(0)
    sentence = "The council voted on Tuesday to close the old bridge for repairs."
    for _ in range(50):
        edited = light_edit(sentence, "en", rng)
        assert edited != sentence
        assert difflib.SequenceMatcher(None, edited, sentence).ratio() > 0.85
    chinese = "市议会周二投票决定关闭旧桥进行维修。"
    assert all(light_edit(chinese, "zh", rng) != chinese for _ in range(20))


def test_merge_sentences():
    assert merge_sentences("It rained.", "The match went on.", "en") == "It rained, the match went on."
    assert merge_sentences("It rained.", "EU rules apply.", "en") == "It rained, EU rules apply."
    assert merge_sentences("下雨了。", "比赛继续。", "zh") == "下雨了，比赛继续。"


def test_rewrite_keeps_the_first_sentence_and_reports_what_it_did():
    sentences = tuple(f"Sentence number {n} is here." for n in range(10))
    paragraphs, facts = rewrite_paragraphs(sentences, "en", random.Random(3))
    units = [unit for para in paragraphs for unit in para]
    assert units[0].startswith("Sentence number 0")
    assert 2 <= facts["dropped"] <= 5
    assert len(units) == 10 - facts["dropped"] - facts["merged"]


@needs_data
def test_direction_length_norms_are_the_tatoeba_ratios():
    from provenance.direction import CHARS_PER_ENGLISH_CHAR

    assert bench_data.tatoeba_length_ratios() == CHARS_PER_ENGLISH_CHAR


def _document(text: str, lang: str):
    from provenance.models import Document, Passage

    passages = [Passage(idx=i, para=i, text=s, lang=lang) for i, s in enumerate(text.split("\n"))]
    return Document(doc_id=f"{lang}-{len(text)}", text=text, lang=lang, passages=passages)


def test_text_direction_names_the_shorter_than_expected_side():
    from provenance.direction import text_direction

    original = _document("The council closed the bridge.\nRepairs start in May.", "en")
    # a German rendering that spells things out: far longer than German's usual 1.17x
    translation = _document(
        "Der Stadtrat hat beschlossen, die alte Brücke über den Fluss bis auf Weiteres zu schließen.\n"
        "Die notwendigen Reparaturarbeiten an der Brücke sollen voraussichtlich im Mai beginnen.",
        "de",
    )
    side, confidence, reasons = text_direction(original, translation)
    assert side == SUSPECT_FIRST and confidence >= 0.79 and "longer" in reasons[0]
    side_reversed, confidence_reversed, _ = text_direction(translation, original)
    assert side_reversed == SOURCE_FIRST and confidence_reversed == confidence


def test_text_direction_abstains_without_a_norm():
    from provenance.direction import text_direction

    english = _document("The council closed the bridge.", "en")
    assert text_direction(english, _document("The council shut the bridge.", "en"))[0] == UNKNOWN
    assert text_direction(english, _document("Zastupitelstvo zavřelo most.", "cs"))[:2] == (UNKNOWN, 0.0)
    assert text_direction(english, _document("", "de"))[0] == UNKNOWN
