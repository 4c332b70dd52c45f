"""Who an outlet is: its names, domains and language, and whether a cue or a stored
document's metadata points at it.

Finding cues in a text is cues.py's work; retrieval and the judge only need to know
whether a cue names a stored document's outlet (`outlet_matches`, `cites_url`), and
the tracker what language a cited outlet publishes in (`source_language`). Known
outlets, with their aliases, domains and languages, are in lexicons/outlets.json; the
words that make a name look like (or unlike) an outlet are in lexicons/names.json.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

import regex
from tld import get_tld

from .models import Cue

ARTICLE_WORDS = ("the", "le", "la", "les", "el", "los", "las", "der", "die", "das", "dem", "den", "des")

# Country-code domains and URL language markers, for sources the lexicon does not know.
COUNTRY_LANGUAGE = {
    "vn": "vi",
    "ua": "uk",
    "ru": "ru",
    "by": "ru",
    "de": "de",
    "at": "de",
    "fr": "fr",
    "es": "es",
    "mx": "es",
    "ar": "es",
    "cl": "es",
    "pe": "es",
    "ve": "es",
    "uy": "es",
    "cn": "zh",
    "tw": "zh",
    "hk": "zh",
    "jp": "ja",
    "id": "id",
    "kr": "ko",
    "sa": "ar",
    "ae": "ar",
    "eg": "ar",
    "qa": "ar",
    "kw": "ar",
    "jo": "ar",
    "lb": "ar",
    "iq": "ar",
    "om": "ar",
    "bh": "ar",
    "sy": "ar",
    "ye": "ar",
    "ly": "ar",
    "sd": "ar",
    "uk": "en",
    "us": "en",
    "au": "en",
    "nz": "en",
    "ie": "en",
}
# "uk" is left out on purpose: uk.reuters.com and bbc.co.uk/news/uk are the United Kingdom.
URL_LANGUAGE_MARKERS = {
    **{code: code for code in ("en", "vi", "fr", "de", "es", "ru", "zh", "ja", "ar", "id", "ko", "pt", "it")},
    "ua": "uk",
    "zh-cn": "zh",
    "zh-hans": "zh",
    "zh-tw": "zh",
    "zh-hant": "zh",
    "cn": "zh",
    "jp": "ja",
    "english": "en",
    "vietnamese": "vi",
    "ukrainian": "uk",
    "russian": "ru",
    "arabic": "ar",
    "zhongwen": "zh",
    "chinese": "zh",
    "japanese": "ja",
    "indonesia": "id",
    "indonesian": "id",
    "mundo": "es",
    "afrique": "fr",
    "deutsch": "de",
    "german": "de",
    "french": "fr",
    "spanish": "es",
}
MAX_NAME_WORDS = 6  # an outlet's name is short; a longer capitalised run is a title or a sentence
_TITLE_SEPARATOR = r"\s+[|\-–—·:]\s+"  # "Headline | Site", "Site - Headline"
SITE = "site"  # a stored document's site or its URL's host: a short name may stand for it
TITLE = "title"  # the site part of a stored document's title: matched whole only


def cites_url(cue: Cue, url: str | None) -> bool:
    """Whether the cue gives this very URL (after normalisation), not just its outlet."""
    return bool(cue.url and url and url_key(cue.url) == url_key(url))


def outlet_matches(cue: Cue, *, site: str | None, url: str | None, title: str | None = None) -> bool:
    """Whether the cue names this stored document's outlet or URL: the same URL, the same
    registered domain, or an outlet name equal (ignoring case and diacritics) to the
    document's site, to its domain's label ("VnExpress" ~ vnexpress.net), to the outlet
    the lexicon gives for its domain, or to the site part of its title ("… | Politico")."""
    if cites_url(cue, url):
        return True
    doc_domain = registered_domain(url) if url else None
    if cue.domain and doc_domain and cue.domain == doc_domain:
        return True
    cue_names = _identities(cue.outlet, cue.domain)
    doc_names = _identities(site, doc_domain, host=url_host(url) if url else None)
    if title:
        for part in regex.split(_TITLE_SEPARATOR, title):
            doc_names |= _identities(part, None)
    return bool(cue_names & doc_names)


def source_language(cue: Cue) -> str | None:
    """The ISO 639-1 language the cited source most likely publishes in: a language marker
    in its URL (vi.wikipedia.org, bbc.com/vietnamese), else the outlet lexicon (by domain,
    then by name), else the URL's country-code domain (.vn, .ua, .de), else None."""
    known = lexicon()
    url = cue.url or cue.domain
    if url:
        marked = _url_language_marker(url)
        if marked:
            return marked
        entry = known.outlet_of_url(url)
        if entry:
            return entry.lang
    if cue.outlet:
        entry = known.lookup(cue.outlet)
        if entry:
            return entry.lang
    if url:
        host = url_host(url) or ""
        return COUNTRY_LANGUAGE.get(host.rsplit(".", 1)[-1])
    return None


# --- the outlets of the stored documents -----------------------------------------------


class StoredOutlets:
    """The outlets that published the stored documents, for the names a cue gives that
    the lexicon does not know: "According to The Coastal Ledger" names an outlet when a
    stored article's site is The Coastal Ledger, and "the Ledger reported" names it too
    when it is the one stored outlet whose name ends so. A capitalised phrase that no
    stored outlet answers to stays what it was: most likely a person or an institution.

    `names_with(word)` gives the stored names that hold a word, each with where it was
    found (SITE or TITLE); it is asked once per word, so a big store is searched only
    for the few names a text cites."""

    def __init__(self, names_with: Callable[[str], Iterable[tuple[str, str]]]):
        self._names_with = names_with
        self._asked: dict[str, list[tuple[str, str]]] = {}

    def match(self, name: str, *, short: bool = True) -> tuple[str, str | None] | None:
        """(display name, domain) of the stored outlet the name stands for: one named
        so (ignoring case, diacritics and a leading article; or the label of its
        domain, "Coastal Ledger" ~ coastalledger.com), else, with `short`, the only
        stored site whose name ends with these words. None when there is none, or several."""
        words = [w for w in map(compact, strip_article(name).split()) if w]
        if not words:
            return None
        key = "".join(words)
        shorter: dict[str, str] = {}
        for stored, where in self._names(words[-1]):
            domain = domain_of_name(stored)
            if domain:
                parsed = get_tld(domain, as_object=True, fail_silently=True, fix_protocol=True)
                if compact(parsed.domain if parsed is not None else domain.split(".")[0]) == key:
                    return name, domain
                continue
            stored_words = [w for w in map(compact, strip_article(stored).split()) if w]
            if "".join(stored_words) == key:
                return name, None
            if short and where == SITE and len(words) < len(stored_words) and stored_words[-len(words) :] == words:
                shorter.setdefault("".join(stored_words), stored)
        if len(shorter) == 1:
            return next(iter(shorter.values())), None
        return None

    def _names(self, word: str) -> list[tuple[str, str]]:
        if word not in self._asked:
            self._asked[word] = list(self._names_with(word))
        return self._asked[word]


def title_outlets(title: str) -> list[str]:
    """The parts of a title that may name its site: "Storm floods harbour | The Coastal
    Ledger" gives "The Coastal Ledger". The longest part is the headline and is left
    out, as is any part too long to be a name."""
    parts = [part.strip() for part in regex.split(_TITLE_SEPARATOR, title) if part.strip()]
    if len(parts) < 2:
        return []
    headline = max(parts, key=len)
    return [part for part in parts if part is not headline and len(part.split()) <= MAX_NAME_WORDS]


# --- lexicons -------------------------------------------------------------------------


@dataclass(frozen=True)
class Outlet:
    name: str
    lang: str
    domains: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    by_key: dict[str, Outlet]  # every alias, also without a leading article ("Monde")
    by_written: dict[str, Outlet]  # aliases as written, to find one inside a longer name
    by_domain: dict[str, Outlet]
    aliases: tuple[str, ...]
    lower_case_aliases: frozenset[str]  # written so by the outlet itself: "dpa", "detikcom"
    not_outlets: frozenset[str]
    outlet_words: frozenset[str]
    cjk_suffixes: tuple[str, ...]

    def lookup(self, name: str) -> Outlet | None:
        if domain_of_name(name):
            return self.outlet_of_url(name)
        return self.by_key.get(compact(name)) or self.by_key.get(compact(strip_article(name)))

    def outlet_of_url(self, url: str) -> Outlet | None:
        """The host first, since some editions have their own (e.vnexpress.net is English)."""
        return self.by_domain.get(url_host(url) or "") or self.by_domain.get(registered_domain(url) or "")

    def case_fits(self, name: str) -> bool:
        """Known names match whatever their case, but one written in lower case where the
        outlet is not is a common word: Indonesian "antara" (between), "tempo" (time),
        German "zeit", "welt"."""
        core = strip_article(name)
        return not core[:1].islower() or core in self.lower_case_aliases or domain_of_name(core) is not None

    def is_not_outlet(self, name: str) -> bool:
        """Whether the name, or its first one to three words, is a pronoun, an authority or
        a title: "Bộ Y tế", "PGS.TS Trần Văn Bình", "Police"."""
        words = lower(strip_article(name)).split()
        if not words:
            return True
        leading = [" ".join(words[:n]) for n in range(1, min(3, len(words)) + 1)]
        leading.append(regex.split(r"[.\-]", words[0])[0])  # "pgs.ts" -> "pgs"
        return any(phrase in self.not_outlets for phrase in leading)

    def has_outlet_word(self, name: str) -> bool:
        """Whether a name looks like a publication's: "Metro News", "KSWB-TV". The word
        alone ("Presse", "Post") is not enough: "die örtliche Presse" is no outlet."""
        words = regex.split(r"[\s\-]+", lower(name))
        padded = f" {' '.join(words)} "
        return len(words) > 1 and any(f" {word} " in padded for word in self.outlet_words)


@cache
def lexicon() -> Lexicon:
    folder = resources.files("provenance") / "lexicons"
    outlets = json.loads((folder / "outlets.json").read_text(encoding="utf-8"))["outlets"]
    names = json.loads((folder / "names.json").read_text(encoding="utf-8"))
    by_key: dict[str, Outlet] = {}
    by_written: dict[str, Outlet] = {}
    by_domain: dict[str, Outlet] = {}
    aliases: list[str] = []
    for item in outlets:
        outlet = Outlet(item["name"], item["lang"], tuple(item["domains"]))
        for alias in [item["name"], *item["aliases"]]:
            aliases.append(alias)
            by_written[compact(alias)] = outlet
            by_key[compact(alias)] = outlet
            by_key.setdefault(compact(strip_article(alias)), outlet)
        for domain in outlet.domains:
            by_domain[domain] = outlet
    return Lexicon(
        by_key=by_key,
        by_written=by_written,
        by_domain=by_domain,
        aliases=tuple(aliases),
        lower_case_aliases=frozenset(a for a in map(strip_article, aliases) if a[:1].islower()),
        not_outlets=frozenset(lower(w) for words in names["not_outlets"].values() for w in words),
        outlet_words=frozenset(lower(w) for words in names["outlet_words"].values() for w in words),
        cjk_suffixes=tuple(s for suffixes in names["cjk_outlet_suffixes"].values() for s in suffixes),
    )


# --- text and URL normalisation -------------------------------------------------------


def _fold(text: str) -> str:
    """Lower case without diacritics: "Tuổi Trẻ" -> "tuoi tre", "وفقاً" -> "وفقا"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def lower(text: str) -> str:
    """Lower case, diacritics kept: Vietnamese "Bảo" (a name) is not "báo" (newspaper)."""
    return unicodedata.normalize("NFC", text).casefold()


def compact(text: str) -> str:
    """The fold with everything but letters and digits removed: "F.A.Z." -> "faz"."""
    return "".join(c for c in _fold(text) if c.isalnum())


def strip_article(name: str) -> str:
    return regex.sub(rf"^(?i:(?:{'|'.join(ARTICLE_WORDS)})\s+|l['’])", "", name.strip())


def _identities(name: str | None, domain: str | None, host: str | None = None) -> set[str]:
    """Comparable forms of an outlet: its compact name (with and without an article), its
    domain's label, and the lexicon outlet it stands for."""
    known = lexicon()
    found: set[str] = set()
    if name and compact(name):
        found |= {compact(name), compact(strip_article(name))}
        domain = domain or domain_of_name(name.strip())
        entry = known.lookup(name)
        if entry:
            found.add("outlet:" + entry.name)
    if domain:
        parsed = get_tld(domain, as_object=True, fail_silently=True, fix_protocol=True)
        found.add(compact(parsed.domain if parsed is not None else domain.split(".")[0]))
        entry = known.outlet_of_url(host or domain)
        if entry:
            found.add("outlet:" + entry.name)
    found.discard("")
    return found


def url_host(url: str) -> str | None:
    try:
        host = urlsplit(url if "://" in url else "http://" + url).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


def registered_domain(url: str) -> str | None:
    """The registered domain without "www.": https://e.vnexpress.net/x -> vnexpress.net."""
    parsed = get_tld(url, as_object=True, fail_silently=True, fix_protocol=True)
    if parsed is not None:
        return parsed.fld
    # the public-suffix list omits the names reserved for tests and examples (RFC 2606, 6761)
    host = url_host(url)
    if host and host.rsplit(".", 1)[-1] in _RESERVED_TLDS and host.count(".") >= 1:
        return ".".join(host.split(".")[-2:])
    return None


_RESERVED_TLDS = frozenset({"test", "example", "invalid", "localhost"})


def url_key(url: str) -> str:
    """A URL with scheme, "www.", tracking parameters, fragment and trailing slash removed."""
    from courlan import normalize_url  # 80 ms to import: only a URL to compare needs it

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
    host = url_host(url) or ""
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


def domain_of_name(name: str) -> str | None:
    """The registered domain when a name is written as one ("Kompas.com")."""
    if regex.fullmatch(r"(?:[\p{L}\p{N}\-]+\.)+\p{L}{2,}", name):
        return registered_domain(name)
    return None
