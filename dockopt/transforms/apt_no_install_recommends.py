"""apt-no-install-recommends (DO204): apt-get install only what was asked for."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..context import Context
from ..fix import Applicability, Edit, Finding, Fix
from ..packages import Invocation, find, invocations
from ..syntax import Dockerfile
from ..transform import WARNING, transform

# packages that talk HTTPS and only Recommend ca-certificates: without it, HTTPS fails
HTTPS_CLIENTS = frozenset(
    {
        "curl",
        "wget",
        "git",
        "git-core",
        "gnupg",
        "gnupg2",
        "gpg",
        "dirmngr",
        "apt-transport-https",
        "software-properties-common",
        "python3-pip",
        "python-pip",
        "pipx",
        "python3-requests",
        "python-requests",
        "subversion",
        "mercurial",
        "ruby",
        "ruby-full",
        "rubygems",
        "bundler",
        "npm",
        "composer",
        "aria2",
        "httpie",
        "lynx",
        "links",
    }
)
_NAME = re.compile(r"[^=:/]+")


@transform(
    code="DO204",
    name="apt-no-install-recommends",
    hadolint=("DL3015",),
    applicability=Applicability.UNSAFE,
    severity=WARNING,
)
def apt_no_install_recommends(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """apt-get install only what was asked for, not what it recommends.

    ## What it does
    Adds `--no-install-recommends` to `apt-get install` (and `apt install`). When the same
    install names a program that talks HTTPS (curl, wget, git, gnupg, python3-pip, ...) and
    not `ca-certificates`, and no earlier RUN of the image installed it, `ca-certificates`
    is added to the packages, so that HTTPS keeps working.

    ## Why
    By default apt-get also installs every package the named ones recommend: on Debian,
    `apt-get install curl` pulls 22 packages instead of 18, and larger installs often twice
    the size they need.

    ## Example
    ```Dockerfile
    RUN apt-get update && apt-get install -y curl
    ```
    becomes
    ```Dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl
    ```

    ## Fix safety
    Unsafe: something in the image may use a package that was only recommended (the
    classic is ca-certificates for HTTPS, which this fix adds back; others are locales,
    dirmngr for gpg key servers, manual pages tools). Review and build. It does nothing
    when recommends are already configured: `--no-install-recommends`,
    `--install-recommends`, `-o APT::Install-Recommends=...`, or a RUN of the stage that
    writes an `Install-Recommends` apt setting. When the packages come from an expansion
    (`$PACKAGES`), or every package is pinned to a version while ca-certificates would have
    to be added, it reports without a fix.
    """
    configured = _configured_runs(df)
    for invocation in find(df, {"apt-get", "apt"}):
        if invocation.subcommand != "install" or invocation.option_slot is None:
            continue
        if invocation.has_option("--no-install-recommends", "--install-recommends"):
            continue
        if any("install-recommends" in v.lower() for v in invocation.option_values("-o", "--option")):
            continue
        if any("install-recommends" in (w.value or "").lower() for w in invocation.words):
            continue
        if id(invocation.run) in configured:
            continue
        span = invocation.command.span
        message = f"{invocation.manager} install without --no-install-recommends also installs recommended packages"
        fix = _fix(df, invocation)
        yield Finding(message, span.start, span.end, fix)


def _fix(df: Dockerfile, invocation: Invocation) -> Fix | None:
    packages = invocation.packages
    if not packages or any(p is None for p in packages):
        return None
    names = _names(invocation)
    edits = [Edit.insert(invocation.option_slot, " --no-install-recommends")]  # type: ignore[arg-type]
    if names & HTTPS_CLIENTS and "ca-certificates" not in names and not _installed_before(df, invocation):
        if all("=" in (p or "") for p in packages):
            return None  # adding an unpinned package to a pinned list would be a change of its own
        edits.append(Edit.insert(invocation.operands[0].span.start, "ca-certificates "))
    return Fix(tuple(edits), Applicability.UNSAFE)


def _installed_before(df: Dockerfile, invocation: Invocation) -> bool:
    """Whether an earlier RUN of the stage (or its parents) installs ca-certificates: by name,
    or as the recommendation of an HTTPS client (this transform then names it there)."""
    stage = df.stage_of(invocation.run)
    if stage is None:
        return False
    chain = [df.stages[i] for i in reversed(stage.derives_from)] + [stage]
    for member in chain:
        for instruction in member.instructions:
            if instruction is invocation.run:
                return False
            for earlier in invocations(df, instruction):
                if earlier.manager not in ("apt-get", "apt") or earlier.subcommand != "install":
                    continue
                names = _names(earlier)
                if "ca-certificates" in names:
                    return True
                if names & HTTPS_CLIENTS and not earlier.has_option("--no-install-recommends"):
                    return True
    return False


def _names(invocation: Invocation) -> set[str]:
    """Package names without versions, architectures or releases."""
    return {m.group(0) for p in invocation.packages if p and (m := _NAME.match(p))}


def _configured_runs(df: Dockerfile) -> set[int]:
    """Instructions that run after their stage (or one it derives from) configured Install-Recommends."""
    affected: set[int] = set()
    configured: set[int] = set()
    for stage in df.stages:
        on = stage.parent in configured
        for instruction in stage.instructions:
            if on:
                affected.add(id(instruction))
            on = on or _configures_recommends(instruction)
        if on:
            configured.add(stage.index)
    return affected


def _configures_recommends(instruction) -> bool:
    """An apt configuration written by a RUN, or copied in (whose content is unknown)."""
    if instruction.command in ("COPY", "ADD"):
        return "apt.conf" in instruction.args
    text = instruction.logical + "".join(doc.body for doc in instruction.heredocs)
    return "apt::install-recommends" in text.lower() and "apt.conf" in text
