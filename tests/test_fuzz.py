"""The mutation fuzzer: real Dockerfiles mutated as real files differ (``mutations``), checked
by ``robustness`` in every mode: no exception, the same files refused as BuildKit's parser,
outputs that both parsers read, changed RUNs that bash reads, a second fix that changes
nothing, ``check`` failing only where ``fix`` fails.

By default a fixed slice runs (derandomized, no example database) seeded by the golden
fixtures' inputs, the same on every machine. ``DOCKOPT_FUZZ_EXAMPLES=20000`` runs that many
random examples, seeded by the fixtures, ../shared/corpus when it is there and the files of
``DOCKOPT_FUZZ_POOL`` (a directory) when given.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings

from dockopt.fix import Applicability, Edit, Finding, Fix
from dockopt.registry import select
from dockopt.syntax import parse
from dockopt.transform import transform

import robustness
from conftest import FIXTURES, corpus_files
from mutations import Mutated, blocks_of, escape_backtick, mutated_files, pool_of, render, seed_blocks

pytest.importorskip("dockerfile", reason="BuildKit's parser has wheels only for x86-64 Linux")

EXAMPLES = int(os.environ.get("DOCKOPT_FUZZ_EXAMPLES", "0"))
REPORT = os.environ.get("DOCKOPT_FUZZ_REPORT")  # a file: every problem is appended there, none fails the test
SLICE = 200

# Problems known and being fixed elsewhere: (kind, pattern of the detail, the transform at
# fault, where it is being fixed). The fuzzer does not fail on them: it checks the file again
# without that transform, so that it explores past them. Remove an entry once its fix is merged.
KNOWN: tuple[tuple[str, str, str, str], ...] = ()


def _pool() -> list[Path]:
    seeds = sorted(FIXTURES.glob("*/*.in.Dockerfile")) + sorted(
        FIXTURES.glob("*/*/Dockerfile")
    )  # the latter with their build context
    if EXAMPLES:
        seeds += corpus_files()
        extra = os.environ.get("DOCKOPT_FUZZ_POOL")
        if extra:
            seeds += sorted(p for p in Path(extra).iterdir() if p.is_file())
    return pool_of(seeds)


POOL = _pool()
CHECKER = robustness.Checker()


class RobustnessFailure(AssertionError):
    """A problem the checks found; one subclass per kind, so that hypothesis shrinks each kind
    on its own and reports each."""


FAILURES = {
    kind: type(f"{kind.title().replace('-', '')}Failure", (RobustnessFailure,), {}) for kind in robustness.KINDS
}


def _known(problem: robustness.Problem) -> str | None:
    """The transform at fault when the problem is a known one."""
    for kind, pattern, code, _ in KNOWN:
        if kind == problem.kind and re.search(pattern, problem.detail):
            return code
    return None


@cache
def _checker_without(codes: frozenset[str]) -> robustness.Checker:
    return robustness.Checker(tuple(t for t in select() if t.code not in codes))


def examine(mutated: Mutated) -> tuple[robustness.Problem, ...]:
    """The problems of a mutated file; past a known one, those the file has without the transform at fault."""
    problems = CHECKER.examine(mutated.text, mutated.context).problems
    at_fault = frozenset(code for code in map(_known, problems) if code)
    if not at_fault:
        return problems
    again = _checker_without(at_fault).examine(mutated.text, mutated.context).problems
    return tuple(p for p in problems if _known(p)) + tuple(p for p in again if p not in problems)


@settings(
    max_examples=EXAMPLES or SLICE,
    derandomize=not EXAMPLES,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
@given(mutated_files(POOL))
def test_mutated_files_pass_the_robustness_checks(mutated: Mutated) -> None:
    note(mutated.describe())
    problems = examine(mutated)
    if REPORT:
        robustness.append_report(
            Path(REPORT), mutated.source, mutated.mutations, mutated.text, problems, mutated.context
        )
        return
    problems = tuple(p for p in problems if not _known(p))
    if problems:
        first = problems[0]
        others = "".join(f"\n  also {p}" for p in problems[1:])
        raise FAILURES[first.kind](
            f"{first}{others}\n--- the file ({mutated.source}, {', '.join(mutated.mutations)}):\n{mutated.text}"
        )


def test_the_pool_is_not_empty() -> None:
    assert len(POOL) > 100


# --------------------------------------------------------------------------- the checks can fail


def _fake(function, code="DO999"):
    return transform(code=code, name="fake", applicability=Applicability.SAFE, severity="warning")(function)


def _problems(transforms, text="FROM debian\nRUN echo a\n"):
    return {(p.kind, p.mode) for p in robustness.Checker(transforms).examine(text).problems}


def test_good_files_and_files_both_parsers_refuse_have_no_problem() -> None:
    for text in ("FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\n", "FROM debian\nRUN <<EOF\necho\n"):
        assert CHECKER.examine(text).problems == ()


def test_an_exception_is_a_crash_in_every_mode() -> None:
    def boom(df, context):
        raise TypeError("boom")
        yield

    assert _problems((_fake(boom),)) == {("crash", "safe"), ("crash", "unsafe"), ("crash", "check")}


def test_an_internal_error_result_is_a_crash(monkeypatch) -> None:
    from dockopt.engine import FileResult

    monkeypatch.setattr(
        robustness,
        "process_text",
        lambda display, text, settings: FileResult(
            display, "failed", source=text, error="internal error in DO999 fake: TypeError: x (please report)"
        ),
    )
    assert {p.kind for p in CHECKER.examine("FROM debian\n").problems} == {"crash"}


def test_a_fix_that_breaks_the_file_is_a_thrown_away_fix() -> None:
    def breaks(df, context):
        run = df.instructions[-1]
        yield Finding(
            "x", run.span.start, run.span.end, Fix([Edit(run.span.start, run.span.end, "ENV X\n")], Applicability.SAFE)
        )

    assert _problems((_fake(breaks),)) == {("fix-failed", "safe"), ("fix-failed", "unsafe")}


def test_a_fix_that_writes_an_unknown_instruction_makes_an_invalid_output() -> None:
    def misspells(df, context):
        run = df.instructions[-1]
        if run.keyword == "RUN":
            yield Finding(
                "x",
                run.span.start,
                run.span.start + 3,
                Fix([Edit(run.span.start, run.span.start + 3, "RUNN")], Applicability.SAFE),
            )

    assert _problems((_fake(misspells),)) == {("invalid-output", "safe"), ("invalid-output", "unsafe")}


def test_a_fix_that_fires_again_on_its_own_output_is_not_idempotent() -> None:
    seen = set()

    def again(df, context):  # fires on a text it saw in an earlier run, and on the RUN the first time
        if df.text in seen or "RUN echo a\n" in df.text:
            run = df.instructions[-1]
            yield Finding(
                "x",
                run.span.end,
                run.span.end,
                Fix([Edit.insert(run.span.end, f"# {len(seen)}\n")], Applicability.SAFE),
            )
        seen.add(df.text)

    def once(df, context):
        run = df.instructions[-1]
        if run.args == "echo a":
            yield Finding(
                "y",
                run.args_start,
                run.args_end,
                Fix(
                    [Edit(run.offsets.to_file(run.args_start), run.offsets.to_file_end(run.args_end), "echo b")],
                    Applicability.SAFE,
                ),
            )

    assert ("not-idempotent", "safe") in _problems((_fake(once, "DO998"), _fake(again)))


def test_refusals_are_compared_with_buildkits(monkeypatch) -> None:
    monkeypatch.setattr(robustness, "buildkit_parses", lambda text: True)
    assert {p.kind for p in CHECKER.examine("FROM debian\nENV NAME\n").problems} == {"refused"}
    monkeypatch.setattr(robustness, "buildkit_parses", lambda text: False)
    assert {p.kind for p in CHECKER.examine("FROM debian\n").problems} == {"accepted"}
    monkeypatch.setattr(robustness, "buildkit_parses", lambda text: "install -y" not in text)
    assert ("unparsable-output", "safe") in {
        (p.kind, p.mode) for p in CHECKER.examine("FROM debian\nRUN apt-get install x\n").problems
    }


def test_check_failing_alone_is_a_problem(monkeypatch) -> None:
    checker = robustness.Checker()
    run = checker.run

    def failing_check(mode, text, context=None):
        from dockopt.engine import FileResult

        return FileResult("Dockerfile", "failed", error="cannot read") if mode == "check" else run(mode, text, context)

    monkeypatch.setattr(checker, "run", failing_check)
    assert [p.kind for p in checker.examine("FROM debian\n").problems] == ["check-fails"]


def test_bash_rejects_changed_runs_it_cannot_parse_each_on_its_own() -> None:
    assert robustness.bash_errors(["echo ok", "echo ( ", "echo fine", "fi"]) == [
        None,
        robustness._bash_n("echo ( "),
        None,
        robustness._bash_n("fi"),
    ]
    before = parse("FROM debian\nRUN echo a\nRUN fi\n")
    after = parse("FROM debian\nRUN echo a && (\nRUN fi && echo b\nRUN echo new\n")
    rejected = robustness.changed_runs_bash_rejects(before, after)
    assert [line for line, _ in rejected] == [2]  # line 3 fails as the RUN of the input did
    assert "syntax error" in rejected[0][1]


def test_powershell_runs_are_not_given_to_bash() -> None:
    before = parse("FROM debian\n")
    after = parse('FROM debian\nSHELL ["powershell", "-Command"]\nRUN if ($x) { fi }\n')
    assert robustness.changed_runs_bash_rejects(before, after) == []


def test_minimize_keeps_what_the_failure_needs() -> None:
    text = "FROM debian\nRUN a\nRUN b \\\n  && c\nCOPY x /y\nRUN d\n"
    assert robustness.minimize(text, lambda t: "b \\\n  && c" in t and "FROM" in t) == "FROM debian\nRUN b \\\n  && c\n"


# --------------------------------------------------------------------------- the mutations


def test_blocks_render_back_to_the_file() -> None:
    for path in POOL:
        text = path.read_text().replace("\r\n", "\n")
        if text.endswith("\n") and not text.startswith("\ufeff"):
            assert render(blocks_of(text)) == text


def test_escape_backtick_keeps_every_instruction_as_buildkit_reads_it() -> None:
    dockerfile = pytest.importorskip("dockerfile")
    rewritten = 0
    for path in POOL:
        doc = seed_blocks(path)
        mutated = render(escape_backtick(doc, lambda strategy: False))
        if mutated == render(doc):
            continue
        rewritten += 1
        before = [(c.cmd, c.value, [h.content for h in c.heredocs]) for c in dockerfile.parse_string(render(doc))]
        after = [(c.cmd, c.value, [h.content for h in c.heredocs]) for c in dockerfile.parse_string(mutated)]
        assert after == before, path.name
    assert rewritten > 10
