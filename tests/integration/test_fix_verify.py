"""`dockopt fix --verify` with a real engine, on two tiny Python contexts made in tmp_path.

- An application that needs a compiler at run time (it exits 3 when `gcc` is not on PATH):
  slim-base (DO401) moves it to `python:3.11-slim`, which has none, so the smoke test of the
  rewrite differs from the original's; DO401 is blamed and the rewrite without it (the
  non-root user, DO301) is verified and written. Three builds.
- An application that needs nothing more: its rewrite (DO301, DO307) passes and is written.
  Two builds.

The base images are the local stand-ins of `scripts/make-base-images.sh python`. Skipped
where no engine, podman or stand-in is there, failed instead when
DOCKOPT_REQUIRE_INTEGRATION=1 (CI). About a minute here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import build_engine, cannot_build, stand_ins

STAND_INS = ("localhost/dockopt-stand-in:python-slim", "localhost/dockopt-stand-in:python")
NEEDS_GCC = "import shutil, sys\nprint('gcc at', shutil.which('gcc'))\nsys.exit(0 if shutil.which('gcc') else 3)\n"

VERIFIED = (
    "Dockerfile: verified by {} builds: the rewrite builds and its smoke test says what the original's says (exited 0)"
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def engine():
    found = build_engine(runs="the smoke test")
    stand_ins("python", STAND_INS)
    return found


def fix_verify(engine, context: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dockopt", "fix", "--verify", "--unsafe-fixes", "--engine", engine.name, "Dockerfile"],
        cwd=context,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_transform_that_breaks_the_smoke_test_is_left_out_and_the_rest_written(engine, tmp_path: Path) -> None:
    original = 'FROM python:3.11\nWORKDIR /app\nCOPY app.py .\nCMD ["python", "app.py"]\n'
    (tmp_path / "Dockerfile").write_text(original)
    (tmp_path / "app.py").write_text(NEEDS_GCC)
    run = fix_verify(engine, tmp_path)
    lines = [line for line in run.stderr.splitlines() if not line.startswith("Dockerfile: building")]
    if "the original does not build" in run.stderr:
        cannot_build(run.stderr[-2000:])
    assert run.returncode == 0, run.stderr[-3000:]
    assert lines == [
        "Dockerfile: DO401 slim-base: the smoke test differs: original exited 0, rewrite exited 3",
        VERIFIED.format(3),
        "1 file changed, 0 unchanged; fixes: DO301 non-root-user ×1",
    ], run.stderr
    written = (tmp_path / "Dockerfile").read_text()
    assert written.startswith("FROM python:3.11\n") and "USER 10001:10001" in written


def test_a_rewrite_that_passes_is_written(engine, tmp_path: Path) -> None:
    original = 'FROM python:3.11-slim\nMAINTAINER someone\nWORKDIR /app\nCOPY app.py .\nCMD ["python", "app.py"]\n'
    (tmp_path / "Dockerfile").write_text(original)
    (tmp_path / "app.py").write_text("print('hello')\n")
    run = fix_verify(engine, tmp_path)
    if "the original does not build" in run.stderr:
        cannot_build(run.stderr[-2000:])
    assert run.returncode == 0, run.stderr[-3000:]
    assert VERIFIED.format(2) in run.stderr.splitlines()
    written = (tmp_path / "Dockerfile").read_text()
    assert 'LABEL maintainer="someone"' in written and "USER 10001:10001" in written
