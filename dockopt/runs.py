"""Editing the shell of RUN instructions: append a command, remove one, add an option.

Shared by the transforms that change what a RUN runs. Each helper returns the edits, or
None when it cannot edit safely: exec form, a heredoc, a shell that is not POSIX-like or
that tree-sitter-bash cannot parse, a shell comment that would swallow appended text, a
background `&`. New continuation lines follow the file's own style (leading or trailing
`&&`, indentation, escape character, line endings).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .fix import Edit
from .shell import Command, Script, effective_shell, is_posix_shell, script_of
from .syntax import Dockerfile, Instruction

MAX_INLINE_WIDTH = 100  # a one-line RUN stays one line when the result is no wider than this


@dataclass(frozen=True)
class Style:
    """How this file continues RUN lines."""

    leading: bool  # `\` then a new line `    && next`; else `cmd && \` then `    next`
    indent: str

    def joint(self, escape: str, newline: str, kept: str = "") -> str:
        """The text that joins a command to the end of the previous one on a new line.

        ``kept`` are whole comment lines (each ending in ``newline``) to keep in between.
        """
        if self.leading:
            return f" {escape}{newline}{kept}{self.indent}&& "
        return f" && {escape}{newline}{kept}{self.indent}"


def style_of(df: Dockerfile) -> Style:
    """The continuation style most RUNs of the file use (default: leading `&&`, 4 spaces)."""
    return df.memo(_style_of)


def _style_of(df: Dockerfile) -> Style:
    leading = trailing = 0
    operator_indents: Counter[str] = Counter()
    indents: Counter[str] = Counter()
    escape = df.escape
    for instruction in df.instructions:
        if (instruction.sub or instruction).command != "RUN":
            continue
        code = [line for line in instruction.lines if line.kind == "code"]
        for index, line in enumerate(code):
            text = df.slice(line.span).rstrip("\r\n")
            stripped = text.lstrip(" \t")
            if index > 0 and stripped:
                indent = text[: len(text) - len(stripped)]
                indents[indent] += 1
                if stripped.startswith(("&&", "||")):
                    leading += 1
                    operator_indents[indent] += 1
            body = text.rstrip(" \t")
            if body.endswith(escape) and body[:-1].rstrip().endswith(("&&", "||")):
                trailing += 1
    use_leading = leading >= trailing
    counts = operator_indents if use_leading and operator_indents else indents
    indent = counts.most_common(1)[0][0] if counts else ""
    return Style(use_leading, indent or "    ")


def editable_script(df: Dockerfile, run: Instruction) -> Script | None:
    """The script of a RUN (or ONBUILD RUN) that these helpers may edit, or None."""
    target = run.sub if run.command == "ONBUILD" else run
    if target is None or target.command != "RUN" or target.json or run.heredocs:
        return None
    if not is_posix_shell(effective_shell(df, run)):
        return None
    script = script_of(df, run)
    if script is None or script.has_error or not script.commands:
        return None
    return script


def append_command(df: Dockerfile, run: Instruction, command: str) -> Edit | None:
    """Run ``command`` after everything else in the RUN succeeded: `... && command`.

    None when the RUN ends by leaving the shell (`...; exit $code`, `exec program`): the
    command would never run.
    """
    script = editable_script(df, run)
    if script is None or script.comments or "&" in script.separators or _leaves_shell(script):
        return None
    end = script.offsets.to_file_end(script.code_end)
    end_with_semicolon = script.offsets.to_file_end(len(script.text.rstrip()))
    code_lines = [line for line in run.lines if line.kind == "code"]
    line_start = df.line_start(end)
    inline = f" && {command}"
    if len(code_lines) == 1 and (end - line_start) + len(inline) <= MAX_INLINE_WIDTH:
        return Edit(end, end_with_semicolon, inline)
    joint = style_of(df).joint(df.escape, df.newline_at(end))
    return Edit(end, end_with_semicolon, joint + command)


def _leaves_shell(script: Script) -> bool:
    """Whether the script's last command is an `exit`, or an `exec` of a program, that always runs
    when the script gets there (not after `||`, not inside an `if` or a pipeline)."""
    last = script.commands[-1]
    if last.context or last.joiner == "||":
        return False
    return last.program == "exit" or (last.program == "exec" and bool(last.args))


def prepend_command(df: Dockerfile, run: Instruction, command: str) -> list[Edit] | None:
    """Run ``command`` first, and the RUN's script only if it succeeded: `command && ...`.

    A script that is a list of its own (`a; b`, `a || b`) is grouped, `command && { a; b; }`.
    """
    script = editable_script(df, run)
    if script is None or "&" in script.separators:
        return None
    start = script.offsets.to_file(0)
    separators = list(script.separators)
    if separators and separators[-1] == ";" and script.ends_with_semicolon:
        separators.pop()
    if not any(sep in (";", "\n", "||") for sep in separators):
        return [Edit.insert(start, f"{command} && ")]
    if script.comments:
        return None
    end = script.offsets.to_file_end(script.code_end)
    return [
        Edit.insert(start, f"{command} && {{ "),
        Edit(end, script.offsets.to_file_end(len(script.text.rstrip())), "; }"),
    ]


def remove_command(df: Dockerfile, run: Instruction, command: Command) -> Edit | None:
    """Take a command out of a RUN where it is joined to its neighbours by `&&`.

    A RUN that runs nothing else is removed whole. Returns None when the command sits
    anywhere else (in a pipeline, an `if`, after `;` or `||`) or when comment lines would go
    with it.
    """
    script = editable_script(df, run)
    if script is None or command.context or command not in script.commands:
        return None
    commands = script.commands
    if len(commands) == 1 and not script.separators:
        if any(line.kind == "comment" for line in run.lines):
            return None
        return Edit.delete(run.span.start, run.span.end)
    index = commands.index(command)
    text = script.text
    before = commands[index - 1] if index > 0 else None
    after = commands[index + 1] if index + 1 < len(commands) else None
    if (
        before is not None
        and not before.context
        and text[before.end : command.start].strip() == "&&"
        and (after is None or after.joiner == "&&")
    ):
        start, end = script.offsets.to_file_end(before.end), script.offsets.to_file_end(command.end)
    elif before is None and after is not None and not after.context and text[command.end : after.start].strip() == "&&":
        # up to the `&&` and the blanks after it: a continuation or comment line that
        # follows stays, and the next command starts the RUN from where it is
        operator = command.end + text[command.end : after.start].index("&&")
        start, end = script.offsets.to_file(command.start), script.offsets.to_file_end(operator + 2)
        while end < len(df.text) and df.text[end] in " \t":
            end += 1
    else:
        return None
    if any(line.kind == "comment" and start <= line.span.start < end for line in run.lines):
        return None
    return Edit.delete(start, end)
