"""`dockopt verify` on the examples, with a real engine: each rewrite builds, its image is
no larger than the original's, and the container runs with the same configuration.

Skipped where no engine can build (`scripts/setup-build-engine.sh` makes buildah able to,
on Debian as root; CI runs it), or where an engine is there but the original cannot be
built (no base image, no network). With DOCKOPT_REQUIRE_INTEGRATION=1 (CI sets it once the
engine is set up) those are failures, not skips. Each example is built twice, without cache.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import VERIFY_RESULTS, build_engine, cannot_build

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ["python-app", "apt-tools", "c-multistage", "go-hello", "heredoc"]

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def engine():
    return build_engine()


def _builds_heredocs(engine) -> bool:
    """buildah learnt Dockerfile heredocs in 1.33 (podman 4.8); BuildKit has them."""
    found = re.search(r"(\d+)\.(\d+)", engine.version)
    if found is None:
        return engine.name == "docker"
    version = (int(found.group(1)), int(found.group(2)))
    return {"buildah": version >= (1, 33), "podman": version >= (4, 8)}.get(engine.name, True)


@pytest.mark.parametrize("example", EXAMPLES)
def test_rewrite_builds_is_not_larger_and_runs_the_same(engine, example: str) -> None:
    if example == "heredoc" and not _builds_heredocs(engine):
        pytest.skip(f"{engine.version} cannot build Dockerfile heredocs (needs buildah 1.33+, see real-builds.md)")
    dockerfile = ROOT / "examples" / example / "Dockerfile"
    run = subprocess.run(
        [sys.executable, "-m", "dockopt", "verify", "--json", "--engine", engine.name, str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert run.stdout, run.stderr[-3000:]
    report = json.loads(run.stdout)
    if report["exit_code"] == 2:
        cannot_build(f"verification could not run here: {report['message'][:2000]}")
    assert report["exit_code"] == 0, report["message"]
    before, after = report["original"], report["rewritten"]
    VERIFY_RESULTS.append(
        {
            "example": example,
            "engine": report["engine"],
            "exit_code": report["exit_code"],
            "original": {**before["image"], "seconds": before["seconds"]},
            "rewritten": {**after["image"], "seconds": after["seconds"]},
        }
    )
    assert after["image"]["size"] <= before["image"]["size"]
    assert after["image"]["layers"] <= before["image"]["layers"]
    assert report["changes"] == []
    assert report["files"]["missing_executables"] == []
