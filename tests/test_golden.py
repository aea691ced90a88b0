"""Golden files: every fixture of fixtures/<transform module>/ through its transform alone.

``<case>.in.Dockerfile`` must become ``<case>.out.Dockerfile`` byte for byte; ``ok_<why>``
cases must come out unchanged. Each case is also fixed a second time (nothing more may
change) and the output must parse, with our parser and with BuildKit's where it is installed.

A display-only transform changes nothing: its findings on ``<case>.in.Dockerfile`` are kept
in ``<case>.findings.txt``, one ``line:col: CODE message`` a line, and ``ok_`` cases have none.

Regenerate with ``pytest tests/test_golden.py --force-regen`` and review the diff.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from dockopt.context import Context
from dockopt.engine import find_source, fix_source
from dockopt.fix import Applicability
from dockopt.registry import all_transforms
from dockopt.syntax import parse
from dockopt.transform import Transform

from conftest import FIXTURES


def _cases() -> list[Path]:
    return sorted(FIXTURES.glob("*/*.in.Dockerfile"))


def _context_cases() -> list[Path]:
    """Cases with a build context: fixtures/<module>/<case>/ holds a Dockerfile and its files."""
    return sorted(FIXTURES.glob("*/*/Dockerfile"))


def side_file_name(case_dir: Path, relative: str) -> Path:
    """Where the expected content of a file a fix writes is kept: <case>.out.<name>."""
    return case_dir.with_name(f"{case_dir.name}.out.{relative.lstrip('.').replace('/', '__')}")


def transform_for(case: Path) -> Transform:
    """The transform defined in dockopt/transforms/<fixture folder>.py."""
    module = importlib.import_module(f"dockopt.transforms.{case.parent.name}")
    found = [value for value in vars(module).values() if isinstance(value, Transform)]
    assert len(found) == 1, f"{module.__name__} must define exactly one transform"
    return found[0]


def display_only(transform: Transform) -> bool:
    return transform.applicability == Applicability.DISPLAY_ONLY


def expected_findings(case: Path) -> Path:
    return case.with_name(case.name.replace(".in.Dockerfile", ".findings.txt"))


def findings_text(source: str, transform: Transform) -> str:
    """The findings as kept in <case>.findings.txt: `line:col: CODE message`, in file order."""
    return "".join(f"{d.line}:{d.column}: {d.code} {d.message}\n" for d in find_source(source, (transform,)))


def test_every_transform_is_registered_and_has_fixtures() -> None:
    modules = {c.parent.name for c in _cases()} | {c.parent.parent.name for c in _context_cases()}
    registered = {t.function.__module__.rsplit(".", 1)[-1]: t for t in all_transforms()}
    assert modules == set(registered)
    for module in modules:
        names = [c.name for c in _cases() if c.parent.name == module]
        names += [c.parent.name for c in _context_cases() if c.parent.parent.name == module]
        assert any(n.startswith("ok_") for n in names) and any(not n.startswith("ok_") for n in names)
    # expected files belong to a case, and of the kind its transform makes
    for kept in FIXTURES.glob("*/*.findings.txt"):
        case = kept.with_name(kept.name.replace(".findings.txt", ".in.Dockerfile"))
        assert case.exists() and display_only(registered[kept.parent.name]), f"{kept} has no display-only case"
    for kept in FIXTURES.glob("*/*.out.Dockerfile"):
        assert not display_only(registered[kept.parent.name]), f"{kept}: a display-only transform changes nothing"
    assert not [c for c in _context_cases() if display_only(registered[c.parent.parent.name])]


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("case", _cases(), ids=lambda p: f"{p.parent.name}/{p.name.split('.')[0]}")
def test_golden(case: Path, file_regression) -> None:
    transform = transform_for(case)
    source = read(case)
    output = fix_source(source, (transform,), unsafe=True).output
    if display_only(transform):
        assert output == source, "a display-only transform must not change the file"
        findings = findings_text(source, transform)
        if case.name.startswith("ok_"):
            assert findings == "", "an ok_ case must have no findings"
            assert not expected_findings(case).exists()
        else:
            assert findings, "a fixture that is not ok_ must have findings"
            file_regression.check(findings.encode("utf-8"), binary=True, fullpath=expected_findings(case))
    elif case.name.startswith("ok_"):
        assert output == source, "an ok_ case must stay unchanged"
        assert not case.with_name(case.name.replace(".in.", ".out.")).exists()
    else:
        assert output != source, "a fixture that is not ok_ must be changed"
        file_regression.check(
            output.encode("utf-8"), binary=True, fullpath=case.with_name(case.name.replace(".in.", ".out."))
        )
    assert fix_source(output, (transform,), unsafe=True).output == output, "not idempotent"
    assert parse(output).print() == output


def _changed_cases() -> list[Path]:
    return [c for c in _cases() if not c.name.startswith("ok_") and not display_only(transform_for(c))]


# transforms whose fixes add instructions (a USER, a SHELL, a RUN) rather than fold them
ADDS_INSTRUCTIONS = frozenset({"non_root_user", "pipefail", "strip_setuid", "multi_stage"})


@pytest.mark.parametrize("case", _changed_cases(), ids=lambda p: f"{p.parent.name}/{p.name.split('.')[0]}")
def test_golden_output_parses_with_buildkit(case: Path) -> None:
    dockerfile = pytest.importorskip("dockerfile")
    out = case.with_name(case.name.replace(".in.", ".out."))
    before = dockerfile.parse_string(read(case))
    after = dockerfile.parse_string(read(out))
    if case.parent.name in ADDS_INSTRUCTIONS:
        assert len(after) >= len(before)
    else:
        assert len(after) <= len(before)


@pytest.mark.parametrize(
    "case", [c for c in _cases() if "_unsafe" in c.name], ids=lambda p: f"{p.parent.name}/{p.name.split('.')[0]}"
)
def test_unsafe_cases_change_nothing_without_the_flag(case: Path) -> None:
    """Cases named *_unsafe show a fix that only --unsafe-fixes applies."""
    source = read(case)
    assert fix_source(source, (transform_for(case),), unsafe=False).output == source


@pytest.mark.parametrize("case", _context_cases(), ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_golden_with_a_build_context(case: Path, file_regression) -> None:
    """The case directory is the build context; outputs are kept beside it, never inside it."""
    case_dir = case.parent
    module = importlib.import_module(f"dockopt.transforms.{case_dir.parent.name}")
    transform = next(v for v in vars(module).values() if isinstance(v, Transform))
    source = read(case)
    result = fix_source(source, (transform,), unsafe=True, context=Context(case, case_dir))
    expected = case_dir.with_name(f"{case_dir.name}.out.Dockerfile")
    if case_dir.name.startswith("ok_"):
        assert result.output == source and not result.side_files, "an ok_ case must stay unchanged"
        assert not list(case_dir.parent.glob(f"{case_dir.name}.out.*"))
    else:
        assert result.changed, "a fixture that is not ok_ must be changed"
        if result.output != source or expected.exists():
            file_regression.check(result.output.encode("utf-8"), binary=True, fullpath=expected)
        for side in result.side_files:
            file_regression.check(side.after.encode("utf-8"), binary=True, fullpath=side_file_name(case_dir, side.path))
        written = {side_file_name(case_dir, s.path) for s in result.side_files} | {expected}
        assert set(case_dir.parent.glob(f"{case_dir.name}.out.*")) <= written, "an expected output is no longer made"
    context = Context(case, case_dir)
    for side in result.side_files:
        context = context.with_file(side.path, side.after)
    again = fix_source(result.output, (transform,), unsafe=True, context=context)
    assert again.output == result.output and not again.side_files, "not idempotent"
    assert parse(result.output).print() == result.output
