"""The linters report nothing: `ruff check dockopt tests`, `ruff format --check` and `mypy`
(what each checks, and how strictly, is in pyproject.toml: [tool.ruff], [tool.mypy]).

Both come with the test extras and run from this environment (`python -m ruff`, `python -m
mypy`). A linter that is not installed skips its test, except in CI (CI=true), where that is a
failure.
"""

from __future__ import annotations

import subprocess
import sys
from importlib.util import find_spec

import pytest

from conftest import ROOT, cannot_run

LINTERS = {
    "ruff": ("ruff", "check", "dockopt", "tests"),
    "ruff-format": ("ruff", "format", "--check", "dockopt", "tests", "benchmarks", "scripts"),  # `ruff format` fixes it
    "mypy": ("mypy",),  # the files it checks: [tool.mypy] files
}


@pytest.mark.parametrize("tool", sorted(LINTERS))
def test_linter_reports_nothing(tool: str) -> None:
    command = LINTERS[tool]
    if find_spec(command[0]) is None:
        cannot_run(f"{command[0]} is not installed (pip install -e '.[test]')")
    run = subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=600)
    if run.returncode != 0:
        pytest.fail(f"`{' '.join(command)}` exited with {run.returncode}:\n{run.stdout}{run.stderr}", pytrace=False)
