"""The README tells the truth: its example diff, its transform table, and CI's command."""

from __future__ import annotations

import re
import subprocess
import sys

from dockopt.registry import all_transforms

from conftest import ROOT

README = (ROOT / "README.md").read_text()


def _block_after(marker: str) -> str:
    after = README.split(marker, 1)[1]
    return re.search(r"```\w*\n(.*?)```", after, re.S).group(1)


def test_example_diff_is_what_dockopt_prints() -> None:
    block = _block_after("## What it does")
    lines = block.splitlines()
    assert lines[0] == "$ dockopt fix --diff examples/python-app/Dockerfile"
    run = subprocess.run(
        [sys.executable, "-m", "dockopt", "fix", "--diff", "examples/python-app/Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1
    shown = [line.rstrip() for line in lines[1:]]
    printed = [line.rstrip() for line in (run.stdout + run.stderr).splitlines()]
    assert shown == printed


def test_transform_tables_list_every_transform() -> None:
    for text in (README, (ROOT / "docs" / "transforms.md").read_text()):
        # the code may link to the transform's page: | [DO101](docs/transforms/DO101-merge-runs.md) | ...
        rows = re.findall(
            r"^\| \[?(DO\d{3})\]?(?:\([^)]*\))? \| ([a-z-]+) \| ([^|]*) \| (\w[\w-]*) \| (\w+) \| ([^|]*) \|$",
            text,
            re.M,
        )
        expected = [
            (t.code, t.name, ", ".join(t.hadolint) or "-", t.applicability.label, t.severity, t.summary)
            for t in all_transforms()
        ]
        assert [(c, n, h.strip(), s, v, w.strip()) for c, n, h, s, v, w in rows] == expected


def test_ci_runs_the_readme_test_command() -> None:
    command = _block_after("<!-- test-command -->").strip()
    extracted = subprocess.run(
        [
            "awk",
            "/<!-- test-command -->/{found=1; next} found && /^```sh/{inblock=1; next} inblock{print; exit}",
            "README.md",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert extracted == command
    assert "pip install -e '.[test]'" in command and command.endswith("pytest")
    assert "README.md" in (ROOT / ".ci" / "run").read_text()


def test_refusal_example_is_what_dockopt_prints(tmp_path) -> None:
    """The file shown by `cat`, then each command with what it prints (stdout, then stderr)."""
    block = _block_after("<!-- refusal-example -->")
    sessions = re.split(r"^\$ ", block, flags=re.M)[1:]
    assert sessions[0].startswith("cat Dockerfile\n")
    (tmp_path / "Dockerfile").write_text(sessions[0].split("\n", 1)[1])
    for session in sessions[1:]:
        command, shown = session.split("\n", 1)
        assert command.startswith("dockopt ")
        run = subprocess.run(
            [sys.executable, "-m", "dockopt", *command.split()[1:]], cwd=tmp_path, capture_output=True, text=True
        )
        assert run.returncode == (1 if " check " in f" {command} " else 2)
        assert (run.stdout + run.stderr).splitlines() == shown.splitlines()
