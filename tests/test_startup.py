"""Start-up: what `dockopt --version` and one small file import (issue 15, item 6).

How long they take is the benchmark's (`benchmarks/bench_startup.py`, never asserted here);
what they import is checked here, from the modules a real run reports under `python -X
importtime`, so that an import moved back to the top of a module cannot slow every start
again unnoticed: `--version` imports no command line (typer, click, rich) and no engine,
and one file imports no process pool, no terminal rendering and nothing of the other
commands (`server`, `verify`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dockopt import __version__
from dockopt.toml import loads

from conftest import ROOT

SMALL = 'FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\nCMD ["curl", "--version"]\n'

# what no start answering `--version` needs
NOT_FOR_VERSION = ("typer", "click", "rich", "tree_sitter", "tree_sitter_bash", "pygls", "yaml")
# what no run over one small file needs: a process pool (one file is done in this process),
# rich (stdout and stderr are no terminal here), the junit format's XML, the other commands
NOT_FOR_ONE_FILE = (
    "concurrent.futures",
    "multiprocessing",
    "rich",
    "xml.etree.ElementTree",
    "yaml",
    "pygls",
    "lsprotocol",
    "dockopt.server",
    "dockopt.verify",
    "dockopt.containers",
    "dockopt.imagediff",
    "dockopt.docs",
)


def imported(python_args: list[str], cwd: Path) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """The modules a run of ``python -X importtime PYTHON_ARGS`` imports (this checkout's dockopt)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *python_args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    names = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")} - {
        "package"
    }  # the header line: "import time: self [us] | cumulative | imported package"
    return names, done


def loaded(names: set[str], forbidden: tuple[str, ...]) -> list[str]:
    """The modules of ``names`` that are one of ``forbidden`` or inside one of them."""
    return sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden))


# `python -m dockopt`, and what the `dockopt` command runs (its entry point, checked below)
WAYS = {
    "python -m dockopt": ["-m", "dockopt"],
    "entry point": ["-c", "from dockopt.__main__ import main; main()"],
}


@pytest.mark.parametrize("way", list(WAYS))
def test_version_imports_no_command_line_and_no_transform(tmp_path, way):
    names, done = imported([*WAYS[way], "--version"], tmp_path)
    assert (done.returncode, done.stdout) == (0, f"dockopt {__version__}\n"), done.stderr
    assert "re" in names  # the report was read: Python's own start imports re
    assert loaded(names, NOT_FOR_VERSION) == []
    assert sorted(n for n in names if n.startswith("dockopt.")) in ([], ["dockopt.__main__"])


@pytest.mark.parametrize(
    "args", [["check", "Dockerfile"], ["fix", "--diff", "Dockerfile"], ["fix", "--check", "Dockerfile"]]
)
def test_one_small_file_imports_no_pool_no_rich_and_no_other_command(tmp_path, args):
    (tmp_path / "Dockerfile").write_text(SMALL, encoding="utf-8")
    names, done = imported(["-m", "dockopt", *args], tmp_path)
    assert done.returncode == 1, done.stderr  # it has findings, and fixes: the transforms ran
    assert {"dockopt.engine", "dockopt.transforms.apt_no_install_recommends"} <= names
    assert loaded(names, NOT_FOR_ONE_FILE) == []


def test_the_dockopt_command_starts_at_the_entry_point_that_answers_version_alone():
    scripts = loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"dockopt": "dockopt.__main__:main"}
