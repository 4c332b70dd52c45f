"""The sweep benchmark's corpus: 2,000 short articles with known relations.

Families made from NTREX-128 (an English news original cut into consecutive
five-sentence articles, each with its human translations): the original, two
translations (languages rotating over the twelve), and either a lightly edited copy
or a rewrite of the original (bench_data.lightly_edited / rewrite_paragraphs), each
derived article published one to three days after the original. Distractors are
CL-OSA BBC articles cut to their first four passages, dated over the same year. The
articles are short so that embedding them once stays within minutes on two cores;
the NTREX chunks of one source article are same-topic negatives for each other.

Every pair inside a family is a known related pair; every other pair is unrelated.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import combinations

from provenance.models import COPY, PARTIAL, REWRITE, TRANSLATION
from provenance.segment import split_passages

from .data import (
    BenchDoc,
    closa_distractors,
    doc_from_sentences,
    lightly_edited,
    make_doc,
    ntrex_items,
    paragraphs_of,
    rewrite_paragraphs,
)

CHUNK_SENTENCES = 5
DISTRACTOR_PASSAGES = 4
YEAR_START = date(2025, 1, 1)


@dataclass(frozen=True)
class SweepCorpus:
    docs: tuple[BenchDoc, ...]
    family: dict[str, str]  # doc key -> family key (distractors have none)
    expected: dict[frozenset, frozenset]  # related pair of doc keys -> the relations that are right for it

    def related_pairs(self) -> set[frozenset]:
        return set(self.expected)


def build(families: int = 200, distractors: int = 1200, seed: int = 0) -> SweepCorpus:
    rng = random.Random(f"sweep:{seed}")
    chunks = [
        (item, start)
        for item in ntrex_items()
        for start in range(0, len(item.original) - CHUNK_SENTENCES + 1, CHUNK_SENTENCES)
    ]
    rng.shuffle(chunks)
    langs = sorted(ntrex_items()[0].translations)
    docs: list[BenchDoc] = []
    family: dict[str, str] = {}
    expected: dict[frozenset, frozenset] = {}
    for n, (item, start) in enumerate(chunks[:families]):
        key = f"{item.key}/{start}"
        day = YEAR_START + timedelta(days=rng.randrange(365))

        def dated(doc: BenchDoc, days: int = 0) -> BenchDoc:
            return replace(doc, published=(day + timedelta(days=days)).isoformat())

        def version(lang: str) -> BenchDoc:
            sentences = item.versions()[lang][start : start + CHUNK_SENTENCES]
            return doc_from_sentences(f"{key}/{lang}", lang, sentences, seed)

        original = dated(version("en"))
        first, second = langs[(2 * n) % len(langs)], langs[(2 * n + 1) % len(langs)]
        translations = [dated(version(first), rng.randint(1, 3)), dated(version(second), rng.randint(1, 3))]
        edit_rng = random.Random(f"sweep:{seed}:{key}")
        if n % 2 == 0:
            sentences, _ = lightly_edited(list(original.sentences), "en", edit_rng)
            derived = make_doc(f"{key}/copy", "en", paragraphs_of(sentences, edit_rng))
            derived_relation = COPY
        else:
            paragraphs, _ = rewrite_paragraphs(original.sentences, "en", edit_rng)
            derived = make_doc(f"{key}/rewrite", "en", paragraphs)
            derived_relation = REWRITE
        derived = dated(derived, rng.randint(1, 3))
        members = [original, *translations, derived]
        docs.extend(members)
        for doc in members:
            family[doc.key] = key
        for a, b in combinations(members, 2):
            pair = frozenset((a.key, b.key))
            if derived in (a, b) and original not in (a, b):
                # a copy or rewrite of the original against a translation of it
                expected[pair] = frozenset(
                    {TRANSLATION} if derived_relation == COPY else {REWRITE, PARTIAL, TRANSLATION}
                )
            elif derived in (a, b):
                expected[pair] = frozenset({derived_relation})
            else:
                expected[pair] = frozenset({TRANSLATION})
    for record in closa_distractors()[:distractors]:
        passages = split_passages(record["text"], "en")[:DISTRACTOR_PASSAGES]
        text = "\n\n".join(p.text for p in passages)
        published = (YEAR_START + timedelta(days=rng.randrange(365))).isoformat()
        docs.append(BenchDoc(key=f"closa/{record['doc_id']}", lang="en", text=text, published=published))
    return SweepCorpus(tuple(docs), family, expected)
