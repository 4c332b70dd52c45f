"""Passage alignment: which suspect passages say what which source passages say.

A translation keeps its source's order but splits and merges sentences, drops a few
and adds a few (a caption, a comment counter). `align_monotone` finds that reading as
Bertalign does, in two passes: a cheap 1-1 path first (found coarse to fine, as
Vecalign's recursive downsampling does, so that a long document costs time in
proportion to its length, not its square), then a dynamic programme with 1-n, n-1 and
n-m merges and skips inside a narrow band around that path. A rewrite may also
reorder: `align_best_match` pairs each suspect passage, or pair of adjacent passages,
with its best counterpart wherever that is.

Both return links that together cover every suspect index and every source index
exactly once; a link with an empty side is a skip. `Link.score` is the same number in
both modes: a logistic of the link's LASER ratio margin (`margin_matrix`), fitted on
gold links against near misses (scripts/bench_alignment.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from . import settings
from .models import Link

# (side, start, end) -> the embedding of passages start..end-1 joined into one text,
# side being "suspect" or "source"; the caller caches it.
BlockVectors = Callable[[str, int, int], np.ndarray]

_CHAIN = -1  # back-pointer: a source passage skipped within the same DP row
_ORIGIN = -2
_ROWS_PER_CHUNK = 64  # DP rows whose scores are computed in one matrix product


def margin_matrix(suspect_vecs: np.ndarray, source_vecs: np.ndarray, k: int = settings.MARGIN_K) -> np.ndarray:
    """LASER's ratio margin for every pair: cos(x, y) divided by the mean of x's k
    nearest source cosines and y's k nearest suspect cosines. A true counterpart
    stands out from its neighbours (> 1); a merely nearest one does not. k is cut
    to the other side's size."""
    suspect, source = _as_matrix(suspect_vecs), _as_matrix(source_vecs)
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
    suspect, source = _as_matrix(suspect_vecs), _as_matrix(source_vecs)
    n, m = len(suspect), len(source)
    if n == 0 or m == 0:
        return _skips(range(n), range(m))
    path_lo, path_hi = _one_to_one_path(suspect, source)
    lo, hi = _widen(path_lo, path_hi, settings.ALIGN_WINDOW, m)
    blocks = _Blocks(suspect, source, block_vecs)
    lengths = _LengthPenalty(suspect_lengths, source_lengths) if suspect_lengths and source_lengths else None
    types = [(a, b) for a in range(1, max_merge + 1) for b in range(1, max_merge + 1) if a + b <= max_merge + 1]
    steps = _banded_dp(
        n, m, lo, hi, types, settings.ALIGN_SKIP, lambda i0, i1: _merge_scores(blocks, lengths, types, lo, hi, i0, i1)
    )
    return [
        _scored_link(blocks, suspect_block, source_block, settings.SCORE_WINDOW)
        for suspect_block, source_block in steps
    ]


def align_best_match(suspect_vecs: np.ndarray, source_vecs: np.ndarray, *, max_merge: int = 2) -> list[Link]:
    """Order-free alignment for rewrites that reorder: every suspect passage (or pair of
    adjacent passages) is paired with the source passage (or pair) whose ratio margin
    is highest, greedily by score, each passage used once; a pairing is kept only if
    its score says it is a true counterpart, and a merge only if it beats its parts.
    The matrices are n x m: this mode is for article-sized inputs."""
    suspect, source = _as_matrix(suspect_vecs), _as_matrix(source_vecs)
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
    keep = (margins >= settings.LINK_MARGIN_MID) & (margins > best_part + settings.MERGE_PENALTY)
    found = []
    for start, other in zip(*np.nonzero(keep)):
        block, single = tuple(range(int(start), int(start) + size)), (int(other),)
        pair = (block, single) if merged_name == "suspect" else (single, block)
        found.append((float(margins[start, other]), *pair))
    return found


# --- monotone alignment: the band -------------------------------------------------


def _one_to_one_path(suspect: np.ndarray, source: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The columns a 1-1 path (with skips) visits on each lattice row 0..n, as (first,
    last). Small problems are searched whole; larger ones first at half resolution
    (adjacent vectors summed), then only near the coarse path."""
    n, m = len(suspect), len(source)
    if n * m <= settings.FULL_DP_CELLS:
        lo, hi = np.zeros(n + 1, dtype=np.int64), np.full(n + 1, m, dtype=np.int64)
    else:
        coarse_lo, coarse_hi = _one_to_one_path(_halve(suspect), _halve(source))
        rows = np.arange(n + 1)
        lo, hi = _widen(
            np.minimum(2 * coarse_lo[rows // 2], m),
            np.minimum(2 * coarse_hi[(rows + 1) // 2] + 1, m),
            settings.ANCHOR_WINDOW,
            m,
        )
    steps = _banded_dp(
        n, m, lo, hi, [(1, 1)], 0.0, lambda i0, i1: _anchor_scores(suspect, source, lo, hi, i0, i1)
    )
    first, last = np.zeros(n + 1, dtype=np.int64), np.zeros(n + 1, dtype=np.int64)
    i = j = 0
    last[0] = 0
    for suspect_block, source_block in steps:
        i += len(suspect_block)
        j += len(source_block)
        if suspect_block:
            first[i] = j
        last[i] = j
    return first, last


def _halve(vecs: np.ndarray) -> np.ndarray:
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


def _anchor_scores(suspect, source, lo, hi, i0: int, i1: int) -> np.ndarray:
    """First-pass 1-1 scores (Bertalign): a cell scores its cosine when the source
    passage is among the suspect passage's top-k inside the band, else nothing."""
    rows = np.arange(i0, i1)
    width = int((hi - lo).max()) + 1
    columns = lo[rows][:, None] + np.arange(width)[None, :]
    inside = (columns <= hi[rows][:, None]) & (columns >= 1) & (rows[:, None] >= 1)
    c0, c1 = max(int(lo[i0]), 1), int(hi[i1 - 1])
    scores = np.zeros((1, len(rows), width))
    if c1 < c0 or i1 <= 1:
        return scores
    rectangle = suspect[np.maximum(rows - 1, 0)] @ source[c0 - 1 : c1].T
    cosines = np.where(inside, rectangle[np.arange(len(rows))[:, None], np.clip(columns - c0, 0, c1 - c0)], -np.inf)
    k = min(settings.ANCHOR_TOP_K, width)
    kth = -np.partition(-cosines, k - 1, axis=1)[:, k - 1 : k]
    scores[0] = np.where(inside & (cosines >= kth), cosines, 0.0)
    return scores


# --- monotone alignment: the merge scores -----------------------------------------


class _Blocks:
    """Vectors of runs of adjacent passages on either side: summed or embedded."""

    def __init__(self, suspect: np.ndarray, source: np.ndarray, block_vecs: BlockVectors | None):
        self.sides = {"suspect": suspect, "source": source}
        self.block_vecs = block_vecs
        self.embedded: dict[tuple[str, int, int], np.ndarray] = {}

    def ending_at(self, side: str, ends: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Unit vectors of the blocks [end - size, end) for each end, and which exist."""
        vecs = self.sides[side]
        valid = (ends - size >= 0) & (ends <= len(vecs))
        if size > len(vecs):
            return np.zeros((len(ends), vecs.shape[1]), dtype=vecs.dtype), valid
        safe_ends = np.where(valid, ends, size)
        if size == 1:
            return vecs[safe_ends - 1], valid
        if self.block_vecs is not None:
            return np.stack([self.vector(side, int(end) - size, int(end)) for end in safe_ends]), valid
        summed = np.sum([vecs[safe_ends - offset] for offset in range(1, size + 1)], axis=0)
        return summed / np.maximum(np.linalg.norm(summed, axis=1, keepdims=True), 1e-12), valid

    def vector(self, side: str, start: int, end: int) -> np.ndarray:
        if end - start == 1:
            return self.sides[side][start]
        if self.block_vecs is None:
            return _unit(self.sides[side][start:end].sum(0))
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

    def parts(self, ends_x, a, ends_y, b):
        x = self.suspect_total[ends_x] - self.suspect_total[np.maximum(ends_x - a, 0)]
        y = self.source_total[ends_y] - self.source_total[np.maximum(ends_y - b, 0)]
        x, y = x[:, None], y[None, :]
        return np.log2(1 + np.minimum(x, y) / np.maximum(np.maximum(x, y), 1e-9)), np.abs(np.log(np.maximum(x, 1) / np.maximum(y, 1)))

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
    products = np.vstack([vecs for vecs, _ in x_blocks] + [x_near]) @ np.vstack([vecs for vecs, _ in y_blocks] + [y_near]).T
    r, c = len(rows), len(ends_y)

    def around(similarities: np.ndarray, before: np.ndarray, after: np.ndarray, first: int, count: int) -> np.ndarray:
        """Mean similarity (along axis 1) with the passages at `before` and `after`, absent ones left out."""
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
        if getattr(settings, "_W", 0) == 3:
            margin = _members(products, a, b, r, c, max_a, max_b, rows, ends_y, x_first, y_first, n, m)
        if getattr(settings, "_W", 0) == 4:
            margin = -(1 - cosines) / np.maximum(1 - (around_x + around_y) / 2, 1e-3) * (a * b) ** getattr(settings, "_P", 1.0)
        if getattr(settings, "_W", 0) == 5:
            w = settings._WEIGHTS
            L = lengths.parts(rows, a, ends_y, b) if lengths is not None else (np.ones((r, c)), np.zeros((r, c)))
            feats = [cosines, margin, L[0], L[1], np.full((r, c), a + b - 2.0), np.full((r, c), (a - 1) * (b - 1) * 1.0)]
            if getattr(settings, "_FEATS", None) is not None:
                settings._FEATS.append((a, b, rows, ends_y, feats))
            margin = w[0] + sum(wk * f for wk, f in zip(w[1:], feats))
        if getattr(settings, "_W", 0) == 1:
            margin = margin * (a + b) / 2
        if getattr(settings, "_W", 0) == 2:
            margin = (margin - getattr(settings, "_TAU", 0.0)) * (a + b) / 2
        if lengths is not None and getattr(settings, "_W", 0) != 5:
            margin = margin * lengths(rows, a, ends_y, b)
        margin = np.where(x_blocks[a - 1][1][:, None] & y_blocks[b - 1][1][None, :], margin, -np.inf)
        scores[t] = np.where(in_band, margin[gather], -np.inf) - settings.MERGE_PENALTY * (a + b - 2)
    return scores


def _members(G, a, b, r, c, max_a, max_b, rows, ends_y, x_first, y_first, n, m):
    """Sum over both blocks' members of member-vs-other-block cosine less the mean of
    the member's cosine with the other block's two neighbours."""
    xb_yn = G[(a - 1) * r : a * r, max_b * c :]  # X block vs y sentences (r, ly)
    xn_yb = G[max_a * r :, (b - 1) * c : b * c]  # x sentences vs Y block (lx, c)
    xn_yn = G[max_a * r :, max_b * c :]  # (lx, ly)
    lx, ly = xn_yn.shape
    pre_y = np.concatenate([np.zeros((r, 1)), np.cumsum(xb_yn, axis=1)], axis=1)
    ej = np.clip(ends_y - y_first, 0, ly)
    sj = np.clip(ends_y - b - y_first, 0, ly)
    y_members = pre_y[:, ej] - pre_y[:, sj]  # (r, c): sum_l cos(y_l, X)
    pre_x = np.concatenate([np.zeros((1, c)), np.cumsum(xn_yb, axis=0)], axis=0)
    ei = np.clip(rows - x_first, 0, lx)
    si = np.clip(rows - a - x_first, 0, lx)
    x_members = pre_x[ei] - pre_x[si]  # (r, c): sum_k cos(x_k, Y)
    nn_y = np.concatenate([np.zeros((lx, 1)), np.cumsum(xn_yn, axis=1)], axis=1)  # along y
    nn_x = np.concatenate([np.zeros((1, ly)), np.cumsum(xn_yn, axis=0)], axis=0)  # along x
    # y members vs x neighbours (i - a - 1) and (i)
    before_x, after_x = rows - a - 1, rows
    hb, ha = before_x >= 0, after_x < n
    bx = np.clip(before_x - x_first, 0, lx - 1)[:, None]
    ax = np.clip(after_x - x_first, 0, lx - 1)[:, None]
    y_nb = (np.where(hb[:, None], nn_y[bx, ej[None, :]] - nn_y[bx, sj[None, :]], 0.0)
            + np.where(ha[:, None], nn_y[ax, ej[None, :]] - nn_y[ax, sj[None, :]], 0.0)) / np.maximum(hb.astype(int) + ha, 1)[:, None]
    before_y, after_y = ends_y - b - 1, ends_y
    hby, hay = before_y >= 0, after_y < m
    by = np.clip(before_y - y_first, 0, ly - 1)[None, :]
    ay = np.clip(after_y - y_first, 0, ly - 1)[None, :]
    x_nb = (np.where(hby[None, :], nn_x[ei[:, None], by] - nn_x[si[:, None], by], 0.0)
            + np.where(hay[None, :], nn_x[ei[:, None], ay] - nn_x[si[:, None], ay], 0.0)) / np.maximum(hby.astype(int) + hay, 1)[None, :]
    return (y_members - y_nb) + (x_members - x_nb)


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
    solved at once: every step into it is one gather, and the (0, 1) skips chaining
    along it are a running maximum."""
    width = int((hi - lo).max()) + 1
    # one spare -inf column: out-of-band cells of the previous rows are read from it
    best = np.full((n + 1, width + 1), -np.inf)
    back = np.full((n + 1, width), _ORIGIN, dtype=np.int8)
    offsets = np.arange(width)
    row0 = hi[0] - lo[0] + 1
    best[0, :row0] = offsets[:row0] * skip
    back[0, 1:row0] = _CHAIN
    all_steps = [*types, (1, 0)]
    step_a = np.array([a for a, _ in all_steps])
    step_b = np.array([b for _, b in all_steps])
    band_last = hi - lo
    for i0 in range(1, n + 1, _ROWS_PER_CHUNK):
        i1 = min(i0 + _ROWS_PER_CHUNK, n + 1)
        gains = np.concatenate([scores_for(i0, i1), np.full((1, i1 - i0, width), skip)])
        for i in range(i0, i1):
            row_width = band_last[i] + 1
            previous_rows = np.maximum(i - step_a, 0)
            previous = (lo[i] + offsets[:row_width])[None, :] - step_b[:, None] - lo[previous_rows][:, None]
            outside = (previous < 0) | (previous > band_last[previous_rows][:, None]) | (i - step_a < 0)[:, None]
            candidates = best[previous_rows[:, None], np.where(outside, width, previous)] + gains[:, i - i0, :row_width]
            pointer = candidates.argmax(0)
            reached = candidates[pointer, offsets[:row_width]]
            steps = offsets[:row_width] * skip
            chained = np.maximum.accumulate(reached - steps) + steps
            from_left = np.zeros(row_width, dtype=bool)
            from_left[1:] = chained[:-1] + skip > reached[1:]
            best[i, :row_width] = np.where(from_left, chained, reached)
            back[i, :row_width] = np.where(from_left, _CHAIN, np.where(np.isfinite(reached), pointer, _ORIGIN))
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
    window: int = settings.SCORE_WINDOW,
) -> tuple[float, float]:
    """(ratio margin, cosine) of one link between runs of adjacent passages, their
    vectors summed; the neighbourhoods are the other side's passages within `window`
    of the link. The number a monotone link's score is a logistic of."""
    blocks = _Blocks(_as_matrix(suspect_vecs), _as_matrix(source_vecs), None)
    return _margin_and_cosine(blocks, tuple(suspect_block), tuple(source_block), window)


def _margin_and_cosine(
    blocks: _Blocks, suspect_block: tuple[int, ...], source_block: tuple[int, ...], window: int
) -> tuple[float, float]:
    suspect, source = blocks.sides["suspect"], blocks.sides["source"]
    x = blocks.vector("suspect", suspect_block[0], suspect_block[-1] + 1)
    y = blocks.vector("source", source_block[0], source_block[-1] + 1)
    cosine = float(x @ y)
    near_source = source[max(source_block[0] - window, 0) : source_block[-1] + 1 + window]
    near_suspect = suspect[max(suspect_block[0] - window, 0) : suspect_block[-1] + 1 + window]
    k = settings.MARGIN_K
    neighbourhood = (_top_k_mean((near_source @ x)[None, :], k)[0] + _top_k_mean((near_suspect @ y)[None, :], k)[0]) / 2
    return cosine / neighbourhood, cosine


def _scored_link(blocks: _Blocks, suspect_block: tuple[int, ...], source_block: tuple[int, ...], window: int) -> Link:
    if not suspect_block or not source_block:
        return Link(suspect_block, source_block, 0.0, 0.0)
    margin, cosine = _margin_and_cosine(blocks, suspect_block, source_block, window)
    return Link(suspect_block, source_block, link_score(margin), cosine)


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


def _as_matrix(vecs: np.ndarray) -> np.ndarray:
    matrix = np.asarray(vecs, dtype=np.float32)
    return matrix.reshape(0, 0) if matrix.size == 0 and matrix.ndim < 2 else matrix
