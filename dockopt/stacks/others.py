"""Stacks dockopt recognises but does not split yet: it suggests the layout instead.

Python with compilers (build tools or ``-dev`` packages, then ``pip install``), Node
(``npm``/``yarn``/``pnpm`` then a ``build`` script), Java (Maven or Gradle) and Rust
(``cargo build --release``).
"""

from __future__ import annotations

import re

from ..registry import Context
from ..syntax import Dockerfile, Stage
from . import Plan, Suggestion

_RULES = (
    (
        "java",
        re.compile(r"(^|[\s;&|(])(mvn|mvnw|\./mvnw|gradle|gradlew|\./gradlew)\s[^;&|]*\b(package|install|build|bootJar|jar|shadowJar)\b"),
        "build the jar in `FROM maven:3-eclipse-temurin-N AS build` (or gradle), then "
        "`FROM eclipse-temurin:N-jre` with `COPY --from=build /app/target/app.jar /app/app.jar`",
    ),
    (
        "rust",
        re.compile(r"(^|[\s;&|(])cargo\s+(build|install)\b[^;&|]*--release"),
        "build in `FROM rust:X AS build`, then `FROM debian:<release>-slim` with "
        "`COPY --from=build /app/target/release/<name> /usr/local/bin/`",
    ),
    (
        "node",
        re.compile(r"(^|[\s;&|(])(npm|yarn|pnpm)\s+(run\s+)?build\b"),
        "install and build in `FROM node:X AS build`, then `FROM node:X-slim` with `npm ci --omit=dev` and "
        "`COPY --from=build /app/dist ./dist`",
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
