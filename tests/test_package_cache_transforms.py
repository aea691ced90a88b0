"""What the golden files of DO211-DO214 cannot show: safe-mode results and fix-less findings.

The golden run applies unsafe fixes too, and an ok_ case only proves that nothing changed,
not that the problem was still reported.
"""

from __future__ import annotations

import pytest

from dockopt.context import Context
from dockopt.engine import fix_source
from dockopt.syntax import parse
from dockopt.transforms.gem_no_document import gem_no_document
from dockopt.transforms.npm_cache_clean import npm_cache_clean
from dockopt.transforms.pip_no_cache_dir import pip_no_cache_dir
from dockopt.transforms.yarn_cache_clean import yarn_cache_clean

from conftest import FIXTURES


@pytest.mark.parametrize(
    ("transform", "case"),
    [
        (pip_no_cache_dir, "pip_no_cache_dir/old_distribution_pip_is_unsafe"),
        (gem_no_document, "gem_no_document/old_distribution_rubygems_is_unsafe"),
    ],
)
def test_old_distributions_are_fixed_only_with_unsafe_fixes(transform, case) -> None:
    source = (FIXTURES / f"{case}.in.Dockerfile").read_text()
    assert fix_source(source, (transform,)).output == source
    assert fix_source(source, (transform,), unsafe=True).output != source


@pytest.mark.parametrize(
    ("transform", "case", "count"),
    [
        (pip_no_cache_dir, "pip_no_cache_dir/ok_own_cache_dir", 1),
        (npm_cache_clean, "npm_cache_clean/ok_cannot_append", 3),
        (yarn_cache_clean, "yarn_cache_clean/ok_cannot_append", 2),
        (yarn_cache_clean, "yarn_cache_clean/ok_yarn_berry", 1),
    ],
)
def test_reported_without_a_fix(transform, case, count) -> None:
    findings = list(transform.run(parse((FIXTURES / f"{case}.in.Dockerfile").read_text()), Context()))
    assert len(findings) == count
    assert all(f.fix is None for f in findings)


@pytest.mark.parametrize(
    ("transform", "case"),
    [
        (pip_no_cache_dir, "pip_no_cache_dir/ok_env_no_cache_dir"),
        (npm_cache_clean, "npm_cache_clean/ok_already_clean"),
        (yarn_cache_clean, "yarn_cache_clean/ok_cache_mount"),
        (gem_no_document, "gem_no_document/ok_gemrc"),
    ],
)
def test_nothing_to_report(transform, case) -> None:
    assert list(transform.run(parse((FIXTURES / f"{case}.in.Dockerfile").read_text()), Context())) == []
