"""Real projects built as they are, after `dockopt fix`, and after `dockopt fix --unsafe-fixes`.

For each project of ../shared/projects (real applications with their whole build context,
listed in its SOURCES.tsv), the context is copied to a temporary directory (nothing is
written under the projects), the Dockerfile is rewritten there by the CLI, and each of the
three variants is built with the engine `dockopt verify` uses, from the local stand-ins of
the official base images (`scripts/make-base-images.sh`). Per variant it records: whether it
builds, the image size and layers, the cold build time (no cache), the rebuild time after
one source file changes (with the cache of the cold build), the user the image runs as, and
the smoke test of `dockopt/smoke.py` (the one `dockopt fix --verify` runs): the container's
state after a few seconds, the HTTP status of `/` on its exposed ports, its last line of
output. A rewrite passes when its smoke test says what the original's says.

    eval "$(bash scripts/setup-build-engine.sh)" && bash scripts/make-base-images.sh
    python benchmarks/bench_projects.py [--projects DIR] [--only NAME,...] [--json OUT]
        [--engine podman] [--keep]

Needs root (nsenter), podman (to run containers) and an engine. Reports only; asserts
nothing. Times depend on the mirror, PyPI and npm: sizes and layers are the robust numbers.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from dockopt.containers import Engine, EngineError, find_engine  # noqa: E402
from dockopt.smoke import Smoke, last_lines, runner_for, smoke_test  # noqa: E402

DEFAULT_PROJECTS = REPO_ROOT.parent / "shared" / "projects"
VARIANTS = ("original", "safe", "unsafe")
LABEL = "org.dockopt.bench"  # set on every image the benchmark builds, to remove them
SOURCE_SUFFIXES = (".py", ".js", ".go", ".java", ".rb", ".php", ".rs", ".cs", ".ts", ".jsx", ".vue")
_FIX = re.compile(r"(DO\d{3}) ([\w-]+) ×(\d+)")
_IGNORED_DIRS = {"node_modules", ".git", "tests", "test", "__pycache__", "deployment", "manifests"}

# What cannot be built on this machine (no registry but the Debian mirror, PyPI and npm),
# whatever the stand-ins: the first reason that stops the build.
CANNOT_BUILD = {
    "py-flask-wsgi": "python:3.9.2-alpine: Alpine packages (apk) cannot be had here",
    "py-dash-t5-client": "python:3.13.5-alpine: Alpine packages (apk) cannot be had here",
    "py-whereami": "downloads a static curl from GitHub in a RUN",
    "py-azure-vote": "tiangolo/uwsgi-nginx-flask:python3.6: a registry-only image (uWSGI, nginx, supervisor on Python 3.6)",
    "py-aks-ai-service": "python:3.12.7-alpine: Alpine (musl) image",
    "node-redis-web": "node:14.17.3-alpine3.14: Alpine image",
    "node-swarm-visualizer": "node:12-alpine: Alpine image (and Node 12 for its webpack build)",
    "node-aks-order-service": "node:24.14-alpine: Alpine image",
    "node-vuejs": "node:14.4.0-alpine: Alpine image",
    "node-react-nginx": "heredocs (`RUN <<EOF`) in its dev-envs stage: buildah 1.28 (Debian 12) cannot parse them",
    "node-spanner-express": "gcr.io/distroless/nodejs18-debian11: a registry-only image",
    "go-albumapi": "Go modules (gorilla/mux) come from the Go module proxy, not reachable here",
    "go-gs-ping": "`go mod download`: the Go module proxy is not reachable here",
    "go-aks-makeline": "golang:1.26-alpine and alpine:3.22: Alpine images; Go modules from the network",
    "java-albumapi": "mcr.microsoft.com/openjdk/jdk:21-mariner: registry-only; Maven Central is not reachable here",
    "java-spring-postgres": "Maven dependencies: Maven Central is not reachable here",
    "java-gke-quickstart": "maven:3.6-jdk-8-alpine, adoptopenjdk alpine: Alpine images; Maven Central not reachable",
    "ruby-sinatra": "bundle install: RubyGems is not reachable here (and no ruby stand-in)",
    "php-laravel": "php:8.5-fpm (registry-only build of PHP) and Composer downloaded from the network",
    "rust-azure-voting": "rust:1.70-bullseye: crates.io is not reachable here",
    "dotnet-voting-worker": "mcr.microsoft.com/dotnet: registry-only images; NuGet is not reachable here",
}


@dataclass(frozen=True)
class Project:
    name: str
    dockerfile: str  # relative to the context
    target: str | None  # the stage upstream's compose file builds
    languages: str


@dataclass(frozen=True)
class Variant:
    variant: str  # original, safe, unsafe
    fixes: dict[str, int] = field(default_factory=dict)  # "DO101 merge-runs" -> count
    built: bool = False
    size: int | None = None
    layers: int | None = None
    cold_seconds: float | None = None
    touched: str | None = None  # the source file changed before the rebuild
    rebuild_seconds: float | None = None
    user: str | None = None
    smoke: Smoke | None = None
    smoke_passed: bool | None = None  # same smoke result as the original's (None for the original)
    error: str = ""


# --------------------------------------------------------------------------- projects


def load_projects(root: Path) -> list[Project]:
    with open(root / "SOURCES.tsv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [Project(r["name"], r["dockerfile"], r.get("build_target") or None, r["languages"]) for r in rows]


def copy_context(root: Path, project: Project, into: Path) -> Path:
    """A copy of the project's build context (without the licence file added beside it)."""
    destination = into / project.name
    shutil.copytree(root / project.name, destination, symlinks=True, ignore=shutil.ignore_patterns("LICENSE.upstream"))
    return destination


def rewrite(context: Path, project: Project, variant: str) -> dict[str, int]:
    """Run `dockopt fix` (with --unsafe-fixes for "unsafe") on the copy; the fixes applied."""
    if variant == "original":
        return {}
    command = [sys.executable, "-m", "dockopt", "fix", "--context", str(context), str(context / project.dockerfile)]
    if variant == "unsafe":
        command.insert(4, "--unsafe-fixes")
    run = subprocess.run(command, capture_output=True, text=True, cwd=context, stdin=subprocess.DEVNULL)
    if run.returncode != 0:
        raise RuntimeError(f"dockopt fix exited {run.returncode}: {run.stderr.strip()[-500:]}")
    return {f"{code} {name}": int(n) for code, name, n in _FIX.findall(run.stderr)}


def source_to_touch(context: Path, config: dict) -> Path | None:
    """The application source to change for the rebuild: the file the command names, else the
    first source file (outside tests and dependencies) in the context."""
    words = [
        t for w in (config.get("Entrypoint") or []) + (config.get("Cmd") or []) if isinstance(w, str) for t in w.split()
    ]
    for word in words:
        name = word.split("/")[-1]
        if name.endswith(SOURCE_SUFFIXES):
            for candidate in sorted(context.rglob(name)):
                if candidate.is_file() and not set(candidate.relative_to(context).parts) & _IGNORED_DIRS:
                    return candidate
    for candidate in sorted(context.rglob("*")):
        parts = set(candidate.relative_to(context).parts)
        if candidate.suffix in SOURCE_SUFFIXES and candidate.is_file() and not parts & _IGNORED_DIRS:
            return candidate
    return None


def touch(path: Path, mark: str = "") -> None:
    """Change the file's content, as an edit would (a comment at its end); ``mark`` makes the
    change unique, so that no layer cached by another build can match it."""
    comment = "#" if path.suffix in (".py", ".rb") else "//"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"\n{comment} touched by bench_projects{' ' + mark if mark else ''}\n")


# --------------------------------------------------------------------------- building and running


def measure(
    engine: Engine,
    project: Project,
    context: Path,
    variant: str,
    fixes: dict[str, int],
    rebuild: bool = True,
    log=lambda line: None,
) -> tuple[Variant, str | None]:
    """Build the variant cold, smoke-test it, rebuild after a source change; the image tag is
    returned (None when it did not build), the caller removes it."""
    token = secrets.token_hex(3)
    tag = f"localhost/dockopt-bench-{project.name}:{variant}-{token}"
    labels = {LABEL: token}
    dockerfile = context / project.dockerfile
    built = engine.build(dockerfile, context, tag, log, target=project.target, labels=labels)
    if not built.ok:
        remove_images(engine, tag)
        return Variant(variant, fixes, False, cold_seconds=built.seconds, error=last_lines(built.tail)), None
    image = engine.inspect(tag)
    result = Variant(
        variant,
        fixes,
        True,
        image.size,
        image.layers,
        round(built.seconds, 1),
        user=str(image.config.get("User") or "") or "root",
    )
    result = replace(result, smoke=smoke_test(tag, image.config, runner_for(engine.name)))
    if rebuild:
        source = source_to_touch(context, image.config)
        if source is not None:
            touch(source, secrets.token_hex(4))
            again = engine.build(
                dockerfile, context, tag + "-rebuild", log, target=project.target, cache=True, labels=labels
            )
            result = replace(
                result,
                touched=str(source.relative_to(context)),
                rebuild_seconds=round(again.seconds, 1) if again.ok else None,
            )
    return result, tag


def remove_images(engine: Engine, tag: str) -> None:
    """The images of the variant's builds (cold and rebuild, every stage, intermediate ones
    too): those carrying its label. Nobody else's images are touched."""
    engine.remove(tag)
    engine.remove(tag + "-rebuild")
    engine.remove_labelled(LABEL, tag.rsplit("-", 1)[-1])


# --------------------------------------------------------------------------- one project


def run_project(
    engine: Engine,
    root: Path,
    project: Project,
    work: Path,
    variants=VARIANTS,
    rebuild: bool = True,
    keep: bool = False,
    log=lambda line: None,
) -> list[Variant]:
    results: list[Variant] = []
    for variant in variants:
        context = copy_context(root, project, work / variant)
        try:
            fixes = rewrite(context, project, variant)
        except RuntimeError as exc:
            results.append(Variant(variant, error=str(exc)))
            continue
        try:
            result, tag = measure(engine, project, context, variant, fixes, rebuild, log)
        except EngineError as exc:
            results.append(Variant(variant, fixes, error=str(exc)))
            continue
        # removed before the next variant builds: the engine's cache takes, step by step, the
        # first layer that matches, and a layer of this build would lead the next one's
        # rebuild away from its own cached layers (a cache miss where there is none)
        if tag and not keep:
            remove_images(engine, tag)
        original = results[0] if results and results[0].variant == "original" else None
        if variant != "original" and original is not None and original.smoke and result.smoke:
            result = replace(result, smoke_passed=result.smoke.same_as(original.smoke))
        results.append(result)
    return results


# --------------------------------------------------------------------------- report


def table(rows: dict[str, list[Variant]]) -> str:
    header = (
        "project",
        "variant",
        "built",
        "size MB",
        "vs orig",
        "layers",
        "cold s",
        "rebuild s",
        "user",
        "smoke",
        "fixes",
    )
    lines = [header]
    for name, variants in rows.items():
        original = next((v for v in variants if v.variant == "original" and v.built), None)
        for v in variants:
            change = ""
            if v.built and original is not None and v is not original and original.size:
                change = f"{(v.size - original.size) / original.size:+.1%}"
            smoke = "-"
            if v.smoke is not None:
                smoke = v.smoke.state + "".join(f" {p.split('/')[0]}:{s}" for p, s in v.smoke.http.items())
                if v.smoke_passed is not None:
                    smoke += " ✓" if v.smoke_passed else " ✗ DIFFERS"
            lines.append(
                (
                    name,
                    v.variant,
                    "yes" if v.built else "NO",
                    f"{v.size / 1e6:.1f}" if v.size is not None else "-",
                    change,
                    str(v.layers) if v.layers is not None else "-",
                    f"{v.cold_seconds:.1f}" if v.cold_seconds is not None else "-",
                    f"{v.rebuild_seconds:.1f}" if v.rebuild_seconds is not None else "-",
                    v.user or "-",
                    smoke,
                    ", ".join(k.split()[0] + (f"×{n}" if n > 1 else "") for k, n in sorted(v.fixes.items()))
                    or ("-" if not v.error else v.error[:120]),
                )
            )
    widths = [max(len(row[i]) for row in lines) for i in range(len(header) - 1)]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1] for row in lines
    )


def totals(rows: dict[str, list[Variant]]) -> dict[str, object]:
    """Sums over the projects whose three variants all built."""
    complete = {
        n: {v.variant: v for v in vs} for n, vs in rows.items() if all(v.built for v in vs) and len(vs) == len(VARIANTS)
    }
    sums = {variant: sum(vs[variant].size for vs in complete.values()) for variant in VARIANTS}
    return {
        "projects": sorted(complete),
        "size_bytes": sums,
        "size_change": {
            v: (sums[v] - sums["original"]) / sums["original"] if sums["original"] else None for v in VARIANTS[1:]
        },
        "smoke_failures": sorted(f"{n} {v.variant}" for n, vs in rows.items() for v in vs if v.smoke_passed is False),
        "build_failures": sorted(
            f"{n} {v.variant}" for n, vs in rows.items() for v in vs if not v.built and vs[0].built
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=Path, default=DEFAULT_PROJECTS)
    parser.add_argument("--only", default="", help="comma-separated project names (default: all that can build here)")
    parser.add_argument("--json", type=Path, dest="json_out", help="write the results as JSON to this file")
    parser.add_argument("--engine", default=None)
    parser.add_argument("--all", action="store_true", help="also try the projects known not to build here")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the images (tagged localhost/dockopt-bench-*); the rebuild times of the next variants are then unreliable",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print the build output")
    args = parser.parse_args()
    try:
        engine = find_engine(args.engine)
    except EngineError as exc:
        print(f"bench_projects: {exc}", file=sys.stderr)
        return 2
    projects = load_projects(args.projects)
    only = [n for n in args.only.split(",") if n]
    unknown = set(only) - {p.name for p in projects}
    if unknown:
        print(f"bench_projects: unknown project(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    chosen = [p for p in projects if (p.name in only if only else (args.all or p.name not in CANNOT_BUILD))]
    skipped = {
        p.name: CANNOT_BUILD[p.name] for p in projects if p.name in CANNOT_BUILD and p not in chosen and not only
    }
    rows: dict[str, list[Variant]] = {}
    log = (lambda line: print(line, file=sys.stderr)) if args.verbose else (lambda line: None)
    for project in chosen:
        print(f"bench_projects: {project.name} ...", file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory(prefix=f"bench-{project.name}-") as tmp:
            rows[project.name] = run_project(engine, args.projects, project, Path(tmp), keep=args.keep, log=log)
        for v in rows[project.name]:
            print(
                f"  {v.variant}: built={v.built} size={v.size} smoke={v.smoke} passed={v.smoke_passed} {v.error[:300]}",
                file=sys.stderr,
                flush=True,
            )
    print(f"engine: {engine.version or engine.name}")
    print(table(rows))
    summary = totals(rows)
    print(json.dumps(summary, indent=1))
    for name, reason in skipped.items():
        print(f"not built here: {name}: {reason}")
    if args.json_out:
        data = {
            "engine": engine.version or engine.name,
            "date": time.strftime("%Y-%m-%d"),
            "totals": summary,
            "not_built": skipped,
            "projects": {n: [asdict(v) for v in vs] for n, vs in rows.items()},
        }
        args.json_out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
