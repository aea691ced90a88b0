"""Edits, the registry and the fixpoint loop, with small transforms made for the tests."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from dockopt.engine import Diagnostic, EditAt, FixFailure, Settings, find_source, fix_source, process_file
from dockopt.fix import Applicability, Edit, Finding, Fix, OverlappingEdits, apply_edits
from dockopt.output import Summary, unified_diff
from dockopt.registry import UnknownSelector, all_transforms, lookup, select
from dockopt.syntax import DockerfileSyntaxError
from dockopt.transform import transform


@transform(code="DO901", name="upper-keywords", applicability=Applicability.SAFE, severity="warning")
def upper_keywords(df, context):
    """Uppercase instruction keywords."""
    for i in df.instructions:
        if i.keyword != i.keyword.upper():
            yield Finding(
                "lowercase keyword",
                i.keyword_span.start,
                i.keyword_span.end,
                Fix((Edit(i.keyword_span.start, i.keyword_span.end, i.keyword.upper()),), Applicability.SAFE),
            )


@transform(code="DO902", name="unsafe-label", applicability=Applicability.UNSAFE, severity="warning")
def unsafe_label(df, context):
    """Add a LABEL after FROM (unsafe, for the threshold)."""
    for i in df.instructions:
        if i.command == "FROM" and "LABEL" not in df.text:
            yield Finding(
                "no label",
                i.span.start,
                i.span.end,
                Fix((Edit.insert(i.span.end, "LABEL a=b\n"),), Applicability.UNSAFE),
            )


@transform(code="DO903", name="display-only", applicability=Applicability.SAFE, severity="info")
def display_only(df, context):
    """Suggest without fixing."""
    for i in df.instructions:
        yield Finding(
            "just saying", i.span.start, i.span.end, Fix((Edit.insert(0, "# x\n"),), Applicability.DISPLAY_ONLY)
        )


@transform(code="DO904", name="breaks-parse", applicability=Applicability.SAFE, severity="warning")
def breaks_parse(df, context):
    """Append an unterminated heredoc."""
    yield Finding("boom", 0, 0, Fix((Edit.insert(len(df.text), "RUN <<EOF\n"),), Applicability.SAFE))


@transform(code="DO905", name="never-settles", applicability=Applicability.SAFE, severity="warning")
def never_settles(df, context):
    """Always add one more comment."""
    yield Finding("again", 0, 0, Fix((Edit.insert(0, "# again\n"),), Applicability.SAFE))


@transform(code="DO906", name="breaks-shell", applicability=Applicability.SAFE, severity="warning")
def breaks_shell(df, context):
    """Add an unmatched quote to every RUN."""
    for i in df.instructions:
        if i.command == "RUN" and '"' not in i.args:
            end = i.offsets.to_file_end(i.args_end)
            yield Finding("quote", end, end, Fix((Edit.insert(end, ' "'),), Applicability.SAFE))


@transform(code="DO907", name="tag-runs", applicability=Applicability.SAFE, severity="warning")
def tag_runs(df, context):
    """Two fixes on the same RUN that touch: the second waits for the next pass."""
    for i in df.instructions:
        if i.command == "RUN" and "# a" not in df.slice(i.span):
            end = i.code_end
            yield Finding("a", end, end, Fix((Edit.insert(end, " # a"),), Applicability.SAFE))
            yield Finding("b", end, end, Fix((Edit.insert(end, " # b"),), Applicability.SAFE))
        elif i.command == "RUN" and "# b" not in df.slice(i.span):
            end = i.code_end
            yield Finding("b", end, end, Fix((Edit.insert(end, " # b"),), Applicability.SAFE))


def test_apply_edits_in_order_and_refuses_overlaps() -> None:
    assert apply_edits("abcdef", [Edit(4, 5, "E"), Edit.insert(0, ">"), Edit.delete(1, 3)]) == ">adEf"
    with pytest.raises(OverlappingEdits):
        apply_edits("abcdef", [Edit(0, 3, "x"), Edit(2, 4, "y")])


def test_touching_fixes_conflict() -> None:
    a = Fix((Edit(0, 2, "x"),), Applicability.SAFE)
    assert a.conflicts_with(Fix((Edit.insert(2, "y"),), Applicability.SAFE))
    assert not a.conflicts_with(Fix((Edit(3, 4, "y"),), Applicability.SAFE))


def test_safe_fixes_apply_unsafe_ones_wait_for_the_flag() -> None:
    text = "from x\nrun echo hi\n"
    safe = fix_source(text, (upper_keywords, unsafe_label))
    assert safe.output == "FROM x\nRUN echo hi\n"
    assert [f.code for f in safe.remaining] == ["DO902"]
    summary = Summary()
    from dockopt.engine import FileResult

    summary.add(FileResult("f", "changed", text, safe.output, safe.applied, safe.remaining))
    assert summary.more_with_unsafe == 1
    assert "1 more fix available with --unsafe-fixes" in summary.line(would=False)
    unsafe = fix_source(text, (upper_keywords, unsafe_label), unsafe=True)
    assert unsafe.output == "FROM x\nLABEL a=b\nRUN echo hi\n"


@transform(code="DO907", name="claims-safe", applicability=Applicability.UNSAFE, severity="warning")
def claims_safe(df, context):
    """An unsafe transform whose fix forgets it is unsafe."""
    for i in df.instructions:
        if i.command == "FROM" and "LABEL" not in df.text:
            yield Finding(
                "no label", i.span.start, i.span.end, Fix((Edit.insert(i.span.end, "LABEL a=b\n"),), Applicability.SAFE)
            )


def test_a_transform_declared_unsafe_never_applies_a_fix_by_default() -> None:
    safe = fix_source("FROM x\n", (claims_safe,))
    assert not safe.changed
    [finding] = safe.remaining
    assert finding.code == "DO907" and finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE
    assert fix_source("FROM x\n", (claims_safe,), unsafe=True).output == "FROM x\nLABEL a=b\n"


def test_a_safe_transform_may_mark_one_fix_unsafe() -> None:
    result = fix_source("FROM x\n", (unsafe_label_in_safe_transform,))
    [finding] = result.remaining
    assert not result.changed and finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE


@transform(code="DO908", name="one-unsafe-fix", applicability=Applicability.SAFE, severity="warning")
def unsafe_label_in_safe_transform(df, context):
    """A safe transform with one fix it cannot prove."""
    yield from unsafe_label.function(df, context)


def test_fix_has_no_default_applicability() -> None:
    with pytest.raises(TypeError):
        Fix((Edit.insert(0, "x"),))  # type: ignore[call-arg]


def test_display_only_fixes_are_never_applied() -> None:
    result = fix_source("FROM x\n", (display_only,), unsafe=True)
    assert not result.changed and [f.code for f in result.remaining] == ["DO903"]


def test_fix_that_breaks_the_parse_fails_with_its_code() -> None:
    with pytest.raises(FixFailure, match="unparsable") as info:
        fix_source("FROM x\n", (breaks_parse,))
    assert info.value.codes == ("DO904",)


def test_loop_that_does_not_settle_fails() -> None:
    with pytest.raises(FixFailure, match="did not settle"):
        fix_source("FROM x\n", (never_settles,))


def test_fix_that_breaks_a_shell_fails() -> None:
    with pytest.raises(FixFailure, match="shell"):
        fix_source("FROM x\nRUN echo hi\n", (breaks_shell,))


def test_conflicting_fixes_wait_for_the_next_pass() -> None:
    result = fix_source("FROM x\nRUN echo hi\n", (tag_runs,))
    assert result.output == "FROM x\nRUN echo hi # a # b\n"
    assert result.passes == 3
    assert [f.message for f in result.applied] == ["a", "b"]


def test_bad_input_raises_syntax_error() -> None:
    with pytest.raises(DockerfileSyntaxError):
        fix_source("", (upper_keywords,))


def test_process_file_writes_only_when_changed(tmp_path: Path) -> None:
    settings = Settings((upper_keywords,))
    clean = tmp_path / "Dockerfile"
    clean.write_text("FROM x\n")
    os.utime(clean, (1, 1))
    assert process_file(clean, settings).status == "unchanged"
    assert clean.stat().st_mtime == 1
    dirty = tmp_path / "Dockerfile.dev"
    dirty.write_text("from x\n")
    assert process_file(dirty, settings).status == "changed"
    assert dirty.read_text() == "FROM x\n"
    broken = tmp_path / "Dockerfile.broken"
    broken.write_text("from x\nrun <<EOF\n")
    result = process_file(broken, settings)
    assert result.failed and "unterminated heredoc" in (result.error or "")
    assert broken.read_text() == "from x\nrun <<EOF\n"


def test_unified_diff_headers_and_missing_newline() -> None:
    diff = unified_diff("dir/Dockerfile", "FROM x\nRUN a", "FROM x\nRUN b")
    assert diff.startswith("--- a/dir/Dockerfile\n+++ b/dir/Dockerfile\n")
    assert "-RUN a\n\\ No newline at end of file\n+RUN b\n\\ No newline at end of file\n" in diff


def test_registry_codes_names_and_docs() -> None:
    transforms = all_transforms()
    codes = [t.code for t in transforms]
    names = [t.name for t in transforms]
    assert len(set(codes)) == len(codes) and len(set(names)) == len(names)
    for t in transforms:
        assert re.fullmatch(r"DO[0-4]\d\d", t.code)  # 0xx: dockopt itself (invalid-suppression)
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", t.name)
        assert all(re.fullmatch(r"DL\d{4}", rule) for rule in t.hadolint)
        for section in ("## What it does", "## Why", "## Example", "## Fix safety"):
            assert section in t.doc, f"{t.name} docstring lacks {section}"


def test_selection_by_code_name_rule_prefix_and_ignore() -> None:
    pool = (upper_keywords, unsafe_label, display_only)
    assert select(["DO901"], transforms=pool) == (upper_keywords,)
    assert select(["unsafe-label", "display-only"], transforms=pool) == (unsafe_label, display_only)
    assert select(["DO90"], ["DO902"], transforms=pool) == (upper_keywords, display_only)
    assert select(["ALL"], transforms=pool) == pool
    assert select(None, None, transforms=pool) == pool
    with pytest.raises(UnknownSelector):
        select(["DO999"], transforms=pool)
    assert select(["DL3059"]) == (lookup("merge-runs"),)
    assert lookup("dl3059") is lookup("DO101") is lookup("merge-runs")
    assert lookup("nope") is None


def test_cache_order_wins_over_merging() -> None:
    """A RUN that cannot read a COPY goes above it, rather than into the RUN that reads it."""
    from dockopt.transforms import ALL

    text = "FROM debian:bookworm-slim\nCOPY . /app\nRUN mkdir -p /data\nRUN /app/build.sh\n"
    output = fix_source(text, ALL).output
    assert output == "FROM debian:bookworm-slim\nRUN mkdir -p /data\nCOPY . /app\nRUN /app/build.sh\n"


def test_files_written_by_an_earlier_run_are_not_reported_again() -> None:
    from dockopt.context import Context

    context = Context(written=((".dockerignore", ".git\n"),))
    result = fix_source("FROM x\n", (), context=context)
    assert result.side_files == () and not result.changed


def test_find_source_reports_every_finding_of_the_text_as_it_is_in_file_order() -> None:
    text = "from x\nrun a\n"
    found = find_source(text, (display_only, unsafe_label, upper_keywords))
    # each with its own fix, whether `dockopt fix` would apply it or not (the language server's quick
    # fixes), and its edits at lines and columns (the machine outputs); the last instruction ends with
    # the file: at the start of the line after it, as editors count, the end excluded; the whole lines
    # each covers (what GitLab's fingerprints hash)
    comment = Fix((Edit.insert(0, "# x\n"),), Applicability.DISPLAY_ONLY)
    label = Fix((Edit.insert(7, "LABEL a=b\n"),), Applicability.UNSAFE)
    upper = Fix((Edit(0, 4, "FROM"),), Applicability.SAFE)
    run = Fix((Edit(7, 10, "RUN"),), Applicability.SAFE)
    comment_at, label_at = EditAt(1, 1, 1, 1, "# x\n"), EditAt(2, 1, 2, 1, "LABEL a=b\n")
    upper_at, run_at = EditAt(1, 1, 1, 5, "FROM"), EditAt(2, 1, 2, 4, "RUN")
    assert found == (
        Diagnostic(
            "DO903",
            "display-only",
            "just saying",
            1,
            1,
            2,
            1,
            Applicability.DISPLAY_ONLY,
            False,
            "info",  # its transform's own severity, though no registry lists it
            fix=comment,
            edits=(comment_at,),
            lines="from x",
        ),
        Diagnostic(
            "DO902",
            "unsafe-label",
            "no label",
            1,
            1,
            2,
            1,
            Applicability.UNSAFE,
            False,
            fix=label,
            edits=(label_at,),
            lines="from x",
        ),
        Diagnostic(
            "DO901",
            "upper-keywords",
            "lowercase keyword",
            1,
            1,
            1,
            5,
            Applicability.SAFE,
            True,
            fix=upper,
            edits=(upper_at,),
            lines="from x",
        ),
        Diagnostic(
            "DO903",
            "display-only",
            "just saying",
            2,
            1,
            3,
            1,
            Applicability.DISPLAY_ONLY,
            False,
            "info",  # its transform's own severity, though no registry lists it
            fix=comment,
            edits=(comment_at,),
            lines="run a",
        ),
        Diagnostic(
            "DO901",
            "upper-keywords",
            "lowercase keyword",
            2,
            1,
            2,
            4,
            Applicability.SAFE,
            True,
            fix=run,
            edits=(run_at,),
            lines="run a",
        ),
    )


@transform(code="DO906", name="label-after-runs", applicability=Applicability.SAFE, severity="warning")
def label_after_runs(df, context):
    """Add a LABEL right after each RUN."""
    for i in df.instructions:
        if i.command == "RUN" and "LABEL" not in df.text:
            yield Finding(
                "no label after",
                i.span.start,
                i.span.end,
                Fix((Edit.insert(i.span.end, "LABEL a=b\n"),), Applicability.SAFE),
            )


def test_find_source_gives_the_edits_fix_source_applies_after_a_heredoc() -> None:
    text = "FROM x\nRUN <<EOF\necho hi\nEOF\n"
    (found,) = find_source(text, (label_after_runs,))
    # hadolint cannot read an instruction right after a terminator: a blank line comes first
    assert found.edits == (EditAt(5, 1, 5, 1, "\nLABEL a=b\n"),)
    assert fix_source(text, (label_after_runs,)).output == text + "\nLABEL a=b\n"
    with_unsafe = find_source(text, (unsafe_label,), unsafe=True)
    assert [d.fixable for d in with_unsafe] == [True]
    # a transform that never settles is still run once
    assert [d.code for d in find_source(text, (never_settles,))] == ["DO905"]
    with pytest.raises(DockerfileSyntaxError):
        find_source("run <<EOF\n", (upper_keywords,))


def test_process_file_in_check_mode_writes_nothing(tmp_path: Path) -> None:
    dirty = tmp_path / "Dockerfile"
    dirty.write_text("from x\n")
    result = process_file(dirty, Settings((upper_keywords,), check=True, write=True))
    assert result.status == "unchanged" and [d.code for d in result.diagnostics] == ["DO901"]
    assert dirty.read_text() == "from x\n"


@transform(code="DO908", name="alone-marker", alone=True, applicability=Applicability.SAFE, severity="warning")
def alone_marker(df, context):
    """Append a marker comment, in a pass of its own."""
    if "# alone" not in df.text:
        yield Finding("alone", 0, 0, Fix((Edit.insert(len(df.text), "# alone\n"),), Applicability.SAFE))


def test_an_alone_fix_is_applied_by_itself_before_the_others() -> None:
    result = fix_source("from debian\n", (upper_keywords, alone_marker))
    assert result.output == "FROM debian\n# alone\n"
    # pass 1 applied only the alone fix (listed after upper-keywords); pass 2 the keyword
    assert [f.code for f in result.applied] == ["DO908", "DO901"]


@transform(code="DO908", name="user-after-last-run", applicability=Applicability.SAFE, severity="warning")
def user_after_last_run(df, context):
    """Insert a USER line right after the last RUN (as non-root-user does)."""
    runs = [i for i in df.instructions if i.command == "RUN"]
    if runs and "USER" not in df.text:
        end = runs[-1].span.end
        text = "USER 1000\n" if df.text[:end].endswith("\n") else "\nUSER 1000"
        yield Finding("user", end, end, Fix((Edit.insert(end, text),), Applicability.SAFE))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("FROM a\nRUN <<EOF\necho\nEOF\nCMD x\n", "FROM a\nRUN <<EOF\necho\nEOF\n\nUSER 1000\nCMD x\n"),
        ("FROM a\nRUN <<EOF\necho\nEOF", "FROM a\nRUN <<EOF\necho\nEOF\n\nUSER 1000"),
        ("FROM a\r\nRUN <<EOF\r\necho\r\nEOF\r\n", "FROM a\r\nRUN <<EOF\r\necho\r\nEOF\r\n\r\nUSER 1000\n"),
        ("FROM a\nRUN echo\nCMD x\n", "FROM a\nRUN echo\nUSER 1000\nCMD x\n"),  # no heredoc: as the fix says
    ],
)
def test_text_put_after_a_heredoc_starts_with_a_blank_line(source: str, expected: str) -> None:
    # hadolint 2.x cannot parse an instruction right after a heredoc's terminator
    assert fix_source(source, (user_after_last_run,)).output == expected


def test_nothing_is_added_after_a_last_line_that_continues() -> None:
    # `RUN a \` on the file's last line: a line added after it would become part of the RUN
    source = "FROM a\nRUN echo \\\n"
    result = fix_source(source, (user_after_last_run,))
    assert result.output == source
    assert [f.code for f in result.remaining] == ["DO908"]
