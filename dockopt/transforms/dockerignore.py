"""dockerignore (DO104): keep VCS data, secrets and junk out of a build context that is copied whole."""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from ..context import Context
from ..fix import Applicability, FileWrite, Finding, Fix
from ..ignorefile import Pattern, excluded, ignore_file
from ..packages import NODE_INSTALLS, invocations, node_command, runs
from ..shell import script_of
from ..syntax import Dockerfile, Instruction
from ..transform import WARNING, transform

HEADER = "# Written by dockopt: what must not go into the build context (`dockopt explain DO104`).\n"
APPENDED = "# Added by dockopt: never send these to the builder (`dockopt explain DO104`)."
ON_PURPOSE = "# Sent on purpose: the Dockerfile uses these"
VCS = {"git": ".git", "hg": ".hg", "svn": ".svn"}
# subcommands that do not read the working tree they run in
_VCS_HARMLESS = frozenset({"config", "ls-remote", "version", "help"})
# subcommands that make a tree of their own: what follows them in the RUN works on it
_NEW_TREE = {"git": {"clone", "init"}, "hg": {"clone", "init"}, "svn": {"checkout", "co", "export"}}
# build files that derive a version from the VCS (setuptools-scm, hatch-vcs, `git describe` in a Makefile, ...)
_VCS_HINT = re.compile(
    r"setuptools[_-]scm|hatch-vcs|versioneer|dunamai|poetry-dynamic-versioning|\bpbr\b"
    r"|\b(?:git|hg|svn) +(?:describe|rev-parse|rev-list|log|show|status|diff|tag|id|info|identify)\b"
)
_BUILD_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "package.json", "Makefile")
ENV_EXAMPLES = (".env.example", ".env.sample", ".env.template", ".env.dist")
_KEY_NAME = re.compile(r"id_(rsa|dsa|ecdsa|ed25519)\Z")
_CREDENTIALS = re.compile(r"_authToken|_auth\b|_password|password", re.IGNORECASE)
# what an install or build tool makes inside the image (Dockerfile words -> entries, if present);
# node's tools are those of packages.NODE_INSTALLS
INSTALLERS = {
    "python": {
        "poetry": {"install", "sync"},
        "uv": {"sync", "pip"},
        "pipenv": {"install", "sync"},
        "pdm": {"install", "sync"},
    },
    "bundler": {"bundle": {"", "install"}},
    "composer": {"composer": {"install"}},
    "target": {
        "cargo": {"build", "install"},
        "mvn": {"package", "install", "verify"},
        "mvnw": {"package", "install", "verify"},
    },
    "gradle": {"gradle": {"*"}, "gradlew": {"*"}},
}
CACHES = (
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".tox",
    ".nox",
    ".cache",
    ".coverage",
    "htmlcov",
    ".eslintcache",
)
_PRUNED = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", *CACHES})
SCAN_LIMIT = 20_000  # entries of the context looked at
_WRAPPERS = frozenset({"sudo", "env", "nice", "nohup", "exec", "time", "command"})


@transform(code="DO104", name="dockerignore", applicability=Applicability.UNSAFE, severity=WARNING)
def dockerignore(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """Keep VCS data, secrets and junk out of a build context that is copied whole.

    ## What it does
    When a Dockerfile copies the whole build context (`COPY . <dest>`, `ADD ./ <dest>`,
    `COPY * <dest>`, `.` among several sources, in any stage, but not `COPY --from`; or a
    `RUN --mount=type=bind` of the whole context) and the context has no `.dockerignore`,
    it writes one beside the Dockerfile, in commented groups:

    - version control: `.git` always, `.hg` and `.svn` when present;
    - secrets: `**/.env` and `**/.env.*` always (with `!` lines for `.env.example` and the
      like when present), and when present `.aws`, `.ssh`, `.gnupg`, `.netrc`, `.pypirc`,
      an `.npmrc` holding a token, and private keys (files holding `PRIVATE KEY`, SSH keys
      named `id_rsa`, ...);
    - what the image installs itself: `**/node_modules` when a RUN installs with npm, yarn,
      pnpm or bun; `.venv` and every virtualenv present (a directory with `pyvenv.cfg`)
      when it installs with pip, poetry, uv, pipenv or pdm; `vendor/bundle` (bundler),
      `vendor` (composer), `target` (cargo, maven) and `.gradle` when present and built;
    - caches, logs and editor files, when present: `__pycache__`, `*.pyc`, `.pytest_cache`,
      `.mypy_cache`, `.tox`, `.cache`, ..., `*.log`, `.idea`, `.vscode`, `*.swp`, `.DS_Store`.

    An entry that would exclude what the Dockerfile uses is left out, and written as a `!`
    line under "Sent on purpose" instead, so that a later run (or another Dockerfile of the
    same context) does not add it: a COPY/ADD or bind-mount source, a relative path a RUN,
    CMD or ENTRYPOINT names (`cp .env.example .env`), `.git` when a RUN runs git on the
    copied tree (`git describe`, `git rev-parse`; not `git clone`) or the build derives its
    version from the VCS (setuptools-scm, hatch-vcs, versioneer, pbr, `git describe` in
    `package.json` or a `Makefile`), an `.npmrc` when npm installs.

    An existing ignore file only gains the essential entries it lacks (version control and
    secrets), appended at its end under a comment: its lines are never removed or
    reordered, and what it re-includes with `!` is not added. BuildKit reads
    `<Dockerfile name>.dockerignore` beside the Dockerfile instead of `.dockerignore` when
    it exists (`api.Dockerfile.dockerignore`): then that file is the one completed. Without
    a build context (stdin) there is only a finding.

    ## Why
    `COPY . .` sends everything in the context to the builder and into the layer: the
    whole `.git` history, `.env` files with credentials, a `node_modules` or virtualenv
    built for the host (which then shadows or breaks the one the image installs), caches
    and logs. That costs transfer time and image size, invalidates the COPY's cache on
    every commit, and leaks secrets to anyone who can pull the image.

    ## Example
    ```Dockerfile
    FROM node:20
    COPY . /app
    RUN npm ci
    ```
    with a context holding `.git`, `.env`, `node_modules` and `npm-debug.log` gets a
    `.dockerignore`:
    ```
    # Written by dockopt: what must not go into the build context (`dockopt explain DO104`).

    # Version control
    .git

    # Secrets
    **/.env
    **/.env.*

    # Installed by the image itself
    **/node_modules

    # Logs
    **/*.log
    ```

    ## Fix safety
    Unsafe: some images need what is excluded. An app may read `.env` at run time, or a
    build may need `.git` or a private key in a way dockopt cannot see (a script run by
    `npm run build` that calls `git`, a TLS key the server loads from a path built at run
    time, a `.env.production` a framework reads when building). Review the file before
    committing it; a `!path` line sends a path back. Other Dockerfiles that share the same
    context and `COPY` a path the file excludes (say `COPY .env /app/`) fail to build: run
    dockopt on them too, or add a `!` line. The legacy builder (`DOCKER_BUILDKIT=0`) does
    not read `<Dockerfile name>.dockerignore`. PKCS#12 and Java keystores are not
    recognised as secrets (they are often meant to be shipped).
    """
    wholes = _whole_context_uses(df)
    if not wholes:
        return
    span = wholes[0].keyword_span
    if context.directory is None:
        yield Finding(
            "this sends the whole build context: check that a .dockerignore keeps .git and .env out "
            "(no build context to look at, so nothing is written)",
            span.start,
            span.end,
        )
        return
    ignore = ignore_file(context)
    if ignore.exists and ignore.text is None:
        return  # there, but unreadable: nothing to complete
    lines = _candidates(df, wholes[0], context, _scan_cached(context.directory))
    if ignore.text is None:
        text = _new_file(lines)
        yield Finding(
            "this sends the whole build context to the builder and no .dockerignore keeps "
            + ", ".join(e.pattern for e in lines if e.kept and not e.negated)
            + " out",
            span.start,
            span.end,
            Fix((), Applicability.UNSAFE, (FileWrite(ignore.path, text),)),
        )
        return
    missing = _missing(lines, ignore.patterns)
    if missing:
        shown = [e.pattern for e in missing if not e.negated]
        yield Finding(
            f"{posixpath.basename(ignore.path)} lets this whole-context copy send " + ", ".join(shown),
            span.start,
            span.end,
            Fix((), Applicability.UNSAFE, (FileWrite(ignore.path, _appended(ignore.text, missing)),))
            if ignore.in_context
            else None,
        )


# --------------------------------------------------------------------------- the Dockerfile


def _whole_context_uses(df: Dockerfile) -> list[Instruction]:
    found = []
    for instruction in df.instructions:
        if instruction.command in ("COPY", "ADD") and instruction.flag("from") is None:
            if any(_is_whole(s) for s in _sources(instruction)):
                found.append(instruction)
        elif instruction.command == "RUN" and any(_is_whole(s) for s in _bind_sources(instruction)):
            found.append(instruction)
    return found


def _sources(instruction: Instruction) -> list[str]:
    words = instruction.arguments
    return [w.strip("\"'") for w in words[:-1] if not w.startswith("<<")]


def _bind_sources(instruction: Instruction) -> list[str]:
    return [m.get("source", m.get("src", ".")) for m in instruction.mounts() if m["type"] == "bind" and "from" not in m]


def _is_whole(source: str) -> bool:
    return _normal(source) in (".", "*")


def _normal(path: str) -> str:
    path = path.lstrip("/")
    return posixpath.normpath(path) if path else "."


def _references(df: Dockerfile) -> tuple[set[str], set[str]]:
    """Context paths the Dockerfile copies (COPY/ADD/bind sources), and relative words its commands use."""
    copied: set[str] = set()
    used: set[str] = set()
    for instruction in df.instructions:
        if instruction.command in ("COPY", "ADD") and instruction.flag("from") is None:
            copied.update(_normal(s) for s in _sources(instruction) if "://" not in s and not _is_whole(s))
        if instruction.command == "RUN":
            copied.update(_normal(s) for s in _bind_sources(instruction) if not _is_whole(s))
        if instruction.command in ("RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK"):
            tokens = (t.strip("\"'") for t in _words_used(df, instruction))
            used.update(_normal(t) for t in tokens if _relative(t))
    return copied, used


def _words_used(df: Dockerfile, instruction: Instruction) -> Iterator[str]:
    script = script_of(df, instruction) if instruction.command == "RUN" else None
    if script is None or script.has_error:
        text = instruction.logical + "".join(doc.body for doc in instruction.heredocs)
        yield from re.split(r"[\s\"'=:,;|&<>()\[\]{}`]+", text)
        return
    for command in script.commands:
        if command.program == "rm":  # `rm -rf .git` is better done by the ignore file
            continue
        for word in (command.name, *command.args) if command.name else command.args:
            yield from re.split(r"[=:,\s]+", word.value if word.value is not None else word.text)


def _relative(token: str) -> bool:
    return bool(token) and token[0] not in "/$-~" and "://" not in token and token not in (".", "..")


def _tools(df: Dockerfile, whole: Instruction) -> tuple[set[str], set[str], set[str]]:
    """The installers and builders RUNs run ("node", "python", ...), those that run after
    ``whole`` (they may read what it copies), and the VCS tools run on the copied tree."""
    kinds: set[str] = set()
    late: set[str] = set()
    vcs: set[str] = set()
    for run in runs(df):
        found = _run_tools(df, run, vcs)
        kinds |= found
        if run.span.start > whole.span.start:
            late |= found
    return kinds, late, vcs


def _run_tools(df: Dockerfile, run: Instruction, vcs: set[str]) -> set[str]:
    kinds = {"python"} if any(i.manager == "pip" and i.subcommand == "install" for i in invocations(df, run)) else set()
    script = script_of(df, run)
    if script is None or script.has_error:
        text = run.logical + "".join(doc.body for doc in run.heredocs)
        vcs.update(tool for tool in VCS if re.search(rf"\b{tool}\b", text))
        return kinds
    cloned: set[str] = set()  # VCS tools that made a tree of their own in this RUN
    for command in script.commands:
        words = _program_words(command)
        if not words:
            continue
        program, operands = posixpath.basename(words[0]), [w for w in words[1:] if not w.startswith("-")]
        first = operands[0] if operands else ""
        if program in NODE_INSTALLS and node_command(program, first or None) in NODE_INSTALLS[program]:
            kinds.add("node")
        for kind, tools in INSTALLERS.items():
            subs = tools.get(program)
            if subs is not None and (
                "*" in subs or first in subs or (program in ("mvn", "mvnw") and subs & set(operands))
            ):
                kinds.add(kind)
        if program in VCS:
            if first in _NEW_TREE[program]:
                cloned.add(program)  # later commands of the RUN work on that new tree
            elif first not in _VCS_HARMLESS and program not in cloned and not _elsewhere(words):
                vcs.add(program)
    return kinds


def _program_words(command) -> list[str]:
    words = [w.value or "" for w in ((command.name, *command.args) if command.name else command.args)]
    while words and posixpath.basename(words[0]) in _WRAPPERS:
        words = words[1:]
        while words and (words[0].startswith("-") or re.match(r"[A-Za-z_]\w*=", words[0])):
            words = words[1:]
    return words


def _elsewhere(words: list[str]) -> bool:
    """`git -C /path ...`: runs on another tree than the copied one."""
    return any(a == "-C" and b.startswith("/") for a, b in pairwise(words))


# --------------------------------------------------------------------------- the context


@dataclass
class _Contents:
    top: set[str] = field(default_factory=set)  # names at the root of the context
    names: set[str] = field(default_factory=set)  # names anywhere
    suffixes: set[str] = field(default_factory=set)  # ".pyc", ".log", ...
    venvs: list[str] = field(default_factory=list)  # directories holding pyvenv.cfg
    keys: list[str] = field(default_factory=list)  # private key files


def _scan_cached(root: Path) -> _Contents:
    """What the context holds, scanned once per process while its top directory is unchanged.

    A bulk run over many Dockerfiles of one directory (a monorepo's services, the corpus)
    shares one context; writing a .dockerignore there changes the directory's mtime.
    """
    try:
        stamp = root.stat().st_mtime_ns
    except OSError:
        stamp = 0
    return _scan_at(str(root.resolve()), stamp)


@lru_cache(maxsize=16)
def _scan_at(root: str, stamp: int) -> _Contents:
    return _scan(Path(root))


def _scan(root: Path) -> _Contents:
    """(The result is shared between calls: read it, never change it.)"""
    found = _Contents()
    seen = 0
    for directory, dirs, files in os.walk(root):
        relative = os.path.relpath(directory, root).replace(os.sep, "/")
        if relative == ".":
            found.top.update(dirs + files)
        if "pyvenv.cfg" in files and relative != ".":
            found.venvs.append(relative)
            dirs[:] = []
            continue
        found.names.update(dirs + files)
        dirs[:] = sorted(d for d in dirs if d not in _PRUNED)
        for name in sorted(files):
            found.suffixes.add(posixpath.splitext(name)[1])
            path = name if relative == "." else f"{relative}/{name}"
            if (_KEY_NAME.match(name) or name.endswith((".pem", ".key"))) and _holds_private_key(
                os.path.join(directory, name)
            ):
                found.keys.append(path)
        seen += len(dirs) + len(files)
        if seen > SCAN_LIMIT:
            break
    return found


def _holds_private_key(path: str) -> bool:
    if not os.path.isfile(path):  # a FIFO or a device would block or never end
        return False
    try:
        with open(path, "rb") as handle:
            return b"PRIVATE KEY" in handle.read(8192)
    except OSError:
        return False


# --------------------------------------------------------------------------- entries


@dataclass
class _Entry:
    group: str
    pattern: str
    probe: str  # a path the pattern excludes, to ask an existing file about
    essential: bool = False
    installed: bool = False  # made by the image: only a COPY of it keeps it
    negated: bool = False
    kept: bool = True  # False: the Dockerfile uses it, it is written as `!pattern`


def _candidates(df: Dockerfile, whole: Instruction, context: Context, contents: _Contents) -> list[_Entry]:
    kinds, late, vcs_used = _tools(df, whole)
    if any(_VCS_HINT.search(context.read(name) or "") for name in _BUILD_FILES):
        vcs_used |= set(VCS)
    entries: list[_Entry] = []

    def add(group: str, pattern: str, probe: str | None = None, **kind: bool) -> None:
        entries.append(_Entry(group, pattern, probe or pattern.removeprefix("**/"), **kind))

    for tool, directory in VCS.items():
        if tool == "git" or directory in contents.top:
            add("Version control", directory, essential=True, kept=tool not in vcs_used)
    add("Secrets", "**/.env", essential=True)
    add("Secrets", "**/.env.*", ".env.local", essential=True)
    for example in ENV_EXAMPLES:
        if example in contents.top:
            add("Secrets", f"**/{example}", essential=True, negated=True)
    for name in (".aws", ".ssh", ".gnupg", ".netrc", ".pypirc"):
        if name in contents.top:
            add("Secrets", name, essential=True)
    if ".npmrc" in contents.top and _CREDENTIALS.search(context.read(".npmrc") or ""):
        add("Secrets", ".npmrc", essential=True, kept="node" not in late)  # an install after the copy may need it
    for key in contents.keys[:20]:
        add("Secrets", key, essential=True)
    installed = "Installed by the image itself"
    if "node" in kinds:
        add(installed, "**/node_modules", installed=True)
    if "python" in kinds:
        for venv in dict.fromkeys([".venv", *contents.venvs]):
            if "/" not in venv:
                add(installed, venv, installed=True)
    for kind, directory in (
        ("bundler", "vendor/bundle"),
        ("composer", "vendor"),
        ("target", "target"),
        ("gradle", ".gradle"),
    ):
        if kind in kinds and context.exists(directory):
            add(installed, directory, installed=True)
    if "__pycache__" in contents.names:
        add("Caches", "**/__pycache__")
    if contents.suffixes & {".pyc", ".pyo"}:
        add("Caches", "**/*.py[co]", "x.pyc")
    for name in CACHES:
        if name in contents.top:
            add("Caches", name)
    if ".log" in contents.suffixes:
        add("Logs", "**/*.log", "x.log")
    for name in (".idea", ".vscode"):
        if name in contents.top:
            add("Editor and OS files", name)
    if contents.suffixes & {".swp", ".swo"}:
        add("Editor and OS files", "**/*.sw[po]", "x.swp")
    for name in (".DS_Store", "Thumbs.db"):
        if name in contents.names:
            add("Editor and OS files", f"**/{name}")
    _keep_used(entries, *_references(df))
    return entries


def _keep_used(entries: list[_Entry], copied: set[str], used: set[str]) -> None:
    """Mark kept=False the entries that would exclude a path the Dockerfile copies or uses."""
    for path, by_copy in [(p, True) for p in copied] + [(p, False) for p in used]:
        for entry in entries:
            if entry.kept and not entry.negated and not _glob(entry.pattern) and entry.pattern.startswith(path + "/"):
                entry.kept = False  # `COPY config/ ...` ships the key inside on purpose
        while True:
            deciding = None
            for entry in entries:
                if entry.kept and Pattern(entry.pattern).matches(path):
                    deciding = entry
            if deciding is None or deciding.negated or (deciding.installed and not by_copy):
                break
            deciding.kept = False


def _new_file(entries: list[_Entry]) -> str:
    out = [HEADER]
    group = None
    for entry in entries:
        if not entry.kept:
            continue
        if entry.group != group:
            out.append(f"\n# {entry.group}\n")
            group = entry.group
        out.append(("!" if entry.negated else "") + entry.pattern + "\n")
    on_purpose = [e for e in entries if not e.kept and not e.negated]
    if on_purpose:
        out.append(f"\n{ON_PURPOSE}\n" + "".join(f"!{e.pattern}\n" for e in on_purpose))
    return "".join(out)


def _missing(entries: list[_Entry], patterns: tuple[Pattern, ...]) -> list[_Entry]:
    """The essential entries the file neither excludes nor re-includes on purpose.

    A `!` entry (`.env.example`) comes along when an entry added excludes what the file sends.
    """
    wanted = [e for e in entries if e.essential and e.kept]
    missing = [
        e
        for e in wanted
        if not e.negated
        and not excluded(patterns, e.probe)
        and not any(p.negated and p.matches(e.probe) for p in patterns)
    ]
    added = [Pattern(e.pattern) for e in missing]
    return [
        e
        for e in wanted
        if e in missing or (e.negated and excluded(added, e.probe) and not excluded(patterns, e.probe))
    ]


def _appended(text: str, entries: list[_Entry]) -> str:
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = [APPENDED] + [("!" if e.negated else "") + e.pattern for e in entries]
    head = text if not text or text.endswith("\n") else text + newline
    return head + (newline if head.strip() else "") + newline.join(lines) + newline


def _glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")
