"""What COPY and ADD bring into a stage's image, and from where.

``copies(df, stage)`` lists every COPY and ADD of a stage's chain (the stages it is built
FROM first), each a ``Copy``: its sources as written, where they land (the destination
resolved through the stage model, ``model.destination``), whether they land inside it by
name, and where they come from (the build context, another stage or image, a heredoc).

``placed_at(df, stage, context, path)`` answers the other way round: which COPY or ADD put
what is at an absolute image path, and which file of the build context that is, when one
is (``Placed.source``), and whether that is certain. ``Tree`` is the one rule that maps an
image path under a copied directory back to the build context; ``entry_script`` finds the
script the container starts with in the build context.

The rules are BuildKit's: a directory source copies its contents into the destination; a
file source lands at the destination, or inside it by its name when the destination ends
with `/`, is `.` or `..`, or when there are several sources; a wildcard in the last part of
a source copies each match inside the destination. What dockopt cannot follow (a source
with a variable, a quote or a backslash, a wildcard in a directory part, an absolute or
`..` source, an ADD of a URL, an unknown destination) is not matched: the answer is then
``None``, or not ``certain`` when such a COPY comes after the one found.

Example: after ``WORKDIR /app`` and ``COPY requirements/ reqs/``, ``placed_at(...,
"/app/reqs/prod.txt")`` is ``requirements/prod.txt`` of the build context.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass

from .context import Context
from .model import destination as resolved_destination
from .model import end_state, join
from .syntax import Dockerfile, Instruction, Stage

_UNFOLLOWED = re.compile(r"[*?\[$\"'\\]")
_GLOB = re.compile(r"[*?\[]")
# PATH when the image's own is not known (Docker's default for Linux images)
DEFAULT_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
# programs an ENTRYPOINT or CMD names before the script it starts
_LAUNCHERS = ("sh", "bash", "ash", "dash", "tini", "dumb-init", "exec", "--", "-c")


@dataclass(frozen=True)
class Tree:
    """A directory of the build context (``source``: "." or "app") that a COPY or ADD put at
    ``dest`` (absolute; None when unknown)."""

    source: str
    dest: str | None
    keyword: str  # "COPY" or "ADD", for messages

    def to_context(self, path: str | None) -> str | None:
        """Where an image path under the destination comes from in the build context."""
        if path is None or self.dest is None:
            return None
        if path == self.dest:
            return self.source
        prefix = self.dest.rstrip("/") + "/"
        if not path.startswith(prefix):
            return None
        return posixpath.normpath(posixpath.join(self.source, path[len(prefix) :]))


@dataclass(frozen=True)
class Copy:
    """One COPY or ADD of a stage."""

    instruction: Instruction
    sources: tuple[str, ...]  # as written
    destination: str | None  # absolute, None when unknown
    into: bool  # the sources land inside the destination by their names
    origin: str | None  # the --from value (a stage or an image); None: the build context
    heredoc: bool  # `COPY <<EOF /path`: the content is in the Dockerfile

    @property
    def keyword(self) -> str:
        return self.instruction.command

    @property
    def from_context(self) -> bool:
        return self.origin is None and not self.heredoc


@dataclass(frozen=True)
class Placed:
    """What a COPY or ADD put at an image path."""

    copy: Copy
    source: str | None  # the build context's path of it (normalised, relative); None when not from the context
    certain: bool  # False when the context cannot confirm it, or a later COPY dockopt cannot follow may replace it


def copies(df: Dockerfile, stage: Stage) -> tuple[Copy, ...]:
    """The COPY and ADD instructions of the stage's chain, in build order (ONBUILD ones left out)."""
    return df.memo(_copies, stage.index)


def _copies(df: Dockerfile, index: int) -> tuple[Copy, ...]:
    stage = df.stages[index]
    chain = [df.stages[i] for i in reversed(stage.derives_from)] + [stage]
    found = []
    for member in chain:
        for instruction in member.instructions:
            if instruction.command not in ("COPY", "ADD"):
                continue
            sources = tuple(s.text for s in instruction.sources)
            target = instruction.destination.text if instruction.destination is not None else ""
            into = target.endswith("/") or target in (".", "..") or len(sources) > 1
            values = instruction.flag_values("from")
            found.append(
                Copy(
                    instruction,
                    sources,
                    resolved_destination(df, instruction),
                    into,
                    values[-1] if values else None,
                    bool(instruction.heredocs),
                )
            )
    return tuple(found)


def placed_at(
    df: Dockerfile, stage: Stage, context: Context, path: str, until: Instruction | None = None
) -> Placed | None:
    """What the last COPY or ADD of the stage's chain (before ``until``, when given) that
    put something at the absolute image ``path`` (the path itself, or inside a directory it
    copied) brought there; None when no COPY that dockopt can follow did."""
    path = posixpath.normpath(path)
    unsure = False
    candidates = copies(df, stage)
    if until is not None:
        candidates = candidates[
            : next(
                (n for n, c in enumerate(candidates) if c.instruction.start_line >= until.start_line), len(candidates)
            )
        ]
    missing: Placed | None = None  # a copied directory that would hold it, but the context has no such file
    for copy in reversed(candidates):
        found = _placed_by(copy, context, path)
        if (
            found is not None
            and found[0] is not None
            and context.directory is not None
            and not context.exists(found[0])
        ):
            missing = missing or Placed(copy, found[0], False)
        elif found is not None:
            return Placed(copy, found[0], found[1] and not unsure)
        unsure = unsure or _may_place(copy, path)
    return missing


def context_source(
    df: Dockerfile, stage: Stage, context: Context, path: str, until: Instruction | None = None
) -> str | None:
    """The build context's path of what is at the absolute image ``path`` (``placed_at``),
    when a COPY or ADD brought it from the build context; None otherwise."""
    placed = placed_at(df, stage, context, path, until)
    return placed.source if placed is not None else None


def _placed_by(copy: Copy, context: Context, path: str) -> tuple[str | None, bool] | None:
    """(the context path, certain) when ``copy`` puts something at ``path``."""
    destination = copy.destination
    if destination is None:
        return None
    if copy.heredoc:
        names = [source.lstrip("<-").strip("\"'") for source in copy.sources]
        heredoc_paths = [posixpath.join(destination, name) for name in names] if copy.into else [destination]
        return (None, True) if path in heredoc_paths else None
    if copy.origin is not None:
        return _placed_from_stage(copy, destination, path)
    found: tuple[str | None, bool] | None = None
    for source in copy.sources:
        folder, _, pattern = source.rpartition("/")
        if _GLOB.search(pattern) and not _UNFOLLOWED.search(folder):
            # a pattern in the last part only: `COPY package*.json ./`
            name = posixpath.basename(path)
            if copy.into and posixpath.dirname(path) == destination and fnmatch.fnmatchcase(name, pattern):
                origin = posixpath.normpath(posixpath.join(folder or ".", name))
                if context.directory is None or context.exists(origin):
                    found = (origin, context.directory is not None)
                else:
                    found = found or (origin, False)
            continue
        normal = context_path(source)
        if normal is None:
            continue
        located = context.locate(normal)
        if normal == "." or source.endswith("/") or (located is not None and located.is_dir()):
            inner = Tree(normal, destination, copy.keyword).to_context(path)
            if inner is not None and (found is None or context.directory is None or context.exists(inner)):
                found = (inner, context.directory is not None and context.exists(inner))
            continue
        placed = posixpath.join(destination, posixpath.basename(normal)) if copy.into else destination
        if path == placed:
            found = (normal, located is not None and located.exists())
    return found


def context_path(source: str) -> str | None:
    """The build context's path a COPY or ADD source names, normalised (`./app/` is `app`);
    None when dockopt cannot follow it: a variable, a quote, a backslash or a wildcard, an
    absolute or `..` path, a URL."""
    if _UNFOLLOWED.search(source) or source.startswith(("/", "..")) or "://" in source:
        return None
    return posixpath.normpath(source)


def _placed_from_stage(copy: Copy, destination: str, path: str) -> tuple[str | None, bool] | None:
    """A COPY --from: (None, certain) when it puts something at ``path``."""
    found: tuple[str | None, bool] | None = None
    for source in copy.sources:
        if _UNFOLLOWED.search(source):
            continue
        normal = posixpath.normpath(source)
        placed = posixpath.join(destination, posixpath.basename(normal)) if copy.into else destination
        if path == placed:
            found = (None, True)
        elif path.startswith(destination.rstrip("/") + "/"):
            found = found or (None, False)  # inside what may be a directory it copied
    return found


def _may_place(copy: Copy, path: str) -> bool:
    """Whether a COPY dockopt cannot follow may put something at ``path``."""
    if copy.destination is None:
        return True
    inside = path == copy.destination or path.startswith(copy.destination.rstrip("/") + "/")
    return inside and any(context_path(s) is None for s in copy.sources)


def entry_script(df: Dockerfile, stage: Stage, context: Context) -> tuple[str, str] | None:
    """The script the container starts with (its ENTRYPOINT, or else its CMD, past `sh -c`,
    `tini`, ...), when a COPY brought it from the build context: (its name, its text).

    A program written with a `/` is found against the WORKDIR; one without, in the
    directories of PATH (the stage's ENV PATH when known, else Docker's default)."""
    if context.directory is None:
        return None
    members = [
        i
        for s in (*(df.stages[i] for i in reversed(stage.derives_from)), stage)
        for i in s.instructions
        if i.sub is None
    ]
    entry = next((i for i in reversed(members) if i.command == "ENTRYPOINT"), None)
    if entry is None:
        entry = next((i for i in reversed(members) if i.command == "CMD"), None)
    if entry is None:
        return None
    words = entry.arguments
    while words and posixpath.basename(words[0]) in _LAUNCHERS:
        words = words[1:]
    program = words[0].strip("\"'") if words else ""
    if not program or "$" in program:
        return None
    state = end_state(df, stage)
    if "/" in program:
        candidates = [join(state.workdir, program)]
    else:
        known = state.variables.get("PATH")
        directories = tuple(d for d in known.split(":") if d.startswith("/")) if known else DEFAULT_PATH
        candidates = [posixpath.join(d, program) for d in directories]
    for candidate in candidates:
        source = context_source(df, stage, context, candidate) if candidate is not None else None
        content = context.read(source) if source is not None else None
        if content is not None:
            return posixpath.basename(program), content
    return None
