"""What dockopt knows about dependency manifests: how each ecosystem's install shows in a RUN,
and which files of the build context it reads.

Two questions, asked by dependency-manifests-first (DO103) about a RUN that follows a COPY
of the sources:

- what does each command do to the project? ``command_role`` answers with a ``Role``: it
  installs the dependencies from the manifests (an ``Install``), it builds a Go module, it
  needs nothing of the project (`apt-get install curl`, `mkdir`, `curl ... | sh`), or it
  may read the sources;
- which files does an install read? ``manifests_for`` answers with ``Manifests``: the
  manifests, lock files and configuration it reads from the copied directory of the build
  context, or why they cannot be copied on their own (a lifecycle script, a local path
  dependency, a missing or ignored lock file, ...).

Paths in the image are absolute ("/app"), as ``model.join`` makes them from the directory a
command runs in; ``copies.Tree.to_context`` maps them back to the build context.

After the common part, the knowledge is organised by ecosystem, each with how its install is
recognised and which files it reads: pip (and `uv pip`), Node (npm, Yarn 1, pnpm), Python
projects (poetry, uv, pdm, pipenv), Ruby (bundler), PHP (composer) and Go.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import toml
from .context import Context
from .copies import Tree
from .ignorefile import IgnoreFile
from .model import join
from .packages import VALUE_OPTIONS, Invocation, included_file, node_command, pip_file_option, requirement_lines
from .shell import Command, Script, Word
from .syntax import Instruction, Stage


@dataclass(frozen=True)
class Install:
    """A command that installs a project's dependencies from its manifests."""

    command: Command
    tool: str  # "pip", "npm", "yarn", "pnpm", "poetry", "uv", "pdm", "pipenv", "bundler", "composer", "go"
    cwd: str | None  # the image directory it runs in
    reads: tuple[str, ...] = ()  # pip: the -r/-c files, as written
    outputs: tuple[str, ...] = ()  # paths it writes to, as written (relative to cwd)
    problem: str | None = None  # why its manifests cannot be copied on their own
    unlocked: str | None = None  # why it may rewrite its lock file
    options: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Role:
    """What a command does to the project it runs in.

    ``kind`` is "install" (reads only the manifests: ``install``), "build" (a Go build: its
    modules can be downloaded before the sources come; ``install`` names the module),
    "neutral" (reads nothing of the project) or "other" (may read the sources).
    """

    kind: str
    install: Install | None = None


@dataclass(frozen=True)
class Manifests:
    """The files of the build context an install reads, or why they cannot be copied first."""

    files: tuple[str, ...] = ()
    problem: str | None = None
    unsafe: str | None = None  # why copying them first may change what the install does


# --------------------------------------------------------------------------- what a command does to the project

# Commands that read nothing of the project they run in.
_NEUTRAL_PROGRAMS = frozenset(
    {
        "true",
        ":",
        "echo",
        "printf",
        "mkdir",
        "set",
        "export",
        "umask",
        "corepack",
        "useradd",
        "adduser",
        "groupadd",
        "addgroup",
        "update-ca-certificates",
        "ldconfig",
        "virtualenv",
    }
)
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh"})
_PYTHON = re.compile(r"python[0-9.]*\Z")
_QUIET_REDIRECTS = re.compile(r"[0-9]*>\s*/dev/null|[0-9]*>&[0-9]")
_SYSTEM_MANAGERS = frozenset({"apt-get", "apt", "aptitude", "apk", "yum", "dnf", "microdnf", "zypper"})
_ARCHIVE = re.compile(r"\.(whl|tar\.gz|tgz|tar\.bz2|tar\.xz|zip|egg|deb|rpm|apk|gem)\Z")


def command_role(
    script: Script,
    command: Command,
    invocation: Invocation | None,
    cwd: str | None,
    copied: Tree,
    previous: Command | None,
) -> Role:
    """What one command of a RUN does to the project that ``copied`` puts in the image.

    ``invocation`` is the command as ``packages.invocations`` sees it, ``cwd`` the image
    directory it runs in, ``previous`` the command before it in the script. Anything not
    known to leave the project alone is "other": redirections, pipelines (but for an
    installer downloaded and run: `curl ... | sh`), expansions, unknown programs.
    """
    text = script.text[command.start : command.end]
    if command.context:
        if command.context == ("pipeline",) and _installer_pipe(command, previous):
            return Role("neutral")
        return Role("other")
    if ">" in _QUIET_REDIRECTS.sub("", text) or "<" in text or _redirects_a_file(script, command):
        return Role("other")
    if command.kind in ("assignment", "declaration", "unset"):
        return Role("neutral")
    if command.kind != "simple" or command.name is None or command.program is None:
        return Role("other")
    values = [w.value for w in command.args]
    program = command.program
    if invocation is not None:
        return _package_manager_role(invocation, cwd)
    if None in values and program not in ("echo", "printf", "export", "set"):
        return Role("other")
    args = [v for v in values if v is not None]
    if program in _NEUTRAL_PROGRAMS:
        return Role("neutral")
    if program in ("rm", "source", ".", "find"):
        paths = [a for a in args if not a.startswith("-")]
        if program == "find":
            paths = paths[:1]
        return Role("neutral" if paths and _outside(paths, cwd, copied) else "other")
    if _PYTHON.match(program) and args[:2] in (["-m", "venv"], ["-m", "ensurepip"]):
        return Role("neutral")
    if program == "uv" and args[:2] == ["pip", "install"]:
        return _pip(command, command.args[2:], cwd)
    recognise = _TOOLS.get(program)
    if recognise is None:
        return Role("other")
    sub, rest = _subcommand(args)
    return recognise(command, sub, rest, args, cwd)


def _redirects_a_file(script: Script, command: Command) -> bool:
    """Whether a redirection of ``command`` reads or writes a file other than /dev/null (the
    span of a command ends before its redirections: they come before the next command)."""
    following = min((c.start for c in script.commands if c.start >= command.end), default=len(script.text))
    return any(command.start <= word.start < following and word.value != "/dev/null" for word in script.redirects)


def _outside(paths: list[str], cwd: str | None, copied: Tree) -> bool:
    """Whether every path is outside the destination (`~` is the home directory: outside)."""
    for path in paths:
        if path.startswith("~"):
            continue
        resolved = join(cwd, path)
        if resolved is None or copied.dest is None or copied.to_context(resolved) is not None:
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


def _package_manager_role(invocation: Invocation, cwd: str | None) -> Role:
    """System packages and gems installed by name need nothing of the project; a local path or
    an archive among the packages may come from the sources."""
    command = invocation.command
    manager = invocation.manager
    if any(w.value is None for w in invocation.words):
        return Role("other")
    sub = invocation.subcommand
    if manager in _SYSTEM_MANAGERS:
        local = [p for p in invocation.packages if p is None or "/" in p or _ARCHIVE.search(p)]
        return Role("other" if local else "neutral")
    if manager == "pip":
        if sub == "install":
            return _pip(command, invocation.after_subcommand, cwd)
        return Role(
            "neutral" if sub in ("cache", "config", "list", "freeze", "show", "check", "uninstall") else "other"
        )
    if manager == "gem":
        local = [p for p in invocation.packages if p is None or "/" in p or _ARCHIVE.search(p)]
        return Role("neutral" if sub in ("install", "update", "sources") and not local else "other")
    options = frozenset(w.value.split("=", 1)[0] for w in invocation.words if w.value and w.value.startswith("-"))
    if manager == "npm":
        return _npm(invocation, sub, options, cwd)
    if manager == "yarn":
        return _yarn(command, sub, options, cwd)
    return Role("other")


def _subcommand(args: list[str]) -> tuple[str | None, list[str]]:
    for index, arg in enumerate(args):
        if not arg.startswith("-"):
            return arg, args[:index] + args[index + 1 :]
    return None, args


def _options(rest: list[str]) -> frozenset[str]:
    return frozenset(a.split("=", 1)[0] for a in rest if a.startswith("-"))


def _option_pairs(args: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for index, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if eq:
            pairs.append((name, value))
        elif arg.startswith("-") and index + 1 < len(args):
            pairs.append((arg, args[index + 1]))
    return pairs


# --------------------------------------------------------------------------- which files an install reads


_WRITES_INTO = {  # project directories an install fills: a copy of them from the context would overwrite its work
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


@dataclass
class _Need:
    context: Context
    ignore: IgnoreFile
    files: list[str] = field(default_factory=list)  # required: missing or ignored means no fix
    extras: set[str] = field(default_factory=set)  # optional files found (see ``optional``)
    problem: str | None = None
    unsafe: str | None = None

    def present(self, path: str) -> bool:
        """Whether the whole COPY copies this path: it is in the context and not ignored."""
        return self.context.exists(path) and not self.ignore.excluded(path)

    def optional(self, *paths: str) -> None:
        """Files the tool reads when they are there (configuration, a readme)."""
        found = [p for p in paths if p not in self.files and self.present(p)]
        self.files += found
        self.extras.update(found)

    def read(self, path: str) -> str | None:
        """A manifest the tool needs; when it is missing, that is the problem."""
        text = self.context.read(path)
        if text is None:
            self.problem = f"{path} is not in the build context"
        return text

    def has_lock(self, path: str, beside: str) -> bool:
        """Whether the lock file is in the context; when it is not, that is the problem."""
        if self.context.exists(path):
            return True
        self.problem = f"there is no {posixpath.basename(path)} beside {beside}"
        return False

    def read_json(self, path: str, shown: str) -> dict | None:
        text = self.read(path)
        if text is None:
            return None
        try:
            manifest = json.loads(text)
        except ValueError:
            self.problem = f"{shown} is not valid JSON"
            return None
        if not isinstance(manifest, dict):
            self.problem = f"{shown} is not a JSON object"
            return None
        return manifest


def manifests_for(
    install: Install,
    copied: Tree,
    context: Context,
    ignore: IgnoreFile,
    *,
    stage: Stage,
    run: Instruction,
    before: tuple[Command, ...],
) -> Manifests:
    """The files ``install`` reads from what ``copied`` copies, or why they cannot be copied
    before the rest: missing, excluded by the ignore file, reading the sources, or a directory
    the install fills that the context already has. ``before`` are the commands of ``run``
    that come before the install."""
    where = copied.to_context(install.cwd)
    need = _Need(context, ignore, unsafe=install.unlocked)
    tool = install.tool
    if tool == "pip":
        _pip_files(context, copied, install, need)
    elif where is None:
        return Manifests(problem="the install does not run inside the copied directory")
    elif tool in ("npm", "yarn", "pnpm"):
        _node_files(context, where, install, need)
    elif tool in ("poetry", "uv", "pdm"):
        _pyproject_files(context, where, install, need)
    elif tool == "pipenv":
        _pipenv_files(context, where, need)
    elif tool == "bundler":
        _bundler_files(context, where, install, need, stage, run, before)
    elif tool == "composer":
        _composer_files(context, where, install, need)
    elif tool == "go":
        _go_files(context, copied, where, need, stage, run)
    if need.problem is None:
        need.problem = _excluded_or_filled(copied, install, need)
    return Manifests(tuple(need.files), need.problem, need.unsafe)


def node_manifests(context: Context, ignore: IgnoreFile, where: str, install: Install) -> Manifests:
    """What a Node install in the context directory ``where`` reads (package.json, its lock
    file, the configuration beside them), or why it needs more of the project."""
    need = _Need(context, ignore)
    _node_files(context, where, install, need)
    if need.problem is None:
        need.problem = _excluded(need)
    return Manifests(tuple(need.files), need.problem)


def _excluded(need: _Need) -> str | None:
    for path in need.files:
        if path not in need.extras and need.ignore.excluded(path):
            return f"{path} is excluded by .dockerignore"
    return None


def _excluded_or_filled(copied: Tree, install: Install, need: _Need) -> str | None:
    excluded = _excluded(need)
    if excluded is not None:
        return excluded
    for output in _WRITES_INTO.get(install.tool, ()) + install.outputs:
        relative = copied.to_context(join(install.cwd, output))
        if relative is None or relative.startswith(".."):
            continue
        if need.present(relative):
            return f"{relative} is in the build context: the whole COPY would overwrite what the install puts there"
    return None


def manifest_names(install: Install) -> str:
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


def _join(directory: str, name: str) -> str:
    return name if directory in ("", ".") else f"{directory}/{name}"


# --------------------------------------------------------------------------- pip and `uv pip`


def _pip(command: Command, words: tuple[Word, ...], cwd: str | None) -> Role:
    takes_value = VALUE_OPTIONS["pip"]
    if any(word.value is None for word in words):
        return Role("other")
    values = [word.value or "" for word in words]
    reads: list[str] = []
    outputs: list[str] = []
    problem = None
    operands: list[str] = []
    index = 0
    while index < len(values):
        read = pip_file_option(values, index)
        if read is not None:
            if read[0] is None:
                return Role("other")
            reads.append(read[0])
            index = read[1]
            continue
        value = values[index]
        name, eq, given = value.partition("=")
        if value.startswith("--") or value in takes_value:
            if name in takes_value and not eq:
                index += 1
                if index >= len(values):
                    return Role("other")
                given = values[index]
            if name in ("--editable", "-e"):
                problem = "it installs a local project in editable mode (`-e`)"
            elif name in ("--target", "-t", "--prefix", "--root", "--src"):
                outputs.append(given)
            elif name in ("--find-links", "-f") and "://" not in given:
                problem = "it finds packages in a local directory (`--find-links`)"
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
        return Role("other" if problem or outputs else "neutral")
    return Role("install", Install(command, "pip", cwd, tuple(reads), tuple(outputs), problem))


def _local_requirement(text: str) -> bool:
    if "://" in text:
        return text.startswith("file:") or "@ file:" in text
    return text.startswith((".", "/", "~", "file:")) or "/" in text or "\\" in text or bool(_ARCHIVE.search(text))


def _pip_files(context: Context, copied: Tree, install: Install, need: _Need) -> None:
    """The requirement files given with -r/-c, and those they include, all inside the copy."""
    queue: list[str] = []
    for name in install.reads:
        relative = copied.to_context(join(install.cwd, name))
        if relative is None:
            need.problem = f"{name} is not copied by the {copied.keyword}"
            return
        queue.append(relative)
    while queue:
        path = queue.pop(0)
        if path in need.files:
            continue
        text = need.read(path)
        if text is None:
            return
        need.files.append(path)
        for line in requirement_lines(text):
            include, problem = _requirement_line(line)
            if problem:
                need.problem = f"{path}: {problem}"
                return
            if include is None or "://" in include:
                continue
            if include.startswith("/"):
                target = copied.to_context(posixpath.normpath(include))
            else:
                target = posixpath.normpath(posixpath.join(posixpath.dirname(path), include))
            if (
                target is None
                or target.startswith("..")
                or (copied.source != "." and not target.startswith(copied.source + "/"))
            ):
                need.problem = f"{path} includes {include}, which the {copied.keyword} does not copy"
                return
            queue.append(target)


def _requirement_line(line: str) -> tuple[str | None, str | None]:
    """(an -r/-c include, a reason to fall back) for one logical line of a requirements file."""
    tokens = line.split()
    first = tokens[0]
    if pip_file_option(tokens, 0) is not None:
        return included_file(line), None
    if first.startswith("-"):
        name, eq, value = first.partition("=")
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


# --------------------------------------------------------------------------- Node: npm, Yarn 1, pnpm

_LIFECYCLE = ("preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare", "postprepare")
_LOCAL_SPEC = re.compile(r"\A(file:|link:|portal:|workspace:|\.{0,2}/|~/)")
_NODE_LOCKS = {"npm": ("package-lock.json", "npm-shrinkwrap.json"), "yarn": ("yarn.lock",), "pnpm": ("pnpm-lock.yaml",)}
_NODE_CONFIG = {"npm": (".npmrc",), "yarn": (".npmrc", ".yarnrc"), "pnpm": (".npmrc", ".pnpmfile.cjs")}


def _npm(invocation: Invocation, sub: str | None, options: frozenset[str], cwd: str | None) -> Role:
    command = invocation.command
    if options & {"--prefix", "-C", "-w", "--workspace", "--workspaces"}:
        return Role("other")
    globally = invocation.has_option("-g", "--global")
    if node_command("npm", sub) == "ci":
        return Role("install", Install(command, "npm", cwd, options=options))
    if node_command("npm", sub) == "install":
        if globally:
            return Role("neutral")
        if invocation.operands:
            return Role("other")
        return Role(
            "install",
            Install(command, "npm", cwd, options=options, unlocked="`npm install` may rewrite package-lock.json"),
        )
    return Role("neutral" if sub in ("cache", "config", "set") else "other")


def _yarn(command: Command, sub: str | None, options: frozenset[str], cwd: str | None) -> Role:
    if options & {"--cwd", "--modules-folder"}:
        return Role("other")
    if sub is None and options & {"-v", "--version", "-h", "--help"}:
        return Role("neutral")
    if node_command("yarn", sub) == "install":
        frozen = options & {"--frozen-lockfile", "--pure-lockfile", "--immutable"}
        unlocked = None if frozen else "`yarn install` without --frozen-lockfile may rewrite yarn.lock"
        return Role("install", Install(command, "yarn", cwd, options=options, unlocked=unlocked))
    return Role("neutral" if sub in ("global", "config", "cache") else "other")


def _pnpm(command: Command, sub: str | None, rest: list[str], args: list[str], cwd: str | None) -> Role:
    options = _options(rest)
    if options & {"-C", "--dir", "--filter", "-F", "-r", "--recursive", "-w", "--workspace-root"}:
        return Role("other")
    if options & {"-g", "--global"} and node_command("pnpm", sub) in ("add", "install"):
        return Role("neutral")
    if node_command("pnpm", sub) == "install" and not [a for a in rest if not a.startswith("-")]:
        unlocked = (
            None
            if "--frozen-lockfile" in options
            else "`pnpm install` without --frozen-lockfile may rewrite pnpm-lock.yaml"
        )
        return Role("install", Install(command, "pnpm", cwd, options=options, unlocked=unlocked))
    return Role("neutral" if sub in ("config", "store", "setup", "env") else "other")


def _node_files(context: Context, where: str, install: Install, need: _Need) -> None:
    """package.json, its lock file and the configuration beside them, unless the install
    needs more of the project (lifecycle scripts, workspaces, local or bundled packages,
    native code, Yarn 2, pnpm workspaces or patches)."""
    package = _join(where, "package.json")
    manifest = need.read_json(package, package)
    if manifest is None:
        return
    scripts = member if isinstance(member := manifest.get("scripts"), dict) else {}
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
    locks = _NODE_LOCKS[tool]
    found = [_join(where, lock) for lock in locks if context.exists(_join(where, lock))]
    if not found:
        need.problem = f"there is no {' or '.join(locks)} beside package.json"
        return
    if tool == "yarn":
        manager = manifest.get("packageManager")
        if context.exists(_join(where, ".yarnrc.yml")) or (
            isinstance(manager, str) and re.match(r"yarn@[2-9]", manager)
        ):
            need.problem = "Yarn 2 or later installs with files of its own (.yarnrc.yml, .yarn/)"
            return
    if tool == "pnpm":
        pnpm = member if isinstance(member := manifest.get("pnpm"), dict) else {}
        if context.exists(_join(where, "pnpm-workspace.yaml")) or pnpm.get("patchedDependencies"):
            need.problem = "pnpm workspaces or patches need more than the manifests"
            return
    need.files += [package, *found]
    need.optional(*(_join(where, name) for name in _NODE_CONFIG[tool]))


# --------------------------------------------------------------------------- Python projects: poetry, uv, pdm, pipenv


def _poetry(command: Command, sub: str | None, rest: list[str], args: list[str], cwd: str | None) -> Role:
    options = _options(rest)
    if options & {"-C", "--directory", "-P", "--project"}:
        return Role("other")
    if sub == "install":
        problem = "it installs the project itself (`--only-root`)" if "--only-root" in options else None
        return Role("install", Install(command, "poetry", cwd, problem=problem, options=options))
    if sub is None and options & {"--version", "-V"}:
        return Role("neutral")
    return Role("neutral" if sub in ("config", "self", "cache", "about") else "other")


def _uv(command: Command, sub: str | None, rest: list[str], args: list[str], cwd: str | None) -> Role:
    options = _options(rest)
    if options & {"--project", "--directory", "--package", "--all-packages"}:
        return Role("other")
    if sub == "sync":
        unlocked = None if options & {"--locked", "--frozen"} else "`uv sync` without --locked may rewrite uv.lock"
        return Role("install", Install(command, "uv", cwd, options=options, unlocked=unlocked))
    return Role("neutral" if sub in ("venv", "python", "tool", "cache", "self") else "other")


def _pdm(command: Command, sub: str | None, rest: list[str], args: list[str], cwd: str | None) -> Role:
    options = _options(rest)
    if options & {"-p", "--project", "-g", "--global"}:
        return Role("other")
    if sub in ("install", "sync"):
        frozen = sub == "sync" or options & {"--frozen-lockfile", "--frozen", "--check"}
        unlocked = None if frozen else "`pdm install` may rewrite pdm.lock"
        return Role("install", Install(command, "pdm", cwd, options=options, unlocked=unlocked))
    return Role("neutral" if sub == "config" else "other")


def _pipenv(command: Command, sub: str | None, rest: list[str], args: list[str], cwd: str | None) -> Role:
    options = _options(rest)
    operands = [a for a in rest if not a.startswith("-")]
    if sub in ("install", "sync") and not operands and not options & {"-e", "--editable", "-r", "--requirements"}:
        frozen = sub == "sync" or options & {"--deploy", "--ignore-pipfile"}
        unlocked = None if frozen else "`pipenv install` without --deploy may rewrite Pipfile.lock"
        return Role("install", Install(command, "pipenv", cwd, options=options, unlocked=unlocked))
    if sub is None and options & {"--version", "--venv", "--where", "--py"}:
        return Role("neutral")
    return Role("other")


_PYPROJECT_LOCKS = {"poetry": "poetry.lock", "uv": "uv.lock", "pdm": "pdm.lock"}
_PYPROJECT_CONFIG = {
    "poetry": ("poetry.toml",),
    "uv": ("uv.toml", ".python-version"),
    "pdm": ("pdm.toml", ".pdm-python"),
}


def _pyproject_files(context: Context, where: str, install: Install, need: _Need) -> None:
    """pyproject.toml and the tool's lock file, when the install leaves the project itself
    out and its dependencies are neither dynamic nor local."""
    project_file = _join(where, "pyproject.toml")
    text = need.read(project_file)
    if text is None:
        return
    try:
        data = toml.loads(text)
    except (toml.TOMLDecodeError, ValueError):
        need.problem = f"{project_file} is not valid TOML"
        return
    tool = install.tool
    settings = data.get("tool", {}).get(tool, {}) if isinstance(data.get("tool"), dict) else {}
    project = data.get("project", {}) if isinstance(data.get("project"), dict) else {}
    options = install.options
    if tool == "poetry" and "--no-root" not in options and settings.get("package-mode", True) is not False:
        need.problem = "`poetry install` installs the project itself (no `--no-root`)"
        return
    if (
        tool == "uv"
        and not options & {"--no-install-project", "--no-install-workspace"}
        and settings.get("package", True) is not False
    ):
        need.problem = "`uv sync` installs the project itself (no `--no-install-project`)"
        return
    if tool == "pdm" and "--no-self" not in options:
        need.problem = "`pdm` installs the project itself (no `--no-self`)"
        return
    if tool == "uv" and ("workspace" in settings or ("sources" in settings and _has_local_source(settings["sources"]))):
        need.problem = "the project uses a uv workspace or local sources"
        return
    dynamic = project.get("dynamic", [])
    if isinstance(dynamic, list) and any(d in ("dependencies", "optional-dependencies") for d in dynamic):
        need.problem = "the project's dependencies are dynamic (worked out from the sources)"
        return
    if re.search(r"^\s*[^#\n]*\bpath\s*=", text, re.M) or re.search(r"(@\s*file:|\bfile:/)", text):
        need.problem = "pyproject.toml has a local path dependency"
        return
    lock = _PYPROJECT_LOCKS[tool]
    if not need.has_lock(_join(where, lock), "pyproject.toml"):
        return
    need.files += [project_file, _join(where, lock)]
    need.optional(*(_join(where, name) for name in _PYPROJECT_CONFIG[tool]))
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
    text = need.read(pipfile)
    if text is None:
        return
    if re.search(r"\b(path|editable)\s*=", text):
        need.problem = "the Pipfile has a local path or editable dependency"
        return
    if not need.has_lock(_join(where, "Pipfile.lock"), "the Pipfile"):
        return
    if need.present(_join(where, ".env")):
        need.problem = "pipenv loads the .env file beside the Pipfile"
        return
    need.files += [pipfile, _join(where, "Pipfile.lock")]


# --------------------------------------------------------------------------- Ruby: bundler

_RUBY_FILE = re.compile(r"""^\s*ruby\s+file:\s*["']([^"']+)["']""", re.M)
_GEMFILE_READS = re.compile(
    r"\b(gemspec|path:|path\s*\(|:path\s*=>|eval_gemfile|File\.|require|load|Dir\[|__dir__|file:)"
)


def _bundle(command: Command, sub: str | None, rest: list[str], args: list[str], cwd: str | None) -> Role:
    options = _options(rest)
    if sub is None and options & {"-v", "--version"}:
        return Role("neutral")
    if sub in (None, "install"):
        if options & {"--gemfile", "--binstubs", "--standalone"}:
            return Role("other")
        frozen = options & {"--frozen", "--deployment"} or any(
            w.text.startswith(("BUNDLE_FROZEN=", "BUNDLE_DEPLOYMENT=")) for w in command.assignments
        )
        unlocked = None if frozen else "`bundle install` without frozen mode may rewrite Gemfile.lock"
        outputs = tuple(v for k, v in _option_pairs(rest) if k == "--path")
        return Role("install", Install(command, "bundler", cwd, outputs=outputs, options=options, unlocked=unlocked))
    return Role("neutral" if sub == "config" else "other")


def _bundler_files(
    context: Context,
    where: str,
    install: Install,
    need: _Need,
    stage: Stage,
    run: Instruction,
    before: tuple[Command, ...],
) -> None:
    """The Gemfile, its lock and the `.ruby-version` that `ruby file:` names, unless the
    Gemfile reads other files of the project."""
    gemfile = _join(where, "Gemfile")
    text = need.read(gemfile)
    if text is None:
        return
    extra = [_join(where, posixpath.normpath(m)) for m in _RUBY_FILE.findall(text)]
    if _GEMFILE_READS.search(_RUBY_FILE.sub("", text)):
        need.problem = "the Gemfile reads other files of the project (gemspec, path:, eval_gemfile, ...)"
        return
    if not need.has_lock(_join(where, "Gemfile.lock"), "the Gemfile"):
        return
    missing = [path for path in extra if not context.exists(path)]
    if missing:
        need.problem = f"{missing[0]} is not in the build context"
        return
    if need.unsafe and _bundle_frozen(stage, run, before):
        need.unsafe = None
    need.files += [gemfile, _join(where, "Gemfile.lock"), *extra]


def _bundle_frozen(stage: Stage, run: Instruction, before: tuple[Command, ...]) -> bool:
    """Frozen or deployment mode set by an ENV before the RUN or `bundle config` before the install."""
    for instruction in stage.instructions:
        if instruction is run:
            break
        if instruction.command == "ENV" and re.search(
            r"\bBUNDLE_(FROZEN|DEPLOYMENT)[= ]+[\"']?(true|1)\b", instruction.args
        ):
            return True
    for command in before:
        if command.program in ("bundle", "bundler") and [w.value for w in command.args][:1] == ["config"]:
            values = [w.value or "" for w in command.args]
            if any(v in ("frozen", "deployment") for v in values) and any(v in ("true", "1", "'true'") for v in values):
                return True
    return False


# --------------------------------------------------------------------------- PHP: composer


def _composer(command: Command, sub: str | None, rest: list[str], args: list[str], cwd: str | None) -> Role:
    options = _options(rest)
    if options & {"-d", "--working-dir"}:
        return Role("other")
    if sub == "install" and not [a for a in rest if not a.startswith("-")]:
        problem = None if "--no-scripts" in options else "it runs the project's Composer scripts (no `--no-scripts`)"
        return Role("install", Install(command, "composer", cwd, problem=problem, options=options))
    if sub in ("clear-cache", "clearcache", "cc", "self-update", "selfupdate", "diagnose") or (
        sub == "config" and options & {"-g", "--global"}
    ):
        return Role("neutral")
    if sub is None and options & {"-V", "--version"}:
        return Role("neutral")
    return Role("other")


def _composer_files(context: Context, where: str, install: Install, need: _Need) -> None:
    """composer.json and composer.lock, unless a path repository or an autoloader dump reads the sources."""
    manifest_file = _join(where, "composer.json")
    manifest = need.read_json(manifest_file, "composer.json")
    if manifest is None:
        return
    repositories = manifest.get("repositories", [])
    listed = (
        repositories.values()
        if isinstance(repositories, dict)
        else repositories
        if isinstance(repositories, list)
        else []
    )
    if any(isinstance(r, dict) and r.get("type") == "path" for r in listed):
        need.problem = "composer.json has a path repository"
        return
    config = member if isinstance(member := manifest.get("config"), dict) else {}
    if "--no-autoloader" not in install.options:
        optimize = install.options & {
            "-o",
            "--optimize-autoloader",
            "-a",
            "--classmap-authoritative",
            "--apcu-autoloader",
        } or any(config.get(key) for key in ("optimize-autoloader", "classmap-authoritative", "apcu-autoloader"))
        autoload = [manifest.get(key) for key in ("autoload", "autoload-dev")]
        classmap = any(isinstance(a, dict) and ("classmap" in a or "files" in a) for a in autoload)
        if optimize or classmap:
            need.problem = "the autoloader it dumps scans the sources (add `--no-autoloader`)"
            return
    if not need.has_lock(_join(where, "composer.lock"), "composer.json"):
        return
    need.files += [manifest_file, _join(where, "composer.lock")]
    need.optional(_join(where, "auth.json"), _join(where, "symfony.lock"))


# --------------------------------------------------------------------------- Go


def _go(command: Command, sub: str | None, rest: list[str], args: list[str], cwd: str | None) -> Role:
    if "-C" in args or any(a.startswith("-C=") for a in args):
        return Role("other")
    if sub == "mod":
        action, more = _subcommand(rest)
        if action == "download" and not [a for a in more if not a.startswith("-")]:
            return Role("install", Install(command, "go", cwd))
        return Role("neutral" if action == "verify" else "other")
    if sub in ("build", "install", "test", "vet", "run"):
        if any("@" in a for a in rest if not a.startswith("-")):
            return Role("neutral")  # `go install pkg@version` does not read go.mod
        if any(a in ("-mod=vendor",) for a in rest) or "-mod" in rest:
            return Role("other")
        return Role("build", Install(command, "go", cwd))
    return Role("neutral" if sub in ("env", "version") else "other")


_GO_MODULE = re.compile(r"""^\s*module\s+(?:"([^"]+)"|`([^`]+)`|([^\s/"`][^\s"`]*))\s*(?://.*)?$""", re.M)


def go_module_path(text: str) -> str | None:
    """The module path a go.mod declares (`module example.com/app`); None when it declares none."""
    match = _GO_MODULE.search(text)
    return next((group for group in match.groups() if group), None) if match else None


def _go_files(context: Context, copied: Tree, where: str, need: _Need, stage: Stage, run: Instruction) -> None:
    """go.mod and go.sum of the module the install runs in (looked for upwards inside the
    copy), unless it vendors, replaces with local directories or belongs to a workspace."""
    root = where
    while not context.exists(_join(root, "go.mod")):
        if root in ("", ".", copied.source) or root.startswith(".."):
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
    if not need.has_lock(_join(root, "go.sum"), "go.mod"):
        return
    need.files += [gomod, _join(root, "go.sum")]
    if stage.reaches_final and not any(
        m["type"] == "cache" and m.get("target", "").rstrip("/").endswith(("/pkg/mod", "/go/pkg", "/go"))
        for m in run.mounts()
    ):
        need.unsafe = "`go mod download` also fetches modules that only tests need into the final image"


_TOOLS: dict[str, Callable[[Command, str | None, list[str], list[str], str | None], Role]] = {
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
