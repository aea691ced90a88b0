"""Isolation: one file's crash never stops a run (issue 12).

A transform that raises fails its file alone, with one line naming the transform and the
exception; the file is left untouched, every other file is processed, and the exit status
is 2, with one process and with several. A worker process that dies fails only the file
it was analysing. The transforms that crash are real `Transform`s added to the registry by
a small launcher (run as a script, so that worker processes get them too, whatever the
start method).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from test_cli import FIXABLE, FIXED

LAUNCHER = textwrap.dedent(
    """
    import os
    from dockopt import registry
    from dockopt.fix import Applicability
    from dockopt.transforms import ALL

    def _boom(df, context):
        if "# raise here" in df.text:
            raise ValueError("kaboom\\nsecond line")
        if "# die here" in df.text:
            os._exit(3)
        return iter(())

    BOOM = registry.Transform("DO999", "boom", (), Applicability.SAFE, _boom, "Crash on purpose (tests).")
    registry.all_transforms = lambda: ALL + (BOOM,)

    if __name__ == "__main__":
        from dockopt.cli import run
        run()
    """
)

FILES = 40  # more than engine.PARALLEL_FROM: several jobs really use worker processes
BAD = 17


def _tree(root: Path, marker: str) -> list[Path]:
    paths = []
    for index in range(FILES):
        path = root / f"d{index:02}" / "Dockerfile"
        path.parent.mkdir(parents=True)
        path.write_text(FIXABLE.replace("\n", f"\n{marker}\n", 1) if index == BAD else FIXABLE)
        paths.append(path)
    return paths


def _dockopt(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    launcher = tmp_path / "launch_dockopt.py"
    launcher.write_text(LAUNCHER)
    return subprocess.run([sys.executable, str(launcher), *args], capture_output=True, text=True, cwd=tmp_path)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_transform_that_raises_fails_its_file_alone(tmp_path: Path, jobs: str) -> None:
    paths = _tree(tmp_path / "repo", "# raise here")
    bad_text = paths[BAD].read_text()
    run = _dockopt(tmp_path, "fix", "-j", jobs, "repo")
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        (
            f"error: {Path('repo') / f'd{BAD:02}' / 'Dockerfile'}: internal error in DO999 boom: "
            "ValueError: kaboom second line (please report)"
        )
    ]
    assert paths[BAD].read_text() == bad_text  # untouched
    assert all(path.read_text() == FIXED for index, path in enumerate(paths) if index != BAD)
    assert f"{FILES - 1} files changed" in run.stderr.splitlines()[-1]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_check_reports_the_crash_as_it_reports_an_unreadable_file(tmp_path: Path, jobs: str) -> None:
    _tree(tmp_path / "repo", "# raise here")
    (tmp_path / "repo" / "unreadable.Dockerfile").write_bytes(b"FROM x\n\xff\n")
    run = _dockopt(tmp_path, "check", "-j", jobs, "--output-format", "json", "repo")
    assert run.returncode == 2, run.stderr
    report = json.loads(run.stdout)
    errors = {Path(e["path"]).as_posix(): e["message"] for e in report["errors"]}
    assert errors == {
        f"repo/d{BAD:02}/Dockerfile": "internal error in DO999 boom: ValueError: kaboom second line (please report)",
        "repo/unreadable.Dockerfile": "not UTF-8 (byte 0xff at offset 7)",
    }
    assert len({f["path"] for f in report["findings"]}) == FILES - 1


def test_stdin_crash_is_one_line_and_leaves_the_text_alone(tmp_path: Path) -> None:
    launcher = tmp_path / "launch_dockopt.py"
    launcher.write_text(LAUNCHER)
    text = FIXABLE + "# raise here\n"
    run = subprocess.run([sys.executable, str(launcher), "fix", "-"], input=text, capture_output=True, text=True)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "error: -: internal error in DO999 boom: ValueError: kaboom second line (please report)" in run.stderr


def test_a_worker_that_dies_fails_only_its_file(tmp_path: Path) -> None:
    paths = _tree(tmp_path / "repo", "# die here")
    run = _dockopt(tmp_path, "fix", "-j", "2", "repo")
    assert run.returncode == 2, run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: {Path('repo') / f'd{BAD:02}' / 'Dockerfile'}: internal error: the process analysing it died (please report)"
    ]
    assert all(path.read_text() == FIXED for index, path in enumerate(paths) if index != BAD)


def test_the_workdir_crash_of_issue_12(tmp_path: Path) -> None:
    """`WORKDIR "${BUILD_DIR}"` then `WORKDIR "/workspace"` stopped the whole run with a TypeError."""
    path = tmp_path / "Dockerfile"
    path.write_text(
        'FROM debian:bookworm\nARG BUILD_DIR\nWORKDIR "${BUILD_DIR}"\nWORKDIR "/workspace"\nCOPY . .\n'
        "RUN apt-get update && apt-get install -y gcc\n"
    )
    run = subprocess.run([sys.executable, "-m", "dockopt", "fix", "--diff", str(path)], capture_output=True, text=True)
    assert run.returncode == 1, run.stderr
    assert "error" not in run.stderr
    assert "+RUN apt-get update && apt-get install -y gcc && rm -rf /var/lib/apt/lists/*\n COPY . .\n" in run.stdout
