"""How many corpus files multi-stage (DO402) splits, and how many it only suggests splitting.

Runs `fix_source` with --unsafe-fixes on every Dockerfile of the corpus, once with
multi-stage alone and once with slim-base (DO401) alone, and counts per build stack the
files rewritten and the files given a display-only suggestion (with the reasons), and the
files slim-base moves to a slim base. The corpus has no build contexts, so what needs one
(a Go source tree that opens files, a package.json) is judged without it. Reports only;
asserts nothing.

    python benchmarks/bench_multi_stage.py [--corpus DIR] [--json]
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
from dockopt.registry import select  # noqa: E402
from dockopt.syntax import DockerfileSyntaxError  # noqa: E402

DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"
_STACK = re.compile(r"single-stage (\w+) build")


def _reason(why: str) -> str:
    """A reason with the names it gives (programs, paths, packages) left out, to count alike ones together."""
    why = re.sub(r"RUN runs `[^`]*`", "RUN runs `X`", why)
    why = re.sub(r"RUN changes \S+,", "RUN changes X,", why)
    return re.sub(r"of [\w.+, -]+ are", "of X are", why)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    split, slim = select(["DO402"]), select(["DO401"])
    rewritten: Counter = Counter()
    suggested: Counter = Counter()
    reasons: Counter = Counter()
    slimmed = files = failed = 0
    for path in sorted(p for p in args.corpus.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", "replace")
        files += 1
        try:
            result = fix_source(text, split, unsafe=True, context=Context(path, None))
            slim_result = fix_source(text, slim, unsafe=True, context=Context(path, None))
        except (DockerfileSyntaxError, FixFailure):
            failed += 1
            continue
        for finding in result.applied:
            rewritten[_STACK.search(finding.message).group(1)] += 1
        for finding in result.remaining:
            if finding.code == "DO402" and finding.fix is None:
                stack = _STACK.search(finding.message).group(1)
                suggested[stack] += 1
                why = finding.message.split("not split (", 1)[1].split("); suggested", 1)[0]
                reasons[_reason(why)[:90]] += 1
        slimmed += slim_result.changed
    report = {
        "files": files,
        "not parsed": failed,
        "split (rewritten), by stack": dict(rewritten.most_common()),
        "split suggested (display-only), by stack": dict(suggested.most_common()),
        "why only suggested": dict(reasons.most_common(15)),
        "moved to a slim base by DO401": slimmed,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            if isinstance(value, dict):
                print(f"{key}: {sum(value.values()) if 'why' not in key else ''}")
                for name, count in value.items():
                    print(f"  {count:5d}  {name}")
            else:
                print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
