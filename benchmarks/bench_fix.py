"""Benchmark ``dockopt fix --check``: throughput, peak memory and one-file start-up time.

What it measures, each by running the dockopt CLI as a child process:

1. Throughput: ``python -m dockopt fix --check --quiet DIR`` over a directory of
   Dockerfiles (default ``../shared/corpus`` relative to the repository root). The whole
   run is timed with ``time.perf_counter``, including interpreter start-up and imports; the
   files counted are those ``dockopt.files.discover`` finds, i.e. the files the CLI
   processes. Reported as files per second, median and best of ``--repeat`` runs.
2. Peak memory: the child's maximum resident set size, taken from ``os.wait4`` (the rusage
   of that one child; on Linux it also covers the worker processes it waited for, so
   with ``--jobs`` it is the largest of them), largest over the runs, in MiB.
3. One small file from process start: ``python -m dockopt fix --check --quiet FILE`` on one
   small Dockerfile (default: by name, the first file of the corpus of 300 to 1000 bytes),
   median and best of ``--repeat`` runs after one untimed warm-up run, in milliseconds. The
   ``dockopt`` console script next to ``sys.executable`` is timed the same way when it exists.

Exit codes 0, 1 (files would change) and 2 (some files failed) of dockopt are all normal.

Run it with the project's virtualenv, from anywhere:

    python benchmarks/bench_fix.py [--corpus DIR] [--file FILE] [--repeat N] [--json]

The machines this runs on are noisy (shared CPUs, other jobs, cold caches), so the figures
are reported next to their targets (>= 300 files/s, <= 150 ms for one file, < 200 MB peak
memory) and marked PASS or MISS, but never asserted: the script exits 0 whatever they are.
It exits 2 if the corpus or the file does not exist, and 1 if dockopt itself crashes.
This is a standalone script; the test suite does not import it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bench_startup import TARGET_FILE_MS  # this directory is first on sys.path when a script here runs

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"

TARGET_FILES_PER_SECOND = 300.0
TARGET_SINGLE_FILE_MS = TARGET_FILE_MS  # issue 15: bench_startup.py owns the start-up targets
TARGET_PEAK_BYTES = 200 * 1000 * 1000  # 200 MB
SMALL_FILE_BYTES = (300, 1000)
NORMAL_EXIT_CODES = {0: "nothing to change", 1: "files would change", 2: "some files failed"}


# Measure as users run dockopt: with bytecode caches. PYTHONDONTWRITEBYTECODE (set on some
# machines) would make every run compile dockopt's modules again (about 65 ms).
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


class BenchError(Exception):
    """A one-line reason the benchmark cannot run; the script exits with ``code``."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Run:
    seconds: float
    returncode: int
    maxrss_bytes: int | None  # None where os.wait4 is not available


# --------------------------------------------------------------------------- running


def run_once(command: list[str], on_start: Callable[[int], None] | None = None) -> Run:
    """Run ``command`` to completion; wall time from spawn to reaping, and its own rusage.

    ``on_start`` is called with the child's pid as soon as it runs (to watch it meanwhile)."""
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(
            command, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr, env=CHILD_ENV
        )
        if on_start is not None:
            on_start(proc.pid)
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
            maxrss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)  # bytes on macOS, KiB on Linux
        else:
            proc.wait()
            seconds = time.perf_counter() - start
            maxrss = None
        if proc.returncode not in NORMAL_EXIT_CODES:
            stderr.seek(0)
            lines = stderr.read().decode("utf-8", "replace").strip().splitlines()
            last = lines[-1] if lines else "no output"
            raise BenchError(f"error: `{' '.join(command)}` exited with {proc.returncode}: {last}", code=1)
    return Run(seconds, proc.returncode, maxrss)


def run_many(command: list[str], repeat: int, *, warm_up: bool = False) -> list[Run]:
    if warm_up:
        run_once(command)
    return [run_once(command) for _ in range(repeat)]


# --------------------------------------------------------------------------- inputs


def dockerfiles(corpus: Path) -> list[Path]:
    """The files ``dockopt fix`` processes under ``corpus``, found the way the CLI finds them."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    try:
        from dockopt.files import discover
    except ImportError as exc:
        raise BenchError(
            f"error: cannot import dockopt ({exc}); run this with the project's virtualenv python"
        ) from None
    return [found.path for found in discover([str(corpus)]) if found.ok]


def pick_small_file(files: list[Path]) -> Path | None:
    low, high = SMALL_FILE_BYTES
    for path in sorted(files, key=lambda p: (p.name, str(p))):
        if low <= path.stat().st_size <= high:
            return path
    return None


def console_script() -> Path | None:
    candidate = Path(sys.executable).parent / ("dockopt.exe" if os.name == "nt" else "dockopt")
    return candidate if candidate.is_file() and os.access(candidate, os.X_OK) else None


# --------------------------------------------------------------------------- report


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def ms(seconds: float) -> float:
    return seconds * 1000.0


def measure(args: argparse.Namespace) -> dict:
    corpus = Path(args.corpus).expanduser().resolve()
    if not corpus.is_dir():
        raise BenchError(f"error: corpus directory not found: {corpus}")
    files = dockerfiles(corpus)

    if args.file is not None:
        single = Path(args.file).expanduser().resolve()
        if not single.is_file():
            raise BenchError(f"error: file not found: {single}")
    else:
        single = pick_small_file(files)

    python_m = [sys.executable, "-m", "dockopt", "fix", "--check", "--quiet"]
    corpus_runs = run_many([*python_m, str(corpus)], args.repeat)
    seconds = [r.seconds for r in corpus_runs]
    rates = [len(files) / s for s in seconds]
    rss = [r.maxrss_bytes for r in corpus_runs if r.maxrss_bytes is not None]
    peak_bytes = max(rss) if rss else None

    result: dict = {
        "files": len(files),
        "seconds_median": statistics.median(seconds),
        "files_per_second_median": statistics.median(rates),
        "files_per_second_best": max(rates),
        "peak_rss_mib": peak_bytes / (1024 * 1024) if peak_bytes is not None else None,
        "single_file_ms_median": None,
        "single_file_ms_best": None,
        "entry_point_ms_median": None,
        "entry_point_ms_best": None,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
    }
    extra = {
        "corpus": corpus,
        "corpus_exit_codes": sorted({r.returncode for r in corpus_runs}),
        "seconds_best": min(seconds),
        "peak_bytes": peak_bytes,
        "single": single,
        "script": None,
    }

    if single is not None:
        runs = run_many([*python_m, str(single)], args.repeat, warm_up=True)
        result["single_file_ms_median"] = ms(statistics.median(r.seconds for r in runs))
        result["single_file_ms_best"] = ms(min(r.seconds for r in runs))
        script = console_script()
        if script is not None:
            runs = run_many([str(script), "fix", "--check", "--quiet", str(single)], args.repeat, warm_up=True)
            result["entry_point_ms_median"] = ms(statistics.median(r.seconds for r in runs))
            result["entry_point_ms_best"] = ms(min(r.seconds for r in runs))
            extra["script"] = script
    return {"result": result, "extra": extra}


def table(result: dict, extra: dict, repeat: int) -> str:
    def num(value: float | None, digits: int) -> str:
        return "n/a" if value is None else f"{value:.{digits}f}"

    codes = ", ".join(f"{c} ({NORMAL_EXIT_CODES[c]})" for c in extra["corpus_exit_codes"])
    single = extra["single"]
    lines = [
        "dockopt fix --check benchmark (figures are reported, not asserted)",
        f"  corpus   {extra['corpus']}: {result['files']} Dockerfiles, {repeat} run(s), exit code {codes}",
        f"  file     {single} ({single.stat().st_size} bytes)"
        if single
        else "  file     none of 300-1000 bytes in the corpus; skipped",
        f"  python   {result['python']} ({sys.executable}), {result['machine']}, {result['cpu_count']} CPU(s)",
        "",
    ]
    rows = [("measure", "median", "best", "target", "")]
    rate = result["files_per_second_median"]
    rows.append(
        (
            "corpus throughput (files/s)",
            num(rate, 1),
            num(result["files_per_second_best"], 1),
            f">= {TARGET_FILES_PER_SECOND:.0f}",
            verdict(rate >= TARGET_FILES_PER_SECOND),
        )
    )
    rows.append(("corpus wall time (s)", num(result["seconds_median"], 2), num(extra["seconds_best"], 2), "", ""))
    peak = extra["peak_bytes"]
    rows.append(
        (
            "peak memory, max RSS (MiB)",
            num(result["peak_rss_mib"], 1),
            "",
            f"< {TARGET_PEAK_BYTES / 1e6:.0f} MB ({TARGET_PEAK_BYTES / 1048576:.1f} MiB)",
            "n/a" if peak is None else verdict(peak < TARGET_PEAK_BYTES),
        )
    )
    for label, median_key, best_key in (
        ("one file, python -m dockopt (ms)", "single_file_ms_median", "single_file_ms_best"),
        ("one file, dockopt script (ms)", "entry_point_ms_median", "entry_point_ms_best"),
    ):
        median = result[median_key]
        if median is None and label.startswith("one file, dockopt script") and single is not None:
            rows.append((label, "n/a", "n/a", "", "no console script next to sys.executable"))
            continue
        rows.append(
            (
                label,
                num(median, 0),
                num(result[best_key], 0),
                f"<= {TARGET_SINGLE_FILE_MS:.0f}",
                "n/a" if median is None else verdict(median <= TARGET_SINGLE_FILE_MS),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        left, *rest = row[:4]
        cells = [left.ljust(widths[0])] + [
            cell.rjust(widths[i + 1]) if i < 2 else cell.ljust(widths[i + 1]) for i, cell in enumerate(rest)
        ]
        lines.append(("  ".join(cells) + "  " + row[4]).rstrip())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", default=str(DEFAULT_CORPUS), help=f"directory of Dockerfiles (default: {DEFAULT_CORPUS})"
    )
    parser.add_argument(
        "--file",
        default=None,
        help="the small Dockerfile to time from process start (default: first 300-1000 byte corpus file by name)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each measurement (default: 3)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    try:
        measured = measure(args)
    except BenchError as exc:
        print(str(exc).splitlines()[0], file=sys.stderr)
        return exc.code
    if args.json:
        print(json.dumps(measured["result"], indent=2))
    else:
        print(table(measured["result"], measured["extra"], args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
