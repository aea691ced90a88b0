"""What BuildKit would refuse, end to end: `dockopt fix` leaves the file alone (exit 2, one
line), `dockopt check` reports it as findings (exit 1), nothing turns it off, and `list`,
`explain` and the engine know it."""

from __future__ import annotations

import pytest

from dockopt.engine import Settings, fix_source, process_text
from dockopt.registry import all_transforms, select
from dockopt.validity import Refused

from conftest import corpus_files
from test_cli import run, write

REFUSED = "FROM debian:12-slim\nRUNN apt-get update\nRUN mkdir /a\nRUN mkdir /b\nUSER 10001:10001\n"
LINE = "error: {path}: line 2: unknown instruction: RUNN (did you mean RUN?) (DO002)"
FIXABLE = "FROM debian:12-slim\nRUN mkdir /a\nRUN mkdir /b\nUSER 10001:10001\n"


def test_fix_leaves_a_refused_file_untouched_with_one_line_and_fixes_the_others(tmp_path):
    bad = write(tmp_path / "bad" / "Dockerfile", REFUSED)
    good = write(tmp_path / "good" / "Dockerfile", FIXABLE)
    code, out, err = run("fix", ".", cwd=tmp_path)
    assert (code, out) == (2, "")
    assert bad.read_text() == REFUSED
    assert good.read_text() != FIXABLE  # merged
    lines = err.splitlines()
    assert LINE.format(path="bad/Dockerfile") in lines
    assert sum(line.startswith("error:") for line in lines) == 1
    assert "1 file changed, 0 unchanged, 1 failed" in err


@pytest.mark.parametrize("mode", ["--diff", "--check"])
def test_fix_diff_and_check_show_nothing_for_a_refused_file_and_exit_2(tmp_path, mode):
    write(tmp_path / "Dockerfile", REFUSED)
    code, out, err = run("fix", mode, "Dockerfile", cwd=tmp_path)
    assert (code, out) == (2, "")
    assert err.splitlines()[0] == LINE.format(path="Dockerfile")


def test_fix_on_stdin_passes_a_refused_file_through(tmp_path):
    code, out, err = run("fix", "-", cwd=tmp_path, stdin=REFUSED.encode())
    assert (code, out, err.splitlines()[0]) == (2, REFUSED, LINE.format(path="-"))
    code, out, err = run("fix", "--diff", "-", cwd=tmp_path, stdin=REFUSED.encode())
    assert (code, out, err.splitlines()[0]) == (2, "", LINE.format(path="-"))


def test_check_reports_refusals_with_the_other_findings_and_exits_1(tmp_path):
    write(tmp_path / "Dockerfile", REFUSED)
    code, out, err = run("check", "Dockerfile", cwd=tmp_path)
    assert code == 1
    assert out.splitlines() == [
        "Dockerfile:2:1: DO002 error: unknown instruction: RUNN (did you mean RUN?)",
        "Dockerfile:4:1: DO101 [*] info: RUN can be merged into the RUN at line 3",
    ]
    assert "BuildKit would refuse to build 1 file" in err


def test_selection_does_not_turn_refusals_off_and_naming_one_is_an_error(tmp_path):
    write(tmp_path / "Dockerfile", REFUSED)
    code, out, _ = run("check", "--select", "DO309", "Dockerfile", cwd=tmp_path)
    assert (code, out) == (1, "Dockerfile:2:1: DO002 error: unknown instruction: RUNN (did you mean RUN?)\n")
    for option in ("--ignore", "--select", "--extend-select"):
        for selector in ("DO002", "unknown-instruction"):
            code, out, err = run("check", option, selector, "Dockerfile", cwd=tmp_path)
            assert (code, out) == (2, "")
            assert "cannot be selected or ignored: what BuildKit refuses to build is always reported" in err
    # a prefix that reaches DO001 (a transform) is fine
    assert run("check", "--ignore", "DO0", "Dockerfile", cwd=tmp_path)[0] == 1


def test_a_configuration_cannot_ignore_a_refusal(tmp_path):
    write(tmp_path / "Dockerfile", REFUSED)
    write(tmp_path / ".dockopt.toml", 'ignore = ["DO002"]\n')
    code, out, err = run("check", "Dockerfile", cwd=tmp_path)
    assert (code, out) == (2, "")
    assert "'DO002' (DO002 unknown-instruction) cannot be selected or ignored" in err


def test_a_suppression_comment_cannot_silence_a_refusal_and_invalid_suppression_says_so(tmp_path):
    text = "FROM debian:12-slim\n# dockopt: ignore=DO002\nRUNN apt-get update\nUSER 10001:10001\n"
    write(tmp_path / "Dockerfile", text)
    code, out, _ = run("check", "Dockerfile", cwd=tmp_path)
    assert code == 1
    assert out.splitlines() == [
        "Dockerfile:2:19: DO001 warning: 'DO002' (DO002 unknown-instruction) cannot be suppressed: what BuildKit refuses to build is always reported",
        "Dockerfile:3:1: DO002 error: unknown instruction: RUNN (did you mean RUN?)",
    ]


def test_explain_and_list_know_the_refusals(tmp_path):
    code, out, _ = run("explain", "unknown-instruction", cwd=tmp_path)
    assert code == 0
    assert out.startswith("DO002 unknown-instruction, error: BuildKit would refuse to build the file (always on:")
    assert "## What it does" in out
    code, out, _ = run("list", cwd=tmp_path)
    rows = [line.split()[:2] for line in out.splitlines()[1:]]
    assert ["DO002", "unknown-instruction"] in rows and ["DO012", "invalid-stage-reference"] in rows
    assert sorted(rows) == rows  # in code order: the refusals (DO002-DO012) among the transforms
    assert [row for row in rows if row[0] in {t.code for t in all_transforms()}] == sorted(
        [t.code, t.name] for t in all_transforms()
    )


def test_the_engine_refuses_at_the_file_boundary_only():
    transforms = select()
    # fix_source alone (what transforms are tested with) runs the transforms on any parsed file
    assert fix_source(REFUSED, transforms).changed
    with pytest.raises(Refused):
        fix_source(REFUSED, transforms, refusals=True)
    fixed = process_text("Dockerfile", REFUSED, Settings(transforms))
    assert (fixed.status, fixed.error, fixed.source) == (
        "failed",
        "line 2: unknown instruction: RUNN (did you mean RUN?) (DO002)",
        REFUSED,
    )
    checked = process_text("Dockerfile", REFUSED, Settings(transforms, check=True))
    assert checked.status == "unchanged"
    assert [(d.code, d.severity, d.fixable) for d in checked.diagnostics] == [
        ("DO002", "error", False),
        ("DO101", "info", True),
    ]


# The corpus files BuildKit refuses, each read and checked by hand against BuildKit's code
# (a template placeholder in FROM twice, continuation lines that lost their backslash).
CORPUS_REFUSED = {
    "04f74863cf752d9e.Dockerfile": ["DO007"],  # FROM {ARG_FROM}
    "8ccf307332dbc07f.Dockerfile": ["DO002", "DO002"],  # "&& useradd" lines after a RUN without "\"
    "aa785b895e235bf0.Dockerfile": ["DO007"],  # FROM resin/%%RESIN_MACHINE_NAME%%-buildpack-deps
}


def test_only_the_corpus_files_buildkit_refuses_are_refused():
    from dockopt.syntax import DockerfileSyntaxError, parse
    from dockopt.validity import problems

    files = corpus_files()
    if not files:
        pytest.skip("corpus not found")
    refused = {}
    for path in files:
        try:
            df = parse(path.read_bytes().decode("utf-8", "replace"))
        except DockerfileSyntaxError:
            continue
        found = problems(df)
        if found:
            refused[path.name] = [p.code for p in found]
    assert refused == CORPUS_REFUSED
