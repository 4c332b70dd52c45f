"""Attribution cues: the words with which an article says where it comes from.

A translated or rewritten story usually names its origin somewhere: "According to
Politico", a byline "Minh Đức (Theo Politico)", "据新华社报道", a footer "Nguồn: https://…".
Those words are the cheapest evidence there is. Retrieval uses them to favour stored
documents from the named outlet (outlets.py: `outlet_matches`); and even when no source
is stored, a Vietnamese text that cites an English-language outlet is most likely a
translation (`translation_hints`).

Each language's cue phrases are a few small rules in one table (`LANGUAGES`): the trigger
words, and on which side of them the outlet's name stands. Names are then read with one
shared grammar (a known outlet, a quoted name, a capitalised phrase, a Chinese/Japanese or
Arabic name bounded by the pattern) and kept only with evidence that they name a
publication rather than a person or an authority: "according to the police", "theo đó"
("accordingly"), "selon moi" and "laut Polizei" yield nothing. Who an outlet is (the
lexicon of known outlets, their domains and languages) is outlets.py's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import regex

from .attribution_words import WORDS
from .models import Cue, Passage
from .outlets import (
    ARTICLE_WORDS,
    MAX_NAME_WORDS,
    Outlet,
    StoredOutlets,
    compact,
    domain_of_name,
    lexicon,
    registered_domain,
    source_language,
    strip_article,
    url_key,
)

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
    rules: tuple[Rule, ...]  # the attribution words they read are attribution_words.WORDS
    media: str = ""  # words announcing an outlet's name: "the newspaper", "báo", "агентства"


LANGUAGES: dict[str, LanguageCues] = {
    "en": LanguageCues(
        rules=(
            Rule(ACCORDING_TO, WORDS["en"].according),
            Rule(
                REPORTED,
                r"(?:(?:has|had|also|first|previously|earlier) )?(?:reported|reports|said in a report)",
                side=BEFORE,
                bare=True,
            ),
            Rule(REPORTED, r"wrote", side=BEFORE),
            Rule(
                REPORTED,
                r"(?:as |first |originally |was |were )?(?:reported|published|broadcast) by|published in"
                r"|(?:originally|first) appeared (?:in|on)|a report (?:by|in|from)",
                bare=True,
            ),
            Rule(TOLD, r"told|(?:said|speaking|talking) to|(?:in )?(?:an? )?(?:interview|conversation) with"),
        ),
        media=r"(?:[Tt]he )?(?:\p{Lu}\p{Ll}+ )?(?:newspaper|paper|daily|tabloid|magazine|news agency|news site"
        r"|news outlet|news website|outlet|website|broadcaster|network|channel|station|wire service)",
    ),
    "vi": LanguageCues(
        rules=(
            Rule(ACCORDING_TO, WORDS["vi"].according),
            Rule(REPORTED, r"(?:vừa |đã |cũng )?(?:đưa tin|loan tin|đăng tải)", side=BEFORE, bare=True),
            Rule(TOLD, r"(?:nói|chia sẻ|cho biết|tiết lộ|trả lời phỏng vấn|trả lời) với|trả lời phỏng vấn"),
        ),
        media=r"(?:[Tt]ờ báo|[Tt]ờ|[Nn]hật báo|[Bb]áo điện tử|[Bb]áo|[Hh]ãng thông tấn|[Hh]ãng tin|[Hh]ãng"
        r"|[Tt]rang tin(?: điện tử)?|[Tt]rang|[Kk]ênh truyền hình|[Kk]ênh"
        r"|[Đđ]ài truyền hình|[Đđ]ài phát thanh|[Đđ]ài"
        r"|[Tt]ạp chí|[Tt]hông tấn xã|[Mm]ạng)"
        r"(?: (?:Mỹ|Anh|Pháp|Đức|Nga|Trung Quốc|Nhật(?: Bản)?|Hàn Quốc|Úc|Ukraine|Israel|Qatar|Ấn Độ))?",
    ),
    "fr": LanguageCues(
        rules=(
            Rule(ACCORDING_TO, WORDS["fr"].according),
            Rule(REPORTED, r"rapporte|rapportait|a rapporté", bare=True),
            Rule(REPORTED, r"écrit|écrivait|révèle|relate"),
            Rule(REPORTED, r"(?:a |avait )?(?:rapporté|révélé)|rapporte|révèle", side=BEFORE, bare=True),
            Rule(
                TOLD,
                r"(?:a |avait )?(?:déclaré|indiqué|confié|expliqué|affirmé|raconté|précisé)(?:-t-(?:il|elle))?"
                r" (?:à la |à l['’]|au |aux |à )|(?:dans )?(?:un )?entretien (?:à la |à l['’]|au |à |avec )"
                r"|interrogée? par",
                joined=True,
            ),
        ),
        media=r"(?:(?:le|la|les) |l['’])?(?:quotidien|journal|hebdomadaire|magazine|agence(?: de presse)?"
        r"|chaîne(?: de télévision)?|radio|site(?: d['’]information)?|média|station)"
        r"(?: (?!(?:de|du|des|en|à|au)\b)\p{Ll}+)?",  # an adjective: "le quotidien britannique"
    ),
    "de": LanguageCues(
        rules=(
            Rule(ACCORDING_TO, WORDS["de"].according),
            Rule(ACCORDING_TO, r"zufolge", side=BEFORE),
            Rule(REPORTED, r"berichtete?|meldete?", bare=True),
            Rule(REPORTED, r"schreibt|schrieb"),
            # nouns are capitalised in German, so a lone capitalised word before the verb proves nothing
            Rule(REPORTED, r"berichtete?|meldete?|schreibt|schrieb", side=BEFORE),
            Rule(TOLD, r"gegenüber|im (?:gespräch|interview) mit|sagte (?:er|sie)"),
        ),
        media=r"(?:(?:der|die|das|dem|den|des) )?(?:\p{Ll}+ )?(?:Zeitung|Tageszeitung|Wochenzeitung|Boulevardzeitung"
        r"|Nachrichtenagentur|Agentur|Nachrichtenmagazin|Magazin|Fernsehsender|Sender|Nachrichtenportal"
        r"|Portal|Blatt)",
    ),
    "es": LanguageCues(
        rules=(
            Rule(ACCORDING_TO, WORDS["es"].according),
            Rule(REPORTED, r"informó|informa|publicó|publica|reveló|revela", bare=True),
            Rule(
                REPORTED,
                r"(?:ha |había )?(?:informado|publicado|revelado)|informó|publicó|reveló",
                side=BEFORE,
                bare=True,
            ),
            Rule(TOLD, r"(?:dijo|declaró|contó|explicó|afirmó|aseguró|confirmó) (?:al|a)|en (?:una )?entrevista con"),
        ),
        media=r"(?:(?:el|la|los|las) )?(?:diario|periódico|agencia(?: de noticias)?|cadena|canal|revista|medio"
        r"|portal|sitio|emisora|televisora)(?: (?!(?:de|del|en|a|al)\b)\p{Ll}+)?",
    ),
    "ru": LanguageCues(
        rules=(
            Rule(ACCORDING_TO, WORDS["ru"].according),
            Rule(REPORTED, r"(?:как )?(?:сообщает|сообщают|передает|передаёт)", bare=True),
            Rule(REPORTED, r"(?:как )?(?:пишет|пишут)"),
            Rule(TOLD, r"(?:рассказал|заявил|сообщил|сказал|пояснил)[аио]?"),
        ),
        media=r"(?:\p{Ll}+(?:ого|его|ой|ей|ая|ое|ый|ий|ые|ых|их) )?"  # an adjective: "британской газеты"
        r"(?:информагентств[оау]|агентств[оау]|издани[еяю]|газет[аыу]|телеканал[аеу]?"
        r"|журнал[аеу]?|портал[аеу]?|сайт[аеу]?|радиостанци[ияю])",
    ),
    "uk": LanguageCues(
        rules=(
            Rule(ACCORDING_TO, WORDS["uk"].according),
            Rule(REPORTED, r"(?:як )?(?:повідомляє|повідомляють|передає)", bare=True),
            Rule(REPORTED, r"(?:як )?(?:пише|пишуть)"),
            Rule(
                TOLD,
                r"(?:розповів|заявив|повідомив|сказав|пояснив)"
                r"|(?:розповіл|заявил|повідомил|сказал|пояснил)[аи]",
            ),
        ),
        media=r"(?:\p{Ll}+(?:ого|ої|ий|ій|ька|ьке|ькі|ьких|на|не|ні|ної|них) )?"  # "британської газети"
        r"(?:інформагентств[оау]|агентств[оау]|видання|газет[аиіу]|телеканал[уі]?"
        r"|журнал[уі]?|портал[уі]?|сайт[уі]?)",
    ),
    "zh": LanguageCues(
        rules=(
            Rule(ACCORDING_TO, WORDS["zh"].according, closing=r"(?:的)?(?:报道|报导|消息|援引|称|说|发布|披露)"),
            Rule(REPORTED, r"报道称|报道说|报导称|消息称|发文称", side=BEFORE),
            Rule(TOLD, r"接受", closing=r"(?:的)?(?:采访|专访)"),
            Rule(TOLD, r"告诉"),
        ),
    ),
    "ja": LanguageCues(
        rules=(
            Rule(ACCORDING_TO, r"の報道によると|の報道によれば|によると|によれば", side=BEFORE),
            Rule(REPORTED, r"などが報じた|が報じた|は報じた|が伝えた|が報道した|が報じている", side=BEFORE),
            Rule(TOLD, r"の取材に(?:対し|応じ|答え)|の(?:単独)?インタビューに|に語った", side=BEFORE),
        ),
    ),
    "ar": LanguageCues(
        rules=(
            Rule(ACCORDING_TO, r"وفق(?:ا|اً|ًا)?\s*لـ?|طبق(?:ا|اً|ًا)?\s*لـ?", joined=True),
            Rule(ACCORDING_TO, WORDS["ar"].according),
            Rule(REPORTED, r"حسبما\s+(?:ذكرت|ذكر|أفادت|أفاد|أوردت|أورد|نقلت|قالت)|ذكرت|أفادت|أوردت|نشرت|قالت|كشفت"),
            Rule(TOLD, r"(?:قال|قالت|صرح|صرحت|أكد|أكدت)\s+لـ?|في\s+(?:تصريح|حديث|مقابلة)\s+(?:مع\s+|لـ?)", joined=True),
        ),
        media=r"(?:ال)?(?:صحيفة|وكالة(?:\s+(?:ال)?أنباء)?|موقع|قناة|شبكة|مجلة|إذاعة|تلفزيون)",
    ),
    "id": LanguageCues(
        rules=(
            Rule(ACCORDING_TO, WORDS["id"].according),
            Rule(ACCORDING_TO, r"(?:seperti |sebagaimana )?(?:dilansir|dikutip)(?: dari)?|melansir", bare=True),
            Rule(REPORTED, r"melaporkan|memberitakan|mewartakan", side=BEFORE, bare=True),
            Rule(TOLD, r"kepada|dalam wawancara dengan"),
        ),
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
# words that end an unknown Arabic name: "that", "which", "in", "from", "yesterday", ...
_ARABIC_STOP_WORDS = frozenset(
    {"أن", "إن", "بأن", "التي", "الذي", "في", "عن", "من", "على", "إلى", "يوم", "أمس", "اليوم"}
)
_CJK_ANAPHORA = "该此这那本其同"  # 该电视台 "the said station", 同紙 "the same paper": not a name
_CYRILLIC_ADJECTIVE = r"\p{Cyrillic}(?:ая|яя|ое|ее|ый|ий|ой|ые|ие|ій|ня|на|не|ні)$"  # Национальная (служба)
_WINDOW = 160  # characters either side of a trigger in which its outlet's name is read

# --- public API ---------------------------------------------------------------------


def extract_cues(passages: list[Passage], stored: StoredOutlets | None = None) -> list[Cue]:
    """Every attribution cue in the passages (body and boilerplate), in reading order.
    An outlet or URL named twice is kept once, where it is first named; a URL cue is kept
    even after a name cue for the same outlet, since it says more. `stored`, the
    outlets of the stored documents, makes a name the lexicon does not know an outlet
    when a stored article was published by it ("According to The Coastal Ledger")."""
    found = [
        # where two languages' patterns read the same words ("Source:", "Sources :"), the
        # passage's own language comes first and is the one kept
        (passage.idx, cue_start, cue.lang != _primary_language(passage.lang), order, cue)
        for passage in passages
        for order, (cue_start, cue) in enumerate(_scan(passage.text or "", passage.idx, stored))
    ]
    found.sort(key=lambda item: item[:4])
    cues: list[Cue] = []
    seen_urls: set[str] = set()
    seen_outlets: set[str] = set()
    for *_, cue in found:
        if cue.url:
            key = url_key(cue.url)
            if key in seen_urls:
                continue
            seen_urls.add(key)
        elif compact(cue.outlet or "") in seen_outlets:
            continue
        if cue.outlet:
            seen_outlets.add(compact(cue.outlet))
        cues.append(cue)
    return cues


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
    media: str  # the language's media words, for the name pattern

    @property
    def name(self) -> regex.Pattern:
        """The pattern of the outlet's name, compiled when a trigger first hits: each
        holds the lexicon's aliases and costs tens of milliseconds to compile, and a
        text hits the triggers of one or two languages, not of all eleven."""
        rule = self.rule
        return _name_pattern(self.media, rule.closing, lazy=rule.closing is not None, before=rule.side == BEFORE)


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


def _scan(text: str, passage: int, stored: StoredOutlets | None = None) -> Iterator[tuple[int, Cue]]:
    """Cues in one passage's text, with the offset at which each starts."""
    rules, labels = _compiled()
    lowered = _lower_same_length(text)
    for compiled in rules:
        for hit in compiled.trigger.finditer(lowered):
            name = _read_name(text, hit, compiled)
            if name is None:
                continue
            credit = compiled.rule.kind == ACCORDING_TO and _is_credit_line(text, hit, name)
            outlet = _resolve(name, text, compiled.rule, credit=credit, stored=stored)
            if outlet is None:
                continue
            display, domain = outlet
            start, end = min(hit.start(), name.start), max(hit.end(), name.end)
            yield (
                start,
                Cue(
                    kind=BYLINE if credit else compiled.rule.kind,
                    text=text[start:end].strip().rstrip(".,;:"),
                    outlet=display,
                    domain=domain,
                    lang=compiled.lang,
                    passage=passage,
                ),
            )
    for lang, label in labels:
        for hit in label.finditer(text):
            cue = _read_credit(text, hit, lang, passage, stored)
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


def _read_credit(text: str, hit: regex.Match, lang: str, passage: int, stored: StoredOutlets | None) -> Cue | None:
    """A "Source: …" line: a URL, else an outlet's name."""
    if hit.group("url"):
        url = hit.group("url").rstrip(_URL_TAIL)
        domain = registered_domain(url)
        if domain:
            entry = lexicon().outlet_of_url(url)
            return Cue(
                kind=SOURCE,
                text=hit.group(0).strip().rstrip(_URL_TAIL),
                outlet=entry.name if entry else None,
                url=url,
                domain=domain,
                lang=lang,
                passage=passage,
            )
    name_pattern = _name_pattern(LANGUAGES[lang].media, closing=None, lazy=False)
    found = name_pattern.match(text, hit.end("label"), min(len(text), hit.end("label") + _WINDOW))
    if found is None:
        return None
    name = _name_of(found)
    outlet = _resolve(name, text, _CREDIT_LINE, credit=True, stored=stored)
    if outlet is None:
        return None
    display, domain = outlet
    return Cue(
        kind=SOURCE,
        text=text[hit.start("label") : name.end].strip().rstrip(".,;:"),
        outlet=display,
        domain=domain,
        lang=lang,
        passage=passage,
    )


def _is_credit_line(text: str, hit: regex.Match, name: _Name) -> bool:
    """A byline credit: the cue in parentheses ("Minh Đức (Theo Politico)"), or ending a
    line that holds nothing else but a person's name ("Minh Đức - Theo Politico")."""
    start, end = min(hit.start(), name.start), max(hit.end(), name.end)
    before, after = text[max(0, start - _WINDOW) : start].rstrip(), text[end : end + _WINDOW].lstrip()
    if before.endswith(("(", "（", "[")) and after.startswith((")", "）", "]")):
        return True
    line_before = before.rsplit("\n", 1)[-1]
    if after.split("\n", 1)[0].strip(" .。"):
        return False
    words = regex.findall(r"[\p{L}\p{N}]+", line_before)
    return len(words) <= 4 and all(word[0].isupper() for word in words)


def _resolve(
    name: _Name, text: str, rule: Rule, *, credit: bool, stored: StoredOutlets | None = None
) -> tuple[str, str | None] | None:
    """The outlet's display name and domain, or None when the name is not an outlet's."""
    known = lexicon()
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
    if name.group == "known" and not known.case_fits(cleaned):
        return None
    entry = known.lookup(_clean(name.aside)) if name.aside else None
    if name.group == "arabic" and cleaned.startswith("ل"):
        # لـ before الـ is written لل: "وفقا للجزيرة" names الجزيرة
        entry = entry or known.lookup("ا" + cleaned)
    if name.media:
        entry = entry or known.lookup(f"{name.media.strip()} {cleaned}")  # وكالة الأنباء الفرنسية is AFP
    entry = entry or known.lookup(cleaned) or _known_part(cleaned, rule.side)
    if entry:
        return entry.name, domain_of_name(cleaned)
    if known.is_not_outlet(cleaned):
        return None
    # the Chinese/Japanese alternative also reads Latin fragments ("ngu" of "nguồn"): no names
    readable = name.group != "cjk" or _is_cjk(cleaned)
    found = _stored_part(cleaned, name.group, rule.side, stored) if stored is not None and readable else None
    if found:
        return _display_name(found[0]), found[1]
    evidence = quoted or bool(name.media) or credit
    if name.group == "cjk" or (name.group == "quoted" and _is_cjk(cleaned)):
        return _resolve_cjk(cleaned, evidence)
    if name.group == "arabic":
        return _resolve_arabic(cleaned, name.media, evidence)
    domain = domain_of_name(cleaned)
    if domain:
        return cleaned, domain
    words = cleaned.split()
    if len(words) > MAX_NAME_WORDS or (quoted and regex.search(r"[,;!?]", written.strip(_QUOTE_MARKS))):
        return None  # a quotation, not a title
    display = _display_name(cleaned)
    if evidence or known.has_outlet_word(cleaned):
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
    suffixes = lexicon().cjk_suffixes
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
    return regex.search(r"(?:^|[.!?:;…\"»”\n])\s*$", text[max(0, position - 20) : position]) is not None


def _clean(name: str) -> str:
    name = name.strip().strip(_QUOTE_MARKS + " ")
    name = regex.sub(r"['’]s(?:\s.*)?$", "", name)  # "Politico's Jane Doe" names Politico
    name = regex.sub(r"\s*[（(][^）)]*[）)]?\s*$", "", name)  # 星期日电讯报（Sunday Telegraph）
    name = name.rstrip(".,;:!?)]）】、，。 ").strip(_QUOTE_MARKS + " ")
    return regex.sub(r"\s+", " ", name)


def _display_name(name: str) -> str:
    """Without a leading article that is not part of the name: "the West Virginia Metro
    News", "l’Associated Press" lose theirs; "Le Parisien" keeps its own."""
    return regex.sub(rf"^(?:(?:{'|'.join(ARTICLE_WORDS)}|The)\s+|l['’])", "", name)


def _lower_same_length(text: str) -> str:
    """The text in lower case, character for character, so that offsets found in it hold
    in the original (matching lower case is about twice as fast as ignoring case)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)  # "İ" lowers to two


def _is_cjk(text: str) -> bool:
    return regex.search(r"[\p{Han}\p{Katakana}\p{Hiragana}\p{Hangul}]", text) is not None


def _known_part(name: str, side: str) -> Outlet | None:
    """A known outlet at the start or end of a longer name: "Tuesday Politico",
    "美国《纽约时报》", "米紙ニューヨーク・タイムズ". The part next to the trigger is tried first."""
    name = strip_article(name)
    by_character = _is_cjk(name) and " " not in name
    pieces = list(name) if by_character else name.split()
    joiner = "" if by_character else " "
    shortest = 2 if by_character else 1
    prefixes = [joiner.join(pieces[:n]) for n in range(len(pieces) - 1, shortest - 1, -1)]
    suffixes = [joiner.join(pieces[-n:]) for n in range(len(pieces) - 1, shortest - 1, -1)]
    for part in (prefixes + suffixes) if side == AFTER else (suffixes + prefixes):
        entry = lexicon().by_written.get(compact(_clean(part)))
        if entry:
            return entry
    return None


def _stored_part(name: str, group: str, side: str, stored: StoredOutlets) -> tuple[str, str | None] | None:
    """The stored outlet the name stands for, or the words of it next to the trigger:
    "Wie The Coastal Ledger berichtet" reads "Wie The Coastal Ledger" before the verb,
    "According to Coastal Ledger Tuesday" one word too many after it. Only the whole
    name may be a short one ("the Ledger"), and a part must be next to the trigger:
    "According to John Ledger" is no outlet called Ledger. A name without capitals or
    spaces to go by (Chinese, Japanese, Arabic) must match whole."""
    found = stored.match(name)
    if found or group not in ("cased", "quoted"):
        return found
    words = strip_article(name).split()
    for n in range(len(words) - 1, 0, -1):
        found = stored.match(" ".join(words[:n] if side == AFTER else words[-n:]), short=False)
        if found:
            return found
    return None


@cache
def _compiled() -> tuple[list[_CompiledRule], list[tuple[str, regex.Pattern]]]:
    rules: list[_CompiledRule] = []
    labels: list[tuple[str, regex.Pattern]] = []
    for lang, table in LANGUAGES.items():
        words = WORDS[lang]
        for rule in table.rules:
            before = r"(?<![\p{L}\p{N}])" if words.spaced else ""
            after = r"(?![\p{L}\p{N}])" if words.spaced and not rule.joined else ""
            trigger = regex.compile(rf"{before}(?:{rule.trigger}){after}")
            rules.append(_CompiledRule(rule, lang, trigger, table.media))
        labels.append(
            (
                lang,
                regex.compile(
                    rf"(?:^|(?<=[(\[（]))[^\S\n]*(?P<label>(?i:{words.credit})[^\S\n]*[:：])[^\S\n]*(?:(?P<url>{_URL}))?",
                    regex.MULTILINE,
                ),
            )
        )
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
    return regex.compile(pattern, aliases=lexicon().aliases)


def _primary_language(code: str | None) -> str | None:
    return code.split("-")[0].split("_")[0].lower() if code else None
