"""`--show-fixes` (fix and check) and colour: diffs and findings coloured on a terminal (a fake
one: a pseudo-terminal), never in a pipe, with `--color`, `NO_COLOR` and `FORCE_COLOR`."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from dockopt.engine import FileResult
from dockopt.fix import Finding
from dockopt.output import FixList, colour_wanted

from test_cli import CHECKOUT, DIFF, FIXABLE, run, write

# a merge (DO101, safe), a shell-form CMD (DO303, safe) and a full base image (DO401, unsafe)
MANY = "FROM debian:bookworm\nRUN echo a\nRUN echo b\nUSER 10001:10001\nCMD python3 app.py\n"
# whatever the environment running the tests says about colour, these runs start from nothing
PLAIN = {"NO_COLOR": "", "FORCE_COLOR": "", "TERM": "xterm-256color"}

ESC = "\x1b["
COLOURED_DIFF = (
    "\x1b[1m--- a/Dockerfile\x1b[0m\n"
    "\x1b[1m+++ b/Dockerfile\x1b[0m\n"
    "\x1b[36m@@ -1,4 +1,4 @@\x1b[0m\n"
    " FROM debian:bookworm-slim\n"
    "\x1b[31m-RUN mkdir -p /app\x1b[0m\n"
    "\x1b[31m-RUN touch /app/ready\x1b[0m\n"
    "\x1b[32m+RUN mkdir -p /app \\\x1b[0m\n"
    "\x1b[32m+    && touch /app/ready\x1b[0m\n"
    " USER 10001:10001\n"
)


def run_on_terminal(*args: str, cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """Run ``python -m dockopt ARGS`` with stdout on a pseudo-terminal (stderr in a pipe)."""
    master, slave = pty.openpty()
    path = os.pathsep.join(p for p in (CHECKOUT, os.environ.get("PYTHONPATH")) if p)
    proc = subprocess.Popen(
        [sys.executable, "-m", "dockopt", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": path, **env},
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    err = proc.communicate(timeout=120)[1].decode()
    assert "Traceback" not in err, err
    return proc.returncode, b"".join(chunks).decode().replace("\r\n", "\n"), err


# --------------------------------------------------------------------------- colour


def test_colour_wanted_choice_then_no_color_then_force_color_then_the_terminal() -> None:
    assert colour_wanted("auto", tty=True, environ={}) is True
    assert colour_wanted("auto", tty=False, environ={}) is False
    assert colour_wanted("auto", tty=True, environ={"TERM": "dumb"}) is False
    assert colour_wanted("auto", tty=True, environ={"NO_COLOR": "1"}) is False
    assert colour_wanted("auto", tty=True, environ={"NO_COLOR": ""}) is True  # set but empty: not set
    assert colour_wanted("auto", tty=False, environ={"FORCE_COLOR": "1"}) is True
    assert colour_wanted("auto", tty=True, environ={"NO_COLOR": "1", "FORCE_COLOR": "1"}) is False
    assert colour_wanted("always", tty=False, environ={"NO_COLOR": "1"}) is True
    assert colour_wanted("never", tty=True, environ={"FORCE_COLOR": "1"}) is False


def test_diff_is_coloured_on_a_terminal_and_plain_in_a_pipe(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", FIXABLE)
    code, out, _ = run_on_terminal("fix", "--isolated", "--diff", "Dockerfile", cwd=tmp_path, env=PLAIN)
    assert (code, out) == (1, COLOURED_DIFF)
    code, out, _ = run("fix", "--isolated", "--diff", "Dockerfile", cwd=tmp_path, env=PLAIN)
    assert (code, out) == (1, DIFF)
    assert (tmp_path / "Dockerfile").read_text() == FIXABLE


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        ((), {"NO_COLOR": "1"}, False),
        (("--color", "never"), {}, False),
        (("--color", "always"), {"NO_COLOR": "1"}, True),
    ],
)
def test_no_color_and_color_on_a_terminal(
    args: tuple[str, ...], env: dict[str, str], coloured: bool, tmp_path: Path
) -> None:
    write(tmp_path / "Dockerfile", FIXABLE)
    _, out, _ = run_on_terminal("fix", "--isolated", "--diff", *args, "Dockerfile", cwd=tmp_path, env={**PLAIN, **env})
    assert out == (COLOURED_DIFF if coloured else DIFF)


@pytest.mark.parametrize(("args", "env"), [((), {"FORCE_COLOR": "1"}), (("--color", "always"), {})])
def test_force_color_and_color_always_colour_a_pipe(args: tuple[str, ...], env: dict[str, str], tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", FIXABLE)
    _, out, _ = run("fix", "--isolated", "--diff", *args, "Dockerfile", cwd=tmp_path, env={**PLAIN, **env})
    assert out == COLOURED_DIFF


def test_stdin_diff_is_coloured_only_when_asked_in_a_pipe(tmp_path: Path) -> None:
    _, out, _ = run("fix", "--isolated", "--diff", "-", cwd=tmp_path, stdin=FIXABLE.encode(), env=PLAIN)
    assert ESC not in out and out.startswith("--- a/-\n")
    _, out, _ = run("fix", "--isolated", "--diff", "--color=always", "-", cwd=tmp_path, stdin=FIXABLE.encode())
    assert out.startswith("\x1b[1m--- a/-\x1b[0m\n")


def test_findings_are_coloured_on_a_terminal_only(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", FIXABLE)
    code, out, _ = run_on_terminal("check", "--isolated", "Dockerfile", cwd=tmp_path, env=PLAIN)
    assert code == 1
    assert out == (
        "\x1b[1mDockerfile\x1b[0m:3:1: \x1b[1;31mDO101\x1b[0m \x1b[36m[*]\x1b[0m info: RUN can be merged into the RUN at line 2\n"
    )
    code, out, _ = run("check", "--isolated", "Dockerfile", cwd=tmp_path, env=PLAIN)
    assert (code, out) == (1, "Dockerfile:3:1: DO101 [*] info: RUN can be merged into the RUN at line 2\n")


def test_machine_formats_are_never_coloured(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", FIXABLE)
    for output_format in ("json", "sarif", "github", "junit", "gitlab"):
        _, out, _ = run_on_terminal(
            "check", "--isolated", "--output-format", output_format, "Dockerfile", cwd=tmp_path, env=PLAIN
        )
        assert "DO101" in out and ESC not in out, output_format


# --------------------------------------------------------------------------- --show-fixes


def test_fix_show_fixes_lists_the_fixes_applied_per_file_and_code(tmp_path: Path) -> None:
    write(tmp_path / "b" / "Dockerfile", MANY)
    write(tmp_path / "a" / "Dockerfile", FIXABLE)
    write(tmp_path / "c" / "Dockerfile", "FROM debian:bookworm-slim\nUSER 10001:10001\n")  # nothing to fix
    code, out, err = run("fix", "--isolated", "--show-fixes", ".", cwd=tmp_path, env=PLAIN)
    assert (code, out) == (0, "")
    assert err.splitlines() == [
        "Fixed 3 findings:",
        "- a/Dockerfile:",
        "    1 × DO101 (merge-runs)",
        "- b/Dockerfile:",
        "    1 × DO101 (merge-runs)",
        "    1 × DO303 (exec-form-cmd)",
        (
            "2 files changed, 1 unchanged; fixes: DO101 merge-runs ×2, DO303 exec-form-cmd ×1; "
            "1 more fix available with --unsafe-fixes"
        ),
    ]


def test_fix_show_fixes_says_would_with_diff_and_check_and_nothing_when_quiet(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", MANY)
    listed = ["Would fix 2 findings:", "- Dockerfile:", "    1 × DO101 (merge-runs)", "    1 × DO303 (exec-form-cmd)"]
    for mode in ("--diff", "--check"):
        code, _, err = run("fix", "--isolated", "--show-fixes", mode, "Dockerfile", cwd=tmp_path, env=PLAIN)
        assert code == 1 and err.splitlines()[-5:-1] == listed, mode  # just before the summary line
    code, _, err = run("fix", "--isolated", "--diff", "Dockerfile", cwd=tmp_path, env=PLAIN)
    assert "Would fix" not in err  # only when asked
    code, out, err = run("fix", "--isolated", "--show-fixes", "-q", "Dockerfile", cwd=tmp_path, env=PLAIN)
    assert (code, out, err) == (0, "", "")
    assert (tmp_path / "Dockerfile").read_text() != MANY


def test_fix_show_fixes_of_stdin_goes_to_stderr(tmp_path: Path) -> None:
    code, out, err = run(
        "fix", "--isolated", "--show-fixes", "--stdin-filename", "api/Dockerfile", cwd=tmp_path, stdin=FIXABLE.encode()
    )
    assert code == 0 and out.startswith("FROM debian:bookworm-slim\nRUN mkdir -p /app \\\n")
    assert err.splitlines() == ["Fixed 1 finding:", "- api/Dockerfile:", "    1 × DO101 (merge-runs)"]


def test_check_show_fixes_marks_each_finding_with_a_fix_safe_or_unsafe(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", MANY)
    code, out, _ = run("check", "--isolated", "--show-fixes", "Dockerfile", cwd=tmp_path, env=PLAIN)
    assert code == 1
    marks = [(line.split()[1], line.split("[")[-1]) for line in out.splitlines()]
    assert marks == [("DO401", "unsafe fix]"), ("DO101", "safe fix]"), ("DO303", "safe fix]")]
    _, plain, _ = run("check", "--isolated", "Dockerfile", cwd=tmp_path, env=PLAIN)
    assert "fix]" not in plain
    assert [line + f" [{mark}" for line, (_, mark) in zip(plain.splitlines(), marks, strict=True)] == out.splitlines()


def test_fix_list_in_colour_and_without_failed_or_unchanged_files() -> None:
    fixes = FixList()
    merge = Finding("merge", 0, 0, code="DO101", name="merge-runs")
    fixes.add(FileResult("b/Dockerfile", "changed", applied=(merge, merge)))
    fixes.add(FileResult("a/Dockerfile", "unchanged"))
    fixes.add(FileResult("c/Dockerfile", "failed", error="not UTF-8"))
    assert fixes.render(would=False, colour=True) == (
        "Fixed 2 findings:\n- \x1b[1mb/Dockerfile\x1b[0m:\n    2 × \x1b[1;31mDO101\x1b[0m (merge-runs)\n"
    )
    assert FixList().render(would=True) == ""
