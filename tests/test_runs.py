"""Editing the shell of a RUN (dockopt/runs.py): appending, prepending and removing a command in the
file's own style, and where that cannot be done safely."""

from __future__ import annotations

import pytest

from dockopt.fix import apply_edits
from dockopt.runs import Style, append_command, prepend_command, remove_command, style_of
from dockopt.shell import script_of
from dockopt.syntax import parse


def _appended(run: str) -> str | None:
    df = parse(f"FROM debian:bookworm-slim\n{run}\n")
    edit = append_command(df, df.instructions[1], "rm -rf /tmp/x")
    return None if edit is None else apply_edits(df.text, [edit]).splitlines()[1]


@pytest.mark.parametrize(
    "run",
    [
        "RUN make; exit $code",
        "RUN make && exit 0",
        "RUN exit 1",
        "RUN make && exec ./server",
    ],
)
def test_nothing_is_appended_after_the_shell_is_left(run: str) -> None:
    assert _appended(run) is None


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("RUN make || exit 1", "RUN make || exit 1 && rm -rf /tmp/x"),
        ("RUN if [ -f x ]; then exit 1; fi", "RUN if [ -f x ]; then exit 1; fi && rm -rf /tmp/x"),
        ("RUN exec 2>&1; make", "RUN exec 2>&1; make && rm -rf /tmp/x"),
        ("RUN make", "RUN make && rm -rf /tmp/x"),
    ],
)
def test_appended_where_it_runs(run: str, expected: str) -> None:
    assert _appended(run) == expected


def _appended_file(text: str, command: str = "rm -rf /tmp/x") -> str | None:
    df = parse(text)
    run = [i for i in df.instructions if (i.sub or i).command == "RUN"][-1]
    edit = append_command(df, run, command)
    return None if edit is None else apply_edits(df.text, [edit])


@pytest.mark.parametrize(
    "text",
    [
        'FROM debian\nRUN ["make"]\n',  # exec form: no shell
        "FROM debian\nRUN <<EOF\nmake\nEOF\n",  # a heredoc
        'FROM debian\nSHELL ["pwsh", "-Command"]\nRUN make\n',  # not a POSIX shell
        "FROM debian\nRUN make # comment\n",  # the comment would swallow it
        "FROM debian\nRUN server & sleep 1\n",  # a background job
        "FROM debian\nRUN make && (\n",  # does not parse
    ],
)
def test_nothing_is_appended_where_it_cannot_be(text: str) -> None:
    assert _appended_file(text) is None


def test_appended_on_a_new_line_in_the_files_style() -> None:
    leading = "FROM debian\nRUN apt-get update \\\n  && apt-get install -y curl\n"
    assert (
        _appended_file(leading)
        == "FROM debian\nRUN apt-get update \\\n  && apt-get install -y curl \\\n  && rm -rf /tmp/x\n"
    )
    trailing = "FROM debian\nRUN apt-get update && \\\n\tapt-get install -y curl\n"
    assert (
        _appended_file(trailing)
        == "FROM debian\nRUN apt-get update && \\\n\tapt-get install -y curl && \\\n\trm -rf /tmp/x\n"
    )


def test_appended_with_the_files_escape_and_line_endings() -> None:
    text = "# escape=`\r\nFROM debian\r\nRUN apt-get update `\r\n    && apt-get install -y curl\r\n"
    assert _appended_file(text) == (
        "# escape=`\r\nFROM debian\r\nRUN apt-get update `\r\n    && apt-get install -y curl `\r\n    && rm -rf /tmp/x\r\n"
    )


def test_a_long_line_is_continued() -> None:
    text = f"FROM debian\nRUN {'x' * 90}\n"
    assert _appended_file(text) == f"FROM debian\nRUN {'x' * 90} \\\n    && rm -rf /tmp/x\n"


def test_appended_to_an_onbuild_run() -> None:
    assert _appended_file("FROM debian\nONBUILD RUN make\n") == "FROM debian\nONBUILD RUN make && rm -rf /tmp/x\n"


def test_a_trailing_semicolon_is_replaced() -> None:
    assert _appended_file("FROM debian\nRUN make;\n") == "FROM debian\nRUN make && rm -rf /tmp/x\n"


def _prepended(run: str) -> str | None:
    df = parse(f"FROM debian\n{run}\n")
    edits = prepend_command(df, df.instructions[1], "set -x")
    return None if edits is None else apply_edits(df.text, edits).splitlines()[1]


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("RUN make", "RUN set -x && make"),
        ("RUN make && make install", "RUN set -x && make && make install"),
        ("RUN make | tee log", "RUN set -x && make | tee log"),
        # a list of its own runs only when the first command succeeded: grouped
        ("RUN make; make install", "RUN set -x && { make; make install; }"),
        ("RUN make || true", "RUN set -x && { make || true; }"),
        ("RUN make;", "RUN set -x && make;"),
        ("RUN sleep 1 & make", None),
        ('RUN ["make"]', None),
    ],
)
def test_prepend_command(run: str, expected: str | None) -> None:
    assert _prepended(run) == expected


def _removed(text: str, program: str) -> str | None:
    df = parse(text)
    run = df.instructions[1]
    script = script_of(df, run)
    command = next(c for c in script.commands if c.program == program)
    edit = remove_command(df, run, command)
    return None if edit is None else apply_edits(df.text, [edit])


@pytest.mark.parametrize(
    ("run", "program", "expected"),
    [
        ("RUN a && b && c", "b", "RUN a && c"),
        ("RUN a && b && c", "a", "RUN b && c"),
        ("RUN a && b && c", "c", "RUN a && b"),
        ("RUN a && b || c", "b", None),  # `c` would then follow `a`'s failure instead of `b`'s
        ("RUN a; b", "b", None),
        ("RUN a | b", "b", None),
        ("RUN if a; then b; fi", "b", None),
    ],
)
def test_remove_command(run: str, program: str, expected: str | None) -> None:
    removed = _removed(f"FROM debian\n{run}\n", program)
    assert (removed.splitlines()[1] if removed is not None else None) == expected


def test_removing_the_only_command_removes_the_run() -> None:
    assert _removed("FROM debian\nRUN a\nCMD x\n", "a") == "FROM debian\nCMD x\n"
    assert _removed("FROM debian\nRUN a \\\n# why\n    -x\nCMD x\n", "a") is None  # the comment would go with it


def test_remove_command_on_continued_lines() -> None:
    text = "FROM debian\nRUN a \\\n    && b \\\n    && c\n"
    assert _removed(text, "b") == "FROM debian\nRUN a \\\n    && c\n"
    assert _removed(text, "a") == "FROM debian\nRUN b \\\n    && c\n"


@pytest.mark.parametrize(
    ("runs", "style"),
    [
        ("RUN a\n", Style(True, "    ")),  # nothing to go by: leading `&&`, four spaces
        ("RUN a \\\n  && b\nRUN c \\\n  && d\n", Style(True, "  ")),
        ("RUN a && \\\n\tb\nRUN c && \\\n\td\n", Style(False, "\t")),
        ("RUN a && \\\n    b\nRUN c \\\n  && d\nRUN e \\\n  && f\n", Style(True, "  ")),  # most RUNs lead
    ],
)
def test_style_of(runs: str, style: Style) -> None:
    assert style_of(parse(f"FROM debian\n{runs}")) == style
