"""The fixpoint loop: one file in, one result out.

``fix_source`` runs the chosen transforms over a parsed Dockerfile, applies the fixes that
meet the threshold and do not conflict, parses the new text again, and repeats until no fix
applies. A pass that breaks the parse (or the shell of a RUN), or a loop that does not
settle, leaves the text untouched and fails with the transform codes involved.

``process_file`` wraps that for one path: read, fix, write (or not), and always return a
``FileResult``, never raise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import files
from .fix import Applicability, Finding, Fix, OverlappingEdits, apply_edits
from .registry import Context, Transform
from .shell import script_of
from .syntax import Dockerfile, DockerfileSyntaxError, parse

MAX_PASSES = 10


class FixFailure(Exception):
    """A pass of fixes made the file worse; nothing is written."""

    def __init__(self, message: str, codes: tuple[str, ...]) -> None:
        super().__init__(message)
        self.message = message
        self.codes = codes

    def __str__(self) -> str:
        return f"{self.message} (fixes by {', '.join(self.codes)}); file left unchanged"


@dataclass(frozen=True)
class FixResult:
    source: str
    output: str
    applied: tuple[Finding, ...]  # the fixes applied, pass after pass
    remaining: tuple[Finding, ...]  # what is still found in the output
    passes: int

    @property
    def changed(self) -> bool:
        return self.output != self.source


def fix_source(
    text: str,
    transforms: tuple[Transform, ...],
    *,
    unsafe: bool = False,
    context: Context | None = None,
) -> FixResult:
    """Fix ``text`` to a fixpoint. Raises DockerfileSyntaxError for bad input, FixFailure when a fix misbehaves."""
    context = context or Context()
    threshold = Applicability.UNSAFE if unsafe else Applicability.SAFE
    df = parse(text)
    current = text
    applied: list[Finding] = []
    broken_shells = _broken_shells(df)
    for passes in range(1, MAX_PASSES + 1):
        findings = _run(df, transforms, context)
        chosen = _choose(findings, threshold)
        if not chosen:
            return FixResult(text, current, tuple(applied), tuple(findings), passes)
        codes = tuple(sorted({f.code for f in chosen}))
        try:
            candidate = apply_edits(current, [e for f in chosen for e in f.fix.edits])  # type: ignore[union-attr]
        except OverlappingEdits as exc:
            raise FixFailure(f"a transform produced overlapping edits: {exc}", codes) from None
        try:
            new_df = parse(candidate)
        except DockerfileSyntaxError as exc:
            raise FixFailure(f"a fix made the Dockerfile unparsable ({exc})", codes) from None
        new_broken = _broken_shells(new_df)
        if new_broken > broken_shells:
            raise FixFailure("a fix made the shell of a RUN unparsable", codes)
        broken_shells = new_broken
        applied.extend(chosen)
        current, df = candidate, new_df
    codes = tuple(sorted({f.code for f in _choose(_run(df, transforms, context), threshold)}))
    raise FixFailure(f"fixes did not settle after {MAX_PASSES} passes", codes)


def _run(df: Dockerfile, transforms: tuple[Transform, ...], context: Context) -> list[Finding]:
    findings: list[Finding] = []
    for transform in transforms:
        findings.extend(transform.run(df, context))
    return findings


def _choose(findings: list[Finding], threshold: Applicability) -> list[Finding]:
    """The fixable findings, in order, skipping any that conflict with one already chosen."""
    chosen: list[Finding] = []
    taken: list[Fix] = []
    for finding in findings:
        if not finding.fixable(threshold):
            continue
        fix = finding.fix
        assert fix is not None
        if any(fix.conflicts_with(other) for other in taken):
            continue
        chosen.append(finding)
        taken.append(fix)
    return chosen


def _broken_shells(df: Dockerfile) -> int:
    count = 0
    for instruction in df.instructions:
        script = script_of(df, instruction)
        if script is not None and script.has_error:
            count += 1
    return count


# --------------------------------------------------------------------------- one file


@dataclass(frozen=True)
class Settings:
    transforms: tuple[Transform, ...]
    unsafe: bool = False
    write: bool = True  # False for --diff and --check


@dataclass(frozen=True)
class FileResult:
    """What happened to one file: ``status`` is "unchanged", "changed" or "failed"."""

    path: str
    status: str
    source: str | None = None
    output: str | None = None
    applied: tuple[Finding, ...] = ()
    remaining: tuple[Finding, ...] = field(default=())
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.status == "failed"


def fix_text(display: str, text: str, settings: Settings, path: Path | None = None) -> FileResult:
    """Fix already-read text; errors become a failed FileResult."""
    try:
        result = fix_source(text, settings.transforms, unsafe=settings.unsafe, context=Context(path))
    except DockerfileSyntaxError as exc:
        return FileResult(display, "failed", source=text, error=f"cannot parse: {exc}")
    except FixFailure as exc:
        return FileResult(display, "failed", source=text, error=str(exc))
    except RecursionError:
        return FileResult(display, "failed", source=text, error="too deeply nested to analyse")
    status = "changed" if result.changed else "unchanged"
    return FileResult(display, status, text, result.output, result.applied, result.remaining)


def process_file(path: Path, settings: Settings) -> FileResult:
    """Read, fix and (when settings.write) rewrite one file. Never raises for a bad file."""
    display = str(path)
    try:
        text = files.read_dockerfile(path)
    except files.InputError as exc:
        return FileResult(display, "failed", error=str(exc))
    result = fix_text(display, text, settings, path)
    if result.status == "changed" and settings.write:
        try:
            files.write_atomic(path, result.output or "")
        except OSError as exc:
            return FileResult(display, "failed", source=text, error=f"cannot write: {exc.strerror or exc}")
    return result
