"""apt-get-not-apt (DO202): use apt-get, not apt, in RUN."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context
from ..fix import Applicability, Edit, Finding, Fix
from ..packages import find
from ..syntax import Dockerfile
from ..transform import WARNING, transform

# apt subcommands with the same meaning in apt-get (full-upgrade is apt-get's dist-upgrade)
SAME_IN_APT_GET = {
    "install": "install",
    "remove": "remove",
    "purge": "purge",
    "update": "update",
    "upgrade": "upgrade",
    "full-upgrade": "dist-upgrade",
    "dist-upgrade": "dist-upgrade",
    "autoremove": "autoremove",
    "clean": "clean",
    "autoclean": "autoclean",
    "build-dep": "build-dep",
    "source": "source",
    "download": "download",
    "satisfy": "satisfy",
}


@transform(
    code="DO202", name="apt-get-not-apt", hadolint=("DL3027",), applicability=Applicability.SAFE, severity=WARNING
)
def apt_get_not_apt(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """Use apt-get, not apt, in RUN.

    ## What it does
    Rewrites `apt <subcommand>` to `apt-get <subcommand>` (`apt full-upgrade` to
    `apt-get dist-upgrade`), wherever the command stands in the RUN, behind `sudo` too.

    ## Why
    apt is meant for people at a terminal: its command-line interface is not stable between
    releases and it warns so when its output is not a terminal. apt-get is the interface for
    scripts, with the same subcommands.

    ## Example
    ```Dockerfile
    RUN apt update && apt install -y curl
    ```
    becomes
    ```Dockerfile
    RUN apt-get update && apt-get install -y curl
    ```

    ## Fix safety
    Safe: the subcommands rewritten do the same in apt-get. One difference: apt deletes the
    downloaded .deb files after installing, apt-get leaves them in /var/cache/apt/archives,
    where the official Debian and Ubuntu images delete them anyway (their `docker-clean`
    apt configuration). Subcommands apt-get does not have (`apt list`, `apt search`,
    `apt show`) are reported without a fix.

    hadolint: several of its apt-get rules do not look at `apt`: as `apt-get install`, the
    command shows what it always did, unpinned packages (DL3008) and recommends installed
    (DL3015) where the file keeps them (apt-no-install-recommends adds nothing after a
    `APT::Install-Recommends "false"` written to apt's configuration, which hadolint does
    not read).
    """
    for invocation in find(df, {"apt"}):
        sub = invocation.subcommand
        span = invocation.program.span
        if sub in SAME_IN_APT_GET:
            written = invocation.program.text
            edits = [Edit(span.start, span.end, written[:-3] + "apt-get" if written.endswith("apt") else "apt-get")]
            if SAME_IN_APT_GET[sub] != sub and invocation.subword is not None:
                word = invocation.subword.span
                edits.append(Edit(word.start, word.end, SAME_IN_APT_GET[sub]))
            yield Finding(
                f"use apt-get {SAME_IN_APT_GET[sub]}, not apt {sub}",
                span.start,
                span.end,
                Fix(tuple(edits), Applicability.SAFE),
            )
        else:
            yield Finding(f"apt {sub or '...'} has no apt-get equivalent; use apt-cache or dpkg", span.start, span.end)
