"""How often a whole-context COPY comes before a dependency install, before and after `dockopt fix`.

The corpus has Dockerfiles but not their build contexts, and dependency-manifests-first
(DO103) only rewrites when it can read the manifests. So each Dockerfile is run twice:

- as it is (no manifests: DO103 can only report);
- in a made-up typical context holding the manifests its installs name
  (requirements.txt and the files given to `-r`, package.json with package-lock.json and
  yarn.lock, go.mod and go.sum, Gemfile and Gemfile.lock, composer.json and composer.lock).

A file counts when, in some stage, a COPY or ADD of the whole context (`.`) comes before
a RUN that installs dependencies from the sources (pip with -r, a requirements or project
file, npm ci/install, yarn install, pnpm install, go build/mod download, bundle install,
composer install, poetry/uv/pdm/pipenv install). Reports the counts before and after
`dockopt fix` (all default transforms), and how many files changed. Reports only; asserts
nothing.

    python benchmarks/bench_cache_order.py [--corpus DIR] [--unsafe-fixes] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from dockopt.engine import FixFailure, fix_source  # noqa: E402
from dockopt.packages import invocations  # noqa: E402
from dockopt.context import Context
from dockopt.registry import all_transforms  # noqa: E402
from dockopt.shell import script_of  # noqa: E402
from dockopt.syntax import DockerfileSyntaxError, parse  # noqa: E402

DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"
MANIFESTS = {
    "requirements.txt": "six==1.16.0\n",
    "package.json": '{"name": "app", "version": "1.0.0", "dependencies": {"left-pad": "1.3.0"}}\n',
    "package-lock.json": '{"name": "app", "version": "1.0.0", "lockfileVersion": 3, "packages": {}}\n',
    "yarn.lock": "# yarn lockfile v1\n",
    "go.mod": "module example.com/app\n\ngo 1.22\n",
    "go.sum": "",
    "Gemfile": 'source "https://rubygems.org"\ngem "rake"\n',
    "Gemfile.lock": "GEM\n  specs:\n    rake (13.2.1)\n",
    "composer.json": '{"require": {}}\n',
    "composer.lock": '{"packages": []}\n',
}
_REQUIREMENT = re.compile(r"(?:-r|--requirement)[ =]+([^\s;&|]+)")


def make_context(root: Path, text: str) -> None:
    for name, content in MANIFESTS.items():
        (root / name).write_text(content)
    for named in _REQUIREMENT.findall(text):
        path = Path(named.lstrip("./"))
        if path.is_absolute() or ".." in path.parts or "$" in named:
            continue
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("six==1.16.0\n")


_INSTALLS = {
    "pip": {"install"},
    "npm": {"ci", "install", "i"},
    "yarn": {"install", None},
    "gem": set(),
}
_PROGRAMS = {
    "pnpm": {"install", "i"},
    "go": {"build", "install", "mod"},
    "bundle": {"install", None},
    "composer": {"install"},
    "poetry": {"install"},
    "uv": {"sync", "pip"},
    "pdm": {"install", "sync"},
    "pipenv": {"install", "sync"},
}


def copy_before_install(text: str) -> bool:
    """Whether a stage copies the whole context before a RUN installs dependencies from it."""
    df = parse(text)
    for stage in df.stages:
        copied = False
        for instruction in stage.instructions:
            if instruction.command in ("COPY", "ADD") and not instruction.flag("from"):
                sources = (list(instruction.json_args or ()) if instruction.json else instruction.words())[:-1]
                copied = copied or any(s.rstrip("/") in (".", "./.", "") for s in sources)
            elif copied and instruction.command == "RUN" and _installs(df, instruction):
                return True
    return False


def _installs(df, run) -> bool:
    for invocation in invocations(df, run):
        if invocation.manager == "pip" and invocation.subcommand == "install":
            if invocation.has_option("-r", "--requirement", "-e", "--editable") or any(
                (w.value or "").startswith(".") for w in invocation.operands
            ):
                return True
        elif invocation.subcommand in _INSTALLS.get(invocation.manager, ()):
            return True
    script = script_of(df, run)
    for command in script.commands if script is not None else ():
        subcommands = _PROGRAMS.get(command.program or "")
        if subcommands is not None:
            first = next((w.value for w in command.args if not (w.value or "-").startswith("-")), None)
            if first in subcommands:
                return True
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--unsafe-fixes", action="store_true", help="apply the unsafe fixes too")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"error: no such folder: {args.corpus}", file=sys.stderr)
        return 2
    transforms = all_transforms()
    counts = {"files": 0, "refused": 0}
    for mode in ("as_is", "with_manifests"):
        counts[mode] = {"before": 0, "after": 0, "changed": 0, "failed": 0}
    with tempfile.TemporaryDirectory() as tmp:
        for path in sorted(args.corpus.iterdir()):
            if not path.name.endswith("Dockerfile"):
                continue
            text = path.read_text(encoding="utf-8")
            counts["files"] += 1
            for mode in ("as_is", "with_manifests"):
                root = Path(tmp) / mode / path.stem
                root.mkdir(parents=True)
                (root / "Dockerfile").write_text(text)
                if mode == "with_manifests":
                    make_context(root, text)
                context = Context(root / "Dockerfile", root)
                row = counts[mode]
                try:
                    before = copy_before_install(text)
                    result = fix_source(text, transforms, unsafe=args.unsafe_fixes, context=context)
                except DockerfileSyntaxError:
                    counts["refused"] += mode == "as_is"
                    continue
                except FixFailure:
                    row["failed"] += 1
                    continue
                row["before"] += before
                row["after"] += copy_before_install(result.output)
                row["changed"] += result.output != text
                shutil.rmtree(root)
    if args.json:
        print(json.dumps(counts, indent=2))
        return 0
    tier = "with --unsafe-fixes" if args.unsafe_fixes else "safe fixes"
    print(f"{counts['files']} Dockerfiles ({counts['refused']} refused by the parser); dockopt fix, {tier}")
    print("files with a whole-context COPY before a dependency install:")
    for mode, label in (
        ("as_is", "as they are (no manifests)"),
        ("with_manifests", "in a typical context with manifests"),
    ):
        row = counts[mode]
        print(
            f"  {label:<38} before {row['before']:>4}  after {row['after']:>4}  "
            f"(files changed by dockopt fix: {row['changed']}, failed: {row['failed']})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
