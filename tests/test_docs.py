"""The generated documentation is what the transforms' docstrings say: one page a transform,
no stale page, and the transform tables of docs/transforms.md and README.md."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from dockopt import docs
from dockopt.refusals import REFUSALS
from dockopt.registry import all_transforms

from conftest import ROOT


def test_committed_pages_and_tables_are_what_the_generator_makes():
    assert docs.stale(ROOT) == [], "run `python -m dockopt.docs` and commit the result"


def test_there_is_one_page_a_transform_and_no_other():
    pages = sorted(p.name for p in (ROOT / "docs" / "transforms").iterdir())
    assert pages == sorted(f"{t.code}-{t.name}.md" for t in all_transforms())


def test_a_page_has_the_header_and_the_whole_docstring():
    for t in all_transforms():
        text = (ROOT / "docs" / "transforms" / f"{t.code}-{t.name}.md").read_text()
        assert f"\n# {t.code} {t.name}\n" in text
        assert f"| code | `{t.code}` |" in text and f"| name | `{t.name}` |" in text
        assert f"| safety | {t.applicability.label}:" in text
        for rule in t.hadolint:
            assert f"[{rule}](https://github.com/hadolint/hadolint/wiki/{rule})" in text
        assert ("| opt-in |" in text) is t.opt_in
        assert ("| applied alone |" in text) is t.alone
        assert t.doc.strip() in text


def test_table_links_point_at_existing_pages():
    for path, prefix in ((ROOT / "docs" / "transforms.md", ROOT / "docs"), (ROOT / "README.md", ROOT)):
        links = re.findall(r"^\| \[DO\d{3}\]\(((?:docs/)?transforms/[^)]+)\)", path.read_text(), re.M)
        assert len(links) == len(all_transforms())
        assert all((prefix / link).is_file() for link in links)
    for path, prefix in ((ROOT / "docs" / "refusals.md", ROOT / "docs"), (ROOT / "README.md", ROOT)):
        links = re.findall(r"^\| \[DO\d{3}\]\(((?:docs/)?refusals/[^)]+)\)", path.read_text(), re.M)
        assert len(links) == len(REFUSALS)
        assert all((prefix / link).is_file() for link in links)


def test_there_is_one_page_a_refusal_with_its_whole_doc():
    pages = sorted(p.name for p in (ROOT / "docs" / "refusals").iterdir())
    assert pages == sorted(f"{r.code}-{r.name}.md" for r in REFUSALS)
    for r in REFUSALS:
        text = (ROOT / "docs" / "refusals" / f"{r.code}-{r.name}.md").read_text()
        assert f"\n# {r.code} {r.name}\n" in text and "| severity | error:" in text
        assert r.doc.strip() in text


def test_a_stale_refusal_page_is_found_and_removed(copy):
    (copy / "docs" / "refusals" / "DO099-gone.md").write_text("# DO099 gone\n")
    assert docs.stale(copy) == [docs.REFUSAL_PAGES / "DO099-gone.md"]
    assert docs.main(["--root", str(copy)]) == 0
    assert docs.stale(copy) == []


@pytest.fixture
def copy(tmp_path):
    """The parts of the repository the generator reads and writes, copied."""
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    return tmp_path


def test_check_finds_a_stale_page_and_writing_removes_it(copy):
    (copy / "docs" / "transforms" / "DO999-gone.md").write_text("# DO999 gone\n")
    page = copy / "docs" / "transforms" / "DO101-merge-runs.md"
    page.write_text(page.read_text().replace("Merge", "Meld", 1))
    assert docs.stale(copy) == [docs.PAGES / "DO101-merge-runs.md", docs.PAGES / "DO999-gone.md"]
    assert docs.main(["--check", "--root", str(copy)]) == 1
    assert docs.main(["--root", str(copy)]) == 0
    assert docs.stale(copy) == [] and not (copy / "docs" / "transforms" / "DO999-gone.md").exists()


def test_a_table_without_markers_is_an_error(copy, capsys):
    readme = copy / "README.md"
    readme.write_text(readme.read_text().replace(docs.START, ""))
    assert docs.main(["--check", "--root", str(copy)]) == 2
    assert "README.md: no transforms table markers" in capsys.readouterr().err


def test_python_m_dockopt_docs_check_runs():
    run = subprocess.run([sys.executable, "-m", "dockopt.docs", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")
