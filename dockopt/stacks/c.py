"""C and C++: a compiler installed with apt on a Debian or Ubuntu image builds the program.

Artifacts: the files `gcc`/`g++`/`cc`/`c++`/`clang` write with `-o PATH`, and the whole
/usr/local prefix after a `make install` (or `cmake --install`, `ninja install`) into the
default prefix. The runtime is the image the build started from (its slim variant when it
is a full Debian tag); compilers and headers were installed by the stage, so the image
itself has none. The libraries of the stage's ``-dev`` packages (but the C library's) are
needed at run time too: apt installs their runtime libraries in the runtime stage, where
``packages.runtime_library`` knows them on the Debian release the image's tag names
(``common.debian_release``: `debian:bookworm`, `debian:12`, `gcc:13-bookworm`), or, for a
tag that names none (`ubuntu:22.04`, `gcc:13`), where the library has one name in every
release (zlib1g); for any other ``-dev`` package it only suggests, naming it. RUNs that make directories, links, users, modes or
owners outside the program and the sources (``common.carried_runs``) run again there.
"""

from __future__ import annotations

import re

from ..context import Context
from ..images import resolved_reference
from ..model import base_of, shell_path
from ..packages import DEBIAN_RELEASES, runtime_libraries, runtime_library
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
    carried_without_sources,
    copies_left_behind,
    debian_release,
    debian_runtime,
    entry,
    entry_words,
    installed_packages,
    run_commands,
    runs_artifact,
    runtime_packages,
)

_COMPILERS = frozenset({"gcc", "g++", "cc", "c++", "clang", "clang++"})
_TOOLCHAIN = frozenset(
    {"gcc", "g++", "clang", "build-essential", "make", "cmake", "ninja-build", "libc6-dev", "libc-dev"}
)
_STANDARD_DEV = frozenset({"libc6-dev", "libc-dev", "linux-libc-dev", "libstdc++-dev"})
_INSTALLERS = (("make", "install"), ("ninja", "install"), ("cmake", "--install"))
_BUILDS = re.compile(r"\b(gcc|g\+\+|cc|c\+\+|clang|clang\+\+|make|cmake|ninja)\b")
# what a RUN of a C build may run besides apt (what they write serves the build alone): the
# toolchain, fetching and unpacking sources
_TOOLS = frozenset(
    "gcc g++ cc c++ clang clang++ make cmake ninja configure autoreconf autoconf automake libtoolize "
    "tar unzip wget curl git strip".split()
)
_LAYOUT = (
    "compile in `FROM <image> AS build`, then start the final stage from the same image without the "
    "compiler and `COPY --from=build` the program and the runtime libraries it links"
)


def recognise(df: Dockerfile, stage: Stage, context: Context) -> Plan | Suggestion | None:
    packages = installed_packages(df, stage)
    base = base_of(df, stage)
    image = base.image
    official_gcc = image is not None and image.path == "gcc"
    if not (packages & _TOOLCHAIN) and not official_gcc:
        return None
    outputs, prefix_install = _outputs(df, stage)
    if not outputs and not prefix_install:
        return (
            None
            if not official_gcc
            else Suggestion("c", "no `-o PATH` or `make install` shows what it builds", _LAYOUT)
        )
    libraries = _libraries(df, stage, packages)
    if isinstance(libraries, Suggestion):
        return libraries
    start = entry(df, stage)
    if start is None:
        return Suggestion("c", "the stage has no CMD or ENTRYPOINT", _LAYOUT)
    candidates = list(outputs)
    if prefix_install:
        program = _prefix_program(df, stage, start)
        if program is not None:
            candidates.append(program)
    artifact = runs_artifact(df, stage, start, candidates)
    if artifact is None:
        return Suggestion("c", "its CMD or ENTRYPOINT does not run what it builds (or uses shell syntax)", _LAYOUT)
    runtime = debian_runtime(df, stage)
    if runtime is None:
        return Suggestion(
            "c", f"no Debian image without a compiler is known for {resolved_reference(df, stage)}", _LAYOUT
        )
    copies = [Artifact("/usr/local", "/usr/local")] if prefix_install and artifact.startswith("/usr/local/") else []
    copies += [Artifact(path, path) for path in outputs if not (copies and path.startswith("/usr/local/"))]
    artifacts = [c.source for c in copies]
    carried = carried_without_sources(df, stage, artifacts)
    found = run_commands(df, stage, HARMLESS | _TOOLS, APT, carried.runs)
    why = build_leftovers(df, stage, found, artifacts) or copies_left_behind(df, stage, _BUILDS)
    if why is not None:
        return Suggestion("c", why, _LAYOUT)
    kept = sorted(set(runtime_packages(packages) + libraries))
    # libraries installed into /usr/local/lib are found through ld.so's cache
    ldconfig = ("RUN ldconfig",) if copies and copies[0].source == "/usr/local" else ()
    return Plan(
        "c",
        runtime,
        tuple(copies),
        setup=((apt_install(kept),) if kept else ()) + carried.before,
        after=ldconfig + carried.after,
        users=carried.users,
        why="a program compiled by a toolchain the image does not need"
        + (f", with the runtime libraries of {', '.join(sorted(libraries))}" if libraries else ""),
    )


def _libraries(df: Dockerfile, stage: Stage, packages: set[str]) -> list[str] | Suggestion:
    """The runtime libraries of the stage's ``-dev`` packages (but the C library's), as
    ``packages.runtime_library`` knows them for the release the image's tag names; a
    Suggestion naming the packages whose library is not known."""
    image = base_of(df, stage).image
    release = debian_release(image.tag or "", image.path) if image is not None else None
    found: list[str] = []
    unknown: list[str] = []
    for package in sorted(p for p in packages if p.endswith("-dev") and p not in _STANDARD_DEV):
        library = runtime_library("apt-get", package, release)
        found += [library] if library is not None else []
        unknown += [package] if library is None else []
    if not unknown:
        return found
    reason = f"the program may need the runtime libraries of {', '.join(unknown)}"
    if all(any((runtime_libraries(p, DEBIAN_RELEASES) or {}).values()) for p in unknown):  # known elsewhere
        reason += (
            f", not known on Debian {release}"
            if release is not None
            else f", whose names differ between Debian releases, and {resolved_reference(df, stage)} names no release"
        )
    return Suggestion("c", reason, _LAYOUT)


def _outputs(df: Dockerfile, stage: Stage) -> tuple[list[str], bool]:
    """Files the compilers write with -o, and whether something is installed into /usr/local."""
    outputs: list[str] = []
    prefix = False
    for run in stage.instructions:
        if run.command != "RUN":
            continue
        script = script_of(df, run)
        if script is None or script.has_error:
            continue
        moved = False
        for command in script.commands:
            if command.program == "cd" and not command.isolated:
                moved = True
            values = [w.value for w in command.args]
            if command.program in _COMPILERS and "-o" in values and "-c" not in values:
                index = values.index("-o")
                target = values[index + 1] if index + 1 < len(values) else None
                path = shell_path(df, run, target) if target and not (moved and not target.startswith("/")) else None
                if path is not None and not path.endswith((".o", ".so", ".a")):
                    outputs.append(path)
            for program, word in _INSTALLERS:
                if command.program == program and word in values:
                    text = " ".join(v or "$" for v in values)
                    if "PREFIX" not in text.upper() and "DESTDIR" not in text.upper():
                        prefix = True
            if command.program == "./configure" or (
                command.name is not None and (command.name.value or "").endswith("/configure")
            ):
                if any((v or "").startswith("--prefix") and v != "--prefix=/usr/local" for v in values):
                    return outputs, False
    return outputs, prefix


def _prefix_program(df: Dockerfile, stage: Stage, start) -> str | None:
    words = entry_words(start)
    if not words:
        return None
    program = words[0]
    if program.startswith("/usr/local/"):
        return program
    if "/" not in program:
        return f"/usr/local/bin/{program}"
    return None
