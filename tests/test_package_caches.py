"""Facts the pip, npm, yarn and gem transforms share (dockopt/package_caches.py).

Expected values follow BuildKit (what ENV a RUN sees, which mounts keep a directory out of
the image) and the shell (what `VAR=1 cmd`, `export` and `rm` do).
"""

from __future__ import annotations

import pytest

from dockopt.fix import apply_edits
from dockopt.package_caches import (
    assignments_before_program,
    clean_edit,
    cleaned_after,
    env_before,
    exported_before,
    later_runs,
    mount_targets,
    mounted,
    offline_later,
    removes,
    unquote,
    wrapper_prefix,
)
from dockopt.packages import invocations
from dockopt.shell import script_of
from dockopt.syntax import parse


def _runs(text: str):
    df = parse(text)
    return df, [i for i in df.instructions if (i.sub or i).command == "RUN"]


def test_env_before_a_run() -> None:
    df, runs = _runs(
        "FROM python:3.12 AS base\n"
        'ENV PIP_NO_CACHE_DIR=1 QUOTED="a b"\n'
        "ONBUILD ENV FROM_TRIGGER=yes\n"
        "FROM base\n"
        "ENV LEGACY value with spaces\n"
        "ENV FROM_VAR=$HOME/x\n"
        "RUN pip install flask\n"
        "ENV LATER=1\n"
    )
    assert env_before(df, runs[0]) == {
        "PIP_NO_CACHE_DIR": "1",
        "QUOTED": "a b",
        "FROM_TRIGGER": "yes",  # the base's ONBUILD ENV fires in a stage built FROM it
        "LEGACY": "value with spaces",
        "FROM_VAR": None,  # expands a variable: not known
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", "plain"),
        ("'a b'", "a b"),
        ('"a"b', "ab"),
        ("a\\ b", "a b"),
        ("$HOME", None),
        ("${X:-1}", None),
        ("`pwd`", None),
        ("'open", None),
    ],
)
def test_unquote(value: str, expected: str | None) -> None:
    assert unquote(value) == expected


def _invocation(run: str, manager: str):
    df = parse(f"FROM python:3.12\nRUN {run}\n")
    return df, next(i for i in invocations(df, df.instructions[1]) if i.manager == manager)


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("PIP_NO_CACHE_DIR=off pip install x", {"PIP_NO_CACHE_DIR": "off"}),
        ("env PIP_NO_CACHE_DIR=1 A='b c' pip install x", {"PIP_NO_CACHE_DIR": "1", "A": "b c"}),
        ("pip install x", {}),
        ("PIP_NO_CACHE_DIR=1 true && pip install x", {}),  # another command's
    ],
)
def test_assignments_before_program(run: str, expected: dict) -> None:
    _, invocation = _invocation(run, "pip")
    assert assignments_before_program(invocation) == expected


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("export PIP_NO_CACHE_DIR=1 && pip install x", {"PIP_NO_CACHE_DIR": "1"}),
        ("export A=1 B=$X; pip install x", {"A": "1", "B": None}),
        ("pip install x && export PIP_NO_CACHE_DIR=1", {}),  # after it
        ("(export PIP_NO_CACHE_DIR=1) && pip install x", {}),  # in a subshell: gone when it ends
    ],
)
def test_exported_before(run: str, expected: dict) -> None:
    df, invocation = _invocation(run, "pip")
    assert exported_before(df, invocation) == expected


@pytest.mark.parametrize(
    ("flags", "paths", "expected"),
    [
        ("--mount=type=cache,target=/root/.cache/pip", [".cache/pip"], True),
        ("--mount=type=cache,target=/root/.cache/pip/", ["/root/.cache/pip"], True),
        ("--mount=type=tmpfs,target=/root/.npm", [".npm"], True),
        ("--mount=type=cache,target=/root/.cache/pip/http", ["/root/.cache/pip"], True),  # inside the cache
        ("--mount=type=cache,target=/root/.cache", ["/root/.cache/pip"], True),  # around it
        ("--mount=type=cache,target=/root/.cache/pipx", [".cache/pip"], False),
        ("--mount=type=bind,target=/root/.cache/pip", [".cache/pip"], False),  # a bind mount is no cache
        ("--mount=type=secret,id=npmrc,target=/root/.npmrc", [".npm"], False),
        ("", [".cache/pip"], False),
    ],
)
def test_mounted(flags: str, paths: list[str], expected: bool) -> None:
    _df, runs = _runs(f"FROM python:3.12\nRUN {flags} pip install x\n")
    assert mounted(runs[0], paths) is expected


def test_mount_targets() -> None:
    _df, runs = _runs(
        "FROM node\nRUN --mount=type=cache,target=/root/.npm/ --mount=type=bind,target=/src "
        "--mount=type=tmpfs,target=/tmp npm ci\n"
    )
    assert mount_targets(runs[0]) == ["/root/.npm", "/tmp"]


def test_later_runs() -> None:
    df, runs = _runs("FROM node AS a\nRUN one\nRUN two\nFROM a AS b\nRUN three\nFROM node\nRUN four\n")
    assert later_runs(df, runs[0]) == {id(runs[1]), id(runs[2])}  # its stage, and the stage built FROM it
    assert later_runs(df, runs[2]) == set()


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("rm -rf /root/.npm", True),
        ("rm -rf /root/.npm/", True),
        ("rm -rf /root/.npm/*", True),
        ('rm -rf "$HOME/.npm"', True),
        ("rm -rf ~/.npm", True),
        ("rm -rf /root/.npm/_cacache", False),  # a part of it
        ("rm -rf /root/.npmrc", False),
        ("echo /root/.npm", False),
    ],
)
def test_removes(command: str, expected: bool) -> None:
    df = parse(f"FROM node\nRUN {command}\n")
    (cmd,) = script_of(df, df.instructions[1]).commands
    assert removes(cmd, [".npm"]) is expected


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("npm ci && npm cache clean --force", True),
        ("npm ci && rm -rf /root/.npm", True),
        ("npm cache clean --force && npm ci", False),  # before the install
        ("npm ci && npm cache verify", False),
        ("npm ci", False),
    ],
)
def test_cleaned_after(run: str, expected: bool) -> None:
    df = parse(f"FROM node\nRUN {run}\n")
    last = [i for i in invocations(df, df.instructions[1]) if i.subcommand == "ci"][-1]
    assert cleaned_after(df, last, {"clean"}, [".npm"]) is expected


def test_offline_later() -> None:
    df, runs = _runs("FROM node AS deps\nRUN yarn install\nFROM deps\nRUN yarn install --offline\n")
    assert offline_later(df, runs[0], "yarn")
    assert not offline_later(df, runs[1], "yarn")
    assert not offline_later(df, runs[0], "npm")


def test_wrapper_prefix() -> None:
    df, invocation = _invocation("sudo -u node npm ci", "npm")
    assert wrapper_prefix(df, invocation) == "sudo -u node "
    df, invocation = _invocation("npm ci", "npm")
    assert wrapper_prefix(df, invocation) == ""


def _cleaned(run: str) -> str | None:
    df = parse(f"FROM node:20\nRUN {run}\n")
    last = [i for i in invocations(df, df.instructions[1]) if i.manager == "npm" and i.subcommand == "ci"][-1]
    edit = clean_edit(df, df.instructions[1], last, "npm cache clean --force")
    return None if edit is None else apply_edits(df.text, [edit]).splitlines()[1]


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("npm ci", "RUN npm ci && npm cache clean --force"),
        ("npm ci && npm run build", "RUN npm ci && npm run build && npm cache clean --force"),
        # the end of the RUN removes npm: the clean must come before that
        (
            "apk add nodejs npm && npm ci && apk del nodejs npm",
            "RUN apk add nodejs npm && npm ci && npm cache clean --force && apk del nodejs npm",
        ),
        (
            "npm ci && rm -rf /usr/local/lib/node_modules/npm",
            "RUN npm ci && npm cache clean --force && rm -rf /usr/local/lib/node_modules/npm",
        ),
        # there it would run under the `||`: left alone
        ("apk add npm && npm ci || true && apk del npm", None),
    ],
)
def test_clean_edit(run: str, expected: str | None) -> None:
    assert _cleaned(run) == expected


def test_clean_edit_on_a_continued_line() -> None:
    df = parse("FROM node:20\nRUN apk add npm \\\n    && npm ci \\\n    && apk del npm\n")
    last = next(i for i in invocations(df, df.instructions[1]) if i.subcommand == "ci")
    edit = clean_edit(df, df.instructions[1], last, "npm cache clean --force")
    assert apply_edits(df.text, [edit]) == (
        "FROM node:20\nRUN apk add npm \\\n    && npm ci \\\n    && npm cache clean --force \\\n    && apk del npm\n"
    )
