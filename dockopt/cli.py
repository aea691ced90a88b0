"""The command line: ``dockopt fix``, ``dockopt check``, ``dockopt verify``, ``dockopt list``,
``dockopt explain``.

stdout carries data (diffs, rewritten text, findings, tables); stderr carries per-file errors
and the summary. Exit codes: 0 success or nothing to do; 1 changes needed (``--check``,
``--diff``) or findings (``check``, what BuildKit would refuse included; with ``--fail-on``,
findings of that severity or more); 2 dockopt could not
do its job for at least one file (``fix`` on a file BuildKit would refuse included), or bad
usage.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import TextIO

import typer

from . import bulk, output, version_line
from .config import ConfigError, Overrides, Resolver, parse_list, show
from .engine import FileResult, Settings, process_many, process_text
from .files import InputError, decode, discover
from .fix import Applicability
from .output import COLOURS, FORMATS, LIST_FORMATS, STATISTICS_FORMATS, CheckSummary, FixList, Summary, unified_diff
from .refusals import ALWAYS_ON, REFUSALS
from .refusals import lookup as refusal_named
from .registry import UnknownSelector, all_transforms, lookup, unanswered, unanswered_warning
from .transform import SEVERITIES, unknown_transform

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Rewrite Dockerfiles so that images are smaller, rebuild faster and run safer.",
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # click's plain help: option names whole at 80 columns (rich's panels cut them)
)

EXIT_OK, EXIT_CHANGES, EXIT_ERROR = 0, 1, 2


def _version(value: bool) -> None:
    if value:
        typer.echo(version_line())
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """dockopt: rewrite Dockerfiles, safely, and show the diff."""


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
_EXTEND_SELECT = typer.Option(
    None, "--extend-select", help="Add these transforms to those the configuration selects (same forms as --select)."
)
_EXCLUDE = typer.Option(
    None,
    "--exclude",
    help="Leave these out of directory searches: gitignore-style patterns (replaces the configuration's).",
)
_EXTEND_EXCLUDE = typer.Option(
    None, "--extend-exclude", help="Leave these out too (added to the configuration's exclude)."
)
_CONFIG = typer.Option(None, "--config", help="Use this configuration file for every Dockerfile (no search).")
_ISOLATED = typer.Option(False, "--isolated", help="Read no configuration file.")
_SHOW_SETTINGS = typer.Option(
    False,
    "--show-settings",
    help="Print the settings in force for PATH (default: the current directory), and where each comes from.",
)
_QUIET = typer.Option(False, "--quiet", "-q", help="Print no summary, no progress bar, no table.")
_JOBS = typer.Option(0, "--jobs", "-j", help="Processes working on files in parallel (default: one per core).")
_CONTEXT = typer.Option(
    None, "--context", help="The build context of the Dockerfiles (default: each one's own directory)."
)
_STDIN_FILENAME = typer.Option(
    None,
    "--stdin-filename",
    help="Read stdin as this path: its name in diffs and findings, its configuration and build context.",
)
Colour = Enum("Colour", {name: name for name in COLOURS}, type=str)  # type: ignore[misc]  # as OutputFormat
_COLOR = typer.Option(
    Colour("auto"),
    "--color",
    help="Colour diffs and findings: auto (on a terminal only; NO_COLOR and FORCE_COLOR are honoured), always or never.",
    case_sensitive=False,
)


def _colour(choice: Enum, stream: TextIO) -> bool:
    """Whether what goes to ``stream`` is coloured (``output.colour_wanted``)."""
    return output.colour_wanted(choice.value, tty=bulk.is_terminal(stream), environ=os.environ)


@app.command()
def fix(
    paths: list[str] | None = typer.Argument(
        None, help="Files or directories to fix (default: the current directory); '-' reads stdin and writes stdout."
    ),
    diff: bool = typer.Option(False, "--diff", help="Print a unified diff of the changes; write nothing."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 if any file would change."),
    unsafe_fixes: bool | None = typer.Option(
        None,
        "--unsafe-fixes/--no-unsafe-fixes",
        help="Also apply fixes that may change behaviour (or not, whatever the configuration says).",
    ),
    exit_non_zero_on_fix: bool = typer.Option(
        False,
        "--exit-non-zero-on-fix",
        help="Exit 1 when files were changed (as --check and --diff do when they would be).",
    ),
    select_: list[str] | None = _SELECT,
    extend_select: list[str] | None = _EXTEND_SELECT,
    ignore: list[str] | None = _IGNORE,
    exclude: list[str] | None = _EXCLUDE,
    extend_exclude: list[str] | None = _EXTEND_EXCLUDE,
    config: str | None = _CONFIG,
    isolated: bool = _ISOLATED,
    show_settings: bool = _SHOW_SETTINGS,
    quiet: bool = _QUIET,
    jobs: int = _JOBS,
    context: str | None = _CONTEXT,
    stdin_filename: str | None = _STDIN_FILENAME,
    verify_builds: bool = typer.Option(
        False,
        "--verify",
        help="Build each Dockerfile and its rewrite, smoke-test both, and write only a rewrite that passes "
        "(retrying without the transform that broke it).",
    ),
    engine: str | None = typer.Option(
        None, "--engine", help="With --verify: docker, podman or buildah (default: the first that works)."
    ),
    show_fixes: bool = typer.Option(
        False, "--show-fixes", help="List the fixes applied (or, with --diff and --check, to apply), per file and code."
    ),
    color: Colour = _COLOR,
) -> None:
    """Rewrite Dockerfiles in place (or show what would change)."""
    resolver = _resolver(select_, extend_select, ignore, unsafe_fixes, exclude, extend_exclude, config, isolated)
    base = _base(context, write=not (diff or check), keep_text=diff)
    targets = paths or (["-"] if stdin_filename is not None else ["."])
    if show_settings:
        raise typer.Exit(_show_settings(resolver, paths, stdin_filename))
    report_changes = diff or check or exit_non_zero_on_fix
    if engine is not None and not verify_builds:
        _err("error: --engine goes with --verify")
        raise typer.Exit(EXIT_ERROR)
    if verify_builds:
        if _stdin(targets, stdin_filename):
            _err("error: --verify builds files from their build context: stdin ('-') cannot be verified")
            raise typer.Exit(EXIT_ERROR)
        raise typer.Exit(
            _fix_verified(
                targets,
                resolver,
                base,
                engine,
                diff=diff,
                check=check,
                quiet=quiet,
                report_changes=report_changes,
                show_fixes=show_fixes,
                color=color,
            )
        )
    if _stdin(targets, stdin_filename):
        name = stdin_filename or "-"
        settings = _stdin_settings(resolver, base, stdin_filename)
        listed = show_fixes and not quiet
        colours = (_colour(color, sys.stdout), _colour(color, sys.stderr))
        raise typer.Exit(
            _fix_stdin(
                settings, name, diff=diff, check=check, report_changes=report_changes, listed=listed, colours=colours
            )
        )

    summary = Summary(unsafe=bool(unsafe_fixes))
    fixes = FixList()
    colour = _colour(color, sys.stdout)
    label = "checking" if check or diff else "fixing"
    for result in _results(targets, resolver, base, jobs, quiet=quiet, stdout_data=diff, label=label):
        summary.add(result)
        fixes.add(result)
        _report(result, diff=diff, check=check, colour=colour)
    _fix_epilogue(summary, fixes, targets, would=diff or check, quiet=quiet, show_fixes=show_fixes, color=color)
    if summary.fixes and bulk.show_table(quiet=quiet, files=summary.files, stderr_tty=bulk.is_terminal(sys.stderr)):
        bulk.print_table(bulk.fix_table(summary, would=diff or check))
    raise typer.Exit(_exit_code(summary, report_changes))


OutputFormat = Enum("OutputFormat", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]  # members from FORMATS, not a literal
_TEXT = OutputFormat("text")  # the members are made at run time: mypy cannot see OutputFormat.text
FailOn = Enum("FailOn", {name: name for name in SEVERITIES}, type=str)  # type: ignore[misc]  # as OutputFormat


@app.command()
def check(
    paths: list[str] | None = typer.Argument(
        None, help="Files or directories to check (default: the current directory); '-' reads stdin."
    ),
    unsafe_fixes: bool | None = typer.Option(
        None,
        "--unsafe-fixes/--no-unsafe-fixes",
        help="Mark as fixable [*] the findings whose fix is unsafe too (or not).",
    ),
    select_: list[str] | None = _SELECT,
    extend_select: list[str] | None = _EXTEND_SELECT,
    ignore: list[str] | None = _IGNORE,
    exclude: list[str] | None = _EXCLUDE,
    extend_exclude: list[str] | None = _EXTEND_EXCLUDE,
    config: str | None = _CONFIG,
    isolated: bool = _ISOLATED,
    show_settings: bool = _SHOW_SETTINGS,
    quiet: bool = _QUIET,
    jobs: int = _JOBS,
    context: str | None = _CONTEXT,
    output_format: OutputFormat = typer.Option(
        _TEXT, "--output-format", help="How to print the findings (on stdout).", case_sensitive=False
    ),
    stdin_filename: str | None = _STDIN_FILENAME,
    exit_zero: bool = typer.Option(
        False, "--exit-zero", help="Exit 0 whatever the findings (2 still when a file could not be checked)."
    ),
    statistics: bool = typer.Option(
        False, "--statistics", help="Print how many findings each code has, instead of the findings (text or json)."
    ),
    fail_on: FailOn | None = typer.Option(
        None,
        "--fail-on",
        help="Exit 1 only for findings of this severity or more: error, warning or info (default: any finding).",
        case_sensitive=False,
    ),
    show_fixes: bool = typer.Option(
        False, "--show-fixes", help="End each finding that has a fix with [safe fix] or [unsafe fix] (text output)."
    ),
    color: Colour = _COLOR,
) -> None:
    """List the findings of every transform, display-only ones included; change nothing."""
    resolver = _resolver(select_, extend_select, ignore, unsafe_fixes, exclude, extend_exclude, config, isolated)
    base = _base(context, write=False, keep_text=False, check=True)
    targets = paths or (["-"] if stdin_filename is not None else ["."])
    if statistics and output_format.value not in STATISTICS_FORMATS:
        _err(f"error: --statistics prints text or json, not {output_format.value}")
        raise typer.Exit(EXIT_ERROR)
    if show_settings:
        raise typer.Exit(_show_settings(resolver, paths, stdin_filename))
    if _stdin(targets, stdin_filename):
        settings = _stdin_settings(resolver, base, stdin_filename)
        results: Iterable[FileResult] = [_check_stdin(settings, stdin_filename)]
    else:  # in path order, so that findings are printed as they come, sorted by file
        results = _results(targets, resolver, base, jobs, quiet=quiet, stdout_data=True, label="checking", by_path=True)
    summary = CheckSummary(unsafe=bool(unsafe_fixes))
    # the other formats are one document: results are kept for it; statistics come at the end
    streamed = output_format.value == "text" and not statistics
    checked = []
    colour = _colour(color, sys.stdout)
    for result in results:
        summary.add(result)
        if result.failed:
            _err(f"error: {result.path}: {result.error}")
        if streamed:
            if not result.failed and result.diagnostics:
                _out(output.format_text([result], colour=colour, show_fixes=show_fixes))
        elif not statistics:
            checked.append(result)
    if statistics:
        _out(output.statistics(summary, output_format.value))
    elif not streamed:
        _out(FORMATS[output_format.value](sorted(checked, key=lambda r: r.path)))
    if summary.files + summary.failed == 0:
        _err(f"warning: no Dockerfiles found under {', '.join(targets)}")
    if not quiet:
        _err(summary.line())
    if (
        summary.findings
        and not statistics
        and bulk.show_table(quiet=quiet, files=summary.files, stderr_tty=bulk.is_terminal(sys.stderr))
    ):
        bulk.print_table(bulk.check_table(summary))
    failing = summary.failing(fail_on.value if fail_on is not None else None)
    raise typer.Exit(EXIT_ERROR if summary.failed else EXIT_CHANGES if failing and not exit_zero else EXIT_OK)


def _resolver(
    select_: list[str] | None,
    extend_select: list[str] | None,
    ignore: list[str] | None,
    unsafe_fixes: bool | None,
    exclude: list[str] | None,
    extend_exclude: list[str] | None,
    config: str | None,
    isolated: bool,
) -> Resolver:
    """What the command line says over the configuration files; exits on bad usage or a bad --config."""
    selected = parse_list(select_)
    overrides = Overrides(
        selected or None,
        parse_list(extend_select),
        parse_list(ignore),
        unsafe_fixes,
        parse_list(exclude) if exclude else None,
        parse_list(extend_exclude),
    )
    if config is not None and isolated:
        _err("error: --config and --isolated cannot be used together")
        raise typer.Exit(EXIT_ERROR)
    try:
        overrides.check()
        if overrides.unanswered():
            _err("warning: " + unanswered_warning("command line", overrides.unanswered()))
        return Resolver(
            overrides,
            config=Path(config) if config is not None else None,
            isolated=isolated,
            warn=lambda message: _err(f"warning: {message}"),
        )
    except (UnknownSelector, ConfigError) as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_ERROR) from None


def _base(context: str | None, *, write: bool, keep_text: bool, check: bool = False) -> Settings:
    """The settings that do not come from configuration files (--context, the mode); exits on bad usage."""
    if context is not None and not os.path.isdir(context):
        _err(f"error: --context {context}: not a directory")
        raise typer.Exit(EXIT_ERROR)
    return Settings(
        (), write=write, keep_text=keep_text, check=check, context_dir=Path(context) if context is not None else None
    )


def _stdin_settings(resolver: Resolver, base: Settings, name: str | None) -> Settings:
    """stdin takes the configuration of the current directory, or of ``--stdin-filename``'s."""
    try:
        return resolver.settings(Path(name) if name is not None else Path.cwd(), base)
    except ConfigError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_ERROR) from None


def _show_settings(resolver: Resolver, paths: list[str] | None, stdin_filename: str | None) -> int:
    if paths and len(paths) > 1:
        _err("error: --show-settings takes one PATH")
        return EXIT_ERROR
    target = paths[0] if paths else "-" if stdin_filename is not None else "."
    if target != "-" and not os.path.exists(target):
        _err(f"error: {target}: no such file or directory")
        return EXIT_ERROR
    if target == "-":
        where, target = (Path(stdin_filename), stdin_filename) if stdin_filename is not None else (Path.cwd(), "-")
    else:
        where = Path(target)
    try:
        resolved = resolver.resolve(where)
    except ConfigError as exc:
        _err(f"error: {exc}")
        return EXIT_ERROR
    text = show(resolved, target)
    if resolver.isolated:
        text = text.replace("configuration file: none", "configuration file: none (--isolated)", 1)
    _out(text)
    return EXIT_OK


def _stdin(targets: list[str], stdin_filename: str | None = None) -> bool:
    """Whether the paths name stdin (`-`), which must then come alone; exits on bad usage."""
    if "-" not in targets:
        if stdin_filename is not None:
            _err("error: --stdin-filename names stdin: give no PATH, or '-'")
            raise typer.Exit(EXIT_ERROR)
        return False
    if len(targets) > 1:
        _err("error: '-' (stdin) cannot be combined with other paths")
        raise typer.Exit(EXIT_ERROR)
    return True


def _results(
    targets: list[str],
    resolver: Resolver,
    base: Settings,
    jobs: int,
    *,
    quiet: bool,
    stdout_data: bool,
    label: str,
    by_path: bool = False,
) -> Iterator[FileResult]:
    """Every Dockerfile the paths name, processed (in path order when ``by_path``), one result
    at a time: paths that are missing fail first, symbolic links skipped get a note.

    Every configuration file involved is read before any Dockerfile is touched: a bad one
    stops the run (exit 2) with nothing written. A progress bar shows meanwhile when
    ``bulk.show_progress`` says so (``stdout_data``: the command prints data on stdout as it
    goes).
    """
    each, missing = _discovered(targets, resolver, base)
    yield from missing
    paths = list(each)
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
        for result in process_many(paths, each.__getitem__, jobs if jobs > 0 else (os.cpu_count() or 1)):
            yield result
            advance()


def _discovered(
    targets: list[str], resolver: Resolver, base: Settings
) -> tuple[dict[Path, Settings], list[FileResult]]:
    """Each Dockerfile the paths name with its settings, and a failed result for each path
    missing; notes on symbolic links skipped are printed. A bad configuration file exits 2."""
    try:
        found = list(discover(targets, resolver.excluded, resolver.names))
        each = {f.path: resolver.settings(f.path, base) for f in found if f.ok}
    except ConfigError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_ERROR) from None
    for skipped in (f for f in found if f.note):
        _err(f"note: {skipped.path}: {skipped.note}")
    return each, [FileResult(str(f.path), "failed", error=f.error) for f in found if f.error]


def _fix_verified(
    targets: list[str],
    resolver: Resolver,
    base: Settings,
    engine_name: str | None,
    *,
    diff: bool,
    check: bool,
    quiet: bool,
    report_changes: bool,
    show_fixes: bool,
    color: Colour,
) -> int:
    """`fix --verify`: one file after the other, each rewrite built and smoke-tested before it
    is written (``verified_fix.prove``); output and exit codes as `fix`."""
    from .containers import EngineError, find_engine
    from .verified_fix import EngineLab, prove

    each, missing = _discovered(targets, resolver, base)
    try:
        engine = find_engine(engine_name)
    except EngineError as exc:
        _err(f"error: --verify: {exc}")
        return EXIT_ERROR
    summary = Summary(unsafe=any(settings.unsafe for settings in each.values()))
    fixes = FixList()
    colour = _colour(color, sys.stdout)
    for result in missing:
        summary.add(result)
        _report(result, diff=diff, check=check, colour=colour)
    progress = (lambda line: None) if quiet else _err
    for path, settings in each.items():
        directory = settings.context_dir or path.parent
        lab = EngineLab(engine, path, directory, lambda line: None)
        outcome = prove(path, replace(settings, keep_text=True), lab, progress)
        for line in outcome.blamed:
            _err(line)
        if outcome.smoke is not None and outcome.result.status == "changed":
            _err(
                f"{path}: verified by {outcome.builds} builds: the rewrite builds and its smoke test says what the original's says ({outcome.smoke.summary()})"
            )
        summary.add(outcome.result)
        fixes.add(outcome.result)
        _report(outcome.result, diff=diff, check=check, colour=colour)
    _fix_epilogue(summary, fixes, targets, would=diff or check, quiet=quiet, show_fixes=show_fixes, color=color)
    return _exit_code(summary, report_changes)


def _fix_epilogue(
    summary: Summary, fixes: FixList, targets: list[str], *, would: bool, quiet: bool, show_fixes: bool, color: Colour
) -> None:
    """What `fix` says on stderr after the files: none found, the fixes (--show-fixes), the summary line."""
    if summary.files == 0:
        _err(f"warning: no Dockerfiles found under {', '.join(targets)}")
    if show_fixes and not quiet and fixes.files:
        _err(fixes.render(would=would, colour=_colour(color, sys.stderr)).rstrip("\n"))
    if not quiet:
        _err(summary.line(would=would))


def _report(result: FileResult, *, diff: bool, check: bool, colour: bool) -> None:
    if result.failed:
        _err(f"error: {result.path}: {result.error}")
        return
    for warning in result.warnings:
        _err(f"warning: {result.path}:{warning}")
    if result.status == "changed":
        if diff:
            if result.rewritten:
                _out(unified_diff(result.path, result.source or "", result.output or "", colour=colour))
            for side in result.side_files:
                _out(unified_diff(side.path, side.before, side.after, colour=colour))
        elif check:
            if result.rewritten:
                _err(f"would change: {result.path}")
            for side in result.side_files:
                _err(f"would write: {side.path}")


def _fix_stdin(
    settings: Settings,
    name: str,
    *,
    diff: bool,
    check: bool,
    report_changes: bool,
    listed: bool,
    colours: tuple[bool, bool],
) -> int:
    """stdin fixed, shown as ``name`` (`-`, or --stdin-filename's path); ``listed``: the fixes
    are listed on stderr (--show-fixes); ``colours``: whether stdout and stderr are coloured."""
    data = sys.stdin.buffer.read()
    try:
        text = decode(data)
    except InputError as exc:
        _err(f"error: {name}: {exc}")
        sys.stdout.buffer.write(data)
        return EXIT_ERROR
    result = process_text(name, text, replace(settings, keep_text=True), _as_path(name))
    summary = Summary(unsafe=settings.unsafe)
    summary.add(result)
    for warning in result.warnings:
        _err(f"warning: {name}:{warning}")
    if result.failed:
        _err(f"error: {name}: {result.error}")
        if not (diff or check):
            _out(text)
        return EXIT_ERROR
    if listed and result.applied:
        fixes = FixList()
        fixes.add(result)
        _err(fixes.render(would=diff or check, colour=colours[1]).rstrip("\n"))
    output = result.output or text
    if diff:
        _out(unified_diff(name, text, output, colour=colours[0]))
        for side in result.side_files:
            _out(unified_diff(side.path, side.before, side.after, colour=colours[0]))
    elif not check:
        _out(output)
        if result.side_files:
            _err(
                "note: with stdin, files beside the Dockerfile are not written: "
                + ", ".join(s.path for s in result.side_files)
            )
    return _exit_code(summary, report_changes)


def _check_stdin(settings: Settings, stdin_filename: str | None) -> FileResult:
    name = stdin_filename or "-"
    try:
        text = decode(sys.stdin.buffer.read())
    except InputError as exc:
        return FileResult(name, "failed", error=str(exc))
    return process_text(name, text, settings, _as_path(name))


def _as_path(name: str) -> Path | None:
    """The path stdin is read as (its directory is the build context), None for plain `-`."""
    return Path(name) if name != "-" else None


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
    context: str | None = typer.Option(
        None, "--context", help="The build context (default: the Dockerfile's directory)."
    ),
    engine: str | None = typer.Option(
        None, "--engine", help="docker, podman or buildah (default: the first that works)."
    ),
    unsafe_fixes: bool | None = typer.Option(
        None, "--unsafe-fixes/--no-unsafe-fixes", help="Also apply fixes that may change behaviour (or not)."
    ),
    select_: list[str] | None = typer.Option(None, "--select", help="Only these transforms (as for fix)."),
    extend_select: list[str] | None = typer.Option(None, "--extend-select", help="Add these transforms (as for fix)."),
    ignore: list[str] | None = typer.Option(None, "--ignore", help="Leave out these transforms (as for fix)."),
    config: str | None = _CONFIG,
    isolated: bool = _ISOLATED,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of the table."),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Print the build log (else only the steps, and a failed build's last lines)."
    ),
) -> None:
    """Build the Dockerfile and its rewrite for real and compare the two images (after
    checking that the build context holds what COPY and ADD name)."""
    from .containers import EngineError, find_engine
    from .verify import EXIT_CANNOT, render_json, render_text
    from .verify import verify as run_verify

    resolver = _resolver(select_, extend_select, ignore, unsafe_fixes, None, None, config, isolated)
    if not Path(dockerfile).is_file():
        _err(f"error: {dockerfile}: no such file")
        raise typer.Exit(EXIT_CANNOT)
    try:
        settings = resolver.settings(Path(dockerfile), Settings(()))
    except ConfigError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_ERROR) from None
    try:
        found = find_engine(engine)
    except EngineError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_CANNOT) from None
    report = run_verify(
        Path(dockerfile),
        Path(context) if context else None,
        found,
        settings.transforms,
        settings.unsafe,
        _err,
        options=settings.options,
        log=(lambda line: _err(f"  {line}")) if verbose else (lambda line: None),
    )
    _out(render_json(report) + "\n" if as_json else render_text(report))
    if report.exit_code == EXIT_CANNOT:
        _err(f"error: {report.message.splitlines()[0].rstrip(':')}")
    raise typer.Exit(report.exit_code)


ListFormat = Enum("ListFormat", {name: name for name in LIST_FORMATS}, type=str)  # type: ignore[misc]  # as OutputFormat
_LIST_TEXT = ListFormat("text")


@app.command("list")
def list_transforms(
    output_format: ListFormat = typer.Option(
        _LIST_TEXT, "--output-format", help="text (a table) or json.", case_sensitive=False
    ),
) -> None:
    """List every transform and what BuildKit refuses to build, in code order: code, name,
    hadolint rules, safety, default severity, when it runs (default, opt-in: only when
    --select names it, or always), summary."""
    rows = output.listing()
    if output_format.value == "json":
        _out(output.listing_json(rows))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("code", "name", "hadolint", "safety", "severity", "runs", "summary"):
        table.add_column(column)
    for row in rows:
        safety = row.applicability or "error"
        hadolint = ", ".join(row.hadolint) or "-"
        table.add_row(row.code, row.name, hadolint, safety, row.severity, row.selected, row.summary)
    console = Console()
    # in a pipe, rows stay whole lines (no wrapping) so that they can be grepped
    Console(width=console.width if console.is_terminal else 1000).print(table)


@app.command()
def explain(
    key: str = typer.Argument(..., help="A code, name or hadolint rule, e.g. DO101, merge-runs, DL3059, DO002."),
) -> None:
    """Show the documentation of a transform, or of something BuildKit refuses to build."""
    found = lookup(key)
    refusal = refusal_named(key) if found is None else None
    if refusal is not None:
        typer.echo(
            f"{refusal.code} {refusal.name}, error: BuildKit would refuse to build the file ({ALWAYS_ON})\n\n{refusal.doc}"
        )
        return
    if found is None and unanswered([key]):
        rule = unanswered([key])[0]
        where = (
            "https://www.shellcheck.net/wiki/"
            if rule.startswith("SC")
            else "https://github.com/hadolint/hadolint/wiki/"
        )
        _err(f"warning: {rule}: a hadolint rule that no dockopt transform answers: see {where}{rule}")
        return
    if found is None:
        _err(f"error: {unknown_transform(key, [*all_transforms(), *REFUSALS])}")
        raise typer.Exit(EXIT_ERROR)
    answers = [f"hadolint {', '.join(found.hadolint)}"] if found.hadolint else []
    answers += [f"BuildKit's {', '.join(found.buildkit)}"] if found.buildkit else []
    rules = f" (answers {'; '.join(answers)})" if answers else ""
    safety = (
        "display-only (no fix)"
        if found.applicability == Applicability.DISPLAY_ONLY
        else f"{found.applicability.label} fix"
    )
    typer.echo(f"{found.code} {found.name}{rules}, {safety}, severity {found.severity}\n\n{found.doc}")


@app.command()
def server() -> None:
    """Run the language server on stdin and stdout, for editors (see docs/editors.md)."""
    from .server import serve

    serve()


def run() -> None:
    app()


if __name__ == "__main__":
    run()
