"""How many final stages run as root, before and after `dockopt fix --unsafe-fixes`.

For every Dockerfile of the corpus, the final stage counts as running as root when the last
USER of it (and of the stages it is built FROM) is missing or names root (`root`, `0`,
`root:...`, `0:...`). This detector is deliberately simpler than dockopt's own
(`dockopt.images.runs_as_root`, which also knows base images that set their own user), so
the figure is not dockopt grading itself: a base image that already runs as non-root
counts as root here unless the Dockerfile says USER. Files whose final stage is FROM
`scratch`, or a Windows image, are left out of the share, as the issue asks; a USER that
is an expansion counts as unknown.

Reports the share before and after, how many files non-root-user (DO301) changed, and why
it left the others alone (the reasons its findings give). With ``--select`` only those
transforms run (default: all). Reports only; asserts nothing.

    python benchmarks/bench_non_root.py [--corpus DIR] [--select DO301] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from dockopt.engine import FixFailure, fix_source  # noqa: E402
from dockopt.context import Context
from dockopt.registry import all_transforms, select  # noqa: E402
from dockopt.syntax import DockerfileSyntaxError, parse  # noqa: E402

DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"
_WINDOWS = re.compile(r"windows|nanoserver|servercore", re.I)


def final_user(text: str) -> tuple[str, str | None]:
    """("excluded"|"root"|"user"|"unknown", the final USER) of a Dockerfile's last stage."""
    df = parse(text)
    stage = df.stages[-1]
    stages = [df.stages[i] for i in reversed(stage.derives_from)] + [stage]
    base = stages[0].base
    if base.lower() == "scratch" or _WINDOWS.search(base):
        return "excluded", None
    user = None
    for member in stages:
        for instruction in member.instructions:
            if instruction.command == "USER" and instruction.args.strip():
                user = instruction.args.strip()
    if user is None:
        return "root", None
    if "$" in user:
        return "unknown", user
    name = user.split(":", 1)[0]
    return ("root" if name in ("root", "0") else "user"), user


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--select", action="append", default=[])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    transforms = select(args.select) if args.select else all_transforms()
    before: Counter = Counter()
    after: Counter = Counter()
    reasons: Counter = Counter()
    changed = failed = 0
    for path in sorted(p for p in args.corpus.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", "replace")
        try:
            state, _ = final_user(text)
            result = fix_source(text, transforms, unsafe=True, context=Context(path, None))
        except (DockerfileSyntaxError, FixFailure, IndexError):
            failed += 1
            continue
        before[state] += 1
        after[final_user(result.output)[0]] += 1
        if any(f.code == "DO301" for f in result.applied):
            changed += 1
        for finding in result.remaining:
            if finding.code == "DO301" and finding.fix is None:
                why = finding.message.split("not changed: ", 1)[-1]
                reasons[re.sub(r"port \d+", "port N", re.sub(r"runs \S+", "runs X", why))] += 1
    counted_before = before["root"] + before["user"] + before["unknown"]
    counted_after = after["root"] + after["user"] + after["unknown"]
    report = {
        "files": sum(before.values()),
        "not parsed": failed,
        "excluded (scratch, Windows)": before["excluded"],
        "root before": before["root"],
        "root after": after["root"],
        "share before": round(100 * before["root"] / counted_before, 1) if counted_before else 0,
        "share after": round(100 * after["root"] / counted_after, 1) if counted_after else 0,
        "unknown (USER $VAR)": before["unknown"],
        "changed by DO301": changed,
        "left alone, by reason": dict(reasons.most_common()),
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            if isinstance(value, dict):
                print(f"{key}:")
                for reason, count in value.items():
                    print(f"  {count:5d}  {reason}")
            else:
                print(f"{key}: {value}{'%' if key.startswith('share') else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
