"""The bulk-ingest benchmark: a WARC crawl of real news text added end to end through
`provenance add CRAWL.warc.gz` (the CLI itself), against the bare model embedding the
same passages in the same run; and the two WARC parsers on that crawl.

The crawl is built at run time (under bench/cache/ingest, or the quick run's temporary
folder; never in the repository) from the public data: NTREX-128 documents in their 13
languages and CL-OSA's BBC distractor articles, each a short page (a headline and the
next 2 sentences or lines, with a menu, a byline and a footer around them), two in
three with a date of their own, the rest dated by the crawl (WARC-Date). Each page has
its request record before it, as crawlers write them, and some menu-only pages with no
article text are mixed in: each must be counted as a failure, not stop the run.
"""

from __future__ import annotations

import html
import io
import json
import random
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
from click.testing import CliRunner

from provenance.archives import Item
from provenance.bulk import extract
from provenance.cli import cli

from .data import SEED, closa_distractors, nonempty_lines, ntrex_items
from .records import show
from .workspace import Workspace

SIZES = {
    "full": {"pages": 2000, "menu_pages": 20, "bare_sample": 600},  # passages the bare model embeds, twice
    "quick": {"pages": 20, "menu_pages": 2, "bare_sample": 30},
}
CRAWL_DATE = "2024-09-11T08:00:00Z"
PAGE_NOTE = (
    "pages of a headline and its next 2 sentences (NTREX-128, 13 languages) or lines (CL-OSA BBC distractors), "
    "in a page with a menu, a byline and a footer; two in three carry their own date, the rest take the crawl's; "
    "a request record before each response; menu-only pages mixed in as failures to count"
)


def run(ws: Workspace) -> dict:
    sizes = SIZES["quick" if ws.quick else "full"]
    folder = ws.folder / "ingest"
    folder.mkdir(parents=True, exist_ok=True)
    pages = news_pages(sizes["pages"], sizes["menu_pages"])
    crawl = folder / f"crawl-{sizes['pages']}.warc.gz"
    write_crawl(crawl, pages)

    # 1. the parsers, on the same crawl: every HTML response's payload read, best of three
    parse_seconds = {"fastwarc": min(_timed(lambda: _parse_fastwarc(crawl)) for _ in range(3)),
                     "warcio": min(_timed(lambda: _parse_warcio(crawl)) for _ in range(3))}  # fmt: skip

    # 2. the bare model on passages of a seeded sample of the pages (extracted here as
    #    `add` extracts them), before and after the end-to-end run: the machine's load
    #    can change during a run, and each figure is shown
    embedder = ws.embedder
    embedder.encode(["warm-up"] * 8)  # the first call pays one-off set-up costs; the CLI reuses the loaded model
    news = [(url, page) for url, page in pages if "/section/" not in url]
    texts = []
    for url, page in random.Random(SEED).sample(news, len(news)):
        extracted = extract(Item(origin=url, url=url, data=page, date=CRAWL_DATE[:10]), {})
        texts += [passage.text for doc in extracted.docs for passage in doc.passages]
        if len(texts) >= sizes["bare_sample"]:
            break
    bare_before = _timed(lambda: embedder.encode(texts))

    # 3. end to end, the CLI's own path, on a fresh store (no embedding cache to hit)
    db = folder / "ingest.duckdb"
    for leftover in (db, db.with_name(db.name + ".wal")):
        leftover.unlink(missing_ok=True)
    command = ["add", str(crawl), "--db", str(db), "--json", "--quiet", *(["--model", ws.model] if ws.model else [])]
    began = time.perf_counter()
    first = _add(command)
    seconds = time.perf_counter() - began
    bare_after = _timed(lambda: embedder.encode(texts))
    began = time.perf_counter()
    rerun = _add(command)
    rerun_seconds = time.perf_counter() - began

    with duckdb.connect(str(db), read_only=True) as con:
        stored_texts = {text for (text,) in con.execute("SELECT text FROM passages").fetchall()}
        documents, dated = con.execute("SELECT count(*), count(published) FROM documents").fetchone()
    bare_rate = 2 * len(texts) / (bare_before + bare_after)
    pipeline_rate = first["passages"] / seconds

    expected_pages, expected_failures = sizes["pages"], sizes["menu_pages"]
    count_errors = (
        abs(first["added"] + first["already_stored"] - expected_pages)  # two pages may carry one text
        + abs(first["failed"] - expected_failures)
        + rerun["added"]
        + abs(rerun["skipped_unread"] - expected_pages)
        + (documents - dated)  # every page dated: its own date, or the crawl's
        + sum(text not in stored_texts for text in texts)  # the bare model's passages are the stored ones
    )
    figures = {
        "ingest.rate_ratio": pipeline_rate / bare_rate,
        "ingest.pipeline_passages_per_s": pipeline_rate,
        "ingest.bare_passages_per_s": bare_rate,
        "ingest.pages_per_s": first["added"] / seconds,
        "ingest.rerun_pages_per_s": expected_pages / rerun_seconds,
        "ingest.count_errors": count_errors,
        "ingest.parse_s.fastwarc": parse_seconds["fastwarc"],
        "ingest.parse_s.warcio": parse_seconds["warcio"],
        "ingest.parse_speedup": parse_seconds["warcio"] / parse_seconds["fastwarc"],
    }
    show(
        f"ingest: {crawl.name} ({crawl.stat().st_size / 1e6:.1f} MB, {expected_pages} news pages + "
        f"{expected_failures} menu-only pages)",
        ["path", "pages", "passages", "seconds", "passages/s"],
        [["provenance add (end to end)", first["added"], first["passages"], seconds, pipeline_rate],
         ["bare model, same passages (sample), before", "", len(texts), bare_before, len(texts) / bare_before],
         ["bare model, same passages (sample), after", "", len(texts), bare_after, len(texts) / bare_after],
         ["re-run (everything skipped unread)", rerun["skipped_unread"], 0, rerun_seconds, ""]],
    )  # fmt: skip
    show(
        "ingest: outcome and parsers",
        ["figure", "value"],
        [["end-to-end rate / bare model rate (target >= 0.9)", figures["ingest.rate_ratio"]],
         ["added / failed / already stored", f"{first['added']} / {first['failed']} / {first['already_stored']}"],
         ["failure reasons", "; ".join(f"{len(group)}x {reason}" for reason, group in _reasons(first).items())],
         ["documents with a date", f"{dated} of {documents}"],
         ["count errors (added, failed, re-run, dates)", count_errors],
         ["parse s: fastwarc (used)", parse_seconds["fastwarc"]],
         ["parse s: warcio", parse_seconds["warcio"]],
         ["warcio / fastwarc", figures["ingest.parse_speedup"]]],
    )  # fmt: skip
    return {
        "data_files": ["ntrex/ntrex.*.jsonl", "closa/bbc.en-distractors.jsonl.gz"],
        "params": {**sizes, "pages_note": PAGE_NOTE, "crawl_bytes": crawl.stat().st_size, "workers": _workers()},
        "figures": figures,
        "detail": {"first": first, "rerun": rerun, "seconds": seconds, "rerun_seconds": rerun_seconds,
                   "bare_seconds_before": bare_before, "bare_seconds_after": bare_after, "bare_passages": len(texts),
                   "stored_passages": len(stored_texts)},
    }  # fmt: skip


def news_pages(count: int, menu_pages: int) -> list[tuple[str, bytes]]:
    """(URL, page) for `count` real news pages and `menu_pages` pages without article
    text, interleaved, the same every run."""
    rng = random.Random(f"{SEED}:ingest")
    stories = []
    for item in ntrex_items():
        for lang, sentences in item.versions().items():
            stories.append((lang, f"ntrex-{item.key.split('/')[-1]}", sentences[0], list(sentences[1:3])))
    for record in closa_distractors():
        lines = nonempty_lines(record["text"])
        if len(lines) >= 4:
            stories.append(("en", f"bbc-{record['doc_id']}", lines[0], lines[1:3]))
        if len(stories) >= count:
            break
    if len(stories) < count:
        raise SystemExit(f"the bench data gives {len(stories)} stories, fewer than the {count} pages asked for")
    pages = []
    for n, (lang, slug, headline, paragraphs) in enumerate(stories[:count]):
        day = f"2019-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if n % 3 else None
        pages.append((f"https://{lang}.news.example/{slug}", _page(lang, headline, paragraphs, day)))
    for n in range(menu_pages):
        menu = "<html><body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav><script>var n = 1;</script></body></html>"
        pages.insert((n + 1) * len(pages) // (menu_pages + 1), (f"https://news.example/section/{n}", menu.encode()))
    return pages


def _page(lang: str, headline: str, paragraphs: list[str], day: str | None) -> bytes:
    dated = f'<meta property="article:published_time" content="{day}T09:00:00Z">' if day else ""
    body = "".join(f"<p>{html.escape(text)}</p>" for text in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(headline)}</title>{dated}</head>'
        f"<body><header><nav><a href='/'>Home</a> | <a href='/world'>World</a> | <a href='/sport'>Sport</a></nav></header>"
        f"<main><article><h1>{html.escape(headline)}</h1><p class='byline'>By the news desk</p>{body}</article></main>"
        "<footer><p>© News Example. All rights reserved.</p></footer></body></html>"
    ).encode("utf-8")


def write_crawl(path: Path, pages: list[tuple[str, bytes]]) -> None:
    """A record-compressed WARC, as crawlers write it: a request, then the response."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as file:
        writer = WARCWriter(file, gzip=True)
        for url, page in pages:
            request = StatusAndHeaders(f"GET {url} HTTP/1.1", [("Host", url.split("/")[2])], is_http_request=True)
            writer.write_record(writer.create_warc_record(url, "request", http_headers=request))
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(
                    url,
                    "response",
                    payload=io.BytesIO(page),
                    http_headers=headers,
                    warc_headers_dict={"WARC-Date": CRAWL_DATE},
                )
            )


def _parse_fastwarc(path: Path) -> int:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    read = 0
    for record in ArchiveIterator(str(path), record_types=WarcRecordType.response, parse_http=True, fsspec_args=False):
        if record.http_content_type == "text/html":
            read += len(record.reader.read())
    return read


def _parse_warcio(path: Path) -> int:
    from warcio.archiveiterator import ArchiveIterator

    read = 0
    with path.open("rb") as file:
        for record in ArchiveIterator(file):
            if record.rec_type == "response" and record.http_headers.get_header("Content-Type", "").startswith(
                "text/html"
            ):
                read += len(record.content_stream().read())
    return read


def _add(command: list[str]) -> dict:
    result = CliRunner().invoke(cli, command, catch_exceptions=False)
    if result.exit_code != 0:
        raise SystemExit(f"provenance {' '.join(command)} exited {result.exit_code}: {result.output[-2000:]}")
    return json.loads(result.stdout)[0]


def _reasons(summary: dict) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for failure in summary["failures"]:
        grouped.setdefault(failure["reason"], []).append(failure["origin"])
    return grouped


def _workers() -> int:
    from provenance.bulk import worker_count

    return worker_count()


def _timed(call: Callable) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began
