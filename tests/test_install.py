"""A non-editable install works: the wheel carries every file the package reads.

An editable install reads the checkout, so a data file missing from package-data
(source_model.json once, the demo corpus beside the source tree) only shows up for
someone who installs the wheel. This builds the wheel from a copy of the package,
installs it into a fresh folder with the venv's own dependencies (offline: no
build isolation, no dependency resolution) and runs `provenance demo` from another
folder, where no checkout is in reach.
"""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_built_wheel_installs_and_runs_the_demo(tmp_path, demo_store):
    source = tmp_path / "source"  # a copy, so the build leaves no build/ or egg-info in the checkout
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "provenance", source / "provenance", ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(wheels),
            str(source),
        ],
        check=True,
        cwd=tmp_path,
    )
    (wheel,) = wheels.glob("provenance-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    # every data file the package reads, by the path the code reads it from
    for name in (
        "provenance/source_model.json",
        "provenance/judge_model.json",
        "provenance/lexicons/outlets.json",
        "provenance/lexicons/names.json",
        "provenance/demo_data/manifest.json",
        "provenance/demo_data/store.jsonl",
    ):
        assert name in shipped, f"the wheel lacks {name}"
    demo_files = {p.relative_to(REPO).as_posix() for p in (REPO / "provenance" / "demo_data").rglob("*") if p.is_file()}
    assert demo_files <= shipped

    target = tmp_path / "installed"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        cwd=tmp_path,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # the demo's default store, its documents embedded once for the session already: the
    # installed demo still reads its manifest, store.jsonl and suspects from the wheel
    shutil.copyfile(demo_store[0], elsewhere / "provenance-demo.duckdb")
    # the installed copy comes first on the path, ahead of the venv's editable install of the checkout
    env = {**os.environ, "PYTHONPATH": str(target), "HF_HUB_OFFLINE": "1", "NO_COLOR": "1"}
    env.pop("PROVENANCE_DB", None)  # the demo's default store, in the folder it runs from
    where = subprocess.run(
        [sys.executable, "-c", "import provenance; print(provenance.__file__)"],
        check=True,
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    assert Path(where.strip()).is_relative_to(target)
    result = subprocess.run(
        [str(target / "bin" / "provenance"), "demo", "--json"],
        check=False,
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert [case["name"] for case in json.loads(result.stdout)["cases"]] == [case.name for case in demo_store[1]]
