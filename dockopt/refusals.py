"""The codes of what BuildKit refuses to build (DO002-DO012): "not a valid Dockerfile".

Like ruff's syntax errors they are not transforms: no selection, no ``--ignore`` and no
suppression comment turns them off, and they have no fix. ``dockopt check`` reports each as a
finding (an error, where the output format has levels), and ``dockopt fix`` leaves such a file
untouched with exit 2. ``dockopt.validity`` finds them; this module names and documents them
(``dockopt list``, ``dockopt explain DO002``, the generated pages, SARIF rules).

DO001 (invalid-suppression) shares the 0xx group (the file itself) but is an ordinary
transform: it reports comments dockopt reads, not what BuildKit refuses.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

ALWAYS_ON = (
    "always on: `--select`, `--ignore` and suppression comments cannot turn it off; "
    "`dockopt fix` leaves the file untouched (exit 2)"
)


@dataclass(frozen=True)
class Refusal:
    code: str
    name: str
    doc: str  # what, why, example, BuildKit's words

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0].rstrip(".")

    def named_by(self, selector: str) -> bool:
        key = selector.strip()
        return key.upper() == self.code or key.lower() == self.name


def _refusal(code: str, name: str, doc: str) -> Refusal:
    return Refusal(code, name, inspect.cleandoc(doc))


UNKNOWN_INSTRUCTION = _refusal(
    "DO002",
    "unknown-instruction",
    """
    An instruction BuildKit does not know.

    ## What it does
    Reports an instruction whose keyword is none of BuildKit's (`ADD`, `ARG`, `CMD`, `COPY`,
    `ENTRYPOINT`, `ENV`, `EXPOSE`, `FROM`, `HEALTHCHECK`, `LABEL`, `MAINTAINER`, `ONBUILD`,
    `RUN`, `SHELL`, `STOPSIGNAL`, `USER`, `VOLUME`, `WORKDIR`), with BuildKit's suggestion.
    The keyword of an `ONBUILD` trigger is checked where the file itself runs the trigger
    (a later stage is built `FROM` that stage).

    ## Why
    BuildKit's parser reads any word as an instruction; the build then stops at it:
    `unknown instruction: RUNN (did you mean RUN?)`.

    ## Example
    ```Dockerfile
    FROM debian:12
    RUNN apt-get update
    ```
    """,
)

ARGUMENT_COUNT = _refusal(
    "DO003",
    "argument-count",
    """
    An instruction with too few arguments, or too many where BuildKit refuses them.

    ## What it does
    Reports `COPY`/`ADD` without a destination, `FROM` with neither one argument nor
    `IMAGE AS NAME`, `USER`, `WORKDIR`, `STOPSIGNAL`, `MAINTAINER` without a value, and
    `ENV`, `LABEL`, `ARG`, `EXPOSE`, `VOLUME`, `ONBUILD`, `HEALTHCHECK`, `SHELL` without any
    argument, in BuildKit's words:
    `COPY requires at least two arguments, but only one was provided. Destination could not be determined`,
    `FROM requires either one or three arguments`, `USER requires exactly one argument`,
    `ENV requires at least one argument`.

    ## Why
    BuildKit parses such a line, then refuses to build the file.

    ## Example
    ```Dockerfile
    FROM debian:12
    COPY app.tar.gz
    ```
    needs a destination: `COPY app.tar.gz /opt/`.
    """,
)

INVALID_FLAG = _refusal(
    "DO004",
    "invalid-flag",
    """
    A flag the instruction does not take, or one written wrong.

    ## What it does
    Reports, as BuildKit does, a flag the instruction does not know (`COPY --foo`, `RUN
    --from`, `FROM --chown`, any flag on `ENV`, `LABEL`, `USER`, ...; flag names are case
    sensitive), a flag given twice (`--exclude` and `--mount` may repeat), a flag that needs a
    value and has none (`--from`), and a yes/no flag with another value (`--link=yes`):
    `unknown flag: --foo`, `duplicate flag specified: --from`,
    `missing a value on flag: --chown`, `expecting boolean value for flag --link, not: yes`.
    The flags are those of current BuildKit: `COPY --parents`, `COPY --exclude`,
    `ADD --unpack` are known.

    BuildKit ignores the flags of `ARG`, `STOPSIGNAL` and `HEALTHCHECK NONE`, and so does this.

    ## Example
    ```Dockerfile
    FROM debian:12
    COPY --chmod 755 run.sh /usr/local/bin/
    ```
    `--chmod` needs its value after `=`: `COPY --chmod=755 run.sh /usr/local/bin/`.
    """,
)

INVALID_FLAG_VALUE = _refusal(
    "DO005",
    "invalid-flag-value",
    """
    A flag whose value BuildKit refuses.

    ## What it does
    Reports `RUN --network` other than `default`, `none`, `host`; `RUN --security` other than
    `sandbox`, `insecure`; a `RUN --mount` BuildKit cannot read (an option without a value,
    an unknown type, key or sharing mode, `uid`/`gid`/`mode` on a mount that has no files of
    its own, a secret mount with `from` or without `id`, `source` or `target`, `target=/`, a
    variable in `from`); a `RUN --device` it cannot read; and `HEALTHCHECK` durations and
    retries it cannot read (`--interval=5`: Go durations need a unit). Values holding
    variables are left alone: only the build knows them.

    ## Example
    ```Dockerfile
    FROM python:3.12
    RUN --mount=type=cache,target=/root/.cache,sharing=lock pip install -r requirements.txt
    ```
    BuildKit says `unsupported sharing value "lock" (did you mean locked?)`.
    """,
)

INVALID_ARGUMENT = _refusal(
    "DO006",
    "invalid-argument",
    """
    An argument BuildKit refuses.

    ## What it does
    Reports `SHELL` not in JSON form, `HEALTHCHECK` of a type other than `CMD` or `NONE`,
    `HEALTHCHECK CMD` without a command, `HEALTHCHECK NONE` with one; `ENV`, `LABEL` or `ARG`
    with a blank name (`ENV =value`); an empty `VOLUME`; a heredoc as the destination of
    `COPY`/`ADD`; a URL as a source of `COPY` (only `ADD` downloads); `ADD --checksum` with
    several sources or a local one; a `STOPSIGNAL` that is no signal; an `EXPOSE` port
    BuildKit cannot read; and a `# check=` directive it cannot read. Arguments holding
    variables are left alone.

    ## Example
    ```Dockerfile
    FROM debian:12
    SHELL /bin/bash -c
    ```
    BuildKit says `SHELL requires the arguments to be in JSON form`:
    `SHELL ["/bin/bash", "-c"]`.
    """,
)

INVALID_IMAGE_REFERENCE = _refusal(
    "DO007",
    "invalid-image-reference",
    """
    A `FROM` image that is no valid image reference.

    ## What it does
    Reports a `FROM` that names neither an earlier stage nor `scratch` and that Docker's
    reference grammar refuses: upper case in the repository (`FROM Ubuntu:22.04`, `FROM
    Scratch`), a bad tag or digest, an empty name. Stage names match exactly as BuildKit
    matches them: `FROM Builder` does not name the stage `AS builder`. A `FROM` holding a
    variable is left alone (its value comes with the build).

    ## Why
    BuildKit stops before pulling anything: `failed to parse stage name "Ubuntu:22.04":
    invalid reference format: repository name (library/Ubuntu) must be lowercase`.

    ## Example
    ```Dockerfile
    FROM Ubuntu:22.04
    ```
    is `FROM ubuntu:22.04`.
    """,
)

INVALID_STAGE_NAME = _refusal(
    "DO008",
    "invalid-stage-name",
    """
    A stage name BuildKit refuses.

    ## What it does
    Reports an `AS` name that does not start with a letter or holds anything but letters,
    digits, `-`, `_` and `.`: `invalid name for build stage: "1st", name can't start with a
    number or contain symbols`. Under `# check=error=true` it also reports the reserved
    names `scratch` and `context` (BuildKit's ReservedStageName check, then an error).

    ## Example
    ```Dockerfile
    FROM golang:1.22 AS 1-build
    ```
    is `FROM golang:1.22 AS build-1`.
    """,
)

DUPLICATE_STAGE_NAME = _refusal(
    "DO009",
    "duplicate-stage-name",
    """
    A stage name used twice, where the file makes BuildKit's checks errors.

    ## What it does
    Reports a second stage named like an earlier one when the file says
    `# check=error=true` (and does not skip DuplicateStageName): BuildKit then refuses the
    build (`lint violation found for rules: DuplicateStageName`).

    Without that directive BuildKit only warns (`Duplicate stage name "build", stage names
    should be unique`) and builds: every later reference to the name means the last stage
    of that name. That is no refusal, and this reports nothing then.

    ## Example
    ```Dockerfile
    # check=error=true
    FROM golang:1.22 AS build
    FROM node:20 AS build
    ```
    """,
)

NO_BUILD_STAGE = _refusal(
    "DO010",
    "no-build-stage",
    """
    An instruction before the first `FROM`, or no `FROM` at all.

    ## What it does
    Reports the first instruction other than `ARG` that comes before any `FROM` (BuildKit:
    `no build stage in current context`), and a file whose instructions are all `ARG`
    (`dockerfile contains no stages to build`).

    ## Example
    ```Dockerfile
    ENV LANG=C.UTF-8
    FROM debian:12
    ```
    moves the `ENV` below `FROM`.
    """,
)

FORBIDDEN_ONBUILD_TRIGGER = _refusal(
    "DO011",
    "forbidden-onbuild-trigger",
    """
    `ONBUILD ONBUILD`, `ONBUILD FROM` or `ONBUILD MAINTAINER`.

    ## What it does
    Reports the triggers BuildKit refuses: ``Chaining ONBUILD via `ONBUILD ONBUILD` isn't
    allowed``, `FROM isn't allowed as an ONBUILD trigger`, `MAINTAINER isn't allowed as an
    ONBUILD trigger`.

    ## Example
    ```Dockerfile
    FROM debian:12
    ONBUILD FROM alpine
    ```
    """,
)

INVALID_STAGE_REFERENCE = _refusal(
    "DO012",
    "invalid-stage-reference",
    """
    `COPY --from` or `RUN --mount from=` naming a later stage, its own stage, or nothing usable.

    ## What it does
    Reports, exactly as BuildKit decides it:

    - a name of a stage that comes later in the file (`cannot copy from stage "assets", it
      needs to be defined before current stage "build"`; for mounts `cannot mount from
      stage ...`). BuildKit looks names up among all stages (case-insensitively, the last of
      a repeated name), so a later stage wins over an image of the same name; a name that
      is no stage is an image, and is left alone;
    - the stage itself, or stages that read each other in a loop (`circular dependency
      detected on stage: build`);
    - a stage number out of range (`invalid stage index 3`); numbers count the stages and,
      as BuildKit counts, each image named by an earlier `--from` or mount;
    - a variable in `--from` (`variable expansion is not supported for --from, define a new
      stage with FROM using ARG from global scope as a workaround`) or in a mount's `from`.

    BuildKit refuses a later stage when it builds the stage holding the reference: the last
    stage and the stages it needs by default, any stage with `--target`. This reports it
    whichever stage that is: such a stage cannot be built at all.

    ## Example
    ```Dockerfile
    FROM node:20 AS build
    COPY --from=assets /dist /app/dist

    FROM alpine AS assets
    ```
    moves the `assets` stage above `build`.
    """,
)

REFUSALS: tuple[Refusal, ...] = (
    UNKNOWN_INSTRUCTION,
    ARGUMENT_COUNT,
    INVALID_FLAG,
    INVALID_FLAG_VALUE,
    INVALID_ARGUMENT,
    INVALID_IMAGE_REFERENCE,
    INVALID_STAGE_NAME,
    DUPLICATE_STAGE_NAME,
    NO_BUILD_STAGE,
    FORBIDDEN_ONBUILD_TRIGGER,
    INVALID_STAGE_REFERENCE,
)


def lookup(key: str) -> Refusal | None:
    """The refusal named by a code or a name."""
    for refusal in REFUSALS:
        if refusal.named_by(key):
            return refusal
    return None


def is_refusal(code: str) -> bool:
    return any(r.code == code for r in REFUSALS)
