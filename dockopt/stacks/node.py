"""Node: install the dependencies with npm (or Yarn 1), run a build script, run its output with node.

Recognised: `npm ci`/`npm install` (or `yarn install`, `pnpm install`) and then a package.json
script whose name starts with `build` (`npm run build`, `yarn build`, `pnpm run build:prod`),
or any other script that the build context's package.json shows running a bundler or compiler
(``_BUNDLERS``: `npm run dist` whose script runs `webpack`, following `npm run` from one script
to another; without the build context such a script is not recognised, as `npm run start` is
not), in the same directory, on the official node image or on Debian or Ubuntu with apt's
`nodejs` and `npm`.

The runtime stage starts from the slim variant of the node image (`node:20` →
`node:20-slim`, `node:20-bookworm` → `node:20-bookworm-slim`, as ``images.slim_variant``
knows them; a `-slim` or `-alpine` tag is kept; `node` and `node:latest` name no version,
and their slim twin, pulled at another time, may hold another one: only suggested), or from the Debian image of the build (its slim variant for a full `debian:` tag)
with `nodejs` alone installed by apt. It copies package.json and the lock file (and
`.npmrc`) from the build stage, installs the production dependencies only (`npm ci
--omit=dev`, `yarn install --frozen-lockfile --production`; on apt's node, npm is installed
for that and purged in the same RUN; nothing is installed when package.json has no
dependencies), then copies the build's output directory.

That directory is proven, never guessed: the container runs `node FILE` (or, on the node
image, `npm start`/`yarn start` whose script does), and FILE lies in a directory the build
writes, as the package.json of the build context says: its scripts (following `npm run`
from one to another) and the tools they run: `tsc` (`--outDir`, or `outDir` in its
tsconfig), `vite build` (dist, unless its config sets `outDir`), `react-scripts build`
(build), or any command's `--outDir`, `--out-dir`, `--outdir`, `-o`, `--output`,
`--outfile`, `--dist-dir` (babel's `-d`).

RUNs that create users or make directories, links, modes and owners outside the project
(``common.carried_runs``) run again in the runtime stage, before the manifests.

Only a suggestion when the build context is not known (package.json cannot be read), and
when the runtime cannot be shown to be complete: see ``recognise``.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..context import Context
from ..copies import context_source
from ..ignorefile import ignore_file
from ..images import ImageRef, resolved_reference, slim_variant
from ..manifests import Install, node_manifests
from ..model import base_of, join, shell_path, workdir_at
from ..packages import VALUE_OPTIONS, node_command, unwrapped
from ..shell import script_from_text
from ..syntax import Dockerfile, Instruction, Stage
from .common import (
    HARMLESS,
    Artifact,
    Plan,
    Suggestion,
    carried_without_sources,
    debian_runtime,
    entry,
    entry_words,
    file_argument,
    inside,
    installed_packages,
    left_behind,
    plain_path,
    run_commands,
    source_matching,
    stage_commands,
    unknown_command,
)

# what the suggestion-only rule of earlier versions recognised: a build script of npm, yarn or pnpm
_BUILD = re.compile(r"(^|[\s;&|(])(npm|yarn|pnpm)\s+(run\s+)?build\b")
_BUILD_SCRIPT = re.compile(r"build([:._-][\w:.-]*)?\Z")
_LAYOUT = (
    "install and build in `FROM node:X AS build`, then `FROM node:X-slim` with package.json and its lock file, "
    "`npm ci --omit=dev` and `COPY --from=build /app/dist ./dist`"
)
# npm commands (packages.node_command's names) that change nothing the runtime stage needs
_NPM_HARMLESS = frozenset(
    {"prune", "cache", "config", "set", "get", "audit", "ls", "version", "doctor", "dedupe", "fund"}
)
# npm commands that run the project's script of their name
_SCRIPT_CALLS = frozenset({"start", "test", "restart", "stop"})
_YARN_HARMLESS = frozenset({"cache", "config", "check", "list", "info", "versions", "audit", "licenses", "autoclean"})
# commands whose paths left_behind checks
_CHANGING = frozenset({"mkdir", "cp", "mv", "chmod", "touch", "ln"})
# JavaScript build tools run directly in a RUN
_TOOLS = frozenset(
    {
        "tsc",
        "vite",
        "webpack",
        "rollup",
        "esbuild",
        "babel",
        "ncc",
        "tsup",
        "parcel",
        "swc",
        "react-scripts",
        "next",
        "nest",
        "node",
        "npx",
    }
)
# bundlers and compilers that make a build when a package.json script runs them: the subcommand
# each needs (None: any but a watch, a dev server or a type check, ``_bundles``)
_BUNDLERS: dict[str, frozenset[str] | None] = {
    "webpack": None,
    "tsc": None,
    "rollup": None,
    "esbuild": None,
    "babel": None,
    "tsup": None,
    "swc": None,
    "rspack": None,
    "vite": frozenset({"build"}),
    "parcel": frozenset({"build"}),
    "ng": frozenset({"build"}),
    "next": frozenset({"build"}),
    "react-scripts": frozenset({"build"}),
    "vue-cli-service": frozenset({"build"}),
    "nuxt": frozenset({"build", "generate"}),
    "ncc": frozenset({"build"}),
    "nest": frozenset({"build"}),
    "gatsby": frozenset({"build"}),
    "astro": frozenset({"build"}),
}
# what makes one of those watch, serve or only check instead of writing a build
_NOT_BUNDLING = frozenset({"-w", "--watch", "--noEmit", "--serve", "serve", "watch", "dev"})
# system packages only a build needs (compilers for native modules, fetchers)
_BUILD_PACKAGES = frozenset(
    {
        "build-essential",
        "build-base",
        "gcc",
        "g++",
        "make",
        "python3",
        "python",
        "git",
        "curl",
        "wget",
        "ca-certificates",
        "gnupg",
        "xz-utils",
        "bzip2",
        "unzip",
        "libc6-dev",
        "libc-dev",
        "musl-dev",
        "pkg-config",
        "pkgconf",
    }
)
# what native dependencies build with (node-gyp)
_COMPILERS = frozenset({"build-essential", "build-base", "gcc", "g++", "make", "python3", "python"})
_OUTPUT_OPTIONS = frozenset(
    {"--outDir", "--out-dir", "--outdir", "-o", "--output", "--output-path", "--dist-dir", "--distDir"}
)
_OUTPUT_FILE_OPTIONS = frozenset({"--outfile", "--out-file", "--outFile"})
_NOT_BUILD_TOOLS = frozenset(
    {
        "cp",
        "mv",
        "rm",
        "mkdir",
        "ln",
        "curl",
        "wget",
        "tar",
        "unzip",
        "sed",
        "cat",
        "echo",
        "printf",
        "chmod",
        "touch",
        "git",
    }
)
# options of npm and yarn installs that the runtime's install repeats (alone, or with their value)
_CARRIED = frozenset(
    {
        "--legacy-peer-deps",
        "--strict-peer-deps",
        "--ignore-scripts",
        "--force",
        "--no-optional",
        "--ignore-optional",
        "--ignore-engines",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
    }
)
_CARRIED_VALUES = frozenset({"--registry", "--network-timeout"})
_NODE_VALUE_OPTIONS = frozenset({"-r", "--require", "--import", "--loader", "--experimental-loader"})
_NODE_NO_FILE = frozenset(
    {"-e", "--eval", "-p", "--print", "-c", "--check", "-i", "--interactive", "--test", "--run", "-"}
)
# production dependencies that read files of the project at run time, or need more than the build output
_RUNTIME_READERS = {
    "next": "Next.js needs more than its build directory (.next, public, next.config)",
    "nuxt": "Nuxt needs more than its build directory",
    "config": "the `config` package reads ./config at run time",
    "dotenv": "dotenv reads .env at run time",
    "@prisma/client": "@prisma/client generates its client from prisma/schema.prisma when installed",
}
# what a program does when it reads files of the project at run time
_READS_FILES = re.compile(
    r"\b(readFileSync|readFile|readdirSync|readdir|createReadStream|sendFile|serveStatic|express\.static|res\.render)\s*\("
    r"|['\"]dotenv(/config)?['\"]"
)
_SOURCE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
_NOT_RUN_TIME = re.compile(
    r"(^|/)(test|tests|__tests__|__mocks__|e2e|cypress|scripts)/|(^|[/.])(config|conf)\.[cm]?[jt]s\Z|\.(test|spec|d)\.[cm]?[jt]s\Z"
    r"|(^|/)(gulpfile|gruntfile|\.eslintrc)[^/]*\Z",
    re.IGNORECASE,
)
# Debian and Ubuntu releases whose npm has --omit=dev (npm 7 or later)
_NPM7_RELEASES = frozenset(
    {
        "bullseye",
        "bookworm",
        "trixie",
        "forky",
        "sid",
        "testing",
        "unstable",
        "stable",
        "latest",
        "11",
        "12",
        "13",
        "jammy",
        "noble",
        "oracular",
        "plucky",
        "questing",
        "rolling",
        "devel",
        "22.04",
        "24.04",
        "24.10",
        "25.04",
        "25.10",
    }
)


@dataclass
class _Run:
    """What the stage's RUNs do with Node."""

    tool: str | None = None  # the package manager of the project's install: npm, yarn, pnpm
    install: Install | None = None
    project: str | None = None  # the image directory of the install
    scripts: list[tuple[str, str | None]] = field(default_factory=list)  # (script name, directory) in run order
    commands: list[tuple[list[str], str | None]] = field(default_factory=list)  # build tools run directly
    touched: list[tuple[str, str | None]] = field(default_factory=list)  # (path, directory) of mkdir, cp, mv, ...
    own_tools: list[str] = field(default_factory=list)  # yarn or pnpm installed by the stage
    carried: list[str] = field(default_factory=list)  # options of the install that the runtime's install repeats
    last_build: Instruction | None = None  # the RUN of the last build script
    builds: frozenset[str] = frozenset()  # the scripts package.json shows running a bundler (``_bundling_scripts``)
    problem: str | None = None


def recognise(df: Dockerfile, stage: Stage, context: Context) -> Plan | Suggestion | None:
    """A Plan when everything the runtime needs is shown; a Suggestion when the stage builds
    with Node but: the build context is not known; a RUN cannot be read, runs a command
    dockopt does not know, creates users in a RUN the runtime stage cannot run again, or
    installs system packages other than the build's tools (their effects would be lost); the project has no lock file, install lifecycle
    scripts, workspaces, local or bundled dependencies; pnpm or Yarn 2+ (not in the runtime
    image), or a Yarn installed by the stage; Next.js or a dependency that reads files of the
    project at run time (config, dotenv, @prisma/client), or sources that do (readFileSync,
    express.static, ...); the container does not run `node FILE` in the project directory, or
    FILE is not in a directory the build is shown to write; a COPY after the build or outside
    the project; npm configuration in ENV; node older than 15, or a Debian or Ubuntu release
    whose npm is older than 7."""
    text = "\n".join(i.logical for i in stage.instructions if i.command == "RUN")
    builds = _bundling_scripts(df, stage, context)
    if not _BUILD.search(text) and not builds:
        return None
    # the runtime is the same system as the build (node's slim or alpine twin, the same Debian)
    carried = carried_without_sources(df, stage, [])
    found = _runs(df, stage, carried.runs, builds)
    problem = found.problem or _project_problem(df, stage, found)
    if problem is not None:
        return _suggest(problem)
    project, tool = found.project or "", found.tool or "npm"
    runtime = _runtime(df, stage, tool, text)
    if isinstance(runtime, Suggestion):
        return runtime
    start = entry(df, stage)
    if start is None:
        return _suggest("the stage has no CMD or ENTRYPOINT")
    target = _entry_file(df, stage, start, runtime.official)
    if isinstance(target, Suggestion):
        return target

    if context.directory is None:
        return _suggest("the build context is not known, so package.json cannot be read")
    package_at = context_source(df, stage, context, posixpath.join(project, "package.json"))
    if package_at is None:
        return _suggest(f"no COPY shows where {project}/package.json comes from in the build context")
    where = posixpath.dirname(package_at) or "."

    def to_context(path: str | None) -> str | None:
        return context_source(df, stage, context, path) if path is not None else None

    manifests = node_manifests(context, ignore_file(context), where, found.install) if found.install else None
    if manifests is None:
        return None
    if manifests.problem is not None:
        return _suggest(manifests.problem)
    files = [posixpath.join(project, posixpath.relpath(f, where)) for f in manifests.files]
    missing = next((f for f, image in zip(manifests.files, files, strict=True) if to_context(image) != f), None)
    if missing is not None:
        return _suggest(f"{missing} is not copied into the project")
    package = _json(context.read(_join(where, "package.json")))
    if package is None:
        return _suggest("package.json cannot be read")
    scripts = member if isinstance(member := package.get("scripts"), dict) else {}
    dependencies = _production_dependencies(package)
    problem = _dependencies_problem(df, stage, context, where, tool, dependencies, runtime)
    if problem is not None:
        return _suggest(problem)
    if isinstance(target, tuple):
        target = _script_file(target[0], scripts, project)
        if isinstance(target, Suggestion):
            return target
    outputs, next_js = _outputs(found, scripts, to_context, context)
    if next_js:
        return _suggest(_RUNTIME_READERS["next"])
    output = next((o for o in sorted(outputs) if target.startswith(o + "/") and not inside(project, o)), None)
    if output is None:
        shown = ", ".join(sorted(outputs)) or "none"
        return _suggest(f"{target} is not in a directory the build is shown to write (shown: {shown})")
    if not plain_path(output) or not plain_path(project):
        return _suggest("a path has blanks, quotes or expansions")
    build_files = {to_context(f) for f in _node_scripts(found, scripts, project)}
    output_dirs = {to_context(o) for o in outputs}

    def skip(path: str) -> bool:
        return (
            path in build_files
            or any(path.startswith(f"{d}/") for d in output_dirs if d)
            or bool(_NOT_RUN_TIME.search(path))
        )

    reader, complete = source_matching(context, where, _SOURCE_SUFFIXES, _READS_FILES, skip)
    if reader is not None:
        return _suggest(f"the program may read files of the project at run time ({reader})")
    if not complete:
        return _suggest("the build context has too many sources to read")

    return Plan(
        "node",
        runtime.image,
        (Artifact(output, output),),
        setup=(*carried.before, *_setup(found, runtime, bool(dependencies), files, text)),
        after=carried.after,
        why=f"{target} is built into {output}; "
        + (
            "the runtime installs the production dependencies only"
            if dependencies
            else "there are no production dependencies"
        ),
        users=(("node",) if runtime.official else ()) + carried.users,
    )


@dataclass(frozen=True)
class _Runtime:
    image: str
    official: bool  # the node image's slim variant; else Debian's with apt's nodejs
    packages: frozenset[str]  # what the stage installs with apt or apk
    release: str  # the node image's tag, or the Debian or Ubuntu release


def _project_problem(df: Dockerfile, stage: Stage, found: _Run) -> str | None:
    """Why the project's install, build and files may not be all the runtime needs."""
    if found.install is None or found.project is None or found.tool is None:
        return "no `npm ci` or `npm install` of the project is shown before its build"
    if found.tool == "pnpm":
        return "pnpm is not in the runtime image"
    if found.tool in found.own_tools or ("corepack" in found.own_tools and found.tool != "npm"):
        return f"the stage installs {found.tool} itself, and the runtime image would not have it"
    if workdir_at(df, stage, None) != found.project:
        return f"the project ({found.project}) is not the final WORKDIR, where the runtime installs its dependencies"
    if found.last_build is None:
        return "no build script runs in the installed project"
    return left_behind(df, stage, found.project, found.last_build, found.touched)


def _runtime(df: Dockerfile, stage: Stage, tool: str, text: str) -> _Runtime | Suggestion:
    """The runtime image: the node image's slim variant, or the Debian image with apt's nodejs."""
    base = base_of(df, stage)
    image = base.image
    reference = resolved_reference(df, stage)
    official = image is not None and image.official and image.path == "node"
    packages = frozenset(installed_packages(df, stage, ("apt-get", "apt", "aptitude", "apk")))
    apt_node = not official and "nodejs" in {p.split("=")[0] for p in installed_packages(df, stage)}
    if not official and not apt_node:
        return _suggest(f"node on {reference} comes neither from the node image nor from apt's nodejs")
    allowed = _BUILD_PACKAGES | ({"nodejs", "npm"} if apt_node else set())
    extra = sorted(p for p in packages if p not in allowed)
    if extra:
        return _suggest(f"the program may need {', '.join(extra)} at run time")
    if official and image is not None:
        slim = _slim(image, reference)
        if slim is None and image.tag in (None, "latest"):
            return _suggest(
                f"{reference} names no Node version, and its slim twin may hold another: pin a version first"
            )
        if slim is None:
            return _suggest(f"no slim variant of {reference} is known")
        return _Runtime(slim, True, packages, image.tag or "latest")
    if tool != "npm":
        return _suggest(f"{tool} is not installed by apt in the runtime")
    runtime = debian_runtime(df, stage)
    if runtime is None:
        return _suggest(f"no Debian image without the build tools is known for {reference}")
    release = re.sub(r"-slim\Z", "", (image.tag if image is not None else None) or "latest")
    return _Runtime(runtime, False, packages, release)


def _dependencies_problem(
    df: Dockerfile, stage: Stage, context: Context, where: str, tool: str, dependencies: set[str], runtime: _Runtime
) -> str | None:
    """Why the runtime's install of the production dependencies may not do what the build's did."""
    if tool == "yarn" and "__metadata:" in (context.read(_join(where, "yarn.lock")) or ""):
        return "yarn.lock is Yarn 2 or later, which is not in the runtime image"
    for name, why in _RUNTIME_READERS.items():
        if name in dependencies:
            return why
    if not dependencies:
        return None
    if any(re.match(r"(NPM_CONFIG_|YARN_)", key, re.IGNORECASE) for key in _env_keys(df, stage)):
        return "ENV configures npm or yarn, and the runtime's install would run without it"
    compilers = sorted(runtime.packages & _COMPILERS)
    if compilers:
        return (
            f"the stage installs {', '.join(compilers)} for native dependencies, which the runtime's install would lack"
        )
    for name in ("npm-shrinkwrap.json", "package-lock.json"):
        lock = _json(context.read(_join(where, name)))
        packages = member if lock is not None and isinstance(member := lock.get("packages"), dict) else {}
        native = sorted(
            path.rpartition("node_modules/")[2]
            for path, entry in packages.items()
            if isinstance(entry, dict) and entry.get("hasInstallScript") and not entry.get("dev")
        )
        if native:
            return f"the dependency {native[0]} runs an install script, which may need build tools the runtime lacks"
    if tool != "npm":
        return None
    major = re.match(r"\d+", runtime.release)
    if runtime.official and major is not None and int(major.group()) < 15:
        return f"the npm of {resolved_reference(df, stage)} is older than 7 (no --omit=dev)"
    if not runtime.official and runtime.release not in _NPM7_RELEASES:
        return f"the npm of {resolved_reference(df, stage)} may be older than 7 (no --omit=dev)"
    return None


def _suggest(reason: str) -> Suggestion:
    return Suggestion("node", reason, _LAYOUT)


def _runs(df: Dockerfile, stage: Stage, carried: tuple[Instruction, ...], builds: frozenset[str]) -> _Run:
    """The project's install, the scripts and tools the RUNs run (but the ``carried`` ones),
    and what else they do; ``builds`` are the scripts that build besides those named `build`."""
    found = _Run(builds=builds)
    commands = run_commands(df, stage, HARMLESS | {"rimraf"}, skip=carried)
    found.touched, found.problem = commands.touched, commands.problem
    for run, command, program, args, cwd in commands.commands if found.problem is None else []:
        if program in ("npm", "yarn", "pnpm"):
            found.problem = _package_manager(found, run, command, program, args, cwd)
        elif program == "corepack":
            found.own_tools.append("corepack")
        elif program in _TOOLS:
            found.commands.append(([program, *args], cwd))
        elif program not in _CHANGING:
            found.problem = unknown_command(program)
        if found.problem is not None:
            break
    return found


def _package_manager(
    found: _Run, run: Instruction, command, program: str, args: list[str], cwd: str | None
) -> str | None:
    """Records an install, a script or a global tool of npm, yarn or pnpm; why not, when it is none of them."""
    takes_value = VALUE_OPTIONS.get(program, frozenset())
    operands: list[str] = []
    options: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg.startswith("-"):
            options.append(arg.split("=", 1)[0])
            skip = arg in takes_value
        else:
            operands.append(arg)
    sub = operands[0] if operands else None
    rest = operands[1:]
    if {
        "--prefix",
        "-C",
        "--cwd",
        "--dir",
        "-w",
        "--workspace",
        "--workspaces",
        "--filter",
        "-F",
        "-r",
        "--recursive",
    } & set(options):
        return f"`{program}` runs on another directory or on workspaces"
    if program == "npm" and sub is None and options and set(options) <= {"-v", "--version", "-h", "--help"}:
        return None
    if {"-g", "--global"} & set(options) or (program == "yarn" and sub == "global"):
        found.own_tools += [p.split("@")[0] for p in rest + operands if p.split("@")[0] in ("yarn", "pnpm")]
        return None
    command_name = node_command(program, sub)
    if command_name == "install" or (program == "npm" and command_name == "ci"):
        if rest or (program == "npm" and sub == "add"):
            return f"`{program} {sub}` adds packages by name"
        if found.project is not None and (found.project != cwd or found.tool != program):
            return "the stage installs dependencies in several directories or with several tools"
        if cwd is None:
            return f"`{program} {sub or 'install'}` runs in a directory dockopt cannot follow"
        found.tool, found.project = program, cwd
        found.install = Install(command, program, cwd, options=frozenset(options))
        found.carried = _carried(args)
        return None
    if (program == "npm" and command_name in _NPM_HARMLESS) or (program == "yarn" and sub in _YARN_HARMLESS):
        return None
    if command_name == "run":
        name = rest[0] if rest else None
    elif (program == "npm" and command_name in _SCRIPT_CALLS) or (
        program != "npm"
        and command_name
        not in (None, "add", "remove", "upgrade", "update", "exec", "dlx", "create", "init", "link", "publish")
    ):
        name = command_name
    else:
        return f"a RUN runs `{program} {sub or ''}`".rstrip() + ", whose effects the runtime stage would not have"
    if name is None:
        return f"`{program} run` without a script name"
    if found.project is None:
        return f"no install of the project comes before `{program} run {name}`"
    if cwd is None or cwd != found.project:
        return f"`{program} run {name}` runs outside the installed project"
    found.scripts.append((name, cwd))
    if _BUILD_SCRIPT.match(name) or name in found.builds:
        found.last_build = run
    return None


def _bundling_scripts(df: Dockerfile, stage: Stage, context: Context) -> frozenset[str]:
    """The package.json scripts that the stage's RUNs call (`npm run X`, `yarn X`, `pnpm run
    X`) and that run a bundler or compiler, as the package.json that a COPY brought from the
    build context into the RUN's directory says; none when the build context is not known."""
    commands = stage_commands(df, stage) if context.directory is not None else None
    found: set[str] = set()
    packages: dict[str, dict] = {}
    for run, command, cwd in commands or []:
        words = unwrapped(command) if command.kind == "simple" and cwd is not None else None
        values = [w.value for w in words or () if w.value is not None]
        if cwd is None or not values or len(values) != len(words or ()):
            continue
        program = posixpath.basename(values[0])
        if program not in ("npm", "yarn", "pnpm"):
            continue
        if cwd not in packages:
            source = context_source(df, stage, context, posixpath.join(cwd, "package.json"), run)
            packages[cwd] = (_json(context.read(source)) if source is not None else None) or {}
        scripts = member if isinstance(member := packages[cwd].get("scripts"), dict) else {}
        name = _called_script(program, values[1:], scripts)
        if name is not None and _bundles(name, scripts, 0):
            found.add(name)
    return frozenset(found)


def _bundles(name: str, scripts: dict, depth: int) -> bool:
    """Whether the package.json script ``name`` (its pre and post scripts, and the scripts it
    runs with `npm run`) runs a bundler or compiler of ``_BUNDLERS`` to make a build."""
    if depth > 4:
        return False
    for script in (scripts.get(f"pre{name}"), scripts.get(name), scripts.get(f"post{name}")):
        for words in _script_commands(script) if isinstance(script, str) else []:
            argv = _tool_words(words)
            if not argv:
                continue
            program, args = posixpath.basename(argv[0]), argv[1:]
            called = _called_script(program, args, scripts)
            if called is not None and called != name and _bundles(called, scripts, depth + 1):
                return True
            if program in _BUNDLERS and not _NOT_BUNDLING & set(args):
                needed = _BUNDLERS[program]
                operands = [a for a in args if not a.startswith("-")]
                if needed is None or (operands and operands[0] in needed):
                    return True
    return False


def _json(text: str | None) -> dict | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _jsonc(text: str | None) -> dict | None:
    """A JSON file that may hold comments and trailing commas (tsconfig.json)."""
    if text is None:
        return None
    kept: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == '"':
            end = index + 1
            while end < len(text) and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            kept.append(text[index : end + 1])
            index = end + 1
        elif text.startswith("//", index):
            end = text.find("\n", index)
            index = len(text) if end < 0 else end
        elif text.startswith("/*", index):
            end = text.find("*/", index + 2)
            index = len(text) if end < 0 else end + 2
        else:
            kept.append(char)
            index += 1
    return _json(re.sub(r",(\s*[}\]])", r"\1", "".join(kept)))


def _join(directory: str, name: str) -> str:
    return name if directory in ("", ".") else posixpath.normpath(f"{directory}/{name}")


def _production_dependencies(package: dict) -> set[str]:
    names: set[str] = set()
    for table in ("dependencies", "optionalDependencies", "peerDependencies"):
        value = package.get(table)
        if isinstance(value, dict):
            names.update(value)
    return names


def _env_keys(df: Dockerfile, stage: Stage) -> list[str]:
    return [key for i in stage.instructions if i.command == "ENV" for key in (p.name for p in i.pairs)]


def _slim(image: ImageRef, reference: str) -> str | None:
    """The runtime node image: slim and alpine tags stay, others move to their slim variant
    (``images.slim_variant``: `node:20` → `node:20-slim`; none for `latest` or no tag)."""
    tag = image.tag
    if image.digest is None and tag is not None and ("alpine" in tag or tag == "slim" or tag.endswith("-slim")):
        return reference
    return slim_variant(reference)


def _entry_file(df: Dockerfile, stage: Stage, start: Instruction, official: bool) -> str | tuple[str] | Suggestion:
    """The file the container runs with node (absolute); (script name,) for `npm start`,
    `npm run X`, `yarn start` on the node image (package.json tells the file); or why not."""
    words = entry_words(start)
    if not words:
        return _suggest("its CMD or ENTRYPOINT uses shell syntax")
    program = posixpath.basename(words[0])
    if program in ("npm", "yarn") and official:
        if len(words) == 2 and words[1] == "start":
            return ("start",)
        if len(words) == 3 and words[1] == "run":
            return (words[2],)
    if program not in ("node", "nodejs"):
        return _suggest("its CMD or ENTRYPOINT does not run `node FILE`")
    file, rest = _node_file(words[1:])
    if file is None:
        return _suggest(rest[0] if rest else "its node command runs no file")
    where = shell_path(df, start, file)
    if where is None:
        return _suggest("the file the container runs is not known")
    named = file_argument(rest)
    if named is not None:
        return _suggest(f"the program is given the file {named}, which the runtime stage would not have")
    return where


def _script_file(name: str, scripts: dict, project: str) -> str | Suggestion:
    """The file a package.json script runs with node (absolute), or why not."""
    script = scripts.get(name)
    if not isinstance(script, str):
        return _suggest(f"its CMD runs the script `{name}`, which package.json does not define")
    if f"pre{name}" in scripts or f"post{name}" in scripts:
        return _suggest(f"the `{name}` script has pre or post scripts")
    commands = _script_commands(script)
    parsed = script_from_text(script)
    if len(commands) != 1 or len(parsed.commands) != 1 or posixpath.basename(commands[0][0]) != "node":
        return _suggest(f"the `{name}` script does not run `node FILE`")
    file, rest = _node_file(commands[0][1:])
    if file is None:
        return _suggest(rest[0] if rest else f"the `{name}` script runs no file")
    named = file_argument(rest)
    if named is not None:
        return _suggest(f"the program is given the file {named}, which the runtime stage would not have")
    where = join(project, file)
    return where if where is not None else _suggest("the file the container runs is not known")


def _node_file(words: list[str]) -> tuple[str | None, list[str]]:
    """The script of a node command line and the words after it; (None, [why]) when there is none."""
    index = 0
    while index < len(words):
        word = words[index]
        if not word.startswith("-"):
            return word, words[index + 1 :]
        name, eq, value = word.partition("=")
        if name in _NODE_NO_FILE:
            return None, [f"its node command runs `{word}`, not a file"]
        if name.startswith("--env-file"):
            return None, ["node reads an env file, which the runtime stage would not have"]
        if name in _NODE_VALUE_OPTIONS:
            if not eq:
                index += 1
                value = words[index] if index < len(words) else ""
            if value.startswith((".", "/")):
                return None, [f"node preloads {value}, which the runtime stage may not have"]
        index += 1
    return None, []


def _outputs(
    found: _Run, scripts: dict, to_context: Callable[[str | None], str | None], context: Context
) -> tuple[set[str], bool]:
    """The image directories the build writes, and whether it builds with Next.js."""
    outputs: set[str] = set()
    next_js = False
    pending: list[tuple[list[str], str | None, int]] = [(argv, cwd, 0) for argv, cwd in found.commands]
    pending += [(["npm", "run", name], cwd, 0) for name, cwd in found.scripts]
    while pending:
        argv, cwd, depth = pending.pop()
        argv = _tool_words(argv)
        if not argv or cwd is None or depth > 4:
            continue
        program, args = posixpath.basename(argv[0]), argv[1:]
        called = _called_script(program, args, scripts)
        if called is not None:
            for name in (f"pre{called}", called, f"post{called}"):
                if isinstance(scripts.get(name), str):
                    pending += [(words, cwd, depth + 1) for words in _script_commands(scripts[name])]
            continue
        if program == "next":
            next_js = True
        elif program == "tsc":
            outputs |= _tsc_output(args, cwd, to_context, context)
        elif program == "vite" and "build" in args:
            outputs |= _vite_output(args, cwd, to_context, context)
        elif program == "react-scripts" and "build" in args:
            outputs.add(posixpath.join(cwd, "build"))
        elif program not in _NOT_BUILD_TOOLS:
            outputs |= _option_outputs(program, args, cwd)
    return outputs, next_js


def _tool_words(argv: list[str]) -> list[str]:
    """The command behind `npx`, `cross-env`, `pnpm exec`, `yarn exec`."""
    while argv:
        program = posixpath.basename(argv[0])
        if program == "npx":
            rest = argv[1:]
            while rest and rest[0].startswith("-"):
                rest = rest[2:] if rest[0] in ("-p", "--package") else rest[1:]
            argv = rest
        elif program == "cross-env":
            rest = argv[1:]
            while rest and re.match(r"[A-Za-z_]\w*=", rest[0]):
                rest = rest[1:]
            argv = rest
        elif program in ("pnpm", "yarn") and len(argv) > 1 and argv[1] == "exec":
            argv = argv[2:]
        else:
            return argv
    return argv


def _called_script(program: str, args: list[str], scripts: dict) -> str | None:
    operands = [a for a in args if not a.startswith("-")]
    if not operands or program not in ("npm", "yarn", "pnpm"):
        return None
    if node_command(program, operands[0]) == "run" and len(operands) > 1:
        return operands[1]
    if program == "npm":
        return operands[0] if operands[0] in ("start", "test") else None
    return operands[0] if operands[0] in scripts else None


def _script_commands(script: str) -> list[list[str]]:
    """The commands of a package.json script, as words (none after a `cd`: their directory is not followed)."""
    parsed = script_from_text(script)
    if parsed.has_error:
        return []
    found = []
    for command in parsed.commands:
        if command.program == "cd":
            break
        words = unwrapped(command) if command.kind == "simple" else None
        if words is None or any(w.value is None for w in words):
            continue
        found.append([w.value for w in words if w.value is not None])
    return found


def _option_outputs(program: str, args: list[str], cwd: str) -> set[str]:
    found: set[str] = set()
    for index, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if not eq:
            value = args[index + 1] if index + 1 < len(args) else ""
        if name in _OUTPUT_OPTIONS or (program == "babel" and name == "-d"):
            path = join(cwd, value)
        elif name in _OUTPUT_FILE_OPTIONS:
            path = join(cwd, posixpath.dirname(value) or ".")
        else:
            continue
        if path is not None and value and not value.startswith("-"):
            found.add(path)
    return found


def _tsc_output(
    args: list[str], cwd: str, to_context: Callable[[str | None], str | None], context: Context
) -> set[str]:
    """`tsc --outDir X`, or the outDir of its tsconfig (following relative `extends`)."""
    config = "tsconfig.json"
    for index, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if not eq and index + 1 < len(args):
            value = args[index + 1]
        if name == "--outDir":
            path = join(cwd, value)
            return {path} if path is not None else set()
        if name in ("-p", "--project", "-b", "--build") and value and not value.startswith("-"):
            config = value if value.endswith(".json") else posixpath.join(value, "tsconfig.json")
    path = join(cwd, config)
    for _ in range(4):
        where = to_context(path)
        settings = _jsonc(context.read(where)) if where is not None else None
        if settings is None or path is None:
            return set()
        options = member if isinstance(member := settings.get("compilerOptions"), dict) else {}
        out = options.get("outDir")
        if isinstance(out, str):
            resolved = join(posixpath.dirname(path), out)
            return {resolved} if resolved is not None else set()
        parent = settings.get("extends")
        if not isinstance(parent, str) or not parent.startswith("."):
            return set()
        path = join(posixpath.dirname(path), parent if parent.endswith(".json") else f"{parent}.json")
    return set()


def _vite_output(
    args: list[str], cwd: str, to_context: Callable[[str | None], str | None], context: Context
) -> set[str]:
    for index, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if name == "--outDir":
            if not eq:
                value = args[index + 1] if index + 1 < len(args) else ""
            path = join(cwd, value)
            return {path} if path is not None else set()
    for suffix in ("js", "ts", "mjs", "cjs", "mts", "cts"):
        where = to_context(posixpath.join(cwd, f"vite.config.{suffix}"))
        config = context.read(where) if where is not None else None
        if config is not None and "outDir" in config:
            return set()
    return {posixpath.join(cwd, "dist")}


def _node_scripts(found: _Run, scripts: dict, project: str) -> set[str]:
    """The files the build runs with node (build scripts, not the program): image paths."""
    files = set()
    commands = list(found.commands)
    commands += [
        (words, project) for value in scripts.values() if isinstance(value, str) for words in _script_commands(value)
    ]
    for argv, cwd in commands:
        argv = _tool_words(argv)
        if argv and posixpath.basename(argv[0]) == "node" and cwd is not None:
            file, _ = _node_file(argv[1:])
            path = join(cwd, file) if file is not None else None
            if path is not None:
                files.add(path)
    return files


def _carried(args: list[str]) -> list[str]:
    """The options of the build's install that change what an install does (peer dependencies,
    scripts, the registry), to repeat in the runtime's install."""
    carried = []
    for index, arg in enumerate(args):
        name = arg.split("=", 1)[0]
        if name in _CARRIED:
            carried.append(arg)
        elif name in _CARRIED_VALUES:
            value = arg if "=" in arg else f"{arg}={args[index + 1]}" if index + 1 < len(args) else None
            if value is not None and plain_path(value.split("=", 1)[1]):
                carried.append(value)
    return carried


def _setup(found: _Run, runtime: _Runtime, dependencies: bool, manifests: list[str], text: str) -> list[str | Artifact]:
    """The runtime stage's instructions before the output: the manifests, node, the production dependencies."""
    copies: list[str | Artifact] = [Artifact(path, path) for path in manifests]
    install = {"npm": "npm ci --omit=dev", "yarn": "yarn install --frozen-lockfile --production"}[found.tool or "npm"]
    install = " ".join([install, *found.carried])
    if runtime.official:
        return copies + ([f"RUN {install}"] if dependencies else [])
    # apt's nodejs recommends ca-certificates: keep it unless the build went without
    without = "--no-install-recommends" in text
    names = "nodejs" + (" ca-certificates" if "ca-certificates" in runtime.packages or not without else "")
    if not dependencies:
        return [
            f"RUN apt-get update && apt-get install -y --no-install-recommends {names} && rm -rf /var/lib/apt/lists/*",
            *copies,
        ]
    return copies + [
        (
            f"RUN apt-get update && apt-get install -y --no-install-recommends {names} npm && {install} "
            "&& apt-get purge -y --auto-remove npm && rm -rf /var/lib/apt/lists/*"
        )
    ]
