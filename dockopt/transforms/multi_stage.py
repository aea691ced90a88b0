"""multi-stage (DO402): build tools never reach the final image."""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator

from ..context import Context
from ..fix import Applicability, Edit, Finding, Fix, apply_edits
from ..model import base_of, new_run_blocker, workdir_at
from ..stacks import recognise
from ..stacks.common import Artifact, Plan, Suggestion, entry_words, plain_path
from ..syntax import Dockerfile, Instruction, Stage, parse
from ..transform import WARNING, transform

BUILD = "build"
# runtime configuration: moved from the build stage to the runtime stage
_MOVED = frozenset({"CMD", "ENTRYPOINT", "EXPOSE", "STOPSIGNAL", "VOLUME", "LABEL", "MAINTAINER"})
# ENV that only a build reads
_BUILD_ONLY_ENV = re.compile(
    r"(CGO_ENABLED|GOOS|GOARCH|GOARM|GOPATH|GOFLAGS|GO111MODULE|GOPROXY|GOPRIVATE|GOCACHE|GOMODCACHE|GOTOOLCHAIN|"
    r"DEBIAN_FRONTEND|CC|CXX|CFLAGS|CXXFLAGS|CPPFLAGS|LDFLAGS|MAKEFLAGS|PIP_\w+|NPM_CONFIG_\w+|"
    r"MAVEN_OPTS|MAVEN_CONFIG|GRADLE_OPTS|GRADLE_USER_HOME)"
)


@transform(
    code="DO402",
    name="multi-stage",
    applicability=Applicability.UNSAFE,
    severity=WARNING,
    config_changes=("Cmd", "Entrypoint", "Env"),
    alone=True,
)
def multi_stage(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """Build tools never reach the final image: build in one stage, run from another.

    ## What it does
    A single-stage Dockerfile that compiles its program with tools the program does not
    need at run time becomes two stages: the original stage, named `build`, and a runtime
    stage that starts from a small base and copies only what the program needs:

    - **Go** (`go build` or `go install` on a golang image, or on Debian with `golang-go`;
      without `-o`, the binary is named by Go's rule: the first file's name for
      `go build main.go`, else the last element of the package's import path that is not
      a major version: `./cmd/api` → `api`, the module root → go.mod's module path,
      `example.com/app/v2` → `app`; `go install` writes it to $GOBIN or $GOPATH/bin): a static
      binary (`CGO_ENABLED=0`) goes to `scratch`, with the build image's CA certificates
      when it has them; a dynamic one to the slim Debian of the same release (the golang
      tag must name it: `golang:1.22-bookworm`), or to the Debian image the build used.
    - **C and C++** (a compiler installed with apt on Debian or Ubuntu): the files written
      with `-o PATH`, or the whole /usr/local after a `make install`, go to the image the
      build started from (its `-slim` variant for a full `debian:` tag), where apt installs
      the runtime libraries of the stage's `-dev` packages (`libssl-dev` → `libssl3`) on
      the Debian release the tag names (`debian:bookworm`, `debian:12`, `gcc:13-bookworm`),
      or, for a tag that names none, those with one name in every release (`zlib1g`).
    - **Node** (`npm ci`/`npm install` or Yarn 1, then a build script: one named `build`,
      or one that the build context's package.json shows running a bundler or compiler,
      `npm run dist` whose script runs `webpack`, `tsc`, `vite build`, `ng build`, ...; on a
      node image or on Debian with apt's `nodejs npm`): the runtime is the node image's slim variant
      (`node:20` → `node:20-slim`; `node` and `node:latest` name no version, and are only
      suggested), or the same Debian with `nodejs` alone; it copies
      package.json and the lock file, installs the production dependencies only (`npm ci
      --omit=dev`, with the build's `--legacy-peer-deps`, `--ignore-scripts`, ...; nothing
      when there are none), then the build's output directory. That directory must hold the
      file the CMD runs with node, as package.json's build script in the build context shows
      (`tsc` and its outDir, `--outDir`, `-o`, `--outfile`, `vite build`, ...).
    - **Java** (Maven or Gradle on an image whose JDK release its tag tells:
      `maven:3.9-eclipse-temurin-17`, `gradle:8-jdk21`, `openjdk:17`, ...): the jar that
      `java -jar PATH` runs, from `target/` or `build/libs/` (or copied from there), goes
      to `eclipse-temurin:N-jre`.
    - **Python** (`pip install` with compilers or `-dev` packages from apt or apk): the
      dependencies go into a virtualenv (`/opt/venv` unless the Dockerfile makes one), which
      the runtime stage copies with the directories the sources were copied to; the runtime
      is `python:X-slim` for `python:X`, `python:X-alpine` itself, or the same Debian or
      Alpine image, with the stage's runtime packages and the runtime libraries of its `-dev`
      packages (where known: on the Debian release the tag names, the names every Debian
      release has, Alpine 3.x).

    RUNs that only make directories, links or files (`mkdir`, `ln`, `touch`, `echo >`),
    change modes and owners, or create users and groups, whose effects lie outside what the
    runtime stage copies (and outside the sources, for a runtime that has none), run again
    in the runtime stage (C, Python, Node; Java on a Debian or Ubuntu build image), with the
    values of the variables they expand written out.

    The runtime stage keeps the original's runtime configuration: the ENV the program may
    read (not the build's own: `CGO_ENABLED`, `GOPATH`, `DEBIAN_FRONTEND`, ...), the final
    WORKDIR, LABEL, EXPOSE, VOLUME, USER, STOPSIGNAL, CMD and ENTRYPOINT (in exec form,
    with the program's full path, when the runtime has no shell). It is applied alone in
    its pass, before any other fix, so that the other transforms then see both stages.

    Where dockopt recognises a build but cannot prove the runtime complete, it reports the
    layout it would suggest instead (Cargo, compilers from yum or dnf, and the cases below).

    ## Why
    Compilers, headers, package caches and source trees are most of a build image: a small
    C program measured 79 MB on slim Debian, 2.9 MB on BusyBox and 0.8 MB on scratch. None
    of it is needed to run the program, and all of it is attack surface.

    ## Example
    ```Dockerfile
    FROM golang:1.22
    WORKDIR /src
    COPY . .
    RUN CGO_ENABLED=0 go build -o /usr/local/bin/app .
    EXPOSE 8080
    CMD ["app"]
    ```
    becomes
    ```Dockerfile
    FROM golang:1.22 AS build
    WORKDIR /src
    COPY . .
    RUN CGO_ENABLED=0 go build -o /usr/local/bin/app .

    FROM scratch
    WORKDIR /src
    COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
    COPY --from=build /usr/local/bin/app /usr/local/bin/app
    EXPOSE 8080
    CMD ["/usr/local/bin/app"]
    ```

    ## Fix safety
    Unsafe: the program may need what the runtime base lacks (files it opens from its
    source tree, a shell, tools it runs, libraries loaded at run time). It reports instead
    of rewriting when: the Dockerfile already has several stages or is a base for others
    (ONBUILD); the CMD or ENTRYPOINT does not run the built program directly, or uses shell
    syntax; the binary's path is not known (a relative `-o` after a `cd` dockopt cannot
    follow; `go build` of the module root when go.mod is not in the build context: the
    directory's name is not enough; several packages; cross-compiling); the
    Go sources in the build context open files at run time; the build installs `-dev`
    packages whose runtime libraries are not known; the USER is a name (the runtime has no
    such user; `node` on the node image is kept); there is a HEALTHCHECK (its command may
    need the build's tools); the runtime image for a dynamic binary is not known; or the
    runtime stage needs a RUN (packages, `ldconfig`, `npm ci`) and its image is not known to
    have a shell (`dockopt.images.new_run_blocker`; the runtimes chosen today all have one);
    a RUN runs a command whose effects the runtime would lack: one the stack does not know
    (the build's own tools only serve the build), a user created (alongside other commands),
    a command or a word that expands to a value dockopt does not know, a path changed (`mkdir`, `cp`, `chmod`, a redirection, ...) outside what the
    runtime stage takes from the build (the binary, the virtualenv, the project), /tmp, and
    the directories its WORKDIR and VOLUME instructions make.
    For Node and Java it also reports instead when: a RUN installs system packages other
    than build tools; a COPY comes after the build or puts files outside the project; the
    program is given a file, or its sources or dependencies read files of the project at
    run time (`readFileSync`, `express.static`, dotenv, config, `Files.readString`, a
    Spring `application.yml`).
    Node needs the build context (package.json, its lock file, without install lifecycle
    scripts or workspaces; not pnpm, Yarn 2 or Next.js); Java needs a JDK release that
    Temurin publishes a JRE for (8, 11, 17, 21, 25) and a jar that is not a thin one
    (`copy-dependencies`, a `Class-Path` manifest).

    hadolint: the runtime stage installs again, with `apt-get install`, the packages of the
    build's install that the program may need at run time, named as the build named them:
    where they were not pinned, DL3008 reports the new install as it did the old one.
    """
    if len(df.stages) != 1:
        return
    stage = df.stages[0]
    if base_of(df, stage).family == "windows" or any(i.command == "ONBUILD" for i in stage.instructions):
        return
    found = recognise(df, stage, context)
    if found is None:
        return
    span = stage.from_instruction.span
    if isinstance(found, Suggestion):
        yield Finding(_suggestion(found), span.start, span.end)
        return
    blocked = _blocked(stage, found)
    if blocked is not None:
        yield Finding(
            _suggestion(Suggestion(found.stack, blocked, f"FROM {found.runtime} for the runtime")), span.start, span.end
        )
        return
    edits = _edits(df, stage, found)
    if edits is None:
        yield Finding(
            _suggestion(
                Suggestion(
                    found.stack, "its CMD or ENTRYPOINT needs a shell, which the runtime lacks", f"FROM {found.runtime}"
                )
            ),
            span.start,
            span.end,
        )
        return
    yield Finding(
        f"single-stage {found.stack} build: split it into a build stage and a `{found.runtime}` runtime stage ({found.why})",
        span.start,
        span.end,
        Fix(tuple(edits), Applicability.UNSAFE),
    )


def _suggestion(found: Suggestion) -> str:
    return f"single-stage {found.stack} build: not split ({found.reason}); suggested layout: {found.layout}"


def _blocked(stage: Stage, plan: Plan) -> str | None:
    for artifact in plan.artifacts:
        if not (plain_path(artifact.source) and plain_path(artifact.destination)):
            return f"the path {artifact.source} has blanks, quotes or expansions"
    lines = [line for line in (*plan.setup, *plan.after) if isinstance(line, str)]
    if any(line.split(" ", 1)[0].upper() == "RUN" for line in lines):
        runtime = parse(f"FROM {plan.runtime}\n")
        blocker = new_run_blocker(runtime, runtime.stages[0])
        if blocker is not None:
            return f"{blocker}, and the runtime stage needs a RUN"
    for instruction in stage.instructions:
        if instruction.command == "HEALTHCHECK" and instruction.args.strip().upper() != "NONE":
            return "its HEALTHCHECK may need tools of the build image"
        user = instruction.args.strip()
        if (
            instruction.command == "USER"
            and not re.fullmatch(r"\d+(:\d+)?", user)
            and user.split(":")[0] not in plan.users
        ):
            return f"USER {user} names a user the runtime image does not have"
    return None


def _text(df: Dockerfile, instruction: Instruction) -> str:
    return df.text[df.line_start(instruction.span.start) : instruction.span.end].rstrip("\r\n")


def _edits(df: Dockerfile, stage: Stage, plan: Plan) -> list[Edit] | None:
    newline = df.newline_at(stage.from_instruction.span.start)
    keyword = stage.from_instruction.cased
    edits: list[Edit] = []
    from_instruction = stage.from_instruction
    name = stage.name
    if name is None:
        name = BUILD
        edits.append(Edit.insert(from_instruction.code_end, f" {keyword('AS')} {BUILD}"))
    last_run = max((k for k, i in enumerate(stage.instructions) if i.command == "RUN"), default=-1)
    runtime: list[str] = [f"{keyword('FROM')} {plan.runtime}"]
    env_lines: list[str] = []
    moved: list[str] = []
    for index, instruction in enumerate(stage.instructions):
        command = instruction.command
        if command == "ENV":
            if any(not _BUILD_ONLY_ENV.fullmatch(key) for key in (p.name for p in instruction.pairs)):
                env_lines.append(_text(df, instruction))
            continue
        if command in _MOVED or (command == "USER" and index > last_run):
            text = _text(df, instruction)
            if command in ("CMD", "ENTRYPOINT") and not plan.has_shell:
                exec_form = _exec_form(df, stage, instruction, plan, keyword(command))
                if exec_form is None:
                    return None
                text = exec_form
            moved.append(text)
            start = df.line_start(instruction.span.start)
            edits.append(Edit.delete(start, instruction.span.end))
        elif command == "USER":
            moved.append(_text(df, instruction))
    runtime += _args_used(df, stage, env_lines + moved)
    runtime += env_lines
    workdir = workdir_at(df, stage, None)
    if workdir not in (None, "/"):
        runtime.append(f"{keyword('WORKDIR')} {workdir}")
    runtime += _setup_lines(plan, name, keyword)
    runtime += [f"{keyword('COPY')} --from={name} {a.source} {a.destination}" for a in plan.artifacts]
    runtime += list(plan.after)
    runtime += moved
    edits += plan.build_edits
    remaining = apply_edits(df.text, edits)
    lead = "" if remaining.endswith("\n") else newline
    gap = "" if remaining.endswith(newline + newline) else newline
    edits.append(Edit.insert(len(df.text), lead + gap + newline.join(runtime) + newline))
    return edits


def _setup_lines(plan: Plan, name: str, keyword) -> list[str]:
    """The runtime stage's setup: its instruction lines, and its copies from the build stage,
    those into one directory under their own names in one COPY."""
    lines: list[str] = []
    group: list[Artifact] = []

    def flush() -> None:
        if len(group) == 1:
            lines.append(f"{keyword('COPY')} --from={name} {group[0].source} {group[0].destination}")
        elif group:
            directory = posixpath.dirname(group[0].destination).rstrip("/") + "/"
            lines.append(f"{keyword('COPY')} --from={name} {' '.join(a.source for a in group)} {directory}")
        group.clear()

    for item in plan.setup:
        if isinstance(item, Artifact):
            if group and posixpath.dirname(item.destination) != posixpath.dirname(group[0].destination):
                flush()
            if posixpath.basename(item.source) != posixpath.basename(item.destination):
                flush()
                group.append(item)
                flush()
            else:
                group.append(item)
            continue
        flush()
        command, _, rest = item.partition(" ")
        lines.append(f"{keyword(command)} {rest}")
    flush()
    return lines


def _args_used(df: Dockerfile, stage: Stage, lines: list[str]) -> list[str]:
    """The stage's ARG instructions that the runtime stage's lines expand (without them, an
    ENV like `ENV VERSION=$VERSION` would come out empty there)."""
    text = "\n".join(lines)
    found = []
    for instruction in stage.instructions:
        if instruction.command != "ARG":
            continue
        names = [word.split("=", 1)[0] for word in instruction.words()]
        if any(re.search(rf"\$(\{{)?{re.escape(name)}\b", text) for name in names):
            found.append(_text(df, instruction))
    return found


def _exec_form(df: Dockerfile, stage: Stage, instruction: Instruction, plan: Plan, keyword: str) -> str | None:
    """The CMD or ENTRYPOINT in exec form, with the artifact's full path, for a runtime without a shell."""
    words = entry_words(instruction)
    if words is None or not words:
        return None
    artifacts = {a.destination.rsplit("/", 1)[-1]: a.destination for a in plan.artifacts}
    if "/" not in words[0]:
        if words[0] not in artifacts:
            return None
        words = [artifacts[words[0]], *words[1:]]
    flags = "".join(f"--{f.name}={f.value} " for f in instruction.flags)
    return f"{keyword} {flags}{json.dumps(words, ensure_ascii=False)}"
