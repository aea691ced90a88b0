"""dockopt's own image, built for real: `dockopt verify` on the repository's Dockerfile (which
dockopt leaves unchanged) builds it and reports its size, and the image runs `dockopt check` on
a directory mounted at /src, as README.md shows.

Its base, python:3.13-slim, is the local stand-in of `scripts/make-base-images.sh python-slim`
(Debian's Python, with the machine's certificate authorities trusted by pip), made here when
missing (about a minute). Skipped where no engine can build, or no podman can run the image;
failed instead when DOCKOPT_REQUIRE_INTEGRATION=1 (CI). About 1-2 minutes with the base there.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import build_engine, cannot_build, stand_ins
from test_cli import CHECKED, FINDINGS

ROOT = Path(__file__).resolve().parents[2]
BASE = "docker.io/library/python:3.13-slim"
LABEL = "org.dockopt.test-own-image"  # on every image this test builds, to remove them and only them
# what dockopt and its dependencies may add to the base image (measured: 29 MB)
MAX_ADDED_BYTES = 50_000_000

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def engine():
    found = build_engine(runs="and to make its base")
    stand_ins("python-slim", (BASE,))
    return found


def base_size() -> int:
    inspected = subprocess.run(["podman", "image", "inspect", BASE], capture_output=True, text=True, check=True)
    return int(json.loads(inspected.stdout)[0]["Size"])


def test_verify_builds_the_unchanged_dockerfile_and_reports_a_small_image(engine) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "dockopt", "verify", "--isolated", "--json", "--engine", engine.name, "Dockerfile"],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    assert run.stdout, run.stderr[-3000:]
    report = json.loads(run.stdout)
    if report["exit_code"] == 2:
        cannot_build(f"the image cannot be built here: {report['message'][:2000]}")
    assert report["exit_code"] == 0 and report["fixes"] == {} and report["rewritten"] is None, report["message"]
    assert report["message"].startswith("dockopt changes nothing in this file")
    image = report["original"]["image"]
    print(f"dockopt's image: {image['size']:,} bytes, {image['layers']} layers, {report['original']['seconds']:.1f} s")
    assert 0 < image["size"] - base_size() < MAX_ADDED_BYTES
    config = image["config"]
    assert (config["User"], config["Entrypoint"], config["Cmd"], config["WorkingDir"]) == (
        "10001:10001",
        ["dockopt"],
        ["check", "."],
        "/src",
    )


def test_the_image_checks_a_mounted_directory(engine, tmp_path: Path) -> None:
    token = secrets.token_hex(4)
    tag = f"localhost/dockopt-own-image:test-{token}"
    labels = {LABEL: token}
    built = engine.build(ROOT / "Dockerfile", ROOT, tag, lambda line: None, cache=True, labels=labels)
    try:
        if not built.ok:
            cannot_build(f"the image cannot be built here: {built.tail[-2000:]}")
        work = tmp_path / "project"
        work.mkdir(mode=0o755)
        (work / "Dockerfile").write_text(FINDINGS)
        (work / "Dockerfile").chmod(0o644)
        version = subprocess.run(["podman", "run", "--rm", tag, "--version"], capture_output=True, text=True)
        assert version.stdout.startswith("dockopt "), version.stderr
        checked = subprocess.run(
            ["podman", "run", "--rm", "-v", f"{work}:/src", tag], capture_output=True, text=True, timeout=300
        )
        assert checked.returncode == 1, checked.stderr
        assert checked.stdout.splitlines()[0] == CHECKED[0], checked.stdout  # what `check` prints on this machine
        assert (work / "Dockerfile").read_text() == FINDINGS  # check writes nothing
    finally:
        engine.remove(tag)
        engine.remove_labelled(LABEL, token)
