"""Choosing transforms by code, name, hadolint rule or prefix.

The transforms are listed, in the order they run, in ``dockopt.transforms.ALL``; what a
transform is, in ``dockopt.transform``. What BuildKit refuses to build
(``dockopt.refusals``, DO002-DO012) is no transform: no selector chooses or drops it, and
naming one is an error. A hadolint rule that no transform answers (`DL3008`, `SC2086`) is
accepted wherever a selector is, chooses and drops nothing, and is reported by ``unanswered``
so that the command line can warn once (a configuration shared with hadolint keeps working).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import refusals
from .transform import SEVERITIES, Transform, is_hadolint_rule, unknown_transform
from .transforms import ALL


class UnknownSelector(ValueError):
    pass


def all_transforms() -> tuple[Transform, ...]:
    return ALL


def select(
    selectors: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    transforms: tuple[Transform, ...] | None = None,
) -> tuple[Transform, ...]:
    """The transforms chosen by --select (all but the opt-in ones when empty) minus --ignore, in registry order."""
    chosen_selectors = [s for s in (selectors or ()) if s.strip()]
    return choose([Selection(chosen_selectors or None, (), tuple(ignore or ()))], transforms)


@dataclass(frozen=True)
class Selection:
    """One layer of transform selection: a configuration file's, or the command line's."""

    select: tuple[str, ...] | list[str] | None = None  # None: keep what the layers below chose
    extend_select: tuple[str, ...] | list[str] = ()
    ignore: tuple[str, ...] | list[str] = ()

    def check(self, transforms: tuple[Transform, ...] | None = None) -> None:
        """Raise UnknownSelector for a selector that matches no transform."""
        available = transforms if transforms is not None else all_transforms()
        for selector in [*(self.select or ()), *self.extend_select, *self.ignore]:
            if selector.strip() and not any(t.matches(selector) for t in available):
                if is_hadolint_rule(selector):
                    continue  # hadolint's business: see ``unanswered``
                refusal = refusals.lookup(selector)
                if refusal is not None:
                    raise UnknownSelector(
                        f"'{selector}' ({refusal.code} {refusal.name}) cannot be selected or ignored: "
                        "what BuildKit refuses to build is always reported"
                    )
                raise UnknownSelector(unknown_transform(selector, available))

    def unanswered(self) -> tuple[str, ...]:
        """The hadolint rules among its selectors that no transform answers."""
        return unanswered([*(self.select or ()), *self.extend_select, *self.ignore])


def unanswered(selectors: Iterable[str]) -> tuple[str, ...]:
    """The hadolint rules among ``selectors`` that no transform answers (`DL3008`, `SC2086`),
    upper-cased, each once, in the order given: accepted, they choose and drop nothing."""
    found: dict[str, None] = {}
    for selector in selectors:
        if is_hadolint_rule(selector) and lookup(selector) is None:
            found[selector.strip().upper()] = None
    return tuple(found)


def unanswered_warning(where: str, rules: Iterable[str]) -> str:
    """The one warning line for the hadolint rules that ``where`` names and no transform answers."""
    listed = list(rules)
    what = "hadolint rules" if len(listed) > 1 else "a hadolint rule"
    return f"{where}: {', '.join(listed)}: {what} that no dockopt transform answers, left to hadolint (nothing selected or ignored)"


def choose(layers: Iterable[Selection], transforms: tuple[Transform, ...] | None = None) -> tuple[Transform, ...]:
    """The transforms that layers of selection choose, in registry order.

    It starts from every transform but the opt-in ones. Each layer, in order: its ``select``
    (when set) starts afresh from the transforms it names, its ``extend_select`` adds, and its
    ``ignore`` removes (winning over both in that layer). Opt-in transforms are only chosen
    when a selector names them (not through ``ALL`` or a prefix).
    """
    available = transforms if transforms is not None else all_transforms()
    chosen = {t.code for t in available if not t.opt_in}
    for layer in layers:
        layer.check(available)
        picked = [s for s in (layer.select or ()) if s.strip()]
        if layer.select is not None:
            chosen = {t.code for t in available if any(t.chosen_by(s) for s in picked)}
        chosen |= {t.code for t in available if any(t.chosen_by(s) for s in layer.extend_select if s.strip())}
        chosen -= {t.code for t in available if any(t.matches(s) for s in layer.ignore if s.strip())}
    return tuple(t for t in available if t.code in chosen)


def severities(
    table: Mapping[str, Iterable[str]], transforms: tuple[Transform, ...] | None = None
) -> tuple[tuple[str, str], ...]:
    """The severity that ``table`` (severity -> selectors, as `[tool.dockopt.severity]` or
    `.hadolint.yaml`'s `override` give it) sets for each transform it matches, as (code,
    severity) in registry order; the transforms it does not match keep their own. The closest
    selector wins (``Transform.specificity``: `DO310` over `DO3` over `ALL`); between equally
    close ones, the most severe (a transform answering two hadolint rules set apart)."""
    available = transforms if transforms is not None else all_transforms()
    found = []
    for t in available:
        best: tuple[int, int] | None = None  # (specificity, -rank): the largest wins
        for severity, selectors in table.items():
            for selector in selectors:
                close = t.specificity(selector) if selector.strip() else None
                if close is not None and (best is None or (close, -SEVERITIES.index(severity)) > best):
                    best = (close, -SEVERITIES.index(severity))
        if best is not None:
            found.append((t.code, SEVERITIES[-best[1]]))
    return tuple(found)


def lookup(key: str) -> Transform | None:
    """The transform named by a code, a name or a hadolint rule."""
    for candidate in all_transforms():
        upper = key.strip().upper()
        if upper == candidate.code or key.strip().lower() == candidate.name or upper in candidate.hadolint:
            return candidate
    return None
