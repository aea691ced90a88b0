"""Comparing two images: their runtime configuration and their filesystems.

Pure functions over what an engine reports (``containers.py`` gets it), so that they are
tested on recorded inspect output without building anything.
"""

from __future__ import annotations

import posixpath
import re
import stat
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

# what `docker run` takes from the image: a change here changes how the container runs
CONFIG_FIELDS = (
    "User",
    "Cmd",
    "Entrypoint",
    "Env",
    "ExposedPorts",
    "WorkingDir",
    "Volumes",
    "Labels",
    "StopSignal",
    "Healthcheck",
)
_EMPTY: tuple[object, ...] = (None, "", [], {})
BIN_DIRS = ("/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/local/bin/", "/usr/local/sbin/", "/usr/libexec/")
# executable files there are package scripts and examples, not programs an application runs
NOT_PROGRAMS = ("/var/lib/dpkg/", "/usr/share/", "/etc/")


@dataclass(frozen=True)
class Image:
    """What an engine says about a built image."""

    size: int  # bytes, as the engine counts them (compare only images of the same engine)
    layers: int
    config: dict[str, Any]  # CONFIG_FIELDS, normalised


@dataclass(frozen=True)
class ConfigChange:
    field: str
    before: Any
    after: Any


def normalise_config(raw: dict[str, Any] | None, healthcheck: Any = None) -> dict[str, Any]:
    """The runtime fields of an image config, with empty values as None and Env as a dict."""
    raw = dict(raw or {})
    if healthcheck is not None and not raw.get("Healthcheck"):
        raw["Healthcheck"] = healthcheck
    config: dict[str, Any] = {}
    for name in CONFIG_FIELDS:
        value = raw.get(name)
        if name == "Env" and value:
            value = dict(item.split("=", 1) if "=" in item else (item, "") for item in value)
        if name in ("ExposedPorts", "Volumes") and value:
            value = sorted(value)
        config[name] = None if value in _EMPTY else value
    return config


def config_changes(before: dict[str, Any], after: dict[str, Any]) -> list[ConfigChange]:
    """The runtime fields that differ, field by field (Env and Labels key by key)."""
    changes = []
    for name in CONFIG_FIELDS:
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if name in ("Env", "Labels") and isinstance(old or {}, dict) and isinstance(new or {}, dict):
            old, new = old or {}, new or {}
            for key in sorted(set(old) | set(new)):
                if old.get(key) != new.get(key):
                    changes.append(ConfigChange(f"{name}.{key}", old.get(key), new.get(key)))
            continue
        changes.append(ConfigChange(name, old, new))
    return changes


@dataclass(frozen=True)
class FileEntry:
    size: int
    mode: int
    link: str | None = None  # the target of a symbolic link

    @property
    def executable(self) -> bool:
        return stat.S_ISREG(self.mode) and bool(self.mode & 0o111)


@dataclass(frozen=True)
class Side:
    """Files only one image has: how many, how many bytes, and by directory, largest first."""

    count: int = 0
    bytes: int = 0
    by_directory: tuple[tuple[str, int, int], ...] = ()  # (directory, files, bytes)


@dataclass(frozen=True)
class FilesComparison:
    only_in_original: Side
    only_in_rewritten: Side
    changed: int  # files in both whose size or type differs
    missing_executables: tuple[str, ...]  # in the original, gone from the rewrite


def compare_files(original: dict[str, FileEntry], rewritten: dict[str, FileEntry], depth: int = 3) -> FilesComparison:
    """Compare two filesystem listings (path -> FileEntry; directories are left out)."""
    gone = {p: e for p, e in original.items() if p not in rewritten}
    new = {p: e for p, e in rewritten.items() if p not in original}
    changed = sum(
        1
        for p, e in original.items()
        if p in rewritten
        and (e.size, stat.S_IFMT(e.mode), e.link)
        != (rewritten[p].size, stat.S_IFMT(rewritten[p].mode), rewritten[p].link)
    )
    missing = tuple(sorted(p for p, e in gone.items() if _is_program(p, e)))
    return FilesComparison(_side(gone, depth), _side(new, depth), changed, missing)


def _is_program(path: str, entry: FileEntry) -> bool:
    """A program something could run: in a bin directory, or executable outside package data."""
    if path.startswith(BIN_DIRS):
        return entry.executable or entry.link is not None
    return entry.executable and not path.startswith(NOT_PROGRAMS)


SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh"})
# the first word of a shell-form command that names no program (a builtin or a keyword)
_BUILTINS = frozenset(
    "cd . source eval export set unset exit true false echo printf test [ [[ if for while until case "
    "trap read ulimit umask wait { ( ! : shift alias".split()
)
_PLAIN = re.compile(r"[A-Za-z0-9_./+@%-]+")
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def entry_programs(config: dict[str, Any]) -> tuple[str, ...]:
    """The programs the container starts: argv[0] of ENTRYPOINT + CMD (exec form), and for a
    shell (`sh -c SCRIPT`, the shell form) also the script's first word where it is plain (no
    variable, quote or builtin; after `exec` and `NAME=value` assignments)."""
    argv = [*(config.get("Entrypoint") or []), *(config.get("Cmd") or [])]
    if not argv or not isinstance(argv[0], str):
        return ()
    programs = [argv[0]]
    if posixpath.basename(argv[0]) in SHELLS and len(argv) >= 3 and re.fullmatch(r"-[a-z]*c[a-z]*", argv[1]):
        words = argv[2].split()
        while words and (words[0] == "exec" or ("=" in words[0] and not words[0].startswith("="))):
            words = words[1:]
        if words and _PLAIN.fullmatch(words[0]) and words[0] not in _BUILTINS:
            programs.append(words[0])
    return tuple(programs)


def resolve_programs(config: dict[str, Any], listing: dict[str, FileEntry]) -> dict[str, str | None]:
    """Each of ``entry_programs`` -> the path it resolves to in the image's filesystem (through
    its PATH, WORKDIR and symbolic links), or None where it is not there."""
    env = config.get("Env") or {}
    path_dirs = [d for d in str(env.get("PATH") or DEFAULT_PATH).split(":") if d]
    workdir = str(config.get("WorkingDir") or "/")
    found: dict[str, str | None] = {}
    for word in entry_programs(config):
        if "/" in word:
            candidates = [posixpath.normpath(posixpath.join(workdir, word))]
        else:
            candidates = [
                posixpath.join(d if d.startswith("/") else posixpath.join(workdir, d), word) for d in path_dirs
            ]
        found[word] = next((c for c in candidates if _file_at(listing, c) is not None), None)
    return found


def _file_at(listing: dict[str, FileEntry], path: str, hops: int = 0) -> FileEntry | None:
    """The file at ``path``, symbolic links followed (in every component); None if none."""
    parts = [p for p in path.split("/") if p and p != "."]
    current = ""
    for index, part in enumerate(parts):
        if part == "..":
            current = posixpath.dirname(current) if current else ""
            current = "" if current == "/" else current
            continue
        current = f"{current}/{part}"
        entry = listing.get(current)
        if entry is not None and entry.link is not None:
            if hops >= 40:
                return None
            target = posixpath.join(posixpath.dirname(current), entry.link)  # an absolute link replaces it
            rest = "/".join(parts[index + 1 :])
            return _file_at(listing, posixpath.join(target, rest) if rest else target, hops + 1)
    entry = listing.get(current) if current else None
    return entry if entry is not None and stat.S_ISREG(entry.mode) else None


def _side(files: dict[str, FileEntry], depth: int) -> Side:
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for path, entry in files.items():
        parts = [p for p in path.split("/") if p]
        directory = "/" + "/".join(parts[: min(depth, len(parts) - 1)])
        groups[directory][0] += 1
        groups[directory][1] += entry.size
    rows = tuple(sorted(((d, c, b) for d, (c, b) in groups.items()), key=lambda row: (-row[2], row[0])))
    return Side(len(files), sum(e.size for e in files.values()), rows)


def listing_from_tar(members) -> dict[str, FileEntry]:
    """A listing from the members of a container export (tarfile.TarInfo)."""
    listing = {}
    for member in members:
        if member.isdir():
            continue
        name = member.name[2:] if member.name.startswith("./") else member.name
        path = "/" + name.lstrip("/")
        kind = stat.S_IFLNK if member.issym() else stat.S_IFREG if member.isreg() or member.islnk() else 0
        listing[path] = FileEntry(
            member.size if member.isreg() else 0, member.mode | kind, member.linkname if member.issym() else None
        )
    return listing
