"""Bulk sources: a folder, a WARC crawl, an RSS/Atom feed or a sitemap, each turned
into a stream of items that bulk.py extracts, embeds and stores.

An item is one page or file: its bytes with what says how to read them, or a URL
still to fetch, and the keys a re-run knows it by before reading it again (the URL
the source lists, the hash of its bytes). A record that cannot be read is a
`Failure` in the stream with its reason, never an exception that loses the rest; a
source that cannot be read at all (a missing folder, a "feed" that is an HTML page,
a sitemap that lists only itself) is an InputError before the first item.

WARC files are read with FastWARC, which read the HTML responses of a 2,000-page
crawl 5.3 times faster than warcio (`scripts/bench.py ingest`, BENCHMARKS.md). Feeds are read with
feedparser (RSS 0.9x-2.0, RSS 1.0, Atom); sitemaps, whose format is two elements
deep, with lxml. Pages are fetched politely: one request at a time, a pause between
two to one host, and `ingest.fetch`'s timeouts and size caps.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time
import zlib
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from functools import cached_property
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import brotli  # FastWARC's own dependency, for pages sent with Content-Encoding: br
import lxml.etree

from . import settings
from .errors import InputError
from .ingest import FEED, HTML_SUFFIXES, LISTING_NAMES, SITEMAP, TEXT_SUFFIXES, fetch, xml_listing

FOLDER, WARC = "folder", "warc"
WARC_SUFFIXES = (".warc", ".warc.gz")
# the files of a folder that ingest reads (`add FOLDER` unless --include says otherwise, `trace FOLDER`)
READABLE_SUFFIXES = (*sorted(HTML_SUFFIXES), *sorted(TEXT_SUFFIXES), ".jsonl")
HTML_TYPES = ("text/html", "application/xhtml+xml")
URL_KEY, HASH_KEY = "url:", "sha256:"


@dataclass(frozen=True)
class Item:
    """One page or file of a bulk source, as a worker process extracts it."""

    origin: str  # where it is, for messages: a path, a URL
    url: str | None = None  # the URL the source lists it under (WARC-Target-URI, a feed's link)
    data: bytes | None = None  # its bytes; None: fetch `url` first
    suffix: str = ".html"  # how to read `data`, as a file's suffix says (ingest.read_bytes)
    charset: str | None = None  # declared by the HTTP response
    date: str | None = None  # the crawl's or the feed's date (ISO), used when the page gives none
    final_url: str | None = None  # where fetching `url` ended, after redirects
    path: str | None = None  # a folder's file: kept as the documents' file:// URL where they give none
    site: str | None = None  # the feed's title, for a page whose own site is only its host name

    @cached_property
    def keys(self) -> tuple[str, ...]:
        """What a re-run knows the item by before reading it (Store.known_items)."""
        keys = [URL_KEY + self.url] if self.url else []
        if self.data is not None:
            keys.append(HASH_KEY + hashlib.sha256(self.data).hexdigest())
        return tuple(keys)


@dataclass(frozen=True)
class Failure:
    """A record that could not be read, with the reason; `damaged` when the source
    itself is (an archive cut off or unreadable past this point)."""

    origin: str
    reason: str
    damaged: bool = False


@dataclass
class BulkSource:
    name: str  # as the user gave it
    kind: str  # FOLDER, WARC, FEED or SITEMAP
    total: int | None  # items it will yield, for progress and ETA
    items: Iterator[Item | Failure]
    notes: list[str] = field(default_factory=list)  # what was left out and why; grows as items are read
    fetcher: PoliteFetcher | None = None  # for items that are URLs still to fetch


def open_source(
    source: str,
    *,
    feed: bool = False,
    sitemap: bool = False,
    include: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
) -> BulkSource | None:
    """The bulk source `source` names, or None for a single document (a file, a URL,
    stdin) that `Tracker.add` reads. `feed` / `sitemap`: the URL is one."""
    if feed or sitemap:
        if not source.lower().startswith(("http://", "https://")):
            raise InputError(f"{source}: --feed and --sitemap take the feed's or sitemap's URL (http:// or https://)")
        return _listing(source, FEED if feed else SITEMAP)
    path = Path(source)
    if path.is_dir():
        return _folder(path, include, exclude)
    if source.lower().endswith(WARC_SUFFIXES):
        return _warc(path)
    return None


# --- folders -------------------------------------------------------------------


def _folder(root: Path, include: tuple[str, ...], exclude: tuple[str, ...]) -> BulkSource:
    """Every file under the folder, recursively (hidden ones and symlinked folders left
    out), in path order: those --include names, or else those ingest reads by their
    suffix; less those --exclude names."""
    files, other_types, excluded = [], Counter(), 0
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = Path(folder, name)
            relative = path.relative_to(root).as_posix()
            if _matches(relative, exclude):
                excluded += 1
            elif _matches(relative, include) if include else path.suffix.lower() in READABLE_SUFFIXES:
                files.append(path)
            elif not include:
                other_types[path.suffix.lower() or "no suffix"] += 1
    notes = []
    if other_types:
        kinds = ", ".join(f"{suffix} {count}" for suffix, count in other_types.most_common())
        notes.append(
            f"{sum(other_types.values())} files left out as not {'/'.join(READABLE_SUFFIXES)} ({kinds}); "
            "--include PATTERN reads them anyway"
        )
    if excluded:
        notes.append(f"{excluded} files left out by --exclude")
    if not files:
        raise InputError(f"{root}: no files to add" + (f" ({'; '.join(notes)})" if notes else ""))
    return BulkSource(str(root), FOLDER, len(files), _file_items(files), notes)


def _matches(relative: str, patterns: tuple[str, ...]) -> bool:
    """A pattern matches the path under the folder or any end of it, as .gitignore's
    do: 'drafts/*' matches world/drafts/a.html, '*.html' any page at any depth."""
    parts = relative.split("/")
    ends = ["/".join(parts[first:]) for first in range(len(parts))]
    return any(fnmatchcase(end, pattern) for pattern in patterns for end in ends)


def _file_items(files: list[Path]) -> Iterator[Item | Failure]:
    for path in files:
        try:
            with path.open("rb") as file:
                data = file.read(settings.MAX_INPUT_BYTES + 1)
        except OSError as err:
            yield Failure(str(path), f"cannot read it: {err.strerror}")
            continue
        yield Item(origin=str(path), data=data, suffix=path.suffix.lower(), path=str(path))


# --- WARC ------------------------------------------------------------------------


def _warc(path: Path) -> BulkSource:
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        with path.open("rb") as file:
            head = file.read(4)
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror}") from None
    if not head:
        raise InputError(f"{path}: the file is empty")
    notes: list[str] = []
    return BulkSource(str(path), WARC, _count_pages(path), warc_items(path, notes), notes)


def _records(source: Path | bytes):
    """Every record of a WARC file or of its bytes, HTTP headers parsed, payloads as
    stored: `_payload` decodes them. FastWARC's own decoding (auto_decode="all") loses
    its place in the archive when a page's gzip inflates past what is read of it (a
    gzip bomb), and every record after that page with it."""
    from fastwarc.warc import ArchiveIterator  # only bulk sources read WARC: `provenance --help` need not load it

    if isinstance(source, bytes):
        return ArchiveIterator(io.BytesIO(source), parse_http=True, auto_decode="none")
    return ArchiveIterator(str(source), parse_http=True, auto_decode="none", fsspec_args=False)


def _payload(record) -> bytes | str:
    """The page's bytes, de-chunked and inflated as its HTTP headers say, at most
    settings.MAX_INPUT_BYTES + 1 of them (so that ingest refuses a page too large the
    way it refuses a file), or why they cannot be decoded."""
    limit = settings.MAX_INPUT_BYTES + 1
    data = record.reader.read(limit)
    headers = record.http_headers
    if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        data = _dechunked(data, limit)
    encodings = [e.strip().lower() for e in (headers.get("Content-Encoding") or "").split(",") if e.strip()]
    for encoding in reversed(encodings):  # applied in the order listed: undone last first
        try:
            data = _decoded(data, encoding, limit)
        except (zlib.error, brotli.error) as err:
            return f"cannot decode its Content-Encoding {encoding} ({err})"
        if isinstance(data, str):
            return data
    return data


def _dechunked(data: bytes, limit: int) -> bytes:
    """HTTP/1.1 chunked transfer coding undone; bytes that are not chunked after all
    (a crawler that de-chunked but kept the header) are read as they are."""
    out, position = bytearray(), 0
    while len(out) < limit:
        end = data.find(b"\r\n", position)
        try:
            size = int(data[position:end].split(b";")[0], 16) if end >= 0 else -1
        except ValueError:
            size = -1
        if size < 0:
            return data if position == 0 else bytes(out)
        if size == 0:
            break
        out += data[end + 2 : end + 2 + size]
        position = end + 2 + size + 2
    return bytes(out[:limit])


def _decoded(data: bytes, encoding: str, limit: int) -> bytes | str:
    """`data` inflated, at most `limit` bytes of it: a page that inflates to a gigabyte
    costs `limit` bytes of memory."""
    if encoding in ("identity", "") or (encoding in ("gzip", "x-gzip") and not data.startswith(b"\x1f\x8b")):
        return data  # some crawlers store the body decoded and keep the header
    if encoding in ("gzip", "x-gzip", "deflate"):
        # 47: a gzip or zlib header, detected; a raw deflate stream (some servers send
        # one as "deflate") has neither
        zlib_stream = encoding != "deflate" or (len(data) > 1 and (data[0] * 256 + data[1]) % 31 == 0)
        return zlib.decompressobj(wbits=47 if zlib_stream else -15).decompress(data, limit)
    if encoding == "br":
        return brotli.Decompressor().process(data, output_buffer_limit=limit)[:limit]
    return f"its Content-Encoding {encoding} is not one ingest reads (gzip, deflate, br)"


def _is_page(record) -> bool:
    from fastwarc.warc import WarcRecordType

    return (
        record.record_type == WarcRecordType.response
        and record.is_http
        and record.http_headers.status_code == 200
        and record.http_content_type in HTML_TYPES
    )


def _count_pages(path: Path) -> int | None:
    """HTML pages in the crawl, for progress and ETA: a pass over its headers, a second
    or two a gigabyte. A damaged archive counts what can be read; the pass that reads
    the pages says what is wrong."""
    pages = 0
    try:
        for record in _records(path):
            pages += _is_page(record)
    except OSError:
        pass
    return pages


def warc_items(source: Path | bytes, notes: list[str], origin: str | None = None) -> Iterator[Item | Failure]:
    """The HTML responses (status 200) of a WARC file, or of its bytes (a Spark
    executor's), with their WARC-Target-URI and WARC-Date. A page is held back until
    the next record starts or the archive is known to end cleanly: the last record of
    a cut-off file is incomplete."""
    path = origin or str(source)
    pending: Item | None = None
    pending_is_last = False  # the last record read is the pending page
    position, length, number, left_out = 0, 0, 0, Counter()
    try:
        for record in _records(source):
            number += 1
            position, length, pending_is_last = record.stream_pos, record.content_length, False
            if not _is_page(record):
                left_out[_record_kind(record)] += 1
                continue
            url = record.headers.get("WARC-Target-URI") or None
            date = record.record_date.date().isoformat() if record.record_date else None
            data = _payload(record)
            if isinstance(data, str):  # a page that cannot be decoded fails alone
                if pending is not None:
                    yield pending
                    pending = None
                yield Failure(url or f"{path} record {number}", data)
                continue
            if pending is not None:
                yield pending
            pending = Item(
                origin=url or f"{path} record {number}",
                url=url,
                data=data,
                charset=record.http_charset or None,
                date=date,
            )
            pending_is_last = True
    except OSError as err:
        if pending is not None:
            yield pending
        yield Failure(
            str(path), f"cannot read past record {number}: {err}; the records before it were read", damaged=True
        )
        return
    finally:
        if left_out:
            kinds = ", ".join(f"{kind} {count}" for kind, count in left_out.most_common())
            notes.append(f"{sum(left_out.values())} WARC records left out as not HTML pages ({kinds})")
    if number and _cut_off(source, position, length):
        reason = f"the archive ends in the middle of record {number}: it is truncated; the records before it were read"
        if pending is not None and not pending_is_last:
            yield pending
        yield Failure(pending.origin if pending_is_last else str(path), reason, damaged=True)
    elif pending is not None:
        yield pending


def _record_kind(record) -> str:
    from fastwarc.warc import WarcRecordType

    if record.record_type != WarcRecordType.response:
        return record.headers.get("WARC-Type") or "unknown type"
    if not record.is_http:
        return "response not HTTP"
    if record.http_headers.status_code != 200:
        return f"HTTP {record.http_headers.status_code}"
    return record.http_content_type or "no content type"


def _cut_off(source: Path | bytes, position: int, length: int) -> bool:
    """Whether the last record, at `position` with a block of `length` bytes, ends
    before its end: FastWARC stops at the end of the file without saying so. A
    record-compressed file (one gzip member a record, as crawlers write them) must
    end with a whole member; an uncompressed one with the record's whole block.
    The member is inflated a megabyte at a time and thrown away: a 1 MB record that
    inflates to a gigabyte costs a megabyte of memory, not the gigabyte."""
    with io.BytesIO(source) if isinstance(source, bytes) else source.open("rb") as file:
        compressed = file.read(2) == b"\x1f\x8b"
        file.seek(position)
        if not compressed:
            head = file.read(65536)  # a WARC header is a few hundred bytes
            header_end = head.find(b"\r\n\r\n")
            tail_size = file.seek(0, io.SEEK_END) - position
            return header_end < 0 or tail_size < header_end + 4 + length
        if file.read(2) != b"\x1f\x8b":
            return False  # one gzip member for the whole file: positions are not offsets into it
        file.seek(position)
        inflater = zlib.decompressobj(wbits=31)
        try:
            while not inflater.eof:
                data = inflater.unconsumed_tail or file.read(1 << 20)
                if not data:
                    return True  # the file ended inside the member
                inflater.decompress(data, 1 << 20)
        except zlib.error:
            return True
        return False


# --- feeds and sitemaps ----------------------------------------------------------


class PoliteFetcher:
    """`ingest.fetch` one request at a time, settings.FETCH_DELAY_S apart for one host."""

    def __init__(self):
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}

    def get(self, url: str) -> tuple[bytes, str, str | None, str]:
        host = urlsplit(url).hostname or ""
        with self._lock:
            wait = self._last.get(host, float("-inf")) + settings.FETCH_DELAY_S - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                return fetch(url)
            finally:
                self._last[host] = time.monotonic()

    def fetched(self, item: Item) -> Item | Failure:
        """The item with its page's bytes, or why they could not be fetched."""
        try:
            data, content_type, charset, final_url = self.get(item.url)
        except InputError as error:
            return Failure(item.origin, str(error).removeprefix("cannot fetch URL: "))
        if content_type not in (*HTML_TYPES, "text/plain"):
            return Failure(item.origin, f"not an HTML page ({content_type})")
        suffix = ".txt" if content_type == "text/plain" else ".html"
        return replace(item, data=data, charset=charset, suffix=suffix, final_url=final_url)


def _listing(url: str, kind: str) -> BulkSource:
    fetcher = PoliteFetcher()
    data, _, _, final_url = fetcher.get(url)
    data = _gunzipped(data, url)
    found = xml_listing(data)
    if found != kind:
        other = {FEED: "--feed", SITEMAP: "--sitemap"}
        if found is not None:
            hint = f"{LISTING_NAMES[found]}: use {other[found]}"
        elif b"<html" in data[:4096].lower():
            hint = f"an HTML page: add it without {other[kind]} to store the page itself"
        else:
            hint = "not XML of that kind"
        raise InputError(f"{url} is not {LISTING_NAMES[kind]}, it is {hint}")
    notes: list[str] = []
    site = None
    if kind == FEED:
        pages, site = _feed_pages(data, final_url)
    else:
        pages = _sitemap_pages(fetcher, final_url, data, notes)
    if not pages:
        loop = " (it lists only sitemaps already read: a loop)" if any("loop" in note for note in notes) else ""
        raise InputError(f"{url}: {LISTING_NAMES[kind]} that lists no pages{loop}")
    if len(pages) > settings.MAX_LISTED_PAGES:
        notes.append(
            f"{len(pages) - settings.MAX_LISTED_PAGES:,} pages past the first {settings.MAX_LISTED_PAGES:,} left out (settings.MAX_LISTED_PAGES)"
        )
        pages = pages[: settings.MAX_LISTED_PAGES]
    items = iter([Item(origin=page, url=page, data=None, date=date, site=site) for page, date in pages])
    return BulkSource(url, kind, len(pages), items, notes, fetcher)


def _feed_pages(data: bytes, base_url: str) -> tuple[list[tuple[str, str | None]], str | None]:
    """Each entry's link (resolved against the feed's URL) and date, in feed order; and
    the feed's title, the outlet's name (a page names only its host, at worst)."""
    import feedparser  # only feeds need it: `provenance --help` need not load it

    parsed = feedparser.parse(data, response_headers={"content-location": base_url})
    pages: dict[str, str | None] = {}
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        link = urljoin(base_url, link.strip())
        moment = entry.get("published_parsed") or entry.get("updated_parsed")
        if link.lower().startswith(("http://", "https://")) and link not in pages:
            pages[link] = time.strftime("%Y-%m-%d", moment) if moment else None
    title = " ".join(str(parsed.feed.get("title") or "").split())
    return list(pages.items()), title or None


SITEMAP_PARSER = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _sitemap_pages(fetcher: PoliteFetcher, url: str, data: bytes, notes: list[str]) -> list[tuple[str, str | None]]:
    """The pages a sitemap lists, following a sitemap index through the sitemaps it
    lists (each read once: one that lists itself or an earlier one is a loop, left
    out with a note), at most settings.MAX_SITEMAPS of them."""
    pages: dict[str, None] = {}
    seen, queue = {url}, deque([(url, data)])
    while queue and len(pages) <= settings.MAX_LISTED_PAGES:
        current, data = queue.popleft()
        try:
            root = lxml.etree.fromstring(data, parser=SITEMAP_PARSER)
        except lxml.etree.LxmlError as err:
            notes.append(f"sitemap {current} is not well-formed XML ({err}): left out")
            continue
        for loc in root.iterfind("{*}url/{*}loc"):
            if loc.text and loc.text.strip():
                pages.setdefault(urljoin(current, loc.text.strip()), None)
        for loc in root.iterfind("{*}sitemap/{*}loc"):
            child = urljoin(current, (loc.text or "").strip())
            if child in seen:
                notes.append(f"sitemap {current} lists {child}, which was read already: a loop, not followed")
                continue
            if len(seen) >= settings.MAX_SITEMAPS:
                notes.append(
                    f"more than {settings.MAX_SITEMAPS} sitemaps listed: the rest left out (settings.MAX_SITEMAPS)"
                )
                break
            seen.add(child)
            try:
                body = _gunzipped(fetcher.get(child)[0], child)
            except InputError as error:
                notes.append(f"sitemap {child} left out: {error}")
                continue
            if xml_listing(body) != SITEMAP:
                notes.append(f"{child}, listed as a sitemap by {current}, is not one: left out")
                continue
            queue.append((child, body))
    return list(pages.items())


def _gunzipped(data: bytes, origin: str) -> bytes:
    """A gzipped sitemap (sitemap.xml.gz) served as a file, inflated up to the size cap."""
    if not data.startswith(b"\x1f\x8b"):
        return data
    inflater = zlib.decompressobj(wbits=31)
    try:
        inflated = inflater.decompress(data, settings.MAX_INPUT_BYTES + 1)
    except zlib.error as err:
        raise InputError(f"{origin}: not a valid gzip file ({err})") from None
    if len(inflated) > settings.MAX_INPUT_BYTES:
        raise InputError(f"{origin} inflates to over the input size cap of {settings.MAX_INPUT_BYTES:,} bytes")
    return inflated
