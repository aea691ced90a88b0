"""Stacks dockopt recognises but does not split yet: it suggests the layout instead.

Rust (``cargo build --release``). Go, C, Python, Node and Java have modules of their own.
"""

from __future__ import annotations

import re

from ..context import Context
from ..syntax import Dockerfile, Stage
from .common import Plan, Suggestion

_RULES = (
    (
        "rust",
        re.compile(r"(^|[\s;&|(])cargo\s+(build|install)\b[^;&|]*--release"),
        (
            "build in `FROM rust:X AS build`, then `FROM debian:<release>-slim` with "
            "`COPY --from=build /app/target/release/<name> /usr/local/bin/`"
        ),
    ),
)


def recognise(df: Dockerfile, stage: Stage, context: Context) -> Plan | Suggestion | None:
    text = "\n".join(i.logical for i in stage.instructions if i.command == "RUN")
    for stack, pattern, layout in _RULES:
        if pattern.search(text):
            return Suggestion(stack, f"dockopt does not split {stack} builds yet", layout)
    return None
