"""exec-form-cmd (DO303): CMD and ENTRYPOINT in exec (JSON) form."""

from __future__ import annotations

import json
from collections.abc import Iterator

from ..context import Context
from ..fix import Applicability, Edit, Finding, Fix
from ..model import root_stage
from ..shell import DEFAULT_SHELL, effective_shell, script_from_text
from ..syntax import Dockerfile, Instruction, Stage
from ..transform import WARNING, transform

# names the shell runs itself (builtins and keywords), or runs differently from the program
# of the same name that exec form would find in PATH (dash's echo interprets backslashes,
# pwd reads $PWD, kill knows jobs): exec form would not run the same thing
SHELL_ONLY = frozenset(
    {
        ".",
        ":",
        "[",
        "[[",
        "]]",
        "!",
        "{",
        "}",
        "alias",
        "bg",
        "bind",
        "break",
        "builtin",
        "caller",
        "case",
        "cd",
        "command",
        "compgen",
        "complete",
        "continue",
        "coproc",
        "declare",
        "dirs",
        "disown",
        "do",
        "done",
        "echo",
        "elif",
        "else",
        "enable",
        "esac",
        "eval",
        "exec",
        "exit",
        "export",
        "false",
        "fc",
        "fg",
        "fi",
        "for",
        "function",
        "getopts",
        "hash",
        "help",
        "history",
        "if",
        "in",
        "jobs",
        "kill",
        "let",
        "local",
        "logout",
        "mapfile",
        "popd",
        "printf",
        "pushd",
        "pwd",
        "read",
        "readarray",
        "readonly",
        "return",
        "select",
        "set",
        "shift",
        "shopt",
        "source",
        "suspend",
        "test",
        "then",
        "time",
        "times",
        "trap",
        "true",
        "type",
        "typeset",
        "ulimit",
        "umask",
        "unalias",
        "unset",
        "until",
        "wait",
        "while",
    }
)
# what unquoted characters do in the shell
_UNQUOTED = {
    "$": "an expansion ($)",
    "`": "a command substitution (`)",
    "|": "a pipe or || (|)",
    "&": "&& or a background job (&)",
    ";": "a command list (;)",
    "<": "a redirection or heredoc (<)",
    ">": "a redirection (>)",
    "(": "a subshell (()",
    ")": "a subshell ())",
    "*": "a wildcard (*)",
    "?": "a wildcard (?)",
    "[": "a wildcard ([)",
    "{": "braces ({)",
    "}": "braces (})",
    "~": "a home directory (~)",
}
# official images known to have no ENTRYPOINT: a CMD runs as it is written
NO_ENTRYPOINT_IMAGES = frozenset(
    {
        "scratch",
        "alpine",
        "busybox",
        "debian",
        "ubuntu",
        "centos",
        "fedora",
        "rockylinux",
        "almalinux",
        "amazonlinux",
        "oraclelinux",
        "archlinux",
        "python",
        "pypy",
        "golang",
        "ruby",
        "rust",
        "openjdk",
        "perl",
        "gcc",
        "buildpack-deps",
        "java",
        "opensuse",
        "opensuse/leap",
        "opensuse/tumbleweed",
    }
)
# official images whose ENTRYPOINT script runs the CMD unchanged (`exec "$@"`) when its first
# word is one of these programs (None: any program whose name does not start with "-")
TRANSPARENT_ENTRYPOINTS: dict[str, frozenset[str] | None] = {
    "php": None,
    "node": frozenset({"node", "npm", "npx", "yarn", "corepack"}),
}


@transform(
    code="DO303",
    name="exec-form-cmd",
    hadolint=("DL3025",),
    buildkit=("JSONArgsRecommended",),
    applicability=Applicability.SAFE,
    severity=WARNING,
    config_changes=("Cmd", "Entrypoint"),
)
def exec_form_cmd(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """CMD and ENTRYPOINT in exec (JSON) form.

    ## What it does
    Rewrites a shell-form `CMD` or `ENTRYPOINT` whose command is plain words into the
    exec form Docker documents, `["program", "arg"]`: quotes are taken off as the shell
    takes them off, a leading `exec` is dropped (exec form already runs the program as
    PID 1), and a command continued over several lines becomes one line.

    When the command uses the shell (variables, `&&`, pipes, redirections, wildcards, `~`,
    a subshell, an assignment, a comment, a builtin such as `cd` or `echo`), it says so
    and changes nothing: exec form would not run it the same way.

    ## Why
    In shell form Docker runs `/bin/sh -c "..."`. Unless that shell replaces itself with
    the program (bash and recent dash do for a single command, not every /bin/sh does),
    the shell is the container's PID 1 and the program its child: `docker stop` sends
    SIGTERM to a shell that does not pass it on, and the container is killed after the
    10-second timeout. Exec form needs no shell at all (distroless and scratch
    images have none), and is what Docker's documentation recommends. A shell-form
    ENTRYPOINT also ignores CMD and the arguments of `docker run`.

    ## Example
    ```Dockerfile
    CMD gunicorn --bind 0.0.0.0:8000 "app:create_app()"
    ```
    becomes
    ```Dockerfile
    CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:create_app()"]
    ```

    ## Fix safety
    Safe: the program and its arguments are the same words the shell would have passed;
    what changes on purpose is the image's Cmd or Entrypoint (no `/bin/sh -c`), that the
    program receives signals, and that it no longer inherits what a shell adds to the
    environment (`PWD`, `SHLVL`). It does nothing:

    - under a `SHELL` other than `/bin/sh -c`, on Windows images, and in files whose
      escape character is the backtick (a Windows habit);
    - to a CMD when an exec-form ENTRYPOINT of the stage (or of a stage it is built
      FROM) takes the CMD as its arguments: they would arrive as separate words instead
      of `/bin/sh`, `-c`, "...". When the stage's ENTRYPOINT comes from a base image
      that is not known to have none (`alpine`, `debian`, `ubuntu`, `python`, `golang`,
      ... have none; the `php` and `node` entrypoints run `node`, `npm`, ... unchanged),
      the fix is unsafe: entrypoint scripts often look at their first argument (nginx's,
      postgres's and redis's do);
    - to the last ENTRYPOINT of a stage when the stage, or a stage built FROM it, has a
      CMD: shell form ignores that CMD, exec form would pass it as arguments. An
      ENTRYPOINT that a later one replaces is converted (it has no effect). Mind that
      after the fix the ENTRYPOINT receives the arguments of `docker run IMAGE ARGS` (or a
      compose `command:`) and the CMD of images built FROM this one, which shell form
      silently ignored;
    - to an empty CMD, to `ONBUILD CMD`/`ONBUILD ENTRYPOINT`, to HEALTHCHECK, and to an
      instruction with comment lines inside its continuation lines (the comments would
      be lost).
    """
    if df.escape != "\\":
        return
    for instruction in df.instructions:
        if instruction.command not in ("CMD", "ENTRYPOINT") or instruction.json or not instruction.args:
            continue
        if tuple(effective_shell(df, instruction)) != DEFAULT_SHELL:
            continue
        yield from _finding(df, instruction)


def _finding(df: Dockerfile, instruction: Instruction) -> Iterator[Finding]:
    keyword = instruction.command
    start, end = instruction.keyword_span.start, instruction.span.end
    words, problem = plain_words(instruction.args)
    if words is None:
        yield Finding(
            f"{keyword} uses shell syntax ({problem}): exec form would not run it the same way. Keep the shell form, "
            f'or write ["/bin/sh", "-c", "exec ..."] or an entrypoint script to run the program as PID 1',
            start,
            end,
        )
        return
    if any(line.kind == "comment" for line in instruction.lines):
        yield Finding(
            f"{keyword} in shell form: write it in exec form by hand (comment lines inside it would be lost)",
            start,
            end,
        )
        return
    stage = df.stage_of(instruction)
    applicability = Applicability.SAFE
    if stage is not None:
        if keyword == "CMD":
            entrypoint = _entrypoint_of(df, stage)
            if isinstance(entrypoint, Instruction):
                if entrypoint.json and entrypoint.json_args:
                    yield Finding(
                        "CMD in shell form gives `/bin/sh -c ...` as the arguments of the exec-form ENTRYPOINT; "
                        "in exec form it would give the words themselves",
                        start,
                        end,
                    )
                    return
            elif not _base_runs_cmd_as_is(entrypoint, words[0]):
                applicability = Applicability.UNSAFE
        else:
            reason = _entrypoint_takes_cmd(df, stage, instruction)
            if reason:
                yield Finding(
                    f"ENTRYPOINT in shell form ignores {reason}; in exec form it would pass it as arguments", start, end
                )
                return
    span = instruction.args_span
    message = (
        f"{keyword} in shell form runs under /bin/sh -c, which does not pass signals on to the program: use exec form"
    )
    if applicability == Applicability.UNSAFE:
        message += " (the base image may have an ENTRYPOINT that reads the CMD)"
    yield Finding(message, start, end, Fix((Edit(span.start, span.end, exec_form(words)),), applicability))


def exec_form(words: list[str]) -> str:
    return "[" + ", ".join(json.dumps(word, ensure_ascii=False) for word in words) + "]"


def plain_words(text: str) -> tuple[list[str] | None, str]:
    """The words of a shell command that uses nothing of the shell but quoting, or None and why."""
    problem = _shell_syntax(text)
    if problem:
        if text.lstrip().startswith("["):
            problem = "it looks like JSON but is not valid JSON, so it runs with /bin/sh -c"
        return None, problem
    script = script_from_text(text)
    if script.has_error or len(script.commands) != 1 or script.comments or script.redirects:
        return None, "more than a simple command"
    command = script.commands[0]
    if command.assignments or command.kind == "assignment":
        return None, "a variable assignment (NAME=value)"
    if command.kind != "simple" or command.context or command.name is None:
        return None, "more than a simple command"
    words = [word.value for word in (command.name, *command.args)]
    if any(word is None for word in words):
        return None, "an expansion"
    plain: list[str] = [w for w in words if w is not None]
    if plain[0] == "exec":
        plain = plain[1:]
        if not plain or plain[0].startswith("-"):
            return None, "exec without a program, or with options"
    if not plain[0] or plain[0].startswith("-"):
        return None, "no program"
    if plain[0] in SHELL_ONLY:
        return None, f"{plain[0]} is a shell builtin or keyword"
    return plain, ""


def _shell_syntax(text: str) -> str:
    """The first shell construct in ``text`` beyond words and quotes ("" when none)."""
    quote = ""
    word_start = True
    index = 0
    while index < len(text):
        ch = text[index]
        if quote == "'":
            if ch == "'":
                quote = ""
            index += 1
            continue
        if ch == "\\":
            if index + 1 >= len(text):
                return "a trailing backslash"
            index += 2
            word_start = False
            continue
        if quote == '"':
            if ch == '"':
                quote = ""
            elif ch in "$`":
                return _UNQUOTED[ch]
            index += 1
            continue
        if ch in " \t":
            word_start = True
        elif ch in "'\"":
            quote = ch
            word_start = False
        else:
            if ch in _UNQUOTED:
                return _UNQUOTED[ch]
            if word_start and ch == "#":
                return "a comment (#)"
            if word_start and ch == "!":
                return "a negation (!)"
            if ch in "\n\r\v\f":
                return "a line break"
            word_start = False
        index += 1
    return "an unterminated quote" if quote else ""


# --------------------------------------------------------------------------- CMD and ENTRYPOINT


def _last(stage: Stage, command: str) -> Instruction | None:
    found = [i for i in stage.instructions if i.command == command]
    return found[-1] if found else None


def _entrypoint_of(df: Dockerfile, stage: Stage) -> Instruction | str:
    """The ENTRYPOINT the stage's image has: an instruction of this file, or the root base image's."""
    for candidate in (stage, *(df.stages[i] for i in stage.derives_from)):
        entrypoint = _last(candidate, "ENTRYPOINT")
        if entrypoint is not None:
            return entrypoint
    return root_stage(df, stage).base


def _image_name(reference: str) -> str:
    """`docker.io/library/python:3.12-slim@sha256:...` -> `python`."""
    name = reference.lower().split("@", 1)[0]
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name[: len(name) - len(last[-1]) + last[-1].index(":")]
    for prefix in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        name = name.removeprefix(prefix)
    return name.removeprefix("library/")


def _base_runs_cmd_as_is(base: str, program: str) -> bool:
    """Whether a base image's ENTRYPOINT (if any) runs a CMD starting with ``program`` unchanged."""
    name = _image_name(base)
    if "$" in name:
        return False  # the repository is a build argument (a tag that is one does not matter)
    if name in NO_ENTRYPOINT_IMAGES:
        return True
    if name in TRANSPARENT_ENTRYPOINTS:
        programs = TRANSPARENT_ENTRYPOINTS[name]
        return not program.startswith("-") if programs is None else program in programs
    return False


def _entrypoint_takes_cmd(df: Dockerfile, stage: Stage, entrypoint: Instruction) -> str:
    """What CMD an exec-form version of this ENTRYPOINT would receive ("" when none)."""
    later = stage.instructions[stage.instructions.index(entrypoint) + 1 :]
    if any(i.command == "ENTRYPOINT" for i in later):
        return ""  # replaced: its form has no effect
    if _last(stage, "CMD") is not None:
        return "the stage's CMD"
    for child in df.descendants(stage):
        # the stages from this one's child down to ``child``: does the ENTRYPOINT reach it, with a CMD?
        chain = [child, *(df.stages[i] for i in child.derives_from[: child.derives_from.index(stage.index)])]
        if any(_last(s, "ENTRYPOINT") is not None for s in chain):
            continue
        if any(_last(s, "CMD") is not None for s in chain):
            return f"the CMD of stage {child.name or child.index}"
    return ""
