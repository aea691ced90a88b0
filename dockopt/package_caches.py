"""Facts shared by the package-cache transforms (pip, npm, yarn, gem).

What a RUN sees before it (ENV values, files earlier RUNs wrote), which cache or tmpfs
mounts it has, which RUNs come after it, whether a command deletes a cache directory, and
where a cache clean can go without outliving the package manager.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ._buildkit_lex import LexError, process_words
from .fix import Edit
from .packages import REMOVALS, Invocation, find, invocations, ran_before
from .runs import Style, append_command, editable_script, style_of
from .shell import Command, script_of
from .syntax import Dockerfile, Instruction

ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)\Z", re.DOTALL)


def visible_before(df: Dockerfile, run: Instruction) -> list[Instruction]:
    """What ran before ``run`` (packages.ran_before), ONBUILD instructions as what they run."""
    return [i.sub if i.command == "ONBUILD" and i.sub is not None else i for i in ran_before(df, run)]


def env_before(df: Dockerfile, run: Instruction) -> dict[str, str | None]:
    """The variables ENV sets for ``run``: name -> value (None when the value expands)."""
    env: dict[str, str | None] = {}
    for instruction in visible_before(df, run):
        if instruction.command == "ENV":
            env.update((pair.name, unquote(pair.value or "")) for pair in instruction.pairs)
    return env


def unquote(value: str) -> str | None:
    """A value as the shell (or BuildKit) reads it, None when it expands a variable."""
    if "$" in value or "`" in value:
        return None
    try:
        words = process_words(value, raw_quotes=False, raw_escapes=False)
    except LexError:
        return None
    return " ".join(words)


def assignments_before_program(invocation: Invocation) -> dict[str, str | None]:
    """`VAR=value` given to this command only: `VAR=1 pip ...` or `env VAR=1 pip ...`."""
    command = invocation.command
    words = list(command.assignments) + [w for w in command.args if w.start < invocation.program.start]
    found: dict[str, str | None] = {}
    for word in words:
        match = ASSIGNMENT.match(word.text)
        if match:
            found[match.group(1)] = unquote(match.group(2))
    return found


def exported_before(df: Dockerfile, invocation: Invocation) -> dict[str, str | None]:
    """Variables `export`ed by the main shell of the RUN before this command."""
    script = script_of(df, invocation.run)
    found: dict[str, str | None] = {}
    if script is None:
        return found
    for command in script.commands:
        if command.start >= invocation.command.start:
            break
        if command.context or command.program != "export":
            continue
        for word in command.args:
            match = ASSIGNMENT.match(word.text)
            if match:
                found[match.group(1)] = unquote(match.group(2))
    return found


def mount_targets(run: Instruction) -> list[str]:
    """The targets of the cache and tmpfs mounts of a RUN (or ONBUILD RUN)."""
    return [
        m.get("target", "").rstrip("/")
        for m in run.mounts()
        if m["type"] in ("cache", "tmpfs") and m.get("target", "").rstrip("/")
    ]


def mounted(run: Instruction, paths: Iterable[str]) -> bool:
    """Whether a cache or tmpfs mount covers one of ``paths``, or sits inside one.

    A path is absolute, or a home-relative tail such as ".cache/pip" matched anywhere
    (the way hadolint matches it). A mount inside the cache (`~/.cache/pip/http`) shows
    that the build already keeps that cache out of the image on purpose.
    """
    targets = mount_targets(run)
    for path in paths:
        path = path.rstrip("/")
        if not path:
            continue
        if run.caches(path):
            return True
        if path.startswith("/"):
            if any(t.startswith(path + "/") for t in targets):
                return True
        elif any(("/" + path + "/") in (t + "/") for t in targets):
            return True
    return False


def later_runs(df: Dockerfile, run: Instruction) -> set[int]:
    """Ids of the instructions after ``run`` in its stage and in the stages built FROM it."""
    stage = df.stage_of(run)
    if stage is None:
        return set()
    index = stage.instructions.index(run)
    later = {id(i) for i in stage.instructions[index + 1 :]}
    for child in df.descendants(stage):
        later |= {id(i) for i in child.instructions}
    return later


def removes(command: Command, paths: Iterable[str]) -> bool:
    """Whether ``command`` is an `rm` of one of ``paths`` (absolute, or tails like ".npm")."""
    if command.program != "rm":
        return False
    wanted = [p.rstrip("/") for p in paths if p.rstrip("/")]
    for word in command.operands:
        text = word.value if word.value is not None else word.text.replace('"', "").replace("'", "")
        text = text.rstrip("*").rstrip("/")
        for path in wanted:
            if text == path or (not path.startswith("/") and text.endswith("/" + path)):
                return True
    return False


def cleaned_after(
    df: Dockerfile, last: Invocation, cleans: Iterable[str], paths: Iterable[str], also=lambda command: False
) -> bool:
    """Whether the RUN of ``last`` cleans that manager's cache after it.

    A clean is `<manager> cache <one of cleans>`, an `rm` of one of ``paths``, or a command
    for which ``also`` says so.
    """
    run = last.run
    script = script_of(df, run)
    if script is None:
        return False
    cleans = set(cleans)
    paths = list(paths)
    cleaning = {
        i.command.start
        for i in invocations(df, run)
        if i.manager == last.manager and i.subcommand == "cache" and i.operands[:1] and i.operands[0].value in cleans
    }
    return any(
        c.start > last.command.start and (c.start in cleaning or removes(c, paths) or also(c)) for c in script.commands
    )


def offline_later(df: Dockerfile, run: Instruction, manager: str) -> bool:
    """Whether a later RUN (in the stage or one built FROM it) installs with --offline, from the cache alone."""
    return any(i.has_option("--offline") for i in find(df, {manager}, only=later_runs(df, run)))


def wrapper_prefix(df: Dockerfile, invocation: Invocation) -> str:
    """The wrappers an invocation runs behind, as written: "sudo -u node " for `sudo -u node npm ci`."""
    name = invocation.command.name
    script = script_of(df, invocation.run)
    if name is None or script is None or name.start >= invocation.program.start:
        return ""
    prefix = script.text[name.start : invocation.program.start]
    return prefix if "\n" not in prefix and "\\" not in prefix else ""


_NODE_TOOL = re.compile(r"node|npm|nvm|yarn|corepack", re.IGNORECASE)
_CONTINUED_LINE = r"[ \t]*(&&)?[ \t]*{escape}[ \t]*\r?\n"


def clean_edit(df: Dockerfile, run: Instruction, last: Invocation, command: str) -> Edit | None:
    """The edit that runs ``command`` (a cache clean) once the RUN's last install is done.

    At the end of the RUN, as a rule. When something after the install may remove the
    package manager itself (`apk del .build-deps`, `apt-get purge nodejs`, ...), a clean at
    the end would fail the build, so it goes right after the install instead.
    """
    if not _may_remove_tool(df, run, last):
        return append_command(df, run, command)
    script = editable_script(df, run)
    if script is None or any(
        c in last.command.context for c in ("pipeline", "command_substitution", "process_substitution")
    ):
        return None
    rest = script.text[last.command.end :].lstrip(" \t")
    if rest and not (rest.startswith(("&&", "\n", ")", "}")) or (rest.startswith(";") and not rest.startswith(";;"))):
        return None  # a redirection, `||`, `|` or `&` follows: it would apply to the clean
    at = last.command.span.end
    line_end = df.text.find("\n", at)
    continued = re.match(_CONTINUED_LINE.format(escape=re.escape(df.escape)), df.text[at : line_end + 1])
    if continued is None:
        return Edit.insert(at, f" && {command}")
    style = Style(leading=continued.group(1) is None, indent=style_of(df).indent)
    return Edit.insert(at, style.joint(df.escape, df.newline_at(at)) + command)


def _may_remove_tool(df: Dockerfile, run: Instruction, last: Invocation) -> bool:
    """Whether a command after ``last`` may uninstall npm, node or yarn."""
    script = script_of(df, run)
    if script is None:
        return False
    removals = {
        i.command.start
        for i in invocations(df, run)
        if i.subcommand in REMOVALS.get(i.manager, ())
        and (i.manager != "npm" or any(_NODE_TOOL.search(w.text) for w in i.operands))
    }
    for command in script.commands:
        if command.start <= last.command.start:
            continue
        if command.start in removals:
            return True
        if command.program == "rm" and any(
            _NODE_TOOL.search(w.text) and w.text.lstrip("\"'").startswith(("/", "~", "$")) for w in command.operands
        ):
            return True
    return False
