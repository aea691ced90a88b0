"""The stage model: WORKDIR, variables, USER and the paths instructions name, as BuildKit
dispatches them (dockopt/model.py)."""

from __future__ import annotations

import pytest

from dockopt import model
from dockopt.syntax import parse


def _at(text: str, line: int):
    """The parsed file and the instruction starting on ``line``."""
    df = parse(text)
    return df, next(i for i in df.instructions if i.start_line == line)


def _workdir(text: str, line: int) -> str | None:
    df, instruction = _at(text, line)
    return model.state_at(df, instruction).workdir


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('FROM debian\nWORKDIR "/srv/app"\nRUN x\n', "/srv/app"),
        ("FROM debian\nWORKDIR '/srv/app'\nRUN x\n", "/srv/app"),
        ("FROM debian\nWORKDIR /srv\nWORKDIR app/../web\nRUN x\n", "/srv/web"),
        ("FROM debian\nENV HOME_DIR=/home/me\nWORKDIR $HOME_DIR/app\nRUN x\n", "/home/me/app"),
        ("FROM debian\nARG BASE=/opt\nWORKDIR ${BASE}/tool\nRUN x\n", "/opt/tool"),
        ("FROM debian\nWORKDIR ${UNSET:-/fallback}\nRUN x\n", None),  # may be a build argument
        ("FROM debian\nARG EMPTY=\nWORKDIR ${EMPTY:-/fallback}\nRUN x\n", "/fallback"),
        ("FROM debian\nWORKDIR /$GOPATH\nRUN x\n", None),  # the image's variable: unknown
        ("FROM debian\nWORKDIR //double\nRUN x\n", "/double"),
        ("FROM debian\nWORKDIR /my dir\nRUN x\n", "/my dir"),
        ("FROM debian\nRUN x\n", "/"),
        ("FROM golang:1.22\nRUN x\n", "/go"),  # the image's own WORKDIR
        ("FROM golang:1.22\nWORKDIR $GOPATH/src/app\nRUN x\n", "/go/src/app"),  # the image's own ENV
        ("FROM golang:1.22\nENV GOPATH=/gopath\nWORKDIR $GOPATH/src/app\nRUN x\n", "/gopath/src/app"),
        ("FROM example.com/golang:1.22\nWORKDIR $GOPATH/src/app\nRUN x\n", None),  # not the official image
        ("FROM php:8-apache\nRUN x\n", "/var/www/html"),
        ("FROM mcr.microsoft.com/windows/servercore\nWORKDIR C:\\\\app\nRUN x\n", None),
    ],
)
def test_workdir(text: str, expected: str | None) -> None:
    line = text.count("\n")
    assert _workdir(text, line) == expected


def test_an_unknown_workdir_then_a_quoted_absolute_one() -> None:
    # the instance of issue 12: a quoted WORKDIR after one that expands an unknown variable
    text = (
        'FROM debian\nARG BUILD_DIR\nWORKDIR "${BUILD_DIR}"\nRUN a\nWORKDIR "/workspace"\nRUN b\nWORKDIR sub\nRUN c\n'
    )
    assert _workdir(text, 4) is None
    assert _workdir(text, 6) == "/workspace"
    assert _workdir(text, 8) == "/workspace/sub"


def test_relative_after_unknown_stays_unknown() -> None:
    text = "FROM debian\nWORKDIR $X\nWORKDIR sub\nRUN a\n"
    assert _workdir(text, 4) is None


def test_a_stage_from_a_stage_carries_workdir_and_env_not_args() -> None:
    text = (
        "FROM debian AS base\nARG ONLY_HERE=/arg\nENV APP=/env\nWORKDIR /w\n"
        "FROM base\nRUN a\nWORKDIR $APP\nRUN b\nWORKDIR $ONLY_HERE\nRUN c\n"
    )
    assert _workdir(text, 6) == "/w"
    assert _workdir(text, 8) == "/env"
    assert _workdir(text, 10) is None


def test_a_stage_from_an_image_starts_afresh() -> None:
    text = "FROM debian AS one\nWORKDIR /one\nENV A=/a\nFROM debian\nWORKDIR $A\nRUN x\n"
    assert _workdir(text, 6) is None


def test_env_wins_over_arg_and_pairs_see_the_values_before_them() -> None:
    text = "FROM debian\nARG V=/arg\nENV V=/env W=$V\nRUN x\n"
    df, run = _at(text, 4)
    state = model.state_at(df, run)
    assert state.variables["V"] == "/env"
    assert state.variables["W"] == "/arg"  # expanded with V as it was before this ENV


def test_an_env_set_to_an_unknown_value_hides_the_arg() -> None:
    text = "FROM debian\nARG V=/arg\nENV V=$IMAGE_VAR\nWORKDIR $V\nRUN x\n"
    assert _workdir(text, 5) is None


def test_arg_without_default_takes_the_global_default() -> None:
    text = "ARG ROOT=/srv\nFROM debian\nARG ROOT\nWORKDIR $ROOT\nRUN x\n"
    assert _workdir(text, 5) == "/srv"
    # not declared in the stage: a global ARG is not visible there
    assert _workdir("ARG ROOT=/srv\nFROM debian\nWORKDIR $ROOT\nRUN x\n", 4) is None


def test_legacy_env_form_and_quotes() -> None:
    text = 'FROM debian\nENV APP_HOME /opt/my app\nENV Q="/quoted dir"\nRUN x\n'
    df, run = _at(text, 4)
    variables = model.state_at(df, run).variables
    assert variables["APP_HOME"] == "/opt/my app"
    assert variables["Q"] == "/quoted dir"


def test_onbuild_changes_nothing() -> None:
    assert _workdir("FROM debian\nWORKDIR /a\nONBUILD WORKDIR /b\nRUN x\n", 4) == "/a"


def test_escape_directive_backtick() -> None:
    text = "# escape=`\nFROM debian\nENV D=/data\nWORKDIR ${D}/x`\ny\nRUN z\n"
    df = parse(text)
    run = df.instructions[-1]
    assert model.state_at(df, run).workdir == "/data/xy"


@pytest.mark.parametrize(
    ("copy", "expected"),
    [
        ("COPY a.txt .", "/app"),
        ("COPY a.txt ./b/", "/app/b"),
        ('COPY a.txt "/quoted/"', "/quoted"),
        ('COPY a.txt "/two words/"', None),  # BuildKit splits at blanks: `"/two` does not lex
        ('COPY ["a.txt", "/json/dest"]', "/json/dest"),
        ("COPY a.txt $DEST", "/dest"),
        ("COPY a.txt $NOT_KNOWN/x", None),
        ("COPY a.txt", None),
    ],
)
def test_copy_destination(copy: str, expected: str | None) -> None:
    df, instruction = _at(f"FROM debian\nENV DEST=/dest\nWORKDIR /app\n{copy}\n", 4)
    assert model.destination(df, instruction) == expected


def test_volumes() -> None:
    df, volume = _at('FROM debian\nENV DATA=/data\nVOLUME ["$DATA", "/logs/", "relative", "$UNKNOWN"]\n', 3)
    assert model.volumes(df, volume) == ["/data", "/logs", None, None]


def test_expand_a_chown_user() -> None:
    df, copy = _at("FROM debian\nARG UID=1000\nCOPY --chown=${UID}:${UID} a /a\n", 3)
    assert model.expand(df, copy, copy.flag("chown").value) == "1000:1000"


@pytest.mark.parametrize(
    ("directory", "path", "expected"),
    [
        ("/app", "x", "/app/x"),
        ("/app", "/abs/../y", "/y"),
        ("/app", "a$b", "/app/a$b"),  # a shell value: the `$` is a character
        (None, "x", None),
        (None, "/x", "/x"),
        ("/app", "~/x", None),
        ("/app", None, None),
        ("/app", "", None),
        ("/app", "C:\\x", None),
    ],
)
def test_join(directory, path, expected) -> None:
    assert model.join(directory, path) == expected


def test_shell_path_uses_the_workdir_of_the_instruction() -> None:
    df, run = _at("FROM debian\nWORKDIR /srv\nRUN ./build.sh\n", 3)
    assert model.shell_path(df, run, "./build.sh") == "/srv/build.sh"


def test_user_and_root() -> None:
    text = "FROM debian AS a\nUSER app\nFROM a\nRUN x\nUSER root\nRUN y\nUSER ${WHO}\n"
    df = parse(text)
    first, second = df.stages
    runs = [i for i in second.instructions if i.command == "RUN"]
    assert model.user_at(df, second, runs[0]) == "app"
    assert model.runs_as_root(df, second, runs[0]) is False
    assert model.runs_as_root(df, second, runs[1]) is True
    assert model.user_at(df, second) == "${WHO}"
    assert model.runs_as_root(df, second) is None
    assert model.runs_as_root(df, first, first.instructions[0]) is True  # debian: root


def test_the_model_is_worked_out_once_per_tree() -> None:
    df, run = _at("FROM debian\nWORKDIR /a\nRUN x\n", 3)
    first = model.state_at(df, run)
    assert model.state_at(df, run) is first


def test_image_reference_of_a_run_is_its_chain_root_with_arg_defaults() -> None:
    df = parse("ARG V=20\nFROM node:${V} AS a\nRUN one\nFROM a\nRUN two\n")
    assert model.image_reference(df, df.instructions[-1]) == "node:20"
    assert model.image_reference(df, df.instructions[2]) == "node:20"
