"""Go: `go build -o PATH` in a golang image, or in a Debian image with golang-go.

The binary is the only artifact. With ``CGO_ENABLED=0`` (ENV, `export` or an assignment on
the command) it is static and goes to ``scratch``, with the CA certificates of the build
image when it has them; otherwise it goes to the slim Debian of the same release (only
when the release is named, so that the C library matches) or to the same Debian image the
build used.
"""

from __future__ import annotations

import posixpath
import re

from ..context import Context
from ..copies import DEFAULT_PATH, context_source
from ..images import image_env, resolved_reference
from ..manifests import go_module_path
from ..model import base_of, join, workdir_at
from ..package_caches import env_before
from ..packages import invocations
from ..shell import script_of
from ..syntax import Dockerfile, Instruction, Stage
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
    entry_words,
    installed_packages,
    run_commands,
    runs_artifact,
    runtime_packages,
    source_matching,
)

CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
# a build of the stage's own sources (not `go install example.com/tool@v1`)
_BUILDS_HERE = re.compile(r"\bgo\s+(build\b|install\b(?![^&|;\n]*@))")
_GO_BUILD = re.compile(r"\bgo\s+(build|install)\b")
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
    builds = _builds(df, stage, context)
    if builds is None:
        return None
    start = entry(df, stage)
    artifact = None
    if start is not None and not isinstance(builds, str):
        artifact = runs_artifact(df, stage, start, [path for path, _ in builds])
    if artifact is None and not any(_BUILDS_HERE.search(i.logical) for i in stage.instructions if i.command == "RUN"):
        return None  # it only installs Go tools (`go install x@v1`), which the program it runs may use
    if isinstance(builds, str):
        return Suggestion("go", builds, _LAYOUT)
    if start is None:
        return Suggestion("go", "the stage has no CMD or ENTRYPOINT", _LAYOUT)
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
        setup = ((apt_install(kept),) if kept else ()) + _on_path(start, artifact)
        return Plan(
            "go", f"debian:{release}-slim", (Artifact(artifact, artifact),), setup=setup, why="a dynamic Go binary"
        )
    if base.family == "debian" and _installs(df, stage, "golang-go"):
        setup = (apt_install(kept),) if kept else ()
        return Plan(
            "go", reference, (Artifact(artifact, artifact),), setup=setup, why="a Go binary built with Debian's Go"
        )
    return Suggestion("go", f"the runtime for a dynamic binary built on {reference} is not known", _LAYOUT)


def _on_path(start: Instruction, artifact: str) -> tuple[str, ...]:
    """The ENV that puts the binary's directory on Debian's PATH, as it was on the golang
    image's (/go/bin), when the CMD or ENTRYPOINT names it without its directory."""
    directory = posixpath.dirname(artifact)
    words = entry_words(start) or [""]
    if "/" in words[0] or directory in DEFAULT_PATH:
        return ()
    return (f"ENV PATH={directory}:$PATH",)


_LAYOUT = (
    "build in `FROM golang:X AS build` with `CGO_ENABLED=0 go build -o /out/app`, then "
    '`FROM scratch` (or gcr.io/distroless/static) with `COPY --from=build /out/app /app` and `ENTRYPOINT ["/app"]`'
)


def _builds(df: Dockerfile, stage: Stage, context: Context) -> list[tuple[str, bool]] | str | None:
    """(binary path, static) of every `go build` and `go install`; why not, when the path of
    one is not known; None when the stage runs neither."""
    found: list[tuple[str, bool]] = []
    seen = False
    for run in stage.instructions:
        if run.command != "RUN" or "go" not in run.logical:
            continue
        script = script_of(df, run)
        if script is None or script.has_error:
            continue
        env = env_before(df, run)
        exported: dict[str, str | None] = {}
        cwd = workdir_at(df, stage, run)
        for command in script.commands:
            if command.program == "cd" and not command.isolated:
                cwd = _cd(cwd, command.values())
            if command.program == "export":
                for word in command.args:
                    name, eq, _ = (word.text or "").partition("=")
                    if eq:
                        exported[name] = (word.value or "").partition("=")[2] if word.value is not None else None
            if command.program != "go" or not command.args or command.args[0].value not in ("build", "install"):
                continue
            seen = True
            assigned = {
                (w.value or "").partition("=")[0]: (w.value or "").partition("=")[2] for w in command.assignments
            }

            variable = {**env, **exported, **assigned}.get
            path = _output(df, stage, run, context, [(w.value, w.text) for w in command.args], cwd, variable)
            if not path.startswith("/"):
                return path
            found.append((path, variable("CGO_ENABLED") == "0"))
    return found if seen else None


# flags of `go build` and `go install` that take a value, and those that do not
_VALUE_FLAGS = frozenset(
    "asmflags buildmode buildvcs compiler covermode coverpkg gccgoflags gcflags installsuffix ldflags mod modfile "
    "o overlay p pgo pkgdir tags toolexec".split()
)
_BOOL_FLAGS = frozenset("a asan cover i linkshared modcacherw msan n race trimpath v work x".split())


def _output(df, stage, run, context, values, cwd, variable) -> str:
    """Where one `go build` or `go install` writes its binary (absolute); otherwise why that
    is not known (a sentence)."""
    tool = values[0][0]
    flags: dict[str, str | None] = {}
    operands: list[str] = []
    words = iter(values[1:])  # (value, as written): a flag's value may expand, an operand may not
    for word, text in words:
        if (word or text).startswith("-") and not operands:
            name, eq, value = (word or text).lstrip("-").partition("=")
            if name not in _VALUE_FLAGS | _BOOL_FLAGS:
                return f"`go {tool}` is given `-{name}`, which dockopt does not know"
            flags[name] = (
                (value if word is not None else None) if eq or name in _BOOL_FLAGS else next(words, (None,))[0]
            )
            if flags[name] is None and name in ("o", "buildmode"):
                return f"`go {tool} -{name}` is given a word that expands"
            continue
        if word is None:
            return f"`go {tool}` is given a word that expands"
        operands.append(word)
    if flags.get("buildmode") not in (None, "exe", "default", "pie"):
        return f"`go {tool} -buildmode={flags['buildmode']}` does not write a program"
    goos = variable("GOOS")
    if goos not in (None, "linux") or (tool == "install" and (goos or variable("GOARCH"))):
        return f"`go {tool}` cross-compiles (GOOS or GOARCH), which changes the binary's name or directory"
    output = flags.get("o")
    if output is not None and not output.endswith("/"):
        path = join(cwd, output)
        return path if path is not None else _UNKNOWN
    name, why = _program_name(df, stage, run, context, operands, cwd, tool)
    if name is None:
        return why
    if output is not None:
        directory = join(cwd, output)
    elif tool == "build":
        directory = cwd
    else:
        gobin, gopath = variable("GOBIN"), variable("GOPATH")
        if gobin:
            directory = gobin
        elif gopath:
            directory = gopath.split(":")[0] + "/bin"
        elif (default := image_env(base_of(df, stage).image).get("GOPATH")) is not None:
            directory = default + "/bin"
        else:
            return "`go install` writes to $GOPATH/bin, and GOPATH is set neither in the Dockerfile nor by the image"
    path = join(directory, name)
    return path if path is not None else _UNKNOWN


_UNKNOWN = "`go build` without `-o PATH` (or a relative one after `cd`): the binary's path is not known"


def _program_name(df, stage, run, context, operands: list[str], cwd: str | None, tool: str) -> tuple[str | None, str]:
    """The name Go gives the binary (its rule: the first file's name for `go build f.go`,
    else the last element of the package's import path that is not a major version, `v2`);
    (None, why) when dockopt cannot know it."""
    if any(o.endswith(".go") for o in operands):
        if tool == "install":
            return None, "`go install` of .go files has no install directory"
        return posixpath.basename(operands[0])[:-3], ""
    if len(operands) > 1 or any("..." in o or o in ("all", "std", "cmd") for o in operands):
        return None, f"`go {tool}` of several packages writes no single binary"
    operand = operands[0] if operands else "."
    if "@" in operand:  # `go install example.com/cmd/x@v1.2`: always in module mode
        return _exec_name(operand.partition("@")[0])
    if not (operand in (".", "..") or operand.startswith(("./", "../", "/"))):
        return _exec_name(operand, unsure=True)
    directory = join(cwd, operand)
    if directory is None:
        return None, f"the directory `go {tool}` builds is not known (a WORKDIR or `cd` that dockopt cannot follow)"
    module = _module_of(df, stage, run, context, directory)
    if module is not None:
        return _exec_name(module)
    if directory == cwd:
        return None, (
            f"`go {tool}` of the working directory names the binary after the module path in go.mod, "
            "and go.mod is not in the build context"
        )
    return _exec_name(directory.rstrip("/").lstrip("/") or ".", unsure=True)


def _exec_name(import_path: str, unsure: bool = False) -> tuple[str | None, str]:
    """Go's name for the binary of a package (cmd/go's DefaultExecName): the last element of
    its import path, or the one before it when that is a major version (`example.com/x/v2`:
    `x`). ``unsure``: module mode is not known, and decides that second rule."""
    parent, _, last = import_path.rstrip("/").rpartition("/")
    if re.fullmatch(r"v([2-9]|[1-9][0-9]+)", last) and parent:
        if unsure:
            return (
                None,
                f"the binary of {import_path} is named `{last}` or after its parent, as Go's module mode decides",
            )
        last = parent.rpartition("/")[2]
    if last in ("", ".", ".."):
        return None, _UNKNOWN
    return last, ""


def _module_of(df, stage, run, context, directory: str) -> str | None:
    """The import path of the package in image ``directory``, from the go.mod that a COPY
    brought from the build context into it or a directory above it; None when none did."""
    probe = directory
    while True:
        source = context_source(df, stage, context, posixpath.join(probe, "go.mod"), run)
        text = context.read(source) if source is not None else None
        if text is not None:
            module = go_module_path(text)
            if module is None:
                return None
            relative = posixpath.relpath(directory, probe)
            return module if relative == "." else f"{module}/{relative}"
        if probe == "/":
            return None
        probe = posixpath.dirname(probe)


def _cd(cwd: str | None, values: list[str | None]) -> str | None:
    """The working directory after `cd ARGS` (None when not known)."""
    if len(values) != 1 or values[0] is None or values[0] == "-":
        return None
    return join(cwd, values[0])


def _installs(df: Dockerfile, stage: Stage, package: str) -> bool:
    for run in stage.instructions:
        if run.command != "RUN" or package not in run.logical:
            continue
        for invocation in invocations(df, run):
            if invocation.subcommand in ("install", "add") and package in invocation.packages:
                return True
    return False
