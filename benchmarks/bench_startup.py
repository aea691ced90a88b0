"""Benchmark dockopt's start-up: one small file, and ``--version``, from process start.

What it measures: ``python -m dockopt ARGS`` run as a child process, the wall time from
spawn to exit, for four commands (issue 15, item 6):

- ``--version`` (target: at most 100 ms);
- ``check FILE``, ``fix --diff FILE`` and ``fix --check FILE`` on one small Dockerfile
  (target: at most 150 ms each).

Each command runs once untimed (so that bytecode caches exist), then ``--repeat`` times;
the median and the minimum are reported, of the wall time and of the CPU time (user +
system, from ``os.wait4``: on a loaded machine the wall time also counts the waits for a
core, the CPU time much less). Before/after: ``--baseline DIR`` names another
checkout of dockopt (e.g. ``git archive a0c93da | tar -x -C /tmp/base``), which is put first
on PYTHONPATH of the same interpreter; the two are run alternately, run for run, so that a
machine whose load changes treats both alike. ``--python PY`` times another interpreter
(its environment must have dockopt's dependencies). The checkout measured otherwise is this
one (put first on PYTHONPATH too, so that an editable install elsewhere does not decide).

The children run without PYTHONDONTWRITEBYTECODE (users have bytecode caches) and with
stdout and stderr sent to /dev/null. Exit codes 0, 1 and 2 of dockopt are normal; anything
else stops the benchmark (exit 1).

The figures are reported next to their targets, marked PASS or MISS, never asserted (the
machines are shared and noisy): the script exits 0 whatever they are. It is a standalone
script; the test suite does not run it (tests/test_startup.py checks what is imported).

    python benchmarks/bench_startup.py [--repeat N] [--file FILE] [--baseline DIR] [--python PY] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = REPO_ROOT / "examples" / "apt-tools" / "Dockerfile"
TARGET_VERSION_MS = 100.0
TARGET_FILE_MS = 150.0
NORMAL_EXIT_CODES = (0, 1, 2)


def commands(file: Path) -> list[tuple[str, list[str], float]]:
    """(label, dockopt's arguments, target in ms) of each measurement."""
    name = str(file)
    return [
        ("--version", ["--version"], TARGET_VERSION_MS),
        ("check FILE", ["check", name], TARGET_FILE_MS),
        ("fix --diff FILE", ["fix", "--diff", name], TARGET_FILE_MS),
        ("fix --check FILE", ["fix", "--check", name], TARGET_FILE_MS),
    ]


def child_env(checkout: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    env["PYTHONPATH"] = str(checkout)
    return env


def run_once(python: str, checkout: Path, arguments: list[str], cwd: str) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of ``python -m dockopt ARGUMENTS`` with ``checkout``
    first on the path, from spawn to exit. CPU time is what a loaded machine changes least."""
    command = [python, "-m", "dockopt", *arguments]
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=child_env(checkout),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        if proc.returncode not in NORMAL_EXIT_CODES:
            stderr.seek(0)
            last = (stderr.read().decode("utf-8", "replace").strip().splitlines() or ["no output"])[-1]
            raise SystemExit(f"error: `{' '.join(command)}` ({checkout}) exited with {proc.returncode}: {last}")
    return wall, usage.ru_utime + usage.ru_stime


def which_dockopt(python: str, checkout: Path, cwd: str) -> str:
    """The dockopt package the children import (to show that PYTHONPATH decides)."""
    done = subprocess.run(
        [python, "-c", "import dockopt; print(dockopt.__file__)"],
        env=child_env(checkout),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or done.stderr.strip().splitlines()[-1]


def measure(python: str, sides: dict[str, Path], file: Path, repeat: int, cwd: str) -> dict[str, dict[str, Any]]:
    """By side ("after", "before") and command label: median and minimum of the wall and CPU
    milliseconds, and the target. The sides run alternately, run for run."""
    runs: dict[str, dict[str, list[tuple[float, float]]]] = {side: {} for side in sides}
    for label, arguments, _ in commands(file):
        for checkout in sides.values():
            run_once(python, checkout, arguments, cwd)  # warm-up: bytecode caches, file caches
        for _ in range(repeat):
            for side, checkout in sides.items():
                runs[side].setdefault(label, []).append(run_once(python, checkout, arguments, cwd))
    result: dict[str, dict[str, Any]] = {}
    for side, by_label in runs.items():
        result[side] = {}
        for label, _, target in commands(file):
            wall = [1000.0 * w for w, _ in by_label[label]]
            cpu = [1000.0 * c for _, c in by_label[label]]
            result[side][label] = {
                "wall_median_ms": statistics.median(wall),
                "wall_min_ms": min(wall),
                "cpu_median_ms": statistics.median(cpu),
                "cpu_min_ms": min(cpu),
                "target_ms": target,
            }
    return result


def table(result: dict[str, dict[str, Any]], file: Path, repeat: int) -> str:
    sides = list(result)
    stats = [("wall", "median"), ("wall", "min"), ("cpu", "median"), ("cpu", "min")]
    width = 9 * len(stats)
    lines = [
        f"dockopt start-up, python -m dockopt, {repeat} runs each, milliseconds (reported, not asserted)",
        f"  file: {file} ({file.stat().st_size} bytes); cpu: user + system time of the process",
        "",
        f"  {'':<17}" + "".join(f"  {side:-^{width - 2}}" for side in sides),
        f"  {'command':<17}"
        + "".join(f"{f'{kind} {stat[:3]}':>9}" for _ in sides for kind, stat in stats)
        + f"{'target':>8}  after",
    ]
    for label, _, target in commands(file):
        cells = "".join(f"{result[side][label][f'{kind}_{stat}_ms']:>9.0f}" for side in sides for kind, stat in stats)
        after = result["after"][label]["wall_median_ms"]
        lines.append(f"  {label:<17}{cells}{target:>8.0f}  {'PASS' if after <= target else 'MISS'} (wall median)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed runs of each command (default: 15)")
    parser.add_argument("--file", default=str(DEFAULT_FILE), help=f"the small Dockerfile (default: {DEFAULT_FILE})")
    parser.add_argument("--baseline", default=None, help="another checkout of dockopt to time alongside ('before')")
    parser.add_argument("--python", default=sys.executable, help="the interpreter (default: this one)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    file = Path(args.file).resolve()
    if not file.is_file():
        print(f"error: {file}: no such file", file=sys.stderr)
        return 2
    sides = {"after": REPO_ROOT}
    if args.baseline is not None:
        baseline = Path(args.baseline).resolve()
        if not (baseline / "dockopt" / "__init__.py").is_file():
            print(f"error: {baseline}: not a checkout of dockopt (no dockopt/__init__.py)", file=sys.stderr)
            return 2
        sides["before"] = baseline
    # the children's working directory: `-m` puts it first on the path, so no dockopt there
    with tempfile.TemporaryDirectory(prefix="bench_startup_") as empty:
        result = measure(args.python, sides, file, args.repeat, empty)
        if args.json:
            print(json.dumps({"file": str(file), "repeat": args.repeat, "python": args.python, **result}, indent=2))
        else:
            for side, checkout in sides.items():
                print(f"{side}: {which_dockopt(args.python, checkout, empty)}")
            print(table(result, file, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
