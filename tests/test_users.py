"""dockopt.users: the users a Dockerfile creates, and who owns a directory."""

from __future__ import annotations

import pytest

from dockopt.syntax import parse
from dockopt.users import created_users, owners


def _created(text: str) -> list[tuple[str, str | None]]:
    df = parse(text)
    return [(u.name, u.uid) for u in created_users(df, df.stages[-1]).users]


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("useradd kube", [("kube", None)]),
        ("groupadd -r g && useradd -r -g g -u 1001 kube", [("kube", "1001")]),
        ("useradd -mu1234 bundled", [("bundled", "1234")]),
        ("useradd --uid=77 -s /bin/sh svc", [("svc", "77")]),
        ("adduser -D -u 7 -G www web", [("web", "7")]),  # BusyBox
        ("adduser --system --ingroup g --uid 99 --disabled-password svc", [("svc", "99")]),  # Debian
        ("adduser web staff", []),  # an existing user into a group
        ("useradd -D -s /bin/sh", []),  # changes the defaults
        ("useradd --help", []),
        ("useradd gone && userdel -r gone", []),
        ("sudo useradd -m app", [("app", None)]),
        ("useradd -u $UID app", [("app", None)]),  # a build argument may change the uid
    ],
)
def test_created_users(run: str, expected: list[tuple[str, str | None]]) -> None:
    assert _created(f"FROM debian:bookworm\nARG UID=5\nRUN {run}\n") == expected


def test_a_name_from_a_known_variable_and_one_from_an_unknown() -> None:
    df = parse("FROM debian:bookworm\nARG NAME=kube\nRUN useradd $NAME && useradd $OTHER\n")
    found = created_users(df, df.stages[-1])
    assert [u.name for u in found.users] == ["kube"]
    assert [run.start_line for run in found.unknown] == [3]


def test_users_of_the_parent_stage_count_not_those_of_other_stages() -> None:
    df = parse("FROM debian AS base\nRUN useradd a\nFROM debian AS other\nRUN useradd b\nFROM base\nRUN useradd c\n")
    assert [u.name for u in created_users(df, df.stages[-1]).users] == ["a", "c"]


def test_owners_of_a_directory() -> None:
    df = parse(
        "FROM debian\nWORKDIR /srv/app\nRUN chown -R kube:g /srv && chown web /elsewhere\n"
        "COPY --chown=svc . ./x\nCOPY --chown=nobody . /tmp/\n"
    )
    assert owners(df, df.stages[-1], "/srv/app") == {"kube", "svc"}
