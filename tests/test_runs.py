"""Editing the shell of a RUN: where a command can be appended."""

from __future__ import annotations

import pytest

from dockopt.fix import apply_edits
from dockopt.runs import append_command
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
