"""yarn-cache-clean (DO213): clean yarn's cache in the RUN that filled it."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context
from ..fix import Applicability, Finding, Fix
from ..package_caches import (
    assignments_before_program,
    clean_edit,
    cleaned_after,
    env_before,
    mounted,
    offline_later,
    visible_before,
    wrapper_prefix,
)
from ..packages import NODE_DOWNLOADS, Invocation, invocations, node_command, reaching_final, runs
from ..shell import Command, effective_shell, is_posix_shell
from ..syntax import Dockerfile, Instruction
from ..transform import WARNING, transform

NOT_INSTALLING = frozenset({"-v", "--version", "-h", "--help"})
YARN_CACHE = ".cache/yarn"  # ~/.cache/yarn, and /usr/local/share/.cache/yarn for root
# options and files that only Yarn 2+ (Berry) knows
BERRY_OPTIONS = frozenset({"--immutable", "--immutable-cache", "--check-cache", "--mode", "--inline-builds"})
BERRY_MARKS = (".yarnrc.yml", "yarnpath", "yarn set version", "yarn policies set-version", "corepack", ".yarn/releases")


@transform(
    code="DO213", name="yarn-cache-clean", hadolint=("DL3060",), applicability=Applicability.SAFE, severity=WARNING
)
def yarn_cache_clean(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """Clean yarn's cache in the RUN that filled it.

    ## What it does
    Appends `&& yarn cache clean` to a RUN that runs `yarn install`, a bare `yarn` (which
    installs), `yarn add` or `yarn global add`, in the stages that reach the final image,
    unless the RUN already cleans the cache after its last install (`yarn cache clean`, or
    an `rm -rf` of the cache folder). The clean runs behind the same `sudo` as the install.
    When a later command of the RUN may uninstall yarn or node (`npm uninstall -g yarn`,
    `apt-get purge nodejs`, `apk del .build-deps`, ...), the clean goes right after the last
    install instead.

    ## Why
    Yarn 1 keeps an unpacked copy of every package it installs in its cache
    (`/usr/local/share/.cache/yarn` for root), next to the copy in `node_modules`: the
    image carries every dependency twice. Deleted in a later RUN, the copies still take
    space in the layer that made them.

    ## Example
    ```Dockerfile
    RUN yarn install --frozen-lockfile
    ```
    becomes
    ```Dockerfile
    RUN yarn install --frozen-lockfile && yarn cache clean
    ```

    ## Fix safety
    Safe for Yarn 1, which runs from the cache only while it installs. Nothing is done when
    a cache or tmpfs mount covers `.cache/yarn` (as hadolint checks) or the folder named by
    `--cache-folder` or `YARN_CACHE_FOLDER`, in build stages whose files are only copied
    out (hadolint DL3060 reports the last stage and the stages a FROM uses), or when a later
    RUN of the stage installs with `--offline`. In Yarn 2 and later (Berry), `yarn cache
    clean` deletes the project's `.yarn/cache`, from which Plug'n'Play loads the packages
    at run time, so where the Dockerfile shows Berry
    (`corepack`, `yarn set version`, `.yarnrc.yml`, `.yarn/releases`, `--immutable`, ...)
    the RUN is reported without a fix; a project that switches to Berry only through files
    copied from the build context cannot be seen, so review the change there. An install
    with its own `--cache-folder`, a RUN that ends in a shell comment, a background `&` or
    an `exit`, and heredoc RUNs are reported without a fix. A RUN that cleans before it installs gets
    the clean after the install (hadolint still reports it, since it looks at the first
    clean).
    """
    final = reaching_final(df)
    for run in runs(df):
        if id(run) not in final:
            continue
        installs = [i for i in invocations(df, run) if i.manager == "yarn" and _installs(i)]
        if not installs or not is_posix_shell(effective_shell(df, run)):
            continue
        cli_folders = [v for i in installs for v in i.option_values("--cache-folder")]
        inline = [assignments_before_program(i).get("YARN_CACHE_FOLDER") for i in installs]
        env_folder = env_before(df, run).get("YARN_CACHE_FOLDER")
        folders = [YARN_CACHE, *cli_folders, *(f for f in [*inline, env_folder] if f)]
        if mounted(run, folders):
            continue
        last = installs[-1]
        if cleaned_after(df, last, ("clean", "clear"), folders, also=_removes_cache_dir) or offline_later(
            df, run, "yarn"
        ):
            continue
        edit = None
        if not cli_folders and not _berry(df, run, installs):
            edit = clean_edit(df, run, last, f"{wrapper_prefix(df, last)}{last.program.text} cache clean")
        yield Finding(
            "yarn keeps a copy of every package it installs: clean its cache in the same RUN",
            last.command.span.start,
            last.command.span.end,
            Fix((edit,), Applicability.SAFE) if edit is not None else None,
        )


def _installs(invocation: Invocation) -> bool:
    sub = invocation.subcommand
    if sub is None:
        # a bare `yarn` (options only) installs; an expansion may be any subcommand
        return all(w.value is not None and w.value not in NOT_INSTALLING for w in invocation.words)
    if sub == "global":
        operands = invocation.operands
        first = operands[0].value if operands else None
        return first is not None and node_command("yarn", first) in NODE_DOWNLOADS["yarn"]
    return node_command("yarn", sub) in NODE_DOWNLOADS["yarn"]


def _removes_cache_dir(command: Command) -> bool:
    """`rm -rf "$(yarn cache dir)"`."""
    return command.program == "rm" and any("yarn cache dir" in w.text for w in command.args)


def _berry(df: Dockerfile, run: Instruction, installs: list[Invocation]) -> bool:
    """Whether the Dockerfile shows that this RUN's yarn is Yarn 2 or later."""
    if any(i.has_option(*BERRY_OPTIONS) for i in installs):
        return True
    for instruction in [*visible_before(df, run), run.sub or run]:
        if instruction.command not in ("RUN", "COPY", "ADD", "ENV"):
            continue
        text = (instruction.logical + "".join(doc.body for doc in instruction.heredocs)).lower()
        if instruction.command == "ENV" and any(k in text for k in ("yarn_node_linker", "yarn_enable_", "yarn_pnp")):
            return True
        if any(mark in text for mark in BERRY_MARKS) and "yarn@1." not in text:
            return True
        if instruction.command in ("COPY", "ADD") and any(w.rstrip("/") == ".yarn" for w in instruction.words()):
            return True
    return False
