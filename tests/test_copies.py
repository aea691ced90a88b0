"""Which COPY or ADD put what at an image path, and which build-context file that is
(dockopt/copies.py); each case one that an old copy of this knowledge got wrong (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockopt.context import Context
from dockopt.copies import Tree, context_source, copies, entry_script, placed_at
from dockopt.registry import all_transforms
from dockopt.syntax import parse


def _context(tmp_path: Path, files: dict[str, str]) -> Context:
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    return Context(path=tmp_path / "Dockerfile", directory=tmp_path)


def _source(text: str, context: Context, path: str) -> str | None:
    df = parse(text)
    return context_source(df, df.stages[-1], context, path)


def test_copies_resolve_destinations_through_the_model() -> None:
    df = parse("FROM debian\nWORKDIR /app\nCOPY a.txt b.txt conf/\nCOPY --from=build /out /srv/out\nCOPY x.txt y\n")
    found = copies(df, df.stages[0])
    assert [(c.sources, c.destination, c.into, c.origin) for c in found] == [
        (("a.txt", "b.txt"), "/app/conf", True, None),
        (("/out",), "/srv/out", False, "build"),
        (("x.txt",), "/app/y", False, None),
    ]


def test_a_renamed_file_is_found_by_its_destination(tmp_path: Path) -> None:
    """slim-base matched a file by its name only: /tmp/req.txt was not requirements.txt."""
    context = _context(tmp_path, {"deploy/requirements.txt": "flask\n"})
    text = "FROM python:3.12\nCOPY deploy/requirements.txt /tmp/req.txt\n"
    assert _source(text, context, "/tmp/req.txt") == "deploy/requirements.txt"
    assert _source(text, context, "/tmp/requirements.txt") is None


def test_a_directory_copy_maps_paths_under_it(tmp_path: Path) -> None:
    context = _context(tmp_path, {"requirements/prod.txt": "-r base.txt\n", "requirements/base.txt": "flask\n"})
    text = "FROM python:3.12\nWORKDIR /app\nCOPY requirements/ reqs/\n"
    assert _source(text, context, "/app/reqs/prod.txt") == "requirements/prod.txt"
    assert _source(text, context, "/app/requirements/prod.txt") is None


def test_several_directories_are_told_apart_by_the_context(tmp_path: Path) -> None:
    """stacks.context_path followed a directory copy only when it was the one source."""
    context = _context(tmp_path, {"src/main.js": "", "lib/util.js": ""})
    text = "FROM node:20\nCOPY src/ lib/ /app/\n"
    assert _source(text, context, "/app/util.js") == "lib/util.js"
    assert _source(text, context, "/app/main.js") == "src/main.js"


def test_a_wildcard_copy(tmp_path: Path) -> None:
    context = _context(tmp_path, {"package.json": "{}", "package-lock.json": "{}"})
    text = "FROM node:20\nWORKDIR /app\nCOPY package*.json ./\n"
    assert _source(text, context, "/app/package-lock.json") == "package-lock.json"
    assert _source(text, context, "/app/yarn.lock") is None


def test_the_last_copy_wins_and_another_stage_is_no_context_file(tmp_path: Path) -> None:
    context = _context(tmp_path, {"app.conf": ""})
    text = "FROM debian\nCOPY app.conf /etc/app.conf\nCOPY --from=build /app.conf /etc/app.conf\n"
    df = parse(text)
    placed = placed_at(df, df.stages[0], context, "/etc/app.conf")
    assert placed is not None and placed.copy.origin == "build" and placed.source is None
    assert _source(text, context, "/etc/app.conf") is None


def test_a_later_copy_dockopt_cannot_follow_makes_it_uncertain(tmp_path: Path) -> None:
    context = _context(tmp_path, {"app.conf": ""})
    df = parse("FROM debian\nCOPY app.conf /etc/app/app.conf\nCOPY $CONF /etc/app/\n")
    placed = placed_at(df, df.stages[0], context, "/etc/app/app.conf")
    assert placed is not None and placed.source == "app.conf" and not placed.certain
    df = parse("FROM debian\nCOPY app.conf /etc/app/app.conf\n")
    placed = placed_at(df, df.stages[0], context, "/etc/app/app.conf")
    assert placed is not None and placed.certain


def test_until_leaves_out_later_copies(tmp_path: Path) -> None:
    context = _context(tmp_path, {"a.txt": ""})
    df = parse("FROM debian\nRUN cat /a.txt\nCOPY a.txt /a.txt\n")
    stage = df.stages[0]
    assert context_source(df, stage, context, "/a.txt") == "a.txt"
    assert context_source(df, stage, context, "/a.txt", until=stage.instructions[0]) is None


def test_copies_of_the_stages_a_stage_is_built_on_count(tmp_path: Path) -> None:
    context = _context(tmp_path, {"a.txt": ""})
    text = "FROM debian AS base\nCOPY a.txt /a.txt\nFROM base\nRUN true\n"
    assert _source(text, context, "/a.txt") == "a.txt"


def test_tree_to_context() -> None:
    tree = Tree("app", "/srv", "COPY")
    assert tree.to_context("/srv") == "app"
    assert tree.to_context("/srv/x/y.txt") == "app/x/y.txt"
    assert tree.to_context("/srvx/y.txt") is None
    assert Tree(".", None, "COPY").to_context("/srv") is None


@pytest.mark.parametrize(
    ("text", "files", "found"),
    [
        # on PATH, as docker-entrypoint.sh usually is
        (
            'FROM debian\nCOPY docker-entrypoint.sh /usr/local/bin/\nENTRYPOINT ["docker-entrypoint.sh"]\n',
            {"docker-entrypoint.sh": '#!/bin/sh\nexec gosu app "$@"\n'},
            "docker-entrypoint.sh",
        ),
        # non-root-user guessed `<copied dir>/<name>`, `docker/<name>` and `scripts/<name>`: bin/ was missed
        (
            'FROM debian\nWORKDIR /app\nCOPY . .\nENTRYPOINT ["./bin/start.sh"]\n',
            {"bin/start.sh": "#!/bin/sh\nexec app\n"},
            "start.sh",
        ),
        # not on PATH: the container cannot start it by its name
        ('FROM debian\nCOPY start.sh /\nENTRYPOINT ["start.sh"]\n', {"start.sh": "#!/bin/sh\n"}, None),
        ('FROM debian\nCOPY start.sh /app/\nCMD ["sh", "/app/start.sh"]\n', {"start.sh": "#!/bin/sh\n"}, "start.sh"),
    ],
)
def test_entry_script(tmp_path: Path, text: str, files: dict[str, str], found: str | None) -> None:
    context = _context(tmp_path, files)
    df = parse(text)
    script = entry_script(df, df.stages[-1], context)
    assert (script[0] if script is not None else None) == found


def _slim_base_findings(text: str, context: Context) -> list[str]:
    transform = next(t for t in all_transforms() if t.name == "slim-base")
    return [f.message for f in transform.run(parse(text), context)]


def test_slim_base_reads_nested_requirements_written_with_equals(tmp_path: Path) -> None:
    """slim-base read `-r x` lines only: `--requirement=base.txt` hid psycopg2 from it."""
    context = _context(tmp_path, {"requirements.txt": "--requirement=base.txt\n", "base.txt": "psycopg2==2.9.9\n"})
    text = 'FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt base.txt ./\nRUN pip install -r requirements.txt\nCMD ["python", "app.py"]\n'
    (message,) = _slim_base_findings(text, context)
    assert "not moved to python:3.12-slim" in message and "psycopg2" in message


def test_slim_base_reads_a_requirements_file_copied_under_another_name(tmp_path: Path) -> None:
    context = _context(tmp_path, {"deploy/requirements.txt": "git+https://example.com/lib.git\n"})
    text = (
        'FROM python:3.12\nCOPY deploy/requirements.txt /tmp/req.txt\nRUN pip install -r /tmp/req.txt\nCMD ["python"]\n'
    )
    (message,) = _slim_base_findings(text, context)
    assert "not moved" in message and "/tmp/req.txt" in message


def test_a_later_directory_without_the_file_does_not_hide_an_earlier_copy(tmp_path: Path) -> None:
    """stacks.context_path took the last directory copy over the path, whether it held the file or not."""
    context = _context(tmp_path, {"package.json": "{}", "src/main.js": ""})
    text = "FROM node:20\nCOPY package.json /app/\nCOPY src/ /app/\n"
    assert _source(text, context, "/app/package.json") == "package.json"
    df = parse(text)
    missing = placed_at(df, df.stages[0], context, "/app/yarn.lock")
    assert (
        missing is not None and missing.source == "src/yarn.lock" and not missing.certain
    )  # would be there, but is not
