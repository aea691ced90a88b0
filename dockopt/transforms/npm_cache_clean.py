"""npm-cache-clean (DO212): clean npm's cache in the RUN that filled it."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context
from ..fix import Applicability, Finding, Fix
from ..package_caches import (
    clean_edit,
    cleaned_after,
    env_before,
    mounted,
    offline_later,
    wrapper_prefix,
)
from ..packages import NODE_DOWNLOADS, invocations, node_command, reaching_final, runs
from ..shell import effective_shell, is_posix_shell
from ..syntax import Dockerfile
from ..transform import WARNING, transform

CACHE_CLEANS = frozenset({"clean", "clear", "rm"})
NPM_CACHE = ".npm"  # ~/.npm: _cacache, _logs, _npx


@transform(code="DO212", name="npm-cache-clean", applicability=Applicability.SAFE, severity=WARNING)
def npm_cache_clean(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """Clean npm's cache in the RUN that filled it.

    ## What it does
    Appends `&& npm cache clean --force` to a RUN that runs `npm ci`, `npm install`
    (`npm i`, `npm install -g ...`, `npm update` and their aliases), in the stages that
    reach the final image, unless the RUN already cleans the cache after its last install
    (`npm cache clean`, or `rm -rf ~/.npm`). The clean runs behind the same `sudo` as the
    install, so that it cleans the same user's cache. When a later command of the RUN may
    uninstall npm itself (`apk del .build-deps`, `apt-get purge nodejs`, `npm uninstall -g
    npm`, an `rm` of a node directory), the clean goes right after the last install instead.

    ## Why
    npm keeps a copy of every package it downloads in `~/.npm/_cacache`. The copies are
    never used again in the image, and they take about as much space as `node_modules`
    itself. Deleted in a later RUN, they still take space in the layer that made them.

    ## Example
    ```Dockerfile
    RUN npm ci --omit=dev
    ```
    becomes
    ```Dockerfile
    RUN npm ci --omit=dev && npm cache clean --force
    ```

    ## Fix safety
    Safe: the cache only speeds up later downloads; `--force` is what npm 5 and later
    require to clean it, and older versions ignore it. Nothing is done when a cache or tmpfs
    mount covers `~/.npm` or the directory named by `--cache` or `npm_config_cache`, in
    build stages whose files are only copied out, or when a later RUN of the stage (or of a
    stage built FROM it) installs with `--offline`, which needs the cache. An install that
    names its own `--cache` directory, a RUN that ends in a shell comment, a background
    `&` or an `exit`, and heredoc RUNs are reported without a fix. Commands whose subcommand is an
    expansion, and RUNs under a shell that is not POSIX-like, are left alone.
    """
    final = reaching_final(df)
    for run in runs(df):
        if id(run) not in final:
            continue
        installs = [
            i
            for i in invocations(df, run)
            if i.manager == "npm" and node_command("npm", i.subcommand) in NODE_DOWNLOADS["npm"]
        ]
        if not installs or not is_posix_shell(effective_shell(df, run)):
            continue
        cli_caches = [v for i in installs for v in i.option_values("--cache")]
        env = env_before(df, run)
        env_caches = [v for k, v in env.items() if k.lower() == "npm_config_cache" and v]
        if mounted(run, [NPM_CACHE, *cli_caches, *env_caches]):
            continue
        if cleaned_after(df, installs[-1], CACHE_CLEANS, [NPM_CACHE, *cli_caches, *env_caches]):
            continue
        if offline_later(df, run, "npm"):
            continue
        last = installs[-1]
        edit = None
        if not cli_caches:
            edit = clean_edit(df, run, last, f"{wrapper_prefix(df, last)}{last.program.text} cache clean --force")
        yield Finding(
            "npm keeps a copy of every package it downloads: clean its cache in the same RUN",
            last.command.span.start,
            last.command.span.end,
            Fix((edit,), Applicability.SAFE) if edit is not None else None,
        )
