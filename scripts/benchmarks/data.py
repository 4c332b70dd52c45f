"""Deterministic builders of the labelled benchmark sets, from the public data in
shared/bench (locations.BENCH_DATA), and the library's reading of their documents.

The data sets give us translations whose direction is known (NTREX: English originals
and 12 human translations; WMT22: source-original documents with a human reference and
two commercial MT outputs; IWSLT15: English TED talks and Vietnamese translations) and
news distractors (CL-OSA BBC). Nothing there is labelled "copy", "rewrite" or "partial",
so this module makes those pairs by editing real text in ways a republisher does, and
says in each pair's `facts` what it did. Every builder takes a seed and draws from a
random.Random seeded by (seed, what it builds), so the same seed gives the same pairs on
any machine, and adding one class never changes another.

Documents are made from sentence lists the way an article looks: 2-3 sentences a
paragraph, paragraphs separated by blank lines, no spaces between sentences in Chinese
and Japanese. Language codes are ISO 639-1, as the library uses them.

Each pair carries a split ("dev" or "test") decided by a hash of its source document,
so thresholds can be tuned on dev pairs and reported on test pairs.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from provenance.models import (
    COPY,
    PARTIAL,
    REWRITE,
    SOURCE_FIRST,
    SUSPECT_FIRST,
    TRANSLATION,
    UNRELATED,
    Document,
    RawDocument,
)

from .locations import BENCH_DATA

SEED = 0  # the seed every benchmark builds its sets with

ISO3_TO_ISO1 = {
    "eng": "en", "vie": "vi", "ukr": "uk", "rus": "ru", "zho-CN": "zh", "deu": "de", "fra": "fr",
    "spa": "es", "arb": "ar", "hin": "hi", "jpn": "ja", "ces": "cs", "ind": "id",
}  # fmt: skip
NTREX_LANGS = tuple(ISO3_TO_ISO1)  # eng first: the original
NO_SPACE_LANGS = {"zh", "ja"}  # sentences follow each other without a space
SENTENCE_END = re.compile(r"[.!?。！？…]+[\"'”’」』)]*$")

WMT_PAIRS = ("de-fr", "fr-de", "en-zh", "ja-en", "ru-en", "uk-en")
MT_SYSTEMS = ("Online-A", "Online-B")
WMT_PER_PAIR = 30
MIN_SENTENCES = 5  # shorter documents are too small to tell a rewrite from a copy
IWSLT_WINDOW = 24  # segments of a talk taken as one document (talks run to 280)
# sizes of the full and quick sets: full sets are cut so that they embed in about an
# hour on two cores; quick sets in well under a minute
JUDGE_FULL = {"per_class": 400, "machine": 200, "max_sentences": 8}
JUDGE_QUICK = {"per_class": 5, "machine": 2, "max_sentences": 8, "quick": True}
DIRECTION_FULL = {"ntrex": 200, "wmt": 180, "iwslt": 65, "max_sentences": 8}
DIRECTION_QUICK = {"ntrex": 5, "wmt": 5, "iwslt": 0, "max_sentences": 8, "quick": True}  # talks are too long


@dataclass(frozen=True)
class Parallel:
    """One text and its translations: the unit the builders draw from."""

    key: str  # "ntrex/bbc.381790", "wmt22/de-fr/<doc>", "iwslt/tst2012/1368"
    corpus: str  # "ntrex" | "wmt22" | "iwslt"
    domain: str  # "news", a WMT22 domain, or "talk"; "unknown" where the data has none
    original_lang: str
    original: tuple[str, ...]
    translations: dict[str, tuple[str, ...]]  # language -> human translation, sentence i <-> i
    machine: dict[str, tuple[str, ...]] = field(default_factory=dict)  # MT system -> output
    machine_lang: str | None = None

    @property
    def split(self) -> str:
        return split_of(self.key)

    def versions(self) -> dict[str, tuple[str, ...]]:
        """Every human-written text of this item by language, the original first."""
        return {self.original_lang: self.original, **self.translations}


@dataclass(frozen=True)
class BenchDoc:
    """One benchmark document: its text, language and the sentences it was made of."""

    key: str
    lang: str
    text: str
    sentences: tuple[str, ...] = ()  # in text order; empty for documents taken as raw text
    published: str | None = None
    url: str | None = None
    site: str | None = None


@dataclass(frozen=True)
class Pair:
    """A labelled (suspect, source) pair. For the judge set `label` is the relation of the
    suspect to the source; for the direction set it is SOURCE_FIRST or SUSPECT_FIRST."""

    pair_id: str
    label: str
    kind: str  # how it was made, e.g. "rewrite/translated", "translation/mt-Online-A"
    split: str  # "dev" | "test", by the source document
    suspect: BenchDoc
    source: BenchDoc
    facts: dict = field(default_factory=dict)  # what the construction did, for tests and reports


@lru_cache(maxsize=None)
def prepare_doc(doc: BenchDoc) -> Document:
    """The library's reading of a benchmark document (kept: pairs share documents)."""
    from provenance.tracker import prepare

    return prepare(raw_document(doc))


def raw_document(doc: BenchDoc) -> RawDocument:
    """What ingest would hand on for this document: its text and declared metadata."""
    return RawDocument(
        text=doc.text, origin=doc.key, lang=doc.lang, published=doc.published, url=doc.url, site=doc.site
    )


def split_of(key: str) -> str:
    """A quarter of the documents are for tuning (dev), the rest for reporting (test)."""
    return "dev" if int(hashlib.sha256(key.encode()).hexdigest(), 16) % 4 == 0 else "test"


def read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


# --- the data ----------------------------------------------------------------


@lru_cache(maxsize=None)
def ntrex_items() -> tuple[Parallel, ...]:
    by_lang = {lang: read_jsonl(BENCH_DATA / "ntrex" / f"ntrex.{lang}.jsonl") for lang in NTREX_LANGS}
    items = []
    for n, record in enumerate(by_lang["eng"]):
        translations = {}
        for lang in NTREX_LANGS[1:]:
            other = by_lang[lang][n]
            assert other["doc_id"] == record["doc_id"], "NTREX files are line-aligned by document"
            translations[ISO3_TO_ISO1[lang]] = tuple(other["sentences"])
        items.append(
            Parallel(f"ntrex/{record['doc_id']}", "ntrex", "news", "en", tuple(record["sentences"]), translations)
        )
    return tuple(items)


@lru_cache(maxsize=None)
def wmt_items() -> tuple[Parallel, ...]:
    items = []
    for pair in WMT_PAIRS:
        for record in read_jsonl(BENCH_DATA / "wmt22" / f"wmt22.{pair}.jsonl"):
            if len(record["src_sentences"]) < MIN_SENTENCES:
                continue
            items.append(
                Parallel(
                    key=f"wmt22/{pair}/{record['doc_id']}",
                    corpus="wmt22",
                    domain=record["domain"] or "unknown",
                    original_lang=record["origlang"],
                    original=tuple(record["src_sentences"]),
                    translations={record["tgt_lang"]: tuple(record["ref_sentences"]["A"])},
                    machine={system: tuple(record["mt_sentences"][system]) for system in MT_SYSTEMS},
                    machine_lang=record["tgt_lang"],
                )
            )
    return tuple(items)


@lru_cache(maxsize=None)
def iwslt_items(window: int = IWSLT_WINDOW) -> tuple[Parallel, ...]:
    """Each talk's opening `window` segments (window=0: the whole talk)."""
    items = []
    for record in read_jsonl(BENCH_DATA / "iwslt15-envi" / "iwslt15.en-vi.jsonl"):
        end = window or len(record["en_sentences"])
        items.append(
            Parallel(
                f"iwslt/{record['doc_id']}",
                "iwslt",
                "talk",
                "en",
                tuple(record["en_sentences"][:end]),
                {"vi": tuple(record["vi_sentences"][:end])},
            )
        )
    return tuple(items)


def closa_pairs() -> list[dict]:
    return read_jsonl(BENCH_DATA / "closa" / "bbc.en-ja.jsonl")


def closa_distractors() -> list[dict]:
    return read_jsonl(BENCH_DATA / "closa" / "bbc.en-distractors.jsonl.gz")


TATOEBA_LANGS = {"vie": "vi", "ukr": "uk", "rus": "ru", "cmn": "zh", "deu": "de", "fra": "fr", "spa": "es",
                 "ara": "ar", "hin": "hi", "jpn": "ja", "ind": "id"}  # fmt: skip


def tatoeba_length_ratios() -> dict[str, float]:
    """Characters a language spends per English character, over LASER's 1,000 Tatoeba
    test pairs each (pairs of mixed direction, so the ratio is the languages' own):
    the norms behind provenance.direction.CHARS_PER_ENGLISH_CHAR."""
    ratios = {"en": 1.0}
    for iso3, lang in TATOEBA_LANGS.items():
        rows = read_jsonl(BENCH_DATA / "tatoeba" / f"tatoeba.{iso3}-eng.jsonl")
        ratios[lang] = round(sum(len(r["text"]) for r in rows) / sum(len(r["eng"]) for r in rows), 3)
    return ratios


# --- making documents --------------------------------------------------------


def join_sentences(sentences: list[str] | tuple[str, ...], lang: str) -> str:
    return ("" if lang in NO_SPACE_LANGS else " ").join(s.strip() for s in sentences)


def paragraphs_of(sentences: list[str] | tuple[str, ...], rng: random.Random) -> list[list[str]]:
    """Consecutive groups of 2-3 sentences (a last single one joins the group before)."""
    groups: list[list[str]] = []
    start = 0
    while start < len(sentences):
        size = rng.choice((2, 3))
        groups.append(list(sentences[start : start + size]))
        start += size
    if len(groups) > 1 and len(groups[-1]) == 1:
        groups[-2].extend(groups.pop())
    return groups


def make_doc(key: str, lang: str, paragraphs: list[list[str]], **meta) -> BenchDoc:
    text = "\n\n".join(join_sentences(para, lang) for para in paragraphs if para)
    sentences = tuple(s for para in paragraphs for s in para)
    return BenchDoc(key=key, lang=lang, text=text, sentences=sentences, **meta)


def doc_from_sentences(key: str, lang: str, sentences, seed: int) -> BenchDoc:
    """A document laid out the same way every time it is asked for (paragraphs drawn
    from a generator seeded by the key), so a text shared by many pairs is one text."""
    return make_doc(key, lang, paragraphs_of(list(sentences), random.Random(f"{seed}:layout:{key}")))


def nonempty_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def raw_doc(key: str, lang: str, text: str, max_lines: int | None = None) -> BenchDoc:
    """A document taken as written (CL-OSA), optionally cut to its first non-empty lines."""
    if max_lines:
        text = "\n".join(nonempty_lines(text)[:max_lines])
    return BenchDoc(key=key, lang=lang, text=text)


# --- edits a republisher makes -----------------------------------------------


def light_edit(sentence: str, lang: str, rng: random.Random) -> str:
    """One small change of the kind copy-editing makes: a word dropped or doubled, two
    letters swapped, the final punctuation changed. Never empties the sentence."""
    if lang in NO_SPACE_LANGS:
        chars = [i for i, char in enumerate(sentence) if char.isalnum()]
        if len(chars) < 4:
            return sentence + "。" if not sentence.endswith("。") else sentence[:-1] + "！"
        at = rng.choice(chars[1:-1])
        if rng.random() < 0.5:
            return sentence[:at] + sentence[at + 1 :]
        return sentence[:at] + sentence[at] + sentence[at:]
    words = sentence.split(" ")
    edit = rng.choice(("drop", "double", "swap", "punct")) if len(words) >= 4 else "punct"
    if edit == "drop":
        del words[rng.randrange(1, len(words) - 1)]
    elif edit == "double":
        at = rng.randrange(len(words))
        words.insert(at, words[at])
    elif edit == "swap":
        at = rng.randrange(len(words))
        word = words[at]
        if len(word) >= 4:
            i = rng.randrange(1, len(word) - 2)
            words[at] = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        else:
            words[at] = word.upper()
    else:
        stripped = sentence.rstrip(".!?")
        return stripped + ("!" if sentence.endswith(".") else ".")
    return " ".join(words)


def lightly_edited(sentences, lang: str, rng: random.Random) -> tuple[list[str], int]:
    """The sentences as a copy-editing republisher leaves them: 10-30% of them (at
    least one) given a light_edit. Returns them and how many were edited."""
    edited_at = set(rng.sample(range(len(sentences)), max(1, round(len(sentences) * rng.uniform(0.1, 0.3)))))
    return [light_edit(s, lang, rng) if i in edited_at else s for i, s in enumerate(sentences)], len(edited_at)


def merge_sentences(first: str, second: str, lang: str) -> str:
    """Two neighbouring sentences made into one, as a rewriter condenses."""
    head = SENTENCE_END.sub("", first.rstrip())
    if lang in NO_SPACE_LANGS:
        return head + "，" + second.strip()
    second = second.strip()
    if second[:1].isupper() and second[1:2].islower():  # an ordinary word, not a name like "EU"
        second = second[0].lower() + second[1:]
    return head + ", " + second


def rewrite_paragraphs(sentences: tuple[str, ...], lang: str, rng: random.Random) -> tuple[list[list[str]], dict]:
    """Drop 20-50% of the sentences (never the first), merge some neighbours, and swap
    two paragraphs after the first. Returns the paragraphs and what was done."""
    count = len(sentences)
    low, high = -(-count * 2 // 10), count // 2  # ceil(20%), floor(50%)
    dropped = rng.randint(low, max(low, high))
    drop = set(rng.sample(range(1, count), dropped))
    kept = [s for i, s in enumerate(sentences) if i not in drop]
    units: list[str] = []
    merged = 0
    i = 0
    while i < len(kept):
        if i + 1 < len(kept) and rng.random() < 0.25:
            units.append(merge_sentences(kept[i], kept[i + 1], lang))
            merged += 1
            i += 2
        else:
            units.append(kept[i])
            i += 1
    paragraphs = paragraphs_of(units, rng)
    reordered = len(paragraphs) >= 3
    if reordered:
        a, b = rng.sample(range(1, len(paragraphs)), 2)
        paragraphs[a], paragraphs[b] = paragraphs[b], paragraphs[a]
    facts = {"sentences": count, "dropped": dropped, "dropped_share": dropped / count, "merged": merged,
             "reordered": reordered}  # fmt: skip
    return paragraphs, facts


# --- the judge set -----------------------------------------------------------


@dataclass
class _Pool:
    """The items a builder draws from, cut to at most max_sentences sentences."""

    items: list[Parallel]
    max_sentences: int
    seed: int

    def cut(self, sentences: tuple[str, ...]) -> tuple[str, ...]:
        return sentences[: self.max_sentences]

    def doc(self, item: Parallel, lang: str) -> BenchDoc:
        text = self.cut(item.versions()[lang])
        return doc_from_sentences(f"{item.key}/{lang}", lang, text, self.seed)

    def pick(self, rng: random.Random, *, translated: bool = False, machine: bool = False) -> Parallel:
        choices = [
            item for item in self.items if (not translated or item.translations) and (not machine or item.machine)
        ]
        # corpora in fixed shares, so each shows up whatever its size: NTREX is the news core
        corpus = rng.choices(("ntrex", "wmt22", "iwslt"), weights=(6, 3, 1))[0]
        in_corpus = [item for item in choices if item.corpus == corpus] or choices
        return rng.choice(in_corpus)

    def other(self, rng: random.Random, item: Parallel, lang: str, min_sentences: int = MIN_SENTENCES) -> Parallel:
        """Another item of the same corpus (and domain, where known) with a text in `lang`."""

        def fits(other: Parallel, same_domain: bool) -> bool:
            return (
                other.key != item.key
                and other.corpus == item.corpus
                and (not same_domain or other.domain == item.domain)
                and lang in other.versions()
                and len(self.cut(other.versions()[lang])) >= min_sentences
            )

        choices = [o for o in self.items if fits(o, item.domain != "unknown")] or [
            o for o in self.items if fits(o, False)
        ]
        return rng.choice(choices)


def _pool(seed: int, max_sentences: int, quick: bool) -> _Pool:
    # WMT22 has 794 documents of 5+ segments; 30 from each language pair keep every pair
    # and domain in the set while texts recur across pairs, which keeps embedding affordable
    wmt = [item for pair in WMT_PAIRS for item in sorted(
        (item for item in wmt_items() if item.key.startswith(f"wmt22/{pair}/")),
        key=lambda item: hashlib.sha256(f"{seed}:{item.key}".encode()).hexdigest())[:WMT_PER_PAIR]]  # fmt: skip
    items = [*ntrex_items(), *wmt, *iwslt_items()]
    if quick:
        # the quick gate's subset: short texts only, so the gate embeds little
        items = [item for item in items if len(item.original) <= max_sentences]
    return _Pool(items, max_sentences, seed)


def _translation_pairs(pool: _Pool, rng: random.Random, count: int, machine: bool) -> list[Pair]:
    pairs = []
    while len(pairs) < count:
        item = pool.pick(rng, translated=True, machine=machine)
        source = pool.doc(item, item.original_lang)
        if machine:
            system = MT_SYSTEMS[len(pairs) % len(MT_SYSTEMS)]
            lang = item.machine_lang
            suspect = doc_from_sentences(f"{item.key}/{system}", lang, pool.cut(item.machine[system]), pool.seed)
            kind = f"translation/mt-{system}"
        else:
            lang = rng.choice(sorted(item.translations))
            suspect = pool.doc(item, lang)
            kind = f"translation/{item.corpus}"
        pairs.append(Pair("", TRANSLATION, kind, item.split, suspect, source, {"lang": lang}))
    return pairs


def _copy_pairs(pool: _Pool, rng: random.Random, count: int) -> list[Pair]:
    pairs = []
    while len(pairs) < count:
        item = pool.pick(rng)
        lang = rng.choice(sorted(item.versions()))
        sentences = pool.cut(item.versions()[lang])
        edited, edits = lightly_edited(sentences, lang, rng)
        source = pool.doc(item, lang)
        suspect = make_doc(f"{item.key}/{lang}/copy{len(pairs)}", lang, paragraphs_of(edited, rng))
        facts = {"sentences": len(sentences), "edited": edits}
        pairs.append(Pair("", COPY, "copy", item.split, suspect, source, facts))
    return pairs


def _rewrite_pairs(pool: _Pool, rng: random.Random, count: int) -> list[Pair]:
    pairs = []
    while len(pairs) < count:
        translated = len(pairs) % 2 == 1
        item = pool.pick(rng, translated=translated)
        if len(pool.cut(item.original)) < MIN_SENTENCES:
            continue
        if translated:
            source_lang = item.original_lang
            lang = rng.choice(sorted(item.translations))
        else:
            source_lang = lang = rng.choice(sorted(item.versions()))
        paragraphs, facts = rewrite_paragraphs(pool.cut(item.versions()[lang]), lang, rng)
        source = pool.doc(item, source_lang)
        suspect = make_doc(f"{item.key}/{lang}/rewrite{len(pairs)}", lang, paragraphs)
        kind = "rewrite/translated" if translated else "rewrite/same-language"
        pairs.append(Pair("", REWRITE, kind, item.split, suspect, source, {**facts, "lang": lang}))
    return pairs


def _partial_pairs(pool: _Pool, rng: random.Random, count: int) -> list[Pair]:
    pairs = []
    while len(pairs) < count:
        translated = len(pairs) % 2 == 1
        item = pool.pick(rng, translated=translated)
        sentences_count = len(pool.cut(item.original))
        if sentences_count < MIN_SENTENCES:
            continue
        if translated:
            source_lang = item.original_lang
            lang = rng.choice(sorted(item.translations))
        else:
            source_lang = lang = rng.choice(sorted(item.versions()))
        taken = max(2, round(sentences_count * rng.uniform(0.2, 0.4)))
        start = rng.randrange(0, sentences_count - taken + 1)
        block = list(pool.cut(item.versions()[lang])[start : start + taken])
        host_item = pool.other(rng, item, lang, min_sentences=max(MIN_SENTENCES, taken))
        host = paragraphs_of(pool.cut(host_item.versions()[lang]), rng)
        at = rng.randrange(1, len(host) + 1)  # after the host's lead paragraph, never before it
        spliced = host[:at] + paragraphs_of(block, rng) + host[at:]
        source = pool.doc(item, source_lang)
        suspect = make_doc(f"{item.key}/{lang}/partial{len(pairs)}", lang, spliced)
        facts = {
            "sentences": sentences_count,
            "taken": taken,
            "taken_share": taken / sentences_count,
            "block": block,
            "host": host_item.key,
            "lang": lang,
        }
        kind = "partial/translated" if translated else "partial/same-language"
        pairs.append(Pair("", PARTIAL, kind, item.split, suspect, source, facts))
    return pairs


def _unrelated_pairs(pool: _Pool, rng: random.Random, count: int) -> list[Pair]:
    pairs = []
    while len(pairs) < count:
        other_language = len(pairs) % 2 == 1
        item = pool.pick(rng, translated=other_language)
        source_lang = rng.choice(sorted(item.versions()))
        if other_language:
            lang = rng.choice([lang for lang in sorted(item.versions()) if lang != source_lang])
        else:
            lang = source_lang
        suspect_item = pool.other(rng, item, lang)
        source = pool.doc(item, source_lang)
        suspect = pool.doc(suspect_item, lang)
        kind = "unrelated/other-language" if other_language else "unrelated/same-language"
        pairs.append(Pair("", UNRELATED, kind, item.split, suspect, source, {"suspect_item": suspect_item.key}))
    return pairs


def judge_set(
    seed: int = 0, per_class: int = 450, machine: int = 200, max_sentences: int = 40, quick: bool = False
) -> list[Pair]:
    """`per_class` pairs of each relation (human translations only), then `machine`
    machine-translation pairs (labelled translation, kind "translation/mt-*", kept
    apart in the figures). Pair ids are "<relation>-<n>" in build order."""
    pool = _pool(seed, max_sentences, quick)
    builders = {
        TRANSLATION: lambda rng: _translation_pairs(pool, rng, per_class, machine=False),
        COPY: lambda rng: _copy_pairs(pool, rng, per_class),
        REWRITE: lambda rng: _rewrite_pairs(pool, rng, per_class),
        PARTIAL: lambda rng: _partial_pairs(pool, rng, per_class),
        UNRELATED: lambda rng: _unrelated_pairs(pool, rng, per_class),
        "machine": lambda rng: _translation_pairs(pool, rng, machine, machine=True),
    }
    pairs = []
    for name, build in builders.items():
        for n, pair in enumerate(build(random.Random(f"{seed}:judge:{name}"))):
            pairs.append(replace(pair, pair_id=f"{name}-{n}"))
    return pairs


# --- the direction set -------------------------------------------------------


def direction_set(
    seed: int = 0, ntrex: int = 300, wmt: int = 300, iwslt: int = 65, max_sentences: int = 40, quick: bool = False
) -> list[Pair]:
    """(original, human translation) pairs in random order, with no dates and no cues:
    label says which side is the original (SOURCE_FIRST: the `source` side)."""
    rng = random.Random(f"{seed}:direction")
    pool = _pool(seed, max_sentences, quick)
    pairs = []
    for corpus, count in (("ntrex", ntrex), ("wmt22", wmt), ("iwslt", iwslt)):
        items = [item for item in pool.items if item.corpus == corpus]
        # each item once before any item twice, each time with a translation not used yet
        order = [item for _ in range(-(-count // max(1, len(items)))) for item in rng.sample(items, len(items))]
        used: set[tuple[str, str]] = set()
        for n, item in enumerate(order[:count]):
            fresh = [lang for lang in sorted(item.translations) if (item.key, lang) not in used]
            lang = rng.choice(fresh or sorted(item.translations))
            used.add((item.key, lang))
            original = pool.doc(item, item.original_lang)
            translation = pool.doc(item, lang)
            original_is_source = rng.random() < 0.5
            suspect, source = (translation, original) if original_is_source else (original, translation)
            label = SOURCE_FIRST if original_is_source else SUSPECT_FIRST
            facts = {"original_lang": item.original_lang, "translation_lang": lang}
            pairs.append(Pair(f"{corpus}-{n}", label, f"direction/{corpus}", item.split, suspect, source, facts))
    return pairs


def with_dates(pair: Pair) -> Pair:
    """The same pair with publication dates: the translation 1-5 days after the original."""
    rng = random.Random(f"dates:{pair.pair_id}")
    day = rng.randint(1, 20)
    later = f"2022-03-{day + rng.randint(1, 5):02d}"
    earlier = f"2022-03-{day:02d}"
    original_is_source = pair.label == SOURCE_FIRST
    suspect = replace(pair.suspect, published=later if original_is_source else earlier)
    source = replace(pair.source, published=earlier if original_is_source else later)
    return replace(pair, suspect=suspect, source=source, kind=pair.kind + "+dates")


def with_cues(pair: Pair) -> Pair:
    """The same pair where the translation ends with a "Source: <url>" line naming the
    original, and the original carries that url and its site."""
    slug = re.sub(r"[^a-z0-9]+", "-", pair.pair_id.lower())
    url = f"https://news.example.org/{slug}"
    original_is_source = pair.label == SOURCE_FIRST
    original, translation = (pair.source, pair.suspect) if original_is_source else (pair.suspect, pair.source)
    original = replace(original, url=url, site="news.example.org")
    translation = replace(translation, text=translation.text + f"\n\nSource: {url}")
    suspect, source = (translation, original) if original_is_source else (original, translation)
    return replace(pair, suspect=suspect, source=source, kind=pair.kind + "+cues")


# --- the retrieval set -------------------------------------------------------


@dataclass
class RetrievalSet:
    store: list[BenchDoc]  # every document added to the store
    queries: list[tuple[str, BenchDoc, str]]  # (group, query document, key of its original in store)


def retrieval_set(seed: int = 0, quick: bool = False, max_sentences: int = 12, max_lines: int = 12,
                  distractor_lines: int = 5) -> RetrievalSet:  # fmt: skip
    """English originals (NTREX, CL-OSA BBC, IWSLT talks) and the 1,732 BBC distractors in
    one store; queries are every NTREX translation (12 languages), the BBC Japanese versions
    and the Vietnamese talks. One store for all three is stricter than one per data set:
    every query faces every other English document as a distractor.

    Texts are cut so that the set embeds in about an hour on two cores: queries and
    originals to their first `max_sentences` sentences (CL-OSA, taken as raw text: first
    `max_lines` non-empty lines), distractors to their first `distractor_lines` lines
    (headline and lead paragraphs). quick: 6 short NTREX documents in 3 languages, 3
    CL-OSA pairs, 2 talks and 25 distractors, cut shorter: the CI gate's subset."""
    rng = random.Random(f"{seed}:retrieval")
    ntrex = list(ntrex_items())
    langs = sorted(ntrex[0].translations)
    talks = list(iwslt_items(window=max_sentences))
    # one CL-OSA pair (37844188/0) has an empty English file: a query with no original
    bbc = [record for record in closa_pairs() if record["en_text"].strip() and record["ja_text"].strip()]
    distractors = closa_distractors()
    if quick:
        ntrex = rng.sample([item for item in ntrex if len(item.original) <= 10], 6)
        langs = ["ru", "vi", "zh"]
        talks = rng.sample(list(iwslt_items(window=6)), 2)
        bbc = rng.sample(bbc, 3)
        distractors = rng.sample(distractors, 25)
        max_lines, distractor_lines = 5, 3
    store, queries = [], []
    for item in ntrex:
        original = doc_from_sentences(f"{item.key}/en", "en", item.original[:max_sentences], seed)
        store.append(original)
        for lang in langs:
            query = doc_from_sentences(f"{item.key}/{lang}", lang, item.translations[lang][:max_sentences], seed)
            queries.append((f"ntrex-{lang}", query, original.key))
    for record in bbc:
        original = raw_doc(f"closa/{record['pair_id']}/en", "en", record["en_text"], max_lines)
        store.append(original)
        query = raw_doc(f"closa/{record['pair_id']}/ja", "ja", record["ja_text"], max_lines)
        queries.append(("closa-ja", query, original.key))
    for talk in talks:
        original = doc_from_sentences(f"{talk.key}/en", "en", talk.original, seed)
        store.append(original)
        query = doc_from_sentences(f"{talk.key}/vi", "vi", talk.translations["vi"], seed)
        queries.append(("iwslt-vi", query, original.key))
    for record in distractors:
        store.append(raw_doc(f"closa/distractor/{record['doc_id']}", "en", record["text"], distractor_lines))
    return RetrievalSet(store, queries)


def warm_documents() -> list[tuple[str, list[BenchDoc]]]:
    """Every document the full benchmarks read, by benchmark, most needed first
    (for the vector cache's warmer, which embeds their passages ahead of a run)."""
    retrieval = retrieval_set()
    judge = judge_set(**JUDGE_FULL)
    direction = direction_set(**DIRECTION_FULL)
    return [
        ("judge", [doc for pair in judge for doc in (pair.suspect, pair.source)]),
        (
            "direction",
            [doc for pair in direction for cued in (pair, with_cues(pair)) for doc in (cued.suspect, cued.source)],
        ),
        ("retrieval", [*retrieval.store, *(query for _, query, _ in retrieval.queries)]),
    ]
