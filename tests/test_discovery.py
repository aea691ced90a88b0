"""Which files a directory search takes: the default Dockerfile names, the names that look like
Dockerfiles but are not, and the configuration's `include` and `extend-include`.

The two lists are written out by hand (not derived from dockopt/files.py) so that a change of
the rule shows here; tests/test_pre_commit.py checks the hooks' regexes on the same names.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dockopt.config import ConfigError, load
from dockopt.files import Globs, discover, is_dockerfile_name

from test_cli import FIXABLE, FIXED, run, write

DOCKERFILES = [
    # the stems alone and with a variant after `.`, `-` or `_`
    "Dockerfile",
    "Dockerfile.dev",
    "Dockerfile.prod.arm64",
    "Dockerfile.",
    "Dockerfile-dev",
    "Dockerfile_prod",
    "Dockerfile-alpine-3.19",
    "dockerfile",
    "dockerfile.dev",
    "dockerfile-dev",
    "dockerfile_prod",
    "Containerfile",
    "Containerfile.prod",
    "Containerfile-dev",
    "Containerfile_prod",
    "containerfile",
    "containerfile.dev",
    "containerfile-dev",
    "containerfile_prod",
    # <anything>.Dockerfile
    "app.Dockerfile",
    "app.dockerfile",
    "a.b.Dockerfile",
    ".Dockerfile",
    "app.containerfile",
    "app.Containerfile",
    "old.Dockerfile",
    "template.Dockerfile",
    "docs.md.Dockerfile",
    # language variants (a capitalised stem): Dockerfiles, unlike lowercase dockerfile.go
    "Dockerfile.go",
    "Dockerfile.py",
    "Dockerfile.js",
    "Dockerfile.java",
    "Dockerfile.node",
    "Containerfile.rs",
    # variants that only look like a skipped suffix
    "Dockerfile.example",
    "Dockerfile.sample",
    "Dockerfile.dist",
    "Dockerfile.env",
    "Dockerfile.golden",
    "Dockerfile-gold",
    "Dockerfile.builtin",
    "Dockerfile.plugin",
    "Dockerfile-in",
    "Dockerfile.templates",
    "Dockerfile.d",
]

NOT_DOCKERFILES = [
    # other names
    "Dockerfiles",
    "MyDockerfile",
    "app-Dockerfile",
    "app_Dockerfile",
    "DockerfileDev",
    "app.DOCKERFILE",
    "README.md",
    "docker-compose.yml",
    "Containerfiles",
    # BuildKit's per-Dockerfile ignore files
    "Dockerfile.dockerignore",
    "Dockerfile-dev.dockerignore",
    "app.Dockerfile.dockerignore",
    "Containerfile.dockerignore",
    # templates
    "Dockerfile.j2",
    "Dockerfile.jinja2",
    "Dockerfile.tmpl",
    "Dockerfile.tpl",
    "Dockerfile.template",
    "Dockerfile-template",
    "Dockerfile_template",
    "Dockerfile-slim.template",
    "Dockerfile-tmpl",
    "Dockerfile.in",
    "Dockerfile.m4",
    "Dockerfile.erb",
    "Dockerfile.gotmpl",
    "app.Dockerfile.j2",
    "Containerfile.in",
    # backups and leftovers
    "Dockerfile.bak",
    "Dockerfile_bak",
    "Dockerfile.old",
    "Dockerfile-old",
    "Dockerfile.orig",
    "Containerfile.orig",
    "Dockerfile.rej",
    "Dockerfile~",
    "app.Dockerfile.bak",
    "Dockerfile.backup",
    "Dockerfile.BAK",
    "Dockerfile.swp",
    ".Dockerfile.swp",
    ".Dockerfile.swo",
    "Dockerfile___jb_tmp___",
    "Dockerfile.tmp",
    # documents, data, patches, archives, scripts
    "Dockerfile.md",
    "Dockerfile.MD",
    "dockerfile.md",
    "Dockerfile.txt",
    "Dockerfile.html",
    "Dockerfile.yml",
    "Dockerfile.yaml",
    "Dockerfile.json",
    "Dockerfile.toml",
    "Dockerfile.patch",
    "Dockerfile.diff",
    "Dockerfile.png",
    "Dockerfile.tar.gz",
    "Dockerfile.sh",
    "Dockerfile-build.sh",
    "Dockerfile.ps1",
    "app.Dockerfile.md",
    # source files under a lowercase stem
    "dockerfile.go",
    "dockerfile_test.go",
    "dockerfile.py",
    "dockerfile_parser.py",
    "dockerfile.js",
    "dockerfile-utils.ts",
    "dockerfile.rs",
    "dockerfile.vim",
    "dockerfile-mode.el",
    "dockerfile.lua",
    "dockerfile.snippets",
    "containerfile.go",
    "containerfile_test.go",
    "dockerfile.GO",
]


def test_the_lists_do_not_overlap():
    assert not set(DOCKERFILES) & set(NOT_DOCKERFILES)
    assert len(set(DOCKERFILES + NOT_DOCKERFILES)) == len(DOCKERFILES + NOT_DOCKERFILES)


@pytest.mark.parametrize("name", DOCKERFILES)
def test_dockerfile_names_are_taken(name):
    assert is_dockerfile_name(name)


@pytest.mark.parametrize("name", NOT_DOCKERFILES)
def test_names_that_are_not_dockerfiles_are_skipped(name):
    assert not is_dockerfile_name(name)


def tree(root: Path) -> Path:
    for sub in ("", "deep/er/"):
        for name in DOCKERFILES + NOT_DOCKERFILES:
            write(root / (sub + name), FIXABLE)
    return root


def found(root: Path, **options) -> list[str]:
    return sorted(f.path.relative_to(root).as_posix() for f in discover([str(root)], **options) if f.ok)


def test_discover_finds_exactly_the_dockerfiles_of_a_tree(tmp_path):
    root = tree(tmp_path / "repo")
    (root / "dir.Dockerfile").mkdir()  # a directory with a Dockerfile name is no Dockerfile
    assert found(root) == sorted(sub + name for sub in ("", "deep/er/") for name in DOCKERFILES)


def test_a_file_named_on_the_command_line_is_taken_whatever_its_name(tmp_path):
    paths = [str(write(tmp_path / name, FIXABLE)) for name in ("Dockerfile.j2", "dockerfile.go", "notes.txt")]
    assert [str(f.path) for f in discover(paths) if f.ok] == paths


# --------------------------------------------------------------------------- include, extend-include


@pytest.mark.parametrize(
    "pattern, path, matches",
    [
        ("*.df", "x.df", True),
        ("*.df", "a/b/x.df", True),  # no slash: the name, in any directory
        ("*.df", "a/x.df/y", False),
        ("docker/*.df", "docker/x.df", True),  # a slash: the path from the configuration's directory
        ("docker/*.df", "sub/docker/x.df", False),
        ("docker/*.df", "docker/a/x.df", False),  # `*` stays within a name
        ("/docker/*.df", "docker/x.df", True),
        ("./docker/*.df", "docker/x.df", True),
        ("docker/**/*.df", "docker/x.df", True),  # `**` spans any number of directories, none too
        ("docker/**/*.df", "docker/a/b/x.df", True),
        ("**/build/Dockerfile", "build/Dockerfile", True),
        ("**/build/Dockerfile", "a/b/build/Dockerfile", True),
        ("images/**", "images/a/b/c", True),
        ("images/**", "other/a", False),
        ("Dockerfile.?", "Dockerfile.a", True),
        ("Dockerfile.?", "Dockerfile.ab", False),
        ("Dockerfile.[ab]", "Dockerfile.b", True),
        ("Dockerfile.[!ab]", "Dockerfile.b", False),
        ("Dockerfile.[!ab]", "Dockerfile.c", True),
        ("Dockerfile.[", "Dockerfile.[", True),  # an unclosed class is a plain `[`
        ("a+b(c).df", "a+b(c).df", True),  # regex characters are plain
        ("a+b(c).df", "aab(c).df", False),
    ],
)
def test_include_patterns_match_as_ruff_matches_them(tmp_path, pattern, path, matches):
    assert Globs(tmp_path, (pattern,)).matches(tmp_path / path) is matches


def test_include_replaces_the_default_names(tmp_path):
    root = tree(tmp_path / "repo")
    write(root / "pyproject.toml", '[tool.dockopt]\ninclude = ["*.df", "/Dockerfile.j2", "deep/**/Dockerfile"]\n')
    write(root / "a.df", FIXABLE)
    write(root / "deep" / "er" / "b.df", FIXABLE)
    assert found(root, **_config(root)) == ["Dockerfile.j2", "a.df", "deep/er/Dockerfile", "deep/er/b.df"]


def test_extend_include_adds_to_the_default_names_and_exclude_still_wins(tmp_path):
    root = tree(tmp_path / "repo")
    write(root / ".dockopt.toml", 'extend-include = ["*.df", "Dockerfile.j2"]\nextend-exclude = ["deep/"]\n')
    write(root / "a.df", FIXABLE)
    write(root / "deep" / "b.df", FIXABLE)
    assert found(root, **_config(root)) == sorted([*DOCKERFILES, "Dockerfile.j2", "a.df"])


def test_each_directory_takes_the_names_of_its_own_configuration(tmp_path):
    root = tmp_path / "repo"
    write(root / ".dockopt.toml", 'include = ["svc/*.df"]\n')
    write(root / "svc" / "a.df", FIXABLE)
    write(root / "svc" / "Dockerfile", FIXABLE)
    write(root / "other" / ".dockopt.toml", 'extend-include = ["svc/*.df"]\n')  # anchored to other/
    write(root / "other" / "svc" / "b.df", FIXABLE)
    write(root / "other" / "Dockerfile", FIXABLE)
    assert found(root, **_config(root)) == ["other/Dockerfile", "other/svc/b.df", "svc/a.df"]


def _config(root: Path) -> dict:
    from dockopt.config import Overrides, Resolver

    resolver = Resolver(Overrides(), cwd=root)
    return {"excluded": resolver.excluded, "names": resolver.names}


def test_cli_fix_follows_include(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.dockopt]\nextend-include = ["*.df"]\n')
    taken = [write(tmp_path / name, FIXABLE) for name in ("Dockerfile-dev", "app.df")]
    left = write(tmp_path / "Dockerfile.j2", FIXABLE)
    code, _, err = run("fix", ".", cwd=tmp_path)
    assert code == 0, err
    assert [p.read_text() for p in taken] == [FIXED, FIXED]
    assert left.read_text() == FIXABLE


@pytest.mark.parametrize(
    "content, message",
    [
        ('include = "*.df"', 'include: must be a list of strings (like ["DO101"]), not "*.df"'),
        ("extend-include = [1]", "extend-include: must be a list of strings"),
        ('include = [""]', "include: a pattern cannot be empty"),
        (
            'extend-include = ["docker/"]',
            "extend-include: 'docker/' names a directory; include patterns name files (like 'docker/**')",
        ),
    ],
)
def test_bad_include_patterns_are_refused(tmp_path, content, message):
    path = write(tmp_path / ".dockopt.toml", content + "\n")
    with pytest.raises(ConfigError) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}: {message}")


def test_show_settings_shows_include_and_where_it_comes_from(tmp_path):
    code, out, _ = run("fix", "--show-settings", cwd=tmp_path)
    assert code == 0
    include = next(line for line in out.splitlines() if line.startswith("include = "))
    assert include.startswith('include = ["Dockerfile", "Dockerfile.*", "Dockerfile-*", "Dockerfile_*", "dockerfile", ')
    assert include.endswith('"*.containerfile"]  # default (less templates, backups, documents and scripts)')
    assert "\nextend-include = []  " in out
    write(tmp_path / ".dockopt.toml", 'include = ["*.df"]\nextend-include = ["x/Dockerfile.j2"]\n')
    code, out, _ = run("fix", "--show-settings", cwd=tmp_path)
    assert re.search(r'^include = \["\*\.df"\] +# \.dockopt\.toml$', out, re.M)
    assert re.search(r'^extend-include = \["x/Dockerfile\.j2"\] +# \.dockopt\.toml$', out, re.M)
