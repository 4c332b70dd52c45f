"""Cut a document into passages: the sentences we embed, align and report on.

Paragraphs are separated by blank lines (by single newlines in text that has no
blank line at all, unless its lines are hard-wrapped: then they are joined again). Each paragraph is cut into sentences by its document's language:

- alphabetic scripts: after . ! ? … (and । ؟ ۔) followed by a space and anything but
  a lower-case letter, unless the word before the full stop is an abbreviation,
  initials ("TP.", "Mr.", "U.S.") or, in languages that write them so, an ordinal;
- Chinese and Japanese: after 。！？ and their variants, keeping a closing quote or
  bracket on its sentence;
- Thai, which marks sentences with a space: at a space, once the sentence is long;
- pysbd for the other languages it knows (Italian, Dutch, Polish, Greek, Armenian,
  Burmese, Amharic, ...). On NTREX our rules found sentence ends better than pysbd
  in every language both cover: joining each document's lines and cutting them
  again, boundary F1 pysbd -> ours: en .86 -> .96, de .86 -> .93, fr .85 -> .94,
  es .88 -> .94, ru .88 -> .94, ar .50 -> .93, hi .84 -> .93, zh .84 -> .91,
  ja .84 -> .90; and ours is 10-100x faster.
  pysbd never cuts inside a quotation however long, moves a closing quote after
  。 or । to the next sentence, and cuts Arabic at commas.

Lines that a page template or a republisher adds (photo captions, comment counters,
share buttons, "Source: URL" footers, bylines, "Read more:" links) are kept as
passages of their own, marked BOILERPLATE, so they are never merged into the story
and the report can show them as not part of it. A sentence too long to align well
is cut at clause punctuation.

Every passage's `text` is exactly `document_text[start:end]`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

import pysbd
from pysbd.languages import LANGUAGE_CODES as PYSBD_LANGUAGES

from . import settings
from .attribution_words import WORDS
from .language import passage_language
from .models import BODY, BOILERPLATE, Passage

Span = tuple[int, int]

# --- boilerplate ---------------------------------------------------------------

# One row per kind of added line: (kind, longest line it applies to, pattern). A
# pattern must match the whole line, or the whole sentence, case-insensitively.
# Where a pattern has a group named "name", no word in it may start in lower case
# (a byline names a person).
_PHOTO = (
    r"photos?|photograph|photo credit|credit|image|picture|ảnh|nguồn ảnh|foto|fotos|bild|crédit photo"
    r"|фото|світлина|gambar|snímek|写真|画像|图片来源|图片|图|照片"
)
_COMMENTS = (
    r"comments?|bình luận|kommentare?|commentaires?|comentarios?|комментари[йия]|коментар[іів]*"
    r"|komentar|komentáře|komentářů|评论|コメント"
)
_CREDIT = r"[^\s:：.!?。]+(?:\s+[^\s:：.!?。]+){0,3}"  # "dpa", "AFP/Getty Images", "Hoàng Hà/VnExpress"
_NETWORKS = r"twitter|facebook|instagram|x|tiktok|youtube|telegram|linkedin|threads|zalo"
_NAME = r"[^\W\d_][\w'’.-]*(?:\s+[^\W\d_][\w'’.-]*){0,4}"  # up to five words
_LINK = r"https?://\S+|www\.\S+|\S+\.[a-z]{2,}\S*"
_AGENCIES = (
    r"reuters|afp|ap|ap photo|epa|epa-efe|getty images|pool|file photo|dpa|anadolu|xinhua|tass|sputnik"
    r"|ria novosti|bloomberg|shutterstock|efe|ansa|ukrinform|unian|yonhap|kyodo|kyodo news|pap"
)


def _byline_words(spaced: bool) -> list[str]:
    """The words that may open a byline's credit, in the languages written with spaces or without."""
    found = [(words.according, words.credit, words.compiled) for words in WORDS.values() if words.spaced == spaced]
    return [part for parts in found for part in parts if part]


# a credit line's labels, and the words that open a byline's credit, in every language
# (attribution_words.py: the one list, which cue finding reads too)
_SOURCE = "|".join(words.credit for words in WORDS.values() if words.credit)
_ATTRIBUTION = rf"(?:{'|'.join(_byline_words(spaced=True))})\b|" + "|".join(_byline_words(spaced=False))
_READ_MORE = (
    r"read more|read also|also read|see also|find out more|related(?: articles?| stories| news)?|more on this story"
    r"|xem thêm|đọc thêm|tin liên quan|bài liên quan|lesen sie auch|mehr zum thema|lire aussi|à lire aussi"
    r"|voir aussi|lee también|lea también|leer más|ver también|читайте также|смотрите также|читайте також"
    r"|baca juga|čtěte také|přečtěte si také|相关阅读|相关新闻|延伸阅读|関連記事|あわせて読みたい"
)
BOILERPLATE_PATTERNS = tuple(
    (kind, max_chars, re.compile(pattern, re.IGNORECASE))
    for kind, max_chars, pattern in (
        # "... in Kyiv on Monday. Photo: Sky News", "Ảnh: Reuters", "Photo : AFP", "(图片来源：新华社)"
        ("caption", 300, rf"(?:.*[\s.(（\[|–—-])?[(（\[]?(?:{_PHOTO})\s*(?:[:：]|by\b)\s*{_CREDIT}[)）\]]?\.?"),
        ("caption", 300, r"(?:image copyright|image caption|media caption|getty images)\b.*"),
        # a wire photo credit on a line of its own: "YURI KOCHETKOV/Pool via REUTERS/File Photo"
        # (no digits or brackets: "MOSCOW/LONDON, Jan 5 (Reuters) - Three ..." is a dateline)
        ("caption", 150, rf"(?=.*\b(?:{_AGENCIES})\b)[^.!?。()\d]*/[^.!?。()\d]*"),
        ("caption", 60, r"purchase licensing rights|(?:reuters|afp|ap) graphics?|opens new tab|file photo"),
        # "Comment (0)", "Bình luận (0)", "0 comments", "12 条评论"
        ("comments", 40, rf"(?:{_COMMENTS})\s*[(\[（]?\s*\d+\s*[)\]）]?"),
        ("comments", 40, rf"\d+\s*(?:{_COMMENTS}|条评论|件のコメント)"),
        # "Share on Facebook", "Subscribe to our newsletter", "Follow us on X", in many languages
        ("share", 120, r"(?:share|tweet|email|print)(?: (?:this|the) (?:article|story|page))?(?: (?:on|via) \w+)?"),
        ("share", 120, r"(?:subscribe\b|sign up (?:for|to)\b.*newsletter).*|follow us\b.*"),
        ("share", 120, rf"follow .{{1,40}} on (?:{_NETWORKS})\.?"),
        ("share", 120, r"chia sẻ(?: (?:bài viết|lên|qua) [^.,!?]{1,30})?|đăng ký nhận (?:bản )?tin\b.*"),
        ("share", 120, rf"theo dõi .{{1,60}} trên (?:{_NETWORKS}|google news)\.?"),
        ("share", 120, r"(?:artikel )?teilen(?: auf .*)?|auf \w+ teilen"),
        ("share", 120, r"folgen sie uns\b.*|(?:jetzt|newsletter) abonnieren\b.*"),
        ("share", 120, r"partager(?: sur .*)?|suivez[- ]nous\b.*|abonnez[- ]vous\b.*"),
        ("share", 120, r"compartir(?: en .*)?|síguenos\b.*|suscríbete\b.*"),
        ("share", 120, r"поделиться\b.*|подпис(?:ывайтесь|итесь)\b.*|поділитися\b.*|підпис(?:уйтесь|іться)\b.*"),
        ("share", 120, r"bagikan\b.*|ikuti (?:kami|kanal|berita)\b.*|sdílet\b.*|sledujte nás\b.*"),
        ("share", 120, r"分享到.*|关注我们.*|扫码关注.*|(?:この記事を)?シェア(?:する)?.*|フォローする.*"),
        # "Source: https://...", "Nguồn: vnexpress.net", "Source: Reuters"
        ("source", 200, rf"(?:{_SOURCE})\s*[:：]\s*(?:{_LINK}|[^\s.!?。][^.!?。]{{0,40}})"),
        # a lone byline: "Minh Đức (Theo Politico)", "Minh Duc (According to Politico)"
        ("byline", 80, rf"(?P<name>{_NAME})\s*[(（](?:{_ATTRIBUTION})[^()（）]{{0,50}}[)）]\.?"),
        # "Read more: ...", "Xem thêm: ...", "Related:"
        ("read_more", 300, rf"(?:{_READ_MORE})\s*(?:[:：>»|–—-].*|[(（][^()（）]{{0,60}}[)）])?"),
        # a caption line that opens with its label, whatever follows: "Photo : Des habitants
        # devant la mairie, lundi. (Millbrook Gazette)"; ingest writes a page's <figcaption>s
        # so, as "Image caption: ..."
        ("caption", 300, rf"(?:{_PHOTO})\s*(?:[:：]|by\b)\s*\S.*"),
        # a credit on a line of its own, under a caption: "(Millbrook Gazette)"
        ("caption", 60, rf"[(（\[]\s*{_CREDIT}\s*[)）\]]\.?"),
    )
)


def boilerplate_kind(line: str) -> str | None:
    """Which kind of added line this is ("caption", "comments", ...), or None for story text."""
    line = line.strip()
    for kind, max_chars, pattern in BOILERPLATE_PATTERNS:
        if len(line) > max_chars:
            continue
        found = pattern.fullmatch(line)
        if found and not any(word[:1].islower() for word in (found.groupdict().get("name") or "").split()):
            return kind
    return None


# --- sentence rules ------------------------------------------------------------
# Full stops after these words (compared in lower case) do not end a sentence.
ABBREVIATIONS = frozenset(
    # Vietnamese: Thành phố, Thạc sĩ, Tiến sĩ, Phó giáo sư, Giáo sư, Bác sĩ, Kỹ sư, Thị xã, Thị trấn
    "tp tp.hcm ths ts pgs gs bs ks tx tt th.s"
    # English titles, months and the like
    " mr mrs ms dr prof st jr sr gen col lt sgt capt gov sen rep nos vs inc ltd co corp fig approx"
    " jan feb mar apr jun jul aug sep sept oct nov dec e.g i.e"
    # German, French, Spanish ("EE. UU."), Russian
    " ca bzw z.b vgl evtl ggf inkl nr sog mme mm ste av env cf p.ex sra dra ud uds núm aprox ee uu"
    " св гг англ им т.е т.д др ул пр см тыс млн млрд руб долл"
    # Czech
    " tzv např mj tj resp sv ing mgr judr mudr phdr doc str tis mld mil kpt pplk gen"
    # Indonesian
    " ir drs jl kec kab bpk sdr"
    # Ukrainian
    " ст вул ім див грн т.п".split()
)
# a full stop, then closing quotes or brackets (French sets » off with a space), then space
_RULE_END = re.compile(r"(?:[.!?…]+|[।؟۔])(?:[\"'”’“‘»«›)\]]|\s[»›])*\s+")
# what may open the next sentence before its first letter or digit
_RULE_NEXT = re.compile(r"(?:[\"'“‘„‚«»‹(\[]\s?)*(\w)")
# Languages that write ordinals with a full stop ("in der 89. Minute", "28. září")
ORDINAL_DOT_LANGUAGES = frozenset("de cs sk pl da no nb fi hu hr sl sr tr lv et is".split())
_INITIALS = re.compile(r"(?:[^\W\d_]\.)*[^\W\d_]")
_CJK_END = re.compile(r"[。！？｡!?]+[」』”’\"'）)】〕〉》]*\s*")
_HIRAGANA = re.compile(r"[\u3041-\u309f]")
_THAI_SPACE = re.compile(r"(?<=[\u0e00-\u0e7f])\s+(?=[\u0e00-\u0e7f])")
_CLAUSE_MARK = re.compile(r"[;:,，；：、—–]\s*")
_SPACE = re.compile(r"\s+")
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
_LINE = re.compile(r"[^\n]+")


def _not_an_end(text: str, stop: int, lang: str) -> bool:
    """Whether the word before the full stop at `stop` is an abbreviation, initials
    ("U.S", "J") or, where the language writes them so, an ordinal ("89")."""
    words = text[max(0, stop - 40) : stop].split()
    word = words[-1].lstrip("(\"'“‘„‚«»[") if words else ""
    if word.isdigit():
        # "1. Friends used stand-ins...": a list item's number starts its line
        line_start = text.rfind("\n", 0, stop) + 1
        numbered_item = len(word) <= 3 and not text[line_start : stop - len(word)].strip()
        return numbered_item or (lang in ORDINAL_DOT_LANGUAGES and len(word) <= 2)
    initials = _INITIALS.fullmatch(word) is not None and sum(ch.isalpha() for ch in word) <= 3
    return initials or word.lower() in ABBREVIATIONS


def _rule_ends(text: str, lang: str) -> Iterator[int]:
    """Sentence ends by punctuation, for alphabetic scripts: a terminator, a space,
    then anything but a lower-case letter."""
    for end in _RULE_END.finditer(text):
        following = _RULE_NEXT.match(text, end.end())
        if following is None or following.group(1).islower():
            continue
        if text[end.start()] == "." and _not_an_end(text, end.start(), lang):
            continue
        yield end.end()


def _cjk_ends(text: str) -> Iterator[int]:
    for end in _CJK_END.finditer(text):
        closes_quote = end.group().rstrip()[-1] in "」』"
        if closes_quote and _HIRAGANA.match(text, end.end()):
            continue  # 「…。」と言った: the quote is part of a sentence that goes on
        yield end.end()


def _thai_ends(text: str) -> Iterator[int]:
    start = 0
    for space in _THAI_SPACE.finditer(text):
        if space.start() - start >= settings.THAI_MIN_SENTENCE_CHARS:
            start = space.end()
            yield start


# pysbd languages where our rules found NTREX's sentence ends better (see
# split_passages' docstring): pysbd does not cut inside a quotation however long,
# moves a closing quote after 。 or । to the next sentence, and cuts Arabic and
# Persian at commas and colons.
OWN_RULES_BETTER = frozenset({"en", "de", "fr", "es", "ru", "ar", "fa", "hi"})


@cache
def _pysbd(lang: str) -> pysbd.Segmenter:
    return pysbd.Segmenter(language=lang, clean=False)


def _pysbd_ends(text: str, lang: str) -> Iterator[int]:
    # pysbd (clean=False) returns the text in pieces, but was seen to alter a
    # character in Hindi: find each piece instead of adding up their lengths
    cursor = 0
    for sentence in _pysbd(lang).segment(text):
        found = text.find(sentence.strip(), cursor)
        if found < 0:
            return
        cursor = found + len(sentence.strip())
        yield cursor


def _sentence_ends(text: str, lang: str) -> list[int]:
    if lang in ("zh", "ja"):
        ends = _cjk_ends(text)
    elif lang == "th":
        ends = _thai_ends(text)
    elif lang in PYSBD_LANGUAGES and lang not in OWN_RULES_BETTER:
        ends = _pysbd_ends(text, lang)
    else:
        ends = _rule_ends(text, lang)
    return [*ends, len(text)]


def _cut_long(start: int, end: int, text: str) -> Iterator[Span]:
    """Cut a sentence longer than MAX_PASSAGE_CHARS into pieces of at most
    LONG_PASSAGE_CUT_CHARS: after the last clause mark in the second half of that
    length, else at the last space there, else (unspaced text) at the length itself."""
    while end - start > settings.MAX_PASSAGE_CHARS:
        window_start = start + settings.LONG_PASSAGE_CUT_CHARS // 2
        window = text[window_start : start + settings.LONG_PASSAGE_CUT_CHARS]
        clause_ends = [mark.end() for mark in _CLAUSE_MARK.finditer(window)]
        space_ends = [space.end() for space in _SPACE.finditer(window)]
        cut = window_start + (clause_ends or space_ends or [len(window)])[-1]
        yield start, cut
        start = cut
    yield start, end


def _trimmed(text: str, start: int, end: int) -> Span | None:
    piece = text[start:end]
    if not piece.strip():
        return None
    return start + len(piece) - len(piece.lstrip()), end - len(piece) + len(piece.rstrip())


def _units(text: str, start: int, end: int, lang: str) -> Iterator[tuple[Span, str]]:
    """The passages of one paragraph: boilerplate lines alone, the rest cut into sentences."""
    story: list[int] = []  # start and end of the story lines since the last boilerplate line
    for line in _LINE.finditer(text, start, end):
        if boilerplate_kind(line.group()) is None:
            story = [story[0] if story else line.start(), line.end()]
            continue
        if story:
            yield from _sentences(text, story[0], story[1], lang)
            story = []
        line_span = _trimmed(text, line.start(), line.end())
        if line_span:
            yield line_span, BOILERPLATE
    if story:
        yield from _sentences(text, story[0], story[1], lang)


def _sentences(text: str, start: int, end: int, lang: str) -> Iterator[tuple[Span, str]]:
    previous = start
    for offset in _sentence_ends(text[start:end], lang):
        span = _trimmed(text, previous, start + offset)
        previous = start + offset
        if span is None:
            continue
        for piece in _cut_long(*span, text):
            trimmed = _trimmed(text, *piece)
            if trimmed:
                kind = BOILERPLATE if boilerplate_kind(text[slice(*trimmed)]) else BODY
                yield trimmed, kind


def paragraphs(text: str) -> list[Span]:
    """Character spans of the paragraphs: blank-line separated; in text with no blank
    line, one a line, unless the lines are hard-wrapped (a mail archive, a wire feed, a
    copied PDF), where a paragraph ends only at a line that closes a sentence well
    short of the wrap width. A line break inside a paragraph is read as a space."""
    if _BLANK_LINE.search(text):
        return _spans(text, _BLANK_LINE)
    lines = _spans(text, re.compile(r"\n"))
    # credits and captions keep their own lines and their own lengths
    width = _wrap_width([line for start, end in lines if not boilerplate_kind(line := text[start:end].strip())])
    if width is None:
        return lines
    spans: list[Span] = []
    start = lines[0][0]
    for (line_start, line_end), following in zip(lines, [*lines[1:], None]):
        line = text[line_start:line_end].strip()
        closes = _LINE_CLOSES.search(line) is not None and len(line) < settings.REFLOW_PARAGRAPH_END * width
        if following is None or closes:
            spans.append((start, line_end))
            if following is not None:
                start = following[0]
    return spans


def _spans(text: str, separator: re.Pattern) -> list[Span]:
    spans, start = [], 0
    for gap in [*separator.finditer(text), None]:
        end = gap.start() if gap else len(text)
        if text[start:end].strip():
            spans.append((start, end))
        start = gap.end() if gap else end
    return spans


_LINE_CLOSES = re.compile(r"[.!?…。！？:：][\"'”’»)\]]*$")


def _wrap_width(lines: list[str]) -> int | None:
    """The width the lines were wrapped at, if they were: most lines end mid-sentence,
    and most run to within a few characters of the longest."""
    if len(lines) < settings.REFLOW_MIN_LINES:
        return None
    width = sorted(len(line) for line in lines)[int(0.9 * (len(lines) - 1))]
    if width > settings.REFLOW_MAX_WIDTH:
        return None
    open_ended = sum(_LINE_CLOSES.search(line) is None for line in lines[:-1]) / (len(lines) - 1)
    full = sum(len(line) >= settings.REFLOW_FULL_LINE * width for line in lines) / len(lines)
    if open_ended >= settings.REFLOW_OPEN_LINES and full >= settings.REFLOW_FULL_LINES:
        return width
    return None


def split_passages(text: str, lang: str) -> list[Passage]:
    """The document's passages in order, each with its paragraph, span, kind and language."""
    passages: list[Passage] = []
    for para, (start, end) in enumerate(paragraphs(text)):
        for (passage_start, passage_end), kind in _units(text, start, end, lang):
            passage_text = text[passage_start:passage_end]
            passages.append(
                Passage(
                    idx=len(passages),
                    para=para,
                    text=passage_text,
                    lang=passage_language(passage_text, lang),
                    kind=kind,
                    start=passage_start,
                    end=passage_end,
                )
            )
    return passages
