"""base-image-tag (DO309): FROM names an image by a version tag or a digest, not `latest`."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..context import Context
from ..fix import Applicability, Finding
from ..images import parse_image, resolved_reference
from ..syntax import Dockerfile, Instruction
from ..transform import WARNING, transform

# the characters an image reference may hold: registry, path, tag and digest
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:@+-]*\Z")


@transform(
    code="DO309",
    name="base-image-tag",
    hadolint=("DL3006", "DL3007"),
    applicability=Applicability.DISPLAY_ONLY,
    severity=WARNING,
)
def base_image_tag(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """FROM names its image by a version tag or a digest, not by `latest`.

    ## What it does
    Reports a FROM whose image has no tag and no digest (`FROM python`, which means
    `python:latest`) or whose tag is `latest`, once the global ARG defaults are
    substituted: `ARG TAG=latest` then `FROM python:${TAG}` is reported too.

    ## Why
    `latest` is whatever the publisher pushed last: the same Dockerfile builds a different
    image from one day to the next (a new major version of the language, another
    distribution release), and a build that worked yesterday breaks without a change.
    A version tag (`python:3.12-slim-bookworm`) keeps the build reproducible, and a digest
    (`python:3.12-slim@sha256:...`) pins it to the byte.

    ## Example
    ```Dockerfile
    FROM node
    ```
    is reported: name a version, for instance
    ```Dockerfile
    FROM node:20-bookworm-slim
    ```

    ## Fix safety
    Display-only: which version the build should use is a decision for its authors.
    Not reported: `scratch`, a FROM naming an earlier stage, and a reference that still
    holds a variable without a default (it is only known at build time). A reference with
    a digest is pinned, whatever its tag says.
    """
    stage_names: set[str] = set()
    for stage in df.stages:
        resolved = re.sub(r"[\"']", "", resolved_reference(df, stage))  # BuildKit drops quotes: `:"${TAG}"`
        if stage.parent is None and resolved.lower() not in stage_names:  # `FROM ${STAGE}` names a stage too
            finding = _check(stage.from_instruction, stage.base, resolved)
            if finding is not None:
                yield finding
        if stage.name:
            stage_names.add(stage.name)


def _check(instruction: Instruction, written: str, resolved: str) -> Finding | None:
    if resolved.lower() == "scratch" or resolved.endswith((":", "@")):
        return None  # an empty default (`ARG TAG=`): the value comes from --build-arg
    if not _REFERENCE.match(resolved):
        return None  # not an image reference: a template's placeholder (`FROM {BASE}`)
    image = parse_image(resolved)
    if image is None or image.digest is not None:
        return None
    shown = resolved if resolved == written else f"{resolved} ({written} with the ARG defaults)"
    if image.tag is None:
        problem = f"FROM {shown} has no tag: it builds on whatever `latest` is that day"
    elif image.tag.lower() == "latest":
        problem = f"FROM {shown} builds on `latest`, whatever that is that day"
    else:
        return None
    start = instruction.offsets.to_file(instruction.args_start)
    end = instruction.offsets.to_file_end(instruction.args_start + len(instruction.words()[0]))
    return Finding(f"{problem}; pin a version tag (or a digest)", start, end)
