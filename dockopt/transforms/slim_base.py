"""slim-base (DO401): the final stage builds on the slim variant of its base image."""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..context import Context
from ..copies import context_source, entry_script, placed_at
from ..fix import Applicability, Edit, Finding, Fix
from ..images import official_name, parse_image, reference_pieces, slim_tag_edit, tag_releases
from ..model import chain, shell_path
from ..packages import (
    GEM_INSTALLS,
    NODE_BUILDS,
    NODE_INSTALLS,
    Invocation,
    included_file,
    invocations,
    node_command,
    pip_files,
    requirement_lines,
    runtime_libraries,
    unwrapped,
)
from ..shell import Command, Script, Word, effective_shell, is_posix_shell, script_from_text, script_of
from ..syntax import Dockerfile, Instruction, Stage
from ..transform import WARNING, transform

# --------------------------------------------------------------------------- the tags rewritten


@dataclass(frozen=True)
class _Target:
    image: str  # "python"
    kind: str  # "buildpack" (python, node, ruby, perl), "debian", "openjdk", "temurin"
    start: int  # the edit, in the resolved reference
    end: int
    text: str
    resolved: str  # the resolved reference before and after
    after: str
    tag_start: int  # where the tag starts in the resolved reference


def _target(resolved: str) -> _Target | None:
    """The slim variant of a resolved reference, as an edit of its tag; None when unknown."""
    image = parse_image(resolved)
    if image is None or image.tag is None or image.digest is not None:
        return None
    name = official_name(image)
    edit = slim_tag_edit(name, image.tag) if name is not None else None
    if name is None or edit is None:
        return None
    tag_start = len(resolved) - len(image.tag)
    start, end, text = edit
    kind = {"debian": "debian", "openjdk": "openjdk", "eclipse-temurin": "temurin"}.get(name, "buildpack")
    after = resolved[: tag_start + start] + text + resolved[tag_start + end :]
    return _Target(name, kind, tag_start + start, tag_start + end, text, resolved, after, tag_start)


# --------------------------------------------------------------------------- what the slim variant lacks

_FETCH = {"curl": ("curl",), "wget": ("wget",), "sq": ("sq",)}
_GPG = ("gnupg", "gnupg2", "gpg")
_SIGN = {"gpg": _GPG, "gpg2": _GPG, "gpg-agent": _GPG + ("gpg-agent",), "dirmngr": _GPG + ("dirmngr",), "apt-key": _GPG}
_SSH = ("openssh-client", "ssh")
_SCM = {
    "git": ("git",),
    "git-lfs": ("git-lfs",),
    "hg": ("mercurial",),
    "svn": ("subversion",),
    "svnadmin": ("subversion",),
    "svnversion": ("subversion",),
    "ssh": _SSH,
    "scp": _SSH,
    "sftp": _SSH,
    "ssh-keygen": _SSH,
    "ssh-keyscan": _SSH,
    "ssh-agent": _SSH,
    "ssh-add": _SSH,
}
_PROCPS = dict.fromkeys("ps pkill pgrep top free watch uptime vmstat pmap pwdx slabtop sysctl w".split(), ("procps",))
_ARCHIVES = {
    "bzip2": ("bzip2",),
    "bunzip2": ("bzip2",),
    "bzcat": ("bzip2",),
    "xz": ("xz-utils",),
    "unxz": ("xz-utils",),
    "xzcat": ("xz-utils",),
    "unzip": ("unzip",),
}
_PYTHON3 = ("python3", "python3-minimal", "python", "python2", "python2.7", "python-is-python3")
_BUILDPACK_EXTRA = {
    "file": ("file",),
    "patch": ("patch",),
    **dict.fromkeys("convert identify mogrify composite montage magick compare".split(), ("imagemagick",)),
}
# programs of buildpack-deps (the base of the full python, node, ruby and perl images) that
# their slim variants lack, with the Debian packages that bring them back
_BUILDPACK = {**_FETCH, **_SIGN, **_SCM, **_PROCPS, **_ARCHIVES, **_BUILDPACK_EXTRA}
# mercurial pulls in Debian's own python: the full images have one, python's own aside
_SYSTEM_PYTHON = {"python": _PYTHON3, "python2": _PYTHON3, "python3": _PYTHON3}
# openjdk's full images are buildpack-deps' scm variant with bzip2, unzip, xz and fontconfig
_OPENJDK = {
    **_FETCH,
    **_SIGN,
    **_SCM,
    **_PROCPS,
    **_ARCHIVES,
    **_SYSTEM_PYTHON,
    **dict.fromkeys(("fc-cache", "fc-list", "fc-match"), ("fontconfig",)),
}
# compilers and build tools of the full images: a stage that builds needs their libraries too
_BUILD_TOOLS = frozenset(
    "gcc g++ cc c++ cpp clang clang++ make gmake cmake ninja meson autoconf automake autoreconf aclocal libtool "
    "libtoolize pkg-config configure cargo rustc go node-gyp dpkg-buildpackage dpkg-architecture".split()
)
_BUILD_PACKAGES = re.compile(
    r"(build-essential|gcc(-\d+)?|g\+\+(-\d+)?|clang(-\d+)?|make|cmake|autoconf|automake|libtool|pkg-config|"
    r"pkgconf|cargo|rustc|golang(-[\d.]+)?(-go)?|[\w.+-]+-dev)"
)
# programs of a JDK that a JRE has not, and the Java build tools that need a JDK
_JDK_TOOLS = frozenset(
    "javac jar jarsigner javadoc javap javah jdeps jdb jlink jmod jimage jpackage jshell jcmd jconsole jinfo jmap "
    "jps jstack jstat jstatd jhsdb jfr jdeprscan rmic serialver native2ascii idlj wsimport wsgen xjc schemagen "
    "mvn mvnw gradle gradlew ant sbt lein kotlinc scalac".split()
)
_BINUTILS = dict.fromkeys("objcopy strip ld as ar nm objdump readelf".split(), ("binutils",))
_JDK_FILES = re.compile(r"tools\.jar|/jmods\b|\bct\.sym\b")
# what debuerreotype's slim variant leaves out of every package, installed later ones included
_SLIMMED = (
    "/usr/share/doc",
    "/usr/share/man",
    "/usr/share/info",
    "/usr/share/locale",
    "/usr/share/groff",
    "/usr/share/lintian",
    "/usr/share/linda",
)
# packages whose setup registers man pages with update-alternatives: a Java runtime, or what depends on one
_JAVA_PACKAGES = re.compile(
    r"(openjdk-\d+-(jre|jdk)(-headless)?|default-(jre|jdk)(-headless)?|ca-certificates-java|oracle-java\d+-installer|"
    r"maven|ant|gradle|tomcat\d*)"
)

_NODE_TOOLS = "the python3, make and g++ of the full image"
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh"})
# programs that run the command named after their options (and, for some, one operand)
_LAUNCHERS = {
    "xargs": 0,
    "timeout": 1,
    "exec": 0,
    "time": 0,
    "watch": 0,
    "flock": 1,
    "stdbuf": 0,
    "gosu": 1,
    "su-exec": 1,
    "chronic": 0,
    "tini": 0,
    "dumb-init": 0,
    "nohup": 0,
    "nice": 0,
}
_LAUNCHER_VALUES = frozenset({"-I", "-n", "-P", "-d", "-L", "-s", "-E", "-a", "-k", "-i", "-o", "-e"})
# pip requirements that build from source: a path, a VCS URL, an archive
_PIP_SOURCE = re.compile(r"(\.{0,2}/|~/|file:|(git|hg|svn|bzr)\+)|.*\.(tar\.gz|tgz|tar\.bz2|tar\.xz|zip)$|\.$")
# popular PyPI packages with no Linux wheel: pip builds them with the gcc and -dev packages
# that only the full image has
_SOURCE_ONLY = frozenset(
    "uwsgi mysqlclient mysql-python psycopg2 psycopg-c pycrypto python-ldap m2crypto netifaces pykerberos kerberos".split()
)
# PyPI packages that load, at run time, a library only the full image has
_RUNTIME_LIBRARIES = {"python-magic": "libmagic"}
# installers that may compile what they install
_INSTALLERS = frozenset(
    {"bundle", "bundler", "pnpm", "cpanm", "cpan", "carton", "poetry", "uv", "pdm", "pipenv", "node-gyp"}
)
_SCRIPT_SUFFIXES = (".sh", ".bash")
# what installed packages look like when a later stage copies them
_INSTALLED_PATHS = re.compile(
    r"node_modules|site-packages|dist-packages|venv|\.local|bundle|vendor|wheel|\.whl|/install|/usr/local|/opt/conda|"
    r"lib/python|/root\b|/home/"
)
# where the programs of the image itself are: a path there is no script of the build context
_SYSTEM_DIRS = ("/usr/", "/bin/", "/sbin/", "/lib/", "/etc/", "/opt/java/")
_SHELL_SHEBANG = re.compile(r"#!\s*(/usr)?/bin/(env\s+)?(sh|bash|dash|ash)\b")


@transform(code="DO401", name="slim-base", applicability=Applicability.UNSAFE, severity=WARNING)
def slim_base(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """The final stage builds on the slim variant of its base image.

    ## What it does
    When the final stage starts from the full image of python, node, ruby, perl, debian or
    openjdk, it moves it to the image's slim variant, and eclipse-temurin's JDK to its JRE,
    by editing the tag in FROM and nothing else (the registry and repository stay as
    written). The tags it rewrites, as Docker Hub names them:

    | FROM | becomes |
    | --- | --- |
    | `python:3.12`, `python:3.12.4`, `python:3` | `python:3.12-slim`, `python:3.12.4-slim`, `python:3-slim` |
    | `python:3.12-bookworm` | `python:3.12-slim-bookworm` |
    | `ruby:3.3`, `ruby:3.3-bookworm` | `ruby:3.3-slim`, `ruby:3.3-slim-bookworm` |
    | `perl:5.38`, `perl:5.38-threaded-bookworm` | `perl:5.38-slim`, `perl:5.38-slim-threaded-bookworm` |
    | `node:20`, `node:20-bookworm`, `node:lts` | `node:20-slim`, `node:20-bookworm-slim`, `node:lts-slim` |
    | `debian:bookworm`, `debian:12`, `debian:12.5`, `debian:stable` | `debian:bookworm-slim`, `debian:12-slim`, `debian:12.5-slim`, `debian:stable-slim` |
    | `openjdk:11`, `openjdk:8-jdk`, `openjdk:8-jre`, `openjdk:17-bullseye` | `openjdk:11-slim`, `openjdk:8-jdk-slim`, `openjdk:8-jre-slim`, `openjdk:17-slim-bullseye` |
    | `eclipse-temurin:17`, `eclipse-temurin:17-jdk-jammy` | `eclipse-temurin:17-jre`, `eclipse-temurin:17-jre-jammy` |

    A tag names a version (`3.12`), optionally with a Debian release from buster on
    (buster, bullseye, bookworm, trixie); node's codenames (`lts`, `iron`, ...) count as
    versions; eclipse-temurin's tags keep their distribution (`-jammy`, `-noble`,
    `-alpine`, `-ubi9-minimal`, ...). Docker Hub's official images only, also spelled
    `docker.io/library/python` or on the mirrors `public.ecr.aws/docker/library/` and
    `mirror.gcr.io/library/`. A tag
    built from the global ARG defaults is rewritten when the new text falls outside the
    variables: `FROM python:${PYTHON_VERSION}` (`ARG PYTHON_VERSION=3.12`) becomes
    `FROM python:${PYTHON_VERSION}-slim`; `FROM ${IMAGE}` (the name comes with the tag)
    and `eclipse-temurin:${TAG}` with `TAG=17-jdk` (the text to change is the variable's)
    are left alone.

    Left alone, without a word: a stage that is not the last or that is FROM an earlier
    stage, a reference with a digest (it pins the full image), no tag or `latest`
    (base-image-tag, DO309, reports those), slim, alpine and other variants, tags of
    wheezy, jessie and stretch (Docker Hub has gaps there), the few old versions Docker
    Hub published without a slim twin, openjdk 12 and later without a Debian release in
    the tag (their default is Oracle Linux, their slim variant Debian), Temurin 16 (no
    JRE), dated debian tags (`bookworm-20240110`), and images with no slim variant
    (golang, php, ubuntu, ...).

    ## Why
    The full images carry a whole build system (buildpack-deps: gcc, make, the `-dev`
    packages of 40 libraries, git, curl, ImageMagick) that an application which only runs
    never uses: `python:3.12` is about 1 GB, `python:3.12-slim` about 130 MB. Less to
    pull, to store, and to patch when a CVE lands in a library nobody calls.

    ## Example
    ```Dockerfile
    FROM node:20 AS build
    WORKDIR /src
    COPY . .
    RUN npm ci && npm run build

    FROM node:20
    COPY --from=build /src/dist /app
    CMD ["node", "/app/server.js"]
    ```
    becomes the same file with its last FROM
    ```Dockerfile
    FROM node:20-slim
    ```
    (`npm ci` runs in the build stage, which keeps the full image and its compilers).

    ## Fix safety
    Unsafe: the slim variant lacks things the stage may use without saying so. A Python
    package with no wheel for the platform needs gcc and the `-dev` packages to install,
    and fails the build (dockopt knows the popular ones, and reads `-r` files when the
    build context holds them, not Pipfiles or lock files); a library that loads a system
    library at run time fails only when it is called; openjdk's slim images have no
    fontconfig (AWT font rendering); slim images leave out every package's documentation,
    man pages and message translations.

    It leaves the file alone, and says why, when the stage (its RUNs, ONBUILD RUNs,
    CMD, ENTRYPOINT, HEALTHCHECK, the shell scripts its RUNs run and its entrypoint
    script, read from the build context) needs what the slim variant lacks:

    - on python, node, ruby and perl: a compiler or build tool (`gcc`, `make`, `cmake`,
      `./configure`, `cargo`, `go`, `node-gyp`, ...), or an apt-get install of
      `build-essential`, a compiler or a `-dev` package (a build that counts on the full
      image's libraries) but those below; a native install: `npm install`/`ci`, `yarn`, `pnpm install`
      on node (native modules need python3, make and g++; not an `npm ci` or `npm
      install` of no named package with `--ignore-scripts`, or whose package-lock.json,
      of version 2 or later and read from the build context, marks no package with
      `hasInstallScript` (node-gyp builds are marked too) while package.json runs no
      install script of its own), `gem install` and `bundle
      install` on ruby (native extensions), `cpanm`, `cpan` and `perl Makefile.PL` on
      perl; on python, `pip install` of a local path, an archive, a VCS URL, in
      editable mode, with `--no-binary` or build options, of a package PyPI has no
      wheel for (uwsgi, mysqlclient, psycopg2, pycrypto, python-ldap, ...) or of
      python-magic (libmagic), `python setup.py`, and `poetry install`, `uv sync` and
      `pdm install` that install the project itself; a COPY --from a stage that
      compiles, or that installs packages when the copy looks like them
      (`node_modules`, `site-packages`, a virtualenv, `/usr/local`, ...): they may
      link against libraries only the full image has;
    - on python, node, ruby, perl and openjdk: a program the full image has and the
      slim one not (`curl`, `wget`, `gpg`, `apt-key`, `git`, `hg`, `svn`, `ssh`, `ps`
      and procps, `unzip`, `xz`, `bzip2`, ImageMagick's `convert`, `file`, `patch`, and
      on node, ruby, perl and openjdk Debian's `python3`), unless the stage installs it
      with apt-get before it runs (apt-get itself works the same on slim images); a
      shell script of the build context that a RUN runs and dockopt cannot read;
    - on eclipse-temurin: a JDK tool (`javac`, `jar`, `jlink`, `jshell`, `jpackage`,
      `jcmd`, `jstack`, ...), a build tool (`mvn`, `./mvnw`, `gradle`, `./gradlew`,
      `ant`, `sbt`), binutils (`objcopy`, `strip`), or the JDK's `tools.jar` or `jmods`;
    - on all: a RUN that reads what slim images leave out (`/usr/share/doc`, `man`,
      `info`, `locale`; deleting them is fine), an apt-get install of a Java runtime or
      of what depends on one (maven, ant, tomcat) unless the stage first creates
      /usr/share/man/man1 (their setup fails without it), or a RUN dockopt cannot
      analyse.

    A `-dev` package that the stage installs with apt-get and nothing of the stage compiles
    against (no compiler, no native install, no pip requirement file it cannot read) was
    installed for its library: the slim image gets the runtime library instead (`libpq-dev`
    becomes `libpq5`, in the same apt-get install), when that library has the same name on
    every Debian release the tag may point to. A tag that names its release
    (`python:3.12-bookworm`) points to that one; one that does not points to the releases
    of the version's life (`python:3.12`, `node:22`, `ruby:3.3`: bookworm and trixie;
    `python:3.9`: buster to trixie; `python:3`: jessie to trixie). Where the name differs
    (`libssl-dev`: `libssl3` on bookworm, `libssl3t64` on trixie) or is not known, it
    leaves the file alone and names the package and the libraries release by release:
    name the release in the tag. Known: the `-dev` packages of libpq, zlib, bzip2, xz,
    SQLite, libyaml, libxml2, libxslt, libjpeg-turbo, FreeType, libffi, OpenSSL, libpng,
    curl (OpenSSL flavour) and MariaDB's client (`dockopt.packages.runtime_libraries`).
    A later Debian release (forky) may rename a library again.

    On debian the full and slim images hold the same packages (slim only leaves out
    documentation and translations), so compilers, curl and git installed by the stage
    are not in the way. A `--build-arg` that overrides the ARG of a rewritten tag may
    name a tag without a slim variant.
    """
    if not df.stages:
        return
    stage = df.stages[-1]
    if stage.parent is not None:
        return
    pieces = reference_pieces(df, stage)
    resolved = "".join(value for _, value in pieces)
    if any(q in stage.base for q in "\"'") or resolved.lower() in {s.name for s in df.stages[:-1] if s.name}:
        return
    target = _target(resolved)
    span = _written_span(pieces, target) if target is not None else None
    if target is None or span is None:
        return  # no slim variant known, or the text to edit is inside a variable
    instruction = stage.from_instruction
    offsets, base = instruction.offsets, instruction.args_start
    start, end = offsets.to_file(base), offsets.to_file_end(base + len(stage.base))
    shown = resolved if resolved == stage.base else f"{resolved} ({stage.base} with the ARG defaults)"
    scan = _Scan(df, stage, target, context)
    why = scan.needs()
    if why is not None:
        yield Finding(f"FROM {shown} is a full image; not moved to {target.after}: {why}", start, end)
        return
    end_at = offsets.to_file_end(base + span[1])
    edit = Edit(end_at if span[0] == span[1] else offsets.to_file(base + span[0]), end_at, target.text)
    kind = "JRE" if target.kind == "temurin" else "slim variant"
    libraries = [Edit(r.word.span.start, r.word.span.end, r.library) for r in scan.runtime]
    also = ""
    if scan.runtime:
        its = "its runtime library" if len(scan.runtime) == 1 else "their runtime libraries"
        also = (
            f", and {', '.join(r.library for r in scan.runtime)} instead of {', '.join(r.package for r in scan.runtime)}"
            f" ({its} on {_listed(scan.runtime[0].releases)})"
        )
    yield Finding(
        f"FROM {shown} is a full image the final stage does not need: use its {kind}, {target.after}{also}",
        start,
        end,
        Fix((edit, *libraries), Applicability.UNSAFE),
    )


def _written_span(pieces: list[tuple[str, str]], target: _Target) -> tuple[int, int] | None:
    """Where the edit of the resolved reference falls in the text as written: the `:` before
    the tag must be written out, and the edit touch only literal text (an insertion may also
    sit right before or after a variable)."""
    written = resolved = 0
    for text, value in pieces:
        literal = text == value and "$" not in text
        if not literal and resolved < target.tag_start <= resolved + len(value):
            return None  # `FROM $IMAGE`: the tag comes with the name from one variable
        if literal and resolved <= target.start and target.end <= resolved + len(value):
            return written + target.start - resolved, written + target.end - resolved
        if target.start == target.end:
            if target.start == resolved:
                return written, written
            if target.start == resolved + len(value):
                return written + len(text), written + len(text)
        written += len(text)
        resolved += len(value)
    return None


# --------------------------------------------------------------------------- what the stage needs


@dataclass(frozen=True)
class _Runtime:
    """A `-dev` package an apt-get install names, and the runtime library the slim image gets instead."""

    word: Word
    package: str
    library: str
    releases: tuple[str, ...]


class _Scan:
    """Reads the final stage in order, for what its slim variant lacks."""

    def __init__(self, df: Dockerfile, stage: Stage, target: _Target, context: Context) -> None:
        self.df, self.stage, self.target, self.context = df, stage, target, context
        self.lacks = _lacks(target)
        self.installed: set[str] = set()  # Debian packages the stage installs with apt
        self.runtime: list[_Runtime] = []  # -dev packages the slim image gets the runtime library of
        self.man_pages = False  # the stage creates /usr/share/man/man1 (for Java's setup)
        self.at: Instruction | None = None  # the RUN being read: paths are relative to its WORKDIR

    def needs(self) -> str | None:
        """Why the stage needs the full image, or None."""
        for instruction in self.stage.instructions:
            line = instruction.start_line
            command = (instruction.sub or instruction).command
            if command == "RUN":
                why = self.run(instruction)
                if why is not None:
                    return f"{'ONBUILD RUN' if instruction.sub is not None else 'RUN'} on line {line} {why}"
            elif command in ("COPY", "ADD") and self.target.kind == "buildpack":
                copy = instruction.sub or instruction
                source = _copied_stage(self.df, self.stage, copy)
                paths = [source.text for source in copy.sources]
                why = _builds(self.df, source, paths) if source is not None else None
                if why is not None:
                    return (
                        f"{command} on line {line} copies from stage {source.name or source.index}, which {why}: "  # type: ignore[union-attr]
                        "what it built may need libraries only the full image has"
                    )
        for instruction in self.stage.instructions:
            if instruction.sub is None and instruction.command in ("CMD", "ENTRYPOINT", "HEALTHCHECK"):
                script = _instruction_script(instruction)
                for name, _ in _programs(script.commands if script is not None else ()):
                    why = self.program(name)
                    if why is not None:
                        return f"{instruction.command} on line {instruction.start_line} {why}"
        found = entry_script(self.df, self.stage, self.context) if self.lacks else None
        if found is not None:
            program, content = found
            for name, _ in _programs(script_from_text(content).commands):
                why = self.program(name)
                if why is not None:
                    return f"its entrypoint script {program} {why}"
        return None

    def run(self, run: Instruction) -> str | None:
        self.at = run
        if not is_posix_shell(effective_shell(self.df, run)):
            return "runs under a shell dockopt cannot analyse"
        body = run.sub or run
        if body.json_args is not None:
            return self.commands(script_from_text(shlex.join(body.json_args)).commands, {}, 0)
        script = script_of(self.df, run)
        if script is None or script.has_error:
            return "could not be analysed"
        return self.commands(script.commands, {id(i.command): i for i in invocations(self.df, run)}, 0)

    def commands(self, commands: Iterable[Command], by_command: dict[int, Invocation], depth: int) -> str | None:
        for command in commands:
            invocation = by_command.get(id(command))
            if invocation is not None and invocation.manager in ("apt-get", "apt", "aptitude"):
                why = self.apt(invocation)
                if why is not None:
                    return why
                continue
            why = _slimmed_path(command)
            if why is not None:
                return why
            for name, words in _programs((command,)):
                why = self.program(name) or self.install(name, words, invocation) or self.script(name, words, depth)
                if why is not None:
                    return why
                if name == "mkdir" and any("/usr/share/man/man1" in (w.value or w.text) for w in words):
                    self.man_pages = True
                if self.target.kind == "temurin":
                    found = next((m for m in (_JDK_FILES.search(w.value or w.text) for w in words) if m), None)
                    if found is not None:
                        return f"reads the JDK's {found.group(0).strip('/')}"
        return None

    def apt(self, invocation: Invocation) -> str | None:
        if invocation.subcommand == "build-dep" and self.target.kind == "buildpack":
            return "runs apt-get build-dep, a build that counts on the full image's libraries"
        if invocation.subcommand != "install":
            return None
        for word in invocation.operands:
            value = word.value
            if value is None:
                continue
            package = re.split(r"[=/]", value, maxsplit=1)[0].split(":", 1)[0]
            if self.target.kind == "buildpack" and _BUILD_PACKAGES.fullmatch(package):
                why = self.headers(word, package)
                if why is not None:
                    return why
                continue
            if _JAVA_PACKAGES.fullmatch(package) and not self.man_pages:
                return f"installs {package}, whose setup fails without the /usr/share/man/man1 slim images leave out"
            self.installed.add(package)
        return None

    def headers(self, word: Word, package: str) -> str | None:
        """Why installing a build package needs the full image; None for a `-dev` package
        (written plainly, in a RUN of this build) whose runtime library is the same on every
        Debian release the tag may point to: the slim image gets that library instead."""
        refusal = f"installs {package}, for a build that counts on the full image's libraries"
        if not package.endswith("-dev") or word.value != package or self.at is None or self.at.sub is not None:
            return refusal
        tag = self.target.resolved[self.target.tag_start :]
        releases = tag_releases(self.target.image, tag)
        libraries = runtime_libraries(package, releases)
        if libraries is None:
            return refusal
        names = set(libraries.values())
        if len(names) != 1 or None in names:
            by_library: dict[str, list[str]] = {}
            for release, library in libraries.items():
                by_library.setdefault(library or "not known", []).append(release)
            shown = "; ".join(f"{library} on {_listed(found)}" for library, found in by_library.items())
            return (
                f"installs {package}, whose runtime library differs across the Debian releases "
                f"{self.target.image}:{tag} may point to ({shown}): name the release in the tag"
            )
        (library,) = names
        assert library is not None
        self.runtime.append(_Runtime(word, package, library, releases))
        return None

    def program(self, name: str) -> str | None:
        """Why running ``name`` needs the full image (nothing brings it back, or the stage
        did not install a package that does)."""
        if name not in self.lacks:
            return None
        packages = self.lacks[name]
        if packages and set(packages) & self.installed:
            return None
        if name in _BUILD_TOOLS:
            return f"runs {name}, a build tool of the full image (with the libraries it builds against)"
        if name in _JDK_TOOLS:
            return f"runs {name}, which needs the JDK"
        return f"runs {name}, which {self.target.after} lacks"

    def install(self, name: str, words: tuple[Word, ...], invocation: Invocation | None) -> str | None:
        """A native install of the image's own ecosystem, which needs the full image's compilers."""
        first = next((v for v in (w.value for w in words[1:]) if v is not None and not v.startswith("-")), None)
        image = self.target.image
        if image == "node":
            if name in NODE_BUILDS and node_command(name, first) in NODE_BUILDS[name]:
                shown = f"{name} {first}" if first else name
                why = self.npm_lock(invocation) if name == "npm" else f"native modules need {_NODE_TOOLS}"
                return f"runs {shown}: {why}" if why is not None else None
        elif image == "ruby":
            if (name == "gem" and first in GEM_INSTALLS | {"update"}) or (
                name in ("bundle", "bundler") and first in (None, "install", "update", "i")
            ):
                return f"runs {name} {first or 'install'}: native extensions need the full image's compilers"
        elif image == "perl":
            if name in ("cpanm", "cpan", "carton") or (
                name.startswith("perl") and first in ("Makefile.PL", "Build.PL")
            ):
                return f"runs {name}: modules need the full image's make and compilers"
        elif image == "python":
            return self.python(name, words, invocation, first)
        return None

    def npm_lock(self, invocation: Invocation | None) -> str | None:
        """None when an npm install or ci provably builds nothing native: it runs no install
        scripts (`--ignore-scripts`), or it installs what the package-lock.json (version 2
        or later, read from the build context) lists and no package there has an install
        script (npm marks each with `hasInstallScript`, node-gyp builds included) and the
        project's package.json runs none of its own; else why it may build."""
        native = f"native modules need {_NODE_TOOLS}"
        if invocation is None or invocation.operands:
            return native  # packages named on the command line: no lock file says what they run
        if invocation.has_option("--ignore-scripts"):
            return None
        lock = self.context_file(self.image_path("package-lock.json")) or self.context_file(
            self.image_path("npm-shrinkwrap.json")
        )
        manifest = self.context_file(self.image_path("package.json"))
        if lock is None or manifest is None:
            return f"{native}, and no package-lock.json dockopt can read says that none is installed"
        try:
            locked, project = json.loads(lock), json.loads(manifest)
        except ValueError:
            return f"{native}, and its package-lock.json or package.json is no JSON dockopt can read"
        if not isinstance(locked, dict) or not isinstance(project, dict):
            return native
        version = locked.get("lockfileVersion")
        if not isinstance(version, int) or version < 2:
            return f"{native}, and a package-lock.json of version 1 does not say which packages have install scripts"
        scripts = project.get("scripts")
        own = [
            k for k in ("preinstall", "install", "postinstall", "prepare") if isinstance(scripts, dict) and k in scripts
        ]
        if own or project.get("gypfile"):
            which = f"the {own[0]} script" if own else "node-gyp"
            return f"package.json runs {which} at install, which may need {_NODE_TOOLS}"
        packages = locked.get("packages")
        if not isinstance(packages, dict):
            return native
        for path, entry in packages.items():
            if path and isinstance(entry, dict) and entry.get("hasInstallScript"):
                package = path.rsplit("node_modules/", 1)[-1]
                return f"{package} has an install script (native code?), which may need {_NODE_TOOLS}"
        return None

    def python(
        self, name: str, words: tuple[Word, ...], invocation: Invocation | None, first: str | None
    ) -> str | None:
        if invocation is not None and invocation.manager == "pip" and invocation.subcommand in ("install", "wheel"):
            if invocation.has_option("-e", "--editable"):
                return "runs pip install in editable mode, which builds the project from source"
            why = _pip_options(invocation.option_values("--no-binary"), invocation)
            if why is not None:
                return f"runs pip install {why}"
            for word in invocation.operands:
                why = _requirement(word.value or word.text)
                if why is not None:
                    return f"runs pip install {why}"
            for path in pip_files([w.value or "" for w in invocation.words], constraints=False):
                why = self.requirements(self.image_path(path), 0)
                if why is not None:
                    return f"runs pip install -r {path}: {why}"
                if self.runtime and self.context_file(self.image_path(path)) is None:
                    return (
                        f"runs pip install -r {path}, which dockopt cannot read: it may build against the headers "
                        f"of {self.runtime[0].package}"
                    )
            return None
        if re.fullmatch(r"python[0-9.]*", name) and first is not None and posixpath.basename(first) == "setup.py":
            return "runs setup.py, which builds from source"
        options = {v for v in (w.value for w in words[1:]) if v}
        if name == "poetry" and first == "install" and not options & {"--no-root", "--only-root"}:
            return "runs poetry install, which builds the project from source"
        if name == "uv" and first == "sync" and "--no-install-project" not in options:
            return "runs uv sync, which builds the project from source"
        if name == "pdm" and first in ("install", "sync") and "--no-self" not in options:
            return f"runs pdm {first}, which builds the project from source"
        return None

    def image_path(self, path: str | None) -> str | None:
        """A path a command of the RUN being read names, made absolute against its WORKDIR."""
        return shell_path(self.df, self.at, path) if self.at is not None else None

    @property
    def until(self) -> Instruction | None:
        """The COPYs that came before the RUN being read (all of them for an ONBUILD RUN)."""
        return self.at if self.at is not None and self.at.sub is None else None

    def context_file(self, path: str | None) -> str | None:
        """The file of the build context that a COPY or ADD put at the absolute image ``path``."""
        source = context_source(self.df, self.stage, self.context, path, self.until) if path is not None else None
        return self.context.read(source) if source is not None else None

    def requirements(self, path: str | None, depth: int) -> str | None:
        """What in a requirements file (read from the build context, when it holds it) builds from source."""
        content = self.context_file(path)
        if path is None or content is None or depth > 3:
            return None
        for line in requirement_lines(content):
            words = line.split()
            include = included_file(line, constraints=False)
            if include is not None:
                why = self.requirements(posixpath.join(posixpath.dirname(path), include), depth + 1)
            elif words[0] in ("-e", "--editable"):
                why = f"{line} is installed in editable mode, from source"
            elif words[0].startswith("--no-binary"):
                why = _pip_options([words[0].partition("=")[2] or (words[1] if len(words) > 1 else "")], None)
            elif words[0].startswith("-"):
                why = None
            else:
                why = _requirement(line)
            if why is not None:
                return why
        return None

    def script(self, name: str, words: tuple[Word, ...], depth: int) -> str | None:
        """A shell script of the build context that the RUN runs: read when the context
        holds it; one that it cannot read (nor a program of the image) may need anything."""
        found = _script_path(name, words) if self.lacks else None
        if found is None:
            return None
        path, shell = found
        absolute = self.image_path(path)
        content = self.context_file(absolute)
        if content is None:
            if path.startswith(_SYSTEM_DIRS) and (
                absolute is None or placed_at(self.df, self.stage, self.context, absolute, self.until) is None
            ):
                return None  # a program of the image itself
            return f"runs {path}, a script dockopt cannot read" if shell else None
        if not (shell or _SHELL_SHEBANG.match(content)) or depth >= 2:
            return None  # a Python, Node or Perl program: not read
        why = self.commands(script_from_text(content).commands, {}, depth + 1)
        return f"runs {path}, which {why}" if why is not None else None


def _lacks(target: _Target) -> dict[str, tuple[str, ...]]:
    """The programs the full image has and the slim variant (or the JRE) lacks, with the
    packages that bring them back (none: nothing does)."""
    if target.kind == "buildpack":
        lacks = {**_BUILDPACK, **dict.fromkeys(_BUILD_TOOLS, ())}
        if target.image != "python":
            lacks.update(_SYSTEM_PYTHON)
        return lacks
    if target.kind == "openjdk":
        return dict(_OPENJDK)
    if target.kind == "temurin":
        return {**dict.fromkeys(_JDK_TOOLS, ()), **_BINUTILS}
    return {}


def _listed(names: Iterable[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    items = list(names)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _slimmed_path(command: Command) -> str | None:
    """A path slim images leave out, read by a command that is not deleting or creating it."""
    words = unwrapped(command)
    if not words or posixpath.basename(words[0].value or "") in ("rm", "mkdir"):
        return None
    for word in words[1:]:
        value = word.value or word.text
        for path in _SLIMMED:
            if value == path or value.startswith(path + "/"):
                return f"reads {path}, which slim images leave out"
    return None


def _pip_options(no_binary: list[str], invocation: Invocation | None) -> str | None:
    if any(v and v != ":none:" for v in no_binary):
        return "with --no-binary, which builds from source"
    if invocation is not None and invocation.has_option(
        "--global-option", "--build-option", "-C", "--config-settings", "--no-build-isolation"
    ):
        return "with build options, which builds from source"
    return None


def _requirement(text: str) -> str | None:
    """Why a pip requirement builds from source: a path, an archive, a VCS URL, or a
    package Docker Hub's full image builds because PyPI has no wheel for it."""
    if _PIP_SOURCE.match(text) or re.search(r"(^|\s|@)(git|hg|svn|bzr)\+", text):
        return f"{text}, which builds from source"
    name = re.split(r"[<>=!~;\[@ ]", text, maxsplit=1)[0].lower().replace("_", "-").replace(".", "-")
    if name == "psycopg" and re.match(r"psycopg\s*\[[^]]*\bc\b", text, re.I):
        return f"{text}, whose C implementation (psycopg-c) has no wheel and builds from source"
    if name in _SOURCE_ONLY:
        return f"{name}, which has no wheel and builds from source"
    if name in _RUNTIME_LIBRARIES:
        return f"{name}, which loads {_RUNTIME_LIBRARIES[name]} that only the full image has"
    return None


def _script_path(name: str, words: tuple[Word, ...]) -> tuple[str, bool] | None:
    """The path of the file a command runs when it names one (not a program on PATH), and
    whether it is a shell script (`sh x`, `bash x`, `*.sh`)."""
    if name in _SHELLS:
        operands = [w.value for w in words[1:]]
        if any(v is not None and v.startswith("-") and not v.startswith("--") and "c" in v[1:] for v in operands):
            return None
        path = next((v for v in operands if v is None or not v.startswith("-")), None)
        return (path, True) if path else None
    written = words[0].value or ""
    if "/" not in written and not written.endswith(_SCRIPT_SUFFIXES):
        return None
    return written, written.endswith(_SCRIPT_SUFFIXES)


def _builds(df: Dockerfile, stage: Stage, copied: list[str]) -> str | None:
    """What a stage (or one it is built on) did that a copy of ``copied`` may carry: native
    code it compiled, or packages it installed (when what is copied looks like them)."""
    packages = any(_INSTALLED_PATHS.search(path) for path in copied)
    for member in chain(df, stage):
        for instruction in member.instructions:
            if instruction.command != "RUN":
                continue
            script = script_of(df, instruction)
            if script is None or script.has_error:
                return "runs a RUN dockopt cannot analyse"
            by_command = {id(i.command): i for i in invocations(df, instruction)}
            for command in script.commands:
                invocation = by_command.get(id(command))
                if (
                    invocation is not None
                    and invocation.manager in ("apt-get", "apt")
                    and any(
                        p is not None and _BUILD_PACKAGES.fullmatch(p.split("=", 1)[0]) for p in invocation.packages
                    )
                ):
                    return "installs build packages"
                if packages and invocation is not None and _installs_packages(invocation):
                    return f"installs packages with {invocation.manager}"
                for name, _ in _programs((command,)):
                    if name in _BUILD_TOOLS:
                        return f"runs {name}"
                    if packages and name in _INSTALLERS:
                        return f"installs packages with {name}"
    return None


def _installs_packages(invocation: Invocation) -> bool:
    """Whether pip, npm, yarn or gem installs packages (which may carry native code)."""
    manager, sub = invocation.manager, invocation.subcommand
    if manager in NODE_INSTALLS:
        return node_command(manager, sub) in NODE_INSTALLS[manager]
    if manager == "pip":
        return sub in ("install", "wheel", None)
    return manager == "gem" and sub in GEM_INSTALLS


def _copied_stage(df: Dockerfile, stage: Stage, instruction: Instruction) -> Stage | None:
    source = instruction.flag_values("from")
    if not source:
        return None
    name = source[-1].lower()
    for earlier in df.stages[: stage.index]:
        if earlier.name == name or name == str(earlier.index):
            return earlier
    return None


def _instruction_script(instruction: Instruction) -> Script | None:
    """The command CMD, ENTRYPOINT or HEALTHCHECK runs, as a script."""
    if instruction.json_args is not None:
        return script_from_text(shlex.join(instruction.json_args))
    text = instruction.args
    if instruction.command == "HEALTHCHECK":
        head, _, rest = text.partition(" ")
        if head.upper() != "CMD":
            return None
        text = rest
    script = script_from_text(text)
    return None if script.has_error else script


def _programs(commands: Iterable[Command]) -> Iterator[tuple[str, tuple[Word, ...]]]:
    """The programs the commands run (behind sudo, env, xargs, timeout, find -exec, sh -c ...)."""
    for command in commands:
        words = unwrapped(command)
        if words:
            yield from _launched(words, 0)


def _launched(words: tuple[Word, ...], depth: int) -> Iterator[tuple[str, tuple[Word, ...]]]:
    if not words or words[0].value is None or depth > 4:
        return
    name = posixpath.basename(words[0].value)
    yield name, words
    rest = words[1:]
    if name in _SHELLS:
        for index, word in enumerate(rest[:-1]):
            value = word.value or ""
            if value.startswith("-") and not value.startswith("--") and "c" in value[1:]:
                inner = rest[index + 1].value
                if inner is not None:
                    for command in script_from_text(inner).commands:
                        inner_words = unwrapped(command)
                        if inner_words:
                            yield from _launched(inner_words, depth + 1)
                break
    elif name in _LAUNCHERS:
        index = 0
        while index < len(rest) and (rest[index].value or "").startswith("-"):
            index += 2 if rest[index].value in _LAUNCHER_VALUES and name in ("xargs", "timeout", "watch") else 1
        index += _LAUNCHERS[name]
        yield from _launched(rest[index:], depth + 1)
    elif name == "find":
        for index, word in enumerate(rest):
            if word.value in ("-exec", "-execdir", "-ok", "-okdir"):
                yield from _launched(rest[index + 1 :], depth + 1)
