"""Finding Dockerfiles, reading them safely, and writing them back atomically."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pathspec  # imported where it is used: it costs start-up time

MAX_FILE_BYTES = 1024 * 1024  # real Dockerfiles are under 100 KB; anything this big is not one

# ----------------------------------------------------------------------- the names a search takes
#
# This is the one place that says which file names are Dockerfiles. The pre-commit hooks'
# regexes (.pre-commit-hooks.yaml) spell the same rule; tests/test_pre_commit.py keeps them in
# step, name by name, both ways.

_STEMS = ("Dockerfile", "dockerfile", "Containerfile", "containerfile")
# `Dockerfile` alone or with a variant after `.`, `-` or `_` (`Dockerfile.dev`, `Dockerfile-prod`,
# `Dockerfile_arm64`), the same for the other stems, and `<anything>.Dockerfile`.
DOCKERFILE_PATTERNS = (
    *(stem + variant for stem in _STEMS for variant in ("", ".*", "-*", "_*")),
    *("*." + stem for stem in _STEMS),
)
_TEMPLATE_OR_BACKUP = ("template", "tmpl", "tpl", "bak", "backup", "old", "orig")
# Names that match the patterns but are not Dockerfiles (compared whatever their case).
NOT_DOCKERFILE_SUFFIXES = (
    # the per-Dockerfile ignore file BuildKit reads (`Dockerfile.dockerignore`)
    ".dockerignore",
    # templates that only become a Dockerfile when rendered: Jinja, Go templates, ERB,
    # Mustache, Handlebars, EJS, m4, and autoconf's or CMake's `Dockerfile.in`
    ".j2",
    ".jinja",
    ".jinja2",
    ".gotmpl",
    ".erb",
    ".mustache",
    ".hbs",
    ".ejs",
    ".m4",
    ".in",
    # templates and backups, whatever separates them: `Dockerfile-slim.template`,
    # `Dockerfile-tmpl`, `Dockerfile_old`, `Dockerfile.bak`
    *(separator + word for word in _TEMPLATE_OR_BACKUP for separator in ".-_"),
    # merge, patch and editor leftovers (vim swap files, JetBrains' safe-write copies)
    ".rej",
    ".swp",
    ".swo",
    ".tmp",
    "~",
    "___jb_tmp___",
    "___jb_old___",
    # documents, data, patches and archives kept beside a Dockerfile
    ".md",
    ".markdown",
    ".rst",
    ".adoc",
    ".txt",
    ".html",
    ".pdf",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".svg",
    ".yml",
    ".yaml",
    ".json",
    ".toml",
    ".xml",
    ".patch",
    ".diff",
    ".zip",
    ".gz",
    ".tgz",
    ".tar",
    # shell and Windows scripts that build the images (`Dockerfile.sh`, `Dockerfile-build.ps1`)
    ".sh",
    ".bash",
    ".zsh",
    ".ps1",
    ".bat",
    ".cmd",
)
# Source files of tools that handle Dockerfiles, skipped under the lowercase stems only:
# `dockerfile.go`, `dockerfile_test.go`, `dockerfile.py`, `dockerfile.vim`, `dockerfile-mode.el`
# are code, while `Dockerfile.go`, `Dockerfile.py`, `Dockerfile.js` name the Go, Python or Node
# variant of a Dockerfile.
SOURCE_SUFFIXES = (
    ".go",
    ".py",
    ".pyi",
    ".js",
    ".mjs",
    ".cjs",
    ".jsx",
    ".ts",
    ".mts",
    ".tsx",
    ".rs",
    ".java",
    ".kt",
    ".scala",
    ".groovy",
    ".rb",
    ".php",
    ".pl",
    ".pm",
    ".c",
    ".h",
    ".cc",
    ".cpp",
    ".hpp",
    ".cs",
    ".swift",
    ".dart",
    ".hs",
    ".ex",
    ".exs",
    ".el",
    ".vim",
    ".lua",
    ".scm",
    ".nix",
    ".sql",
    ".snippets",
)
_LOWERCASE_STEMS = ("dockerfile", "containerfile")
_DOCKERFILE_NAME = re.compile("|".join(fnmatch.translate(pattern) for pattern in DOCKERFILE_PATTERNS))


class InputError(Exception):
    """A path that cannot be processed, with a one-line reason."""


def is_dockerfile_name(name: str) -> bool:
    """Whether a directory search takes a file of this name (the default rule, which the
    configuration's `include` replaces)."""
    if not _DOCKERFILE_NAME.match(name):
        return False
    lowered = name.lower()
    if lowered.endswith(NOT_DOCKERFILE_SUFFIXES):
        return False
    return not (name.startswith(_LOWERCASE_STEMS) and lowered.endswith(SOURCE_SUFFIXES))


def glob_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be an `include` pattern, or None."""
    if not pattern.strip():
        return "a pattern cannot be empty"
    if pattern.endswith("/"):
        return f"{pattern!r} names a directory; include patterns name files (like {pattern + '**'!r})"
    return None


@dataclass(frozen=True)
class Globs:
    """File patterns of the configuration (`include`, `extend-include`), matched as ruff matches
    them: a pattern without a slash matches a file's name in any directory, one with a slash
    the file's path from ``base`` (the configuration file's directory). `*` and `?` stay
    within a name, `**` spans directories, `[...]` is a character class (`[!...]` negated)."""

    base: Path  # absolute
    patterns: tuple[str, ...]

    @cached_property
    def _compiled(self) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        names = [_glob_regex(p) for p in self.patterns if "/" not in p]
        paths = [_glob_regex(p.removeprefix("./").lstrip("/")) for p in self.patterns if "/" in p]
        return (
            re.compile("|".join(names)) if names else None,
            re.compile("|".join(paths)) if paths else None,
        )

    def matches(self, path: Path) -> bool:
        """Whether a file (absolute path) matches one of the patterns."""
        names, paths = self._compiled
        if names is not None and names.fullmatch(path.name):
            return True
        if paths is None:
            return False
        try:
            relative = path.relative_to(self.base).as_posix()
        except ValueError:
            return False
        return paths.fullmatch(relative) is not None


def _glob_regex(pattern: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        whole_segment = index == 0 or pattern[index - 1] == "/"
        if whole_segment and pattern.startswith("**/", index):
            out.append("(?:[^/]*/)*")
            index += 3
        elif whole_segment and pattern.startswith("**", index) and index + 2 == len(pattern):
            out.append(".*")
            index += 2
        elif char == "*":
            out.append("[^/]*")
            index += 1
        elif char == "?":
            out.append("[^/]")
            index += 1
        elif char == "[" and (end := _class_end(pattern, index)) is not None:
            body = pattern[index + 1 : end]
            negated = body[:1] in ("!", "^")
            body = body[1:] if negated else body
            out.append(("[^/" if negated else "[") + body.replace("\\", "\\\\") + "]")
            index = end + 1
        else:
            out.append(re.escape(char))
            index += 1
    return "(?:" + "".join(out) + ")"


def _class_end(pattern: str, start: int) -> int | None:
    """Where the character class opened at ``start`` closes (a `]` first in it is a member)."""
    index = start + 1
    if pattern[index : index + 1] in ("!", "^"):
        index += 1
    if pattern[index : index + 1] == "]":
        index += 1
    end = pattern.find("]", index)
    return end if end != -1 else None


@dataclass(frozen=True)
class Names:
    """Which files a directory search takes: the default names (`is_dockerfile_name`), or the
    configuration's `include` patterns instead of them, and its `extend-include` patterns
    besides. What either takes is taken even when it is a template or a backup by the default
    rule; `exclude` still leaves it out."""

    include: Globs | None = None
    extend: Globs | None = None

    def takes(self, directory: Path, name: str) -> bool:
        """Whether the file ``name`` of ``directory`` (absolute) is one to process."""
        if self.include is None and self.extend is None:
            return is_dockerfile_name(name)
        path = directory / name
        if self.include.matches(path) if self.include is not None else is_dockerfile_name(name):
            return True
        return self.extend is not None and self.extend.matches(path)


DEFAULT_NAMES = Names()


def read_dockerfile(path: Path) -> str:
    """The file's text, or InputError saying why it cannot be a Dockerfile we may rewrite."""
    try:
        if path.is_dir():
            raise InputError("is a directory, not a Dockerfile")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"file is too large for a Dockerfile ({size / 1048576:.1f} MiB > 1 MiB)")
        data = path.read_bytes()
    except InputError:
        raise
    except FileNotFoundError:
        raise InputError("no such file") from None
    except PermissionError:
        raise InputError("permission denied") from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}") from None
    return decode(data)


def decode(data: bytes) -> str:
    """UTF-8 text of a Dockerfile, or InputError (messages never name the file: callers do)."""
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"input is too large for a Dockerfile ({len(data) / 1048576:.1f} MiB > 1 MiB)")
    if b"\0" in data:
        raise InputError("binary file (contains NUL bytes), not a Dockerfile")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None


def write_atomic(path: Path, text: str) -> None:
    """Replace the file's content in one step, keeping its mode and owner; follows a symlink."""
    target = Path(os.path.realpath(path))
    info = target.stat()
    import tempfile  # only when a file is written: not at start-up

    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".dockopt", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
        os.chmod(tmp, info.st_mode & 0o7777)
        if hasattr(os, "chown"):
            try:
                os.chown(tmp, info.st_uid, info.st_gid)
            except PermissionError:
                pass
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_file(path: Path, text: str) -> None:
    """Write a file of the build context atomically: replaced as write_atomic does, or created."""
    if path.exists():
        write_atomic(path, text)
        return
    import tempfile  # only when a file is written: not at start-up

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".dockopt", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


# --------------------------------------------------------------------------- discovery


@dataclass(frozen=True)
class Found:
    path: Path
    error: str | None = None  # a path given on the command line that does not exist
    note: str | None = None  # skipped, and why: a symbolic link that leads outside the paths given

    @property
    def ok(self) -> bool:
        """A Dockerfile to process (neither missing nor skipped)."""
        return self.error is None and self.note is None


def discover(
    paths: list[str],
    excluded: Callable[[Path, bool], bool] | None = None,
    names: Callable[[Path], Names] | None = None,
) -> Iterator[Found]:
    """The Dockerfiles named or found under ``paths``, honouring .gitignore in directories.

    A file named explicitly is always taken, whatever its name; directories are searched for
    the files ``names(directory)`` takes (the configuration's `include` and `extend-include`
    in force there, given the directory's absolute path; by default, Dockerfile names). Symbolic links met in the search (to files or directories) are followed
    when they lead inside one of ``paths``, and skipped with a note when they lead outside
    all of them; a directory is searched once however many links lead to it, so that a link
    loop ends. Each file comes once, under the first path that leads to it. ``excluded(path, is_dir)``
    (the configuration's `exclude` patterns) leaves out more of a search, given absolute,
    resolved paths.
    """
    given = [os.path.realpath(raw) for raw in paths if os.path.lexists(raw)]
    roots = tuple(dict.fromkeys(given))
    seen: set[str] = set()
    searched: set[str] = set()  # real paths of the directories searched, or about to be
    for raw in paths:
        path = Path(raw)
        if not path.exists() and not path.is_symlink():
            yield Found(path, "no such file or directory")
            continue
        if path.is_dir():
            for found in _walk(path, roots, searched, excluded, names):
                key = os.path.realpath(found.path)
                if not found.ok:
                    yield found
                elif key not in seen:
                    seen.add(key)
                    yield found
        else:
            key = os.path.realpath(path)
            if key not in seen:
                seen.add(key)
                yield Found(path)


def _within(target: str, roots: tuple[str, ...]) -> bool:
    """Whether a real path is one of ``roots`` or lies under one of them."""
    return any(target == root or target.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _walk(
    root: Path,
    roots: tuple[str, ...],
    searched: set[str],
    excluded: Callable[[Path, bool], bool] | None = None,
    names: Callable[[Path], Names] | None = None,
) -> Iterator[Found]:
    real_root = os.path.realpath(root)
    if real_root in searched:
        return
    searched.add(real_root)
    root_abs = root.resolve()
    specs = list(_ancestor_ignores(root_abs))
    for directory, dirnames, filenames in os.walk(root, followlinks=True):
        here = Path(directory)
        here_abs = root_abs / here.relative_to(root)
        spec = _load_ignore(here_abs)
        if spec is not None:
            specs.append((here_abs, spec))
        active = [(base, s) for base, s in specs if base == here_abs or base in here_abs.parents]
        kept = []
        for name in sorted(dirnames):
            if (
                name == ".git"
                or _ignored(here_abs / name, True, active)
                or (excluded and excluded(here_abs / name, True))
            ):
                continue
            real = os.path.realpath(os.path.join(directory, name))
            if real in searched:
                continue  # searched already, or a link back to a directory being searched
            if os.path.islink(os.path.join(directory, name)) and not _within(real, roots):
                yield Found(here / name, note=f"symbolic link to {real}, outside the paths given: not searched")
                continue
            searched.add(real)
            kept.append(name)
        dirnames[:] = kept
        rule = names(here_abs) if names is not None else DEFAULT_NAMES
        for name in sorted(filenames):
            candidate = here / name
            if (
                rule.takes(here_abs, name)
                and not _ignored(here_abs / name, False, active)
                and not (excluded and excluded(here_abs / name, False))
                and candidate.is_file()
            ):
                if candidate.is_symlink():
                    real = os.path.realpath(candidate)
                    if not _within(real, roots):
                        yield Found(candidate, note=f"symbolic link to {real}, outside the paths given: skipped")
                        continue
                yield Found(candidate)


def _ignored(path: Path, is_dir: bool, specs: list[tuple[Path, pathspec.GitIgnoreSpec]]) -> bool:
    """Git's rule: the last matching pattern decides, deeper .gitignore files coming later.

    Patterns are tried one by one (pathspec's whole-spec check does not let `!*/`
    re-include a directory); excluded directories are pruned by the walk, so a file under an
    excluded directory is never re-included, as in git.
    """
    ignored = False
    for base, spec in specs:
        relative = path.relative_to(base).as_posix() + ("/" if is_dir else "")
        for pattern in spec.patterns:
            if pattern.include is not None and pattern.match_file(relative) is not None:
                ignored = pattern.include
    return ignored


def _load_ignore(directory: Path) -> pathspec.GitIgnoreSpec | None:
    import pathspec

    try:
        lines = (directory / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines)


def _ancestor_ignores(root: Path) -> Iterator[tuple[Path, pathspec.GitIgnoreSpec]]:
    """.gitignore files of the directories above ``root``, up to the repository's top."""
    chain = []
    for parent in root.parents:
        chain.append(parent)
        if (parent / ".git").exists():
            break
    else:
        return
    for parent in reversed(chain):
        spec = _load_ignore(parent)
        if spec is not None:
            yield (parent, spec)
