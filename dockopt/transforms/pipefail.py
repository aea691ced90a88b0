"""pipefail (DO304): a failing command on the left of a pipe fails the build."""

from __future__ import annotations

from typing import Iterator

from ..fix import Applicability, Edit, Finding, Fix
from ..images import base_of
from ..registry import Context, transform
from ..shell import DEFAULT_SHELL, effective_shell, script_of
from ..syntax import Dockerfile, Instruction

BASH = '["/bin/bash", "-o", "pipefail", "-c"]'
ASH = '["/bin/ash", "-o", "pipefail", "-c"]'
# families whose images have bash, and those whose /bin/sh is BusyBox's ash
_BASH_FAMILIES = frozenset({"debian", "rhel", "suse", "arch", "minimal"})
_ASH_FAMILIES = frozenset({"alpine", "busybox"})


@transform(code="DO304", name="pipefail", hadolint=("DL4006",), applicability=Applicability.UNSAFE)
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
            keyword = "shell" if instruction.keyword.islower() else "SHELL"
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
