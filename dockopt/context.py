"""What a transform may know besides the Dockerfile itself: ``Context`` (where the file is,
its build context, the transforms' options, the transforms there are) and ``Options``.

A leaf module: it imports nothing of dockopt's, so that the transforms, the engine and the
shared modules can all use it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol


class Selectable(Protocol):
    """What a suppression comment's selector is matched against: a transform."""

    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def hadolint(self) -> tuple[str, ...]: ...

    def matches(self, selector: str) -> bool: ...


MAX_CONTEXT_FILE = 1024 * 1024


@dataclass(frozen=True)
class Options:
    """The options of transforms, as the configuration sets them (``[tool.dockopt.non-root-user]``):
    by transform name, frozen, hashable and picklable (it travels to worker processes)."""

    items: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()

    @staticmethod
    def of(options: Mapping[str, Mapping[str, Any]]) -> Options:
        return Options(
            tuple(sorted((name, tuple(sorted(values.items()))) for name, values in options.items() if values))
        )

    def of_transform(self, name: str) -> Mapping[str, Any]:
        """One transform's options (those not set are absent: the transform has its defaults)."""
        for key, values in self.items:
            if key == name:
                return MappingProxyType(dict(values))
        return MappingProxyType({})


@dataclass(frozen=True)
class Context:
    """What a transform may know besides the Dockerfile itself: where it is, its build context,
    and its options.

    ``directory`` is the build context (the Dockerfile's directory unless told otherwise);
    None when it is unknown (stdin), and then transforms that need it only report.
    ``written`` holds the files that fixes of earlier passes wrote, as they now read.
    ``options`` holds the options the configuration gives transforms (read-only).
    ``catalogue`` holds every transform (the engine fills it from the registry): what a
    selector of a suppression comment may name.
    """

    path: Path | None = None  # None for stdin
    directory: Path | None = None
    written: tuple[tuple[str, str], ...] = ()
    options: Options = Options()
    catalogue: tuple[Selectable, ...] = ()  # every transform there is (the registry's), for suppression comments

    def read(self, relative: str) -> str | None:
        """A text file of the build context, or None (missing, not a file, outside it, too large)."""
        for path, content in self.written:
            if path == relative:
                return content
        target = self._inside(relative)
        if target is None or not target.is_file():
            return None
        try:
            if target.stat().st_size > MAX_CONTEXT_FILE:
                return None
            return target.read_bytes().decode("utf-8", "replace")
        except OSError:
            return None

    def exists(self, relative: str) -> bool:
        if any(path == relative for path, _ in self.written):
            return True
        target = self._inside(relative)
        return target is not None and target.exists()

    def locate(self, relative: str) -> Path | None:
        """Where a path of the build context is on disk (symbolic links resolved); None when
        the context is unknown or the path leads outside it. The path need not exist."""
        return self._inside(relative)

    def with_file(self, relative: str, content: str) -> Context:
        kept = tuple((p, c) for p, c in self.written if p != relative)
        return replace(self, written=kept + ((relative, content),))

    @cached_property
    def root(self) -> str | None:
        """The build context's real path (symbolic links resolved), worked out once; None when unknown."""
        return os.path.realpath(self.directory) if self.directory is not None else None

    def contains(self, real: str) -> bool:
        """Whether a real path is the build context or lies inside it."""
        root = self.root
        return root is not None and (real == root or real.startswith(root if root.endswith(os.sep) else root + os.sep))

    def _inside(self, relative: str) -> Path | None:
        if self.root is None:
            return None
        target = _realpath_below(self.root, relative)
        return Path(target) if self.contains(target) else None


def _realpath_below(root: str, relative: str) -> str:
    """``os.path.realpath(os.path.join(root, relative))`` for a real ``root``, without looking
    at ``root``'s own components again: transforms ask about many paths of one context.

    A plain relative path (no empty, `.` or `..` component) is resolved here, the way
    realpath does it: a component that cannot be looked at is kept as written, and the first
    symbolic link hands over to realpath itself.
    """
    parts = relative.split("/")
    if relative.startswith("/") or os.sep != "/" or any(part in ("", ".", "..") for part in parts):
        return os.path.realpath(os.path.join(root, relative))
    current = root
    for index, part in enumerate(parts):
        current = os.path.join(current, part)
        try:
            is_link = stat.S_ISLNK(os.lstat(current).st_mode)
        except OSError:  # missing, or not a directory: realpath keeps the rest as written
            return os.path.join(current, *parts[index + 1 :])
        if is_link:
            return os.path.realpath(os.path.join(root, relative))
    return current
