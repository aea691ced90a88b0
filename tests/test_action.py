"""action.yml, dockopt's composite GitHub Action, run as the runner runs it.

Its `run:` steps run in bash (`bash --noprofile --norc -eo pipefail`, as GitHub's `shell: bash`)
in a temporary workspace with Dockerfiles that have findings: `${{ ... }}` expressions are
substituted (inputs, `github.action_path`, `runner.temp`, earlier steps' outputs), GITHUB_OUTPUT
and GITHUB_PATH are files read back between steps, and a step that fails ends the job. Its
`uses:` steps are checked (pinned to a major version, known inputs) and recorded, not run.

The install step runs for real once for the module: it pip-installs dockopt from a copy of this
checkout, which is what the action's own directory (`github.action_path`) holds when a workflow
says `uses: owner/dockopt@ref` (about 20 s). The scenarios then run the steps after it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from test_cli import CLEAN, FINDINGS

ACTION = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))
STEPS = ACTION["runs"]["steps"]
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
# the inputs of github/codeql-action/upload-sarif (its upload-sarif/action.yml)
UPLOAD_SARIF_INPUTS = {
    "sarif_file",
    "checkout_path",
    "ref",
    "sha",
    "token",
    "matrix",
    "category",
    "wait-for-processing",
}


@dataclass
class Job:
    """What the runner did with the action's steps."""

    status: int = 0  # the exit status of the step that failed, 0 when none did
    ran: list[str] = field(default_factory=list)  # step ids (or names), `uses:` steps included
    uses: dict[str, dict[str, str]] = field(default_factory=dict)  # `uses:` step -> its `with:`, substituted
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)  # step id -> its outputs
    log: str = ""


class Runner:
    """Runs the steps of a composite action as GitHub's runner does (the parts action.yml uses)."""

    def __init__(self, workspace: Path, temp: Path, action_path: Path, inputs: dict[str, str]) -> None:
        unknown = set(inputs) - set(ACTION["inputs"])
        assert not unknown, f"not inputs of action.yml: {unknown}"
        self.workspace, self.temp, self.action_path = workspace, temp, action_path
        self.inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()} | inputs
        # as if actions/setup-python had put this Python first on PATH
        self.path = [str(Path(sys.executable).parent), os.environ["PATH"]]

    def value(self, expression: str, job: Job) -> str:
        context, _, rest = expression.partition(".")
        if context == "inputs":
            return self.inputs[rest]
        if expression == "github.action_path":
            return str(self.action_path)
        if expression == "github.workspace":
            return str(self.workspace)
        if expression == "runner.temp":
            return str(self.temp)
        found = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
        if found:
            return job.outputs.get(found.group(1), {}).get(found.group(2), "")
        raise AssertionError(f"an expression this runner does not know: {expression!r}")

    def substitute(self, text: str, job: Job) -> str:
        return EXPRESSION.sub(lambda m: self.value(m.group(1), job), text)

    def condition(self, expression: str, job: Job) -> bool:
        found = re.fullmatch(r"\s*(?:\$\{\{\s*)?([\w.-]+)\s*(==|!=)\s*'([^']*)'\s*(?:\}\})?\s*", expression)
        assert found, f"a condition this runner does not know: {expression!r}"
        equal = self.value(found.group(1), job) == found.group(3)
        return equal if found.group(2) == "==" else not equal

    def run(self, steps: list[dict], job: Job | None = None) -> Job:
        job = job or Job()
        for number, step in enumerate(steps):
            name = step.get("id", step["name"])
            # no step says always() or failure(): after a failure nothing runs
            if "if" in step and not self.condition(step["if"], job):
                continue
            job.ran.append(name)
            if "uses" in step:
                job.uses[name] = {key: self.substitute(str(value), job) for key, value in step.get("with", {}).items()}
                continue
            files = {
                key: self.temp / f"{key.lower()}-{number}" for key in ("GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_ENV")
            }
            for file in files.values():
                file.write_text("")
            script = self.temp / f"step-{number}.sh"
            script.write_text(self.substitute(step["run"], job))
            env = {
                **os.environ,
                **{key: str(file) for key, file in files.items()},
                "PATH": os.pathsep.join(self.path),
                "CI": "true",
                "GITHUB_ACTIONS": "true",
                "GITHUB_WORKSPACE": str(self.workspace),
                "GITHUB_ACTION_PATH": str(self.action_path),
                "RUNNER_TEMP": str(self.temp),
                **{key: self.substitute(str(value), job) for key, value in step.get("env", {}).items()},
            }
            env.pop("VIRTUAL_ENV", None)
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                cwd=self.workspace,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            job.log += f"--- {name} (exit {done.returncode})\n{done.stdout}{done.stderr}"
            job.outputs[name] = outputs(files["GITHUB_OUTPUT"].read_text())
            self.path[:0] = reversed(files["GITHUB_PATH"].read_text().split())
            if done.returncode != 0:
                job.status = done.returncode
                break
        return job


def outputs(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT's `name=value` lines and `name<<DELIMITER` blocks."""
    found: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            found[name] = "\n".join(iter(lines.__next__, delimiter))
        elif "=" in line:
            name, value = line.split("=", 1)
            found[name] = value
    return found


# --------------------------------------------------------------------------- what is checked, not run


def test_composite_steps_are_named_and_every_run_step_says_its_shell() -> None:
    assert ACTION["runs"]["using"] == "composite"
    for step in STEPS:
        assert step.get("name"), step
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:
            assert step.get("shell") == "bash", f"{step['name']}: a composite run step needs its shell"


def test_uses_steps_are_pinned_to_a_major_version_and_pass_known_inputs() -> None:
    uses = [step for step in STEPS if "uses" in step]
    assert [step["uses"].split("@")[0] for step in uses] == ["github/codeql-action/upload-sarif"]
    for step in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+(/[\w.-]+)*@(v\d+(\.\d+){0,2}|[0-9a-f]{40})", step["uses"]), step["uses"]
        assert set(step["with"]) <= UPLOAD_SARIF_INPUTS


def test_every_input_is_documented_has_a_default_and_is_used() -> None:
    text = (ROOT / "action.yml").read_text("utf-8")
    used = set(re.findall(r"inputs\.([\w-]+)", text))
    assert used == set(ACTION["inputs"])
    for name, spec in ACTION["inputs"].items():
        assert spec.get("description") and "default" in spec, name
    step_ids = {step["id"] for step in STEPS if "id" in step}
    for name, spec in ACTION["outputs"].items():
        assert spec.get("description"), name
        assert set(re.findall(r"steps\.([\w-]+)\.", spec["value"])) <= step_ids, name


def test_inputs_reach_run_steps_through_env_only() -> None:
    """A `${{ }}` in a script is pasted into it as code (quotes in an input would break out);
    through `env:` it is data."""
    for step in STEPS:
        if "run" in step:
            assert not EXPRESSION.search(step["run"]), step["name"]


# --------------------------------------------------------------------------- the steps, run


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path, Job]:
    """The install step run once: the action's directory is a copy of this checkout's files."""
    action_path = tmp_path_factory.mktemp("action")
    for name in ("action.yml", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, action_path / name)
    shutil.copytree(ROOT / "dockopt", action_path / "dockopt", ignore=shutil.ignore_patterns("__pycache__"))
    temp = tmp_path_factory.mktemp("runner-temp")
    runner = Runner(tmp_path_factory.mktemp("workspace"), temp, action_path, {})
    job = runner.run(STEPS[:1])
    assert job.status == 0, job.log
    return temp, action_path, job


def run_action(installed: tuple[Path, Path, Job], workspace: Path, **inputs: str) -> Job:
    temp, action_path, install = installed
    runner = Runner(workspace, temp, action_path, {name.replace("_", "-"): value for name, value in inputs.items()})
    job = Job(outputs={"install": install.outputs["install"]})
    return runner.run(STEPS[1:], job)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(FINDINGS)
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "Dockerfile").write_text(CLEAN)
    (tmp_path / "with space").mkdir()
    (tmp_path / "with space" / "Dockerfile").write_text("FROM debian:bookworm-slim\nRUN true\nRUN true\n")
    return tmp_path


def results(sarif: dict) -> list[tuple[str, str]]:
    return sorted(
        (r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["ruleId"])
        for r in sarif["runs"][0]["results"]
    )


def test_install_puts_the_checkout_s_dockopt_on_the_job_s_path(installed) -> None:
    temp, action_path, job = installed
    dockopt = Path(job.outputs["install"]["dockopt"])
    assert dockopt.parent == temp / "dockopt-venv" / "bin" and dockopt.is_file()
    assert f"installing {action_path} into {temp / 'dockopt-venv'}" in job.log
    version = re.search(r'^version = "(.+)"', (ROOT / "pyproject.toml").read_text("utf-8"), re.M)
    assert version and f"dockopt {version.group(1)}" in job.log  # `dockopt --version`
    found = subprocess.run(
        [dockopt.parent / "python", "-c", "import dockopt; print(dockopt.__file__)"],
        capture_output=True,
        text=True,
        cwd=temp,
    )
    assert found.stdout.startswith(str(temp / "dockopt-venv")), found  # installed, not the test's own dockopt


def test_findings_write_the_sarif_report_upload_it_and_fail_the_job(installed, workspace, sarif_validator) -> None:
    job = run_action(installed, workspace)
    assert job.status == 1, job.log
    assert job.ran == ["check", "Upload the SARIF report to code scanning", "Pass or fail as dockopt check says"]
    assert job.outputs["check"] == {"exit-code": "1", "sarif-file": "dockopt.sarif"}
    assert job.uses["Upload the SARIF report to code scanning"] == {
        "sarif_file": "dockopt.sarif",
        "category": "dockopt",
    }
    sarif = sarif_validator((workspace / "dockopt.sarif").read_text())
    assert ("Dockerfile", "DO309") in results(sarif) and ("clean/Dockerfile", "DO101") not in results(sarif)
    assert "with%20space/Dockerfile" in {uri for uri, _ in results(sarif)}  # "." searches the workspace (a URI)
    assert "::error::dockopt check exited with status 1" in job.log


def test_exit_zero_passes_with_the_same_report(installed, workspace, sarif_validator) -> None:
    job = run_action(installed, workspace, exit_zero="true", sarif_file="reports/dockopt.sarif")
    assert job.status == 0, job.log
    assert job.outputs["check"]["exit-code"] == "0" and len(job.ran) == 3
    sarif = sarif_validator((workspace / "reports" / "dockopt.sarif").read_text())
    assert ("Dockerfile", "DO309") in results(sarif)


def test_upload_false_writes_the_report_and_uploads_nothing(installed, workspace, sarif_validator) -> None:
    job = run_action(installed, workspace, upload="false")
    assert job.status == 1 and job.uses == {}
    assert job.ran == ["check", "Pass or fail as dockopt check says"]
    sarif_validator((workspace / "dockopt.sarif").read_text())


def test_clean_paths_pass(installed, workspace, sarif_validator) -> None:
    job = run_action(installed, workspace, paths="clean")
    assert job.status == 0, job.log
    assert results(sarif_validator((workspace / "dockopt.sarif").read_text())) == []


def test_paths_and_args_are_split_as_a_shell_splits_them(installed, workspace, sarif_validator) -> None:
    job = run_action(installed, workspace, paths="clean\n'with space'  Dockerfile", args="--select 'merge-runs'")
    assert job.status == 1, job.log
    sarif = sarif_validator((workspace / "dockopt.sarif").read_text())
    assert results(sarif) == [("Dockerfile", "DO101"), ("with%20space/Dockerfile", "DO101")]
    assert "dockopt check --output-format sarif --select merge-runs -- clean with\\ space Dockerfile" in job.log
    # a quote in an input is data, never shell code
    job = run_action(installed, workspace, paths="'clean' \"$(touch pwned)\"")
    assert not (workspace / "pwned").exists() and job.status == 2


def test_a_file_that_cannot_be_checked_is_in_the_report_and_fails_with_2(installed, workspace, sarif_validator) -> None:
    job = run_action(installed, workspace, paths="clean missing/Dockerfile", exit_zero="true")
    assert job.status == 2 and job.outputs["check"]["exit-code"] == "2"
    sarif = sarif_validator((workspace / "dockopt.sarif").read_text())
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False
    assert "Upload the SARIF report to code scanning" in job.ran  # the failure shows in code scanning


def test_bad_usage_writes_no_report_and_fails_before_the_upload(installed, workspace) -> None:
    job = run_action(installed, workspace, args="--no-such-option")
    assert job.status == 2 and job.ran == ["check"], job.log
    assert "::error::dockopt check wrote no SARIF report (exit status 2)" in job.log


def test_fail_on_reaches_dockopt_check(installed, workspace) -> None:
    job = run_action(installed, workspace, fail_on="info")
    assert "dockopt check --output-format sarif --fail-on info -- " in job.log


def test_fail_on_info_fails_on_any_finding(installed, workspace, sarif_validator) -> None:
    dockopt = installed[2].outputs["install"]["dockopt"]
    help_text = subprocess.run(
        [dockopt, "check", "--help"], capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"}
    ).stdout
    if "--fail-on" not in help_text:
        pytest.skip("dockopt check has no --fail-on yet (issue 15, item 4: severities)")
    job = run_action(installed, workspace, fail_on="info")
    assert job.status == 1, job.log
    sarif_validator((workspace / "dockopt.sarif").read_text())
    assert run_action(installed, workspace, fail_on="info", paths="clean").status == 0
