"""dependency-manifests-first (DO103): copy the dependency manifests and install before the sources."""

from __future__ import annotations

import json
import posixpath
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..fix import Applicability, Edit, Finding, Fix
from ..packages import VALUE_OPTIONS, Invocation, invocations
from ..registry import Context, transform
from ..runs import remove_command
from ..shell import Command, Script, Word, effective_shell, is_posix_shell, script_of
from ..syntax import Dockerfile, Instruction, Stage

# Instructions the whole COPY may be moved across: they neither read the copied files nor
# change what the COPY does (ENV and ARG only matter to a COPY that expands variables).
_PASSABLE = frozenset(
    {"LABEL", "EXPOSE", "STOPSIGNAL", "HEALTHCHECK", "CMD", "ENTRYPOINT", "MAINTAINER", "ONBUILD", "USER", "SHELL", "ENV", "ARG"}
)
_CARRIED_FLAGS = frozenset({"chown", "chmod", "link"})
_SYSTEM_MANAGERS = frozenset({"apt-get", "apt", "aptitude", "apk", "yum", "dnf", "microdnf", "zypper"})
_ARCHIVE = re.compile(r"\.(whl|tar\.gz|tgz|tar\.bz2|tar\.xz|zip|egg|deb|rpm|apk|gem)\Z")
_LIFECYCLE = ("preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare", "postprepare")
_LOCAL_SPEC = re.compile(r"\A(file:|link:|portal:|workspace:|\.{0,2}/|~/)")
_NEUTRAL_PROGRAMS = frozenset(
    {"true", ":", "echo", "printf", "mkdir", "set", "export", "umask", "corepack", "useradd", "adduser", "groupadd", "addgroup",
     "update-ca-certificates", "ldconfig", "virtualenv"}
)
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh"})
_PYTHON = re.compile(r"python[0-9.]*\Z")
_QUIET_REDIRECTS = re.compile(r"[0-9]*>\s*/dev/null|[0-9]*>&[0-9]")


@transform(code="DO103", name="dependency-manifests-first", applicability=Applicability.SAFE)
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
    what the install made); the RUN runs other commands that may need the sources and the
    install is not its first command; the COPY has flags besides `--chown`, `--chmod` and
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
    ignore = _DockerIgnore.of(context) if context.directory is not None else None
    workdirs: dict[int, str | None] = {}
    for stage in df.stages:
        workdir = workdirs.get(stage.parent, "@") if stage.parent is not None else "@"
        body = stage.instructions
        for index, instruction in enumerate(body):
            if instruction.command == "WORKDIR":
                workdir = _change_dir(workdir, instruction.args)
            elif instruction.command in ("COPY", "ADD"):
                finding = _check(df, context, ignore, stage, index, workdir)
                if finding is not None:
                    yield finding
        workdirs[stage.index] = workdir


# --------------------------------------------------------------------------- the whole COPY


@dataclass
class _WholeCopy:
    instruction: Instruction
    source: str  # the context directory it copies: "." or "app"
    dest_text: str
    dest: str | None  # resolved: "/app", "@/x" (relative to an unknown WORKDIR), None if unknown
    problem: str | None = None

    @property
    def absolute(self) -> bool:
        return self.dest_text.startswith(("/", "$"))


def _whole_copy(df: Dockerfile, context: Context, copy: Instruction, workdir: str | None) -> _WholeCopy | None:
    if copy.heredocs or copy.flag("from") is not None:
        return None
    items = list(copy.json_args or ()) if copy.json else copy.words()
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
    whole = _WholeCopy(copy, source, dest_text, _resolve(dest_text, workdir))
    other_flags = [f for f in copy.flags if f.name not in _CARRIED_FLAGS]
    if other_flags:
        whole.problem = f"the {copy.command} has `{df.slice(other_flags[0].span)}`"
    elif len(copy.lines) != 1:
        whole.problem = f"the {copy.command} spans several lines"
    elif not copy.json and any(c in dest_text for c in "\"'"):
        whole.problem = "the destination is quoted"
    elif whole.dest is None:
        whole.problem = "the destination cannot be resolved"
    return whole


def _next_run(df: Dockerfile, body: tuple[Instruction, ...], index: int, whole: _WholeCopy, workdir: str | None):
    """The RUN the whole COPY can be moved below, with the WORKDIR it runs in."""
    expands = "$" in df.slice(whole.instruction.span)
    for instruction in body[index + 1 :]:
        command = instruction.command
        if command == "RUN":
            return instruction, workdir
        if command == "WORKDIR" and whole.absolute and not expands:
            workdir = _change_dir(workdir, instruction.args)
        elif command not in _PASSABLE or (command in ("ENV", "ARG") and expands):
            return None, None
    return None, None


# --------------------------------------------------------------------------- what the RUN runs


@dataclass
class _Install:
    command: Command
    tool: str  # "pip", "npm", "yarn", "pnpm", "poetry", "uv", "pdm", "pipenv", "bundler", "composer", "go"
    cwd: str | None
    reads: tuple[str, ...] = ()  # pip: the -r/-c files, as written
    outputs: tuple[str, ...] = ()  # paths it writes to, as written (relative to cwd)
    problem: str | None = None
    unlocked: str | None = None  # why it may rewrite its lock file
    options: frozenset[str] = frozenset()


@dataclass
class _Entry:
    command: Command
    kind: str  # "install", "neutral", "build" (go build and friends), "other"
    install: _Install | None = None
    directory: str | None = None  # where a `cd` goes


def _analyse(df: Dockerfile, run: Instruction, script: Script, cwd: str | None, dest: str | None) -> list[_Entry]:
    by_command = {id(i.command): i for i in invocations(df, run)}
    entries: list[_Entry] = []
    previous: Command | None = None
    for command in script.commands:
        if command.program == "cd" and command.kind == "simple" and not command.context:
            values = [w.value for w in command.args]
            cwd = _resolve(values[0], cwd) if len(values) == 1 and values[0] != "-" else None
            entries.append(_Entry(command, "neutral" if cwd is not None else "other", directory=cwd))
        else:
            entries.append(_classify(script, command, by_command.get(id(command)), cwd, dest, previous))
        previous = command
    return entries


def _classify(
    script: Script, command: Command, invocation: Invocation | None, cwd: str | None, dest: str | None, previous: Command | None
) -> _Entry:
    text = script.text[command.start : command.end]
    if command.context:
        if command.context == ("pipeline",) and _installer_pipe(command, previous):
            return _Entry(command, "neutral")
        return _Entry(command, "other")
    if ">" in _QUIET_REDIRECTS.sub("", text) or "<" in text:
        return _Entry(command, "other")
    if command.kind in ("assignment", "declaration", "unset"):
        return _Entry(command, "neutral")
    if command.kind != "simple" or command.name is None or command.program is None:
        return _Entry(command, "other")
    values = [w.value for w in command.args]
    program = command.program
    if invocation is not None:
        return _manager(command, invocation, cwd)
    if None in values and program not in ("echo", "printf", "export", "set"):
        return _Entry(command, "other")
    args = [v for v in values if v is not None]
    if program in _NEUTRAL_PROGRAMS:
        return _Entry(command, "neutral")
    if program in ("rm", "source", ".", "find"):
        paths = [a for a in args if not a.startswith("-")]
        if program == "find":
            paths = paths[:1]
        return _Entry(command, "neutral" if paths and _outside(paths, cwd, dest) else "other")
    if _PYTHON.match(program) and args[:2] in (["-m", "venv"], ["-m", "ensurepip"]):
        return _Entry(command, "neutral")
    if program == "uv" and args[:2] == ["pip", "install"]:
        return _pip(command, command.args[2:], cwd)
    sub, rest = _subcommand(args)
    handler = _TOOLS.get(program)
    if handler is None:
        return _Entry(command, "other")
    return handler(command, sub, rest, args, cwd)


def _outside(paths: list[str], cwd: str | None, dest: str | None) -> bool:
    """Whether every path is outside the destination (`~` is the home directory: outside)."""
    for path in paths:
        if path.startswith("~"):
            continue
        resolved = _resolve(path, cwd)
        if resolved is None or dest is None or _inside(resolved, dest) is not None:
            return False
    return True


def _installer_pipe(command: Command, previous: Command | None) -> bool:
    """`curl -sSL https://... | sh -s -- ...`: downloads an installer and runs it."""
    values = [w.value for w in command.args]
    if None in values:
        return False
    if command.program in ("curl", "wget") and command.joiner != "|":
        return not any(v in ("-o", "-O", "--output", "--remote-name") or v.startswith("--output") for v in values)  # type: ignore[union-attr]
    if command.joiner == "|" and previous is not None and previous.program in ("curl", "wget"):
        if command.program in _SHELLS or (command.program and _PYTHON.match(command.program)):
            operands = [v for v in values if not v.startswith("-")]  # type: ignore[union-attr]
            return not operands or "-s" in values or "-" in values or "--" in values
    return False


def _subcommand(args: list[str]) -> tuple[str | None, list[str]]:
    for index, arg in enumerate(args):
        if not arg.startswith("-"):
            return arg, args[:index] + args[index + 1 :]
    return None, args


def _manager(command: Command, invocation: Invocation, cwd: str | None) -> _Entry:
    manager = invocation.manager
    if any(w.value is None for w in invocation.words):
        return _Entry(command, "other")
    sub = invocation.subcommand
    if manager in _SYSTEM_MANAGERS:
        local = [p for p in invocation.packages if p is None or "/" in p or _ARCHIVE.search(p)]
        return _Entry(command, "other" if local else "neutral")
    if manager == "pip":
        if sub == "install":
            return _pip(command, invocation.after_subcommand, cwd)
        return _Entry(command, "neutral" if sub in ("cache", "config", "list", "freeze", "show", "check", "uninstall") else "other")
    if manager == "gem":
        local = [p for p in invocation.packages if p is None or "/" in p or _ARCHIVE.search(p)]
        return _Entry(command, "neutral" if sub in ("install", "update", "sources") and not local else "other")
    options = frozenset(w.value.split("=", 1)[0] for w in invocation.words if w.value and w.value.startswith("-"))  # type: ignore[union-attr]
    if manager == "npm":
        if options & {"--prefix", "-C", "-w", "--workspace", "--workspaces"}:
            return _Entry(command, "other")
        globally = invocation.has_option("-g", "--global")
        if sub in ("ci", "clean-install", "ic", "install-clean", "isntall-clean"):
            return _Entry(command, "install", _Install(command, "npm", cwd, options=options))
        if sub in ("install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal", "isntall", "add"):
            if globally:
                return _Entry(command, "neutral")
            if invocation.operands:
                return _Entry(command, "other")
            return _Entry(command, "install", _Install(command, "npm", cwd, options=options, unlocked="`npm install` may rewrite package-lock.json"))
        return _Entry(command, "neutral" if sub in ("cache", "config", "set") else "other")
    if manager == "yarn":
        if options & {"--cwd", "--modules-folder"}:
            return _Entry(command, "other")
        if sub is None and options & {"-v", "--version", "-h", "--help"}:
            return _Entry(command, "neutral")
        if sub in (None, "install"):
            frozen = options & {"--frozen-lockfile", "--pure-lockfile", "--immutable"}
            unlocked = None if frozen else "`yarn install` without --frozen-lockfile may rewrite yarn.lock"
            return _Entry(command, "install", _Install(command, "yarn", cwd, options=options, unlocked=unlocked))
        return _Entry(command, "neutral" if sub in ("global", "config", "cache") else "other")
    return _Entry(command, "other")


def _pip(command: Command, words: tuple[Word, ...], cwd: str | None) -> _Entry:
    takes_value = VALUE_OPTIONS["pip"]
    reads: list[str] = []
    outputs: list[str] = []
    problem = None
    operands: list[str] = []
    index = 0
    while index < len(words):
        value = words[index].value
        if value is None:
            return _Entry(command, "other")
        name, eq, given = value.partition("=")
        if value.startswith("--") or value in takes_value:
            if name in takes_value and not eq:
                index += 1
                given = words[index].value if index < len(words) else None
                if given is None:
                    return _Entry(command, "other")
            if name in ("--requirement", "-r", "--constraint", "-c"):
                reads.append(given)
            elif name in ("--editable", "-e"):
                problem = "it installs a local project in editable mode (`-e`)"
            elif name in ("--target", "-t", "--prefix", "--root", "--src"):
                outputs.append(given)
            elif name in ("--find-links", "-f") and "://" not in given:
                problem = "it finds packages in a local directory (`--find-links`)"
        elif value.startswith(("-r", "-c")) and len(value) > 2:
            reads.append(value[2:])
        elif value.startswith("-e") and len(value) > 2:
            problem = "it installs a local project in editable mode (`-e`)"
        elif value.startswith("-") and value != "-":
            pass
        else:
            operands.append(value)
        index += 1
    local = [o for o in operands if _local_requirement(o)]
    if local:
        problem = f"it installs the local path `{local[0]}`"
    if not reads:
        return _Entry(command, "other" if problem or outputs else "neutral")
    return _Entry(command, "install", _Install(command, "pip", cwd, tuple(reads), tuple(outputs), problem))


def _local_requirement(text: str) -> bool:
    if "://" in text:
        return text.startswith("file:") or "@ file:" in text
    return text.startswith((".", "/", "~", "file:")) or "/" in text or "\\" in text or bool(_ARCHIVE.search(text))


def _pnpm(command: Command, sub: str | None, rest: list[str], args: list[str], cwd: str | None) -> _Entry:
    options = frozenset(a.split("=", 1)[0] for a in rest if a.startswith("-"))
    if options & {"-C", "--dir", "--filter", "-F", "-r", "--recursive", "-w", "--workspace-root"}:
        return _Entry(command, "other")
    if options & {"-g", "--global"} and sub in ("add", "install", "i"):
        return _Entry(command, "neutral")
    if sub in ("install", "i") and not [a for a in rest if not a.startswith("-")]:
        unlocked = None if "--frozen-lockfile" in options else "`pnpm install` without --frozen-lockfile may rewrite pnpm-lock.yaml"
        return _Entry(command, "install", _Install(command, "pnpm", cwd, options=options, unlocked=unlocked))
    return _Entry(command, "neutral" if sub in ("config", "store", "setup", "env") else "other")


def _poetry(command: Command, sub: str | None, rest: list[str], args: list[str], cwd: str | None) -> _Entry:
    options = frozenset(a.split("=", 1)[0] for a in rest if a.startswith("-"))
    if options & {"-C", "--directory", "-P", "--project"}:
        return _Entry(command, "other")
    if sub == "install":
        problem = "it installs the project itself (`--only-root`)" if "--only-root" in options else None
        return _Entry(command, "install", _Install(command, "poetry", cwd, problem=problem, options=options))
    if sub is None and options & {"--version", "-V"}:
        return _Entry(command, "neutral")
    return _Entry(command, "neutral" if sub in ("config", "self", "cache", "about") else "other")


def _uv(command: Command, sub: str | None, rest: list[str], args: list[str], cwd: str | None) -> _Entry:
    options = frozenset(a.split("=", 1)[0] for a in rest if a.startswith("-"))
    if options & {"--project", "--directory", "--package", "--all-packages"}:
        return _Entry(command, "other")
    if sub == "sync":
        unlocked = None if options & {"--locked", "--frozen"} else "`uv sync` without --locked may rewrite uv.lock"
        return _Entry(command, "install", _Install(command, "uv", cwd, options=options, unlocked=unlocked))
    return _Entry(command, "neutral" if sub in ("venv", "python", "tool", "cache", "self") else "other")


def _pdm(command: Command, sub: str | None, rest: list[str], args: list[str], cwd: str | None) -> _Entry:
    options = frozenset(a.split("=", 1)[0] for a in rest if a.startswith("-"))
    if options & {"-p", "--project", "-g", "--global"}:
        return _Entry(command, "other")
    if sub in ("install", "sync"):
        frozen = sub == "sync" or options & {"--frozen-lockfile", "--frozen", "--check"}
        unlocked = None if frozen else "`pdm install` may rewrite pdm.lock"
        return _Entry(command, "install", _Install(command, "pdm", cwd, options=options, unlocked=unlocked))
    return _Entry(command, "neutral" if sub == "config" else "other")


def _pipenv(command: Command, sub: str | None, rest: list[str], args: list[str], cwd: str | None) -> _Entry:
    options = frozenset(a.split("=", 1)[0] for a in rest if a.startswith("-"))
    operands = [a for a in rest if not a.startswith("-")]
    if sub in ("install", "sync") and not operands and not options & {"-e", "--editable", "-r", "--requirements"}:
        frozen = sub == "sync" or options & {"--deploy", "--ignore-pipfile"}
        unlocked = None if frozen else "`pipenv install` without --deploy may rewrite Pipfile.lock"
        return _Entry(command, "install", _Install(command, "pipenv", cwd, options=options, unlocked=unlocked))
    if sub is None and options & {"--version", "--venv", "--where", "--py"}:
        return _Entry(command, "neutral")
    return _Entry(command, "other")


def _bundle(command: Command, sub: str | None, rest: list[str], args: list[str], cwd: str | None) -> _Entry:
    options = frozenset(a.split("=", 1)[0] for a in rest if a.startswith("-"))
    if sub is None and options & {"-v", "--version"}:
        return _Entry(command, "neutral")
    if sub in (None, "install"):
        if options & {"--gemfile", "--binstubs", "--standalone"}:
            return _Entry(command, "other")
        frozen = options & {"--frozen", "--deployment"} or any(
            w.text.startswith(("BUNDLE_FROZEN=", "BUNDLE_DEPLOYMENT=")) for w in command.assignments
        )
        unlocked = None if frozen else "`bundle install` without frozen mode may rewrite Gemfile.lock"
        outputs = tuple(v for k, v in _option_pairs(rest) if k == "--path")
        return _Entry(command, "install", _Install(command, "bundler", cwd, outputs=outputs, options=options, unlocked=unlocked))
    return _Entry(command, "neutral" if sub == "config" else "other")


def _composer(command: Command, sub: str | None, rest: list[str], args: list[str], cwd: str | None) -> _Entry:
    options = frozenset(a.split("=", 1)[0] for a in rest if a.startswith("-"))
    if options & {"-d", "--working-dir"}:
        return _Entry(command, "other")
    if sub == "install" and not [a for a in rest if not a.startswith("-")]:
        problem = None if "--no-scripts" in options else "it runs the project's Composer scripts (no `--no-scripts`)"
        return _Entry(command, "install", _Install(command, "composer", cwd, problem=problem, options=options))
    if sub in ("clear-cache", "clearcache", "cc", "self-update", "selfupdate", "diagnose") or (
        sub == "config" and options & {"-g", "--global"}
    ):
        return _Entry(command, "neutral")
    if sub is None and options & {"-V", "--version"}:
        return _Entry(command, "neutral")
    return _Entry(command, "other")


def _go(command: Command, sub: str | None, rest: list[str], args: list[str], cwd: str | None) -> _Entry:
    if "-C" in args or any(a.startswith("-C=") for a in args):
        return _Entry(command, "other")
    if sub == "mod":
        action, more = _subcommand(rest)
        if action == "download" and not [a for a in more if not a.startswith("-")]:
            return _Entry(command, "install", _Install(command, "go", cwd))
        return _Entry(command, "neutral" if action == "verify" else "other")
    if sub in ("build", "install", "test", "vet", "run"):
        if any("@" in a for a in rest if not a.startswith("-")):
            return _Entry(command, "neutral")  # `go install pkg@version` does not read go.mod
        if any(a in ("-mod=vendor",) for a in rest) or "-mod" in rest:
            return _Entry(command, "other")
        return _Entry(command, "build", _Install(command, "go", cwd))
    return _Entry(command, "neutral" if sub in ("env", "version") else "other")


def _option_pairs(args: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for index, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if eq:
            pairs.append((name, value))
        elif arg.startswith("-") and index + 1 < len(args):
            pairs.append((arg, args[index + 1]))
    return pairs


_TOOLS = {
    "pnpm": _pnpm,
    "poetry": _poetry,
    "uv": _uv,
    "pdm": _pdm,
    "pipenv": _pipenv,
    "bundle": _bundle,
    "bundler": _bundle,
    "composer": _composer,
    "go": _go,
}


# --------------------------------------------------------------------------- the plan


@dataclass
class _Plan:
    mode: str  # "whole" (move the whole COPY below the RUN), "split" (move the first command), "go"
    installs: list[_Install]
    removal: Edit | None = None
    problem: str | None = None


def _plan(df: Dockerfile, run: Instruction, entries: list[_Entry], before: tuple[Instruction, ...]) -> _Plan | None:
    installs = [e.install for e in entries if e.kind == "install" and e.install is not None]
    builds = [e.install for e in entries if e.kind == "build" and e.install is not None]
    downloaded = any("go mod download" in i.logical for i in before if i.command == "RUN")
    if downloaded:
        installs = [i for i in installs if i.tool != "go"]
        builds = []
    if not installs and not builds:
        return None
    if installs and not builds and all(e.kind in ("install", "neutral") for e in entries):
        return _Plan("whole", installs)
    first = entries[0]
    if first.kind == "install" and any(first.install is i for i in installs):
        removal = remove_command(df, run, first.command)
        if removal is not None:
            return _Plan("split", [first.install], removal)
    if builds:
        return _Plan("go", [builds[0]])
    blocker = next(e for e in entries if e.kind not in ("install", "neutral"))
    script = script_of(df, run)
    shown = _short(script.text[blocker.command.start : blocker.command.end]) if script else "a command"
    return _Plan("none", installs, problem=f"the RUN also runs `{shown}`, which may need the sources")


# --------------------------------------------------------------------------- the check


def _check(df: Dockerfile, context: Context, ignore, stage: Stage, index: int, workdir: str | None) -> Finding | None:
    body = stage.instructions
    copy = body[index]
    whole = _whole_copy(df, context, copy, workdir)
    if whole is None:
        return None
    run, cwd = _next_run(df, body, index, whole, workdir)
    if run is None or run.json or any(m["type"] == "bind" for m in run.mounts()):
        return None
    if not is_posix_shell(effective_shell(df, run)):
        return None
    script = script_of(df, run)
    if script is None or script.has_error or not script.commands:
        return None
    entries = _analyse(df, run, script, cwd, whole.dest)
    plan = _plan(df, run, entries, body[:index])
    if plan is None or not all(_reads_the_copy(whole, i) for i in plan.installs):
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
        wanted = ", ".join(dict.fromkeys(_expected(i) for i in plan.installs))
        return Finding(f"{head}: copy {wanted} first and install before it (display-only: no build context)", span.start, span.end)
    files: list[str] = []
    unsafe: list[str] = []
    for install in plan.installs:
        need = _manifests(context, ignore, whole, install, stage, run, entries)
        if need.problem:
            return report(need.problem)
        files += [f for f in need.files if f not in files]
        if need.unsafe:
            unsafe.append(need.unsafe)
    if plan.mode == "go" and _module_root_is_not(whole, files, cwd):
        return report("the Go module root is not the WORKDIR of the build")
    for entry in entries if plan.mode == "whole" else ():
        relative = _to_context(whole, entry.directory)
        if relative is not None and relative != whole.source and not any(f.startswith(relative + "/") for f in files):
            return report(f"the RUN changes into {entry.directory}, which only the whole COPY would create")
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


def _reads_the_copy(whole: _WholeCopy, install: _Install) -> bool:
    """Whether the install reads its manifests from the copied directory (pip by the paths it
    is given, the others from the directory they run in)."""
    if install.tool == "pip":
        return all(_to_context(whole, _resolve(name, install.cwd)) is not None for name in install.reads)
    return _to_context(whole, install.cwd) is not None


def _expected(install: _Install) -> str:
    """What an install reads, named without looking at the build context."""
    if install.tool == "pip":
        return ", ".join(install.reads)
    return {
        "npm": "package.json and its lock file",
        "yarn": "package.json and yarn.lock",
        "pnpm": "package.json and pnpm-lock.yaml",
        "poetry": "pyproject.toml and poetry.lock",
        "uv": "pyproject.toml and uv.lock",
        "pdm": "pyproject.toml and pdm.lock",
        "pipenv": "Pipfile and Pipfile.lock",
        "bundler": "Gemfile and Gemfile.lock",
        "composer": "composer.json and composer.lock",
        "go": "go.mod and go.sum",
    }[install.tool]


def _module_root_is_not(whole: _WholeCopy, files: list[str], cwd: str | None) -> bool:
    gomod = next((f for f in files if posixpath.basename(f) == "go.mod"), None)
    if gomod is None or whole.dest is None:
        return True
    rel = posixpath.dirname(gomod) if whole.source == "." else posixpath.relpath(posixpath.dirname(gomod), whole.source)
    root = whole.dest if rel in ("", ".") else posixpath.normpath(posixpath.join(whole.dest, rel))
    return root != cwd


# --------------------------------------------------------------------------- manifests in the context


@dataclass
class _Need:
    context: Context
    ignore: _DockerIgnore | None
    files: list[str] = field(default_factory=list)  # required: missing or ignored means no fix
    extras: set[str] = field(default_factory=set)  # optional files found (see ``optional``)
    problem: str | None = None
    unsafe: str | None = None

    def present(self, path: str) -> bool:
        """Whether the whole COPY copies this path: it is in the context and not ignored."""
        return self.context.exists(path) and not (self.ignore is not None and self.ignore.excludes(path))

    def optional(self, *paths: str) -> None:
        """Files the tool reads when they are there (configuration, a readme)."""
        found = [p for p in paths if p not in self.files and self.present(p)]
        self.files += found
        self.extras.update(found)


def _manifests(context: Context, ignore, whole: _WholeCopy, install: _Install, stage: Stage, run: Instruction, entries) -> _Need:
    where = _to_context(whole, install.cwd)
    need = _Need(context, ignore, unsafe=install.unlocked)
    if where is None and install.tool != "pip":
        need.problem = "the install does not run inside the copied directory"
        return need
    tool = install.tool
    if tool == "pip":
        _pip_files(context, whole, install, need)
    elif tool in ("npm", "yarn", "pnpm"):
        _node_files(context, where, install, need)
    elif tool in ("poetry", "uv", "pdm"):
        _pyproject_files(context, where, install, need)
    elif tool == "pipenv":
        _pipenv_files(context, where, need)
    elif tool == "bundler":
        _bundler_files(context, where, install, need, stage, run, entries)
    elif tool == "composer":
        _composer_files(context, where, install, need)
    elif tool == "go":
        _go_files(context, whole, where, need, stage, run)
    if need.problem:
        return need
    for path in need.files:
        if path not in need.extras and ignore is not None and ignore.excludes(path):
            need.problem = f"{path} is excluded by .dockerignore"
            return need
    outputs = list(_OUTPUTS.get(tool, ())) + list(install.outputs)
    for output in outputs:
        image_path = _resolve(output, install.cwd)
        relative = _to_context(whole, image_path)
        if relative is None or relative.startswith(".."):
            continue
        if need.present(relative):
            need.problem = f"{relative} is in the build context: the whole COPY would overwrite what the install puts there"
            return need
    return need


_OUTPUTS = {
    "npm": ("node_modules",),
    "yarn": ("node_modules",),
    "pnpm": ("node_modules",),
    "composer": ("vendor",),
    "bundler": (".bundle", "vendor/bundle"),
    "poetry": (".venv", "__pypackages__"),
    "uv": (".venv",),
    "pdm": (".venv", "__pypackages__"),
    "pipenv": (".venv",),
}


def _pip_files(context: Context, whole: _WholeCopy, install: _Install, need: _Need) -> None:
    queue: list[str] = []
    for name in install.reads:
        relative = _to_context(whole, _resolve(name, install.cwd))
        if relative is None:
            need.problem = f"{name} is not copied by the {whole.instruction.command}"
            return
        queue.append(relative)
    while queue:
        path = queue.pop(0)
        if path in need.files:
            continue
        text = context.read(path)
        if text is None:
            need.problem = f"{path} is not in the build context"
            return
        need.files.append(path)
        for line in _requirement_lines(text):
            include, problem = _requirement_line(line)
            if problem:
                need.problem = f"{path}: {problem}"
                return
            if include is None or "://" in include:
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), include)) if not include.startswith("/") else None
            if include.startswith("/"):
                target = _to_context(whole, posixpath.normpath(include))
            if target is None or target.startswith("..") or (whole.source != "." and not target.startswith(whole.source + "/")):
                need.problem = f"{path} includes {include}, which the {whole.instruction.command} does not copy"
                return
            queue.append(target)


def _requirement_lines(text: str) -> Iterator[str]:
    logical = ""
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw)
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        logical += line
        if logical.strip():
            yield logical.strip()
        logical = ""
    if logical.strip():
        yield logical.strip()


def _requirement_line(line: str) -> tuple[str | None, str | None]:
    """(an -r/-c include, a reason to fall back) for one logical line of a requirements file."""
    tokens = line.split()
    first = tokens[0]
    if first.startswith("-"):
        name, eq, value = first.partition("=")
        if name in ("-r", "--requirement", "-c", "--constraint"):
            value = value if eq else (tokens[1] if len(tokens) > 1 else "")
            return value or None, None
        if first.startswith(("-r", "-c")) and not first.startswith("--") and len(first) > 2:
            return first[2:], None
        if name in ("-e", "--editable") or (first.startswith("-e") and not first.startswith("--")):
            return None, "it installs a project in editable mode (`-e`)"
        if name in ("-f", "--find-links"):
            value = value if eq else (tokens[1] if len(tokens) > 1 else "")
            if "://" not in value:
                return None, "it finds packages in a local directory"
        return None, None
    requirement = line.split(";", 1)[0].split(" --", 1)[0].strip()
    if "$" in requirement and "://" not in requirement:
        return None, f"`{requirement}` depends on an environment variable"
    if _local_requirement(requirement.split("@", 1)[-1].strip() if " @ " in requirement else requirement):
        return None, f"it installs the local path `{requirement}`"
    return None, None


def _node_files(context: Context, where: str, install: _Install, need: _Need) -> None:
    package = _join(where, "package.json")
    text = context.read(package)
    if text is None:
        need.problem = f"{package} is not in the build context"
        return
    try:
        manifest = json.loads(text)
    except ValueError:
        need.problem = f"{package} is not valid JSON"
        return
    if not isinstance(manifest, dict):
        need.problem = f"{package} is not a JSON object"
        return
    scripts = manifest.get("scripts") if isinstance(manifest.get("scripts"), dict) else {}
    hooks = [h for h in _LIFECYCLE if h in scripts]
    if hooks and "--ignore-scripts" not in install.options:
        need.problem = f"package.json has a `{hooks[0]}` script, which may need the sources"
        return
    if "workspaces" in manifest:
        need.problem = "package.json declares workspaces"
        return
    if manifest.get("bundleDependencies") or manifest.get("bundledDependencies"):
        need.problem = "package.json bundles dependencies"
        return
    for table in ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies"):
        deps = manifest.get(table)
        if isinstance(deps, dict):
            local = [name for name, spec in deps.items() if isinstance(spec, str) and _LOCAL_SPEC.match(spec)]
            if local:
                need.problem = f"package.json has the local dependency `{local[0]}`"
                return
    if context.exists(_join(where, "binding.gyp")) and "--ignore-scripts" not in install.options:
        need.problem = "binding.gyp makes the install build the project's native code"
        return
    tool = install.tool
    locks = {"npm": ("package-lock.json", "npm-shrinkwrap.json"), "yarn": ("yarn.lock",), "pnpm": ("pnpm-lock.yaml",)}[tool]
    found = [_join(where, lock) for lock in locks if context.exists(_join(where, lock))]
    if not found:
        need.problem = f"there is no {' or '.join(locks)} beside package.json"
        return
    if tool == "yarn":
        manager = manifest.get("packageManager")
        if context.exists(_join(where, ".yarnrc.yml")) or (isinstance(manager, str) and re.match(r"yarn@[2-9]", manager)):
            need.problem = "Yarn 2 or later installs with files of its own (.yarnrc.yml, .yarn/)"
            return
    if tool == "pnpm":
        pnpm = manifest.get("pnpm") if isinstance(manifest.get("pnpm"), dict) else {}
        if context.exists(_join(where, "pnpm-workspace.yaml")) or pnpm.get("patchedDependencies"):
            need.problem = "pnpm workspaces or patches need more than the manifests"
            return
    optional = {"npm": (".npmrc",), "yarn": (".npmrc", ".yarnrc"), "pnpm": (".npmrc", ".pnpmfile.cjs")}[tool]
    need.files += [package, *found]
    need.optional(*(_join(where, name) for name in optional))


def _pyproject_files(context: Context, where: str, install: _Install, need: _Need) -> None:
    project_file = _join(where, "pyproject.toml")
    text = context.read(project_file)
    if text is None:
        need.problem = f"{project_file} is not in the build context"
        return
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        need.problem = f"{project_file} is not valid TOML"
        return
    tool = install.tool
    settings = data.get("tool", {}).get(tool, {}) if isinstance(data.get("tool"), dict) else {}
    project = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
    options = install.options
    if tool == "poetry" and "--no-root" not in options and settings.get("package-mode", True) is not False:
        need.problem = "`poetry install` installs the project itself (no `--no-root`)"
        return
    if tool == "uv" and not options & {"--no-install-project", "--no-install-workspace"} and settings.get("package", True) is not False:
        need.problem = "`uv sync` installs the project itself (no `--no-install-project`)"
        return
    if tool == "pdm" and "--no-self" not in options:
        need.problem = "`pdm` installs the project itself (no `--no-self`)"
        return
    if tool == "uv" and ("workspace" in settings or "sources" in settings and _has_local_source(settings["sources"])):
        need.problem = "the project uses a uv workspace or local sources"
        return
    dynamic = project.get("dynamic", [])
    if isinstance(dynamic, list) and any(d in ("dependencies", "optional-dependencies") for d in dynamic):
        need.problem = "the project's dependencies are dynamic (worked out from the sources)"
        return
    if re.search(r"^\s*[^#\n]*\bpath\s*=", text, re.M) or re.search(r"(@\s*file:|\bfile:/)", text):
        need.problem = "pyproject.toml has a local path dependency"
        return
    lock = {"poetry": "poetry.lock", "uv": "uv.lock", "pdm": "pdm.lock"}[tool]
    if not context.exists(_join(where, lock)):
        need.problem = f"there is no {lock} beside pyproject.toml"
        return
    need.files += [project_file, _join(where, lock)]
    extras = {"poetry": ("poetry.toml",), "uv": ("uv.toml", ".python-version"), "pdm": ("pdm.toml", ".pdm-python")}[tool]
    need.optional(*(_join(where, name) for name in extras))
    if tool == "poetry":
        readme = settings.get("readme", project.get("readme"))
        names = readme if isinstance(readme, list) else [readme.get("file")] if isinstance(readme, dict) else [readme]
        for name in names:
            if isinstance(name, str) and not name.startswith(("/", "..")):
                need.optional(_join(where, posixpath.normpath(name)))


def _has_local_source(sources) -> bool:
    if not isinstance(sources, dict):
        return True
    entries = [v for value in sources.values() for v in (value if isinstance(value, list) else [value])]
    return any(not isinstance(v, dict) or "path" in v or "workspace" in v for v in entries)


def _pipenv_files(context: Context, where: str, need: _Need) -> None:
    pipfile = _join(where, "Pipfile")
    text = context.read(pipfile)
    if text is None:
        need.problem = f"{pipfile} is not in the build context"
        return
    if re.search(r"\b(path|editable)\s*=", text):
        need.problem = "the Pipfile has a local path or editable dependency"
        return
    if not context.exists(_join(where, "Pipfile.lock")):
        need.problem = "there is no Pipfile.lock beside the Pipfile"
        return
    if need.present(_join(where, ".env")):
        need.problem = "pipenv loads the .env file beside the Pipfile"
        return
    need.files += [pipfile, _join(where, "Pipfile.lock")]


_RUBY_FILE = re.compile(r"""^\s*ruby\s+file:\s*["']([^"']+)["']""", re.M)
_GEMFILE_READS = re.compile(r"\b(gemspec|path:|path\s*\(|:path\s*=>|eval_gemfile|File\.|require|load|Dir\[|__dir__|file:)")


def _bundler_files(context: Context, where: str, install: _Install, need: _Need, stage: Stage, run: Instruction, entries) -> None:
    gemfile = _join(where, "Gemfile")
    text = context.read(gemfile)
    if text is None:
        need.problem = f"{gemfile} is not in the build context"
        return
    extra = [_join(where, posixpath.normpath(m)) for m in _RUBY_FILE.findall(text)]
    if _GEMFILE_READS.search(_RUBY_FILE.sub("", text)):
        need.problem = "the Gemfile reads other files of the project (gemspec, path:, eval_gemfile, ...)"
        return
    if not context.exists(_join(where, "Gemfile.lock")):
        need.problem = "there is no Gemfile.lock beside the Gemfile"
        return
    missing = [path for path in extra if not context.exists(path)]
    if missing:
        need.problem = f"{missing[0]} is not in the build context"
        return
    if need.unsafe and _bundle_frozen(stage, run, entries, install):
        need.unsafe = None
    need.files += [gemfile, _join(where, "Gemfile.lock"), *extra]


def _bundle_frozen(stage: Stage, run: Instruction, entries, install: _Install) -> bool:
    """Frozen or deployment mode set by an ENV before the RUN or `bundle config` before the install."""
    for instruction in stage.instructions:
        if instruction is run:
            break
        if instruction.command == "ENV" and re.search(r"\bBUNDLE_(FROZEN|DEPLOYMENT)[= ]+[\"']?(true|1)\b", instruction.args):
            return True
    for entry in entries:
        if entry.install is install:
            break
        command = entry.command
        if command.program in ("bundle", "bundler") and [w.value for w in command.args][:1] == ["config"]:
            values = [w.value or "" for w in command.args]
            if any(v in ("frozen", "deployment") for v in values) and any(v in ("true", "1", "'true'") for v in values):
                return True
    return False


def _composer_files(context: Context, where: str, install: _Install, need: _Need) -> None:
    manifest_file = _join(where, "composer.json")
    text = context.read(manifest_file)
    if text is None:
        need.problem = f"{manifest_file} is not in the build context"
        return
    try:
        manifest = json.loads(text)
    except ValueError:
        need.problem = "composer.json is not valid JSON"
        return
    if not isinstance(manifest, dict):
        need.problem = "composer.json is not a JSON object"
        return
    repositories = manifest.get("repositories", [])
    listed = repositories.values() if isinstance(repositories, dict) else repositories if isinstance(repositories, list) else []
    if any(isinstance(r, dict) and r.get("type") == "path" for r in listed):
        need.problem = "composer.json has a path repository"
        return
    config = manifest.get("config") if isinstance(manifest.get("config"), dict) else {}
    if "--no-autoloader" not in install.options:
        optimize = install.options & {"-o", "--optimize-autoloader", "-a", "--classmap-authoritative", "--apcu-autoloader"} or any(
            config.get(key) for key in ("optimize-autoloader", "classmap-authoritative", "apcu-autoloader")
        )
        autoload = [manifest.get(key) for key in ("autoload", "autoload-dev")]
        classmap = any(isinstance(a, dict) and ("classmap" in a or "files" in a) for a in autoload)
        if optimize or classmap:
            need.problem = "the autoloader it dumps scans the sources (add `--no-autoloader`)"
            return
    if not context.exists(_join(where, "composer.lock")):
        need.problem = "there is no composer.lock beside composer.json"
        return
    need.files += [manifest_file, _join(where, "composer.lock")]
    need.optional(_join(where, "auth.json"), _join(where, "symfony.lock"))


def _go_files(context: Context, whole: _WholeCopy, where: str, need: _Need, stage: Stage, run: Instruction) -> None:
    root = where
    while not context.exists(_join(root, "go.mod")):
        if root in ("", ".", whole.source) or root.startswith(".."):
            need.problem = "there is no go.mod in the copied directory"
            return
        root = posixpath.dirname(root) or "."
    gomod = _join(root, "go.mod")
    text = context.read(gomod) or ""
    if re.search(r"=>\s*(\.{1,2}/|/)", text):
        need.problem = "go.mod replaces a module with a local directory"
        return
    probe = root
    while True:
        if context.exists(_join(probe, "go.work")):
            need.problem = "the module is part of a go.work workspace"
            return
        if probe in ("", "."):
            break
        probe = posixpath.dirname(probe) or "."
    if need.present(_join(root, "vendor")):
        need.problem = "the module vendors its dependencies"
        return
    if not re.search(r"^\s*require\b", text, re.M):
        need.problem = "go.mod requires no modules"
        return
    if not context.exists(_join(root, "go.sum")):
        need.problem = "there is no go.sum beside go.mod"
        return
    need.files += [gomod, _join(root, "go.sum")]
    if stage.reaches_final and not any(
        m["type"] == "cache" and m.get("target", "").rstrip("/").endswith(("/pkg/mod", "/go/pkg", "/go")) for m in run.mounts()
    ):
        need.unsafe = "`go mod download` also fetches modules that only tests need into the final image"


# --------------------------------------------------------------------------- the edits


def _manifest_copies(df: Dockerfile, whole: _WholeCopy, files: list[str]) -> list[str] | None:
    copy = whole.instruction
    keyword = "copy" if copy.keyword.islower() else "COPY"
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


def _edits(df: Dockerfile, whole: _WholeCopy, run: Instruction, script: Script, plan: _Plan, lines: list[str]) -> list[Edit]:
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
    words: list[Word] = sorted([*command.assignments, *([command.name] if command.name else []), *command.args], key=lambda w: w.start)
    text = script.text[command.start : command.end]
    if not words or words[0].start != command.start or words[-1].end != command.end:
        return text
    if any(script.text[a.end : b.start].strip() for a, b in zip(words, words[1:])):
        return text
    return " ".join(w.text for w in words)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------- paths


def _change_dir(current: str | None, value: str) -> str | None:
    value = value.strip()
    if len(value) > 1 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    if not value or any(c in value for c in "\"'\\"):
        return None
    return _resolve(value, current)


def _resolve(path: str | None, cwd: str | None) -> str | None:
    """An image path: absolute ("/app"), under a variable ("/$APP"), or relative to an unknown
    WORKDIR ("@/x"); None when it cannot be told."""
    if path is None or not path:
        return None
    if path.startswith("$"):
        path = "/" + path
    if path.startswith("/"):
        return posixpath.normpath("/" + path.lstrip("/"))
    if cwd is None:
        return None
    joined = posixpath.normpath(posixpath.join(cwd, path))
    return joined if joined.startswith("/") or joined == "@" or joined.startswith("@/") else None


def _inside(path: str | None, root: str | None) -> str | None:
    """``path`` relative to ``root`` ("" for the root itself), None when it is not inside."""
    if path is None or root is None:
        return None
    if path == root:
        return ""
    prefix = root.rstrip("/") + "/"
    return path[len(prefix) :] if path.startswith(prefix) else None


def _to_context(whole: _WholeCopy, image_path: str | None) -> str | None:
    """Where an image path under the destination comes from in the build context."""
    relative = _inside(image_path, whole.dest)
    if relative is None:
        return None
    return posixpath.normpath(posixpath.join(whole.source, relative)) if relative else whole.source


def _join(directory: str, name: str) -> str:
    return name if directory in ("", ".") else f"{directory}/{name}"


def _is_dir(context: Context, relative: str) -> bool:
    if context.directory is None:
        return False
    root = context.directory.resolve()
    target = (root / relative).resolve()
    return (target == root or root in target.parents) and target.is_dir()


class _DockerIgnore:
    """The patterns of the context's .dockerignore, matched as BuildKit matches them."""

    def __init__(self, patterns: list[tuple[re.Pattern[str], bool]]) -> None:
        self.patterns = patterns

    @staticmethod
    def of(context: Context) -> _DockerIgnore:
        text = None
        if context.path is not None and context.directory is not None:
            try:
                relative = context.path.resolve().relative_to(context.directory.resolve())
                text = context.read(str(relative) + ".dockerignore")
            except ValueError:
                text = None
        if text is None:
            text = context.read(".dockerignore")
        patterns = []
        for raw in (text or "").splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            exclusion = line.startswith("!")
            line = line[1:].strip() if exclusion else line
            line = posixpath.normpath(line.lstrip("/")) if line.lstrip("/") else "."
            if line == ".":
                continue
            patterns.append((re.compile(_glob_regex(line)), exclusion))
        return _DockerIgnore(patterns)

    def excludes(self, path: str) -> bool:
        parts = Path(path).parts
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        excluded = False
        for regex, exclusion in self.patterns:
            if any(regex.match(p) for p in prefixes):
                excluded = not exclusion
        return excluded


def _glob_regex(pattern: str) -> str:
    out = ["^"]
    index = 0
    while index < len(pattern):
        ch = pattern[index]
        if ch == "*":
            if pattern[index + 1 : index + 2] == "*":
                index += 1
                if pattern[index + 1 : index + 2] == "/":
                    index += 1
                    out.append("(.*/)?")
                else:
                    out.append(".*")
            else:
                out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", index + 1)
            if end < 0:
                out.append(re.escape(ch))
            else:
                body = pattern[index + 1 : end].replace("\\", "\\\\")
                out.append("[" + ("^" + body[1:] if body.startswith("^") else body) + "]")
                index = end
        elif ch == "\\" and index + 1 < len(pattern):
            index += 1
            out.append(re.escape(pattern[index]))
        else:
            out.append(re.escape(ch))
        index += 1
    out.append("$")
    return "".join(out)
