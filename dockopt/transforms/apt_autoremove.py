"""apt-autoremove (DO206): removing packages also removes what only they needed."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context
from ..fix import Applicability, Edit, Finding, Fix
from ..packages import find, invocations, reaching_final
from ..syntax import Dockerfile
from ..transform import WARNING, transform


@transform(code="DO206", name="apt-autoremove", applicability=Applicability.UNSAFE, severity=WARNING)
def apt_autoremove(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """Removing packages also removes the dependencies only they needed.

    ## What it does
    Adds `--auto-remove` to `apt-get purge` and `apt-get remove` of named packages, in the
    stages that reach the final image, unless the same RUN runs `apt-get autoremove` later
    or the option is already there.

    ## Why
    The common pattern installs build tools, uses them, and purges them in the same RUN.
    Without `--auto-remove` the packages pulled in as their dependencies (compilers, headers,
    perl, ...) stay in the image, and the purge saves far less than it seems to.

    It removes less than one might expect: APT keeps an automatically installed package
    that anything still installed recommends or suggests (measured on Debian 12: purging
    build-essential with `--auto-remove` kept gcc, make and perl because apt suggests
    dpkg-dev); `--no-install-recommends` on the install (apt-no-install-recommends) lets it
    remove more.

    ## Example
    ```Dockerfile
    RUN apt-get update && apt-get install -y gcc && make && apt-get purge -y gcc
    ```
    becomes
    ```Dockerfile
    RUN apt-get update && apt-get install -y gcc && make && apt-get purge -y --auto-remove gcc
    ```

    ## Fix safety
    Unsafe: a package installed only as a dependency of a removed one goes too, and the
    application may need it at run time: the classic is `libpq5`, pulled in by `libpq-dev`
    and needed by psycopg2 after `apt-get purge libpq-dev`. Install what the application
    needs at run time by name, review, and build. Build stages are left alone: their size
    does not reach the image.
    """
    final = reaching_final(df)
    for invocation in find(df, {"apt-get", "apt"}, only=final):
        if invocation.subcommand not in ("purge", "remove") or not invocation.operands:
            continue
        if invocation.has_option("--auto-remove", "--autoremove"):
            continue
        if any("autoremove" in v.lower().replace("-", "") for v in invocation.option_values("-o", "--option")):
            continue
        later = invocations(df, invocation.run)
        position = later.index(invocation)
        if any(i.manager in ("apt-get", "apt") and i.subcommand == "autoremove" for i in later[position + 1 :]):
            continue
        span = invocation.command.span
        yield Finding(
            f"{invocation.manager} {invocation.subcommand} leaves the dependencies of what it removes",
            span.start,
            span.end,
            Fix((Edit.insert(invocation.option_slot, " --auto-remove"),), Applicability.UNSAFE),  # type: ignore[arg-type]
        )
