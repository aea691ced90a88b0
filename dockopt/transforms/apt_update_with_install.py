"""apt-update-with-install (DO201): update apt's lists in the same RUN that installs."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context
from ..fix import Applicability, Edit, Finding, Fix
from ..packages import APT_MANAGERS, apt_events, apt_lists, invocations
from ..runs import editable_script, prepend_command
from ..shell import script_of
from ..syntax import Dockerfile, Instruction
from ..transform import WARNING, transform

# instructions an `apt-get update` may be moved across: they cannot change what it does
NEUTRAL = frozenset(
    {
        "COPY",
        "ADD",
        "WORKDIR",
        "LABEL",
        "EXPOSE",
        "VOLUME",
        "STOPSIGNAL",
        "HEALTHCHECK",
        "CMD",
        "ENTRYPOINT",
        "MAINTAINER",
        "ONBUILD",
    }
)


@transform(code="DO201", name="apt-update-with-install", applicability=Applicability.SAFE, severity=WARNING)
def apt_update_with_install(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """Update apt's package lists in the same RUN that installs from them.

    ## What it does
    A RUN that only runs `apt-get update`, followed by the RUN that installs, is folded into
    it: the update RUN goes and the install RUN starts with `apt-get update &&`. A RUN that
    installs from lists an earlier RUN downloaded gets the same update (with the same
    options as the earlier one) in front of it.

    ## Why
    Docker caches each RUN. A lone `RUN apt-get update` layer is reused for months while
    the RUN that installs changes, and then installs from a stale index: old versions, or
    404 errors when the mirror dropped them. Docker's best practices: always combine
    `apt-get update` with `apt-get install` in the same RUN. It also lets the lists be
    deleted in the layer that made them (apt-lists-cleanup).

    ## Example
    ```Dockerfile
    RUN apt-get update
    RUN apt-get install -y curl
    ```
    becomes
    ```Dockerfile
    RUN apt-get update && apt-get install -y curl
    ```

    ## Fix safety
    Safe: the same commands run, the update now right before the install. The update is not
    moved across an instruction that could change what it does (`USER`, `SHELL`, `ARG`,
    `ENV`, a RUN), nor between RUNs with different flags. Commands behind an expansion or in a
    RUN that cannot be parsed are left alone.

    hadolint: DL3009 reports every RUN that runs `apt-get update` and leaves the lists. Where
    apt-lists-cleanup keeps them (a later RUN reads them, or the stage is a build stage whose
    files are only copied out), the RUN that gets the update gets the finding the RUN that
    downloaded the lists already had. It shows at most one ShellCheck finding per RUN, the
    last one, and ShellCheck weighs a command by what surrounds it: the update put in front
    of a RUN can change which finding is shown (another rule than before, same script).
    """
    lists = apt_lists(df)
    folded: set[int] = set()
    for stage in df.stages:
        body = stage.instructions
        for index, instruction in enumerate(body):
            if instruction.command != "RUN" or id(instruction) in folded:
                continue
            update = _update_only(df, instruction)
            if update is not None:
                target = _next_reader(df, body[index + 1 :], instruction)
                if target is None:
                    continue
                edits = prepend_command(df, target, update)
                if edits is None:
                    continue
                folded.add(id(target))
                span = instruction.keyword_span
                yield Finding(
                    "apt-get update alone in a RUN: its layer is cached apart from the install",
                    span.start,
                    span.end,
                    Fix((Edit.delete(instruction.span.start, instruction.span.end), *edits), Applicability.SAFE),
                )
                continue
            source = lists.present_before(instruction)
            if source is None or not _needs_update(df, instruction) or instruction.flag("network"):
                continue
            command = _update_command(df, source)
            edits = prepend_command(df, instruction, command) if command else None
            if edits is None:
                continue
            span = instruction.keyword_span
            yield Finding(
                f"installs from apt lists downloaded by the RUN at line {source.start_line}",
                span.start,
                span.end,
                Fix(tuple(edits), Applicability.SAFE),
            )


def _update_only(df: Dockerfile, run: Instruction) -> str | None:
    """The text of the command when a RUN runs nothing but `apt-get update`."""
    script = editable_script(df, run)
    if script is None or run.flags or len(script.commands) != 1 or script.separators or script.comments:
        return None
    found = invocations(df, run)
    if len(found) != 1 or found[0].manager not in APT_MANAGERS or found[0].subcommand != "update":
        return None
    command = found[0].command
    return script.text[command.start : command.end]


def _next_reader(df: Dockerfile, after: tuple[Instruction, ...], update: Instruction) -> Instruction | None:
    """The RUN the update should move into: the next RUN, when it reads the lists first."""
    for instruction in after:
        if instruction.command == "RUN":
            if instruction.flag("network") or instruction.flag("security"):
                return None
            return instruction if _needs_update(df, instruction) else None
        if instruction.command not in NEUTRAL:
            return None
    return None


def _needs_update(df: Dockerfile, run: Instruction) -> bool:
    """Whether the RUN reads apt's lists before updating them itself."""
    if run.caches("/var/lib/apt/lists"):
        return False
    events = apt_events(df, run)
    return bool(events and events[0] == "read")


def _update_command(df: Dockerfile, source: Instruction) -> str | None:
    """The `apt-get update` of the RUN that made the lists, as written there (its options
    may matter: `-o Acquire::Check-Valid-Until=false` for archived releases, say)."""
    script = script_of(df, source)
    for invocation in invocations(df, source):
        if invocation.manager in APT_MANAGERS and invocation.subcommand == "update":
            command = invocation.command
            if script is None or any(w.value is None for w in (command.name, *command.args) if w is not None):
                return None
            return script.text[command.start : command.end]
    return None
