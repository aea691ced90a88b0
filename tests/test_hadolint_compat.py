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
    assert "DO001 unknown transform selector 'DL300'" in out


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
