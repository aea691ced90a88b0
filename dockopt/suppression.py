"""Suppression comments: `# dockopt: ignore=...` and hadolint's `# hadolint ignore=...`.

``# dockopt: ignore=DO101,apt-lists-cleanup`` on the comment lines directly above an
instruction (no blank line between) suppresses those transforms' findings that start in the
instruction (or in those comment lines), and holds back any of their fixes that would edit it;
``# dockopt: global ignore=...`` anywhere suppresses them in the whole file. Selectors are
those of ``--select``: codes, names, hadolint rules, code prefixes, ``ALL``. hadolint's own
``# hadolint ignore=DL3009`` and ``# hadolint global ignore=...`` suppress the transforms
that answer those rules (a transform answering several rules, when any of them is ignored).

Whatever fix would separate an ignore comment from its instruction (edit the comment lines,
put something between them and the instruction, delete or split the instruction while the
comment stays) is held back too, so that a suppression never ends up above another
instruction; whole lines a fix inserts right above the instruction go above its comments
instead.

``suppressions(df)`` reads them once per tree; ``apply(df, findings)`` is what the engine
does with them. The problems of ``# dockopt:`` comments (malformed, an empty list, an
unknown selector, not above an instruction) are reported by invalid-suppression (DO001); a
hadolint rule that no transform answers (`DL3008`) is no problem: it suppresses nothing.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace

from . import refusals
from .context import Selectable
from .fix import Edit, Finding, nodes_touched
from .syntax import Comment, Dockerfile, Instruction
from .transform import is_hadolint_rule, unknown_transform

Catalogue = tuple[Selectable, ...]  # every transform there is: what a selector may name

_DOCKOPT = re.compile(r"#\s*dockopt\s*:", re.I)
_DOCKOPT_NO_COLON = re.compile(r"#\s*dockopt\s+(global\s+)?ignore\b", re.I)  # hadolint's shape, our name
_IGNORE = re.compile(r"\s*(?P<global>global\s+)?ignore\s*=", re.I)
_REASON = re.compile(r"\s--(\s|$)")
_SELECTOR = re.compile(r"[A-Za-z0-9_-]+")
_HADOLINT = re.compile(r"#\s*hadolint\s+(?P<global>global\s+)?ignore\s*=\s*(?P<rules>.*)", re.I)
_RULE = re.compile(r"[A-Za-z]{2}\d{4}")

HELD_BACK = " (fix held back by a suppression comment)"
INVALID_SUPPRESSION = "DO001"  # the code of invalid-suppression, whose findings `dockopt fix` prints as warnings


@dataclass(frozen=True)
class Problem:
    """What is wrong with a `# dockopt:` comment, and where (file offsets)."""

    message: str
    start: int
    end: int


@dataclass(frozen=True)
class Pragma:
    """One ignore comment: which transforms it suppresses, for its instruction or the file."""

    comment: Comment
    is_global: bool
    codes: frozenset[str]


@dataclass(frozen=True)
class Block:
    """The comment lines directly above an instruction, holding at least one ignore comment."""

    start: int  # the first comment line
    line: int  # the instruction's first line (where the comments end)
    keyword: int  # the instruction's keyword
    end: int  # the end of the instruction, newline included
    node: int  # the instruction's index in ``df.nodes``
    codes: frozenset[str]  # what its comments suppress there
    first: int  # the index of its first comment line in ``df.nodes``


@dataclass(frozen=True)
class Suppressions:
    everywhere: frozenset[str] = frozenset()  # codes suppressed in the whole file
    blocks: tuple[Block, ...] = ()
    problems: tuple[Problem, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.everywhere or self.blocks)


def suppressions(df: Dockerfile, catalogue: Catalogue) -> Suppressions:
    """The suppression comments of a tree (read once, then kept with it); their selectors
    name transforms of ``catalogue`` (every transform there is: ``Context.catalogue``)."""
    return df.memo(_read, catalogue)


def apply(df: Dockerfile, findings: list[Finding], catalogue: Catalogue) -> list[Finding]:
    """The findings less the suppressed ones; a fix held back by a suppression is dropped
    from its finding (which says so)."""
    found = suppressions(df, catalogue)
    if not found.active:
        return findings
    starts = [node.span.start for node in df.nodes]
    # an instruction and its comment lines (a DO001 finding on them, say)
    by_node = {index: block for block in found.blocks for index in range(block.first, block.node + 1)}
    kept = []
    for finding in findings:
        if finding.code in found.everywhere:
            continue
        block = by_node.get(bisect.bisect_right(starts, finding.start) - 1)
        if block is not None and finding.code in block.codes:
            continue
        fix = finding.fix
        if fix is not None:
            edits = tuple(_above(edit, found.blocks) for edit in fix.edits)
            if _touches(finding.code, fix.edits, by_node, starts) or any(
                _separates(e, b) for e in edits for b in found.blocks
            ):
                finding = replace(finding, fix=None, message=finding.message + HELD_BACK)
            elif edits != fix.edits:
                finding = replace(finding, fix=replace(fix, edits=edits))
        kept.append(finding)
    return kept


def _touches(code: str, edits: tuple[Edit, ...], by_node: dict[int, Block], starts: list[int]) -> bool:
    """Whether the edits change an instruction where ``code`` is suppressed."""
    for index in nodes_touched(edits, starts):
        block = by_node.get(index)
        if block is not None and code in block.codes:
            return True
    return False


def _above(edit: Edit, blocks: tuple[Block, ...]) -> Edit:
    """Whole lines inserted right above an instruction go above its ignore comments instead,
    so that the comments stay with it (comment lines mean nothing to the build)."""
    if edit.start == edit.end and edit.content.endswith("\n"):
        for block in blocks:
            if edit.start == block.line:
                return Edit.insert(block.start, edit.content)
    return edit


def _separates(edit: Edit, block: Block) -> bool:
    """Whether the edit would leave the block's comments above something else than its instruction."""
    start, end = edit.start, edit.end
    if start <= block.start and end >= block.end:
        return False  # comments and instruction go (or move) together
    if start < block.line and end > block.start:
        return True  # it edits the comment lines
    if start == end:
        return block.line <= start <= block.keyword  # something inserted between
    if start <= block.keyword < end:
        # it replaces the start of the instruction: in place on one line (a keyword rewritten)
        # keeps it; a deletion, or new lines there, would not
        return "\n" in edit.content or not edit.content.strip()
    return False


# --------------------------------------------------------------------------- reading


def _read(df: Dockerfile, catalogue: Catalogue) -> Suppressions:
    nodes = df.nodes
    everywhere: set[str] = set()
    blocks: list[Block] = []
    problems: list[Problem] = []
    index = 0
    while index < len(nodes):
        if not isinstance(nodes[index], Comment):
            index += 1
            continue
        first = index
        while index < len(nodes) and isinstance(nodes[index], Comment):
            index += 1
        run = nodes[first:index]
        after = nodes[index] if index < len(nodes) else None
        codes: set[str] = set()
        attached = False
        for comment in run:
            assert isinstance(comment, Comment)
            pragma, found = parse_comment(comment, catalogue)
            problems.extend(found)
            if pragma is None:
                continue
            if pragma.is_global:
                everywhere |= pragma.codes
                continue
            attached = True
            codes |= pragma.codes
            if not isinstance(after, Instruction) and _is_dockopt(comment):
                start = comment.span.start + len(comment.text) - len(comment.text.lstrip())
                problems.append(
                    Problem(
                        "suppression comment is not directly above an instruction (a blank line or the end of the "
                        "file comes first): it suppresses nothing",
                        start,
                        comment.span.start + len(comment.text.rstrip()),
                    )
                )
        if attached and isinstance(after, Instruction):
            blocks.append(
                Block(
                    run[0].span.start,
                    after.span.start,
                    after.keyword_span.start,
                    after.span.end,
                    index,
                    frozenset(codes),
                    first,
                )
            )
    return Suppressions(frozenset(everywhere), tuple(blocks), tuple(sorted(problems, key=lambda p: p.start)))


def _is_dockopt(comment: Comment) -> bool:
    return _DOCKOPT.match(comment.text.lstrip()) is not None


def parse_comment(comment: Comment, catalogue: Catalogue) -> tuple[Pragma | None, list[Problem]]:
    """The ignore comment a comment line is, if any, and the problems of a `# dockopt:` one."""
    text = comment.text.rstrip()
    lead = len(text) - len(text.lstrip())
    base = comment.span.start + lead
    body = text[lead:]
    whole = Problem("", base, base + len(body))
    hadolint = _HADOLINT.match(body)
    if hadolint is not None:
        rules = []
        for token in re.split(r"[\s,]+", hadolint.group("rules").strip()):
            if not _RULE.fullmatch(token):
                break  # hadolint reads the rule codes; what follows is free text
            rules.append(token.upper())
        answering = frozenset(t.code for t in catalogue if any(rule in t.hadolint for rule in rules))
        return Pragma(comment, hadolint.group("global") is not None, answering), []
    if _DOCKOPT_NO_COLON.match(body):
        return None, [
            replace(whole, message="malformed suppression comment: write `# dockopt: ignore=CODE,...` (with a colon)")
        ]
    head = _DOCKOPT.match(body)
    if head is None:
        return None, []
    rest = body[head.end() :]
    ignore = _IGNORE.match(rest)
    if ignore is None:
        return None, [
            replace(
                whole,
                message="malformed suppression comment: expected `# dockopt: ignore=CODE,...` or "
                "`# dockopt: global ignore=CODE,...`",
            )
        ]
    offset = head.end() + ignore.end()  # where the list starts in ``body``
    listed = rest[ignore.end() :]
    reason = _REASON.search(listed)
    if reason is not None:
        listed = listed[: reason.start()]
    problems: list[Problem] = []
    codes: set[str] = set()
    if not listed.strip():
        problems.append(
            replace(whole, message="suppression comment lists no transform: write `# dockopt: ignore=CODE,...`")
        )
    else:
        position = 0
        for part in listed.split(","):
            selector = part.strip()
            at = base + offset + position + (len(part) - len(part.lstrip()))
            position += len(part) + 1
            if not selector:
                problems.append(Problem("malformed suppression comment: an empty entry between commas", at, at))
            elif not _SELECTOR.fullmatch(selector):
                problems.append(
                    Problem(
                        f"malformed suppression comment: '{selector}': separate selectors with commas, "
                        "and a reason with ` -- `",
                        at,
                        at + len(selector),
                    )
                )
            else:
                matched = {t.code for t in catalogue if t.matches(selector)}
                refusal = refusals.lookup(selector) if not matched else None
                if refusal is not None:
                    message = f"'{selector}' ({refusal.code} {refusal.name}) cannot be suppressed: what BuildKit refuses to build is always reported"
                    problems.append(Problem(message, at, at + len(selector)))
                elif not matched and not is_hadolint_rule(selector):  # a rule only hadolint checks: fine
                    message = unknown_transform(selector, catalogue, " in a suppression comment")
                    problems.append(Problem(message, at, at + len(selector)))
                codes |= matched
    return Pragma(comment, ignore.group("global") is not None, frozenset(codes)), problems
