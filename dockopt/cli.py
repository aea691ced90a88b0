"""The command line: ``dockopt fix``, ``dockopt check``, ``dockopt verify``, ``dockopt list``,
``dockopt explain``.

stdout carries data (diffs, rewritten text, findings, tables); stderr carries per-file errors
and the summary. Exit codes: 0 success or nothing to do; 1 changes needed (``--check``,
``--diff``) or findings (``check``); 2 dockopt could not do its job for at least one file,
or bad usage.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Iterator, List, Optional

import typer

from . import __version__, bulk
from .engine import FileResult, Settings, process_many, process_text
from .files import InputError, decode, discover
from .fix import Applicability
from .output import FORMATS, CheckSummary, Summary, unified_diff
from .registry import UnknownSelector, all_transforms, lookup, select

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Rewrite Dockerfiles so that images are smaller, rebuild faster and run safer.",
    pretty_exceptions_enable=False,
)

EXIT_OK, EXIT_CHANGES, EXIT_ERROR = 0, 1, 2


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dockopt {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """dockopt: rewrite Dockerfiles, safely, and show the diff."""


def _split(values: Optional[List[str]]) -> list[str]:
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def _err(message: str) -> None:
    if bulk.print_above(message):  # a progress bar is showing
        return
    sys.stderr.flush()
    sys.stderr.buffer.write((message + "\n").encode("utf-8", "backslashreplace"))
    sys.stderr.buffer.flush()


def _out(text: str) -> None:
    """Data goes to stdout as UTF-8 bytes, whatever the locale says."""
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.buffer.flush()


# options that `fix` and `check` share
_SELECT = typer.Option(
    None, "--select", help="Only these transforms: codes, names, hadolint rules or code prefixes (comma-separated)."
)
_IGNORE = typer.Option(None, "--ignore", help="Leave out these transforms (same forms as --select).")
_QUIET = typer.Option(False, "--quiet", "-q", help="Print no summary, no progress bar, no table.")
_JOBS = typer.Option(0, "--jobs", "-j", help="Processes working on files in parallel (default: one per core).")
_CONTEXT = typer.Option(None, "--context", help="The build context of the Dockerfiles (default: each one's own directory).")


@app.command()
def fix(
    paths: Optional[List[str]] = typer.Argument(
        None, help="Files or directories to fix (default: the current directory); '-' reads stdin and writes stdout."
    ),
    diff: bool = typer.Option(False, "--diff", help="Print a unified diff of the changes; write nothing."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 if any file would change."),
    unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes", help="Also apply fixes that may change behaviour."),
    exit_non_zero_on_fix: bool = typer.Option(
        False, "--exit-non-zero-on-fix", help="Exit 1 when files were changed (as --check and --diff do when they would be)."
    ),
    select_: Optional[List[str]] = _SELECT,
    ignore: Optional[List[str]] = _IGNORE,
    quiet: bool = _QUIET,
    jobs: int = _JOBS,
    context: Optional[str] = _CONTEXT,
) -> None:
    """Rewrite Dockerfiles in place (or show what would change)."""
    settings = _settings(select_, ignore, context, unsafe=unsafe_fixes, write=not (diff or check), keep_text=diff)
    targets = paths or ["."]
    report_changes = diff or check or exit_non_zero_on_fix
    if _stdin(targets):
        raise typer.Exit(_fix_stdin(settings, diff=diff, check=check, report_changes=report_changes))

    summary = Summary(unsafe=unsafe_fixes)
    for result in _results(targets, settings, jobs, quiet=quiet, stdout_data=diff, label="checking" if check or diff else "fixing"):
        summary.add(result)
        _report(result, diff=diff, check=check)
    if summary.files == 0:
        _err(f"warning: no Dockerfiles found under {', '.join(targets)}")
    if not quiet:
        _err(summary.line(would=diff or check))
    if summary.fixes and bulk.show_table(quiet=quiet, files=summary.files, stderr_tty=bulk.is_terminal(sys.stderr)):
        bulk.print_table(bulk.fix_table(summary, would=diff or check))
    raise typer.Exit(_exit_code(summary, report_changes))


@app.command()
def check(
    paths: Optional[List[str]] = typer.Argument(
        None, help="Files or directories to check (default: the current directory); '-' reads stdin."
    ),
    unsafe_fixes: bool = typer.Option(
        False, "--unsafe-fixes", help="Mark as fixable [*] the findings whose fix is unsafe too."
    ),
    select_: Optional[List[str]] = _SELECT,
    ignore: Optional[List[str]] = _IGNORE,
    quiet: bool = _QUIET,
    jobs: int = _JOBS,
    context: Optional[str] = _CONTEXT,
) -> None:
    """List the findings of every transform, display-only ones included; change nothing."""
    settings = _settings(select_, ignore, context, unsafe=unsafe_fixes, write=False, keep_text=False, check=True)
    targets = paths or ["."]
    if _stdin(targets):
        results: Iterable[FileResult] = [_check_stdin(settings)]
    else:  # in path order, so that findings are printed as they come, sorted by file, and never kept
        results = _results(targets, settings, jobs, quiet=quiet, stdout_data=True, label="checking", by_path=True)
    summary = CheckSummary(unsafe=unsafe_fixes)
    for result in results:
        summary.add(result)
        if result.failed:
            _err(f"error: {result.path}: {result.error}")
        elif result.diagnostics:
            _out(FORMATS["text"]([result]))
    if summary.files + summary.failed == 0:
        _err(f"warning: no Dockerfiles found under {', '.join(targets)}")
    if not quiet:
        _err(summary.line())
    if summary.findings and bulk.show_table(quiet=quiet, files=summary.files, stderr_tty=bulk.is_terminal(sys.stderr)):
        bulk.print_table(bulk.check_table(summary))
    raise typer.Exit(EXIT_ERROR if summary.failed else EXIT_CHANGES if summary.findings else EXIT_OK)


def _settings(
    select_: Optional[List[str]], ignore: Optional[List[str]], context: Optional[str], **options: bool
) -> Settings:
    """The settings of --select, --ignore and --context (and ``options``); exits on bad usage."""
    try:
        transforms = select(_split(select_), _split(ignore))
    except UnknownSelector as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_ERROR)
    if context is not None and not os.path.isdir(context):
        _err(f"error: --context {context}: not a directory")
        raise typer.Exit(EXIT_ERROR)
    return Settings(transforms, context_dir=Path(context) if context is not None else None, **options)


def _stdin(targets: list[str]) -> bool:
    """Whether the paths name stdin (`-`), which must then come alone; exits on bad usage."""
    if "-" not in targets:
        return False
    if len(targets) > 1:
        _err("error: '-' (stdin) cannot be combined with other paths")
        raise typer.Exit(EXIT_ERROR)
    return True


def _results(
    targets: list[str], settings: Settings, jobs: int, *, quiet: bool, stdout_data: bool, label: str, by_path: bool = False
) -> Iterator[FileResult]:
    """Every Dockerfile the paths name, processed (in path order when ``by_path``), one result
    at a time: paths that are missing fail first, symbolic links skipped get a note.

    A progress bar shows meanwhile when ``bulk.show_progress`` says so (``stdout_data``: the
    command prints data on stdout as it goes).
    """
    found = list(discover(targets))
    for skipped in (f for f in found if f.note):
        _err(f"note: {skipped.path}: {skipped.note}")
    for missing in (f for f in found if f.error):
        yield FileResult(str(missing.path), "failed", error=missing.error)
    paths = [f.path for f in found if f.ok]
    del found
    if by_path:
        paths.sort(key=str)
    shown = bulk.show_progress(
        quiet=quiet,
        files=len(paths),
        stderr_tty=bulk.is_terminal(sys.stderr),
        stdout_tty=bulk.is_terminal(sys.stdout),
        stdout_data=stdout_data,
    )
    with bulk.progress(len(paths), label, enabled=shown) as advance:
        for result in process_many(paths, settings, jobs if jobs > 0 else (os.cpu_count() or 1)):
            yield result
            advance()


def _report(result: FileResult, *, diff: bool, check: bool) -> None:
    if result.failed:
        _err(f"error: {result.path}: {result.error}")
        return
    if result.status == "changed":
        if diff:
            if result.rewritten:
                _out(unified_diff(result.path, result.source or "", result.output or ""))
            for side in result.side_files:
                _out(unified_diff(side.path, side.before, side.after))
        elif check:
            if result.rewritten:
                _err(f"would change: {result.path}")
            for side in result.side_files:
                _err(f"would write: {side.path}")


def _fix_stdin(settings: Settings, *, diff: bool, check: bool, report_changes: bool) -> int:
    data = sys.stdin.buffer.read()
    try:
        text = decode(data)
    except InputError as exc:
        _err(f"error: -: {exc}")
        sys.stdout.buffer.write(data)
        return EXIT_ERROR
    result = process_text("-", text, replace(settings, keep_text=True))
    summary = Summary(unsafe=settings.unsafe)
    summary.add(result)
    if result.failed:
        _err(f"error: -: {result.error}")
        if not (diff or check):
            _out(text)
        return EXIT_ERROR
    output = result.output or text
    if diff:
        _out(unified_diff("-", text, output))
        for side in result.side_files:
            _out(unified_diff(side.path, side.before, side.after))
    elif not check:
        _out(output)
        if result.side_files:
            _err("note: with stdin, files beside the Dockerfile are not written: " + ", ".join(s.path for s in result.side_files))
    return _exit_code(summary, report_changes)


def _check_stdin(settings: Settings) -> FileResult:
    try:
        text = decode(sys.stdin.buffer.read())
    except InputError as exc:
        return FileResult("-", "failed", error=str(exc))
    return process_text("-", text, settings)


def _exit_code(summary: Summary, report_changes: bool) -> int:
    """2 when a file failed; 1 when files changed (or would) and ``report_changes``; else 0."""
    if summary.failed:
        return EXIT_ERROR
    if report_changes and summary.changed:
        return EXIT_CHANGES
    return EXIT_OK


@app.command()
def verify(
    dockerfile: str = typer.Argument("Dockerfile", help="The Dockerfile to rewrite and verify."),
    context: Optional[str] = typer.Option(None, "--context", help="The build context (default: the Dockerfile's directory)."),
    engine: Optional[str] = typer.Option(None, "--engine", help="docker, podman or buildah (default: the first that works)."),
    unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes", help="Also apply fixes that may change behaviour."),
    select_: Optional[List[str]] = typer.Option(None, "--select", help="Only these transforms (as for fix)."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Leave out these transforms (as for fix)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of the table."),
) -> None:
    """Build the Dockerfile and its rewrite for real and compare the two images."""
    from .containers import EngineError, find_engine
    from .verify import EXIT_CANNOT, render_json, render_text, verify as run_verify

    try:
        transforms = select(_split(select_), _split(ignore))
    except UnknownSelector as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_ERROR)
    if not Path(dockerfile).is_file():
        _err(f"error: {dockerfile}: no such file")
        raise typer.Exit(EXIT_CANNOT)
    try:
        found = find_engine(engine)
    except EngineError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_CANNOT)
    report = run_verify(
        Path(dockerfile), Path(context) if context else None, found, transforms, unsafe_fixes, lambda line: _err(f"  {line}")
    )
    _out(render_json(report) + "\n" if as_json else render_text(report))
    if report.exit_code == EXIT_CANNOT:
        _err(f"error: {report.message.splitlines()[0]}")
    raise typer.Exit(report.exit_code)


@app.command("list")
def list_transforms() -> None:
    """List every transform: code, name, hadolint rule, default safety, summary."""
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("code", "name", "hadolint", "safety", "summary"):
        table.add_column(column)
    for t in all_transforms():
        table.add_row(t.code, t.name, ", ".join(t.hadolint) or "-", t.applicability.label, t.summary)
    console = Console()
    # in a pipe, rows stay whole lines (no wrapping) so that they can be grepped
    Console(width=console.width if console.is_terminal else 1000).print(table)


@app.command()
def explain(key: str = typer.Argument(..., help="A transform code, name or hadolint rule, e.g. DO101, merge-runs, DL3059.")) -> None:
    """Show a transform's documentation."""
    found = lookup(key)
    if found is None:
        _err(f"error: no transform named '{key}' (see `dockopt list`)")
        raise typer.Exit(EXIT_ERROR)
    rules = f" (answers hadolint {', '.join(found.hadolint)})" if found.hadolint else ""
    safety = "display-only (no fix)" if found.applicability == Applicability.DISPLAY_ONLY else f"{found.applicability.label} fix"
    typer.echo(f"{found.code} {found.name}{rules}, {safety}\n\n{found.doc}")


def run() -> None:
    app()


if __name__ == "__main__":
    run()
