"""no-sudo (DO306): RUN does not use sudo."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context
from ..fix import Applicability, Edit, Finding, Fix
from ..model import runs_as_root
from ..packages import scripts_mentioning
from ..shell import Command
from ..syntax import Dockerfile
from ..transform import WARNING, transform

# sudo options that change nothing when root runs a command as root
_HARMLESS = frozenset({"-E", "--preserve-env", "-H", "--set-home", "-n", "--non-interactive", "-S", "--stdin"})


@transform(code="DO306", name="no-sudo", hadolint=("DL3004",), applicability=Applicability.SAFE, severity=WARNING)
def no_sudo(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """RUN does not use sudo.

    ## What it does
    Removes `sudo` (and the options of it that change nothing for root: `-E`, `-H`,
    `-n`, `-S`, `-u root`) in front of a command of a RUN that already runs as root.
    Where the RUN runs as another user, it only reports: the fix there is a `USER root`
    around the RUN, which changes more than the RUN.

    ## Why
    The build runs RUN as the `USER` in force, root by default; `sudo` adds nothing but a
    package, a configuration that lets users become root, and an environment reset that
    hides the stage's `ENV` from the command (hadolint DL3004).

    ## Example
    ```Dockerfile
    FROM ubuntu:24.04
    RUN sudo apt-get update && sudo apt-get install -y --no-install-recommends make
    ```
    becomes
    ```Dockerfile
    FROM ubuntu:24.04
    RUN apt-get update && apt-get install -y --no-install-recommends make
    ```

    ## Fix safety
    Safe: as root, `sudo cmd` runs `cmd` as root. The one difference is the environment:
    sudo resets it (its `secure_path`, no `ENV` of the stage unless `-E`), so the command
    now sees the stage's ENV, as every other command of the RUN does. It does nothing to
    `sudo -u someone`, other options, an ONBUILD RUN (the user is the child image's), a
    RUN whose user is unknown (`USER $NAME`), or a RUN that runs as another user.

    hadolint: its rules look at the command a RUN names, and `sudo apt-get install x` names
    `sudo`. Without sudo, what the command always did is checked: unpinned packages (DL3008,
    DL3013, DL3016, DL3018, DL3028, DL3033), recommends installed (DL3015), `wget` without
    `--progress` (DL3047), and the like.
    """
    for stage in df.stages:
        own_runs = [i for i in stage.instructions if i.command == "RUN"]
        for run, script in scripts_mentioning(df, "sudo", own_runs):
            as_root = runs_as_root(df, stage, run)
            for command in script.commands:
                if command.program != "sudo" or command.name is None:
                    continue
                span = command.span
                end = _command_start(command) if as_root is True else None
                if end is None:
                    yield Finding("sudo in RUN: run the RUN as root (USER root) instead", span.start, span.end)
                    continue
                yield Finding(
                    "sudo in RUN: the RUN already runs as root",
                    span.start,
                    span.end,
                    Fix((Edit.delete(command.name.span.start, end),), Applicability.SAFE),
                )


def _command_start(command: Command) -> int | None:
    """Where the command sudo runs starts, when sudo's options are harmless for root."""
    args = list(command.args)
    index = 0
    while index < len(args):
        value = args[index].value
        if value is None:
            return None
        if value in ("-u", "--user"):
            if index + 1 >= len(args) or args[index + 1].value not in ("root", "0", "#0"):
                return None
            index += 2
            continue
        if value in ("--user=root", "-uroot"):
            index += 1
            continue
        if value == "--":
            index += 1
            break
        if value.startswith("-"):
            if value not in _HARMLESS:
                return None
            index += 1
            continue
        break
    if index >= len(args):
        return None
    return args[index].span.start
