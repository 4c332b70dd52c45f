"""The lineage benchmark: is the derivation graph `provenance lineage` draws the true one?

    python scripts/bench.py lineage [--quick]

Stories are built from real translations in ../shared/bench (an NTREX or WMT22
original and its human translations), with the edits the judge set makes for the
hops past them (bench_data.rewrite_paragraphs, light_edit, a block spliced into
another article):

- fan: an NTREX original and four of its translations (siblings, all under it);
- chain2 / chain3 / chain4: original -> translation -> rewrite of the translation ->
  copy of the rewrite -> a block of the copy spliced into another article (2-4 hops),
  plus a translation into another language as a sibling that must not become a parent;
- wire: one original and 20 copies of it (light edits, some cut short), one origin;
- two-origins: two originals, a translation of each, and a roundup made of the
  opening paragraphs of both (two independent origins, one story).

Each story is stored with every other and with distractor articles, under three
conditions: `dates` (each hop published a day or more after its parent), `cues` (each
derived article ends with "Source: <its parent's URL>", no dates) and `none` (neither),
and `Tracker.lineage` is asked about one member (the last hop, a copy, the roundup).
An edge is right when parent and child are right. Figures on the test split (by the
story's source item): edge precision / recall / F1 per condition; the share of stories
whose roots are exactly the true origins; the share whose origin count is exact; and
the time of `lineage` on a 50-article story (an original, its 12 translations, a
rewrite of each and 25 wire copies) with the vectors stored.
"""

from __future__ import annotations

import random
import re
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta

from provenance.ingest import content_id
from provenance.tracker import Tracker, text_hash

from .data import (
    SEED,
    BenchDoc,
    Parallel,
    doc_from_sentences,
    lightly_edited,
    make_doc,
    ntrex_items,
    paragraphs_of,
    prepare_doc,
    rewrite_paragraphs,
    split_of,
    wmt_items,
)
from .records import console, show
from .workspace import Workspace

CONDITIONS = ("dates", "cues", "none")
FULL = {"fan": 20, "chain2": 12, "chain3": 12, "chain4": 12, "wire": 8, "two-origins": 12, "wire_copies": 20,
        "max_sentences": 10, "distractors": 150}  # fmt: skip
# the quick gate's stories: NTREX only (news, 8+ sentences), so a story is never too short to judge
QUICK = {"fan": 1, "chain2": 1, "chain3": 1, "chain4": 1, "wire": 1, "two-origins": 1, "wire_copies": 6,
         "max_sentences": 8, "distractors": 20, "corpus": "ntrex"}  # fmt: skip
BIG_STORY = 50  # articles in the timed story


@dataclass(frozen=True)
class Story:
    key: str  # "chain3/ntrex/bbc.123"
    kind: str
    split: str
    docs: tuple[BenchDoc, ...]
    edges: tuple[tuple[str, str], ...]  # (parent key, child key)
    focus: str  # key of the member lineage is asked about

    @property
    def roots(self) -> set[str]:
        children = {child for _, child in self.edges}
        return {doc.key for doc in self.docs} - children

    def depth(self, key: str) -> int:
        parents = {child: parent for parent, child in self.edges}
        hops = 0
        while key in parents:
            key, hops = parents[key], hops + 1
        return hops


@dataclass
class Outcome:
    story: Story
    condition: str
    true_positive: int
    false_positive: int
    false_negative: int
    roots_right: bool
    count_right: bool
    seconds: float
    wrong: list[str]  # the edges and roots it got wrong, for reading one by one


class _Builder:
    def __init__(self, seed: int, max_sentences: int, corpus: str | None = None):
        self.rng = random.Random(f"lineage:{seed}")
        self.seed = seed
        self.max_sentences = max_sentences
        # items long enough to rewrite and cut, each used in one story only
        self.pool = [
            item
            for item in (*ntrex_items(), *wmt_items())
            if len(item.original) >= 6 and item.translations and (corpus is None or item.corpus == corpus)
        ]
        self.rng.shuffle(self.pool)
        self.used: set[str] = set()

    def take(self, corpus: str | None = None, languages: int = 1) -> Parallel:
        for item in self.pool:
            if item.key in self.used or (corpus and item.corpus != corpus) or len(item.translations) < languages:
                continue
            self.used.add(item.key)
            return item
        raise RuntimeError("the benchmark data has no unused item left")

    def cut(self, sentences) -> tuple[str, ...]:
        return tuple(sentences[: self.max_sentences])

    def version(self, item: Parallel, lang: str, key: str) -> BenchDoc:
        return doc_from_sentences(key, lang, self.cut(item.versions()[lang]), self.seed)

    def rewrite(self, parent: BenchDoc, key: str) -> BenchDoc:
        paragraphs, _ = rewrite_paragraphs(parent.sentences, parent.lang, random.Random(f"{self.seed}:{key}"))
        return make_doc(key, parent.lang, paragraphs)

    def copy(self, parent: BenchDoc, key: str, cut: bool = False) -> BenchDoc:
        rng = random.Random(f"{self.seed}:{key}")
        sentences = list(parent.sentences)
        if cut:
            sentences = sentences[: max(3, round(len(sentences) * rng.uniform(0.6, 0.9)))]
        sentences, _ = lightly_edited(sentences, parent.lang, rng)
        return make_doc(key, parent.lang, paragraphs_of(sentences, rng))

    def splice(self, parent: BenchDoc, key: str) -> BenchDoc:
        """A block of the parent's sentences pasted into another article in its language."""
        rng = random.Random(f"{self.seed}:{key}")
        host_item = next(
            item for item in self.pool
            if item.key not in self.used and parent.lang in item.versions() and len(item.versions()[parent.lang]) >= 5
        )  # fmt: skip
        self.used.add(host_item.key)
        taken = min(len(parent.sentences), max(3, round(len(parent.sentences) * rng.uniform(0.4, 0.6))))
        start = rng.randrange(0, len(parent.sentences) - taken + 1)
        block = list(parent.sentences[start : start + taken])
        host = paragraphs_of(self.cut(host_item.versions()[parent.lang]), rng)
        at = rng.randrange(1, len(host) + 1)
        return make_doc(key, parent.lang, host[:at] + paragraphs_of(block, rng) + host[at:])

    # --- stories ---------------------------------------------------------------------

    def fan(self) -> Story:
        item = self.take("ntrex", languages=4)
        original = self.version(item, item.original_lang, f"{item.key}/{item.original_lang}")
        langs = self.rng.sample(sorted(item.translations), 4)
        translations = [self.version(item, lang, f"{item.key}/{lang}") for lang in langs]
        return Story(f"fan/{item.key}", "fan", split_of(item.key), (original, *translations),
                     tuple((original.key, t.key) for t in translations), translations[-1].key)  # fmt: skip

    def chain(self, hops: int) -> Story:
        item = self.take(languages=1)
        original = self.version(item, item.original_lang, f"{item.key}/{item.original_lang}")
        lang = self.rng.choice(sorted(item.translations))
        docs = [original, self.version(item, lang, f"{item.key}/{lang}")]
        edges = [(original.key, docs[1].key)]
        makers = (self.rewrite, self.copy, self.splice)
        for hop, maker in enumerate(makers[: hops - 1], start=2):
            child = maker(docs[-1], f"{item.key}/{lang}/hop{hop}")
            edges.append((docs[-1].key, child.key))
            docs.append(child)
        focus = docs[-1].key
        siblings = sorted(set(item.translations) - {lang})
        if siblings:  # a translation into another language: a sibling of the chain's first hop
            sibling = self.version(item, self.rng.choice(siblings), f"{item.key}/sibling")
            docs.append(sibling)
            edges.append((original.key, sibling.key))
        return Story(f"chain{hops}/{item.key}", f"chain{hops}", split_of(item.key), tuple(docs), tuple(edges), focus)

    def wire(self, copies: int) -> Story:
        item = self.take(languages=1)
        original = self.version(item, item.original_lang, f"{item.key}/{item.original_lang}")
        docs = _distinct([self.copy(original, f"{item.key}/copy{n}", cut=n % 3 == 2) for n in range(copies)], original)
        return Story(f"wire/{item.key}", "wire", split_of(item.key), (original, *docs),
                     tuple((original.key, d.key) for d in docs), docs[0].key)  # fmt: skip

    def two_origins(self) -> Story:
        first, second = self.take("ntrex", languages=2), self.take("ntrex", languages=2)
        a = self.version(first, "en", f"{first.key}/en")
        b = self.version(second, "en", f"{second.key}/en")
        a_lang, b_lang = self.rng.sample(sorted(first.translations), 2)
        a_translation = self.version(first, a_lang, f"{first.key}/{a_lang}")
        b_translation = self.version(second, b_lang, f"{second.key}/{b_lang}")
        rng = random.Random(f"{self.seed}:roundup:{first.key}")
        half = max(3, len(a.sentences) // 2)
        roundup = make_doc(f"{first.key}+{second.key}/roundup", "en",
                           paragraphs_of(a.sentences[:half], rng) + paragraphs_of(b.sentences[: max(3, len(b.sentences) // 2)], rng))  # fmt: skip
        edges = ((a.key, a_translation.key), (b.key, b_translation.key), (a.key, roundup.key), (b.key, roundup.key))
        return Story(f"two-origins/{first.key}", "two-origins", split_of(first.key),
                     (a, b, a_translation, b_translation, roundup), edges, roundup.key)  # fmt: skip

    def big(self) -> Story:
        """BIG_STORY articles: an original, its translations, a rewrite of each, wire copies."""
        item = self.take("ntrex", languages=12)
        original = self.version(item, "en", f"{item.key}/en")
        docs, edges = [original], []
        for lang in sorted(item.translations):
            translation = self.version(item, lang, f"{item.key}/{lang}")
            rewrite = self.rewrite(translation, f"{item.key}/{lang}/rewrite")
            docs += [translation, rewrite]
            edges += [(original.key, translation.key), (translation.key, rewrite.key)]
        copies = _distinct(
            [self.copy(original, f"{item.key}/copy{n}", cut=n % 3 == 2) for n in range(3 * BIG_STORY)], *docs
        )
        for copy in copies[: BIG_STORY - len(docs)]:
            docs.append(copy)
            edges.append((original.key, copy.key))
        return Story(f"big/{item.key}", "big", split_of(item.key), tuple(docs), tuple(edges), original.key)

    def distractors(self, count: int) -> list[BenchDoc]:
        out = []
        for item in self.pool:
            if len(out) >= count:
                break
            if item.key in self.used:
                continue
            self.used.add(item.key)
            lang = self.rng.choice(sorted(item.versions()))
            out.append(self.version(item, lang, f"{item.key}/{lang}/distractor"))
        return out


def _distinct(docs: list[BenchDoc], *others: BenchDoc) -> list[BenchDoc]:
    """The documents whose text no other has, as the store tells texts apart (a light
    edit of punctuation alone makes the same stored article)."""
    seen = {content_id(doc.text) for doc in others}
    out = []
    for doc in docs:
        if content_id(doc.text) not in seen:
            seen.add(content_id(doc.text))
            out.append(doc)
    return out


def lineage_set(seed: int = 0, quick: bool = False) -> tuple[list[Story], list[BenchDoc], Story | None]:
    """The stories, the distractors, and (full runs) the timed 50-article story."""
    sizes = QUICK if quick else FULL
    builder = _Builder(seed, sizes["max_sentences"], sizes.get("corpus"))
    big = None if quick else builder.big()
    stories = (
        [builder.fan() for _ in range(sizes["fan"])]
        + [builder.chain(hops) for hops in (2, 3, 4) for _ in range(sizes[f"chain{hops}"])]
        + [builder.wire(sizes["wire_copies"]) for _ in range(sizes["wire"])]
        + [builder.two_origins() for _ in range(sizes["two-origins"])]
    )
    return stories, builder.distractors(sizes["distractors"]), big


def with_condition(story: Story, condition: str, seed: int = 0) -> Story:
    """The story as published: `dates` (each hop 1-3 days after its parent; two origins
    on one day), `cues` (URLs, and each derived article ends "Source: <parent URL>"), `none`."""
    if condition == "none":
        return story
    rng = random.Random(f"{seed}:{condition}:{story.key}")
    docs = []
    if condition == "dates":
        start = date(2022, 1, 1) + timedelta(days=rng.randrange(0, 300))
        days: dict[str, date] = {}
        for doc in sorted(story.docs, key=lambda d: story.depth(d.key)):
            after = [days[parent] for parent, child in story.edges if child == doc.key]
            days[doc.key] = max(after) + timedelta(days=rng.randint(1, 3)) if after else start
            docs.append(replace(doc, published=days[doc.key].isoformat()))
    else:

        def url(key: str) -> str:
            # an outlet of its own per article (the reserved .invalid domain): one outlet
            # for all would make every article cite every other
            return "https://www." + re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-") + ".invalid/story"

        for doc in story.docs:
            sources = [p for p, c in story.edges if c == doc.key]
            text = doc.text + "".join(f"\n\nSource: {url(p)}" for p in sources)
            docs.append(replace(doc, text=text, url=url(doc.key), site=None))
    order = {doc.key: n for n, doc in enumerate(story.docs)}
    return replace(story, docs=tuple(sorted(docs, key=lambda d: order[d.key])))


def evaluate(story: Story, condition: str, result, key_of: dict[str, str], seconds: float) -> Outcome:
    """Compare the lineage's edges and roots with the story's."""

    def key(node_id: str) -> str:
        return key_of.get(node_id, node_id)

    predicted = {(key(edge.parent), key(edge.child)) for edge in result.edges}
    truth = set(story.edges)
    roots = {key(root) for root in result.roots}
    wrong = [f"extra edge {p} -> {c}" for p, c in sorted(predicted - truth)]
    wrong += [f"missed edge {p} -> {c}" for p, c in sorted(truth - predicted)]
    if roots != story.roots:
        wrong.append(f"roots {sorted(roots)} != {sorted(story.roots)}")
    return Outcome(
        story, condition, len(predicted & truth), len(predicted - truth), len(truth - predicted),
        roots == story.roots, len(roots) == len(story.roots), seconds, wrong,
    )  # fmt: skip


def figures(outcomes: list[Outcome]) -> dict:
    out: dict = {}
    for condition in CONDITIONS:
        chosen = [o for o in outcomes if o.condition == condition]
        if not chosen:
            continue
        tp, fp, fn = (
            sum(getattr(o, name) for o in chosen) for name in ("true_positive", "false_positive", "false_negative")
        )
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        out[f"edge_precision.{condition}"] = precision
        out[f"edge_recall.{condition}"] = recall
        out[f"edge_f1.{condition}"] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[f"roots_right.{condition}"] = sum(o.roots_right for o in chosen) / len(chosen)
        out[f"origin_count_exact.{condition}"] = sum(o.count_right for o in chosen) / len(chosen)
    out["roots_right"] = sum(o.roots_right for o in outcomes) / len(outcomes) if outcomes else 0.0
    out["origin_count_exact"] = sum(o.count_right for o in outcomes) / len(outcomes) if outcomes else 0.0
    out["stories"] = len(outcomes)
    out["seconds_per_story"] = statistics.median(o.seconds for o in outcomes) if outcomes else 0.0
    return out


def by_kind(outcomes: list[Outcome]) -> list[list]:
    """Per story kind and condition: stories, edge F1, roots right."""
    groups: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[(o.story.kind, o.condition)].append(o)
    rows = []
    for (kind, condition), chosen in sorted(groups.items()):
        tp, fp, fn = (
            sum(getattr(o, name) for o in chosen) for name in ("true_positive", "false_positive", "false_negative")
        )
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
        rows.append([kind, condition, len(chosen), f1, sum(o.roots_right for o in chosen) / len(chosen)])
    return rows


def measure(ws: Workspace, seed: int, progress=lambda text: None) -> dict:
    """Build one store per condition (every story and the distractors; the vectors from
    the run's vector cache), ask `lineage` about each story's focus, and time the
    50-article story."""
    quick = ws.quick
    cache, embedder = ws.vectors(), ws.embedder
    stories, distractors, big = lineage_set(seed, quick)
    outcomes: list[Outcome] = []
    big_seconds = {}
    for condition in CONDITIONS:
        placed = [with_condition(story, condition, seed) for story in stories]
        if big is not None and condition == "dates":
            placed.append(with_condition(big, condition, seed))
        # a fresh store per condition and run, so no story or article of an earlier run lingers
        path = ws.folder / f"lineage-{condition}.duckdb"
        path.unlink(missing_ok=True)
        with Tracker(db=path, model=ws.model) as tracker:
            docs = [doc for story in placed for doc in story.docs] + distractors
            prepared = [prepare_doc(doc) for doc in docs]
            # the conditions share most texts: each is embedded once, in the run's vector cache
            texts = sorted({p.text for doc in prepared for p in doc.passages})
            tracker.store.bind_model(embedder.name, embedder.dim)
            tracker.store.put_embeddings(embedder.name, [text_hash(t) for t in texts], cache.vectors(embedder, texts))
            tracker.add_documents(prepared)
            key_of = {p.doc_id: doc.key for doc, p in zip(docs, prepared)}
            id_of = {key: doc_id for doc_id, key in key_of.items()}
            for n, story in enumerate(placed, start=1):
                progress(f"{condition}: story {n}/{len(placed)}")
                if story.kind == "big":
                    times = []
                    for _ in range(3):
                        began = time.perf_counter()
                        result = tracker.lineage(id_of[story.focus], refresh=True)
                        times.append(time.perf_counter() - began)
                    big_seconds = {"refresh_seconds": statistics.median(times), "articles": len(story.docs),
                                   "found": len(result.nodes)}  # fmt: skip
                    began = time.perf_counter()
                    tracker.lineage(id_of[story.focus])
                    big_seconds["reread_seconds"] = time.perf_counter() - began
                    outcomes_big = evaluate(story, condition, result, key_of, big_seconds["refresh_seconds"])
                    big_seconds["edge_errors"] = len(outcomes_big.wrong)
                    continue
                began = time.perf_counter()
                result = tracker.lineage(id_of[story.focus], refresh=True)
                outcomes.append(evaluate(story, condition, result, key_of, time.perf_counter() - began))
    by_split = {split: figures([o for o in outcomes if o.story.split == split]) for split in ("dev", "test")}
    return {
        "outcomes": outcomes,
        "figures": figures(outcomes) if quick else by_split["test"],
        "dev": by_split["dev"],
        "by_kind": by_kind([o for o in outcomes if quick or o.story.split == "test"]),
        "big": big_seconds,
        "stories": len(stories),
        "distractors": len(distractors),
        "errors": [
            {"story": o.story.key, "split": o.story.split, "condition": o.condition, "wrong": o.wrong}
            for o in outcomes
            if o.wrong
        ],
        "kinds": dict(Counter(story.kind for story in stories)),
    }


def run(ws: Workspace) -> dict:
    """The benchmark's record: figures on the test split (a quick run: every story)."""
    with console.status("lineage") as status:
        result = measure(ws, SEED, status.update)
    test = result["figures"]
    show(f"lineage: {result['stories']} stories x {len(CONDITIONS)} conditions, {result['distractors']} distractors",
         ["figure", "all" if ws.quick else "test", "dev"], [[name, test.get(name), result["dev"].get(name)] for name in test])  # fmt: skip
    show("by kind", ["kind", "condition", "stories", "edge F1", "roots right"], result["by_kind"])
    figures = {f"lineage.{name}": value for name, value in test.items()}
    if result["big"]:
        show("the 50-article story", ["figure", "value"], [[name, value] for name, value in result["big"].items()])
        figures["lineage.seconds_50_articles"] = result["big"]["refresh_seconds"]
        figures["lineage.seconds_50_articles_reread"] = result["big"]["reread_seconds"]
    return {
        "data_files": ["ntrex/ntrex.*.jsonl", "wmt22/wmt22.*.jsonl"],
        "params": {
            "seed": SEED,
            "sizes": QUICK if ws.quick else FULL,
            "kinds": result["kinds"],
            "distractors": result["distractors"],
        },  # fmt: skip
        "figures": figures,
        "dev": result["dev"],
        "by_kind": result["by_kind"],
        "big": result["big"],
        "errors": result["errors"],
    }
