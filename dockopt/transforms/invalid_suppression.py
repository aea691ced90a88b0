"""invalid-suppression (DO001): a `# dockopt:` comment that suppresses nothing it meant to."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context
from ..fix import Applicability, Finding
from ..suppression import suppressions
from ..syntax import Dockerfile
from ..transform import WARNING, transform


@transform(code="DO001", name="invalid-suppression", applicability=Applicability.DISPLAY_ONLY, severity=WARNING)
def invalid_suppression(df: Dockerfile, context: Context) -> Iterator[Finding]:
    """A `# dockopt:` suppression comment names transforms and stands above an instruction.

    ## What it does
    Reports each `# dockopt:` comment that cannot do what it says: one that is not
    `# dockopt: ignore=...` or `# dockopt: global ignore=...` (or that forgets the colon),
    one with an empty list, a selector that names no transform (the selectors are those of
    `--select`: codes, names, hadolint rules, code prefixes, `ALL`), and an instruction-level
    one with a blank line or the end of the file below it. hadolint's own comments are not
    checked: they may name rules that no transform answers.

    `dockopt fix` prints these findings as warnings on stderr; `dockopt check` lists them.

    ## Why
    A suppression comment with a typo suppresses nothing, silently: the fix it was meant to
    stop is applied anyway.

    ## Example
    ```Dockerfile
    # dockopt: ignore=merge-run
    RUN apt-get install -y curl
    ```
    is reported (the name is `merge-runs`):
    ```Dockerfile
    # dockopt: ignore=merge-runs
    RUN apt-get install -y curl
    ```

    ## Fix safety
    Display-only: which transform the comment meant is for its author to say. The valid
    selectors of a comment still apply when another one in its list is unknown.
    """
    for problem in suppressions(df, context.catalogue).problems:
        yield Finding(problem.message, problem.start, problem.end)
