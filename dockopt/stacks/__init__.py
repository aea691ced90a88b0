"""Build stacks that a single-stage Dockerfile can be split for (multi-stage, DO402).

Each stack module has ``recognise(df, stage, context) -> Plan | Suggestion | None``:

- ``None``: the stage does not build with this stack;
- ``Suggestion``: it does, but dockopt cannot prove that the runtime would be complete
  (it says why, and the layout it would suggest);
- ``Plan``: what the runtime stage needs: its base, the artifacts to copy from the build
  stage, and the instructions to run there (``setup``: lines, and copies from the build
  stage that those lines read, in order, before the artifacts).

The transform (``dockopt.transforms.multi_stage``) renders a Plan into the rewrite.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..context import Context
from ..fix import Edit
from ..images import resolved_reference
from ..model import base_of, join, shell_path, volumes, workdir_at
from ..model import destination as copy_destination
from ..packages import invocations, unwrapped
from ..shell import Command, effective_shell, is_posix_shell, script_of
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
    # before the artifacts, in order: instruction lines ("RUN ...") and copies from the build
    # stage (the manifests an install among those lines reads)
    setup: tuple[str | Artifact, ...] = ()
    has_shell: bool = True  # the runtime base has /bin/sh (else CMD must be in exec form)
    why: str = ""  # what makes the split safe, for the finding
    build_edits: tuple[Edit, ...] = ()  # changes to the build stage (a virtualenv created, ...)
    after: tuple[str, ...] = ()  # instructions the runtime stage runs after the copies
    users: tuple[str, ...] = ()  # users the runtime base has, that a USER may name


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


def program_path(df: Dockerfile, instruction: Instruction, word: str) -> str | None:
    """Where the program a CMD names lives, when it is a path (absolute or relative)."""
    if "/" in word:
        return shell_path(df, instruction, word)
    return None


def runs_artifact(df: Dockerfile, stage: Stage, start: Instruction, artifacts: list[str]) -> str | None:
    """The artifact the container's program is, or None when it starts something else."""
    words = entry_words(start)
    if not words:
        return None
    program = words[0]
    path = program_path(df, start, program)
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
                path = shell_path(df, run, word.value) if not command.isolated else None
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


def copies_left_behind(df: Dockerfile, stage: Stage, marker: re.Pattern[str]) -> str | None:
    """For a program that is all it needs: a COPY or ADD after the last RUN that builds it (the
    RUN whose text matches ``marker``), or one from another image, copies files the program
    may open at run time, which the runtime stage would not have."""
    builds = [i for i in stage.instructions if i.command == "RUN" and marker.search(i.logical)]
    if not builds:
        return None
    last = stage.instructions.index(builds[-1])
    for index, instruction in enumerate(stage.instructions):
        if instruction.command not in ("COPY", "ADD"):
            continue
        if instruction.flag("from") is not None:
            return f"a {instruction.command} --from copies files the program may need"
        if index > last:
            return f"a {instruction.command} after the build copies files the program may need"
    return None


# directories a search of the sources never enters
_NOT_SOURCES = frozenset({".git", "node_modules", "vendor", "target", "build", ".gradle", ".mvn", "testdata"})


def source_matching(
    context: Context,
    under: str,
    suffixes: tuple[str, ...],
    pattern: re.Pattern[str],
    skip: Callable[[str], bool] = lambda path: False,
    limit: int = 500,
) -> tuple[str | None, bool]:
    """The first source file below the directory ``under`` of the build context (by its path
    there) whose name ends with one of ``suffixes``, that ``skip`` does not leave out, and that
    matches ``pattern``; and whether the search was complete (False: no context, or more than
    ``limit`` files to read)."""
    top = context.locate(under)
    if context.directory is None or top is None:
        return None, False
    root = context.directory.resolve()
    seen = 0
    for directory, subdirectories, files in os.walk(top):
        subdirectories[:] = sorted(d for d in subdirectories if d not in _NOT_SOURCES)
        for name in sorted(files):
            if not name.endswith(suffixes):
                continue
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, root).replace(os.sep, "/")
            if skip(relative):
                continue
            seen += 1
            if seen > limit:
                return None, False
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    text = handle.read(1_000_000)
            except OSError:
                continue
            if pattern.search(text):
                return relative, True
    return None, True


def stage_commands(df: Dockerfile, stage: Stage) -> list[tuple[Instruction, Command, str | None]] | None:
    """Every command of the stage's RUNs, with the directory it runs in (None after a `cd`
    dockopt cannot follow); None when a RUN cannot be read (exec form, a shell that is not
    POSIX, a script that does not parse)."""
    found: list[tuple[Instruction, Command, str | None]] = []
    for run in stage.instructions:
        if run.command != "RUN":
            continue
        script = script_of(df, run) if is_posix_shell(effective_shell(df, run)) else None
        if script is None or script.has_error:
            return None
        cwd = workdir_at(df, stage, run)
        for command in script.commands:
            found.append((run, command, cwd))
            if command.program == "cd" and not command.isolated:
                values = [w.value for w in command.args]
                target = values[0] if len(values) == 1 else None
                cwd = join(cwd, target) if target != "-" else None
    return found


# commands that read or change nothing a runtime stage would miss
HARMLESS = frozenset({"cd", "echo", "printf", "true", ":", "set", "export", "rm", "ls", "test", "[", "cat", "pwd", "sleep"})
# system package managers: what they install is looked at by itself (``installed_packages``)
_SYSTEM_MANAGERS = frozenset({"apt-get", "apt", "aptitude", "apk"})
# commands that change the paths they name: the last operand of cp and mv, every operand of the others
_CHANGING = frozenset({"mkdir", "chmod", "touch", "ln", "cp", "mv"})


@dataclass
class RunCommands:
    """The commands of a stage's RUNs that a stack must look at, and what the others change."""

    commands: list[tuple[Instruction, Command, str, list[str], str | None]]  # RUN, command, program, arguments, directory
    touched: list[tuple[str, str | None]]  # paths that RUNs change (mkdir, cp, mv, ..., redirections), with their directory
    problem: str | None = None  # why the RUNs cannot all be read, or do what a runtime stage would lack


def run_commands(df: Dockerfile, stage: Stage, harmless: frozenset[str] = HARMLESS) -> RunCommands:
    """The stage's RUN commands but the ``harmless`` ones and the system package managers (the
    program named without its directory, behind `sudo` or `env`); the paths that mkdir, cp,
    mv, chmod, touch, ln and redirections change; a problem when a RUN cannot be read, runs a
    command with expansions, or creates users."""
    found = RunCommands([], redirected_files(df, stage))
    commands = stage_commands(df, stage)
    if commands is None:
        found.problem = "a RUN cannot be read (exec form, another shell, or a script that does not parse)"
        return found
    for run, command, cwd in commands:
        if command.kind in ("assignment", "declaration"):
            continue
        words = unwrapped(command) if command.kind == "simple" else None
        program = posixpath.basename(words[0].value or "") if words else ""
        if program in _SYSTEM_MANAGERS or program in harmless:
            continue
        if words is None or any(w.value is None for w in words[1:]):
            found.problem = f"a RUN runs `{program}` with an expansion" if program else "a RUN runs a command dockopt cannot read"
            return found
        args = [w.value for w in words[1:] if w.value is not None]
        if program in ("useradd", "adduser", "groupadd", "addgroup"):
            found.problem = "the stage creates users, which the runtime image would not have"
            return found
        if program in _CHANGING:
            operands = [a for a in args if not a.startswith(("-", "+"))]
            found.touched += [(a, cwd) for a in (operands[-1:] if program in ("cp", "mv") else operands)]
        found.commands.append((run, command, program, args, cwd))
    return found


def redirected_files(df: Dockerfile, stage: Stage) -> list[tuple[str, str | None]]:
    """The files the stage's RUNs redirect to or from (`> /etc/motd`), with the WORKDIR of their
    RUN ("$" for a name that expands); /dev is left out."""
    found: list[tuple[str, str | None]] = []
    for run in stage.instructions:
        script = script_of(df, run) if run.command == "RUN" else None
        if script is None:
            continue
        for word in script.redirects:
            value = word.value if word.value is not None else "$"
            if not value.startswith("/dev/") and not value.startswith("&") and not value.isdigit():
                found.append((value, workdir_at(df, stage, run)))
    return found


def installed_packages(df: Dockerfile, stage: Stage, managers: tuple[str, ...] = ("apt-get", "apt", "aptitude")) -> set[str]:
    """The packages the stage installs with the system package managers ``managers``."""
    found: set[str] = set()
    for run in stage.instructions:
        if run.command != "RUN" or ("install" not in run.logical and "add" not in run.logical):
            continue
        for invocation in invocations(df, run):
            if invocation.manager in managers and invocation.subcommand in ("install", "add"):
                found.update(p for p in invocation.packages if p)
    return found


def debian_runtime(df: Dockerfile, stage: Stage) -> str | None:
    """The Debian or Ubuntu image a program built on the stage's image runs on: the image
    itself, or its slim variant for a full `debian:` tag; None for other images."""
    base = base_of(df, stage)
    image = base.image
    if image is None or base.family != "debian":
        return None
    reference = resolved_reference(df, stage)
    if image.path == "debian" and image.tag and not image.tag.endswith("slim") and re.fullmatch(r"[a-z]+|\d+", image.tag):
        return f"{reference}-slim"
    if image.path in ("debian", "ubuntu"):
        return reference
    return None


# an argument that names a file: a path (not under /dev, /proc, /sys), or a configuration file
_PATH = re.compile(r"(?:^|[=:,])(/|\./|\.\./|~/)")
_SYSTEM_PATH = re.compile(r"(?:^|[=:,])/(dev|proc|sys)(/|$)")
_FILE_NAME = re.compile(r"\.(ya?ml|json|properties|xml|conf|cfg|ini|toml|env|jks|p12|pfx|pem|crt|key|jar)\Z")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S*")


def file_argument(words: list[str]) -> str | None:
    """The first of ``words`` (arguments of the container's command) that names a file the
    program would open: a path or a configuration file; `classpath:` resources do not count."""
    for word in words:
        if word.startswith("classpath:") or "=classpath:" in word:
            continue
        bare = _URL.sub("", word)
        if _PATH.search(bare) and not _SYSTEM_PATH.search(bare):
            return word
        if _FILE_NAME.search(bare):
            return word
    return None


def inside(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def left_behind(
    df: Dockerfile,
    stage: Stage,
    project: str,
    build: Instruction,
    touched: list[tuple[str, str | None]],
    kept: tuple[str, ...] = (),
) -> str | None:
    """Why files the program needs may stay behind in the build stage: a COPY or ADD after the
    ``build`` RUN, from another image, or to a place outside the ``project`` directory and
    ``kept``; a RUN command that changes a path (``touched``: the path and the directory it
    runs in) outside them, /tmp and the directories the runtime stage makes itself (its
    WORKDIR and VOLUMEs)."""
    places = {project, "/tmp", *kept}
    workdir = workdir_at(df, stage, None)
    if workdir is not None:
        places.add(workdir)
    after = False
    for instruction in stage.instructions:
        command = instruction.command
        if instruction is build:
            after = True
        elif command == "VOLUME":
            places.update(v for v in volumes(df, instruction) if v is not None)
        elif command in ("COPY", "ADD"):
            items = instruction.arguments
            if after:
                return f"a {command} after the build copies files the program may need"
            if instruction.flag("from") is not None:
                return f"a {command} --from copies files the program may need"
            destination = copy_destination(df, instruction)
            if destination is None or not any(inside(destination, place) for place in places):
                return f"a {command} puts files outside the project ({items[-1] if items else '?'})"
    for path, cwd in touched:
        resolved = join(cwd, path) if "$" not in path else None  # "$": a name that expands
        if resolved is None or not any(inside(resolved, place) for place in places):
            return f"a RUN changes {path}, outside the project"
    return None


def context_path(df: Dockerfile, stage: Stage, context: Context, path: str) -> str | None:
    """Where the file or directory at the image ``path`` comes from in the build context: the
    last COPY or ADD (not --from) that puts it there, whole or inside a copied directory; None
    when no such COPY is known."""
    found = None
    for instruction in stage.instructions:
        if instruction.command not in ("COPY", "ADD") or instruction.flag("from") is not None or instruction.heredocs:
            continue
        items = instruction.arguments
        sources, target = items[:-1], items[-1] if items else ""
        destination = copy_destination(df, instruction)
        if not sources or destination is None:
            continue
        into = target.endswith("/") or target in (".", "..") or len(sources) > 1
        for source in sources:
            folder, _, pattern = source.rpartition("/")
            if re.search(r"[*?\[]", pattern) and not re.search(r"[*?\[$\"'\\]", folder) and into:
                # a pattern in the last part only: `COPY package*.json ./`
                name = posixpath.basename(path)
                origin = posixpath.normpath(posixpath.join(folder or ".", name))
                if posixpath.dirname(path) == destination and fnmatch.fnmatchcase(name, pattern) and context.exists(origin):
                    found = origin
                continue
            if re.search(r"[*?\[$\"'\\]", source) or source.startswith(("/", "..")) or "://" in source:
                continue
            normal = posixpath.normpath(source)
            located = context.locate(normal)
            if normal == "." or source.endswith("/") or (located is not None and located.is_dir()):
                if len(sources) == 1 and inside(path, destination):
                    found = posixpath.normpath(posixpath.join(normal, posixpath.relpath(path, destination)))
                continue
            placed = posixpath.join(destination, posixpath.basename(normal)) if into else destination
            if path == placed:
                found = normal
    return found


def plain_path(path: str) -> bool:
    """Whether a path can stand in a COPY as it is (no blanks, quotes, expansions or globs)."""
    return not re.search(r"[\s\"'$*?\[\]\\]", path)


def recognise(df: Dockerfile, stage: Stage, context: Context) -> Plan | Suggestion | None:
    from . import c, go, java, node, others, python

    for module in (go, c, python, node, java, others):
        found = module.recognise(df, stage, context)
        if found is not None:
            return found
    return None
