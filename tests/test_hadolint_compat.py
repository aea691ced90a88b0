"""hadolint compatibility: hadolint rules that no transform answers accepted as selectors
(one warning, never exit 2), BuildKit's `# check=skip=`, and `.hadolint.yaml`."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockopt.config import Overrides, Resolver, load
from dockopt.registry import Selection, UnknownSelector, choose, lookup, unanswered

from test_cli import FIXABLE, FIXED, run, write

ANSWERED_BY_NONE = ("DL3008", "SC2086")


def test_the_rules_of_these_tests_are_answered_by_no_transform() -> None:
    assert [lookup(rule) for rule in ANSWERED_BY_NONE] == [None, None]
    assert lookup("DL4000") is not None  # maintainer-to-label answers it: a selector like any


# --------------------------------------------------------------------------- 1. selectors


def test_unanswered_rules_are_accepted_and_choose_nothing() -> None:
    Selection(["DL3008"], ["sc2086"], ["DL3008"]).check()  # no UnknownSelector
    everything = choose([Selection()])
    assert choose([Selection(ignore=["DL3008", "SC2086"])]) == everything
    assert choose([Selection(select=["DL3008"])]) == ()
    assert [t.code for t in choose([Selection(select=["DL3008", "DO101"])])] == ["DO101"]
    assert unanswered(["DO101", "dl3008", "DL4000", "DL3008", "SC2086"]) == ("DL3008", "SC2086")


@pytest.mark.parametrize("selector", ["DL300", "DL30080", "XY3008", "SC20", "D"])
def test_what_is_no_hadolint_rule_is_still_an_error(selector: str) -> None:
    with pytest.raises(UnknownSelector):
        Selection(ignore=[selector]).check()


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
def test_cli_unanswered_rules_warn_once_and_go_on(option: str, tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", FIXABLE)
    value = "DL3008,SC2086" if option != "--select" else "DL3008,SC2086,DO101"
    code, _, err = run("fix", "--isolated", option, value, "Dockerfile", cwd=tmp_path)
    assert code == 0, err
    assert err.splitlines()[0] == (
        "warning: command line: DL3008, SC2086: hadolint rules that no dockopt transform answers, "
        "left to hadolint (nothing selected or ignored)"
    )
    assert (tmp_path / "Dockerfile").read_text() == FIXED


def test_configuration_ignore_of_unanswered_rules_warns_naming_the_file(tmp_path: Path) -> None:
    write(tmp_path / ".dockopt.toml", 'ignore = ["DL3008"]\n')
    write(tmp_path / "Dockerfile", FIXABLE)
    assert load(tmp_path / ".dockopt.toml").unanswered == ("DL3008",)
    code, out, err = run("check", "Dockerfile", cwd=tmp_path)
    assert code == 1 and "DO101" in out
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert warnings == [
        (
            "warning: .dockopt.toml: DL3008: a hadolint rule that no dockopt transform answers, "
            "left to hadolint (nothing selected or ignored)"
        )
    ]


def test_explain_an_unanswered_rule_warns_and_exits_0(tmp_path: Path) -> None:
    code, out, err = run("explain", "DL3008", cwd=tmp_path)
    assert (code, out) == (0, "")
    assert err == (
        "warning: DL3008: a hadolint rule that no dockopt transform answers: "
        "see https://github.com/hadolint/hadolint/wiki/DL3008\n"
    )
    code, out, err = run("explain", "sc2086", cwd=tmp_path)
    assert code == 0 and "https://www.shellcheck.net/wiki/SC2086" in err
    assert run("explain", "DL300", cwd=tmp_path)[0] == 2


def test_a_dockopt_comment_naming_an_unanswered_rule_is_no_invalid_suppression(tmp_path: Path) -> None:
    text = "FROM debian:bookworm-slim\n# dockopt: ignore=DL3008,merge-runs\nRUN echo a\nRUN echo b\nUSER 1000\n"
    write(tmp_path / "Dockerfile", text)
    _, out, _ = run("check", "--isolated", "--select", "DO001,DO101", "Dockerfile", cwd=tmp_path)
    assert "DO001" not in out
    assert "DO101" in out  # merge-runs reports on the second RUN, which no comment covers
    bad = text.replace("DL3008", "DL300")
    write(tmp_path / "Dockerfile", bad)
    _, out, _ = run("check", "--isolated", "--select", "DO001", "Dockerfile", cwd=tmp_path)
    assert "DO001 warning: unknown transform 'DL300'" in out


def test_resolver_warns_once_per_file_read(tmp_path: Path) -> None:
    write(tmp_path / ".dockopt.toml", 'extend-select = ["SC2086"]\n')
    told: list[str] = []
    resolver = Resolver(Overrides(), warn=told.append)
    resolver.resolve(tmp_path / "a" / "Dockerfile")
    resolver.resolve(tmp_path / "b" / "Dockerfile")
    assert len(told) == 1 and told[0].startswith(f"{tmp_path / '.dockopt.toml'}: SC2086: a hadolint rule")


# --------------------------------------------------------------------------- 2. `# check=skip=`

SHELL_CMD = "FROM debian:bookworm-slim\nMAINTAINER me\nENV API_TOKEN=x\nUSER 1000\nCMD python3 app.py\n"


def codes_found(text: str) -> list[str]:
    from dockopt.engine import find_source
    from dockopt.registry import select

    return sorted({d.code for d in find_source(text, select())})


def test_without_a_check_directive_the_three_transforms_answer() -> None:
    assert {"DO303", "DO307", "DO310"} <= set(codes_found(SHELL_CMD))


@pytest.mark.parametrize(
    "directive, gone",
    [
        ("# check=skip=JSONArgsRecommended\n", {"DO303"}),
        ("# check=skip=MaintainerDeprecated,SecretsUsedInArgOrEnv\n", {"DO307", "DO310"}),
        ("# check = skip = JSONArgsRecommended ; error=true\n", {"DO303"}),
        ("# check=skip=all\n", {"DO303", "DO307", "DO310"}),
        ("# check=skip=StageNameCasing\n", set()),  # a check no transform answers
        ("# check=error=true\n", set()),
    ],
)
def test_check_skip_leaves_out_the_transforms_answering_those_checks(directive: str, gone: set[str]) -> None:
    before = set(codes_found(SHELL_CMD))
    assert before - set(codes_found(directive + SHELL_CMD)) == gone


def test_skip_all_leaves_the_transforms_that_answer_no_check() -> None:
    text = "# check=skip=all\nFROM debian:bookworm-slim\nRUN echo a\nRUN echo b\nUSER 1000\n"
    assert "DO101" in codes_found(text)


def test_fix_diff_leaves_a_shell_form_cmd_alone_under_skip(tmp_path: Path) -> None:
    text = "# check=skip=JSONArgsRecommended\nFROM debian:bookworm-slim\nUSER 1000\nCMD python3 app.py\n"
    write(tmp_path / "Dockerfile", text)
    code, out, _ = run("fix", "--isolated", "--diff", "Dockerfile", cwd=tmp_path)
    assert (code, out) == (0, "")
    write(tmp_path / "Dockerfile", text.replace("JSONArgsRecommended", "StageNameCasing"))
    code, out, _ = run("fix", "--isolated", "--diff", "Dockerfile", cwd=tmp_path)
    assert code == 1 and '+CMD ["python3", "app.py"]' in out
    code, out, _ = run("check", "--isolated", "-", cwd=tmp_path, stdin=text.encode())
    assert code == 0 and out == ""


# --------------------------------------------------------------------------- 3. `.hadolint.yaml`

HADOLINT_YAML = """\
# shared with hadolint
ignored:
  - DL3059   # merge-runs answers it
  - dl3008
override:
  error: [DL3001]
  info:
    - SC2086
trustedRegistries: docker.io
failure-threshold: warning   # hadolint's own: not read
"""


def test_hadolint_ignored_rules_leave_out_the_transforms_answering_them(tmp_path: Path) -> None:
    write(tmp_path / ".hadolint.yaml", HADOLINT_YAML)
    config = load(tmp_path / ".hadolint.yaml")
    assert config is not None and config.values == {
        "ignore": ("DL3059", "DL3008"),
        "severity": {"error": ("DL3001",), "info": ("SC2086",)},  # override: see test_severity.py
    }
    assert config.unanswered == ("DL3008",)
    assert config.hadolint is not None
    assert config.hadolint.override == (("error", ("DL3001",)), ("info", ("SC2086",)))
    assert config.hadolint.trusted_registries == ("docker.io",)
    resolver = Resolver(Overrides())
    chosen = [t.code for t in resolver.resolve(tmp_path / "sub" / "Dockerfile").transforms]
    assert "DO101" not in chosen and "DO303" in chosen


def test_yml_is_read_and_yaml_wins_in_one_directory(tmp_path: Path) -> None:
    write(tmp_path / ".hadolint.yml", "ignored: [DL3025]\n")
    assert Resolver(Overrides()).config_for(tmp_path).path.name == ".hadolint.yml"
    write(tmp_path / ".hadolint.yaml", "ignored: [DL3059]\n")
    assert Resolver(Overrides()).config_for(tmp_path).path.name == ".hadolint.yaml"


def test_a_dockopt_configuration_anywhere_up_wins_over_a_nearer_hadolint_file(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.dockopt]\nselect = ["DO101"]\n')
    write(tmp_path / "app" / ".hadolint.yaml", "ignored: [DL3059]\n")
    assert Resolver(Overrides()).config_for(tmp_path / "app").path == tmp_path / "pyproject.toml"
    write(tmp_path / "other" / "deep" / "Dockerfile", "")
    (tmp_path / "pyproject.toml").unlink()
    resolver = Resolver(Overrides())
    assert resolver.config_for(tmp_path / "app").path == tmp_path / "app" / ".hadolint.yaml"
    assert resolver.config_for(tmp_path / "other" / "deep") is None
    assert Resolver(Overrides(), isolated=True).config_for(tmp_path / "app") is None


def test_the_command_line_goes_over_hadolint_ignored(tmp_path: Path) -> None:
    write(tmp_path / ".hadolint.yaml", "ignored: [DL3059]\n")
    resolver = Resolver(Overrides(extend_select=("DO101",)))
    assert "DO101" in [t.code for t in resolver.resolve(tmp_path).transforms]


@pytest.mark.parametrize(
    "text, message",
    [
        ("ignored: DL3008\n", "ignored: must be a list of rules (like [DL3008]), not 'DL3008'"),
        ("ignored: [merge-runs]\n", "ignored: 'merge-runs' is not a hadolint rule (like DL3008 or SC2086)"),
        ("override:\n  fatal: [DL3008]\n", "override: unknown severity 'fatal' (known: error, warning, info, style)"),
        ("override: [DL3008]\n", "override: must be a mapping of severities (error:, warning:, info:, style:)"),
        ("override:\n  error: [DO101]\n", "override.error: 'DO101' is not a hadolint rule (like DL3008 or SC2086)"),
        (
            "trustedRegistries: {a: b}\n",
            "trustedRegistries: must be a registry or a list of registries, not {'a': 'b'}",
        ),
        ("- DL3008\n", "must be a mapping of keys (ignored:, override:, ...)"),
        ("ignored: [DL3008\n", "invalid YAML: expected ',' or ']', but got '<stream end>' (line 2)"),
    ],
)
def test_a_bad_hadolint_file_is_one_line_naming_it_and_exit_2(text: str, message: str, tmp_path: Path) -> None:
    write(tmp_path / ".hadolint.yaml", text)
    write(tmp_path / "Dockerfile", FIXABLE)
    code, out, err = run("fix", "Dockerfile", cwd=tmp_path)
    assert (code, out, err) == (2, "", f"error: .hadolint.yaml: {message}\n")
    assert (tmp_path / "Dockerfile").read_text() == FIXABLE


def test_an_empty_hadolint_file_configures_nothing(tmp_path: Path) -> None:
    write(tmp_path / ".hadolint.yaml", "# nothing yet\n")
    config = load(tmp_path / ".hadolint.yaml")
    assert config is not None and config.values == {} and config.hadolint is not None


def test_cli_hadolint_file_ignored_rules_apply_and_show_settings_reports_it(tmp_path: Path) -> None:
    write(tmp_path / ".hadolint.yaml", HADOLINT_YAML)
    write(tmp_path / "Dockerfile", FIXABLE)
    code, out, err = run("fix", "--diff", "Dockerfile", cwd=tmp_path)
    assert (code, out) == (0, "")  # merge-runs, the only fix, is ignored through DL3059
    assert err.startswith("warning: .hadolint.yaml: DL3008: a hadolint rule that no dockopt transform answers")
    code, out, _ = run("fix", "--show-settings", "Dockerfile", cwd=tmp_path)
    assert code == 0
    assert "configuration file: .hadolint.yaml\n" in out
    lines = {line.split("#")[0].strip(): line.split("#")[1].strip() for line in out.splitlines() if " = " in line}
    assert lines['ignore = ["DL3059", "DL3008"]'] == ".hadolint.yaml"
    assert lines['severity.error = ["DL3001"]'] == ".hadolint.yaml (override)"
    assert lines['severity.info = ["SC2086"]'] == ".hadolint.yaml (override)"
    assert lines['hadolint.trustedRegistries = ["docker.io"]'] == ".hadolint.yaml (not acted upon)"


def test_config_option_reads_a_yaml_file_as_hadolint_s(tmp_path: Path) -> None:
    write(tmp_path / "ci" / "lint.yaml", "ignored: [DL3059]\n")
    write(tmp_path / "Dockerfile", FIXABLE)
    code, out, _ = run("fix", "--diff", "--config", "ci/lint.yaml", "Dockerfile", cwd=tmp_path)
    assert (code, out) == (0, "")
    code, out, _ = run("fix", "--diff", "--isolated", "Dockerfile", cwd=tmp_path)
    assert code == 1 and out
