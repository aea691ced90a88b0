"""multi-stage (DO402) for real: single-stage Go, C, Python and Node examples, rewritten by
`dockopt fix --unsafe-fixes` (all transforms), build, run their CMD with the same output,
and make smaller images.

Built with the engine, run with `podman run`. Skipped where no engine or podman is there,
failed instead when DOCKOPT_REQUIRE_INTEGRATION=1 (CI).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import VERIFY_RESULTS, cannot_build
from test_non_root_examples import _build_and_run, engine, rewrite_example  # noqa: F401 (a fixture)

EXAMPLES = {
    "go-hello": "debian:bookworm-slim",  # Debian's golang-go, a binary dynamic by default
    "go-static": "scratch",  # CGO_ENABLED=0
    "go-module": "scratch",  # `go build` without -o: the binary is named after go.mod's module path
    "c-hello": "debian:bookworm-slim",
    "python-ext": "debian:bookworm-slim",  # a C extension built into a virtualenv
    "node-build": "debian:bookworm-slim",  # apt's nodejs and npm; the runtime installs nodejs alone
}

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_split_builds_runs_the_same_and_is_smaller(engine, example: str, tmp_path: Path) -> None:  # noqa: F811
    original, rewritten = rewrite_example(example, tmp_path)
    text = (rewritten / "Dockerfile").read_text()
    assert f"FROM {EXAMPLES[example]}\n" in text and " AS build" in text

    _, out_before, size_before, layers_before, seconds_before = _build_and_run(
        engine, original, f"localhost/dockopt-split-a-{example}"
    )
    if size_before < 0:
        cannot_build(f"the original example does not build here: {out_before[-500:]}")
    _, out_after, size_after, layers_after, seconds_after = _build_and_run(
        engine, rewritten, f"localhost/dockopt-split-b-{example}"
    )
    assert size_after >= 0, f"the rewrite does not build: {out_after}"
    assert out_after == out_before
    assert size_after < size_before
    VERIFY_RESULTS.append(
        {
            "example": example,
            "engine": engine.name,
            "exit_code": 0,
            "original": {"size": size_before, "layers": layers_before, "seconds": seconds_before},
            "rewritten": {"size": size_after, "layers": layers_after, "seconds": seconds_after},
        }
    )
