"""Where the benchmarks read and write: the one place that reads PROVENANCE_BENCH.

The public evaluation data (NTREX-128, WMT22, IWSLT15, Text+Berg, CL-OSA, Tatoeba;
sources and licences in its README) is not in the repository: it sits in
../shared/bench beside the checkout (as CI and the working tree have it), or in the
folder PROVENANCE_BENCH names. Tests, benchmarks and scripts/make_demo.py read it
from BENCH_DATA.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BENCH_DATA = Path(os.environ.get("PROVENANCE_BENCH", REPO_ROOT.parent / "shared" / "bench"))
RESULTS = REPO_ROOT / "bench" / "results"
CACHE = REPO_ROOT / "bench" / "cache"  # full runs' vectors and stores, kept between runs
BENCHMARKS_MD = REPO_ROOT / "BENCHMARKS.md"
