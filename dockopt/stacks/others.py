"""Stacks dockopt recognises but does not split yet: it suggests the layout instead.

Python with compilers (build tools or ``-dev`` packages, then ``pip install``) and Rust
(``cargo build --release``). Node and Java have modules of their own.
"""

from __future__ import annotations

import re

from ..registry import Context
from ..syntax import Dockerfile, Stage
from . import Plan, Suggestion

_RULES = (
    (
        "rust",
        re.compile(r"(^|[\s;&|(])cargo\s+(build|install)\b[^;&|]*--release"),
        "build in `FROM rust:X AS build`, then `FROM debian:<release>-slim` with "
        "`COPY --from=build /app/target/release/<name> /usr/local/bin/`",
    ),
)
_PYTHON_BUILD = re.compile(r"(^|[\s;&|(])(build-essential|gcc|g\+\+|[\w.+-]+-dev)(\s|$)")
_PIP = re.compile(r"(^|[\s;&|(])(pip3?|python3?\s+-m\s+pip)\s+install\b")
_PYTHON_LAYOUT = (
    "install into a virtualenv in `FROM python:X AS build` (with the compilers), then `FROM python:X-slim` "
    "with `COPY --from=build /opt/venv /opt/venv` and `ENV PATH=/opt/venv/bin:$PATH`"
)


def recognise(df: Dockerfile, stage: Stage, context: Context) -> Plan | Suggestion | None:
    text = "\n".join(i.logical for i in stage.instructions if i.command == "RUN")
    for stack, pattern, layout in _RULES:
        if pattern.search(text):
            return Suggestion(stack, f"dockopt does not split {stack} builds yet", layout)
    if _PIP.search(text) and _PYTHON_BUILD.search(text):
        return Suggestion("python", "dockopt does not split Python builds yet", _PYTHON_LAYOUT)
    return None
