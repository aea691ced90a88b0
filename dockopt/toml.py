"""TOML documents: the standard library's ``tomllib`` on Python 3.11 and later, its backport
``tomli`` (a dependency there) on Python 3.10. Configuration files and the build context's
``pyproject.toml`` files are read through here."""

from __future__ import annotations

import sys
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib as _toml
else:
    import tomli as _toml

TOMLDecodeError = _toml.TOMLDecodeError


def loads(text: str) -> dict[str, Any]:
    """The document's tables and values; raises ``TOMLDecodeError`` on invalid TOML."""
    data: dict[str, Any] = _toml.loads(text)
    return data
