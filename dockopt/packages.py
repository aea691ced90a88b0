"""What dockopt knows about package managers: finding their invocations inside RUN.

An ``Invocation`` is one run of a package manager in a RUN, wherever it stands (after `&&`
or `;`, in an `if` branch, behind `sudo` or `env`, with `VAR=value` prefixes, with options
before the subcommand), its words split into options, the subcommand and its operands.
Commands that cannot be analysed (the program is an expansion, say) are not invocations.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .shell import Command, Script, Word, effective_shell, is_posix_shell, script_of
from .syntax import Dockerfile, Instruction

MANAGERS = frozenset(
    {"apt-get", "apt", "aptitude", "apk", "yum", "dnf", "microdnf", "zypper", "pip", "npm", "yarn", "gem"}
)

_APT_VALUES = frozenset({"-o", "-c", "-t", "--option", "--config-file", "--target-release", "--default-release"})
_RPM_VALUES = frozenset(
    {
        "-c",
        "--config",
        "--setopt",
        "--enablerepo",
        "--disablerepo",
        "--installroot",
        "--releasever",
        "-d",
        "--debuglevel",
        "-e",
        "--errorlevel",
        "-x",
        "--exclude",
        "--repo",
        "--repoid",
        "--forcearch",
        "--downloaddir",
        "--destdir",
        "-R",
        "--randomwait",
        "--rpmverbosity",
        "--color",
    }
)
# options that take the next word as their value (when not written `--option=value`)
VALUE_OPTIONS: dict[str, frozenset[str]] = {
    "apt-get": _APT_VALUES,
    "apt": _APT_VALUES,
    "aptitude": _APT_VALUES | {"-F", "-w", "--display-format", "--width"},
    "apk": frozenset(
        {
            "-X",
            "--repository",
            "-t",
            "--virtual",
            "-p",
            "--root",
            "--repositories-file",
            "--cache-dir",
            "--arch",
            "--keys-dir",
            "--cache-max-age",
            "--timeout",
        }
    ),
    "yum": _RPM_VALUES,
    "dnf": _RPM_VALUES,
    "microdnf": _RPM_VALUES,
    "zypper": frozenset(
        {
            "-R",
            "--root",
            "-c",
            "--config",
            "-r",
            "--repo",
            "-D",
            "--reposd-dir",
            "-C",
            "--cache-dir",
            "--raw-cache-dir",
            "--solv-cache-dir",
            "--pkg-cache-dir",
            "-t",
            "--type",
            "--from",
        }
    ),
    "pip": frozenset(
        {
            "-r",
            "--requirement",
            "-c",
            "--constraint",
            "-e",
            "--editable",
            "-i",
            "--index-url",
            "--extra-index-url",
            "-f",
            "--find-links",
            "-t",
            "--target",
            "--prefix",
            "--root",
            "--src",
            "--trusted-host",
            "--timeout",
            "--retries",
            "--cache-dir",
            "--platform",
            "--python-version",
            "--implementation",
            "--abi",
            "--no-binary",
            "--only-binary",
            "--progress-bar",
            "--log",
            "--proxy",
            "--upgrade-strategy",
            "-C",
            "--config-settings",
            "--global-option",
            "--report",
            "--python",
            "--exists-action",
            "--cert",
            "--client-cert",
            "--keyring-provider",
        }
    ),
    "npm": frozenset(
        {
            "--prefix",
            "--registry",
            "-w",
            "--workspace",
            "--cache",
            "--loglevel",
            "--userconfig",
            "--globalconfig",
            "--tag",
            "--omit",
            "--include",
            "--install-strategy",
        }
    ),
    "yarn": frozenset(
        {
            "--cwd",
            "--cache-folder",
            "--modules-folder",
            "--network-timeout",
            "--mutex",
            "--registry",
            "--global-folder",
            "--link-folder",
            "--use-yarnrc",
        }
    ),
    "gem": frozenset(
        {
            "-v",
            "--version",
            "-i",
            "--install-dir",
            "-n",
            "--bindir",
            "-s",
            "--source",
            "-P",
            "--trust-policy",
            "--platform",
            "-g",
            "--file",
            "--build-root",
        }
    ),
}

# wrappers that run the command named after their own options
_WRAPPER_VALUES = {
    "sudo": frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "--user", "--group"}),
    "env": frozenset({"-u", "--unset", "-C", "--chdir", "-S", "--split-string"}),
    "nice": frozenset({"-n", "--adjustment"}),
    "nohup": frozenset(),
}
_PYTHON = re.compile(r"python[0-9.]*\Z")
_PIP = re.compile(r"pip[0-9.]*\Z")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


@dataclass(frozen=True, slots=True)
class Invocation:
    """One run of a package manager: ``words`` are what follows the manager's name."""

    run: Instruction
    command: Command
    manager: str  # "apt-get", "apk", "pip", ... ("pip" also for `python3 -m pip`)
    program: Word  # the word that names the manager ("apt", "/usr/bin/pip3", "python3")
    words: tuple[Word, ...]
    sub_index: int | None  # where the subcommand is in ``words``

    @property
    def subword(self) -> Word | None:
        return self.words[self.sub_index] if self.sub_index is not None else None

    @property
    def subcommand(self) -> str | None:
        word = self.subword
        return word.value.lower() if word is not None and word.value is not None else None

    @property
    def option_slot(self) -> int | None:
        """File offset where a new option goes: after the subcommand and the options that follow it.

        `apt-get install -y curl` gives the offset after `-y`, so that a new option reads
        `apt-get install -y --no-install-recommends curl`.
        """
        if self.sub_index is None:
            return None
        takes_value = VALUE_OPTIONS.get(self.manager, frozenset())
        last = self.words[self.sub_index]
        index = self.sub_index + 1
        while index < len(self.words):
            value = self.words[index].value
            if value is None or not value.startswith("-") or value in ("-", "--"):
                break
            if value in takes_value:
                if index + 1 >= len(self.words):
                    break
                index += 1
            last = self.words[index]
            index += 1
        return last.span.end

    @property
    def after_subcommand(self) -> tuple[Word, ...]:
        return self.words[self.sub_index + 1 :] if self.sub_index is not None else ()

    def has_option(self, *names: str) -> bool:
        """Whether any of ``names`` is given: `--long`, `--long=value`, `-s` (also bundled, `-qy`)."""
        for word in self.words:
            value = word.value
            if value is None or not value.startswith("-"):
                continue
            for name in names:
                if name.startswith("--"):
                    if value == name or value.startswith(name + "="):
                        return True
                elif value == name or (
                    len(name) == 2 and not value.startswith("--") and value[1:].isalpha() and name[1] in value[1:]
                ):
                    return True
        return False

    def option_values(self, *names: str) -> list[str]:
        """The values given to options ``names`` (`--opt value`, `--opt=value`, `-ovalue`)."""
        values = []
        for index, word in enumerate(self.words):
            value = word.value or ""
            for name in names:
                if value == name and index + 1 < len(self.words):
                    values.append(self.words[index + 1].value or "")
                elif value.startswith(name + "="):
                    values.append(value[len(name) + 1 :])
                elif len(name) == 2 and value.startswith(name) and len(value) > 2 and not name.startswith("--"):
                    values.append(value[2:])
        return values

    @property
    def operands(self) -> tuple[Word, ...]:
        """The words after the subcommand that are neither options nor their values."""
        takes_value = VALUE_OPTIONS.get(self.manager, frozenset())
        operands = []
        skip = False
        for word in self.after_subcommand:
            if skip:
                skip = False
                continue
            value = word.value
            if value is not None and value.startswith("-") and value != "-":
                skip = value in takes_value
                continue
            operands.append(word)
        return tuple(operands)

    @property
    def packages(self) -> list[str | None]:
        """Operand values (None where an operand is an expansion such as $PKGS)."""
        return [w.value for w in self.operands]


def invocations(df: Dockerfile, run: Instruction) -> tuple[Invocation, ...]:
    """Every package-manager invocation in a RUN (or ONBUILD RUN), in order."""
    return df.memo(_invocations, run)


def _invocations(df: Dockerfile, run: Instruction) -> tuple[Invocation, ...]:
    script = script_of(df, run)
    found: list[Invocation] = []
    if script is not None and not script.has_error:
        for command in script.commands:
            invocation = _recognise(run, command)
            if invocation is not None:
                found.append(invocation)
    return tuple(found)


def runs(df: Dockerfile) -> Iterator[Instruction]:
    """The RUN and ONBUILD RUN instructions of the file."""
    for instruction in df.instructions:
        if (instruction.sub or instruction).command == "RUN":
            yield instruction


def scripts_mentioning(
    df: Dockerfile, word: str, candidates: Iterable[Instruction] | None = None
) -> Iterator[tuple[Instruction, Script]]:
    """The RUNs (of ``candidates``, default all) whose text holds ``word``, run by a POSIX
    shell, with their parsed scripts (those tree-sitter could not parse are left out)."""
    for run in runs(df) if candidates is None else candidates:
        if word not in run.logical and not any(word in doc.body for doc in run.heredocs):
            continue
        if not is_posix_shell(effective_shell(df, run)):
            continue
        script = script_of(df, run)
        if script is not None and not script.has_error:
            yield run, script


def find(df: Dockerfile, managers: frozenset[str] | set[str], only: set[int] | None = None) -> Iterator[Invocation]:
    """Invocations of ``managers`` in RUNs run by a POSIX shell (``only``: ids of the RUNs to look at)."""
    for run in runs(df):
        if only is not None and id(run) not in only:
            continue
        if not any(name in run.logical for name in managers) and not any(
            name in doc.body for doc in run.heredocs for name in managers
        ):
            continue
        if not is_posix_shell(effective_shell(df, run)):
            continue
        for invocation in invocations(df, run):
            if invocation.manager in managers:
                yield invocation


def reaching_final(df: Dockerfile) -> set[int]:
    """Ids of the instructions of the stages that reach the final image."""
    return {id(i) for stage in df.stages if stage.reaches_final for i in stage.instructions}


def unwrapped(command: Command) -> tuple[Word, ...] | None:
    """The command's words from the program it runs behind `sudo`, `env`, `nice` or `nohup`
    (their options and `VAR=value` words skipped); None when that program is an expansion."""
    if command.name is None or command.name.value is None:
        return None
    words = [command.name, *command.args]
    index = 0
    program = posixpath.basename(words[0].value or "")
    while program in _WRAPPER_VALUES:
        index = _skip_wrapper(words, index + 1, program)
        if index >= len(words) or words[index].value is None:
            return None
        program = posixpath.basename(words[index].value or "")
    return tuple(words[index:])


def _recognise(run: Instruction, command: Command) -> Invocation | None:
    words = unwrapped(command)
    if words is None:
        return None
    named, rest = words[0], words[1:]
    program = posixpath.basename(named.value or "")
    if _PYTHON.match(program):
        if len(rest) >= 2 and rest[0].value == "-m" and rest[1].value == "pip":
            return _invocation(run, command, "pip", named, tuple(rest[2:]))
        if rest and rest[0].value == "-mpip":
            return _invocation(run, command, "pip", named, tuple(rest[1:]))
        return None
    if _PIP.match(program):
        return _invocation(run, command, "pip", named, tuple(rest))
    if program in MANAGERS:
        return _invocation(run, command, program, named, tuple(rest))
    return None


def _skip_wrapper(words: list[Word], index: int, wrapper: str) -> int:
    takes_value = _WRAPPER_VALUES[wrapper]
    while index < len(words):
        value = words[index].value
        if value is None:
            return index
        if value == "--":
            return index + 1
        if value.startswith("-"):
            index += 2 if value in takes_value else 1
        elif wrapper == "env" and _ASSIGNMENT.match(value):
            index += 1
        else:
            return index
    return index


def _invocation(run: Instruction, command: Command, manager: str, program: Word, words: tuple[Word, ...]) -> Invocation:
    takes_value = VALUE_OPTIONS.get(manager, frozenset())
    sub_index = None
    skip = False
    for index, word in enumerate(words):
        if skip:
            skip = False
            continue
        value = word.value
        if value is None:
            break  # an expansion where the subcommand should be: not analysable
        if value.startswith("-"):
            skip = value in takes_value
            continue
        sub_index = index
        break
    return Invocation(run, command, manager, program, words, sub_index)


# --------------------------------------------------------------------------- apt facts

# subcommands that read the package lists that `apt-get update` downloads
APT_LIST_READERS = frozenset(
    {
        "install",
        "upgrade",
        "dist-upgrade",
        "full-upgrade",
        "build-dep",
        "source",
        "download",
        "reinstall",
        "satisfy",
        "policy",
        "show",
        "showpkg",
        "search",
        "depends",
        "rdepends",
        "madison",
    }
)
APT_MANAGERS = frozenset({"apt-get", "apt", "aptitude", "apt-cache"})


def apt_events(df: Dockerfile, run: Instruction) -> list[str] | None:
    """What a RUN does with apt's package lists, in order: "update", "read", "clean".

    None when the RUN cannot be analysed but mentions apt (it may do any of them).
    """
    return df.memo(_apt_events, run)


def _apt_events(df: Dockerfile, run: Instruction) -> list[str] | None:
    mentions_apt = "apt" in run.logical or any("apt" in doc.body for doc in run.heredocs)
    script = script_of(df, run)
    if script is None or script.has_error:
        return None if mentions_apt else []
    if not mentions_apt and "/var/lib/apt" not in script.text:
        return []
    by_command = {id(i.command): i for i in invocations(df, run)}
    events = []
    for command in script.commands:
        invocation = by_command.get(id(command))
        program = command.program
        if invocation is not None and invocation.manager in APT_MANAGERS:
            sub = invocation.subcommand
            if sub == "update":
                events.append("update")
            elif sub in APT_LIST_READERS:
                events.append("read")
        elif program == "apt-cache":
            events.append("read")
        elif program == "add-apt-repository":
            # newer versions refresh the lists after adding the source, older ones do not
            events += ["read", "update"]
        elif program == "rm" and any(
            (w.value or "").rstrip("/*").rstrip("/") in ("/var/lib/apt/lists", "/var/lib/apt") for w in command.args
        ):
            events.append("clean")
    return events


@dataclass(frozen=True)
class AptLists:
    """Where apt's package lists stand before each RUN of the build (ONBUILD RUNs aside).

    ``state`` is "present" (an earlier RUN ran `apt-get update` and nothing removed the
    lists since), "absent", or "unknown" (a RUN that mentions apt could not be analysed);
    ``source`` is the RUN whose update made them. A RUN whose cache or tmpfs mount covers
    the lists leaves the image's lists as they were.
    """

    before: dict[int, tuple[str, Instruction | None]]

    def present_before(self, run: Instruction) -> Instruction | None:
        state, source = self.before.get(id(run), ("absent", None))
        return source if state == "present" else None


def apt_lists(df: Dockerfile) -> AptLists:
    """Whether apt's lists are present before each RUN, and which RUN made them (worked out once per tree)."""
    return df.memo(_apt_lists)


def _apt_lists(df: Dockerfile) -> AptLists:
    before: dict[int, tuple[str, Instruction | None]] = {}
    ends: dict[int, tuple[str, Instruction | None]] = {}
    for stage in df.stages:
        state, source = ends.get(stage.parent, ("absent", None)) if stage.parent is not None else ("absent", None)
        for instruction in stage.instructions:
            if instruction.command != "RUN":
                continue
            before[id(instruction)] = (state, source)
            if instruction.caches("/var/lib/apt/lists"):
                continue
            events = apt_events(df, instruction)
            if events is None:
                state, source = "unknown", None
                continue
            for event in events:
                if event == "update":
                    state, source = "present", instruction
                elif event == "clean":
                    state, source = "absent", None
        ends[stage.index] = (state, source)
    return AptLists(before)


def reads_lists_later(df: Dockerfile, run: Instruction) -> bool:
    """Whether something after ``run`` (in its stage, or in a stage built FROM it) reads the
    lists ``run`` leaves, before updating or removing them itself."""
    stage = df.stage_of(run)
    if stage is None:
        return True
    if run.command == "ONBUILD":
        later = [i for i in stage.instructions if i.command == "ONBUILD"]
        return _first_use_reads(df, later[later.index(run) + 1 :], check_children_of=None)
    index = stage.instructions.index(run)
    return _first_use_reads(df, stage.instructions[index + 1 :], check_children_of=stage)


def _first_use_reads(df: Dockerfile, instructions, check_children_of) -> bool:
    for instruction in instructions:
        if (instruction.sub or instruction).command != "RUN":
            continue
        if instruction.command == "ONBUILD" and check_children_of is not None:
            continue  # runs in other builds
        if instruction.caches("/var/lib/apt/lists"):
            continue
        events = apt_events(df, instruction)
        if events is None:
            return True
        if events:
            return events[0] == "read"
    if check_children_of is None:
        return False
    children = [s for s in df.stages if s.parent == check_children_of.index]
    return any(_first_use_reads(df, child.instructions, check_children_of=child) for child in children)


# --------------------------------------------------------------------------- build order


def ran_before(df: Dockerfile, run: Instruction) -> list[Instruction]:
    """The instructions whose effects ``run`` finds in the filesystem, in build order.

    The stages its stage derives from come first, whole, their ONBUILD instructions included
    (they may fire when a stage is built FROM another), then its own stage up to ``run``. An
    ONBUILD instruction runs in a later build, on top of the whole image and after the
    ONBUILD instructions written before it. ONBUILD instructions are returned as written:
    look at ``.sub`` for what they run.
    """
    stage = df.stage_of(run)
    if stage is None:
        return []
    seen: list[Instruction] = []
    for index in reversed(stage.derives_from):
        seen += df.stages[index].instructions
    if run.command == "ONBUILD":
        seen += [i for i in stage.instructions if i.command != "ONBUILD"]
        for instruction in stage.instructions:
            if instruction is run:
                break
            if instruction.command == "ONBUILD":
                seen.append(instruction)
        return seen
    for instruction in stage.instructions:
        if instruction is run:
            break
        if instruction.command != "ONBUILD":
            seen.append(instruction)
    return seen


# --------------------------------------------------------------------------- runtime libraries

# the runtime library of a -dev package: what a program built with its headers loads at run time
# in Debian 12 (bookworm)
APT_RUNTIME = {
    "libpq-dev": "libpq5",
    "libffi-dev": "libffi8",
    "libssl-dev": "libssl3",
    "libxml2-dev": "libxml2",
    "libxslt1-dev": "libxslt1.1",
    "libxslt-dev": "libxslt1.1",
    "libjpeg-dev": "libjpeg62-turbo",
    "libjpeg62-turbo-dev": "libjpeg62-turbo",
    "zlib1g-dev": "zlib1g",
    "libyaml-dev": "libyaml-0-2",
    "libsqlite3-dev": "libsqlite3-0",
    "libpng-dev": "libpng16-16",
    "libfreetype6-dev": "libfreetype6",
    "libfreetype-dev": "libfreetype6",
    "libmariadb-dev": "libmariadb3",
    "default-libmysqlclient-dev": "libmariadb3",
    "libcurl4-openssl-dev": "libcurl4",
    "libbz2-dev": "libbz2-1.0",
    "liblzma-dev": "liblzma5",
}
# in every Debian and Ubuntu release the official images have used (libffi, libssl, libpng,
# libcurl changed names between releases: only for a known release)
APT_RUNTIME_ANY_RELEASE = {
    "libpq-dev": "libpq5",
    "libxml2-dev": "libxml2",
    "libxslt1-dev": "libxslt1.1",
    "zlib1g-dev": "zlib1g",
    "libyaml-dev": "libyaml-0-2",
    "libsqlite3-dev": "libsqlite3-0",
    "libbz2-dev": "libbz2-1.0",
    "liblzma-dev": "liblzma5",
}
# in Alpine: names that hold in every 3.x release (`so:` names a library file: PostgreSQL's
# client library was postgresql-libs before 3.15, libpq since); openssl-dev's library was
# renamed (libssl1.0, libssl1.1, libssl3), the openssl tool brings the one of its release
APK_RUNTIME = {
    "libffi-dev": "libffi",
    "openssl-dev": "openssl",
    "libressl-dev": "libressl",
    "zlib-dev": "zlib",
    "jpeg-dev": "libjpeg-turbo",
    "libjpeg-turbo-dev": "libjpeg-turbo",
    "libpng-dev": "libpng",
    "freetype-dev": "freetype",
    "libxml2-dev": "libxml2",
    "libxslt-dev": "libxslt",
    "yaml-dev": "yaml",
    "sqlite-dev": "sqlite-libs",
    "bzip2-dev": "libbz2",
    "xz-dev": "xz-libs",
    "postgresql-dev": "so:libpq.so.5",
    "libpq-dev": "so:libpq.so.5",
    "mariadb-connector-c-dev": "mariadb-connector-c",
    "curl-dev": "libcurl",
    "openblas-dev": "openblas",
    "lapack-dev": "lapack",
    "freetds-dev": "freetds",
    "cyrus-sasl-dev": "libsasl",
    "gmp-dev": "gmp",
    "libxslt1-dev": "libxslt",
    "geos-dev": "geos",
    "proj-dev": "proj",
    "lz4-dev": "lz4-libs",
    "zstd-dev": "zstd-libs",
    "libevent-dev": "libevent",
    "libzmq-dev": "libzmq",
    "zeromq-dev": "libzmq",
    "librdkafka-dev": "librdkafka",
    "libsodium-dev": "libsodium",
    "pcre-dev": "pcre",
    "libuv-dev": "libuv",
}
# what a program built by an Alpine compiler loads besides musl (Debian's base has them all)
APK_COMPILER_RUNTIME = {
    "gcc": ("libgcc",),
    "g++": ("libgcc", "libstdc++"),
    "build-base": ("libgcc", "libstdc++"),
    "gfortran": ("libgcc", "libgfortran"),
}
# packages only a build needs on Alpine: toolchains and headers with no library to load
APK_BUILD = frozenset(
    "build-base gcc g++ gfortran clang make cmake musl-dev libc-dev linux-headers python3-dev python-dev py3-pip py-pip "
    "py3-setuptools py3-wheel cython autoconf automake libtool pkgconf pkgconfig".split()
)


def runtime_library(manager: str, package: str, release: str | None = None) -> str | None:
    """The runtime library of the -dev ``package`` of ``manager`` ("apt-get", "apk", ...);
    None when not known (apt: Debian ``release`` "bookworm", or a name every release has)."""
    if manager == "apk":
        return APK_RUNTIME.get(package)
    if manager in ("apt-get", "apt", "aptitude"):
        return (APT_RUNTIME if release == "bookworm" else APT_RUNTIME_ANY_RELEASE).get(package)
    return None


# --------------------------------------------------------------------------- rpm facts

RPM_MANAGERS = frozenset({"yum", "dnf", "microdnf", "zypper"})
_RPM_GROUPING = {"group": "group", "groups": "group", "module": "module"}


def rpm_action(invocation: Invocation) -> tuple[str, Word] | None:
    """What a yum/dnf/microdnf/zypper invocation does, and the word that says it.

    The subcommand ("install", "in", "clean", ...), or for yum/dnf/microdnf `group` and
    `module` the pair ("group install", "module enable") with the word of the action. None
    when the subcommand (or the action of a group or module) is an expansion or missing.
    """
    word = invocation.subword
    sub = invocation.subcommand
    if word is None or sub is None:
        return None
    grouping = _RPM_GROUPING.get(sub) if invocation.manager != "zypper" else None
    if grouping is None:
        return sub, word
    operands = invocation.operands
    if not operands or operands[0].value is None:
        return None
    return f"{grouping} {operands[0].value.lower()}", operands[0]


# what fills a yum/dnf/microdnf/zypper cache with metadata and packages, and what empties it
_DNF_INSTALLS = frozenset(
    {
        "install",
        "in",
        "groupinstall",
        "localinstall",
        "reinstall",
        "rei",
        "update",
        "up",
        "upgrade",
        "upgrade-minimal",
        "up-min",
        "downgrade",
        "distro-sync",
        "swap",
        "group install",
        "group update",
        "group upgrade",
        "module install",
        "module enable",
    }
)
RPM_INSTALLS = {
    "yum": _DNF_INSTALLS | {"groupupdate", "groupupgrade"},
    "dnf": _DNF_INSTALLS,
    "microdnf": _DNF_INSTALLS,
    "zypper": frozenset(
        {
            "install",
            "in",
            "update",
            "up",
            "patch",
            "dist-upgrade",
            "dup",
            "source-install",
            "si",
            "install-new-recommends",
            "inr",
        }
    ),
}
RPM_CLEANS = {"yum": ("clean",), "dnf": ("clean",), "microdnf": ("clean",), "zypper": ("clean", "cc")}
RPM_CACHE_DIRS = {
    "yum": ("/var/cache/yum",),
    "dnf": ("/var/cache/dnf", "/var/cache/libdnf5"),  # dnf 4, dnf 5
    "microdnf": ("/var/cache/yum",),  # microdnf keeps its metadata where yum did
    "zypper": ("/var/cache/zypp",),
}
RPM_ORDER = ("yum", "dnf", "microdnf", "zypper")


@dataclass(frozen=True)
class RpmEvent:
    """One command of a RUN as the rpm cache sees it.

    ``kind`` is "install" (fills the cache), "clean" (`yum clean ...`), "rm" (an `rm -r` of
    the cache directory), "skip" (moves the cache with --setopt=cachedir=) or "other";
    ``action`` the subcommand of a yum/dnf/microdnf/zypper invocation (see ``rpm_action``).
    """

    kind: str
    manager: str | None
    command: Command
    action: str | None = None


def rpm_events(df: Dockerfile, run: Instruction) -> list[RpmEvent]:
    """The RUN's commands in order, as the yum, dnf, microdnf and zypper caches see them."""
    script = script_of(df, run)
    if script is None:
        return []
    by_command = {id(i.command): i for i in invocations(df, run)}
    events: list[RpmEvent] = []
    for command in script.commands:
        invocation = by_command.get(id(command))
        if invocation is not None and invocation.manager in RPM_MANAGERS:
            manager = invocation.manager
            found = rpm_action(invocation)
            action = found[0] if found is not None else None
            if any(v.replace(" ", "").startswith("cachedir=") for v in invocation.option_values("--setopt")):
                kind = "skip"
            elif action is not None and action in RPM_INSTALLS[manager]:
                kind = "install"
            elif action is not None and action in RPM_CLEANS[manager]:
                kind = "clean"
            else:
                kind = "other"
            events.append(RpmEvent(kind, manager, command, action))
            continue
        cleaned = _removes_rpm_caches(command)
        for manager in cleaned:
            events.append(RpmEvent("rm", manager, command))
        if not cleaned:
            events.append(RpmEvent("other", None, command))
    return events


def _removes_rpm_caches(command: Command) -> list[str]:
    """The managers whose whole cache an `rm -r` removes (`/var/cache/dnf/*`, `/var/cache`, ...)."""
    if command.program != "rm":
        return []
    flags = [f.value or "" for f in command.flags]
    recursive = any(flag == "--recursive" or (not flag.startswith("--") and "r" in flag.lower()) for flag in flags)
    if not recursive:
        return []
    covered: set[str] = set()
    for word in command.operands:
        path = (word.value or "").rstrip("*").rstrip("/")
        if not path.startswith("/"):
            continue
        covered |= {m for m, dirs in RPM_CACHE_DIRS.items() if any(d == path or d.startswith(path + "/") for d in dirs)}
    return [m for m in RPM_ORDER if m in covered]


# --------------------------------------------------------------------------- Node: npm, yarn, pnpm, bun subcommands

# The commands of each Node package manager that dockopt tells apart, each with the other
# words the tool takes for it: npm's aliases and the typos it corrects (its cmd-list), and
# those of yarn (1 and 2+), pnpm and bun. A word not listed is a command of its own.
_NODE_COMMANDS: dict[str, dict[str, tuple[str, ...]]] = {
    "npm": {
        "install": ("i", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal", "isntall", "add"),
        "ci": ("clean-install", "ic", "install-clean", "isntall-clean"),
        "install-test": ("it",),
        "install-ci-test": ("cit", "clean-install-test", "sit"),
        "update": ("up", "upgrade", "udpate"),
        "rebuild": ("rb",),
        "uninstall": ("un", "unlink", "remove", "rm", "r"),
        "run": ("run-script", "rum", "urn"),
        "test": ("t", "tst"),
        "ls": ("list",),
        "config": ("c",),
        "dedupe": ("ddp",),
        "exec": ("x",),
        "init": ("create", "innit"),
        "link": ("ln",),
    },
    "yarn": {"install": (), "add": (), "upgrade": ("up",), "remove": (), "global": (), "run": ()},
    "pnpm": {
        "install": ("i",),
        "add": (),
        "update": ("up", "upgrade"),
        "remove": ("rm", "uninstall", "un"),
        "rebuild": ("rb",),
        "run": ("run-script",),
        "test": ("t", "tst"),
        "list": ("ls",),
    },
    "bun": {"install": ("i",), "add": ("a",), "update": (), "remove": ("rm",), "run": ()},
}
_NODE_CANONICAL = {
    tool: {alias: name for name, aliases in table.items() for alias in (name, *aliases)}
    for tool, table in _NODE_COMMANDS.items()
}

# the commands that install packages into the project's node_modules: its dependencies
# (`npm ci`, `npm install`, a bare `yarn`) or the packages named (`npm install -g x`, `yarn add x`)
NODE_INSTALLS: dict[str, frozenset[str]] = {
    "npm": frozenset({"install", "ci", "install-test", "install-ci-test"}),
    "yarn": frozenset({"install", "add"}),
    "pnpm": frozenset({"install", "add"}),
    "bun": frozenset({"install", "add"}),
}
# the commands that download packages into the tool's cache: the installs and the updates
NODE_DOWNLOADS: dict[str, frozenset[str]] = {
    "npm": NODE_INSTALLS["npm"] | {"update"},
    "yarn": NODE_INSTALLS["yarn"] | {"upgrade"},
    "pnpm": NODE_INSTALLS["pnpm"] | {"update"},
    "bun": NODE_INSTALLS["bun"] | {"update"},
}
# the commands that run the packages' install scripts, which build native modules (with
# python3, make and g++): the downloads, `rebuild`, and yarn's `global add`; bun runs the
# scripts of trusted packages only, and is not listed
NODE_BUILDS: dict[str, frozenset[str]] = {
    "npm": NODE_DOWNLOADS["npm"] | {"rebuild"},
    "yarn": NODE_DOWNLOADS["yarn"] | {"global"},
    "pnpm": NODE_DOWNLOADS["pnpm"] | {"rebuild"},
}


def node_command(tool: str, word: str | None) -> str | None:
    """The command a subcommand word of npm, yarn, pnpm or bun names, aliases and npm's
    typos resolved: `npm isntall` -> "install", `npm ic` -> "ci", `npm run-script` -> "run",
    `pnpm i` -> "install", `yarn up` -> "upgrade". A bare `yarn` (no subcommand) is
    `yarn install`; another word is returned as it is, None stays None."""
    if word is None:
        return "install" if tool == "yarn" else None
    return _NODE_CANONICAL.get(tool, {}).get(word, word)


# gem's install and its abbreviations (OptionParser-style prefixes RubyGems accepts)
GEM_INSTALLS = frozenset({"install", "i", "ins", "inst", "insta", "instal"})

# package-manager subcommands that take packages out of the image
REMOVALS: dict[str, frozenset[str]] = {
    "apt-get": frozenset({"purge", "remove", "autoremove"}),
    "apt": frozenset({"purge", "remove", "autoremove"}),
    "aptitude": frozenset({"purge", "remove"}),
    "apk": frozenset({"del"}),
    "yum": frozenset({"remove", "erase", "autoremove"}),
    "dnf": frozenset({"remove", "erase", "autoremove"}),
    "microdnf": frozenset({"remove"}),
    "zypper": frozenset({"remove", "rm"}),
    "npm": frozenset({"uninstall", *_NODE_COMMANDS["npm"]["uninstall"]}),
}


# --------------------------------------------------------------------------- pip requirement files

_REQUIREMENT_OPTIONS = ("-r", "--requirement")
_CONSTRAINT_OPTIONS = ("-c", "--constraint")


def pip_file_option(words: list[str], index: int, constraints: bool = True) -> tuple[str | None, int] | None:
    """When ``words[index]`` names a requirements or constraints file (`-r x`, `-rx`,
    `--requirement x`, `--requirement=x`, `-c`/`--constraint` alike): (the file, the index
    of the next word); the file is None when the value is missing. ``constraints=False``:
    requirements files only (a constraints file installs nothing)."""
    word = words[index]
    name, eq, value = word.partition("=")
    options = _REQUIREMENT_OPTIONS + _CONSTRAINT_OPTIONS if constraints else _REQUIREMENT_OPTIONS
    if name in options:
        if eq:
            return value, index + 1
        if index + 1 < len(words):
            return words[index + 1], index + 2
        return None, index + 1
    if word[:2] in (("-r", "-c") if constraints else ("-r",)) and len(word) > 2:
        return word[2:], index + 1
    return None


def pip_files(words: list[str], constraints: bool = True) -> list[str]:
    """The requirements and constraints files a pip command line names (after `pip`):
    `-r x`, `-rx`, `--requirement x`, `--requirement=x`, `-c`/`--constraint` alike; the
    values of pip's other options are skipped. ``constraints=False``: requirements files only."""
    takes_value = VALUE_OPTIONS["pip"]
    files: list[str] = []
    index = 0
    while index < len(words):
        found = pip_file_option(words, index, constraints)
        if found is not None:
            if found[0]:
                files.append(found[0])
            index = found[1]
            continue
        index += 2 if words[index] in takes_value else 1
    return files


def requirement_lines(text: str) -> Iterator[str]:
    """The logical lines of a requirements file: comments dropped, continuations joined."""
    logical = ""
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw)
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        logical += line
        if logical.strip():
            yield logical.strip()
        logical = ""
    if logical.strip():
        yield logical.strip()


def included_file(line: str, constraints: bool = True) -> str | None:
    """The requirements or constraints file a logical line of a requirements file includes
    (`-r other.txt`, `--requirement=other.txt`, `-c constraints.txt`, ...), as written
    (relative to the including file's directory). ``constraints=False``: requirements files only."""
    words = line.split()
    found = pip_file_option(words, 0, constraints)
    return (found[0] or None) if found is not None else None


# --------------------------------------------------------------------------- Debian's runtime libraries

DEBIAN_RELEASES = ("jessie", "stretch", "buster", "bullseye", "bookworm", "trixie")
_ALL = dict.fromkeys(DEBIAN_RELEASES)
# The runtime library a `-dev` package of Debian brings in, release by release (None: dockopt
# does not know it there). bookworm and trixie are read off the installed-package lists of
# Debian 12 and 13 machines; the older ones are Debian's package names of those releases.
# trixie's 64-bit time_t transition renamed some (libssl3t64, libcurl4t64, libpng16-16t64).
_RUNTIME_LIBRARIES: dict[str, dict[str, str | None]] = {
    "libpq-dev": dict.fromkeys(DEBIAN_RELEASES, "libpq5"),
    "zlib1g-dev": dict.fromkeys(DEBIAN_RELEASES, "zlib1g"),
    "libbz2-dev": dict.fromkeys(DEBIAN_RELEASES, "libbz2-1.0"),
    "liblzma-dev": dict.fromkeys(DEBIAN_RELEASES, "liblzma5"),
    "libsqlite3-dev": dict.fromkeys(DEBIAN_RELEASES, "libsqlite3-0"),
    "libyaml-dev": dict.fromkeys(DEBIAN_RELEASES, "libyaml-0-2"),
    "libxml2-dev": dict.fromkeys(DEBIAN_RELEASES, "libxml2"),
    "libxslt1-dev": dict.fromkeys(DEBIAN_RELEASES, "libxslt1.1"),
    "libjpeg62-turbo-dev": dict.fromkeys(DEBIAN_RELEASES, "libjpeg62-turbo"),
    "libfreetype6-dev": dict.fromkeys(DEBIAN_RELEASES, "libfreetype6"),
    "libffi-dev": {**_ALL, "jessie": "libffi6", "stretch": "libffi6", "buster": "libffi6", "bullseye": "libffi7"}
    | {"bookworm": "libffi8", "trixie": "libffi8"},
    "libssl-dev": {**_ALL, "stretch": "libssl1.1", "buster": "libssl1.1", "bullseye": "libssl1.1"}
    | {"bookworm": "libssl3", "trixie": "libssl3t64"},
    "libpng-dev": {**_ALL, "stretch": "libpng16-16", "buster": "libpng16-16", "bullseye": "libpng16-16"}
    | {"bookworm": "libpng16-16", "trixie": "libpng16-16t64"},
    "libcurl4-openssl-dev": {**_ALL, "buster": "libcurl4", "bullseye": "libcurl4", "bookworm": "libcurl4"}
    | {"trixie": "libcurl4t64"},
    "libmariadb-dev": {**_ALL, "buster": "libmariadb3", "bullseye": "libmariadb3", "bookworm": "libmariadb3"}
    | {"trixie": "libmariadb3"},
}


def runtime_libraries(package: str, releases: Iterable[str]) -> dict[str, str | None] | None:
    """The runtime library of a `-dev` package on each of ``releases`` (None where unknown
    there); None when dockopt knows nothing of the package."""
    known = _RUNTIME_LIBRARIES.get(package)
    return {release: known.get(release) for release in releases} if known is not None else None
