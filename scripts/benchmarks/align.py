"""The alignment benchmark: passage alignment on Text+Berg (de-fr gold with 1-n, n-m
links and deletions).

Scores `align_monotone` the way the Vecalign and Bertalign papers do (strict and lax
precision / recall / F1, micro-averaged over test0-6) against a 1-1 baseline (mutual
best cosine), in three ways (VARIANTS): with sentence lengths (ours), on vectors alone,
and with real embeddings of joined sentences instead of summed vectors; fits the link
score's logistic on textberg dev and NTREX; times the aligner on synthetic documents
of growing length. Parameters are tuned on dev only (`--tune`); test0-6 are only
reported.

    python scripts/bench.py align            # everything, a table per part
    python scripts/bench.py align --quick    # test0's first 60 sentences, < 30 s
    python scripts/bench.py align --tune     # the dev grid behind settings.py

Sentence vectors come from the run's vector cache (vectors.py), so only the first
full run embeds.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
from rich.table import Table

from provenance import settings
from provenance.align import BlockVectors, align_monotone, link_margin

from .locations import BENCH_DATA
from .records import console, show
from .workspace import Workspace

Encode = Callable[[list[str]], np.ndarray]  # texts -> their vectors, through the run's cache
TEST_DOCS = tuple(f"test{number}" for number in range(7))
NTREX_LANGS = ("vie", "deu", "rus", "zho-CN")
NTREX_DOCS = 8
QUICK_SENTENCES = 60
# Real block embeddings embed every run of 2..max_merge sentences once more (each longer
# than a sentence); at 2 that is one extra embedding per sentence, which is as far as
# the comparison goes here (an hour of CPU on two cores; sizes 3 and 4 triple it).
EMBEDDED_MAX_MERGE = 2
TIMING_LENGTHS = (100, 1_000, 5_000, 20_000)
PARAMS = (
    "MAX_MERGE",
    "ALIGN_WINDOW",
    "ALIGN_SKIP",
    "MERGE_PENALTY",
    "BLOCK_LENGTH_POWER",
    "MARGIN_K",
    "SCORE_WINDOW",
    "LINK_MARGIN_MID",
    "LINK_MARGIN_SCALE",
)


# --- data and embeddings ----------------------------------------------------------


def load_textberg() -> list[dict]:
    with open(BENCH_DATA / "textberg" / "textberg.de-fr.jsonl", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def ntrex_pairs(encode: Encode) -> list[tuple[np.ndarray, np.ndarray, list[int], list[int]]]:
    """(translation vectors, English vectors, their sentence lengths) for the first NTREX_DOCS
    documents in each of NTREX_LANGS; sentence i <-> English sentence i is the gold."""

    def first_docs(lang: str) -> list[list[str]]:
        with open(BENCH_DATA / "ntrex" / f"ntrex.{lang}.jsonl", encoding="utf-8") as lines:
            return [json.loads(line)["sentences"] for line, _ in zip(lines, range(NTREX_DOCS))]

    english = first_docs("eng")
    english_vectors = [encode(sentences) for sentences in english]
    pairs = []
    for lang in NTREX_LANGS:
        for number, sentences in enumerate(first_docs(lang)):
            lengths = ([len(s) for s in sentences], [len(s) for s in english[number]])
            pairs.append((encode(sentences), english_vectors[number], *lengths))
    return pairs


def quick_part(doc: dict, sentences: int = QUICK_SENTENCES) -> dict:
    """The document's first gold links up to about `sentences` German sentences, cut at a link."""
    kept, src_end, tgt_end = [], 0, 0
    for src, tgt in doc["gold"]:
        if src_end >= sentences:
            break
        kept.append([src, tgt])
        src_end = max([src_end, *(i + 1 for i in src)])
        tgt_end = max([tgt_end, *(j + 1 for j in tgt)])
    return {
        **doc,
        "doc": f"{doc['doc']}[:{src_end}]",
        "src_sentences": doc["src_sentences"][:src_end],
        "tgt_sentences": doc["tgt_sentences"][:tgt_end],
        "gold": kept,
    }


class Embedded:
    """One document's sentence vectors, and on demand the vectors of its joined runs of sentences."""

    def __init__(self, encode: Encode, doc: dict):
        self.encode, self.doc = encode, doc
        self.src = encode(doc["src_sentences"])
        self.tgt = encode(doc["tgt_sentences"])
        self.runs: dict[tuple[str, int], np.ndarray] = {}

    def block_vecs(self) -> BlockVectors:
        """Real embeddings of joined sentences, every run of a size embedded at once (and cached)."""
        sentences = {"suspect": self.doc["src_sentences"], "source": self.doc["tgt_sentences"]}

        def lookup(side: str, start: int, end: int) -> np.ndarray:
            size = end - start
            if (side, size) not in self.runs:
                texts = sentences[side]
                joined = [" ".join(texts[first : first + size]) for first in range(len(texts) - size + 1)]
                self.runs[side, size] = self.encode(joined)
            return self.runs[side, size][start]

        return lookup

    def lengths(self) -> tuple[list[int], list[int]]:
        return [len(s) for s in self.doc["src_sentences"]], [len(s) for s in self.doc["tgt_sentences"]]


# --- metrics ----------------------------------------------------------------------


def link_counts(gold: list, predicted: list) -> dict[str, int]:
    """Counts behind strict and lax precision and recall (links with an empty side left out).

    Strict: a link is right only if the other list holds the identical link. Lax: a
    predicted link is right if some gold link shares a passage with it on both sides;
    recall likewise with the roles swapped (Vecalign's score.py)."""
    gold_pairs = {(tuple(s), tuple(t)) for s, t in gold if s and t}
    predicted_pairs = {(tuple(s), tuple(t)) for s, t in predicted if s and t}

    def lax_hits(links: set, reference: set) -> int:
        partners = defaultdict(set)
        for src, tgt in reference:
            for i in src:
                partners[i].update(tgt)
        return sum(1 for src, tgt in links if set(tgt) & set().union(*(partners[i] for i in src)))

    # Vecalign's score.py also counts skip links in precision (right when the gold has the same skip)
    gold_with_skips = {(tuple(s), tuple(t)) for s, t in gold if s or t}
    predicted_with_skips = {(tuple(s), tuple(t)) for s, t in predicted if s or t}
    return {
        "predicted": len(predicted_pairs),
        "gold": len(gold_pairs),
        "strict": len(gold_pairs & predicted_pairs),
        "lax_precision": lax_hits(predicted_pairs, gold_pairs),
        "lax_recall": lax_hits(gold_pairs, predicted_pairs),
        "predicted_with_skips": len(predicted_with_skips),
        "strict_with_skips": len(gold_with_skips & predicted_with_skips),
    }


def figures(counts: dict[str, int]) -> dict[str, float]:
    def f1(p: float, r: float) -> float:
        return 2 * p * r / (p + r) if p + r else 0.0

    def share(hits: int, total: int) -> float:
        return hits / total if total else 0.0

    strict_p, strict_r = share(counts["strict"], counts["predicted"]), share(counts["strict"], counts["gold"])
    lax_p, lax_r = share(counts["lax_precision"], counts["predicted"]), share(counts["lax_recall"], counts["gold"])
    vecalign_p = share(counts["strict_with_skips"], counts["predicted_with_skips"])
    return {
        "strict_p": round(strict_p, 4),
        "strict_r": round(strict_r, 4),
        "strict_f1": round(f1(strict_p, strict_r), 4),
        "lax_p": round(lax_p, 4),
        "lax_r": round(lax_r, 4),
        "lax_f1": round(f1(lax_p, lax_r), 4),
        "vecalign_strict_f1": round(f1(vecalign_p, strict_r), 4),
    }


def add(total: dict[str, int], counts: dict[str, int]) -> dict[str, int]:
    return {key: total.get(key, 0) + value for key, value in counts.items()}


# --- aligners under test ----------------------------------------------------------


def mutual_best(src: np.ndarray, tgt: np.ndarray) -> list[tuple[list[int], list[int]]]:
    """The 1-1 baseline: i <-> j when each is the other's highest cosine."""
    if len(src) == 0 or len(tgt) == 0:
        return []
    cosines = src @ tgt.T
    best_tgt, best_src = cosines.argmax(1), cosines.argmax(0)
    return [([i], [int(j)]) for i, j in enumerate(best_tgt) if best_src[j] == i]


VARIANTS = {
    "ours": "align_monotone with sentence lengths: length-weighted sums for merged passages, length penalty",
    "vectors_only": "align_monotone on vectors alone: merged passages are plain sums",
    "embedded": "align_monotone with lengths and real embeddings of the joined sentences",
    "baseline": "1-1 links between mutual highest cosines",
}


def aligned(embedded: Embedded, variant: str, max_merge: int) -> list[tuple[list[int], list[int]]]:
    """The links one of VARIANTS finds in a document, as (German indexes, French indexes)."""
    if variant == "baseline":
        return mutual_best(embedded.src, embedded.tgt)
    options: dict = {"max_merge": max_merge}
    if variant in ("ours", "embedded"):
        options["suspect_lengths"], options["source_lengths"] = embedded.lengths()
    if variant == "embedded":
        options["block_vecs"] = embedded.block_vecs()
    links = align_monotone(embedded.src, embedded.tgt, **options)
    return [(list(link.suspect), list(link.source)) for link in links]


@contextmanager
def overridden(params: dict) -> Iterator[None]:
    """Run with some settings changed, for the tuning grid."""
    saved = {name: getattr(settings, name) for name in params}
    for name, value in params.items():
        setattr(settings, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(settings, name, value)


def evaluate(documents: list[Embedded], variant: str, max_merge: int = settings.MAX_MERGE) -> dict:
    """Per-document and micro-averaged figures, and seconds per document."""
    per_doc, total, seconds = {}, {}, []
    for embedded in documents:
        started = time.perf_counter()
        predicted = aligned(embedded, variant, max_merge)
        seconds.append(time.perf_counter() - started)
        counts = link_counts(embedded.doc["gold"], predicted)
        per_doc[embedded.doc["doc"]] = {**figures(counts), "seconds": round(seconds[-1], 3)}
        total = add(total, counts)
    return {"overall": figures(total), "per_doc": per_doc, "seconds_per_doc": round(float(np.mean(seconds)), 3)}


# --- link score calibration -------------------------------------------------------


def margin_samples(
    src: np.ndarray, tgt: np.ndarray, gold: list, src_lengths: list[int], tgt_lengths: list[int]
) -> tuple[list[float], list[float]]:
    """Ratio margins of gold links (both sides non-empty) and of near misses: each
    gold link's German side with the nearest French sentence that is not its partner."""
    cosines = src @ tgt.T
    lengths = {"suspect_lengths": src_lengths, "source_lengths": tgt_lengths}
    positives, negatives = [], []
    for suspect_block, source_block in gold:
        if not suspect_block or not source_block:
            continue
        positives.append(link_margin(src, tgt, suspect_block, source_block, **lengths)[0])
        others = cosines[suspect_block].max(0)
        others[source_block] = -np.inf
        if np.isfinite(others).any():
            negatives.append(link_margin(src, tgt, suspect_block, [int(others.argmax())], **lengths)[0])
    return positives, negatives


def fit_logistic(positives: list[float], negatives: list[float]) -> tuple[float, float]:
    """(midpoint, scale) of P(true link | margin) = 1 / (1 + exp(-(margin - mid) / scale)),
    fitted by Newton's method with both classes weighted equally."""
    x = np.concatenate([positives, negatives])
    y = np.concatenate([np.ones(len(positives)), np.zeros(len(negatives))])
    weight = np.where(y == 1, 0.5 / len(positives), 0.5 / len(negatives))
    centre, spread = x.mean(), x.std()
    z = (x - centre) / spread
    slope, intercept = 1.0, 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(slope * z + intercept)))
        gradient = np.array([np.sum(weight * (p - y) * z), np.sum(weight * (p - y))])
        curvature = weight * p * (1 - p)
        hessian = np.array(
            [[np.sum(curvature * z * z), np.sum(curvature * z)], [np.sum(curvature * z), np.sum(curvature)]]
        )
        slope, intercept = np.array([slope, intercept]) - np.linalg.solve(hessian + 1e-9 * np.eye(2), gradient)
    return float(centre - intercept * spread / slope), float(spread / slope)


def calibrate(encode: Encode, dev: Embedded) -> dict:
    """The link score's logistic, fitted on textberg dev and NTREX (see margin_samples)."""
    positives, negatives = margin_samples(dev.src, dev.tgt, dev.doc["gold"], *dev.lengths())
    for translation, english, translation_lengths, english_lengths in ntrex_pairs(encode):
        gold = [([i], [i]) for i in range(len(english))]
        found = margin_samples(translation, english, gold, translation_lengths, english_lengths)
        positives += found[0]
        negatives += found[1]
    mid, scale = fit_logistic(positives, negatives)
    accuracy = (np.mean(np.array(positives) >= mid) + np.mean(np.array(negatives) < mid)) / 2
    return {
        "mid": round(mid, 4),
        "scale": round(scale, 4),
        "positives": len(positives),
        "negatives": len(negatives),
        "balanced_accuracy_at_mid": round(float(accuracy), 4),
        "positive_margin_median": round(float(np.median(positives)), 4),
        "negative_margin_median": round(float(np.median(negatives)), 4),
    }


# --- time against length ----------------------------------------------------------


def timing(lengths: tuple[int, ...] = TIMING_LENGTHS, dim: int = 384) -> list[dict]:
    """Seconds for align_monotone on random unit vectors whose true alignment is the
    diagonal (the source is the suspect plus noise), and the share recovered."""
    rng = np.random.default_rng(0)
    rows = []
    for n in lengths:
        suspect = rng.standard_normal((n, dim)).astype(np.float32)
        source = suspect + 0.8 * rng.standard_normal((n, dim)).astype(np.float32)
        suspect /= np.linalg.norm(suspect, axis=1, keepdims=True)
        source /= np.linalg.norm(source, axis=1, keepdims=True)
        started = time.perf_counter()
        links = align_monotone(suspect, source)
        seconds = time.perf_counter() - started
        diagonal = sum(1 for link in links if link.suspect == link.source and len(link.suspect) == 1)
        rows.append({"sentences": n, "seconds": round(seconds, 3), "diagonal_recovered": round(diagonal / n, 4)})
    return rows


# --- the whole benchmark ----------------------------------------------------------


def _encoder(ws: Workspace) -> Encode:
    embedder, cache = ws.embedder, ws.vectors()
    return lambda texts: cache.vectors(embedder, texts)


def measure(ws: Workspace) -> dict:
    """Figures, parameters and seconds as one dict (see the module docstring)."""
    quick, embedder, encode = ws.quick, ws.embedder, _encoder(ws)
    docs = {doc["doc"]: doc for doc in load_textberg()}
    started = time.perf_counter()
    result: dict = {"model": embedder.name, "params": {name: getattr(settings, name) for name in PARAMS}}
    if quick:
        measured = [Embedded(encode, quick_part(docs["test0"]))]
        variants = ("ours", "vectors_only", "baseline")
    else:
        measured = [Embedded(encode, docs[name]) for name in TEST_DOCS]
        variants = tuple(VARIANTS)
    result["docs"] = [embedded.doc["doc"] for embedded in measured]
    result["variants"] = {variant: VARIANTS[variant] for variant in variants}
    for variant in variants:
        # real block embeddings are compared with our summed vectors where both merge alike
        max_merge = EMBEDDED_MAX_MERGE if variant == "embedded" else settings.MAX_MERGE
        result[variant] = evaluate(measured, variant, max_merge)
    if not quick:
        result["ours_at_embedded_max_merge"] = evaluate(measured, "ours", EMBEDDED_MAX_MERGE)["overall"]
        dev = Embedded(encode, docs["dev"])
        result["dev"] = {
            variant: evaluate([dev], variant, EMBEDDED_MAX_MERGE if variant == "embedded" else settings.MAX_MERGE)[
                "overall"
            ]
            for variant in variants
        }
        result["link_score_fit"] = calibrate(encode, dev)
        result["timing"] = timing()
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def tune(ws: Workspace) -> list[dict]:
    """Strict F1 on dev for every point of the grid, best first."""
    encode = _encoder(ws)
    dev = [Embedded(encode, doc) for doc in load_textberg() if doc["split"] == "dev"]
    grid = {
        "ALIGN_SKIP": (0.0, -0.005, -0.01, -0.02, -0.05),
        "MERGE_PENALTY": (0.0, 0.005, 0.01),
        "BLOCK_LENGTH_POWER": (0.0, 0.5, 1.0),
    }
    rows = []
    for values in itertools.product(*grid.values()):
        params = dict(zip(grid, values))
        with overridden(params):
            for max_merge in (3, 4, 5):
                for variant in ("ours", "vectors_only"):
                    if variant == "vectors_only" and params["BLOCK_LENGTH_POWER"] != settings.BLOCK_LENGTH_POWER:
                        continue  # without lengths the power plays no part
                    overall = evaluate(dev, variant, max_merge)["overall"]
                    rows.append({**params, "max_merge": max_merge, "variant": variant, **overall})
    return sorted(rows, key=lambda row: -row["strict_f1"])


def run(ws: Workspace) -> dict:
    """The benchmark's record: the summary table printed, and for full runs every table."""
    result = measure(ws)
    if not ws.quick:
        show_detail(result)
    variants = [name for name in ("ours", "embedded", "lengths", "baseline") if name in result]
    keys = ("strict_p", "strict_r", "strict_f1", "lax_p", "lax_r", "lax_f1")
    show(
        f"alignment: Text+Berg de-fr, micro over {', '.join(result['docs'])}",
        ["aligner", "strict P", "strict R", "strict F1", "lax P", "lax R", "lax F1", "s/doc"],
        [[name, *(result[name]["overall"][key] for key in keys), result[name]["seconds_per_doc"]] for name in variants],
    )
    figures = {}
    for name in variants:
        prefix = "align" if name == "ours" else f"align.{name}"
        figures.update({f"{prefix}.{key}": result[name]["overall"][key] for key in ("strict_f1", "lax_f1")})
        figures[f"{prefix}.seconds_per_doc"] = result[name]["seconds_per_doc"]
    return {
        "data_files": ["textberg/textberg.de-fr.jsonl"],
        "params": {"docs": result["docs"], **result["params"]},
        "figures": figures,
        "detail": {key: value for key, value in result.items() if key not in ("params", "docs", "model")},
    }


def show_detail(result: dict) -> None:
    """Every table of a full run: per document, dev, the link score fit, timing."""
    console.print(f"model {result['model']}; {result['seconds']} s in all; params {result['params']}")
    test = {variant: result[variant] for variant in result["variants"]}
    overall = Table(title=f"Text+Berg de-fr, micro over {', '.join(result['docs'])}")
    overall.add_column("aligner", no_wrap=True)
    for column in ("strict P", "strict R", "strict F1", "lax P", "lax R", "lax F1", "F1 Vecalign", "s/doc"):
        overall.add_column(column, justify="right")
    for variant, figures_ in test.items():
        o = figures_["overall"]
        keys = ("strict_p", "strict_r", "strict_f1", "lax_p", "lax_r", "lax_f1", "vecalign_strict_f1")
        overall.add_row(variant, *(f"{o[key]:.3f}" for key in keys), f"{figures_['seconds_per_doc']:.2f}")
    console.print(overall)
    console.print("F1 Vecalign: precision also counts skip links, as Vecalign's score.py does (the published figures)")
    per_doc = Table(title="strict F1 / lax F1 per document")
    per_doc.add_column("doc", no_wrap=True)
    for variant in test:
        per_doc.add_column(variant, justify="right")
    for doc in result["docs"]:
        cells = [test[variant]["per_doc"][doc] for variant in test]
        per_doc.add_row(doc, *(f"{cell['strict_f1']:.3f} / {cell['lax_f1']:.3f}" for cell in cells))
    console.print(per_doc)
    if "dev" in result:
        console.print({"dev (tuning) strict F1": {variant: o["strict_f1"] for variant, o in result["dev"].items()}})
        console.print(
            f"embedded: max_merge {EMBEDDED_MAX_MERGE}; ours at the same max_merge: "
            f"strict F1 {result['ours_at_embedded_max_merge']['strict_f1']:.3f}"
        )
        console.print({"link score fit (dev + NTREX)": result["link_score_fit"]})
        timing_table = Table(title="align_monotone seconds against length (random vectors, true diagonal)")
        for column in ("sentences a side", "seconds", "diagonal recovered"):
            timing_table.add_column(column, justify="right")
        for row in result["timing"]:
            timing_table.add_row(str(row["sentences"]), f"{row['seconds']:.2f}", f"{row['diagonal_recovered']:.3f}")
        console.print(timing_table)
