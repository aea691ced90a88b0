"""Package managers inside RUN (dockopt/packages.py).

Expected values follow the managers' own command lines: which word is the subcommand, which
options take the next word as their value (apt-get's `-o`/`-t`, apk's `--virtual`, pip's
`-r`), what reads or empties apt's lists and the rpm caches.
"""

from __future__ import annotations

import pytest

from dockopt.packages import (
    apt_events,
    apt_lists,
    find,
    invocations,
    ran_before,
    reads_lists_later,
    rpm_action,
    rpm_events,
)
from dockopt.syntax import parse


def _one(run: str, base: str = "debian:bookworm"):
    df = parse(f"FROM {base}\nRUN {run}\n")
    (invocation,) = invocations(df, df.instructions[1])
    return invocation


@pytest.mark.parametrize(
    ("run", "manager", "subcommand", "packages"),
    [
        ("apt-get install -y curl git", "apt-get", "install", ["curl", "git"]),
        ("apt-get -o Dpkg::Options::=--force-confold -y install curl", "apt-get", "install", ["curl"]),
        ("apt-get install -y -t bookworm-backports curl", "apt-get", "install", ["curl"]),
        ("apt-get -qq update", "apt-get", "update", []),
        ("DEBIAN_FRONTEND=noninteractive apt-get install -y curl", "apt-get", "install", ["curl"]),
        ("env DEBIAN_FRONTEND=noninteractive apt-get install -y curl", "apt-get", "install", ["curl"]),
        ("sudo -u root apt-get install curl", "apt-get", "install", ["curl"]),
        ("/usr/bin/apt install -y curl", "apt", "install", ["curl"]),
        ("apk add --no-cache --virtual .build-deps gcc musl-dev", "apk", "add", ["gcc", "musl-dev"]),
        ("apk add -t .deps gcc", "apk", "add", ["gcc"]),
        ("dnf -y --setopt=install_weak_deps=False install nginx", "dnf", "install", ["nginx"]),
        ("yum --enablerepo epel install -y jq", "yum", "install", ["jq"]),
        ("zypper -n in curl", "zypper", "in", ["curl"]),
        ("microdnf install -y tar", "microdnf", "install", ["tar"]),
        ("pip install --no-cache-dir -r requirements.txt flask", "pip", "install", ["flask"]),
        ("pip3.11 install requests", "pip", "install", ["requests"]),
        ("/usr/local/bin/pip3 install requests", "pip", "install", ["requests"]),
        ("python3 -m pip install --upgrade pip", "pip", "install", ["pip"]),
        ("python -mpip install x", "pip", "install", ["x"]),
        ("pip install -e . -c constraints.txt", "pip", "install", []),
        ("pip install --index-url https://example.com/simple x", "pip", "install", ["x"]),
        ("npm --prefix /app install", "npm", "install", []),
        ("npm ci --omit dev", "npm", "ci", []),
        ("npm install -g --registry https://r.example.com typescript", "npm", "install", ["typescript"]),
        ("yarn --cwd web install --frozen-lockfile", "yarn", "install", []),
        ("gem install -v 2.4.0 bundler", "gem", "install", ["bundler"]),
        ("apt-get install -y $PACKAGES", "apt-get", "install", [None]),
    ],
)
def test_invocation(run: str, manager: str, subcommand: str, packages: list[str | None]) -> None:
    invocation = _one(run)
    assert (invocation.manager, invocation.subcommand, invocation.packages) == (manager, subcommand, packages)


@pytest.mark.parametrize(
    "run",
    [
        'if [ -n "$X" ]; then apt-get install -y curl; fi',
        "cd /tmp && apt-get install -y curl || exit 1",
        "apt-get install -y curl | tee /tmp/log",
        "for p in a; do apt-get install -y curl; done",
    ],
)
def test_an_invocation_wherever_it_stands(run: str) -> None:
    assert _one(run).packages == ["curl"]


@pytest.mark.parametrize(
    "run",
    [
        "echo apt-get install curl",  # an argument, not the program
        "$PM install curl",  # the program is an expansion
        "sudo $PM install curl",
        "apt-cache policy curl",  # not a manager that installs
        "pipx install black",
        "python3 -m venv /opt/venv",
    ],
)
def test_no_invocation(run: str) -> None:
    df = parse(f"FROM debian\nRUN {run}\n")
    assert invocations(df, df.instructions[1]) == ()


def test_a_subcommand_that_is_an_expansion() -> None:
    invocation = _one("apt-get $ACTION curl")
    assert (invocation.subcommand, invocation.subword) == (None, None)


def test_options() -> None:
    invocation = _one("apt-get -qy install --no-install-recommends -o APT::Get::Fix=1 curl")
    assert invocation.has_option("-y")  # bundled in -qy
    assert invocation.has_option("-q", "--quiet")
    assert invocation.has_option("--no-install-recommends")
    assert not invocation.has_option("--yes")
    assert invocation.option_values("-o") == ["APT::Get::Fix=1"]
    pip = _one("pip install --cache-dir=/tmp/c -r a.txt --requirement b.txt -rc.txt x")
    assert pip.option_values("-r", "--requirement") == ["a.txt", "b.txt", "c.txt"]
    assert pip.option_values("--cache-dir") == ["/tmp/c"]
    dnf = _one("dnf --setopt install_weak_deps=0 --setopt=cachedir=/x install y")
    assert dnf.option_values("--setopt") == ["install_weak_deps=0", "cachedir=/x"]


@pytest.mark.parametrize(
    ("run", "after"),
    [
        ("apt-get install -y curl", "apt-get install -y"),
        ("apt-get install curl", "apt-get install"),
        ("apt-get install -t bookworm-backports curl", "apt-get install -t bookworm-backports"),
        ("apt-get -y install -q curl", "apt-get -y install -q"),
    ],
)
def test_where_a_new_option_goes(run: str, after: str) -> None:
    df = parse(f"FROM debian\nRUN {run}\n")
    (invocation,) = invocations(df, df.instructions[1])
    assert df.text[: invocation.option_slot] == f"FROM debian\nRUN {after}"


def test_find_looks_only_at_posix_shells_and_the_managers_asked() -> None:
    df = parse(
        "FROM debian\n"
        "RUN apt-get update && pip install flask\n"
        'SHELL ["pwsh", "-Command"]\n'
        "RUN apt-get install -y curl\n"
        'SHELL ["/bin/bash", "-c"]\n'
        "RUN apt-get install -y git\n"
        "ONBUILD RUN apt-get install -y vim\n"
    )
    found = [(i.run.start_line, i.manager, i.subcommand) for i in find(df, frozenset({"apt-get"}))]
    assert found == [(2, "apt-get", "update"), (6, "apt-get", "install"), (7, "apt-get", "install")]
    assert [i.manager for i in find(df, frozenset({"pip"}))] == ["pip"]
    only = {id(df.instructions[5])}
    assert [i.run.start_line for i in find(df, frozenset({"apt-get"}), only)] == [6]


def test_a_heredoc_run() -> None:
    df = parse("FROM debian\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n")
    assert [i.subcommand for i in find(df, frozenset({"apt-get"}))] == ["update", "install"]


# ---- apt's package lists through the build


@pytest.mark.parametrize(
    ("run", "events"),
    [
        ("apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*", ["update", "read", "clean"]),
        ("apt update; apt upgrade -y", ["update", "read"]),
        ("apt-cache policy curl", ["read"]),
        ("apt-get clean", []),  # empties /var/cache/apt/archives, not the lists
        ("apt-get remove -y curl", []),  # works from the installed packages' database
        ("rm -rf /var/lib/apt/lists", ["clean"]),
        ("echo hello", []),
    ],
)
def test_apt_events(run: str, events: list[str]) -> None:
    df = parse(f"FROM debian\nRUN {run}\n")
    assert apt_events(df, df.instructions[1]) == events


def test_apt_events_of_a_run_that_does_not_parse() -> None:
    df = parse("FROM debian\nRUN apt-get update && (\n")
    assert apt_events(df, df.instructions[1]) is None


APT_BUILD = """\
FROM debian:bookworm AS base
RUN apt-get update
RUN apt-get install -y curl
FROM base
RUN apt-get install -y git
RUN --mount=type=cache,target=/var/lib/apt/lists apt-get update
RUN rm -rf /var/lib/apt/lists/*
RUN apt-get install -y vim
"""


def test_apt_lists_through_stages() -> None:
    df = parse(APT_BUILD)
    runs = [i for i in df.instructions if i.command == "RUN"]
    lists = apt_lists(df)
    assert lists.present_before(runs[0]) is None
    assert lists.present_before(runs[1]) is runs[0]
    assert lists.present_before(runs[2]) is runs[0]  # a stage FROM another starts with its lists
    assert lists.present_before(runs[3]) is runs[0]
    assert lists.present_before(runs[4]) is runs[0]  # the cache mount's update left the image alone
    assert lists.present_before(runs[5]) is None  # removed


def test_reads_lists_later() -> None:
    df = parse(APT_BUILD)
    runs = [i for i in df.instructions if i.command == "RUN"]
    assert reads_lists_later(df, runs[0])  # the next RUN installs
    assert not reads_lists_later(df, runs[2])  # later RUNs update under a mount, then remove the lists
    df = parse("FROM debian AS a\nRUN apt-get update\nFROM a\nRUN apt-get install -y curl\n")
    assert reads_lists_later(df, df.instructions[1])  # a stage built FROM it reads them
    df = parse("FROM debian\nRUN apt-get update\nRUN apt-get update && apt-get install -y curl\n")
    assert not reads_lists_later(df, df.instructions[1])  # updated again before any read


def test_ran_before() -> None:
    df = parse(
        "FROM debian AS a\nRUN one\nONBUILD RUN trigger\nFROM a AS b\nRUN two\nRUN three\nONBUILD RUN late\nRUN four\n"
    )
    lines = lambda run: [i.start_line for i in ran_before(df, run)]  # noqa: E731
    by_line = {i.start_line: i for i in df.instructions}
    # the whole stage it derives from (its ONBUILD too), then its own stage before it (FROM lines aside)
    assert lines(by_line[6]) == [2, 3, 5]
    assert lines(by_line[8]) == [2, 3, 5, 6]  # an ONBUILD of its own stage runs in another build
    assert lines(by_line[7]) == [2, 3, 5, 6, 8]  # an ONBUILD RUN runs after the whole image


# ---- the yum, dnf, microdnf and zypper caches


@pytest.mark.parametrize(
    ("run", "action"),
    [
        ("dnf install -y x", "install"),
        ("yum -y groupinstall 'Development Tools'", "groupinstall"),
        ("yum group install -y 'Development Tools'", "group install"),
        ("dnf module enable -y nodejs:20", "module enable"),
        ("zypper --non-interactive in curl", "in"),
        ("dnf $ACTION x", None),
    ],
)
def test_rpm_action(run: str, action: str | None) -> None:
    found = rpm_action(_one(run, "fedora"))
    assert (found[0] if found is not None else None) == action


@pytest.mark.parametrize(
    ("run", "events"),
    [
        ("dnf install -y x && dnf clean all", [("install", "dnf"), ("clean", "dnf")]),
        # microdnf keeps its cache where yum did
        ("yum install -y x && rm -rf /var/cache/yum", [("install", "yum"), ("rm", "yum"), ("rm", "microdnf")]),
        ("zypper in -y x && zypper cc -a", [("install", "zypper"), ("clean", "zypper")]),
        ("microdnf install x && microdnf clean all", [("install", "microdnf"), ("clean", "microdnf")]),
        ("dnf --setopt=cachedir=/tmp/c install -y x", [("skip", "dnf")]),
        ("rm -rf /var/cache/libdnf5/*", [("rm", "dnf")]),
        # /var/cache holds every manager's cache
        ("rm -rf /var/cache", [("rm", "yum"), ("rm", "dnf"), ("rm", "microdnf"), ("rm", "zypper")]),
        ("rm -f /var/cache/yum", [("other", None)]),  # not recursive: a directory stays
        ("dnf repolist", [("other", "dnf")]),
    ],
)
def test_rpm_events(run: str, events: list[tuple[str, str | None]]) -> None:
    df = parse(f"FROM fedora\nRUN {run}\n")
    assert [(e.kind, e.manager) for e in rpm_events(df, df.instructions[1])] == events


def test_runtime_libraries_release_by_release() -> None:
    from dockopt.packages import runtime_libraries

    assert runtime_libraries("libpq-dev", ("bookworm", "trixie")) == {"bookworm": "libpq5", "trixie": "libpq5"}
    # trixie's 64-bit time_t transition renamed libssl3
    assert runtime_libraries("libssl-dev", ("bookworm", "trixie")) == {"bookworm": "libssl3", "trixie": "libssl3t64"}
    assert runtime_libraries("libcurl4-openssl-dev", ("stretch",)) == {"stretch": None}
    assert runtime_libraries("libgdal-dev", ("bookworm",)) is None
