"""`dockopt fix --verify` decided with a fake lab: which transform is blamed for what, the
retry without it, the builds it takes, nothing written unless a rewrite passes, the messages,
and the command line around it (no engine, the original that does not build)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dockopt import containers, verified_fix
from dockopt.cli import app
from dockopt.containers import EngineError
from dockopt.engine import Settings
from dockopt.registry import lookup
from dockopt.smoke import Smoke
from dockopt.verified_fix import Trial, cause, prove

# slim-base (DO401), non-root-user (DO301) and maintainer-to-label (DO307) all apply
APP = 'FROM python:3.11\nMAINTAINER someone\nWORKDIR /app\nCOPY app.py .\nCMD ["python", "app.py"]\n'
TRANSFORMS = tuple(t for t in (lookup("slim-base"), lookup("non-root-user"), lookup("maintainer-to-label")) if t)
SETTINGS = Settings(TRANSFORMS, unsafe=True)
PYTHON = {"python": "/usr/local/bin/python"}
PASSES = Trial(True, smoke=Smoke("exited 0", {}, "gcc at /usr/bin/gcc"), programs=PYTHON)


class FakeLab:
    """Builds nothing: what a Dockerfile's text holds decides its trial (first rule that matches)."""

    def __init__(self, rules: list[tuple[str, Trial]], original: Trial = PASSES, error: str = "") -> None:
        self.rules, self.original, self.error = rules, original, error
        self.built: list[str | None] = []

    def build(self, text: str | None, dockerignore: str | None, label: str) -> Trial:
        self.built.append(text)
        if self.error:
            raise EngineError(self.error)
        if text is None:
            return self.original
        return next((trial for needle, trial in self.rules if needle in text), PASSES)


SLIM_BREAKS_SMOKE = ("-slim", Trial(True, smoke=Smoke("exited 3", {}, "gcc at None"), programs=PYTHON))
USERADD_FAILS = ("useradd", Trial(False, 'Error: building at STEP "RUN groupadd ...": exit status 127'))
NOT_ALONE = "(leaving it out alone does not mend this)"
SLIM_FAILS = ("-slim", Trial(False, "Error: python:3.11-slim: image not known"))


def dockerfile(tmp_path: Path, text: str = APP) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    (tmp_path / "app.py").write_text("print('hi')\n")
    return path


def codes(result) -> list[str]:
    return sorted({f.code for f in result.applied})


def test_the_one_bold_transform_that_breaks_the_smoke_test_is_blamed_and_the_rest_written(tmp_path: Path) -> None:
    path = dockerfile(tmp_path)
    lab = FakeLab([SLIM_BREAKS_SMOKE])
    outcome = prove(path, SETTINGS, lab)
    assert outcome.blamed == (f"{path}: DO401 slim-base: the smoke test differs: original exited 0, rewrite exited 3",)
    assert codes(outcome.result) == ["DO301", "DO307"]
    # the original, the whole rewrite, the rewrite without DO401 (tried first: reverse code order)
    assert outcome.builds == 3 and len(lab.built) == 3
    written = path.read_text()
    assert written == outcome.result.output and "python:3.11\n" in written and "USER" in written
    assert 'LABEL maintainer="someone"' in written


def test_each_cause_is_blamed_on_its_own_transform_and_the_search_goes_on(tmp_path: Path) -> None:
    """DO301 breaks the build, DO401 the smoke test: leaving out DO401 or DO307 does not mend
    the build, leaving out DO301 does (the failure that remains is another one); then DO401."""
    path = dockerfile(tmp_path)
    lab = FakeLab([USERADD_FAILS, SLIM_BREAKS_SMOKE])
    outcome = prove(path, SETTINGS, lab)
    assert outcome.blamed == (
        f"{path}: DO301 non-root-user: the rewrite does not build: {USERADD_FAILS[1].tail}",
        f"{path}: DO401 slim-base: the smoke test differs: original exited 0, rewrite exited 3",
    )
    assert codes(outcome.result) == ["DO307"]
    assert path.read_text() == APP.replace("MAINTAINER someone", 'LABEL maintainer="someone"')
    assert len(lab.built) == len(set(lab.built))  # no text is built twice


def test_when_no_single_transform_left_out_mends_it_the_first_in_reverse_code_order_is_blamed(tmp_path: Path) -> None:
    path = dockerfile(tmp_path)
    outcome = prove(path, SETTINGS, FakeLab([SLIM_FAILS, USERADD_FAILS]))  # a build stops at its FROM first
    assert outcome.blamed == (
        f"{path}: DO401 slim-base: the rewrite does not build: {SLIM_FAILS[1].tail} {NOT_ALONE}",
        f"{path}: DO301 non-root-user: the rewrite does not build: {USERADD_FAILS[1].tail}",
    )
    assert codes(outcome.result) == ["DO307"]


def test_a_single_transform_is_blamed_without_a_search_and_the_file_is_kept(tmp_path: Path) -> None:
    text = 'FROM python:3.11\nUSER 10001\nWORKDIR /app\nCOPY app.py .\nCMD ["python", "app.py"]\n'
    path = dockerfile(tmp_path, text)
    lab = FakeLab([SLIM_BREAKS_SMOKE])
    outcome = prove(path, SETTINGS, lab)
    assert outcome.blamed == (f"{path}: DO401 slim-base: the smoke test differs: original exited 0, rewrite exited 3",)
    assert outcome.result.status == "unchanged" and outcome.result.applied == ()
    assert lab.built == [None, text.replace("python:3.11", "python:3.11-slim")]  # no third build: nothing left
    assert path.read_text() == text


def test_a_program_the_command_starts_missing_from_the_rewrite_is_named_with_the_original_s_path(
    tmp_path: Path,
) -> None:
    path = dockerfile(tmp_path)
    gone = ("-slim", Trial(True, smoke=PASSES.smoke, programs={"python": None}))
    outcome = prove(path, SETTINGS, FakeLab([gone]))
    assert outcome.blamed == (f"{path}: DO401 slim-base: /usr/local/bin/python is missing",)


def test_a_rewrite_that_fails_is_not_written_with_check_and_diff_nothing_is(tmp_path: Path) -> None:
    path = dockerfile(tmp_path)
    outcome = prove(path, replace(SETTINGS, write=False), FakeLab([]))
    assert outcome.blamed == () and outcome.result.status == "changed"
    assert path.read_text() == APP  # verified, but --check/--diff write nothing
    everything_fails = FakeLab([("FROM", Trial(False, "Error: no space left on device"))])
    outcome = prove(path, SETTINGS, everything_fails)
    assert outcome.result.status == "unchanged" and len(outcome.blamed) == 3
    assert path.read_text() == APP


def test_the_original_that_does_not_build_fails_the_file_and_nothing_else_is_built(tmp_path: Path) -> None:
    path = dockerfile(tmp_path)
    lab = FakeLab([], original=Trial(False, "Error: python:3.11: image not known"))
    outcome = prove(path, SETTINGS, lab)
    assert outcome.result.failed and lab.built == [None]
    assert outcome.result.error == (
        "the original does not build, so no rewrite can be verified: Error: python:3.11: image not known"
    )
    assert path.read_text() == APP


def test_an_engine_error_fails_the_file(tmp_path: Path) -> None:
    path = dockerfile(tmp_path)
    outcome = prove(path, SETTINGS, FakeLab([], error="podman inspect failed: no such image"))
    assert outcome.result.failed and outcome.result.error == "podman inspect failed: no such image"
    assert path.read_text() == APP


def test_nothing_to_rewrite_builds_nothing(tmp_path: Path) -> None:
    path = dockerfile(tmp_path, 'FROM python:3.11-slim\nUSER 10001\nCMD ["python"]\n')
    lab = FakeLab([])
    assert prove(path, SETTINGS, lab).result.status == "unchanged" and lab.built == []


def test_the_causes_say_what_differs() -> None:
    running = Trial(True, smoke=Smoke("running", {"8080/tcp": "200"}), programs={"/bin/sh": "/bin/sh"})
    assert cause(running, running) is None
    assert cause(running, Trial(False, "E: nope")) == ("build", "the rewrite does not build: E: nope")
    exited = Trial(True, smoke=Smoke("exited 127", {"8080/tcp": "no answer"}), programs={"/bin/sh": "/bin/sh"})
    assert cause(running, exited) == (
        "smoke",
        "the smoke test differs: original running 8080:200, rewrite exited 127 8080:no answer",
    )
    one = Trial(True, smoke=Smoke("exited 1", {}, "KeyError: 'A'"))
    other = Trial(True, smoke=Smoke("exited 1", {}, "ModuleNotFoundError: flask"))
    assert cause(one, other) == (
        "smoke",
        "the smoke test differs: original exited 1 (KeyError: 'A'), rewrite exited 1 (ModuleNotFoundError: flask)",
    )
    # a program the original lacks too is not the rewrite's fault; one only the rewrite runs is named as it is
    lacking = Trial(True, smoke=one.smoke, programs={"gunicorn": None})
    assert cause(lacking, lacking) is None
    assert cause(one, replace(one, programs={"gunicorn": None, "sh": None})) == (
        "missing",
        "gunicorn, sh are missing",
    )


# --------------------------------------------------------------------------- the command line


def test_no_engine_is_one_clear_error_and_exit_2(tmp_path: Path, monkeypatch) -> None:
    path = dockerfile(tmp_path)

    def no_engine(name=None):
        raise EngineError("no container engine can build here: docker is not installed")

    monkeypatch.setattr(containers, "find_engine", no_engine)
    result = CliRunner().invoke(app, ["fix", "--verify", "--unsafe-fixes", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: --verify: no container engine can build here: docker is not installed"
    assert path.read_text() == APP


@pytest.fixture
def fake_lab(monkeypatch):
    labs: dict[str, FakeLab] = {}

    def lab_for(engine, dockerfile, context, progress):
        return labs[Path(dockerfile).parent.name]

    monkeypatch.setattr(containers, "find_engine", lambda name=None: containers.Engine("podman", "podman"))
    monkeypatch.setattr(verified_fix, "EngineLab", lab_for)
    return labs


def test_the_command_line_reports_blame_verification_and_failures_as_fix_does(tmp_path: Path, fake_lab) -> None:
    good, bad = dockerfile(tmp_path / "good"), dockerfile(tmp_path / "bad")
    fake_lab["good"] = FakeLab([SLIM_BREAKS_SMOKE])
    fake_lab["bad"] = FakeLab([], original=Trial(False, "Error: python:3.11: image not known"))
    result = CliRunner().invoke(app, ["fix", "--verify", "--unsafe-fixes", "-q", str(bad), str(good)])
    assert result.exit_code == 2  # the original of one file does not build; the other file goes on
    lines = result.stderr.splitlines()
    assert lines == [
        f"error: {bad}: the original does not build, so no rewrite can be verified: Error: python:3.11: image not known",
        f"{good}: DO401 slim-base: the smoke test differs: original exited 0, rewrite exited 3",
        f"{good}: verified by 3 builds: the rewrite builds and its smoke test says what the original's says (exited 0)",
    ]
    assert bad.read_text() == APP and good.read_text() != APP and "USER" in good.read_text()


def test_diff_with_verify_prints_the_verified_diff_and_writes_nothing(tmp_path: Path, fake_lab) -> None:
    path = dockerfile(tmp_path / "app")
    fake_lab["app"] = FakeLab([SLIM_BREAKS_SMOKE])
    result = CliRunner().invoke(app, ["fix", "--verify", "--unsafe-fixes", "--diff", str(path)])
    assert result.exit_code == 1
    assert "+USER 10001:10001" in result.stdout and "-slim" not in result.stdout
    assert result.stderr.splitlines()[-1] == (
        "1 file would be changed, 0 unchanged; fixes to apply: DO301 non-root-user ×1, DO307 maintainer-to-label ×1"
    )
    assert path.read_text() == APP


def test_verify_refuses_stdin_and_engine_needs_verify(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["fix", "--verify", "-"], input=APP)
    assert result.exit_code == 2 and "stdin ('-') cannot be verified" in result.stderr
    result = CliRunner().invoke(app, ["fix", "--engine", "podman", str(dockerfile(tmp_path))])
    assert result.exit_code == 2 and result.stderr.strip() == "error: --engine goes with --verify"
