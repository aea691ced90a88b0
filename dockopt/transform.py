"""What a transform is: ``Transform``, and ``@transform`` that declares one.

The transforms themselves are listed, in the order they run, in ``dockopt.transforms.ALL``;
choosing among them is ``dockopt.registry``'s.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from .context import Context
from .fix import Applicability, Finding
from .syntax import Dockerfile

TransformFunction = Callable[[Dockerfile, Context], Iterable[Finding]]

_HADOLINT_RULE = re.compile(r"(DL|SC)\d{4}")

# How much a finding matters, most severe first: `error` (the image is wrong or unsafe, or
# BuildKit would refuse to build it), `warning` (it is bigger, slower to rebuild or less
# robust than it needs to be), `info` (style, or advice worth reading). `check --fail-on`
# compares with it; each output format spells it its own way (``formats``).
SEVERITIES = ("error", "warning", "info")
ERROR, WARNING, INFO = SEVERITIES


def at_least(severity: str, threshold: str) -> bool:
    """Whether ``severity`` is ``threshold`` or more severe (`error` is at least `warning`)."""
    return SEVERITIES.index(severity) <= SEVERITIES.index(threshold)


def is_hadolint_rule(selector: str) -> bool:
    """Whether a selector has the shape of a hadolint rule (`DL3008`) or of a ShellCheck
    warning hadolint reports (`SC2086`): where no transform answers it, it is accepted as a
    selector that chooses and drops nothing (it is hadolint's business), never an error."""
    return _HADOLINT_RULE.fullmatch(selector.strip().upper()) is not None


class Named(Protocol):
    """Something a selector or `dockopt explain` may name: a transform, or a refusal."""

    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...


_CODE_SHAPE = re.compile(r"[A-Z]{2}\d+")


def unknown_transform(key: str, known: Iterable[Named], where: str = "") -> str:
    """The one message for a transform that ``key`` names and ``known`` does not hold
    (`--select`, `--ignore`, configuration files, `explain`, `# dockopt: ignore=`): with the
    closest name or code among ``known`` when one is close (``difflib``), as "did you mean",
    else a pointer to `dockopt list`. Example: `--select merge-run` gives
    "unknown transform 'merge-run' (did you mean 'merge-runs'?)".
    """
    wanted = key.strip()
    code_shaped = _CODE_SHAPE.fullmatch(wanted.upper()) is not None
    # a code is compared with codes (closer: DO999 is no DO309), a name with names
    spelled = {(k.code if code_shaped else k.name).lower(): k.code if code_shaped else k.name for k in known}
    import difflib  # only for a misspelt name: not at start-up

    close = difflib.get_close_matches(wanted.lower(), list(spelled), n=1, cutoff=0.8 if code_shaped else 0.6)
    hint = f"did you mean '{spelled[close[0]]}'?" if close else "see `dockopt list`"
    return f"unknown transform '{key}'{where} ({hint})"


@dataclass(frozen=True)
class Option:
    """An option of a transform, set in the configuration (``[tool.dockopt.<name>]``)."""

    key: str
    default: Any  # None when it follows from another option (``shown_default`` says how)
    check: Callable[[Any], str | None]  # what is wrong with a value ("must be ..."), None when it is fine
    shown_default: str | None = None  # how --show-settings names a default that follows from another


@dataclass(frozen=True)
class Transform:
    code: str  # "DO101": a public contract
    name: str  # "merge-runs"
    hadolint: tuple[str, ...]  # rules it answers, e.g. ("DL3059",)
    applicability: Applicability  # the default safety of its fixes
    function: TransformFunction
    doc: str  # the function's docstring: what, why, example, fix safety
    config_changes: tuple[str, ...] = ()  # image config fields its fixes change on purpose (e.g. "User")
    opt_in: bool = False  # runs only when --select names it (by code, name or hadolint rule)
    alone: bool = False  # its fix is applied in a pass of its own, before any other fix
    options: tuple[Option, ...] = ()  # what the configuration may set for it
    buildkit: tuple[str, ...] = ()  # BuildKit build checks it answers, e.g. ("JSONArgsRecommended",)
    severity: str = WARNING  # its findings' severity unless the configuration says otherwise (SEVERITIES)

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0].rstrip(".") if self.doc.strip() else self.name

    def run(self, df: Dockerfile, context: Context) -> Iterator[Finding]:
        """Its findings, stamped with its code and name; a fix is never safer than the
        transform declares (``Finding.stamped`` caps it)."""
        for finding in self.function(df, context):
            yield finding.stamped(self.code, self.name, self.applicability)

    def matches(self, selector: str) -> bool:
        key = selector.strip()
        upper = key.upper()
        return (
            upper == "ALL"
            or upper == self.code
            or key.lower() == self.name
            or upper in self.hadolint
            or (len(upper) >= 2 and upper.startswith("DO") and self.code.startswith(upper))
        )

    def named_by(self, selector: str) -> bool:
        """Whether a selector names this transform itself (not ALL, not a prefix)."""
        key = selector.strip()
        return key.upper() == self.code or key.lower() == self.name or key.upper() in self.hadolint

    def chosen_by(self, selector: str) -> bool:
        """Whether --select with this selector runs the transform (opt-in ones must be named)."""
        return self.named_by(selector) if self.opt_in else self.matches(selector)

    def specificity(self, selector: str) -> int | None:
        """How closely a selector names this transform, None when it does not match it: its
        code, name or a hadolint rule it answers most, then a code prefix (the longer the
        closer), `ALL` least. Where two settings disagree about a transform (its severity),
        the closer selector wins."""
        if not self.matches(selector):
            return None
        if self.named_by(selector):
            return len(self.code) + 1
        return 0 if selector.strip().upper() == "ALL" else len(selector.strip())


def transform(
    *,
    code: str,
    name: str,
    hadolint: tuple[str, ...] = (),
    applicability: Applicability,
    config_changes: tuple[str, ...] = (),
    opt_in: bool = False,
    alone: bool = False,
    options: tuple[Option, ...] = (),
    buildkit: tuple[str, ...] = (),
    severity: str,
) -> Callable[[TransformFunction], Transform]:
    """Declare a transform; its docstring is its documentation.

    ``applicability`` is the safety of its fixes, and caps each of them: a fix a SAFE
    transform yields may say it is unsafe, but no fix of an UNSAFE transform is applied
    without ``--unsafe-fixes``, whatever it says. There is no default: each transform says.

    ``buildkit`` names the BuildKit build checks the transform answers: a Dockerfile whose
    `# check=skip=` directive skips one of them (or `all`) is left to it (``engine``).

    ``config_changes`` names the image config fields (``dockopt verify`` compares User, Cmd,
    Entrypoint, Env, ...) that the transform's fixes change on purpose.

    ``severity`` (one of ``SEVERITIES``) is how much its findings matter, unless the
    configuration says otherwise; there is no default either: `error` for what makes an
    image unsafe or wrong, `warning` for size, caching and robustness, `info` for style.
    """
    if severity not in SEVERITIES:
        raise ValueError(f"{code}: severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")

    def wrap(function: TransformFunction) -> Transform:
        return Transform(
            code,
            name,
            tuple(hadolint),
            applicability,
            function,
            inspect.getdoc(function) or "",
            tuple(config_changes),
            opt_in,
            alone,
            tuple(options),
            tuple(buildkit),
            severity,
        )

    return wrap
