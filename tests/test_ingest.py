"""Ingest and language detection on small real inputs: every input kind, every
refusal, URLs served from a thread on 127.0.0.1 (no internet), NTREX sentences."""

from __future__ import annotations

import io
import json
import os
import sys
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from provenance import settings
from provenance.errors import InputError, InputWarning
from provenance.ingest import content_id, normalise_text, read_source
from provenance.language import detect_language, document_language, passage_language

DATA = Path(__file__).parent / "data"
NTREX = [json.loads(line) for line in (DATA / "ntrex_sample.jsonl").read_text(encoding="utf-8").splitlines()]


# --- files ---------------------------------------------------------------------


def test_html_file_gives_main_text_and_metadata():
    [page] = read_source(str(DATA / "article_en.html"))
    assert page.title == "Harbour town cleans up after storm"
    assert page.author == "Jane Roe"
    assert page.published == "2023-09-11"
    assert page.site == "Coastline Herald"
    assert page.url == "https://herald.example.com/2023/09/11/harbour-storm"
    assert page.origin == str(DATA / "article_en.html")
    paragraphs = page.text.split("\n\n")
    assert paragraphs[0] == "Harbour town cleans up after storm"
    assert paragraphs[1].startswith("Residents of the small harbour town")
    assert "Workers lift a fallen oak from the coast road. Photo: Herald staff" in paragraphs
    assert paragraphs[-1].endswith("how much the work will cost.")
    # navigation and footer are not the article
    assert "Sport" not in page.text and "All rights reserved" not in page.text


def test_html_declared_windows_1258_is_decoded_and_composed():
    [page] = read_source(str(DATA / "article_vi_cp1258.html"))
    # cp1258 writes tone marks as combining characters; the text must come out NFC
    assert page.title == "Người dân thị trấn ven biển dọn dẹp sau bão"
    assert "cơn bão mạnh nhất trong mười năm quét qua bờ biển" in page.text
    assert "\u0301" not in page.text and "\u0323" not in page.text
    assert page.text.endswith("Ảnh: Hoàng Hà")


def test_latin1_text_without_declaration_is_detected_and_first_line_is_title():
    [doc] = read_source(str(DATA / "article_fr_latin1.txt"))
    assert doc.title == "Le port se remet de la tempête"
    assert "la plus forte tempête depuis dix ans" in doc.text
    assert "« Nous avons eu de la chance cette fois », a-t-elle expliqué." in doc.text
    assert doc.text.startswith("Le port se remet de la tempête\n\nLes habitants")


@pytest.mark.parametrize(
    "text, encoding",
    [
        # charset_normalizer alone reads this one as Baltic cp1257 ("crčme")
        ("Le café crème était très apprécié à Noël, déjà une façade naïve.", "latin-1"),
        (
            "El alcalde dijo que la calle estará cerrada tres días. Los vecinos están preocupados por los daños.",
            "cp1252",
        ),
        ("Starosta řekl, že ulice bude uzavřena tři dny. Obyvatelé se obávají škod.", "cp1250"),
        ("Мэр сказал, что улица будет закрыта в течение трёх дней.", "cp1251"),
    ],
)
def test_short_legacy_encoded_text(tmp_path, text, encoding):
    path = tmp_path / "short.txt"
    path.write_bytes(text.encode(encoding))
    assert read_source(str(path))[0].text == text


def _read_warning(path) -> tuple[str, list[str]]:
    """The text read from `path` and the InputWarnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        [doc] = read_source(str(path))
    return doc.text, [str(w.message) for w in caught if issubclass(w.category, InputWarning)]


@pytest.mark.parametrize(
    "before, stray, after",
    [
        ("Le conseil a voté … les zones protégées seront élargies.\nUne phrase de plus : caf", b"\xe9", ".\n"),
        ("Мэр сказал, что улица будет закрыта в течение трёх дней. Жители обеспокоены", b"\xff", " ущербом."),
    ],
    ids=["french", "cyrillic"],
)
def test_one_stray_byte_keeps_the_good_utf8_text_and_says_so(tmp_path, before, stray, after):
    path = tmp_path / "stray.txt"
    path.write_bytes(before.encode("utf-8") + stray + after.encode("utf-8"))
    text, said = _read_warning(path)
    assert text == normalise_text(before + "\ufffd" + after)  # every accent read right: no "votÃ©"
    assert said == [f"{path}: 1 byte sequence not valid UTF-8 replaced with \ufffd"]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize(
    "text",
    ["Der Sturm ist vorbei, sagte die Bürgermeisterin am Dienstag.", "Мэр сказал, что улица будет закрыта три дня."],
    ids=["german", "russian"],
)
def test_utf16_without_a_bom_is_text_not_binary(tmp_path, encoding, text):
    path = tmp_path / "story.txt"
    path.write_bytes(text.encode(encoding))
    assert _read_warning(path) == (text, [])


def test_a_pdf_is_refused_by_name(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    with pytest.raises(InputError, match=r"report\.pdf is a PDF, which is not supported: save its text"):
        read_source(str(path))


def test_endless_inputs_stop_at_the_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "MAX_INPUT_BYTES", 100_000)
    with pytest.raises(InputError, match="/dev/zero is over the input size cap of 100,000 bytes"):
        read_source("/dev/zero")
    # a pipe (as `add <(yes ...)` gives) has no size to check before reading
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    stop = threading.Event()

    def endless_writer():
        with open(fifo, "wb") as pipe:
            try:
                while not stop.is_set():
                    pipe.write(b"y\n" * 4096)
            except BrokenPipeError:
                pass

    writer = threading.Thread(target=endless_writer, daemon=True)
    writer.start()
    try:
        with pytest.raises(InputError, match="over the input size cap of 100,000 bytes"):
            read_source(str(fifo))
    finally:
        stop.set()
        writer.join(timeout=5)


def test_a_text_far_longer_than_an_article_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "MAX_TEXT_CHARS", 1_000)
    path = tmp_path / "one-line.txt"
    path.write_text("word " * 400, encoding="utf-8")
    with pytest.raises(InputError, match=r"one-line\.txt: 1,999 characters is over the cap of 1,000 for one document"):
        read_source(str(path))


FIGURE_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Council votes on harbour budget</title>
</head><body><article><h1>Council votes on harbour budget</h1>
<p>The council voted on Tuesday to spend 4.7 million on the harbour wall, after a storm damaged it last month.</p>
<figure><img src="wall.jpg" alt=""><figcaption>Workers repair the harbour wall on Monday. (Millbrook Gazette)</figcaption></figure>
<p>The mayor said the work would start in spring and take about six months to finish.</p>
<p>Residents asked for a public meeting before any contract is signed, the mayor added.</p>
<div class="comments-count"><a href="#comments">Comments (12)</a></div>
</article></body></html>"""


def test_html_captions_and_comment_counters_are_kept_to_be_marked(tmp_path):
    from provenance.segment import split_passages

    path = tmp_path / "page.html"
    path.write_text(FIGURE_PAGE, encoding="utf-8")
    [page] = read_source(str(path))
    lines = page.text.split("\n\n")
    assert "Image caption: Workers repair the harbour wall on Monday. (Millbrook Gazette)" in lines
    assert lines[-1] == "Comments (12)"
    kinds = {p.text: p.kind for p in split_passages(page.text, "en")}
    assert kinds["Image caption: Workers repair the harbour wall on Monday. (Millbrook Gazette)"] == "boilerplate"
    assert kinds["Comments (12)"] == "boilerplate"
    assert kinds["The mayor said the work would start in spring and take about six months to finish."] == "body"


def test_text_file_without_headline_has_no_title(tmp_path):
    path = tmp_path / "story.md"
    path.write_text("The storm passed. Everyone is safe.\n\nRepairs start on Monday.\n", encoding="utf-8")
    [doc] = read_source(str(path))
    assert doc.title is None
    assert doc.text == "The storm passed. Everyone is safe.\n\nRepairs start on Monday."


def test_markdown_heading_becomes_title(tmp_path):
    path = tmp_path / "story.md"
    path.write_text("# Storm passes\n\nEveryone is safe, the mayor said.\n", encoding="utf-8")
    [doc] = read_source(str(path))
    assert doc.title == "Storm passes"
    assert doc.text.startswith("# Storm passes")


def test_utf16_with_bom_is_read(tmp_path):
    path = tmp_path / "story.txt"
    path.write_bytes("Der Sturm ist vorbei, sagte die Bürgermeisterin.".encode("utf-16"))
    [doc] = read_source(str(path))
    assert doc.text == "Der Sturm ist vorbei, sagte die Bürgermeisterin."


def test_unknown_suffix_is_read_as_what_it_looks_like(tmp_path):
    page = tmp_path / "saved_page"
    page.write_bytes((DATA / "article_en.html").read_bytes())
    [doc] = read_source(str(page))
    assert doc.title == "Harbour town cleans up after storm"


def test_jsonl_records_and_their_origins():
    records = read_source(str(DATA / "records.jsonl"))
    assert [r.origin for r in records] == [f"{DATA / 'records.jsonl'}:{n}" for n in (1, 2, 3)]
    first, second, third = records
    assert first.title == "Council approves harbour budget"
    assert first.url == "https://herald.example.com/budget"
    assert (first.site, first.author, first.published) == ("Coastline Herald", "Jane Roe", "2023-09-12")
    assert second.lang == "vi" and second.published == "2023-09-13"  # a datetime is cut to its date
    assert third.text.startswith("Der Gemeinderat") and third.lang is None


def test_jsonl_bad_line_is_named_and_nothing_is_returned():
    with pytest.raises(InputError, match=r"bad_line\.jsonl:3: not valid JSON"):
        read_source(str(DATA / "bad_line.jsonl"))


@pytest.mark.parametrize(
    "line, reason",
    [
        ('["a list"]', "expected a JSON object"),
        ('{"title": "no text"}', 'no "text"'),
        ('{"text": "   "}', 'no "text"'),
        ('{"text": "Some text here.", "date": 20230911}', "'date' must be a string"),
        ('{"text": "Some text here.", "date": "11/09/2023"}', "not an ISO date"),
        ('{"text": "Some text here.", "lang": "Vietnamese!"}', "not a language code"),
    ],
)
def test_jsonl_record_errors(tmp_path, line, reason):
    path = tmp_path / "records.jsonl"
    path.write_text('{"text": "A good first record."}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"records\.jsonl:2: .*{reason}"):
        read_source(str(path))


def test_overrides_replace_extracted_fields_in_every_record():
    records = read_source(
        str(DATA / "records.jsonl"), url="https://other.example/x", date="2024-01-02", lang="zh-CN", site="Other"
    )
    for record in records:
        assert (record.url, record.published, record.lang, record.site) == (
            "https://other.example/x",
            "2024-01-02",
            "zh",
            "Other",
        )
    assert records[0].title == "Council approves harbour budget"  # not overridden


def test_bad_override_is_refused():
    with pytest.raises(InputError, match="not an ISO date"):
        read_source(str(DATA / "records.jsonl"), date="yesterday")


def test_missing_file():
    with pytest.raises(InputError, match="no such file"):
        read_source(str(DATA / "does_not_exist.txt"))


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n  \n"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match="no text"):
        read_source(str(path))


def test_binary_file():
    with pytest.raises(InputError, match="looks like a binary file"):
        read_source(str(DATA / "pixel.png"))


def test_binary_file_without_nul_bytes(tmp_path):
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(range(1, 256)) * 40)
    with pytest.raises(InputError, match="looks like a binary file"):
        read_source(str(path))


def test_html_without_text():
    with pytest.raises(InputError, match="no article text found"):
        read_source(str(DATA / "no_text.html"))


def test_file_over_the_cap_is_refused_saying_the_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "MAX_INPUT_BYTES", 1000)
    path = tmp_path / "big.txt"
    path.write_text("A sentence of filler text. " * 50, encoding="utf-8")
    with pytest.raises(InputError, match="over the input size cap of 1,000 bytes"):
        read_source(str(path))


# --- stdin ---------------------------------------------------------------------


def _stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_stdin_text(monkeypatch):
    _stdin(monkeypatch, "Bão đã đi qua.\r\nMọi người đều an toàn.   \r\n".encode())
    [doc] = read_source("-")
    assert doc.origin == "stdin"
    assert doc.text == "Bão đã đi qua.\nMọi người đều an toàn."


def test_stdin_html(monkeypatch):
    _stdin(monkeypatch, (DATA / "article_en.html").read_bytes())
    [doc] = read_source("-", title="Given title")
    assert doc.title == "Given title"
    assert doc.author == "Jane Roe"
    assert "<p>" not in doc.text and "strongest storm in a decade" in doc.text


def test_stdin_over_the_cap(monkeypatch):
    monkeypatch.setattr(settings, "MAX_INPUT_BYTES", 100)
    _stdin(monkeypatch, b"word " * 100)
    with pytest.raises(InputError, match="stdin is over the input size cap of 100 bytes"):
        read_source("-")


# --- URLs, served on 127.0.0.1 -------------------------------------------------

SLOW_S = 2.0
TRICKLE_S = 0.2  # one byte this often: each read is quick, the whole never ends


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/slow":
            time.sleep(SLOW_S)
        if self.path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(200):
                    self.wfile.write(b"<")
                    self.wfile.flush()
                    time.sleep(TRICKLE_S)
            except OSError:  # we hung up, as we should
                pass
            return
        if self.path == "/report.pdf":
            body = b"%PDF-1.7\n1 0 obj\n<< >>\nendobj\n"
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path == "/missing":
            self.send_error(404, "Not Found")
            return
        if self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/article")
            self.end_headers()
            return
        if self.path == "/plain":
            body, content_type = b"Plain news text, one line.\n", "text/plain; charset=utf-8"
        elif self.path == "/vietnamese":
            body, content_type = (DATA / "article_vi_cp1258.html").read_bytes(), "text/html"
        else:
            body, content_type = (DATA / "article_en.html").read_bytes(), "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # keep the test output clean
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # do not wait for the /slow handler on shutdown

    def handle_error(self, request, client_address):
        pass  # a client that gave up (the timeout tests) is what the tests want


@pytest.fixture(scope="module")
def server():
    httpd = _Server(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_url_is_fetched_and_extracted(server):
    [page] = read_source(f"{server}/article")
    assert page.origin == f"{server}/article"
    assert page.url == f"{server}/article"  # the address we fetched, not the page's canonical one
    assert page.title == "Harbour town cleans up after storm"
    assert page.published == "2023-09-11"
    assert "strongest storm in a decade" in page.text


def test_url_redirect_gives_final_url(server):
    [page] = read_source(f"{server}/moved")
    assert page.url.endswith("/article")


def test_url_meta_charset_applies_when_the_header_has_none(server):
    [page] = read_source(f"{server}/vietnamese")
    assert page.title == "Người dân thị trấn ven biển dọn dẹp sau bão"


def test_url_plain_text(server):
    [doc] = read_source(f"{server}/plain")
    assert doc.text == "Plain news text, one line."


def test_url_http_error(server):
    with pytest.raises(InputError, match="cannot fetch URL: HTTP 404"):
        read_source(f"{server}/missing")


def test_url_timeout(server, monkeypatch):
    monkeypatch.setattr(settings, "FETCH_TIMEOUT_S", 0.3)
    started = time.monotonic()
    with pytest.raises(InputError, match=r"cannot fetch URL: timed out after 0\.3 s"):
        read_source(f"{server}/slow")
    assert time.monotonic() - started < SLOW_S


def test_url_that_trickles_is_cut_off_at_the_download_limit(server, monkeypatch):
    monkeypatch.setattr(settings, "FETCH_TIMEOUT_S", 1)
    started = time.monotonic()
    with pytest.raises(InputError, match=r"cannot fetch URL: timed out after 1 s"):
        read_source(f"{server}/trickle")
    assert time.monotonic() - started < 3  # the per-read timeout alone would wait 40 s


def test_url_pdf_is_refused_by_name(server):
    with pytest.raises(InputError, match=r"report\.pdf is a PDF, which is not supported"):
        read_source(f"{server}/report.pdf")


def test_url_over_the_cap(server, monkeypatch):
    monkeypatch.setattr(settings, "MAX_INPUT_BYTES", 500)
    with pytest.raises(InputError, match="over the input size cap of 500 bytes"):
        read_source(f"{server}/article")


def test_url_connection_refused():
    # port 9 (discard) is closed on a normal machine: nothing leaves the loopback
    with pytest.raises(InputError, match="cannot fetch URL: Connection refused"):
        read_source("http://127.0.0.1:9/")


# --- normalisation and ids -----------------------------------------------------


def test_normalise_text():
    raw = "Cafe\u0301 \r\nline two   \r\rline\u2028three\n\n\n\n\nlast\x07 line\ufeff  "
    assert normalise_text(raw) == "Café\nline two\n\nline\nthree\n\nlast line"


def test_content_id_is_stable_and_ignores_layout():
    text = "The storm passed.\n\nEveryone is safe."
    assert content_id(text) == content_id(text)
    assert content_id(text) == content_id("  The storm   passed.\r\nEveryone is safe.\n")
    assert content_id("Cafe\u0301") == content_id("Café")
    assert content_id(text) != content_id("The storm passed. Everyone is safe!")
    assert len(content_id(text)) == 16 and int(content_id(text), 16) >= 0


def test_same_file_twice_gives_same_id():
    first = read_source(str(DATA / "article_en.html"))[0]
    second = read_source(str(DATA / "article_en.html"))[0]
    assert content_id(first.text) == content_id(second.text)


# --- language ------------------------------------------------------------------


@pytest.mark.parametrize("lang", sorted({doc["lang"] for doc in NTREX}))
def test_ntrex_documents_and_sentences_keep_their_language(lang):
    documents = [doc for doc in NTREX if doc["lang"] == lang]
    for doc in documents:
        assert document_language("\n".join(doc["sentences"])) == lang, doc["doc_id"]
        for sentence in doc["sentences"]:
            assert passage_language(sentence, lang) == lang, sentence


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


@pytest.mark.parametrize("lang", sorted({doc["lang"] for doc in NTREX} - {"ja"}))
def test_ntrex_long_sentences_alone(lang):
    # without the document's help; Japanese is left out because a kanji-only
    # sentence is legitimately read as Chinese
    sentences = [s for doc in NTREX if doc["lang"] == lang for s in doc["sentences"] if _letters(s) >= 40]
    assert sentences
    wrong = [s for s in sentences if detect_language(s) != lang]
    assert len(wrong) <= len(sentences) // 10, wrong


def test_english_quote_in_vietnamese_document_is_marked():
    quote = "We are not going to accept this deal under any circumstances, the minister said on Friday."
    assert passage_language(quote, "vi") == "en"
    assert passage_language("Thanks a lot.", "vi") == "vi"  # too short to trust


def test_detection_is_deterministic():
    text = " ".join(NTREX[0]["sentences"][:2])
    answers = {detect_language(text) for _ in range(5)}
    short_answers = {detect_language("Elite League: Dundee Stars 5-3 Belfast Giants") for _ in range(5)}
    assert len(answers) == 1 and len(short_answers) == 1


def test_too_short_or_no_letters():
    assert detect_language("Hi there") is None
    assert detect_language("12345 67890 !!! ??? 2023-09-11 12:00") is None
    with pytest.raises(InputError, match="too short to tell its language; pass --lang"):
        document_language("OK, thanks")


def test_cjk_is_told_by_script():
    assert detect_language("Chad Hammel 告诉圣地亚哥的 KSWB-TV，周六早晨，他与朋友们潜水了大约半个小时") == "zh"
    assert detect_language("ちょうど午前7時前に、エンシニタスのビーコンビーチで発生した。") == "ja"
    assert detect_language("한국 정부는 월요일에 새로운 예산안을 발표했다고 밝혔다.") == "ko"
    # kanji only: Chinese alone, Japanese inside a Japanese document
    kanji_only = "東京都知事選挙投票率過去最低記録更新見通発表東京都知事"
    assert detect_language(kanji_only) == "zh"
    assert passage_language(kanji_only + "東京都知事選挙投票率", "ja") == "ja"
