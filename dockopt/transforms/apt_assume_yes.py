"""apt-assume-yes (DO203): apt-get installs answer yes without asking."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context
from ..fix import Applicability, Edit, Finding, Fix
from ..packages import find
from ..syntax import Dockerfile
from ..transform import WARNING, transform

PROMPTING = frozenset(
    {"install", "upgrade", "dist-upgrade", "full-upgrade", "remove", "purge", "autoremove", "build-dep", "reinstall"}
)
YES = ("-y", "--yes", "--assume-yes", "-qq", "-q=2", "--quiet=2")


@transform(
    code="DO203", name="apt-assume-yes", hadolint=("DL3014",), applicability=Applicability.SAFE, severity=WARNING
)
def apt_assume_yes(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """apt-get installs answer yes without asking.

    ## What it does
    Adds `-y` right after the subcommand of `apt-get install` (and `upgrade`,
    `dist-upgrade`, `remove`, `purge`, `autoremove`, `build-dep`; `apt` and `aptitude` too)
    when it has none of `-y`, `--yes`, `--assume-yes`, `-qq` or `-q=2`.

    ## Why
    A build has no one to answer apt-get's "Do you want to continue? [Y/n]": without `-y`,
    apt-get aborts as soon as it has to install more than what was named, and the build
    fails on the day a dependency changes.

    ## Example
    ```Dockerfile
    RUN apt-get update && apt-get install curl
    ```
    becomes
    ```Dockerfile
    RUN apt-get update && apt-get install -y curl
    ```

    ## Fix safety
    Safe: with `-y`, apt-get does what it would do if someone answered yes; a build that
    worked before does the same. Commands whose options come from an expansion are left
    alone.
    """
    for invocation in find(df, {"apt-get", "apt", "aptitude"}):
        if invocation.subcommand not in PROMPTING or invocation.has_option(*YES):
            continue
        if sum(1 for w in invocation.words if w.value in ("-q", "--quiet")) >= 2:
            continue
        if any(w.value is None for w in invocation.words[: invocation.sub_index]):
            continue
        slot = invocation.subword.span.end  # type: ignore[union-attr]
        span = invocation.command.span
        yield Finding(
            f"{invocation.manager} {invocation.subcommand} without -y aborts when it has to ask",
            span.start,
            span.end,
            Fix((Edit.insert(slot, " -y"),), Applicability.SAFE),
        )
