"""What the build context cannot provide: the sources of COPY and ADD that a build would not
find, checked before `dockopt verify` builds anything, so that every one is reported at once,
with its line, instead of the first one failing the build at its step.

A source of the build context is not provided when it is not in the context directory, or
when the ignore file BuildKit reads (``ignorefile.ignore_file``: `.dockerignore`, or
`<Dockerfile name>.dockerignore`) leaves it out. Only the stages a build of the last stage
needs are checked (the stages it derives from and those its COPY --from and RUN --mount
from= read, as BuildKit builds them), and only the sources dockopt can follow
(``copies.context_path``): a source with a variable or a wildcard, an ADD of a URL or of a
git repository, a COPY --from and a heredoc are not checked. A directory source that the
ignore file excludes is not reported when a `!` pattern may bring part of it back.

Example: with `COPY requirements.txt .` and no requirements.txt in the context,
``unprovided(df, context)`` is ``(Unprovided(3, "COPY", "requirements.txt", "not in the build
context"),)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .context import Context
from .copies import context_path, copies
from .ignorefile import Pattern, ignore_file
from .syntax import Dockerfile, Stage


@dataclass(frozen=True)
class Unprovided:
    """A COPY or ADD source the build context cannot provide."""

    line: int  # of the instruction, 1-based
    keyword: str  # "COPY" or "ADD"
    source: str  # as written
    reason: str  # "not in the build context", "excluded by .dockerignore"

    def __str__(self) -> str:
        return f"line {self.line}: {self.keyword} {self.source}: {self.reason}"


def unprovided(df: Dockerfile, context: Context) -> tuple[Unprovided, ...]:
    """Every source of a COPY or ADD of the stages built that the context cannot provide, in
    file order; nothing when the context is unknown (``context.directory`` None)."""
    if context.directory is None or not df.stages:
        return ()
    ignore = ignore_file(context)
    found: dict[tuple[int, int], Unprovided] = {}  # (line, which source) -> it
    for stage in _built(df):
        for copy in copies(df, stage):
            if not copy.from_context:
                continue
            for number, source in enumerate(copy.sources):
                path = context_path(source)
                if path is None or (copy.keyword == "ADD" and source.startswith(("git@", "github.com/"))):
                    continue
                if not context.exists(path):
                    reason = "not in the build context"
                elif path != "." and ignore.excluded(path) and not _brought_back(ignore.patterns, path):
                    reason = f"excluded by {ignore.path}"
                else:
                    continue
                line = copy.instruction.start_line
                found[(line, number)] = Unprovided(line, copy.keyword, source, reason)
    return tuple(found[key] for key in sorted(found))


def _built(df: Dockerfile) -> list[Stage]:
    """The stages a build of the last stage needs (the last one included)."""
    needed: set[int] = set()
    waiting = [df.stages[-1].index]
    while waiting:
        index = waiting.pop()
        if index in needed:
            continue
        needed.add(index)
        stage = df.stages[index]
        waiting += [*stage.derives_from, *stage.copies_from]
    return [stage for stage in df.stages if stage.index in needed]


def _brought_back(patterns: tuple[Pattern, ...], path: str) -> bool:
    """Whether a `!` pattern may send back something under the excluded directory ``path``."""
    return any(p.negated and (p.text.startswith(path + "/") or any(c in p.text for c in "*?[")) for p in patterns)
