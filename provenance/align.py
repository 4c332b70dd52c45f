"""Passage alignment: which suspect passages say what which source passages say.

A translation keeps its source's order but splits and merges sentences, drops a few
and adds a few (a caption, a comment counter). `align_monotone` finds that reading in
two passes, as Bertalign does: a rough path first, through anchors (mutual nearest
neighbours, the longest in-order chain of them), found coarse to fine as Vecalign's
recursive downsampling does, so that a long document costs time in proportion to its
length, not its square; then a dynamic programme with 1-n, n-1 and n-m merges and
skips inside a narrow band around that path, scored with Bertalign's margin. A
rewrite may also reorder: `align_best_match` pairs each suspect passage, or pair of
adjacent passages, with its best counterpart wherever that is.

Both return links that together cover every suspect index and every source index
exactly once; a link with an empty side is a skip. `Link.score` is the same number in
both modes: a logistic of the link's LASER ratio margin (`margin_matrix`), fitted on
gold links against near misses (scripts/bench_alignment.py).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence

import numpy as np

from . import settings
from .models import Link

# (side, start, end) -> the embedding of passages start..end-1 joined into one text,
# side being "suspect" or "source"; the caller caches it.
BlockVectors = Callable[[str, int, int], np.ndarray]

_CHAIN = -1  # back-pointer: a source passage skipped within the same DP row
_ROWS_PER_CHUNK = 64  # DP rows whose scores are computed in one matrix product
_LINKS_PER_CHUNK = 256  # links whose neighbourhoods are gathered at once


def margin_matrix(suspect_vecs: np.ndarray, source_vecs: np.ndarray, k: int = settings.MARGIN_K) -> np.ndarray:
    """LASER's ratio margin for every pair: cos(x, y) divided by the mean of x's k
    nearest source cosines and y's k nearest suspect cosines. A true counterpart
    stands out from its neighbours (> 1); a merely nearest one does not. k is cut
    to the other side's size."""
    suspect, source = _unit_rows(suspect_vecs), _unit_rows(source_vecs)
    if len(suspect) == 0 or len(source) == 0:
        return np.zeros((len(suspect), len(source)), dtype=np.float32)
    cosines = suspect @ source.T
    suspect_neighbourhood = _top_k_mean(cosines, k)
    source_neighbourhood = _top_k_mean(cosines.T, k)
    return cosines / ((suspect_neighbourhood[:, None] + source_neighbourhood[None, :]) / 2)


def link_score(margin: float) -> float:
    """How sure a link is a true correspondence, in [0, 1], from its ratio margin."""
    z = (margin - settings.LINK_MARGIN_MID) / settings.LINK_MARGIN_SCALE
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def align_monotone(
    suspect_vecs: np.ndarray,
    source_vecs: np.ndarray,
    *,
    max_merge: int = settings.MAX_MERGE,
    block_vecs: BlockVectors | None = None,
    suspect_lengths: Sequence[int] | None = None,
    source_lengths: Sequence[int] | None = None,
) -> list[Link]:
    """In-order alignment with merges of up to `max_merge` passages a side and skips.

    Merged passages are compared through the normalised sum of their vectors, or
    through `block_vecs` when given. Passage lengths in characters, when given,
    penalise links whose two sides differ in length (Bertalign's length penalty).
    """
    suspect, source = _unit_rows(suspect_vecs), _unit_rows(source_vecs)
    n, m = len(suspect), len(source)
    if n == 0 or m == 0:
        return _skips(range(n), range(m))
    path_lo, path_hi = _anchor_path(suspect, source)
    lo, hi = _widen(path_lo, path_hi, settings.ALIGN_WINDOW, m)
    if suspect_lengths is None or source_lengths is None or len(suspect_lengths) != n or len(source_lengths) != m:
        suspect_lengths = source_lengths = None
    blocks = _Blocks(suspect, source, block_vecs, suspect_lengths, source_lengths)
    lengths = _LengthPenalty(suspect_lengths, source_lengths) if suspect_lengths is not None else None
    types = [(a, b) for a in range(1, max_merge + 1) for b in range(1, max_merge + 1) if a + b <= max_merge + 1]
    steps = _banded_dp(
        n, m, lo, hi, types, settings.ALIGN_SKIP, lambda i0, i1: _merge_scores(blocks, lengths, types, lo, hi, i0, i1)
    )
    return _scored_links(blocks, steps, settings.SCORE_WINDOW)


def align_best_match(suspect_vecs: np.ndarray, source_vecs: np.ndarray, *, max_merge: int = 2) -> list[Link]:
    """Order-free alignment for rewrites that reorder: every suspect passage (or pair of
    adjacent passages) is paired with the source passage (or pair) whose ratio margin
    is highest, greedily by score, each passage used once; a pairing is kept only if
    its score says it is a true counterpart, and a merge only if it beats its parts.
    The matrices are n x m: this mode is for article-sized inputs."""
    suspect, source = _unit_rows(suspect_vecs), _unit_rows(source_vecs)
    n, m = len(suspect), len(source)
    if n == 0 or m == 0:
        return _skips(range(n), range(m))
    k = settings.MARGIN_K
    cosines = suspect @ source.T
    suspect_neighbourhood = _top_k_mean(cosines, k)
    source_neighbourhood = _top_k_mean(cosines.T, k)
    single_margins = cosines / ((suspect_neighbourhood[:, None] + source_neighbourhood[None, :]) / 2)
    candidates: list[tuple[float, tuple[int, ...], tuple[int, ...]]] = []
    for i, j in zip(*np.nonzero(single_margins >= settings.LINK_MARGIN_MID)):
        candidates.append((float(single_margins[i, j]), (int(i),), (int(j),)))
    for size in range(2, max_merge + 1):
        candidates += _merge_candidates(suspect, source, single_margins, source_neighbourhood, size, k, "suspect")
        candidates += _merge_candidates(source, suspect, single_margins.T, suspect_neighbourhood, size, k, "source")
    used_suspect, used_source = np.zeros(n, dtype=bool), np.zeros(m, dtype=bool)
    links = []
    for margin, suspect_block, source_block in sorted(candidates, key=lambda c: (-c[0], len(c[1]) + len(c[2]))):
        if used_suspect[list(suspect_block)].any() or used_source[list(source_block)].any():
            continue
        used_suspect[list(suspect_block)] = True
        used_source[list(source_block)] = True
        cosine = float(_unit(suspect[list(suspect_block)].sum(0)) @ _unit(source[list(source_block)].sum(0)))
        links.append(Link(suspect_block, source_block, link_score(margin), cosine))
    links += _skips(np.flatnonzero(~used_suspect), [])
    links.sort(key=lambda link: link.suspect[0])
    return links + _skips([], np.flatnonzero(~used_source))


def _merge_candidates(
    merged_side: np.ndarray,
    other_side: np.ndarray,
    single_margins: np.ndarray,
    other_neighbourhood: np.ndarray,
    size: int,
    k: int,
    merged_name: str,
) -> list[tuple[float, tuple[int, ...], tuple[int, ...]]]:
    """Candidates joining `size` adjacent passages of one side to one passage of the
    other, kept when their margin clears the acceptance line and beats every part's."""
    count = len(merged_side) - size + 1
    if count < 1:
        return []
    blocks = np.stack([_unit(merged_side[start : start + size].sum(0)) for start in range(count)])
    cosines = blocks @ other_side.T
    margins = cosines / ((_top_k_mean(cosines, k)[:, None] + other_neighbourhood[None, :]) / 2)
    best_part = np.max([single_margins[offset : offset + count] for offset in range(size)], axis=0)
    keep = (margins >= settings.LINK_MARGIN_MID) & (margins > best_part)
    found = []
    for start, other in zip(*np.nonzero(keep)):
        block, single = tuple(range(int(start), int(start) + size)), (int(other),)
        pair = (block, single) if merged_name == "suspect" else (single, block)
        found.append((float(margins[start, other]), *pair))
    return found


# --- monotone alignment: the band -------------------------------------------------


def _anchor_path(suspect: np.ndarray, source: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The columns an approximate path visits on each lattice row 0..n, as (first, last):
    straight lines between anchors, the longest in-order chain of mutual nearest
    neighbours. Small problems look for neighbours everywhere; larger ones first at
    half resolution (adjacent vectors summed), then only near the coarse path, so
    the cost grows with the length, not its square (Vecalign's recursive downsampling)."""
    n, m = len(suspect), len(source)
    if n * m <= settings.FULL_SEARCH_CELLS:
        lo, hi = np.zeros(n + 1, dtype=np.int64), np.full(n + 1, m, dtype=np.int64)
    else:
        coarse_first, coarse_last = _anchor_path(_halve(suspect), _halve(source))
        rows = np.arange(n + 1)
        lo, hi = _widen(
            np.minimum(2 * coarse_first[rows // 2], m),
            np.minimum(2 * coarse_last[(rows + 1) // 2] + 1, m),
            settings.ANCHOR_WINDOW,
            m,
        )
    anchor_rows, anchor_cols = _mutual_nearest(suspect, source, lo, hi)
    chain = _longest_chain(anchor_cols)
    # lattice points: (0, 0), then each anchor's cell entered at (i, j) and left at (i + 1, j + 1), then (n, m)
    rows = np.concatenate([[0], np.stack([anchor_rows[chain], anchor_rows[chain] + 1], 1).ravel(), [n]])
    cols = np.concatenate([[0], np.stack([anchor_cols[chain], anchor_cols[chain] + 1], 1).ravel(), [m]])
    lattice = np.arange(n + 1)
    # a row holding several points (the last anchor on row n - 1, then (n, m)) spans all their columns
    first = np.floor(np.interp(lattice - 0.5, rows, cols)).astype(np.int64)
    last = np.ceil(np.interp(lattice + 0.5, rows, cols)).astype(np.int64)
    first[0], last[n] = 0, m
    return np.clip(first, 0, m), np.clip(last, 0, m)


def _mutual_nearest(suspect: np.ndarray, source: np.ndarray, lo: np.ndarray, hi: np.ndarray):
    """(rows, cols) of sentence pairs that are each other's highest cosine inside the band."""
    n, m = len(suspect), len(source)
    row_best = np.full(n, -1)
    col_best, col_score = np.full(m, -1), np.full(m, -np.inf)
    for start in range(0, n, _ROWS_PER_CHUNK):
        sentences = np.arange(start, min(start + _ROWS_PER_CHUNK, n))
        # a 1-1 link of sentences (i, j) steps from lattice cell (i, j) to (i + 1, j + 1)
        c0, c1 = int(lo[sentences[0]]), int(hi[sentences[-1] + 1])
        if c1 <= c0:
            continue
        columns = np.arange(c0, c1)
        inside = (columns[None, :] >= lo[sentences][:, None]) & (columns[None, :] < hi[sentences + 1][:, None])
        cosines = np.where(inside, suspect[sentences] @ source[c0:c1].T, -np.inf)
        row_best[sentences] = c0 + cosines.argmax(1)
        best_in_chunk, best_row = cosines.max(0), sentences[cosines.argmax(0)]
        better = best_in_chunk > col_score[c0:c1]
        col_score[c0:c1][better] = best_in_chunk[better]
        col_best[c0:c1][better] = best_row[better]
    rows = np.flatnonzero((row_best >= 0) & (col_best[row_best] == np.arange(n)))
    return rows, row_best[rows]


def _longest_chain(cols: np.ndarray) -> np.ndarray:
    """Indexes of the longest strictly increasing subsequence of cols (patience sorting)."""
    tails: list[int] = []  # tails[k]: the smallest last column of an increasing run of length k + 1
    tail_index: list[int] = []
    previous = np.full(len(cols), -1)
    for index, col in enumerate(cols.tolist()):
        k = bisect.bisect_left(tails, col)
        if k == len(tails):
            tails.append(col)
            tail_index.append(index)
        else:
            tails[k], tail_index[k] = col, index
        previous[index] = tail_index[k - 1] if k else -1
    chain = []
    index = tail_index[-1] if tail_index else -1
    while index >= 0:
        chain.append(index)
        index = previous[index]
    return np.array(chain[::-1], dtype=np.int64)


def _halve(vecs: np.ndarray) -> np.ndarray:
    """Half resolution: each pair of adjacent vectors summed (an odd last one kept)."""
    pairs = vecs[: len(vecs) // 2 * 2].reshape(-1, 2, vecs.shape[1]).sum(1)
    if len(vecs) % 2:
        pairs = np.vstack([pairs, vecs[-1:]])
    return pairs / np.maximum(np.linalg.norm(pairs, axis=1, keepdims=True), 1e-12)


def _widen(first: np.ndarray, last: np.ndarray, window: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Band rows: every cell within `window` rows and columns of the path."""
    n = len(first) - 1
    rows = np.arange(n + 1)
    lo = np.maximum(first[np.maximum(rows - window, 0)] - window, 0)
    hi = np.minimum(last[np.minimum(rows + window, n)] + window, m)
    lo[0], hi[n] = 0, m
    return lo, hi


# --- monotone alignment: the merge scores -----------------------------------------


class _Blocks:
    """Vectors of runs of adjacent passages on either side: embedded by `block_vecs`,
    else the normalised sum of the passages' vectors, each weighted by its length to
    the power settings.BLOCK_LENGTH_POWER when lengths are known (a short "Sure." adds
    less to a merged sentence than a long one, as it would to its embedding)."""

    def __init__(
        self,
        suspect: np.ndarray,
        source: np.ndarray,
        block_vecs: BlockVectors | None = None,
        suspect_lengths: Sequence[int] | None = None,
        source_lengths: Sequence[int] | None = None,
    ):
        self.sides = {"suspect": suspect, "source": source}
        self.weights = {
            side: (np.maximum(np.asarray(lengths, dtype=np.float32), 1) ** settings.BLOCK_LENGTH_POWER)[:, None]
            if lengths is not None
            else np.ones((len(vecs), 1), dtype=np.float32)
            for side, vecs, lengths in (("suspect", suspect, suspect_lengths), ("source", source, source_lengths))
        }
        self.block_vecs = block_vecs
        self.embedded: dict[tuple[str, int, int], np.ndarray] = {}

    def ending_at(self, side: str, ends: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Unit vectors of the blocks [end - size, end) for each end, and which exist."""
        vecs, weights = self.sides[side], self.weights[side]
        valid = (ends - size >= 0) & (ends <= len(vecs))
        if size > len(vecs):
            return np.zeros((len(ends), vecs.shape[1]), dtype=vecs.dtype), valid
        safe_ends = np.where(valid, ends, size)
        if size == 1:
            return vecs[safe_ends - 1], valid
        if self.block_vecs is not None:
            return np.stack([self.vector(side, int(end) - size, int(end)) for end in safe_ends]), valid
        members = safe_ends[None, :] - np.arange(1, size + 1)[:, None]
        summed = (vecs[members] * weights[members]).sum(0)
        return summed / np.maximum(np.linalg.norm(summed, axis=1, keepdims=True), 1e-12), valid

    def vector(self, side: str, start: int, end: int) -> np.ndarray:
        if end - start == 1:
            return self.sides[side][start]
        if self.block_vecs is None:
            return _unit((self.sides[side][start:end] * self.weights[side][start:end]).sum(0))
        key = (side, start, end)
        if key not in self.embedded:
            self.embedded[key] = _unit(np.asarray(self.block_vecs(side, start, end), dtype=np.float32))
        return self.embedded[key]


class _LengthPenalty:
    """Bertalign's length penalty log2(1 + shorter/longer), after scaling the source's
    lengths so that both documents have the same total."""

    def __init__(self, suspect_lengths: Sequence[int], source_lengths: Sequence[int]):
        suspect_total = np.concatenate([[0], np.cumsum(np.maximum(np.asarray(suspect_lengths, dtype=np.float64), 1))])
        source_total = np.concatenate([[0], np.cumsum(np.maximum(np.asarray(source_lengths, dtype=np.float64), 1))])
        self.suspect_total = suspect_total
        self.source_total = source_total * suspect_total[-1] / source_total[-1]

    def __call__(self, ends_x: np.ndarray, a: int, ends_y: np.ndarray, b: int) -> np.ndarray:
        x = self.suspect_total[ends_x] - self.suspect_total[np.maximum(ends_x - a, 0)]
        y = self.source_total[ends_y] - self.source_total[np.maximum(ends_y - b, 0)]
        x, y = x[:, None], y[None, :]
        return np.log2(1 + np.minimum(x, y) / np.maximum(np.maximum(x, y), 1e-9))


def _merge_scores(
    blocks: _Blocks,
    lengths: _LengthPenalty | None,
    types: list[tuple[int, int]],
    lo: np.ndarray,
    hi: np.ndarray,
    i0: int,
    i1: int,
) -> np.ndarray:
    """Scores of every link type ending in each band cell of rows i0..i1-1.

    A link's score is Bertalign's margin, the cosine of its two blocks less the mean
    cosine of each block with the passages just before and after the other block,
    times the length penalty, less a small penalty per merged passage so that 1-1
    wins ties."""
    suspect, source = blocks.sides["suspect"], blocks.sides["source"]
    n, m = len(suspect), len(source)
    max_a, max_b = max(a for a, _ in types), max(b for _, b in types)
    rows = np.arange(i0, i1)
    c0, c1 = int(lo[i0]), int(hi[i1 - 1])
    ends_y = np.arange(c0, c1 + 1)
    # neighbour passages: the one before a block (index end - size - 1) and after it (index end)
    x_first, y_first = max(i0 - max_a - 1, 0), max(c0 - max_b - 1, 0)
    x_near, y_near = suspect[x_first : min(i1, n)], source[y_first : min(c1 + 1, m)]
    x_blocks = [blocks.ending_at("suspect", rows, a) for a in range(1, max_a + 1)]
    y_blocks = [blocks.ending_at("source", ends_y, b) for b in range(1, max_b + 1)]
    # one product for all the cosines: blocks and neighbours of one side against the other's
    x_rows = np.vstack([vecs for vecs, _ in x_blocks] + [x_near])
    products = x_rows @ np.vstack([vecs for vecs, _ in y_blocks] + [y_near]).T
    r, c = len(rows), len(ends_y)

    def around(similarities: np.ndarray, before: np.ndarray, after: np.ndarray, first: int, count: int) -> np.ndarray:
        """Mean similarity (along axis 1) with the passages at `before` and `after`; absent ones left out."""
        has_before, has_after = before >= 0, after < count
        last = similarities.shape[1] - 1
        before_sims = np.where(has_before, similarities[:, np.clip(before - first, 0, last)], 0.0)
        after_sims = np.where(has_after, similarities[:, np.clip(after - first, 0, last)], 0.0)
        return (before_sims + after_sims) / np.maximum(has_before.astype(np.int64) + has_after, 1)

    width = int((hi - lo).max()) + 1
    columns = lo[rows][:, None] + np.arange(width)[None, :]
    in_band = columns <= hi[rows][:, None]
    gather = (np.arange(r)[:, None], np.clip(columns - c0, 0, c1 - c0))
    scores = np.full((len(types), r, width), -np.inf)
    for t, (a, b) in enumerate(types):
        cosines = products[(a - 1) * r : a * r, (b - 1) * c : b * c]
        around_y = around(products[(a - 1) * r : a * r, max_b * c :], ends_y - b - 1, ends_y, y_first, m)
        around_x = around(products[max_a * r :, (b - 1) * c : b * c].T, rows - a - 1, rows, x_first, n).T
        margin = cosines - (around_x + around_y) / 2
        if lengths is not None:
            margin = margin * lengths(rows, a, ends_y, b)
        margin = np.where(x_blocks[a - 1][1][:, None] & y_blocks[b - 1][1][None, :], margin, -np.inf)
        scores[t] = np.where(in_band, margin[gather], -np.inf) - settings.MERGE_PENALTY * (a + b - 2)
    return scores


# --- the dynamic programme --------------------------------------------------------


def _banded_dp(
    n: int,
    m: int,
    lo: np.ndarray,
    hi: np.ndarray,
    types: list[tuple[int, int]],
    skip: float,
    scores_for: Callable[[int, int], np.ndarray],
) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Best-scoring monotone path from (0, 0) to (n, m) through cells lo[i] <= j <= hi[i].

    `types` are the aligned steps (a, b), a and b >= 1, in order of preference on ties;
    skips (1, 0) and (0, 1) score `skip`. `scores_for(i0, i1)` gives the steps' scores
    for rows i0..i1-1 as an array (type, row, column offset from lo[row]). A row is
    solved at once: where every step into it comes from is worked out for a chunk of
    rows beforehand, and the (0, 1) skips chaining along the row are a running maximum."""
    width = int((hi - lo).max()) + 1
    stride = width + 1  # one spare column per row, always -inf: where out-of-band reads land
    best = np.full((n + 1) * stride, -np.inf)
    back = np.zeros((n + 1, width), dtype=np.int8)
    offsets = np.arange(width)
    skips_along = offsets * skip
    best[: hi[0] - lo[0] + 1] = skips_along[: hi[0] - lo[0] + 1]
    back[0] = _CHAIN
    all_steps = [*types, (1, 0)]
    step_a = np.array([a for a, _ in all_steps])[None, :, None]
    step_b = np.array([b for _, b in all_steps])[None, :, None]
    band_last = hi - lo
    for i0 in range(1, n + 1, _ROWS_PER_CHUNK):
        rows = np.arange(i0, min(i0 + _ROWS_PER_CHUNK, n + 1))
        gains = np.concatenate([scores_for(i0, rows[-1] + 1), np.full((1, len(rows), width), skip)])
        from_rows = rows[:, None, None] - step_a
        safe_rows = np.maximum(from_rows, 0)
        from_cols = (lo[rows][:, None, None] + offsets[None, None, :]) - step_b - lo[safe_rows]
        reachable = (from_rows >= 0) & (from_cols >= 0) & (from_cols <= band_last[safe_rows])
        reachable &= offsets[None, None, :] <= band_last[rows][:, None, None]
        sources = np.where(reachable, safe_rows * stride + from_cols, width)
        for r, i in enumerate(rows):
            candidates = best[sources[r]] + gains[:, r]
            pointer = candidates.argmax(0)
            reached = candidates[pointer, offsets]
            chained = np.maximum.accumulate(reached - skips_along) + skips_along
            from_left = np.concatenate([[False], chained[:-1] + skip > reached[1:]])
            best[i * stride : i * stride + width] = chained
            back[i] = np.where(from_left, _CHAIN, pointer)
    path = []
    i, j = n, m
    while i > 0 or j > 0:
        t = int(back[i, j - lo[i]])
        if t == _CHAIN:
            path.append(((), (j - 1,)))
            j -= 1
            continue
        a, b = all_steps[t]
        path.append((tuple(range(i - a, i)), tuple(range(j - b, j))))
        i, j = i - a, j - b
    return path[::-1]


# --- links ------------------------------------------------------------------------


def link_margin(
    suspect_vecs: np.ndarray,
    source_vecs: np.ndarray,
    suspect_block: Sequence[int],
    source_block: Sequence[int],
    *,
    suspect_lengths: Sequence[int] | None = None,
    source_lengths: Sequence[int] | None = None,
    window: int = settings.SCORE_WINDOW,
) -> tuple[float, float]:
    """(ratio margin, cosine) of one link between runs of adjacent passages, merged as
    `align_monotone` merges them; the neighbourhoods are the other side's passages
    within `window` of the link. The number a link's score is a logistic of."""
    blocks = _Blocks(_unit_rows(suspect_vecs), _unit_rows(source_vecs), None, suspect_lengths, source_lengths)
    margins, cosines = _margins_and_cosines(blocks, [(tuple(suspect_block), tuple(source_block))], window)
    return float(margins[0]), float(cosines[0])


def _scored_links(blocks: _Blocks, steps: list[tuple[tuple[int, ...], tuple[int, ...]]], window: int) -> list[Link]:
    pairs = [(suspect_block, source_block) for suspect_block, source_block in steps if suspect_block and source_block]
    margins, cosines = _margins_and_cosines(blocks, pairs, window)
    scored = iter(zip(margins.tolist(), cosines.tolist()))
    links = []
    for suspect_block, source_block in steps:
        if suspect_block and source_block:
            margin, cosine = next(scored)
            links.append(Link(suspect_block, source_block, link_score(margin), cosine))
        else:
            links.append(Link(suspect_block, source_block, 0.0, 0.0))
    return links


def _margins_and_cosines(
    blocks: _Blocks, pairs: list[tuple[tuple[int, ...], tuple[int, ...]]], window: int
) -> tuple[np.ndarray, np.ndarray]:
    """Ratio margin and cosine of each link, from the mean of the k highest cosines
    of each side's vector with the other side's passages near the link."""
    if not pairs:
        return np.zeros(0), np.zeros(0)
    suspect_starts, suspect_ends = np.array([[s[0], s[-1] + 1] for s, _ in pairs]).T
    source_starts, source_ends = np.array([[t[0], t[-1] + 1] for _, t in pairs]).T
    x = np.stack([blocks.vector("suspect", start, end) for start, end in zip(suspect_starts, suspect_ends)])
    y = np.stack([blocks.vector("source", start, end) for start, end in zip(source_starts, source_ends)])
    cosines = np.einsum("ld,ld->l", x, y)
    near_x = _nearby_top_k_mean(x, blocks.sides["source"], source_starts, source_ends, window)
    near_y = _nearby_top_k_mean(y, blocks.sides["suspect"], suspect_starts, suspect_ends, window)
    return cosines / ((near_x + near_y) / 2), cosines


def _nearby_top_k_mean(
    vecs: np.ndarray, other: np.ndarray, starts: np.ndarray, ends: np.ndarray, window: int
) -> np.ndarray:
    """For each vector, the mean of its k highest cosines with other[start - window : end + window]."""
    k = settings.MARGIN_K
    span = int((ends - starts).max()) + 2 * window
    means = np.empty(len(vecs))
    for first in range(0, len(vecs), _LINKS_PER_CHUNK):
        chunk = slice(first, first + _LINKS_PER_CHUNK)
        indexes = (starts[chunk] - window)[:, None] + np.arange(span)[None, :]
        valid = (indexes >= 0) & (indexes < len(other)) & (indexes < (ends[chunk] + window)[:, None])
        similarities = np.einsum("ld,lwd->lw", vecs[chunk], other[np.clip(indexes, 0, len(other) - 1)])
        highest = -np.sort(-np.where(valid, similarities, -np.inf), axis=1)[:, :k]
        counts = np.minimum(valid.sum(1), k)
        means[chunk] = np.where(np.arange(highest.shape[1])[None, :] < counts[:, None], highest, 0.0).sum(1) / counts
    return means


def _skips(suspect_indexes, source_indexes) -> list[Link]:
    return [Link((int(i),), (), 0.0, 0.0) for i in suspect_indexes] + [
        Link((), (int(j),), 0.0, 0.0) for j in source_indexes
    ]


def _top_k_mean(cosines: np.ndarray, k: int) -> np.ndarray:
    """Mean of each row's k largest values (all of them when a row is shorter)."""
    k = max(1, min(k, cosines.shape[1]))
    return -np.partition(-cosines, k - 1, axis=1)[:, :k].mean(axis=1)


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def _unit_rows(vecs: np.ndarray) -> np.ndarray:
    """The vectors as a float32 matrix of unit rows (an empty input as a 0 x 0 one)."""
    matrix = np.asarray(vecs, dtype=np.float32)
    if matrix.size == 0 and matrix.ndim < 2:
        return matrix.reshape(0, 0)
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
