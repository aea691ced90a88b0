"""The fixpoint loop: one file in, one result out.

``fix_source`` runs the chosen transforms over a parsed Dockerfile, applies the fixes that
meet the threshold and do not conflict, parses the new text again, and repeats until no fix
applies. A pass that breaks the parse (or the shell of a RUN), or a loop that does not
settle, leaves the text untouched and fails with the transform codes involved.

``find_source`` runs the transforms once on the file as it is and returns every finding
with its position (``dockopt check``).

Both honour the file's suppression comments (``suppression.apply``): what they suppress is
not found, and fixes they hold back are not applied. With ``refusals=True`` (``process_text``
asks for it) both also look for what BuildKit refuses to build (``validity``), which no
selection or suppression turns off: ``find_source`` reports it as error findings, and
``fix_source`` raises ``Refused`` for the first, before any transform runs.

``process_file`` wraps either for one path: read, fix, write (or not), and always return a
``FileResult``, never raise: an exception inside a transform, or anywhere in one file's
processing, fails that file alone (``internal error in CODE name: ...``), and a worker
process that dies fails only the file it was analysing (``process_many``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from . import files, suppression, validity
from .context import Context, Options
from .fix import Applicability, Edit, Finding, Fix, OverlappingEdits, apply_edits, nodes_touched
from .registry import all_transforms, select
from .shell import script_of
from .syntax import Dockerfile, DockerfileSyntaxError, parse
from .transform import ERROR, WARNING, Transform
from .validity import Refused

if TYPE_CHECKING:  # a pool only for many files: concurrent.futures and multiprocessing cost 8 ms to import
    from concurrent.futures import Future, ProcessPoolExecutor

MAX_PASSES = 25


class FixFailure(Exception):
    """A pass of fixes made the file worse; nothing is written."""

    def __init__(self, message: str, codes: tuple[str, ...]) -> None:
        super().__init__(message)
        self.message = message
        self.codes = codes

    def __str__(self) -> str:
        return f"{self.message} (fixes by {', '.join(self.codes)}); file left unchanged"


class InternalError(Exception):
    """A transform raised: a bug of dockopt's, which fails this file alone."""

    def __init__(self, transform: Transform, error: Exception) -> None:
        super().__init__(f"internal error in {transform.code} {transform.name}: {describe(error)} (please report)")


def describe(error: BaseException) -> str:
    """An exception on one line: its type and its message."""
    message = " ".join(str(error).split())
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


@dataclass(frozen=True)
class SideFile:
    """A file of the build context that fixes write (a `.dockerignore`)."""

    path: str  # relative to the build context
    before: str | None  # None when it does not exist yet
    after: str


@dataclass(frozen=True)
class FixResult:
    source: str
    output: str
    applied: tuple[Finding, ...]  # the fixes applied, pass after pass
    remaining: tuple[Finding, ...]  # what is still found in the output
    passes: int
    side_files: tuple[SideFile, ...] = ()
    warnings: tuple[str, ...] = ()  # "line:col: CODE message" of each invalid suppression comment of the source

    @property
    def changed(self) -> bool:
        return self.output != self.source or bool(self.side_files)


def fix_source(
    text: str,
    transforms: tuple[Transform, ...],
    *,
    unsafe: bool = False,
    context: Context | None = None,
    refusals: bool = False,
) -> FixResult:
    """Fix ``text`` to a fixpoint. Raises DockerfileSyntaxError for bad input, Refused (with
    ``refusals``) for a file BuildKit would not build, FixFailure when a fix misbehaves."""
    context = _catalogued(context)
    threshold = Applicability.UNSAFE if unsafe else Applicability.SAFE
    df = parse(text)
    if refusals:
        validity.refuse(df)
    transforms = unskipped(df, transforms)
    current = text
    applied: list[Finding] = []
    originals: dict[str, str | None] = {}  # side files as they were before any fix
    broken_shells = _broken_shells(df)
    warnings: tuple[str, ...] = ()
    for passes in range(1, MAX_PASSES + 1):
        findings = _run(df, transforms, context)
        if passes == 1:
            warnings = _warnings(df, findings)
        chosen = _choose(findings, threshold, df, {t.code for t in transforms if t.alone})
        if not chosen:
            written = dict(context.written)
            side = tuple(
                SideFile(path, before, written[path]) for path, before in originals.items() if before != written[path]
            )
            return FixResult(text, current, tuple(applied), tuple(findings), passes, side, warnings)
        fixes = [f.fix for f in chosen if f.fix is not None]  # all of them: chosen findings are fixable
        for write in (w for fix in fixes for w in fix.writes):
            originals.setdefault(write.path, context.read(write.path))
            context = context.with_file(write.path, write.content)
        codes = tuple(sorted({f.code for f in chosen}))
        try:
            candidate = apply_edits(current, _spaced_after_heredocs(df, [e for fix in fixes for e in fix.edits]))
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
    codes = tuple(sorted({f.code for f in _choose(_run(df, transforms, context), threshold, df, set())}))
    raise FixFailure(f"fixes did not settle after {MAX_PASSES} passes", codes)


@dataclass(frozen=True)
class EditAt:
    """An edit of a finding's fix as ``dockopt check`` reports it: replace what lies from
    ``line:column`` to ``end_line:end_column`` (1-based, the end excluded, as a finding's
    range) with ``content``; an insertion when both ends are the same."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str


@dataclass(frozen=True)
class Diagnostic:
    """A finding as ``dockopt check`` reports it: where it is (1-based lines and columns,
    the end just after its last character) and whether its fix would be applied.

    ``edits`` and ``writes`` are its fix, as ``dockopt fix`` would apply it to the file as it
    is (the edits over the file's text, the files written beside it: ``SideFile``, ``before``
    None for a file that does not exist yet)."""

    code: str
    name: str
    message: str
    line: int
    column: int
    end_line: int
    end_column: int
    applicability: Applicability | None  # of its fix; None when it has none
    fixable: bool  # ``dockopt fix`` with the same options would apply its fix
    severity: str = (
        WARNING  # its transform's (or the configuration's); "error" for what BuildKit refuses (``validity``)
    )
    fix: Fix | None = None  # the finding's own fix (edits over the text checked), whatever ``fixable`` says
    edits: tuple[EditAt, ...] = ()
    writes: tuple[SideFile, ...] = ()
    lines: str = ""  # the file's lines it covers, whole (what a GitLab fingerprint hashes: ``_lines_of``)


def find_source(
    text: str,
    transforms: tuple[Transform, ...],
    *,
    unsafe: bool = False,
    context: Context | None = None,
    refusals: bool = False,
    severities: Mapping[str, str] | None = None,
) -> tuple[Diagnostic, ...]:
    """Every finding of the transforms on ``text`` as it is (no fix applied), in file order;
    with ``refusals``, what BuildKit refuses too (severity "error"). Each finding has its
    transform's severity, or the one ``severities`` (code -> severity) gives its code.

    Raises DockerfileSyntaxError for bad input.
    """
    threshold = Applicability.UNSAFE if unsafe else Applicability.SAFE
    df = parse(text)
    diagnostics = []
    for problem in validity.problems(df) if refusals else ():
        line, column = df.line_col(problem.start)
        end_line, end_column = df.line_col(problem.end)
        diagnostics.append(
            Diagnostic(
                problem.code,
                problem.name,
                problem.message,
                line,
                column,
                end_line,
                end_column,
                None,
                False,
                ERROR,
                lines=_lines_of(df, problem.start, problem.end),
            )
        )
    context = _catalogued(context)
    severity = {t.code: t.severity for t in (*all_transforms(), *transforms)} | dict(severities or {})
    for finding in _run(df, unskipped(df, transforms), context):
        line, column = df.line_col(finding.start)
        end_line, end_column = df.line_col(finding.end)
        fix = finding.fix
        applicability = fix.applicability if fix is not None else None
        edits = _edits_at(df, fix.edits) if fix is not None else ()
        writes = tuple(SideFile(w.path, context.read(w.path), w.content) for w in fix.writes) if fix else ()
        diagnostics.append(
            Diagnostic(
                finding.code,
                finding.name,
                finding.message,
                line,
                column,
                end_line,
                end_column,
                applicability,
                finding.fixable(threshold),
                severity.get(finding.code, WARNING),
                fix=finding.fix,
                edits=edits,
                writes=writes,
                lines=_lines_of(df, finding.start, finding.end),
            )
        )
    return tuple(sorted(diagnostics, key=lambda d: (d.line, d.column)))  # stable: transform order at one place


def _lines_of(df: Dockerfile, start: int, end: int) -> str:
    """The lines of the file from the one holding ``start`` to the one holding the last
    character before ``end``, whole, without the last newline."""
    last = max(start, end - 1) if end > start and df.text[end - 1] == "\n" else end
    stop = df.text.find("\n", last)
    return df.text[df.line_start(start) : stop if stop >= 0 else len(df.text)]


def _edits_at(df: Dockerfile, edits: tuple[Edit, ...]) -> tuple[EditAt, ...]:
    """A fix's edits at lines and columns, as ``fix_source`` would apply them."""
    return tuple(
        EditAt(*df.line_col(edit.start), *df.line_col(edit.end), edit.content)
        for edit in _spaced_after_heredocs(df, list(edits))
    )


def unskipped(df: Dockerfile, transforms: tuple[Transform, ...]) -> tuple[Transform, ...]:
    """The transforms less those answering a BuildKit check that the file's `# check=skip=`
    directive skips (``skip=all``: every transform that answers one)."""
    skipped = validity.skipped_checks(df)
    if not skipped:
        return transforms
    return tuple(t for t in transforms if not (t.buildkit and ("all" in skipped or skipped & set(t.buildkit))))


def _catalogued(context: Context | None) -> Context:
    """The context (an empty one when None) with every transform in its catalogue."""
    context = context or Context()
    return context if context.catalogue else replace(context, catalogue=all_transforms())


def _run(df: Dockerfile, transforms: tuple[Transform, ...], context: Context) -> list[Finding]:
    """What the transforms find, less what suppression comments suppress (and the fixes they hold back)."""
    findings: list[Finding] = []
    for transform in transforms:
        try:
            findings.extend(transform.run(df, context))
        except RecursionError:
            raise
        except Exception as error:
            raise InternalError(transform, error) from error
    return suppression.apply(df, findings, context.catalogue)


def _warnings(df: Dockerfile, findings: list[Finding]) -> tuple[str, ...]:
    """The invalid suppression comments among the findings, as `line:col: CODE message`."""
    return tuple(
        "{}:{}: {} {}".format(*df.line_col(f.start), f.code, f.message)
        for f in findings
        if f.code == suppression.INVALID_SUPPRESSION
    )


def _choose(
    findings: list[Finding], threshold: Applicability, df: Dockerfile, alone: set[str] | None = None
) -> list[Finding]:
    """The fixable findings, in order, skipping any that conflict with one already chosen.

    The first fixable finding of an ``alone`` transform, if any, is chosen by itself. A fix
    that adds text after the last instruction when that one ends with a continuation (the
    escape character on the file's last line) is never chosen: the text would join it.

    Two fixes conflict when their edits overlap or touch, and fixes of different transforms
    also when they edit the same instruction: each was worked out on the instruction as it
    is, so the later one waits for the next pass and sees the other's result.
    """
    last = df.instructions[-1]
    swallowed = last.span.end if last.continues else None  # a line added there would join the last instruction

    def joins_last(fix: Fix | None) -> bool:
        return fix is not None and swallowed is not None and any(e.start >= swallowed and e.content for e in fix.edits)

    for finding in findings:
        if alone and finding.code in alone and finding.fixable(threshold) and not joins_last(finding.fix):
            return [finding]
    starts = [node.span.start for node in df.nodes]
    chosen: list[Finding] = []
    taken: list[tuple[Fix, str, set[int]]] = []
    for finding in findings:
        if not finding.fixable(threshold):
            continue
        fix = finding.fix
        assert fix is not None
        if joins_last(fix):
            continue
        nodes = nodes_touched(fix.edits, starts)
        if any(
            fix.conflicts_with(other) or (code != finding.code and nodes & other_nodes)
            for other, code, other_nodes in taken
        ):
            continue
        chosen.append(finding)
        taken.append((fix, finding.code, nodes))
    return chosen


def _spaced_after_heredocs(df: Dockerfile, edits: list[Edit]) -> list[Edit]:
    """Text a fix puts right after a heredoc's terminator line starts with a blank line.

    BuildKit does not need it, but hadolint (2.x) cannot parse an instruction or a comment
    right after a terminator ("unexpected 'R' expecting a new line"): a file it could read
    before a fix must stay one it can read.
    """
    ends = df.memo(_heredoc_ends)
    if not ends:
        return edits
    spaced = []
    for edit in edits:
        if edit.start in ends and edit.content.strip():
            newline = df.newline_at(edit.start - 1)
            need = newline if df.text[: edit.start].endswith("\n") else newline * 2
            if not edit.content.startswith(need):
                edit = Edit(edit.start, edit.end, (need if need == newline else newline) + edit.content)
        spaced.append(edit)
    return spaced


def _heredoc_ends(df: Dockerfile) -> frozenset[int]:
    """Where the instructions with heredocs end (after their terminator lines)."""
    return frozenset(i.span.end for i in df.instructions if i.heredocs)


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
    keep_text: bool = True  # results carry the source and output (for diffs)
    context_dir: Path | None = None  # the build context for every file (default: each file's directory)
    check: bool = False  # only list the findings on the file as it is (``diagnostics``); change nothing
    options: Options = Options()  # the transforms' options, from the configuration
    severities: tuple[tuple[str, str], ...] = ()  # (code, severity) the configuration sets, over the transforms' own


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
    side_files: tuple[SideFile, ...] = ()  # paths as displayed (the context directory joined)
    rewritten: bool = False  # the Dockerfile itself changes (not only files beside it)
    diagnostics: tuple[Diagnostic, ...] = ()  # with ``Settings.check``: the findings, in file order
    warnings: tuple[str, ...] = ()  # "line:col: CODE message" of each invalid suppression comment (``fix``)
    unsafe: bool = False  # the file was fixed (or checked) with --unsafe-fixes in force

    @property
    def failed(self) -> bool:
        return self.status == "failed"


def process_text(display: str, text: str, settings: Settings, path: Path | None = None) -> FileResult:
    """Fix already-read text (with ``settings.check``, list its findings); errors become a failed FileResult."""
    directory = settings.context_dir or (path.parent if path is not None else None)
    context = Context(path, directory, options=settings.options, catalogue=all_transforms())
    try:
        if settings.check:
            found = find_source(
                text,
                settings.transforms,
                unsafe=settings.unsafe,
                context=context,
                refusals=True,
                severities=dict(settings.severities),
            )
            found = tuple(replace(d, writes=_displayed(d.writes, directory)) if d.writes else d for d in found)
            return FileResult(display, "unchanged", text, text, diagnostics=found, unsafe=settings.unsafe)
        result = fix_source(text, settings.transforms, unsafe=settings.unsafe, context=context, refusals=True)
    except DockerfileSyntaxError as exc:
        return FileResult(display, "failed", source=text, error=f"cannot parse: {exc}")
    except (Refused, FixFailure, InternalError) as exc:
        return FileResult(display, "failed", source=text, error=str(exc))
    except RecursionError:
        return FileResult(display, "failed", source=text, error="too deeply nested to analyse")
    except Exception as error:  # a bug outside the transforms: this file fails, the run goes on
        return FileResult(display, "failed", source=text, error=f"internal error: {describe(error)} (please report)")
    status = "changed" if result.changed else "unchanged"
    side = _displayed(result.side_files, directory)
    return FileResult(
        display,
        status,
        text,
        result.output,
        result.applied,
        result.remaining,
        side_files=side,
        rewritten=result.output != text,
        warnings=result.warnings,
        unsafe=settings.unsafe,
    )


def _displayed(side_files: tuple[SideFile, ...], directory: Path | None) -> tuple[SideFile, ...]:
    """Side files with their paths as displayed: the build context directory joined."""
    return tuple(
        SideFile(str(directory / f.path) if directory is not None else f.path, f.before, f.after) for f in side_files
    )


def process_file(path: Path, settings: Settings) -> FileResult:
    """Read, fix (or check) and (when settings.write) rewrite one file. Never raises."""
    try:
        result = _process_file(path, settings)
    except Exception as error:
        result = FileResult(str(path), "failed", error=f"internal error: {describe(error)} (please report)")
    if not settings.keep_text:
        side = tuple(SideFile(f.path, None, "") for f in result.side_files)
        result = replace(result, source=None, output=None, side_files=side)
    return result


def _process_file(path: Path, settings: Settings) -> FileResult:
    display = str(path)
    try:
        text = files.read_dockerfile(path)
    except files.InputError as exc:
        return FileResult(display, "failed", error=str(exc))
    result = process_text(display, text, settings, path)
    if result.status == "changed" and settings.write:
        return write_result(path, result)
    return result


def write_result(path: Path, result: FileResult) -> FileResult:
    """Write a changed result (the Dockerfile, the files beside it); a failed result if it cannot be."""
    try:
        if result.rewritten:
            files.write_atomic(path, result.output or "")
        for side in result.side_files:
            files.write_file(Path(side.path), side.after)
    except OSError as exc:
        return FileResult(result.path, "failed", source=result.source, error=f"cannot write: {exc.strerror or exc}")
    return result


# --------------------------------------------------------------------------- many files

PARALLEL_FROM = 32  # fewer files than this are done in this process: a pool costs more
CHUNK = 8  # files a worker takes at a time
AHEAD = 4  # chunks per worker submitted ahead of the one being read
# what each worker process receives once: per distinct settings, its transforms by code and the rest
Shipped = tuple[tuple[tuple[str, ...], Settings], ...]


def process_many(
    paths: Iterable[Path], settings: Settings | Callable[[Path], Settings], jobs: int
) -> Iterator[FileResult]:
    """``process_file`` over many paths, in order, on ``jobs`` processes when it pays off.

    ``settings`` is the same for every path, or a function giving each path its own (the
    configuration in force where it is); it is called here, in this process, once a path.
    Results are yielded as they come, in the order of ``paths``, and never kept: with
    several processes at most ``jobs * AHEAD`` chunks of files are in flight, so that memory
    stays flat whatever the number of files (a slow file holds the ones after it back, it
    does not let them pile up).
    """
    paths = list(paths)
    each = [settings(path) for path in paths] if callable(settings) else [settings] * len(paths)
    if jobs <= 1 or len(paths) < PARALLEL_FROM:
        for path, own in zip(paths, each, strict=True):
            yield process_file(path, own)
        return
    from concurrent.futures.process import BrokenProcessPool

    # workers get each distinct settings once, transforms by code (they do not pickle), and
    # then only (path, which settings)
    profiles: dict[Settings, int] = {}
    work = [(path, profiles.setdefault(own, len(profiles))) for path, own in zip(paths, each, strict=True)]
    shipped = tuple((tuple(t.code for t in own.transforms), replace(own, transforms=())) for own in profiles)
    chunks = [work[start : start + CHUNK] for start in range(0, len(work), CHUNK)]
    pool = _pool(jobs, shipped)
    try:
        pending: deque[tuple[list[tuple[Path, int]], Future[list[FileResult]]]] = (
            deque()
        )  # (chunk, its future), in order
        submitted = 0
        while submitted < len(chunks) or pending:
            while submitted < len(chunks) and len(pending) < jobs * AHEAD:
                pending.append((chunks[submitted], pool.submit(_work_chunk, chunks[submitted])))
                submitted += 1
            chunk, future = pending.popleft()
            try:
                results = future.result()
            except BrokenProcessPool:
                # a worker died (a crash in native code, the kernel's OOM killer): every future
                # of the pool fails with it, the one to blame or not. This chunk's files are
                # done one a process, so that only the file that kills its process fails, and
                # the chunks in flight go to a new pool.
                pool.shutdown(wait=False, cancel_futures=True)
                results = [_alone(item, shipped) for item in chunk]
                pool = _pool(jobs, shipped)
                pending = deque((waiting, pool.submit(_work_chunk, waiting)) for waiting, _ in pending)
            yield from results
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _pool(jobs: int, shipped: Shipped) -> ProcessPoolExecutor:
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(shipped,))


def _alone(item: tuple[Path, int], shipped: Shipped) -> FileResult:
    """One file in a process of its own: its result, or a failure when the process dies."""
    from concurrent.futures.process import BrokenProcessPool

    with _pool(1, shipped) as pool:
        try:
            return pool.submit(_work_chunk, [item]).result()[0]
        except BrokenProcessPool:
            return FileResult(
                str(item[0]), "failed", error="internal error: the process analysing it died (please report)"
            )


_worker_settings: list[Settings] = []


def _init_worker(shipped: Shipped) -> None:
    _worker_settings[:] = [replace(own, transforms=select(codes)) for codes, own in shipped]


def _work_chunk(items: list[tuple[Path, int]]) -> list[FileResult]:
    return [process_file(path, _worker_settings[index]) for path, index in items]
