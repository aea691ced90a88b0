"""dependency-manifests-first (DO103): copy the dependency manifests and install before the sources."""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise

from ..context import Context
from ..copies import Tree
from ..fix import Applicability, Edit, Finding, Fix
from ..ignorefile import IgnoreFile, ignore_file
from ..manifests import (
    Install,
    Role,
    command_role,
    manifest_names,
    manifests_for,
)
from ..model import destination as copy_destination
from ..model import join, workdir_at
from ..packages import invocations
from ..runs import remove_command
from ..shell import Command, Script, Word, effective_shell, is_posix_shell, script_of
from ..syntax import Dockerfile, Instruction, Stage
from ..transform import WARNING, transform

# Instructions the whole COPY may be moved across: they neither read the copied files nor
# change what the COPY does (ENV and ARG only matter to a COPY that expands variables).
_PASSABLE = frozenset(
    {
        "LABEL",
        "EXPOSE",
        "STOPSIGNAL",
        "HEALTHCHECK",
        "CMD",
        "ENTRYPOINT",
        "MAINTAINER",
        "ONBUILD",
        "USER",
        "SHELL",
        "ENV",
        "ARG",
    }
)
_CARRIED_FLAGS = frozenset({"chown", "chmod", "link"})


@transform(code="DO103", name="dependency-manifests-first", applicability=Applicability.SAFE, severity=WARNING)
def dependency_manifests_first(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """Copy the dependency manifests and install them before the rest of the sources.

    ## What it does
    When a stage copies the whole build context (`COPY . <dest>`, `ADD . <dest>`, or a COPY
    of one directory that holds the manifests) and the next RUN installs dependencies, the
    COPY is split: a COPY of just the manifests takes its place, and the whole COPY moves
    below the install. It covers:

    - pip and `uv pip install` with `-r`/`-c` files, following the `-r`/`-c` includes inside
      them (falls back when a requirements file names a local path, `-e`, or local
      `--find-links`);
    - `poetry install --no-root` (or a project with `package-mode = false`): `pyproject.toml`,
      `poetry.lock`, `poetry.toml` and the readme when present;
    - `uv sync --no-install-project` (or `[tool.uv] package = false`): `pyproject.toml`,
      `uv.lock`, `uv.toml` and `.python-version` when present;
    - `pdm install --no-self` and `pdm sync --no-self`: `pyproject.toml`, `pdm.lock`, `pdm.toml`;
    - `pipenv install` without packages and `pipenv sync`: `Pipfile`, `Pipfile.lock`;
    - `npm ci`/`npm install`, `yarn install` (Yarn 1), `pnpm install`: `package.json` with
      its lock file (`package-lock.json`/`npm-shrinkwrap.json`, `yarn.lock`,
      `pnpm-lock.yaml`), and `.npmrc`, `.yarnrc`, `.pnpmfile.cjs` when present;
    - `bundle install`: `Gemfile`, `Gemfile.lock` (and the `.ruby-version` that `ruby file:`
      names);
    - `composer install --no-scripts`: `composer.json`, `composer.lock`, `auth.json` and
      `symfony.lock` when present;
    - Go: `go.mod` and `go.sum`, then a new `RUN go mod download` (with the RUN's flags, so
      a cache mount for the module cache is kept) before the whole COPY, leaving the
      `go build` RUN where it is. A RUN that runs `go mod download` itself is moved.

    When the RUN also runs commands that need the sources and the install is its first
    command, joined to the rest by `&&`, only the install moves (with the RUN's flags).
    The manifests are copied with COPY even when the whole context came with ADD (a
    manifest is never an archive to unpack).
    Maven, Gradle and Cargo are not rewritten: `mvn dependency:go-offline` does not fetch
    every plugin a build later resolves, multi-module reactors need every module's
    `pom.xml`, and Gradle and Cargo need build scripts or stub sources; a wrong guess would
    fail builds that work.

    ## Why
    Docker reuses a cached layer only while everything copied before it is unchanged. With
    the whole source tree copied first, any edit re-runs the install and downloads every
    dependency again. With the manifests copied first, the install layer stays cached until
    the dependencies themselves change.

    ## Example
    ```Dockerfile
    COPY . /app
    RUN pip install -r requirements.txt
    ```
    becomes
    ```Dockerfile
    COPY requirements.txt /app/
    RUN pip install -r requirements.txt
    COPY . /app
    ```

    ## Fix safety
    Safe when the build context is known: the install sees the same manifests it saw
    before (they are part of what the whole COPY copies, and the manifest COPY puts them at
    the same place with the same `--chown`/`--chmod`/`--link`), the whole COPY still comes
    before everything that needs the sources, and the image ends with the same files (the
    whole COPY copies the manifests again, unchanged). The whole COPY only moves across
    instructions that cannot change what it copies (LABEL, EXPOSE, USER, SHELL, CMD, ...;
    ENV and ARG unless the COPY expands variables; WORKDIR when the destination is
    absolute), and the install stays after them.

    The build context (the Dockerfile's directory, or `--context`) is read first, with its
    `.dockerignore`. The finding is reported without a fix when: a manifest or its lock
    file is missing or ignored; `package.json` has install lifecycle scripts
    (`preinstall`, `install`, `postinstall`, `prepublish`, `prepare`; unless
    `--ignore-scripts`), `workspaces`, bundled or local (`file:`, `link:`) dependencies, or
    a `binding.gyp` beside it; pnpm workspaces or patches; Yarn 2 or later; the install
    installs the project itself (`pip install .`, `-e`, `poetry install` without
    `--no-root`, `uv sync` without `--no-install-project`, `pdm install` without
    `--no-self`) or has local path dependencies (also inside requirements files); pipenv
    with a `.env` file; a Gemfile that reads other files (`gemspec`, `path:`,
    `eval_gemfile`); `composer install` without `--no-scripts`, or one that dumps a class
    map of the sources (add `--no-autoloader`); a vendored Go module, a `go.work` workspace
    or a local `replace`; a directory the install writes into (`node_modules`, `vendor`,
    `.venv`, `.bundle`) is in the context and not ignored (the whole COPY would overwrite
    what the install made); the RUN runs other commands that may need the sources (a
    command with a redirection to or from a file counts) and the install is not its first
    command; the COPY has flags besides `--chown`, `--chmod` and
    `--link` (`--exclude`, `--parents`), or spans several lines. Without a build context
    (stdin) every finding is display-only.

    Nothing is reported for a COPY with `--from`, a RUN, COPY, ADD, VOLUME (or WORKDIR, with
    a relative destination) between the COPY and the install (copy-after-install may move
    the COPY first), a RUN in exec form, with a bind mount or a shell that is not POSIX,
    an install that does not read its manifests from the copied directory, or a Go build
    whose modules an earlier RUN of the stage already downloads.

    Installs that may rewrite their lock file (`npm install`, `yarn install` without
    `--frozen-lockfile`, `pnpm install` without `--frozen-lockfile`, `uv sync` without
    `--locked`/`--frozen`, `pdm install` without `--frozen-lockfile`, `pipenv install`
    without `--deploy`, `bundle install` without frozen or deployment mode) get an unsafe
    fix: a lock the install rewrote would now be replaced by the context's copy. So does
    the Go rewrite in a stage that reaches the final image without a cache mount on the
    module cache: `go mod download` also fetches modules that only tests need.
    """
    read: list[IgnoreFile] = []

    def ignore() -> IgnoreFile:  # read when an install needs it, at most once: most files never get there
        if not read:
            read.append(ignore_file(context))
        return read[0]

    for stage in df.stages:
        for index, instruction in enumerate(stage.instructions):
            if instruction.command in ("COPY", "ADD"):
                finding = _check(df, context, ignore, stage, index)
                if finding is not None:
                    yield finding


# --------------------------------------------------------------------------- the whole COPY


@dataclass(frozen=True)
class _WholeCopy:
    instruction: Instruction
    source: str  # the context directory it copies: "." or "app"
    dest_text: str
    dest: str | None  # resolved ("/app"), None when unknown
    problem: str | None = None

    @property
    def absolute(self) -> bool:
        return self.dest_text.startswith(("/", "$"))

    @property
    def tree(self) -> Tree:
        return Tree(self.source, self.dest, self.instruction.command)


def _whole_copy(df: Dockerfile, context: Context, copy: Instruction) -> _WholeCopy | None:
    if copy.heredocs or copy.flag("from") is not None:
        return None
    items = copy.arguments
    if len(items) != 2:
        return None
    source_text, dest_text = items
    if source_text in (".", "./"):
        source = "."
    elif source_text.startswith(("/", "..")) or any(c in source_text for c in "*?[$\"'\\"):
        return None
    elif context.directory is not None:
        source = posixpath.normpath(source_text)
        if source.startswith("..") or not _is_dir(context, source):
            return None
    elif source_text.endswith("/"):
        source = posixpath.normpath(source_text)
    else:
        return None
    dest = copy_destination(df, copy)
    other_flags = [f for f in copy.flags if f.name not in _CARRIED_FLAGS]
    problem = None
    if other_flags:
        problem = f"the {copy.command} has `{df.slice(other_flags[0].span)}`"
    elif len(copy.lines) != 1:
        problem = f"the {copy.command} spans several lines"
    elif not copy.json and any(c in dest_text for c in "\"'"):
        problem = "the destination is quoted"
    elif dest is None:
        problem = "the destination cannot be resolved"
    return _WholeCopy(copy, source, dest_text, dest, problem)


def _next_run(df: Dockerfile, stage: Stage, index: int, whole: _WholeCopy):
    """The RUN the whole COPY can be moved below, with the WORKDIR it runs in."""
    expands = "$" in df.slice(whole.instruction.span)
    for instruction in stage.instructions[index + 1 :]:
        command = instruction.command
        if command == "RUN":
            return instruction, workdir_at(df, stage, instruction)
        if command == "WORKDIR" and whole.absolute and not expands:
            continue
        if command not in _PASSABLE or (command in ("ENV", "ARG") and expands):
            return None, None
    return None, None


# --------------------------------------------------------------------------- what the RUN runs


@dataclass(frozen=True)
class _Step:
    command: Command
    role: Role
    directory: str | None = None  # where a `cd` goes


def _analyse(df: Dockerfile, run: Instruction, script: Script, cwd: str | None, tree: Tree) -> list[_Step]:
    by_command = {id(i.command): i for i in invocations(df, run)}
    steps: list[_Step] = []
    previous: Command | None = None
    for command in script.commands:
        if command.program == "cd" and command.kind == "simple" and not command.context:
            values = [w.value for w in command.args]
            cwd = join(cwd, values[0]) if len(values) == 1 and values[0] != "-" else None
            steps.append(_Step(command, Role("neutral" if cwd is not None else "other"), cwd))
        else:
            steps.append(
                _Step(command, command_role(script, command, by_command.get(id(command)), cwd, tree, previous))
            )
        previous = command
    return steps


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class _Plan:
    mode: str  # "whole" (move the whole COPY below the RUN), "split" (move the first command), "go", "none"
    installs: tuple[Install, ...]
    removal: Edit | None = None
    problem: str | None = None


def _plan(df: Dockerfile, run: Instruction, steps: list[_Step], before: tuple[Instruction, ...]) -> _Plan | None:
    installs = [s.role.install for s in steps if s.role.kind == "install" and s.role.install is not None]
    builds = [s.role.install for s in steps if s.role.kind == "build" and s.role.install is not None]
    downloaded = any("go mod download" in i.logical for i in before if i.command == "RUN")
    if downloaded:
        installs = [i for i in installs if i.tool != "go"]
        builds = []
    if not installs and not builds:
        return None
    if installs and not builds and all(s.role.kind in ("install", "neutral") for s in steps):
        return _Plan("whole", tuple(installs))
    first = steps[0]
    if (
        first.role.kind == "install"
        and first.role.install is not None
        and any(first.role.install is i for i in installs)
    ):
        removal = remove_command(df, run, first.command)
        if removal is not None:
            return _Plan("split", (first.role.install,), removal)
    if builds:
        return _Plan("go", (builds[0],))
    blocker = next(s for s in steps if s.role.kind not in ("install", "neutral"))
    script = script_of(df, run)
    shown = _short(script.text[blocker.command.start : blocker.command.end]) if script else "a command"
    return _Plan("none", tuple(installs), problem=f"the RUN also runs `{shown}`, which may need the sources")


# --------------------------------------------------------------------------- the check


def _check(
    df: Dockerfile, context: Context, ignore: Callable[[], IgnoreFile], stage: Stage, index: int
) -> Finding | None:
    body = stage.instructions
    copy = body[index]
    whole = _whole_copy(df, context, copy)
    if whole is None:
        return None
    run, cwd = _next_run(df, stage, index, whole)
    if run is None or run.json or any(m["type"] == "bind" for m in run.mounts()):
        return None
    if not is_posix_shell(effective_shell(df, run)):
        return None
    script = script_of(df, run)
    if script is None or script.has_error or not script.commands:
        return None
    tree = whole.tree
    steps = _analyse(df, run, script, cwd, tree)
    plan = _plan(df, run, steps, body[:index])
    if plan is None or not all(_reads_the_copy(tree, i) for i in plan.installs):
        return None
    shown = " && ".join(_short(script.text[i.command.start : i.command.end]) for i in plan.installs)
    copied = "the whole build context" if whole.source == "." else f"{whole.source}/"
    head = f"{copy.command} of {copied} before `{shown}` (line {run.start_line})"
    span = copy.keyword_span

    def report(why: str) -> Finding:
        return Finding(f"{head}: not rewritten: {why}", span.start, span.end)

    if plan.problem:
        return report(plan.problem)
    problem = whole.problem or next((i.problem for i in plan.installs if i.problem), None)
    if problem:
        return report(problem)
    if context.directory is None:
        wanted = ", ".join(dict.fromkeys(manifest_names(i) for i in plan.installs))
        return Finding(
            f"{head}: copy {wanted} first and install before it (display-only: no build context)", span.start, span.end
        )
    files: list[str] = []
    unsafe: list[str] = []
    for install in plan.installs:
        need = manifests_for(
            install, tree, context, ignore(), stage=stage, run=run, before=_commands_before(steps, install)
        )
        if need.problem:
            return report(need.problem)
        files += [f for f in need.files if f not in files]
        if need.unsafe:
            unsafe.append(need.unsafe)
    if plan.mode == "go" and _module_root_is_not(whole, files, cwd):
        return report("the Go module root is not the WORKDIR of the build")
    for step in steps if plan.mode == "whole" else ():
        relative = tree.to_context(step.directory)
        if relative is not None and relative != whole.source and not any(f.startswith(relative + "/") for f in files):
            return report(f"the RUN changes into {step.directory}, which only the whole COPY would create")
    lines = _manifest_copies(df, whole, files)
    if lines is None:
        return report("a manifest's name needs quoting")
    edits = _edits(df, whole, run, script, plan, lines)
    applicability = Applicability.UNSAFE if unsafe else Applicability.SAFE
    names = ", ".join(files)
    then = " and run `go mod download`" if plan.mode == "go" else ""
    why = f" (unsafe: {unsafe[0]})" if unsafe else ""
    return Finding(
        f"{head}: copy {names}{then} first, so that a source change keeps the dependencies cached{why}",
        span.start,
        span.end,
        Fix(tuple(edits), applicability),
    )


def _commands_before(steps: list[_Step], install: Install) -> tuple[Command, ...]:
    """The commands of the RUN that run before ``install``."""
    before = []
    for step in steps:
        if step.role.install is install:
            break
        before.append(step.command)
    return tuple(before)


def _reads_the_copy(tree: Tree, install: Install) -> bool:
    """Whether the install reads its manifests from the copied directory (pip by the paths it
    is given, the others from the directory they run in)."""
    if install.tool == "pip":
        return all(tree.to_context(join(install.cwd, name)) is not None for name in install.reads)
    return tree.to_context(install.cwd) is not None


def _module_root_is_not(whole: _WholeCopy, files: list[str], cwd: str | None) -> bool:
    gomod = next((f for f in files if posixpath.basename(f) == "go.mod"), None)
    if gomod is None or whole.dest is None:
        return True
    rel = posixpath.dirname(gomod) if whole.source == "." else posixpath.relpath(posixpath.dirname(gomod), whole.source)
    root = whole.dest if rel in ("", ".") else posixpath.normpath(posixpath.join(whole.dest, rel))
    return root != cwd


# --------------------------------------------------------------------------- the edits


def _manifest_copies(df: Dockerfile, whole: _WholeCopy, files: list[str]) -> list[str] | None:
    copy = whole.instruction
    keyword = copy.cased("COPY")
    flags = "".join(" " + df.slice(f.span) for f in copy.flags)
    groups: dict[str, list[str]] = {}
    for path in files:
        relative = path if whole.source == "." else posixpath.relpath(path, whole.source)
        groups.setdefault(posixpath.dirname(relative), []).append(path)
    lines = []
    for subdirectory in sorted(groups, key=lambda d: (d != "", d)):
        base = whole.dest_text if whole.dest_text.endswith("/") else whole.dest_text + "/"
        dest = base + (subdirectory + "/" if subdirectory else "")
        paths = groups[subdirectory]
        if copy.json:
            lines.append(f"{keyword}{flags} {json.dumps([*paths, dest])}")
        else:
            if any(re.search(r"[\s\"'$\\*?\[]", p) for p in paths):
                return None
            lines.append(f"{keyword}{flags} {' '.join(paths)} {dest}")
    return lines


def _edits(
    df: Dockerfile, whole: _WholeCopy, run: Instruction, script: Script, plan: _Plan, lines: list[str]
) -> list[Edit]:
    copy = whole.instruction
    newline = df.newline_at(copy.span.start)
    copy_indent = df.text[copy.span.start : copy.keyword_span.start]
    moved = df.text[copy.keyword_span.start : copy.code_end]
    edits = [Edit(copy.span.start, copy.code_end, newline.join(copy_indent + line for line in lines))]
    run_indent = df.text[run.span.start : run.keyword_span.start]
    if plan.mode == "whole":
        at = run.span.end
        if df.text[at - 1 : at] == "\n":
            edits.append(Edit.insert(at, run_indent + moved + newline))
        else:
            edits.append(Edit.insert(at, newline + run_indent + moved))
        return edits
    prefix = df.slice(run.keyword_span) + "".join(" " + df.slice(f.span) for f in run.flags)
    command = "go mod download" if plan.mode == "go" else _command_text(script, plan.installs[0].command)
    edits.append(Edit.insert(run.span.start, f"{run_indent}{prefix} {command}{newline}{run_indent}{moved}{newline}"))
    if plan.removal is not None:
        edits.append(plan.removal)
    return edits


def _command_text(script: Script, command: Command) -> str:
    """The command as one line: its words joined by single spaces when nothing else is between them."""
    words: list[Word] = sorted(
        [*command.assignments, *([command.name] if command.name else []), *command.args], key=lambda w: w.start
    )
    text = script.text[command.start : command.end]
    if not words or words[0].start != command.start or words[-1].end != command.end:
        return text
    if any(script.text[a.end : b.start].strip() for a, b in pairwise(words)):
        return text
    return " ".join(w.text for w in words)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------- paths


def _is_dir(context: Context, relative: str) -> bool:
    target = context.locate(relative)
    return target is not None and target.is_dir()
