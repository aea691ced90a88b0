"""Bulk runs of ``dockopt fix`` and ``dockopt check``: the progress bar and the final table.

Both are for a person watching a terminal, and both go to stderr:

- the progress bar shows while files are processed when stderr is a terminal, more than
  one file is processed, ``-q`` is not given, and no data goes to the same terminal on
  stdout (``fix --diff`` and ``check`` print there: with stdout redirected the bar shows,
  with both on the screen it does not, so that the two never mix). It disappears when the
  run ends; the lines printed meanwhile on stderr (errors, ``would change:``) go above it;
- the table of fixes (or findings) per transform comes after the summary line when stderr
  is a terminal, more than one file was processed and ``-q`` is not given. The summary line
  itself never changes: scripts and CI logs read it, and what a pipe receives stays the
  same whatever the number of files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

from .output import CheckSummary, Summary

if TYPE_CHECKING:  # rich is imported when needed: one file run from a shell hook starts faster
    from rich.console import Console, JustifyMethod
    from rich.table import Table

_bar = None  # the progress bar showing, if any: lines for stderr are printed above it


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


def show_progress(*, quiet: bool, files: int, stderr_tty: bool, stdout_tty: bool, stdout_data: bool) -> bool:
    """Whether a run shows the progress bar (see the module's documentation)."""
    return not quiet and files > 1 and stderr_tty and not (stdout_data and stdout_tty)


def show_table(*, quiet: bool, files: int, stderr_tty: bool) -> bool:
    """Whether a run ends with the table of fixes or findings per transform."""
    return not quiet and files > 1 and stderr_tty


@contextmanager
def progress(
    total: int, description: str, *, enabled: bool, console: Console | None = None
) -> Iterator[Callable[[], None]]:
    """A context giving the function to call once a file is done; shows a bar when ``enabled``."""
    if enabled:
        from rich.console import Console

        console = console or Console(stderr=True)
    if (
        not enabled or console is None or not console.is_terminal
    ):  # rich may know better (TTY_INTERACTIVE=0, a dumb terminal)
        yield lambda: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    global _bar
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        redirect_stdout=False,  # data on stdout is written as bytes, never through the bar's console
        redirect_stderr=False,
    )
    task = bar.add_task(description, total=total)
    with bar:
        _bar = bar
        try:
            yield lambda: bar.advance(task)
        finally:
            _bar = None


def print_above(message: str) -> bool:
    """Print a line for stderr above the progress bar; False (nothing printed) when no bar shows."""
    if _bar is None:
        return False
    _bar.console.print(message, markup=False, highlight=False, emoji=False, soft_wrap=True)
    return True


def fix_table(summary: Summary, *, would: bool) -> Table:
    """Fixes per transform (how many, in how many files), and the files changed."""
    from rich import box
    from rich.table import Table

    table = Table(title="Fixes to apply" if would else "Fixes applied", box=box.SIMPLE, title_justify="left")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("code", "left"),
        ("name", "left"),
        ("fixes", "right"),
        ("files", "right"),
    )
    for column, justify in columns:
        table.add_column(column, justify=justify)
    for (code, name), count in sorted(summary.fixes.items()):
        table.add_row(code, name, str(count), str(summary.fixed_files[(code, name)]))
    table.add_section()
    verb = "would be changed" if would else "changed"
    table.add_row("", f"files {verb}", str(sum(summary.fixes.values())), str(summary.changed))
    return table


def check_table(summary: CheckSummary) -> Table:
    """Findings per transform: how many, how many fixable, in how many files."""
    from rich import box
    from rich.table import Table

    table = Table(title="Findings", box=box.SIMPLE, title_justify="left")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("code", "left"),
        ("name", "left"),
        ("findings", "right"),
        ("fixable", "right"),
        ("files", "right"),
    )
    for column, justify in columns:
        table.add_column(column, justify=justify)
    for (code, name), count in sorted(summary.by_transform.items()):
        table.add_row(
            code,
            name,
            str(count),
            str(summary.fixable_by_transform[(code, name)]),
            str(summary.files_by_transform[(code, name)]),
        )
    table.add_section()
    table.add_row(
        "", "files with findings", str(summary.findings), str(summary.fixable), str(summary.files_with_findings)
    )
    return table


def print_table(table: Table, console: Console | None = None) -> None:
    from rich.console import Console

    (console or Console(stderr=True, highlight=False)).print(table)
