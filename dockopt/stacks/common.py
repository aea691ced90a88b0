"""What the build stacks share (see ``dockopt.stacks`` for the list of stacks).

``Plan`` and ``Suggestion`` (what a stack's ``recognise`` answers), the container's entry
point, the one way a stack reads the commands of a stage's RUNs (``run_commands``) and what
they leave behind in the build stage (``left_behind`` for a project directory,
``build_leftovers`` for a program that is all a runtime needs), the packages a stage
installs, and the files of the build context.
"""

from __future__ import annotations

import os
import posixpath
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass

from ..context import Context
from ..copies import copies
from ..fix import Edit
from ..images import resolved_reference, slim_variant, tag_releases
from ..model import base_of, join, runs_as_root, shell_path, state_at, volumes, workdir_at
from ..model import destination as copy_destination
from ..packages import invocations, unwrapped
from ..shell import Command, Script, effective_shell, is_posix_shell, script_of
from ..syntax import Dockerfile, Instruction, Stage
from ..users import created_users

# directories the official images and Debian put on PATH
PATH_DIRS = (
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
    "/go/bin",
    "/usr/local/go/bin",
)


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
HARMLESS = frozenset(
    {"cd", "echo", "printf", "true", ":", "set", "export", "rm", "ls", "test", "[", "cat", "pwd", "sleep"}
)
# system package managers; a stack reads what they install by itself (``installed_packages``)
APT = ("apt-get", "apt", "aptitude")
SYSTEM_MANAGERS = (*APT, "apk")
# commands that change the paths they name: what cp and mv put into their last operand (the
# sources' names there), every operand of the others but the mode of chmod and the owner of chown, chgrp
CHANGING = frozenset({"mkdir", "chmod", "chown", "chgrp", "touch", "ln", "cp", "mv"})


# what the shell expands that the stage model does not: command substitution, arithmetic
_SUBSTITUTION = re.compile(r"\$\(|`")


def sets_variables(script: Script) -> bool:
    """Whether a script gives a variable a value itself (an assignment, `export`, `read`, a
    `for` loop, a function): then its expansions are not the stage model's to resolve."""
    return bool(script.loop_variables or script.functions) or any(
        c.kind in ("assignment", "declaration", "unset") or c.assignments or c.program in ("read", "getopts")
        for c in script.commands
    )


def word_values(df: Dockerfile, run: Instruction, script: Script, command: Command) -> list[str] | None:
    """The words of a simple ``command`` of ``run`` from the program it runs (``unwrapped``),
    each literal or expanded from the values the stage model knows there (``model.state_at``:
    ENV, ARG at its default) when the script sets no variable itself (``sets_variables``) and
    the value has no blank or glob for the shell to split; None otherwise."""
    words = unwrapped(command) if command.kind == "simple" else None
    if words is None:
        return None
    values: list[str] = []
    for word in words:
        value = word.value
        if value is None:
            if sets_variables(script) or _SUBSTITUTION.search(word.text):
                return None
            value = state_at(df, run).expand(word.text)
            if value is None or re.search(r"[\s*?\[\]]", value):
                return None
        values.append(value)
    return values


@dataclass
class RunCommands:
    """The commands of a stage's RUNs that a stack must look at, and what the others change."""

    commands: list[
        tuple[Instruction, Command, str, list[str], str | None]
    ]  # RUN, command, program, arguments, directory
    touched: list[
        tuple[str, str | None]
    ]  # paths that RUNs change (mkdir, cp, mv, ..., redirections), with their directory
    problem: str | None = None  # why the RUNs cannot all be read, or do what a runtime stage would lack


def run_commands(
    df: Dockerfile,
    stage: Stage,
    harmless: frozenset[str] = HARMLESS,
    managers: tuple[str, ...] = SYSTEM_MANAGERS,
    skip: tuple[Instruction, ...] = (),
) -> RunCommands:
    """The stage's RUN commands but the ``harmless`` ones and the system package ``managers``
    (whose installs the stack reads with ``installed_packages``), each with the program named
    without its directory, behind `sudo` or `env`; the paths that the ``CHANGING`` commands
    and redirections change; a problem when a RUN cannot be read, runs a command with
    expansions, or creates users. The RUNs of ``skip`` (those the runtime stage runs again:
    ``carried_runs``) are left out."""

    def skipped(run: Instruction) -> bool:
        return any(run is s for s in skip)

    found = RunCommands([], redirected_files(df, stage, skip))
    commands = stage_commands(df, stage)
    if commands is None:
        found.problem = "a RUN cannot be read (exec form, another shell, or a script that does not parse)"
        return found
    for run, command, cwd in commands:
        if skipped(run):
            continue
        if command.kind in ("assignment", "declaration"):
            continue
        words = unwrapped(command) if command.kind == "simple" else None
        program = posixpath.basename(words[0].value or "") if words else ""
        if program in managers or program in harmless:
            continue
        script = script_of(df, run)
        values = word_values(df, run, script, command) if words and script is not None else None
        if values is None:
            found.problem = (
                f"a RUN runs `{program}` with an expansion" if program else "a RUN runs a command dockopt cannot read"
            )
            return found
        args = values[1:]
        if program in ("useradd", "adduser", "groupadd", "addgroup"):
            found.problem = "the stage creates users, which the runtime image would not have"
            return found
        if program in CHANGING:
            operands = path_operands(program, args)
            if program in ("cp", "mv") and len(operands) > 1:
                *sources, target = operands
                operands = [posixpath.join(target, _copied_name(source)) for source in sources]
            found.touched += [(a, cwd) for a in operands]
        found.commands.append((run, command, program, args, cwd))
    return found


# chmod's options; any other word starting with - or + is a mode (`+x`, `-w`, `u+s`)
_CHMOD_OPTIONS = re.compile(r"-[Rcfv]+|--[a-z][a-z-]*(=.*)?")


def path_operands(program: str, args: list[str]) -> list[str]:
    """The paths among the arguments of mkdir, chmod, chown, chgrp, touch, ln, ...: not its
    options, nor the mode of chmod or of `mkdir -m MODE`, nor the owner of chown and chgrp."""
    if program == "chmod":
        return [a for a in args if not _CHMOD_OPTIONS.fullmatch(a)][1:]
    if program == "mkdir":
        args = [a for i, a in enumerate(args) if not (i and args[i - 1] in ("-m", "--mode"))]
    operands = [a for a in args if not a.startswith("-")]
    return operands[1:] if program in ("chown", "chgrp") else operands


def _copied_name(source: str) -> str:
    """The name a cp or mv of ``source`` into a directory gives it there ("*" for what a
    directory's contents are copied as)."""
    name = posixpath.basename(source.rstrip("/"))
    return "*" if name in ("", ".", "..") else name


def unknown_command(program: str) -> str:
    """The reason a stack gives for a RUN command it does not know."""
    return f"a RUN runs `{program}`, whose effects the runtime stage would not have"


def build_leftovers(
    df: Dockerfile, stage: Stage, found: RunCommands, kept: list[str], checked: frozenset[str] = frozenset()
) -> str | None:
    """For a runtime stage that takes only ``kept`` from the build stage: why the stage's RUN
    commands (``found``: those left after the build's own tools) may leave behind something it
    needs: a command that neither changes paths (``CHANGING``) nor is one the stack
    ``checked`` itself, or a path changed outside ``kept`` and the directories the runtime
    stage has anyway (see ``changed_outside``)."""
    if found.problem is not None:
        return found.problem
    for _, _, program, _, _ in found.commands:
        if program not in CHANGING and program not in checked:
            return unknown_command(program)
    path = changed_outside(df, stage, found.touched, kept)
    if path is not None:
        return f"a RUN changes {path}, which the runtime stage would not have"
    return None


def redirected_files(df: Dockerfile, stage: Stage, skip: tuple[Instruction, ...] = ()) -> list[tuple[str, str | None]]:
    """The files the stage's RUNs (but those of ``skip``) redirect to or from (`> /etc/motd`),
    with the WORKDIR of their RUN ("$" for a name that expands); /dev is left out."""
    found: list[tuple[str, str | None]] = []
    for run in stage.instructions:
        script = script_of(df, run) if run.command == "RUN" and not any(run is s for s in skip) else None
        if script is None:
            continue
        found += [(value, workdir_at(df, stage, run)) for value in _redirected(script)]
    return found


def _redirected(script: Script) -> list[str]:
    """The files a script redirects to or from ("$" for a name that expands), but /dev."""
    values = [word.value if word.value is not None else "$" for word in script.redirects]
    return [v for v in values if not v.startswith(("/dev/", "&")) and not v.isdigit()]


# what a runtime stage can run again as it was: commands that need no build tool, only a POSIX
# shell and the base system (coreutils, passwd or adduser, BusyBox), all in plain words
REPLAYABLE = frozenset(
    {"mkdir", "chmod", "chown", "chgrp", "ln", "touch", "echo", "printf", "true", ":", "set", "test", "["}
    | {"useradd", "adduser", "groupadd", "addgroup", "usermod"}
)
ACCOUNTS = frozenset({"useradd", "adduser", "groupadd", "addgroup", "usermod"})


@dataclass(frozen=True)
class Carried:
    """RUNs of the build stage whose effects the runtime stage needs, run again there."""

    runs: tuple[Instruction, ...] = ()
    before: tuple[str, ...] = ()  # RUN lines before the copies from the build stage
    after: tuple[str, ...] = ()  # RUN lines after them (they change what the copies bring)
    users: tuple[str, ...] = ()  # the names the user creations among them name


def carried_runs(df: Dockerfile, stage: Stage, kept: list[str]) -> Carried:
    """The stage's RUNs that create users, or change paths outside ``kept`` (what the runtime
    stage copies from the build stage; see ``changed_outside``), with nothing but
    ``REPLAYABLE`` commands in plain words: a runtime stage built on the same system runs them
    again. Each runs there as root, in the final WORKDIR: a RUN run as another user, or
    naming a relative path from another directory, is not carried (nor one with flags, a
    heredoc, a `cd`). Those that name a path inside ``kept`` come after the copies, and so
    does every one after them; the others before. What is not carried stays a refusal of
    ``run_commands`` or ``build_leftovers``, naming its command."""
    final = workdir_at(df, stage, None)
    runs: list[Instruction] = []
    before: list[str] = []
    after: list[str] = []
    users: list[str] = []
    for run in stage.instructions:
        if run.command != "RUN" or run.flags or run.heredocs or not run.is_shell_form:
            continue
        script = script_of(df, run) if is_posix_shell(effective_shell(df, run)) else None
        if script is None or script.has_error or runs_as_root(df, stage, run) is not True:
            continue
        replayed = _replayed(df, run, script)
        if replayed is None:
            continue
        paths, named, accounts, text = replayed
        cwd = workdir_at(df, stage, run)
        if cwd is None or (cwd != final and any(not p.startswith("/") for p in named)):
            continue
        if not accounts and changed_outside(df, stage, [(p, cwd) for p in paths], kept) is None:
            continue
        text = text or df.text[df.line_start(run.span.start) : run.span.end].strip()
        if not re.match(r"RUN[ \t]", text, re.IGNORECASE):
            continue
        runs.append(run)
        users += [u.name for u in created_users(df, stage).users if u.run is run and u.name not in users]
        resolved = [join(cwd, p) for p in named]
        if after or any(r is not None and any(inside(r, k) for k in kept) for r in resolved):
            after.append(text)
        else:
            before.append(text)
    return Carried(tuple(runs), tuple(before), tuple(after), tuple(users))


def carried_without_sources(df: Dockerfile, stage: Stage, kept: list[str]) -> Carried:
    """``carried_runs`` for a runtime stage that copies ``kept`` (the program, the build's
    output) and not the sources: a RUN that changes a path where the stage copied the build
    context is not carried (the runtime stage has no sources to change), and stays a
    refusal of ``run_commands`` or the stack's own checks; nothing is carried when those
    places are not clear (``copied_places``)."""
    places = copied_places(df, stage)
    return carried_runs(df, stage, [*kept, *places]) if places is not None else Carried()


def _replayed(df: Dockerfile, run: Instruction, script: Script) -> tuple[list[str], list[str], bool, str | None] | None:
    """For a script of ``REPLAYABLE`` commands only: the paths it changes, the paths it names,
    whether it changes users or groups (which users: ``users.created_users``), and the RUN to run
    again when its words expand (the commands with the values of ``word_values``, joined by
    `&&`: only for commands that stand alone, without redirections); None for any other
    script."""
    changed = _redirected(script)
    named = list(changed)
    accounts = False
    expanded: list[list[str]] = []
    if "$" in changed:
        return None
    for command in script.commands:
        if command.kind in ("assignment", "declaration"):
            return None
        words = unwrapped(command) if command.kind == "simple" else None
        values = word_values(df, run, script, command) if words else None
        if not values:
            return None
        expanded.append(values)
        program = posixpath.basename(values[0])
        args = values[1:]
        operands = path_operands(program, args)
        if program not in REPLAYABLE:
            return None
        if program in ACCOUNTS:
            accounts = True
        elif program in ("mkdir", "chmod", "chown", "chgrp", "ln", "touch"):
            changed += operands[-1:] if program == "ln" else operands
            named += operands
    text = None
    if any(w.value is None for c in script.commands for w in (unwrapped(c) or ())):
        if script.redirects or any(c.context or c.joiner not in ("", "&&") for c in script.commands):
            return None
        text = "RUN " + " && ".join(shlex.join(values) for values in expanded)
    return changed, named, accounts, text


def installed_packages(df: Dockerfile, stage: Stage, managers: tuple[str, ...] = APT) -> set[str]:
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
    if image.path == "debian" and slim_variant(reference) is not None:
        return slim_variant(reference)
    if image.path in ("debian", "ubuntu"):
        return reference
    return None


def debian_release(tag: str, path: str) -> str | None:
    """The one Debian release an image's ``tag`` names, for ``packages.runtime_library``: the
    codename in the tag (`python:3.12-bookworm`, `gcc:13-bookworm`, `debian:bullseye-slim`),
    the release of an official image's version that had only one (``images.tag_releases``),
    or `debian:N`'s; None when the tag may point to several releases, or to none."""
    releases = tag_releases(path, tag)
    if len(releases) == 1:
        return releases[0]
    number = re.match(r"(\d+)(?:[.-]|\Z)", tag) if path == "debian" else None
    return _DEBIAN_NUMBERS.get(number.group(1)) if number is not None else None


_DEBIAN_NUMBERS = {"8": "jessie", "9": "stretch", "10": "buster", "11": "bullseye", "12": "bookworm", "13": "trixie"}


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
    """Whether ``path`` is ``directory`` or below it (either may end with a slash)."""
    directory = directory.rstrip("/")
    return path.rstrip("/") == directory or path.startswith(directory + "/")


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
    ``kept`` (and the directories of ``changed_outside``); a RUN command that changes a path
    (``touched``: the path and the directory it runs in) outside them."""
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
    path = changed_outside(df, stage, touched, [project, *kept])
    if path is not None:
        return f"a RUN changes {path}, outside the project"
    return None


def changed_outside(
    df: Dockerfile, stage: Stage, touched: list[tuple[str, str | None]], places: list[str]
) -> str | None:
    """The first path of ``touched`` (as written, with the directory its command runs in) that
    expands, or lies outside ``places`` and /tmp and is not a directory the runtime stage makes
    itself (the final WORKDIR, a VOLUME, or a directory above them: what lies inside those is
    not made); None when there is none."""
    made = [v for i in stage.instructions if i.command == "VOLUME" for v in volumes(df, i) if v is not None]
    workdir = workdir_at(df, stage, None)
    if workdir is not None:
        made.append(workdir)
    for path, cwd in touched:
        resolved = join(cwd, path) if "$" not in path else None  # "$": a name that expands
        if resolved is None:
            return path
        if not any(inside(resolved, place) for place in ("/tmp", *places)) and not any(
            inside(m, resolved) for m in made
        ):
            return path
    return None


def plain_path(path: str) -> bool:
    """Whether a path can stand in a COPY as it is (no blanks, quotes, expansions or globs)."""
    return not re.search(r"[\s\"'$*?\[\]\\]", path)


_SYSTEM = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/var")
# below /usr, where projects are kept (`COPY . /usr/src/app`): a project directory, not the system
_SOURCES = ("/usr/src/", "/usr/local/src/")


def copied_places(df: Dockerfile, stage: Stage, venv: str | None = None) -> list[str] | None:
    """Where the stage copied the build context to: the directories (outermost only), or the
    files themselves in system directories (and in ``venv``, which is left out itself); None
    when unclear (a directory or a pattern copied into a system directory)."""
    found: list[str] = []
    for copy in copies(df, stage):
        if df.stage_of(copy.instruction) is not stage or copy.origin is not None:
            continue
        path, sources, into_directory = copy.destination, copy.sources, copy.into
        if path is None:
            return None
        if (
            path == "/"
            or (path.startswith((*_SYSTEM, *((venv,) if venv else ()))) and not path.startswith(_SOURCES))
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
