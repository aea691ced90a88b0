"""one-process (DO312): the final image runs one application, not a group of processes."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from ..context import Context
from ..fix import Applicability, Finding
from ..model import chain
from ..packages import unwrapped
from ..shell import POSIX_SHELLS, Command, Script, effective_shell, script_from_text
from ..syntax import Dockerfile, Instruction
from ..transform import INFO, transform

SUPERVISORS = frozenset(
    {"supervisord", "runsvdir", "runsvdir-start", "runit", "s6-svscan", "my_init", "systemd", "circusd"}
)
INIT_PATHS = frozenset({"/init", "/sbin/init", "/usr/sbin/init", "/bin/init"})
# programs that run the command after their own arguments, as one process: (options taking a value, operands)
_WRAPPERS = {
    "tini": ({"-p", "-e"}, 0),
    "tini-static": ({"-p", "-e"}, 0),
    "dumb-init": ({"-r", "--rewrite"}, 0),
    "env": ({"-u", "--unset", "-C", "--chdir"}, 0),
    "exec": ({"-a"}, 0),
    "nohup": (set(), 0),
    "nice": ({"-n", "--adjustment"}, 0),
    "gosu": (set(), 1),
    "su-exec": (set(), 1),
    "s6-setuidgid": (set(), 1),
    "setuidgid": (set(), 1),
}
# commands that start a daemon in the background: `service X start`, `/etc/init.d/X start`
_SERVICE_ACTIONS = frozenset({"start", "restart"})


@dataclass(frozen=True)
class _Arg:
    value: str
    origin: Instruction  # the CMD or ENTRYPOINT that wrote it


@transform(code="DO312", name="one-process", applicability=Applicability.DISPLAY_ONLY, severity=INFO)
def one_process(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """The final image runs one application, not a group of processes.

    ## What it does
    Reports the CMD or ENTRYPOINT that the final stage starts with (its own, or the one it
    inherits from the stage it is built FROM) when it starts several long-running
    processes: a process supervisor (`supervisord`, `runsvdir`, `s6-svscan`, s6-overlay's
    `/init`, `systemd`, `/sbin/init`, `my_init`, `circusd`), a shell command with a
    background job (`nginx & php-fpm -F`), or a service started in the background before
    the main command (`service cron start && apache2-foreground`). It looks through `sh -c`,
    `exec`, `tini`, `dumb-init`, `gosu`, `su-exec` and `env`.

    ## Why
    A container is meant to run one application: the engine watches that process,
    restarts the container when it dies, sends it the stop signal, and collects its
    output as the container's log. Processes started beside it are invisible to all of
    this: when a background job dies nothing notices, it gets no SIGTERM on
    `docker stop` (and is killed ten seconds later), its logs go nowhere, and it cannot be
    scaled or updated on its own. One container per process, started together by Compose
    or a Kubernetes pod, gets all of this for each.

    ## Example
    ```Dockerfile
    CMD service cron start && nginx -g "daemon off;"
    ```
    is reported: run cron in a container of its own, and here only
    ```Dockerfile
    CMD ["nginx", "-g", "daemon off;"]
    ```

    ## Fix safety
    Display-only: splitting an image into several containers changes how it is deployed.
    Only the final stage is read (earlier stages are not run as containers), and only what
    the Dockerfile says: a script it starts (`CMD ["/start.sh"]`) is not read.
    """
    if not df.stages:
        return
    entrypoint, cmd = _start(df)
    reported: set[int] = set()
    for argv in _argvs(df, entrypoint, cmd):
        found = _check_argv(argv)
        if found is None:
            continue
        origin, problem = found
        if id(origin) in reported:
            continue
        reported.add(id(origin))
        message = (
            f"{origin.command} {problem}: run one application per container "
            "(one container per process, started together by Compose or a pod)"
        )
        yield Finding(message, origin.span.start, origin.code_end)


def _start(df: Dockerfile) -> tuple[Instruction | None, Instruction | None]:
    """The ENTRYPOINT and CMD the final image starts with, as BuildKit sets them: an
    ENTRYPOINT drops the CMD its stage did not set itself."""
    entrypoint = cmd = None
    for stage in chain(df, df.stages[-1]):
        cmd_set = False
        for instruction in stage.instructions:
            if instruction.command == "CMD":
                cmd, cmd_set = instruction, True
            elif instruction.command == "ENTRYPOINT":
                entrypoint = instruction
                if not cmd_set:
                    cmd = None
    return entrypoint, cmd


def _argvs(df: Dockerfile, entrypoint: Instruction | None, cmd: Instruction | None) -> Iterator[list[_Arg]]:
    """What the container runs (ENTRYPOINT then CMD), and the CMD alone: an entrypoint script
    that dockopt cannot read usually ends with `exec "$@"`, running the CMD."""
    if entrypoint is not None:
        first = _argv(df, entrypoint)
        if not entrypoint.json:
            yield first
            return
        yield first + (_argv(df, cmd) if cmd is not None else [])
    if cmd is not None:
        yield _argv(df, cmd)


def _argv(df: Dockerfile, instruction: Instruction) -> list[_Arg]:
    if instruction.json:
        return [_Arg(v, instruction) for v in instruction.json_args or ()]
    return [_Arg(v, instruction) for v in (*effective_shell(df, instruction), instruction.args)]


def _check_argv(argv: list[_Arg]) -> tuple[Instruction, str] | None:
    index = _skip_wrappers([a.value for a in argv], 0)
    if index >= len(argv):
        return None
    program = argv[index]
    name = posixpath.basename(program.value)
    if _is_supervisor(program.value):
        return program.origin, f"runs the process supervisor {_supervisor_name(program.value)}"
    if name not in POSIX_SHELLS:
        return None
    for position in range(index + 1, len(argv)):
        value = argv[position].value
        if not value.startswith("-") or value == "-":
            return None  # a script file
        if "c" in value[1:] and not value.startswith("--") and position + 1 < len(argv):
            script = argv[position + 1]
            problem = _check_script(script_from_text(script.value))
            return (script.origin, problem) if problem is not None else None
    return None


def _skip_wrappers(values: list[str], index: int) -> int:
    while index < len(values):
        wrapper = _WRAPPERS.get(posixpath.basename(values[index]))
        if wrapper is None:
            return index
        takes_value, operands = wrapper
        index += 1
        while index < len(values) and values[index].startswith("-"):
            if values[index] == "--":
                index += 1
                break
            index += 2 if values[index] in takes_value else 1
        while index < len(values) and "=" in values[index] and not values[index].startswith("/"):
            index += 1  # env's VAR=value
        index += operands
    return index


def _is_supervisor(path: str) -> bool:
    return path in INIT_PATHS or posixpath.basename(path) in SUPERVISORS or path.endswith("/systemd/systemd")


def _supervisor_name(path: str) -> str:
    return path if path in INIT_PATHS else posixpath.basename(path)


def _check_script(script: Script) -> str | None:
    """What makes a `sh -c` script start several processes, or None."""
    if script.has_error:
        return None
    commands = [c for c in script.commands if c.name is not None]
    for command in commands:
        words = _program_words(command)
        if words and _is_supervisor(words[0]):
            return f"runs the process supervisor {_supervisor_name(words[0])}"
    background = [c for c in commands if _backgrounded(script, c)]
    top = [c for c in commands if not c.context] or commands
    last = top[-1] if top else None
    # `app & wait` runs one application: the shell only waits for it (to trap signals)
    alone = last is None or last.program == "wait" or any(last is job for job in background)
    if len(background) > 1 or (background and not alone):
        names = [_shown(c) for c in background]
        jobs = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        beside = "" if alone or last is None else f" beside {_shown(last)}"
        return f"starts {jobs} in the background (&){beside}"
    for position, command in enumerate(commands):
        service = _service_started(command)
        if service is not None and position + 1 < len(commands):
            return f"starts the service {service} in the background and then runs {_shown(commands[-1])}"
    return None


def _program_words(command: Command) -> list[str]:
    words = unwrapped(command)
    if words is None or any(w.value is None for w in words[:1]):
        return []
    values = [w.value or "" for w in words]
    return values[_skip_wrappers(values, 0) :]


def _shown(command: Command) -> str:
    words = _program_words(command)
    return posixpath.basename(words[0]) if words else (command.program or "a command")


def _backgrounded(script: Script, command: Command) -> bool:
    """Whether ``command`` runs as a background job (`command &`)."""
    following = [c for c in script.commands if c.start >= command.end and c.context == command.context]
    if following:
        return following[0].joiner == "&"
    rest = script.text[command.end :].strip()
    return rest.startswith("&") and not rest.startswith("&&")


def _service_started(command: Command) -> str | None:
    """The service that `service X start`, `/etc/init.d/X start`, `rc-service X start`
    or `systemctl start X` starts, or None."""
    words = _program_words(command)
    if len(words) < 3 and not (len(words) == 2 and words[0].startswith("/etc/init.d/")):
        return None
    program = posixpath.basename(words[0])
    if program in ("service", "rc-service") and words[2] in _SERVICE_ACTIONS:
        return words[1]
    if program == "systemctl" and words[1] in _SERVICE_ACTIONS:
        return words[2]
    if words[0].startswith("/etc/init.d/") and words[1] in _SERVICE_ACTIONS:
        return program
    return None
