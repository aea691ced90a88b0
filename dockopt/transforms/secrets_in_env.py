"""secrets-in-env (DO310): no secret in ENV or ARG; secrets reach RUN through secret mounts."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .._buildkit_lex import LexError, parse_words
from ..context import Context
from ..fix import Applicability, Finding
from ..syntax import Dockerfile, Instruction
from ..transform import ERROR, transform

# BuildKit's SecretsUsedInArgOrEnv check: one of these words, alone or as a `_`-separated part
# of the name, in any case; a name with one of the allowed parts is left alone.
_SECRET_PARTS = ("apikey", "auth", "credential", "credentials", "key", "password", "pword", "passwd", "secret", "token")
_ALLOWED_PARTS = ("public", "file", "version")


def _part_pattern(parts: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?:_|^)(?:" + "|".join(parts) + r")(?:_|$)", re.IGNORECASE)


_SECRET = _part_pattern(_SECRET_PARTS)
_ALLOWED = _part_pattern(_ALLOWED_PARTS)


def looks_secret(name: str) -> bool:
    """Whether a variable name looks like it holds a secret, as BuildKit decides."""
    return bool(_SECRET.search(name)) and not _ALLOWED.search(name)


@transform(
    code="DO310",
    name="secrets-in-env",
    hadolint=("DL3064",),
    buildkit=("SecretsUsedInArgOrEnv",),
    applicability=Applicability.DISPLAY_ONLY,
    severity=ERROR,
)
def secrets_in_env(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """No secrets in ENV or ARG: pass them to RUN with a secret mount.

    ## What it does
    Reports an ENV or ARG of a stage (an ONBUILD one too) whose name looks like a secret,
    as BuildKit's `SecretsUsedInArgOrEnv` check decides: the name is, or has as a part
    separated by `_`, one of `apikey`, `auth`, `credential(s)`, `key`, `password`,
    `pword`, `passwd`, `secret` or `token` (in any case: `GITHUB_TOKEN`, `api_key`,
    `DB_PASSWORD`), unless a part is `public`, `file` or `version` (`PUBLIC_KEY`,
    `SECRET_FILE`, `KEY_VERSION`).

    ## Why
    Whatever ENV sets is stored in the image's configuration, and the values of build
    arguments are recorded in its history with every RUN that sees them: anyone who can pull
    the image can read them (`docker history`, `docker inspect`). A secret mount
    (`RUN --mount=type=secret,id=npm_token ...`, built with `--secret id=npm_token,...`)
    hands the secret to one RUN as a file or variable and leaves nothing in the image.

    ## Example
    ```Dockerfile
    ARG NPM_TOKEN
    RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci && rm .npmrc
    ```
    is reported; with a secret mount the token never reaches the image:
    ```Dockerfile
    RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN \\
        echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci && rm .npmrc
    ```

    ## Fix safety
    Display-only: moving a secret to a mount changes how the image is built (the build
    command must pass `--secret`). The check reads names, not values, so it reports names
    that hold no secret too (`GPG_KEY`, a public key's fingerprint). ARGs before the first
    FROM are not reported, as BuildKit does not report them: they only reach FROM lines.
    """
    for stage in df.stages:
        for instruction in stage.instructions:
            target = instruction.sub or instruction
            if target.command not in ("ENV", "ARG"):
                continue
            for name, start in _names(target, df.escape):
                if looks_secret(name):
                    end = target.offsets.to_file_end(start + len(name))
                    yield Finding(_message(target.command, name), target.offsets.to_file(start), end)


def _message(command: str, name: str) -> str:
    where = (
        "ENV values are stored in the image's configuration"
        if command == "ENV"
        else "build arguments are recorded in the image's history"
    )
    return (
        f"{command} {name} looks like a secret: {where}; never bake secrets in the image, use RUN --mount=type=secret"
    )


def _names(instruction: Instruction, escape: str) -> Iterator[tuple[str, int]]:
    """The variable names an ENV or ARG sets, with where each starts in its logical line."""
    try:
        words = parse_words(instruction.args, escape)
    except LexError:
        return
    if not words:
        return
    legacy = instruction.command == "ENV" and "=" not in words[0]  # `ENV NAME value`
    position = instruction.args_start
    for word in words[:1] if legacy else words:
        position = instruction.logical.find(word, position)
        if position < 0:
            return
        name = word.partition("=")[0]
        if name:
            yield name, position
        position += len(word)
