"""Benchmark bulk runs: ``dockopt fix --check`` and ``dockopt check`` over 10,000 files, on 1 and 2 jobs.

What it measures, each by running the dockopt CLI as a child process
(``python -m dockopt fix --check --quiet -j N DIR`` and ``python -m dockopt check --quiet -j N DIR``):

1. Throughput: the whole run timed with ``time.perf_counter`` (interpreter start-up,
   discovery and the process pool included), as files per second. The files are the corpus
   (default ``../shared/corpus`` relative to the repository root, 2,000 real Dockerfiles)
   copied ``--copies`` times (default 5: 10,000 files) into a temporary directory made at
   run time, one subdirectory per copy, and removed afterwards: nothing is copied into the
   repository.
2. Peak memory, two ways:
   - max RSS: the ``ru_maxrss`` that ``os.wait4`` returns for the child; on Linux it covers
     the worker processes the child waited for too, as the largest of them (not their sum);
   - peak total RSS: the resident memory of the child and all its descendants added up,
     sampled every ``--sample`` seconds from ``/proc`` (Linux only; "n/a" elsewhere). This is
     what the machine holds for the whole run.

The figures are reported, never asserted: machines are shared and noisy. The script exits
0 whatever they are, 2 if the corpus is missing, 1 if dockopt crashes (dockopt's own exit
codes 0, 1 and 2 are all normal here).

    python benchmarks/bench_bulk.py [--corpus DIR] [--copies N] [--jobs 1,2] [--repeat N] [--json]

Compare the memory with ``--copies 1`` to see that it does not grow with the number of
files. This is a standalone script; the test suite does not import it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fix import DEFAULT_CORPUS, BenchError, Run, dockerfiles, run_once  # noqa: E402

COMMANDS = {"fix --check": ["fix", "--check", "--quiet"], "check": ["check", "--quiet"]}
TARGET_FILES_PER_SECOND_2_JOBS = 300.0  # the order of magnitude aimed at, not a threshold
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


# --------------------------------------------------------------------------- memory of a process tree


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(child) for child in handle.read().split())
    except OSError:
        pass
    return found


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and every process below it, now."""
    total, todo, seen = 0, [pid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        total += _rss(current)
        todo.extend(_children(current))
    return total


class TreeSampler(threading.Thread):
    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak = 0
        self.done = threading.Event()
        self.available = os.path.exists(f"/proc/{os.getpid()}/statm")

    def run(self) -> None:
        while self.available and not self.done.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self.done.wait(self.interval)


# --------------------------------------------------------------------------- running


def run_watched(command: list[str], interval: float) -> tuple[Run, int | None]:
    """``bench_fix.run_once`` (time, exit code, max RSS), and the peak total RSS of the process tree."""
    samplers: list[TreeSampler] = []

    def watch(pid: int) -> None:
        samplers.append(TreeSampler(pid, interval))
        samplers[0].start()

    try:
        run = run_once(command, on_start=watch)
    finally:
        for sampler in samplers:
            sampler.done.set()
            sampler.join()
    sampler = samplers[0]
    return run, sampler.peak if sampler.available else None


def make_copies(files: list[Path], corpus: Path, target: Path, copies: int) -> int:
    for index in range(copies):
        for path in files:
            destination = target / f"copy{index}" / path.relative_to(corpus)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
    return len(files) * copies


def measure(args: argparse.Namespace) -> dict:
    corpus = Path(args.corpus).expanduser().resolve()
    if not corpus.is_dir():
        raise BenchError(f"error: corpus directory not found: {corpus}")
    files = dockerfiles(corpus)
    if not files:
        raise BenchError(f"error: no Dockerfiles in {corpus}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="dockopt-bulk-") as tmp:
        count = make_copies(files, corpus, Path(tmp), args.copies)
        for label, words in COMMANDS.items():
            if label not in args.commands:
                continue
            for jobs in args.jobs:
                command = [sys.executable, "-m", "dockopt", *words, "-j", str(jobs), tmp]
                watched = [run_watched(command, args.sample) for _ in range(args.repeat)]
                runs = [run for run, _ in watched]
                seconds = [r.seconds for r in runs]
                rss = [r.maxrss_bytes for r in runs if r.maxrss_bytes is not None]
                tree = [peak for _, peak in watched if peak is not None]
                rows.append(
                    {
                        "command": f"dockopt {label}",
                        "jobs": jobs,
                        "files": count,
                        "seconds_median": statistics.median(seconds),
                        "files_per_second_median": count / statistics.median(seconds),
                        "files_per_second_best": count / min(seconds),
                        "max_rss_mib": max(rss) / 1048576 if rss else None,
                        "peak_total_rss_mib": max(tree) / 1048576 if tree else None,
                        "exit_codes": sorted({r.returncode for r in runs}),
                    }
                )
                if not args.json:
                    print(_row(rows[-1]), flush=True)
    return {
        "corpus": str(corpus),
        "copies": args.copies,
        "repeat": args.repeat,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "runs": rows,
    }


def _num(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


HEADER = f"{'command':<20} {'jobs':>4} {'files':>6} {'seconds':>8} {'files/s':>8} {'best/s':>8} {'max RSS MiB':>12} {'total RSS MiB':>14}"


def _row(row: dict) -> str:
    return (
        f"{row['command']:<20} {row['jobs']:>4} {row['files']:>6} {_num(row['seconds_median'], 1):>8} "
        f"{_num(row['files_per_second_median'], 1):>8} {_num(row['files_per_second_best'], 1):>8} "
        f"{_num(row['max_rss_mib'], 1):>12} {_num(row['peak_total_rss_mib'], 1):>14}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus", default=str(DEFAULT_CORPUS), help=f"directory of Dockerfiles (default: {DEFAULT_CORPUS})"
    )
    parser.add_argument("--copies", type=int, default=5, help="copies of the corpus to process at once (default: 5)")
    parser.add_argument("--jobs", default="1,2", help="comma-separated -j values (default: 1,2)")
    parser.add_argument(
        "--commands", default="fix --check,check", help="comma-separated: 'fix --check', 'check' (default: both)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="timed runs of each measurement (default: 1)")
    parser.add_argument("--sample", type=float, default=0.1, help="seconds between memory samples (default: 0.1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args(argv)
    try:
        args.jobs = [int(j) for j in args.jobs.split(",") if j.strip()]
    except ValueError:
        parser.error("--jobs takes comma-separated integers")
    args.commands = [c.strip() for c in args.commands.split(",") if c.strip()]
    if args.copies < 1 or args.repeat < 1 or not args.jobs or any(j < 1 for j in args.jobs):
        parser.error("--copies, --repeat and --jobs must be at least 1")
    if unknown := [c for c in args.commands if c not in COMMANDS]:
        parser.error(f"unknown command {unknown[0]!r} (choose from {', '.join(COMMANDS)})")
    if not args.json:
        print("dockopt bulk benchmark (figures are reported, not asserted)")
        print(
            f"  python {platform.python_version()} ({sys.executable}), {platform.machine()}, {os.cpu_count()} CPU(s)"
            + (f", load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "")
        )
        print(
            f"  max RSS: largest single process (os.wait4); total RSS: child and workers added up, sampled from /proc"
        )
        print(f"  reference: ~{TARGET_FILES_PER_SECOND_2_JOBS:.0f} files/s with 2 jobs\n")
        print(HEADER, flush=True)
    try:
        measured = measure(args)
    except BenchError as exc:
        print(str(exc).splitlines()[0], file=sys.stderr)
        return exc.code
    if args.json:
        print(json.dumps(measured, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
