"""Real projects of ../shared/projects built for real, through `benchmarks/bench_projects.py`:
the original and its `dockopt fix` rewrite (safe fixes) both build from the projects' own
contexts and pass the same smoke test (the container starts as the original does, and its
server answers `/` with the same HTTP status).

Two small Python projects that build fast here: py-voting-vote (python:3.11-slim, a server
on port 80) and py-albumapi-fastapi (the full python:3.11, a server on port 8080). Their
base images are the local stand-ins of `scripts/make-base-images.sh python`, made here when
missing (about a minute). Skipped where the projects are not there (as the corpus tests are); skipped where no
engine, podman or root is there, failed instead when DOCKOPT_REQUIRE_INTEGRATION=1 (CI).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from conftest import VERIFY_RESULTS, build_engine, cannot_build, stand_ins

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_projects  # noqa: E402

PROJECTS = ROOT.parent / "shared" / "projects"
STAND_INS = ("localhost/dockopt-stand-in:python-slim", "localhost/dockopt-stand-in:python")

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def engine():
    if not (PROJECTS / "SOURCES.tsv").is_file():
        pytest.skip(f"the real projects are not at {PROJECTS}")  # data, like the corpus: skipped even in CI
    found = build_engine()
    if shutil.which("podman") is None or shutil.which("nsenter") is None or os.geteuid() != 0:
        cannot_build("podman, nsenter and root are needed to run the images and reach their servers")
    stand_ins("python", STAND_INS)
    return found


@pytest.mark.parametrize("name", ["py-voting-vote", "py-albumapi-fastapi"])
def test_original_and_safe_rewrite_build_and_pass_the_same_smoke_test(engine, name: str, tmp_path: Path) -> None:
    project = next(p for p in bench_projects.load_projects(PROJECTS) if p.name == name)
    original, safe = bench_projects.run_project(
        engine, PROJECTS, project, tmp_path, variants=("original", "safe"), rebuild=False
    )

    if not original.built:
        cannot_build(f"{name} does not build here as it is: {original.error}")
    assert original.smoke is not None and original.smoke.state == "running", original.smoke
    assert set(original.smoke.http.values()) == {"200"}, original.smoke
    assert safe.built, f"the safe rewrite of {name} does not build: {safe.error}"
    assert safe.smoke_passed, f"original: {original.smoke}, rewrite: {safe.smoke}"
    assert safe.size <= original.size + 4096  # the safe fixes never make the image larger
    VERIFY_RESULTS.append(
        {
            "example": name,
            "engine": engine.name,
            "exit_code": 0,
            "original": {"size": original.size, "layers": original.layers, "seconds": original.cold_seconds},
            "rewritten": {"size": safe.size, "layers": safe.layers, "seconds": safe.cold_seconds},
        }
    )
