"""align.py: exact links on small real translations, and the invariants every alignment keeps."""

import numpy as np
import pytest

from provenance import settings
from provenance.align import align_best_match, align_monotone, link_margin, link_score, margin_matrix

ENGLISH = [
    "The city council voted on Tuesday to build a new bridge across the river.",
    "The project will cost about 40 million euros and take three years, according to the mayor, "
    "who called it the most important investment in a generation.",
    "Opponents argue that the money should be spent on schools instead.",
    "A public consultation last spring drew more than two thousand responses.",
    "Construction is expected to begin next summer.",
    "The old bridge will remain open until the new one is finished.",
]
# Each translation splits English 1 into two sentences (2 and 3), drops English 3
# and adds a line of page furniture (1) that the English does not have.
GERMAN = [
    "Der Stadtrat hat am Dienstag beschlossen, eine neue Brücke über den Fluss zu bauen.",
    "Folgen Sie uns auf Facebook und Twitter für weitere Nachrichten.",
    "Das Projekt wird rund 40 Millionen Euro kosten und drei Jahre dauern.",
    "Das sagte der Bürgermeister, der es als die wichtigste Investition seit einer Generation bezeichnete.",
    "Gegner meinen, das Geld solle stattdessen in Schulen fließen.",
    "Der Bau soll im nächsten Sommer beginnen.",
    "Die alte Brücke bleibt geöffnet, bis die neue fertig ist.",
]
VIETNAMESE = [
    "Hội đồng thành phố hôm thứ Ba đã bỏ phiếu xây dựng một cây cầu mới bắc qua sông.",
    "Bình luận (0)",
    "Dự án sẽ tốn khoảng 40 triệu euro và kéo dài ba năm.",
    "Đó là lời thị trưởng, người gọi đây là khoản đầu tư quan trọng nhất trong một thế hệ.",
    "Những người phản đối cho rằng số tiền này nên được chi cho trường học.",
    "Việc xây dựng dự kiến bắt đầu vào mùa hè tới.",
    "Cây cầu cũ sẽ vẫn mở cửa cho đến khi cây cầu mới hoàn thành.",
]
EXPECTED = {
    ((0,), (0,)),
    ((1,), ()),
    ((2, 3), (1,)),
    ((4,), (2,)),
    ((), (3,)),
    ((5,), (4,)),
    ((6,), (5,)),
}


@pytest.fixture(scope="module")
def vectors(embedder):
    return {name: embedder.encode(texts) for name, texts in (("en", ENGLISH), ("de", GERMAN), ("vi", VIETNAMESE))}


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def assert_covers(links, n: int, m: int, *, in_order: bool) -> None:
    """Every index on each side in exactly one link, runs contiguous, scores in range."""
    suspect = sorted(i for link in links for i in link.suspect)
    source = sorted(j for link in links for j in link.source)
    assert suspect == list(range(n))
    assert source == list(range(m))
    for link in links:
        assert link.suspect or link.source
        for side in (link.suspect, link.source):
            if side:
                assert list(side) == list(range(side[0], side[0] + len(side)))
        assert 0.0 <= link.score <= 1.0
        if not link.suspect or not link.source:
            assert (link.score, link.cosine) == (0.0, 0.0)
    if in_order:
        suspect_order = [i for link in links for i in link.suspect]
        source_order = [j for link in links for j in link.source]
        assert suspect_order == sorted(suspect_order)
        assert source_order == sorted(source_order)


@pytest.mark.parametrize("language, texts", [("de", GERMAN), ("vi", VIETNAMESE)])
@pytest.mark.parametrize("with_lengths", [False, True])
def test_monotone_finds_merge_deletion_and_insertion(vectors, language, texts, with_lengths):
    options = {}
    if with_lengths:
        options = {"suspect_lengths": [len(t) for t in texts], "source_lengths": [len(t) for t in ENGLISH]}
    links = align_monotone(vectors[language], vectors["en"], **options)
    assert {(link.suspect, link.source) for link in links} == EXPECTED
    assert_covers(links, len(texts), len(ENGLISH), in_order=True)
    paired = [link for link in links if link.suspect and link.source]
    assert min(link.score for link in paired) > 0.5
    assert all(0.8 < link.cosine <= 1.0 for link in paired)


def test_best_match_pairs_a_reordered_rewrite_that_monotone_cannot(vectors):
    order = [5, 6, 2, 3, 0, 4, 1]  # the German reordered; the split sentence (2, 3) stays together
    reordered = vectors["de"][order]
    expected = {pair for pair in EXPECTED if pair[0] and pair[1]}

    def in_german_numbers(links):
        paired = [link for link in links if link.suspect and link.source]
        return {(tuple(order[i] for i in link.suspect), link.source) for link in paired}

    best = align_best_match(reordered, vectors["en"])
    assert in_german_numbers(best) == expected
    assert_covers(best, len(order), len(ENGLISH), in_order=False)
    assert all(link.score >= 0.5 for link in best if link.suspect and link.source)
    monotone = align_monotone(reordered, vectors["en"])
    assert len(in_german_numbers(monotone) & expected) <= 3


def test_best_match_leaves_unrelated_passages_unmatched(vectors):
    links = align_best_match(vectors["de"][[1]], vectors["en"][[3]])
    assert [(link.suspect, link.source) for link in links] == [((0,), ()), ((), (0,))]


@pytest.mark.parametrize("max_merge", [1, 2, 4, 5])
def test_every_index_exactly_once_on_random_vectors(max_merge):
    rng = np.random.default_rng(max_merge)
    for n in (1, 2, 3, 7, 19):
        for m in (1, 2, 5, 13):
            suspect, source = unit_rows(rng.standard_normal((n, 24))), unit_rows(rng.standard_normal((m, 24)))
            lengths = {
                "suspect_lengths": list(rng.integers(1, 200, n)),
                "source_lengths": list(rng.integers(1, 200, m)),
            }
            for options in ({}, lengths):
                links = align_monotone(suspect, source, max_merge=max_merge, **options)
                assert_covers(links, n, m, in_order=True)
                assert all(len(link.suspect) <= max_merge and len(link.source) <= max_merge for link in links)
            assert_covers(align_best_match(suspect, source, max_merge=min(max_merge, 3)), n, m, in_order=False)


@pytest.mark.parametrize("n, m", [(0, 0), (0, 4), (3, 0)])
def test_empty_sides(n, m):
    suspect = unit_rows(np.ones((n, 8))) if n else np.zeros((0, 8), dtype=np.float32)
    source = unit_rows(np.ones((m, 8))) if m else np.zeros((0, 8), dtype=np.float32)
    for aligner in (align_monotone, align_best_match):
        links = aligner(suspect, source)
        assert sorted((link.suspect, link.source) for link in links) == sorted(
            [((i,), ()) for i in range(n)] + [((), (j,)) for j in range(m)]
        )
    assert margin_matrix(suspect, source).shape == (n, m)
    assert align_monotone(np.array([]), np.array([])) == []


def test_block_vecs_are_asked_for_merged_runs_only():
    rng = np.random.default_rng(7)
    suspect, source = unit_rows(rng.standard_normal((12, 16))), unit_rows(rng.standard_normal((10, 16)))
    asked = []

    def summed(side, start, end):
        asked.append((side, start, end))
        vecs = suspect if side == "suspect" else source
        return vecs[start:end].sum(0)

    with_callable = align_monotone(suspect, source, block_vecs=summed)
    assert [(link.suspect, link.source) for link in with_callable] == [
        (link.suspect, link.source) for link in align_monotone(suspect, source)
    ]
    assert asked and all(end - start >= 2 for _, start, end in asked)
    assert all(end <= (12 if side == "suspect" else 10) for side, _, end in asked)


def test_long_documents_go_coarse_to_fine(monkeypatch):
    """Past FULL_SEARCH_CELLS the anchors are found at half resolution first; they must
    still recover a diagonal broken by inserted passages."""
    monkeypatch.setattr(settings, "FULL_SEARCH_CELLS", 2_000)
    rng = np.random.default_rng(3)
    suspect = unit_rows(rng.standard_normal((400, 32)))
    source = unit_rows(suspect + 0.1 * rng.standard_normal(suspect.shape))  # cosine about 0.87
    inserted_at = [50, 51, 52, 200, 333]
    source = np.insert(source, inserted_at, unit_rows(rng.standard_normal((5, 32))), axis=0)
    links = align_monotone(suspect, source)
    assert_covers(links, 400, 405, in_order=True)
    shift = np.searchsorted(inserted_at, np.arange(400), side="right")  # rows inserted before each
    correct = sum(1 for link in links if link.suspect and link.source == (link.suspect[0] + shift[link.suspect[0]],))
    assert correct >= 390


def test_margin_matrix(vectors):
    de, en = vectors["de"], vectors["en"]
    margins = margin_matrix(de, en)
    assert margins.shape == (7, 6)
    np.testing.assert_allclose(margin_matrix(en, de), margins.T, rtol=1e-5)
    # a translation stands out from its row and column; the added line stands out nowhere
    for german, english in ((0, 0), (4, 2), (5, 4), (6, 5)):
        assert margins[german].argmax() == english and margins[:, english].argmax() == german
        assert margins[german, english] > 1.0
    assert margins[1].max() < margins[[0, 4, 5, 6]].max(1).min()
    # k beyond a side's size means "all of it"; with k = 1 the best pair scores exactly 1
    np.testing.assert_allclose(margin_matrix(de, en, k=50), margin_matrix(de, en, k=7), rtol=1e-6)
    cosines = de[:1] @ en[:1].T
    np.testing.assert_allclose(margin_matrix(de[:1], en[:1], k=1), cosines / cosines, rtol=1e-6)


def test_link_score_is_a_logistic_of_the_margin(vectors):
    assert link_score(settings.LINK_MARGIN_MID) == pytest.approx(0.5)
    assert link_score(settings.LINK_MARGIN_MID + 10) == pytest.approx(1.0)
    assert link_score(0.0) < 1e-6
    true_margin, true_cosine = link_margin(vectors["de"], vectors["en"], [4], [2])
    false_margin, _ = link_margin(vectors["de"], vectors["en"], [1], [3])
    assert true_cosine == pytest.approx(float(vectors["de"][4] @ vectors["en"][2]), rel=1e-5)
    assert link_score(true_margin) > 0.9 > 0.1 > link_score(false_margin)
