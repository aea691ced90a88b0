"""apk-no-cache (DO207): apk add keeps no index or packages in the image."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context
from ..fix import Applicability, Edit, Finding, Fix
from ..packages import Invocation, find, invocations, ran_before
from ..runs import remove_command
from ..shell import Command, effective_shell, is_posix_shell, script_of
from ..syntax import Dockerfile, Instruction
from ..transform import WARNING, transform

CACHE = "/var/cache/apk"
# `apk update` options that change nothing but its output
_QUIET_OPTIONS = frozenset({"-q", "--quiet", "-v", "--verbose", "--no-progress", "--progress"})
# apk commands that never write to the cache
_CACHE_NEUTRAL = frozenset({"del"})


@transform(code="DO207", name="apk-no-cache", hadolint=("DL3019",), applicability=Applicability.SAFE, severity=WARNING)
def apk_no_cache(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """apk add keeps no package index or packages in the image.

    ## What it does
    Adds `--no-cache` to `apk add` (after `add` and the options that follow it). In the
    same RUN it then removes what `--no-cache` makes redundant:

    - an `apk update` followed, among the RUN's apk commands, only by `apk add`s that have
      or get `--no-cache` (and `apk del`s, which do not read the index);
    - an `rm -rf /var/cache/apk/*` (that removes nothing else) when every apk command of
      the RUN uses `--no-cache` (or is `apk del`) and no earlier RUN of the stage, or of
      the stages it derives from, left anything in /var/cache/apk.

    ## Why
    Without `--no-cache`, apk stores the package index (a few megabytes) in
    /var/cache/apk, and `apk update` does the same on purpose. With `--no-cache` apk
    fetches a fresh index into memory: nothing to update first and nothing to delete
    afterwards.

    ## Example
    ```Dockerfile
    RUN apk update && apk add curl && rm -rf /var/cache/apk/*
    ```
    becomes
    ```Dockerfile
    RUN apk add --no-cache curl
    ```

    ## Fix safety
    Safe: `apk add --no-cache` installs the same packages from a freshly downloaded index,
    and a later `apk add` without `--no-cache` fetches the index itself when it is
    missing. It does nothing in a RUN where a cache or tmpfs mount covers
    /var/cache/apk (the cache is meant to be kept), to an `apk add --cache-dir ...`, or
    to commands whose subcommand is an expansion. An `apk update` stays when another apk
    command than `apk add` follows it in the RUN (`apk upgrade` reads the index it
    fetched), when it has options that change what it fetches (`-X`), or when it is not
    joined to its neighbours by `&&`; the `rm` stays when an earlier RUN may have left
    files in the cache that only it deletes.

    An `rm /var/cache/apk/*` without `-f` fails once the cache is empty (the glob matches
    nothing): when such an `rm` would stay in the RUN, or a later RUN of the stage (or of
    a stage built FROM it) has one, the RUN is left alone.

    hadolint: DL3059 (consecutive RUNs) only counts RUNs of one command each; once
    `apk update &&` is gone, `RUN apk add --no-cache x` is one command, and next to another
    one-command RUN that merge-runs leaves apart (in a build stage, say) it is reported.
    """
    by_run: dict[int, tuple[Instruction, list[Invocation]]] = {}
    for invocation in find(df, {"apk"}):
        by_run.setdefault(id(invocation.run), (invocation.run, []))[1].append(invocation)
    for run, found in by_run.values():
        if run.caches(CACHE):
            continue
        yield from _fix_run(df, run, found)


def _fix_run(df: Dockerfile, run: Instruction, found: list[Invocation]) -> Iterator[Finding]:
    dropped = [i for i in found if _redundant_update(found, i)]
    removals: dict[int, Edit | None] = {}
    if all(_no_cache_after_fix(df, run, i, dropped) for i in found) and not _cache_dirty_before(df, run):
        removals = {id(c): remove_command(df, run, c) for c in _cache_removals(df, run)}
    # `rm /var/cache/apk/*` without -f fails once nothing is left to match: it must go too
    script = script_of(df, run)
    fragile = [c for c in script.commands if _fragile_removal(c)] if script is not None else []
    if any(removals.get(id(c)) is None for c in fragile) or _fragile_removal_later(df, run):
        return
    for invocation in found:
        if _gets_no_cache(invocation):
            span = invocation.command.span
            yield Finding(
                "apk add without --no-cache leaves the package index in the image",
                span.start,
                span.end,
                Fix((Edit.insert(invocation.option_slot, " --no-cache"),), Applicability.SAFE),  # type: ignore[arg-type]
            )
    for invocation in dropped:
        edit = remove_command(df, run, invocation.command)
        if edit is not None:
            span = invocation.command.span
            yield Finding(
                "apk update is redundant with apk add --no-cache",
                span.start,
                span.end,
                Fix((edit,), Applicability.SAFE),
            )
    for command in _cache_removals(df, run):
        edit = removals.get(id(command))
        if edit is not None:
            yield Finding(
                "/var/cache/apk is empty when apk runs with --no-cache",
                command.span.start,
                command.span.end,
                Fix((edit,), Applicability.SAFE),
            )


def _gets_no_cache(invocation: Invocation) -> bool:
    return (
        invocation.subcommand == "add"
        and invocation.option_slot is not None
        and not invocation.has_option("--no-cache", "--cache-dir")
    )


def _has_or_gets_no_cache(invocation: Invocation) -> bool:
    return invocation.has_option("--no-cache") or _gets_no_cache(invocation)


def _redundant_update(found: list[Invocation], invocation: Invocation) -> bool:
    if invocation.subcommand != "update" or invocation.operands:
        return False
    if any(w.value not in _QUIET_OPTIONS for w in invocation.words if w is not invocation.subword):
        return False
    later = found[found.index(invocation) + 1 :]
    adds = [i for i in later if i.subcommand not in _CACHE_NEUTRAL]
    return bool(adds) and all(i.subcommand == "add" and _has_or_gets_no_cache(i) for i in adds)


def _no_cache_after_fix(df: Dockerfile, run: Instruction, invocation: Invocation, dropped: list[Invocation]) -> bool:
    """Whether an apk command of the RUN leaves nothing in the cache once the fixes are made."""
    if invocation in dropped:
        return remove_command(df, run, invocation.command) is not None
    return invocation.subcommand in _CACHE_NEUTRAL or _has_or_gets_no_cache(invocation)


def _cache_removals(df: Dockerfile, run: Instruction) -> list[Command]:
    """The `rm -r` commands of the RUN that delete /var/cache/apk or what is in it, and nothing else."""
    script = script_of(df, run)
    if script is None:
        return []
    return [c for c in script.commands if _removes_only_cache(c)]


def _removes_only_cache(command: Command) -> bool:
    if command.program != "rm" or not command.operands:
        return False
    for word in command.operands:
        value = word.value
        if value is None or not (value.rstrip("/") == CACHE or value.startswith(CACHE + "/")):
            return False
    return True


def _fragile_removal(command: Command) -> bool:
    """An `rm` without -f of something in /var/cache/apk: it fails when nothing is there."""
    if command.program != "rm":
        return False
    flags = [w.value or "" for w in command.flags]
    if any(f == "--force" or (not f.startswith("--") and "f" in f) for f in flags):
        return False
    return any((w.value or w.text).startswith(CACHE + "/") for w in command.operands)


def _fragile_removal_later(df: Dockerfile, run: Instruction) -> bool:
    """Whether a later RUN of the stage, or of a stage built FROM it, has an `rm` without -f in the cache."""
    stage = df.stage_of(run)
    if stage is None:
        return False
    later = list(stage.instructions[stage.instructions.index(run) + 1 :])
    for child in df.descendants(stage):
        later += child.instructions
    for instruction in later:
        if (instruction.sub or instruction).command != "RUN":
            continue
        text = instruction.logical + "".join(doc.body for doc in instruction.heredocs)
        if CACHE not in text:
            continue
        script = script_of(df, instruction)
        if script is None or script.has_error or any(_fragile_removal(c) for c in script.commands):
            return True
    return False


def _removes_cache(command: Command) -> bool:
    return command.program == "rm" and any(
        (w.value or "").rstrip("*").rstrip("/") in (CACHE, "/var/cache") for w in command.operands
    )


def _cache_dirty_before(df: Dockerfile, run: Instruction) -> bool:
    """Whether an earlier RUN (of this stage or those it derives from) may have left files in /var/cache/apk."""
    dirty = False
    for instruction in ran_before(df, run):
        if (instruction.sub or instruction).command != "RUN" or instruction.caches(CACHE):
            continue
        text = instruction.logical + "".join(doc.body for doc in instruction.heredocs)
        if "apk" not in text:
            continue
        script = script_of(df, instruction)
        if script is None or script.has_error or not is_posix_shell(effective_shell(df, instruction)):
            dirty = True
            continue
        by_command = {id(i.command): i for i in invocations(df, instruction) if i.manager == "apk"}
        for command in script.commands:
            invocation = by_command.get(id(command))
            if invocation is not None:
                if invocation.subcommand not in _CACHE_NEUTRAL and not invocation.has_option("--no-cache"):
                    dirty = True
            elif _removes_cache(command):
                dirty = False
    return dirty
