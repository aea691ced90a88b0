"""The pure parts of benchmarks/bench_projects.py (its smoke test is dockopt/smoke.py's,
tested in test_smoke.py): which source file a rebuild changes, how the fixes are read from `dockopt fix`, the project list."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_projects  # noqa: E402
from bench_projects import Project, Smoke, Variant  # noqa: E402


def test_the_touched_source_is_the_file_the_command_runs(tmp_path: Path) -> None:
    for name in ("tests/test_app.py", "app/util.py", "app/main.py", "server.js"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")
    assert bench_projects.source_to_touch(tmp_path, {"Cmd": ["node", "server.js"]}) == tmp_path / "server.js"
    assert (
        bench_projects.source_to_touch(tmp_path, {"Entrypoint": ["python"], "Cmd": ["/app/main.py"]})
        == tmp_path / "app/main.py"
    )
    assert (
        bench_projects.source_to_touch(tmp_path, {"Cmd": ["/bin/sh", "-c", "node server.js"]}) == tmp_path / "server.js"
    )
    # no file named by the command: the first source outside tests
    assert bench_projects.source_to_touch(tmp_path, {"Cmd": ["uvicorn", "app.main:app"]}) == tmp_path / "app/main.py"


def test_touching_changes_the_content_in_the_language_s_comment(tmp_path: Path) -> None:
    py, js = tmp_path / "a.py", tmp_path / "b.js"
    py.write_text("x = 1\n")
    js.write_text("let x = 1;\n")
    bench_projects.touch(py)
    bench_projects.touch(js, "1a2b")
    assert py.read_text() == "x = 1\n\n# touched by bench_projects\n"
    assert js.read_text() == "let x = 1;\n\n// touched by bench_projects 1a2b\n"


def test_fixes_are_read_from_the_summary_line() -> None:
    line = "1 file changed, 0 unchanged; fixes: DO103 dependency-manifests-first ×1, DO211 pip-no-cache-dir ×2\n"
    assert {f"{c} {n}": int(k) for c, n, k in bench_projects._FIX.findall(line)} == {
        "DO103 dependency-manifests-first": 1,
        "DO211 pip-no-cache-dir": 2,
    }


def test_projects_are_read_from_sources_tsv(tmp_path: Path) -> None:
    (tmp_path / "SOURCES.tsv").write_text(
        "name\trepo\tcommit\tcontext_path\tdockerfile\tlicense\tbase_images\tstages\tlanguages\tnote\tbuild_target\n"
        "a\to/r\tc\t.\tDockerfile\tMIT\tpython:3.11\t1\tPython\tnote\t\n"
        "b\to/r\tc\t.\tdocker/Dockerfile\tMIT\tphp:8.5-fpm\t3\tPHP\tnote\tproduction\n"
    )
    assert bench_projects.load_projects(tmp_path) == [
        Project("a", "Dockerfile", None, "Python"),
        Project("b", "docker/Dockerfile", "production", "PHP"),
    ]


def test_totals_count_only_projects_whose_three_variants_built() -> None:
    def built(variant: str, size: int, passed=None) -> Variant:
        return Variant(variant, built=True, size=size, smoke=Smoke("running"), smoke_passed=passed)

    rows = {
        "small": [built("original", 100), built("safe", 90, True), built("unsafe", 40, True)],
        "broken": [built("original", 1000), built("safe", 1000, True), Variant("unsafe", error="no")],
        "differs": [built("original", 100), built("safe", 100, True), built("unsafe", 60, False)],
    }
    summary = bench_projects.totals(rows)
    assert summary["projects"] == ["differs", "small"]
    assert summary["size_bytes"] == {"original": 200, "safe": 190, "unsafe": 100}
    assert summary["size_change"]["unsafe"] == -0.5
    assert summary["smoke_failures"] == ["differs unsafe"]
    assert summary["build_failures"] == ["broken unsafe"]
