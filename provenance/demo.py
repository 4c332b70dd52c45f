"""`provenance demo`: a worked example that needs no network and no arguments.

It fills the store from provenance/demo_data/store.jsonl (an English news story, two of its
translations and distractor stories, all from NTREX-128) and traces the suspects
that scripts/make_demo.py derived from that story: a Vietnamese translation, a
Vietnamese rewrite, an English splice and an unrelated story. Then it shows the
story's lineage: the original, its translations, and the rewrite under the
Vietnamese translation it was made from. provenance/demo_data/manifest.json says what each
suspect is and what the lineage should be, so every verdict can be shown beside
its expectation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError
from .models import RELATIONS, DemoCase, DemoLineage

if TYPE_CHECKING:
    from .tracker import Tracker

# The data ships inside the package (package-data in pyproject.toml), so a wheel or
# pipx install runs the demo as a checkout does; --data points it at another folder.
DEMO_DIR = Path(__file__).resolve().parent / "demo_data"


@dataclass
class DemoSuspect:
    """One manifest entry: a suspect file and what tracing it should find."""

    name: str
    path: Path
    overrides: dict[str, str]  # passed to Tracker.trace, as the CLI's --date/--url/... would
    expected: str  # the relation to the original
    expected_source: str | None  # the original's URL; None when no source should be found


def read_manifest(data_dir: Path = DEMO_DIR) -> list[DemoSuspect]:
    """The suspects in the order the demo traces them."""
    manifest_path = Path(data_dir) / "manifest.json"
    if not manifest_path.is_file():
        raise InputError(f"no demo data in {data_dir}: pass --data DIR (a folder with manifest.json and store.jsonl)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        suspects = [
            DemoSuspect(
                name=entry["name"],
                path=manifest_path.parent / entry["file"],
                overrides=dict(entry.get("overrides") or {}),
                expected=entry["expected_relation"],
                expected_source=entry.get("expected_source"),
            )
            for entry in manifest["suspects"]
        ]
    except (ValueError, KeyError, TypeError) as error:
        raise InputError(f"{manifest_path}: not a demo manifest ({error!r})") from None
    for suspect in suspects:
        if suspect.expected not in RELATIONS:
            raise InputError(f"{manifest_path}: {suspect.name} expects unknown relation {suspect.expected!r}")
        if not suspect.path.is_file():
            raise InputError(f"{manifest_path}: {suspect.name}'s file {suspect.path} is missing")
    return suspects


def demo_lineage(tracker: Tracker, data_dir: Path = DEMO_DIR) -> DemoLineage:
    """The story of the demo's original, once `run_demo` has traced the suspects."""
    manifest_path = Path(data_dir) / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        expected = manifest["lineage"]
        original_url = manifest["original"]["url"]
        edges = [(parent, child) for parent, child in expected["edges"]]
        roots = list(expected["roots"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InputError(f"{manifest_path}: no lineage expectation in the demo manifest ({error!r})") from None
    original = next((doc for doc in tracker.documents() if doc.url == original_url), None)
    if original is None:
        raise InputError(f"the demo's original ({original_url}) is not in the store: run the demo first")
    return DemoLineage(tracker.lineage(original), original.doc_id, edges, roots)


def run_demo(tracker: Tracker, data_dir: Path = DEMO_DIR) -> list[DemoCase]:
    """Add the demo store to the tracker's store, trace every suspect, return the cases in order."""
    data_dir = Path(data_dir)
    suspects = read_manifest(data_dir)
    tracker.add(str(data_dir / "store.jsonl"))
    return [
        DemoCase(
            name=suspect.name,
            expected=suspect.expected,
            expected_source=suspect.expected_source,
            result=tracker.trace(str(suspect.path), **suspect.overrides),
        )
        for suspect in suspects
    ]
