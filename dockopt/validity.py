"""What BuildKit refuses to build in a file its parser accepts.

``syntax.parse`` refuses what BuildKit's parser refuses. BuildKit then turns the parse into
instructions (``frontend/dockerfile/instructions/parse.go``: each instruction's arguments and
flags) and stages (``frontend/dockerfile/dockerfile2llb/convert.go``: stage names,
``--from`` references, the base images), and stops at the first error. ``problems(df)``
finds those errors in a parsed ``Dockerfile``, at most one an instruction (the one BuildKit
would raise first), each with its code (``dockopt.refusals``), its message in BuildKit's
words and its span; the list is in the order BuildKit meets them, so the first is the one
a build prints. ``refuse(df)`` raises ``Refused`` for the first.

Where BuildKit decides with values only the build has (build arguments, variables, the
registry, the build context, ``--target``), nothing is reported: a problem here is one the
build meets whatever it is given. One exception, on purpose: a stage that copies or mounts
from a later stage is reported even when the default target does not build it (no
``--target`` can build it).

Every error BuildKit raises in those two files (at commit 73ed6825 of moby/buildkit,
2026-08-21), and what dockopt does with it:

| where in BuildKit | error | dockopt |
| --- | --- | --- |
| parse.go `ParseInstructionWithLinter` | `unknown instruction: X (did you mean Y?)` | DO002 |
| parse.go `Parse` / `CurrentStage` | `no build stage in current context` | DO010 (the first such instruction) |
| parse.go `Parse`, `ParseCommand` | `%T is not a command type` | unreachable: every instruction is a command or a stage |
| parse.go `parseKvps` (ENV, LABEL) | `X requires at least one argument` | DO003 |
| parse.go `parseKvps` | `Bad input to X, too many arguments` | unreachable (the parser makes triples) |
| parse.go `parseKvps` | `X names can not be blank` | DO006 |
| parse.go `parseMaintainer`, `parseWorkdir`, `parseUser`, `parseStopSignal` | `X requires exactly one argument` | DO003 |
| parse.go `parseAdd`, `parseCopy` | `X requires at least two arguments, but only one was provided. Destination could not be determined` | DO003 |
| parse.go `parseSourcesAndDest` | `X cannot accept a heredoc as a destination` | DO006 |
| parse.go `parseBuildStageName` | `invalid name for build stage: "x", name can't start with a number or contain symbols` | DO008 |
| parse.go `parseBuildStageName` | `FROM requires either one or three arguments` | DO003 |
| parse.go `parseOnBuild` | `ONBUILD requires at least one argument` | DO003 |
| parse.go `parseOnBuild` | ``Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed``, `X isn't allowed as an ONBUILD trigger` | DO011 |
| parse.go `parseRun` hooks: commands_runnetwork.go, commands_runsecurity.go | `invalid network mode "x"`, `security "x" is not valid` | DO005 |
| parse.go `parseRun` hooks: commands_runmount.go `parseMount` (no expander) | `failed to parse csv mounts: ...` | DO005 |
| same | `'from' doesn't support variable expansion, define alias stage instead` | DO012 |
| parse.go `parseRun` hooks: commands_rundevice.go `ParseDevice` | csv, `invalid field`, `device name already set`, `invalid value for required`, `unexpected key` | DO005 |
| parse.go `parseHealthcheck` | `HEALTHCHECK requires at least one argument` | DO003 |
| parse.go `parseHealthcheck` | `HEALTHCHECK NONE takes no arguments`, `Missing command after HEALTHCHECK CMD`, `Unknown type "X" in HEALTHCHECK (try CMD)` | DO006 |
| parse.go `parseOptInterval`, `parseHealthcheck` | `time: invalid duration ...`, `Interval "interval" cannot be less than 1ms`, `strconv.ParseInt: ...`, `--retries cannot be negative (-1)` | DO005 |
| parse.go `parseExpose`, `parseVolume`, `parseArg`, `parseShell` | `X requires at least one argument` | DO003 |
| parse.go `parseVolume` | `VOLUME specified can not be an empty string` | DO006 |
| parse.go `parseArg` | `ARG names can not be blank` | DO006 |
| parse.go `parseShell` (errors_unix.go) | `SHELL requires the arguments to be in JSON form` | DO006 |
| bflag.go `BFlags.Parse` (every instruction but ARG, STOPSIGNAL, HEALTHCHECK NONE) | `unknown flag: --x (did you mean y?)`, `duplicate flag specified: --x`, `missing a value on flag: --x`, `expecting boolean value for flag --x, not: y` | DO004 |
| bflag.go `BFlags.Parse` | `arg should start with -- : x`, `error setting up flags: Duplicate flag defined` | unreachable (the parser hands over `--` words only; BuildKit's own flag tables) |
| convert.go `newRuleLinter` | `failed to parse check options: invalid check option "x"` | DO006 |
| convert.go `toDispatchState` | `the Dockerfile cannot be empty`, parser errors | `syntax.parse` (`cannot parse`, exit 2) |
| convert.go `toDispatchState` | `Client and MainContext cannot both be provided` | not a file's error (API use) |
| convert.go `toDispatchState` | `dockerfile contains no stages to build` | DO010 |
| convert.go `buildMetaArgs`, `dispatchArg`, `dispatch` (word expansion) | lexer errors (`syntax error: missing '}'`, `${X:?}` unset) | not reported: depend on build arguments, or on a full port of BuildKit's lexer (dockopt has the heredoc part) |
| convert.go `toDispatchState` (`SOURCE_DATE_EPOCH`) | epoch errors | not reported: a build argument |
| convert.go `buildDispatchStates` | FROM expansion errors; `base name (x) should not be blank` | DO007 when the FROM holds no variable; otherwise build arguments decide |
| convert.go `buildDispatchStates` | `failed to process arguments for platform`, `empty platform value from expression`, `failed to parse platform` | not reported: variables, or containerd's platform tables (not ported) |
| convert.go `buildDispatchStates`, `resolveBaseImage` | named context errors | not reported: `--build-context` is build-time |
| convert.go `resolveTarget` | `target stage "x" could not be found` | not reported: `--target` is build-time |
| convert.go `toCommand` | `variable expansion is not supported for --from, ...`; `invalid stage index N` (`findStateByIndex`) | DO012 |
| convert.go `validateCircularDependency` (validations.go) | `circular dependency detected on stage: x` | DO012 |
| convert.go `initOnBuildTriggers` | a trigger's parse errors | the checks of parse.go above, on the ONBUILD line, when a stage of the file is built FROM its stage (only then does the file run it); its `--from` is not followed |
| convert.go `initOnBuildTriggers` | `onbuild trigger should be a single expression` | unreachable (a trigger is one instruction) |
| convert.go `resolveBaseImage` | `failed to parse stage name "x": invalid reference format ...` (distribution/reference `ParseNormalizedNamed`) | DO007 when the FROM holds no variable |
| convert.go `resolveBaseImage` | resolving the image (`failed to resolve source metadata`, `failed to parse ref`, `failed to parse image config`) | not reported: needs the registry |
| convert.go `dispatchStages` | `.dockerignore` errors, the base image's WORKDIR/USER | not reported: the build context, the image |
| convert.go `dispatch` (COPY) | `cannot copy from stage "x", it needs to be defined before current stage "y"` | DO012 |
| convert.go `dispatchRun` | `parsing produced an invalid run command` | unreachable (heredocs come with shell form: one command line) |
| convert.go `dispatchRun` → convert_runmount.go `dispatchRunMounts` | mount options with the expander (`unsupported mount type`, `unexpected key`, `invalid value`, `mode not allowed`, secret mounts, sharing) | DO005 when the mount holds no variable or quote (`size` is not checked) |
| same | `cannot mount from stage "x" to "y", stage needs to be defined before current command` | DO012 |
| same | `invalid mount target "/"` | DO005 (an absolute target; a relative one depends on WORKDIR) |
| convert.go `dispatchRun` | secrets, ssh, network and security entitlements, devices | not reported: build-time |
| convert.go `dispatchWorkdir`, `pathRelativeToWorkingDir` | `normalizing workdir`, `removing drive letter` | not reported: Windows targets only |
| convert.go `dispatchVolume` | `VOLUME specified can not be an empty string` (after expansion) | DO006 when the word holds no variable |
| convert.go `dispatchStopSignal` (moby/sys/signal `ParseSignal`, Linux table) | `invalid signal: x` | DO006 when the word holds no variable |
| convert.go `dispatchExpose` (convert_expose.go) | `invalid port`, `invalid containerPort`, `invalid hostPort`, `invalid IP address`, `invalid ranges` | DO006 when the word holds no variable |
| convert.go `dispatchCopy` (convert_copy.go) | `source can't be a URL for COPY`, `source can't be a git ref for COPY` | DO006 for `http(s)://` sources (the message chosen by a `.git` in the URL) |
| same | `checksum can't be specified for multiple sources`, `checksum requires HTTP(S) or Git sources` | DO006 (a source is taken for Git when it could be one) |
| same | `checksum can't be specified for COPY` | unreachable (`COPY --checksum` is an unknown flag first) |
| same | `invalid chmod parameter`, git ref errors, `inconsistent keep-git-dir`, `checksum mismatch` | not reported (symbolic modes, Git URL grammar not ported) |
| convert.go `finalizeResultImage` (`lint.Error`) | `lint violation found for rules: ...` under `# check=error=true` | DO009 (DuplicateStageName), DO008 (ReservedStageName); the other rules are not reported (dockopt does not run BuildKit's linter) |
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import TypedDict

from . import refusals
from ._buildkit_lex import GO_SPACE, LexError, parse_heredoc_word, parse_words, process_words
from .refusals import Refusal
from .syntax import KNOWN_COMMANDS, Directive, Dockerfile, Instruction, Span


@dataclass(frozen=True, slots=True)
class Problem:
    """Something BuildKit refuses, at ``[start, end)`` of the file."""

    code: str
    name: str
    message: str  # as BuildKit words it
    start: int
    end: int


class Refused(Exception):
    """BuildKit would refuse to build the file; ``problem`` is the first error it meets."""

    def __init__(self, problem: Problem, line: int) -> None:
        super().__init__(problem.message)
        self.problem = problem
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.problem.message} ({self.problem.code})"


def problems(df: Dockerfile) -> tuple[Problem, ...]:
    """What BuildKit refuses in the file, in the order it meets it (at most one an instruction)."""
    return df.memo(_problems)


def _problems(df: Dockerfile) -> tuple[Problem, ...]:
    return tuple(_Checker(df).run())


def refuse(df: Dockerfile) -> None:
    """Raise ``Refused`` for the first problem of the file, if any."""
    found = problems(df)
    if found:
        raise Refused(found[0], df.line_col(found[0].start)[0])


# --------------------------------------------------------------------------- BuildKit's tables

_BOOL, _STRING, _STRINGS = "bool", "string", "strings"
# the flags each instruction defines before it calls BFlags.Parse (parse.go and the RUN hooks);
# ARG and STOPSIGNAL never parse their flags (absent here)
FLAGS: dict[str, dict[str, str]] = {
    "ADD": {
        "chown": _STRING,
        "chmod": _STRING,
        "link": _BOOL,
        "keep-git-dir": _BOOL,
        "checksum": _STRING,
        "unpack": _BOOL,
        "exclude": _STRINGS,
    },
    "COPY": {"chown": _STRING, "from": _STRING, "chmod": _STRING, "link": _BOOL, "exclude": _STRINGS, "parents": _BOOL},
    "FROM": {"platform": _STRING},
    "RUN": {"mount": _STRINGS, "network": _STRING, "security": _STRING, "device": _STRINGS},
    "HEALTHCHECK": {
        "interval": _STRING,
        "timeout": _STRING,
        "start-period": _STRING,
        "start-interval": _STRING,
        "retries": _STRING,
    },
    **{
        command: {}
        for command in (
            "ENV",
            "MAINTAINER",
            "LABEL",
            "ONBUILD",
            "WORKDIR",
            "CMD",
            "ENTRYPOINT",
            "EXPOSE",
            "USER",
            "VOLUME",
            "SHELL",
        )
    },
}

_NETWORKS = ("default", "none", "host")
_SECURITY = ("insecure", "sandbox")
_MOUNT_TYPES = ("bind", "cache", "tmpfs", "secret", "ssh")
_SHARING = ("shared", "private", "locked")
_MOUNT_KEYS = (
    "type",
    "from",
    "source",
    "target",
    "readonly",
    "id",
    "sharing",
    "required",
    "size",
    "mode",
    "uid",
    "gid",
    "src",
    "dst",
    "destination",
    "ro",
    "rw",
    "readwrite",
    "env",
)
_STAGE_NAME = re.compile(r"[a-z][a-z0-9\-_.]*\Z")
_RESERVED_STAGE_NAMES = ("context", "scratch")
_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")
# moby/sys/signal's Linux table (the dockerfile frontend runs on Linux)
_SIGNALS = frozenset(
    "ABRT ALRM BUS CHLD CLD CONT FPE HUP ILL INT IO IOT KILL PIPE POLL PROF PWR QUIT SEGV STKFLT STOP SYS "
    "TERM TRAP TSTP TTIN TTOU URG USR1 USR2 VTALRM WINCH XCPU XFSZ RTMIN RTMAX".split()
    + [f"RTMIN+{n}" for n in range(1, 16)]
    + [f"RTMAX-{n}" for n in range(1, 15)]
)
# a "$" that BuildKit's lexer expands (a name, "{", or a special parameter)
_EXPANSION = re.compile(r"\$[{\w@*#?\-$!]")
_GO_INT = re.compile(r"[+-]?[0-9]+\Z")
_BLANK_NAME = re.compile(r"(?:^|[\s\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])=")

# --------------------------------------------------------------------------- the checks


class _Checker:
    def __init__(self, df: Dockerfile) -> None:
        self.df = df
        self.found: list[Problem] = []
        self.done: set[int] = set()  # ids of the instructions (and directives) already refused

    def add(self, node: Instruction | Directive, refusal: Refusal, message: str, span: Span) -> None:
        if id(node) in self.done:
            return
        self.done.add(id(node))
        self.found.append(Problem(refusal.code, refusal.name, message, span.start, span.end))

    def run(self) -> list[Problem]:
        df = self.df
        self.check_directive()
        # instructions.Parse: each instruction's own checks, and the stage it belongs to
        seen_from = False
        outside = False
        for instruction in df.instructions:
            problem = _instruction_problem(df, instruction)
            if problem is not None:
                self.add(instruction, *problem)
            if instruction.command == "FROM":
                seen_from = True
            elif not seen_from and instruction.command != "ARG" and not outside and problem is None:
                outside = True
                self.add(
                    instruction, refusals.NO_BUILD_STAGE, "no build stage in current context", instruction.keyword_span
                )
        if not seen_from:
            if not outside and df.instructions:
                first = df.instructions[0]
                self.add(first, refusals.NO_BUILD_STAGE, "dockerfile contains no stages to build", first.keyword_span)
            return self.found
        _Stages(self).run()
        return self.found

    def check_directive(self) -> None:
        """newRuleLinter: the `# check=` directive must be readable."""
        error = _check_options(self.df)[1]
        if error is not None:
            directive = next(d for d in self.df.directives if d.name == "check")
            self.add(directive, refusals.INVALID_ARGUMENT, f"failed to parse check options: {error}", directive.span)


Found = tuple[Refusal, str, Span]


def _instruction_problem(df: Dockerfile, instruction: Instruction) -> Found | None:
    """The first error BuildKit's ParseInstruction raises for the instruction, if any."""
    check = _INSTRUCTIONS.get(instruction.command)
    if check is None:
        hint = _suggest(instruction.keyword, sorted(KNOWN_COMMANDS), case_sensitive=False)
        return (
            refusals.UNKNOWN_INSTRUCTION,
            f"unknown instruction: {instruction.keyword}{hint}",
            instruction.keyword_span,
        )
    return check(df, instruction)


def _word_span(instruction: Instruction, index: int) -> Span:
    """Where the instruction's whitespace-separated word number ``index`` is (its keyword when it has none)."""
    for number, match in enumerate(re.finditer(r"[^\t\v\f\r ]+", instruction.args)):
        if number == index:
            start = instruction.args_start + match.start()
            return instruction.offsets.span(start, start + len(match.group()))
    return instruction.keyword_span


def _where(instruction: Instruction) -> Span:
    """The instruction's arguments, or its keyword when it has none."""
    return instruction.args_span if instruction.args else instruction.keyword_span


def _count(instruction: Instruction, how: str) -> Found:
    command = instruction.command
    messages = {
        "one": f"{command} requires exactly one argument",
        "some": f"{command} requires at least one argument",
        "destination": f"{command} requires at least two arguments, but only one was provided. Destination could not be determined",
        "from": "FROM requires either one or three arguments",
    }
    return refusals.ARGUMENT_COUNT, messages[how], _where(instruction)


def _flag_parts(text: str) -> tuple[str, bool, str]:
    name, eq, value = text.partition("=")
    return name, bool(eq), value


def _values(instruction: Instruction, name: str) -> list[str]:
    """The values of a flag, named exactly as BuildKit matches it (case-sensitive)."""
    out = []
    for flag in instruction.flags:
        flag_name, _, value = _flag_parts(flag.text)
        if flag_name == "--" + name:
            out.append(value)
    return out


def _flags(instruction: Instruction) -> Found | None:
    """BFlags.Parse with the flags the instruction defines."""
    defined = FLAGS[instruction.command]
    used: set[str] = set()
    for flag in instruction.flags:
        name, has_value, value = _flag_parts(flag.text)
        key = name[2:]
        kind = defined.get(key)
        if kind is None:
            hint = _suggest(key, sorted(defined), case_sensitive=True)
            return refusals.INVALID_FLAG, f"unknown flag: {name}{hint}", flag.span
        if key in used and kind != _STRINGS:
            return refusals.INVALID_FLAG, f"duplicate flag specified: {name}", flag.span
        used.add(key)
        if kind == _BOOL:
            if has_value and value == "":
                return refusals.INVALID_FLAG, f"missing a value on flag: {name}", flag.span
            if value.lower() not in ("true", "", "false"):
                return refusals.INVALID_FLAG, f"expecting boolean value for flag {name}, not: {value}", flag.span
        elif not has_value:
            return refusals.INVALID_FLAG, f"missing a value on flag: {name}", flag.span
    return None


def _string_arg(instruction: Instruction) -> list[str]:
    """parseString: the rest of the line as one argument."""
    return [instruction.args] if instruction.args else []


def _list_args(instruction: Instruction) -> list[str]:
    """parseMaybeJSONToList (ADD, COPY, VOLUME) and parseStringsWhitespaceDelimited (FROM, EXPOSE)."""
    if instruction.json and instruction.json_args is not None:
        return list(instruction.json_args)
    return instruction.words()


def _command_args(instruction: Instruction) -> list[str]:
    """parseMaybeJSON then handleJSONArgs (RUN, CMD, ENTRYPOINT, SHELL)."""
    if instruction.json and instruction.json_args is not None:
        return list(instruction.json_args)
    return _string_arg(instruction)


def _check_key_values(df: Dockerfile, instruction: Instruction) -> Found | None:
    """ENV, LABEL: flags, then parseKvps."""
    found = _flags(instruction)
    if found is not None:
        return found
    if not instruction.args:
        return _count(instruction, "some")
    if _BLANK_NAME.search(instruction.args):  # words only split at blanks: a blank name needs one of these
        words = parse_words(instruction.args, df.escape)
        if words and "=" in words[0] and any(word.startswith("=") for word in words):
            return refusals.INVALID_ARGUMENT, f"{instruction.command} names can not be blank", instruction.args_span
    return None


def _check_exactly_one(df: Dockerfile, instruction: Instruction) -> Found | None:
    """MAINTAINER, WORKDIR, USER: one argument, then flags; STOPSIGNAL parses no flags."""
    if not _string_arg(instruction):
        return _count(instruction, "one")
    return _flags(instruction) if instruction.command != "STOPSIGNAL" else None


def _check_sources(df: Dockerfile, instruction: Instruction) -> Found | None:
    """ADD, COPY: a destination, flags, no heredoc as the destination."""
    args = _list_args(instruction)
    if len(args) < 2:
        return _count(instruction, "destination")
    found = _flags(instruction)
    if found is not None:
        return found
    if _heredoc(args[-1]):
        return (
            refusals.INVALID_ARGUMENT,
            f"{instruction.command} cannot accept a heredoc as a destination",
            instruction.args_span,
        )
    return None


def _heredoc(word: str) -> bool:
    try:
        return parse_heredoc_word(word) is not None
    except LexError:
        return False


def _check_from(df: Dockerfile, instruction: Instruction) -> Found | None:
    args = instruction.words()
    if len(args) == 3 and args[1].lower() == "as":
        if not _STAGE_NAME.match(args[2].lower()):
            message = (
                f"invalid name for build stage: {_go_quote(args[2])}, name can't start with a number or contain symbols"
            )
            return refusals.INVALID_STAGE_NAME, message, _word_span(instruction, 2)
    elif len(args) != 1:
        return _count(instruction, "from")
    return _flags(instruction)


def _check_onbuild(df: Dockerfile, instruction: Instruction) -> Found | None:
    if instruction.sub is None:
        return _count(instruction, "some")
    found = _flags(instruction)
    if found is not None:
        return found
    trigger = instruction.sub.keyword.upper()
    if trigger == "ONBUILD":
        return (
            refusals.FORBIDDEN_ONBUILD_TRIGGER,
            "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
            instruction.sub.keyword_span,
        )
    if trigger in ("MAINTAINER", "FROM"):
        return (
            refusals.FORBIDDEN_ONBUILD_TRIGGER,
            f"{trigger} isn't allowed as an ONBUILD trigger",
            instruction.sub.keyword_span,
        )
    return None


def _check_run(df: Dockerfile, instruction: Instruction) -> Found | None:
    """parseRun: flags, then the hooks in the order Go runs them (device, mount, network, security)."""
    found = _flags(instruction)
    if found is not None:
        return found
    for flag in instruction.flags:
        name, _, value = _flag_parts(flag.text)
        if name == "--device":
            error = _device_error(value)
            if error is not None:
                return refusals.INVALID_FLAG_VALUE, error, flag.span
    for flag in instruction.flags:
        name, _, value = _flag_parts(flag.text)
        if name == "--mount":
            fields, error = _csv(value, "mounts")
            if error is not None:
                return refusals.INVALID_FLAG_VALUE, error, flag.span
            for field in fields:
                key, eq, field_value = field.partition("=")
                if eq and key.lower() == "from" and "$" in field_value[:-1]:
                    message = "'from' doesn't support variable expansion, define alias stage instead"
                    return refusals.INVALID_STAGE_REFERENCE, message, flag.span
    for name, allowed, words in (
        ("network", _NETWORKS, "invalid network mode {}"),
        ("security", _SECURITY, "security {} is not valid"),
    ):
        values = _values(instruction, name)
        if values and values[-1] not in allowed:
            flag = next(f for f in instruction.flags if _flag_parts(f.text)[0] == "--" + name)
            return refusals.INVALID_FLAG_VALUE, words.format(_go_quote(values[-1])), flag.span
    return None


def _check_flags_only(df: Dockerfile, instruction: Instruction) -> Found | None:
    return _flags(instruction)


def _check_healthcheck(df: Dockerfile, instruction: Instruction) -> Found | None:
    args = instruction.args
    if not args:
        return _count(instruction, "some")
    sep = 0
    while sep < len(args) and args[sep] not in GO_SPACE:
        sep += 1
    rest = args[sep:].lstrip("".join(GO_SPACE))
    kind = args[:sep].upper()
    command = (
        list(instruction.json_args)
        if instruction.json and instruction.json_args is not None
        else ([rest] if rest else [])
    )
    if kind == "NONE":
        if command:
            return refusals.INVALID_ARGUMENT, "HEALTHCHECK NONE takes no arguments", instruction.args_span
        return None
    found = _flags(instruction)
    if found is not None:
        return found
    if kind != "CMD":
        return (
            refusals.INVALID_ARGUMENT,
            f"Unknown type {_go_quote(kind)} in HEALTHCHECK (try CMD)",
            instruction.args_span,
        )
    if not command:
        return refusals.INVALID_ARGUMENT, "Missing command after HEALTHCHECK CMD", instruction.args_span
    for name in ("interval", "timeout", "start-period", "start-interval"):
        for value in _values(instruction, name)[-1:]:
            error = _interval_error(name, value)
            if error is not None:
                return refusals.INVALID_FLAG_VALUE, error, _flag_span(instruction, name)
    for value in _values(instruction, "retries")[-1:]:
        if value:
            error = _retries_error(value)
            if error is not None:
                return refusals.INVALID_FLAG_VALUE, error, _flag_span(instruction, "retries")
    return None


def _flag_span(instruction: Instruction, name: str) -> Span:
    return next(f.span for f in reversed(instruction.flags) if _flag_parts(f.text)[0] == "--" + name)


def _check_expose(df: Dockerfile, instruction: Instruction) -> Found | None:
    if not instruction.words():
        return _count(instruction, "some")
    return _flags(instruction)


def _check_volume(df: Dockerfile, instruction: Instruction) -> Found | None:
    args = _list_args(instruction)
    if not args:
        return _count(instruction, "some")
    found = _flags(instruction)
    if found is not None:
        return found
    if any(not _go_trim(arg) for arg in args):
        return refusals.INVALID_ARGUMENT, "VOLUME specified can not be an empty string", instruction.args_span
    return None


def _check_arg(df: Dockerfile, instruction: Instruction) -> Found | None:
    if not instruction.args:  # parseWords finds a word in any other text
        return _count(instruction, "some")
    if _BLANK_NAME.search(instruction.args) and any(
        w.startswith("=") for w in parse_words(instruction.args, df.escape)
    ):
        return refusals.INVALID_ARGUMENT, "ARG names can not be blank", instruction.args_span
    return None


def _check_shell(df: Dockerfile, instruction: Instruction) -> Found | None:
    found = _flags(instruction)
    if found is not None:
        return found
    if not _command_args(instruction):
        return _count(instruction, "some")
    if not instruction.json:
        return refusals.INVALID_ARGUMENT, "SHELL requires the arguments to be in JSON form", instruction.args_span
    return None


_INSTRUCTIONS = {
    "ENV": _check_key_values,
    "LABEL": _check_key_values,
    "MAINTAINER": _check_exactly_one,
    "WORKDIR": _check_exactly_one,
    "USER": _check_exactly_one,
    "STOPSIGNAL": _check_exactly_one,
    "ADD": _check_sources,
    "COPY": _check_sources,
    "FROM": _check_from,
    "ONBUILD": _check_onbuild,
    "RUN": _check_run,
    "CMD": _check_flags_only,
    "ENTRYPOINT": _check_flags_only,
    "HEALTHCHECK": _check_healthcheck,
    "EXPOSE": _check_expose,
    "VOLUME": _check_volume,
    "ARG": _check_arg,
    "SHELL": _check_shell,
}


# --------------------------------------------------------------------------- stages


@dataclass
class _Stage:
    index: int
    instruction: Instruction  # its FROM
    name: str | None  # lowercase
    base: str | None  # the image or stage it is FROM, expanded; None when a variable decides
    body: list[Instruction]
    parent: int | None = None  # the earlier stage it is FROM (as BuildKit matches: exactly)

    @property
    def display(self) -> str:
        return self.name or f"stage-{self.index}"


@dataclass(frozen=True)
class _Reference:
    """A COPY --from or a RUN mount that reads a stage."""

    stage: int  # the stage holding the instruction
    instruction: Instruction
    written: str  # as written in the file
    source: int  # the stage it reads
    target: str | None  # a mount's target
    checked: bool = True  # dispatch checks the order (a mount without from=: only a cache mount)


class _Stages:
    """convert.go: stages, the graph of --from references, base images, dispatch."""

    def __init__(self, checker: _Checker) -> None:
        self.checker = checker
        self.df = checker.df
        self.stages: list[_Stage] = []
        for instruction in self.df.instructions:
            if instruction.command == "FROM":
                words = instruction.words()
                valid = id(instruction) not in checker.done
                name = words[2].lower() if valid and len(words) == 3 else None
                base = _literal(words[0], self.df.escape) if valid and words else None
                self.stages.append(_Stage(len(self.stages), instruction, name, base, []))
            elif self.stages:
                self.stages[-1].body.append(instruction)

    def ok(self, instruction: Instruction) -> bool:
        return id(instruction) not in self.checker.done

    def run(self) -> None:
        self.base_names()
        references = self.graph()
        self.circular(references)
        self.base_images()
        self.onbuild_triggers()
        self.dispatch(references)
        self.lint_errors()

    def base_names(self) -> None:
        """buildDispatchStates and addState: blank bases, and which stage a FROM names."""
        names: dict[str, int] = {}
        for stage in self.stages:
            if stage.base == "":
                written = stage.instruction.words()[0]
                span = stage.instruction.args_span
                self.checker.add(
                    stage.instruction,
                    refusals.INVALID_IMAGE_REFERENCE,
                    f"base name ({written}) should not be blank",
                    span,
                )
            elif stage.base is not None:
                stage.parent = names.get(
                    stage.base
                )  # statesByName holds lowercase names; BaseName is looked up as it is
            if stage.name:
                names[stage.name] = stage.index

    def graph(self) -> list[_Reference]:
        """buildStageDependencyGraph (toCommand, detectRunMount): what each --from and mount reads.

        BuildKit builds this graph after buildDispatchStates has registered every stage, so
        ``findStateByName`` (lowercase, the last stage of a repeated name) finds later stages
        and the stage itself as well as earlier ones; only a name that is no stage at all is
        an image (an "unregistered" state, which also counts for ``findStateByIndex``).
        ``dispatch`` (convert.go) then refuses a source that is not built yet, and
        ``validateCircularDependency`` a stage that reads itself.
        """
        last: dict[str, int] = {}
        for stage in self.stages:
            if stage.name:
                last[stage.name] = stage.index
        states = len(self.stages)  # grows by one for each image a --from or mount names (BuildKit adds a state)
        references: list[_Reference] = []
        for stage in self.stages:
            for instruction in stage.body:
                if not self.ok(instruction):
                    continue
                if instruction.command == "COPY":
                    written = (_values(instruction, "from") or [""])[-1]
                    if not written:
                        continue
                    span = _flag_span(instruction, "from")
                    if _expands(written, self.df.escape):
                        message = (
                            "variable expansion is not supported for --from, define a new stage with FROM "
                            "using ARG from global scope as a workaround"
                        )
                        self.checker.add(instruction, refusals.INVALID_STAGE_REFERENCE, message, span)
                        continue
                    index = _atoi(written)
                    if index is None:
                        source = last.get(written.lower())
                        if source is None:
                            states += 1
                            continue
                    elif index < 0 or index >= states:
                        self.checker.add(
                            instruction, refusals.INVALID_STAGE_REFERENCE, f"invalid stage index {index}", span
                        )
                        continue
                    elif index >= len(self.stages):
                        continue  # an image an earlier --from or mount named
                    else:
                        source = index
                    references.append(_Reference(stage.index, instruction, written, source, None))
                elif instruction.command == "RUN":
                    for mount in _mounts(instruction):
                        written = mount.get("from", "")
                        # no from=: "scratch", looked up as a stage name too (detectRunMount); dispatchRunMounts
                        # then checks the order only for a cache mount (which it gives that from)
                        source = last.get((written or "scratch").lower())
                        if source is None:
                            states += 1
                        else:
                            checked = bool(written) or mount.get("type", "bind").lower() == "cache"
                            references.append(
                                _Reference(
                                    stage.index,
                                    instruction,
                                    written or "scratch",
                                    source,
                                    _mount_target(mount),
                                    checked,
                                )
                            )
        return references

    def circular(self, references: list[_Reference]) -> None:
        """validateCircularDependency: the first stage (in file order) from which a loop of --from is reachable."""
        deps: dict[int, dict[int, Instruction]] = {}
        for reference in references:
            deps.setdefault(reference.stage, {})[reference.source] = reference.instruction
        visited: set[int] = set()
        path: set[int] = set()

        def visit(state: int, current: list[Instruction]) -> list[Instruction] | None:
            if state in visited:
                return None
            visited.add(state)
            path.add(state)
            for dep, instruction in deps.get(state, {}).items():
                following = current + [instruction]
                if dep in path:
                    return following
                found = visit(dep, following)
                if found is not None:
                    return found
            path.discard(state)
            return None

        for stage in self.stages:
            loop = visit(stage.index, [])
            if loop is not None:
                first = loop[0]
                span = _flag_span(first, "from") if first.command == "COPY" else first.keyword_span
                message = f"circular dependency detected on stage: {stage.display}"
                self.checker.add(first, refusals.INVALID_STAGE_REFERENCE, message, span)
                return

    def base_images(self) -> None:
        """resolveBaseImage: the image of every FROM that names no earlier stage must be a reference."""
        for stage in self.stages:
            if stage.base is None or stage.base in ("", "scratch") or stage.parent is not None:
                continue
            error = reference_error(stage.base)
            if error is not None:
                message = f"failed to parse stage name {_go_quote(stage.base)}: {error}"
                self.checker.add(
                    stage.instruction, refusals.INVALID_IMAGE_REFERENCE, message, _word_span(stage.instruction, 0)
                )

    def onbuild_triggers(self) -> None:
        """initOnBuildTriggers: a stage built FROM an earlier one runs that one's ONBUILD triggers."""
        parents = {stage.parent for stage in self.stages if stage.parent is not None}
        for stage in self.stages:
            if stage.index not in parents:
                continue
            for instruction in stage.body:
                if instruction.command == "ONBUILD" and instruction.sub is not None and self.ok(instruction):
                    found = _instruction_problem(self.df, instruction.sub)
                    if found is not None:
                        self.checker.add(instruction, *found)

    def dispatch(self, references: list[_Reference]) -> None:
        """dispatch: what each instruction meets when its stage is built."""
        later: dict[int, list[_Reference]] = {}
        for reference in references:
            if reference.source > reference.stage and reference.checked:
                later.setdefault(id(reference.instruction), []).append(reference)
        for stage in self.stages:
            for instruction in stage.body:
                if not self.ok(instruction):
                    continue
                found = _dispatch_problem(self.df, instruction)
                if found is not None:
                    self.checker.add(instruction, *found)
                    continue
                for reference in later.get(id(instruction), [])[:1]:
                    written = reference.written
                    if instruction.command == "COPY":
                        message = f"cannot copy from stage {_go_quote(written)}, it needs to be defined before current stage {_go_quote(stage.display)}"
                        span = _flag_span(instruction, "from")
                    else:
                        message = (
                            f"cannot mount from stage {_go_quote(written)} to {_go_quote(reference.target or '')}, "
                            "stage needs to be defined before current command"
                        )
                        span = instruction.keyword_span
                    self.checker.add(instruction, refusals.INVALID_STAGE_REFERENCE, message, span)

    def lint_errors(self) -> None:
        """finalizeResultImage: under `# check=error=true` the stage-name checks are errors."""
        options, error = _check_options(self.df)
        if error is not None or not options.get("error"):
            return
        skipped = options.get("skip", set())
        seen: set[str] = set()
        for stage in self.stages:
            if not stage.name:
                continue
            span = _word_span(stage.instruction, 2)
            if stage.name in _RESERVED_STAGE_NAMES and not {"all", "ReservedStageName"} & skipped:
                message = f"Stage name should not use the same name as reserved stage {_go_quote(stage.name)} (an error with `# check=error=true`)"
                self.checker.add(stage.instruction, refusals.INVALID_STAGE_NAME, message, span)
            if stage.name in seen and not {"all", "DuplicateStageName"} & skipped:
                message = f"Duplicate stage name {_go_quote(stage.name)}, stage names should be unique (an error with `# check=error=true`)"
                self.checker.add(stage.instruction, refusals.DUPLICATE_STAGE_NAME, message, span)
            seen.add(stage.name)


def _dispatch_problem(df: Dockerfile, instruction: Instruction) -> Found | None:
    """The errors of dispatch that the file alone decides (its words hold no variable)."""
    command = instruction.command
    escape = df.escape
    if command == "STOPSIGNAL":
        signal = _literal(instruction.args, escape)
        if signal is not None and not _is_signal(signal):
            return refusals.INVALID_ARGUMENT, f"invalid signal: {signal}", instruction.args_span
    elif command == "EXPOSE":
        for word in instruction.words():
            literal = _literal(word, escape)
            for port in [] if literal is None else literal.split():
                error = _port_error(port)
                if error is not None:
                    return refusals.INVALID_ARGUMENT, error, instruction.args_span
    elif command == "VOLUME":
        for word in _list_args(instruction):
            if _literal(word, escape) == "":
                return refusals.INVALID_ARGUMENT, "VOLUME specified can not be an empty string", instruction.args_span
    elif command in ("COPY", "ADD"):
        return _copy_problem(instruction, escape)
    elif command == "RUN":
        for flag in instruction.flags:
            name, _, value = _flag_parts(flag.text)
            if name == "--mount":
                error = _mount_error(value)
                if error is not None:
                    return refusals.INVALID_FLAG_VALUE, error, flag.span
    return None


def _copy_problem(instruction: Instruction, escape: str) -> Found | None:
    """dispatchCopy: URLs are for ADD only; ADD --checksum wants one remote source."""
    sources = [s for s in _list_args(instruction)[:-1] if not _heredoc(s)]
    if instruction.command == "COPY":
        for source in sources:
            literal = _literal(source, escape)
            if literal is not None and literal.startswith(("http://", "https://")):
                kind = "a git ref" if re.search(r"\.git(#|/|$)", literal) else "a URL"
                return refusals.INVALID_ARGUMENT, f"source can't be {kind} for COPY", instruction.args_span
        return None
    checksum = (_values(instruction, "checksum") or [""])[-1]
    if not checksum or _literal(checksum, escape) is None:
        return None
    if len(sources) != 1:
        return refusals.INVALID_ARGUMENT, "checksum can't be specified for multiple sources", instruction.args_span
    remote = _literal(sources[0], escape)
    if remote is not None and not re.search(r"://|@|\.git\b", remote):
        return refusals.INVALID_ARGUMENT, "checksum requires HTTP(S) or Git sources", instruction.args_span
    return None


# --------------------------------------------------------------------------- RUN mounts and devices


def _csv(value: str, what: str) -> tuple[list[str], str | None]:
    """tonistiigi/go-csvvalue's Fields (encoding/csv rules, one line); the error as BuildKit words it."""

    def error(position: int, reason: str) -> tuple[list[str], str]:
        return [], f"failed to parse csv {what}: parse error on line 1, column {position + 1}: {reason}"

    line = value
    if line.endswith("\n"):
        line = line[:-2] if line.endswith("\r\n") else line[:-1]
    if not line:
        return [], f"failed to parse csv {what}: EOF"
    fields: list[str] = []
    position = 0
    while True:
        if not line or line[0] != '"':
            comma = line.find(",")
            field = line if comma < 0 else line[:comma]
            quote = field.find('"')
            if quote >= 0:
                return error(position + len(field[:quote].encode()), 'bare " in non-quoted-field')
            fields.append(field)
            if comma < 0:
                return fields, None
            line = line[comma + 1 :]
            position += len(field.encode()) + 1
            continue
        line = line[1:]
        position += 1
        half_open = False
        while True:
            quote = line.find('"')
            if quote < 0:
                return error(position, 'extraneous or missing " in quoted-field')
            if half_open:
                fields[-1] += line[:quote]
            else:
                fields.append(line[:quote])
            half_open = False
            position += len(line[:quote].encode()) + 1
            line = line[quote + 1 :]
            if line.startswith('"'):
                fields[-1] += '"'
                line = line[1:]
                position += 1
                half_open = True
            elif line.startswith(","):
                line = line[1:]
                position += 1
                break
            elif not line:
                return fields, None
            else:
                return error(position - 1, 'extraneous or missing " in quoted-field')


def _mounts(instruction: Instruction) -> list[dict[str, str]]:
    """The RUN mounts as parseMount reads them without an expander (only `from` is kept)."""
    out = []
    for value in _values(instruction, "mount"):
        fields, error = _csv(value, "mounts")
        mount: dict[str, str] = {}
        for field in fields if error is None else []:
            key, eq, field_value = field.partition("=")
            if eq:
                mount[key.lower()] = field_value
        out.append(mount)  # "type" may hold a variable: only a literal "cache" counts where it matters
    return out


def _mount_target(mount: dict[str, str]) -> str:
    for key in ("target", "dst", "destination"):
        if key in mount:
            return mount[key]
    return ""


def _parse_bool(value: str) -> bool | None:
    return True if value in _TRUE else False if value in _FALSE else None


def _parse_uint(value: str, base: int) -> bool:
    digits = "01234567" if base == 8 else "0123456789"
    return bool(value) and all(c in digits for c in value) and int(value, base) < 2**32


def _mount_error(value: str) -> str | None:
    """parseMount with the expander, then dispatchRunMounts' target check, for a mount whose
    values hold no variable or quote (their value comes with the build); None when valid."""
    if any(c in value for c in "$'\"\\`"):
        return None
    fields, error = _csv(value, "mounts")
    if error is not None:
        return None  # reported when parsing
    kind = "bind"
    set_fields: dict[str, str] = {}
    for field in fields:
        key, eq, field_value = field.partition("=")
        key = key.lower()
        if not eq:
            if key in ("readonly", "ro", "readwrite", "rw"):
                continue
            if key == "required":
                if kind in ("secret", "ssh"):
                    continue
                return f"unexpected key '{key}' for mount type '{kind}'"
            return f"invalid field '{field}' must be a key=value pair"
        if key == "type":
            if field_value.lower() not in _MOUNT_TYPES:
                return f"unsupported mount type {_go_quote(field_value)}" + _suggest(
                    field_value, list(_MOUNT_TYPES), case_sensitive=True
                )
            kind = field_value.lower()
        elif key in ("readonly", "ro", "readwrite", "rw"):
            if _parse_bool(field_value) is None:
                return f"invalid value for {key}: {field_value}"
        elif key == "required":
            if kind not in ("secret", "ssh"):
                return f"unexpected key '{key}' for mount type '{kind}'"
            if _parse_bool(field_value) is None:
                return f"invalid value for {key}: {field_value}"
        elif key == "size":
            if kind != "tmpfs":
                return f"unexpected key '{key}' for mount type '{kind}'"
        elif key == "sharing":
            if field_value.lower() not in _SHARING:
                return f"unsupported sharing value {_go_quote(field_value)}" + _suggest(
                    field_value, list(_SHARING), case_sensitive=True
                )
        elif key in ("mode", "uid", "gid"):
            if not _parse_uint(field_value, 8 if key == "mode" else 10):
                return f"invalid value {field_value} for {key}"
        elif key not in ("from", "source", "src", "target", "dst", "destination", "id", "env"):
            return f"unexpected key '{key}' in '{field}'" + _suggest(key, list(_MOUNT_KEYS), case_sensitive=True)
        set_fields[key] = field_value
    if kind not in ("secret", "ssh", "cache"):
        for key in ("mode", "uid", "gid"):
            if key in set_fields:
                return f"{key} not allowed for {_go_quote(kind)} type mounts"
    source = set_fields.get("source", set_fields.get("src", ""))
    target = _mount_target(set_fields)
    if kind == "secret":
        if set_fields.get("from"):
            return "secret mount should not have a from"
        if set_fields.get("sharing"):
            return "secret mount should not define sharing"
        if not source and not target and not set_fields.get("id"):
            return "invalid secret mount. one of source, target required"
        if source and set_fields.get("id"):
            return "both source and id can't be set"
    if set_fields.get("sharing") and kind != "cache":
        return f"invalid cache sharing set for {kind} mount"
    if kind not in ("secret", "ssh") and target == "/":
        return 'invalid mount target "/"'
    return None


def _device_error(value: str) -> str | None:
    """ParseDevice (commands_rundevice.go)."""
    fields, error = _csv(value, "devices")
    if error is not None:
        return error
    name = ""
    for field in fields:
        key, eq, field_value = field.partition("=")
        key = key.lower()
        if not eq:
            if key == "required":
                continue
            if not name:
                name = field
                continue
            return f"invalid field '{field}' must be a key=value pair"
        if key == "name":
            if name:
                return f"device name already set to {name}"
            name = field_value
        elif key == "required":
            if _parse_bool(field_value) is None:
                return f"invalid value for {key}: {field_value}"
        elif not name:
            name = field
        else:
            return f"unexpected key '{key}' in '{field}'" + _suggest(key, ["name", "required"], case_sensitive=True)
    return None


# --------------------------------------------------------------------------- HEALTHCHECK values

_UNITS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,
    "\u03bcs": 1_000,
    "ms": 1_000_000,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
}
_DURATION_PART = re.compile(r"([0-9]*)(\.[0-9]*)?([^0-9.]*)")


def _go_duration(text: str) -> int:
    """Go's time.ParseDuration, in nanoseconds; ValueError with Go's message."""
    quoted = _go_quote(text)
    rest = text
    negative = False
    if rest[:1] in ("-", "+"):
        negative = rest[0] == "-"
        rest = rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise ValueError(f"time: invalid duration {quoted}")
    total = 0
    while rest:
        if not (rest[0] == "." or (rest[0].isdigit() and rest[0].isascii())):
            raise ValueError(f"time: invalid duration {quoted}")
        match = _DURATION_PART.match(rest)
        assert match is not None
        whole, fraction, unit = match.groups()
        if not whole and (not fraction or fraction == "."):
            raise ValueError(f"time: invalid duration {quoted}")
        if not unit:
            raise ValueError(f"time: missing unit in duration {quoted}")
        if unit not in _UNITS:
            raise ValueError(f"time: unknown unit {_go_quote(unit)} in duration {quoted}")
        scale = _UNITS[unit]
        total += int(whole or "0") * scale + (
            int(fraction[1:] or "0") * scale // 10 ** len(fraction[1:]) if fraction else 0
        )
        if total > 2**63 - 1:
            raise ValueError(f"time: invalid duration {quoted}")
        rest = rest[match.end() :]
    return -total if negative else total


def _interval_error(name: str, value: str) -> str | None:
    """parseOptInterval."""
    if not value:
        return None
    try:
        duration = _go_duration(value)
    except ValueError as exc:
        return str(exc)
    if duration != 0 and duration < 1_000_000:
        return f"Interval {_go_quote(name)} cannot be less than 1ms"
    return None


def _retries_error(value: str) -> str | None:
    if not _GO_INT.match(value):
        return f"strconv.ParseInt: parsing {_go_quote(value)}: invalid syntax"
    number = int(value)
    if not -(2**31) <= number < 2**31:
        return f"strconv.ParseInt: parsing {_go_quote(value)}: value out of range"
    if number < 0:
        return f"--retries cannot be negative ({number})"
    return None


# --------------------------------------------------------------------------- signals and ports


def _is_signal(text: str) -> bool:
    """moby/sys/signal's ParseSignal."""
    number = _atoi(text)
    if number is not None:
        return number != 0
    upper = text.upper()
    return (upper[3:] if upper.startswith("SIG") else upper) in _SIGNALS


def _port_number(text: str) -> int | None:
    if not _GO_INT.match(text):
        return None
    number = int(text)
    return number if 0 <= number <= 65535 else None


def _port_range(text: str) -> tuple[int, int] | None:
    if not text:
        return None
    start, dash, end = text.partition("-")
    first = _port_number(start)
    if first is None:
        return None
    if not dash or start == end:
        return first, first
    last = _port_number(end)
    if last is None or last < first:
        return None
    return first, last


def _port_error(raw: str) -> str | None:
    """convert_expose.go parsePort: `[ip:]hostPort:containerPort/proto`."""
    parts = raw.split(":")
    if len(parts) == 1:
        ip, host, container = "", "", parts[0]
    elif len(parts) == 2:
        ip, host, container = "", parts[0], parts[1]
    else:
        ip, host, container = ":".join(parts[:-2]), parts[-2], parts[-1]
    port, _, proto = container.partition("/")
    if not port:
        return f"invalid port: {_go_quote(raw)}: no port specified"
    if proto.lower() not in ("", "tcp", "udp", "sctp"):
        return f"invalid port: {_go_quote(raw)}: invalid proto: {proto}"
    if ip.startswith("["):
        if not ip.endswith("]"):
            return f"invalid IP address {ip}"
        ip = ip[1:-1]
    if ip:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            return f"invalid IP address: {ip}"
    ports = _port_range(port)
    if ports is None:
        return f"invalid containerPort: {port}"
    if host:
        host_ports = _port_range(host)
        if host_ports is None:
            return f"invalid hostPort: {host}"
        if ports[1] - ports[0] != host_ports[1] - host_ports[0] and ports[1] != ports[0]:
            return f"invalid ranges specified for container and host Ports: {port} and {host}"
    return None


# --------------------------------------------------------------------------- image references

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[(?:[a-fA-F0-9:]+)\])"
_DOMAIN = rf"{_HOST}(?::[0-9]+)?"
_PATH = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_REMOTE = rf"{_PATH}(?:/{_PATH})*"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}"
_REFERENCE = re.compile(rf"((?:{_DOMAIN}/)?{_REMOTE})(?::({_TAG}))?(?:@({_DIGEST}))?\Z", re.ASCII)
_ANCHORED_NAME = re.compile(rf"(?:({_DOMAIN})/)?({_REMOTE})\Z", re.ASCII)
_IDENTIFIER = re.compile(r"[a-f0-9]{64}\Z")
_DIGEST_ANCHORED = re.compile(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+\Z")
_DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}


def reference_error(text: str) -> str | None:
    """distribution/reference's ParseNormalizedNamed: why Docker refuses an image reference, or None."""
    if _IDENTIFIER.match(text):
        return f"invalid repository name ({text}), cannot specify 64-byte hexadecimal strings"
    domain, remainder = _split_domain(text)
    remote = remainder.split(":", 1)[0]
    if remote.lower() != remote:
        return f"invalid reference format: repository name ({remote}) must be lowercase"
    full = f"{domain}/{remainder}"
    match = _REFERENCE.match(full)
    if match is None:
        if _REFERENCE.match(full.lower()) is not None:
            return "invalid reference format: repository name must be lowercase"
        return "invalid reference format"
    name = _ANCHORED_NAME.match(match.group(1))
    path = name.group(2) if name is not None else match.group(1)
    if len(path) > 255:
        return "repository name must not be more than 255 characters"
    if match.group(3):
        return _digest_error(match.group(3))
    return None


def _split_domain(name: str) -> tuple[str, str]:
    first, slash, rest = name.partition("/")
    if not slash:
        return "docker.io", "library/" + name
    if first == "localhost":
        domain, remote = first, rest
    elif first == "index.docker.io":
        domain, remote = "docker.io", rest
    elif "." in first or ":" in first or first.lower() != first:
        domain, remote = first, rest
    else:
        domain, remote = "docker.io", name
    if domain == "docker.io" and "/" not in remote:
        remote = "library/" + remote
    return domain, remote


def _digest_error(digest: str) -> str | None:
    """opencontainers/go-digest's Validate (sha256, sha384 and sha512 are available)."""
    algorithm, colon, encoded = digest.partition(":")
    if not algorithm or not colon or not encoded:
        return "invalid checksum digest format"
    size = _DIGEST_SIZES.get(algorithm)
    if size is None:
        return (
            "invalid checksum digest format" if not _DIGEST_ANCHORED.match(digest) else "unsupported digest algorithm"
        )
    if len(encoded) != 2 * size:
        return "invalid checksum digest length"
    if not re.fullmatch(r"[a-f0-9]+", encoded):
        return "invalid checksum digest format"
    return None


# --------------------------------------------------------------------------- words


def _literal(word: str, escape: str) -> str | None:
    """The word as BuildKit's expansion leaves it, when no variable decides it; else None."""
    if "$" in word:
        return None
    if escape != "\\" and ("`" in word or "\\" in word):
        return None
    if not any(c in word for c in "'\"\\"):
        return word
    try:
        return " ".join(process_words(word, raw_quotes=False, raw_escapes=False))
    except LexError:
        return None


def _expands(word: str, escape: str) -> bool:
    """Whether BuildKit's ProcessWord with no variables changes the word."""
    return bool(_EXPANSION.search(word)) or any(c in word for c in ("'", '"', escape))


def _atoi(text: str) -> int | None:
    """Go's strconv.Atoi (decimal, optional sign, 64 bits), or None."""
    if not _GO_INT.match(text):
        return None
    number = int(text)
    return number if -(2**63) <= number < 2**63 else None


def _go_trim(text: str) -> str:
    return text.strip("".join(GO_SPACE))


def _go_quote(text: str) -> str:
    """Go's %q (close enough: printable characters as they are)."""
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif not ch.isprintable():
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x80 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _suggest(value: str, options: list[str], *, case_sensitive: bool) -> str:
    """util/suggest: ` (did you mean X?)` for the closest option within 2 edits, else ""."""
    key = value if case_sensitive else value.lower()
    match = ""
    best = 3
    for option in options:
        candidate = option if case_sensitive else option.lower()
        if candidate == key:
            return ""
        if abs(len(candidate) - len(key)) >= best:
            continue  # the distance is at least the difference in length: it cannot be closer
        distance = _levenshtein(key, candidate)
        if distance < best:
            best = distance
            if case_sensitive:
                match = candidate
            elif value == value.lower():
                match = candidate.lower()
            elif value == value.upper():
                match = candidate.upper()
            else:
                match = candidate
    return f" (did you mean {match}?)" if match else ""


def skipped_checks(df: Dockerfile) -> frozenset[str]:
    """The BuildKit checks the `# check=skip=` directive skips (names, or "all"); none when the
    directive is unreadable (that is DO006)."""
    return frozenset(_check_options(df)[0].get("skip", ()))


class _CheckOptions(TypedDict, total=False):
    skip: set[str]  # rule names, or "all"
    error: bool


def _check_options(df: Dockerfile) -> tuple[_CheckOptions, str | None]:
    """linter.ParseLintOptions of the `# check=` directive: (options, error)."""
    directive = next((d for d in df.directives if d.name == "check"), None)
    text = directive.value.strip() if directive is not None else ""
    if not text:
        return {}, None
    options: _CheckOptions = {}
    for part in text.split(";", 2):
        key, eq, value = part.partition("=")
        if not eq:
            return {}, f"invalid check option {_go_quote(part)}"
        key = key.strip()
        if key == "skip":
            value = value.strip()
            options["skip"] = {"all"} if value == "all" else {rule.strip() for rule in value.split(",")}
        elif key == "experimental":
            pass
        elif key == "error":
            flag = _parse_bool(value.strip())
            if flag is None:
                return (
                    {},
                    f"failed to parse check option {_go_quote(part)}: strconv.ParseBool: parsing {_go_quote(value.strip())}: invalid syntax",
                )
            options["error"] = flag
        else:
            return {}, f"invalid check option {_go_quote(key)}"
    return options, None
