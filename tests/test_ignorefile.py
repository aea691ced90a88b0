"""The build context's ignore file (dockopt/ignorefile.py), read as BuildKit reads it.

Expected values follow moby/patternmatcher (`ignorefile.ReadAll`, `Pattern.compile`,
`MatchesOrParentMatches`) and BuildKit's choice of the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dockopt.context import Context
from dockopt.ignorefile import Pattern, excluded, ignore_file, parse


def test_comments_blank_lines_and_cleaning() -> None:
    text = "# a comment\n  # not a comment\n\n   \nnode_modules\n/abs/path\n./a/../b/\n  spaced  \n!keep\n! spaced\n"
    assert parse(text) == (
        Pattern("# not a comment"),  # only a `#` in the first column starts a comment
        Pattern("node_modules"),
        Pattern("abs/path"),  # one leading slash goes
        Pattern("b"),  # cleaned like a path
        Pattern("spaced"),
        Pattern("keep", negated=True),
        Pattern("spaced", negated=True),
    )


def test_byte_order_mark_and_crlf() -> None:
    assert parse("\ufeffnode_modules\r\n*.log\r\n") == (Pattern("node_modules"), Pattern("*.log"))
    # a BOM is dropped from the first line only
    assert parse("a\n\ufeffb\n") == (Pattern("a"), Pattern("\ufeffb"))


def test_a_lone_exclamation_mark_is_no_pattern() -> None:
    # BuildKit refuses the file ("illegal exclusion pattern"); dockopt reads no pattern there
    assert parse("!\n.git\n") == (Pattern(".git"),)


def _excluded(patterns: str, path: str) -> bool:
    return excluded(parse(patterns), path)


@pytest.mark.parametrize(
    ("patterns", "path", "expected"),
    [
        # a pattern excludes what it matches, and everything below it
        ("node_modules", "node_modules", True),
        ("node_modules", "node_modules/x/y.js", True),
        ("node_modules", "src/node_modules", False),
        ("node_modules", "node_modules_old", False),
        # * and ? stop at a slash
        ("*.log", "a.log", True),
        ("*.log", "logs/a.log", False),
        ("*/*.log", "logs/a.log", True),
        ("a?c", "abc", True),
        ("a?c", "a/c", False),
        # ** spans directories, none included
        ("**/*.log", "a.log", True),
        ("**/*.log", "x/y/a.log", True),
        ("**/node_modules", "node_modules", True),
        ("**/node_modules", "web/node_modules/x", True),
        ("**/node_modules", "web/my_node_modules", False),
        ("a/**/b", "a/b", True),
        ("a/**/b", "a/x/y/b", True),
        ("a/**", "a/x", True),
        ("a/**", "a", False),  # only what is below it
        ("**", "anything/at/all", True),
        # character classes, escapes, and characters a regular expression would read
        ("[ab].txt", "a.txt", True),
        ("[ab].txt", "c.txt", False),
        ("[!a].txt", "b.txt", False),  # Go's regexp: `[!a]` is a class of ! and a, no negation
        ("[^a].txt", "b.txt", True),
        ("a\\*b", "a*b", True),
        ("a\\*b", "axb", False),
        ("v1.0", "v1x0", False),
        ("a+b", "a+b", True),
        ("(x)", "(x)", True),
        ("[", "[", False),  # BuildKit refuses the pattern; it matches nothing here
        # the cleaned pattern matches: `./x`, `/x` and `x/` are all `x`
        ("./dist/", "dist/app.js", True),
        ("/dist", "dist/app.js", True),
    ],
)
def test_matching(patterns: str, path: str, expected: bool) -> None:
    assert _excluded(patterns, path) is expected


@pytest.mark.parametrize(
    ("patterns", "path", "expected"),
    [
        ("docs\n!docs/keep.md", "docs/a.md", True),
        ("docs\n!docs/keep.md", "docs/keep.md", False),
        ("!docs/keep.md\ndocs", "docs/keep.md", True),  # the last pattern that matches decides
        ("*\n!src", "src/main.go", False),
        ("*\n!src", "README.md", True),
        ("*\n!src\nsrc/*.tmp", "src/x.tmp", True),
        ("*.md\n!README.md", "README.md", False),
        ("*.md\n!README.md", "CHANGES.md", True),
    ],
)
def test_exceptions(patterns: str, path: str, expected: bool) -> None:
    assert _excluded(patterns, path) is expected


def _context(root: Path, files: dict[str, str], dockerfile: str = "Dockerfile") -> Context:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return Context(root / dockerfile, root)


def test_the_contexts_dockerignore(tmp_path: Path) -> None:
    found = ignore_file(_context(tmp_path, {"Dockerfile": "FROM scratch\n", ".dockerignore": ".git\n"}))
    assert (found.path, found.exists, found.own, found.patterns) == (".dockerignore", True, False, (Pattern(".git"),))
    assert found.excluded(".git/config") and not found.excluded("src/main.go")


def test_none(tmp_path: Path) -> None:
    found = ignore_file(_context(tmp_path, {"Dockerfile": "FROM scratch\n"}))
    assert (found.path, found.exists, found.patterns) == (".dockerignore", False, ())
    assert not found.excluded(".git")


def test_the_dockerfiles_own_ignore_file_wins(tmp_path: Path) -> None:
    files = {"api.Dockerfile": "FROM scratch\n", "api.Dockerfile.dockerignore": "*.md\n", ".dockerignore": ".git\n"}
    found = ignore_file(_context(tmp_path, files, "api.Dockerfile"))
    assert (found.path, found.own, found.in_context) == ("api.Dockerfile.dockerignore", True, True)
    assert found.excluded("README.md") and not found.excluded(".git")


def test_own_ignore_file_beside_a_dockerfile_in_a_subdirectory(tmp_path: Path) -> None:
    files = {
        "docker/app.Dockerfile": "FROM scratch\n",
        "docker/app.Dockerfile.dockerignore": "tmp\n",
        ".dockerignore": ".git\n",
    }
    found = ignore_file(_context(tmp_path, files, "docker/app.Dockerfile"))
    assert (found.path, found.own) == ("docker/app.Dockerfile.dockerignore", True)


def test_own_ignore_file_outside_the_context(tmp_path: Path) -> None:
    # BuildKit reads it even so (the Dockerfile is outside the context too)
    (tmp_path / "ctx").mkdir()
    (tmp_path / "ctx" / ".dockerignore").write_text(".git\n")
    (tmp_path / "web.Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "web.Dockerfile.dockerignore").write_text("node_modules\n")
    found = ignore_file(Context(tmp_path / "web.Dockerfile", tmp_path / "ctx"))
    assert (found.own, found.in_context, found.patterns) == (True, False, (Pattern("node_modules"),))


def test_a_directory_named_like_the_own_ignore_file_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile.dockerignore").mkdir()
    found = ignore_file(_context(tmp_path, {"Dockerfile": "FROM scratch\n", ".dockerignore": ".git\n"}))
    assert (found.path, found.own) == (".dockerignore", False)
