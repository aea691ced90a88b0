"""The stage model: what holds at each instruction of a build, the way BuildKit dispatches it.

For every instruction, ``state_at`` gives the ``State`` it sees: the working directory, the
variables a Dockerfile word can expand there (with the values dockopt knows), and the USER
in force. ``resolve`` turns a path written in an instruction (a WORKDIR, a COPY or ADD
destination, a VOLUME) into the absolute path BuildKit would use, and ``expand`` any other
word (a `--chown` user); ``join`` is the one rule for a relative path against a directory,
which the shell analyses use for `cd` and redirections too. Each is ``None`` ("unknown")
where the answer depends on something dockopt cannot see.

BuildKit's rules (``dockerfile2llb``), and what dockopt makes of them:

- A stage FROM an image starts with the image's configuration, which dockopt does not see:
  its working directory is what ``images.initial_workdir`` knows (``/`` for most images),
  the variables it sets are unknown, its user is the image's (``None`` here).
- A stage FROM an earlier stage starts where that stage ended: WORKDIR, ENV and USER carry
  over, ARG values do not.
- ``ARG NAME=default`` makes NAME visible from there on with its default (expanded);
  ``ARG NAME`` takes the default of the global ARG of that name, and is unknown without one.
  A value given with ``--build-arg`` is not seen: defaults are what dockopt works with, as
  for the image a FROM names (``images.resolved_reference``).
- ENV wins over an ARG of the same name; every pair of one ENV is expanded with the
  variables as they were before that ENV.
- Words are expanded as BuildKit's ``ProcessWord`` does (``_buildkit_lex.process_word``):
  quotes and escapes removed, ``$NAME``, ``${NAME}``, ``${NAME:-word}``, ``${NAME:+word}``
  substituted.
- WORKDIR expands its argument and joins a relative path to the current directory; an
  unknown WORKDIR makes the directory unknown until an absolute, known one.
- USER is kept as written: a USER that expands a variable is one a build may set, and
  dockopt leaves it to the build.
- ONBUILD instructions do not run in this build: they change nothing here.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from .images import (
    Base,
    base_from_reference,
    image_env,
    image_workdir,
    is_root,
    resolved_reference,
    unresolved_variables,
)
from .packages import invocations
from .shell import DEFAULT_SHELL, effective_shell, is_posix_shell, shell_at
from .syntax import Dockerfile, Instruction, Stage
from .variables import expand as expand_word
from .variables import global_args

_NO_VARIABLES: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class State:
    """What an instruction sees before it runs."""

    workdir: str | None  # absolute and normalised; None when unknown
    variables: Mapping[str, str]  # the variables whose values are known (ENV over ARG)
    user: str | None  # the USER in force, as written (an expansion stays: a build may set it); None: the image's
    unknown: frozenset[str] = frozenset()  # variables set in the Dockerfile to a value not known

    def expand(self, text: str, escape: str = "\\") -> str | None:
        """``text`` as BuildKit expands a word here; None when it depends on an unknown value."""
        return expand_word(text, self.variables, escape)


def join(directory: str | None, path: str | None) -> str | None:
    """``path`` (already expanded, quotes removed: a `$` in it is a character) made absolute
    against ``directory``, and normalised; None when either is unknown, or the path starts
    with a `~` (a home directory) or is a Windows path."""
    if path is None or not path or path.startswith("~") or _windows(path):
        return None
    if not path.startswith("/"):
        if directory is None:
            return None
        path = posixpath.join(directory, path)
    normal = posixpath.normpath(path)
    return "/" + normal.lstrip("/") if normal.startswith("//") else normal


def _windows(path: str) -> bool:
    """A Windows path (`C:\\app`, `c:/app`), which dockopt does not resolve."""
    return "\\" in path or (len(path) >= 2 and path[1] == ":" and path[0].isalpha())


# --------------------------------------------------------------------------- per instruction


def state_at(df: Dockerfile, instruction: Instruction) -> State:
    """The state ``instruction`` sees (for one outside every stage: the global ARGs only)."""
    states, _ = _model(df)
    found = states.get(id(instruction))
    return found if found is not None else State("/", global_args(df), None)


def end_state(df: Dockerfile, stage: Stage) -> State:
    """The state at the end of ``stage``: what its container starts with."""
    _, ends = _model(df)
    return ends[stage.index]


def workdir_at(df: Dockerfile, stage: Stage, until: Instruction | None) -> str | None:
    """The working directory at ``until`` (the end of the stage when None); None when unknown."""
    return (state_at(df, until) if until is not None else end_state(df, stage)).workdir


def user_at(df: Dockerfile, stage: Stage, until: Instruction | None = None) -> str | None:
    """The USER in force at ``until`` (the end of the stage when None), through the chain, as
    written; None when no USER is set (the image's user)."""
    return (state_at(df, until) if until is not None else end_state(df, stage)).user


def runs_as_root(df: Dockerfile, stage: Stage, until: Instruction | None = None) -> bool | None:
    """Whether the stage runs as root at ``until`` (its end by default); None when unknown."""
    user = user_at(df, stage, until)
    if user is not None:
        return is_root(user)
    base = base_of(df, stage)
    if base.configured_user is not None:
        return False
    if base.image is None and base.family != "scratch":
        return None
    return True


def expand(df: Dockerfile, instruction: Instruction, text: str) -> str | None:
    """A word of ``instruction`` (a `--chown` value, say) expanded as BuildKit does; None when unknown."""
    return state_at(df, instruction).expand(text, df.escape)


def resolve(df: Dockerfile, instruction: Instruction, path: str) -> str | None:
    """A path written in ``instruction`` (a COPY or ADD destination, a VOLUME, a WORKDIR) as
    the absolute path BuildKit uses; None when it cannot be known."""
    state = state_at(df, instruction)
    return join(state.workdir, state.expand(path.strip(), df.escape))


def shell_path(df: Dockerfile, instruction: Instruction, path: str | None) -> str | None:
    """A path a command of ``instruction`` names (a shell word's value, a CMD's program) made
    absolute against the WORKDIR there; None when unknown."""
    return join(state_at(df, instruction).workdir, path)


def destination(df: Dockerfile, instruction: Instruction) -> str | None:
    """Where a COPY or ADD puts its files: its destination resolved; None when unknown."""
    words = instruction.arguments
    return resolve(df, instruction, words[-1]) if len(words) >= 2 else None


def volumes(df: Dockerfile, instruction: Instruction) -> list[str | None]:
    """The paths of a VOLUME, expanded and normalised; None for one that is unknown or not
    absolute (BuildKit keeps a relative one as written, and the runtime decides)."""
    state = state_at(df, instruction)
    found: list[str | None] = []
    for word in instruction.arguments:
        path = state.expand(word, df.escape)
        found.append(join("/", path) if path is not None and path.startswith("/") else None)
    return found


# --------------------------------------------------------------------------- the walk


def _model(df: Dockerfile) -> tuple[dict[int, State], list[State]]:
    return df.memo(_walk)


def _walk(df: Dockerfile) -> tuple[dict[int, State], list[State]]:
    globals_ = global_args(df)
    states: dict[int, State] = {}
    ends: list[State] = []
    carried: list[tuple[dict[str, str], set[str]]] = []  # each stage's ENV at its end: ARGs do not carry over
    for stage in df.stages:
        if stage.parent is not None:
            parent = ends[stage.parent]
            env, unknown = dict(carried[stage.parent][0]), set(carried[stage.parent][1])
            workdir, user = parent.workdir, parent.user
        else:
            image = base_of(df, stage).image
            env, unknown, workdir, user = dict(image_env(image)), set(), image_workdir(image), None
        args: dict[str, str] = {}
        arg_unknown: set[str] = set()
        state = _state(workdir, env, args, user, unknown, arg_unknown)
        states[id(stage.from_instruction)] = state
        for instruction in stage.instructions:
            states[id(instruction)] = state
            command = instruction.command
            if command == "ENV":
                for pair in instruction.pairs:
                    _assign(env, unknown, pair.name, state.expand(pair.value or "", df.escape))
            elif command == "ARG":
                for pair in instruction.pairs:
                    value = globals_.get(pair.name) if pair.value is None else state.expand(pair.value, df.escape)
                    _assign(args, arg_unknown, pair.name, value)
            elif command == "WORKDIR":
                workdir = (
                    join(workdir, state.expand(instruction.args.strip(), df.escape)) if instruction.args else workdir
                )
            elif command == "USER" and instruction.args:
                user = instruction.args.strip()
            else:
                continue
            state = _state(workdir, env, args, user, unknown, arg_unknown)
        ends.append(state)
        carried.append((env, unknown))
    return states, ends


def _assign(known: dict[str, str], unknown: set[str], name: str, value: str | None) -> None:
    """Set a variable: to its value, or to "unknown" (None)."""
    if value is None:
        known.pop(name, None)
        unknown.add(name)
    else:
        known[name] = value
        unknown.discard(name)


def _state(
    workdir: str | None,
    env: dict[str, str],
    args: dict[str, str],
    user: str | None,
    unknown: set[str],
    arg_unknown: set[str],
) -> State:
    """ENV wins over ARG; a name set to an unknown value hides what an ARG of that name knows."""
    variables = {name: value for name, value in args.items() if name not in unknown and name not in env}
    variables.update(env)
    return State(workdir, MappingProxyType(variables), user, frozenset(unknown | (arg_unknown - env.keys())))


# --------------------------------------------------------------------------- the stages and their base


def root_stage(df: Dockerfile, stage: Stage) -> Stage:
    """The stage of the chain ``FROM <stage>`` that names an image."""
    return df.stages[stage.derives_from[-1]] if stage.derives_from else stage


def chain(df: Dockerfile, stage: Stage) -> list[Stage]:
    """The stages a stage is built on, the image's stage first, the stage itself last."""
    return [df.stages[i] for i in reversed(stage.derives_from)] + [stage]


def image_reference(df: Dockerfile, instruction: Instruction) -> str:
    """The image reference the build of ``instruction`` starts from: the FROM of the root of
    its stage's chain (``root_stage``), global ARG defaults substituted ("" outside a stage)."""
    stage = df.stage_of(instruction)
    return base_of(df, stage).reference if stage is not None else ""


def base_of(df: Dockerfile, stage: Stage) -> Base:
    """What the stage's chain starts from (``images.base_from_reference``), the family read
    from the package managers its stages run when the reference does not tell."""
    return df.memo(_base_of, stage.index)


def _base_of(df: Dockerfile, index: int) -> Base:
    stage = df.stages[index]
    base = base_from_reference(resolved_reference(df, root_stage(df, stage)))
    if base.family == "unknown":
        base = replace(base, family=_family_from_commands(df, chain(df, stage)))
    return base


_MANAGER_FAMILIES = {
    "apt-get": "debian",
    "apt": "debian",
    "aptitude": "debian",
    "apk": "alpine",
    "yum": "rhel",
    "dnf": "rhel",
    "microdnf": "minimal",
    "zypper": "suse",
}


def _family_from_commands(df: Dockerfile, stages: list[Stage]) -> str:
    for stage in stages:
        for instruction in stage.instructions:
            if (instruction.sub or instruction).command != "RUN" or instruction.sub is not None:
                continue
            if not any(m in instruction.logical for m in _MANAGER_FAMILIES):
                continue
            for invocation in invocations(df, instruction):
                family = _MANAGER_FAMILIES.get(invocation.manager)
                if family is not None:
                    return family
            if re.search(r"(^|[\s;&|])(useradd|groupadd)\s", instruction.logical):
                return "unknown"
    return "unknown"


def new_run_blocker(df: Dockerfile, stage: Stage, until: Instruction | None = None) -> str | None:
    """Why no new RUN instruction may be added to ``stage`` right before ``until`` (at its end
    when None); None when the shell that RUN would run with is known to be there.

    It is known when a RUN in shell form before that point, in the stage or the stages it is
    built on, runs with the same shell (the build gets there only if that shell exists; not
    a RUN that bind-mounts something, which may be the shell: ``--mount=from=busybox,
    src=/bin,dst=/bin``), or
    when no SHELL changed the default ``/bin/sh -c`` and the base image has ``/bin/sh``
    (``Base.has_shell``). The RUNs transforms add are POSIX shell: never under another shell
    (Windows' cmd, PowerShell). Every transform that adds a RUN instruction asks this first.
    """
    shell = shell_at(df, stage, until)
    if not is_posix_shell(shell):
        return f"RUN runs {shell[0]} there, not a POSIX shell"
    for instruction in (i for member in chain(df, stage) for i in member.instructions):
        if instruction is until:
            break
        if instruction.command == "RUN" and instruction.sub is None and instruction.is_shell_form:
            if effective_shell(df, instruction) == shell and all(m.get("type") != "bind" for m in instruction.mounts()):
                return None
    base = base_of(df, stage)
    if shell != DEFAULT_SHELL:
        return f"no RUN of the stage shows that its SHELL {shell[0]} is there"
    if base.has_shell:
        return None
    if base.has_shell is False:
        return f"the base image {base.reference} has no shell ({base.variant})"
    missing = unresolved_variables(base.reference)
    if missing:
        names = ", ".join(f"${name}" for name in missing)
        why = f"{names} {'has' if len(missing) == 1 else 'have'} no default value"
    elif base.variant is not None:
        why = f"a {base.variant} image"
    else:
        why = "dockopt does not know the image and no RUN of the stage shows a shell"
    return f"the base image {base.reference} may have no shell (cannot tell: {why})"
