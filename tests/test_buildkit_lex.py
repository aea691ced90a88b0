"""The port of BuildKit's shell lexer (dockopt/_buildkit_lex.py).

Expected values are BuildKit's: worked out from `frontend/dockerfile/shell/lex.go` and
POSIX sh (what BuildKit follows), and, where BuildKit's parser shows the lexer's work (which
words open heredocs, the words of ENV and LABEL), checked against BuildKit's own parser, the
`dockerfile` package, when it is installed.
"""

from __future__ import annotations

import pytest

from dockopt._buildkit_lex import LexError, Unknown, heredocs_from_line, parse_words, process_word, process_words

from conftest import buildkit

# ---- ProcessWord: quotes, escapes, variables (as dispatch expands WORKDIR, COPY, ENV, USER, ...)

ENV = {"a": "1", "empty": "", "path": "/usr/local/bin", "spaced": "x y"}


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("plain", "plain"),
        ("$a", "1"),
        ("${a}", "1"),
        ("${a}b", "1b"),
        ("x$a/y", "x1/y"),
        ("$path:/bin", "/usr/local/bin:/bin"),
        ("$spaced", "x y"),  # one word: ProcessWord does not split
        # quotes are removed; single quotes keep everything as written
        ('"$a"', "1"),
        ("'$a'", "$a"),
        ("'a\\'", "a\\"),  # no escape inside single quotes
        ('"a b"c', "a bc"),
        ("'it''s'", "its"),
        ('"it\'s"', "it's"),
        # the escape character makes the next one plain, outside quotes
        ("\\$a", "$a"),
        ("a\\ b", "a b"),
        ("\\\\", "\\"),
        ("\\'x\\'", "'x'"),
        # inside double quotes only \" \$ and \\ are escapes; any other backslash stays
        ('"\\$a"', "$a"),
        ('"a\\"b"', 'a"b'),
        ('"\\\\"', "\\"),
        ('"\\n"', "\\n"),
        # a lone $ and $ before something that is no name stay as written
        ("$", "$"),
        ("a$", "a$"),
        ("$/x", "$/x"),
        ("${a}${a}", "11"),
    ],
)
def test_process_word(word: str, expected: str) -> None:
    assert process_word(word, ENV) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        # ${x:-w}: w when x is unset or empty; ${x-w}: w only when unset
        ("${a:-w}", "1"),
        ("${empty:-w}", "w"),
        ("${a-w}", "1"),
        ("${empty-w}", ""),
        # ${x:+w}: w when x is set and not empty; ${x+w}: w when set, even empty
        ("${a:+w}", "w"),
        ("${empty:+w}", ""),
        ("${a+w}", "w"),
        ("${empty+w}", "w"),
        # ${x:?m} and ${x?m}: the value when it is there
        ("${a:?m}", "1"),
        ("${a?m}", "1"),
        ("${empty?m}", ""),
        # the word is itself expanded
        ("${empty:-$a}", "1"),
        ("${empty:-${a}/x}", "1/x"),
        ('${empty:-"a b"}', "a b"),
        ("${a:+x$a}", "x1"),
    ],
)
def test_process_word_modifiers(word: str, expected: str) -> None:
    assert process_word(word, ENV) == expected


@pytest.mark.parametrize(
    "word",
    [
        "$unknown",
        "${unknown}",
        "x${unknown}y",
        "${unknown:-w}",  # a build argument may set it: the result cannot be told
        "${unknown+w}",
        "${a/1/2}",  # pattern replacement is not worked out
        "$ab",  # the name is `ab`, not `a`
    ],
)
def test_a_value_that_is_not_known_is_unknown(word: str) -> None:
    with pytest.raises(Unknown):
        process_word(word, ENV)


def test_a_required_variable_that_is_empty_fails() -> None:
    # BuildKit fails the build: "empty: is not allowed to be empty"; dockopt cannot expand it
    with pytest.raises((Unknown, LexError)):
        process_word("${empty:?}", ENV)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        # # and % take the shortest match of a shell pattern off the start and the end; ## and %% the longest
        ("${path#/usr}", "/local/bin"),
        ("${path#*/}", "usr/local/bin"),
        ("${path##*/}", "bin"),
        ("${path%/bin}", "/usr/local"),
        ("${path%/*}", "/usr/local"),
        ("${path%%/*}", ""),
        ("${path#/u?r/}", "local/bin"),
        ("${path#nothing}", "/usr/local/bin"),  # no match: the value as it is
        ("${path%.*}", "/usr/local/bin"),
        ("${a#1}", ""),
        ("${empty#*}", ""),
        ("${path#$path}", ""),  # the pattern is expanded first
    ],
)
def test_prefix_and_suffix_removal(word: str, expected: str) -> None:
    assert process_word(word, ENV) == expected


@pytest.mark.parametrize("word", ["${unknown#x}", "${path#[/]usr}", "${path%\\*}"])
def test_prefix_and_suffix_removal_not_worked_out(word: str) -> None:
    # an unknown value; character classes and escapes in the pattern are left to BuildKit
    with pytest.raises(Unknown):
        process_word(word, ENV)


@pytest.mark.parametrize(
    "word",
    [
        "${}",  # bad substitution
        "${:a}",  # bad substitution
        "${a",  # missing '}'
        "${a:-w",  # missing '}'
        "${a:#x}",  # BuildKit: unsupported modifier (:#) in substitution
        "${a:%x}",
        "${a^}",  # bash's case modifiers are not BuildKit's
        "${a,,}",
        "${a:=w}",  # assignment is not supported either
        "'open",  # unmatched quotes
        '"open',
    ],
)
def test_what_buildkit_refuses(word: str) -> None:
    with pytest.raises(LexError):
        process_word(word, ENV)


def test_another_escape_character() -> None:
    # `# escape=``: the backtick escapes, the backslash is a plain character (Windows paths)
    assert process_word("C:\\app\\$a", ENV, escape="`") == "C:\\app\\1"
    assert process_word("`$a", ENV, escape="`") == "$a"


# ---- ProcessWords with no environment: how the lines of RUN, COPY, ADD are split to find heredocs


@pytest.mark.parametrize(
    ("line", "raw", "expected"),
    [
        ("a  b\tc", False, ["a", "b", "c"]),
        ('a "b c" d', False, ["a", "b c", "d"]),
        ('a "b c" d', True, ["a", '"b c"', "d"]),
        ("a 'b c'd", True, ["a", "'b c'd"]),
        ("a\\ b c", False, ["a b", "c"]),
        ("a\\ b c", True, ["a\\ b", "c"]),
        # variables stay as written (SkipUnsetEnv), modifiers included
        ("x ${b:-c d} $e", False, ["x", "${b:-c", "d}", "$e"]),
        ('x "${b:-c d}"', False, ["x", "${b:-c d}"]),
        ("<<EOF cat", True, ["<<EOF", "cat"]),
    ],
)
def test_process_words(line: str, raw: bool, expected: list[str]) -> None:
    assert process_words(line, raw_quotes=raw, raw_escapes=raw) == expected


# ---- heredocs: which words of an instruction line open one (name, <<- and quoting, fd)

# (instruction line, the heredocs BuildKit reads: names in order)
HEREDOC_LINES = [
    ("RUN <<EOF cat", ["EOF"]),
    ("RUN cat <<EOF", ["EOF"]),
    ("RUN cat <<EOF | grep x", ["EOF"]),
    ("RUN <<-EOF cat", ["EOF"]),
    ("RUN 3<<EOF cat", ["EOF"]),
    ("RUN <<A <<B cat", ["A", "B"]),
    ('RUN <<"EOF" cat', ["EOF"]),
    ("RUN <<'EOF' cat", ["EOF"]),
    ('RUN cat <<E"O"F', ["EOF"]),
    ("COPY <<EOF /dest", ["EOF"]),
    ('RUN echo "it\'s" <<EOF', ["EOF"]),
    ("RUN cat<<EOF", []),  # not a word of its own
    ('RUN echo "<<EOF"', []),  # quoted
    ("RUN echo \\<<EOF", []),  # escaped
    ("RUN echo it's <<EOF", []),  # an unmatched quote anywhere: no heredocs at all
    ("RUN cat <<", []),  # no name
]


@pytest.mark.parametrize(("line", "names"), HEREDOC_LINES)
def test_heredocs_from_line(line: str, names: list[str]) -> None:
    assert [spec.name for spec in heredocs_from_line(line.split(None, 1)[1])] == names


@pytest.mark.parametrize(("line", "names"), HEREDOC_LINES)
def test_heredoc_names_are_buildkits(line: str, names: list[str]) -> None:
    text = f"FROM scratch\n{line}\n" + "".join(f"body\n{name}\n" for name in names)
    commands = buildkit().parse_string(text)
    assert [h.name for h in commands[1].heredocs] == names


@pytest.mark.parametrize(
    ("word", "chomp", "expand", "fd"),
    [
        ("<<EOF", False, True, 0),
        ("<<-EOF", True, True, 0),
        ("<<'EOF'", False, False, 0),
        ('<<"EOF"', False, False, 0),
        ('<<E"O"F', False, False, 0),
        ("2<<EOF", False, True, 2),
        ("<<-'EOF'", True, False, 0),
    ],
)
def test_heredoc_quoting_and_chomping(word: str, chomp: bool, expand: bool, fd: int) -> None:
    # a quoted name (any part of it) means the body is not expanded; <<- strips leading tabs
    (spec,) = heredocs_from_line(f"{word} cat")
    assert (spec.name, spec.chomp, spec.expand, spec.fd) == ("EOF", chomp, expand, fd)


def test_whitespace_after_the_arrows() -> None:
    # current BuildKit reads `<< EOF` as a heredoc (v0.12.5, the oracle's, did not)
    assert [spec.name for spec in heredocs_from_line("cat << EOF")] == ["EOF"]


# ---- parseWords: the words of ENV, LABEL and ARG, quotes kept

# (the rest of an ENV line, its (name, value) pairs as BuildKit's parser gives them)
ENV_LINES = [
    ("a=1 b=2", [("a", "1"), ("b", "2")]),
    ('a="x y" b=c', [("a", '"x y"'), ("b", "c")]),
    ("a='x \"y\"'", [("a", "'x \"y\"'")]),
    ("a=c\\ d", [("a", "c\\ d")]),
    ('a="x \\" y"', [("a", '"x \\" y"')]),
    ("a=x   b=y", [("a", "x"), ("b", "y")]),
    ('a=""', [("a", '""')]),
    ("a=$b", [("a", "$b")]),
    ('"a"=1', [('"a"', "1")]),
]


@pytest.mark.parametrize(("rest", "pairs"), ENV_LINES)
def test_parse_words(rest: str, pairs: list[tuple[str, str]]) -> None:
    assert [tuple(word.split("=", 1)) for word in parse_words(rest, "\\")] == pairs


@pytest.mark.parametrize(("rest", "pairs"), ENV_LINES)
def test_env_words_are_buildkits(rest: str, pairs: list[tuple[str, str]]) -> None:
    (_, env) = buildkit().parse_string(f"FROM scratch\nENV {rest}\n")
    assert list(zip(env.value[::2], env.value[1::2], strict=True)) == pairs


def test_parse_words_with_another_escape() -> None:
    # the escape keeps itself and the character after it: an escaped backslash, then a space
    assert parse_words("a=C:\\x b=c`\\ d", "`") == ["a=C:\\x", "b=c`\\", "d"]
    assert parse_words("a=c` d", "`") == ["a=c` d"]
