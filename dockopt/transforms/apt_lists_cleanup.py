"""apt-lists-cleanup (DO205): delete apt's package lists in the RUN that last needs them."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context
from ..fix import Applicability, Finding, Fix
from ..packages import apt_events, apt_lists, reaching_final, reads_lists_later, runs
from ..runs import append_command
from ..shell import effective_shell, is_posix_shell
from ..syntax import Dockerfile, Instruction
from ..transform import WARNING, transform

CLEANUP = "rm -rf /var/lib/apt/lists/*"


@transform(
    code="DO205", name="apt-lists-cleanup", hadolint=("DL3009",), applicability=Applicability.SAFE, severity=WARNING
)
def apt_lists_cleanup(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """Delete apt's package lists in the RUN that last needs them.

    ## What it does
    Appends `&& rm -rf /var/lib/apt/lists/*` to a RUN that uses apt-get when the package
    lists it leaves behind (from its own `apt-get update` or an earlier RUN's) are not read
    by anything after it. Only in stages that reach the final image; ONBUILD RUNs are
    treated the same way among themselves.

    ## Why
    `apt-get update` downloads about 50 MB of package lists into /var/lib/apt/lists. The
    installed packages do not need them; deleted in a later RUN they still take space in
    the earlier layer. On a Debian build, the lists are most of what a naive
    `apt-get update && apt-get install -y curl` adds to the image.

    ## Example
    ```Dockerfile
    RUN apt-get update && apt-get install -y curl
    ```
    becomes
    ```Dockerfile
    RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
    ```

    ## Fix safety
    Safe: it never deletes lists that something still reads. It does nothing when a later
    RUN of the stage, or of a stage built FROM it, installs from the lists without updating
    them first (`apt-get install` alone, `apt-cache`, `add-apt-repository` on older releases),
    when a RUN that mentions apt cannot be analysed, when a cache or tmpfs mount covers
    /var/lib/apt, when the lists are already deleted, or in build stages whose files are
    only copied out. The `/*` matters: deleting the directory itself breaks any later apt-get.
    A RUN that ends in a shell comment, or by leaving the shell (`...; exit $code`), gets a
    finding without a fix.

    hadolint: it shows at most one ShellCheck finding per RUN, the last one, and ShellCheck
    weighs a command by what surrounds it: the cleanup appended to a RUN can change which
    finding is shown (another rule than before, for the same script).
    """
    lists = apt_lists(df)
    final = reaching_final(df)
    for run in runs(df):
        if id(run) not in final or run.caches("/var/lib/apt/lists"):
            continue
        if not is_posix_shell(effective_shell(df, run)):
            continue
        events = apt_events(df, run)
        if not events or not any(e in ("update", "read") for e in events):
            continue
        if not _leaves_lists(run, events, lists.present_before(run) is not None):
            continue
        if reads_lists_later(df, run):
            continue
        edit = append_command(df, run, CLEANUP)
        span = run.keyword_span
        yield Finding(
            "the apt lists stay in this layer: delete them where they are last used",
            span.start,
            span.end,
            Fix((edit,), Applicability.SAFE) if edit is not None else None,
        )


def _leaves_lists(run: Instruction, events: list[str], present_before: bool) -> bool:
    present = present_before and run.command != "ONBUILD"
    for event in events:
        if event == "update":
            present = True
        elif event == "clean":
            present = False
    return present
