"""Configuration files: `[tool.dockopt]` in pyproject.toml, or a `.dockopt.toml`.

Each file processed takes the configuration nearest to it: its directory's, else its parent's,
and so on up to the filesystem root. In one directory `.dockopt.toml` wins over
pyproject.toml; a pyproject.toml without `[tool.dockopt]` is passed over. `--config PATH`
names one file for every Dockerfile; `--isolated` reads none.

Keys (kebab-case, as the command line spells them): `select`, `extend-select`, `ignore`,
`unsafe-fixes`, `exclude`, `extend-exclude`, `include`, `extend-include` (the file names a
directory search takes, as in ruff: ``files.Names``), and the table `non-root-user` (`uid`,
`gid`, `name`: the user non-root-user (DO301) creates), and the table `severity` (`error`,
`warning`, `info`: lists of selectors, as for `select`, whose transforms' findings take that
severity: ``registry.severities``).

The command line goes over the file, as in ruff: `--select` starts the selection afresh
(the file's `select`, `extend-select` and `ignore` no longer count), `--extend-select` and
`--ignore` adjust what the file chose; `--unsafe-fixes`/`--no-unsafe-fixes` and `--exclude`
replace the file's value, `--extend-exclude` adds to it. `include` and `extend-include` have no
command-line options (nor have they in ruff).

When no dockopt configuration is found, the nearest `.hadolint.yaml` (or `.hadolint.yml`)
is read instead (``hadolint_config``): its `ignored` rules are its `ignore`, its `override`
severities its `severity` table (hadolint's `style` is dockopt's `info`); `--config` reads a
file named `*.yaml` or `*.yml` that way too.

``Resolver`` finds, reads (once each) and applies the files; a bad file raises
``ConfigError``, whose message names the file and the key.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import hadolint_config, toml
from .context import Options
from .engine import Settings
from .files import DOCKERFILE_PATTERNS, Globs, Names, glob_problem
from .registry import Selection, UnknownSelector, all_transforms, choose, severities, unanswered, unanswered_warning
from .transform import SEVERITIES, Option, Transform

if TYPE_CHECKING:
    import pathspec  # imported where it is used: it costs start-up time

CONFIG_NAME = ".dockopt.toml"
PYPROJECT = "pyproject.toml"

LISTS = ("select", "extend-select", "ignore", "exclude", "extend-exclude", "include", "extend-include")
SELECTORS = ("select", "extend-select", "ignore")
FILE_PATTERNS = ("include", "extend-include")
SEVERITY = "severity"  # the table of severities: severity -> selectors
KEYS = (*LISTS[:3], "unsafe-fixes", *LISTS[3:], SEVERITY)


def transform_options() -> dict[str, dict[str, Option]]:
    """What the configuration may set for each transform: its name -> option key -> option."""
    return {t.name: {o.key: o for o in t.options} for t in all_transforms() if t.options}


class ConfigError(Exception):
    """A configuration file that cannot be used, in one line naming the file and the key."""


def display(path: Path) -> str:
    """A path as messages show it: relative to the current directory when inside it."""
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# --------------------------------------------------------------------------- one file


@dataclass(frozen=True)
class FileConfig:
    """One configuration file, read and checked: the keys it sets, as it sets them."""

    path: Path  # absolute
    values: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    options: dict[str, dict[str, Any]] = field(default_factory=dict, hash=False, compare=False)
    unanswered: tuple[str, ...] = ()  # hadolint rules its selectors name that no transform answers
    hadolint: hadolint_config.HadolintConfig | None = field(default=None, hash=False, compare=False)  # a .hadolint.yaml

    @property
    def directory(self) -> Path:
        """Where its `exclude` and `include` patterns are anchored."""
        return self.path.parent


def load(path: Path, *, named: bool = False) -> FileConfig | None:
    """Read one configuration file; None for a pyproject.toml without `[tool.dockopt]`
    (unless ``named`` by --config: then it configures nothing). Raises ConfigError."""
    path = path.resolve()
    shown = display(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{shown}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"{shown}: is a directory, not a configuration file") from None
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{shown}: not UTF-8") from None
    if path.name in hadolint_config.NAMES or (named and hadolint_config.is_hadolint_file(path.name)):
        return _hadolint(path, shown, text)
    pyproject = path.name == PYPROJECT
    if pyproject and "dockopt" not in text:
        return FileConfig(path) if named else None  # not ours: not even parsed
    data = _parse_toml(text, shown)
    if pyproject:
        tool = data.get("tool", {})
        table = tool.get("dockopt") if isinstance(tool, dict) else None
        if table is None:
            return FileConfig(path) if named else None
        if not isinstance(table, dict):
            raise ConfigError(f"{shown}: tool.dockopt: must be a table ([tool.dockopt])")
        section = "[tool.dockopt]"
    else:
        table, section = data, ""
    return _check(path, shown, section, table)


def _hadolint(path: Path, shown: str, text: str) -> FileConfig:
    """A hadolint configuration file: its `ignored` rules are dockopt's `ignore`, its
    `override` severities dockopt's `severity` table (`style` is `info`). The overridden rules
    that no transform answers are hadolint's business, with no warning: its file grades
    hadolint's rules, not dockopt's."""
    try:
        read = hadolint_config.parse(text)
    except hadolint_config.HadolintConfigError as exc:
        raise ConfigError(f"{shown}: {exc}") from None
    values: dict[str, Any] = {"ignore": read.ignored} if read.ignored else {}
    table: dict[str, tuple[str, ...]] = {}
    for severity, rules in read.override:
        ours = hadolint_config.AS_DOCKOPT[severity]
        table[ours] = (*table.get(ours, ()), *rules)
    if table:
        values[SEVERITY] = table
    return FileConfig(path, values, {}, unanswered(read.ignored), read)


def _parse_toml(text: str, shown: str) -> dict[str, Any]:
    try:
        return toml.loads(text)
    except toml.TOMLDecodeError as exc:
        raise ConfigError(f"{shown}: invalid TOML: {exc}") from None


def _check(path: Path, shown: str, section: str, table: dict[str, Any]) -> FileConfig:
    values: dict[str, Any] = {}
    options: dict[str, dict[str, Any]] = {}
    for key, value in table.items():
        if key in transform_options():
            options[key] = _check_options(shown, key, value)
        elif key == SEVERITY:
            values[key] = _check_severity(shown, value)
        elif key not in KEYS:
            known = (*KEYS, *transform_options())
            import difflib  # only for a misspelt name: not at start-up

            close = difflib.get_close_matches(key.replace("_", "-"), known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f" (known keys: {', '.join(known)})"
            where = f" in {section}" if section else ""
            raise ConfigError(f"{shown}: unknown key '{key}'{where}{hint}")
        elif key == "unsafe-fixes":
            if not isinstance(value, bool):
                raise ConfigError(f"{shown}: unsafe-fixes: must be true or false, not {_toml(value)}")
            values[key] = value
        else:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f'{shown}: {key}: must be a list of strings (like ["DO101"]), not {_toml(value)}')
            if key in SELECTORS:
                try:
                    Selection(ignore=value).check()
                except UnknownSelector as exc:
                    raise ConfigError(f"{shown}: {key}: {exc}") from None
            if key in FILE_PATTERNS:
                for pattern in value:
                    problem = glob_problem(pattern)
                    if problem is not None:
                        raise ConfigError(f"{shown}: {key}: {problem}")
            values[key] = tuple(value)
    named = [s for key in SELECTORS for s in values.get(key, ())]
    named += [s for selectors in values.get(SEVERITY, {}).values() for s in selectors]
    return FileConfig(path, values, options, unanswered(named))


def _check_severity(shown: str, table: Any) -> dict[str, tuple[str, ...]]:
    """`[severity]`: `error`, `warning`, `info`, each a list of selectors (as `select`'s)."""
    if not isinstance(table, dict):
        raise ConfigError(
            f'{shown}: {SEVERITY}: must be a table ([{SEVERITY}] or [tool.dockopt.{SEVERITY}], like error = ["DO310"])'
        )
    checked: dict[str, tuple[str, ...]] = {}
    for key, value in table.items():
        if key not in SEVERITIES:
            raise ConfigError(f"{shown}: unknown key '{SEVERITY}.{key}' (known: {', '.join(SEVERITIES)})")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(
                f'{shown}: {SEVERITY}.{key}: must be a list of strings (like ["DO101"]), not {_toml(value)}'
            )
        try:
            Selection(ignore=value).check()
        except UnknownSelector as exc:
            raise ConfigError(f"{shown}: {SEVERITY}.{key}: {exc}") from None
        checked[key] = tuple(value)
    return checked


def _check_options(shown: str, transform: str, table: Any) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(f"{shown}: {transform}: must be a table ([{transform}] or [tool.dockopt.{transform}])")
    checks = transform_options()[transform]
    for key, value in table.items():
        if key not in checks:
            raise ConfigError(f"{shown}: unknown key '{transform}.{key}' (known: {', '.join(checks)})")
        problem = checks[key].check(value)
        if problem is not None:
            raise ConfigError(f"{shown}: {transform}.{key}: {problem}, not {_toml(value)}")
    return dict(table)


# --------------------------------------------------------------------------- the command line over the files


@dataclass(frozen=True)
class Overrides:
    """What the command line says; None (or empty) where it says nothing."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    unsafe_fixes: bool | None = None
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()

    def check(self) -> None:
        """Raise UnknownSelector for a selector of the command line that matches no transform."""
        Selection(self.select, self.extend_select, self.ignore).check()

    def unanswered(self) -> tuple[str, ...]:
        """The hadolint rules its selectors name that no transform answers."""
        return Selection(self.select, self.extend_select, self.ignore).unanswered()


COMMAND_LINE = "command line"
DEFAULT = "default"


@dataclass(frozen=True)
class Resolved:
    """The settings in force for the files under one configuration, and where each came from."""

    config: FileConfig | None
    transforms: tuple[Transform, ...]
    unsafe: bool
    options: Options
    exclude: tuple[tuple[Path, tuple[str, ...]], ...]  # (where patterns are anchored, patterns)
    names: Names  # the file names a directory search takes
    shown: tuple[tuple[str, Any, str], ...]  # (key, value, origin) for --show-settings
    severities: tuple[tuple[str, str], ...] = ()  # (code, severity) that the file sets (``registry.severities``)

    def settings(self, base: Settings) -> Settings:
        return replace(
            base, transforms=self.transforms, unsafe=self.unsafe, options=self.options, severities=self.severities
        )


def resolve(config: FileConfig | None, cli: Overrides, cwd: Path) -> Resolved:
    """The settings that ``config`` and the command line give together."""
    values = config.values if config is not None else {}
    source = display(config.path) if config is not None else DEFAULT
    shown: list[tuple[str, Any, str]] = []

    def origin(in_file: bool, on_line: bool) -> str:
        found = [where for where, present in ((source, in_file), (COMMAND_LINE, on_line)) if present]
        return ", ".join(found) or DEFAULT

    layers = [Selection(values.get("select"), values.get("extend-select", ()), values.get("ignore", ()))]
    if cli.select is not None:
        layers = []  # the command line's --select starts afresh
        shown.append(("select", cli.select, COMMAND_LINE))
        shown.append(("extend-select", cli.extend_select, origin(False, bool(cli.extend_select))))
        shown.append(("ignore", cli.ignore, origin(False, bool(cli.ignore))))
    else:
        shown.append(("select", values.get("select", ["ALL"]), origin("select" in values, False)))
        for key, extra in (("extend-select", cli.extend_select), ("ignore", cli.ignore)):
            shown.append((key, (*values.get(key, ()), *extra), origin(key in values, bool(extra))))
    layers.append(Selection(cli.select, cli.extend_select, cli.ignore))
    transforms = choose(layers)

    if cli.unsafe_fixes is not None:
        unsafe, where = cli.unsafe_fixes, COMMAND_LINE
    else:
        unsafe, where = values.get("unsafe-fixes", False), origin("unsafe-fixes" in values, False)
    shown.append(("unsafe-fixes", unsafe, where))

    base = config.directory if config is not None else cwd
    exclude: list[tuple[Path, tuple[str, ...]]] = []
    if cli.exclude is not None:
        exclude.append((cwd, cli.exclude))
        shown.append(("exclude", cli.exclude, COMMAND_LINE))
    else:
        exclude.append((base, values.get("exclude", ())))
        shown.append(("exclude", values.get("exclude", ()), origin("exclude" in values, False)))
    exclude.append((base, values.get("extend-exclude", ())))
    exclude.append((cwd, cli.extend_exclude))
    shown.append(
        (
            "extend-exclude",
            (*values.get("extend-exclude", ()), *cli.extend_exclude),
            origin("extend-exclude" in values, bool(cli.extend_exclude)),
        )
    )

    include, extend_include = values.get("include"), values.get("extend-include", ())
    names = Names(
        Globs(base, include) if include is not None else None, Globs(base, extend_include) if extend_include else None
    )
    if include is not None:
        shown.append(("include", include, source))
    else:
        shown.append(("include", DOCKERFILE_PATTERNS, f"{DEFAULT} (less templates, backups, documents and scripts)"))
    shown.append(("extend-include", extend_include, origin("extend-include" in values, False)))

    options = config.options if config is not None else {}
    shown += _shown_options(options, source)
    table = values.get(SEVERITY, {})
    hadolint = config is not None and config.hadolint is not None
    for severity in SEVERITIES:
        where = origin(severity in table, False) + (" (override)" if hadolint and severity in table else "")
        shown.append((f"{SEVERITY}.{severity}", table.get(severity, ()), where))
    if config is not None and config.hadolint is not None:
        shown.append(("hadolint.trustedRegistries", config.hadolint.trusted_registries, f"{source} (not acted upon)"))
    return Resolved(
        config,
        transforms,
        unsafe,
        Options.of(options),
        tuple((b, p) for b, p in exclude if p),
        names,
        tuple(shown),
        severities(table),
    )


def _shown_options(options: dict[str, dict[str, Any]], source: str) -> list[tuple[str, Any, str]]:
    """Each option of each transform, with where its value comes from. An option whose
    default follows from another (``Option.shown_default``) takes that option's value."""
    shown: list[tuple[str, Any, str]] = []
    for transform, known in transform_options().items():
        own = options.get(transform, {})
        values: dict[str, Any] = {}
        for key, option in known.items():
            if key in own:
                value, where = own[key], source
            elif option.default is None and option.shown_default is not None:
                value, where = (
                    values.get(option.shown_default.removeprefix("the ")),
                    f"{DEFAULT} ({option.shown_default})",
                )
            else:
                value, where = option.default, DEFAULT
            values[key] = value
            shown.append((f"{transform}.{key}", value, where))
    return shown


class Resolver:
    """Which configuration each path is under, and the settings that gives; files are read once."""

    def __init__(
        self,
        cli: Overrides,
        *,
        config: Path | None = None,
        isolated: bool = False,
        cwd: Path | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.cli = cli
        self.isolated = isolated
        self.cwd = (cwd or Path.cwd()).resolve()
        self.warn = warn  # told once per file read, of what it names that is only hadolint's
        self.named = self._warned(load(config, named=True)) if config is not None else None
        self._found: dict[Path, FileConfig | None] = {}  # directory -> dockopt configuration in force there
        self._found_hadolint: dict[Path, FileConfig | None] = {}  # directory -> nearest .hadolint.yaml
        self._read: dict[Path, FileConfig | None] = {}  # file -> what it holds
        self._resolved: dict[Path | None, Resolved] = {}
        self._specs: dict[tuple[str, ...], pathspec.GitIgnoreSpec] = {}

    def config_for(self, directory: Path) -> FileConfig | None:
        """The configuration in force in ``directory`` (absolute): the nearest file upward."""
        if self.isolated:
            return None
        if self.named is not None:
            return self.named
        found = self._nearest(directory, (CONFIG_NAME, PYPROJECT), self._found)
        if found is None:  # no dockopt setting says otherwise: hadolint's file, if any
            found = self._nearest(directory, hadolint_config.NAMES, self._found_hadolint)
        return found

    def _nearest(
        self, directory: Path, names: tuple[str, ...], cache: dict[Path, FileConfig | None]
    ) -> FileConfig | None:
        """The nearest of these files upward from ``directory`` that configures something."""
        walked: list[Path] = []
        found: FileConfig | None = None
        current = directory
        while True:
            if current in cache:
                found = cache[current]
                break
            walked.append(current)
            found = self._in(current, names)
            if found is not None or current.parent == current:
                break
            current = current.parent
        for visited in walked:
            cache[visited] = found
        return found

    def _in(self, directory: Path, names: tuple[str, ...]) -> FileConfig | None:
        for name in names:
            candidate = directory / name
            if candidate not in self._read:
                self._read[candidate] = self._warned(load(candidate)) if candidate.is_file() else None
            if self._read[candidate] is not None:
                return self._read[candidate]
        return None

    def _warned(self, config: FileConfig | None) -> FileConfig | None:
        if config is not None and config.unanswered and self.warn is not None:
            self.warn(unanswered_warning(display(config.path), config.unanswered))
        return config

    def resolve(self, path: Path) -> Resolved:
        """The settings for a Dockerfile (or for the files of a directory)."""
        absolute = Path(os.path.abspath(path))
        directory = absolute if absolute.is_dir() else absolute.parent
        config = self.config_for(directory.resolve())
        key = config.path if config is not None else None
        if key not in self._resolved:
            self._resolved[key] = resolve(config, self.cli, self.cwd)
        return self._resolved[key]

    def settings(self, path: Path, base: Settings) -> Settings:
        return self.resolve(path).settings(base)

    def excluded(self, path: Path, is_dir: bool) -> bool:
        """Whether `exclude` or `extend-exclude` leave out a file or directory found by a search."""
        for base, patterns in self.resolve(path.parent).exclude:
            try:
                relative = path.relative_to(base).as_posix()
            except ValueError:
                continue
            if self._spec(patterns).match_file(relative + ("/" if is_dir else "")):
                return True
        return False

    def names(self, directory: Path) -> Names:
        """The file names a directory search takes in ``directory`` (absolute): `include`, `extend-include`."""
        return self.resolve(directory).names

    def _spec(self, patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
        spec = self._specs.get(patterns)
        if spec is None:
            import pathspec

            spec = self._specs[patterns] = pathspec.GitIgnoreSpec.from_lines(patterns)
        return spec


SHOW_WIDTH = 48


def show(resolved: Resolved, path: str) -> str:
    """What ``--show-settings`` prints: every setting in force for ``path``, and where it came from."""
    config = display(resolved.config.path) if resolved.config is not None else "none"
    lines = [f"settings for: {path}", f"configuration file: {config}"]
    # a long value (the default include) does not push every comment out to its end
    width = max(
        len(text) for text in (f"{key} = {_toml(value)}" for key, value, _ in resolved.shown) if len(text) <= SHOW_WIDTH
    )
    for key, value, origin in resolved.shown:
        text = f"{key} = {_toml(list(value) if isinstance(value, tuple) else value)}"
        lines.append(f"{text:<{width}}  # {origin}")
    lines.append(f"transforms ({len(resolved.transforms)}): " + ", ".join(t.code for t in resolved.transforms))
    return "\n".join(lines) + "\n"


def parse_list(values: Iterable[str] | None) -> tuple[str, ...]:
    """Command-line values, comma-separated or repeated."""
    return tuple(part.strip() for value in values or () for part in value.split(",") if part.strip())
