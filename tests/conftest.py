"""Shared fixtures: the real default model (loaded once) and a fresh DuckDB file per test."""

import os
from pathlib import Path

import pytest
from benchmarks.locations import BENCH_DATA as BENCH_DIR  # the public evaluation data (PROVENANCE_BENCH)

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def bench_path(*parts: str) -> Path:
    """A file of the public evaluation data. A clone without it still runs the rest of
    the suite: the test that needs it is skipped, saying where it looked."""
    path = BENCH_DIR.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"the public bench data is not at {BENCH_DIR} (set PROVENANCE_BENCH to its folder)")
    return path


@pytest.fixture(scope="session")
def embedder():
    from provenance.embed import load_embedder

    return load_embedder()


@pytest.fixture(autouse=True)
def db_path(tmp_path, monkeypatch):
    """Every test gets its own store; nothing touches ./provenance.duckdb."""
    path = tmp_path / "provenance.duckdb"
    monkeypatch.setenv("PROVENANCE_DB", str(path))
    return path


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory):
    """The demo run once per session: its store (the demo documents embedded, the four
    traces saved) and its cases. Tests that need the demo copy the store rather than
    embed its 39 documents again."""
    from provenance.demo import run_demo
    from provenance.tracker import Tracker

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with Tracker(db=path) as tracker:
        cases = run_demo(tracker)
    return path, cases
