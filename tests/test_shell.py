"""The shell model of RUN: commands, words, joins, and offsets back into the file."""

from __future__ import annotations

from dockopt.shell import effective_shell, is_posix_shell, persistent_effects, pipeline_of, script_of
from dockopt.syntax import parse


def script(text: str, index: int = 1):
    df = parse(text)
    return df, script_of(df, df.instructions[index])


def test_commands_in_order_with_names_flags_and_joins() -> None:
    _df, sc = script(
        "FROM x\nRUN apt-get update && apt-get install -y --no-install-recommends curl; "
        "(cd /src && make) | tee log || true\n"
    )
    assert [(c.program, c.joiner, c.context) for c in sc.commands] == [
        ("apt-get", "", ()),
        ("apt-get", "&&", ()),
        ("cd", ";", ("pipeline", "subshell")),
        ("make", "&&", ("pipeline", "subshell")),
        ("tee", "|", ("pipeline",)),
        ("true", "||", ()),
    ]
    install = sc.commands[1]
    assert [w.value for w in install.flags] == ["-y", "--no-install-recommends"]
    assert [w.value for w in install.operands] == ["install", "curl"]
    assert sc.separators == ("&&", ";", "||")
    assert sc.commands[2].isolated and not sc.commands[0].isolated


def test_if_for_while_case_and_functions() -> None:
    _df, sc = script(
        "FROM x\nRUN if [ -f a ]; then rm a; fi; for i in 1 2; do echo $i; done; "
        "while false; do sleep 1; done; case $X in a) ls;; esac; f() { pwd; }\n"
    )
    contexts = {c.program: c.context for c in sc.commands if c.program}
    assert contexts["rm"] == ("if",)
    assert contexts["echo"] == ("for",)
    assert contexts["sleep"] == ("while",)
    assert contexts["ls"] == ("case",)
    assert contexts["pwd"] == ("function", "brace")
    assert sc.loop_variables == ("i",) and sc.functions == ("f",)


def test_word_spans_map_across_continuations_and_comment_lines() -> None:
    text = (
        "FROM x\n"
        "RUN apt-get update \\\n"
        "# a comment line that BuildKit drops\n"
        "    && apt-get install -y \\\n"
        "        curl \\\n"
        '        "git"\n'
    )
    df, sc = script(text)
    install = sc.commands[1]
    spans = {w.value: df.slice(w.span) for w in install.args}
    assert spans == {"install": "install", "-y": "-y", "curl": "curl", "git": '"git"'}
    assert df.line_col(install.args[-1].span.start) == (6, 9)
    assert df.slice(install.span) == 'apt-get install -y \\\n        curl \\\n        "git"'


def test_literal_values_and_expansions() -> None:
    _df, sc = script('FROM x\nRUN pip install \'a b\' "c"d e\\ f $PKG "${V}" "$(cat x)"\n')
    values = [w.value for w in sc.commands[0].args]
    assert values == ["install", "a b", "cd", "e f", None, None, None]
    assert [c.program for c in sc.commands] == ["pip", "cat"]
    assert sc.commands[1].context == ("command_substitution",)


def test_path_commands_and_assignments() -> None:
    _df, sc = script("FROM x\nRUN DEBIAN_FRONTEND=noninteractive /usr/bin/apt-get install x && A=1 && export B=2\n")
    first, assignment, export = sc.commands
    assert first.program == "apt-get" and [a.text for a in first.assignments] == ["DEBIAN_FRONTEND=noninteractive"]
    assert assignment.kind == "assignment"
    assert export.kind == "declaration" and export.program == "export"


def test_heredoc_script_is_the_body() -> None:
    df, sc = script("FROM x\nRUN <<EOF\nset -e\napt-get update\nEOF\n")
    assert sc.text == "set -e\napt-get update\n"
    assert [c.program for c in sc.commands] == ["set", "apt-get"]
    assert df.line_col(sc.commands[1].span.start) == (4, 1)


def test_heredoc_with_a_command_is_reassembled_like_buildkit() -> None:
    _df, sc = script("FROM x\nRUN python3 <<-PY > /out\n\tprint(1)\n\tPY\n")
    assert sc.text == "python3 <<-PY > /out\n\tprint(1)\nPY"
    assert not sc.has_error


def test_shebang_heredoc_is_not_shell() -> None:
    _df, sc = script("FROM x\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n")
    assert sc is None


def test_exec_form_has_no_script() -> None:
    _df, sc = script('FROM x\nRUN ["apt-get", "update"]\n')
    assert sc is None


def test_comments_and_errors_are_reported() -> None:
    _df, sc = script("FROM x\nRUN make # build it\n")
    assert [sc.text[a:b] for a, b in sc.comments] == ["# build it"]
    _df, broken = script('FROM x\nRUN echo "unterminated\n')
    assert broken.has_error


def test_persistent_effects_ignore_subshells() -> None:
    _df, sc = script("FROM x\nRUN (cd /x && export A=1) && echo $(cd /y) | cat && cd /z && X=1 && umask 022\n")
    assert [str(e) for e in persistent_effects(sc)] == ["cd", "assignment X", "umask"]


def test_effective_shell_follows_shell_instructions_and_stage_parents() -> None:
    df = parse(
        'FROM debian AS a\nSHELL ["/bin/bash", "-c"]\nRUN one\n'
        "FROM a\nRUN two\n"
        'FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN three\nSHELL ["pwsh", "-Command"]\nRUN four\n'
    )
    runs = [i for i in df.instructions if i.command == "RUN"]
    shells = [effective_shell(df, r) for r in runs]
    assert shells == [("/bin/bash", "-c"), ("/bin/bash", "-c"), ("cmd", "/S", "/C"), ("pwsh", "-Command")]
    assert [is_posix_shell(s) for s in shells] == [True, True, False, False]


def test_non_ascii_offsets() -> None:
    df, sc = script("FROM x\nRUN echo héllo wörld && ls ü\n")
    assert [df.slice(w.span) for w in sc.commands[0].args] == ["héllo", "wörld"]
    assert df.slice(sc.commands[1].args[0].span) == "ü"


def test_pipeline_members_and_only_them() -> None:
    _df, sc = script("FROM x\nRUN a | b $(c | d) | e && f | g; h | (i; j) | k; l\n")
    programs = {c.program: c for c in sc.commands}

    def members(name: str) -> list[str | None]:
        return [c.program for c in pipeline_of(sc, programs[name])]

    assert members("a") == members("e") == ["a", "b", "e"]
    assert members("c") == members("d") == ["c", "d"]  # a pipeline of its own, inside a member
    assert members("f") == ["f", "g"]
    assert members("h") == members("k") == ["h", "k"]  # the subshell member has no simple command
    assert members("i") == ["i"] and members("l") == ["l"]


def test_pipeline_that_tree_sitter_nests_wrongly() -> None:
    _df, sc = script("FROM x\nRUN curl -sL u | tee f | sh && echo done\n")
    first = sc.commands[0]
    assert [c.program for c in pipeline_of(sc, first)] == ["curl", "tee", "sh"]
    assert pipeline_of(sc, sc.commands[-1]) == (sc.commands[-1],)


def test_a_posix_shell_through_env() -> None:
    shells = [("/usr/bin/env", "sh", "-eux", "-c"), ("env", "bash", "-c"), ("/usr/bin/env", "pwsh", "-c"), ("env",)]
    assert [is_posix_shell(s) for s in shells] == [True, True, False, False]
