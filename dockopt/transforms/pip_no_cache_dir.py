"""pip-no-cache-dir (DO211): pip installs keep no download cache in the image."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..context import Context
from ..fix import Applicability, Edit, Finding, Fix
from ..model import image_reference
from ..package_caches import (
    assignments_before_program,
    env_before,
    exported_before,
    mounted,
)
from ..packages import Invocation, find
from ..syntax import Dockerfile
from ..transform import WARNING, transform

# the subcommands that fill ~/.cache/pip (HTTP responses, built wheels)
CACHING = frozenset({"install", "download", "wheel"})
# hadolint's values of PIP_NO_CACHE_DIR that count as set (DL3042)
TRUTHY = frozenset({"1", "true", "True", "TRUE", "on", "On", "ON", "yes", "Yes", "YES"})
PIP_CACHE = ".cache/pip"
# distributions whose python-pip predates pip 6 (2014): no cache, and no --no-cache-dir option
OLD_PIP_IMAGES = re.compile(
    r"(^|/)(ubuntu:(12\.04|14\.04|precise|trusty)|debian:(7|8|wheezy|jessie))\b|ubuntu1[24]\.04"
)


@transform(
    code="DO211", name="pip-no-cache-dir", hadolint=("DL3042",), applicability=Applicability.SAFE, severity=WARNING
)
def pip_no_cache_dir(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """pip installs keep no download cache in the image.

    ## What it does
    Adds `--no-cache-dir` right after the subcommand of `pip install` (and `pip download`,
    `pip wheel`), whether pip is run as `pip`, `pip3`, `pip3.12`, `/venv/bin/pip`,
    `python3 -m pip` or behind `sudo`, in every stage and in ONBUILD RUNs.

    ## Why
    pip keeps every file it downloads, and every wheel it builds, in `~/.cache/pip`, so
    that the next install is faster. In an image there is no next install: the cache is
    dead weight in the layer, often as large as the packages themselves (tens to hundreds
    of megabytes for numpy, torch and friends). `pip download` and `pip wheel` fill the
    same cache as `pip install`, so they get the option too.

    ## Example
    ```Dockerfile
    RUN pip install -r requirements.txt
    ```
    becomes
    ```Dockerfile
    RUN pip install --no-cache-dir -r requirements.txt
    ```

    ## Fix safety
    Safe: the option changes where pip looks for and keeps downloads, never what it
    installs. Nothing is done when the cache is already off or kept out of the image: the
    command has `--no-cache-dir`; `PIP_NO_CACHE_DIR` is set to `1`, `true`, `on` or `yes`
    (hadolint's values) by an ENV of the stage or of a stage it is built FROM, before the
    RUN, or for the command itself (`PIP_NO_CACHE_DIR=1 pip install`, `env ...`, or an
    `export` earlier in the RUN); or a cache or tmpfs mount of the RUN covers `.cache/pip`
    or the `PIP_CACHE_DIR` directory. pip turns its cache off for any valid value of
    `PIP_NO_CACHE_DIR`, `0` and `false` included, so adding the option where the value is
    another one is redundant but harmless. On Ubuntu 12.04/14.04 and Debian 7/8 images the
    fix is unsafe: their `python-pip` predates pip 6, which has no cache and refuses the
    option, unless pip was upgraded first. A command that names its own `--cache-dir` is
    reported without a fix (the later option would win over the added one). pipx, pipenv,
    uv and commands whose subcommand is an expansion are left alone.
    """
    for invocation in find(df, {"pip"}):
        if invocation.subcommand not in CACHING or _cache_off(df, invocation):
            continue
        cache_dirs = invocation.option_values("--cache-dir")
        if cache_dirs and mounted(invocation.run, cache_dirs):
            continue
        env = env_before(df, invocation.run)
        pip_cache_dir = env.get("PIP_CACHE_DIR")
        if mounted(invocation.run, [PIP_CACHE] + ([pip_cache_dir] if pip_cache_dir else [])):
            continue
        fix = None
        if not cache_dirs:
            old = OLD_PIP_IMAGES.search(image_reference(df, invocation.run).lower()) is not None
            fix = Fix(
                (Edit.insert(invocation.subword.span.end, " --no-cache-dir"),),  # type: ignore[union-attr]
                Applicability.UNSAFE if old else Applicability.SAFE,
            )
        span = invocation.command.span
        yield Finding(
            f"pip {invocation.subcommand} keeps its download cache in the image: add --no-cache-dir",
            span.start,
            span.end,
            fix,
        )


def _cache_off(df: Dockerfile, invocation: Invocation) -> bool:
    """Whether the command already runs without a cache (option or PIP_NO_CACHE_DIR)."""
    for word in invocation.words:
        value = word.value or ""
        # optparse takes any unambiguous prefix: `--no-ca` is already `--no-cache-dir`
        if len(value) >= len("--no-ca") and "--no-cache-dir".startswith(value):
            return True
    for source in (
        assignments_before_program(invocation),
        exported_before(df, invocation),
        env_before(df, invocation.run),
    ):
        if "PIP_NO_CACHE_DIR" in source:
            return source["PIP_NO_CACHE_DIR"] in TRUTHY
    return False
