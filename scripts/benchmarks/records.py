"""Result records: what a benchmark run writes (bench/results/<name>.json, quick runs
<name>.quick.json, with the machine, git commit, model, data files, parameters,
figures and seconds), the tables it prints, and its section of BENCHMARKS.md, which
a full run rewrites between marker comments (a quick run never touches it).
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import subprocess

from rich.console import Console
from rich.table import Table

from provenance.models import RELATIONS

from .gates import TARGETS
from .locations import BENCHMARKS_MD, REPO_ROOT, RESULTS

console = Console()


def git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def machine() -> dict:
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
    }


def write_result(name: str, quick: bool, result: dict, seconds: float, model: str) -> dict:
    record = {
        "benchmark": name,
        "quick": quick,
        "machine": machine(),
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--", "provenance", "scripts")),
        "model": model,
        "data_files": result.pop("data_files"),
        "params": result.pop("params"),
        "figures": result.pop("figures"),
        "seconds": round(seconds, 1),
        **result,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}{'.quick' if quick else ''}.json"
    partial = path.with_suffix(".json.tmp")
    partial.write_text(json.dumps(record, indent=1, ensure_ascii=False, default=float) + "\n", encoding="utf-8")
    partial.replace(path)
    return record


def show(title: str, columns: list[str], rows: list[list]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="left" if column == columns[0] else "right")
    for row in rows:
        table.add_row(*[_cell(value) for value in row])
    console.print(table)


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def update_benchmarks_md(records: dict[str, dict]) -> None:
    """Rewrite each benchmark's section of BENCHMARKS.md between its marker comments."""
    text = BENCHMARKS_MD.read_text(encoding="utf-8")
    for name, record in records.items():
        start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
        if start not in text or end not in text:
            continue
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = head + start + "\n" + markdown_section(name, record) + end + tail
    BENCHMARKS_MD.write_text(text, encoding="utf-8")


def markdown_section(name: str, record: dict) -> str:
    stamp = (f"_{record['machine']['platform']}, {record['machine']['cpu_count']} CPUs; commit "
             f"{record['git_commit'][:10]}{' (uncommitted changes)' if record['git_dirty'] else ''}; model "
             f"{record['model']}; {record['seconds']:.0f} s; `{record.get('command') or f'python scripts/bench.py {name}'}`_\n\n")  # fmt: skip
    lines = ["| figure | value | target | result |", "|---|---|---|---|"]
    for figure, value in record["figures"].items():
        target = TARGETS.get(figure, "")
        lines.append(f"| {figure} | {md_value(value)} | {target} | {_verdict(figure, value, target)} |")
    return (
        stamp + "\n".join(lines) + "\n" + "".join("\n" + "\n".join(table) + "\n" for table in _md_detail(name, record))
    )


def _md_table(header: list[str], rows: list[list]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + [
        "| " + " | ".join(md_value(value) for value in row) + " |" for row in rows
    ]


def _md_detail(name: str, record: dict) -> list[list[str]]:
    """The tables behind the headline figures, as each benchmark's record holds them."""
    if name == "judge":
        human = record["human"]
        confusion = _md_table(
            ["gold \\ predicted", *RELATIONS, "P", "R", "F1"],
            [[gold, *[human["confusion"][gold].get(p, 0) for p in RELATIONS],
              *[human["per_class"][gold][k] for k in ("precision", "recall", "f1")]] for gold in RELATIONS],
        )  # fmt: skip
        kinds = _md_table(
            ["construction", "pairs", "recall", "predicted"],
            [[kind, k["pairs"], k["recall"], ", ".join(f"{p} {n}" for p, n in sorted(k["predicted"].items()))]
             for kind, k in record["by_kind"].items()],
        )  # fmt: skip
        return [confusion, kinds]
    if name == "retrieval":
        return [_md_table(
            ["queries", "n", "R@1", "R@5", "MRR@5", "trace's first R@1", "doc-cosine R@1", "s/query"],
            [[group, g["queries"], g["recall_at_1"], g["recall_at_5"], g["mrr"],
              record["trace_first"][group]["recall_at_1"], record["baseline_doc_cosine"][group]["recall_at_1"],
              g["seconds_per_query"]]
             for group, g in record["groups"].items()],
        )]  # fmt: skip
    if name == "direction":
        return [_md_table(
            ["condition", "subset", "pairs", "accuracy", "answered", "accuracy when answered"],
            [[condition, subset, v["pairs"], v["accuracy"], v["answered"], v["accuracy_answered"]]
             for condition, subsets in record["conditions"].items() for subset, v in subsets.items()],
        )]  # fmt: skip
    if name == "lineage":
        return [_md_table(["kind", "condition", "stories", "edge F1", "roots right"], record["by_kind"])]
    if name == "attribution":
        return [_md_table(
            ["confidence decile", "traces", "mean confidence", "share right"],
            [[row["bin"], row["traces"], row["mean_confidence"], row["share_right"]] for row in record["calibration"]],
        )]  # fmt: skip
    if name == "sweep":
        timed = record["timed"]
        runs = [["one machine (sweep_store)", timed["single"]["seconds"], _steps(timed["single"]["steps"]), ""]]
        runs += [[f"Spark local[{cores}] on the documents Parquet", run["seconds"], _steps(run["steps"]), run["startup"]]
                 for cores, run in timed["spark"].items()]  # fmt: skip
        if timed["embedded"]:
            run = timed["embedded"]
            runs.append([f"Spark local[2] from JSONL, embedding {run['passages']} passages of {run['documents']} articles",
                         run["seconds"], _steps(run["steps"]), run["startup"]])  # fmt: skip
        tables = [_md_table(["run", "seconds", "steps (s)", "session start-up (s)"], runs)]
        if record.get("estimate"):
            tables.append(
                _md_table(["10M articles: measured cost", "value"], [[k, v] for k, v in record["estimate"].items()])
            )
        return tables
    if name == "ingest":
        d = record["detail"]
        return [_md_table(
            ["path", "pages", "passages", "seconds", "passages/s"],
            [["provenance add (end to end)", d["first"]["added"], d["first"]["passages"], d["seconds"],
              d["first"]["passages"] / d["seconds"]],
             ["bare model, same passages (sample), before", "", d["bare_passages"], d["bare_seconds_before"],
              d["bare_passages"] / d["bare_seconds_before"]],
             ["bare model, same passages (sample), after", "", d["bare_passages"], d["bare_seconds_after"],
              d["bare_passages"] / d["bare_seconds_after"]],
             ["re-run (all skipped unread)", d["rerun"]["skipped_unread"], 0, d["rerun_seconds"], ""]],
        )]  # fmt: skip
    if name == "realnews":
        return _realnews_tables(record)
    if name == "translated":
        languages = _md_table(
            ["language", "test texts", "translated", "majority accuracy", "detector accuracy", "balanced accuracy", "AUC",
             "note threshold", "note precision", "note recall", "originals noted"],
            [[lang, v["texts"], v["translated_share"], v["majority"], v["accuracy"], v["balanced_accuracy"], v["auc"],
              record["params"]["thresholds"].get(lang), v["note_precision"], v["note_recall"], v["originals_noted"]]
             for lang, v in record["languages"].items()],
        )  # fmt: skip
        kinds = _md_table(["kind", "test texts", "accuracy", "share noted"],
                          [[kind, k["texts"], k["accuracy"], k["noted"]] for kind, k in record["by_kind"].items()])  # fmt: skip
        return [languages, kinds]
    if name.startswith("indexes"):
        return [
            _md_table(
                ["index", "build s", "memory MB", "ms a query", "exact top 5 in the first 50"], record["detail"]["rows"]
            )
        ]
    if name == "speed":
        stores = {label: d for label, d in record["detail"].items() if label != "align_seconds"}
        return [_md_table(
            ["store", "documents", "passages", "p50 s", "p95 s", "peak RSS GB", "file GB", "build s"],
            [[label, d["documents"], d["passages"], d["p50"], d["p95"], d["peak_rss_gb"], d["file_bytes"] / 1e9,
              d["build_seconds"]] for label, d in stores.items()],
        ), _md_table(
            ["store", "index GB", "index build s", "inverted files", "recall@5 in shortlist", "tie-aware", "docs count s",
             "docs newest 20 s", "docs of a site s", "add 1,000 s", "first trace after s", "reloaded"],
            [[label, d["index_bytes"] / 1e9, d["index_seconds"], d["recall"]["approximate_shards"], d["recall"]["recall"],
              d["recall"]["tie_aware_recall"], d["docs_count_s"], d["docs_list_s"], d["docs_by_site_s"],
              d["grown"]["add_s"], d["grown"]["first_trace_s"], d["grown"]["reloaded"]] for label, d in stores.items()],
        )]  # fmt: skip
    return []


def _realnews_tables(record: dict) -> list[list[str]]:
    """Per split, the figures of every condition side by side; then every dev error."""
    tables = []
    for split, conditions in record["splits"].items():
        names = list(dict.fromkeys(f for block in conditions.values() for f in block["figures"]))
        tables.append(_md_table(
            [f"{split} split", *conditions],
            [[f, *(block["figures"].get(f, "") for block in conditions.values())] for f in names],
        ))  # fmt: skip
    dev = record["splits"].get("dev", {})
    rows = [[condition, e["suspect"], e["role"], e["lang"], e["named"] or "none", e["named_relation"] or "",
             e["lead"] or "", ", ".join(f"{t['relation']} {t['confidence']:.2f}" for t in e["top"])]
            for condition, block in dev.items() for e in block["errors"]]  # fmt: skip
    if rows:
        tables.append(_md_table(["dev error: condition", "suspect", "role", "lang", "named", "relation", "lead",
                                 "top matches"], rows))  # fmt: skip
    return tables


def _steps(steps: dict) -> str:
    return ", ".join(f"{step} {value:.1f}" for step, value in steps.items())


def md_value(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _verdict(figure: str, value, target: str) -> str:
    bound = re.match(r"(>=|<=) ([\d.]+)", target)
    if not bound or value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    limit = float(bound.group(2))
    met = value >= limit if bound.group(1) == ">=" else value <= limit
    return "met" if met else "**miss**"
