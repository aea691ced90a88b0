"""The pre-commit hooks of `.pre-commit-hooks.yaml`: their file patterns match what dockopt's
own search finds, and the real `pre-commit try-repo` runs them.

try-repo installs the hooks' environment from this repository with pip (dockopt's
dependencies come from PyPI): it takes the committed HEAD plus the changes to tracked and
staged files, not untracked ones (`git add` a new file before running this locally). The
three try-repo runs are started at once, each in its own throwaway repository, each with
its own environment (try-repo keeps none). They are skipped when pre-commit or git is
missing, or when this checkout is not a git repository, except in CI (CI=true), where that
is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

from dockopt.files import DOCKERFILE_PATTERNS, NOT_DOCKERFILE_SUFFIXES, SOURCE_SUFFIXES, is_dockerfile_name

from conftest import ROOT, cannot_run
from test_cli import CLEAN, FIXABLE, FIXED
from test_discovery import DOCKERFILES, NOT_DOCKERFILES


def _hooks() -> dict[str, dict]:
    yaml = pytest.importorskip("yaml")  # a dependency of pre-commit
    return {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}


def _names_from_the_rule() -> list[str]:
    """Every pattern, skipped suffix and source suffix of dockopt/files.py, on each stem: a
    suffix added there and not to the hooks fails here."""
    stems = [
        "Dockerfile",
        "dockerfile",
        "Containerfile",
        "containerfile",
        "app.Dockerfile",
        "Dockerfile-dev",
        "dockerfile_x",
    ]
    names = [pattern.replace("*", "x") for pattern in DOCKERFILE_PATTERNS]
    for suffix in (*NOT_DOCKERFILE_SUFFIXES, *SOURCE_SUFFIXES):
        names += [stem + suffix for stem in stems] + [stem + suffix.upper() for stem in stems[:2]]
    return names


NAMES = list(dict.fromkeys([*DOCKERFILES, *NOT_DOCKERFILES, *_names_from_the_rule()]))


@pytest.mark.parametrize("directory", ["", "sub/", "a/Dockerfile.d/", "Dockerfile/", "dockerfile.go/", "x.md/"])
def test_hook_patterns_name_the_files_dockopt_searches_for(directory):
    hooks = _hooks()
    assert set(hooks) == {"dockopt", "dockopt-check"}
    assert (hooks["dockopt"]["entry"], hooks["dockopt-check"]["entry"]) == ("dockopt fix", "dockopt check")
    for hook in hooks.values():
        assert hook["language"] == "python"
        files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])
        # pre-commit matches both against the path from the repository root, with re.search
        chosen = [name for name in NAMES if files.search(directory + name) and not exclude.search(directory + name)]
        assert chosen == [name for name in NAMES if is_dockerfile_name(name)]
    assert not re.search(hooks["dockopt"]["files"], "a/Dockerfile.d/run.sh")


def test_the_documented_local_hook_uses_the_same_patterns():
    hook = _hooks()["dockopt"]
    text = (ROOT / "docs" / "getting-started.md").read_text()
    assert f"files: '{hook['files']}'" in text
    assert f"exclude: '{hook['exclude']}'" in text


def _try_repo(repo: Path, *args: str) -> subprocess.Popen:
    # the hooks' own environment must import its installed dockopt, not this checkout's
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith(("GIT_", "PRE_COMMIT"))}
    return subprocess.Popen(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), *args, "--all-files", "--color=never"],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _repo(path: Path, dockerfile: str) -> Path:
    path.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=path, check=True)
    (path / "Dockerfile").write_text(dockerfile)
    subprocess.run(["git", "add", "Dockerfile"], cwd=path, check=True)
    return path


@pytest.mark.pre_commit
def test_pre_commit_hooks_fix_check_and_pass_on_clean_files(tmp_path):
    if find_spec("pre_commit") is None:
        cannot_run("pre-commit is not installed (pip install -e '.[test]')")
    if shutil.which("git") is None:
        cannot_run("git is not installed")
    if not (ROOT / ".git").exists():
        cannot_run(f"{ROOT} is not a git checkout: try-repo needs one")

    dirty = FIXABLE.replace("FROM debian:bookworm-slim", "FROM node")  # plus a display-only finding
    runs = {
        "check": (_repo(tmp_path / "check", dirty), ("dockopt-check",)),
        "fix": (_repo(tmp_path / "fix", dirty), ("dockopt",)),
        "clean": (_repo(tmp_path / "clean", CLEAN), ()),  # both hooks
    }
    procs = {name: _try_repo(repo, *hook) for name, (repo, hook) in runs.items()}
    outputs = {}
    for name, proc in procs.items():
        out, _ = proc.communicate(timeout=600)
        outputs[name] = (proc.returncode, out.decode("utf-8", "replace"))

    code, out = outputs["check"]
    assert code == 1, out
    assert re.search(r"^dockopt check\.+Failed$", out, re.M), out
    assert "Dockerfile:1:6: DO309 warning: FROM node has no tag" in out
    assert "Dockerfile:3:1: DO101 [*] info: RUN can be merged into the RUN at line 2" in out
    assert (runs["check"][0] / "Dockerfile").read_text() == dirty  # the check hook writes nothing

    code, out = outputs["fix"]
    assert code == 1, out
    assert re.search(r"^dockopt\.+Failed$", out, re.M), out
    assert "- files were modified by this hook" in out
    assert "1 file changed, 0 unchanged; fixes: DO101 merge-runs ×1" in out
    assert (runs["fix"][0] / "Dockerfile").read_text() == FIXED.replace("FROM debian:bookworm-slim", "FROM node")

    code, out = outputs["clean"]
    assert code == 0, out
    assert re.search(r"^dockopt\.+Passed$", out, re.M), out
    assert re.search(r"^dockopt check\.+Passed$", out, re.M), out
    assert (runs["clean"][0] / "Dockerfile").read_text() == CLEAN
