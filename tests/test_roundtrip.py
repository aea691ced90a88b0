"""Parse then print gives back the input, byte for byte: fixtures, corpus, generated text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dockopt.syntax import DockerfileSyntaxError, parse

from conftest import FIXTURES, corpus_files


def _fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob("*/*.Dockerfile"))


@pytest.mark.parametrize("path", _fixture_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_round_trip(path: Path) -> None:
    text = path.read_bytes().decode("utf-8")
    assert parse(text).print().encode("utf-8") == path.read_bytes()


@pytest.mark.corpus
def test_corpus_round_trip(corpus: list[Path]) -> None:
    failures = []
    parsed = 0
    for path in corpus:
        data = path.read_bytes()
        try:
            df = parse(data.decode("utf-8"))
        except DockerfileSyntaxError:
            continue
        parsed += 1
        if df.print().encode("utf-8") != data:
            failures.append(path.name)
    assert parsed > 0.99 * len(corpus)
    assert failures == []


PIECES = [
    "FROM x",
    "RUN",
    "run",
    "COPY",
    "ADD",
    "ONBUILD RUN",
    "CMD",
    "ENV A=b",
    " ",
    "\t",
    "\\",
    "`",
    "#",
    "# c",
    "# escape=`",
    "# syntax=x",
    "\n",
    "\r\n",
    "\r",
    '"',
    "'",
    "<<",
    "<<-",
    "EOF",
    "'EOF'",
    "\tEOF",
    "--mount=type=cache,target=/x",
    "--from=a",
    "[",
    "]",
    '["a"]',
    "$x",
    "${x}",
    "&&",
    "|",
    ";",
    "echo",
    "é",
    "\u00a0",
    "\ufeff",
    "x y",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_any_text_round_trips_or_is_refused(text: str) -> None:
    try:
        df = parse(text)
    except DockerfileSyntaxError:
        return
    assert df.print() == text
    for instruction in df.instructions:
        assert df.slice(instruction.span) in text
        assert instruction.logical.strip() or instruction.keyword == ""


def test_corpus_is_present_or_skipped_explicitly() -> None:
    # documents the contract: corpus tests skip (not pass vacuously) when the corpus is absent
    assert corpus_files() == [] or all(p.name.endswith("Dockerfile") for p in corpus_files())
