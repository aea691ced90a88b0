"""merge-runs keeps what the Dockerfile does, checked by running the shell for real.

A build runs each RUN as ``/bin/sh -c <script>`` in a fresh shell, in WORKDIR, and stops at
the first RUN that fails. For generated sequences of RUNs (cd, export, assignments, loops,
functions, exit, set -e, lists with ; || &&, pipes, subshells, comments, ...), the original
and the merged Dockerfile are "built" that way in the same directory, and must print the
same output, fail or succeed alike, and leave the same files behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockopt.engine import fix_source
from dockopt.registry import lookup
from dockopt.syntax import parse

MERGE_RUNS = lookup("merge-runs")

COMMANDS = [
    "echo one",
    "echo two",
    "true",
    "false",
    "cd sub",
    "pwd",
    "export A=1",
    "A=2",
    "echo A=$A",
    "test -f marker || echo nomarker",
    "touch marker",
    "set -e",
    "false; echo after",
    "echo x | cat",
    "(cd sub && pwd)",
    "exit 3",
    "f() { echo in-f; }",
    "f",
    "for v in 1 2; do echo $v; done",
    "echo v=$v",
    "umask 077",
    "umask",
    "echo a # trailing comment",
    "{ echo braced; }",
    "if true; then echo t; fi",
    "read -r X < marker2",
    "echo X=$X",
    "echo marker2 > marker2",
    "! false",
    "true;",
    "cd / ;",
    "set +e",
    "trap 'echo trapped' EXIT",
    "unset A",
    "alias ll=ls",
    "B=3 env | grep -c ^B= || true",
    "echo p | cat | cat",
    "echo p | cat | cat && cd sub",
    "true && read -r Y < /etc/hostname | cat",
    "find . -name marker -exec echo found {} \\;",
    "echo semi\\;",
]


def _run_body():
    # no " | " between generated commands: the two sides of a pipe run at the same time, and
    # commands that touch the same file would race; pipes come from the vocabulary instead
    joiners = st.sampled_from([" && ", "; ", " || "])
    return st.lists(st.sampled_from(COMMANDS), min_size=1, max_size=3).flatmap(
        lambda cmds: st.lists(joiners, min_size=len(cmds) - 1, max_size=len(cmds) - 1).map(
            lambda ops: cmds[0] + "".join(op + c for op, c in zip(ops, cmds[1:], strict=True))
        )
    )


def _dockerfile():
    return st.lists(_run_body(), min_size=2, max_size=5).map(
        lambda bodies: "FROM debian:bookworm-slim\n" + "".join(f"RUN {b}\n" for b in bodies)
    )


def build(text: str, workdir: Path) -> tuple[str, bool, list[str]]:
    """Run each RUN like a build does; returns (stdout, succeeded, files left)."""
    if workdir.exists():
        shutil.rmtree(workdir)
    (workdir / "sub").mkdir(parents=True)
    output = []
    ok = True
    for instruction in parse(text).instructions:
        if instruction.command != "RUN":
            continue
        run = subprocess.run(
            ["/bin/sh", "-c", instruction.args],
            cwd=workdir,
            capture_output=True,
            text=True,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(workdir)},
            timeout=10,
        )
        output.append(run.stdout)
        if run.returncode != 0:
            ok = False
            break
    files = sorted(str(p.relative_to(workdir)) for p in workdir.rglob("*"))
    return "".join(output), ok, files


def has_sh_syntax_error(text: str) -> bool:
    """Whether /bin/sh refuses one of the RUNs outright (tree-sitter-bash knows bash, not dash)."""
    return any(
        subprocess.run(["/bin/sh", "-n", "-c", i.args], capture_output=True).returncode != 0
        for i in parse(text).instructions
        if i.command == "RUN"
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_dockerfile())
def test_merged_runs_behave_like_separate_runs(text: str) -> None:
    merged = fix_source(text, (MERGE_RUNS,)).output
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp) / "w"
        after, before = build(merged, workdir), build(text, workdir)
        if has_sh_syntax_error(text):
            # a RUN that /bin/sh cannot even parse fails the build either way; merged, it
            # fails before the commands of the RUNs it was joined with print anything
            assert not after[1] and not before[1]
        else:
            assert after == before, f"merged:\n{merged}"


def test_the_generator_reaches_merges() -> None:
    # the property above is only worth something if merges happen: check a known case
    text = "FROM debian:bookworm-slim\nRUN echo one; false\nRUN echo two || true\nRUN cd sub\nRUN pwd\n"
    merged = fix_source(text, (MERGE_RUNS,)).output
    assert merged.count("RUN") == 2
    with tempfile.TemporaryDirectory() as tmp:
        assert build(merged, Path(tmp) / "w") == build(text, Path(tmp) / "w")
