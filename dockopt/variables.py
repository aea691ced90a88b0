"""ARG and ENV: the pairs an instruction sets, and the global ARGs a FROM can expand.

``pairs`` reads ``ENV a=1 b="2"``, the legacy ``ENV name value with spaces`` and
``ARG name[=default]`` as BuildKit's parser splits them; ``global_args`` gives the ARGs
before the first FROM with their defaults, each expanded as BuildKit expands it
(``_buildkit_lex.process_word``: quotes removed, the ARGs before it substituted). A default
that depends on a value nobody knows is left out: unknown. The stage model
(``dockopt.model``) builds on both for what each instruction sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ._buildkit_lex import LexError, Unknown, parse_words, process_word
from .syntax import Dockerfile, Instruction


def pairs(instruction: Instruction, escape: str) -> list[tuple[str, str | None]]:
    """The ``(name, value as written)`` pairs of an ENV or ARG (value None: an ARG without one);
    ENV's legacy form `ENV NAME value with spaces` included; empty when the words do not lex."""
    try:
        words = parse_words(instruction.args, escape)
    except LexError:
        return []
    if not words:
        return []
    if instruction.command == "ENV" and "=" not in words[0]:
        return [(words[0], instruction.args[len(words[0]) :].strip())]
    found: list[tuple[str, str | None]] = []
    for word in words:
        name, eq, value = word.partition("=")
        if name:
            found.append((name, value if eq else None))
    return found


def expand(text: str, known: Mapping[str, str], escape: str = "\\") -> str | None:
    """``text`` as BuildKit expands a word with the ``known`` values; None when it depends on
    a value that is not known (or does not lex)."""
    if "$" not in text and "'" not in text and '"' not in text and escape not in text:
        return text
    try:
        return process_word(text, known, escape)
    except (Unknown, LexError):
        return None


def global_args(df: Dockerfile) -> Mapping[str, str]:
    """The ARGs before the first FROM whose defaults are known, expanded (a default may use
    the ARGs declared before it: ``ARG TAG=${VERSION}-chiseled``)."""
    cached = df._cache.get("global_args")
    if cached is not None:
        return cached
    known: dict[str, str] = {}
    for instruction in df.instructions:
        if instruction.command == "FROM":
            break
        if instruction.command == "ARG":
            for name, value in pairs(instruction, df.escape):
                expanded = expand(value, known, df.escape) if value is not None else None
                if expanded is None:
                    known.pop(name, None)
                else:
                    known[name] = expanded
    found = MappingProxyType(known)
    df._cache["global_args"] = found
    return found
