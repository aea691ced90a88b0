"""A port of the parts of BuildKit's shell lexer that decide heredocs.

BuildKit finds heredocs in RUN, COPY and ADD by splitting the whole logical line into
words with its own shell lexer (``frontend/dockerfile/shell/lex.go``) and then matching
each word against ``^(\\d*)<<(-?)\\s*([^<]*)$``. The lexer's quirks decide which lines
have heredocs at all (an unmatched quote anywhere on the line means *no* heredocs), so
``syntax.py`` needs the same word splitting, not a shell parser. For that, unset variables
are kept as written (``SkipUnsetEnv``), there is no environment, and escapes are always the
backslash.

``process_word`` is BuildKit's ``ProcessWord`` as dispatch uses it on WORKDIR, COPY, ADD,
ENV, ARG, USER, VOLUME, ...: quotes and escapes removed, variables substituted from an
environment of known values, and ``Unknown`` raised where the result depends on a value
that is not known.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

# Go's unicode.IsSpace
GO_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

_SPECIAL_PARAMS = frozenset("@*#?-$!0")


class LexError(Exception):
    """The lexer gave up on the input (unmatched quote, bad substitution, ...)."""


class Unknown(Exception):
    """The word expands a variable whose value is not known."""


def _is_digit(ch: str) -> bool:
    return (ch.isascii() and ch.isdigit()) or (not ch.isascii() and unicodedata.category(ch) == "Nd")


def _is_letter(ch: str) -> bool:
    return ch.isalpha()


class _Words:
    __slots__ = ("buf", "in_word", "words")

    def __init__(self) -> None:
        self.buf: list[str] = []
        self.words: list[str] = []
        self.in_word = False

    def add_char(self, ch: str) -> None:
        if ch in GO_SPACE:
            if self.in_word and self.buf:
                self.words.append("".join(self.buf))
                self.buf.clear()
                self.in_word = False
        else:
            self.add_raw_char(ch)

    def add_raw_char(self, ch: str) -> None:
        self.buf.append(ch)
        self.in_word = True

    def add_string(self, text: str) -> None:
        for ch in text:
            self.add_char(ch)

    def add_raw_string(self, text: str) -> None:
        self.buf.append(text)
        self.in_word = True

    def get_words(self) -> list[str]:
        if self.buf:
            self.words.append("".join(self.buf))
            self.buf.clear()
            self.in_word = False
        return self.words


class _Lexer:
    __slots__ = ("env", "escape", "pos", "raw_escapes", "raw_quotes", "src")

    def __init__(
        self, src: str, *, raw_quotes: bool, raw_escapes: bool, env: Mapping[str, str] | None = None, escape: str = "\\"
    ) -> None:
        self.src = src
        self.pos = 0
        self.raw_quotes = raw_quotes
        self.raw_escapes = raw_escapes
        self.env = env  # None: variables stay as written; else the known values (others raise Unknown)
        self.escape = escape

    def peek(self) -> str:
        return self.src[self.pos] if self.pos < len(self.src) else ""

    def next(self) -> str:
        if self.pos < len(self.src):
            ch = self.src[self.pos]
            self.pos += 1
            return ch
        return ""

    def process_stop_on(self, stop: str, raw_escapes: bool) -> tuple[str, list[str]]:
        saved = self.raw_escapes
        self.raw_escapes = raw_escapes
        try:
            return self._process_stop_on(stop)
        finally:
            self.raw_escapes = saved

    def _process_stop_on(self, stop: str) -> tuple[str, list[str]]:
        result: list[str] = []
        words = _Words()
        while self.pos < len(self.src):
            ch = self.src[self.pos]
            if stop and ch == stop:
                self.pos += 1
                return "".join(result), words.get_words()
            if ch == "$":
                tmp = self.process_dollar()
                result.append(tmp)
                words.add_string(tmp)
            elif ch in "<'\"":
                if ch == "<":
                    tmp = self.process_possible_heredoc()
                elif ch == "'":
                    tmp = self.process_single_quote()
                else:
                    tmp = self.process_double_quote()
                result.append(tmp)
                words.add_raw_string(tmp)
            else:
                ch = self.next()
                if ch == self.escape:
                    if self.raw_escapes:
                        words.add_raw_char(ch)
                        result.append(ch)
                    ch = self.next()
                    if not ch:
                        break
                    words.add_raw_char(ch)
                else:
                    words.add_char(ch)
                result.append(ch)
        if stop:
            raise LexError(f"unexpected end of statement while looking for matching {stop}")
        return "".join(result), words.get_words()

    def process_single_quote(self) -> str:
        result: list[str] = []
        ch = self.next()
        if self.raw_quotes:
            result.append(ch)
        while True:
            ch = self.next()
            if not ch:
                raise LexError("unexpected end of statement while looking for matching single-quote")
            if ch == "'":
                if self.raw_quotes:
                    result.append(ch)
                return "".join(result)
            result.append(ch)

    def process_double_quote(self) -> str:
        result: list[str] = []
        ch = self.next()
        if self.raw_quotes:
            result.append(ch)
        while True:
            peek = self.peek()
            if not peek:
                raise LexError("unexpected end of statement while looking for matching double-quote")
            if peek == '"':
                ch = self.next()
                if self.raw_quotes:
                    result.append(ch)
                return "".join(result)
            if peek == "$":
                result.append(self.process_dollar())
                continue
            ch = self.next()
            if ch == self.escape:
                if self.raw_escapes:
                    result.append(ch)
                nxt = self.peek()
                if not nxt:
                    continue
                if nxt in ('"', "$", self.escape):
                    ch = self.next()
            result.append(ch)

    def value(self, name: str) -> str:
        """A variable's value when there is an environment (Unknown when it is not known)."""
        assert self.env is not None
        value = self.env.get(name)
        if value is None:
            raise Unknown(name)
        return value

    def process_dollar(self) -> str:
        self.next()
        if self.peek() != "{":
            name = self.process_name()
            if self.env is not None and name:
                return self.value(name)
            return "$" + name if name else "$"
        self.next()
        peek = self.peek()
        if not peek:
            raise LexError("syntax error: missing '}'")
        if peek in "{}:":
            raise LexError("syntax error: bad substitution")
        name = self.process_name()
        ch = self.next()
        chs = ch or "\ufffd"
        if ch == "}":
            return self.value(name) if self.env is not None else f"${{{name}}}"
        if ch == ":" or (ch and ch in "+-?#%"):
            null_is_unset = False
            if ch == ":":
                null_is_unset = True
                ch = self.next()
                chs += ch or "\ufffd"
            raw = ch in ("#", "%")
            if null_is_unset and raw:
                raise LexError(f"unsupported modifier ({chs}) in substitution")
            try:
                word, _ = self.process_stop_on("}", raw)
            except LexError:
                if not self.peek():
                    raise LexError("syntax error: missing '}'") from None
                raise
            if self.env is not None:
                return self.modified(name, chs, word)
            return f"${{{name}{chs}{word}}}"
        if ch == "/":
            if self.peek() == "/":
                self.next()
            try:
                pattern, _ = self.process_stop_on("/", True)
            except LexError:
                if not self.peek():
                    raise LexError("syntax error: missing '/' in ${}") from None
                raise
            try:
                replacement, _ = self.process_stop_on("}", True)
            except LexError:
                if not self.peek():
                    raise LexError("syntax error: missing '}'") from None
                raise
            if self.env is not None:
                raise Unknown(name)  # pattern replacement: not worked out
            return f"${{{name}/{pattern}/{replacement}}}"
        raise LexError(f"unsupported modifier ({chs}) in substitution")

    def modified(self, name: str, modifier: str, word: str) -> str:
        """``${name:-word}``, ``${name-word}``, ``${name:+word}``, ``${name+word}``, ``${name?word}``,
        ``${name#pattern}`` and ``${name%pattern}``; a variable the environment does not hold
        may be set or not: Unknown."""
        assert self.env is not None
        if modifier.lstrip(":") not in ("-", "+", "?", "#", "%"):
            raise LexError(f"unsupported modifier ({modifier}) in substitution")  # `${a:=w}`: BuildKit fails
        value = self.env.get(name)
        if value is None:
            raise Unknown(name)
        if modifier in ("#", "%"):
            return _trimmed(name, value, word, modifier)
        use_value = bool(value) or not modifier.startswith(":")
        if modifier.endswith("-"):
            return value if use_value else word
        if modifier.endswith("+"):
            return word if use_value else ""
        if not use_value:
            raise Unknown(name)  # BuildKit fails the build
        return value

    def process_name(self) -> str:
        name: list[str] = []
        while self.pos < len(self.src):
            ch = self.src[self.pos]
            if not name and _is_digit(ch):
                while self.pos < len(self.src) and _is_digit(self.src[self.pos]):
                    name.append(self.next())
                return "".join(name)
            if not name and ch in _SPECIAL_PARAMS:
                return self.next()
            if not (_is_letter(ch) or _is_digit(ch) or ch == "_"):
                break
            name.append(self.next())
        return "".join(name)

    def process_possible_heredoc(self) -> str:
        self.next()
        if self.peek() != "<":
            return "<"
        self.next()
        space: list[str] = []
        while self.peek() in ("\t", "\r", " ") and self.peek():
            space.append(self.next())
        return "<<" + "".join(space)


def _trimmed(name: str, value: str, pattern: str, modifier: str) -> str:
    """``${name#pattern}`` (``##``: the longest match) takes the start of ``value`` that the
    shell pattern matches away, ``${name%pattern}`` (``%%``) its end; BuildKit turns the
    pattern into a regular expression (`*` lazy, or greedy for the longest; `?` one
    character) and reverses both strings for a suffix. A pattern with a character class or
    an escape is not worked out (Unknown)."""
    longest = pattern.startswith(modifier)
    if longest:
        pattern = pattern[1:]
    if "[" in pattern or "\\" in pattern:
        raise Unknown(name)
    suffix = modifier == "%"
    if suffix:
        pattern, value = pattern[::-1], value[::-1]
    star = ".*" if longest else ".*?"
    regex = "".join(star if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    match = re.match(regex, value, re.DOTALL)
    if match is not None:
        value = value[match.end() :]
    return value[::-1] if suffix else value


def process_word(src: str, env: Mapping[str, str], escape: str = "\\") -> str:
    """BuildKit's ``Lex.ProcessWord``: ``src`` with quotes and escapes removed and variables
    substituted from ``env``; raises Unknown for a variable ``env`` does not hold, LexError
    where BuildKit fails."""
    lexer = _Lexer(src, raw_quotes=False, raw_escapes=False, env=env, escape=escape)
    word, _ = lexer.process_stop_on("", False)
    return word


def process_words(src: str, *, raw_quotes: bool, raw_escapes: bool) -> list[str]:
    """BuildKit's ``Lex.ProcessWords`` with an empty environment; raises LexError."""
    lexer = _Lexer(src, raw_quotes=raw_quotes, raw_escapes=raw_escapes)
    _, words = lexer.process_stop_on("", raw_escapes)
    return words


_HEREDOC_WORD = re.compile(r"(\d*)<<(-?)[\t\n\f\r ]*([^<]*)\Z", re.ASCII)


class HeredocSpec:
    """A heredoc named on an instruction line: what BuildKit's ``ParseHeredoc`` returns."""

    __slots__ = ("chomp", "expand", "fd", "name")

    def __init__(self, name: str, chomp: bool, expand: bool, fd: int) -> None:
        self.name = name
        self.chomp = chomp
        self.expand = expand
        self.fd = fd


def parse_heredoc_word(word: str) -> HeredocSpec | None:
    """``parser.ParseHeredoc``: the heredoc a word opens, or None; LexError when BuildKit errs."""
    match = _HEREDOC_WORD.match(word)
    if match is None:
        return None
    fd_text, chomp, rest = match.groups()
    if not rest:
        return None
    words = process_words(rest, raw_quotes=False, raw_escapes=False)
    if len(words) != 1:
        return None
    raw_words = process_words(rest, raw_quotes=True, raw_escapes=False)
    if len(raw_words) != len(words):
        raise LexError(f"internal lexing of heredoc produced inconsistent results: {rest}")
    name = words[0]
    expand = name.count("'") + name.count('"') == raw_words[0].count("'") + raw_words[0].count('"')
    return HeredocSpec(name, chomp == "-", expand, int(fd_text) if fd_text else 0)


def heredocs_from_line(line: str) -> list[HeredocSpec]:
    """``parser.heredocsFromLine``: the heredocs a logical line opens, in order."""
    try:
        words = process_words(line, raw_quotes=True, raw_escapes=True)
    except LexError:
        return []
    specs = []
    for word in words:
        spec = parse_heredoc_word(word)
        if spec is not None:
            specs.append(spec)
    return specs


def parse_words(rest: str, escape: str) -> list[str]:
    """``parser.parseWords``: ENV/LABEL/ARG words, quotes kept."""
    words: list[str] = []
    in_spaces, in_word, in_quote = 0, 1, 2
    phase = in_spaces
    quote = ""
    blank_ok = False
    buf: list[str] = []
    n = len(rest)
    pos = 0
    while pos <= n:
        ch = rest[pos] if pos < n else ""
        if phase == in_spaces:
            if pos == n:
                break
            if ch in GO_SPACE:
                pos += 1
                continue
            phase = in_word
        if phase in (in_word, in_quote) and pos == n:
            if blank_ok or buf:
                words.append("".join(buf))
            break
        if phase == in_word:
            if ch in GO_SPACE:
                phase = in_spaces
                if blank_ok or buf:
                    words.append("".join(buf))
                buf.clear()
                blank_ok = False
                pos += 1
                continue
            if ch in ("'", '"'):
                quote = ch
                blank_ok = True
                phase = in_quote
            if ch == escape:
                if pos + 1 == n:
                    pos += 1
                    continue
                buf.append(ch)
                pos += 1
                ch = rest[pos]
            buf.append(ch)
            pos += 1
            continue
        if phase == in_quote:
            if ch == quote:
                phase = in_word
            if ch == escape and quote != "'":
                if pos + 1 == n:
                    phase = in_word
                    pos += 1
                    continue
                pos += 1
                buf.append(ch)
                ch = rest[pos]
            buf.append(ch)
        pos += 1
    return words
