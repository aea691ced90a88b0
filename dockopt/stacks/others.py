"""Stacks dockopt recognises but does not split yet: it suggests the layout instead.

Node
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


def recognise(df: Dockerfile, stage: Stage, context: Context) -> Plan | Suggestion | None:
    text = "\n".join(i.logical for i in stage.instructions if i.command == "RUN")
    for stack, pattern, layout in _RULES:
        if pattern.search(text):
            return Suggestion(stack, f"dockopt does not split {stack} builds yet", layout)
    return None
