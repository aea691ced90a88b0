"""maintainer-to-label (DO307): the deprecated MAINTAINER becomes a maintainer label."""

from __future__ import annotations

from collections.abc import Iterator

from .._buildkit_lex import LexError, parse_words
from ..context import Context
from ..fix import Applicability, Edit, Finding, Fix
from ..syntax import Dockerfile, Instruction, Stage
from ..transform import INFO, transform

# labels that already say who maintains the image
AUTHOR_LABELS = frozenset({"maintainer", "org.opencontainers.image.authors"})


@transform(
    code="DO307",
    name="maintainer-to-label",
    hadolint=("DL4000",),
    buildkit=("MaintainerDeprecated",),
    applicability=Applicability.SAFE,
    severity=INFO,
    config_changes=("Author", "Labels"),
)
def maintainer_to_label(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """Say who maintains the image with a label, not the deprecated MAINTAINER.

    ## What it does
    Replaces `MAINTAINER text` with `LABEL maintainer="text"` where it stands (keyword in
    the same letter case). The text is quoted so that BuildKit, the classic builder,
    buildah and podman all read it back unchanged: in single quotes when it holds `"`,
    `$`, `\\` or a backtick, else in double quotes (escaping with the backslash when it
    also holds a `'`). A text that is one quoted word already (`MAINTAINER "Jane
    <jane@example.com>"`) is written as it is: its quotes now quote the label's value,
    which no longer includes them. When the stage already has a
    `maintainer` or `org.opencontainers.image.authors` label, the MAINTAINER line is
    removed instead.

    ## Why
    MAINTAINER has been deprecated since Docker 1.13: it fills the image's `Author`
    field, which few tools show. A label is what `docker inspect` and registries display,
    and what the OCI annotations use.

    ## Example
    ```Dockerfile
    MAINTAINER Jane Doe <jane@example.com>
    ```
    becomes
    ```Dockerfile
    LABEL maintainer="Jane Doe <jane@example.com>"
    ```

    ## Fix safety
    Safe: MAINTAINER only sets metadata, and nothing a container runs reads it. The
    image's `Author` field is no longer set and its `maintainer` label is (these two
    changes are the point). Left alone: a MAINTAINER with comment lines inside its
    continuation lines, or with flags (which BuildKit refuses), and one whose text holds
    both a `'` and characters that need escaping in a file whose escape character is the
    backtick (there, buildah and BuildKit read escapes inside quotes differently).
    MAINTAINER cannot be an ONBUILD trigger.
    """
    for stage in df.stages:
        for instruction in stage.instructions:
            if instruction.command != "MAINTAINER" or not instruction.args or instruction.flags:
                continue
            if any(line.kind == "comment" for line in instruction.lines):
                continue
            start, end = instruction.keyword_span.start, instruction.span.end
            if _has_author_label(stage, df.escape):
                edit = Edit.delete(instruction.span.start, instruction.span.end)
                message = "MAINTAINER is deprecated, and the stage already has a maintainer label"
            else:
                value = label_value(instruction.args, df.escape)
                if value is None:
                    yield Finding(
                        "MAINTAINER is deprecated: write a maintainer LABEL by hand (its text needs quoting)",
                        start,
                        end,
                    )
                    continue
                keyword = instruction.cased("LABEL")
                edit = Edit(start, instruction.args_span.end, f"{keyword} maintainer={value}")
                message = "MAINTAINER is deprecated: use a maintainer label"
            yield Finding(message, start, end, Fix((edit,), Applicability.SAFE))


def label_value(value: str, escape: str) -> str | None:
    """``value`` as a LABEL value that BuildKit (and the classic builder, buildah and
    podman, whose lexer ignores the escape directive inside quotes) read back unchanged;
    None when no quoting does that in this file.

    A MAINTAINER text that is one quoted word already (`"Jane <jane@example.com>"`) is
    used as it is: its quotes were meant to quote it.
    """
    for quote in ('"', "'"):
        inner = value[1:-1]
        literal = quote == "'" or not set(inner) & {"$", escape, "\\", "`"}
        if len(value) >= 2 and value[0] == value[-1] == quote and quote not in inner and literal:
            return value
    if not set(value) & {'"', "$", "\\", "`", escape}:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    if escape == "\\":
        return '"' + "".join("\\" + ch if ch in ('"', "$", "\\") else ch for ch in value) + '"'
    return None


def _has_author_label(stage: Stage, escape: str) -> bool:
    return any(
        instruction.command == "LABEL" and AUTHOR_LABELS & _label_keys(instruction, escape)
        for instruction in stage.instructions
    )


def _label_keys(instruction: Instruction, escape: str) -> set[str]:
    try:
        words = parse_words(instruction.args, escape)
    except LexError:
        return set()
    if not words:
        return set()
    if "=" not in words[0]:
        return {_unquote_key(words[0])}  # the legacy `LABEL key value`
    return {_unquote_key(word.split("=", 1)[0]) for word in words if "=" in word}


def _unquote_key(key: str) -> str:
    return "".join(ch for ch in key if ch not in "\"'").lower()
