"""Edits, fixes and findings: what a transform says about a file.

A transform never prints a file. It yields ``Finding``s; a finding may carry a ``Fix``, a
list of ``Edit(start, end, text)`` over offsets of the file's text. Text outside the edits
stays byte-identical by construction.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from enum import IntEnum


class Applicability(IntEnum):
    """How sure a fix is to keep what the Dockerfile does (higher is safer)."""

    DISPLAY_ONLY = 0  # shown as a suggestion, never applied
    UNSAFE = 1  # applied with --unsafe-fixes: may change behaviour in some images
    SAFE = 2  # applied by default: keeps what the Dockerfile does

    @property
    def label(self) -> str:
        return {0: "display-only", 1: "unsafe", 2: "safe"}[int(self)]


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``text[start:end]`` with ``content`` (an insertion when start == end)."""

    start: int
    end: int
    content: str = ""

    @staticmethod
    def insert(at: int, content: str) -> Edit:
        return Edit(at, at, content)

    @staticmethod
    def delete(start: int, end: int) -> Edit:
        return Edit(start, end, "")


@dataclass(frozen=True, slots=True)
class FileWrite:
    """Write a whole file of the build context (a `.dockerignore`, say) beside the Dockerfile."""

    path: str  # relative to the build context
    content: str


@dataclass(frozen=True, slots=True)
class Fix:
    """The edits that fix a finding, and how sure they are to keep what the Dockerfile does:
    each fix says (no default), and its transform's declared applicability caps it."""

    edits: tuple[Edit, ...]
    applicability: Applicability
    writes: tuple[FileWrite, ...] = ()

    def conflicts_with(self, other: Fix) -> bool:
        """Two fixes conflict when any of their edits overlap or touch, or they write the same file."""
        if {w.path for w in self.writes} & {w.path for w in other.writes}:
            return True
        return any(a.start <= b.end and b.start <= a.end for a in self.edits for b in other.edits)


@dataclass(frozen=True, slots=True)
class Finding:
    """Something a transform found at ``[start, end)`` of the file, maybe with a fix.

    ``code`` and ``name`` are filled in by the registry from the transform that yielded it.
    """

    message: str
    start: int
    end: int
    fix: Fix | None = None
    code: str = ""
    name: str = ""

    def stamped(self, code: str, name: str, cap: Applicability) -> Finding:
        """The finding of the transform ``code``, its fix no safer than ``cap`` (the transform's
        declared applicability)."""
        fix = self.fix
        if fix is not None and fix.applicability > cap:
            fix = Fix(fix.edits, cap, fix.writes)
        return Finding(self.message, self.start, self.end, fix, code, name)  # half the cost of dataclasses.replace

    def fixable(self, threshold: Applicability) -> bool:
        return (
            self.fix is not None
            and self.fix.applicability >= threshold
            and self.fix.applicability > Applicability.DISPLAY_ONLY
        )


class OverlappingEdits(ValueError):
    pass


def apply_edits(text: str, edits: list[Edit] | tuple[Edit, ...]) -> str:
    """Apply non-overlapping edits; raises OverlappingEdits when two overlap."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    parts: list[str] = []
    position = 0
    for edit in ordered:
        if edit.start < position or edit.end < edit.start or edit.end > len(text):
            raise OverlappingEdits(f"edit {edit} overlaps an earlier one or leaves the text")
        parts.append(text[position : edit.start])
        parts.append(edit.content)
        position = edit.end
    parts.append(text[position:])
    return "".join(parts)


def nodes_touched(edits: tuple[Edit, ...] | list[Edit], starts: list[int]) -> set[int]:
    """The indexes of the nodes (given by their start offsets, in order) that the edits change.

    An insertion belongs to the node it lands in: one at the very start of a node touches
    that node, not the one before it.
    """
    touched: set[int] = set()
    for edit in edits:
        first = max(bisect.bisect_right(starts, edit.start) - 1, 0)
        last = max(bisect.bisect_left(starts, edit.end) - 1, first)
        touched.update(range(first, last + 1))
    return touched
