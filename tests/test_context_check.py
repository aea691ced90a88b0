"""What the build context cannot provide (``context_check.unprovided``), and `dockopt verify`:
that check before any build, and quiet by default (the build log only with --verbose)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dockopt import containers
from dockopt.cli import app
from dockopt.context import Context
from dockopt.context_check import Unprovided, unprovided
from dockopt.fix import Applicability, Edit, Finding, Fix
from dockopt.syntax import parse
from dockopt.transform import transform
from dockopt.verify import EXIT_CANNOT, EXIT_DRIFT, EXIT_OK

from test_verify import MERGES, SMELLY, FakeEngine, run_verify


def check(tmp_path: Path, dockerfile: str, files: dict[str, str], name: str = "Dockerfile") -> list[str]:
    for relative, content in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(content)
    (tmp_path / name).write_text(dockerfile)
    return [str(u) for u in unprovided(parse(dockerfile), Context(tmp_path / name, tmp_path))]


def test_every_missing_or_ignored_source_with_its_line_in_file_order(tmp_path: Path) -> None:
    dockerfile = (
        "FROM alpine AS build\n"
        "COPY app.py missing.txt /app/\n"
        "FROM alpine\n"
        "COPY --from=build /app /app\n"
        "COPY secret.key docs/ src /k/\n"
        "COPY . /all\n"
    )
    files = {"app.py": "", "secret.key": "", "docs/a.md": "", "src/main.c": "", ".dockerignore": "secret.key\ndocs\n"}
    assert check(tmp_path, dockerfile, files) == [
        "line 2: COPY missing.txt: not in the build context",
        "line 5: COPY secret.key: excluded by .dockerignore",
        "line 5: COPY docs/: excluded by .dockerignore",
    ]


def test_what_dockopt_cannot_follow_is_not_reported(tmp_path: Path) -> None:
    dockerfile = (
        "FROM alpine\n"
        "ARG V\n"
        "COPY ${V} /v\n"
        "COPY *.nope /w/\n"
        "COPY --from=alpine /etc/os-release /x\n"
        "ADD https://example.com/x.tar.gz /y\n"
        "ADD git@github.com:a/b.git /z\n"
        "COPY <<EOF /h\nhi\nEOF\n"
        "COPY ../outside /o\n"
    )
    assert check(tmp_path, dockerfile, {}) == []
    assert unprovided(parse("FROM a\nCOPY missing /\n"), Context(None, None)) == ()  # context unknown (stdin)


def test_only_the_stages_the_last_one_needs(tmp_path: Path) -> None:
    dockerfile = (
        "FROM alpine AS unused\nCOPY a /a\n"
        "FROM alpine AS base\nCOPY b /b\n"
        "FROM alpine AS assets\nCOPY c /c\n"
        "FROM base\nCOPY --from=assets /c /c\nCOPY d /d\n"
    )
    assert check(tmp_path, dockerfile, {}) == [
        "line 4: COPY b: not in the build context",
        "line 6: COPY c: not in the build context",
        "line 9: COPY d: not in the build context",
    ]


def test_the_ignore_file_buildkit_reads_and_what_it_brings_back(tmp_path: Path) -> None:
    files = {"docs/keep.md": "", "docs/drop.md": "", "logs/x": "", "api.Dockerfile.dockerignore": "logs\n"}
    files[".dockerignore"] = "docs\n!docs/keep.md\n"
    dockerfile = "FROM alpine\nCOPY docs/ /d/\nCOPY docs/keep.md docs/drop.md logs /e/\n"
    assert check(tmp_path, dockerfile, files) == [
        "line 3: COPY docs/drop.md: excluded by .dockerignore",  # docs/ itself: keep.md comes back
    ]
    assert check(tmp_path, dockerfile, files, name="api.Dockerfile") == [
        "line 3: COPY logs: excluded by api.Dockerfile.dockerignore"  # its own file, not .dockerignore
    ]


# --------------------------------------------------------------------------- verify


def test_verify_reports_what_the_context_lacks_at_once_and_builds_nothing(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("conf\n")
    (tmp_path / "conf").write_text("")
    engine = FakeEngine()
    report, lines = run_verify(tmp_path, engine, SMELLY + "COPY conf /etc/conf\nCOPY nope /nope\n")
    assert report.exit_code == EXIT_CANNOT and engine.built == [] and lines == []
    assert report.message.splitlines() == [
        f"the build context {tmp_path} cannot provide 2 sources that COPY and ADD name, so the original cannot build:",
        "  line 4: COPY conf: excluded by .dockerignore",
        "  line 5: COPY nope: not in the build context",
    ]
    assert report.unprovided == [
        Unprovided(4, "COPY", "conf", "excluded by .dockerignore"),
        Unprovided(5, "COPY", "nope", "not in the build context"),
    ]


def test_verify_stops_when_only_the_rewrite_copies_what_the_context_lacks(tmp_path: Path) -> None:
    @transform(code="DO398", name="test-copy", applicability=Applicability.SAFE, severity="warning")
    def test_copy(df, context):
        """Add a COPY of a file that is not there (for the test)."""
        if "COPY" not in df.text:
            yield Finding("copy", 0, 0, Fix((Edit.insert(len(df.text), "COPY absent.txt /\n"),), Applicability.SAFE))

    engine = FakeEngine()
    report, _ = run_verify(tmp_path, engine, "FROM debian:bookworm-slim\nRUN true\n", (test_copy,))
    assert report.exit_code == EXIT_DRIFT and engine.built == []
    assert report.message.endswith("so the rewrite cannot build:\n  line 3: COPY absent.txt: not in the build context")


def test_verify_sends_build_output_to_log_and_steps_to_progress(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(SMELLY)
    steps: list[str] = []
    log: list[str] = []
    from dockopt.verify import verify

    report = verify(tmp_path / "Dockerfile", None, FakeEngine(), MERGES, False, steps.append, log=log.append)
    assert report.exit_code == EXIT_OK
    assert steps == [
        "building the original with podman (no cache)",
        "building the rewrite with podman (no cache)",
        "comparing the images",
    ]
    assert [line.split(":")[0] for line in log] == ["STEP 1/1", "STEP 1/1"]


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> FakeEngine:
    engine = FakeEngine()
    monkeypatch.setattr(containers, "find_engine", lambda name: engine)
    return engine


def test_cli_verify_is_quiet_by_default_and_prints_the_log_with_verbose(
    tmp_path: Path, fake_engine, monkeypatch
) -> None:
    (tmp_path / "Dockerfile").write_text(SMELLY)
    monkeypatch.chdir(tmp_path)
    quiet = CliRunner().invoke(app, ["verify", "--isolated", "Dockerfile"])
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr.splitlines() == [
        "building the original with podman (no cache)",
        "building the rewrite with podman (no cache)",
        "comparing the images",
    ]
    assert quiet.stdout.endswith("the rewrite builds and runs with the same configuration\n")
    verbose = CliRunner().invoke(app, ["verify", "--isolated", "-v", "Dockerfile"])
    assert verbose.exit_code == 0
    assert [line for line in verbose.stderr.splitlines() if line.startswith("  STEP 1/1: ")] == [
        f"  STEP 1/1: {tag}" for tag in fake_engine.built[2:]
    ]
    assert verbose.stdout == quiet.stdout


def test_cli_verify_failure_shows_the_last_lines_of_the_build_without_verbose(tmp_path: Path, monkeypatch) -> None:
    engine = FakeEngine(fail_when="rm -rf /var/lib/apt/lists")
    monkeypatch.setattr(containers, "find_engine", lambda name: engine)
    (tmp_path / "Dockerfile").write_text(SMELLY)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["verify", "--isolated", "Dockerfile"])
    assert result.exit_code == EXIT_DRIFT
    assert "STEP" not in result.stderr
    assert result.stdout.endswith("the original builds but the rewrite does not:\nE: Unable to locate package nope\n")


def test_cli_verify_context_check_in_json(tmp_path: Path, fake_engine, monkeypatch) -> None:
    (tmp_path / "Dockerfile").write_text(SMELLY + "COPY nope /nope\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["verify", "--isolated", "--json", "Dockerfile"])
    assert result.exit_code == EXIT_CANNOT and fake_engine.built == []
    data = json.loads(result.stdout)
    assert data["unprovided"] == [
        {"line": 4, "keyword": "COPY", "source": "nope", "reason": "not in the build context"}
    ]
    assert result.stderr.splitlines()[-1] == (
        "error: the build context . cannot provide a source that COPY and ADD name, so the original cannot build"
    )
