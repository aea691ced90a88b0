"""hadolint's configuration file, `.hadolint.yaml` (or `.hadolint.yml`), read for what dockopt
can take from it.

dockopt reads one when no dockopt configuration applies (``config.Resolver``): its `ignored`
rules become `ignore` selectors (the transforms answering them are left out; rules that no
transform answers are accepted, with one warning); its `override` severities (`error`,
`warning`, `info`, `style`: lists of rules) become the severities of the transforms answering
those rules (`style` is dockopt's `info`; ``config``); `trustedRegistries` (a registry or a
list) is checked and shown by `--show-settings`, not acted upon (no transform checks
registries). hadolint's other keys (`failure-threshold`, `format`,
`no-fail`, `label-schema`, ...) are its own and are not read.

The file is YAML, read with PyYAML's safe loader (imported only when such a file is found):
hadolint's users write flow lists, block lists, quotes and comments, and a reader of a subset
of YAML would misread some of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .transform import ERROR, INFO, WARNING, is_hadolint_rule

NAMES = (".hadolint.yaml", ".hadolint.yml")  # hadolint's order
SEVERITIES = ("error", "warning", "info", "style")
# hadolint's severities as dockopt's (``transform.SEVERITIES``): it has one more, below info
AS_DOCKOPT = {"error": ERROR, "warning": WARNING, "info": INFO, "style": INFO}


class HadolintConfigError(ValueError):
    """What is wrong with the file, as `key: reason` (the caller names the file)."""


@dataclass(frozen=True)
class HadolintConfig:
    ignored: tuple[str, ...] = ()  # rules, upper-cased
    override: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (severity, rules), in SEVERITIES order
    trusted_registries: tuple[str, ...] = ()


def is_hadolint_file(name: str) -> bool:
    """Whether a configuration file named by --config is read as hadolint's (by its extension)."""
    return name.endswith((".yaml", ".yml"))


def parse(text: str) -> HadolintConfig:
    """The keys dockopt reads, checked; raises HadolintConfigError."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise HadolintConfigError(f"invalid YAML: {problem}{where}") from None
    if data is None:
        return HadolintConfig()
    if not isinstance(data, dict):
        raise HadolintConfigError("must be a mapping of keys (ignored:, override:, ...)")
    ignored = _rules("ignored", data.get("ignored", []))
    override = data.get("override", {})
    if override is None:
        override = {}
    if not isinstance(override, dict):
        raise HadolintConfigError("override: must be a mapping of severities (error:, warning:, info:, style:)")
    for severity in override:
        if severity not in SEVERITIES:
            raise HadolintConfigError(f"override: unknown severity '{severity}' (known: {', '.join(SEVERITIES)})")
    overrides = tuple(
        (severity, _rules(f"override.{severity}", override[severity]))
        for severity in SEVERITIES
        if severity in override
    )
    trusted = data.get("trustedRegistries", [])
    if isinstance(trusted, str):
        trusted = [trusted]
    if trusted is None:
        trusted = []
    if not isinstance(trusted, list) or not all(isinstance(r, str) for r in trusted):
        raise HadolintConfigError(f"trustedRegistries: must be a registry or a list of registries, not {trusted!r}")
    return HadolintConfig(ignored, overrides, tuple(trusted))


def _rules(key: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise HadolintConfigError(f"{key}: must be a list of rules (like [DL3008]), not {value!r}")
    for rule in value:
        if not is_hadolint_rule(rule):
            raise HadolintConfigError(f"{key}: '{rule}' is not a hadolint rule (like DL3008 or SC2086)")
    return tuple(rule.strip().upper() for rule in value)
