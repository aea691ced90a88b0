"""TOML documents: the standard library's ``tomllib`` on Python 3.11 and later, its backport
``tomli`` (a dependency there) on Python 3.10. Configuration files and the build context's
``pyproject.toml`` files are read through here."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any, cast

# the parser is imported on first use (3 ms of start-up a run with no TOML to read saves)


def _parser() -> ModuleType:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    import tomli  # pragma: no cover  (Python 3.10)

    return cast(ModuleType, tomli)


def __getattr__(name: str) -> Any:
    """``TOMLDecodeError``, the parser's own, imported when an `except` clause asks for it."""
    if name == "TOMLDecodeError":
        return _parser().TOMLDecodeError
    raise AttributeError(name)


def loads(text: str) -> dict[str, Any]:
    """The document's tables and values; raises ``TOMLDecodeError`` on invalid TOML."""
    data: dict[str, Any] = _parser().loads(text)
    return data
