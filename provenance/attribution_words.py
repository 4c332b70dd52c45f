"""The words with which a text credits where it comes from, one entry per language.

Two stages read them: cue finding (cues.py), to name the outlet that follows them, and
segmentation (segment.py), to mark a credit line ("Source: Reuters") or a byline that
credits an outlet ("Minh Đức (Theo Politico)") as boilerplate. One list serves both, so
a word added for one language is read by both. Each entry is a regular expression in
lower case (matched against lower-cased text, or ignoring case).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Words:
    according: str = ""  # before the outlet's name: "according to X", "theo X", "据X"
    credit: str = ""  # a credit line's label, followed by ":" and a URL or a name: "Source: X"
    compiled: str = ""  # a byline's credit for material taken: "(tổng hợp)", "(mit Material von dpa)"
    spaced: bool = True  # words are separated by spaces (not Chinese or Japanese)


WORDS: dict[str, Words] = {
    "en": Words(
        according=r"according to (?:an? |the )?(?:report|article|story|broadcast) (?:by|in|from|on)"
                  r"|according to|citing|quoting|as cited by",
        credit=r"sources?|via|original (?:article|story|source)|read more|reference",
    ),
    "vi": Words(
        according=r"theo|dẫn (?:nguồn (?:tin )?)?(?:từ |của )?|trích dẫn|trích nguồn",
        credit=r"nguồn(?: tin| bài)?",
        compiled=r"tổng hợp",
    ),
    "fr": Words(according=r"selon|d['’]après|citant|cité par", credit=r"sources?"),
    "de": Words(
        according=r"laut (?:einem |dem )?bericht (?:der|des|von|im)|laut"
                  r"|nach (?:angaben|informationen|berichten) (?:von|der|des|dem)|unter berufung auf",
        credit=r"quellen?",
        compiled=r"mit material von",
    ),
    "es": Words(according=r"según|de acuerdo con|citando|citado por", credit=r"fuentes?", compiled=r"con información de"),
    "pt": Words(credit=r"fonte"),
    "ru": Words(
        according=r"по (?:данным|сообщению|информации)|согласно (?:данным|информации|сообщению)"
                  r"|со ссылкой на|ссылаясь на",
        credit=r"источники?",
        compiled=r"по материалам",
    ),
    "uk": Words(
        according=r"за (?:даними|інформацією|повідомленням)|згідно з (?:даними|інформацією)"
                  r"|з посиланням на|посилаючись на",
        credit=r"джерел[оа]",
        compiled=r"за матеріалами",
    ),
    "cs": Words(according=r"podle", credit=r"zdroj"),
    "zh": Words(according=r"据|根据|援引|引述", credit=r"(?:消息)?来源|原文链接|出处", spaced=False),
    # Japanese names the outlet before its words (…によると): cues.py's rules hold those
    "ja": Words(credit=r"出典|出所|ソース|引用元", spaced=False),
    "ar": Words(
        according=r"بحسب|حسب|نقل(?:ا|اً|ًا)?\s+عن|استناد(?:ا|اً|ًا)?\s+(?:إلى|الى)",
        credit=r"المصدر|المصادر|مصدر",
    ),
    "id": Words(according=r"menurut|mengutip|berdasarkan laporan", credit=r"sumber"),
}  # fmt: skip
