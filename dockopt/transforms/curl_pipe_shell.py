"""curl-pipe-shell (DO311): a script downloaded in a RUN is verified before it runs."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from ..context import Context
from ..fix import Applicability, Finding
from ..packages import runs, unwrapped
from ..shell import Command, Script, Word, effective_shell, is_posix_shell, pipeline_of, script_of
from ..syntax import Dockerfile
from ..transform import WARNING, transform

DOWNLOADERS = frozenset({"curl", "wget"})
SHELLS = frozenset({"sh", "bash", "zsh", "ash", "dash", "ksh", "mksh"})
_INTERPRETER = re.compile(r"(python|perl|ruby|php|node)[0-9.]*\Z")
# options after which an interpreter does not read its program from stdin: the program is
# given inline (`sh -c`, `perl -e`, `node -p`, `php -r`) or is a module (`python -m`)
_PROGRAM_OPTIONS = {
    "shell": "c",
    "python": "cm",
    "perl": "eEnp",
    "ruby": "enp",
    "php": "rRBEFf",
    "node": "ep",
}
_LONG_PROGRAM_OPTIONS = frozenset({"--eval", "--print", "--command", "--run", "--module"})
# shell options that take the next word as their value
_SHELL_VALUES = frozenset({"-o", "+o", "-O", "+O", "--rcfile", "--init-file"})
# curl and wget options whose value is the next word (or the rest of a cluster of short ones)
_CURL_VALUES = "AbcCdDeEFHKmoPQrTtuUwxXyYz"
_WGET_VALUES = "aABDeIilOoPQRtTUwX"
_ADVICE = "download it to a file and check its checksum or signature before running it"
_VERIFIERS = re.compile(r"(sha(1|224|256|384|512)sum|shasum|md5sum|b2sum|cksum)\Z")


@transform(code="DO311", name="curl-pipe-shell", applicability=Applicability.DISPLAY_ONLY, severity=WARNING)
def curl_pipe_shell(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """A script downloaded in a RUN is verified before it runs.

    ## What it does
    Reports a RUN that runs what it downloads without checking it: `curl` or `wget`
    writing to stdout, piped into a shell (`sh`, `bash`, `zsh`, `ash`, `dash`, `ksh`, also
    behind `sudo` or `env`) or an interpreter reading its program from stdin (`python`,
    `perl`, `ruby`, `php`, `node`), or passed to one as its program:
    `sh -c "$(curl -fsSL URL)"`, `bash <(curl URL)`, `eval "$(wget -qO- URL)"`,
    `source <(curl URL)`. A RUN that also verifies something (`sha256sum -c`,
    `shasum -c`, `gpg --verify`, `gpgv`, `cosign verify`, `minisign -V`) is left alone.

    ## Why
    The downloaded script runs as root in the build with whatever the server (or anyone
    between it and the build) returned that day: a compromised or changed installer goes
    into the image unnoticed, and the same Dockerfile builds different images. A
    truncated download may even run half a script.

    ## Example
    ```Dockerfile
    RUN curl -fsSL https://example.com/install.sh | sh
    ```
    is reported: download to a file, check it against a known checksum, then run it:
    ```Dockerfile
    RUN curl -fsSLo /tmp/install.sh https://example.com/install.sh \\
        && echo "<sha256>  /tmp/install.sh" | sha256sum -c - \\
        && sh /tmp/install.sh && rm /tmp/install.sh
    ```

    ## Fix safety
    Display-only: the checksum to verify against must come from the project that
    publishes the script. RUNs in exec form or under a shell that is not POSIX-like are
    not read; a pipe whose shell is given its program otherwise (`sh -c '...'`,
    `python -c ...`, `perl -ne ...`, `bash script.sh`) reads the download as data and is
    not reported, nor is `curl -o FILE` or `wget` writing to a file.
    """
    for run in runs(df):
        text = run.logical + "".join(doc.body for doc in run.heredocs)
        if not any(name in text for name in DOWNLOADERS):
            continue
        if not is_posix_shell(effective_shell(df, run)):
            continue
        script = script_of(df, run)
        if script is None or any(_verifies(c) for c in script.commands):
            continue
        for command in script.commands:
            found = _runs_download(script, command)
            if found is not None:
                message, start = found
                span = script.span(start, command.end)
                yield Finding(message, span.start, span.end)


def _runs_download(script: Script, command: Command) -> tuple[str, int] | None:
    """What is wrong when ``command`` runs a script it gets from a download, and where
    that starts in the script (the download of a pipe, else the command); None if nothing."""
    words = unwrapped(command)
    if words is None:
        return None
    program = posixpath.basename(words[0].value or "")
    kind = _interpreter(program)
    if kind is not None and command.pipeline is not None:
        before = pipeline_of(script, command)
        before = before[: before.index(command)]
        download = next((c for c in before if _downloads_to_stdout(c)), None)
        if download is not None and _reads_program_from_stdin(kind, words[1:]):
            message = f"{_name(download)} output piped into {program} runs a script that nothing verifies"
            return f"{message}; {_ADVICE}", download.start
    if kind is not None or program in ("eval", "source", "."):
        for word in words[1:]:
            inner = _substituted(script, word)
            download = next((c for c in inner if _downloads_to_stdout(c)), None)
            if download is not None:
                message = f"{program} runs what {_name(download)} downloads, and nothing verifies it"
                return f"{message}; {_ADVICE}", command.start
    return None


def _name(command: Command) -> str:
    return command.program or "the download"


def _interpreter(program: str) -> str | None:
    if program in SHELLS:
        return "shell"
    match = _INTERPRETER.match(program)
    return match.group(1) if match else None


def _reads_program_from_stdin(kind: str, args: tuple[Word, ...]) -> bool:
    """Whether the interpreter, run with ``args``, reads its program from stdin."""
    program_options = _PROGRAM_OPTIONS[kind]
    index = 0
    while index < len(args):
        value = args[index].value
        if value is None:
            return False
        if value in ("-", "--"):
            return True  # `sh -s --` and `python3 -` read the program from stdin
        if kind == "shell" and value.startswith("-") and not value.startswith("--") and "s" in value[1:]:
            return True  # `bash -s stable`: the program from stdin, the operands are its arguments
        if value.startswith("--"):
            if value.split("=", 1)[0] in _LONG_PROGRAM_OPTIONS:
                return False
        elif value.startswith(("-", "+")) and len(value) > 1:
            if any(letter in program_options for letter in value[1:]):
                return False
            if kind == "shell" and value in _SHELL_VALUES:
                index += 1
        else:
            return False  # a program file: stdin is only its input
        index += 1
    return True


def _downloads_to_stdout(command: Command) -> bool:
    """`curl URL` or `wget -O- URL`: the download goes to stdout."""
    words = unwrapped(command)
    if words is None:
        return False
    program = posixpath.basename(words[0].value or "")
    if program not in DOWNLOADERS:
        return False
    outputs: list[str | None] = []  # where the download goes
    values = _CURL_VALUES if program == "curl" else _WGET_VALUES
    args = words[1:]
    index = 0
    while index < len(args):
        value = args[index].value
        index += 1
        if value is None or not value.startswith("-") or value == "-":
            continue
        if value.startswith("--"):
            name, eq, attached = value.partition("=")
            if name in ("--output", "--output-document"):
                outputs.append(attached if eq else (args[index].value if index < len(args) else None))
                index += 0 if eq else 1
            elif name in ("--remote-name", "--remote-name-all"):
                outputs.append(None)
            continue
        for position, letter in enumerate(value[1:], start=1):
            if program == "curl" and letter == "O":
                outputs.append(None)
            elif letter in values:
                attached = value[position + 1 :]
                given = attached if attached else (args[index].value if index < len(args) else None)
                index += 0 if attached else 1
                if (program == "curl" and letter == "o") or (program == "wget" and letter == "O"):
                    outputs.append(given)
                break
    if program == "wget":
        return bool(outputs) and outputs[-1] == "-"
    return not outputs or all(o == "-" for o in outputs)


def _substituted(script: Script, word: Word) -> list[Command]:
    """The commands of a word that is one command or process substitution: `"$(...)"`, `<(...)`."""
    text = word.text
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    whole = (text.startswith(("$(", "<(")) and text.endswith(")")) or (len(text) >= 2 and text[0] == text[-1] == "`")
    if not whole:
        return []
    return [c for c in script.commands if word.start <= c.start and c.end <= word.end]


def _verifies(command: Command) -> bool:
    """A command that checks a download: a checksum check or a signature verification."""
    words = unwrapped(command)
    if words is None:
        return False
    program = posixpath.basename(words[0].value or "")
    values = [w.value or "" for w in words[1:]]
    if _VERIFIERS.match(program):
        return any(
            v in ("-c", "--check") or (v.startswith("-") and not v.startswith("--") and "c" in v) for v in values
        )
    if program in ("gpg", "gpg2"):
        return "--verify" in values
    if program == "gpgv":
        return True
    if program == "cosign":
        return any(v.startswith("verify") for v in values)
    if program == "minisign":
        return "-V" in values
    if program == "openssl":
        return any(v in ("-verify", "-checkhash") for v in values)
    return False
