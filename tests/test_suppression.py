"""Suppression comments: `# dockopt: ignore=...`, `# dockopt: global ignore=...` and hadolint's own.

Golden-style: each case is a Dockerfile and what `fix` makes of it (or what `check` reports),
inline, through the engine with the transforms the case names.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dockopt.engine import Settings, find_source, fix_source, process_file
from dockopt.registry import all_transforms, lookup, select
from dockopt.suppression import HELD_BACK, INVALID_SUPPRESSION, suppressions
from dockopt.syntax import parse

from test_cli import run, write

APT = "FROM debian:bookworm-slim\n{comment}RUN apt-get update && apt-get install -y curl\nUSER 1000\n"
APT_FIXED = "FROM debian:bookworm-slim\n{comment}RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\nUSER 1000\n"


def fix(text: str, *selectors: str, unsafe: bool = False) -> str:
    output = fix_source(text, select(list(selectors)), unsafe=unsafe).output
    assert fix_source(output, select(list(selectors)), unsafe=unsafe).output == output, "not idempotent"
    return output


def found(text: str, *selectors: str) -> list[str]:
    return [f"{d.line}:{d.code}{' [*]' if d.fixable else ''}" for d in find_source(text, select(list(selectors)))]


def test_the_invalid_suppression_code_is_the_transforms() -> None:
    assert lookup(INVALID_SUPPRESSION).name == "invalid-suppression"


@pytest.mark.parametrize(
    "comment",
    [
        "# dockopt: ignore=DO205\n",
        "# dockopt: ignore=apt-lists-cleanup\n",
        "# dockopt: ignore=DL3009\n",  # a hadolint rule, as --select takes it
        "# dockopt: ignore=DO2\n",  # a prefix
        "# dockopt: ignore=ALL\n",
        "# dockopt: ignore = DO101 , DO205 -- the lists are read later\n",  # spaces, and a reason
        "#DOCKOPT:IGNORE=do205\n",
        "# hadolint ignore=DL3009\n",
        "# hadolint ignore=DL3008, DL3009 a reason\n",
        "# the lists are read by the next stage\n# dockopt: ignore=DO205\n# and that is that\n",  # anywhere in the block
    ],
)
def test_an_ignore_comment_above_an_instruction_suppresses_its_findings_and_fixes(comment: str) -> None:
    text = APT.format(comment=comment)
    assert fix(text, "DO205") == text
    assert found(text, "DO205") == []


@pytest.mark.parametrize(
    "comment",
    [
        "",
        "# dockopt: ignore=DO101\n",  # another transform
        "# hadolint ignore=DL3008\n",  # a rule no transform answers
        "# dockopt: ignore=DO205\n\n",  # a blank line between: not directly above
        "# dockopt ignore=DO205\n",  # malformed (no colon)
        "# dockopt: ignore=DO2O5\n",  # unknown
    ],
)
def test_other_comments_suppress_nothing(comment: str) -> None:
    text = APT.format(comment=comment)
    assert fix(text, "DO205") == APT_FIXED.format(comment=comment)


def test_a_comment_covers_its_instruction_only() -> None:
    text = (
        "FROM debian:bookworm-slim\n"
        "# dockopt: ignore=DO205\n"
        "RUN apt-get update && apt-get install -y curl\n"
        "RUN apt-get update && apt-get install -y git\n"
        "USER 1000\n"
    )
    assert fix(text, "DO205") == text.replace("install -y git\n", "install -y git && rm -rf /var/lib/apt/lists/*\n")


@pytest.mark.parametrize(
    "comment",
    ["# dockopt: global ignore=DO205,merge-runs", "# hadolint global ignore=DL3009", "#  dockopt:  GLOBAL  ignore=DO2"],
)
def test_a_global_comment_anywhere_suppresses_in_the_whole_file(comment: str) -> None:
    text = (
        "FROM debian:bookworm-slim\n"
        "RUN apt-get update && apt-get install -y curl\n"
        "\n"
        f"{comment}\n"
        "\n"
        "RUN apt-get update && apt-get install -y git\n"
        "USER 1000\n"
    )
    assert fix(text, "DO205") == text
    assert found(text, "DO205") == []


def test_a_hadolint_rule_suppresses_a_transform_that_answers_several_when_any_is_ignored() -> None:
    # rpm-assume-yes answers DL3030 (yum), DL3038 (dnf) and DL3034 (zypper)
    text = "FROM fedora:40\n# hadolint ignore=DL3030\nRUN dnf install httpd && dnf clean all\nUSER 1000\n"
    assert fix(text, "DO208") == text
    assert fix(text.replace("# hadolint ignore=DL3030\n", ""), "DO208") != text.replace(
        "# hadolint ignore=DL3030\n", ""
    )


def test_a_fix_that_edits_a_suppressed_instruction_is_held_back() -> None:
    # merge-runs' finding is on the second RUN, but its fix edits the first, whose comment ignores it
    text = "FROM debian:bookworm-slim\n# dockopt: ignore=DO101\nRUN echo a\nRUN echo b\nRUN echo c\nUSER 1000\n"
    assert fix(text, "DO101") == (
        "FROM debian:bookworm-slim\n# dockopt: ignore=DO101\nRUN echo a\nRUN echo b \\\n    && echo c\nUSER 1000\n"
    )
    assert found(text, "DO101") == ["4:DO101", "5:DO101 [*]"]
    messages = [d.message for d in find_source(text, select(["DO101"]))]
    assert messages[0].endswith(HELD_BACK)


GO = (
    "{comment}FROM golang:1.22\n"
    "WORKDIR /src\n"
    "COPY . .\n"
    "RUN CGO_ENABLED=0 go build -o /usr/local/bin/app .\n"
    "EXPOSE 8080\n"
    '{cmd_comment}CMD ["app"]\n'
)


def test_multi_stage_is_stopped_by_an_ignore_comment_above_the_from() -> None:
    plain = GO.format(comment="", cmd_comment="")
    assert "FROM scratch" in fix(plain, "DO402", unsafe=True)
    text = GO.format(comment="# dockopt: ignore=DO402\n", cmd_comment="")
    assert fix(text, "DO402", unsafe=True) == text
    assert found(text, "DO402") == []
    # the whole-file rewrite would move the CMD away from its hadolint comment: held back
    text = GO.format(comment="", cmd_comment="# hadolint ignore=DL3025\n")
    assert fix(text, "DO402", unsafe=True) == text
    assert found(text, "DO402") == ["1:DO402"]


def test_deleting_an_instruction_under_an_ignore_comment_is_held_back() -> None:
    # apt-update-with-install would delete the RUN: the comment would land on the next one
    text = (
        "FROM debian:bookworm-slim\n"
        "# hadolint ignore=DL3059\n"
        "RUN apt-get update\n"
        "RUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n"
        "USER 1000\n"
    )
    assert fix(text, "DO201") == text
    without = text.replace("# hadolint ignore=DL3059\n", "")
    assert fix(without, "DO201") != without


def test_lines_inserted_above_an_instruction_go_above_its_ignore_comments() -> None:
    text = (
        "FROM debian:bookworm-slim\n# fetch it\n# hadolint ignore=DL3008\nRUN curl -s https://x | tar -x\nUSER 1000\n"
    )
    assert fix(text, "DO304", unsafe=True) == (
        "FROM debian:bookworm-slim\n"
        'SHELL ["/bin/bash", "-o", "pipefail", "-c"]\n'
        "# fetch it\n"
        "# hadolint ignore=DL3008\n"
        "RUN curl -s https://x | tar -x\n"
        "USER 1000\n"
    )


def test_an_instruction_moved_with_its_comments_keeps_its_suppression() -> None:
    # copy-after-install moves the COPY below the RUN, its comment lines with it
    text = (
        "FROM node:20-slim\n"
        "# dockopt: ignore=DO302\n"
        "ADD package.json /srv/app/\n"
        "RUN npm install -g npm@10.8.2\n"
        "WORKDIR /srv/app\n"
        "USER node\n"
    )
    output = fix(text, "DO102", "DO302")
    assert output == (
        "FROM node:20-slim\n"
        "RUN npm install -g npm@10.8.2\n"
        "# dockopt: ignore=DO302\n"
        "ADD package.json /srv/app/\n"
        "WORKDIR /srv/app\n"
        "USER node\n"
    )


def test_an_instruction_rewritten_in_place_keeps_its_comment() -> None:
    text = "FROM debian:bookworm-slim\n# dockopt: ignore=DO101\nMAINTAINER someone\nUSER 1000\n"
    assert (
        fix(text, "DO307")
        == 'FROM debian:bookworm-slim\n# dockopt: ignore=DO101\nLABEL maintainer="someone"\nUSER 1000\n'
    )


def test_valid_selectors_apply_when_another_in_the_list_is_unknown() -> None:
    text = APT.format(comment="# dockopt: ignore=DO999,DO205\n")
    assert fix(text, "DO205") == text
    assert found(text, "DO205", "DO001") == ["2:DO001"]


def test_an_invalid_suppression_can_be_suppressed_where_it_stands() -> None:
    text = APT.format(comment="# dockopt: ignore=DO999,DO001\n")
    assert found(text, "DO001") == []
    assert found(text.replace("DO999,DO001", "DO999"), "DO001") == ["2:DO001"]


def test_suppressions_are_read_once_per_tree() -> None:
    df = parse(APT.format(comment="# dockopt: ignore=DO205\n"))
    catalogue = all_transforms()
    assert suppressions(df, catalogue) is suppressions(df, catalogue)
    (block,) = suppressions(df, catalogue).blocks
    assert block.codes == {"DO205"} and df.text[block.line : block.keyword] == ""


# --------------------------------------------------------------------------- invalid suppression comments


BAD = "FROM debian:bookworm-slim\n# dockopt: ignore=merge-run\nRUN echo a\nRUN echo b\nUSER 1000\n"


def test_fix_warns_about_an_invalid_suppression_comment_and_applies_the_fix(tmp_path: Path) -> None:
    dockerfile = write(tmp_path / "Dockerfile", BAD)
    result = process_file(dockerfile, Settings(select()))
    assert result.warnings == (
        "2:19: DO001 unknown transform 'merge-run' in a suppression comment (did you mean 'merge-runs'?)",
    )
    assert "&& echo b" in dockerfile.read_text()
    assert process_file(dockerfile, Settings(select(ignore=["DO001"]))).warnings == ()


def test_cli_fix_prints_invalid_suppressions_as_warnings_and_check_lists_them(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", BAD)
    code, out, err = run("fix", "--diff", "Dockerfile", cwd=tmp_path)
    assert code == 1 and "+    && echo b" in out
    assert "warning: Dockerfile:2:19: DO001 unknown transform 'merge-run'" in err
    code, out, err = run("fix", "--diff", "--ignore", "invalid-suppression", "Dockerfile", cwd=tmp_path)
    assert "warning" not in err
    code, out, err = run("check", "Dockerfile", cwd=tmp_path)
    assert code == 1
    assert out == (
        "Dockerfile:2:19: DO001 warning: unknown transform 'merge-run' in a suppression comment (did you mean 'merge-runs'?)\n"
        "Dockerfile:4:1: DO101 [*] info: RUN can be merged into the RUN at line 3\n"
    )
    code, out, err = run("fix", "-", cwd=tmp_path, stdin=BAD.encode())
    assert code == 0 and "warning: -:2:19: DO001" in err


def test_cli_check_honours_suppressions(tmp_path: Path) -> None:
    write(
        tmp_path / "Dockerfile",
        BAD.replace("merge-run\nRUN echo a\n", "merge-runs\nRUN echo a\n# hadolint ignore=DL3059\n"),
    )
    code, out, _err = run("check", "Dockerfile", cwd=tmp_path)
    assert (code, out) == (0, "")
    code, out, _err = run("fix", "--check", "Dockerfile", cwd=tmp_path)
    assert code == 0
