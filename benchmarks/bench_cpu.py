"""Benchmark the work per file, in one process: CPU seconds of ``fix_source`` and ``find_source``.

Where bench_fix.py and bench_bulk.py time whole CLI runs by the wall clock (start-up, discovery
and process pools included), this times only dockopt's own work, as ``time.process_time`` of
one process, so that it stays comparable on a machine other jobs share:

- ``fix``: ``engine.fix_source`` (safe fixes, default selection) on every file's text;
- ``check``: ``engine.find_source`` (every finding, default selection) on every file's text.

Each is run ``--rounds`` times; the minimum and the median are reported. Files that dockopt
refuses count like the others (their time is spent too).

Compare two checkouts by running this script of either with the other one first on the path:

    PYTHONPATH=/path/to/other/checkout python benchmarks/bench_cpu.py [--corpus DIR] [--limit N]

The figures are reported, never asserted. This is a standalone script; the tests do not import it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from dockopt.engine import find_source, fix_source
from dockopt.registry import all_transforms

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help=f"directory of Dockerfiles (default: {DEFAULT_CORPUS})"
    )
    parser.add_argument("--limit", type=int, default=0, help="only the first N files by name (default: all)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each measurement (default: 3)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of lines")
    options = parser.parse_args()
    files = sorted(p for p in options.corpus.iterdir() if p.is_file())
    if options.limit:
        files = files[: options.limit]
    if not files:
        parser.error(f"no files in {options.corpus}")
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in files]
    transforms = tuple(t for t in all_transforms() if not t.opt_in)

    def fix(text: str) -> object:
        return fix_source(text, transforms)

    def check(text: str) -> object:
        return find_source(text, transforms)

    report: dict[str, object] = {"files": len(texts)}
    for name, work in (("fix", fix), ("check", check)):
        seconds = []
        for _ in range(options.rounds):
            start = time.process_time()
            for text in texts:
                try:
                    work(text)
                except Exception:  # a file dockopt refuses: its time counts all the same
                    pass
            seconds.append(time.process_time() - start)
        report[name] = {
            "cpu_seconds_min": round(min(seconds), 3),
            "cpu_seconds_median": round(statistics.median(seconds), 3),
        }
    if options.json:
        print(json.dumps(report, indent=2))
    else:
        for name in ("fix", "check"):
            figures = report[name]
            assert isinstance(figures, dict)
            print(
                f"{name:6} {len(texts)} files: {figures['cpu_seconds_min']:.3f} s CPU (min), {figures['cpu_seconds_median']:.3f} s (median)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
