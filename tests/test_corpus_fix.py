"""`dockopt fix` over every file of ../shared/corpus, as a user would run it.

No file crashes dockopt (no traceback ever reaches the user); the only files it refuses are
those BuildKit refuses too; every rewritten file parses with BuildKit's parser, and every RUN
it touched parses with bash; a second run changes nothing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dockopt.shell import script_of
from dockopt.syntax import parse

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def fixed_corpus(tmp_path_factory):
    from conftest import corpus_files

    files = corpus_files()
    if not files:
        pytest.skip("corpus not found")
    work = tmp_path_factory.mktemp("corpus")
    for path in files:
        shutil.copyfile(path, work / path.name)
    run = subprocess.run(
        [sys.executable, "-m", "dockopt", "fix", "--unsafe-fixes", str(work)], capture_output=True, text=True
    )
    return files, work, run


def test_no_traceback_and_failures_are_one_line_each(fixed_corpus) -> None:
    files, _work, run = fixed_corpus
    assert "Traceback" not in run.stderr
    assert run.returncode in (0, 2)
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    summary = run.stderr.splitlines()[-1]
    assert f"{len(errors)} failed" in summary if errors else "failed" not in summary
    assert len(errors) < 0.01 * len(files)


def test_refused_files_are_refused_by_buildkit_too(fixed_corpus) -> None:
    """A file refused by the parser is refused by BuildKit's parser; one refused after parsing
    (DO002-DO012, what BuildKit refuses to build) passes BuildKit's parser, untouched."""
    dockerfile = pytest.importorskip("dockerfile")
    from dockopt.validity import problems

    from conftest import CORPUS

    _files, work, run = fixed_corpus
    for line in run.stderr.splitlines():
        if line.startswith("error:"):
            name = Path(line.split(":")[1].strip()).name
            text = (work / name).read_text()
            if re.search(r"\(DO0\d\d\)$", line):
                dockerfile.parse_string(text)
                assert problems(parse(text)) and text == (CORPUS / name).read_text()
            else:
                with pytest.raises(dockerfile.GoParseError):
                    dockerfile.parse_string(text)


def test_rewritten_files_parse_with_buildkit_and_bash(fixed_corpus) -> None:
    files, work, _run = fixed_corpus
    try:
        import dockerfile
    except ImportError:
        dockerfile = None
    changed = 0
    touched_runs = []
    for original in files:
        before = original.read_text()
        after = (work / original.name).read_text()
        if before == after:
            continue
        changed += 1
        if dockerfile is not None:
            dockerfile.parse_string(after)
        old_runs = {i.logical for i in parse(before).instructions}
        new_df = parse(after)
        for instruction in new_df.instructions:
            if instruction.command == "RUN" and instruction.logical not in old_runs:
                script = script_of(new_df, instruction)
                if script is not None:
                    touched_runs.append((original.name, instruction.start_line, script.text))
    assert changed > 0.2 * len(files)
    bad = []
    for name, line, text in touched_runs:
        check = subprocess.run(["bash", "-n", "-c", text], capture_output=True, text=True)
        if check.returncode != 0:
            bad.append(f"{name}:{line}: {check.stderr.strip()}")
    assert touched_runs and bad == []


def test_second_run_changes_nothing(fixed_corpus) -> None:
    _files, work, _run = fixed_corpus
    again = subprocess.run(
        [sys.executable, "-m", "dockopt", "fix", "--check", "--unsafe-fixes", str(work)], capture_output=True, text=True
    )
    assert "would change" not in again.stderr
    assert again.stderr.splitlines()[-1].startswith("0 files would be changed")
