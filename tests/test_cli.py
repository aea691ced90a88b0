"""The command line, end to end: ``dockopt fix`` / ``list`` / ``explain`` run as a real process.

Every test writes its own small Dockerfiles under ``tmp_path`` and runs
``python -m dockopt`` there, so that the paths dockopt prints are short and exact.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import dockopt
from dockopt import refusals
from dockopt.cli import app
from dockopt.engine import Settings, process_file
from dockopt.registry import all_transforms, select

# the samples run as a non-root user, so that non-root-user (DO301) has nothing to say
FIXABLE = "FROM debian:bookworm-slim\nRUN mkdir -p /app\nRUN touch /app/ready\nUSER 10001:10001\n"
FIXED = "FROM debian:bookworm-slim\nRUN mkdir -p /app \\\n    && touch /app/ready\nUSER 10001:10001\n"
CLEAN = "FROM debian:bookworm-slim\nRUN echo hi\nUSER 10001:10001\n"

DIFF = (
    "--- a/Dockerfile\n"
    "+++ b/Dockerfile\n"
    "@@ -1,4 +1,4 @@\n"
    " FROM debian:bookworm-slim\n"
    "-RUN mkdir -p /app\n"
    "-RUN touch /app/ready\n"
    "+RUN mkdir -p /app \\\n"
    "+    && touch /app/ready\n"
    " USER 10001:10001\n"
)

SUMMARY_CHANGED_1 = "1 file changed, 0 unchanged; fixes: DO101 merge-runs ×1\n"
SUMMARY_WOULD_1 = "1 file would be changed, 0 unchanged; fixes to apply: DO101 merge-runs ×1\n"
SUMMARY_CLEAN_1 = "0 files changed, 1 unchanged\n"
SUMMARY_WOULD_CLEAN_1 = "0 files would be changed, 1 unchanged\n"

MiB = 1024 * 1024


# the dockopt of this checkout, whichever one the interpreter has installed
CHECKOUT = str(Path(dockopt.__file__).resolve().parent.parent)


def run(*args: str, cwd: Path, stdin: bytes = b"", env: dict | None = None) -> tuple[int, str, str]:
    """Run ``python -m dockopt ARGS`` in ``cwd``; (returncode, stdout, stderr), never a traceback."""
    path = os.pathsep.join(p for p in (CHECKOUT, os.environ.get("PYTHONPATH")) if p)
    proc = subprocess.run(
        [sys.executable, "-m", "dockopt", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": path, **(env or {})},
        timeout=120,
    )
    out = proc.stdout.decode("utf-8", "surrogateescape")
    err = proc.stderr.decode("utf-8", "surrogateescape")
    assert "Traceback" not in err, err
    return proc.returncode, out, err


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def stdout_bytes(out: str) -> bytes:
    return out.encode("utf-8", "surrogateescape")


# --------------------------------------------------------------------------- 1. fix in place


def test_fix_rewrites_file_in_place_with_summary_on_stderr_only(tmp_path):
    target = write(tmp_path / "Dockerfile", FIXABLE)
    code, out, err = run("fix", "Dockerfile", cwd=tmp_path)
    assert (code, out, err) == (0, "", SUMMARY_CHANGED_1)
    assert target.read_bytes() == FIXED.encode()


def test_fix_leaves_no_temporary_files_behind(tmp_path):
    write(tmp_path / "Dockerfile", FIXABLE)
    run("fix", "Dockerfile", cwd=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile"]


def test_fix_preserves_file_mode(tmp_path):
    target = write(tmp_path / "Dockerfile", FIXABLE)
    target.chmod(0o640)
    code, _, _ = run("fix", "Dockerfile", cwd=tmp_path)
    assert code == 0
    assert target.read_bytes() == FIXED.encode()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_fix_preserves_crlf_line_endings(tmp_path):
    target = write(tmp_path / "Dockerfile", FIXABLE.replace("\n", "\r\n"))
    code, out, err = run("fix", "Dockerfile", cwd=tmp_path)
    assert (code, out, err) == (0, "", SUMMARY_CHANGED_1)
    assert target.read_bytes() == FIXED.replace("\n", "\r\n").encode()


def test_fix_preserves_missing_final_newline(tmp_path):
    target = write(tmp_path / "Dockerfile", FIXABLE.rstrip("\n"))
    code, _, _ = run("fix", "Dockerfile", cwd=tmp_path)
    assert code == 0
    assert target.read_bytes() == FIXED.rstrip("\n").encode()


def test_fix_preserves_crlf_and_missing_final_newline_together(tmp_path):
    target = write(tmp_path / "Dockerfile", FIXABLE.rstrip("\n").replace("\n", "\r\n"))
    code, _, _ = run("fix", "Dockerfile", cwd=tmp_path)
    assert code == 0
    assert target.read_bytes() == FIXED.rstrip("\n").replace("\n", "\r\n").encode()


def test_second_fix_run_does_not_touch_the_file_and_reports_zero_changed(tmp_path):
    target = write(tmp_path / "Dockerfile", FIXABLE)
    assert run("fix", "Dockerfile", cwd=tmp_path)[0] == 0
    os.utime(target, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))  # an old, recognisable mtime
    before = target.stat()
    code, out, err = run("fix", "Dockerfile", cwd=tmp_path)
    after = target.stat()
    assert (code, out, err) == (0, "", SUMMARY_CLEAN_1)
    assert target.read_bytes() == FIXED.encode()
    assert (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)


def test_fix_leaves_clean_file_untouched(tmp_path):
    target = write(tmp_path / "Dockerfile", CLEAN)
    before = target.stat()
    code, out, err = run("fix", "Dockerfile", cwd=tmp_path)
    assert (code, out, err) == (0, "", SUMMARY_CLEAN_1)
    assert target.read_bytes() == CLEAN.encode()
    assert (target.stat().st_mtime_ns, target.stat().st_ino) == (before.st_mtime_ns, before.st_ino)


def test_quiet_fix_prints_nothing(tmp_path):
    target = write(tmp_path / "Dockerfile", FIXABLE)
    assert run("fix", "-q", "Dockerfile", cwd=tmp_path) == (0, "", "")
    assert target.read_bytes() == FIXED.encode()


def test_fix_without_paths_searches_the_current_directory(tmp_path):
    target = write(tmp_path / "Dockerfile", FIXABLE)
    assert run("fix", cwd=tmp_path) == (0, "", SUMMARY_CHANGED_1)
    assert target.read_bytes() == FIXED.encode()


# --------------------------------------------------------------------------- 2. --diff


def test_diff_prints_git_style_unified_diff_and_writes_nothing(tmp_path):
    target = write(tmp_path / "Dockerfile", FIXABLE)
    code, out, err = run("fix", "--diff", "Dockerfile", cwd=tmp_path)
    assert (code, out, err) == (1, DIFF, SUMMARY_WOULD_1)
    assert target.read_bytes() == FIXABLE.encode()


def test_diff_headers_carry_the_path_of_a_file_in_a_subdirectory(tmp_path):
    write(tmp_path / "svc" / "Dockerfile", FIXABLE)
    code, out, _ = run("fix", "--diff", "svc", cwd=tmp_path)
    assert code == 1
    assert out == DIFF.replace("a/Dockerfile", "a/svc/Dockerfile").replace("b/Dockerfile", "b/svc/Dockerfile")


def test_diff_marks_a_missing_final_newline(tmp_path):
    write(tmp_path / "Dockerfile", "FROM debian:bookworm-slim\nRUN mkdir -p /app\nRUN touch /app/ready")
    code, out, _ = run("fix", "--diff", "Dockerfile", cwd=tmp_path)
    assert code == 1
    assert out == (
        "--- a/Dockerfile\n"
        "+++ b/Dockerfile\n"
        "@@ -1,3 +1,3 @@\n"
        " FROM debian:bookworm-slim\n"
        "-RUN mkdir -p /app\n"
        "-RUN touch /app/ready\n"
        "\\ No newline at end of file\n"
        "+RUN mkdir -p /app \\\n"
        "+    && touch /app/ready\n"
        "\\ No newline at end of file\n"
    )


def test_diff_on_clean_file_prints_nothing_and_exits_0(tmp_path):
    target = write(tmp_path / "Dockerfile", CLEAN)
    assert run("fix", "--diff", "Dockerfile", cwd=tmp_path) == (0, "", SUMMARY_WOULD_CLEAN_1)
    assert target.read_bytes() == CLEAN.encode()


def test_diff_is_a_valid_patch_when_a_line_contains_a_unicode_line_separator(tmp_path):
    write(tmp_path / "Dockerfile", 'FROM debian:bookworm-slim\nRUN echo "a\u2028b"\nRUN echo c\n')
    code, out, _ = run("fix", "--diff", "Dockerfile", cwd=tmp_path)
    assert code == 1
    assert "No newline at end of file" not in out
    hunk = out.split("\n")[2:-1]
    assert all(line[:1] in (" ", "+", "-", "@") for line in hunk), hunk


# --------------------------------------------------------------------------- 3. --check


def test_check_exits_1_names_the_file_on_stderr_and_writes_nothing(tmp_path):
    target = write(tmp_path / "Dockerfile", FIXABLE)
    code, out, err = run("fix", "--check", "Dockerfile", cwd=tmp_path)
    assert (code, out, err) == (1, "", "would change: Dockerfile\n" + SUMMARY_WOULD_1)
    assert target.read_bytes() == FIXABLE.encode()


def test_check_on_clean_file_exits_0(tmp_path):
    target = write(tmp_path / "Dockerfile", CLEAN)
    assert run("fix", "--check", "Dockerfile", cwd=tmp_path) == (0, "", SUMMARY_WOULD_CLEAN_1)
    assert target.read_bytes() == CLEAN.encode()


def test_check_names_only_the_files_that_would_change(tmp_path):
    fixable = write(tmp_path / "a.Dockerfile", FIXABLE)
    clean = write(tmp_path / "b.Dockerfile", CLEAN)
    code, out, err = run("fix", "--check", ".", cwd=tmp_path)
    assert (code, out) == (1, "")
    assert (
        err == "would change: a.Dockerfile\n1 file would be changed, 1 unchanged; fixes to apply: DO101 merge-runs ×1\n"
    )
    assert (fixable.read_bytes(), clean.read_bytes()) == (FIXABLE.encode(), CLEAN.encode())


# --------------------------------------------------------------------------- 4. stdin


def test_stdin_fixed_text_goes_to_stdout(tmp_path):
    assert run("fix", "-", cwd=tmp_path, stdin=FIXABLE.encode()) == (0, FIXED, "")


def test_stdin_clean_text_is_echoed_unchanged(tmp_path):
    assert run("fix", "-", cwd=tmp_path, stdin=CLEAN.encode()) == (0, CLEAN, "")


def test_stdin_keeps_crlf_and_missing_final_newline(tmp_path):
    source = FIXABLE.rstrip("\n").replace("\n", "\r\n")
    code, out, _ = run("fix", "-", cwd=tmp_path, stdin=source.encode())
    assert code == 0
    assert stdout_bytes(out) == FIXED.rstrip("\n").replace("\n", "\r\n").encode()


def test_stdin_diff_prints_diff_with_dash_as_the_path(tmp_path):
    code, out, err = run("fix", "--diff", "-", cwd=tmp_path, stdin=FIXABLE.encode())
    assert (code, out, err) == (1, DIFF.replace("a/Dockerfile", "a/-").replace("b/Dockerfile", "b/-"), "")


def test_stdin_diff_of_clean_text_is_empty_and_exits_0(tmp_path):
    assert run("fix", "--diff", "-", cwd=tmp_path, stdin=CLEAN.encode()) == (0, "", "")


def test_stdin_check_prints_nothing_and_exits_1_on_changes(tmp_path):
    assert run("fix", "--check", "-", cwd=tmp_path, stdin=FIXABLE.encode()) == (1, "", "")


def test_stdin_check_of_clean_text_exits_0(tmp_path):
    assert run("fix", "--check", "-", cwd=tmp_path, stdin=CLEAN.encode()) == (0, "", "")


def test_stdin_combined_with_a_path_is_a_usage_error(tmp_path):
    target = write(tmp_path / "Dockerfile", FIXABLE)
    code, out, err = run("fix", "-", "Dockerfile", cwd=tmp_path, stdin=FIXABLE.encode())
    assert (code, out, err) == (2, "", "error: '-' (stdin) cannot be combined with other paths\n")
    assert target.read_bytes() == FIXABLE.encode()


@pytest.mark.parametrize(
    "data, message",
    [
        (b"FROM x\0\nRUN a\n", "binary file (contains NUL bytes), not a Dockerfile"),
        (b"FROM x\nRUN echo \xff\n", "not UTF-8 (byte 0xff at offset 16)"),
        (b"", "cannot parse: line 1: file with no instructions"),
        (b"FROM x\nRUN <<EOF\necho hi\n", "cannot parse: line 2: unterminated heredoc"),
    ],
    ids=["binary", "not-utf8", "empty", "unterminated-heredoc"],
)
def test_stdin_bad_input_is_passed_through_unchanged_with_one_error_line(tmp_path, data, message):
    code, out, err = run("fix", "-", cwd=tmp_path, stdin=data)
    assert code == 2
    assert stdout_bytes(out) == data
    assert err == f"error: -: {message}\n"


def test_stdin_output_is_utf8_whatever_the_stdout_encoding(tmp_path):
    source = "FROM debian:bookworm-slim\nRUN echo caf\u00e9\nRUN echo b\n"
    code, out, _ = run("fix", "-", cwd=tmp_path, stdin=source.encode(), env={"PYTHONIOENCODING": "ascii"})
    assert code == 0
    assert stdout_bytes(out) == "FROM debian:bookworm-slim\nRUN echo caf\u00e9 \\\n    && echo b\n".encode()


# --------------------------------------------------------------------------- 5. --select / --ignore

SELECTORS = ["DO101", "merge-runs", "DL3059", "DO1", "do101", "dl3059", "DO101,merge-runs", "DO1, DL3059"]


@pytest.mark.parametrize("selector", SELECTORS)
def test_select_runs_the_chosen_transform(tmp_path, selector):
    target = write(tmp_path / "Dockerfile", FIXABLE)
    assert run("fix", "--select", selector, "Dockerfile", cwd=tmp_path) == (0, "", SUMMARY_CHANGED_1)
    assert target.read_bytes() == FIXED.encode()


@pytest.mark.parametrize("selector", SELECTORS)
def test_ignore_leaves_the_transform_out(tmp_path, selector):
    target = write(tmp_path / "Dockerfile", FIXABLE)
    assert run("fix", "--ignore", selector, "Dockerfile", cwd=tmp_path) == (0, "", SUMMARY_CLEAN_1)
    assert target.read_bytes() == FIXABLE.encode()


def test_ignore_wins_over_select(tmp_path):
    target = write(tmp_path / "Dockerfile", FIXABLE)
    code, _, err = run("fix", "--select", "DO1", "--ignore", "DL3059", "Dockerfile", cwd=tmp_path)
    assert (code, err) == (0, SUMMARY_CLEAN_1)
    assert target.read_bytes() == FIXABLE.encode()


def test_select_can_be_repeated(tmp_path):
    target = write(tmp_path / "Dockerfile", FIXABLE)
    code, _, _ = run("fix", "--select", "DO101", "--select", "merge-runs", "Dockerfile", cwd=tmp_path)
    assert code == 0
    assert target.read_bytes() == FIXED.encode()


@pytest.mark.parametrize(
    "option, value, bad",
    [
        ("--select", "NOPE", "NOPE"),
        ("--ignore", "DO999", "DO999"),
        ("--select", "DO101,bogus", "bogus"),
        ("--select", "D", "D"),
        ("--ignore", "DL300", "DL300"),  # not a hadolint rule: three digits
        ("--select", "XY3000", "XY3000"),
    ],
)
def test_unknown_selector_is_a_one_line_usage_error(tmp_path, option, value, bad):
    target = write(tmp_path / "Dockerfile", FIXABLE)
    code, out, err = run("fix", option, value, "Dockerfile", cwd=tmp_path)
    assert (code, out) == (2, "")
    assert err == f"error: unknown transform '{bad}' (see `dockopt list`)\n"
    assert target.read_bytes() == FIXABLE.encode()


# --------------------------------------------------------------------------- 6. discovery

DOCKERFILE_NAMES = [
    "Dockerfile",
    "Dockerfile.prod",
    "api.Dockerfile",
    "x.dockerfile",
    "Containerfile",
    "Containerfile.dev",
]
NOT_DOCKERFILE_NAMES = ["Dockerfile.dockerignore", "Dockerfile.j2", "README.md"]


def test_directory_search_fixes_every_dockerfile_name_and_nothing_else(tmp_path):
    wanted = [write(tmp_path / "src" / sub / name, FIXABLE) for sub in ("", "deep/er") for name in DOCKERFILE_NAMES]
    others = [write(tmp_path / "src" / sub / name, FIXABLE) for sub in ("", "deep/er") for name in NOT_DOCKERFILE_NAMES]
    code, out, err = run("fix", "src", cwd=tmp_path)
    assert (code, out) == (0, "")
    assert err == "12 files changed, 0 unchanged; fixes: DO101 merge-runs ×12\n"
    assert [p.read_bytes() for p in wanted] == [FIXED.encode()] * len(wanted)
    assert [p.read_bytes() for p in others] == [FIXABLE.encode()] * len(others)


def test_directory_search_check_lists_each_found_file_once_in_order(tmp_path):
    for name in DOCKERFILE_NAMES + NOT_DOCKERFILE_NAMES:
        write(tmp_path / name, FIXABLE)
    write(tmp_path / "sub" / "Dockerfile", FIXABLE)
    code, out, err = run("fix", "--check", ".", "Dockerfile", "./sub", cwd=tmp_path)
    assert (code, out) == (1, "")
    expected = sorted(DOCKERFILE_NAMES) + ["sub/Dockerfile"]
    assert err.splitlines()[:-1] == [f"would change: {name}" for name in expected]


def gitignored_tree(tmp_path: Path, gitignore: str) -> Path:
    root = tmp_path / "repo"
    write(root / ".gitignore", gitignore)
    for rel in ("Dockerfile", "vendor/Dockerfile", "Dockerfile.local", "docker/Dockerfile.a", "docker/Dockerfile.keep"):
        write(root / rel, FIXABLE)
    return root


def fixed_files(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.read_bytes() == FIXED.encode()
    )


@pytest.mark.parametrize(
    "gitignore, fixed",
    [
        pytest.param(
            "vendor/\n",
            ["Dockerfile", "Dockerfile.local", "docker/Dockerfile.a", "docker/Dockerfile.keep"],
            id="ignored-subdirectory",
        ),
        pytest.param(
            "Dockerfile.local\n",
            ["Dockerfile", "docker/Dockerfile.a", "docker/Dockerfile.keep", "vendor/Dockerfile"],
            id="ignored-file",
        ),
        pytest.param(
            "docker/Dockerfile.*\n!docker/Dockerfile.keep\n",
            ["Dockerfile", "Dockerfile.local", "docker/Dockerfile.keep", "vendor/Dockerfile"],
            id="negation-reincludes-a-file",
        ),
    ],
)
def test_gitignore_decides_what_a_directory_search_touches(tmp_path, gitignore, fixed):
    root = gitignored_tree(tmp_path, gitignore)
    code, _, _ = run("fix", "repo", cwd=tmp_path)
    assert code == 0
    assert fixed_files(root) == fixed
    untouched = {
        "Dockerfile",
        "vendor/Dockerfile",
        "Dockerfile.local",
        "docker/Dockerfile.a",
        "docker/Dockerfile.keep",
    } - set(fixed)
    assert all((root / rel).read_bytes() == FIXABLE.encode() for rel in untouched)


def test_nested_gitignore_negation_overrides_the_parent_one(tmp_path):
    root = gitignored_tree(tmp_path, "Dockerfile.*\n")
    write(root / "docker" / ".gitignore", "!Dockerfile.keep\n")
    code, _, _ = run("fix", "repo", cwd=tmp_path)
    assert code == 0
    assert fixed_files(root) == ["Dockerfile", "docker/Dockerfile.keep", "vendor/Dockerfile"]


def test_gitignore_whitelist_idiom_reincludes_dockerfiles_in_subdirectories(tmp_path):
    write(tmp_path / ".gitignore", "*\n!*/\n!Dockerfile\n")
    top = write(tmp_path / "Dockerfile", FIXABLE)
    nested = write(tmp_path / "svc" / "api" / "Dockerfile", FIXABLE)
    code, _, _ = run("fix", ".", cwd=tmp_path)
    assert code == 0
    assert top.read_bytes() == FIXED.encode()
    assert nested.read_bytes() == FIXED.encode()  # `git status` lists svc/api/Dockerfile as untracked


def test_gitignore_above_the_searched_directory_applies_inside_a_git_repository(tmp_path):
    root = gitignored_tree(tmp_path, "docker/Dockerfile.a\n")
    (root / ".git").mkdir()
    code, _, _ = run("fix", "repo/docker", cwd=tmp_path)
    assert code == 0
    assert fixed_files(root) == ["docker/Dockerfile.keep"]


def test_dot_git_directory_is_not_searched(tmp_path):
    inside_git = write(tmp_path / ".git" / "Dockerfile", FIXABLE)
    nested_git = write(tmp_path / "sub" / ".git" / "hooks" / "Dockerfile", FIXABLE)
    outside = write(tmp_path / "Dockerfile", FIXABLE)
    assert run("fix", ".", cwd=tmp_path) == (0, "", SUMMARY_CHANGED_1)
    assert outside.read_bytes() == FIXED.encode()
    assert inside_git.read_bytes() == nested_git.read_bytes() == FIXABLE.encode()


def test_file_named_explicitly_is_fixed_whatever_its_name(tmp_path):
    target = write(tmp_path / "build.txt", FIXABLE)
    assert run("fix", "build.txt", cwd=tmp_path) == (0, "", SUMMARY_CHANGED_1)
    assert target.read_bytes() == FIXED.encode()


def test_file_named_explicitly_is_fixed_even_when_gitignored(tmp_path):
    root = gitignored_tree(tmp_path, "Dockerfile.local\n")
    assert run("fix", "repo/Dockerfile.local", cwd=tmp_path) == (0, "", SUMMARY_CHANGED_1)
    assert fixed_files(root) == ["Dockerfile.local"]


def test_directory_without_dockerfiles_warns_and_exits_0(tmp_path):
    write(tmp_path / "empty" / "README.md", FIXABLE)
    code, out, err = run("fix", "empty", cwd=tmp_path)
    assert (code, out) == (0, "")
    assert err == "warning: no Dockerfiles found under empty\n0 files changed, 0 unchanged\n"
    assert (tmp_path / "empty" / "README.md").read_bytes() == FIXABLE.encode()


# --------------------------------------------------------------------------- 7. bad input

BAD_INPUTS = {
    "binary": (b"FROM x\0\nRUN a\n", "binary file (contains NUL bytes), not a Dockerfile"),
    "not-utf8": (b"FROM x\nRUN echo \xff\n", "not UTF-8 (byte 0xff at offset 16)"),
    "empty": (b"", "cannot parse: line 1: file with no instructions"),
    "unterminated-heredoc": (b"FROM x\nRUN <<EOF\necho hi\n", "cannot parse: line 2: unterminated heredoc"),
    "10MB": (b"FROM x\n" + b"#" * (10 * MiB - 8) + b"\n", "file is too large for a Dockerfile (10.0 MiB > 1 MiB)"),
}
FAILED_SUMMARY = "1 file changed, 0 unchanged, 1 failed; fixes: DO101 merge-runs ×1"


def assert_one_error_line(err: str, path: str, message: str) -> None:
    mentioning = [line for line in err.splitlines() if path in line]
    assert mentioning == [f"error: {path}: {message}"], err


@pytest.mark.parametrize("kind", list(BAD_INPUTS))
def test_bad_file_named_explicitly_fails_alone(tmp_path, kind):
    data, message = BAD_INPUTS[kind]
    bad = write(tmp_path / "bad.Dockerfile", data)
    good = write(tmp_path / "good.Dockerfile", FIXABLE)
    code, out, err = run("fix", "bad.Dockerfile", "good.Dockerfile", cwd=tmp_path)
    assert (code, out) == (2, "")
    assert_one_error_line(err, "bad.Dockerfile", message)
    assert err.splitlines()[-1] == FAILED_SUMMARY
    assert bad.read_bytes() == data
    assert good.read_bytes() == FIXED.encode()


@pytest.mark.parametrize("kind", list(BAD_INPUTS))
def test_bad_file_found_in_a_directory_fails_alone(tmp_path, kind):
    data, message = BAD_INPUTS[kind]
    bad = write(tmp_path / "d" / "bad.Dockerfile", data)
    good = write(tmp_path / "d" / "good.Dockerfile", FIXABLE)
    code, out, err = run("fix", "d", cwd=tmp_path)
    assert (code, out) == (2, "")
    assert_one_error_line(err, "d/bad.Dockerfile", message)
    assert err.splitlines()[-1] == FAILED_SUMMARY
    assert bad.read_bytes() == data
    assert good.read_bytes() == FIXED.encode()


@pytest.mark.parametrize("mode", ["--diff", "--check"])
def test_bad_file_fails_with_exit_2_under_diff_and_check(tmp_path, mode):
    data, message = BAD_INPUTS["unterminated-heredoc"]
    bad = write(tmp_path / "bad.Dockerfile", data)
    good = write(tmp_path / "good.Dockerfile", FIXABLE)
    code, _, err = run("fix", mode, "bad.Dockerfile", "good.Dockerfile", cwd=tmp_path)
    assert code == 2
    assert_one_error_line(err, "bad.Dockerfile", message)
    assert (bad.read_bytes(), good.read_bytes()) == (data, FIXABLE.encode())


def test_missing_path_fails_alone(tmp_path):
    good = write(tmp_path / "good.Dockerfile", FIXABLE)
    code, out, err = run("fix", "missing.Dockerfile", "good.Dockerfile", cwd=tmp_path)
    assert (code, out) == (2, "")
    assert_one_error_line(err, "missing.Dockerfile", "no such file or directory")
    assert err.splitlines()[-1] == FAILED_SUMMARY
    assert good.read_bytes() == FIXED.encode()
    assert not (tmp_path / "missing.Dockerfile").exists()


def test_missing_path_given_with_dot_slash_is_named_once(tmp_path):
    code, _, err = run("fix", "./missing.Dockerfile", cwd=tmp_path)
    assert code == 2
    assert err.splitlines()[0] in (
        "error: ./missing.Dockerfile: no such file or directory",
        "error: missing.Dockerfile: no such file or directory",
    )


def test_directory_named_dockerfile_in_a_searched_tree_is_skipped_without_crashing(tmp_path):
    odd = tmp_path / "d" / "Dockerfile"
    write(odd / "notes.txt", FIXABLE)
    good = write(tmp_path / "d" / "good.Dockerfile", FIXABLE)
    code, out, err = run("fix", "d", cwd=tmp_path)
    assert (code, out, err) == (0, "", SUMMARY_CHANGED_1)
    assert good.read_bytes() == FIXED.encode()
    assert (odd / "notes.txt").read_bytes() == FIXABLE.encode()


def test_process_file_on_a_directory_returns_a_failed_result(tmp_path):
    odd = tmp_path / "Dockerfile"
    odd.mkdir()
    result = process_file(odd, Settings(select()))
    assert result.failed
    assert result.path == str(odd)
    assert result.error == "is a directory, not a Dockerfile"
    assert odd.is_dir() and list(odd.iterdir()) == []


def test_unreadable_file_fails_alone(tmp_path, monkeypatch):
    bad = write(tmp_path / "secret.Dockerfile", FIXABLE)
    good = write(tmp_path / "good.Dockerfile", FIXABLE)
    if os.geteuid() != 0:
        bad.chmod(0o000)
        try:
            code, out, err = run("fix", "secret.Dockerfile", "good.Dockerfile", cwd=tmp_path)
        finally:
            bad.chmod(0o644)
    else:  # root reads through chmod 000: refuse the read of that one path instead
        real_read_bytes = Path.read_bytes

        def read_bytes(self: Path) -> bytes:
            if self.name == "secret.Dockerfile":
                raise PermissionError(13, "Permission denied", str(self))
            return real_read_bytes(self)

        monkeypatch.chdir(tmp_path)
        monkeypatch.setattr(Path, "read_bytes", read_bytes)
        result = CliRunner().invoke(app, ["fix", "secret.Dockerfile", "good.Dockerfile"])
        code, out, err = result.exit_code, result.stdout, result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit)
        monkeypatch.undo()
    assert "Traceback" not in err
    assert (code, out) == (2, "")
    assert_one_error_line(err, "secret.Dockerfile", "permission denied")
    assert err.splitlines()[-1] == FAILED_SUMMARY
    assert bad.read_bytes() == FIXABLE.encode()
    assert good.read_bytes() == FIXED.encode()


# --------------------------------------------------------------------------- 8. list, explain, version, help


def test_list_prints_a_table_of_transforms(tmp_path):
    code, out, err = run("list", cwd=tmp_path)
    assert (code, err) == (0, "")
    assert re.search(r"^code\s+name\s+hadolint\s+safety\s+severity\s+runs\s+summary", out, re.M)
    assert re.search(
        r"^DO101\s+merge-runs\s+DL3059\s+safe\s+info\s+default\s+Merge consecutive RUN instructions into one\s*$",
        out,
        re.M,
    )
    # opt-in transforms are marked, and run only when --select names them
    assert re.search(r"^DO305\s+strip-setuid\s+-\s+unsafe\s+warning\s+opt-in\s", out, re.M)
    assert re.search(r"^DO310\s+secrets-in-env\s+DL3064\s+display-only\s+error\s+default\s", out, re.M)
    # in code order, what BuildKit refuses among them (DO101 runs after DO102, it is listed before)
    codes = [line.split()[0] for line in out.splitlines()[1:]]
    assert codes == sorted(codes) and codes.index("DO101") < codes.index("DO102")
    assert len(codes) == len(set(codes)) == len(all_transforms()) + len(refusals.REFUSALS)


def test_list_as_json(tmp_path):
    code, out, err = run("list", "--output-format", "json", cwd=tmp_path)
    assert (code, err) == (0, "")
    listed = json.loads(out)
    assert [row["code"] for row in listed] == sorted(
        [t.code for t in all_transforms()] + [r.code for r in refusals.REFUSALS]
    )
    by_code = {row["code"]: row for row in listed}
    assert by_code["DO101"] == {
        "code": "DO101",
        "name": "merge-runs",
        "kind": "transform",
        "hadolint": ["DL3059"],
        "applicability": "safe",
        "opt_in": False,
        "severity": "info",
        "summary": "Merge consecutive RUN instructions into one",
    }
    assert (by_code["DO310"]["severity"], by_code["DO002"]["severity"]) == ("error", "error")
    assert [code for code, row in by_code.items() if row["opt_in"]] == ["DO305"]
    assert (by_code["DO002"]["kind"], by_code["DO002"]["applicability"]) == ("refusal", None)
    assert by_code["DO309"]["hadolint"] == ["DL3006", "DL3007"]


@pytest.mark.parametrize("key", ["DO101", "merge-runs", "DL3059", "do101", "dl3059"])
def test_explain_prints_the_transform_documentation(tmp_path, key):
    code, out, err = run("explain", key, cwd=tmp_path)
    assert (code, err) == (0, "")
    assert out.startswith(
        "DO101 merge-runs (answers hadolint DL3059), safe fix, severity info\n\n"
        "Merge consecutive RUN instructions into one.\n"
    )
    assert "## Fix safety" in out


def test_explain_says_a_display_only_transform_has_no_fix(tmp_path):
    code, out, err = run("explain", "DL3007", cwd=tmp_path)
    assert (code, err) == (0, "")
    assert out.startswith(
        "DO309 base-image-tag (answers hadolint DL3006, DL3007), display-only (no fix), severity warning\n\n"
    )


def test_explain_unknown_key_exits_2(tmp_path):
    assert run("explain", "NOPE", cwd=tmp_path) == (2, "", "error: unknown transform 'NOPE' (see `dockopt list`)\n")


@pytest.mark.parametrize(
    "args, meant",
    [
        (["explain", "merge-run"], "merge-runs"),
        (["explain", "unknown-instrction"], "unknown-instruction"),  # what BuildKit refuses has a name too
        (["explain", "DO1011"], "DO101"),
        (["check", "--select", "merge-run"], "merge-runs"),
        (["check", "--ignore", "non-root"], "non-root-user"),
        (["fix", "--extend-select", "strip-setiud"], "strip-setuid"),
    ],
)
def test_a_transform_named_wrong_gets_a_did_you_mean(tmp_path, args, meant):
    write(tmp_path / "Dockerfile", FIXABLE)
    bad = args[-1]
    assert run(*args, cwd=tmp_path) == (2, "", f"error: unknown transform '{bad}' (did you mean '{meant}'?)\n")


def test_a_code_is_suggested_only_when_close(tmp_path):
    # DO999 is three characters from every code: no guess
    assert run("explain", "DO999", cwd=tmp_path)[2] == "error: unknown transform 'DO999' (see `dockopt list`)\n"


def test_version_prints_the_version(tmp_path):
    assert run("--version", cwd=tmp_path) == (0, f"dockopt {dockopt.__version__}\n", "")


def test_python_m_dockopt_help_lists_the_commands(tmp_path):
    code, out, err = run("--help", cwd=tmp_path)
    assert (code, err) == (0, "")
    assert "Usage: python -m dockopt" in out
    for command in ("fix", "list", "explain"):
        assert re.search(rf"^\W*{command}\b", out, re.M), command


def test_fix_help_describes_the_options(tmp_path):
    code, out, err = run("fix", "--help", cwd=tmp_path)
    assert (code, err) == (0, "")
    for option in ("--diff", "--check", "--select", "--ignore", "--unsafe-fixes", "--quiet"):
        assert option in out


def test_parallel_jobs_give_the_same_results_in_the_same_order(tmp_path):
    for index in range(40):
        write(tmp_path / f"d{index:02}" / "Dockerfile", FIXABLE if index % 3 else CLEAN)
    write(tmp_path / "d05" / "Dockerfile.bad", "FROM x\nRUN <<EOF\n")
    one = run("fix", "--diff", "-j", "1", ".", cwd=tmp_path)
    two = run("fix", "--diff", "-j", "2", ".", cwd=tmp_path)
    assert one == two
    code, out, err = two
    assert code == 2 and out.count("--- a/") == 26
    assert err.splitlines()[-1].startswith("26 files would be changed, 14 unchanged, 1 failed")
    fixed = run("fix", "-j", "2", ".", cwd=tmp_path)
    assert fixed[0] == 2
    assert (tmp_path / "d01" / "Dockerfile").read_text() == FIXED


# --------------------------------------------------------------------------- 9. check

# a safe fix (DO101), an unsafe one (DO204) and display-only findings (DO309, DO310)
FINDINGS = "FROM node\nENV API_TOKEN=abc\nRUN mkdir -p /app\nRUN apt-get install -y curl\nUSER 10001:10001\n"
CHECKED = [
    "Dockerfile:1:6: DO309 warning: FROM node has no tag: it builds on whatever `latest` is that day; pin a version tag (or a digest)",
    (
        "Dockerfile:2:5: DO310 error: ENV API_TOKEN looks like a secret: ENV values are stored in the image's configuration; "
        "never bake secrets in the image, use RUN --mount=type=secret"
    ),
    "Dockerfile:4:1: DO101 [*] info: RUN can be merged into the RUN at line 3",
    "Dockerfile:4:5: DO204 warning: apt-get install without --no-install-recommends also installs recommended packages",
]


def message_of(line: str) -> str:
    """The message of a line of `check`'s text: after the code, the [*] mark and the severity."""
    return line.split(" ", 2)[2].removeprefix("[*] ").split(": ", 1)[1]


def test_check_lists_findings_sorted_with_fixable_marks_and_writes_nothing(tmp_path):
    target = write(tmp_path / "Dockerfile", FINDINGS)
    code, out, err = run("check", "Dockerfile", cwd=tmp_path)
    assert code == 1
    assert out.splitlines() == CHECKED
    assert err == "Found 4 findings in 1 file (1 fixable with `dockopt fix`, 1 more with `--unsafe-fixes`)\n"
    assert target.read_text() == FINDINGS


def test_check_with_unsafe_fixes_marks_unsafe_fixes_fixable(tmp_path):
    write(tmp_path / "Dockerfile", FINDINGS)
    code, out, err = run("check", "--unsafe-fixes", "Dockerfile", cwd=tmp_path)
    assert code == 1
    assert out.splitlines()[3].startswith("Dockerfile:4:5: DO204 [*] warning: apt-get install")
    assert err == "Found 4 findings in 1 file (2 fixable with `dockopt fix --unsafe-fixes`)\n"


def test_check_reports_findings_of_the_file_as_it_is_not_after_fixes(tmp_path):
    # merging the RUNs would move the second one; its findings keep their original place
    write(
        tmp_path / "Dockerfile",
        "FROM debian:12-slim\nRUN mkdir /a\nRUN curl -fsSL https://x.example/i.sh | sh\nUSER 1000\n",
    )
    code, out, _ = run("check", "Dockerfile", cwd=tmp_path)
    assert code == 1
    assert [line.split(" ", 2)[:2] for line in out.splitlines()] == [
        ["Dockerfile:3:1:", "DO101"],
        ["Dockerfile:3:1:", "DO304"],
        ["Dockerfile:3:5:", "DO311"],
    ]


def test_check_of_clean_files_exits_0_and_prints_no_findings(tmp_path):
    write(tmp_path / "a" / "Dockerfile", CLEAN)
    write(tmp_path / "b" / "Dockerfile", CLEAN)
    assert run("check", cwd=tmp_path) == (0, "", "Found 0 findings in 2 files\n")


def test_check_sorts_by_file_and_reports_a_bad_file_on_one_line(tmp_path):
    write(tmp_path / "b" / "Dockerfile", "FROM node\nUSER 1000\n")
    write(tmp_path / "a" / "Dockerfile", "FROM debian:12-slim\nENV GITHUB_TOKEN=x\nUSER 1000\n")
    bad = write(tmp_path / "c" / "Dockerfile", "FROM x\nRUN <<EOF\n")
    code, out, err = run("check", "b", "c", "a", "missing", cwd=tmp_path)
    assert code == 2
    assert [line.split(":")[0] for line in out.splitlines()] == ["a/Dockerfile", "b/Dockerfile"]
    assert_one_error_line(err, "c/Dockerfile", "cannot parse: line 2: unterminated heredoc")
    assert_one_error_line(err, "missing", "no such file or directory")
    assert err.splitlines()[-1] == "Found 2 findings in 2 files (0 fixable with `dockopt fix`); 2 failed"
    assert bad.read_text() == "FROM x\nRUN <<EOF\n"


def test_check_reads_stdin(tmp_path):
    code, out, _err = run("check", "-", cwd=tmp_path, stdin=FINDINGS.encode())
    assert code == 1
    assert out.splitlines() == [line.replace("Dockerfile:", "-:", 1) for line in CHECKED]
    assert run("check", "-", cwd=tmp_path, stdin=CLEAN.encode())[0] == 0


def test_check_of_bad_stdin_exits_2_with_one_error_line(tmp_path):
    code, out, err = run("check", "-q", "-", cwd=tmp_path, stdin=b"FROM x\nRUN echo \xff\n")
    assert (code, out) == (2, "")
    assert err == "error: -: not UTF-8 (byte 0xff at offset 16)\n"


@pytest.mark.parametrize("selector", ["DO310", "secrets-in-env", "DL3064"])
def test_check_select_and_ignore(tmp_path, selector):
    write(tmp_path / "Dockerfile", FINDINGS)
    code, out, err = run("check", "-q", "--select", selector, "Dockerfile", cwd=tmp_path)
    assert (code, out, err) == (1, CHECKED[1] + "\n", "")
    code, out, _ = run("check", "--select", "DO3", "--ignore", "DO309,DO310", "Dockerfile", cwd=tmp_path)
    assert (code, out) == (0, "")


def test_check_usage_errors_exit_2(tmp_path):
    write(tmp_path / "Dockerfile", FINDINGS)
    assert run("check", "--select", "DO999", "Dockerfile", cwd=tmp_path)[0] == 2
    assert run("check", "-", "Dockerfile", cwd=tmp_path)[0] == 2
    assert run("check", "--context", "nowhere", "Dockerfile", cwd=tmp_path)[0] == 2


def test_check_on_many_files_in_parallel_gives_the_same_output(tmp_path):
    for index in range(40):
        write(tmp_path / f"d{index:02}" / "Dockerfile", FINDINGS if index % 3 else CLEAN)
    one = run("check", "-j", "1", ".", cwd=tmp_path)
    two = run("check", "-j", "2", ".", cwd=tmp_path)
    assert one == two
    assert one[0] == 1 and len(one[1].splitlines()) == 26 * 4
