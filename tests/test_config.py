"""Configuration files: discovery, precedence of the command line, validation, --show-settings,
and per-file settings in bulk runs (unit tests, then the command line end to end)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockopt.config import ConfigError, Overrides, Resolver, load, resolve, show
from dockopt.context import Options
from dockopt.engine import Settings

from test_cli import run, write

# two RUNs to merge (DO101) in a stage that already runs as non-root
MERGE = "FROM debian:bookworm-slim\nRUN echo a\nRUN echo b\nUSER 1000\n"
MERGED = "FROM debian:bookworm-slim\nRUN echo a \\\n    && echo b\nUSER 1000\n"
# a final stage running as root: non-root-user (DO301, unsafe) creates a user
ROOT = "FROM debian:bookworm-slim\nRUN echo a\n"


def codes(resolver: Resolver, path: Path) -> list[str]:
    return [t.code for t in resolver.resolve(path).transforms]


# --------------------------------------------------------------------------- discovery


def test_the_nearest_configuration_wins(tmp_path: Path) -> None:
    write(tmp_path / ".dockopt.toml", 'select = ["DO101"]\n')
    write(tmp_path / "sub" / ".dockopt.toml", 'select = ["DO205"]\n')
    write(tmp_path / "sub" / "deeper" / "Dockerfile", MERGE)
    write(tmp_path / "other" / "Dockerfile", MERGE)
    resolver = Resolver(Overrides())
    assert resolver.config_for(tmp_path / "sub" / "deeper").path == tmp_path / "sub" / ".dockopt.toml"
    assert codes(resolver, tmp_path / "sub" / "deeper" / "Dockerfile") == ["DO205"]
    assert codes(resolver, tmp_path / "other" / "Dockerfile") == ["DO101"]
    assert codes(resolver, tmp_path / "other") == ["DO101"]  # a directory: the files in it


def test_dockopt_toml_wins_over_pyproject_in_one_directory(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.dockopt]\nselect = ["DO101"]\n')
    write(tmp_path / ".dockopt.toml", 'select = ["DO205"]\n')
    assert Resolver(Overrides()).config_for(tmp_path).path.name == ".dockopt.toml"


def test_a_pyproject_without_a_dockopt_table_is_passed_over(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.dockopt]\nselect = ["DO101"]\n')
    write(tmp_path / "app" / "pyproject.toml", '[project]\nname = "app"\n[tool.ruff]\nline-length = 100\n')
    write(tmp_path / "lib" / "pyproject.toml", "[tool.ruff\nthis is not TOML, and no business of ours\n")
    resolver = Resolver(Overrides())
    assert resolver.config_for(tmp_path / "app").path == tmp_path / "pyproject.toml"
    assert resolver.config_for(tmp_path / "lib").path == tmp_path / "pyproject.toml"


def test_no_configuration_up_to_the_root_gives_the_defaults(tmp_path: Path) -> None:
    resolver = Resolver(Overrides())
    assert resolver.config_for(tmp_path) is None
    assert "DO101" in codes(resolver, tmp_path) and "DO305" not in codes(resolver, tmp_path)  # opt-in


def test_config_names_one_file_for_everything_and_isolated_reads_none(tmp_path: Path) -> None:
    write(tmp_path / ".dockopt.toml", 'select = ["DO101"]\n')
    named = write(tmp_path / "ci" / "dockopt-ci.toml", 'select = ["DO205"]\n')
    assert codes(Resolver(Overrides(), config=named), tmp_path) == ["DO205"]
    assert "DO202" in codes(Resolver(Overrides(), isolated=True), tmp_path)
    # a pyproject.toml named without [tool.dockopt] configures nothing
    empty = write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    assert Resolver(Overrides(), config=empty).config_for(tmp_path).values == {}


# --------------------------------------------------------------------------- precedence


def resolved_codes(file: str, cli: Overrides, tmp_path: Path) -> list[str]:
    config = load(write(tmp_path / ".dockopt.toml", file))
    return [t.code for t in resolve(config, cli, tmp_path).transforms]


@pytest.mark.parametrize(
    "file, cli, expected",
    [
        ('select = ["DO101", "DO205"]', Overrides(), ["DO101", "DO205"]),
        ('select = ["DO1"]\nignore = ["DO103", "DO104"]', Overrides(), ["DO102", "DO101"]),
        ('select = ["DO101"]\nextend-select = ["DO205"]', Overrides(), ["DO101", "DO205"]),
        ('select = []\nextend-select = ["DO205"]', Overrides(), ["DO205"]),
        # --select starts afresh: the file's select, extend-select and ignore no longer count
        ('select = ["DO101"]\nextend-select = ["DO203"]\nignore = ["DO205"]', Overrides(select=("DO205",)), ["DO205"]),
        # --extend-select adds to the file's choice, and takes back what the file ignored
        ('select = ["DO101"]', Overrides(extend_select=("DO205",)), ["DO101", "DO205"]),
        ('select = ["DO101", "DO205"]\nignore = ["DO205"]', Overrides(extend_select=("DO205",)), ["DO101", "DO205"]),
        # --ignore removes from the file's choice, and wins over --extend-select
        ('select = ["DO101", "DO205"]', Overrides(ignore=("DO205",)), ["DO101"]),
        ('select = ["DO101"]', Overrides(extend_select=("DO205",), ignore=("DO2",)), ["DO101"]),
        # opt-in transforms (strip-setuid) must be named, in the file as on the command line
        (
            'select = ["DO3"]',
            Overrides(),
            ["DO301", "DO302", "DO303", "DO304", "DO306", "DO307", "DO308", "DO309", "DO310", "DO311", "DO312"],
        ),
        ('select = ["DO305"]', Overrides(), ["DO305"]),
    ],
)
def test_the_command_line_over_the_file(file: str, cli: Overrides, expected: list[str], tmp_path: Path) -> None:
    assert resolved_codes(file + "\n", cli, tmp_path) == expected


@pytest.mark.parametrize(
    "file, cli, expected",
    [("", None, False), ("unsafe-fixes = true", None, True), ("unsafe-fixes = true", False, False), ("", True, True)],
)
def test_unsafe_fixes_from_the_file_or_the_command_line(
    file: str, cli: bool | None, expected: bool, tmp_path: Path
) -> None:
    config = load(write(tmp_path / ".dockopt.toml", file + "\n"))
    assert resolve(config, Overrides(unsafe_fixes=cli), tmp_path).unsafe is expected


def test_exclude_patterns_and_where_they_are_anchored(tmp_path: Path) -> None:
    config = load(write(tmp_path / "repo" / ".dockopt.toml", 'exclude = ["a/"]\nextend-exclude = ["b/"]\n'))
    cwd = tmp_path / "here"
    assert resolve(config, Overrides(), cwd).exclude == ((tmp_path / "repo", ("a/",)), (tmp_path / "repo", ("b/",)))
    replaced = resolve(config, Overrides(exclude=("c/",), extend_exclude=("d/",)), cwd).exclude
    assert replaced == ((cwd, ("c/",)), (tmp_path / "repo", ("b/",)), (cwd, ("d/",)))


def test_transform_options_reach_the_settings(tmp_path: Path) -> None:
    write(tmp_path / ".dockopt.toml", "[non-root-user]\nuid = 2000\nname = 'svc'\n")
    settings = Resolver(Overrides()).settings(tmp_path / "Dockerfile", Settings(()))
    assert settings.options == Options.of({"non-root-user": {"uid": 2000, "name": "svc"}})
    assert dict(settings.options.of_transform("non-root-user")) == {"name": "svc", "uid": 2000}
    assert dict(settings.options.of_transform("merge-runs")) == {}


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "name, content, message",
    [
        (".dockopt.toml", 'selct = ["DO101"]', "unknown key 'selct'; did you mean 'select'?"),
        (".dockopt.toml", "unsafe_fixes = true", "unknown key 'unsafe_fixes'; did you mean 'unsafe-fixes'?"),
        (
            ".dockopt.toml",
            "[merge-runs]\nx = 1",
            "unknown key 'merge-runs' (known keys: select, extend-select, ignore, unsafe-fixes, exclude, extend-exclude, include, extend-include, severity, non-root-user)",
        ),
        ("pyproject.toml", "[tool.dockopt]\nfoo = 1", "unknown key 'foo' in [tool.dockopt] (known keys: "),
        ("pyproject.toml", "[tool]\ndockopt = 3", "tool.dockopt: must be a table ([tool.dockopt])"),
        (".dockopt.toml", 'select = "DO101"', 'select: must be a list of strings (like ["DO101"]), not "DO101"'),
        (".dockopt.toml", "exclude = [1]", "exclude: must be a list of strings"),
        (".dockopt.toml", 'ignore = ["DO999"]', "ignore: unknown transform 'DO999' (see `dockopt list`)"),
        (".dockopt.toml", 'unsafe-fixes = "yes"', 'unsafe-fixes: must be true or false, not "yes"'),
        (".dockopt.toml", "non-root-user = 3", "non-root-user: must be a table"),
        (
            ".dockopt.toml",
            "[non-root-user]\nhome = '/x'",
            "unknown key 'non-root-user.home' (known: uid, gid, name, unprivileged-low-ports)",
        ),
        (
            ".dockopt.toml",
            "[non-root-user]\nuid = 0",
            "non-root-user.uid: must be an integer from 1 to 2147483647 (0 is root), not 0",
        ),
        (
            ".dockopt.toml",
            "[non-root-user]\ngid = 2147483648",
            "non-root-user.gid: must be an integer from 1 to 2147483647",
        ),
        (
            ".dockopt.toml",
            "[non-root-user]\nuid = true",
            "non-root-user.uid: must be an integer from 1 to 2147483647 (0 is root), not true",
        ),
        (
            ".dockopt.toml",
            "[non-root-user]\nuid = '1000'",
            'non-root-user.uid: must be an integer from 1 to 2147483647 (0 is root), not "1000"',
        ),
        (".dockopt.toml", "[non-root-user]\nname = 'root'", "non-root-user.name: must be a user name"),
        (
            ".dockopt.toml",
            "[non-root-user]\nunprivileged-low-ports = 'yes'",
            'non-root-user.unprivileged-low-ports: must be true or false, not "yes"',
        ),
        (".dockopt.toml", "[non-root-user]\nname = 'a b; rm -rf /'", "non-root-user.name: must be a user name"),
        (".dockopt.toml", "[non-root-user]\nname = '" + "a" * 33 + "'", "non-root-user.name: must be a user name"),
        (".dockopt.toml", "select = [", "invalid TOML: "),
    ],
)
def test_a_bad_configuration_is_one_line_naming_the_file_and_the_key(
    name: str, content: str, message: str, tmp_path: Path
) -> None:
    path = write(tmp_path / name, content + "\n")
    with pytest.raises(ConfigError) as caught:
        load(path)
    text = str(caught.value)
    assert "\n" not in text and text.startswith(f"{path}: ") and message in text


@pytest.mark.parametrize("name", ["1app", "-app", "App", "root"])
def test_user_names_that_useradd_refuses_are_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load(write(tmp_path / ".dockopt.toml", f"[non-root-user]\nname = '{name}'\n"))


@pytest.mark.parametrize("name", ["app", "_svc", "web-1", "a" * 32])
def test_user_names_that_useradd_takes_are_taken(name: str, tmp_path: Path) -> None:
    assert load(write(tmp_path / ".dockopt.toml", f"[non-root-user]\nname = '{name}'\n")).options == {
        "non-root-user": {"name": name}
    }


def test_cli_bad_configuration_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    write(tmp_path / "good" / "Dockerfile", MERGE)
    write(tmp_path / "bad" / "Dockerfile", MERGE)
    write(tmp_path / "bad" / "pyproject.toml", '[tool.dockopt]\nignore = ["merge-run"]\n')
    for command in (["fix"], ["check"], ["fix", "--show-settings", "bad"]):
        code, out, err = run(*command, cwd=tmp_path)
        assert code == 2 and out == ""
        assert err == "error: bad/pyproject.toml: ignore: unknown transform 'merge-run' (did you mean 'merge-runs'?)\n"
    assert (tmp_path / "good" / "Dockerfile").read_text() == MERGE


@pytest.mark.parametrize(
    "args, message",
    [
        (["--config", "missing.toml"], "error: missing.toml: no such file\n"),
        (["--config", "x.toml", "--isolated"], "error: --config and --isolated cannot be used together\n"),
        (["--extend-select", "DO999"], "error: unknown transform 'DO999' (see `dockopt list`)\n"),
        (["--show-settings", "a", "b"], "error: --show-settings takes one PATH\n"),
        (["--show-settings", "nowhere"], "error: nowhere: no such file or directory\n"),
    ],
)
def test_cli_usage_errors_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    write(tmp_path / "x.toml", "")
    write(tmp_path / "a" / "Dockerfile", MERGE)
    write(tmp_path / "b" / "Dockerfile", MERGE)
    code, out, err = run("fix", *args, cwd=tmp_path)
    assert (code, out, err) == (2, "", message)


# --------------------------------------------------------------------------- --show-settings

DEFAULT_INCLUDE = (
    '["Dockerfile", "Dockerfile.*", "Dockerfile-*", "Dockerfile_*", "dockerfile", "dockerfile.*", "dockerfile-*", '
    '"dockerfile_*", "Containerfile", "Containerfile.*", "Containerfile-*", "Containerfile_*", "containerfile", '
    '"containerfile.*", "containerfile-*", "containerfile_*", "*.Dockerfile", "*.dockerfile", "*.Containerfile", '
    '"*.containerfile"]'
)


def test_show_settings_says_where_each_setting_comes_from(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.dockopt]\nselect = ["DO101", "DO205"]\nunsafe-fixes = true\nextend-exclude = ["vendor/"]\n'
        "[tool.dockopt.non-root-user]\nuid = 2000\n",
    )
    write(tmp_path / "app" / "Dockerfile", MERGE)
    code, out, err = run(
        "fix", "--show-settings", "--ignore", "DO205", "--extend-select", "DO305", "app/Dockerfile", cwd=tmp_path
    )
    assert code == 0 and err == ""
    assert out == (
        "settings for: app/Dockerfile\n"
        "configuration file: pyproject.toml\n"
        'select = ["DO101", "DO205"]                   # pyproject.toml\n'
        'extend-select = ["DO305"]                     # command line\n'
        'ignore = ["DO205"]                            # command line\n'
        "unsafe-fixes = true                           # pyproject.toml\n"
        "exclude = []                                  # default\n"
        'extend-exclude = ["vendor/"]                  # pyproject.toml\n'
        f"include = {DEFAULT_INCLUDE}  # default (less templates, backups, documents and scripts)\n"
        "extend-include = []                           # default\n"
        "non-root-user.uid = 2000                      # pyproject.toml\n"
        "non-root-user.gid = 2000                      # default (the uid)\n"
        'non-root-user.name = "app"                    # default\n'
        "non-root-user.unprivileged-low-ports = false  # default\n"
        "severity.error = []                           # default\n"
        "severity.warning = []                         # default\n"
        "severity.info = []                            # default\n"
        "transforms (2): DO101, DO305\n"
    )
    code, out, err = run("check", "--show-settings", "--isolated", "--no-unsafe-fixes", cwd=tmp_path / "app")
    assert code == 0
    assert out.startswith('settings for: .\nconfiguration file: none (--isolated)\nselect = ["ALL"]')
    assert "unsafe-fixes = false  " in out and out.endswith("DO401, DO402\n")


def test_show_settings_function_lists_every_key() -> None:
    text = show(resolve(None, Overrides(select=("DO101",)), Path("/")), "Dockerfile")
    keys = [line.split(" = ")[0] for line in text.splitlines()[2:-1]]
    assert keys == [
        "select",
        "extend-select",
        "ignore",
        "unsafe-fixes",
        "exclude",
        "extend-exclude",
        "include",
        "extend-include",
        "non-root-user.uid",
        "non-root-user.gid",
        "non-root-user.name",
        "non-root-user.unprivileged-low-ports",
        "severity.error",
        "severity.warning",
        "severity.info",
    ]


# --------------------------------------------------------------------------- the command line, end to end


def test_cli_fix_follows_each_directorys_configuration(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.dockopt]\nignore = ["merge-runs"]\n')
    write(tmp_path / "a" / "Dockerfile", MERGE)
    write(tmp_path / "b" / ".dockopt.toml", 'select = ["DO101"]\n')
    write(tmp_path / "b" / "Dockerfile", MERGE)
    code, _out, err = run("fix", cwd=tmp_path)
    assert code == 0, err
    assert (tmp_path / "a" / "Dockerfile").read_text() == MERGE
    assert (tmp_path / "b" / "Dockerfile").read_text() == MERGED
    # the command line goes over both
    write(tmp_path / "b" / "Dockerfile", MERGE)
    run("fix", "--isolated", cwd=tmp_path)
    assert (tmp_path / "a" / "Dockerfile").read_text() == MERGED == (tmp_path / "b" / "Dockerfile").read_text()


def test_cli_config_file_and_unsafe_fixes(tmp_path: Path) -> None:
    write(tmp_path / "Dockerfile", ROOT)
    write(tmp_path / "ci.toml", "unsafe-fixes = true\n[non-root-user]\nuid = 3000\ngid = 3001\nname = 'svc'\n")
    code, out, err = run("fix", "--diff", "--config", "ci.toml", cwd=tmp_path)
    assert code == 1
    assert (
        "+RUN echo a \\\n+    && groupadd --gid 3001 svc \\\n+    && useradd --no-log-init --uid 3000 --gid 3001 --create-home svc\n+USER 3000:3001\n"
        in out
    )
    code, out, err = run("fix", "--diff", "--config", "ci.toml", "--no-unsafe-fixes", cwd=tmp_path)
    assert (code, out) == (0, "") and "1 more fix available with --unsafe-fixes" in err
    # check marks the unsafe fix fixable when the configuration allows unsafe fixes
    code, out, err = run("check", "--config", "ci.toml", "--select", "DO301", cwd=tmp_path)
    assert out == "Dockerfile:2:1: DO301 [*] warning: the final stage runs as root: run it as 3000:3001\n"


def test_cli_stdin_takes_the_configuration_of_the_current_directory(tmp_path: Path) -> None:
    write(tmp_path / ".dockopt.toml", 'ignore = ["DO101"]\n')
    code, out, _err = run("fix", "-", cwd=tmp_path, stdin=MERGE.encode())
    assert (code, out) == (0, MERGE)
    code, out, _err = run("fix", "-", "--isolated", cwd=tmp_path, stdin=MERGE.encode())
    assert (code, out) == (0, MERGED)


def test_cli_exclude_leaves_out_of_searches_relative_to_the_configuration(tmp_path: Path) -> None:
    write(tmp_path / "repo" / ".dockopt.toml", 'exclude = ["/vendor/", "*.legacy.Dockerfile"]\n')
    for name in ("Dockerfile", "vendor/Dockerfile", "app/vendor/Dockerfile", "app/old.legacy.Dockerfile"):
        write(tmp_path / "repo" / name, MERGE)
    write(tmp_path / "repo" / "sub" / ".dockopt.toml", 'extend-exclude = ["gen/"]\n')
    write(tmp_path / "repo" / "sub" / "gen" / "Dockerfile", MERGE)
    write(tmp_path / "repo" / "sub" / "Dockerfile", MERGE)
    code, _out, err = run("fix", "--check", "repo", cwd=tmp_path)
    changed = sorted(
        line.removeprefix("would change: ") for line in err.splitlines() if line.startswith("would change")
    )
    assert changed == ["repo/Dockerfile", "repo/app/vendor/Dockerfile", "repo/sub/Dockerfile"]
    # a file named on the command line is always taken
    code, _out, err = run("fix", "--check", "repo/vendor/Dockerfile", cwd=tmp_path)
    assert code == 1
    # --exclude replaces the configuration's exclude (patterns relative to the current directory)
    code, _out, err = run("fix", "--check", "--exclude", "repo/app/", "repo", cwd=tmp_path)
    changed = sorted(
        line.removeprefix("would change: ") for line in err.splitlines() if line.startswith("would change")
    )
    assert changed == ["repo/Dockerfile", "repo/sub/Dockerfile", "repo/vendor/Dockerfile"]
    code, _out, err = run("fix", "--check", "--extend-exclude", "Dockerfile", "repo", cwd=tmp_path)
    assert "would change" not in err and "warning: no Dockerfiles found" in err


def test_cli_parallel_run_with_several_configurations_matches_the_serial_one(tmp_path: Path) -> None:
    write(tmp_path / "a" / ".dockopt.toml", 'ignore = ["DO101"]\n')
    write(tmp_path / "b" / ".dockopt.toml", "[non-root-user]\nuid = 4000\n")
    for directory in ("a", "b", "c"):
        for n in range(12):
            write(tmp_path / directory / f"{n:02}" / "Dockerfile", ROOT + "RUN echo b\n")
    serial = run("fix", "--diff", "--unsafe-fixes", "-j", "1", cwd=tmp_path)
    parallel = run("fix", "--diff", "--unsafe-fixes", "-j", "2", cwd=tmp_path)
    assert serial == parallel and serial[0] == 1
    out = serial[1]
    assert out.count("USER 4000:4000") == 12 and out.count("USER 10001:10001") == 24
    assert out.count("+    && echo b") == 24  # not in a/
