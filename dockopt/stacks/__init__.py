"""Build stacks that a single-stage Dockerfile can be split for (multi-stage, DO402).

Each stack module has ``recognise(df, stage, context) -> Plan | Suggestion | None``:

- ``None``: the stage does not build with this stack;
- ``Suggestion``: it does, but dockopt cannot prove that the runtime would be complete
  (it says why, and the layout it would suggest);
- ``Plan``: what the runtime stage needs: its base, the artifacts to copy from the build
  stage, and the instructions to run there.

The transform (``dockopt.transforms.multi_stage``) renders a Plan into the rewrite.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from ..fix import Edit
from ..images import workdir_at
from ..registry import Context
from ..syntax import Dockerfile, Instruction, Stage

# directories the official images and Debian put on PATH
PATH_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin", "/go/bin", "/usr/local/go/bin")


@dataclass(frozen=True)
class Artifact:
    source: str  # absolute path in the build stage
    destination: str  # absolute path in the runtime stage


@dataclass(frozen=True)
class Plan:
    stack: str  # "go", "c", ...
    runtime: str  # the runtime stage's base image ("scratch", "debian:bookworm-slim", ...)
    artifacts: tuple[Artifact, ...]
    setup: tuple[str, ...] = ()  # instructions the runtime stage runs before the copies
    has_shell: bool = True  # the runtime base has /bin/sh (else CMD must be in exec form)
    why: str = ""  # what makes the split safe, for the finding
    build_edits: tuple[Edit, ...] = ()  # changes to the build stage (a virtualenv created, ...)
    after: tuple[str, ...] = ()  # instructions the runtime stage runs after the copies


@dataclass(frozen=True)
class Suggestion:
    stack: str
    reason: str  # why dockopt does not rewrite
    layout: str  # the layout it suggests


def entry(df: Dockerfile, stage: Stage) -> Instruction | None:
    """The instruction that starts the container: the last ENTRYPOINT, else the last CMD."""
    found = None
    for instruction in stage.instructions:
        if instruction.command == "ENTRYPOINT":
            found = instruction
    if found is None:
        for instruction in stage.instructions:
            if instruction.command == "CMD":
                found = instruction
    return found


def entry_words(instruction: Instruction) -> list[str] | None:
    """The words of a CMD or ENTRYPOINT; None when its shell form has shell syntax."""
    if instruction.json_args is not None:
        return list(instruction.json_args)
    words = instruction.words()
    if any(re.search(r"[$`|&;<>(){}*?\[\]~\\\"']", w) for w in words):
        return None
    return words


def resolve(df: Dockerfile, stage: Stage, instruction: Instruction, path: str) -> str | None:
    """An absolute path for ``path`` as a command of ``instruction`` sees it (None: unknown)."""
    if "$" in path:
        return None
    if path.startswith("/"):
        return posixpath.normpath(path)
    workdir = workdir_at(df, stage, instruction)
    return posixpath.normpath(posixpath.join(workdir, path)) if workdir is not None else None


def program_path(df: Dockerfile, stage: Stage, instruction: Instruction, word: str) -> str | None:
    """Where the program a CMD names lives, when it is a path (absolute or relative)."""
    if "/" in word:
        return resolve(df, stage, instruction, word)
    return None


def runs_artifact(df: Dockerfile, stage: Stage, start: Instruction, artifacts: list[str]) -> str | None:
    """The artifact the container's program is, or None when it starts something else."""
    words = entry_words(start)
    if not words:
        return None
    program = words[0]
    path = program_path(df, stage, start, program)
    for artifact in artifacts:
        if path is not None and path == artifact:
            return artifact
        if path is None and posixpath.basename(artifact) == program and posixpath.dirname(artifact) in PATH_DIRS:
            return artifact
    return None


# packages a build needs and a runtime does not: toolchains, headers, package tools (not
# git, curl, wget or ca-certificates: a program may run or read those)
BUILD_PACKAGES = frozenset(
    "build-essential gcc g++ cpp clang make cmake ninja-build pkg-config pkgconf autoconf automake libtool "
    "bison flex patch subversion mercurial golang-go golang gccgo "
    "python3-pip python3-venv python3-setuptools python3-wheel python3-dev python-dev python3-all-dev cython3 "
    "libc6-dev libc-dev linux-libc-dev libstdc++-dev dpkg-dev unzip xz-utils bzip2 gnupg dirmngr".split()
)


def apt_packages(df: Dockerfile, runs: list[Instruction]) -> set[str]:
    """The packages the RUNs install with apt-get or apt."""
    from ..packages import invocations

    found: set[str] = set()
    for run in runs:
        for invocation in invocations(df, run):
            if invocation.manager in ("apt-get", "apt") and invocation.subcommand == "install":
                found.update(p for p in invocation.packages if p)
    return found


def runtime_packages(packages: set[str]) -> list[str]:
    """The installed packages a runtime may still need: not the build's, not headers."""
    return sorted(p for p in packages if p not in BUILD_PACKAGES and not p.endswith("-dev") and "=" not in p)


def apt_install(packages: list[str]) -> str:
    return (
        "RUN apt-get update && apt-get install -y --no-install-recommends "
        + " ".join(packages)
        + " && rm -rf /var/lib/apt/lists/*"
    )


def unexpected(
    df: Dockerfile, stage: Stage, run: Instruction, kept: list[str], allowed: frozenset[str]
) -> str | None:
    """Why a RUN may leave something the runtime stage would lack, or None.

    ``allowed`` programs only build; commands that change files in place (mkdir, chmod,
    chown) are fine on the paths in ``kept`` (what the runtime takes from the build).
    """
    from ..shell import script_of

    if run.json or run.heredocs or run.flags:
        return "a RUN in exec form, with a heredoc or with flags"
    script = script_of(df, run)
    if script is None or script.has_error:
        return "a RUN whose shell is not understood"
    if script.redirects:
        return "a RUN writes a file with a redirection"
    for command in script.commands:
        program = command.program or ""
        if program in ("mkdir", "chmod", "chown"):
            operands = list(command.operands)[1:] if program in ("chmod", "chown") else list(command.operands)
            for word in operands:
                path = resolve(df, stage, run, word.value) if word.value and not command.isolated else None
                if path is None or not any(path == k or path.startswith(k.rstrip("/") + "/") for k in kept):
                    return f"RUN {program} {word.value or '$'} changes files the runtime would not have"
            continue
        if program in ("echo", "printf", "cd", "ls", "true", "set", "test", "rm", "export") or program in allowed:
            continue
        return f"RUN {program or 'a command'} may write files the runtime needs"
    return None


def check_runs(df: Dockerfile, stage: Stage, kept: list[str], allowed: frozenset[str]) -> str | None:
    """The first reason a RUN of the stage gives (see ``unexpected``), or None."""
    for run in stage.instructions:
        if run.command == "RUN":
            why = unexpected(df, stage, run, kept, allowed)
            if why is not None:
                return why
    return None


def reads_context_files(context: Context, suffix: str, pattern: re.Pattern[str], limit: int = 200) -> str | None:
    """The first source file of the build context that matches ``pattern`` (None: none, or no context)."""
    if context.directory is None:
        return None
    seen = 0
    for path in sorted(context.directory.rglob(f"*{suffix}")):
        seen += 1
        if seen > limit:
            return None
        if any(part in ("vendor", "node_modules", ".git", "testdata") for part in path.parts):
            continue
        if path.name.endswith(f"_test{suffix}"):
            continue
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        if pattern.search(text):
            return str(path.relative_to(context.directory))
    return None


def recognise(df: Dockerfile, stage: Stage, context: Context) -> Plan | Suggestion | None:
    from . import c, go, others, python

    for module in (go, c, python, others):
        found = module.recognise(df, stage, context)
        if found is not None:
            return found
    return None
