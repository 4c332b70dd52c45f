"""Numbers and names that differ inside an aligned pair of passages.

A rewrite or a careless translation keeps a sentence and changes a fact in it: a
date ("15 mars" against "14 March"), a figure, a name. Aligned passages are where to
look, and this module compares each pair's numbers and names so that the report can
flag them. Numbers are compared by value, whatever the notation: "4,7" is 4.7 and
"250 000", "250,000" and "250.000" are all 250000 (a lone separator before three
digits may be either, so both readings count). A number is flagged only as a
substitution, when each side has one the other lacks: a date written "2024-09-11" on
one side and "11 September 2024" on the other leaves only the month's "09" without
a partner, which is a different notation, not a different fact. A clock time is one
value however it is written ("6.40 Uhr", "6:40 a.m.", "6h40"), and a number spelled
out ("eight knots", "acht Knoten") is read by value in the languages that
lexicons/facts.json covers.

Names are compared only between passages in the same language, where a name that
changes is a changed fact; across languages "Germany" and "Allemagne" are the same
country. A name is a capitalised word not at the start of the sentence (or one that
starts a sequence of names, "Emmanuel Macron said"), and never a function word or a
number word of the language ("The", "Nobody", "Three"); a line in title case is a
headline, whose words are not names. Two spellings of one name ("Kiev", "Kyiv") are
one name: their consonants agree, or lexicons/facts.json lists them. Languages that
capitalise every noun (German) have no such names, so they are left out.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources

# a number with group separators ("250 000", "1,250,000", "1.250.000,5") or without ("4,7", "2024")
_NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:(?:[ \u00a0\u202f]|[.,'’])\d{3})+(?:[.,]\d+)?(?![\w])|\d+(?:[.,]\d+)?")
# a clock time: "6:40", "6.40 Uhr", "6h40", "6:40 a.m.", "6 p.m." (a time only with a colon,
# an "h" or a marker; "6.40" alone is read as a number and as a time)
_TIME = re.compile(
    r"(?<![\w.,:])(?P<hour>[01]?\d|2[0-4])(?:(?P<sep>[:.]|\s?[hH]\s?)(?P<minute>[0-5]\d))?(?![\d.,:]\d)"
    r"(?:\s?(?P<mark>(?P<half>[aApP])\.?\s?[mM]\.?(?!\w)|Uhr\b|h\b|o['’]clock\b))?"
)
_DOTTED_TIME = re.compile(r"([01]?\d|2[0-4])\.([0-5]\d)")
_GROUP_SPACES = re.compile(r"[ \u00a0\u202f'’]")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
# a word after one of these may open a sentence (or a quotation) inside one passage
_OPENERS = frozenset('.!?:;"“”«»„([—–-')
NOUN_CAPITALISING_LANGUAGES = frozenset({"de", "lb"})
MIN_NAME_CHARS = 3
MIN_HEADLINE_WORDS = 3  # capitalised words (of 4+ letters) that make a line a title-case headline
_VOWELS = frozenset("aeiouy")

# what a value can be: a number, or a time of day in minutes after midnight
Value = Decimal | tuple[str, int]


@dataclass
class Differences:
    """What one aligned pair disagrees on: each side's numbers and names that have no
    partner on the other side, where both sides have one (a substitution)."""

    suspect_numbers: list[str] = field(default_factory=list)
    source_numbers: list[str] = field(default_factory=list)
    suspect_names: list[str] = field(default_factory=list)
    source_names: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.suspect_numbers or self.suspect_names)


def differences(
    suspect_text: str, source_text: str, same_language: bool, lang: str | None = None, source_lang: str | None = None
) -> Differences:
    """The numbers (and, within one language, the names) that the two passages disagree
    on. Each text may hold several passages, one a line: a line break ends a sentence."""
    if same_language:
        source_lang = lang
    suspect_numbers, source_numbers = _unpartnered(_numbers(suspect_text, lang), _numbers(source_text, source_lang))
    found = Differences()
    if suspect_numbers and source_numbers:
        found.suspect_numbers, found.source_numbers = suspect_numbers, source_numbers
    if same_language and lang not in NOUN_CAPITALISING_LANGUAGES:
        suspect_names = _unnamed(_names(suspect_text, lang), source_text)
        source_names = _unnamed(_names(source_text, lang), suspect_text)
        if suspect_names and source_names:
            found.suspect_names, found.source_names = suspect_names, source_names
    return found


def is_common_word(word: str, *langs: str | None) -> bool:
    """Whether a capitalised word is a function word or a number word of one of the
    languages ("The", "But", "Three"): a word that opens sentences, not a name."""
    lexicon = _lexicon()
    lowered = word.lower()
    return any(
        lowered in lexicon.function_words.get(lang, ()) or lowered in lexicon.number_words.get(lang, {})
        for lang in langs
    )


def number_values(token: str) -> set[Decimal]:
    """Every value a written number can mean: "4,7" -> {4.7}; "250,000" -> {250000, 250}."""
    token = _GROUP_SPACES.sub("", token)
    separators = [ch for ch in token if ch in ".,"]
    if not separators:
        return {_decimal(token)}
    last = separators[-1]
    if len(set(separators)) == 2:  # "1.250.000,5": the last kind is the decimal mark
        whole, _, fraction = token.rpartition(last)
        return {_decimal(re.sub(r"[.,]", "", whole) + "." + fraction)}
    if len(separators) > 1:  # "1,250,000": grouping only
        return {_decimal(token.replace(last, ""))}
    whole, _, fraction = token.partition(last)
    decimal_reading = _decimal(f"{whole}.{fraction}")
    if len(fraction) == 3:  # "250,000" or "4,700": grouping or decimal
        return {decimal_reading, _decimal(whole + fraction)}
    return {decimal_reading}


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text).normalize()
    except InvalidOperation:  # the pattern admits only digits and one point
        raise ValueError(f"not a number: {text!r}") from None


def _numbers(text: str, lang: str | None) -> list[tuple[str, set[Value]]]:
    """Every number of the text with its possible values, in order: clock times first
    (so that "6:40" is not read as 6 and 40), then digits, then spelled-out numbers."""
    found: list[tuple[int, str, set[Value]]] = []
    for time in _TIME.finditer(text):
        if time.group("sep") == "." and not time.group("mark") or not (time.group("sep") or time.group("mark")):
            continue  # "6.40" and "6" alone: numbers (a dotted one is also read as a time below)
        found.append((time.start(), time.group().strip(), _time_values(time)))
        text = text[: time.start()] + " " * (time.end() - time.start()) + text[time.end() :]
    for number in _NUMBER.finditer(text):
        values: set[Value] = set(number_values(number.group()))
        dotted = _DOTTED_TIME.fullmatch(number.group())
        if dotted:  # "6.40" may be twenty to seven
            values |= _clock(int(dotted.group(1)), int(dotted.group(2)), None)
        found.append((number.start(), number.group().strip(), values))
    found.extend(_spelled_numbers(text, lang))
    return [(token, values) for _, token, values in sorted(found, key=lambda item: item[0])]


def _time_values(time: re.Match) -> set[Value]:
    hour, minute, mark = int(time.group("hour")), int(time.group("minute") or 0), time.group("mark")
    half = (time.group("half") or "").lower() or None
    if mark and mark[0] in "Uh" or (time.group("sep") or "").strip() in ("h", "H"):  # "Uhr", "6 h", "6 h 40"
        half = "24"
    values = _clock(hour, minute, half)
    if minute == 0:  # "6 a.m.", "04:00" are also the 6, the 4 of "at 6", "about 4 o'clock"
        values.add(Decimal(hour))
    return values


def _clock(hour: int, minute: int, half: str | None) -> set[Value]:
    """The times of day a written time can be: "6:40" on a 12-hour clock is 6:40 or
    18:40; "6:40 p.m." only 18:40; with "Uhr" or "h" (half "24") only 6:40."""
    if hour > 24 or minute > 59:
        return set()
    if half == "a":
        hours = {hour % 12}
    elif half == "p":
        hours = {hour % 12 + 12}
    elif half == "24" or hour == 0 or hour > 12:
        hours = {hour % 24}
    else:
        hours = {hour % 12, hour % 12 + 12}
    return {("time", h * 60 + minute) for h in hours}


def _spelled_numbers(text: str, lang: str | None) -> list[tuple[int, str, set[Value]]]:
    """Numbers written in words ("eight", "twenty-five", "two hundred"), in the
    languages whose number words the lexicon lists."""
    lexicon = _lexicon()
    numbers, scales = lexicon.number_words.get(lang or "", {}), lexicon.scale_words.get(lang or "", {})
    if not numbers:
        return []
    words = list(_WORD.finditer(text))

    def value_of(i: int) -> int | None:
        parts = re.split(r"[-‐]", words[i].group().lower()) if i < len(words) else [""]
        return sum(numbers[part] for part in parts) if all(part in numbers for part in parts) else None

    def next_to(i: int) -> bool:  # the word after word i follows it with only a space between
        return i + 1 < len(words) and not text[words[i].end() : words[i + 1].start()].strip()

    found = []
    i = 0
    while i < len(words):
        value, first = value_of(i), words[i]
        if value is None:
            i += 1
            continue
        unit = value_of(i + 1) if next_to(i) else None
        if value >= 20 and value % 10 == 0 and unit is not None and unit < 10:
            value, i = value + unit, i + 1  # "тридцать два", "twenty five": one number
        values: set[Value] = {Decimal(value)}
        following = words[i + 1].group().lower() if next_to(i) else ""
        if following in scales:
            values.add(Decimal(value * scales[following]))  # "two hundred": 2 (hundred) or 200
        found.append((first.start(), text[first.start() : words[i].end()], values))
        i += 1
    return found


def _unpartnered(
    suspect: list[tuple[str, set[Value]]], source: list[tuple[str, set[Value]]]
) -> tuple[list[str], list[str]]:
    suspect_values = set().union(*(values for _, values in suspect))
    source_values = set().union(*(values for _, values in source))
    return (
        _unique(token for token, values in suspect if not values & source_values),
        _unique(token for token, values in source if not values & suspect_values),
    )


def _names(text: str, lang: str | None) -> list[str]:
    """Capitalised words that do not open a sentence, or that open it as the first of
    a sequence of names: names, in most languages. Function and number words are
    never names, nor the words of a headline in title case."""
    names = []
    for line in text.split("\n"):
        words = [word for word in _WORD.finditer(line) if not is_common_word(word.group(), lang)]
        if not _title_case(line, words):
            capitalised = [word.group()[0].isupper() and len(word.group()) >= MIN_NAME_CHARS for word in words]
            for i, word in enumerate(words):
                if not capitalised[i]:
                    continue
                after = words[i + 1] if i + 1 < len(words) else None
                follows = after is not None and capitalised[i + 1] and not line[word.end() : after.start()].strip()
                if not _opens_sentence(line, word.start()) or follows:
                    names.append(word.group())
    return _unique(names)


def _title_case(line: str, words: list[re.Match]) -> bool:
    """Whether a line is a headline in title case ("Tanker Town Runs Aground"): every
    word of four letters or more, past the function words, is capitalised."""
    long_words = [word.group() for word in words if len(word.group()) >= 4]
    return len(long_words) >= MIN_HEADLINE_WORDS and all(word[0].isupper() for word in long_words)


def _opens_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in _OPENERS


def _unnamed(names: list[str], other_text: str) -> list[str]:
    """The names that the other text does not have, in any case or spelling."""
    other_words = _words(other_text)
    other_spellings = {_spelling(word.group()) for word in _WORD.finditer(other_text) if word.group()[0].isupper()}
    return [name for name in names if name.lower() not in other_words and _spelling(name) not in other_spellings]


def _spelling(name: str) -> str:
    """What two spellings of one name share: its listed transliteration, or its first
    letter and its consonants ("Kiev", "Kyiv" -> "k:kv"; "Odessa", "Odesa" -> "o:ds")."""
    lowered = name.lower()
    listed = _lexicon().transliterations.get(lowered)
    if listed:
        return listed
    letters = [ch for ch in unicodedata.normalize("NFKD", lowered) if ch.isalpha()]
    consonants = [ch for ch in letters if ch not in _VOWELS]
    skeleton = "".join(ch for i, ch in enumerate(consonants) if i == 0 or ch != consonants[i - 1])
    return f"{letters[0] if letters else ''}:{skeleton}" if len(skeleton) >= 2 else lowered


def _words(text: str) -> set[str]:
    return {word.group().lower() for word in _WORD.finditer(text)}


def _unique(items) -> list[str]:
    return list(dict.fromkeys(items))


@dataclass(frozen=True)
class _Lexicon:
    function_words: dict[str, frozenset[str]]
    number_words: dict[str, dict[str, int]]
    scale_words: dict[str, dict[str, int]]
    transliterations: dict[str, str]  # each spelling -> the first one listed


@cache
def _lexicon() -> _Lexicon:
    data = json.loads((resources.files("provenance") / "lexicons" / "facts.json").read_text(encoding="utf-8"))
    return _Lexicon(
        function_words={lang: frozenset(words) for lang, words in data["function_words"].items()},
        number_words=data["number_words"],
        scale_words=data["scale_words"],
        transliterations={spelling: group[0] for group in data["transliterations"] for spelling in group},
    )
