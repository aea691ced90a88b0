"""Python with compiled dependencies: compilers or ``-dev`` packages, then ``pip install``.

The dependencies go into a virtualenv in the build stage (the one the Dockerfile creates,
or ``/opt/venv``, created before the first ``pip install`` on the official python images),
and the runtime stage copies it, with the directories the Dockerfile copied its sources to,
from the build stage (so that files a RUN generated there come along). The runtime base is:

- for ``python:X`` (Debian variants), ``python:X-slim`` of the same tag;
- for a Debian image with apt's ``python3``, the same image, with apt installing the
  stage's packages minus the build ones (compilers, ``-dev``, pip, venv), plus the
  runtime libraries of the ``-dev`` packages where they are known (Debian 12, or a name
  every release has: ``packages.runtime_library``);
- for ``python:X-alpine``, or Alpine with apk's ``python3``, the same image, with
  ``apk add --no-cache`` of the same (``packages.runtime_library``: names every Alpine 3.x
  release has).

Everything else a RUN might leave behind is a reason to only suggest: the stage's RUNs may
only install packages, create the virtualenv, and clean up, and those that only make
directories, links, files with `echo`, users, or change modes and owners
(``common.carried_runs``), which the runtime stage runs again. Compilers from yum, dnf,
microdnf or zypper are only suggested.
"""

from __future__ import annotations

import posixpath
import re

from ..context import Context
from ..copies import copies
from ..fix import Edit
from ..images import resolved_reference, slim_variant
from ..model import base_of, shell_path
from ..packages import APK_BUILD, APK_COMPILER_RUNTIME, invocations, runtime_library
from ..shell import script_of
from ..syntax import Dockerfile, Instruction, Stage
from .common import (
    APT,
    BUILD_PACKAGES,
    HARMLESS,
    Artifact,
    Plan,
    RunCommands,
    Suggestion,
    apt_install,
    build_leftovers,
    carried_runs,
    entry,
    installed_packages,
    run_commands,
    runtime_packages,
    unknown_command,
)

VENV = "/opt/venv"
_COMPILERS = frozenset({"build-essential", "gcc", "g++", "clang", "cython3"})
_APK_COMPILERS = frozenset({"build-base", "gcc", "g++", "gfortran", "clang", "musl-dev", "make"})
# what a RUN of the stage may run besides apt for the split to be complete: what pip and virtualenv
# write goes to the virtualenv; python only to create it or run pip (``_python_command``)
_TOOLS = frozenset({"pip", "pip3", "virtualenv"})
_PYTHONS = frozenset({"python", "python3"})
_PIP = re.compile(r"(^|[\s;&|(/])(pip3?(\.\d+)?|python3?(\.\d+)?\s+-m\s+pip)\s+install\b")
_LAYOUT = (
    "install into a virtualenv in `FROM python:X AS build` (with the compilers), then `FROM python:X-slim` "
    "with `COPY --from=build /opt/venv /opt/venv` and `ENV PATH=/opt/venv/bin:$PATH`"
)


def recognise(df: Dockerfile, stage: Stage, context: Context) -> Plan | Suggestion | None:
    runs = [i for i in stage.instructions if i.command == "RUN"]
    if not any(_PIP.search(r.logical) for r in runs):
        return None
    base = base_of(df, stage)
    image = base.image
    alpine = base.family == "alpine"
    managers = ("apk",) if alpine else APT
    packages = installed_packages(df, stage, managers)
    dev = {p for p in packages if p.endswith("-dev")}
    if not (packages & (_APK_COMPILERS if alpine else _COMPILERS) or dev):
        if _other_toolchain(df, runs):
            return Suggestion("python", "the compilers come from another package manager than apt", _LAYOUT)
        return None  # nothing to compile with: slim-base (DO401) is the transform for this
    if image is None or base.family not in ("debian", "alpine"):
        return Suggestion("python", f"no runtime image is known for {resolved_reference(df, stage)}", _LAYOUT)
    if _expanded_install(df, runs, managers):
        return Suggestion("python", "a RUN installs packages whose names expand", _LAYOUT)
    copied = _copied(df, stage, VENV)
    if copied is None:
        return Suggestion("python", "files are copied into system directories", _LAYOUT)
    carried = carried_runs(df, stage, [*copied, VENV])
    found = run_commands(df, stage, HARMLESS | _TOOLS, managers, carried.runs)
    why = found.problem or _python_command(found) or build_leftovers(df, stage, found, [*copied, VENV], _PYTHONS)
    if why is not None:
        return Suggestion("python", why, _LAYOUT)
    if entry(df, stage) is None:  # its shell form is kept as it is: every runtime chosen has a shell
        return Suggestion("python", "the stage has no CMD or ENTRYPOINT", _LAYOUT)
    venv = _venv(df, stage, runs)
    official = image.official and image.path == "python"
    edits: tuple[Edit, ...] = ()
    setup: list[str] = []
    if venv is None:
        if not official:
            return Suggestion("python", "pip installs outside a virtualenv and no `python3-venv` is known", _LAYOUT)
        first = next(r for r in runs if _PIP.search(r.logical))
        if re.search(r"--(user|target|prefix|root)\b|/usr/local/bin/pip", first.logical):
            return Suggestion("python", "pip installs with --user, --target, --prefix or by full path", _LAYOUT)
        newline = df.newline_at(first.span.start)
        at = df.line_start(first.span.start)
        edits = (Edit.insert(at, f'RUN python -m venv {VENV}{newline}ENV PATH="{VENV}/bin:$PATH"{newline}'),)
        venv = VENV
        setup.append(f'ENV PATH="{VENV}/bin:$PATH"')
    release = _release(image.tag or "", image.path)
    build = APK_BUILD if alpine else BUILD_PACKAGES
    runtime_libs = []
    for package in sorted(dev - build):
        library = runtime_library(managers[0], package, release)
        if library is None:
            return Suggestion("python", f"the runtime libraries of {package} are not known for this image", _LAYOUT)
        runtime_libs.append(library)
    if alpine:
        runtime_libs += [lib for compiler in sorted(packages) for lib in APK_COMPILER_RUNTIME.get(compiler, ())]
    kept = [p for p in runtime_packages(packages) if p not in build]
    runtime = resolved_reference(df, stage)  # python:X-alpine has no smaller variant
    if official and not alpine:
        slim = _slim_python(runtime, image.tag or "")
        if slim is None:
            return Suggestion("python", f"no slim variant is known for {runtime}", _LAYOUT)
        runtime = slim
    elif not official:
        if "python3" not in kept:
            return Suggestion("python", f"python3 is not installed by {managers[0]} in the stage", _LAYOUT)
    if kept or runtime_libs:
        needed = sorted(set(kept + runtime_libs))
        setup.insert(0, f"RUN apk add --no-cache {' '.join(needed)}" if alpine else apt_install(needed))
    setup += carried.before
    artifacts = [Artifact(venv, venv)] + [Artifact(d, d) for d in copied if d != venv]
    return Plan(
        "python",
        runtime,
        tuple(artifacts),
        setup=tuple(setup),
        build_edits=edits,
        after=carried.after,
        users=carried.users,
        why="the dependencies are built in a virtualenv with compilers the application does not need",
    )


def _other_toolchain(df: Dockerfile, runs: list[Instruction]) -> bool:
    for run in runs:
        for invocation in invocations(df, run):
            if invocation.manager in ("apk", "yum", "dnf", "microdnf", "zypper") and invocation.subcommand in (
                "add",
                "install",
            ):
                names = {p for p in invocation.packages if p}
                if names & {"gcc", "g++", "build-base", "gcc-c++", "musl-dev", "make"} or any(
                    n.endswith(("-dev", "-devel")) for n in names
                ):
                    return True
    return False


def _expanded_install(df: Dockerfile, runs: list[Instruction], managers: tuple[str, ...]) -> bool:
    """Whether a RUN installs with ``managers`` a package whose name expands (`apk add $deps`):
    the runtime stage could not install it again."""
    return any(
        invocation.manager in managers
        and invocation.subcommand in ("add", "install")
        and any(p is None for p in invocation.packages)
        for run in runs
        for invocation in invocations(df, run)
    )


def _release(tag: str, path: str) -> str | None:
    if "bookworm" in tag or (path == "debian" and tag.startswith("12")):
        return "bookworm"
    return None


def _slim_python(reference: str, tag: str) -> str | None:
    """python:3.12 -> python:3.12-slim, python:3.12-bookworm -> python:3.12-slim-bookworm."""
    if "slim" in tag and "@" not in reference:
        return reference
    return slim_variant(reference)


def _python_command(found: RunCommands) -> str | None:
    """`python` may only create the virtualenv or run pip."""
    for _, _, program, args, _ in found.commands:
        if program in _PYTHONS and args[:2] not in (["-m", "venv"], ["-m", "pip"]):
            return unknown_command(" ".join([program, *args[:2]]))
    return None


def _venv(df: Dockerfile, stage: Stage, runs: list[Instruction]) -> str | None:
    """The virtualenv the Dockerfile creates (`python -m venv PATH`, `virtualenv PATH`)."""
    for run in runs:
        script = script_of(df, run)
        if script is None:
            continue
        for command in script.commands:
            values = [w.value for w in command.args]
            target = None
            if (command.program or "").startswith("python") and values[:2] == ["-m", "venv"]:
                operands = [v for v in values[2:] if v and not v.startswith("-")]
                target = operands[0] if operands else None
            elif command.program == "virtualenv":
                operands = [v for v in values if v and not v.startswith("-")]
                target = operands[0] if operands else None
            if target is not None:
                return shell_path(df, run, target)
    return None


_SYSTEM = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/var", "/opt/venv")
# below /usr, where projects are kept (`COPY . /usr/src/app`): a project directory, not the system
_SOURCES = ("/usr/src/", "/usr/local/src/")


def _copied(df: Dockerfile, stage: Stage, venv: str) -> list[str] | None:
    """What to take from the build stage: the directories the stage copied the build context
    to (outermost only), or the files themselves in system directories; None when unclear."""
    found: list[str] = []
    for copy in copies(df, stage):
        if df.stage_of(copy.instruction) is not stage or copy.origin is not None:
            continue
        path, sources, into_directory = copy.destination, copy.sources, copy.into
        if path is None:
            return None
        if (
            path == "/"
            or (path.startswith(_SYSTEM) and not path.startswith(_SOURCES))
            or path in ("/opt", "/srv", "/home")
        ):
            if any(_is_directory_copy(s) or re.search(r"[*?\[]", s) for s in sources):
                return None
            found += [posixpath.join(path, posixpath.basename(s)) for s in sources] if into_directory else [path]
        elif into_directory or any(_is_directory_copy(s) for s in sources):
            found.append(path)
        else:
            directory = posixpath.dirname(path)
            found.append(path if directory == "/" else directory)  # never the whole file system
    kept: list[str] = []
    for path in sorted(set(found), key=len):
        if path == venv or any(path.startswith(k.rstrip("/") + "/") for k in kept):
            continue
        kept.append(path)
    return kept


def _is_directory_copy(source: str) -> bool:
    return source in (".", "./") or source.endswith("/")
