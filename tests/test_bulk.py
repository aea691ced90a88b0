"""Bulk runs: --jobs, the progress bar and the final table (where each shows), --exit-non-zero-on-fix,
symbolic links in a directory search, and results that are never kept."""

from __future__ import annotations

import gc
import io
import os
import weakref
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from dockopt import bulk, cli, engine
from dockopt.cli import app
from dockopt.engine import FileResult, Settings
from dockopt.output import CheckSummary, Summary
from dockopt.registry import select

from test_cli import CLEAN, FINDINGS, FIXABLE, FIXED, SUMMARY_CHANGED_1, run, write


def many(root: Path, count: int, content: str = FIXABLE) -> list[Path]:
    return [write(root / f"d{index:02}" / "Dockerfile", content) for index in range(count)]


# --------------------------------------------------------------------------- where the bar and the table show


@pytest.mark.parametrize(
    "quiet, files, stderr_tty, stdout_tty, stdout_data, shown",
    [
        (False, 40, True, True, False, True),  # fix in place, fix --check: nothing on stdout
        (False, 40, True, False, True, True),  # fix --diff or check, stdout redirected
        (False, 40, True, True, True, False),  # ... printing on the screen the bar would use
        (False, 40, False, False, False, False),  # stderr is not a terminal: CI logs, pipes
        (False, 40, False, True, False, False),
        (True, 40, True, False, False, False),  # -q
        (False, 1, True, False, False, False),  # one file
        (False, 0, True, False, False, False),
    ],
)
def test_progress_bar_shows_only_on_a_terminal_for_many_files(quiet, files, stderr_tty, stdout_tty, stdout_data, shown):
    decided = bulk.show_progress(
        quiet=quiet, files=files, stderr_tty=stderr_tty, stdout_tty=stdout_tty, stdout_data=stdout_data
    )
    assert decided is shown


@pytest.mark.parametrize(
    "quiet, files, stderr_tty, shown",
    [(False, 2, True, True), (False, 1, True, False), (False, 40, False, False), (True, 40, True, False)],
)
def test_table_shows_only_on_a_terminal_after_many_files(quiet, files, stderr_tty, shown):
    assert bulk.show_table(quiet=quiet, files=files, stderr_tty=stderr_tty) is shown


def test_is_terminal_is_false_for_pipes_and_odd_streams():
    assert not bulk.is_terminal(io.StringIO())
    assert not bulk.is_terminal(object())  # type: ignore[arg-type]
    closed = io.StringIO()
    closed.close()
    assert not bulk.is_terminal(closed)


def test_progress_bar_on_a_terminal_counts_files_and_prints_lines_above_it():
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    with bulk.progress(3, "fixing", enabled=True, console=console) as advance:
        for _ in range(3):
            advance()
        assert bulk.print_above("error: x/Dockerfile: cannot parse")
    assert not bulk.print_above("no bar any more")
    shown = screen.getvalue()
    assert "fixing" in shown and "3/3" in shown and "error: x/Dockerfile: cannot parse" in shown


def test_progress_disabled_prints_nothing():
    with bulk.progress(3, "fixing", enabled=False) as advance:
        advance()
        assert not bulk.print_above("line")


def results() -> list[FileResult]:
    settings = Settings(select())
    texts = {"a": FIXABLE, "b": FIXABLE, "c": CLEAN}
    return [engine.process_text(f"{name}/Dockerfile", text, settings) for name, text in texts.items()]


def rendered(table) -> list[str]:
    screen = io.StringIO()
    bulk.print_table(table, Console(file=screen, width=100))
    return [line.strip() for line in screen.getvalue().splitlines() if line.strip()]


def test_fix_table_counts_fixes_and_files_per_transform():
    summary = Summary()
    for result in results():
        summary.add(result)
    lines = rendered(bulk.fix_table(summary, would=False))
    assert lines[0] == "Fixes applied"
    assert lines[1].split() == ["code", "name", "fixes", "files"]
    assert ["DO101", "merge-runs", "2", "2"] in [line.split() for line in lines]
    assert lines[-1].split() == ["files", "changed", "2", "2"]
    assert rendered(bulk.fix_table(summary, would=True))[0] == "Fixes to apply"


def test_check_table_counts_findings_fixable_and_files_per_transform():
    summary = CheckSummary()
    settings = Settings(select(), check=True)
    for name in ("a", "b"):
        summary.add(engine.process_text(f"{name}/Dockerfile", FINDINGS, settings))
    summary.add(engine.process_text("c/Dockerfile", CLEAN, settings))
    rows = [line.split() for line in rendered(bulk.check_table(summary))]
    assert rows[1] == ["code", "name", "findings", "fixable", "files"]
    assert ["DO101", "merge-runs", "2", "2", "2"] in rows
    assert ["DO309", "base-image-tag", "2", "0", "2"] in rows
    assert rows[-1] == ["files", "with", "findings", "8", "2", "2"]


def invoke(args: list[str], tmp_path: Path, monkeypatch, *, terminal: bool) -> tuple[int, str, str]:
    """Run the CLI in this process, stderr (and stdout) seen as a terminal or not."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(bulk, "is_terminal", lambda stream: terminal)
    result = CliRunner().invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_table_follows_the_summary_line_on_a_terminal(tmp_path, monkeypatch):
    many(tmp_path, 3)
    code, out, err = invoke(["fix", "-j", "1", "."], tmp_path, monkeypatch, terminal=True)
    lines = err.splitlines()
    assert (code, out) == (0, "")
    assert lines[0] == "3 files changed, 0 unchanged; fixes: DO101 merge-runs ×3"
    assert lines[1].strip() == "Fixes applied"
    assert ["DO101", "merge-runs", "3", "3"] in [line.split() for line in lines]


def test_check_table_follows_the_summary_line_on_a_terminal(tmp_path, monkeypatch):
    many(tmp_path, 2, FINDINGS)
    code, out, err = invoke(["check", "."], tmp_path, monkeypatch, terminal=True)
    assert code == 1 and len(out.splitlines()) == 8
    lines = err.splitlines()
    assert lines[0].startswith("Found 8 findings in 2 files") and lines[1].strip() == "Findings"


@pytest.mark.parametrize("args", [["fix", "Dockerfile"], ["fix", "-q", "."], ["check", "-q", "."]])
def test_no_table_for_one_file_or_with_quiet(tmp_path, monkeypatch, args):
    write(tmp_path / "Dockerfile", FINDINGS)
    many(tmp_path, 2, FINDINGS)
    _, _, err = invoke(args, tmp_path, monkeypatch, terminal=True)
    assert "Fixes" not in err and "Findings" not in err and len(err.splitlines()) <= 1


def test_outside_a_terminal_there_is_no_bar_and_no_table(tmp_path):
    many(tmp_path, 40)
    code, out, err = run("fix", "--check", "-j", "2", ".", cwd=tmp_path)
    assert (code, out) == (1, "")
    assert "\x1b" not in err and "\r" not in err
    assert err.splitlines() == [f"would change: d{index:02}/Dockerfile" for index in range(40)] + [
        "40 files would be changed, 0 unchanged; fixes to apply: DO101 merge-runs ×40"
    ]


# --------------------------------------------------------------------------- --jobs


def test_jobs_default_is_one_process_per_core(tmp_path, monkeypatch):
    many(tmp_path, 2)
    asked = []

    def fake(paths, settings, jobs):
        asked.append(jobs)
        return iter(())

    monkeypatch.setattr(cli, "process_many", fake)
    invoke(["fix", "."], tmp_path, monkeypatch, terminal=False)
    invoke(["fix", "-j", "3", "."], tmp_path, monkeypatch, terminal=False)
    assert asked == [os.cpu_count() or 1, 3]


# --------------------------------------------------------------------------- --exit-non-zero-on-fix


def test_exit_non_zero_on_fix_exits_1_when_files_were_changed(tmp_path):
    target = write(tmp_path / "Dockerfile", FIXABLE)
    assert run("fix", "--exit-non-zero-on-fix", "Dockerfile", cwd=tmp_path) == (1, "", SUMMARY_CHANGED_1)
    assert target.read_text() == FIXED
    assert run("fix", "--exit-non-zero-on-fix", "Dockerfile", cwd=tmp_path)[0] == 0  # nothing left to fix


def test_exit_non_zero_on_fix_keeps_exit_2_for_failures_and_works_on_stdin(tmp_path):
    write(tmp_path / "Dockerfile", FIXABLE)
    write(tmp_path / "bad.Dockerfile", "FROM x\nRUN <<EOF\n")
    assert run("fix", "--exit-non-zero-on-fix", ".", cwd=tmp_path)[0] == 2
    assert run("fix", "--exit-non-zero-on-fix", "-", cwd=tmp_path, stdin=FIXABLE.encode())[:2] == (1, FIXED)
    assert run("fix", "--exit-non-zero-on-fix", "-", cwd=tmp_path, stdin=CLEAN.encode())[:2] == (0, CLEAN)


# --------------------------------------------------------------------------- symbolic links


def test_symlinks_leading_outside_the_given_paths_are_skipped_with_a_note(tmp_path):
    outside = write(tmp_path / "outside" / "Dockerfile", FIXABLE)
    repo = tmp_path / "repo"
    write(repo / "Dockerfile", FIXABLE)
    (repo / "vendored").symlink_to("../outside", target_is_directory=True)
    (repo / "api.Dockerfile").symlink_to("../outside/Dockerfile")
    code, out, err = run("fix", "repo", cwd=tmp_path)
    assert (code, out) == (0, "")
    real = os.path.realpath(tmp_path / "outside")
    assert err.splitlines() == [
        f"note: repo/vendored: symbolic link to {real}, outside the paths given: not searched",
        f"note: repo/api.Dockerfile: symbolic link to {real}/Dockerfile, outside the paths given: skipped",
        SUMMARY_CHANGED_1.rstrip("\n"),
    ]
    assert outside.read_text() == FIXABLE
    assert (repo / "Dockerfile").read_text() == FIXED


def test_symlinks_inside_the_given_paths_are_followed_and_each_file_is_done_once(tmp_path):
    repo = tmp_path / "repo"
    write(repo / "services" / "api" / "Dockerfile", FIXABLE)
    (repo / "current").symlink_to("services/api", target_is_directory=True)
    (repo / "deploy").mkdir()
    (repo / "deploy" / "Dockerfile").symlink_to("../services/api/Dockerfile")
    code, out, err = run("fix", "--check", "repo", cwd=tmp_path)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "would change: repo/current/Dockerfile",
        "1 file would be changed, 0 unchanged; fixes to apply: DO101 merge-runs ×1",
    ]
    assert run("fix", "repo", cwd=tmp_path)[0] == 0
    assert (repo / "services" / "api" / "Dockerfile").read_text() == FIXED
    assert (repo / "deploy" / "Dockerfile").is_symlink()


def test_a_link_into_another_given_path_is_followed(tmp_path):
    write(tmp_path / "shared" / "Dockerfile", FIXABLE)
    write(tmp_path / "repo" / "Dockerfile", CLEAN)
    (tmp_path / "repo" / "shared").symlink_to("../shared", target_is_directory=True)
    code, _, err = run("fix", "--check", "repo", "shared", cwd=tmp_path)
    assert code == 1
    assert err.splitlines()[:-1] == ["would change: repo/shared/Dockerfile"]
    assert err.splitlines()[-1].startswith("1 file would be changed, 1 unchanged")


def test_symlink_loops_end(tmp_path):
    repo = tmp_path / "repo"
    write(repo / "a" / "Dockerfile", FIXABLE)
    (repo / "a" / "up").symlink_to("..", target_is_directory=True)
    (repo / "a" / "self").symlink_to(".", target_is_directory=True)
    (repo / "b").symlink_to("c", target_is_directory=True)
    (repo / "c").symlink_to("b", target_is_directory=True)  # a dangling loop
    code, out, err = run("fix", "--check", "repo", cwd=tmp_path)
    assert (code, out) == (1, "")
    assert err.splitlines()[0] == "would change: repo/a/Dockerfile"
    assert err.splitlines()[-1].startswith("1 file would be changed, 0 unchanged")


def test_a_symlink_given_on_the_command_line_is_taken(tmp_path):
    outside = write(tmp_path / "outside" / "Dockerfile", FIXABLE)
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "link").symlink_to("../outside", target_is_directory=True)
    (tmp_path / "repo" / "file.Dockerfile").symlink_to("../outside/Dockerfile")
    assert run("fix", "-q", "repo/file.Dockerfile", cwd=tmp_path) == (0, "", "")
    assert outside.read_text() == FIXED
    outside.write_text(FIXABLE)
    assert run("fix", "-q", "repo/link", cwd=tmp_path) == (0, "", "")
    assert outside.read_text() == FIXED


# --------------------------------------------------------------------------- memory: results are never kept


def test_process_many_keeps_no_result_with_one_job(tmp_path):
    paths = many(tmp_path, 6)
    seen: list[weakref.ref] = []
    for result in engine.process_many(paths, Settings(select(), write=False), jobs=1):
        gc.collect()
        assert all(ref() is None for ref in seen[:-1])
        seen.append(weakref.ref(result))
    del result


class _Done:
    def __init__(self, value) -> None:
        self.value = value

    def result(self):
        return self.value


class _Pool:
    """A ProcessPoolExecutor that works at once, in this process, and counts chunks not yet read."""

    submitted = 0

    def __init__(self, max_workers, initializer, initargs) -> None:
        initializer(*initargs)

    def submit(self, function, chunk):
        _Pool.submitted += 1
        return _Done(function(chunk))

    def shutdown(self, wait, cancel_futures) -> None:
        pass


def test_process_many_on_several_jobs_keeps_a_bounded_number_of_chunks_in_flight(tmp_path, monkeypatch):
    paths = many(tmp_path, 200, CLEAN)
    # the engine imports concurrent.futures only when a pool is made (start-up): the pool is replaced where it is made
    monkeypatch.setattr(engine, "_pool", lambda jobs, shipped: _Pool(jobs, engine._init_worker, (shipped,)))
    _Pool.submitted = 0
    read = 0
    for index, result in enumerate(engine.process_many(paths, Settings(select(), write=False), jobs=2)):
        assert result.path == str(paths[index])
        read = index // engine.CHUNK + 1
        assert _Pool.submitted - read <= 2 * engine.AHEAD
    assert read == _Pool.submitted == 200 // engine.CHUNK


@pytest.mark.parametrize("args", [["check", "."], ["fix", "--diff", "."], ["fix", "."]])
def test_the_cli_keeps_no_file_result(tmp_path, monkeypatch, args):
    many(tmp_path, 8, FINDINGS)
    real = cli.process_many
    alive: list[weakref.ref] = []

    def watched(paths, settings, jobs):
        for result in real(paths, settings, jobs):
            gc.collect()
            assert all(ref() is None for ref in alive[:-1]), "a result of an earlier file is still held"
            alive.append(weakref.ref(result))
            yield result

    monkeypatch.setattr(cli, "process_many", watched)
    code, _, err = invoke(args, tmp_path, monkeypatch, terminal=False)
    assert code in (0, 1), err
    assert len(alive) == 8
