"""Run benchmarks in one workspace, write their records, and check the gate or refresh
BENCHMARKS.md."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from . import align, attribution, direction, ingest, judge, lineage, retrieval, speed, sweep, translated
from .gates import GATES, bound, check_gates
from .records import console, md_value, show, update_benchmarks_md, write_result
from .workspace import Workspace

BENCHMARKS: dict[str, Callable[[Workspace], dict]] = {
    "align": align.run,
    "retrieval": retrieval.run,
    "judge": judge.run,
    "direction": direction.run,
    "speed": speed.run,
    "attribution": attribution.run,
    "lineage": lineage.run,
    "sweep": sweep.run,
    "ingest": ingest.run,
    "translated": translated.run,
}


def run_benchmarks(
    names: list[str], quick: bool, model: str | None, store_sizes: list[int] | None = None
) -> dict[str, dict]:
    ws = Workspace(quick, model, store_sizes)
    records = {}
    try:
        for name in names:
            began = time.perf_counter()
            result = BENCHMARKS[name](ws)
            records[name] = write_result(name, quick, result, time.perf_counter() - began, ws.model_name)
    finally:
        ws.close()
    return records


def finish(records: dict[str, dict], quick: bool, extra: dict | None = None) -> None:
    """A full run refreshes BENCHMARKS.md; a quick run checks the gate and exits 1 on a miss."""
    figures = {name: value for record in records.values() for name, value in record["figures"].items()}
    figures.update(extra or {})
    if not quick:
        update_benchmarks_md(records)
        return
    misses = check_gates(figures)
    shown = [name for name in GATES if name in figures]
    checked = [name for name in shown if GATES[name].gated]
    show("quality gate", ["figure", "quick value", "bound", "full run"],
         [[name, figures[name], bound(GATES[name]), md_value(GATES[name].full)] for name in shown])  # fmt: skip
    if misses:
        console.print("[red]gate failed:[/red] " + "; ".join(misses))
        sys.exit(1)
    console.print(
        f"gate passed: {len(checked)} quality figures within bounds ({len(shown) - len(checked)} times shown, not gated)"
    )
