"""The users a Dockerfile creates with its RUNs, and who owns what it sets up.

``created_users(df, stage)`` reads the RUNs of a stage and of the stages it is built on
(not ONBUILD RUNs: they run in another build) for the users they create, in order:
shadow's `useradd NAME` (Debian, Ubuntu, RHEL, SUSE, Alpine's `shadow` package), Debian's
`adduser NAME` and BusyBox's `adduser -D NAME`; a user a later `userdel` / `deluser`
removes is left out. The name must be known (a literal, or a variable whose value the
stage model knows); a user named by an unknown expansion (`useradd $USER` with no
default) is in ``CreatedUsers.unknown`` instead. Not users: `adduser NAME GROUP` (adds an
existing user to a group), `useradd -D` (changes the defaults), `--help`.

``owners(df, stage, directory)`` are the users a `chown` of a RUN or a `--chown` of a
COPY/ADD gives ``directory``, a path inside it, or a directory it is in: who owns the
WORKDIR or the application's files.

useradd's options that take a value (``USERADD_SHORT_WITH_VALUE``,
``USERADD_LONG_WITH_VALUE``: shadow's getopt string) live here, for useradd-no-log-init
(DO308) too.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass

from .model import chain, expand, shell_path, state_at
from .model import destination as copy_destination
from .packages import unwrapped
from .shell import Word, script_of
from .syntax import Dockerfile, Instruction, Stage, user_and_group

# useradd's short options that take a value (shadow's getopt string), the rest of a bundle
# such as `-mu1000` being that value
USERADD_SHORT_WITH_VALUE = frozenset("bcdefgGkKpPRsuZ")
USERADD_LONG_WITH_VALUE = frozenset(
    {
        "--base-dir",
        "--comment",
        "--home-dir",
        "--expiredate",
        "--inactive",
        "--gid",
        "--groups",
        "--skel",
        "--key",
        "--password",
        "--prefix",
        "--root",
        "--shell",
        "--uid",
        "--selinux-user",
        "--selinux-range",
    }
)
# Debian's adduser (a Perl program) and BusyBox's: the options that take a value
_ADDUSER_LONG_WITH_VALUE = frozenset(
    {"--home", "--shell", "--ingroup", "--gid", "--uid", "--gecos", "--comment", "--firstuid", "--lastuid", "--conf"}
)
_ADDUSER_SHORT_WITH_VALUE = frozenset("hgsGuk")  # BusyBox: -h DIR -g GECOS -s SHELL -G GRP -u UID -k SKEL


@dataclass(frozen=True)
class CreatedUser:
    name: str
    uid: str | None  # the uid given, when it is a literal number ("1000"); None: chosen by the tool or a variable
    run: Instruction  # the RUN that creates it
    program: Word  # the word naming useradd or adduser, after which an option can go
    uid_given: bool  # whether the command gives a uid (literal or not)


@dataclass(frozen=True)
class CreatedUsers:
    users: tuple[CreatedUser, ...]
    unknown: tuple[Instruction, ...]  # RUNs that create a user whose name dockopt cannot know


def created_users(df: Dockerfile, stage: Stage) -> CreatedUsers:
    """The users the RUNs of ``stage`` and of the stages it is built on create, in order."""
    return df.memo(_created_users, stage.index)


def _created_users(df: Dockerfile, index: int) -> CreatedUsers:
    found: dict[str, CreatedUser] = {}
    unknown: list[Instruction] = []
    for member in chain(df, df.stages[index]):
        for run in member.instructions:
            if run.command != "RUN" or run.sub is not None:
                continue
            if not any(tool in run.logical for tool in ("useradd", "adduser", "userdel", "deluser")):
                continue
            script = script_of(df, run)
            if script is None:
                continue
            for command in script.commands:
                words = unwrapped(command)
                if not words or words[0].value is None:
                    continue
                program = posixpath.basename(words[0].value)
                if program in ("userdel", "deluser"):
                    for word in words[1:]:
                        if word.value is not None and not word.value.startswith("-"):
                            found.pop(word.value, None)
                            break
                    continue
                if program == "useradd":
                    read = _options(words[1:], USERADD_SHORT_WITH_VALUE, USERADD_LONG_WITH_VALUE, "Dh")
                elif program == "adduser":
                    read = _options(words[1:], _ADDUSER_SHORT_WITH_VALUE, _ADDUSER_LONG_WITH_VALUE, "")
                else:
                    continue
                if read is None or len(read[1]) != 1:
                    continue  # -D, --help, no name, or `adduser USER GROUP` (a group membership)
                values, (operand,) = read
                name = _value(df, run, operand)
                if name is None:
                    unknown.append(run)
                    continue
                given = "-u" in values or "--uid" in values
                uid = values.get("-u", values.get("--uid"))
                literal = uid if uid is not None and uid.isdigit() else None
                found[name] = CreatedUser(name, literal, run, words[0], given)
    return CreatedUsers(tuple(found.values()), tuple(unknown))


def _value(df: Dockerfile, run: Instruction, word: Word) -> str | None:
    """A word's value, with the variables the stage model knows substituted."""
    if word.value is not None:
        return word.value
    return state_at(df, run).expand(word.text)


def _options(
    words: Sequence[Word], short: frozenset[str], long: frozenset[str], refusing: str
) -> tuple[dict[str, str | None], list[Word]] | None:
    """The values of the options given one (by their spelling: `-u`, `--uid`; None for an
    expansion: a build argument may change it) and the operands; None for an option in
    ``refusing`` (`useradd -D`) or `--help`."""
    values: dict[str, str | None] = {}
    operands: list[Word] = []
    index = 0
    while index < len(words):
        word = words[index]
        literal = word.value is not None
        value = word.value if word.value is not None else word.text
        index += 1
        if not value.startswith("-") or value == "-":
            operands.append(word)
            continue
        if value == "--":
            operands.extend(words[index:])
            break
        if value.startswith("--"):
            name, equals, rest = value.partition("=")
            if name in ("--help", "--defaults"):
                return None
            if name in long and equals:
                values[name] = rest if literal else None
            elif name in long and index < len(words):
                values[name] = words[index].value
                index += 1
            continue
        for position, letter in enumerate(value[1:], 1):
            if letter in refusing:
                return None
            if letter in short:
                if position < len(value) - 1:
                    values[f"-{letter}"] = value[position + 1 :] if literal else None
                elif index < len(words):
                    values[f"-{letter}"] = words[index].value
                    index += 1
                break
    return values, operands


def owners(df: Dockerfile, stage: Stage, directory: str) -> set[str]:
    """The users (names or uids, as written) that a RUN's `chown` or a COPY/ADD `--chown` of
    the stage's chain gives ``directory``, a path inside it, or a directory it is in."""
    found: set[str] = set()
    for member in chain(df, stage):
        for instruction in member.instructions:
            if instruction.sub is not None:
                continue
            if instruction.command in ("COPY", "ADD"):
                chown = instruction.flag_values("chown")
                target = copy_destination(df, instruction)
                if chown and target is not None and _related(target, directory):
                    owner = expand(df, instruction, chown[-1])
                    if owner:
                        found.add(user_and_group(owner)[0])
            elif instruction.command == "RUN" and "chown" in instruction.logical:
                found |= _chowned(df, instruction, directory)
    return found


def _chowned(df: Dockerfile, run: Instruction, directory: str) -> set[str]:
    script = script_of(df, run)
    found: set[str] = set()
    if script is None:
        return found
    for command in script.commands:
        words = unwrapped(command)
        if not words or posixpath.basename(words[0].value or "") != "chown":
            continue
        operands = [w.value for w in words[1:] if w.value is not None and not w.value.startswith("-")]
        if len(operands) < 2:
            continue
        owner = operands[0].split(":", 1)[0].split(".", 1)[0]
        if owner and any(_related(shell_path(df, run, path), directory) for path in operands[1:]):
            found.add(owner)
    return found


def _related(path: str | None, directory: str) -> bool:
    if path is None:
        return False
    path, directory = path.rstrip("/") or "/", directory.rstrip("/") or "/"
    return path == directory or path.startswith(directory + "/") or (path != "/" and directory.startswith(path + "/"))
