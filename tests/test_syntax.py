"""The lossless Dockerfile parser: what it reads from each construct, and where."""

from __future__ import annotations

import pytest

from dockopt.syntax import Blank, Comment, Directive, DockerfileSyntaxError, Instruction, parse


def only(text: str) -> Instruction:
    instructions = parse(text).instructions
    assert len(instructions) == 1
    return instructions[0]


def test_directives_set_escape_and_are_nodes() -> None:
    df = parse("# syntax=docker/dockerfile:1\n# escape=`\n# check=skip=all\nFROM x\nRUN echo `\n  hi\n")
    assert [(d.name, d.value) for d in df.directives] == [
        ("syntax", "docker/dockerfile:1"),
        ("escape", "`"),
        ("check", "skip=all"),
    ]
    assert df.escape == "`"
    run = df.instructions[1]
    assert run.args == "echo   hi"
    assert (run.start_line, run.end_line) == (5, 6)


def test_directive_after_a_comment_is_a_comment() -> None:
    df = parse("# hello\n# escape=`\nFROM x\nRUN a \\\n b\n")
    assert df.directives == ()
    assert df.escape == "\\"
    assert isinstance(df.nodes[1], Comment)
    assert df.instructions[1].args == "a  b"


def test_unknown_directive_ends_directives() -> None:
    df = parse("# foo=bar\n# escape=`\nFROM x\n")
    assert df.directives == () and df.escape == "\\"


def test_directive_errors() -> None:
    with pytest.raises(DockerfileSyntaxError, match="only one escape"):
        parse("# escape=`\n# escape=\\\nFROM x\n")
    with pytest.raises(DockerfileSyntaxError, match="invalid escape token"):
        parse("# escape=x\nFROM x\n")


def test_continuations_with_comment_and_blank_lines_inside() -> None:
    text = "FROM x\nRUN apt-get update \\\n# a comment\n\n    && apt-get install -y curl\nCMD a\n"
    run = parse(text).instructions[1]
    assert run.logical == "RUN apt-get update     && apt-get install -y curl"
    assert [line.kind for line in run.lines] == ["code", "comment", "blank", "code"]
    assert (run.start_line, run.end_line) == (2, 5)


def test_escaped_escape_is_not_a_continuation() -> None:
    df = parse("FROM x\nRUN echo \\\\\nRUN next\n")
    assert [i.args for i in df.instructions[1:]] == ["echo \\\\", "next"]


def test_continuation_at_end_of_file() -> None:
    run = parse("FROM x\nRUN a \\").instructions[1]
    assert run.args == "a"


def test_heredocs_of_every_kind() -> None:
    text = (
        "FROM x\n"
        "RUN <<EOF\necho one\nEOF\n"
        "RUN <<-'END' cat > /x\n\tindented\n\tEND\n"
        'COPY <<"A" <<B /dest/\nfirst\nA\nsecond\nB\n'
        "ADD 3<<EOF /f\nbody\nEOF\n"
    )
    run1, run2, copy, add = parse(text).instructions[1:]
    assert [(h.name, h.body, h.chomp, h.expand) for h in run1.heredocs] == [("EOF", "echo one\n", False, True)]
    assert [(h.name, h.body, h.chomp, h.expand) for h in run2.heredocs] == [("END", "\tindented\n", True, False)]
    assert [(h.name, h.body) for h in copy.heredocs] == [("A", "first\n"), ("B", "second\n")]
    assert add.heredocs[0].fd == 3
    assert (copy.start_line, copy.end_line) == (8, 12)


def test_heredoc_needs_a_word_of_its_own() -> None:
    # BuildKit splits the line into shell words: "cat<<EOF" is no heredoc, an unmatched quote means none at all
    df = parse("FROM x\nRUN cat<<EOF\nRUN echo it's <<EOF\n")
    assert [i.heredocs for i in df.instructions[1:]] == [(), ()]


def test_heredoc_not_in_json_form_nor_other_instructions() -> None:
    df = parse('FROM x\nRUN ["cat", "<<EOF"]\nENV A=<<EOF\n')
    assert all(not i.heredocs for i in df.instructions)


def test_onbuild_carries_its_instruction_and_heredoc() -> None:
    onbuild = parse("FROM x\nONBUILD RUN --mount=type=cache,target=/c <<EOF\nmake\nEOF\n").instructions[1]
    assert onbuild.command == "ONBUILD"
    assert onbuild.sub is not None and onbuild.sub.command == "RUN"
    assert [f.text for f in onbuild.sub.flags] == ["--mount=type=cache,target=/c"]
    assert onbuild.heredocs[0].body == "make\n"


def test_unterminated_heredoc_is_an_error() -> None:
    with pytest.raises(DockerfileSyntaxError, match="unterminated heredoc") as info:
        parse("FROM x\nRUN <<EOF\necho\n")
    assert info.value.line == 2


@pytest.mark.parametrize(
    "args, is_json",
    [
        ('["a", "b"]', True),
        ("[]", True),
        ('  [ "a" ]  ', True),
        ('["a"] && b', False),  # BuildKit >= 0.13: trailing text makes it shell form
        ("[a, b]", False),
        ('["a",]', False),
        ("[NaN]", False),
        ("echo [x]", False),
    ],
)
def test_exec_form_decided_like_buildkit(args: str, is_json: bool) -> None:
    assert only(f"RUN {args}\n").json is is_json


def test_json_array_of_non_strings_is_an_error() -> None:
    with pytest.raises(DockerfileSyntaxError, match="arrays must be comprised of strings"):
        parse('FROM x\nCMD ["a", 1]\n')


def test_json_form_for_copy_volume_healthcheck_but_not_env() -> None:
    df = parse('FROM x\nCOPY ["a b", "/c"]\nVOLUME ["/data"]\nHEALTHCHECK CMD ["curl", "x"]\nENV A=["b"]\n')
    assert [i.json for i in df.instructions[1:]] == [True, True, True, False]
    assert df.instructions[1].json_args == ("a b", "/c")


def test_every_flag_with_its_span() -> None:
    text = (
        "FROM --platform=$BUILDPLATFORM golang AS b\n"
        'COPY --from=b --chown=1:1 --chmod=755 --link --parents --exclude="*.md" a /b\n'
        "ADD --checksum=sha256:abc --keep-git-dir=true https://x/y.git /src\n"
        "RUN --mount=type=cache,target=/c --network=none --security=insecure make\n"
    )
    df = parse(text)
    names = [[(f.name, f.value) for f in i.flags] for i in df.instructions]
    assert names == [
        [("platform", "$BUILDPLATFORM")],
        [("from", "b"), ("chown", "1:1"), ("chmod", "755"), ("link", None), ("parents", None), ("exclude", "*.md")],
        [("checksum", "sha256:abc"), ("keep-git-dir", "true")],
        [("mount", "type=cache,target=/c"), ("network", "none"), ("security", "insecure")],
    ]
    copy = df.instructions[1]
    assert [df.slice(f.span) for f in copy.flags][-1] == '--exclude="*.md"'
    assert copy.args == "a /b"
    assert df.slice(copy.args_span) == "a /b"


def test_flags_over_continuation_lines() -> None:
    df = parse("FROM x\nRUN --mount=type=cache,target=/a \\\n    --mount=type=bind,target=/b \\\n    make\n")
    run = df.instructions[1]
    assert [df.slice(f.span) for f in run.flags] == ["--mount=type=cache,target=/a", "--mount=type=bind,target=/b"]
    assert run.args == "make"


def test_lowercase_keywords_tabs_and_unknown_instructions() -> None:
    df = parse("from\talpine\nrun\techo hi\nFOO bar\n")
    assert [(i.keyword, i.command, i.args) for i in df.instructions] == [
        ("from", "FROM", "alpine"),
        ("run", "RUN", "echo hi"),
        ("FOO", "FOO", "bar"),
    ]


def test_crlf_bom_and_missing_final_newline_round_trip() -> None:
    text = "\ufeffFROM x\r\nRUN a \\\r\n  b\r\nCMD c"
    df = parse(text)
    assert df.print() == text
    assert [i.args for i in df.instructions] == ["x", "a   b", "c"]
    assert df.newline_at(df.instructions[1].span.start) == "\r\n"


def test_nodes_partition_the_text() -> None:
    text = "# syntax=x\n\n# c\nFROM x\n  \nRUN a \\\n # c\n b\n"
    df = parse(text)
    assert [type(n) for n in df.nodes] == [Directive, Blank, Comment, Instruction, Blank, Instruction]
    position = 0
    for node in df.nodes:
        assert node.span.start == position
        position = node.span.end
    assert position == len(text)


def test_offsets_map_logical_line_back_to_the_file() -> None:
    text = "FROM x\nRUN apt-get update \\\n  # c\n    && apt-get install curl\n"
    df = parse(text)
    run = df.instructions[1]
    at = run.logical.index("curl")
    assert df.slice(run.offsets.span(at, at + 4)) == "curl"
    assert df.line_col(run.offsets.to_file(at)) == (4, 24)


def test_empty_file_and_comments_only_are_errors() -> None:
    for text in ("", "\n\n", "# just a comment\n"):
        with pytest.raises(DockerfileSyntaxError, match="no instructions"):
            parse(text)


def test_env_without_value_is_an_error_like_buildkit() -> None:
    with pytest.raises(DockerfileSyntaxError, match="ENV must have two arguments"):
        parse("FROM x\nENV A\n")
    with pytest.raises(DockerfileSyntaxError, match="can't find ="):
        parse("FROM x\nLABEL a=b c\n")


def test_overlong_line_is_an_error() -> None:
    with pytest.raises(DockerfileSyntaxError, match="max allowed size"):
        parse("FROM x\nRUN echo " + "a" * 70000 + "\n")


def test_stages_names_bases_and_reach() -> None:
    df = parse(
        "ARG V=1\n"
        "FROM golang:1.22 AS Build\nRUN go build\n"
        "FROM debian AS base\nRUN apt-get update\n"
        "FROM base AS final\nCOPY --from=build /app /app\nRUN --mount=from=0,target=/x true\n"
        "FROM alpine AS unused\n"
    )
    stages = df.stages
    assert [(s.index, s.name, s.base) for s in stages] == [
        (0, "build", "golang:1.22"),
        (1, "base", "debian"),
        (2, "final", "base"),
        (3, "unused", "alpine"),
    ]
    # the last stage is the final image
    assert [s.reaches_final for s in stages] == [False, False, False, True]
    assert stages[2].parent == 1 and stages[2].derives_from == (1,)
    assert stages[2].copies_from == (0,)


def test_final_stage_derives_from_earlier_ones() -> None:
    df = parse("FROM debian AS a\nFROM a AS b\nFROM golang AS tool\nFROM b\nCOPY --from=tool /x /x\n")
    assert [s.reaches_final for s in df.stages] == [True, True, False, True]
    assert df.stages[3].derives_from == (1, 0)


def test_an_instruction_whose_last_line_continues() -> None:
    assert parse("FROM a\nRUN echo \\\n").instructions[-1].continues
    assert parse("FROM a\nRUN echo \\\n  hi\n").instructions[-1].continues is False
    assert parse("FROM a\nRUN <<EOF\nx\nEOF\n").instructions[-1].continues is False


def _only(text: str) -> Instruction:
    df = parse(text)
    return df.instructions[-1]


def test_copy_sources_and_destination_with_spans() -> None:
    text = "FROM a\nCOPY --chown=1 src/ \\\n  two.txt /app/\n"
    df = parse(text)
    copy = df.instructions[-1]
    assert [a.text for a in copy.sources] == ["src/", "two.txt"]
    assert copy.destination is not None and copy.destination.text == "/app/"
    for argument in (*copy.sources, copy.destination):
        assert df.slice(argument.span) == argument.text


def test_json_copy_arguments_span_their_quotes() -> None:
    text = 'FROM a\nCOPY [ "a b",  "/dst dir/" ]\n'
    df = parse(text)
    copy = df.instructions[-1]
    assert [a.text for a in copy.spanned_arguments] == ["a b", "/dst dir/"]
    assert copy.destination is not None and df.slice(copy.destination.span) == '"/dst dir/"'


def test_copy_without_destination_has_none() -> None:
    copy = _only("FROM a\nCOPY only\n")
    assert copy.destination is None
    assert copy.sources == ()


def test_env_arg_label_pairs() -> None:
    df = parse('FROM a\nENV A=1 B="two words"\nARG C\nARG D=4\nLABEL "x"=y\nENV legacy some value\n')
    env, arg_c, arg_d, label, legacy = df.instructions[1:]
    assert [(p.name, p.value) for p in env.pairs] == [("A", "1"), ("B", '"two words"')]
    assert df.slice(env.pairs[1].span) == 'B="two words"'
    assert [(p.name, p.value) for p in arg_c.pairs] == [("C", None)]
    assert [(p.name, p.value) for p in arg_d.pairs] == [("D", "4")]
    assert [(p.name, p.value) for p in label.pairs] == [('"x"', "y")]
    assert [(p.name, p.value) for p in legacy.pairs] == [("legacy", "some value")]


def test_pairs_follow_the_escape_directive() -> None:
    df = parse("# escape=`\nFROM a\nENV A=x` y\n")
    env = df.instructions[-1]
    assert env.escape == "`"
    assert [(p.name, p.value) for p in env.pairs] == [("A", "x` y")]


def test_user_and_group() -> None:
    assert _only("FROM a\nUSER app:staff\n").user == ("app", "staff")
    assert _only("FROM a\nUSER 1000\n").user == ("1000", None)


def test_a_new_keyword_takes_the_case_of_its_neighbour() -> None:
    df = parse("from a\nCopy x /\nRUN true\n")
    lower, title, upper = df.instructions
    assert (lower.cased("RUN"), title.cased("RUN"), upper.cased("run")) == ("run", "Run", "RUN")
