"""Benchmarks on public data, and the CI quality gate.

    python scripts/bench.py align|retrieval|judge|direction|speed|attribution|lineage|sweep|ingest|translated [--quick]
    python scripts/bench.py all            # every benchmark in full; refreshes BENCHMARKS.md
    python scripts/bench.py all --quick    # the CI gate: a small fixed subset, < 3 minutes
    python scripts/bench.py align --tune   # the alignment dev grid behind settings.py
    python scripts/bench.py warm           # embed every passage the full runs read, ahead of them
    python scripts/bench.py indexes        # faiss, usearch, hnswlib on a speed store (--store 1M --only faiss)
    python scripts/bench.py realnews       # real news rebuilt outside the repo (--split test|dev|all); not in `all`

Each benchmark prints a table and writes bench/results/<name>.json (quick runs:
<name>.quick.json) with the machine, git commit, model, data files, parameters,
figures and seconds. A full run rewrites its section of BENCHMARKS.md between
marker comments; a quick run never touches BENCHMARKS.md.

The gate: a quick run exits non-zero when a figure falls past its bound
(benchmarks/gates.py).

Full runs keep their embeddings in bench/cache (vectors.py: the benchmarks' vector
cache, copied into the store's own) so they can be re-run; quick runs start from an
empty store in a temporary folder, as CI does. The benchmarks themselves are the
package scripts/benchmarks/; this file is their command line.
"""

from __future__ import annotations

import time

import click
from benchmarks import align, indexes, realnews, vectors
from benchmarks.records import update_benchmarks_md, write_result
from benchmarks.runner import BENCHMARKS, finish, run_benchmarks
from benchmarks.workspace import Workspace


@click.group()
def cli() -> None:
    """Benchmarks on public data (shared/bench) and the CI quality gate."""


def _command(name: str) -> None:
    @cli.command(name=name, help=f"Run the {name} benchmark.")
    @click.option("--quick", is_flag=True, help="The small fixed subset the CI gate runs.")
    @click.option("--model", default=None, help="Embedding model spec (default: the library's).")
    def command(quick: bool, model: str | None) -> None:
        finish(run_benchmarks([name], quick, model), quick)


for _name in ("retrieval", "judge", "direction", "attribution", "lineage", "sweep", "ingest", "translated"):
    _command(_name)


@cli.command(name="align")
@click.option("--quick", is_flag=True, help="The small fixed subset the CI gate runs.")
@click.option("--model", default=None, help="Embedding model spec (default: the library's).")
@click.option("--tune", is_flag=True, help="Print the dev grid, best first, instead of running the benchmark.")
def run_align(quick: bool, model: str | None, tune: bool) -> None:
    """Run the alignment benchmark."""
    if not tune:
        finish(run_benchmarks(["align"], quick, model), quick)
        return
    ws = Workspace(quick=False, model=model)
    try:
        for row in align.tune(ws)[:20]:
            print(row)
    finally:
        ws.close()


@cli.command(name="speed")
@click.option("--quick", is_flag=True, help="The small fixed subset the CI gate runs.")
@click.option("--model", default=None, help="Embedding model spec (default: the library's).")
@click.option("--stores", default=None, help="Store sizes to trace against, e.g. 1000,10000 (default: 1k, 10k, 100k).")
def run_speed(quick: bool, model: str | None, stores: str | None) -> None:
    """Run the speed and scale benchmark."""
    sizes = [int(size) for size in stores.split(",")] if stores else None
    finish(run_benchmarks(["speed"], quick, model, store_sizes=sizes), quick)


@cli.command(name="all")
@click.option("--quick", is_flag=True, help="The CI gate: every benchmark on a small subset, < 3 minutes.")
@click.option("--model", default=None, help="Embedding model spec (default: the library's).")
def run_all(quick: bool, model: str | None) -> None:
    """Run every benchmark; full runs refresh BENCHMARKS.md, quick runs check the gates."""
    began = time.perf_counter()
    records = run_benchmarks(list(BENCHMARKS), quick, model)
    finish(records, quick, {"all.seconds": time.perf_counter() - began})


@cli.command(name="indexes")
@click.option("--store", default="100k", show_default=True, help="Which speed store's vectors: 100k or 1M.")
@click.option(
    "--only", default=None, help="Only the indexes whose names start so, comma-separated: faiss ivf,faiss hnsw-sq8."
)
def run_indexes(store: str, only: str | None) -> None:
    """Compare nearest-neighbour indexes on a speed store's vectors (after `speed`)."""
    began = time.perf_counter()
    name = f"indexes-{store}"  # one record (and one BENCHMARKS.md table) a store
    record = write_result(
        name, False, indexes.run(store, only), time.perf_counter() - began, "(vectors of the speed store)"
    )
    update_benchmarks_md({name: record})


@cli.command(name="realnews")
@click.option(
    "--split",
    type=click.Choice(["test", "dev", "all"]),
    default="test",
    show_default=True,
    help="Which stories to trace; `all` runs test and dev (the run that refreshes BENCHMARKS.md).",
)
@click.option("--model", default=None, help="Embedding model spec (default: the library's).")
def run_realnews(split: str, model: str | None) -> None:
    """Trace the real-news set's derived and independent articles (texts rebuilt by
    scripts/realnews.py; never part of `all`, since CI has no texts). Skips, naming the
    missing texts, when none is rebuilt."""
    began = time.perf_counter()
    ws = Workspace(quick=False, model=model)
    try:
        result = realnews.run(ws, split)
        if result is None:
            return
        record = write_result("realnews" if split == "all" else f"realnews-{split}", False, result,
                              time.perf_counter() - began, ws.model_name)  # fmt: skip
    finally:
        ws.close()
    if split == "all":
        record["command"] = "python scripts/bench.py realnews --split all"
        update_benchmarks_md({"realnews": record})


@cli.command(name="warm")
def run_warm() -> None:
    """Embed every passage the full benchmarks read into the vector cache, ahead of a full run."""
    vectors.warm()


if __name__ == "__main__":
    cli()
