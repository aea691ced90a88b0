"""Severities: each transform's own, the configuration's `[tool.dockopt.severity]` and
`.hadolint.yaml`'s `override` over them, `check --fail-on`, and the severity in every output
format, GitLab Code Quality's included (validated against a schema written from GitLab's
documentation: tests/data/gitlab-code-quality.schema.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockopt.config import ConfigError, Overrides, Resolver, load
from dockopt.engine import Settings, process_text
from dockopt.fix import Applicability
from dockopt.refusals import REFUSALS
from dockopt.registry import all_transforms, severities
from dockopt.transform import SEVERITIES, at_least, transform

from test_cli import run, write

# merge-runs (DO101, info) on line 3, and nothing else
MERGE = "FROM debian:12-slim\nRUN echo a\nRUN echo b\nUSER 1000\n"
# secrets-in-env (DO310, error) on line 2, merge-runs on line 4
SECRET = "FROM debian:12-slim\nENV API_TOKEN=abc\nRUN echo a\nRUN echo b\nUSER 1000\n"
SCHEMA = Path(__file__).parent / "data" / "gitlab-code-quality.schema.json"


def severity_of(text: str, code: str, **settings: object) -> str:
    checked = process_text("Dockerfile", text, Settings(all_transforms(), check=True, **settings))  # type: ignore[arg-type]
    (found,) = [d.severity for d in checked.diagnostics if d.code == code]
    return found


def json_severities(tmp_path: Path, *args: str, name: str = "Dockerfile") -> dict[str, str]:
    code, out, err = run("check", "--output-format", "json", *args, name, cwd=tmp_path)
    assert code in (0, 1), err
    return {f["code"]: f["severity"] for f in json.loads(out)["findings"]}


# --------------------------------------------------------------------------- each transform's own


def test_every_transform_declares_one_of_the_three_severities() -> None:
    assert SEVERITIES == ("error", "warning", "info")
    assert {t.severity for t in all_transforms()} == set(SEVERITIES)
    # the choices the documentation explains: a secret in the image is an error, layers and
    # caches are warnings, style is info
    chosen = {t.code: t.severity for t in all_transforms()}
    assert chosen["DO310"] == "error"
    assert chosen["DO401"] == chosen["DO205"] == chosen["DO102"] == chosen["DO301"] == "warning"
    assert chosen["DO101"] == chosen["DO307"] == chosen["DO302"] == "info"


def test_a_transform_must_say_its_severity_and_say_it_right() -> None:
    def function(df, context):  # type: ignore[no-untyped-def]
        return iter(())

    with pytest.raises(TypeError):
        transform(code="DO999", name="x", applicability=Applicability.SAFE)(function)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="severity must be one of error, warning, info, not 'style'"):
        transform(code="DO999", name="x", applicability=Applicability.SAFE, severity="style")(function)


def test_at_least_orders_the_severities() -> None:
    assert at_least("error", "warning") and at_least("warning", "warning") and at_least("info", "info")
    assert not at_least("info", "warning") and not at_least("warning", "error")


def test_findings_take_their_transforms_severity_and_refusals_are_errors() -> None:
    assert severity_of(SECRET, "DO310") == "error"
    assert severity_of(SECRET, "DO101") == "info"
    assert severity_of("FROM debian:12-slim\nRUNN x\n", "DO002") == "error"


# --------------------------------------------------------------------------- overrides


def test_the_closest_selector_wins_then_the_most_severe() -> None:
    table = {"info": ["ALL"], "warning": ["DO3"], "error": ["secrets-in-env", "DL3030"]}
    found = dict(severities(table))
    assert found["DO101"] == "info"  # ALL
    assert found["DO301"] == "warning"  # DO3, closer than ALL
    assert found["DO310"] == "error"  # its name, closer than DO3
    assert found["DO208"] == "error"  # a hadolint rule it answers
    # DO208 answers DL3030 and DL3038: set apart, the more severe wins, whatever the order
    assert dict(severities({"error": ["DL3030"], "info": ["DL3038"]}))["DO208"] == "error"
    assert dict(severities({"info": ["DL3038"], "warning": ["DL3030"]}))["DO208"] == "warning"
    # a longer prefix is closer
    assert dict(severities({"error": ["DO"], "info": ["DO31"]}))["DO310"] == "info"
    assert severities({}) == ()


def test_settings_severities_go_over_the_transforms_own() -> None:
    assert severity_of(SECRET, "DO310", severities=(("DO310", "info"),)) == "info"
    assert severity_of(SECRET, "DO101", severities=(("DO310", "info"),)) == "info"  # untouched
    assert severity_of(MERGE, "DO101", severities=(("DO101", "error"),)) == "error"


def test_configuration_severity_table(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", SECRET)
    write(tmp_path / ".dockopt.toml", '[severity]\nwarning = ["DO3"]\nerror = ["merge-runs"]\n')
    assert json_severities(tmp_path) == {"DO310": "warning", "DO101": "error"}
    write(tmp_path / ".dockopt.toml", "")
    assert json_severities(tmp_path) == {"DO310": "error", "DO101": "info"}
    write(tmp_path / "pyproject.toml", '[tool.dockopt.severity]\ninfo = ["DO310"]\n')
    (tmp_path / ".dockopt.toml").unlink()
    assert json_severities(tmp_path) == {"DO310": "info", "DO101": "info"}
    code, out, _ = run("check", "--show-settings", cwd=tmp_path)
    assert code == 0
    assert 'severity.info = ["DO310"]' in out and "# pyproject.toml" in out.split('severity.info = ["DO310"]')[1]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            'severity = ["DO101"]',
            'severity: must be a table ([severity] or [tool.dockopt.severity], like error = ["DO310"])',
        ),
        ('[severity]\nfatal = ["DO101"]', "unknown key 'severity.fatal' (known: error, warning, info)"),
        ('[severity]\nerror = "DO101"', 'severity.error: must be a list of strings (like ["DO101"]), not "DO101"'),
        (
            '[severity]\nerror = ["merge-run"]',
            "severity.error: unknown transform 'merge-run' (did you mean 'merge-runs'?)",
        ),
        ('[severity]\nerror = ["DO002"]', "severity.error: 'DO002' (DO002 unknown-instruction) cannot be selected"),
    ],
)
def test_a_bad_severity_table_is_one_line_naming_the_file_and_the_key(
    content: str, message: str, tmp_path: Path
) -> None:
    path = write(tmp_path / ".dockopt.toml", content + "\n")
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)


def test_a_hadolint_rule_no_transform_answers_is_accepted_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", MERGE)
    write(tmp_path / ".dockopt.toml", '[severity]\nerror = ["DL3008", "DO101"]\n')
    code, out, err = run("check", "--output-format", "json", "Dockerfile", cwd=tmp_path)
    assert code == 1 and [f["severity"] for f in json.loads(out)["findings"]] == ["error"]
    assert err.startswith("warning: .dockopt.toml: DL3008: a hadolint rule that no dockopt transform answers")


def test_hadolint_override_sets_the_severities_of_the_transforms_answering_its_rules(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", SECRET)
    # style is dockopt's info; DL3008 (no transform answers it) is hadolint's business: no warning
    write(tmp_path / ".hadolint.yaml", "override:\n  style: [DL3064]\n  error: [DL3059, DL3008]\n")
    code, out, err = run("check", "--output-format", "json", "Dockerfile", cwd=tmp_path)
    assert code == 1
    assert {f["code"]: f["severity"] for f in json.loads(out)["findings"]} == {"DO310": "info", "DO101": "error"}
    assert "warning" not in err
    resolved = Resolver(Overrides(), cwd=tmp_path).resolve(tmp_path / "Dockerfile")
    assert resolved.severities == (("DO101", "error"), ("DO310", "info"))
    # a dockopt configuration applies: the hadolint file is not read
    write(tmp_path / ".dockopt.toml", "")
    assert json_severities(tmp_path) == {"DO310": "error", "DO101": "info"}


# --------------------------------------------------------------------------- check --fail-on


def test_fail_on_exits_1_only_for_findings_at_or_above_it(tmp_path: Path) -> None:
    write(tmp_path / "merge.Dockerfile", MERGE)  # one info finding
    write(tmp_path / "secret.Dockerfile", SECRET)  # an error and an info
    exits = {
        (name, fail_on): run("check", "--isolated", *fail_on, name, cwd=tmp_path)[0]
        for name in ("merge.Dockerfile", "secret.Dockerfile")
        for fail_on in ((), ("--fail-on", "info"), ("--fail-on", "warning"), ("--fail-on", "error"))
    }
    assert exits == {
        ("merge.Dockerfile", ()): 1,  # by default, any finding
        ("merge.Dockerfile", ("--fail-on", "info")): 1,
        ("merge.Dockerfile", ("--fail-on", "warning")): 0,
        ("merge.Dockerfile", ("--fail-on", "error")): 0,
        ("secret.Dockerfile", ()): 1,
        ("secret.Dockerfile", ("--fail-on", "info")): 1,
        ("secret.Dockerfile", ("--fail-on", "warning")): 1,
        ("secret.Dockerfile", ("--fail-on", "error")): 1,
    }
    # the findings are printed all the same
    code, out, _ = run("check", "--isolated", "--fail-on", "error", "merge.Dockerfile", cwd=tmp_path)
    assert (code, out) == (0, "merge.Dockerfile:3:1: DO101 [*] info: RUN can be merged into the RUN at line 2\n")


def test_fail_on_follows_the_configured_severity_exit_zero_wins_and_failures_still_exit_2(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", MERGE)
    write(tmp_path / ".dockopt.toml", '[severity]\nerror = ["DO101"]\n')
    assert run("check", "--fail-on", "error", "Dockerfile", cwd=tmp_path)[0] == 1
    assert run("check", "--fail-on", "error", "--exit-zero", "Dockerfile", cwd=tmp_path)[0] == 0
    write(tmp_path / "bad" / "Dockerfile", "FROM x\nRUN <<EOF\n")
    assert run("check", "--fail-on", "error", "bad/Dockerfile", cwd=tmp_path)[0] == 2
    code, _, err = run("check", "--fail-on", "fatal", "Dockerfile", cwd=tmp_path)
    assert code == 2 and "fatal" in err


def test_an_error_that_buildkit_does_not_refuse_is_no_refused_file(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", SECRET)
    code, _, err = run("check", "--isolated", "Dockerfile", cwd=tmp_path)
    assert code == 1 and err == "Found 2 findings in 1 file (1 fixable with `dockopt fix`)\n"


# --------------------------------------------------------------------------- the output formats


def test_text_sarif_and_github_carry_the_severity(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", SECRET)
    _, text, _ = run("check", "--isolated", "Dockerfile", cwd=tmp_path)
    assert [line.split(": ", 2)[1].split()[-1] for line in text.splitlines()] == ["error", "info"]
    _, sarif, _ = run("check", "--isolated", "--output-format", "sarif", "Dockerfile", cwd=tmp_path)
    (sarif_run,) = json.loads(sarif)["runs"]
    assert [(r["ruleId"], r["level"]) for r in sarif_run["results"]] == [("DO310", "error"), ("DO101", "note")]
    rules = {r["id"]: r["defaultConfiguration"]["level"] for r in sarif_run["tool"]["driver"]["rules"]}
    assert rules == {"DO310": "error", "DO101": "note"}
    _, github, _ = run("check", "--isolated", "--output-format", "github", "Dockerfile", cwd=tmp_path)
    assert [line.split(" ", 1)[0] for line in github.splitlines()] == ["::error", "::notice"]


@pytest.fixture(scope="module")
def gitlab_validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text("utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)

    def validate(text: str) -> list[dict]:
        report = json.loads(text)
        assert [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(report)] == []
        fingerprints = [issue["fingerprint"] for issue in report]
        assert len(set(fingerprints)) == len(fingerprints), "GitLab shows one issue a fingerprint"
        return report

    return validate


def test_the_schema_rejects_what_gitlab_would(gitlab_validator) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    good = {
        "description": "d",
        "check_name": "c",
        "fingerprint": "f",
        "severity": "major",
        "location": {"path": "p", "lines": {"begin": 1}},
    }
    gitlab_validator(json.dumps([good]))
    for bad in (
        {**good, "severity": "warning"},
        {k: v for k, v in good.items() if k != "fingerprint"},
        {**good, "location": {"path": "p"}},
        {**good, "location": {"path": "p", "lines": {"begin": 0}}},
    ):
        with pytest.raises(AssertionError):
            gitlab_validator(json.dumps([bad]))
    with pytest.raises(AssertionError):
        gitlab_validator(json.dumps([good, good]))  # one fingerprint twice
    assert jsonschema  # imported for the skip


def gitlab(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    return run("check", "--isolated", "--output-format", "gitlab", *args, cwd=tmp_path)


def test_gitlab_code_quality_report(tmp_path: Path, gitlab_validator) -> None:
    write(tmp_path / "app" / "Dockerfile", SECRET)
    write(tmp_path / "clean" / "Dockerfile", "FROM debian:12-slim\nUSER 1000\n")
    code, out, _ = gitlab(tmp_path, ".")
    assert code == 1
    report = gitlab_validator(out)
    assert [{k: v for k, v in issue.items() if k != "fingerprint"} for issue in report] == [
        {
            "description": (
                "DO310 ENV API_TOKEN looks like a secret: ENV values are stored in the image's configuration; "
                "never bake secrets in the image, use RUN --mount=type=secret"
            ),
            "check_name": "DO310",
            "severity": "critical",
            "location": {"path": "app/Dockerfile", "lines": {"begin": 2}},
        },
        {
            "description": "DO101 RUN can be merged into the RUN at line 3",
            "check_name": "DO101",
            "severity": "minor",
            "location": {"path": "app/Dockerfile", "lines": {"begin": 4}},
        },
    ]
    assert gitlab(tmp_path, "clean") == (0, "[]\n", "Found 0 findings in 1 file\n")


def test_gitlab_severities_follow_the_configuration_and_warnings_are_major(tmp_path: Path, gitlab_validator) -> None:
    write(tmp_path / "Dockerfile", "FROM debian:12\nUSER 1000\n")  # slim-base: a warning
    (issue,) = gitlab_validator(gitlab(tmp_path, "Dockerfile")[1])
    assert (issue["check_name"], issue["severity"]) == ("DO401", "major")
    write(tmp_path / ".dockopt.toml", '[severity]\ninfo = ["DO401"]\n')
    (issue,) = gitlab_validator(run("check", "--output-format", "gitlab", "Dockerfile", cwd=tmp_path)[1])
    assert issue["severity"] == "minor"


def fingerprints(tmp_path: Path, text: str) -> dict[tuple[str, int], str]:
    write(tmp_path / "Dockerfile", text)
    return {
        (i["check_name"], i["location"]["lines"]["begin"]): i["fingerprint"]
        for i in json.loads(gitlab(tmp_path, "Dockerfile")[1])
    }


def test_gitlab_fingerprints_are_stable_across_runs_and_line_moves(tmp_path: Path) -> None:
    before = fingerprints(tmp_path, SECRET)
    assert fingerprints(tmp_path, SECRET) == before  # the same run twice
    # two lines added above: the same findings, two lines down, keep their fingerprints
    moved = fingerprints(tmp_path, "# built by CI\n\n" + SECRET)
    assert {(code, line - 2): f for (code, line), f in moved.items()} == before
    # the finding's own line edited: a new finding
    edited = fingerprints(tmp_path, SECRET.replace("API_TOKEN=abc", "API_TOKEN=xyz"))
    assert edited[("DO310", 2)] != before[("DO310", 2)] and edited[("DO101", 4)] == before[("DO101", 4)]
    # the same file elsewhere: other findings
    write(tmp_path / "sub" / "Dockerfile", SECRET)
    elsewhere = json.loads(gitlab(tmp_path, "sub/Dockerfile")[1])
    assert not {i["fingerprint"] for i in elsewhere} & set(before.values())


def test_gitlab_fingerprints_tell_identical_findings_apart(tmp_path: Path, gitlab_validator) -> None:
    # the same RUN three times: merge-runs fires twice on identical lines
    write(tmp_path / "Dockerfile", "FROM debian:12-slim\nRUN echo a\nRUN echo a\nRUN echo a\nUSER 1000\n")
    report = gitlab_validator(gitlab(tmp_path, "Dockerfile")[1])
    assert [i["check_name"] for i in report] == ["DO101", "DO101"]


def test_gitlab_a_file_that_cannot_be_checked_is_one_critical_issue(tmp_path: Path, gitlab_validator) -> None:
    write(tmp_path / "Dockerfile", "FROM x\nRUN <<EOF\n")
    code, out, err = gitlab(tmp_path, "Dockerfile", "missing")
    assert code == 2 and err.startswith("error: ")
    report = gitlab_validator(out)
    assert [(i["check_name"], i["severity"], i["location"]) for i in report] == [
        ("dockopt", "critical", {"path": "Dockerfile", "lines": {"begin": 1}}),
        ("dockopt", "critical", {"path": "missing", "lines": {"begin": 1}}),
    ]
    assert report[0]["description"] == "dockopt could not check this file: cannot parse: line 2: unterminated heredoc"


def test_gitlab_paths_are_relative_to_the_working_directory(tmp_path: Path) -> None:
    target = write(tmp_path / "app" / "Dockerfile", MERGE)
    (issue,) = json.loads(gitlab(tmp_path, str(target))[1])
    assert issue["location"]["path"] == "app/Dockerfile"
    (issue,) = json.loads(gitlab(tmp_path / "app", "-", "--stdin-filename", "Dockerfile")[1])
    assert issue["location"]["path"] == "Dockerfile"


def test_list_and_explain_show_the_default_severity(tmp_path: Path) -> None:
    listed = json.loads(run("list", "--output-format", "json", cwd=tmp_path)[1])
    assert {row["code"]: row["severity"] for row in listed} == {
        **{t.code: t.severity for t in all_transforms()},
        **{r.code: "error" for r in REFUSALS},
    }
    assert run("explain", "DO310", cwd=tmp_path)[1].splitlines()[0].endswith(", severity error")
    write(tmp_path / ".dockopt.toml", '[severity]\ninfo = ["DO310"]\n')
    # the default: the configuration is the findings' business
    assert run("explain", "DO310", cwd=tmp_path)[1].splitlines()[0].endswith(", severity error")
