"""The build context's ignore file, as BuildKit reads it.

Which file counts: BuildKit reads `<Dockerfile name>.dockerignore` from the Dockerfile's
directory when there is one (`api.Dockerfile.dockerignore`, even when the Dockerfile is
outside the context), and the context's `.dockerignore` otherwise.

How it is read (moby/patternmatcher as vendored in moby/buildkit: `ignorefile.ReadAll`,
`patternmatcher.New`, `PatternMatcher.MatchesOrParentMatches`):

- lines end at `\\n`; a UTF-8 BOM before the first line is dropped; a line that starts with
  `#` in its first column is a comment (`  # x` is a pattern); blank lines are skipped;
- a pattern is trimmed and cleaned like a path (`./a/../b/` is `b`) and loses one leading
  `/`; `!` in front re-includes what earlier patterns exclude;
- a pattern excludes a path when it matches the path or one of its parent directories, and
  the last pattern that matches decides;
- `*` and `?` stop at `/`; `**` spans directories (`**/x` also matches `x`, `x/**` only what
  is below `x`); `[...]` is a character class; `\\` makes the next character plain.

A pattern BuildKit refuses (an unclosed `[`, a lone `!`) fails the whole build there; here it
matches nothing.
"""

from __future__ import annotations

import os
import posixpath
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from .context import Context

DEFAULT_NAME = ".dockerignore"


@dataclass(frozen=True)
class Pattern:
    """One pattern of an ignore file, cleaned as BuildKit cleans it."""

    text: str  # "node_modules", "**/*.log"
    negated: bool = False  # a `!` line: sends back what earlier patterns exclude

    def matches(self, path: str) -> bool:
        """Whether it matches ``path`` (relative to the context) or one of its parent directories."""
        test = _compile(self.text)
        parts = path.split("/")
        return any(test("/".join(parts[:count])) for count in range(1, len(parts) + 1))


def excluded(patterns: Iterable[Pattern], path: str) -> bool:
    """Whether BuildKit leaves ``path`` out of the context: the last pattern that matches decides."""
    result = False
    for pattern in patterns:
        if pattern.matches(path):
            result = not pattern.negated
    return result


@dataclass(frozen=True)
class IgnoreFile:
    """The ignore file that counts for one Dockerfile, or where one would be written.

    ``path`` is relative to the build context, or absolute when the Dockerfile's own ignore
    file lies outside it (BuildKit still reads it; dockopt does not write there).
    """

    path: str
    text: str | None  # None: there is none, or it cannot be read (``exists`` tells which)
    own: bool = False  # `<Dockerfile name>.dockerignore`, read instead of `.dockerignore`
    exists: bool = False
    in_context: bool = True

    @cached_property
    def patterns(self) -> tuple[Pattern, ...]:
        return parse(self.text) if self.text is not None else ()

    def excluded(self, path: str) -> bool:
        return excluded(self.patterns, path)


def ignore_file(context: Context) -> IgnoreFile:
    """The ignore file BuildKit reads for the Dockerfile of ``context``."""
    own = _own_file(context)
    if own is not None:
        return own
    if context.exists(DEFAULT_NAME):
        return IgnoreFile(DEFAULT_NAME, context.read(DEFAULT_NAME), exists=True)
    return IgnoreFile(DEFAULT_NAME, None)


def _own_file(context: Context) -> IgnoreFile | None:
    if context.path is None or context.directory is None:
        return None
    own = context.path.parent / f"{context.path.name}.dockerignore"
    real = os.path.realpath(own)
    if not context.contains(real):
        try:
            if not own.is_file():
                return None
            text = own.read_text("utf-8", "replace")
        except OSError:
            text = None
        return IgnoreFile(str(own), text, own=True, exists=True, in_context=False)
    relative = os.path.relpath(real, context.root).replace(os.sep, "/")
    if not context.exists(relative):
        return None
    text = context.read(relative)
    if text is None and (context.directory / relative).is_dir():
        return None  # BuildKit cannot read a directory either, and falls back to `.dockerignore`
    return IgnoreFile(relative, text, own=True, exists=True)


def parse(text: str) -> tuple[Pattern, ...]:
    """The patterns of an ignore file's text, in order."""
    patterns = []
    for number, line in enumerate(text.split("\n")):
        if number == 0:
            line = line.removeprefix("\ufeff")
        if line.startswith("#") or not line.strip():
            continue
        line = line.strip()
        negated = line.startswith("!")
        pattern = line[1:].strip() if negated else line
        if pattern:
            pattern = _go_clean(pattern)
            if len(pattern) > 1 and pattern.startswith("/"):
                pattern = pattern[1:]
        # patternmatcher.New trims and cleans once more, with the `!` in front
        final = _go_clean((("!" if negated else "") + pattern).strip())
        if final != "!":
            patterns.append(Pattern(final.removeprefix("!"), final.startswith("!")))
    return tuple(patterns)


def _go_clean(path: str) -> str:
    """Go's filepath.Clean on a slash path: POSIX's normpath keeps two leading slashes, Go one."""
    cleaned = posixpath.normpath(path)
    return cleaned[1:] if cleaned.startswith("//") else cleaned


_REGEX_ONLY = frozenset(".+()|{}$")  # special in a regular expression, plain in a pattern


@lru_cache(maxsize=1024)
def _compile(pattern: str) -> Callable[[str], bool]:
    """Pattern.compile and Pattern.match: an exact name, a prefix (`x/**`), a suffix (`**/x`)
    or a regular expression, as BuildKit decides."""
    out: list[str] = []
    kind = "exact"
    index = 0
    while index < len(pattern):
        first = index == 0
        char = pattern[index]
        index += 1
        if char == "*" and pattern.startswith("*", index):
            index += 1 + pattern.startswith("/", index + 1)
            if index < len(pattern):
                out.append("(.*/)?")
                kind = "regex"
            elif kind == "exact":
                kind = "prefix"
            else:
                out.append(".*")
                kind = "regex"
            if first:
                kind = "suffix"
        elif char == "*":
            out.append("[^/]*")
            kind = "regex"
        elif char == "?":
            out.append("[^/]")
            kind = "regex"
        elif char in _REGEX_ONLY:
            out.append("\\" + char)
        elif char == "\\" and index < len(pattern):
            out.append(re.escape(pattern[index]))
            index += 1
            kind = "regex"
        elif char == "\\":
            out.append(r"\\")
        elif char in "[]":
            out.append(char)
            kind = "regex"
        else:
            out.append(char)
    if kind == "exact":
        return lambda path: path == pattern
    if kind == "prefix":
        stem = pattern[:-2]
        return lambda path: path.startswith(stem)
    if kind == "suffix":
        suffix = pattern[2:]
        return lambda path: path.endswith(suffix) or (suffix.startswith("/") and path == suffix[1:])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            regex = re.compile("".join(out) + r"\Z")
    except re.error:
        return lambda path: False
    return lambda path: regex.match(path) is not None
