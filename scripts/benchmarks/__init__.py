"""The benchmarks on public data and the CI quality gate, run by `python scripts/bench.py`.

One module per benchmark (align, retrieval, judge, direction, speed, attribution), each
with a `run(workspace) -> dict`; the plumbing they share is in modules of its own:
where things are (locations), the labelled sets (data, attribution_data), the vector
cache (vectors), the store a run works in (workspace), result records and BENCHMARKS.md
(records), the gate's bounds (gates), and running them (runner). Nothing here imports
upward: a benchmark module imports plumbing, never another benchmark or the runner.
"""
