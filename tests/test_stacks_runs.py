"""How the stacks read a stage's RUNs (dockopt/stacks/common.py: run_commands and what the
RUNs leave behind), and that the stacks package lists every stack."""

from __future__ import annotations

from pathlib import Path

import pytest

import dockopt.stacks
from dockopt.context import Context
from dockopt.shell import script_of
from dockopt.stacks import STACKS, c, go, java, python
from dockopt.stacks.common import (
    APT,
    HARMLESS,
    Plan,
    Suggestion,
    build_leftovers,
    carried_runs,
    changed_outside,
    path_operands,
    run_commands,
    unknown_command,
    word_values,
)
from dockopt.syntax import parse

NO_CONTEXT = Context(None, None)


def _stage(text: str):
    df = parse(text)
    return df, df.stages[0]


def test_the_package_lists_every_stack_module() -> None:
    folder = Path(dockopt.stacks.__file__).parent
    names = {p.stem for p in folder.glob("*.py")} - {"__init__", "common"}
    assert {m.__name__.rpartition(".")[2] for m in STACKS} == names


@pytest.mark.parametrize(
    ("run", "touched"),
    [
        ("chmod 755 /app/run.sh", [("/app/run.sh", "/")]),  # the mode is no path
        ("chmod -R u+x bin", [("bin", "/")]),
        ("chmod +x build.sh", [("build.sh", "/")]),  # a mode that starts with + or -
        ("chmod -R -w /srv/data", [("/srv/data", "/")]),
        ("chgrp -R staff /srv", [("/srv", "/")]),
        ("chown -R 1000:1000 /data", [("/data", "/")]),  # nor the owner
        ("cp a dir/b /opt/dest/", [("/opt/dest/a", "/"), ("/opt/dest/b", "/")]),  # what the copy puts there
        ("cp -r . /app", [("/app/*", "/")]),
        ("mv target/app.jar /app.jar", [("/app.jar/app.jar", "/")]),  # inside the file it makes
        ("cd /srv && mkdir -p logs cache", [("logs", "/srv"), ("cache", "/srv")]),
        ("echo hi > /etc/motd", [("/etc/motd", "/")]),
        ("echo hi > /dev/null 2>&1", []),
    ],
)
def test_run_commands_records_the_paths_commands_change(run: str, touched: list) -> None:
    df, stage = _stage(f"FROM debian\nRUN {run}\n")
    assert run_commands(df, stage).touched == touched


def test_run_commands_leaves_out_the_managers_a_stack_reads_itself() -> None:
    df, stage = _stage("FROM golang:1.22-alpine\nRUN apk add --no-cache git && apt-get update\n")
    assert [c[2] for c in run_commands(df, stage).commands] == []
    assert [c[2] for c in run_commands(df, stage, HARMLESS, APT).commands] == ["apk"]


@pytest.mark.parametrize(
    ("runs", "kept", "expected"),
    [
        ("go build -o /app/server .", ["/app/server"], None),
        ("mkdir -p /app && go build -o /app/server .", ["/app/server"], None),  # WORKDIR /app makes it
        (
            "mkdir -p /var/lib/data",
            ["/app/server"],
            "a RUN changes /var/lib/data, which the runtime stage would not have",
        ),
        ("touch /app/ready", ["/app/server"], "a RUN changes /app/ready, which the runtime stage would not have"),
        ("echo x > /etc/motd", ["/app/server"], "a RUN changes /etc/motd, which the runtime stage would not have"),
        ("mkdir /tmp/build && cp -r . /tmp/build", ["/app/server"], None),
        (
            "cp config.yml /app/",
            ["/app/server"],
            "a RUN changes /app/config.yml, which the runtime stage would not have",
        ),
        ("chmod +x /app/server", ["/app/server"], None),
        ("sed -i s/a/b/ /etc/hosts", ["/app/server"], unknown_command("sed")),
        ("useradd app", ["/app/server"], "the stage creates users, which the runtime image would not have"),
        ("mkdir $DIR", ["/app/server"], "a RUN runs `mkdir` with an expansion"),
        ("PATH=$PATH:/usr/local/go/bin", ["/app/server"], None),  # an assignment changes nothing
    ],
)
def test_build_leftovers(runs: str, kept: list[str], expected: str | None) -> None:
    df, stage = _stage(f"FROM golang:1.22\nWORKDIR /app\nRUN {runs}\n")
    found = run_commands(df, stage, HARMLESS | {"go"}, APT)
    assert build_leftovers(df, stage, found, kept) == expected


def test_a_stage_without_workdir_makes_only_the_root() -> None:
    # the final WORKDIR is / : what lies inside it is not made by the runtime stage
    df, stage = _stage("FROM eclipse-temurin:17-jdk\nRUN echo x > /etc/app.conf\n")
    assert changed_outside(df, stage, [("/etc/app.conf", "/")], ["/build"]) == "/etc/app.conf"
    assert changed_outside(df, stage, [("/build/x", "/")], ["/build"]) is None


def test_volumes_are_made_empty() -> None:
    df, stage = _stage("FROM debian\nVOLUME /data\nRUN mkdir -p /data && touch /data/seed\n")
    assert changed_outside(df, stage, [("/data", "/"), ("/data/seed", "/")], []) == "/data/seed"


GO = 'FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN {run}\nCMD ["/usr/local/bin/app"]\n'


@pytest.mark.parametrize(
    ("run", "reason"),
    [
        ("CGO_ENABLED=0 go build -o /usr/local/bin/app .", None),
        ("mkdir -p /src && CGO_ENABLED=0 go build -o /usr/local/bin/app .", None),  # the WORKDIR
        ('CGO_ENABLED=0 go build -ldflags "-X main.v=$V" -o /usr/local/bin/app .', None),  # a tool's expansion
        (
            "CGO_ENABLED=0 go build -o /usr/local/bin/app . && mkdir /data",
            "a RUN changes /data, which the runtime stage would not have",
        ),
        ("apk add git && CGO_ENABLED=0 go build -o /usr/local/bin/app .", unknown_command("apk")),
        (
            "CGO_ENABLED=0 go build -o /usr/local/bin/app . && setcap cap_net_bind_service=+ep /usr/local/bin/app",
            unknown_command("setcap"),
        ),
    ],
)
def test_go_reads_its_runs_with_run_commands(run: str, reason: str | None) -> None:
    df, stage = _stage(GO.format(run=run))
    found = go.recognise(df, stage, NO_CONTEXT)
    if reason is None:
        assert isinstance(found, Plan), found
    else:
        assert isinstance(found, Suggestion) and found.reason == reason


def test_c_reads_its_runs_with_run_commands() -> None:
    text = (
        "FROM debian:bookworm\nRUN apt-get update && apt-get install -y gcc\nCOPY hello.c /src/\n"
        'RUN gcc -o /usr/local/bin/hello /src/hello.c{extra}\nCMD ["hello"]\n'
    )
    df, stage = _stage(text.format(extra=""))
    assert isinstance(c.recognise(df, stage, NO_CONTEXT), Plan)
    df, stage = _stage(text.format(extra=" && ln -s /usr/local/bin/hello /usr/bin/hi"))
    found = c.recognise(df, stage, NO_CONTEXT)
    assert (
        isinstance(found, Suggestion)
        and found.reason == "a RUN changes /usr/bin/hi, which the runtime stage would not have"
    )


PYTHON = (
    "FROM python:3.12-bookworm\nRUN apt-get update && apt-get install -y gcc\nWORKDIR /app\nCOPY . .\n"
    'RUN python -m venv /opt/venv && /opt/venv/bin/pip install -r requirements.txt{extra}\nCMD ["python", "app.py"]\n'
)


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ("", None),
        (" && python manage.py collectstatic", unknown_command("python manage.py collectstatic")),
        (' && python3 -c \'open("/etc/x", "w")\'', unknown_command('python3 -c open("/etc/x", "w")')),
        (" && mkdir -p /var/log/app", "a RUN changes /var/log/app, which the runtime stage would not have"),
        (" && mkdir -p /app/static", None),  # the runtime copies /app
    ],
)
def test_python_reads_its_runs_with_run_commands(extra: str, reason: str | None) -> None:
    df, stage = _stage(PYTHON.format(extra=extra))
    found = python.recognise(df, stage, NO_CONTEXT)
    if reason is None:
        assert isinstance(found, Plan), found
    else:
        assert isinstance(found, Suggestion) and found.reason == reason


def test_java_refuses_a_file_written_outside_the_project_without_workdir() -> None:
    text = (
        "FROM maven:3.9-eclipse-temurin-17\nCOPY . /build\nRUN mvn -f /build/pom.xml package{extra}\n"
        'CMD ["java", "-jar", "/build/target/app.jar"]\n'
    )
    df, stage = _stage(text.format(extra=""))
    assert isinstance(java.recognise(df, stage, NO_CONTEXT), Plan)
    df, stage = _stage(text.format(extra=" && touch /etc/app.conf"))
    found = java.recognise(df, stage, NO_CONTEXT)
    assert isinstance(found, Suggestion) and found.reason == "a RUN changes /etc/app.conf, outside the project"


@pytest.mark.parametrize(
    ("runs", "before", "after", "users"),
    [
        # a directory outside what the runtime copies: made again, before the copies
        ("RUN mkdir -p /documents\n", ["RUN mkdir -p /documents"], [], []),
        # inside what it copies: the copy brings it, nothing to carry
        ("RUN chmod 765 /app/endpoint.py\n", [], [], []),
        # users: created again; a RUN that names a copied path comes after the copies
        (
            "RUN groupadd -r app && useradd -r -g app app\nRUN chown -R app /app && ln -s /app/x /usr/local/bin/x\n",
            ["RUN groupadd -r app && useradd -r -g app app"],
            ["RUN chown -R app /app && ln -s /app/x /usr/local/bin/x"],
            ["app"],
        ),
        # a file written by a redirection
        ("RUN echo app > /etc/app-name\n", ["RUN echo app > /etc/app-name"], [], []),
        # anything else in the RUN, an expansion, a flag, a cd: not carried
        ("RUN mkdir /data && curl -o /data/x http://h/x\n", [], [], []),
        ("RUN mkdir $DATA\n", [], [], []),
        ("RUN --network=none mkdir /data\n", [], [], []),
        ("RUN cd /srv && mkdir data\n", [], [], []),
        # run as another user: its owner would differ
        ("USER nobody\nRUN mkdir /tmp2\n", [], [], []),
    ],
)
def test_carried_runs(runs: str, before: list[str], after: list[str], users: list[str]) -> None:
    df, stage = _stage(f'FROM python:3.12\n{runs}WORKDIR /app\nCMD ["x"]\n')
    carried = carried_runs(df, stage, ["/app", "/opt/venv"])
    assert (list(carried.before), list(carried.after), list(carried.users)) == (before, after, users)
    found = run_commands(df, stage, HARMLESS, APT, carried.runs)
    assert all(any(run is r for r in carried.runs) is False for run, *_ in found.commands)


def test_a_relative_path_from_another_directory_is_not_carried() -> None:
    df, stage = _stage('FROM python:3.12\nWORKDIR /srv\nRUN mkdir data\nWORKDIR /app\nCMD ["x"]\n')
    assert carried_runs(df, stage, ["/app"]).runs == ()
    df, stage = _stage('FROM python:3.12\nWORKDIR /srv\nRUN mkdir /data\nWORKDIR /app\nCMD ["x"]\n')
    assert carried_runs(df, stage, ["/app"]).before == ("RUN mkdir /data",)


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ("mkdir -p $DIR/logs", ["mkdir", "-p", "/srv/app/logs"]),
        ('sudo mkdir "${DIR}"', ["mkdir", "/srv/app"]),
        ("mkdir $HOME/x", None),  # the image's own variable: not known
        ("mkdir $(pwd)/x", None),  # command substitution
        ("mkdir $WORDS", None),  # the shell would split it
        ("mkdir $DIR; DIR=/other", None),  # the script sets a variable itself
    ],
)
def test_word_values(run: str, expected: list[str] | None) -> None:
    df, stage = _stage(f'FROM debian:12\nENV DIR=/srv/app WORDS="a b"\nRUN {run}\n')
    instruction = stage.instructions[-1]
    script = script_of(df, instruction)
    assert word_values(df, instruction, script, script.commands[0]) == expected


@pytest.mark.parametrize(
    ("program", "args", "paths"),
    [
        ("mkdir", ["-p", "-m", "755", "/data", "logs"], ["/data", "logs"]),
        ("mkdir", ["--mode", "0700", "/secret"], ["/secret"]),
        ("mkdir", ["--mode=0700", "-p", "/secret"], ["/secret"]),
        ("chmod", ["-R", "g+w", "/data"], ["/data"]),
        ("chown", ["-R", "app:app", "/data", "/logs"], ["/data", "/logs"]),
        ("touch", ["/var/log/app.log"], ["/var/log/app.log"]),
    ],
)
def test_path_operands_leave_out_options_modes_and_owners(program: str, args: list[str], paths: list[str]) -> None:
    assert path_operands(program, args) == paths
