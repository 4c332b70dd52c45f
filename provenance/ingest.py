"""Turn what the user points at into plain text with its metadata.

A source is a URL, an HTML page, a text or Markdown file, a JSONL file of records,
or "-" for stdin. Whatever it is, it comes out as `RawDocument`s whose text is
normalised the same way (NFC, "\\n" newlines, no trailing spaces, paragraphs
separated by one blank line), so that the same article read from two places gets
the same `content_id`.

Input is untrusted: a file may be huge, endless (a pipe, /dev/zero), binary, a PDF,
in a legacy encoding or empty, and a URL may hang or trickle. Each of those is an
`InputError` with a one-line reason, never a traceback and never a silently
truncated document. Text that is UTF-8 but for a few bad bytes keeps its good text:
the bad bytes become U+FFFD and an `InputWarning` says how many.

A .txt or .md file whose first paragraph is one short line with no closing
punctuation (a headline) takes that line as its title; the line stays in the text,
as an HTML page's headline does.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
import sys
import threading
import unicodedata
import warnings
from dataclasses import replace
from datetime import date as Date
from datetime import datetime, timedelta
from email.message import Message
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html

from . import __version__, settings
from .errors import InputError, InputWarning
from .language import detect_language, language_code
from .models import RawDocument
from .segment import boilerplate_kind

HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
JSONL_FIELDS = ("text", "url", "title", "date", "lang", "site", "author")

# Windows code page for text in each language. A short legacy-encoded file is
# ambiguous (French in latin-1 decodes without error as Baltic cp1257), so the
# detected encoding is checked against the language of the text it gives.
LEGACY_CODE_PAGES = {
    **dict.fromkeys(("cs", "pl", "sk", "hu", "sl", "hr", "ro", "sq", "bs"), "cp1250"),
    **dict.fromkeys(("ru", "uk", "bg", "mk", "sr", "be"), "cp1251"),
    "el": "cp1253",
    "tr": "cp1254",
    "az": "cp1254",
    "he": "cp1255",
    **dict.fromkeys(("ar", "fa", "ur"), "cp1256"),
    **dict.fromkeys(("lt", "lv", "et"), "cp1257"),
    "vi": "cp1258",
    "th": "cp874",
}
WESTERN_CODE_PAGE = "cp1252"

BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
WIDE_UNICODE = ["utf_16_le", "utf_16_be", "utf_32_le", "utf_32_be"]
# Below this share of NUL bytes, a file without a wide-Unicode layout is text with
# stray NULs (normalise_text drops them); above it, it is binary.
MAX_NUL_SHARE = 0.01
HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<(?:!doctype|html|head|body|meta|title|article|div|p)\b", re.IGNORECASE)
LINE_BREAKS = re.compile(r"\r\n|[\r\v\f\x85\u2028\u2029]")
# C0/C1 controls other than tab and newline, and stray byte-order marks
CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff]")
BLANK_LINES = re.compile(r"\n{3,}")
TITLE_END_PUNCTUATION = tuple(".!?…。！？:;")


def normalise_text(text: str) -> str:
    """NFC, "\\n" newlines, no control characters or trailing spaces, at most one blank line in a row."""
    text = LINE_BREAKS.sub("\n", unicodedata.normalize("NFC", text))
    text = "\n".join(line.rstrip() for line in CONTROLS.sub("", text).split("\n"))
    return BLANK_LINES.sub("\n\n", text).strip()


def content_id(text: str) -> str:
    """A document's stable id: the first 16 hex digits of the sha256 of its
    normalised text with all whitespace collapsed, so re-wrapped copies agree."""
    collapsed = " ".join(normalise_text(text).split())
    return hashlib.sha256(collapsed.encode("utf-8")).hexdigest()[:16]


def read_source(
    source: str,
    *,
    url: str | None = None,
    title: str | None = None,
    date: str | None = None,
    lang: str | None = None,
    site: str | None = None,
    author: str | None = None,
) -> list[RawDocument]:
    """Read a URL, an .html/.htm, .txt/.md or .jsonl file, or "-" (stdin).

    The keyword arguments, where not None, replace what was extracted (for a
    .jsonl file, in every record). `date` is an ISO date; `lang` a language code.
    """
    given = metadata_fields(url=url, title=title, date=date, lang=lang, site=site, author=author)
    if re.match(r"https?://", source, re.IGNORECASE):
        documents = [_read_url(source)]
    elif source == "-":
        documents = [_read_stdin()]
    else:
        documents = _read_file(Path(source))
    for document in documents:
        _check_text_length(document)
    return [_tidy(replace(document, **given)) for document in documents]


def metadata_fields(
    *,
    url: str | None = None,
    title: str | None = None,
    date: str | None = None,
    lang: str | None = None,
    site: str | None = None,
    author: str | None = None,
) -> dict[str, str]:
    """Metadata a user gives (as `add --date ...` takes it), checked and named as the
    document fields it sets: `date` an ISO date, as `published`; `lang` a language
    code. None and blank values are left out."""
    fields = {
        "url": _one_line(url),
        "title": _one_line(title),
        "published": _published(date) if date is not None else None,
        "lang": _given_language(lang) if lang is not None else None,
        "site": _one_line(site),
        "author": _one_line(author),
    }
    return {name: value for name, value in fields.items() if value is not None}


def _one_line(value: str | None) -> str | None:
    """Metadata as one NFC line, None when empty (extractors leave decomposed accents
    and stray newlines in titles), without control characters (a C1 CSI, U+009B, in
    a title would reach --json and a terminal as the start of an escape sequence)."""
    if value is None:
        return None
    return " ".join(CONTROLS.sub("", unicodedata.normalize("NFC", value)).split()) or None


def _check_text_length(document: RawDocument) -> None:
    """An article is tens of thousands of characters at most; a text far longer (a
    dump, a book, a one-line data file) would take minutes to embed and bloat the
    store, so it is refused rather than cut."""
    if len(document.text) > settings.MAX_TEXT_CHARS:
        raise InputError(
            f"{document.origin}: {len(document.text):,} characters is over the cap of "
            f"{settings.MAX_TEXT_CHARS:,} for one document (settings.MAX_TEXT_CHARS); split it into articles"
        )


def _tidy(document: RawDocument) -> RawDocument:
    return replace(
        document,
        title=_one_line(document.title),
        url=_one_line(document.url),
        site=_one_line(document.site),
        author=_one_line(document.author),
    )


# --- sources -------------------------------------------------------------------


def _read_file(path: Path) -> list[RawDocument]:
    origin = str(path)
    try:
        with path.open("rb") as file:
            # at most one byte over the cap: a pipe or /dev/zero has no size to check first
            data = file.read(settings.MAX_INPUT_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"{origin}: no such file") from None
    except OSError as err:
        raise InputError(f"cannot read {origin}: {err.strerror}") from None
    _check_size(len(data), origin)
    return _with_file_url(_from_bytes(data, origin, path.suffix.lower()), path)


def read_bytes(
    data: bytes,
    origin: str,
    *,
    suffix: str = "",
    charset: str | None = None,
    url: str | None = None,
    path: str | None = None,
) -> list[RawDocument]:
    """What `read_source` makes of a file, from its bytes: for the items of an archive
    (archives.py), which arrive as bytes. `suffix` says how to read them as a file's
    suffix does; a page from a crawl or a fetch gives its HTTP charset and its URL; a
    file of a folder gives its `path`, kept as read_source keeps a file's."""
    _check_size(len(data), origin)
    documents = _from_bytes(data, origin, suffix, charset, url)
    if path is not None:
        documents = _with_file_url(documents, Path(path))
    for document in documents:
        _check_text_length(document)
    return [_tidy(document) for document in documents]


def _with_file_url(documents: list[RawDocument], path: Path) -> list[RawDocument]:
    """A file's documents with the file's file:// URL where they give no URL of their
    own, so that a stored id can be traced back to the file it came from. A .jsonl
    file's records are left as they are: each names its own url, or none."""
    if path.suffix.lower() == ".jsonl":
        return documents
    located = path.resolve().as_uri()
    return [document if document.url else replace(document, url=located) for document in documents]


def _from_bytes(
    data: bytes, origin: str, suffix: str, charset: str | None = None, url: str | None = None
) -> list[RawDocument]:
    if suffix == ".jsonl":
        return _from_jsonl(data, origin)
    # any other suffix is read as what it looks like
    if suffix in HTML_SUFFIXES or (suffix not in TEXT_SUFFIXES and _looks_like_html(data)):
        return [_from_html(_decode(data, origin, charset or _meta_charset(data)), origin, url)]
    return [_from_text(_decode(data, origin, charset), origin)]


def _read_stdin() -> RawDocument:
    data = sys.stdin.buffer.read(settings.MAX_INPUT_BYTES + 1)
    _check_size(len(data), "stdin")
    if _looks_like_html(data):
        return _from_html(_decode(data, "stdin", _meta_charset(data)), "stdin")
    return _from_text(_decode(data, "stdin", None), "stdin")


def _read_url(url: str) -> RawDocument:
    data, content_type, charset, final_url = fetch(url)
    if content_type == "application/pdf":
        raise InputError(_not_supported_pdf(url))
    listing = xml_listing(data)
    if listing is not None:
        raise InputError(
            f"{url} is {LISTING_NAMES[listing]}: add the pages it lists with `provenance add --{listing} {url}`"
        )
    if content_type == "text/plain":
        return replace(_from_text(_decode(data, url, charset), url), url=final_url)
    return _from_html(_decode(data, url, charset or _meta_charset(data)), url, final_url)


def fetch(url: str) -> tuple[bytes, str, str | None, str]:
    """GET the URL: (body, content type, declared charset, final URL after redirects).

    The timeout bounds the connection and each read; a timer bounds the whole
    download, closing the connection when it runs out, because a server that sends
    one byte a second never trips a per-read timeout. The size cap is checked on the
    declared length and again on the decompressed bytes as they arrive.
    """
    import urllib3  # here and in the readers below: a command that reads no URL, HTML or odd bytes skips loading them

    timeout_s = settings.FETCH_TIMEOUT_S
    pool = urllib3.PoolManager(
        headers={**urllib3.util.make_headers(accept_encoding=True), "User-Agent": f"provenance/{__version__}"}
    )
    try:
        response = pool.request(
            "GET",
            url,
            timeout=urllib3.Timeout(connect=timeout_s, read=timeout_s),
            retries=urllib3.Retry(total=settings.FETCH_MAX_REDIRECTS, connect=0, read=0),
            preload_content=False,
        )
    except urllib3.exceptions.MaxRetryError as err:
        raise InputError(f"cannot fetch URL: {_fetch_failure(err.reason, url)}") from None
    except urllib3.exceptions.HTTPError as err:
        raise InputError(f"cannot fetch URL: {_fetch_failure(err, url)}") from None
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        response.shutdown()  # unblocks the read in progress

    timer = threading.Timer(timeout_s, expire)
    timer.daemon = True
    timer.start()
    try:
        if response.status >= 400:
            raise InputError(f"cannot fetch URL: HTTP {response.status} {response.reason or ''}".rstrip())
        declared_length = response.headers.get("Content-Length", "")
        if declared_length.isdigit():
            _check_size(int(declared_length), url)
        body = bytearray()
        for chunk in response.stream(2**16):
            body += chunk
            _check_size(len(body), url)
    except (urllib3.exceptions.HTTPError, OSError) as err:
        if not expired.is_set():
            raise InputError(f"cannot fetch URL: {_fetch_failure(err, url)}") from None
    finally:
        timer.cancel()
        response.release_conn()
    if expired.is_set():  # a shut-down stream may also just end early, without an error
        raise InputError(f"cannot fetch URL: timed out after {timeout_s} s")
    header = Message()
    header["Content-Type"] = response.headers.get("Content-Type", "")
    final_url = urljoin(url, response.url or url)  # urllib3 may give just the path
    return bytes(body), header.get_content_type(), header.get_content_charset(), final_url


def _fetch_failure(error: Exception | None, url: str) -> str:
    """A short reason for a failed download, for a person to read."""
    import urllib3

    # most specific first: urllib3 derives NewConnectionError from its TimeoutError
    if isinstance(error, urllib3.exceptions.NameResolutionError):
        return f"host {urlsplit(url).hostname} not found"
    if isinstance(error, urllib3.exceptions.NewConnectionError):
        cause = error.__cause__  # the OSError behind it: "Connection refused", "Network is unreachable"
        return cause.strerror if isinstance(cause, OSError) and cause.strerror else str(error)
    if isinstance(error, (urllib3.exceptions.TimeoutError, TimeoutError)):
        return f"timed out after {settings.FETCH_TIMEOUT_S} s"
    if isinstance(error, urllib3.exceptions.SSLError):
        return f"TLS error ({error})"
    if isinstance(error, urllib3.exceptions.ResponseError):
        return "too many redirects"
    return str(error) or type(error).__name__


# --- formats -------------------------------------------------------------------


def _from_html(html: str, origin: str, fetched_url: str | None = None) -> RawDocument:
    """Main text and metadata of a page, via trafilatura; htmldate when it finds no date."""
    import htmldate
    import trafilatura

    extracted = trafilatura.bare_extraction(
        _keep_marked_lines(html), url=fetched_url, with_metadata=True, include_comments=False
    )
    # trafilatura keeps one paragraph a line; a blank line between them is our paragraph mark
    text = normalise_text("\n\n".join(extracted.text.split("\n"))) if extracted and extracted.text else ""
    if sum(ch.isalpha() for ch in text) < settings.MIN_TEXT_CHARS:
        raise InputError(f"{origin}: no article text found in the HTML")
    page_url = fetched_url or extracted.url
    published = extracted.date or htmldate.find_date(
        html, url=page_url, extensive_search=True, original_date=True, outputformat="%Y-%m-%d"
    )
    return RawDocument(
        text=text,
        origin=origin,
        title=extracted.title or None,
        url=page_url or None,
        site=extracted.sitename or extracted.hostname or None,
        author=extracted.author or None,
        published=published or None,
    )


# A figure's caption, as a line segment.py marks as one whatever the caption says.
CAPTION_LABEL = "Image caption: "
# Elements short enough to be a counter such as "Comments (12)".
COUNTER_MAX_CHARS = 40


def _keep_marked_lines(html: str) -> str:
    """The page with its <figcaption>s and comment counters turned into paragraphs,
    which trafilatura keeps (it drops both): a caption's credit can name the source,
    so they stay in the text, as lines segment.py marks as not part of the story.
    A page with neither comes back untouched."""
    try:
        tree = lxml.html.document_fromstring(html.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (lxml.etree.LxmlError, ValueError):
        return html  # trafilatura copes with what lxml cannot parse, or says it found no text
    changed = False
    for caption in list(tree.iter("figcaption")):
        text = " ".join(caption.text_content().split())
        figure = caption.getparent()
        # the figure's image is not text; the caption replaces the whole figure
        if figure is not None and figure.tag == "figure" and figure.getparent() is not None:
            caption = figure
        if text and caption.getparent() is not None:
            _replace_with_paragraph(caption, CAPTION_LABEL + text)
            changed = True
    for element in list(tree.iter("a", "span", "div", "p", "li", "button")):
        text = " ".join(element.text_content().split())
        if (
            element.getparent() is not None
            and 0 < len(text) <= COUNTER_MAX_CHARS
            and boilerplate_kind(text) == "comments"
        ):
            _replace_with_paragraph(element, text)
            changed = True
    return lxml.html.tostring(tree, encoding="unicode") if changed else html


def _replace_with_paragraph(element, text: str) -> None:
    paragraph = lxml.html.Element("p")
    paragraph.text = text
    paragraph.tail = element.tail
    element.getparent().replace(element, paragraph)


def _from_text(text: str, origin: str) -> RawDocument:
    text = normalise_text(text)
    if not text:
        raise InputError(f"{origin}: no text in it")
    return RawDocument(text=text, origin=origin, title=_headline(text))


def _headline(text: str) -> str | None:
    first, blank, rest = text.partition("\n\n")
    candidate = first.lstrip("#").strip()
    if (
        blank
        and rest.strip()
        and "\n" not in first
        and len(candidate) <= settings.TITLE_MAX_CHARS
        and not candidate.endswith(TITLE_END_PUNCTUATION)
    ):
        return candidate or None
    return None


def _from_jsonl(data: bytes, origin: str) -> list[RawDocument]:
    """One record a line; a bad line fails the whole file, so nothing is half added."""
    documents = []
    # not splitlines(): a JSON string may hold U+2028, which splitlines() breaks on
    for number, line in enumerate(_decode(data, origin, None).split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{origin}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"{where}: not valid JSON ({err.msg})") from None
        if not isinstance(record, dict):
            raise InputError(f"{where}: expected a JSON object")
        for name in JSONL_FIELDS:
            if record.get(name) is not None and not isinstance(record[name], str):
                raise InputError(f"{where}: {name!r} must be a string")
        text = normalise_text(record.get("text") or "")
        if not text:
            raise InputError(f'{where}: no "text"')
        documents.append(
            RawDocument(
                text=text,
                origin=where,
                title=record.get("title") or None,
                url=record.get("url") or None,
                site=record.get("site") or None,
                author=record.get("author") or None,
                published=_iso_date(record["date"], where) if record.get("date") else None,
                lang=_language(record["lang"], where) if record.get("lang") else None,
            )
        )
    if not documents:
        raise InputError(f"{origin}: no records in it")
    return documents


# --- bytes to text -------------------------------------------------------------


def _check_size(size: int, origin: str) -> None:
    if size > settings.MAX_INPUT_BYTES:
        raise InputError(
            f"{origin} is over the input size cap of {settings.MAX_INPUT_BYTES:,} bytes (settings.MAX_INPUT_BYTES)"
        )


def _meta_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in a <meta> tag near its top."""
    found = META_CHARSET.search(data[:4096])
    return found.group(1).decode("ascii") if found else None


def _web_encoding(label: str | None) -> str | None:
    """The codec a browser would use for a declared charset label, or None if unknown."""
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name in ("iso8859-1", "ascii"):
        return WESTERN_CODE_PAGE  # browsers read these labels as windows-1252, and so do pages
    if name.startswith(("utf-16", "utf-32")):
        return None  # without a BOM such a label is a mistake; WHATWG reads the page as UTF-8
    return name


def _decode(data: bytes, origin: str, declared: str | None) -> str:
    """Bytes to text: a BOM; else wide Unicode (UTF-16/32) told by a detector; else the
    declared charset; else UTF-8, strictly, or with its few bad bytes replaced (and
    an InputWarning) so that one stray byte does not turn every accent into mojibake;
    else the legacy encoding a detector finds."""
    if data.startswith(b"%PDF-"):
        raise InputError(_not_supported_pdf(origin))
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return _replacing(data, encoding, origin)
    if b"\x00" in data:
        import charset_normalizer  # the detector loads only for text that is not plain UTF-8

        wide = charset_normalizer.from_bytes(data, cp_isolation=WIDE_UNICODE).best()
        if wide is not None:
            return str(wide)
        if data.count(0) > MAX_NUL_SHARE * len(data):
            raise InputError(f"{origin} looks like a binary file, not text or HTML")
    for encoding in (_web_encoding(declared), "utf-8"):
        if encoding:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    mostly_utf8 = _mostly_utf8(data, origin)
    if mostly_utf8 is not None:
        return mostly_utf8
    import charset_normalizer
    from charset_normalizer.utils import is_multi_byte_encoding

    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise InputError(f"{origin} looks like a binary file, not text or HTML")
    if is_multi_byte_encoding(best.encoding):
        return str(best)
    language = detect_language(str(best))
    code_page = LEGACY_CODE_PAGES.get(language or "", WESTERN_CODE_PAGE)
    try:
        return data.decode(code_page)
    except UnicodeDecodeError:
        return str(best)


def _mostly_utf8(data: bytes, origin: str) -> str | None:
    """UTF-8 text with a few bad bytes, those bytes replaced; None if it is not UTF-8.
    A legacy encoding almost never forms a valid multi-byte UTF-8 sequence by chance,
    so more valid non-ASCII characters than bad sequences means UTF-8."""
    text = data.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd") - data.count("\ufffd".encode())
    valid = sum(1 for ch in text if ord(ch) > 127) - text.count("\ufffd")
    if valid <= replaced:
        return None
    _warn_replaced(origin, replaced, "UTF-8")
    return text


def _replacing(data: bytes, encoding: str, origin: str) -> str:
    """Decode a BOM-marked text, replacing (and reporting) bytes the encoding rejects."""
    text = data.decode(encoding, errors="replace")
    replaced = text.count("\ufffd") - data.decode(encoding, errors="ignore").count("\ufffd")
    _warn_replaced(origin, replaced, encoding.removesuffix("-sig"))
    return text


def _warn_replaced(origin: str, count: int, encoding: str) -> None:
    if count:
        sequences = "1 byte sequence" if count == 1 else f"{count:,} byte sequences"
        name = encoding.upper()
        warnings.warn(InputWarning(f"{origin}: {sequences} not valid {name} replaced with \ufffd"), stacklevel=3)


def _not_supported_pdf(origin: str) -> str:
    return f"{origin} is a PDF, which is not supported: save its text (e.g. pdftotext FILE.pdf FILE.txt) and add that"


FEED, SITEMAP = "feed", "sitemap"
LISTING_NAMES = {FEED: "an RSS or Atom feed", SITEMAP: "a sitemap"}
# root elements of the XML documents that list pages: RSS 2.0, RSS 1.0 (RDF), Atom; sitemaps
LISTING_ROOTS = {"rss": FEED, "RDF": FEED, "feed": FEED, "urlset": SITEMAP, "sitemapindex": SITEMAP}


def xml_listing(data: bytes) -> str | None:
    """FEED or SITEMAP when the bytes are an XML document of that kind (read up to
    its root element only), else None."""
    if _looks_like_html(data):
        return None
    parser = lxml.etree.XMLPullParser(events=("start",), resolve_entities=False, no_network=True)
    try:
        for first in range(0, min(len(data), 2**16), 4096):
            parser.feed(data[first : first + 4096])
            for _, element in parser.read_events():
                return LISTING_ROOTS.get(lxml.etree.QName(element).localname)
    except lxml.etree.LxmlError:
        return None
    return None


def _looks_like_html(data: bytes) -> bool:
    """Starts with an HTML tag (after an optional UTF-8 BOM and white space)."""
    return HTML_START.match(data[:4096]) is not None


# --- metadata ------------------------------------------------------------------


def _iso_date(value: str, origin: str) -> str:
    try:
        return datetime.fromisoformat(value.strip()).date().isoformat()
    except ValueError:
        raise InputError(f"{origin}: {value!r} is not an ISO date (YYYY-MM-DD)") from None


def _published(value: str) -> str:
    """A --date: an ISO date no later than tomorrow (a paper dated tomorrow, a time
    zone ahead); 9999-12-31 would make the article the newest of every story."""
    day = _iso_date(value, "--date")
    today = Date.today()
    if Date.fromisoformat(day) > today + timedelta(days=1):
        raise InputError(
            f"--date: {value.strip()} is in the future (today is {today}); give the day the article was published"
        )
    return day


def option_date(value: str | None, option: str) -> str | None:
    """A date filter (--since, --until) checked as --date is, its error naming the option."""
    return _iso_date(value, option) if value is not None else None


def _given_language(value: str) -> str:
    """A --lang. The store holds the language alone, as detection gives it: a region
    (zh-CN) is dropped, but a script (sr-Latn, zh-Hant) says what the user meant to
    keep, so it is refused rather than dropped silently. A record's language in a data
    file is read as detection's would be, its script dropped."""
    subtags = value.strip().replace("_", "-").split("-")
    if len(subtags) > 1 and re.fullmatch(r"[A-Za-z]{4}", subtags[1]):
        raise InputError(
            f"--lang: {value.strip()!r} names a script ({subtags[1]}), which the store does not keep; "
            f"give the language alone ({subtags[0].lower()!r})"
        )
    return _language(value, "--lang")


def _language(value: str, origin: str) -> str:
    code = language_code(value)
    if not re.fullmatch(r"[a-z]{2,3}", code):
        raise InputError(f"{origin}: {value!r} is not a language code (such as en, vi, zh)")
    return code
