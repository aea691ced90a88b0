"""The package-manager tables dockopt.packages owns: npm/yarn/pnpm/bun subcommands and pip's
requirement files (issue 13: one owner, each case one of the old copies got wrong)."""

from __future__ import annotations

import pytest

from dockopt.packages import (
    GEM_INSTALLS,
    NODE_BUILDS,
    NODE_DOWNLOADS,
    NODE_INSTALLS,
    REMOVALS,
    included_file,
    node_command,
    pip_files,
    requirement_lines,
)


@pytest.mark.parametrize(
    ("tool", "word", "command"),
    [
        # npm's aliases and the typos it corrects: stacks/node.py knew neither isntall nor insta,
        # dockerignore.py none but i
        ("npm", "isntall", "install"),
        ("npm", "insta", "install"),
        ("npm", "add", "install"),
        ("npm", "isntall-clean", "ci"),
        ("npm", "clean-install", "ci"),
        ("npm", "sit", "install-ci-test"),
        ("npm", "udpate", "update"),
        ("npm", "rb", "rebuild"),
        ("npm", "run-script", "run"),
        ("npm", "urn", "run"),
        ("npm", "tst", "test"),
        ("npm", "r", "uninstall"),
        ("npm", "publish", "publish"),  # not an alias: as it is
        ("npm", None, None),
        ("yarn", None, "install"),  # a bare `yarn` installs
        ("yarn", "up", "upgrade"),
        ("pnpm", "i", "install"),
        ("pnpm", "rm", "remove"),  # the node stack took `pnpm rm` for a script named rm
        ("pnpm", "t", "test"),
        ("pnpm", None, None),
        ("bun", "a", "add"),
    ],
)
def test_node_command_resolves_aliases(tool: str, word: str | None, command: str | None) -> None:
    assert node_command(tool, word) == command


@pytest.mark.parametrize(
    "word", ["install", "i", "isntall", "ci", "ic", "install-clean", "it", "cit", "clean-install-test"]
)
def test_npm_installs_cover_every_alias(word: str) -> None:
    assert node_command("npm", word) in NODE_INSTALLS["npm"]


def test_node_subsets_are_named_and_nested() -> None:
    for tool, installs in NODE_INSTALLS.items():
        assert installs <= NODE_DOWNLOADS[tool]
    for tool, builds in NODE_BUILDS.items():
        assert NODE_DOWNLOADS[tool] <= builds
    assert node_command("npm", "up") in NODE_DOWNLOADS["npm"] - NODE_INSTALLS["npm"]
    assert node_command("npm", "rb") in NODE_BUILDS["npm"] - NODE_DOWNLOADS["npm"]
    assert node_command("npm", "run") not in NODE_BUILDS["npm"]
    assert "bun" not in NODE_BUILDS  # bun runs the install scripts of trusted packages only


def test_npm_removals_are_npm_uninstall_aliases() -> None:
    assert {node_command("npm", word) for word in REMOVALS["npm"]} == {"uninstall"}


def test_gem_install_abbreviations() -> None:
    assert {"install", "i", "ins", "inst"} <= GEM_INSTALLS  # slim-base knew install and i only


@pytest.mark.parametrize(
    ("words", "files"),
    [
        (["install", "-r", "a.txt"], ["a.txt"]),
        (["install", "-ra.txt"], ["a.txt"]),
        (["install", "--requirement", "a.txt"], ["a.txt"]),
        (["install", "--requirement=a.txt"], ["a.txt"]),
        (["install", "-c", "c.txt", "--constraint=d.txt", "-r", "a.txt"], ["c.txt", "d.txt", "a.txt"]),
        (["install", "-i", "-rhttps://mirror", "-r", "a.txt"], ["a.txt"]),  # an option's value is no file
        (["install", "-r"], []),
        (["install", "flask"], []),
    ],
)
def test_pip_files(words: list[str], files: list[str]) -> None:
    assert pip_files(words) == files


def test_pip_files_without_constraints() -> None:
    assert pip_files(["install", "-c", "c.txt", "--requirement=a.txt", "-cx.txt"], constraints=False) == ["a.txt"]


def test_requirement_lines_join_continuations_and_drop_comments() -> None:
    text = "# pinned\nflask==3.0 \\\n    --hash=sha256:abc  # the hash\n\ngit+https://example.com/x.git#egg=x\n-r base.txt\n"
    assert list(requirement_lines(text)) == [
        "flask==3.0      --hash=sha256:abc",
        "git+https://example.com/x.git#egg=x",
        "-r base.txt",
    ]


@pytest.mark.parametrize(
    ("line", "constraints", "included"),
    [
        ("-r base.txt", True, "base.txt"),
        ("-rbase.txt", True, "base.txt"),  # slim-base read only `-r x` and `--requirement x`
        ("--requirement=base.txt", True, "base.txt"),
        ("--requirement base.txt", True, "base.txt"),
        ("-c constraints.txt", True, "constraints.txt"),
        ("--constraint=constraints.txt", False, None),
        ("-r", True, None),
        ("flask==3.0", True, None),
        ("-e .", True, None),
    ],
)
def test_included_file(line: str, constraints: bool, included: str | None) -> None:
    assert included_file(line, constraints) == included
