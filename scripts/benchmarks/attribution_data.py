"""The attribution benchmark's data: real articles traced the way a user traces them.

The judge benchmark asks "what is this pair?" of pairs made for it. A trace asks
something harder: "which of the stored articles is this one's source, if any?", and
retrieval hands the judge the nearest same-topic articles, not random ones. Most real
traces have no source stored at all. So this set is one store of real articles and a
list of real suspects, each with the key of its source in the store or None:

- items of every parallel corpus in ../shared/bench (NTREX, WMT22, IWSLT, CL-OSA BBC
  Japanese adaptations, ECCE editorials) are split by a hash of their key into
  "stored" (the original goes into the store) and "absent" (nothing of the item is
  stored); every item's translation is traced, so absent items are suspects whose
  source is not stored and whose topic neighbours are;
- half of the BBC distractors are stored; traced, the other half are same-outlet,
  same-period articles with no source stored (a suspect that shares a run of words
  with a stored distractor is another version of the same story and is left out:
  `_versions_of_stored`);
- short suspects (1-4 sentences, as briefs and posts are) are the opening sentences of
  other suspects.

Dev / test split is by the item (split_of), as every other benchmark here does.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace

from .data import (
    BenchDoc,
    closa_distractors,
    closa_pairs,
    doc_from_sentences,
    iwslt_items,
    nonempty_lines,
    ntrex_items,
    raw_doc,
    read_jsonl,
    split_of,
    wmt_items,
)
from .locations import BENCH_DATA

FULL = {
    "ntrex_langs_per_item": 4, "wmt_per_pair": 25, "ecce": 80, "distractors_stored": 600,
    "distractors_traced": 450, "max_sentences": 10, "store_sentences": 12, "max_lines": 8, "short_share": 0.5,
}  # fmt: skip
QUICK = {
    "ntrex_langs_per_item": 1, "ntrex_items": 12, "wmt_per_pair": 2, "iwslt": 4, "closa": 6, "ecce": 4,
    "distractors_stored": 30, "distractors_traced": 16, "max_sentences": 6, "store_sentences": 8, "max_lines": 5,
    "short_share": 0.5,
}  # fmt: skip
SHORT_MAX_SENTENCES = 4  # a brief or a social post: 1-4 sentences
VERSION_SHINGLE = 6  # words in a shingle: a run this long shared by two articles is copied text
VERSION_SHARE = 0.1  # share of a suspect's shingles found in one stored article: the same story


@dataclass(frozen=True)
class Suspect:
    """One article to trace, and what the right answer is."""

    doc: BenchDoc
    group: str  # "ntrex" | "wmt22" | "iwslt" | "closa-ja" | "ecce-zh" | "bbc"
    sources: tuple[str, ...]  # keys of its source in the store (an original, or a stored copy of it); () when none is
    split: str  # "dev" | "test", by the item it was made from
    short: bool = False  # 1-4 sentences

    @property
    def sentences(self) -> int:
        return len(self.doc.sentences) if self.doc.sentences else len(nonempty_lines(self.doc.text))


@dataclass
class AttributionSet:
    store: list[BenchDoc]
    suspects: list[Suspect]


def _stored(key: str, share: float = 0.5) -> bool:
    """Whether an item's original goes into the store: a hash, not the split's, so that
    dev and test both hold items of each kind."""
    return random.Random(f"stored:{key}").random() < share


def attribution_set(seed: int = 0, quick: bool = False) -> AttributionSet:
    sizes = QUICK if quick else FULL
    rng = random.Random(f"{seed}:attribution")
    max_s, store_s, max_lines = sizes["max_sentences"], sizes["store_sentences"], sizes["max_lines"]
    store: list[BenchDoc] = []
    suspects: list[Suspect] = []

    def add_item(key: str, group: str, original: BenchDoc, translation: BenchDoc, share: float = 0.5) -> None:
        stored = _stored(key, share)
        if stored:
            store.append(original)
        suspects.append(Suspect(translation, group, (original.key,) if stored else (), split_of(key)))

    ntrex = list(ntrex_items())
    if "ntrex_items" in sizes:
        ntrex = rng.sample(ntrex, sizes["ntrex_items"])
    for item in ntrex:
        original = doc_from_sentences(f"{item.key}/en", "en", item.original[:store_s], seed)
        for lang in rng.sample(sorted(item.translations), sizes["ntrex_langs_per_item"]):
            translation = doc_from_sentences(f"{item.key}/{lang}", lang, item.translations[lang][:max_s], seed)
            add_item(item.key, "ntrex", original, translation)

    by_pair: dict[str, list] = {}
    for item in wmt_items():
        by_pair.setdefault(item.key.split("/")[1], []).append(item)
    for pair, items in sorted(by_pair.items()):
        for item in rng.sample(items, min(sizes["wmt_per_pair"], len(items))):
            ((lang, sentences),) = item.translations.items()
            add_item(
                item.key, "wmt22",
                doc_from_sentences(f"{item.key}/{item.original_lang}", item.original_lang, item.original[:store_s], seed),
                doc_from_sentences(f"{item.key}/{lang}", lang, sentences[:max_s], seed),
            )  # fmt: skip

    talks = list(iwslt_items(window=store_s))
    if "iwslt" in sizes:
        talks = rng.sample(talks, sizes["iwslt"])
    for talk in talks:
        add_item(
            talk.key, "iwslt",
            doc_from_sentences(f"{talk.key}/en", "en", talk.original, seed),
            doc_from_sentences(f"{talk.key}/vi", "vi", talk.translations["vi"][:max_s], seed),
        )  # fmt: skip

    bbc = [record for record in closa_pairs() if record["en_text"].strip() and record["ja_text"].strip()]
    if "closa" in sizes:
        bbc = rng.sample(bbc, sizes["closa"])
    closa_originals = []
    for record in bbc:
        key = f"closa/{record['pair_id']}"
        closa_originals.append(raw_doc(f"{key}/en", "en", record["en_text"], store_s))
        # two of three stored: the adaptations are the recall figure the issue names
        add_item(
            key, "closa-ja", closa_originals[-1], raw_doc(f"{key}/ja", "ja", record["ja_text"], store_s), share=2 / 3
        )

    ecce = [record for record in read_jsonl(BENCH_DATA / "closa" / "ecce.en-zh.jsonl") if record["same_line_count"]]
    for record in rng.sample(ecce, min(sizes["ecce"], len(ecce))):
        key = f"ecce/{record['doc_id']}"
        add_item(
            key, "ecce-zh",
            doc_from_sentences(f"{key}/en", "en", record["en_sentences"][:store_s], seed),
            doc_from_sentences(f"{key}/zh", "zh", record["zh_sentences"][:max_s], seed),
        )  # fmt: skip

    distractors = rng.sample(closa_distractors(), sizes["distractors_stored"] + sizes["distractors_traced"])
    store.extend(
        raw_doc(f"closa/distractor/{r['doc_id']}", "en", r["text"], max_lines)
        for r in distractors[: sizes["distractors_stored"]]
    )
    versions = _Versions(store)
    # BBC stories also run under other ids as they develop: a stored version of a CL-OSA
    # original is its source as much as the original is
    originals = {doc.key: doc for doc in closa_originals}
    for n, suspect in enumerate(suspects):
        if suspect.group == "closa-ja":
            original = originals[suspect.doc.key.removesuffix("/ja") + "/en"]
            found = tuple(key for key in versions.of(original) if key not in suspect.sources)
            suspects[n] = replace(suspect, sources=suspect.sources + found)
    for record in distractors[sizes["distractors_stored"] :]:
        doc = raw_doc(f"closa/distractor/{record['doc_id']}", "en", record["text"], max_lines)
        if not versions.of(doc):  # another version of a stored story has its source stored
            suspects.append(Suspect(doc, "bbc", (), split_of(doc.key)))

    short_rng = random.Random(f"{seed}:attribution:short")
    shorts = []
    for suspect in suspects:
        if short_rng.random() >= sizes["short_share"]:
            continue
        brief = _opening(suspect.doc, short_rng.randint(1, SHORT_MAX_SENTENCES), seed)
        if brief is not None:
            shorts.append(Suspect(brief, suspect.group, suspect.sources, suspect.split, short=True))
    store = list({doc.key: doc for doc in store}.values())  # an NTREX original serves 4 suspects
    return AttributionSet(store, suspects + shorts)


def _opening(doc: BenchDoc, count: int, seed: int) -> BenchDoc | None:
    """The first `count` sentences of a suspect (raw texts: the first `count` lines
    after the headline), as a brief that quotes an article's lead would be."""
    if doc.sentences:
        return doc_from_sentences(f"{doc.key}/first-{count}", doc.lang, doc.sentences[:count], seed)
    body = nonempty_lines(doc.text)[1 : 1 + count]
    if not body:
        return None
    return BenchDoc(key=f"{doc.key}/first-{count}", lang=doc.lang, text="\n".join(body))


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + VERSION_SHINGLE]) for i in range(len(words) - VERSION_SHINGLE + 1)}


class _Versions:
    """Which stored articles are versions of a text: BBC republishes a story under new
    ids as it develops, with the same headline and lead. Told by shared runs of words,
    which is independent of the embeddings the tracker reads."""

    def __init__(self, stored: list[BenchDoc]):
        self.stored = [(doc.key, _shingles(doc.text)) for doc in stored if doc.lang == "en"]

    def of(self, doc: BenchDoc) -> list[str]:
        mine = _shingles(doc.text)
        if not mine:
            return []
        return [
            key for key, theirs in self.stored if key != doc.key and len(mine & theirs) >= VERSION_SHARE * len(mine)
        ]
