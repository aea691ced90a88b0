"""Go: `go build -o PATH` in a golang image, or in a Debian image with golang-go.

The binary is the only artifact. With ``CGO_ENABLED=0`` (ENV, `export` or an assignment on
the command) it is static and goes to ``scratch``, with the CA certificates of the build
image when it has them; otherwise it goes to the slim Debian of the same release (only
when the release is named, so that the C library matches) or to the same Debian image the
build used.
"""

from __future__ import annotations

import re

from ..context import Context
from ..images import resolved_reference
from ..model import base_of, join, shell_path
from ..package_caches import env_before
from ..packages import invocations
from ..shell import script_of
from ..syntax import Dockerfile, Stage
from .common import (
    APT,
    HARMLESS,
    Artifact,
    Plan,
    Suggestion,
    apt_install,
    build_leftovers,
    copies_left_behind,
    entry,
    installed_packages,
    run_commands,
    runs_artifact,
    runtime_packages,
    source_matching,
)

CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
_GO_BUILD = re.compile(r"\bgo\s+build\b")
# what a RUN of a Go build may run besides apt (what they write serves the build alone), and the
# packages it may install only to fetch sources
_TOOLS = frozenset({"go", "git", "curl", "wget", "tar", "make"})
_FETCH_TOOLS = frozenset({"git", "curl", "wget", "ca-certificates", "openssh-client", "make", "gcc", "musl-dev"})
_CODENAMES = ("trixie", "bookworm", "bullseye", "buster")
# what a Go program does when it reads files from its source tree at run time
_READS_FILES = re.compile(
    r"\b(os\.(Open|ReadFile|ReadDir)|ioutil\.ReadFile|template\.(ParseFiles|ParseGlob)|http\.Dir|os\.DirFS)\s*\("
)


def recognise(df: Dockerfile, stage: Stage, context: Context) -> Plan | Suggestion | None:
    builds = _builds(df, stage)
    if builds is None:
        return None
    if not builds:
        return Suggestion(
            "go", "`go build` without `-o PATH` (or a relative one after `cd`): the binary's path is not known", _LAYOUT
        )
    start = entry(df, stage)
    if start is None:
        return Suggestion("go", "the stage has no CMD or ENTRYPOINT", _LAYOUT)
    artifact = runs_artifact(df, stage, start, [path for path, _ in builds])
    if artifact is None:
        return Suggestion(
            "go", "its CMD or ENTRYPOINT does not run the binary it builds (or uses shell syntax)", _LAYOUT
        )
    reader, _ = source_matching(context, ".", (".go",), _READS_FILES, lambda path: path.endswith("_test.go"))
    if reader is not None:
        return Suggestion("go", f"the program may read files of its source tree at run time ({reader})", _LAYOUT)
    found = run_commands(df, stage, HARMLESS | _TOOLS, APT)
    why = build_leftovers(df, stage, found, [artifact]) or copies_left_behind(df, stage, _GO_BUILD)
    if why is not None:
        return Suggestion("go", why, _LAYOUT)
    kept = runtime_packages(installed_packages(df, stage))
    static = dict(builds)[artifact]
    base = base_of(df, stage)
    image = base.image
    reference = resolved_reference(df, stage)
    if static:
        has_ca = (image is not None and image.path == "golang" and "alpine" not in (image.tag or "")) or _installs(
            df, stage, "ca-certificates"
        )
        artifacts = [Artifact(artifact, artifact)]
        if has_ca:
            artifacts.insert(0, Artifact(CA_BUNDLE, CA_BUNDLE))
        extra = [p for p in kept if p not in _FETCH_TOOLS]
        if extra:
            return Suggestion("go", f"the stage installs {', '.join(extra)}, which scratch would not have", _LAYOUT)
        return Plan("go", "scratch", tuple(artifacts), has_shell=False, why="a static Go binary (CGO_ENABLED=0)")
    if image is not None and image.path == "golang":
        tag = image.tag or ""
        release = next((c for c in _CODENAMES if c in tag), None)
        if release is None:
            return Suggestion(
                "go",
                f"a dynamic binary and {reference} names no Debian release, so the runtime's C library may not match",
                "set CGO_ENABLED=0 and use scratch, or name the release (golang:1.22-bookworm)",
            )
        setup = (apt_install(kept),) if kept else ()
        return Plan(
            "go", f"debian:{release}-slim", (Artifact(artifact, artifact),), setup=setup, why="a dynamic Go binary"
        )
    if base.family == "debian" and _installs(df, stage, "golang-go"):
        setup = (apt_install(kept),) if kept else ()
        return Plan(
            "go", reference, (Artifact(artifact, artifact),), setup=setup, why="a Go binary built with Debian's Go"
        )
    return Suggestion("go", f"the runtime for a dynamic binary built on {reference} is not known", _LAYOUT)


_LAYOUT = (
    "build in `FROM golang:X AS build` with `CGO_ENABLED=0 go build -o /out/app`, then "
    '`FROM scratch` (or gcr.io/distroless/static) with `COPY --from=build /out/app /app` and `ENTRYPOINT ["/app"]`'
)


def _builds(df: Dockerfile, stage: Stage) -> list[tuple[str, bool]] | None:
    """(binary path, static) of every `go build -o`; [] when the path of some is not known (no
    -o, or a relative one after a `cd`); None when no go build."""
    found: list[tuple[str, bool]] = []
    seen = False
    for run in stage.instructions:
        if run.command != "RUN" or "go" not in run.logical:
            continue
        script = script_of(df, run)
        if script is None or script.has_error:
            continue
        env = env_before(df, run)
        exported: dict[str, str] = {}
        changed_dir = False
        for command in script.commands:
            if command.program == "cd" and not command.isolated:
                changed_dir = True
            if command.program == "export":
                for word in command.args:
                    name, eq, value = (word.value or "").partition("=")
                    if eq:
                        exported[name] = value
            if command.program != "go" or not command.args or command.args[0].value != "build":
                continue
            seen = True
            values = [w.value for w in command.args]
            output = None
            for index, arg in enumerate(values):
                if arg == "-o" and index + 1 < len(values):
                    output = values[index + 1]
                elif arg is not None and arg.startswith("-o="):
                    output = arg[3:]
            if output is None:
                return []
            # after a `cd` only an absolute path is known
            path = join(None, output) if changed_dir else shell_path(df, run, output)
            if path is None or path.endswith("/"):
                return []
            assigned = {
                (w.value or "").partition("=")[0]: (w.value or "").partition("=")[2] for w in command.assignments
            }
            cgo = assigned.get("CGO_ENABLED", exported.get("CGO_ENABLED", env.get("CGO_ENABLED")))
            found.append((path, cgo == "0"))
    return found if seen else None


def _installs(df: Dockerfile, stage: Stage, package: str) -> bool:
    for run in stage.instructions:
        if run.command != "RUN" or package not in run.logical:
            continue
        for invocation in invocations(df, run):
            if invocation.subcommand in ("install", "add") and package in invocation.packages:
                return True
    return False
