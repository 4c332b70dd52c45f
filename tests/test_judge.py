"""The judge's relation model: the shipped coefficients fit judge.FEATURES, its
probabilities are a distribution that respects the language rules, and real
translations, copies and unrelated stories get the right relation."""

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import BENCH_DIR

from provenance import judge
from provenance.models import COPY, RELATIONS, TRANSLATION, UNRELATED, RawDocument
from provenance.tracker import prepare

DATA = Path(__file__).parent / "data"
NTREX_SAMPLE = [json.loads(line) for line in (DATA / "ntrex_sample.jsonl").read_text(encoding="utf-8").splitlines()]
NTREX_ENGLISH = BENCH_DIR / "ntrex" / "ntrex.eng.jsonl"


def _sample(doc_id: str, lang: str) -> list[str]:
    return next(d["sentences"] for d in NTREX_SAMPLE if d["doc_id"] == doc_id and d["lang"] == lang)


def _doc(sentences: list[str], lang: str):
    text = "\n\n".join(" ".join(sentences[i : i + 2]) for i in range(0, len(sentences), 2))
    return prepare(RawDocument(text=text, origin="test", lang=lang))


@pytest.fixture
def judged(embedder):
    """compare() on a pair, checked against both models: a related verdict names the
    most probable related class and carries the source model's probability, calibrated,
    as its confidence; an unrelated one carries the complement."""

    def judge_pair(suspect, source):
        vectors = [embedder.encode([p.text for p in doc.passages]) for doc in (suspect, source)]
        match = judge.compare(suspect, vectors[0], source, vectors[1])
        features = judge.relation_features(suspect, vectors[0], source, vectors[1])
        probabilities = judge.relation_probabilities(features, suspect.lang == source.lang)
        source_probability = judge.source_model().probability(
            judge.source_features(suspect, vectors[0], source, vectors[1])
        )
        if match.relation == UNRELATED:
            assert (
                match.confidence == pytest.approx(1 - source_probability, abs=5e-4)
                or match.evidence.aligned_passages == 0
            )
        else:
            related = {name: p for name, p in probabilities.items() if name != UNRELATED}
            assert match.relation == max(related, key=related.get)
            assert match.confidence == pytest.approx(
                judge.source_model().calibrated(source_probability, "named"), abs=5e-4
            )
        return match

    return judge_pair


def test_the_shipped_source_model_reads_the_judges_source_features():
    model = judge.source_model()
    count = len(judge.SOURCE_FEATURES)
    assert model.weights.shape == model.means.shape == model.scales.shape == model.lows.shape == (count,)
    assert (model.scales > 0).all() and (model.lows <= model.highs).all()
    assert 0.5 <= model.accept <= model.short_accept < 1.0
    assert 0.0 < model.lead < model.accept


def test_the_shipped_model_reads_the_judges_features():
    model = judge.relation_model()
    assert sorted(model.classes) == sorted(RELATIONS)
    count = len(judge.FEATURES)
    assert model.weights.shape == (len(RELATIONS), count)
    assert model.means.shape == model.scales.shape == model.lows.shape == model.highs.shape == (count,)
    assert (model.scales > 0).all() and (model.lows <= model.highs).all()
    assert len(set(judge.FEATURES)) == count


def test_probabilities_sum_to_one_and_follow_the_language_rules():
    model = judge.relation_model()
    rng = np.random.default_rng(0)
    for features in rng.uniform(model.lows, model.highs, size=(20, len(judge.FEATURES))):
        within = judge.relation_probabilities(features, same_language=True)
        across = judge.relation_probabilities(features, same_language=False)
        for probabilities in (within, across):
            assert sum(probabilities.values()) == pytest.approx(1.0)
            assert all(0.0 <= p <= 1.0 for p in probabilities.values())
        assert within[TRANSLATION] == 0.0  # a translation is in another language
        assert across[COPY] == 0.0  # a copy is in the same one


def test_a_pair_far_outside_the_fitting_range_is_read_at_its_edge():
    model = judge.relation_model()
    inside = judge.relation_probabilities(model.highs, same_language=True)
    beyond = judge.relation_probabilities(model.highs + 100 * model.scales, same_language=True)
    assert beyond == pytest.approx(inside)


@pytest.mark.parametrize("lang", ["vi", "de", "zh"])
def test_a_real_translation_is_called_a_translation(judged, lang):
    english = _doc(_sample("bbc.381790", "en"), "en")
    match = judged(_doc(_sample("bbc.381790", lang), lang), english)
    assert match.relation == TRANSLATION
    assert 0.5 < match.confidence <= 1.0


def test_another_story_in_another_language_is_unrelated(judged):
    english = _doc(_sample("bbc.381790", "en"), "en")
    match = judged(_doc(_sample("rt.com.91337", "vi"), "vi"), english)
    assert match.relation == UNRELATED


@pytest.mark.skipif(not NTREX_ENGLISH.is_file(), reason=f"NTREX-128 is not at {NTREX_ENGLISH}")
def test_a_copy_of_an_article_longer_than_any_fitting_pair_is_a_copy(judged):
    """The model was fitted on pairs of at most 8 sentences a side; a 20-sentence
    article must not be judged by extrapolating its length."""
    with NTREX_ENGLISH.open(encoding="utf-8") as lines:
        stories = [json.loads(line)["sentences"] for line in lines]
    sentences = next(s for s in stories if len(s) >= 20)
    match = judged(_doc(sentences[:-1], "en"), _doc(sentences, "en"))
    assert match.relation == COPY
    assert match.evidence.source_covered >= 0.9
