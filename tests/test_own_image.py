"""dockopt's own image (the repository's Dockerfile and .dockerignore), without building it:
dockopt finds nothing in it with every transform selected, the opt-in ones and the unsafe
fixes included, and the context keeps only what the build copies. Built for real by
tests/integration/test_own_image_build.py."""

from __future__ import annotations

import subprocess
import sys

from dockopt import ignorefile
from dockopt.registry import all_transforms
from dockopt.syntax import parse

from conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"


def dockopt(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dockopt", *args], capture_output=True, text=True, cwd=ROOT)


def test_every_transform_finds_nothing_and_fixes_nothing() -> None:
    every = ",".join(t.code for t in all_transforms())
    assert "DO305" in every.split(",")  # strip-setuid is opt-in: `--select ALL` leaves it out
    checked = dockopt("check", "--isolated", "--select", every, "--unsafe-fixes", "Dockerfile")
    assert (checked.returncode, checked.stdout) == (0, ""), checked.stdout + checked.stderr
    fixed = dockopt("fix", "--isolated", "--diff", "--select", every, "--unsafe-fixes", "Dockerfile")
    assert (fixed.returncode, fixed.stdout) == (0, ""), fixed.stdout + fixed.stderr


def test_multi_stage_non_root_with_an_exec_form_entrypoint() -> None:
    instructions = parse(DOCKERFILE.read_text("utf-8")).instructions
    froms = [i for i, instruction in enumerate(instructions) if instruction.command == "FROM"]
    assert len(froms) == 2 and instructions[froms[0]].args.endswith(" AS build")
    final = instructions[froms[1] :]
    assert [(i.command, i.args) for i in final if i.command in ("USER", "ENTRYPOINT")] == [
        ("USER", "10001:10001"),
        ("ENTRYPOINT", '["dockopt"]'),
    ]
    assert [i.json_args for i in final if i.command == "ENTRYPOINT"] == [("dockopt",)]
    assert any(i.command == "COPY" and i.flag_values("from") == ["build"] for i in final)


def test_the_build_context_is_the_package_and_its_metadata_only() -> None:
    patterns = ignorefile.parse((ROOT / ".dockerignore").read_text("utf-8"))
    kept = ["pyproject.toml", "README.md", "dockopt/cli.py", "dockopt/transforms/merge_runs.py"]
    left_out = [
        ".git/config",
        ".venv/bin/python",
        "tests/test_cli.py",
        "fixtures/merge_runs/basic.in.Dockerfile",
        "benchmarks/bench_startup.py",
        "dockopt/__pycache__/cli.cpython-311.pyc",
        "dockopt.egg-info/PKG-INFO",
        "build/lib/dockopt/cli.py",
        ".env",
        "Dockerfile",
    ]
    assert [path for path in kept if ignorefile.excluded(patterns, path)] == []
    assert [path for path in left_out if not ignorefile.excluded(patterns, path)] == []
