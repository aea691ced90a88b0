"""Variables: expanding a word, and the global ARGs a FROM can expand.

The pairs an ENV or ARG sets are ``Instruction.pairs``; ``global_args`` gives the ARGs
before the first FROM with their defaults, each expanded as BuildKit expands it
(``_buildkit_lex.process_word``: quotes removed, the ARGs before it substituted). A default
that depends on a value nobody knows is left out: unknown. The stage model
(``dockopt.model``) builds on both for what each instruction sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ._buildkit_lex import LexError, Unknown, process_word
from .syntax import Dockerfile


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
    return df.memo(_global_args)


def _global_args(df: Dockerfile) -> Mapping[str, str]:
    known: dict[str, str] = {}
    for instruction in df.instructions:
        if instruction.command == "FROM":
            break
        if instruction.command == "ARG":
            for pair in instruction.pairs:
                expanded = expand(pair.value, known, df.escape) if pair.value is not None else None
                if expanded is None:
                    known.pop(pair.name, None)
                else:
                    known[pair.name] = expanded
    return MappingProxyType(known)
