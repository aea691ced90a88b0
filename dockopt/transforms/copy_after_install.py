"""copy-after-install (DO102): COPY the sources after the RUNs that do not use them."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..context import Context
from ..fix import Applicability, Edit, Finding, Fix
from ..model import destination as copy_destination
from ..model import join, workdir_at
from ..packages import invocations
from ..shell import Script, effective_shell, is_posix_shell, script_of
from ..syntax import Comment, Dockerfile, Instruction, Stage
from ..transform import WARNING, transform

# A COPY into these may be read by programs that never name it (apt reads /etc/apt, a
# shell finds /usr/local/bin/tool on its PATH, npm reads ~/.npmrc): it stays where it is.
SYSTEM_PLACES = (
    "/etc",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/usr/bin",
    "/usr/sbin",
    "/usr/lib",
    "/usr/lib64",
    "/usr/libexec",
    "/usr/local/bin",
    "/usr/local/sbin",
    "/usr/local/lib",
    "/usr/local/etc",
    "/usr/share",
    "/usr/local/share",
    "/root",
    "/var/lib",
    "/var/cache",
    "/proc",
    "/sys",
    "/dev",
    "/run",
)
# instructions a COPY may move across when its own text expands no variable
NEUTRAL = frozenset({"LABEL", "EXPOSE", "ENV", "ARG", "STOPSIGNAL", "HEALTHCHECK", "MAINTAINER"})
# programs that change the users and groups a `COPY --chown=name` resolves
USER_TOOLS = frozenset(
    {"useradd", "usermod", "userdel", "groupadd", "groupmod", "groupdel", "adduser", "addgroup", "deluser", "delgroup"}
)
# programs that, given only options and package or user names, touch no file of the context
NAME_ONLY = frozenset(
    USER_TOOLS
    | {
        "echo",
        "printf",
        "true",
        "false",
        "set",
        "export",
        "ldconfig",
        "locale-gen",
        "update-locale",
        "dpkg-reconfigure",
        "update-ca-certificates",
        "sleep",
        "id",
        "whoami",
        "uname",
        "env",
    }
)
# programs that act only on the paths they are given (checked like any path)
PATH_TOOLS = frozenset(
    {
        "rm",
        "rmdir",
        "mkdir",
        "chmod",
        "chown",
        "chgrp",
        "ln",
        "touch",
        "cp",
        "mv",
        "install",
        "cat",
        "sed",
        "grep",
        "head",
        "tail",
        "test",
        "[",
        "ls",
        "stat",
        "sha256sum",
        "sha512sum",
        "md5sum",
        "dpkg",
        "rpm",
        "apt-key",
        "update-alternatives",
        "curl",
        "wget",
        "tar",
        "gpg",
        "find",
        "unzip",
        "gunzip",
    }
)
_URL = re.compile(r"[a-z][a-z0-9+.-]*://|git@", re.I)


@transform(code="DO102", name="copy-after-install", applicability=Applicability.SAFE, severity=WARNING)
def copy_after_install(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """COPY the sources after the RUNs that do not use them.

    ## What it does
    Moves a COPY (or ADD) from the build context below the RUN instructions right after
    it that cannot touch what it copies: package installs, user creation, downloads into
    other directories, and so on. It stops at the first RUN that may read or write the
    copied files, and at any instruction but LABEL, EXPOSE, ENV, ARG, STOPSIGNAL and
    HEALTHCHECK. Comment lines right above the COPY move with it.

    ## Why
    Docker reuses a cached layer only while everything before it is unchanged. A COPY of
    the sources above `apt-get install` means that every edit of any source file
    reinstalls the packages: minutes per rebuild. Put what changes often last.

    ## Example
    ```Dockerfile
    WORKDIR /app
    COPY . .
    RUN apt-get update && apt-get install -y libpq5
    RUN pip install -r requirements.txt
    ```
    becomes
    ```Dockerfile
    WORKDIR /app
    RUN apt-get update && apt-get install -y libpq5
    COPY . .
    RUN pip install -r requirements.txt
    ```

    ## Fix safety
    Safe: a RUN it moves across cannot see the copied files, so it runs the same and the
    image ends with the same files. It moves only across RUNs made of commands it knows:
    package managers installing by name (apt-get, apk, yum, ..., pip, npm and gem with
    package names), user and group tools, and file tools that act on the paths they are
    given (mkdir, chmod, rm, ln, cp, curl -o, tar -C, ...); any other program may read files
    it does not name, so the COPY stays above it. A RUN is also taken to touch the copy when
    any path it names (arguments, redirections, the program itself) is the destination,
    inside it or above it (`chown -R app /`), when a file tool writes into its working
    directory and that is the destination (`wget URL`, `tar -x` without `-C`), when it
    changes users or groups and the COPY has `--chown` with a name, or when it cannot be
    analysed (exec form, heredoc, an expansion where a path could be, a shell that is not
    POSIX-like). A COPY into a system place (/etc, /usr/local/bin, /root, ...) or a dot
    file stays: programs read those without naming them. So does a COPY whose text
    expands a variable, a COPY --from, an ADD of a URL, and a heredoc COPY.

    hadolint: the two RUNs the COPY stood between are now next to each other, and DL3059
    (consecutive RUNs) reports them when each is one command and merge-runs leaves them
    apart (in a build stage, where separate RUNs keep the cache fine-grained).
    """
    for stage in df.stages:
        yield from _stage(df, stage)


def _stage(df: Dockerfile, stage: Stage) -> Iterator[Finding]:
    body = stage.instructions
    for index, instruction in enumerate(body):
        if instruction.command not in ("COPY", "ADD"):
            continue
        workdir = workdir_at(df, stage, instruction)
        destination = _destination(df, instruction) if workdir is not None else None
        if workdir is None or destination is None:
            continue
        last = None
        for later in body[index + 1 :]:
            if later.command == "RUN":
                if _touches(df, later, destination, workdir, instruction):
                    break
                last = later
            elif later.command not in NEUTRAL:
                break
        if last is None:
            continue
        fix = _move(df, instruction, last)
        span = instruction.keyword_span
        yield Finding(
            f"{instruction.command} of the sources before a RUN that does not use them: it reruns on every source change",
            span.start,
            span.end,
            fix,
        )


def _destination(df: Dockerfile, copy: Instruction) -> str | None:
    """The absolute destination of a COPY from the build context that may move, or None."""
    if copy.flag("from") or copy.heredocs or "$" in copy.args or any("$" in (f.value or "") for f in copy.flags):
        return None
    words = copy.arguments
    if len(words) < 2 or any(_URL.match(w) for w in words[:-1]):
        return None
    destination = copy_destination(df, copy)
    if (
        destination is None
        or destination == "/"
        or destination.startswith(tuple(p + "/" for p in SYSTEM_PLACES))
        or destination in SYSTEM_PLACES
    ):
        return None
    if any(part.startswith(".") and part not in (".", "..") for part in destination.split("/")):
        return None
    return destination


def _touches(df: Dockerfile, run: Instruction, destination: str, workdir: str, copy: Instruction) -> bool:
    """Whether a RUN may read or write what the COPY puts at ``destination``."""
    if run.json or run.heredocs or not is_posix_shell(effective_shell(df, run)):
        return True
    script = script_of(df, run)
    if script is None or script.has_error:
        return True
    chown = copy.flag("chown")
    if chown is not None and not (chown.value or "").replace(":", "").isdigit():
        if any(c.program in USER_TOOLS for c in script.commands):
            return True
    by_command = {id(i.command): i for i in invocations(df, run)}
    cwd: str | None = workdir
    for command in script.commands:
        if command.program == "cd":
            target = command.operands[0].value if command.operands else None
            cwd = join(cwd, target) if not command.context else None
            if cwd is None or _overlaps(cwd, destination):
                return True
            continue
        if _command_touches(command, by_command.get(id(command)), cwd, destination):
            return True
    return _redirections_touch(script, workdir, destination)


def _command_touches(command, invocation, cwd: str | None, destination: str) -> bool:
    if command.kind == "assignment" or command.program in ("cd",):
        return False
    if invocation is None and command.program not in NAME_ONLY and command.program not in PATH_TOOLS:
        return True  # any other program may read files it does not name (its configuration, say)
    name = command.name.value if command.name is not None else None
    if command.name is not None and (name is None or ("/" in name and _overlaps(join(cwd, name), destination))):
        return True
    names_only = invocation is not None or command.program in NAME_ONLY
    for word in command.args:
        value = word.value
        if value is None:
            if not names_only:
                return True  # an expansion may be any path
            continue
        if value.startswith("-"):
            value = value.split("=", 1)[1] if "=" in value else ""
        if not value or (names_only and not _looks_like_path(value)):
            continue
        if _overlaps(join(cwd, value), destination):
            return True
    if invocation is None:
        # a file tool that writes into its working directory (`wget URL`, `tar -x`) touches it only
        if not _uses_working_directory(command):
            return False
        return cwd is None or cwd == destination or cwd.startswith(destination + "/")
    if invocation.manager in ("npm", "yarn", "pip", "gem") and _reads_working_directory(invocation):
        # installing the project of the working directory reads the whole tree below it
        return cwd is None or _overlaps(cwd, destination)
    return False  # apt-get, apk, yum, ... install by name


def _uses_working_directory(command) -> bool:
    """Whether a program (not a package manager) reads or writes its working directory unasked."""
    program = command.program
    if program in NAME_ONLY:
        return False
    flags = [w.value or "" for w in command.flags]

    def given(*names: str) -> bool:
        return any(
            f == n or f.startswith(n + "=") or (len(n) == 2 and not f.startswith("--") and n[1] in f[1:])
            for f in flags
            for n in names
        )

    if program == "curl":
        return given("-O", "--remote-name", "--remote-name-all", "-J")
    if program == "wget":
        return not given("-O", "--output-document", "-P", "--directory-prefix")
    if program == "tar":
        return not given("-C", "--directory")
    if program == "find":
        return not any((w.value or "").startswith("/") for w in command.operands[:1])
    if program in ("unzip", "gunzip"):
        return not given("-d")
    return False


def _looks_like_path(value: str) -> bool:
    """For programs that take names: a word that is a path (or a local package file) all the same."""
    return (
        value.startswith(("/", "./", "../", "~"))
        or value in (".", "..")
        or value.endswith((".deb", ".rpm", ".apk", ".whl", ".tar.gz", ".txt", ".json", ".toml", ".lock", ".sh"))
    )


def _reads_working_directory(invocation) -> bool:
    """pip, npm, yarn and gem read the working directory unless they install named packages."""
    if invocation.manager in ("npm", "yarn"):
        return not invocation.has_option("-g", "--global") or not invocation.operands
    if invocation.manager == "pip":
        return (
            invocation.has_option("-r", "--requirement", "-e", "--editable", "-c", "--constraint")
            or not invocation.operands
        )
    return not invocation.operands


def _redirections_touch(script: Script, workdir: str, destination: str) -> bool:
    for word in script.redirects:
        value = word.value
        if _overlaps(join(workdir, value), destination):
            return True
    return False


def _overlaps(path: str | None, destination: str) -> bool:
    """The path is the destination, inside it, or a directory above it (or unknown)."""
    return (
        path is None
        or path == destination
        or path.startswith(destination + "/")
        or destination.startswith(path.rstrip("/") + "/")
        or path == "/"
    )


def _move(df: Dockerfile, copy: Instruction, after: Instruction) -> Fix:
    start = copy.span.start
    # comment lines right above the COPY (no blank line between) go with it
    nodes = df.nodes
    index = next(i for i, n in enumerate(nodes) if n is copy)
    while index > 0 and isinstance(nodes[index - 1], Comment):
        index -= 1
        start = nodes[index].span.start
    text = df.text[start : copy.span.end]
    at = after.span.end
    if not df.text[:at].endswith("\n"):
        newline = df.newline_at(at)
        moved = newline + text.rstrip("\r\n")
    else:
        moved = text if text.endswith("\n") else text + df.newline_at(start)
    return Fix((Edit.delete(start, copy.span.end), Edit.insert(at, moved)), Applicability.SAFE)
