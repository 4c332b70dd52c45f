"""Numbers and names that differ inside an aligned pair of passages.

A rewrite or a careless translation keeps a sentence and changes a fact in it: a
date ("15 mars" against "14 March"), a figure, a name. Aligned passages are where to
look, and this module compares each pair's numbers and names so that the report can
flag them. Numbers are compared by value, whatever the notation: "4,7" is 4.7 and
"250 000", "250,000" and "250.000" are all 250000 (a lone separator before three
digits may be either, so both readings count). A number is flagged only as a
substitution, when each side has one the other lacks: a date written "2024-09-11" on
one side and "11 September 2024" on the other leaves only the month's "09" without
a partner, which is a different notation, not a different fact.

Names are compared only between passages in the same language, where a name that
changes is a changed fact; across languages "Germany" and "Allemagne" are the same
country. A name is a capitalised word not at the start of the sentence; languages
that capitalise every noun (German) have no such names, so they are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

# a number with group separators ("250 000", "1,250,000", "1.250.000,5") or without ("4,7", "2024")
_NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:(?:[ \u00a0\u202f]|[.,'’])\d{3})+(?:[.,]\d+)?(?![\w])|\d+(?:[.,]\d+)?")
_GROUP_SPACES = re.compile(r"[ \u00a0\u202f'’]")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
# a word after one of these may open a sentence (or a quotation) inside one passage
_OPENERS = frozenset(".!?:;\"“”«»„([—–-")
NOUN_CAPITALISING_LANGUAGES = frozenset({"de", "lb"})
MIN_NAME_CHARS = 3


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


def differences(suspect_text: str, source_text: str, same_language: bool, lang: str | None = None) -> Differences:
    """The numbers (and, within one language, the names) that the two passages disagree on."""
    suspect_numbers, source_numbers = _unpartnered(_numbers(suspect_text), _numbers(source_text))
    found = Differences()
    if suspect_numbers and source_numbers:
        found.suspect_numbers, found.source_numbers = suspect_numbers, source_numbers
    if same_language and lang not in NOUN_CAPITALISING_LANGUAGES:
        suspect_names = [name for name in _names(suspect_text) if name.lower() not in _words(source_text)]
        source_names = [name for name in _names(source_text) if name.lower() not in _words(suspect_text)]
        if suspect_names and source_names:
            found.suspect_names, found.source_names = suspect_names, source_names
    return found


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


def _numbers(text: str) -> list[tuple[str, set[Decimal]]]:
    return [(found.group().strip(), number_values(found.group())) for found in _NUMBER.finditer(text)]


def _unpartnered(
    suspect: list[tuple[str, set[Decimal]]], source: list[tuple[str, set[Decimal]]]
) -> tuple[list[str], list[str]]:
    suspect_values = set().union(*(values for _, values in suspect))
    source_values = set().union(*(values for _, values in source))
    return (
        _unique(token for token, values in suspect if not values & source_values),
        _unique(token for token, values in source if not values & suspect_values),
    )


def _names(text: str) -> list[str]:
    """Capitalised words that do not open a sentence: names, in most languages."""
    return _unique(
        word.group()
        for word in _WORD.finditer(text)
        if word.group()[0].isupper()
        and len(word.group()) >= MIN_NAME_CHARS
        and not _opens_sentence(text, word.start())
    )


def _opens_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in _OPENERS


def _words(text: str) -> set[str]:
    return {word.group().lower() for word in _WORD.finditer(text)}


def _unique(items) -> list[str]:
    return list(dict.fromkeys(items))
