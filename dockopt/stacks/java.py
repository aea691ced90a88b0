"""Java: a jar built by Maven or Gradle on a JDK image, run with `java -jar`.

Recognised: `mvn` or `./mvnw` with the `package`, `install` or `verify` goal, `gradle` or
`./gradlew` with `build`, `assemble`, `bootJar`, `jar` or `shadowJar`, on an image whose
JDK release its tag tells (`maven:3.9-eclipse-temurin-17`, `maven:3.8-jdk-11`,
`gradle:8-jdk17`, `eclipse-temurin:21-jdk`, `openjdk:17`, `amazoncorretto:21`,
`sapmachine:21`, `java:8`, ...), or on Debian or Ubuntu with apt's `openjdk-N-jdk`; Maven or
Gradle may come from apt or apk.

The runtime stage starts from `eclipse-temurin:N-jre` (N: 8, 11, 17, 21 or 25, the releases
Temurin publishes JREs for) and copies the one jar the container runs, at the same path:
`java [options] -jar PATH`, where PATH is written out (no pattern, no variable) and lies in
the build's output (`target/` of the Maven project, `build/libs/` of the Gradle one), or
was copied or moved there from it after the build (`cp target/*.jar /app.jar`). On a
Debian or Ubuntu build image, RUNs that create users or make directories, links, modes and
owners outside the project (``common.carried_runs``) run again in the runtime stage.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from ..context import Context
from ..copies import context_source
from ..images import resolved_reference
from ..model import base_of, join, shell_path
from ..syntax import Dockerfile, Instruction, Stage
from .common import (
    HARMLESS,
    SYSTEM_MANAGERS,
    Artifact,
    Carried,
    Plan,
    Suggestion,
    carried_without_sources,
    entry,
    entry_words,
    file_argument,
    inside,
    installed_packages,
    left_behind,
    plain_path,
    run_commands,
    source_matching,
    unknown_command,
)

# what the suggestion-only rule of earlier versions recognised
_BUILD = re.compile(
    r"(^|[\s;&|(])(mvn|mvnw|\./mvnw|gradle|gradlew|\./gradlew)\s[^;&|]*\b(package|install|build|bootJar|jar|shadowJar)\b"
)
_LAYOUT = (
    "build the jar in `FROM maven:3-eclipse-temurin-N AS build` (or gradle), then "
    "`FROM eclipse-temurin:N-jre` with `COPY --from=build /app/target/app.jar /app/app.jar`"
)
_MAVEN_GOALS = frozenset({"package", "install", "verify"})
_GRADLE_TASKS = frozenset({"build", "assemble", "bootJar", "jar", "shadowJar"})
_MAVEN_VALUES = frozenset(
    {
        "-f",
        "--file",
        "-s",
        "--settings",
        "-gs",
        "--global-settings",
        "-pl",
        "--projects",
        "-P",
        "--activate-profiles",
        "-T",
        "--threads",
        "-rf",
        "--resume-from",
        "-l",
        "--log-file",
        "-D",
        "--define",
        "-t",
        "--toolchains",
        "-b",
        "--builder",
    }
)
_GRADLE_VALUES = frozenset(
    {
        "-p",
        "--project-dir",
        "-b",
        "--build-file",
        "-c",
        "--settings-file",
        "-x",
        "--exclude-task",
        "-g",
        "--gradle-user-home",
        "-I",
        "--init-script",
        "-D",
        "--system-prop",
        "-P",
        "--project-prop",
        "--console",
        "--warning-mode",
        "--max-workers",
        "--priority",
    }
)
_OUTPUT = {"maven": re.compile(r"(^|/)target/[^/]+\.jar\Z"), "gradle": re.compile(r"(^|/)build/libs/[^/]+\.jar\Z")}
_BUILD_PACKAGES = frozenset(
    {"maven", "gradle", "git", "curl", "wget", "unzip", "ca-certificates", "ca-certificates-java", "gnupg"}
)
# where Maven and Gradle keep what they download: a COPY there only serves the build
_BUILD_HOMES = ("/root/.m2", "/usr/share/maven/ref", "/root/.gradle", "/home/gradle/.gradle")
# where the tag of a Maven or Gradle image names its JDK: maven:3.9-eclipse-temurin-17, gradle:8-jdk17
_JDK_IN_TAG = re.compile(
    r"(?:eclipse-temurin|temurin|openjdk|jdk|amazoncorretto|corretto|sapmachine|ibm-semeru|semeru|graalvm-ce|graalvm-community)"
    r"-?(\d+)(?![\d.]*-and-)"
)
# JDK images whose tag starts with the release: openjdk:17-jdk-slim, eclipse-temurin:8u392-b08-jdk
_RELEASE_FIRST = frozenset({"eclipse-temurin", "openjdk", "amazoncorretto", "sapmachine", "java"})
_JRE_RELEASES = frozenset({8, 11, 17, 21, 25})
_THIN_JAR = re.compile(r"copy-dependencies|<addClasspath>|<classpathPrefix>|Class-Path|installDist")
_READS_FILES = re.compile(
    r"\bnew\s+(FileInputStream|FileReader)\s*\(|\bFiles\.(readAllLines|readString|readAllBytes|newBufferedReader|newInputStream|lines)\s*\("
)
_CLASS_PATH = frozenset({"-cp", "-classpath", "--class-path", "-p", "--module-path", "-m", "--module", "--source"})


@dataclass
class _Runs:
    """What the stage's RUNs do with Maven or Gradle."""

    builds: list[tuple[str, str, int]] = field(
        default_factory=list
    )  # (maven or gradle, project directory, command index)
    copies: list[tuple[str, str, str | None, int]] = field(
        default_factory=list
    )  # (source, destination, directory, index) of cp, mv
    touched: list[tuple[str, str | None]] = field(default_factory=list)  # (path, directory) of mkdir, cp, mv, ...
    last_build: Instruction | None = None
    problem: str | None = None


def recognise(df: Dockerfile, stage: Stage, context: Context) -> Plan | Suggestion | None:
    """A Plan when the jar the container runs is shown to come from the build and the JDK
    release is known; a Suggestion when the stage builds with Maven or Gradle but: a RUN
    cannot be read, runs a command dockopt does not know, creates users on an image that is
    not Debian or Ubuntu, or installs system
    packages other than the build's tools; the JDK release is not known, or Temurin has no
    JRE for it; ENV sets JAVA_HOME; the container does not run `java -jar PATH` (a class
    path, a module, a pattern or a variable), gives java or the program a file (a
    configuration, an agent), or PATH is not shown to come from the build; the jar may need
    the libraries beside it (`copy-dependencies`, a `Class-Path` manifest); the sources read
    files at run time, or a Spring Boot configuration is in the project directory; a COPY
    after the build or outside the project."""
    text = "\n".join(i.logical for i in stage.instructions if i.command == "RUN")
    if not _BUILD.search(text):
        return None
    # the runtime (Temurin on Ubuntu) runs useradd, adduser, mkdir... as a Debian build image does
    debian = base_of(df, stage).family == "debian"
    carried = carried_without_sources(df, stage, list(_BUILD_HOMES)) if debian else Carried()
    found = _runs(df, stage, carried.runs)
    if found.problem is not None:
        return _suggest(found.problem)
    if not found.builds or found.last_build is None:
        return None
    packages = installed_packages(df, stage, SYSTEM_MANAGERS)
    release, problem = _release(df, stage, packages)
    if problem is not None:
        return _suggest(problem)
    extra = sorted(
        p for p in packages if p not in _BUILD_PACKAGES and not re.fullmatch(r"openjdk-\d+-jdk(-headless)?", p)
    )
    if extra:
        return _suggest(f"the program may need {', '.join(extra)} at run time")
    if any(key == "JAVA_HOME" for i in stage.instructions if i.command == "ENV" for key in (p.name for p in i.pairs)):
        return _suggest("ENV sets JAVA_HOME to the build image's JDK")
    if "copy-dependencies" in text:
        return _suggest("the build copies the dependencies beside the jar, which may need them")

    start = entry(df, stage)
    if start is None:
        return _suggest("the stage has no CMD or ENTRYPOINT")
    jar = _jar(df, stage, start)
    if isinstance(jar, Suggestion):
        return jar
    project = _origin(found, jar)
    if project is None:
        return _suggest(f"{jar} is not shown to come from the build (target/ of Maven, build/libs/ of Gradle)")
    problem = left_behind(df, stage, project, found.last_build, found.touched, (*_BUILD_HOMES, jar))
    if problem is not None:
        return _suggest(problem)
    problem = _reads_project(df, stage, context, project)
    if problem is not None:
        return _suggest(problem)
    return Plan(
        "java",
        f"eclipse-temurin:{release}-jre",
        (Artifact(jar, jar),),
        setup=carried.before,
        after=carried.after,
        users=carried.users,
        why=f"the jar {jar} needs only a Java {release} runtime",
    )


def _suggest(reason: str) -> Suggestion:
    return Suggestion("java", reason, _LAYOUT)


def _runs(df: Dockerfile, stage: Stage, carried: tuple[Instruction, ...]) -> _Runs:
    """The builds and the copies of the jar of the stage's RUNs (but the ``carried`` ones)."""
    found = _Runs()
    commands = run_commands(df, stage, HARMLESS | {"java"}, skip=carried)
    found.touched, found.problem = commands.touched, commands.problem
    for index, (run, _, program, args, cwd) in enumerate(commands.commands if found.problem is None else []):
        if program in ("mvn", "mvnw", "gradle", "gradlew"):
            kind = "maven" if program in ("mvn", "mvnw") else "gradle"
            goals, project = _goals(args, cwd, kind)
            if goals & (_MAVEN_GOALS if kind == "maven" else _GRADLE_TASKS):
                if project is None:
                    found.problem = f"`{program}` builds in a directory dockopt cannot follow"
                    break
                found.builds.append((kind, project, index))
                found.last_build = run
        elif program in ("cp", "mv"):
            operands = [a for a in args if not a.startswith("-")]
            if len(operands) == 2:
                found.copies.append((operands[0], operands[1], cwd, index))
        elif program not in ("mkdir", "chmod", "touch", "ln"):
            found.problem = unknown_command(program)
            break
    return found


def _goals(args: list[str], cwd: str | None, kind: str) -> tuple[set[str], str | None]:
    """The goals (or tasks, without their project path) of a Maven or Gradle command, and its project directory."""
    takes_value = _MAVEN_VALUES if kind == "maven" else _GRADLE_VALUES
    goals: set[str] = set()
    project = cwd
    index = 0
    while index < len(args):
        arg = args[index]
        name, eq, value = arg.partition("=")
        if arg.startswith("-"):
            if name in takes_value and not eq:
                index += 1
                value = args[index] if index < len(args) else ""
            if name in ("-f", "--file") and kind == "maven":
                directory = value if not value.endswith(".xml") else posixpath.dirname(value) or "."
                project = join(cwd, directory)
            elif name in ("-p", "--project-dir") and kind == "gradle":
                project = join(cwd, value)
            elif name in ("-b", "--build-file") and kind == "gradle":
                project = join(cwd, posixpath.dirname(value) or ".")
        else:
            goals.add(arg.rsplit(":", 1)[-1] if kind == "gradle" else arg)
        index += 1
    return goals, project


def _release(df: Dockerfile, stage: Stage, packages: set[str]) -> tuple[int | None, str | None]:
    """The JDK release the build uses, or why it is not known or has no Temurin JRE."""
    base = base_of(df, stage)
    image = base.image
    reference = resolved_reference(df, stage)
    release = None
    if image is not None and image.official and image.digest is None:
        tag = image.tag or ""
        if image.path in ("maven", "gradle"):
            match = _JDK_IN_TAG.search(tag)
        elif image.path in _RELEASE_FIRST:
            match = re.match(r"(?:openjdk-)?(\d+)(?:u\d+)?(?=\b|[-._u])", tag)
        elif image.path == "ibm-semeru-runtimes":
            match = re.match(r"open-(\d+)-jdk", tag)
        else:
            match = None
        release = int(match.group(1)) if match else None
    jdks = {int(m.group(1)) for p in packages if (m := re.fullmatch(r"openjdk-(\d+)-jdk(-headless)?", p))}
    if jdks and base.family == "debian":
        if len(jdks) > 1 or (release is not None and release not in jdks):
            return None, "the stage installs several JDKs"
        release = next(iter(jdks))
    if release is None:
        return None, f"the JDK release of {reference} is not known"
    if release not in _JRE_RELEASES:
        return None, f"eclipse-temurin publishes no JRE for Java {release}"
    return release, None


def _jar(df: Dockerfile, stage: Stage, start: Instruction) -> str | Suggestion:
    """The jar the container runs (absolute), or why it is not known."""
    words = entry_words(start)
    if not words:
        return _suggest("its CMD or ENTRYPOINT uses shell syntax")
    if words[0] != "java":
        return _suggest("its CMD or ENTRYPOINT does not run `java -jar`")
    options: list[str] = []
    for index, word in enumerate(words[1:], start=1):
        if word in _CLASS_PATH or word.split("=", 1)[0] in _CLASS_PATH:
            return _suggest(f"java is given `{word}`, not only a jar")
        if word == "-jar":
            if index + 1 >= len(words):
                break
            jar, rest = words[index + 1], words[index + 2 :]
            named = file_argument(options + rest)
            if named is not None:
                return _suggest(
                    f"java or the program is given the file {named}, which the runtime stage would not have"
                )
            path = shell_path(df, start, jar)
            if path is None or not plain_path(jar):
                return _suggest("the jar is named by a pattern or a variable")
            return path
        if not word.startswith("-"):
            break
        options.append(word)
    return _suggest("its CMD or ENTRYPOINT does not run `java -jar`")


def _origin(found: _Runs, jar: str) -> str | None:
    """The project whose build output the jar is, directly or by a later cp or mv; None when not shown."""
    for kind, project, _ in found.builds:
        if inside(jar, project) and _OUTPUT[kind].search(posixpath.relpath(jar, project)):
            return project
    for source, destination, cwd, index in found.copies:
        target = join(cwd, destination)
        origin = join(cwd, source)
        if target is None or origin is None:
            continue
        into = posixpath.dirname(jar) == target and (
            "*" in source or posixpath.basename(origin) == posixpath.basename(jar)
        )
        if target != jar and not into:
            continue
        for kind, project, built in found.builds:
            if built < index and inside(origin, project) and _OUTPUT[kind].search(posixpath.relpath(origin, project)):
                return project
    return None


def _reads_project(df: Dockerfile, stage: Stage, context: Context, project: str) -> str | None:
    """Why the program may need more of the project than its jar, as the build context shows."""
    if context.directory is None:
        return None
    for name in ("pom.xml", "build.gradle", "build.gradle.kts"):
        at = context_source(df, stage, context, posixpath.join(project, name))
        found = _THIN_JAR.search(context.read(at) or "") if at is not None else None
        if found is not None:
            return f"{name} makes a jar that may need the libraries beside it ({found.group()})"
    for name in (
        "application.properties",
        "application.yml",
        "application.yaml",
        "config/application.properties",
        "config/application.yml",
        "config/application.yaml",
    ):
        at = context_source(df, stage, context, posixpath.join(project, name))
        if at is not None and context.exists(at):
            return f"{name} in the project directory is read at run time"
    sources = context_source(df, stage, context, posixpath.join(project, "src")) or context_source(
        df, stage, context, project
    )
    if sources is None:
        return None
    reader, complete = source_matching(
        context, sources, (".java", ".kt"), _READS_FILES, lambda path: "/test/" in f"/{path}"
    )
    if reader is not None:
        return f"the program may read files of the project at run time ({reader})"
    if not complete:
        return "the build context has too many sources to read"
    return None
