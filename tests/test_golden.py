"""Golden files: every fixture of fixtures/<transform module>/ through its transform alone.

``<case>.in.Dockerfile`` must become ``<case>.out.Dockerfile`` byte for byte; ``ok_<why>``
cases must come out unchanged. Each case is also fixed a second time (nothing more may
change) and the output must parse, with our parser and with BuildKit's where it is installed.

Every case also has ``<case>.findings``: what the transform reports on the input, one
``line:column CODE applicability: message`` a line (applicability of its fix: ``safe``,
``unsafe``, ``display-only``, or ``none`` when it has no fix), empty when it reports nothing.
It pins the "not changed: why" of ``ok_`` cases, which the output alone cannot tell apart
from "could not be analysed". A missing or different snapshot fails.

Regenerate outputs and snapshots with ``pytest tests/test_golden.py --force-regen`` and
review the diff.
"""

from __future__ import annotations

import difflib
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


def findings_file(case: Path) -> Path:
    """Where the findings of a case are kept: <case>.findings beside <case>.in.Dockerfile, or
    beside the directory of a case with a build context (never inside the context)."""
    if case.name == "Dockerfile":
        return case.parent.with_name(f"{case.parent.name}.findings")
    return case.with_name(case.name.replace(".in.Dockerfile", ".findings"))


def findings_text(source: str, transform: Transform, context: Context | None = None) -> str:
    """The findings as kept in <case>.findings, in file order."""
    lines = []
    for d in find_source(source, (transform,), context=context):
        applicability = "none" if d.applicability is None else d.applicability.label
        message = d.message.replace("\n", "\\n")  # one finding, one line
        lines.append(f"{d.line}:{d.column} {d.code} {applicability}: {message}\n")
    return "".join(lines)


def check_findings(case: Path, findings: str, regenerate: bool) -> str | None:
    """Why the findings are not those kept for the case (None when they are). With
    ``regenerate`` (--force-regen) the snapshot is written first, and the test still fails
    afterwards so that it is reviewed."""
    kept = findings_file(case)
    name = kept.relative_to(FIXTURES.parent)
    before = read(kept) if kept.exists() else None
    if before == findings:
        return None
    if regenerate:
        kept.write_bytes(findings.encode("utf-8"))
        return f"{name} {'rewritten' if before is not None else 'written'}: review it (git diff)"
    if before is None:
        return f"{name} is missing: write it with `pytest tests/test_golden.py --force-regen`, then review it"
    diff = difflib.unified_diff(before.splitlines(True), findings.splitlines(True), f"{name} (kept)", "findings now")
    return f"findings differ from {name} (`--force-regen` rewrites it):\n" + "".join(diff)


def test_every_transform_is_registered_and_has_fixtures() -> None:
    modules = {c.parent.name for c in _cases()} | {c.parent.parent.name for c in _context_cases()}
    registered = {t.function.__module__.rsplit(".", 1)[-1]: t for t in all_transforms()}
    assert modules == set(registered)
    for module in modules:
        names = [c.name for c in _cases() if c.parent.name == module]
        names += [c.parent.name for c in _context_cases() if c.parent.parent.name == module]
        assert any(n.startswith("ok_") for n in names) and any(not n.startswith("ok_") for n in names)
    # every snapshot belongs to a case
    cases = {findings_file(c) for c in _cases() + _context_cases()}
    assert not set(FIXTURES.glob("*/*.findings")) - cases, "a .findings file without its case"
    assert not list(FIXTURES.glob("*/*.findings.txt")), "findings are kept in <case>.findings"
    for kept in FIXTURES.glob("*/*.out.Dockerfile"):
        assert not display_only(registered[kept.parent.name]), f"{kept}: a display-only transform changes nothing"
    assert not [c for c in _context_cases() if display_only(registered[c.parent.parent.name])]


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("case", _cases(), ids=lambda p: f"{p.parent.name}/{p.name.split('.')[0]}")
def test_golden(case: Path, file_regression, request) -> None:
    transform = transform_for(case)
    source = read(case)
    output = fix_source(source, (transform,), unsafe=True).output
    findings = findings_text(source, transform)
    findings_differ = check_findings(case, findings, request.config.getoption("force_regen"))
    if display_only(transform):
        assert output == source, "a display-only transform must not change the file"
        if case.name.startswith("ok_"):
            assert findings == "", "an ok_ case must have no findings"
        else:
            assert findings, "a fixture that is not ok_ must have findings"
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
    if findings_differ:
        pytest.fail(findings_differ, pytrace=False)


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
def test_golden_with_a_build_context(case: Path, file_regression, request) -> None:
    """The case directory is the build context; outputs are kept beside it, never inside it."""
    case_dir = case.parent
    module = importlib.import_module(f"dockopt.transforms.{case_dir.parent.name}")
    transform = next(v for v in vars(module).values() if isinstance(v, Transform))
    source = read(case)
    findings = findings_text(source, transform, Context(case, case_dir))
    findings_differ = check_findings(case, findings, request.config.getoption("force_regen"))
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
    if findings_differ:
        pytest.fail(findings_differ, pytrace=False)
