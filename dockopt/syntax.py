"""The lossless Dockerfile tree.

``parse(text)`` splits a Dockerfile into top-level nodes (directives, comment lines, blank
lines, instructions) whose spans cover the text exactly, so ``str(tree) == text`` for every
input the parser accepts. Instructions are read the way BuildKit reads them
(``frontend/dockerfile/parser``): the same line continuations, comment and empty lines inside
continuations, flags, JSON (exec) form, heredocs and errors. On top of that each instruction
keeps its *logical line* (what BuildKit joins) with an offset map back to the file, so that
transforms can point at and edit any piece of it without reprinting anything else.

Offsets are indices into the decoded ``str`` (not bytes). A UTF-8 byte-order mark stays in
the text as ``\\ufeff`` and is skipped by the parser, as BuildKit skips it.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from ._buildkit_lex import GO_SPACE, LexError, heredocs_from_line, parse_words

T = TypeVar("T")

BOM = "\ufeff"
# bufio.Scanner's default limit: BuildKit refuses longer physical lines.
MAX_LINE_BYTES = 64 * 1024

HEREDOC_COMMANDS = frozenset({"RUN", "COPY", "ADD"})
MAYBE_JSON = frozenset({"RUN", "CMD", "ENTRYPOINT", "SHELL"})
MAYBE_JSON_LIST = frozenset({"ADD", "COPY", "VOLUME"})
KNOWN_COMMANDS = frozenset(
    {
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    }
)
VALID_DIRECTIVES = frozenset({"syntax", "escape", "check"})

_DIRECTIVE = re.compile(r"([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*\Z", re.ASCII)
_ASCII_WS = frozenset("\t\v\f\r ")


class DockerfileSyntaxError(ValueError):
    """BuildKit would refuse this file; ``line`` is 1-based."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int

    def __len__(self) -> int:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class OffsetMap:
    """Maps positions of a logical text (made of pieces of the file) back to file offsets.

    ``pieces`` are ``(logical_start, file_start, length)``, in order; a piece with
    ``file_start == -1`` is synthetic text that is not in the file (it maps to the start of
    the next real piece).
    """

    pieces: tuple[tuple[int, int, int], ...]
    _starts: tuple[int, ...] = field(repr=False, compare=False, default=())

    @staticmethod
    def of(pieces: list[tuple[int, int, int]]) -> OffsetMap:
        return OffsetMap(tuple(pieces), tuple(p[0] for p in pieces))

    def to_file(self, index: int) -> int:
        """File offset of the logical character at ``index`` (or just past the end)."""
        if not self.pieces:
            return 0
        i = max(bisect.bisect_right(self._starts, index) - 1, 0)
        logical_start, file_start, length = self.pieces[i]
        if file_start >= 0 and index < logical_start + length:
            return file_start + (index - logical_start)
        # synthetic text, or past the end: where the next real piece starts, else the end
        for later in self.pieces[i + 1 :]:
            if later[1] >= 0:
                return later[1]
        for _, earlier_start, earlier_length in reversed(self.pieces[: i + 1]):
            if earlier_start >= 0:
                return earlier_start + earlier_length
        return 0

    def to_file_end(self, index: int) -> int:
        """File offset just after the logical character at ``index - 1``."""
        if index <= 0:
            return self.to_file(0)
        i = bisect.bisect_right(self._starts, index - 1) - 1
        logical_start, file_start, _length = self.pieces[max(i, 0)]
        if file_start < 0:
            return self.to_file(index)
        return file_start + (index - logical_start)

    def span(self, start: int, end: int) -> Span:
        """File span covering logical ``[start, end)``."""
        if end <= start:
            offset = self.to_file(start)
            return Span(offset, offset)
        return Span(self.to_file(start), self.to_file_end(end))


@dataclass(frozen=True, slots=True)
class Line:
    """A physical line of an instruction. ``kind``: code, comment, blank, heredoc, terminator."""

    kind: str
    span: Span  # the whole line, newline included


@dataclass(frozen=True, slots=True)
class Flag:
    """A builder flag such as ``--mount=type=cache,target=/root/.cache``."""

    name: str  # without the dashes: "mount"
    value: str | None  # after "=", quotes removed as BuildKit removes them; None without "="
    text: str  # as BuildKit reports it: "--mount=type=cache,..."
    span: Span


@dataclass(frozen=True, slots=True)
class Heredoc:
    name: str
    chomp: bool  # <<-
    expand: bool  # unquoted name: variables in the body are expanded
    fd: int
    body: str  # as BuildKit reads it, newlines included, tabs not yet chomped
    body_span: Span
    terminator_span: Span  # the terminator line, newline included
    name_start: int  # where the name starts on the terminator line (after chomped tabs)


@dataclass(frozen=True, slots=True)
class Directive:
    name: str  # lowercase
    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class Comment:
    text: str  # the line without its newline
    span: Span


@dataclass(frozen=True, slots=True)
class Blank:
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Instruction:
    """One instruction, from its keyword to its last continuation or heredoc line.

    ``logical`` is the line BuildKit parses (continuations and comment lines removed);
    ``offsets`` maps it back to the file. ``args`` is what follows the flags, trimmed, and
    ``args_start``/``args_end`` are its bounds in ``logical``.
    """

    span: Span
    keyword: str
    keyword_span: Span
    flags: tuple[Flag, ...]
    args: str
    args_start: int
    args_end: int
    json: bool
    json_args: tuple[str, ...] | None
    heredocs: tuple[Heredoc, ...]
    logical: str
    offsets: OffsetMap
    lines: tuple[Line, ...]
    start_line: int
    end_line: int
    sub: Instruction | None = None  # the instruction an ONBUILD carries
    command: str = ""  # the keyword in upper case: "RUN", "FROM", ...
    continues: bool = False  # its last line ends with the escape character (at the end of the file): a line added after it would join it
    escape: str = "\\"  # the file's escape character (`# escape=`), for the words of ENV, ARG and LABEL

    def __post_init__(self) -> None:
        object.__setattr__(self, "command", self.keyword.upper())

    @property
    def args_span(self) -> Span:
        return self.offsets.span(self.args_start, self.args_end)

    @property
    def code_end(self) -> int:
        """File offset just after the last character of the logical line."""
        return self.offsets.to_file_end(len(self.logical.rstrip()))

    def flag(self, name: str) -> Flag | None:
        for flag in self.flags:
            if flag.name == name:
                return flag
        return None

    def flag_values(self, name: str) -> list[str]:
        return [f.value or "" for f in self.flags if f.name == name]

    @property
    def is_shell_form(self) -> bool:
        return not self.json

    def mounts(self) -> list[dict[str, str]]:
        """The --mount flags as key/value dicts (``type`` defaults to "bind", as in BuildKit).

        For ONBUILD RUN, those of the RUN it carries.
        """
        if self.sub is not None:
            return self.sub.mounts()
        found = []
        for value in self.flag_values("mount"):
            fields = {"type": "bind"}
            for part in value.split(","):
                key, eq, val = part.partition("=")
                fields[key.strip().lower()] = val.strip() if eq else "true"
            if "dst" in fields or "destination" in fields:
                fields.setdefault("target", fields.get("dst") or fields.get("destination", ""))
            found.append(fields)
        return found

    def caches(self, path: str) -> bool:
        """Whether a cache or tmpfs mount covers ``path`` (its target is the path or above it).

        ``path`` may also be a home-relative tail such as ".cache/pip", matched anywhere.
        """
        for mount in self.mounts():
            if mount["type"] not in ("cache", "tmpfs"):
                continue
            target = mount.get("target", "").rstrip("/")
            if not target:
                continue
            if path.startswith("/"):
                if path == target or path.startswith(target + "/"):
                    return True
                continue
            parts = path.split("/")
            # ".cache/pip" is covered by a mount on .../.cache or .../.cache/pip
            if any(target.endswith("/" + "/".join(parts[:k])) for k in range(1, len(parts) + 1)):
                return True
        return False

    def words(self) -> list[str]:
        """Whitespace-separated arguments, as BuildKit splits FROM, EXPOSE, COPY, ..."""
        return [w for w in re.split(r"[\t\v\f\r ]+", self.args) if w] if self.args else []

    @property
    def arguments(self) -> list[str]:
        """The arguments as written: the strings of the JSON form, else the words
        (COPY and ADD: the sources, then the destination; VOLUME: the paths)."""
        return list(self.json_args) if self.json_args is not None else self.words()

    def cased(self, keyword: str) -> str:
        """Another instruction's keyword in the case this one is written in (`run` after
        `copy`, `Run` after `Copy`, `RUN` otherwise): what a fix adds next to it."""
        if self.keyword.islower():
            return keyword.lower()
        if self.keyword.istitle() and not self.keyword.isupper():
            return keyword.capitalize()
        return keyword.upper()

    @property
    def spanned_arguments(self) -> tuple[Argument, ...]:
        """``arguments`` with where each stands in the file (a JSON string: its quotes included;
        a word that a continuation splits: the continuation included)."""
        found: list[Argument] = []
        position = self.args_start
        if self.json_args is not None:
            decoder = json.JSONDecoder()
            for value in self.json_args:
                start = self.logical.index('"', position)
                _, end = decoder.raw_decode(self.logical, start)
                found.append(Argument(value, self.offsets.span(start, end)))
                position = end
            return tuple(found)
        for word in self.words():
            start = self.logical.index(word, position)
            position = start + len(word)
            found.append(Argument(word, self.offsets.span(start, position)))
        return tuple(found)

    @property
    def sources(self) -> tuple[Argument, ...]:
        """COPY and ADD: what they copy (all arguments but the last)."""
        return self.spanned_arguments[:-1]

    @property
    def destination(self) -> Argument | None:
        """COPY and ADD: where they copy to, as written (None without one)."""
        arguments = self.spanned_arguments
        return arguments[-1] if len(arguments) >= 2 else None

    @property
    def pairs(self) -> tuple[Pair, ...]:
        """ENV, ARG and LABEL: the variables or labels they set, with their values as written
        (``ENV a=1 b="2"``, ENV's legacy ``ENV name value with spaces``, ``ARG name``); empty
        when the words do not lex."""
        try:
            words = parse_words(self.args, self.escape)
        except LexError:
            return ()
        if not words:
            return ()
        end = self.args_end
        if (self.command == "ENV" and "=" not in words[0]) or (self.command == "LABEL" and "=" not in words[0]):
            value = self.args[len(words[0]) :].strip()
            return (Pair(words[0], value, self.offsets.span(self.args_start, end)),)
        found: list[Pair] = []
        position = self.args_start
        for word in words:
            start = self.logical.find(word, position)
            if start < 0:
                return tuple(found)
            position = start + len(word)
            name, eq, value = word.partition("=")
            if name:
                found.append(Pair(name, value if eq else None, self.offsets.span(start, position)))
        return tuple(found)

    @property
    def user(self) -> tuple[str, str | None] | None:
        """USER: the user and the group it names (`app:app`, `1000`); None without one."""
        return user_and_group(self.args) if self.args.strip() else None


def user_and_group(value: str) -> tuple[str, str | None]:
    """A USER value (`app:app`, `1000`, as written or as the stage model keeps it) split into
    the user and the group (None without one)."""
    name, colon, group = value.strip().partition(":")
    return name, group if colon else None


@dataclass(frozen=True, slots=True)
class Argument:
    """One argument of an instruction as written, and where it stands in the file."""

    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Pair:
    """A variable or label an ENV, ARG or LABEL sets: its value as written (quotes kept; None
    for an ARG without a default), and where `name=value` stands in the file."""

    name: str
    value: str | None
    span: Span


Node = Directive | Comment | Blank | Instruction


@dataclass(frozen=True, slots=True)
class Stage:
    """A build stage: its FROM and the instructions up to the next FROM."""

    index: int
    name: str | None  # lowercase, as BuildKit compares stage names
    base: str  # the image or stage named in FROM, as written
    from_instruction: Instruction
    instructions: tuple[Instruction, ...]  # after FROM, ONBUILD included
    parent: int | None  # index of the earlier stage this one is FROM
    derives_from: tuple[int, ...]  # parent, grandparent, ...
    copies_from: tuple[int, ...]  # stages read by COPY --from / RUN --mount from=
    reaches_final: bool  # the last stage, or one it derives from


@dataclass(frozen=True, slots=True, eq=False)
class Dockerfile:
    text: str
    nodes: tuple[Node, ...]
    escape: str
    directives: tuple[Directive, ...]
    _line_starts: tuple[int, ...] = field(repr=False)
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)

    def memo(self, compute: Callable[..., T], *args: Any) -> T:
        """``compute(self, *args)``, worked out once per tree and kept with it, keyed by the
        function itself (its stages, its stage model, a RUN's script, what BuildKit refuses):
        the tree is read-only, so what follows from it never changes. An instruction among
        ``args`` counts by identity (it is one of this tree's, which keeps it alive): hashing
        a frozen instruction would hash every field, on every call."""
        key = (compute, *[id(a) if type(a) is Instruction else a for a in args]) if args else compute
        try:
            known: T = self._memo[key]  # what compute returned for this key
            return known
        except KeyError:
            value = self._memo[key] = compute(self, *args)
            return value

    def __str__(self) -> str:
        return self.text

    def print(self) -> str:
        """Join the nodes' text: the file, byte for byte."""
        head = BOM if self.text.startswith(BOM) else ""
        return head + "".join(self.text[n.span.start : n.span.end] for n in self.nodes)

    @property
    def instructions(self) -> tuple[Instruction, ...]:
        return self.memo(_instructions)

    @property
    def stages(self) -> tuple[Stage, ...]:
        return self.memo(_stages)

    def descendants(self, stage: Stage) -> tuple[Stage, ...]:
        """The stages built FROM this one, directly or through others."""
        return tuple(s for s in self.stages if stage.index in s.derives_from)

    def stage_of(self, instruction: Instruction) -> Stage | None:
        """The stage an instruction belongs to (None before the first FROM)."""
        return self.memo(_stage_index).get(id(instruction))

    def slice(self, span: Span) -> str:
        return self.text[span.start : span.end]

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a file offset; the end of a file that ends with a newline
        is column 1 of the line after its last (where an editor puts it)."""
        line = bisect.bisect_right(self._line_starts, offset) - 1
        if offset == len(self.text) and self.text.endswith("\n") and offset > self._line_starts[line]:
            return line + 2, 1
        return line + 1, offset - self._line_starts[line] + 1

    def line_start(self, offset: int) -> int:
        return self._line_starts[bisect.bisect_right(self._line_starts, offset) - 1]

    def newline_at(self, offset: int) -> str:
        """The line ending of the line holding ``offset`` ("\\r\\n" or "\\n")."""
        end = self.text.find("\n", offset)
        if end > 0 and self.text[end - 1] == "\r":
            return "\r\n"
        if end < 0:
            # last line without a newline: use the file's style
            return "\r\n" if "\r\n" in self.text else "\n"
        return "\n"


# --------------------------------------------------------------------------- helpers


def _lstrip_go(text: str) -> int:
    """Index of the first non-space character."""
    i = 0
    while i < len(text) and text[i] in GO_SPACE:
        i += 1
    return i


def _is_comment(raw: str) -> bool:
    i = _lstrip_go(raw)
    return i < len(raw) and raw[i] == "#"


def _continuation(line: str, escape: str) -> int | None:
    """BuildKit's line-continuation regex: the length of ``line`` without the escape, or None.

    ``([^\\\\])\\\\[ \\t]*$|^\\\\[ \\t]*$``: an escape at the end of the line (trailing blanks
    allowed) that is not itself preceded by an escape.
    """
    end = len(line)
    while end > 0 and line[end - 1] in " \t":
        end -= 1
    if end == 0 or line[end - 1] != escape:
        return None
    if end == 1:
        return 0
    if line[end - 2] == escape:
        return None
    return end - 1


def _json_array(rest: str) -> tuple[str, ...] | None:
    """BuildKit's parseJSON: a JSON array of strings, None when not JSON.

    Raises ValueError for an array holding anything but strings, as BuildKit refuses those.
    """
    rest = rest[_lstrip_go(rest) :]
    if not rest.startswith("["):
        return None
    try:
        value = json.loads(rest, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, list):
        return None
    if not all(isinstance(v, str) for v in value):
        raise ValueError("when using JSON array syntax, arrays must be comprised of strings only")
    return tuple(value)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"not JSON: {name}")


_FLAG_SPACE = frozenset("\t\n\v\f\r ")


def _splits_flag_word(ch: str) -> bool:
    """Whether BuildKit's byte-wise flag scanner ends a word inside this character.

    extractBuilderFlags tests ``unicode.IsSpace(rune(line[pos]))`` byte by byte, so a
    multi-byte character with a 0x85 or 0xA0 byte (NBSP, "à", ...) ends a flag word.
    """
    return not ch.isascii() and any(b in (0x85, 0xA0) for b in ch.encode("utf-8")[1:])


def _extract_flags(line: str, base: int, escape: str) -> tuple[int, list[tuple[str, int, int]]]:
    """BuildKit's extractBuilderFlags over ``line``; returns (args offset, [(flag, start, end)]).

    Offsets are relative to the logical line (``base`` is where ``line`` starts in it).
    """
    words: list[tuple[str, int, int]] = []
    in_spaces, in_word, in_quote = 0, 1, 2
    phase = in_spaces
    buf: list[str] = []
    quote = ""
    blank_ok = False
    word_start = 0
    n = len(line)
    pos = 0
    while pos <= n:
        ch = line[pos] if pos < n else ""
        if phase == in_spaces:
            if pos == n:
                break
            if ch in _FLAG_SPACE:
                pos += 1
                continue
            if ch != "-" or pos + 1 == n or line[pos + 1] != "-":
                return base + pos, words
            phase = in_word
            word_start = pos
        if phase in (in_word, in_quote) and pos == n:
            word = "".join(buf)
            if word != "--" and (blank_ok or word):
                words.append((word, base + word_start, base + pos))
            break
        if phase == in_word:
            if ch in _FLAG_SPACE or _splits_flag_word(ch):
                word = "".join(buf)
                phase = in_spaces
                if word == "--":
                    return base + pos, words
                if blank_ok or word:
                    words.append((word, base + word_start, base + pos))
                buf.clear()
                blank_ok = False
                pos += 1
                continue
            if ch in ("'", '"'):
                quote = ch
                blank_ok = True
                phase = in_quote
                pos += 1
                continue
            if ch == escape:
                if pos + 1 == n:
                    pos += 1
                    continue
                pos += 1
                ch = line[pos]
            buf.append(ch)
            pos += 1
            continue
        if phase == in_quote:
            if ch == quote:
                phase = in_word
                pos += 1
                continue
            if ch == escape:
                if pos + 1 == n:
                    phase = in_word
                    pos += 1
                    continue
                pos += 1
                ch = line[pos]
            buf.append(ch)
        pos += 1
    return base + n, words


def _check_name_val(rest: str, key: str, escape: str) -> None:
    """BuildKit's parseNameVal errors (ENV and LABEL)."""
    words = parse_words(rest, escape)
    if not words:
        return
    if "=" not in words[0]:
        if len(re.split(r"[\t\v\f\r ]+", rest, maxsplit=1)) < 2:
            raise ValueError(f"{key} must have two arguments")
        return
    for word in words:
        if "=" not in word:
            raise ValueError(f'Syntax error - can\'t find = in "{word}". Must be of the form: name=value')


@dataclass(slots=True)
class _Head:
    """What newNodeFromLine makes of a logical line (positions relative to the line)."""

    keyword: str
    keyword_start: int
    flags: list[tuple[str, int, int]]
    args: str
    args_start: int
    args_end: int
    json: bool
    json_args: tuple[str, ...] | None
    sub: _Head | None

    @property
    def is_onbuild(self) -> bool:
        return self.keyword.upper() == "ONBUILD"


def _split_command(line: str, base: int, escape: str) -> _Head:
    """splitCommand + the dispatch table of BuildKit's newNodeFromLine."""
    start = base + _lstrip_go(line)
    end = base + len(line)
    while end > start and line[end - base - 1] in GO_SPACE:
        end -= 1
    trimmed = line[start - base : end - base]
    kw_end = 0
    while kw_end < len(trimmed) and trimmed[kw_end] not in _ASCII_WS:
        kw_end += 1
    keyword = trimmed[:kw_end]
    flags: list[tuple[str, int, int]] = []
    args_start = args_end = start + kw_end
    if kw_end < len(trimmed):
        rest_start = kw_end
        while rest_start < len(trimmed) and trimmed[rest_start] in _ASCII_WS:
            rest_start += 1
        rest = trimmed[rest_start:]
        args_at, flags = _extract_flags(rest, start + rest_start, escape)
        # strings.TrimSpace(args)
        args_start = args_at
        args_end = start + len(trimmed)
        while args_start < args_end and line[args_start - base] in GO_SPACE:
            args_start += 1
        while args_end > args_start and line[args_end - base - 1] in GO_SPACE:
            args_end -= 1
    args = line[args_start - base : args_end - base]
    command = keyword.upper()
    is_json = False
    json_args = None
    sub = None
    if command in MAYBE_JSON or command in MAYBE_JSON_LIST:
        if args:
            json_args = _json_array(args)
            is_json = json_args is not None
    elif command == "HEALTHCHECK":
        # the type word (CMD/NONE), then maybe a JSON command
        sep = 0
        while sep < len(args) and args[sep] not in GO_SPACE:
            sep += 1
        nxt = sep
        while nxt < len(args) and args[nxt] in GO_SPACE:
            nxt += 1
        if sep and args[nxt:]:
            json_args = _json_array(args[nxt:])
            is_json = json_args is not None
    elif command == "ONBUILD":
        if args:
            sub = _split_command(args, args_start, escape)
    elif command in ("ENV", "LABEL"):
        _check_name_val(args, command, escape)
    return _Head(keyword, start, flags, args, args_start, args_end, is_json, json_args, sub)


# --------------------------------------------------------------------------- the parser


def _physical_lines(text: str, start: int) -> list[tuple[int, int, int]]:
    """(start, content_end, end) of each line: content excludes trailing CR/LF runs."""
    lines = []
    n = len(text)
    pos = start
    while pos < n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl + 1
        content_end = end
        while content_end > pos and text[content_end - 1] in "\r\n":
            content_end -= 1
        lines.append((pos, content_end, end))
        pos = end
    return lines


def parse(text: str) -> Dockerfile:
    """Parse Dockerfile text; raises DockerfileSyntaxError where BuildKit would refuse it."""
    body_start = 1 if text.startswith(BOM) else 0
    phys = _physical_lines(text, body_start)
    line_starts = (0,) + tuple(start for start, _, _ in phys[1:])
    for i, (s, _, e) in enumerate(phys):
        if e - s > MAX_LINE_BYTES and len(text[s:e].encode("utf-8")) > MAX_LINE_BYTES:
            raise DockerfileSyntaxError(f"dockerfile line greater than max allowed size of {MAX_LINE_BYTES - 1}", i + 1)

    escape = "\\"
    directives_done = False
    seen_directives: set[str] = set()
    directives: list[Directive] = []
    nodes: list[Node] = []
    i = 0
    count = len(phys)
    while i < count:
        s, ce, e = phys[i]
        raw = text[s:ce]
        lineno = i + 1
        lead = _lstrip_go(raw)
        token = raw[lead:]
        if not directives_done:
            directive = _directive(token)
            if directive is None:
                directives_done = True
            else:
                name, value = directive
                if name in seen_directives:
                    raise DockerfileSyntaxError(f"only one {name} parser directive can be used", lineno)
                seen_directives.add(name)
                if name == "escape":
                    if value not in ("`", "\\"):
                        raise DockerfileSyntaxError(f"invalid escape token '{value}' does not match ` or \\", lineno)
                    escape = value
                node = Directive(name, value, Span(s, e))
                directives.append(node)
                nodes.append(node)
                i += 1
                continue
        if token.startswith("#"):
            nodes.append(Comment(raw, Span(s, e)))
            i += 1
            continue
        cut = _continuation(token, escape)
        if cut is None and not token:
            nodes.append(Blank(Span(s, e)))
            i += 1
            continue
        instruction, i = _instruction(text, phys, i, escape)
        nodes.append(instruction)

    if not any(isinstance(n, Instruction) for n in nodes):
        raise DockerfileSyntaxError("file with no instructions", max(count, 1))
    return Dockerfile(text, tuple(nodes), escape, tuple(directives), line_starts)


def _directive(token: str) -> tuple[str, str] | None:
    if not token.startswith("#"):
        return None
    rest = token[1:]
    rest = rest[_lstrip_go(rest) :]
    match = _DIRECTIVE.match(rest)
    if match is None:
        return None
    name = match.group(1).lower()
    if name not in VALID_DIRECTIVES:
        return None
    return name, match.group(2)


def _instruction(text: str, phys: list[tuple[int, int, int]], first: int, escape: str) -> tuple[Instruction, int]:
    """Read one instruction starting at physical line ``first``; returns it and the next line."""
    pieces: list[tuple[int, int, int]] = []
    logical: list[str] = []
    lines: list[Line] = []
    length = 0

    s, ce, e = phys[first]
    raw = text[s:ce]
    lead = _lstrip_go(raw)
    content = raw[lead:]
    cut = _continuation(content, escape)
    piece = content if cut is None else content[:cut]
    if piece:
        pieces.append((length, s + lead, len(piece)))
        logical.append(piece)
        length += len(piece)
    lines.append(Line("code", Span(s, e)))
    end_of_line = cut is None
    i = first + 1
    while not end_of_line and i < len(phys):
        s, ce, e = phys[i]
        raw = text[s:ce]
        i += 1
        if _is_comment(raw):
            lines.append(Line("comment", Span(s, e)))
            continue
        if _lstrip_go(raw) == len(raw):
            lines.append(Line("blank", Span(s, e)))
            continue
        cut = _continuation(raw, escape)
        end_of_line = cut is None
        piece = raw if cut is None else raw[:cut]
        if piece:
            pieces.append((length, s, len(piece)))
            logical.append(piece)
            length += len(piece)
        lines.append(Line("code", Span(s, e)))

    line = "".join(logical)
    offsets = OffsetMap.of(pieces)
    start_line = first + 1
    try:
        head = _split_command(line, 0, escape)
    except ValueError as exc:
        raise DockerfileSyntaxError(str(exc), start_line) from None

    heredocs: list[Heredoc] = []
    target = head.sub if head.is_onbuild and head.sub is not None else head
    if target.keyword.upper() in HEREDOC_COMMANDS and not target.json and "<<" in line:
        try:
            specs = heredocs_from_line(line)
        except LexError as exc:
            raise DockerfileSyntaxError(str(exc), start_line) from None
        for spec in specs:
            body_start = phys[i][0] if i < len(phys) else len(text)
            terminated = False
            while i < len(phys):
                s, ce, e = phys[i]
                i += 1
                candidate = text[s:ce]
                if spec.chomp:
                    candidate = candidate.lstrip("\t")
                name_start = s + (ce - s) - len(candidate)
                if candidate == spec.name:
                    terminated = True
                    break
                lines.append(Line("heredoc", Span(s, e)))
            if not terminated:
                raise DockerfileSyntaxError("unterminated heredoc", start_line)
            lines.append(Line("terminator", Span(s, e)))
            heredocs.append(
                Heredoc(
                    spec.name,
                    spec.chomp,
                    spec.expand,
                    spec.fd,
                    text[body_start:s],
                    Span(body_start, s),
                    Span(s, e),
                    name_start,
                )
            )

    span = Span(lines[0].span.start, lines[-1].span.end)
    instruction = _make_instruction(head, text, line, offsets, span, tuple(lines), tuple(heredocs), start_line, i)
    if (not end_of_line and not heredocs) or escape != "\\":
        instruction = replace(instruction, continues=not end_of_line and not heredocs, escape=escape)
    return instruction, i


def _make_instruction(
    head: _Head,
    text: str,
    line: str,
    offsets: OffsetMap,
    span: Span,
    lines: tuple[Line, ...],
    heredocs: tuple[Heredoc, ...],
    start_line: int,
    end_line: int,
) -> Instruction:
    flags = tuple(_flag(word, offsets.span(start, end)) for word, start, end in head.flags)
    sub = None
    if head.sub is not None:
        sub_head = head.sub
        sub_start = offsets.to_file(sub_head.keyword_start)
        sub = _make_instruction(
            sub_head, text, line, offsets, Span(sub_start, span.end), lines, heredocs, start_line, end_line
        )
    kw_span = offsets.span(head.keyword_start, head.keyword_start + len(head.keyword))
    return Instruction(
        span=span,
        keyword=head.keyword,
        keyword_span=kw_span,
        flags=flags,
        args=head.args,
        args_start=head.args_start,
        args_end=head.args_end,
        json=head.json,
        json_args=head.json_args,
        heredocs=heredocs,
        logical=line,
        offsets=offsets,
        lines=lines,
        start_line=start_line,
        end_line=end_line,
        sub=sub,
    )


def _flag(word: str, span: Span) -> Flag:
    body = word[2:] if word.startswith("--") else word
    name, eq, value = body.partition("=")
    return Flag(name.lower(), value if eq else None, word, span)


# --------------------------------------------------------------------------- stages


def _instructions(df: Dockerfile) -> tuple[Instruction, ...]:
    return tuple(n for n in df.nodes if isinstance(n, Instruction))


def _stage_index(df: Dockerfile) -> dict[int, Stage]:
    index: dict[int, Stage] = {}
    for stage in df.stages:
        index[id(stage.from_instruction)] = stage
        for member in stage.instructions:
            index[id(member)] = stage
    return index


def _stages(df: Dockerfile) -> tuple[Stage, ...]:
    instructions = df.instructions
    raw: list[tuple[Instruction, list[Instruction]]] = []
    for instruction in instructions:
        if instruction.command == "FROM":
            raw.append((instruction, []))
        elif raw:
            raw[-1][1].append(instruction)
    names: dict[str, int] = {}
    partial: list[tuple[int, str | None, str, Instruction, tuple[Instruction, ...], int | None, tuple[int, ...]]] = []
    for index, (from_instruction, body) in enumerate(raw):
        words = from_instruction.words()
        base = words[0] if words else ""
        name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else None
        parent = names.get(base.lower())
        copies: list[int] = []
        for instruction in body:
            target = instruction.sub or instruction
            refs = target.flag_values("from") if target.command in ("COPY", "ADD") else []
            if target.command == "RUN":
                for mount in target.flag_values("mount"):
                    for part in mount.split(","):
                        key, _, value = part.partition("=")
                        if key.strip().lower() == "from":
                            refs.append(value.strip())
            for ref in refs:
                found = names.get(ref.lower())
                if found is None and ref.isdigit() and int(ref) < index:
                    found = int(ref)
                if found is not None and found not in copies:
                    copies.append(found)
        partial.append((index, name, base, from_instruction, tuple(body), parent, tuple(copies)))
        if name:
            names[name] = index
    ancestors: list[tuple[int, ...]] = []
    for _, _, _, _, _, parent, _ in partial:
        chain: list[int] = []
        while parent is not None:
            chain.append(parent)
            parent = partial[parent][5]
        ancestors.append(tuple(chain))
    final = len(partial) - 1
    reaching = {final, *ancestors[final]} if partial else set()
    return tuple(
        Stage(index, name, base, from_instruction, body, parent, ancestors[index], copies, index in reaching)
        for index, name, base, from_instruction, body, parent, copies in partial
    )
