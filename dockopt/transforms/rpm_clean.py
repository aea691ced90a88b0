"""rpm-clean (DO209): yum, dnf, microdnf and zypper clean their cache in the RUN that fills it."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from ..context import Context
from ..fix import Applicability, Edit, Finding, Fix
from ..packages import RPM_CACHE_DIRS, RPM_MANAGERS, RPM_ORDER, Invocation, find, rpm_events
from ..runs import append_command, remove_command
from ..shell import Command
from ..syntax import Dockerfile, Instruction
from ..transform import WARNING, transform

CLEANUP = {
    "yum": "yum clean all && rm -rf /var/cache/yum",
    "dnf": "dnf clean all && rm -rf /var/cache/dnf /var/cache/libdnf5",
    "microdnf": "microdnf clean all",
    "zypper": "zypper clean --all",
}


@transform(
    code="DO209",
    name="rpm-clean",
    hadolint=("DL3032", "DL3040", "DL3036"),
    applicability=Applicability.SAFE,
    severity=WARNING,
)
def rpm_clean(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """yum, dnf, microdnf and zypper clean their cache in the RUN that fills it.

    ## What it does
    Appends to a RUN that installs or updates packages with yum, dnf, microdnf or zypper
    the clean of that manager, unless one already comes after its last install in the
    same RUN:

    - yum: `yum clean all && rm -rf /var/cache/yum`
    - dnf: `dnf clean all && rm -rf /var/cache/dnf /var/cache/libdnf5` (dnf 4 and dnf 5
      keep their cache in different places)
    - microdnf: `microdnf clean all`
    - zypper: `zypper clean --all`

    `clean all` only cleans the repositories enabled when it runs: the `rm` also removes
    what a `--enablerepo=...` install left.

    A clean that runs between two installs of the same manager, with nothing else in
    between, is removed when a clean follows the later install: the cache it empties is
    filled again and cleaned at the end.

    ## Why
    The repository metadata and the downloaded packages stay in the layer: on Fedora and
    Rocky Linux the metadata alone is tens of megabytes. Cleaned in a later RUN they still
    take space in the earlier layer.

    ## Example
    ```Dockerfile
    RUN dnf -y update && dnf clean all && dnf -y install npm
    ```
    becomes
    ```Dockerfile
    RUN dnf -y update && dnf -y install npm && dnf clean all && rm -rf /var/cache/dnf /var/cache/libdnf5
    ```

    ## Fix safety
    Safe: yum, dnf, microdnf and zypper download the metadata again when the cache is
    empty, so a later install (in the same stage, a later one, or an image built FROM
    this one) still works, and the clean runs only when the RUN succeeded. This applies to
    every stage, as hadolint does: build stages only pay a metadata download in their
    next install. It does nothing when a cache or tmpfs mount covers the manager's cache
    directory (the cache is meant to be kept) or `--setopt=cachedir=` moves it. A clean
    separated from the next install by other commands is kept (they may change the
    repositories). A RUN that ends in a shell comment or an `exit`, runs something in the
    background or is a heredoc gets a finding without a fix.

    A clean before the first install (`yum clean all && yum install -y x && yum clean all`)
    frees nothing: the files it deletes stay in the earlier layers. It is removed only
    with `--unsafe-fixes` (and then hadolint, which looks at the first clean, is
    satisfied), because it may be there on purpose, to make yum fetch fresh metadata
    instead of stale metadata the base image shipped.
    """
    by_run: dict[int, tuple[Instruction, list[Invocation]]] = {}
    for invocation in find(df, RPM_MANAGERS):
        by_run.setdefault(id(invocation.run), (invocation.run, []))[1].append(invocation)
    for run, _ in by_run.values():
        yield from _check(df, run)


def _check(df: Dockerfile, run: Instruction) -> Iterator[Finding]:
    events = rpm_events(df, run)
    missing: list[str] = []
    removable: list[tuple[str, Command]] = []
    leading: list[Command] = []
    for manager in RPM_ORDER:
        mine = [(e.kind, e.command) for e in events if e.manager == manager]
        installs = [index for index, (kind, _) in enumerate(mine) if kind == "install"]
        if not installs or any(kind == "skip" for kind, _ in mine):
            continue
        if any(run.caches(path) for path in RPM_CACHE_DIRS[manager]):
            continue
        leading += [command for kind, command in mine[: installs[0]] if kind == "clean"]
        if not any(kind in ("clean", "rm") for kind, _ in mine[installs[-1] + 1 :]):
            missing.append(manager)
        for earlier, later in pairwise(installs):
            between = [command for _, command in mine[earlier + 1 : later]]
            cleans_only = all(kind == "clean" for kind, _ in mine[earlier + 1 : later])
            if between and cleans_only and _only_between(events, mine[earlier][1], mine[later][1], between):
                removable += [(manager, command) for command in between]
    yield from _leading_cleans(df, run, leading)
    if not missing and not removable:
        return
    edits: list[Edit] = []
    for _, command in removable:
        edit = remove_command(df, run, command)
        if edit is not None:
            edits.append(edit)
    if missing:
        edit = append_command(df, run, " && ".join(CLEANUP[m] for m in missing))
        if edit is None:
            edits = []
        else:
            edits.append(edit)
    elif not edits:
        return
    names = "/".join(missing or sorted({m for m, _ in removable}))
    message = (
        f"the {names} cache stays in this layer: clean it in the same RUN"
        if missing
        else f"the {names} cache is cleaned before the next install: one clean at the end is enough"
    )
    span = run.keyword_span
    yield Finding(message, span.start, span.end, Fix(tuple(edits), Applicability.SAFE) if edits else None)


def _leading_cleans(df: Dockerfile, run: Instruction, cleans: list[Command]) -> Iterator[Finding]:
    """A clean before the first install: removed only with --unsafe-fixes (see Fix safety)."""
    edits = [edit for edit in (remove_command(df, run, c) for c in cleans) if edit is not None]
    if not edits or len(edits) != len(cleans):
        return
    span = run.keyword_span
    yield Finding(
        "a clean before the first install only empties the cache of earlier layers",
        span.start,
        span.end,
        Fix(tuple(edits), Applicability.UNSAFE),
    )


def _only_between(events, first: Command, last: Command, between: list[Command]) -> bool:
    """Whether nothing but ``between`` runs after ``first`` and before ``last``."""
    commands = [e.command for e in events]
    start = next(i for i, c in enumerate(commands) if c is first)
    end = next(i for i, c in enumerate(commands) if c is last)
    allowed = {id(c) for c in between}
    return all(id(c) in allowed for c in commands[start + 1 : end])
