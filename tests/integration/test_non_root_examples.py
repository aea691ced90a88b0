"""non-root-user (DO301) for real: the rewritten Debian and BusyBox examples build, their
configured user is not root, and their CMD still runs (and can write where it writes).

Both the original and the rewrite (`dockopt fix --unsafe-fixes`, all transforms) are built
with the engine and run with `podman run`. Skipped where no engine or no podman is there,
failed instead when DOCKOPT_REQUIRE_INTEGRATION=1 (CI). The base images are the local ones
`scripts/setup-build-engine.sh` makes (debian:bookworm-slim, busybox:static).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import VERIFY_RESULTS, build_engine, cannot_build

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ["nonroot-debian", "nonroot-busybox"]

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def engine():
    return build_engine(runs="as their users")


def _build_and_run(engine, directory: Path, tag: str) -> tuple[str, str, int, int, float]:
    built = engine.build(directory / "Dockerfile", directory, tag, lambda line: None)
    if not built.ok:
        return "", built.tail, -1, 0, built.seconds
    try:
        image = engine.inspect(tag)
        run = subprocess.run(["podman", "run", "--rm", tag], capture_output=True, text=True, timeout=300)
        return str(image.config.get("User") or ""), run.stdout + run.stderr, image.size, image.layers, built.seconds
    finally:
        engine.remove(tag)


def rewrite_example(example: str, tmp_path: Path) -> tuple[Path, Path]:
    """The example's directory, and a copy of it rewritten by `dockopt fix --unsafe-fixes`."""
    original = ROOT / "examples" / example
    rewritten = tmp_path / example
    shutil.copytree(original, rewritten)
    fix = subprocess.run(
        [sys.executable, "-m", "dockopt", "fix", "--unsafe-fixes", "-q", str(rewritten / "Dockerfile")],
        capture_output=True,
        text=True,
    )
    assert fix.returncode == 0, fix.stderr
    return original, rewritten


@pytest.mark.parametrize("example", EXAMPLES)
def test_rewrite_runs_as_non_root_and_cmd_still_works(engine, example: str, tmp_path: Path) -> None:
    original, rewritten = rewrite_example(example, tmp_path)
    assert "USER 10001:10001" in (rewritten / "Dockerfile").read_text()

    user_before, out_before, size_before, layers_before, seconds_before = _build_and_run(
        engine, original, f"localhost/dockopt-nonroot-a-{example}"
    )
    if size_before < 0:
        cannot_build(f"the original example does not build here: {out_before[-500:]}")
    user_after, out_after, size_after, layers_after, seconds_after = _build_and_run(
        engine, rewritten, f"localhost/dockopt-nonroot-b-{example}"
    )
    assert size_after >= 0, f"the rewrite does not build: {out_after}"

    assert user_before in ("", "root", "0")
    assert user_after == "10001:10001"
    assert re.search(r"^uid=0 ", out_before, re.M), out_before
    assert re.search(r"^uid=10001 gid=10001", out_after, re.M), out_after
    # the program did the same work: everything after its uid line is the same
    assert [line for line in out_after.splitlines() if not line.startswith("uid=")] == [
        line for line in out_before.splitlines() if not line.startswith("uid=")
    ]
    VERIFY_RESULTS.append(
        {
            "example": example,
            "engine": engine.name,
            "exit_code": 0,
            "original": {"size": size_before, "layers": layers_before, "seconds": seconds_before},
            "rewritten": {"size": size_after, "layers": layers_after, "seconds": seconds_after},
        }
    )
