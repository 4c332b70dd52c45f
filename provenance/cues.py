"""Attribution cues: the words with which an article says where it comes from.

A translated or rewritten story usually names its origin somewhere: "According to
Politico", a byline "Minh Đức (Theo Politico)", "据新华社报道", a footer "Nguồn: https://…".
Those words are the cheapest evidence there is. Retrieval uses them to favour stored
documents from the named outlet (`outlet_matches`); and even when no source is stored, a
Vietnamese text that cites an English-language outlet is most likely a translation
(`source_language`, `translation_hints`).

Each language's cue phrases are a few small rules in one table (`LANGUAGES`): the trigger
words, and on which side of them the outlet's name stands. Names are then read with one
shared grammar (a known outlet, a quoted name, a capitalised phrase, a Chinese/Japanese or
Arabic name bounded by the pattern) and kept only with evidence that they name a
publication rather than a person or an authority: "according to the police", "theo đó"
("accordingly"), "selon moi" and "laut Polizei" yield nothing. Known outlets, with their
aliases, domains and languages, are in lexicons/outlets.json; the words that make a name
look like (or unlike) an outlet are in lexicons/names.json.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

import regex
from courlan import normalize_url
from tld import get_tld

from .models import Cue, Passage

ACCORDING_TO = "according_to"
REPORTED = "reported"
TOLD = "told"
SOURCE = "source"
BYLINE = "byline"

AFTER = "after"
BEFORE = "before"


@dataclass(frozen=True)
class Rule:
    """One way a language attributes a text to an outlet."""

    kind: str
    trigger: str  # the cue words in lower case, a regex matched against the lower-cased text
    side: str = AFTER  # where the outlet's name stands relative to the trigger
    closing: str | None = None  # words that must follow the name: 报道 in 据新华社报道
    bare: bool = False  # a lone capitalised word is an outlet here: "..., Axios reported"
    joined: bool = False  # the name may be written onto the trigger, as Arabic لـ


@dataclass(frozen=True)
class LanguageCues:
    rules: tuple[Rule, ...]
    labels: str  # credit-line labels, followed by ":" and a URL or a name
    media: str = ""  # words announcing an outlet's name: "the newspaper", "báo", "агентства"
    spaced: bool = True  # words are separated by spaces (not Chinese or Japanese)


LANGUAGES: dict[str, LanguageCues] = {
    "en": LanguageCues(
        rules=(
            Rule(ACCORDING_TO, r"according to (?:an? |the )?(?:report|article|story|broadcast) (?:by|in|from|on)"
                               r"|according to|citing|quoting|as cited by"),
            Rule(REPORTED, r"(?:(?:has|had|also|first|previously|earlier) )?(?:reported|reports|said in a report)",
                 side=BEFORE, bare=True),
            Rule(REPORTED, r"wrote", side=BEFORE),
            Rule(REPORTED, r"(?:as |first |originally |was |were )?(?:reported|published|broadcast) by|published in"
                           r"|(?:originally|first) appeared (?:in|on)|a report (?:by|in|from)", bare=True),
            Rule(TOLD, r"told|(?:said|speaking|talking) to|(?:in )?(?:an? )?(?:interview|conversation) with"),
        ),
        labels=r"sources?|via|original (?:article|story|source)|read more|reference",
        media=r"(?:[Tt]he )?(?:\p{Lu}\p{Ll}+ )?(?:newspaper|paper|daily|tabloid|magazine|news agency|news site"
              r"|news outlet|news website|outlet|website|broadcaster|network|channel|station|wire service)",
    ),
    "vi": LanguageCues(
        rules=(
            Rule(ACCORDING_TO, r"theo|dẫn (?:nguồn (?:tin )?)?(?:từ |của )?|trích dẫn|trích nguồn"),
            Rule(REPORTED, r"(?:vừa |đã |cũng )?(?:đưa tin|loan tin|đăng tải)", side=BEFORE, bare=True),
            Rule(TOLD, r"(?:nói|chia sẻ|cho biết|tiết lộ|trả lời phỏng vấn|trả lời) với|trả lời phỏng vấn"),
        ),
        labels=r"nguồn(?: tin| bài)?",
        media=r"(?:[Tt]ờ báo|[Tt]ờ|[Nn]hật báo|[Bb]áo điện tử|[Bb]áo|[Hh]ãng thông tấn|[Hh]ãng tin|[Hh]ãng"
              r"|[Tt]rang tin(?: điện tử)?|[Tt]rang|[Kk]ênh truyền hình|[Kk]ênh"
              r"|[Đđ]ài truyền hình|[Đđ]ài phát thanh|[Đđ]ài"
              r"|[Tt]ạp chí|[Tt]hông tấn xã|[Mm]ạng)"
              r"(?: (?:Mỹ|Anh|Pháp|Đức|Nga|Trung Quốc|Nhật(?: Bản)?|Hàn Quốc|Úc|Ukraine|Israel|Qatar|Ấn Độ))?",
    ),
    "fr": LanguageCues(
        rules=(
            Rule(ACCORDING_TO, r"selon|d['’]après|citant|cité par"),
            Rule(REPORTED, r"rapporte|rapportait|a rapporté", bare=True),
            Rule(REPORTED, r"écrit|écrivait|révèle|relate"),
            Rule(REPORTED, r"(?:a |avait )?(?:rapporté|révélé)|rapporte|révèle", side=BEFORE, bare=True),
            Rule(TOLD, r"(?:a |avait )?(?:déclaré|indiqué|confié|expliqué|affirmé|raconté|précisé)(?:-t-(?:il|elle))?"
                       r" (?:à la |à l['’]|au |aux |à )|(?:dans )?(?:un )?entretien (?:à la |à l['’]|au |à |avec )"
                       r"|interrogée? par", joined=True),
        ),
        labels=r"sources?",
        media=r"(?:(?:le|la|les) |l['’])?(?:quotidien|journal|hebdomadaire|magazine|agence(?: de presse)?"
              r"|chaîne(?: de télévision)?|radio|site(?: d['’]information)?|média|station)"
              r"(?: (?!(?:de|du|des|en|à|au)\b)\p{Ll}+)?",  # an adjective: "le quotidien britannique"
    ),
    "de": LanguageCues(
        rules=(
            Rule(ACCORDING_TO, r"laut (?:einem |dem )?bericht (?:der|des|von|im)|laut"
                               r"|nach (?:angaben|informationen|berichten) (?:von|der|des|dem)|unter berufung auf"),
            Rule(ACCORDING_TO, r"zufolge", side=BEFORE),
            Rule(REPORTED, r"berichtete?|meldete?", bare=True),
            Rule(REPORTED, r"schreibt|schrieb"),
            # nouns are capitalised in German, so a lone capitalised word before the verb proves nothing
            Rule(REPORTED, r"berichtete?|meldete?|schreibt|schrieb", side=BEFORE),
            Rule(TOLD, r"gegenüber|im (?:gespräch|interview) mit|sagte (?:er|sie)"),
        ),
        labels=r"quellen?",
        media=r"(?:(?:der|die|das|dem|den|des) )?(?:\p{Ll}+ )?(?:Zeitung|Tageszeitung|Wochenzeitung|Boulevardzeitung"
              r"|Nachrichtenagentur|Agentur|Nachrichtenmagazin|Magazin|Fernsehsender|Sender|Nachrichtenportal"
              r"|Portal|Blatt)",
    ),
    "es": LanguageCues(
        rules=(
            Rule(ACCORDING_TO, r"según|de acuerdo con|citando|citado por"),
            Rule(REPORTED, r"informó|informa|publicó|publica|reveló|revela", bare=True),
            Rule(REPORTED, r"(?:ha |había )?(?:informado|publicado|revelado)|informó|publicó|reveló",
                 side=BEFORE, bare=True),
            Rule(TOLD, r"(?:dijo|declaró|contó|explicó|afirmó|aseguró|confirmó) (?:al|a)|en (?:una )?entrevista con"),
        ),
        labels=r"fuentes?",
        media=r"(?:(?:el|la|los|las) )?(?:diario|periódico|agencia(?: de noticias)?|cadena|canal|revista|medio"
              r"|portal|sitio|emisora|televisora)(?: (?!(?:de|del|en|a|al)\b)\p{Ll}+)?",
    ),
    "ru": LanguageCues(
        rules=(
            Rule(ACCORDING_TO, r"по (?:данным|сообщению|информации)|согласно (?:данным|информации|сообщению)"
                               r"|со ссылкой на|ссылаясь на"),
            Rule(REPORTED, r"(?:как )?(?:сообщает|сообщают|передает|передаёт)", bare=True),
            Rule(REPORTED, r"(?:как )?(?:пишет|пишут)"),
            Rule(TOLD, r"(?:рассказал|заявил|сообщил|сказал|пояснил)[аио]?"),
        ),
        labels=r"источники?",
        media=r"(?:\p{Ll}+(?:ого|его|ой|ей|ая|ое|ый|ий|ые|ых|их) )?"  # an adjective: "британской газеты"
              r"(?:информагентств[оау]|агентств[оау]|издани[еяю]|газет[аыу]|телеканал[аеу]?"
              r"|журнал[аеу]?|портал[аеу]?|сайт[аеу]?|радиостанци[ияю])",
    ),
    "uk": LanguageCues(
        rules=(
            Rule(ACCORDING_TO, r"за (?:даними|інформацією|повідомленням)|згідно з (?:даними|інформацією)"
                               r"|з посиланням на|посилаючись на"),
            Rule(REPORTED, r"(?:як )?(?:повідомляє|повідомляють|передає)", bare=True),
            Rule(REPORTED, r"(?:як )?(?:пише|пишуть)"),
            Rule(TOLD, r"(?:розповів|заявив|повідомив|сказав|пояснив)"
                       r"|(?:розповіл|заявил|повідомил|сказал|пояснил)[аи]"),
        ),
        labels=r"джерел[оа]",
        media=r"(?:\p{Ll}+(?:ого|ої|ий|ій|ька|ьке|ькі|ьких|на|не|ні|ної|них) )?"  # "британської газети"
              r"(?:інформагентств[оау]|агентств[оау]|видання|газет[аиіу]|телеканал[уі]?"
              r"|журнал[уі]?|портал[уі]?|сайт[уі]?)",
    ),
    "zh": LanguageCues(
        rules=(
            Rule(ACCORDING_TO, r"据|根据|援引|引述", closing=r"(?:的)?(?:报道|报导|消息|援引|称|说|发布|披露)"),
            Rule(REPORTED, r"报道称|报道说|报导称|消息称|发文称", side=BEFORE),
            Rule(TOLD, r"接受", closing=r"(?:的)?(?:采访|专访)"),
            Rule(TOLD, r"告诉"),
        ),
        labels=r"(?:消息)?来源|原文链接",
        spaced=False,
    ),
    "ja": LanguageCues(
        rules=(
            Rule(ACCORDING_TO, r"の報道によると|の報道によれば|によると|によれば", side=BEFORE),
            Rule(REPORTED, r"などが報じた|が報じた|は報じた|が伝えた|が報道した|が報じている", side=BEFORE),
            Rule(TOLD, r"の取材に(?:対し|応じ|答え)|の(?:単独)?インタビューに|に語った", side=BEFORE),
        ),
        labels=r"出典|出所|ソース|引用元",
        spaced=False,
    ),
    "ar": LanguageCues(
        rules=(
            Rule(ACCORDING_TO, r"وفق(?:ا|اً|ًا)?\s*لـ?|طبق(?:ا|اً|ًا)?\s*لـ?", joined=True),
            Rule(ACCORDING_TO, r"بحسب|حسب|نقل(?:ا|اً|ًا)?\s+عن|استناد(?:ا|اً|ًا)?\s+(?:إلى|الى)"),
            Rule(REPORTED, r"حسبما\s+(?:ذكرت|ذكر|أفادت|أفاد|أوردت|أورد|نقلت|قالت)|ذكرت|أفادت|أوردت|نشرت|قالت|كشفت"),
            Rule(TOLD, r"(?:قال|قالت|صرح|صرحت|أكد|أكدت)\s+لـ?|في\s+(?:تصريح|حديث|مقابلة)\s+(?:مع\s+|لـ?)",
                 joined=True),
        ),
        labels=r"المصدر|المصادر|مصدر",
        media=r"(?:ال)?(?:صحيفة|وكالة(?:\s+(?:ال)?أنباء)?|موقع|قناة|شبكة|مجلة|إذاعة|تلفزيون)",
    ),
    "id": LanguageCues(
        rules=(
            Rule(ACCORDING_TO, r"menurut|mengutip|berdasarkan laporan"),
            Rule(ACCORDING_TO, r"(?:seperti |sebagaimana )?(?:dilansir|dikutip)(?: dari)?|melansir", bare=True),
            Rule(REPORTED, r"melaporkan|memberitakan|mewartakan", side=BEFORE, bare=True),
            Rule(TOLD, r"kepada|dalam wawancara dengan"),
        ),
        labels=r"sumber",
        media=r"(?:kantor berita|media|harian|koran|surat kabar|majalah|situs(?: berita)?|laman|portal(?: berita)?"
              r"|stasiun televisi|televisi|jaringan televisi)",
    ),
}

# --- the grammar of an outlet's name, shared by every language ------------------------
_GAP = r"[^\S\n]"  # a space that does not end the line: names never span lines
_ARTICLE = r"(?:[Tt]he|[Ll][ae]s?|[Ee]l|[Ll]os|[Dd]er|[Dd]ie|[Dd]as|[Dd]e[mns])" + _GAP + r"+|[Ll]['’]"
_TOKEN = r"\p{Lu}[\p{L}\p{M}\p{N}&'’.\-]*"
_NUMBER_TOKEN = r"\p{N}[\p{L}\p{N}]*"  # "France 24", "Channel 4"
_CONNECTOR = r"(?:of|de|del|des|du|la|le|der|die|das|für|van|von|al|el)"
_CASED = (
    rf"(?:{_ARTICLE})?{_TOKEN}"
    rf"(?:{_GAP}+(?:{_CONNECTOR}{_GAP}+)?(?:{_TOKEN}|{_NUMBER_TOKEN})){{0,6}}"
)
_QUOTED = r"[«\"“„‚‹「『《][^«»\"“”„‹›「」『』《》\n]{1,60}?[»\"”“‹›」』》]"
_CJK_CHARS = r"[\p{Han}\p{Katakana}\p{Hangul}ー・A-Za-z0-9&.\-《》「」『』]"
_ARABIC = rf"\p{{Arabic}}+(?:{_GAP}+\p{{Arabic}}+){{0,3}}"
# A known alias ends where a word of a spaced script would not go on; Chinese and
# Japanese text runs straight on after a name.
_KNOWN = r"(?i:\L<aliases>)(?![\p{Latin}\p{Cyrillic}\p{Greek}\p{Arabic}])"

_URL = r"https?://[^\s<>\"'«»()\[\]]+|(?:www\.)?(?:[\p{L}\p{N}\-]+\.)+\p{L}{2,}(?:/[^\s<>\"'«»()\[\]]*)?"
_URL_TAIL = ".,;:!?)]}»\"'”’"
_QUOTE_MARKS = "«»\"“”„‚‹›「」『』《》'’"
_ARTICLE_WORDS = ("the", "le", "la", "les", "el", "los", "las", "der", "die", "das", "dem", "den", "des")
# words that end an unknown Arabic name: "that", "which", "in", "from", "yesterday", ...
_ARABIC_STOP_WORDS = frozenset({"أن", "إن", "بأن", "التي", "الذي", "في", "عن", "من", "على", "إلى", "يوم", "أمس", "اليوم"})
_MAX_NAME_WORDS = 6
_CJK_ANAPHORA = "该此这那本其同"  # 该电视台 "the said station", 同紙 "the same paper": not a name
_CYRILLIC_ADJECTIVE = r"\p{Cyrillic}(?:ая|яя|ое|ее|ый|ий|ой|ые|ие|ій|ня|на|не|ні)$"  # Национальная (служба)
_WINDOW = 160  # characters either side of a trigger in which its outlet's name is read

# Country-code domains and URL language markers, for sources the lexicon does not know.
COUNTRY_LANGUAGE = {
    "vn": "vi", "ua": "uk", "ru": "ru", "by": "ru", "de": "de", "at": "de", "fr": "fr", "es": "es",
    "mx": "es", "ar": "es", "cl": "es", "pe": "es", "ve": "es", "uy": "es", "cn": "zh", "tw": "zh",
    "hk": "zh", "jp": "ja", "id": "id", "kr": "ko", "sa": "ar", "ae": "ar", "eg": "ar", "qa": "ar",
    "kw": "ar", "jo": "ar", "lb": "ar", "iq": "ar", "om": "ar", "bh": "ar", "sy": "ar", "ye": "ar",
    "ly": "ar", "sd": "ar", "uk": "en", "us": "en", "au": "en", "nz": "en", "ie": "en",
}
# "uk" is left out on purpose: uk.reuters.com and bbc.co.uk/news/uk are the United Kingdom.
URL_LANGUAGE_MARKERS = {
    **{code: code for code in ("en", "vi", "fr", "de", "es", "ru", "zh", "ja", "ar", "id", "ko", "pt", "it")},
    "ua": "uk", "zh-cn": "zh", "zh-hans": "zh", "zh-tw": "zh", "zh-hant": "zh", "cn": "zh", "jp": "ja",
    "english": "en", "vietnamese": "vi", "ukrainian": "uk", "russian": "ru", "arabic": "ar",
    "zhongwen": "zh", "chinese": "zh", "japanese": "ja", "indonesia": "id", "indonesian": "id",
    "mundo": "es", "afrique": "fr", "deutsch": "de", "german": "de", "french": "fr", "spanish": "es",
}


# --- public API ---------------------------------------------------------------------


def extract_cues(passages: list[Passage]) -> list[Cue]:
    """Every attribution cue in the passages (body and boilerplate), in reading order.
    An outlet or URL named twice is kept once, where it is first named; a URL cue is kept
    even after a name cue for the same outlet, since it says more."""
    found = [
        # where two languages' patterns read the same words ("Source:", "Sources :"), the
        # passage's own language comes first and is the one kept
        (passage.idx, cue_start, cue.lang != _primary_language(passage.lang), order, cue)
        for passage in passages
        for order, (cue_start, cue) in enumerate(_scan(passage.text or "", passage.idx))
    ]
    found.sort(key=lambda item: item[:4])
    cues: list[Cue] = []
    seen_urls: set[str] = set()
    seen_outlets: set[str] = set()
    for *_, cue in found:
        if cue.url:
            url_key = _url_key(cue.url)
            if url_key in seen_urls:
                continue
            seen_urls.add(url_key)
        elif _compact(cue.outlet or "") in seen_outlets:
            continue
        if cue.outlet:
            seen_outlets.add(_compact(cue.outlet))
        cues.append(cue)
    return cues


def cites_url(cue: Cue, url: str | None) -> bool:
    """Whether the cue gives this very URL (after normalisation), not just its outlet."""
    return bool(cue.url and url and _url_key(cue.url) == _url_key(url))


def outlet_matches(cue: Cue, *, site: str | None, url: str | None, title: str | None = None) -> bool:
    """Whether the cue names this stored document's outlet or URL: the same URL, the same
    registered domain, or an outlet name equal (ignoring case and diacritics) to the
    document's site, to its domain's label ("VnExpress" ~ vnexpress.net), to the outlet
    the lexicon gives for its domain, or to the site part of its title ("… | Politico")."""
    if cites_url(cue, url):
        return True
    doc_domain = _registered_domain(url) if url else None
    if cue.domain and doc_domain and cue.domain == doc_domain:
        return True
    cue_names = _identities(cue.outlet, cue.domain)
    doc_names = _identities(site, doc_domain, host=_host(url) if url else None)
    if title:
        for part in regex.split(r"\s+[|\-–—·:]\s+", title):
            doc_names |= _identities(part, None)
    return bool(cue_names & doc_names)


def source_language(cue: Cue) -> str | None:
    """The ISO 639-1 language the cited source most likely publishes in: a language marker
    in its URL (vi.wikipedia.org, bbc.com/vietnamese), else the outlet lexicon (by domain,
    then by name), else the URL's country-code domain (.vn, .ua, .de), else None."""
    lexicon = _lexicon()
    url = cue.url or cue.domain
    if url:
        marked = _url_language_marker(url)
        if marked:
            return marked
        entry = lexicon.outlet_of_url(url)
        if entry:
            return entry.lang
    if cue.outlet:
        entry = lexicon.lookup(cue.outlet)
        if entry:
            return entry.lang
    if url:
        host = _host(url) or ""
        return COUNTRY_LANGUAGE.get(host.rsplit(".", 1)[-1])
    return None


def translation_hints(cues: list[Cue], text_lang: str) -> list[str]:
    """One sentence per cue whose source publishes in another language than the text,
    e.g. "cites Politico (en) but is written in vi: likely a translation"."""
    written_in = _primary_language(text_lang)
    hints: list[str] = []
    for cue in cues:
        cited_in = source_language(cue)
        if not cited_in or not written_in or cited_in == written_in:
            continue
        named = cue.outlet or cue.domain or cue.url
        hint = f"cites {named} ({cited_in}) but is written in {written_in}: likely a translation"
        if hint not in hints:
            hints.append(hint)
    return hints


# --- scanning -------------------------------------------------------------------------


@dataclass(frozen=True)
class _CompiledRule:
    rule: Rule
    lang: str
    trigger: regex.Pattern
    name: regex.Pattern


@dataclass(frozen=True)
class _Name:
    text: str
    group: str  # which alternative of the name grammar matched
    start: int
    end: int
    media: str | None  # the word that announced it, such as "newspaper" or "báo"
    aside: str | None  # a gloss in brackets: 据美国国家广播公司(NBC)报道


_NAME_GROUPS = ("known", "quoted", "cased", "cjk", "arabic")
_CREDIT_LINE = Rule(SOURCE, "")  # how the name after "Source:" is read: a credit is evidence enough


def _scan(text: str, passage: int) -> Iterator[tuple[int, Cue]]:
    """Cues in one passage's text, with the offset at which each starts."""
    rules, labels = _compiled()
    lowered = _lower_same_length(text)
    for compiled in rules:
        for hit in compiled.trigger.finditer(lowered):
            name = _read_name(text, hit, compiled)
            if name is None:
                continue
            credit = compiled.rule.kind == ACCORDING_TO and _is_credit_line(text, hit, name)
            outlet = _resolve(name, text, compiled.rule, credit=credit)
            if outlet is None:
                continue
            display, domain = outlet
            start, end = min(hit.start(), name.start), max(hit.end(), name.end)
            yield start, Cue(
                kind=BYLINE if credit else compiled.rule.kind,
                text=text[start:end].strip().rstrip(".,;:"),
                outlet=display,
                domain=domain,
                lang=compiled.lang,
                passage=passage,
            )
    for lang, label in labels:
        for hit in label.finditer(text):
            cue = _read_credit(text, hit, lang, passage)
            if cue is not None:
                yield hit.start(), cue


def _read_name(text: str, hit: regex.Match, compiled: _CompiledRule) -> _Name | None:
    if compiled.rule.side == AFTER:
        found = compiled.name.match(text, hit.end(), min(len(text), hit.end() + _WINDOW))
    else:
        found = compiled.name.search(text, max(0, hit.start() - _WINDOW), hit.start())
    return _name_of(found) if found else None


def _name_of(found: regex.Match) -> _Name:
    group = next(g for g in _NAME_GROUPS if found.group(g) is not None)
    return _Name(
        text=found.group(group),
        group=group,
        start=found.start(group),
        end=found.end("closing") if found.group("closing") else found.end(group),
        media=found.group("media"),
        aside=found.group("aside"),
    )


def _read_credit(text: str, hit: regex.Match, lang: str, passage: int) -> Cue | None:
    """A "Source: …" line: a URL, else an outlet's name."""
    if hit.group("url"):
        url = hit.group("url").rstrip(_URL_TAIL)
        domain = _registered_domain(url)
        if domain:
            entry = _lexicon().outlet_of_url(url)
            return Cue(kind=SOURCE, text=hit.group(0).strip().rstrip(_URL_TAIL), outlet=entry.name if entry else None,
                       url=url, domain=domain, lang=lang, passage=passage)
    name_pattern = _name_pattern(LANGUAGES[lang].media, closing=None, lazy=False)
    found = name_pattern.match(text, hit.end("label"), min(len(text), hit.end("label") + _WINDOW))
    if found is None:
        return None
    name = _name_of(found)
    outlet = _resolve(name, text, _CREDIT_LINE, credit=True)
    if outlet is None:
        return None
    display, domain = outlet
    return Cue(kind=SOURCE, text=text[hit.start("label"):name.end].strip().rstrip(".,;:"), outlet=display,
               domain=domain, lang=lang, passage=passage)


def _is_credit_line(text: str, hit: regex.Match, name: _Name) -> bool:
    """A byline credit: the cue in parentheses ("Minh Đức (Theo Politico)"), or ending a
    line that holds nothing else but a person's name ("Minh Đức - Theo Politico")."""
    start, end = min(hit.start(), name.start), max(hit.end(), name.end)
    before, after = text[max(0, start - _WINDOW):start].rstrip(), text[end:end + _WINDOW].lstrip()
    if before.endswith(("(", "（", "[")) and after.startswith((")", "）", "]")):
        return True
    line_before = before.rsplit("\n", 1)[-1]
    if after.split("\n", 1)[0].strip(" .。"):
        return False
    words = regex.findall(r"[\p{L}\p{N}]+", line_before)
    return len(words) <= 4 and all(word[0].isupper() for word in words)


def _resolve(name: _Name, text: str, rule: Rule, *, credit: bool) -> tuple[str, str | None] | None:
    """The outlet's display name and domain, or None when the name is not an outlet's."""
    lexicon = _lexicon()
    written = name.text
    quoted = name.group == "quoted" and not (_is_cjk(written) and written[0] not in "《『")
    bracketed = regex.search(r"[《「『]([^》」』]+)[》」』]", written) if name.group == "cjk" else None
    if bracketed:
        written, quoted = bracketed.group(1), bracketed.group(0)[0] != "「"
    if rule.side == BEFORE:
        written = regex.split(r"['’]s\s+", written)[-1]  # "Australia's ABC News reported" names ABC News
    cleaned = _clean(written)
    if not cleaned:
        return None
    if name.group == "known" and not lexicon.case_fits(cleaned):
        return None
    entry = lexicon.lookup(_clean(name.aside)) if name.aside else None
    if name.group == "arabic" and cleaned.startswith("ل"):
        # لـ before الـ is written لل: "وفقا للجزيرة" names الجزيرة
        entry = entry or lexicon.lookup("ا" + cleaned)
    if name.media:
        entry = entry or lexicon.lookup(f"{name.media.strip()} {cleaned}")  # وكالة الأنباء الفرنسية is AFP
    entry = entry or lexicon.lookup(cleaned) or lexicon.lookup_part(cleaned, rule.side)
    if entry:
        return entry.name, _domain_of_name(cleaned)
    if lexicon.is_not_outlet(cleaned):
        return None
    evidence = quoted or bool(name.media) or credit
    if name.group == "cjk" or (name.group == "quoted" and _is_cjk(cleaned)):
        return _resolve_cjk(cleaned, evidence)
    if name.group == "arabic":
        return _resolve_arabic(cleaned, name.media, evidence)
    domain = _domain_of_name(cleaned)
    if domain:
        return cleaned, domain
    words = cleaned.split()
    if len(words) > _MAX_NAME_WORDS or (quoted and regex.search(r"[,;!?]", written.strip(_QUOTE_MARKS))):
        return None  # a quotation, not a title
    display = _display_name(cleaned)
    if evidence or lexicon.has_outlet_word(cleaned):
        return display, None
    if len(words) > 1:
        return None  # most likely a person or an institution: "John Smith", "the White House"
    is_acronym = regex.fullmatch(r"\p{Lu}[\p{Lu}\p{N}&\-]{1,7}", cleaned) is not None
    if is_acronym and (rule.bare or rule.kind == TOLD):
        return display, None  # AFP, KTLA, VTV; but "according to FWC" is an authority as often
    if rule.bare and not _starts_sentence(text, name.start) and not regex.search(_CYRILLIC_ADJECTIVE, cleaned):
        return display, None
    return None


def _resolve_cjk(cleaned: str, evidence: bool) -> tuple[str, str | None] | None:
    """Chinese and Japanese names have no capitals to go by: an unknown one must be a title
    in 《》, or end like a publication (…日报, …新聞) after at least one more character."""
    if not regex.search(r"[\p{Han}\p{Katakana}]", cleaned) or cleaned[0] in _CJK_ANAPHORA:
        return None
    suffixes = _lexicon().cjk_suffixes
    if evidence or any(cleaned.endswith(suffix) and len(cleaned) > len(suffix) for suffix in suffixes):
        return cleaned, None
    return None


def _resolve_arabic(cleaned: str, media: str | None, evidence: bool) -> tuple[str, str | None] | None:
    """Arabic has no capitals either: an unknown name needs a noun such as صحيفة ("the
    newspaper") before it, and is named with that noun, as Arabic does: "وكالة أنباء الإمارات"."""
    if not evidence:
        return None
    words: list[str] = []
    for word in cleaned.split():
        if word in _ARABIC_STOP_WORDS:
            break
        words.append(word)
    if not words:
        return None
    return " ".join([media.strip(), *words] if media else words), None


def _starts_sentence(text: str, position: int) -> bool:
    """Whether a capitalised word at this position may be capitalised only because it
    opens a sentence, which is then no evidence that it is a name."""
    return regex.search(r"(?:^|[.!?:;…\"»”\n])\s*$", text[max(0, position - 20):position]) is not None


def _clean(name: str) -> str:
    name = name.strip().strip(_QUOTE_MARKS + " ")
    name = regex.sub(r"['’]s(?:\s.*)?$", "", name)  # "Politico's Jane Doe" names Politico
    name = regex.sub(r"\s*[（(][^）)]*[）)]?\s*$", "", name)  # 星期日电讯报（Sunday Telegraph）
    name = name.rstrip(".,;:!?)]）】、，。 ").strip(_QUOTE_MARKS + " ")
    return regex.sub(r"\s+", " ", name)


def _display_name(name: str) -> str:
    """Without a leading article that is not part of the name: "the West Virginia Metro
    News", "l’Associated Press" lose theirs; "Le Parisien" keeps its own."""
    return regex.sub(rf"^(?:(?:{'|'.join(_ARTICLE_WORDS)}|The)\s+|l['’])", "", name)


def _lower_same_length(text: str) -> str:
    """The text in lower case, character for character, so that offsets found in it hold
    in the original (matching lower case is about twice as fast as ignoring case)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)  # "İ" lowers to two


def _is_cjk(text: str) -> bool:
    return regex.search(r"[\p{Han}\p{Katakana}\p{Hiragana}\p{Hangul}]", text) is not None


def _domain_of_name(name: str) -> str | None:
    """The registered domain when a name is written as one ("Kompas.com")."""
    if regex.fullmatch(r"(?:[\p{L}\p{N}\-]+\.)+\p{L}{2,}", name):
        return _registered_domain(name)
    return None


# --- lexicons -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Outlet:
    name: str
    lang: str
    domains: tuple[str, ...]


@dataclass(frozen=True)
class _Lexicon:
    by_key: dict[str, _Outlet]  # every alias, also without a leading article ("Monde")
    by_written: dict[str, _Outlet]  # aliases as written, to find one inside a longer name
    by_domain: dict[str, _Outlet]
    aliases: tuple[str, ...]
    lower_case_aliases: frozenset[str]  # written so by the outlet itself: "dpa", "detikcom"
    not_outlets: frozenset[str]
    outlet_words: frozenset[str]
    cjk_suffixes: tuple[str, ...]

    def lookup(self, name: str) -> _Outlet | None:
        if _domain_of_name(name):
            return self.outlet_of_url(name)
        return self.by_key.get(_compact(name)) or self.by_key.get(_compact(_strip_article(name)))

    def outlet_of_url(self, url: str) -> _Outlet | None:
        """The host first, since some editions have their own (e.vnexpress.net is English)."""
        return self.by_domain.get(_host(url) or "") or self.by_domain.get(_registered_domain(url) or "")

    def lookup_part(self, name: str, side: str) -> _Outlet | None:
        """A known outlet at the start or end of a longer name: "Tuesday Politico",
        "美国《纽约时报》", "米紙ニューヨーク・タイムズ". The part next to the trigger is tried first."""
        name = _strip_article(name)
        by_character = _is_cjk(name) and " " not in name
        pieces = list(name) if by_character else name.split()
        joiner = "" if by_character else " "
        shortest = 2 if by_character else 1
        prefixes = [joiner.join(pieces[:n]) for n in range(len(pieces) - 1, shortest - 1, -1)]
        suffixes = [joiner.join(pieces[-n:]) for n in range(len(pieces) - 1, shortest - 1, -1)]
        for part in (prefixes + suffixes) if side == AFTER else (suffixes + prefixes):
            entry = self.by_written.get(_compact(_clean(part)))
            if entry:
                return entry
        return None

    def case_fits(self, name: str) -> bool:
        """Known names match whatever their case, but one written in lower case where the
        outlet is not is a common word: Indonesian "antara" (between), "tempo" (time),
        German "zeit", "welt"."""
        core = _strip_article(name)
        return not core[:1].islower() or core in self.lower_case_aliases or _domain_of_name(core) is not None

    def is_not_outlet(self, name: str) -> bool:
        """Whether the name, or its first one to three words, is a pronoun, an authority or
        a title: "Bộ Y tế", "PGS.TS Trần Văn Bình", "Police"."""
        words = _lower(_strip_article(name)).split()
        if not words:
            return True
        leading = [" ".join(words[:n]) for n in range(1, min(3, len(words)) + 1)]
        leading.append(regex.split(r"[.\-]", words[0])[0])  # "pgs.ts" -> "pgs"
        return any(phrase in self.not_outlets for phrase in leading)

    def has_outlet_word(self, name: str) -> bool:
        """Whether a name looks like a publication's: "Metro News", "KSWB-TV". The word
        alone ("Presse", "Post") is not enough: "die örtliche Presse" is no outlet."""
        words = regex.split(r"[\s\-]+", _lower(name))
        padded = f" {' '.join(words)} "
        return len(words) > 1 and any(f" {word} " in padded for word in self.outlet_words)


@cache
def _lexicon() -> _Lexicon:
    folder = resources.files("provenance") / "lexicons"
    outlets = json.loads((folder / "outlets.json").read_text(encoding="utf-8"))["outlets"]
    names = json.loads((folder / "names.json").read_text(encoding="utf-8"))
    by_key: dict[str, _Outlet] = {}
    by_written: dict[str, _Outlet] = {}
    by_domain: dict[str, _Outlet] = {}
    aliases: list[str] = []
    for item in outlets:
        outlet = _Outlet(item["name"], item["lang"], tuple(item["domains"]))
        for alias in [item["name"], *item["aliases"]]:
            aliases.append(alias)
            by_written[_compact(alias)] = outlet
            by_key[_compact(alias)] = outlet
            by_key.setdefault(_compact(_strip_article(alias)), outlet)
        for domain in outlet.domains:
            by_domain[domain] = outlet
    return _Lexicon(
        by_key=by_key,
        by_written=by_written,
        by_domain=by_domain,
        aliases=tuple(aliases),
        lower_case_aliases=frozenset(a for a in map(_strip_article, aliases) if a[:1].islower()),
        not_outlets=frozenset(_lower(w) for words in names["not_outlets"].values() for w in words),
        outlet_words=frozenset(_lower(w) for words in names["outlet_words"].values() for w in words),
        cjk_suffixes=tuple(s for suffixes in names["cjk_outlet_suffixes"].values() for s in suffixes),
    )


@cache
def _compiled() -> tuple[list[_CompiledRule], list[tuple[str, regex.Pattern]]]:
    rules: list[_CompiledRule] = []
    labels: list[tuple[str, regex.Pattern]] = []
    for lang, table in LANGUAGES.items():
        for rule in table.rules:
            before = r"(?<![\p{L}\p{N}])" if table.spaced else ""
            after = r"(?![\p{L}\p{N}])" if table.spaced and not rule.joined else ""
            trigger = regex.compile(rf"{before}(?:{rule.trigger}){after}")
            name = _name_pattern(table.media, rule.closing, lazy=rule.closing is not None, before=rule.side == BEFORE)
            rules.append(_CompiledRule(rule, lang, trigger, name))
        labels.append((lang, regex.compile(
            rf"(?:^|(?<=[(\[（]))[^\S\n]*(?P<label>(?i:{table.labels})[^\S\n]*[:：])[^\S\n]*(?:(?P<url>{_URL}))?",
            regex.MULTILINE,
        )))
    return rules, labels


@cache
def _name_pattern(media: str, closing: str | None, *, lazy: bool, before: bool = False) -> regex.Pattern:
    cjk = _CJK_CHARS + ("{1,30}?" if lazy else "{1,30}")
    name = (
        rf"(?:(?P<known>{_KNOWN})|(?P<quoted>{_QUOTED})|(?P<cased>{_CASED})"
        rf"|(?P<cjk>{cjk})|(?P<arabic>{_ARABIC}))"
    )
    media_part = rf"(?:(?P<media>{media}){_GAP}*)?" if media else "(?P<media>(?!))?"
    if closing:
        # 据新华社9月10日报道, 据美国有线电视新闻网（CNN）报道
        tail = rf"(?:[（(](?P<aside>[^）)\n]{{1,30}})[）)])?(?:\d{{1,2}}月)?(?:\d{{1,2}}日)?(?P<closing>{closing})"
    else:
        tail = "(?P<aside>(?!))?(?P<closing>(?!))?"
    if before:
        pattern = rf"{media_part}{name}{tail}(?:['’]s)?{_GAP}*$"
    else:
        pattern = rf"{_GAP}*{media_part}{name}{tail}"
    return regex.compile(pattern, aliases=_lexicon().aliases)


# --- text and URL normalisation -------------------------------------------------------


def _fold(text: str) -> str:
    """Lower case without diacritics: "Tuổi Trẻ" -> "tuoi tre", "وفقاً" -> "وفقا"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _lower(text: str) -> str:
    """Lower case, diacritics kept: Vietnamese "Bảo" (a name) is not "báo" (newspaper)."""
    return unicodedata.normalize("NFC", text).casefold()


def _compact(text: str) -> str:
    """The fold with everything but letters and digits removed: "F.A.Z." -> "faz"."""
    return "".join(c for c in _fold(text) if c.isalnum())


def _strip_article(name: str) -> str:
    return regex.sub(rf"^(?i:(?:{'|'.join(_ARTICLE_WORDS)})\s+|l['’])", "", name.strip())


def _identities(name: str | None, domain: str | None, host: str | None = None) -> set[str]:
    """Comparable forms of an outlet: its compact name (with and without an article), its
    domain's label, and the lexicon outlet it stands for."""
    lexicon = _lexicon()
    found: set[str] = set()
    if name and _compact(name):
        found |= {_compact(name), _compact(_strip_article(name))}
        domain = domain or _domain_of_name(name.strip())
        entry = lexicon.lookup(name)
        if entry:
            found.add("outlet:" + entry.name)
    if domain:
        parsed = get_tld(domain, as_object=True, fail_silently=True, fix_protocol=True)
        found.add(_compact(parsed.domain if parsed is not None else domain.split(".")[0]))
        entry = lexicon.outlet_of_url(host or domain)
        if entry:
            found.add("outlet:" + entry.name)
    found.discard("")
    return found


def _host(url: str) -> str | None:
    try:
        host = urlsplit(url if "://" in url else "http://" + url).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


def _registered_domain(url: str) -> str | None:
    """The registered domain without "www.": https://e.vnexpress.net/x -> vnexpress.net."""
    parsed = get_tld(url, as_object=True, fail_silently=True, fix_protocol=True)
    if parsed is not None:
        return parsed.fld
    # the public-suffix list omits the names reserved for tests and examples (RFC 2606, 6761)
    host = _host(url)
    if host and host.rsplit(".", 1)[-1] in _RESERVED_TLDS and host.count(".") >= 1:
        return ".".join(host.split(".")[-2:])
    return None


_RESERVED_TLDS = frozenset({"test", "example", "invalid", "localhost"})


def _url_key(url: str) -> str:
    """A URL with scheme, "www.", tracking parameters, fragment and trailing slash removed."""
    absolute = url if "://" in url else "http://" + url
    try:
        absolute = normalize_url(absolute)
    except ValueError:
        pass
    parts = urlsplit(absolute)
    host = (parts.hostname or "").removeprefix("www.")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{parts.path.rstrip('/')}{query}"


def _url_language_marker(url: str) -> str | None:
    """A language named by the URL itself: vi.wikipedia.org, en.vietnamplus.vn, /vi/, /vietnamese/."""
    host = _host(url) or ""
    parsed = get_tld(url, as_object=True, fail_silently=True, fix_protocol=True)
    subdomain = parsed.subdomain if parsed is not None else ""
    for label in subdomain.split("."):
        if label in URL_LANGUAGE_MARKERS:
            return URL_LANGUAGE_MARKERS[label]
    try:
        path = urlsplit(url if "://" in url else "http://" + url).path
    except ValueError:
        return None
    first_segment = path.strip("/").split("/", 1)[0].lower()
    return URL_LANGUAGE_MARKERS.get(first_segment) if host else None


def _primary_language(code: str | None) -> str | None:
    return code.split("-")[0].split("_")[0].lower() if code else None
