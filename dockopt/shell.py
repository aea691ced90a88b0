"""The shell inside RUN: commands in order, their words, and how they are joined.

BuildKit hands a shell-form RUN to ``/bin/sh -c`` as one string: the logical line after the
flags, with continuations and comment lines already removed. ``script_of`` builds exactly
that string (heredoc RUNs included, the way BuildKit assembles them), parses it with
tree-sitter-bash, and maps every word back to file offsets, so that a transform can edit a
single flag in the middle of a ten-line RUN without touching anything else.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache

from ._buildkit_lex import LexError, parse_heredoc_word
from .images import is_windows, resolved_reference
from .syntax import Dockerfile, Instruction, OffsetMap, Span, Stage

DEFAULT_SHELL = ("/bin/sh", "-c")
WINDOWS_SHELL = ("cmd", "/S", "/C")
POSIX_SHELLS = frozenset({"sh", "bash", "dash", "ash", "ksh", "mksh", "zsh", "yash", "posh", "busybox"})

# Constructs whose commands run in a child shell: their cd/export/... do not persist.
ISOLATING = frozenset({"subshell", "pipeline", "command_substitution", "process_substitution"})

# Builtins that change the state of the shell they run in.
STATE_BUILTINS = frozenset(
    {
        "cd",
        "pushd",
        "popd",
        "export",
        "set",
        "source",
        ".",
        "umask",
        "ulimit",
        "alias",
        "unalias",
        "trap",
        "unset",
        "exec",
        "exit",
        "return",
        "shopt",
        "declare",
        "typeset",
        "local",
        "readonly",
        "eval",
        "enable",
        "hash",
        "read",
        "mapfile",
        "readarray",
        "let",
        "getopts",
        "shift",
        "builtin",
        "command",
    }
)

_SEPARATORS = frozenset({"&&", "||", ";", "&", "|", "|&", ";;", "\n"})


class Word:
    """One word of a command, as written; ``value`` is its literal value, None if it expands.

    ``start`` and ``end`` are offsets in the script; ``span`` is where the word is in the
    file. The value and the span are worked out when first asked for: most words of most
    scripts are never looked at.
    """

    __slots__ = ("_offsets", "_source", "_value", "end", "start", "text")

    def __init__(
        self, text: str, start: int, end: int, offsets: OffsetMap, source=None, value: str | None = None
    ) -> None:
        self.text = text
        self.start = start
        self.end = end
        self._offsets = offsets
        self._source = source  # (walker, node) to work the value out from, or None when given
        self._value = value

    @property
    def value(self) -> str | None:
        if self._source is not None:
            walker, node = self._source
            self._value = _literal(walker, node)
            self._source = None
        return self._value

    @property
    def span(self) -> Span:
        return self._offsets.span(self.start, self.end)

    def __repr__(self) -> str:
        return f"Word({self.text!r})"


@dataclass(frozen=True, slots=True)
class Command:
    """One command of a script.

    ``joiner`` is the operator that joins it to what ran before it at its own level
    ("" for the first, "&&", "||", ";", "&", "|", "\\n"); ``context`` names the constructs
    it sits in, outermost first ("subshell", "pipeline", "if", "for", "while", "case",
    "brace", "function", "command_substitution", ...).
    """

    name: Word | None
    args: tuple[Word, ...]
    assignments: tuple[Word, ...]
    kind: str  # "simple", "declaration", "unset", "assignment", "test"
    joiner: str
    context: tuple[str, ...]
    start: int
    end: int
    program: str | None  # the name without its directory: "/usr/bin/apt-get" -> "apt-get"
    _offsets: OffsetMap
    pipeline: int | None = None  # shared by the members of one pipeline (see ``pipeline_of``)

    @property
    def span(self) -> Span:
        return self._offsets.span(self.start, self.end)

    @property
    def isolated(self) -> bool:
        """Runs in a child shell, so its changes to shell state do not persist."""
        return any(c in ISOLATING for c in self.context)

    @property
    def flags(self) -> tuple[Word, ...]:
        return tuple(w for w in self.args if w.value is not None and w.value.startswith("-") and w.value != "-")

    @property
    def operands(self) -> tuple[Word, ...]:
        return tuple(w for w in self.args if not (w.value is not None and w.value.startswith("-") and w.value != "-"))

    def values(self) -> list[str | None]:
        return [w.value for w in self.args]


@dataclass(frozen=True, slots=True, eq=False)
class Script:
    """A shell script and where each of its characters lives in the file."""

    text: str
    offsets: OffsetMap
    commands: tuple[Command, ...]
    separators: tuple[str, ...]  # operators joining the top-level items, in order
    comments: tuple[tuple[int, int], ...]
    has_error: bool
    loop_variables: tuple[str, ...]
    functions: tuple[str, ...]
    redirects: tuple[Word, ...] = ()  # the files redirections read or write, in order

    def span(self, start: int, end: int) -> Span:
        """File span of the script's ``[start, end)``."""
        return self.offsets.span(start, end)

    @property
    def ends_with_semicolon(self) -> bool:
        """Whether the script ends with a `;` that separates commands (not `\\;`, not `;;`)."""
        text = self.text.rstrip()
        if not text.endswith(";") or text.endswith(";;"):
            return False
        backslashes = len(text[:-1]) - len(text[:-1].rstrip("\\"))
        return backslashes % 2 == 0

    @property
    def code_end(self) -> int:
        """Script offset just after the last command: trailing blanks and `;` left out."""
        end = len(self.text.rstrip())
        if self.ends_with_semicolon:
            end = len(self.text[: end - 1].rstrip())
        return end


# --------------------------------------------------------------------------- building scripts


def script_of(df: Dockerfile, instruction: Instruction) -> Script | None:
    """The shell script of a shell-form RUN (or ONBUILD RUN); None for exec form or shebang heredocs."""
    return df.memo(_build, instruction)


def _build(df: Dockerfile, instruction: Instruction) -> Script | None:
    target = instruction.sub if instruction.command == "ONBUILD" else instruction
    if target is None or target.command != "RUN" or target.json or not target.args:
        return None
    pieces: list[tuple[str, int]] = []
    heredocs = instruction.heredocs
    if heredocs:
        try:
            whole = parse_heredoc_word(target.args)
        except LexError:
            whole = None
        if whole is not None:
            doc = heredocs[0]
            if doc.body.startswith("#!"):
                return None  # the body runs as its own program, not through the shell
            _add_body(pieces, doc.body, doc.body_span.start, chomp=doc.chomp)
        else:
            _add_logical(pieces, target)
            for doc in heredocs:
                pieces.append(("\n", -1))
                _add_body(pieces, doc.body, doc.body_span.start, chomp=False)
                pieces.append((doc.name, doc.name_start))
    else:
        _add_logical(pieces, target)
    return parse_script(pieces)


def _add_logical(pieces: list[tuple[str, int]], target: Instruction) -> None:
    offsets = target.offsets
    for logical_start, file_start, length in offsets.pieces:
        lo = max(logical_start, target.args_start)
        hi = min(logical_start + length, target.args_end)
        if lo < hi:
            pieces.append((target.logical[lo:hi], file_start + (lo - logical_start)))


def _add_body(pieces: list[tuple[str, int]], body: str, file_start: int, *, chomp: bool) -> None:
    if not chomp:
        pieces.append((body, file_start))
        return
    pos = 0
    for line in body.split("\n"):
        line += "\n" if pos + len(line) < len(body) else ""
        tabs = len(line) - len(line.lstrip("\t"))
        if line[tabs:]:
            pieces.append((line[tabs:], file_start + pos + tabs))
        pos += len(line)


def parse_script(pieces: list[tuple[str, int]]) -> Script:
    """Parse a script made of (text, file offset or -1) pieces."""
    map_pieces = []
    texts = []
    length = 0
    for text, file_start in pieces:
        if not text:
            continue
        map_pieces.append((length, file_start, len(text)))
        texts.append(text)
        length += len(text)
    text = "".join(texts)
    offsets = OffsetMap.of(map_pieces)
    return _analyse(text, offsets)


def script_from_text(text: str) -> Script:
    """A script that is not in a file (offsets are the script's own)."""
    return parse_script([(text, 0)])


def readable(text: str) -> bool:
    """Whether the shell parser reads ``text`` without an error (``Script.has_error`` of its
    script), without walking what it read."""
    return not _parser().parse(text.encode("utf-8")).root_node.has_error


# --------------------------------------------------------------------------- analysis


@lru_cache(maxsize=1)
def _parser():
    import tree_sitter
    import tree_sitter_bash

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))


class _Walker:
    def __init__(self, text: str, offsets: OffsetMap) -> None:
        self.text = text
        self.offsets = offsets
        data = text.encode("utf-8")
        self.data = data
        self.char_of = None if len(data) == len(text) else _byte_to_char(text)
        self.commands: list[Command] = []
        self.comments: list[tuple[int, int]] = []
        self.loop_variables: list[str] = []
        self.functions: list[str] = []
        self.redirects: list[Word] = []
        self.pending = ""
        self.pipelines = 0
        self.pipeline: tuple[int, tuple[str, ...]] | None = None  # the pipeline being walked, its members' context

    def pos(self, byte: int) -> int:
        return byte if self.char_of is None else self.char_of[byte]

    def node_text(self, node) -> str:
        return self.data[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def word(self, node) -> Word:
        start, end = self.pos(node.start_byte), self.pos(node.end_byte)
        return Word(self.text[start:end], start, end, self.offsets, (self, node))

    def take_joiner(self) -> str:
        joiner, self.pending = self.pending, ""
        return joiner

    # statements: sequences of items separated by ; & newline
    def sequence(self, children, context: tuple[str, ...]) -> list[str]:
        separators: list[str] = []
        previous_end = None
        for child in children:
            kind = child.type
            if not child.is_named:
                if kind in (";", "&", ";;", "|&"):
                    self.pending = kind
                    separators.append(kind)
                    previous_end = None
                continue
            if kind == "comment":
                self.comments.append((self.pos(child.start_byte), self.pos(child.end_byte)))
                continue
            if previous_end is not None and not self.pending:
                self.pending = "\n"
                separators.append("\n")
            separators.extend(self.statement(child, context))
            previous_end = child.end_byte
        return separators

    def statement(self, node, context: tuple[str, ...]) -> list[str]:
        """Walk one statement; returns the operators joining its top-level parts."""
        kind = node.type
        if kind in ("list", "pipeline"):
            return self.and_or(node, context)
        if kind == "command":
            self.command(node, context)
            return []
        if kind in ("declaration_command", "unset_command"):
            self.declaration(node, context)
            return []
        if kind in ("variable_assignment", "variable_assignments"):
            assignments = (node,) if kind == "variable_assignment" else tuple(c for c in node.children if c.is_named)
            self.emit(None, (), tuple(self.word(a) for a in assignments), "assignment", node, context)
            return []
        if kind == "test_command":
            self.emit(None, tuple(self.word(c) for c in node.children if c.is_named), (), "test", node, context)
            self.nested(node, context)
            return []
        if kind == "negated_command":
            for child in node.children:
                if child.is_named:
                    return self.statement(child, context)
            return []
        if kind == "redirected_statement":
            body = node.child_by_field_name("body")
            ops = self.statement(body, context) if body is not None else []
            for child in node.children:
                if child is not body and child.is_named:
                    self.redirect(child)
                    self.nested(child, context)
            return ops
        if kind == "subshell":
            self.sequence(node.children, context + ("subshell",))
            return []
        if kind == "compound_statement":
            self.sequence(node.children, context + ("brace",))
            return []
        if kind in ("for_statement", "c_style_for_statement", "select_statement"):
            variable = node.child_by_field_name("variable")
            if variable is not None:
                self.loop_variables.append(self.node_text(variable))
            for child in node.children:
                if child.type == "do_group":
                    self.sequence(child.children, context + ("for",))
                elif child.is_named and child is not variable:
                    self.nested(child, context + ("for",))
            return []
        if kind in ("while_statement", "until_statement"):
            for child in node.children:
                if child.type == "do_group":
                    self.sequence(child.children, context + ("while",))
                elif child.is_named:
                    self.statement(child, context + ("while",))
            return []
        if kind == "if_statement":
            self.sequence(node.children, context + ("if",))
            return []
        if kind in ("elif_clause", "else_clause"):
            self.sequence(node.children, context)
            return []
        if kind == "case_statement":
            for child in node.children:
                if child.type == "case_item":
                    self.sequence(child.children, context + ("case",))
                elif child.is_named:
                    self.nested(child, context + ("case",))
            return []
        if kind == "function_definition":
            name = node.child_by_field_name("name")
            if name is not None:
                self.functions.append(self.node_text(name))
            for child in node.children:
                if child.is_named and child is not name:
                    self.statement(child, context + ("function",))
            return []
        if kind == "comment":
            self.comments.append((self.pos(node.start_byte), self.pos(node.end_byte)))
            return []
        # words, expansions, heredoc bodies, ...: look for commands inside
        self.nested(node, context)
        return []

    def and_or(self, node, context: tuple[str, ...]) -> list[str]:
        """Walk an and-or list of pipelines with the shell's precedence.

        tree-sitter-bash sometimes nests these wrongly: ``a | b | c && d`` comes as
        ``a | (b | c && d)``, and ``a && b < f | c`` as ``(a && b) < f | c``. So the list is
        flattened into commands and operators and regrouped: ``|`` binds tighter than
        ``&&``/``||``, and only commands in a pipeline of two or more run in a child shell.
        """
        items: list[tuple[str, object]] = []
        redirects: list = []
        self.flatten(node, items, redirects)
        groups: list[list] = [[]]
        ops: list[str] = []
        for kind, value in items:
            if kind == "op" and isinstance(value, str) and value in ("&&", "||"):
                groups.append([])
                ops.append(value)
            elif kind == "cmd":
                groups[-1].append(value)
        saved = self.pipeline
        for index, group in enumerate(groups):
            inner = context + ("pipeline",) if len(group) > 1 else context
            if len(group) > 1:
                self.pipelines += 1
                self.pipeline = (self.pipelines, inner)
            for position, command in enumerate(group):
                if position:
                    self.pending = "|"
                elif index:
                    self.pending = ops[index - 1]
                self.statement(command, inner)
            self.pipeline = saved
        for redirect in redirects:
            self.redirect(redirect)
            self.nested(redirect, context)
        return ops

    def flatten(self, node, items: list, redirects: list) -> None:
        kind = node.type
        body = node.child_by_field_name("body") if kind == "redirected_statement" else None
        if kind in ("list", "pipeline") or (body is not None and body.type in ("list", "pipeline")):
            for child in node.children if body is None else [body]:
                if child.is_named:
                    if child.type == "comment":
                        self.comments.append((self.pos(child.start_byte), self.pos(child.end_byte)))
                    else:
                        self.flatten(child, items, redirects)
                elif child.type in ("&&", "||"):
                    items.append(("op", child.type))
                elif child.type in ("|", "|&"):
                    items.append(("op", "|"))
            if body is not None:
                redirects.extend(c for c in node.children if c is not body and c.is_named)
            return
        items.append(("cmd", node))

    def redirect(self, node) -> None:
        """Note the file a redirection reads or writes (`> /etc/x`, `< input`)."""
        if node.type != "file_redirect" or any(c.type in (">&", "<&", ">&-", "<&-") for c in node.children):
            return  # not a file: `2>&1` duplicates a descriptor
        target = node.child_by_field_name("destination")
        if target is None:
            named = [c for c in node.children if c.is_named and c.type != "file_descriptor"]
            target = named[-1] if named else None
        if target is not None:
            self.redirects.append(self.word(target))

    def nested(self, node, context: tuple[str, ...]) -> None:
        """Find commands inside words (command substitutions) and other leaves."""
        for child in node.children:
            kind = child.type
            if kind in ("command_substitution", "process_substitution"):
                saved = self.pending
                self.pending = ""
                self.sequence(child.children, context + (kind,))
                self.pending = saved
            elif kind == "comment":
                self.comments.append((self.pos(child.start_byte), self.pos(child.end_byte)))
            elif child.child_count:
                self.nested(child, context)

    def command(self, node, context: tuple[str, ...]) -> None:
        name = None
        args: list[Word] = []
        assignments: list[Word] = []
        for child in node.children:
            kind = child.type
            if kind == "command_name":
                name = self.word(child)
            elif kind == "variable_assignment":
                assignments.append(self.word(child))
            elif kind in ("file_redirect", "herestring_redirect", "heredoc_redirect"):
                self.redirect(child)
            elif child.is_named:
                args.append(self.word(child))
        self.emit(name, tuple(args), tuple(assignments), "simple", node, context)
        self.nested(node, context)

    def declaration(self, node, context: tuple[str, ...]) -> None:
        keyword = node.children[0]
        start, end = self.pos(keyword.start_byte), self.pos(keyword.end_byte)
        name = Word(self.text[start:end], start, end, self.offsets, value=self.text[start:end])
        args = tuple(self.word(c) for c in node.children[1:] if c.is_named)
        kind = "unset" if node.type == "unset_command" else "declaration"
        self.emit(name, args, (), kind, node, context)
        self.nested(node, context)

    def emit(self, name, args, assignments, kind, node, context) -> None:
        start, end = self.pos(node.start_byte), self.pos(node.end_byte)
        value = name.value if name is not None else None
        program = posixpath.basename(value) if value is not None else None
        # a member of the pipeline itself, not a command nested in one of its members
        pipeline = self.pipeline[0] if self.pipeline is not None and self.pipeline[1] == context else None
        self.commands.append(
            Command(
                name, args, assignments, kind, self.take_joiner(), context, start, end, program, self.offsets, pipeline
            )
        )


def _byte_to_char(text: str) -> list[int]:
    table = []
    for index, ch in enumerate(text):
        table.extend([index] * len(ch.encode("utf-8")))
    table.append(len(text))
    return table


_ESCAPED = re.compile(r"\\(.)", re.S)
_DQ_ESCAPED = re.compile(r'\\([$`"\\\n])')


def _literal(walker: _Walker, node) -> str | None:
    """The literal value of a word, or None when it depends on an expansion."""
    kind = node.type
    text = walker.node_text(node)
    if kind in ("word", "command_name", "number"):
        if kind == "command_name":
            inner = [c for c in node.children if c.is_named]
            if len(inner) == 1:
                return _literal(walker, inner[0])
        if any(c.type in ("simple_expansion", "expansion", "command_substitution") for c in node.children):
            return None
        return _ESCAPED.sub(r"\1", text.replace("\\\n", ""))
    if kind == "raw_string":
        return text[1:-1]
    if kind == "string":
        if any(
            c.type in ("simple_expansion", "expansion", "command_substitution", "arithmetic_expansion")
            for c in node.children
        ):
            return None
        return _DQ_ESCAPED.sub(r"\1", text[1:-1])
    if kind == "concatenation":
        parts = []
        for child in node.children:
            value = _literal(walker, child)
            if value is None:
                return None
            parts.append(value)
        return "".join(parts)
    if kind == "variable_assignment":
        return text
    return None


def _analyse(text: str, offsets: OffsetMap) -> Script:
    tree = _parser().parse(text.encode("utf-8"))
    root = tree.root_node
    walker = _Walker(text, offsets)
    separators = walker.sequence(root.children, ())
    return Script(
        text,
        offsets,
        tuple(walker.commands),
        tuple(separators),
        tuple(walker.comments),
        root.has_error,
        tuple(walker.loop_variables),
        tuple(walker.functions),
        tuple(walker.redirects),
    )


# --------------------------------------------------------------------------- shell facts


def pipeline_of(script: Script, command: Command) -> tuple[Command, ...]:
    """The simple commands of the pipeline ``command`` is a member of, in order (itself alone
    when it is in none). A member that is a compound command (`(...)`, `{ ...; }`) has no
    command here; commands nested in a member (in `$(...)`) are not members."""
    if command.pipeline is None:
        return (command,)
    return tuple(c for c in script.commands if c.pipeline == command.pipeline)


@dataclass(frozen=True, slots=True)
class Effect:
    """A change a script makes to its own shell: ``kind`` is a builtin ("cd", "export", ...)
    or "assignment", "loop variable", "function", with the ``name`` it binds."""

    kind: str
    name: str | None = None

    @property
    def binds_name(self) -> bool:
        """Only visible to later commands that use the name (not exported, not a directory)."""
        return self.name is not None

    def __str__(self) -> str:
        return f"{self.kind} {self.name}" if self.name else self.kind


def persistent_effects(script: Script) -> list[Effect]:
    """What the script does to its shell that a command run after it would see.

    ``cd``, ``export``, ``set``, assignments, functions, loop variables, ``exec``, ... in
    the main shell (not in a subshell, pipeline or command substitution).
    """
    effects = []
    for command in script.commands:
        if command.isolated:
            continue
        if command.kind == "assignment":
            effects.append(Effect("assignment", command.assignments[0].text.split("=", 1)[0]))
        elif command.program in STATE_BUILTINS:
            effects.append(Effect(command.program))
    effects += [Effect("loop variable", name) for name in script.loop_variables]
    effects += [Effect("function", name) for name in script.functions]
    return effects


def effective_shell(df: Dockerfile, instruction: Instruction) -> tuple[str, ...]:
    """The shell a RUN in shell form runs with: the last SHELL before it, inherited across FROM <stage>."""
    stage = df.stage_of(instruction)
    if stage is None:
        return DEFAULT_SHELL
    return _shell_before(df, stage, instruction)


def shell_at(df: Dockerfile, stage: Stage, until: Instruction | None = None) -> tuple[str, ...]:
    """The shell a RUN in shell form would run with right before ``until`` (the end of the stage when None)."""
    return _shell_before(df, stage, until)


def _shell_before(df: Dockerfile, stage: Stage, until: Instruction | None) -> tuple[str, ...]:
    shell = _stage_default_shell(df, stage)
    for instruction in stage.instructions:
        if instruction is until:
            break
        if instruction.command == "SHELL" and instruction.json_args:
            shell = tuple(instruction.json_args)
    return shell


def _stage_default_shell(df: Dockerfile, stage: Stage) -> tuple[str, ...]:
    if stage.parent is not None:
        return _shell_before(df, df.stages[stage.parent], None)
    return df.memo(_image_shell, stage.index)


def _image_shell(df: Dockerfile, index: int) -> tuple[str, ...]:
    """The shell RUN uses in a stage FROM an image: Windows images run cmd."""
    return WINDOWS_SHELL if is_windows(resolved_reference(df, df.stages[index])) else DEFAULT_SHELL


def is_posix_shell(shell: tuple[str, ...]) -> bool:
    """Whether a SHELL runs a POSIX-like shell (also through ``/usr/bin/env sh``)."""
    words = [posixpath.basename(word.replace("\\", "/")).lower() for word in shell[:2]]
    if words and words[0] == "env":
        words = words[1:]
    return bool(words) and words[0] in POSIX_SHELLS
