"""Compare dockopt's parse of a Dockerfile with BuildKit's (the `dockerfile` package).

The package bundles BuildKit v0.12.5; dockopt follows current BuildKit. Where the two
BuildKit versions differ, ``known_version_difference`` says so, and such instructions are
compared on what both versions agree on.
"""

from __future__ import annotations

import json
import re

from dockopt.syntax import Instruction, parse

# Constructs BuildKit v0.12.5 parsed differently from current BuildKit: whitespace after
# "<<", ${x/a/b} in a heredoc word, the check directive, and a JSON array followed by more
# text (v0.12.5 read it as exec form, ignoring the rest; now it is shell form). Text that
# matches may be parsed differently by the two, or refused by one of them.
VERSION_DIFFERENCES = re.compile(r"<<-?[ \t\r]|\$\{[^}]*/|check=|\][^\n]*\S")


def _trailing_json(args: str) -> bool:
    """v0.12.5 decoded the first JSON value and ignored what followed it; now that is shell form."""
    text = args.lstrip()
    if not text.startswith("["):
        return False
    try:
        value, end = json.JSONDecoder().raw_decode(text)
    except ValueError:
        return False
    return isinstance(value, list) and text[end:].strip() != ""


def compare(text: str, oracle_commands) -> list[str]:
    """Differences between our parse of ``text`` and BuildKit's commands, as messages."""
    df = parse(text)
    ours = df.instructions
    problems: list[str] = []
    if len(ours) != len(oracle_commands):
        return [f"instruction count: ours {len(ours)}, buildkit {len(oracle_commands)}"]
    for mine, theirs in zip(ours, oracle_commands, strict=True):
        problems += _compare_one(mine, theirs)
    return problems


def _compare_one(mine: Instruction, theirs) -> list[str]:
    where = f"line {theirs.start_line}"
    out = []
    if mine.keyword != (theirs.cmd or ""):
        out.append(f"{where}: keyword {mine.keyword!r} != {theirs.cmd!r}")
    if (mine.start_line, mine.end_line) != (theirs.start_line, theirs.end_line):
        out.append(f"{where}: lines {(mine.start_line, mine.end_line)} != {(theirs.start_line, theirs.end_line)}")
    if tuple(f.text for f in mine.flags) != tuple(theirs.flags):
        out.append(f"{where}: flags {[f.text for f in mine.flags]} != {list(theirs.flags)}")
    target = mine.sub if mine.command == "ONBUILD" else mine
    if mine.command == "ONBUILD":
        sub = target.keyword if target else None
        if sub != theirs.sub_cmd:
            out.append(f"{where}: ONBUILD sub {sub!r} != {theirs.sub_cmd!r}")
    if target is not None:
        json_text = target.args.split(None, 1)[-1] if target.command == "HEALTHCHECK" else target.args
        version_difference = _trailing_json(json_text)
        if target.json != theirs.json and not version_difference:
            out.append(f"{where}: json {target.json} != {theirs.json}")
        if (
            target.command in ("RUN", "CMD", "ENTRYPOINT", "SHELL")
            and not target.json
            and not theirs.json
            and target.args
            and theirs.value != (target.args,)
        ):
            out.append(f"{where}: shell args {target.args!r} != {theirs.value!r}")
        if (
            target.json
            and theirs.json
            and target.command != "HEALTHCHECK"
            and tuple(target.json_args) != tuple(theirs.value)
        ):
            out.append(f"{where}: json args {target.json_args!r} != {theirs.value!r}")
    if mine.command != "ONBUILD":
        ours_docs = [(h.name, h.body) for h in mine.heredocs]
        theirs_docs = [(h.name, h.content) for h in theirs.heredocs]
        if ours_docs != theirs_docs:
            out.append(f"{where}: heredocs {ours_docs!r} != {theirs_docs!r}")
    original = theirs.original.split("\n", 1)[0] if theirs.heredocs else theirs.original
    if mine.logical != (original or "") and not (mine.heredocs and mine.command == "ONBUILD"):
        out.append(f"{where}: logical line {mine.logical!r} != {original!r}")
    return out
