"""strip-setuid (DO305): no setuid or setgid programs in the final image."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context
from ..fix import Applicability, Edit, Finding, Fix
from ..model import base_of, new_run_blocker, runs_as_root
from ..syntax import Dockerfile, Instruction
from ..transform import WARNING, transform

COMMAND = "find / -xdev -perm /6000 -type f -exec chmod a-s {} +"
_FAMILIES = frozenset({"debian", "rhel", "suse", "arch", "minimal", "alpine", "busybox"})


@transform(code="DO305", name="strip-setuid", applicability=Applicability.UNSAFE, severity=WARNING, opt_in=True)
def strip_setuid(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """No setuid or setgid programs in the final image.

    ## What it does
    Opt-in: it runs only when `--select` names it (`--select DO305` or
    `--select strip-setuid`), never through `ALL` or a prefix. After the last RUN of the
    final stage that runs as root (so after its last package install) it adds

    ```Dockerfile
    RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +
    ```

    which clears the setuid and setgid bits of every file of the image's own file
    system (`-xdev` keeps it out of /proc, /sys and mounts).

    ## Why
    A setuid-root program (`su`, `passwd`, `mount`, `newgrp`, ...) is how a process that
    runs as a non-root user becomes root again when one of them has a hole. A container
    rarely needs any of them.

    ## Example
    ```Dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
    USER 10001:10001
    ```
    becomes
    ```Dockerfile
    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
    RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +
    USER 10001:10001
    ```

    ## Fix safety
    Unsafe: what needs a setuid program stops working (`su`, `sudo`, `ping` on old
    kernels, `passwd` for a user changing its password, Chrome's sandbox helper). The
    files whose bits change are copied into a new layer (a few hundred kilobytes on a
    Debian base). It does nothing when the final stage already has such a `find`, runs
    as a non-root user at that point, or its base has no shell or `find` it knows of
    (scratch, distroless, chiseled, Windows, unknown images). It adds no RUN where the
    shell may be missing (`dockopt.images.new_run_blocker`: ubi-micro, a stage whose
    `SHELL` no RUN has used yet), and says why.
    """
    if not df.stages:
        return
    stage = df.stages[-1]
    if base_of(df, stage).family not in _FAMILIES:
        return
    if any(_strips(i) for i in stage.instructions):
        return
    anchor: Instruction = stage.from_instruction
    for instruction in stage.instructions:
        if instruction.command == "RUN" and runs_as_root(df, stage, instruction) is True:
            anchor = instruction
    following = (
        stage.instructions[stage.instructions.index(anchor) + 1 :]
        if anchor is not stage.from_instruction
        else stage.instructions
    )
    until = following[0] if following else None
    if runs_as_root(df, stage, until) is not True:
        return
    blocker = new_run_blocker(df, stage, until)
    if blocker is not None:
        yield Finding(
            f"setuid and setgid programs are not stripped: {blocker}, so no RUN can be added",
            anchor.span.start,
            anchor.span.end,
        )
        return
    newline = df.newline_at(anchor.span.start)
    line = f"{anchor.cased('RUN')} {COMMAND}"
    at = anchor.span.end
    text = line + newline if df.text[:at].endswith("\n") else newline + line
    yield Finding(
        "setuid and setgid programs let a non-root process become root",
        anchor.span.start,
        anchor.span.end,
        Fix((Edit.insert(at, text),), Applicability.UNSAFE),
    )


def _strips(instruction: Instruction) -> bool:
    text = instruction.logical
    return instruction.command == "RUN" and "-perm" in text and ("a-s" in text or "ug-s" in text or "u-s" in text)
