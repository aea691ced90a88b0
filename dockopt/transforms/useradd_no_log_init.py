"""useradd-no-log-init (DO308): useradd does not write the lastlog and faillog databases."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence

from ..context import Context
from ..fix import Applicability, Edit, Finding, Fix
from ..packages import scripts_mentioning, unwrapped
from ..shell import Command, Word
from ..syntax import Dockerfile
from ..transform import WARNING, transform
from ..users import USERADD_LONG_WITH_VALUE as _LONG_WITH_VALUE
from ..users import USERADD_SHORT_WITH_VALUE as _SHORT_WITH_VALUE

OPTION = "--no-log-init"


@transform(
    code="DO308", name="useradd-no-log-init", hadolint=("DL3046",), applicability=Applicability.SAFE, severity=WARNING
)
def useradd_no_log_init(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """useradd does not write the lastlog and faillog databases.

    ## What it does
    Adds `--no-log-init` right after `useradd` in RUN (ONBUILD RUN included), wherever
    the command stands (after `&&`, in an `if`, behind `sudo` or `env`), unless it already
    has `-l` (alone or bundled, `-lm`) or `--no-log-init`. hadolint's DL3046 asks for it
    only with a UID of six digits or more; dockopt adds it to every `useradd`: the UID may
    come from a build argument, and the option costs nothing.

    ## Why
    useradd resets the new user's entries in /var/log/lastlog and /var/log/faillog,
    sparse files indexed by UID. In an image layer a sparse file is stored in full: a
    user with UID 1000000000 adds hundreds of gigabytes of zeros to the image, as
    Docker's best practices warn when they recommend `--no-log-init`.

    ## Example
    ```Dockerfile
    RUN groupadd -g 10001 app && useradd -u 10001 -g app -m app
    ```
    becomes
    ```Dockerfile
    RUN groupadd -g 10001 app && useradd --no-log-init -u 10001 -g app -m app
    ```

    ## Fix safety
    Safe: the option only skips those two log databases (the new user has never logged
    in, so there is nothing to reset); the user, its groups and its home directory are
    the same. shadow's useradd has had it since 2007 (4.1), and Debian's, Ubuntu's, Red
    Hat's, Alpine's (`shadow` package) useradd all accept it. Left alone: `useradd -D`
    (which changes defaults and accepts no other option), `useradd --help`, commands
    whose name is an expansion, BusyBox's and Debian's `adduser` (which have no such option or
    call useradd themselves), RUNs in exec form and RUNs under a shell that is not
    POSIX-like.
    """
    for _run, script in scripts_mentioning(df, "useradd"):
        for command in script.commands:
            word = _useradd(command)
            if word is None:
                continue
            yield Finding(
                "useradd without --no-log-init writes lastlog and faillog entries, sparse files that "
                "can grow the image by gigabytes with a high UID",
                command.span.start,
                command.span.end,
                Fix((Edit.insert(word.span.end, f" {OPTION}"),), Applicability.SAFE),
            )


def _useradd(command: Command) -> Word | None:
    """The word naming useradd when the command needs the option, else None."""
    if command.name is None or command.name.value is None:
        return None
    words = unwrapped(command)
    if not words or posixpath.basename(words[0].value or "") != "useradd":
        return None
    return None if _decided(words[1:]) else words[0]


def _decided(words: Sequence[Word]) -> bool:
    """Whether the options already include -l, or make the option out of place (-D, --help)."""
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        value = word.value
        if value is None or not value.startswith("-") or value == "-":
            continue
        if value == "--":
            return False
        if value.startswith("--"):
            name = value.split("=", 1)[0]
            if len(name) >= len("--no-l") and OPTION.startswith(name):
                return True
            if name in ("--defaults", "--help") or (
                len(name) >= 4 and ("--defaults".startswith(name) or "--help".startswith(name))
            ):
                return True
            skip = "=" not in value and name in _LONG_WITH_VALUE
            continue
        for position, letter in enumerate(value[1:], 1):
            if letter in "lDh":
                return True
            if letter in _SHORT_WITH_VALUE:
                skip = position == len(value) - 1
                break
    return False
