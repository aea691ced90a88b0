"""What a transform is, and choosing transforms by code, name, hadolint rule or prefix.

The transforms themselves are listed, in the order they run, in ``dockopt.transforms.ALL``.
What BuildKit refuses to build (``dockopt.refusals``, DO002-DO012) is no transform: no
selector chooses or drops it, and naming one is an error.
"""

from __future__ import annotations

import inspect
import os
import stat
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterable, Iterator, Mapping

from . import refusals
from .fix import Applicability, Finding
from .syntax import Dockerfile


MAX_CONTEXT_FILE = 1024 * 1024


@dataclass(frozen=True)
class Options:
    """The options of transforms, as the configuration sets them (``[tool.dockopt.non-root-user]``):
    by transform name, frozen, hashable and picklable (it travels to worker processes)."""

    items: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()

    @staticmethod
    def of(options: Mapping[str, Mapping[str, Any]]) -> Options:
        return Options(tuple(sorted((name, tuple(sorted(values.items()))) for name, values in options.items() if values)))

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
    """

    path: Path | None = None  # None for stdin
    directory: Path | None = None
    written: tuple[tuple[str, str], ...] = ()
    options: Options = Options()

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


TransformFunction = Callable[[Dockerfile, Context], Iterable[Finding]]


@dataclass(frozen=True)
class Transform:
    code: str  # "DO101": a public contract
    name: str  # "merge-runs"
    hadolint: tuple[str, ...]  # rules it answers, e.g. ("DL3059",)
    applicability: Applicability  # the default safety of its fixes
    function: TransformFunction
    doc: str  # the function's docstring: what, why, example, fix safety
    config_changes: tuple[str, ...] = ()  # image config fields its fixes change on purpose (e.g. "User")
    opt_in: bool = False  # runs only when --select names it (by code, name or hadolint rule)
    alone: bool = False  # its fix is applied in a pass of its own, before any other fix

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0].rstrip(".") if self.doc.strip() else self.name

    def run(self, df: Dockerfile, context: Context) -> Iterator[Finding]:
        for finding in self.function(df, context):
            yield finding.stamped(self.code, self.name)

    def matches(self, selector: str) -> bool:
        key = selector.strip()
        upper = key.upper()
        return (
            upper == "ALL"
            or upper == self.code
            or key.lower() == self.name
            or upper in self.hadolint
            or (len(upper) >= 2 and upper.startswith("DO") and self.code.startswith(upper))
        )

    def named_by(self, selector: str) -> bool:
        """Whether a selector names this transform itself (not ALL, not a prefix)."""
        key = selector.strip()
        return key.upper() == self.code or key.lower() == self.name or key.upper() in self.hadolint

    def chosen_by(self, selector: str) -> bool:
        """Whether --select with this selector runs the transform (opt-in ones must be named)."""
        return self.named_by(selector) if self.opt_in else self.matches(selector)


def transform(
    *,
    code: str,
    name: str,
    hadolint: tuple[str, ...] = (),
    applicability: Applicability = Applicability.SAFE,
    config_changes: tuple[str, ...] = (),
    opt_in: bool = False,
    alone: bool = False,
) -> Callable[[TransformFunction], Transform]:
    """Declare a transform; its docstring is its documentation.

    ``config_changes`` names the image config fields (``dockopt verify`` compares User, Cmd,
    Entrypoint, Env, ...) that the transform's fixes change on purpose.
    """

    def wrap(function: TransformFunction) -> Transform:
        return Transform(
            code, name, tuple(hadolint), applicability, function, inspect.getdoc(function) or "", tuple(config_changes), opt_in, alone
        )

    return wrap


class UnknownSelector(ValueError):
    pass


def all_transforms() -> tuple[Transform, ...]:
    from .transforms import ALL

    return ALL


def select(
    selectors: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    transforms: tuple[Transform, ...] | None = None,
) -> tuple[Transform, ...]:
    """The transforms chosen by --select (all but the opt-in ones when empty) minus --ignore, in registry order."""
    chosen_selectors = [s for s in (selectors or ()) if s.strip()]
    return choose([Selection(chosen_selectors or None, (), tuple(ignore or ()))], transforms)


@dataclass(frozen=True)
class Selection:
    """One layer of transform selection: a configuration file's, or the command line's."""

    select: tuple[str, ...] | list[str] | None = None  # None: keep what the layers below chose
    extend_select: tuple[str, ...] | list[str] = ()
    ignore: tuple[str, ...] | list[str] = ()

    def check(self, transforms: tuple[Transform, ...] | None = None) -> None:
        """Raise UnknownSelector for a selector that matches no transform."""
        available = transforms if transforms is not None else all_transforms()
        for selector in [*(self.select or ()), *self.extend_select, *self.ignore]:
            if selector.strip() and not any(t.matches(selector) for t in available):
                refusal = refusals.lookup(selector)
                if refusal is not None:
                    raise UnknownSelector(
                        f"'{selector}' ({refusal.code} {refusal.name}) cannot be selected or ignored: "
                        "what BuildKit refuses to build is always reported"
                    )
                raise UnknownSelector(f"unknown transform selector '{selector}' (see `dockopt list`)")


def choose(layers: Iterable[Selection], transforms: tuple[Transform, ...] | None = None) -> tuple[Transform, ...]:
    """The transforms that layers of selection choose, in registry order.

    It starts from every transform but the opt-in ones. Each layer, in order: its ``select``
    (when set) starts afresh from the transforms it names, its ``extend_select`` adds, and its
    ``ignore`` removes (winning over both in that layer). Opt-in transforms are only chosen
    when a selector names them (not through ``ALL`` or a prefix).
    """
    available = transforms if transforms is not None else all_transforms()
    chosen = {t.code for t in available if not t.opt_in}
    for layer in layers:
        layer.check(available)
        picked = [s for s in (layer.select or ()) if s.strip()]
        if layer.select is not None:
            chosen = {t.code for t in available if any(t.chosen_by(s) for s in picked)}
        chosen |= {t.code for t in available if any(t.chosen_by(s) for s in layer.extend_select if s.strip())}
        chosen -= {t.code for t in available if any(t.matches(s) for s in layer.ignore if s.strip())}
    return tuple(t for t in available if t.code in chosen)


def lookup(key: str) -> Transform | None:
    """The transform named by a code, a name or a hadolint rule."""
    for candidate in all_transforms():
        upper = key.strip().upper()
        if upper == candidate.code or key.strip().lower() == candidate.name or upper in candidate.hadolint:
            return candidate
    return None
