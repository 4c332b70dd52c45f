"""Build provenance/demo_data/, the corpus behind `provenance demo`, from NTREX-128.

NTREX-128 (CC BY-SA 4.0) is English news translated sentence by sentence into
128 languages, so every derived suspect below comes with exact ground truth:
which original sentence each of its sentences renders. The script picks one
English story as THE ORIGINAL, stores it with two translations and some
distractor stories, and writes four suspects for the demo to trace (see
provenance/demo_data/SOURCE.md). Every choice is drawn from seeded generators, so a rerun
reproduces provenance/demo_data byte for byte:

    python scripts/make_demo.py [--ntrex $PROVENANCE_BENCH/ntrex] [--out provenance/demo_data]
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from benchmarks.locations import BENCH_DATA, REPO_ROOT

SEED = 20240911
DEFAULT_NTREX = BENCH_DATA / "ntrex"
DEFAULT_OUT = REPO_ROOT / "provenance" / "demo_data"

ORIGINAL_DOC = "reuters.218863"  # 27 sentences: "Hundreds killed by Indonesian quake, tsunami, ..."
SPLICE_HOST_DOC = "telegraph.405422"  # another Palu story: realistic material to splice into
UNRELATED_DOC = "scotsman.133773"  # bats in the Scottish Highlands
UNRELATED_LANG = "ukr"

# NTREX language code -> the ISO 639-1 code the tracker stores.
ISO = {"eng": "en", "deu": "de", "fra": "fr", "rus": "ru", "spa": "es", "zho-CN": "zh", "vie": "vi", "ukr": "uk"}
NO_SPACE_LANGS = {"zho-CN"}  # sentences of these languages are written without a space between them

# Made-up outlets. Every domain is under .invalid (RFC 2606), so no URL here can
# point at a real site.
WORLD_NEWS = ("World News", "world-news.invalid")
SITES = {
    "eng": [WORLD_NEWS, ("Daily Courier", "daily-courier.invalid"), ("Evening Ledger", "evening-ledger.invalid")],
    "deu": [("Nachrichten Heute", "nachrichten-heute.invalid"), ("Rundschau Online", "rundschau-online.invalid")],
    "fra": [("Le Quotidien Mondial", "quotidien-mondial.invalid"), ("Info Express", "info-express.invalid")],
    "rus": [("Новости Мира", "novosti-mira.invalid")],
    "spa": [("Diario Global", "diario-global.invalid")],
    "zho-CN": [("环球快讯", "huanqiu-kuaixun.invalid")],
}
VI_TRANSLATION_SITE = ("Tin Thế Giới", "tin-the-gioi.invalid")
VI_REWRITE_SITE = ("Tin Nhanh 24h", "tinnhanh24h.invalid")
SPLICE_SITE = ("Morning Herald", "morning-herald.invalid")
UNRELATED_SITE = ("Світові новини", "svitovi-novyny.invalid")

ORIGINAL_DATE = "2024-09-11"
TRANSLATION_DATE = "2024-09-12"
REWRITE_DATE = "2024-09-13"
SPLICE_DATE = "2024-09-12"
UNRELATED_DATE = "2024-09-14"

# Other NTREX stories about the same earthquake, stored as distractors in several
# languages so that retrieval has to tell same-topic stories apart.
SAME_TOPIC = [
    ("reuters.218865", "eng", WORLD_NEWS, "2024-09-11"),  # a factbox on the same outlet, same day
    ("euronews-en.153797", "eng", ("Daily Courier", "daily-courier.invalid"), "2024-09-10"),
    ("nytimes.184860", "deu", ("Rundschau Online", "rundschau-online.invalid"), "2024-09-13"),
    ("newsweek.51340", "fra", ("Info Express", "info-express.invalid"), "2024-09-12"),
    ("nytimes.184837", "rus", ("Новости Мира", "novosti-mira.invalid"), "2024-09-12"),
    ("euronews-en.153835", "spa", ("Diario Global", "diario-global.invalid"), "2024-09-14"),
]
DISTRACTOR_LANGS = ["eng", "deu", "fra", "rus", "spa", "zho-CN"]
DISTRACTORS_PER_LANG = 6
DISTRACTOR_SENTENCES = (6, 16)  # shorter stories say too little, longer ones slow the demo down

DROP_SHARE = 0.3  # of the Vietnamese translation's sentences left out of the rewrite
REWRITE_MERGES = 3  # pairs of neighbouring sentences joined into one
REWRITE_MOVES = 2  # paragraphs moved to another place
SPLICE_SHARE = 0.4  # of the original's sentences spliced into the host story
REWRITE_TITLE = "Động đất, sóng thần ở Indonesia: hàng trăm người thiệt mạng"
REWRITE_BYLINE = "Thanh Hà (Theo World News)"
REWRITE_CAPTION = "Người dân đi qua đống đổ nát ở thành phố Palu. Ảnh: AFP"
REWRITE_COMMENTS = "Bình luận (0)"
VI_TRANSLATION_AUTHOR = "Lan Anh"


@dataclass
class Story:
    """One NTREX document in one language, cut the way a news page shows it."""

    doc_id: str
    lang: str
    title: str
    sentences: list[str]  # the body; sentence i renders sentence i of every other language
    paragraphs: list[list[int]]  # body sentence indices, 2-3 per paragraph

    def text(self) -> str:
        return "\n\n".join(join_sentences([self.sentences[i] for i in para], self.lang) for para in self.paragraphs)


def join_sentences(sentences: list[str], lang: str) -> str:
    return ("" if lang in NO_SPACE_LANGS else " ").join(sentences)


def load_ntrex(ntrex_dir: Path, lang: str) -> dict[str, list[str]]:
    path = ntrex_dir / f"ntrex.{lang}.jsonl"
    with path.open(encoding="utf-8") as lines:
        return {doc["doc_id"]: doc["sentences"] for doc in map(json.loads, lines)}


def open_quote_after(sentences: list[str]) -> list[bool]:
    """For each sentence, whether a quotation is still open after it. NTREX splits
    some quotations across sentences ('"Every minute an ambulance brings in
    bodies.' / 'Clean water is scarce."'); a paragraph must not end inside one."""
    states = []
    inside = False
    for sentence in sentences:
        for match in re.finditer(r'["“”]', sentence):
            before = sentence[match.start() - 1] if match.start() else " "
            after = sentence[match.end()] if match.end() < len(sentence) else " "
            # a straight quote opens when it starts a word, as in ' "Every' (it closes in 'bodies." ')
            inside = match.group() == "“" or (match.group() == '"' and before in " (" and not after.isspace())
        states.append(inside)
    return states


def group_paragraphs(count: int, rng: random.Random, unbreakable: list[bool] | None = None) -> list[list[int]]:
    """Sentence indices in paragraphs of 2-3, never ending one where `unbreakable[i]` holds."""
    unbreakable = unbreakable or [False] * count
    paragraphs, start = [], 0
    while start < count:
        size = 2 if count - start == 4 else min(rng.choice((2, 3)), count - start)
        while start + size < count and unbreakable[start + size - 1]:
            size += 1
        paragraphs.append(list(range(start, start + size)))
        start += size
    if len(paragraphs) > 1 and len(paragraphs[-1]) == 1:  # never leave a one-sentence tail
        paragraphs[-2].extend(paragraphs.pop())
    return paragraphs


def make_story(doc_id: str, lang: str, ntrex: dict[str, dict[str, list[str]]]) -> Story:
    """Cut a document into title and paragraphs. NTREX documents start with their
    headline (the newstest convention), which becomes the title. The cut depends
    on the document only, so its translations get the same paragraphs as the English."""
    english, sentences = ntrex["eng"][doc_id], ntrex[lang][doc_id]
    title = sentences[0].removesuffix(".")  # a few headlines end with a full stop
    rng = random.Random(f"{SEED}:paragraphs:{doc_id}")
    paragraphs = group_paragraphs(len(sentences) - 1, rng, open_quote_after(english[1:]))
    return Story(doc_id, lang, title, sentences[1:], paragraphs)


def slugify(text: str) -> str:
    # NFKD splits accents off their letters; Vietnamese đ has no decomposition
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = decomposed.encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower())[:10])


def article_url(domain: str, date: str, title: str, english_title: str) -> str:
    slug = slugify(title)
    if len(slug) < 8:  # a title in a script with no ASCII transliteration: use the English one
        slug = slugify(english_title)
    return f"https://www.{domain}/{date.replace('-', '/')}/{slug}"


def store_record(story: Story, site: tuple[str, str], date: str, english_title: str) -> dict:
    name, domain = site
    return {
        "title": story.title,
        "url": article_url(domain, date, story.title, english_title),
        "site": name,
        "date": date,
        "lang": ISO[story.lang],
        "text": story.text(),
    }


def pick_distractors(ntrex: dict, excluded: set[str], rng: random.Random) -> list[tuple]:
    """(doc_id, language, (site, domain), date) of the same-topic stories plus random
    others, DISTRACTORS_PER_LANG per language."""
    low, high = DISTRACTOR_SENTENCES
    same_topic_ids = {doc_id for doc_id, *_ in SAME_TOPIC}
    pool = sorted(
        doc_id
        for doc_id, sentences in ntrex["eng"].items()
        if doc_id not in excluded | same_topic_ids and low <= len(sentences) <= high
    )
    picked = list(SAME_TOPIC)
    others = iter(rng.sample(pool, DISTRACTORS_PER_LANG * len(DISTRACTOR_LANGS) - len(SAME_TOPIC)))
    for lang in DISTRACTOR_LANGS:
        while sum(1 for _, picked_lang, *_ in picked if picked_lang == lang) < DISTRACTORS_PER_LANG:
            day = rng.randint(1, 61)  # 1 August .. 30 September
            date = f"2024-08-{day:02d}" if day <= 31 else f"2024-09-{day - 31:02d}"
            picked.append((next(others), lang, rng.choice(SITES[lang]), date))
    rng.shuffle(picked)
    return picked


def vietnamese_html(story: Story, url: str) -> str:
    """A small news page: navigation, header and footer around an <article>, as
    trafilatura meets them. The headline sits in the <header>, outside the
    <article>, so the extracted text starts with the story, as in the store."""
    site_name = VI_TRANSLATION_SITE[0]
    paragraphs = "\n".join(f"<p>{html.escape(para)}</p>" for para in story.text().split("\n\n"))
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>{html.escape(story.title)} - {html.escape(site_name)}</title>
<meta name="author" content="{VI_TRANSLATION_AUTHOR}">
<meta property="article:published_time" content="{TRANSLATION_DATE}">
<meta property="og:site_name" content="{html.escape(site_name)}">
<meta property="og:title" content="{html.escape(story.title)}">
<link rel="canonical" href="{url}">
</head>
<body>
<nav><a href="/">Trang chủ</a> | <a href="/the-gioi">Thế giới</a> | <a href="/kinh-doanh">Kinh doanh</a></nav>
<header>
<h1>{html.escape(story.title)}</h1>
<p class="byline">{VI_TRANSLATION_AUTHOR}</p>
<time datetime="{TRANSLATION_DATE}">12/09/2024</time>
</header>
<article>
{paragraphs}
</article>
<footer>© 2024 {html.escape(site_name)}</footer>
</body>
</html>
"""


def merge_sentences(first: str, second: str, joiner: str) -> str:
    """Join two sentences into one: drop the first's full stop, lower the second's capital."""
    return first.rstrip().removesuffix(".") + joiner + second[0].lower() + second[1:]


def make_rewrite(story: Story, source_url: str, rng: random.Random) -> tuple[str, dict]:
    """A Vietnamese rewrite of the Vietnamese translation: sentences dropped,
    neighbours merged, paragraphs moved, an outlet's boilerplate added."""
    count = len(story.sentences)
    dropped = sorted(rng.sample(range(count), round(DROP_SHARE * count)))
    kept = [i for i in range(count) if i not in dropped]
    lower_words = {word for sentence in story.sentences for word in sentence.split()[1:] if word.islower()}

    def mergeable(first: int, second: int) -> bool:
        # Only lower a capital that the text writes lower case elsewhere and that
        # no capitalised word follows, so names ("Cơ Quan Đánh Giá") keep their
        # capitals; and never merge across a closing quote.
        first_word, next_word = story.sentences[second].split()[:2]
        return (
            second == first + 1
            and story.sentences[first].endswith(".")
            and first_word.lower() in lower_words
            and next_word.islower()
        )

    pairs = [(a, b) for a, b in zip(kept, kept[1:]) if mergeable(a, b)]
    merges: list[tuple[int, int]] = []
    for a, b in rng.sample(pairs, len(pairs)):
        if len(merges) < REWRITE_MERGES and all(not {a, b} & set(m) for m in merges):
            merges.append((a, b))
    merges.sort()
    units: list[list[int]] = []  # sentences of the rewrite, as original indices
    for i in kept:
        if any(i == b for _, b in merges):
            units[-1].append(i)
        else:
            units.append([i])
    grouped = group_paragraphs(len(units), rng)
    paragraphs = [[units[u] for u in para] for para in grouped]
    for _ in range(REWRITE_MOVES):  # the lead paragraph stays first, as rewriters keep it
        moved = paragraphs.pop(rng.randrange(1, len(paragraphs)))
        paragraphs.insert(rng.randrange(1, len(paragraphs) + 1), moved)

    def render(unit: list[int]) -> str:
        text = story.sentences[unit[0]]
        for i in unit[1:]:
            text = merge_sentences(text, story.sentences[i], rng.choice((", ", " và ")))
        return text

    source_line = f"Nguồn: {source_url}"
    # (text, the original sentences each of its sentences renders; [] for an added line)
    blocks = [(join_sentences([render(unit) for unit in para], story.lang), para) for para in paragraphs]
    blocks.insert(1, (REWRITE_CAPTION, [[]]))
    blocks += [(line, [[]]) for line in (REWRITE_BYLINE, REWRITE_COMMENTS, source_line)]
    facts = {
        "dropped_sentences": dropped,
        "merged_sentences": [list(pair) for pair in merges],
        "paragraphs": [[i for unit in para for i in unit] for para in paragraphs],
        "sentence_sources": [unit for _, units in blocks for unit in units],
        "boilerplate_lines": [REWRITE_CAPTION, REWRITE_BYLINE, REWRITE_COMMENTS, source_line],
    }
    return "\n\n".join(text for text, _ in blocks) + "\n", facts


def make_splice(original: Story, host: Story, rng: random.Random) -> tuple[str, dict]:
    """The host story with runs of 1-3 consecutive original sentences pasted between its paragraphs."""
    count = len(original.sentences)
    target = round(SPLICE_SHARE * count)
    taken: set[int] = set()
    runs: list[list[int]] = []
    while len(taken) < target:
        length = min(rng.choice((1, 2, 3)), target - len(taken))
        start = rng.randrange(count - length + 1)
        run = list(range(start, start + length))
        # keep a gap around each run so that runs stay distinct
        if not set(range(start - 1, start + length + 1)) & taken:
            runs.append(run)
            taken.update(run)
    runs.sort()
    # where each run goes: before host paragraph n (n = len: at the end); a place may take several runs
    places = sorted(rng.randrange(len(host.paragraphs) + 1) for _ in runs)
    blocks: list[tuple[str, list[int]]] = []  # ("host" | "original", sentence indices)
    for position, para in enumerate(host.paragraphs + [[]]):
        blocks += [("original", run) for run, place in zip(runs, places) if place == position]
        if para:
            blocks.append(("host", para))
    origins = [[origin, i] for origin, indices in blocks for i in indices]
    text = "\n\n".join(
        join_sentences([(original if origin == "original" else host).sentences[i] for i in indices], "eng")
        for origin, indices in blocks
    )
    facts = {
        "spliced_sentences": sorted(taken),
        "host_sentences": [n for n, (origin, _) in enumerate(origins) if origin == "host"],
        "sentence_origins": origins,
    }
    return text + "\n", facts


def build_demo(ntrex_dir: Path, out_dir: Path) -> None:
    """Write store.jsonl, suspects/ and manifest.json under out_dir."""
    langs = {"eng", "vie", UNRELATED_LANG, *DISTRACTOR_LANGS}
    ntrex = {lang: load_ntrex(ntrex_dir, lang) for lang in sorted(langs)}
    rng = random.Random(SEED)

    original = make_story(ORIGINAL_DOC, "eng", ntrex)
    original_record = store_record(original, WORLD_NEWS, ORIGINAL_DATE, original.title)
    original_url = original_record["url"]
    records = [original_record]
    for lang, site in (("deu", SITES["deu"][0]), ("fra", SITES["fra"][0])):
        records.append(store_record(make_story(ORIGINAL_DOC, lang, ntrex), site, TRANSLATION_DATE, original.title))
    distractors = pick_distractors(ntrex, {ORIGINAL_DOC, SPLICE_HOST_DOC, UNRELATED_DOC}, rng)
    for doc_id, lang, site, date in distractors:
        english_title = make_story(doc_id, "eng", ntrex).title
        records.append(store_record(make_story(doc_id, lang, ntrex), site, date, english_title))

    vi_story = make_story(ORIGINAL_DOC, "vie", ntrex)
    vi_url = article_url(VI_TRANSLATION_SITE[1], TRANSLATION_DATE, vi_story.title, original.title)
    rewrite_text, rewrite_facts = make_rewrite(vi_story, original_url, rng)
    rewrite_url = article_url(VI_REWRITE_SITE[1], REWRITE_DATE, REWRITE_TITLE, original.title)
    host = make_story(SPLICE_HOST_DOC, "eng", ntrex)
    splice_text, splice_facts = make_splice(original, host, rng)
    unrelated = make_story(UNRELATED_DOC, UNRELATED_LANG, ntrex)
    unrelated_english_title = make_story(UNRELATED_DOC, "eng", ntrex).title

    suspect_files = {
        "01-vi-translation.html": vietnamese_html(vi_story, vi_url),
        "02-vi-rewrite.txt": rewrite_text,
        "03-en-spliced.txt": splice_text,
        "04-unrelated.txt": unrelated.text() + "\n",
    }
    suspects = [
        {
            "name": "01-vi-translation",
            "file": "suspects/01-vi-translation.html",
            "overrides": {},
            "expected_relation": "translation",
            "expected_source": original_url,
            "about": "the Vietnamese NTREX translation of the original, as a news page",
            "ntrex": {"doc_id": ORIGINAL_DOC, "lang": "vie"},
        },
        {
            "name": "02-vi-rewrite",
            "file": "suspects/02-vi-rewrite.txt",
            "overrides": {"date": REWRITE_DATE, "title": REWRITE_TITLE, "site": VI_REWRITE_SITE[0], "url": rewrite_url},
            "expected_relation": "rewrite",
            # its nearest source is the Vietnamese translation it rewrites, not the original
            "expected_source": vi_url,
            "about": "a Vietnamese rewrite of the Vietnamese translation: sentences dropped and merged, "
            "paragraphs moved, byline, photo caption, comment counter and source line added",
            "ntrex": {"doc_id": ORIGINAL_DOC, "lang": "vie"},
            **rewrite_facts,
        },
        {
            "name": "03-en-spliced",
            "file": "suspects/03-en-spliced.txt",
            "overrides": {
                "date": SPLICE_DATE,
                "title": host.title,
                "site": SPLICE_SITE[0],
                "url": article_url(SPLICE_SITE[1], SPLICE_DATE, host.title, host.title),
            },
            "expected_relation": "partial",
            "expected_source": original_url,
            "about": "another English story about Palu with runs of the original's sentences pasted in",
            "ntrex": {"doc_id": SPLICE_HOST_DOC, "lang": "eng"},
            **splice_facts,
        },
        {
            "name": "04-unrelated",
            "file": "suspects/04-unrelated.txt",
            "overrides": {
                "date": UNRELATED_DATE,
                "title": unrelated.title,
                "site": UNRELATED_SITE[0],
                "url": article_url(UNRELATED_SITE[1], UNRELATED_DATE, unrelated.title, unrelated_english_title),
            },
            "expected_relation": "unrelated",
            "expected_source": None,
            "about": "a Ukrainian story on another subject that the store does not hold",
            "ntrex": {"doc_id": UNRELATED_DOC, "lang": UNRELATED_LANG},
        },
    ]
    same_topic_ids = {doc_id for doc_id, *_ in SAME_TOPIC}
    manifest = {
        "about": "Built by scripts/make_demo.py from NTREX-128 (CC BY-SA 4.0); see SOURCE.md. Sentence "
        "indices count body sentences from 0: an original index i is sentence i of the original's text "
        "(NTREX sentence i + 1, since NTREX sentence 0 is the headline, used as the title); a suspect "
        "index counts the sentences of the suspect file in order. sentence_sources lists, for each "
        "sentence of the rewrite, the original sentences it renders ([] for a line the rewriter added).",
        "original": {
            "url": original_url,
            "title": original.title,
            "ntrex": {"doc_id": ORIGINAL_DOC, "lang": "eng"},
            "sentences": len(original.sentences),
            "paragraphs": original.paragraphs,
        },
        "translations_in_store": [record["url"] for record in records[1:3]],
        "distractors": [
            {"ntrex": {"doc_id": doc_id, "lang": lang}, "url": record["url"], "same_topic": doc_id in same_topic_ids}
            for (doc_id, lang, _, _), record in zip(distractors, records[3:])
        ],
        "suspects": suspects,
        "lineage": {
            "about": "what `provenance lineage` finds for the original once the demo has traced its suspects: "
            "the original is the story's one origin; its German, French and Vietnamese translations and the "
            "English splice derive from it; the Vietnamese rewrite derives from the Vietnamese translation, "
            "whose wording it repeats, though it names the original as its source. Edges are [parent URL, "
            "child URL].",
            "roots": [original_url],
            "edges": [
                *([original_url, record["url"]] for record in records[1:3]),
                [original_url, vi_url],
                [vi_url, rewrite_url],
                [original_url, suspects[2]["overrides"]["url"]],
            ],
        },
    }

    (out_dir / "suspects").mkdir(parents=True, exist_ok=True)
    write(out_dir / "store.jsonl", "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records))
    for name, content in suspect_files.items():
        write(out_dir / "suspects" / name, content)
    write(out_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")


def write(path: Path, content: str) -> None:
    # newline="\n" so the bytes are the same on every platform
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ntrex", type=Path, default=DEFAULT_NTREX, help="folder with ntrex.<lang>.jsonl")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the demo corpus")
    args = parser.parse_args()
    build_demo(args.ntrex, args.out)


if __name__ == "__main__":
    main()
