"""`check --exit-zero`, `check --statistics` and `--stdin-filename` (fix and check), end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from test_cli import CLEAN, DIFF, FIXABLE, run, write

# four findings of three codes: two merges (DO101, fixable), a shell-form CMD (DO303, fixable),
# a full base image (DO401, unsafe: not fixable without --unsafe-fixes)
MANY = "FROM debian:bookworm\nRUN echo a\nRUN echo b\nRUN echo c\nUSER 10001:10001\nCMD python3 app.py\n"


# --------------------------------------------------------------------------- --exit-zero


def test_exit_zero_exits_0_with_findings_and_still_lists_them(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", FIXABLE)
    code, out, _ = run("check", "--isolated", "Dockerfile", cwd=tmp_path)
    assert code == 1
    code, out_zero, err = run("check", "--isolated", "--exit-zero", "Dockerfile", cwd=tmp_path)
    assert code == 0 and out_zero == out and "DO101" in out
    assert err == "Found 1 finding in 1 file (1 fixable with `dockopt fix`)\n"


def test_exit_zero_still_exits_2_when_a_file_cannot_be_checked(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", "FROM a\nRUN <<EOF\nnever ends\n")
    code, _, err = run("check", "--isolated", "--exit-zero", "Dockerfile", cwd=tmp_path)
    assert code == 2 and err.startswith("error: Dockerfile: ")


# --------------------------------------------------------------------------- --statistics


def test_statistics_count_each_code_most_first_instead_of_the_findings(tmp_path: Path) -> None:
    write(tmp_path / "a" / "Dockerfile", MANY)
    write(tmp_path / "b" / "Dockerfile", FIXABLE)
    code, out, err = run("check", "--isolated", "--statistics", "a", "b", cwd=tmp_path)
    assert code == 1
    assert out == (
        "3\tDO101\t[*] merge-runs\n"  # two in a, one in b
        "1\tDO303\t[*] exec-form-cmd\n"
        "1\tDO401\t[ ] slim-base\n"
    )
    assert err == "Found 5 findings in 2 files (4 fixable with `dockopt fix`, 1 more with `--unsafe-fixes`)\n"
    code, out, _ = run("check", "--isolated", "--statistics", "--unsafe-fixes", "a", cwd=tmp_path)
    assert out.splitlines()[-1] == "1\tDO401\t[*] slim-base"


def test_statistics_in_json_and_not_in_the_document_formats(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", MANY)
    code, out, _ = run("check", "--isolated", "--statistics", "--output-format", "json", "Dockerfile", cwd=tmp_path)
    assert code == 1
    assert json.loads(out) == [
        {"code": "DO101", "name": "merge-runs", "count": 2, "fixable": 2},
        {"code": "DO303", "name": "exec-form-cmd", "count": 1, "fixable": 1},
        {"code": "DO401", "name": "slim-base", "count": 1, "fixable": 0},
    ]
    code, out, err = run("check", "--statistics", "--output-format", "sarif", "Dockerfile", cwd=tmp_path)
    assert (code, out, err) == (2, "", "error: --statistics prints text or json, not sarif\n")


def test_statistics_of_a_clean_file_print_nothing(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", CLEAN)
    assert run("check", "--isolated", "--statistics", "Dockerfile", cwd=tmp_path)[:2] == (0, "")


# --------------------------------------------------------------------------- --stdin-filename


def test_fix_diff_of_stdin_names_the_file(tmp_path: Path) -> None:
    code, out, _ = run(
        "fix", "--isolated", "--diff", "--stdin-filename", "Dockerfile", cwd=tmp_path, stdin=FIXABLE.encode()
    )
    assert (code, out) == (1, DIFF)
    code, out, _ = run("fix", "--isolated", "--diff", "-", cwd=tmp_path, stdin=FIXABLE.encode())
    assert out.startswith("--- a/-\n")  # without it, as before


def test_stdin_filename_takes_the_configuration_found_from_it(tmp_path: Path) -> None:
    write(tmp_path / "app" / ".dockopt.toml", 'ignore = ["merge-runs"]\n')
    for args in (["--stdin-filename", "app/Dockerfile"], ["--stdin-filename", "app/Dockerfile", "-"]):
        code, out, _ = run("fix", *args, cwd=tmp_path, stdin=FIXABLE.encode())
        assert (code, out) == (0, FIXABLE)  # merge-runs ignored there
    code, out, _ = run("fix", "-", cwd=tmp_path, stdin=FIXABLE.encode())
    assert out != FIXABLE  # the current directory's (none): merged
    code, out, _ = run("check", "--show-settings", "--stdin-filename", "app/Dockerfile", cwd=tmp_path)
    assert out.startswith("settings for: app/Dockerfile\nconfiguration file: app/.dockopt.toml\n")


def test_check_stdin_filename_names_findings_and_errors(tmp_path: Path) -> None:
    code, out, _ = run(
        "check", "--isolated", "--stdin-filename", "sub/Dockerfile", cwd=tmp_path, stdin=FIXABLE.encode()
    )
    assert code == 1 and out == "sub/Dockerfile:3:1: DO101 [*] info: RUN can be merged into the RUN at line 2\n"
    code, out, err = run("check", "--isolated", "--stdin-filename", "x/Dockerfile", cwd=tmp_path, stdin=b"\xff\xfe\x00")
    assert code == 2 and err.startswith("error: x/Dockerfile: ")


def test_stdin_filename_reads_the_build_context_beside_it(tmp_path: Path) -> None:
    # dependency-manifests-first (DO103) fixes only when it sees the build context
    text = (
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\nUSER 1000\n"
    )
    write(tmp_path / "svc" / "requirements.txt", "flask\n")
    _, beside, _ = run("check", "--isolated", "--stdin-filename", "svc/Dockerfile", cwd=tmp_path, stdin=text.encode())
    _, alone, _ = run("check", "--isolated", "-", cwd=tmp_path, stdin=text.encode())
    assert "svc/Dockerfile:3:1: DO103 [*] warning: COPY" in beside  # requirements.txt found: a fix
    assert "-:3:1: DO103 warning: COPY" in alone and "(display-only: no build context)" in alone


@pytest.mark.parametrize("command", ["fix", "check"])
def test_stdin_filename_with_other_paths_is_a_usage_error(command: str, tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", FIXABLE)
    code, out, err = run(command, "--stdin-filename", "x", "Dockerfile", cwd=tmp_path)
    assert (code, out, err) == (2, "", "error: --stdin-filename names stdin: give no PATH, or '-'\n")
