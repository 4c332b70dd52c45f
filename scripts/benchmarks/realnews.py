"""The real-news benchmark: what `trace` names for real translations, rewrites, partial
reuses and briefs of real news, and for same-topic articles of independent origin.

    python scripts/realnews.py status                 # which texts are rebuilt (see data/realnews/README.md)
    python scripts/bench.py realnews [--split test|dev|all]

The set is data/realnews/articles.jsonl: story clusters of an original, the articles
derived from it (each labelled with its nearest source) and independent same-topic
articles. The texts are not in the repository; they are read from the scratch folder
scripts/realnews.py rebuilds, and an article whose text is missing is left out (and
named). Every derived and independent article of the split is a suspect, traced as a
user traces (Tracker.trace, keep=False) against a store of the split's other articles
(the other stories are the distractors), under four conditions:

- source stored: the store holds every other article of the split;
- source absent: the suspect's ancestors (its source, that one's source, ... up to the
  original) are taken out of the store first: any source named is then a false one;
- each dated (the stored articles and the suspect carry the date the page shows) and
  undated (no dates at all).

Figures per condition: derived articles whose original or nearest source (any
ancestor) is named; named or given as a lead (TraceResult.lead, where the library has
the tier); a wrong source named (not an ancestor); independent articles given a
source, given only a lead; with the source absent, derived articles given a source.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from .data import BenchDoc, prepare_doc
from .records import console, show
from .workspace import Workspace, embed_docs

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # scripts/: realnews.py, the rebuild step
import realnews as rebuild  # noqa: E402

DERIVED = rebuild.DERIVED
CONDITIONS = [("stored", "dated"), ("stored", "undated"), ("absent", "dated"), ("absent", "undated")]


@dataclass
class Article:
    row: dict
    text: str

    @property
    def url(self) -> str:
        return self.row["url"]

    def doc(self, dated: bool) -> BenchDoc:
        return BenchDoc(key=self.url, lang=self.row["lang"], text=self.text, url=self.url,
                        site=urlparse(self.url).netloc.removeprefix("www."),
                        published=self.row["published"] if dated else None)  # fmt: skip


def ancestors(row: dict, by_url: dict[str, dict]) -> list[str]:
    """The suspect's source chain, nearest first, up to the original."""
    chain, source = [], row["source"]
    while source and source not in chain:
        chain.append(source)
        source = by_url[source]["source"] if source in by_url else None
    return chain


def load(split: str) -> tuple[list[Article], list[dict], list[dict]]:
    """(articles of the split whose text is rebuilt, all rows of the split, rows missing)."""
    rows = [row for row in rebuild.read_articles() if split == "all" or row["split"] == split]
    present, missing = [], []
    for row in rows:
        text, state = rebuild.read_text(row)
        (present.append(Article(row, text)) if text else missing.append({**row, "state": state}))
    return present, rows, missing


def _lead(result):
    return getattr(result, "lead", None)  # the "possible source" tier, where the library has it


def trace_condition(ws: Workspace, articles: list[Article], rows: list[dict], where: str, dating: str) -> list[dict]:
    """Trace every derived and independent article under one condition; one outcome each."""
    by_url = {row["url"]: row for row in rows}
    dated = dating == "dated"
    db = ws.folder / f"realnews-{dating}.duckdb"
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    docs = {a.url: prepare_doc(a.doc(dated)) for a in articles}
    suspects = [a for a in articles if a.row["role"] != "original" and (where == "stored" or a.row["role"] in DERIVED)]
    outcomes = []
    with ws.open_tracker(db) as tracker:
        embed_docs(tracker, [a.doc(dated) for a in articles])
        tracker.add_documents(list(docs.values()))
        key_of = {doc.doc_id: url for url, doc in docs.items()}
        story_of = {row["url"]: row["story"] for row in rows}
        # source absent: suspects that share an ancestor set are traced against one store
        groups: dict[tuple[str, ...], list[Article]] = {}
        for a in suspects:
            gone = tuple(url for url in ancestors(a.row, by_url) if url in docs) if where == "absent" else ()
            groups.setdefault(gone, []).append(a)
        for gone, members in groups.items():
            for url in gone:
                tracker.delete(docs[url].doc_id)
            for a in members:
                began = time.perf_counter()
                result = tracker.trace(docs[a.url], keep=False)
                outcomes.append(
                    outcome(a, result, key_of, story_of, ancestors(a.row, by_url), time.perf_counter() - began)
                )
            if gone:
                tracker.add_documents([docs[url] for url in gone])
    return outcomes


def outcome(
    a: Article, result, key_of: dict[str, str], story_of: dict[str, str], chain: list[str], seconds: float
) -> dict:
    named = result.source
    lead = _lead(result)
    named_key = key_of.get(named.source.doc_id) if named else None
    lead_key = key_of.get(lead.source.doc_id) if lead is not None else None
    return {
        "suspect": a.url, "story": a.row["story"], "role": a.row["role"], "lang": a.row["lang"],
        "ancestors": chain, "named": named_key, "named_relation": named.relation if named else None,
        "named_story": story_of.get(named_key), "lead": lead_key, "right": bool(named_key and named_key in chain),
        "lead_right": bool(lead_key and lead_key in chain), "seconds": round(seconds, 3),
        "top": [{"article": key_of.get(m.source.doc_id), "relation": m.relation, "role": m.role,
                 "confidence": round(m.confidence, 3)} for m in result.matches[:3]],
    }  # fmt: skip


def _share(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def figures(outcomes: list[dict], where: str) -> dict:
    derived = [o for o in outcomes if o["role"] in DERIVED]
    independent = [o for o in outcomes if o["role"] == "independent"]
    if where == "absent":
        return {"derived": len(derived),
                "false_source": _share([o["named"] is not None for o in derived]),
                "false_source.other_story": _share([_other_story(o) for o in derived]),
                "false_lead": _share([o["named"] is None and o["lead"] is not None for o in derived])}  # fmt: skip
    return {
        "derived": len(derived),
        "named": _share([o["right"] for o in derived]),
        "named_nearest": _share([bool(o["named"]) and o["named"] == o["ancestors"][0] for o in derived]),
        "named_or_lead": _share([o["right"] or (o["named"] is None and o["lead_right"]) for o in derived]),
        "wrong_source": _share([o["named"] is not None and not o["right"] for o in derived]),
        "wrong_source.other_story": _share([_other_story(o) for o in derived]),
        "independent": len(independent),
        "independent_source": _share([o["named"] is not None for o in independent]),
        "independent_source.other_story": _share([_other_story(o) for o in independent]),
        "independent_lead": _share([o["named"] is None and o["lead"] is not None for o in independent]),
    }


def _other_story(o: dict) -> bool:
    """A source named from another story: a distractor, not a sibling or same-topic article."""
    return o["named"] is not None and o["named_story"] != o["story"]


def errors(outcomes: list[dict], where: str) -> list[dict]:
    """Every wrong answer, for reading one by one."""
    wrong = []
    for o in outcomes:
        if o["role"] == "independent":
            bad = o["named"] is not None
        elif where == "absent":
            bad = o["named"] is not None
        else:
            bad = not o["right"]
        if bad:
            wrong.append(o)
    return wrong


def run(ws: Workspace, split: str = "test") -> dict | None:
    """Trace the split's suspects under the four conditions; None when no text is rebuilt."""
    splits = ["test", "dev"] if split == "all" else [split]
    rows_all = rebuild.read_articles()
    results: dict[str, dict] = {}
    missing_all = []
    for name in splits:
        articles, rows, missing = load(name)
        missing_all += missing
        if not articles:
            continue
        per = {}
        for where, dating in CONDITIONS:
            with console.status(f"realnews {name}: source {where}, {dating}"):
                outcomes = trace_condition(ws, articles, rows, where, dating)
            per[f"{where}.{dating}"] = {"figures": figures(outcomes, where), "errors": errors(outcomes, where),
                                        "outcomes": outcomes}  # fmt: skip
        results[name] = per
    if missing_all:
        console.print(f"[yellow]{len(missing_all)} of {len(rows_all)} texts not rebuilt[/yellow] "
                      f"(scripts/realnews.py status; data/realnews/README.md says how):")  # fmt: skip
        for row in missing_all:
            console.print(f"  {row['state']:10} {row['story']:22} {row['url']}")
    if not results:
        console.print("realnews: no text of the set is rebuilt; skipped")
        return None
    stored = ["derived", "named", "named_nearest", "named_or_lead", "wrong_source", "wrong_source.other_story",
              "independent", "independent_source", "independent_source.other_story", "independent_lead"]  # fmt: skip
    absent = ["derived", "false_source", "false_source.other_story", "false_lead"]
    for name, per in results.items():
        columns = [f"{where}, {dating}" for where, dating in CONDITIONS if where == "stored"]
        show(f"realnews ({name}): source stored", ["figure", *columns],
             [[f, *(per[f"stored.{d}"]["figures"][f] for d in ("dated", "undated"))] for f in stored])  # fmt: skip
        show(f"realnews ({name}): source absent", ["figure", "absent, dated", "absent, undated"],
             [[f, *(per[f"absent.{d}"]["figures"][f] for d in ("dated", "undated"))] for f in absent])  # fmt: skip
    # the headline is the reporting split (test, or dev when only dev ran); the rest in "splits"
    shown = "test" if "test" in results else next(iter(results))
    prefix = "realnews." if shown == "test" else f"realnews.{shown}."
    headline = {f"{prefix}{condition}.{figure}": value for condition, block in results[shown].items()
                for figure, value in block["figures"].items() if value is not None}  # fmt: skip
    counted = [row for row in rows_all if split == "all" or row["split"] == split]
    return {
        "data_files": ["data/realnews/articles.jsonl", f"texts: {rebuild.scratch()}"],
        "params": {
            "split": split,
            "articles": len(counted),
            "missing_texts": len(missing_all),
            "stories": len({row["story"] for row in counted}),
        },  # fmt: skip
        "figures": headline,
        "splits": {
            name: {c: {"figures": b["figures"], "errors": b["errors"]} for c, b in per.items()}
            for name, per in results.items()
        },  # fmt: skip
        # every trace, compact (the errors above keep their top matches)
        "outcomes": {
            name: {
                c: [{k: o[k] for k in ("suspect", "role", "named", "lead", "right")} for o in b["outcomes"]]
                for c, b in per.items()
            }
            for name, per in results.items()
        },  # fmt: skip
    }
