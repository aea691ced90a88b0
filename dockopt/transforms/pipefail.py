"""pipefail (DO304): a failing command on the left of a pipe fails the build."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context
from ..fix import Applicability, Edit, Finding, Fix
from ..model import base_of
from ..shell import DEFAULT_SHELL, effective_shell, script_of
from ..syntax import Dockerfile, Instruction
from ..transform import WARNING, transform

BASH = '["/bin/bash", "-o", "pipefail", "-c"]'
ASH = '["/bin/ash", "-o", "pipefail", "-c"]'
# families whose images have bash, and those whose /bin/sh is BusyBox's ash
_BASH_FAMILIES = frozenset({"debian", "rhel", "suse", "arch", "minimal"})
_ASH_FAMILIES = frozenset({"alpine", "busybox"})


@transform(code="DO304", name="pipefail", hadolint=("DL4006",), applicability=Applicability.UNSAFE, severity=WARNING)
def pipefail(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """A failing command on the left of a pipe fails the build.

    ## What it does
    Before the first RUN of a stage that has a pipe (`curl ... | tar x`), and runs with
    the default shell, it adds a `SHELL` with the `pipefail` option, which the rest of the
    stage (and the stages built FROM it) then use:

    - `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` on bases that have bash (Debian,
      Ubuntu and the official images built on them, RHEL, Fedora, SUSE, Arch);
    - `SHELL ["/bin/ash", "-o", "pipefail", "-c"]` on Alpine and BusyBox, whose
      `/bin/sh` is BusyBox's ash, which has had `pipefail` since BusyBox 1.16 (checked
      with BusyBox 1.35's ash: `set -o pipefail; false | true` exits 1).

    ## Why
    A pipeline's status is its last command's: `RUN wget -O- $URL | tar xz` succeeds
    when the download fails and tar just sees an empty input, and the build goes on with
    a broken image. With `pipefail` the build stops where it broke.

    ## Example
    ```Dockerfile
    FROM debian:bookworm-slim
    RUN curl -fsSL https://example.com/tool.tgz | tar -xz -C /usr/local/bin
    ```
    becomes
    ```Dockerfile
    FROM debian:bookworm-slim
    SHELL ["/bin/bash", "-o", "pipefail", "-c"]
    RUN curl -fsSL https://example.com/tool.tgz | tar -xz -C /usr/local/bin
    ```

    ## Fix safety
    Unsafe: a build whose pipes fail on the left on purpose (`yes | apt-get ...`, `grep`
    finding nothing before a `| wc -l`) stops failing silently and fails; and on Debian
    the later RUNs of the stage run with bash instead of dash (`echo 'a\\nb'` prints
    differently). It does nothing when the stage's RUN already runs with another shell
    (a `SHELL` of its own, or Windows), when the RUN sets `pipefail` itself, and, with a
    finding that says so, when the base image is unknown (it may have neither bash nor a
    shell that knows `pipefail`).

    hadolint: it checks RUN scripts with ShellCheck in the dialect of the stage's `SHELL`.
    After `SHELL ["/bin/bash", ...]` the RUNs are checked as bash, after `/bin/ash` as dash,
    no longer as POSIX sh, and some findings change with the dialect: SC2155 (`export
    V=$(cmd)` hides the command's failure) and SC2016 come up under bash, SC3036 (echo
    flags, in dash) takes the place of SC3037 (in POSIX sh). They describe the shell the
    RUNs now run with.
    """
    done: set[int] = set()
    for stage in df.stages:
        for instruction in stage.instructions:
            if instruction.command != "RUN" or instruction.json or instruction.heredocs:
                continue
            if not _has_pipe(df, instruction) or _sets_pipefail(df, instruction):
                continue
            if effective_shell(df, instruction) != DEFAULT_SHELL:
                break  # a SHELL of the stage or inherited: the user chose it
            if stage.index in done:
                break
            done.add(stage.index)
            span = instruction.span
            early = _early_exit(df, stage, instruction)
            if early is not None:
                yield Finding(
                    f"RUN has a pipe but no pipefail: not changed: `{early}` would fail under pipefail "
                    "(the command before it is killed by SIGPIPE when the reader stops early)",
                    span.start,
                    span.end,
                )
                break
            family = base_of(df, stage).family
            shell = BASH if family in _BASH_FAMILIES else ASH if family in _ASH_FAMILIES else None
            if shell is None:
                yield Finding(
                    "RUN has a pipe but no pipefail: not changed: the base image is unknown, "
                    'add SHELL ["/bin/bash", "-o", "pipefail", "-c"] if it has bash',
                    span.start,
                    span.end,
                )
                break
            keyword = instruction.cased("SHELL")
            start = df.line_start(span.start)
            indent = df.text[start : span.start]
            text = f"{indent}{keyword} {shell}{df.newline_at(span.start)}"
            yield Finding(
                "RUN has a pipe: without pipefail a failure on the left of it does not fail the build",
                span.start,
                span.end,
                Fix((Edit.insert(start, text),), Applicability.UNSAFE),
            )
            break


# readers that may stop before their input ends, and writers that never end on their own
_EARLY_READERS = frozenset({"head"})
_QUIET_GREP = ("-q", "--quiet", "--silent", "-m", "--max-count")
_ENDLESS_WRITERS = frozenset({"yes"})


def _early_exit(df: Dockerfile, stage, first: Instruction) -> str | None:
    """A pipe from ``first`` on (in the stage and the stages built FROM it) that pipefail breaks."""
    later = list(stage.instructions[stage.instructions.index(first) :])
    for child in df.descendants(stage):
        later += child.instructions
    for run in later:
        if run.command != "RUN" or run.json or "|" not in run.logical + "".join(d.body for d in run.heredocs):
            continue
        script = script_of(df, run)
        if script is None:
            continue
        commands = script.commands
        for index, command in enumerate(commands):
            if command.joiner != "|" or index == 0:
                continue
            before = commands[index - 1]
            program = command.program or ""
            if program in _EARLY_READERS:
                return f"{before.program} | {program}"
            if program in ("grep", "egrep", "fgrep") and any(
                (w.value or "").startswith(_QUIET_GREP) or _short_flag(w.value, "qm") for w in command.args
            ):
                return f"{before.program} | {program}"
            if before.program in _ENDLESS_WRITERS:
                return f"{before.program} | {program}"
    return None


def _short_flag(value: str | None, letters: str) -> bool:
    return (
        value is not None
        and value.startswith("-")
        and not value.startswith("--")
        and any(c in value[1:] for c in letters)
    )


def _has_pipe(df: Dockerfile, run: Instruction) -> bool:
    if "|" not in run.logical:
        return False
    script = script_of(df, run)
    if script is None or script.has_error:
        return False
    return any("pipeline" in c.context and "command_substitution" not in c.context for c in script.commands)


def _sets_pipefail(df: Dockerfile, run: Instruction) -> bool:
    script = script_of(df, run)
    if script is None:
        return False
    for command in script.commands:
        if command.program == "set":
            values = [w.value or "" for w in command.args]
            if "pipefail" in values:
                return True
    return False
