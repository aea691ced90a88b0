"""`dockopt verify` without an engine: discovery, parsing recorded inspect output, the
config and filesystem comparisons, the orchestration (with a fake engine) and the report."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from dockopt.containers import (
    BuildResult,
    Engine,
    EngineError,
    find_engine,
    image_from_buildah_inspect,
    image_from_docker_inspect,
    image_from_podman_inspect,
    listing_from_directory,
)
from dockopt.fix import Applicability, Edit, Finding, Fix
from dockopt.imagediff import (
    FileEntry,
    Image,
    compare_files,
    config_changes,
    entry_programs,
    listing_from_tar,
    normalise_config,
    resolve_programs,
)
from dockopt.registry import lookup
from dockopt.transform import transform
from dockopt.verify import EXIT_CANNOT, EXIT_DRIFT, EXIT_OK, render_json, render_text, verify

from conftest import ROOT

DATA = Path(__file__).parent / "data" / "verify"
REG = stat.S_IFREG
EXE = stat.S_IFREG | 0o755
LNK = stat.S_IFLNK | 0o777


# --------------------------------------------------------------------------- discovery


def runner_for(answers: dict[str, subprocess.CompletedProcess | Exception]):
    def run(command, **kwargs):
        key = Path(command[0]).name + " " + command[1]
        answer = answers.get(key, subprocess.CompletedProcess(command, 0, "v1\n", ""))
        if isinstance(answer, Exception):
            raise answer
        return answer

    return run


def test_no_engine_installed_says_so_for_each() -> None:
    with pytest.raises(EngineError) as info:
        find_engine(which=lambda name: None, runner=runner_for({}))
    assert str(info.value) == (
        "no container engine can build here: docker is not installed; podman is not installed; buildah is not installed"
    )


def test_docker_client_without_daemon_is_skipped_for_podman() -> None:
    answers = {
        "docker version": subprocess.CompletedProcess(
            [], 1, "", "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.\n"
        )
    }
    engine = find_engine(which=lambda name: f"/usr/bin/{name}", runner=runner_for(answers))
    assert (engine.name, engine.binary) == ("podman", "/usr/bin/podman")


def test_named_engine_reasons() -> None:
    answers = {
        "docker version": subprocess.CompletedProcess([], 1, "", "Cannot connect to the Docker daemon\n"),
        "buildah info": subprocess.TimeoutExpired("buildah", 30),
    }
    which = lambda name: f"/usr/bin/{name}"  # noqa: E731
    with pytest.raises(EngineError, match="docker: the docker client is installed but no docker daemon answers"):
        find_engine("docker", which=which, runner=runner_for(answers))
    with pytest.raises(EngineError, match="did not answer within 30 s"):
        find_engine("buildah", which=which, runner=runner_for(answers))
    with pytest.raises(EngineError, match="unknown engine 'rkt'"):
        find_engine("rkt", which=which, runner=runner_for(answers))


def test_cli_without_an_engine_exits_2_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM debian:bookworm-slim\nRUN mkdir /a\nRUN touch /a/b\n")
    env = {**os.environ, "PATH": str(tmp_path / "nothing")}
    run = subprocess.run(
        [sys.executable, "-m", "dockopt", "verify", str(tmp_path / "Dockerfile")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.splitlines() == [
        (
            "error: no container engine can build here: docker is not installed; podman is not installed; "
            "buildah is not installed"
        )
    ]


# --------------------------------------------------------------------------- recorded inspect output

EXPECTED_CONFIG = {
    "User": "10001:10001",
    "Cmd": ["echo hi"],
    "Entrypoint": ["/bin/sh", "-c"],
    "Env": {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "A": "1", "B": "x y"},
    "ExposedPorts": ["8080/tcp", "9000/tcp"],
    "WorkingDir": "/app",
    "Volumes": ["/data"],
    "Labels": {"io.buildah.version": "1.28.2", "org.example.name": "demo"},
    "StopSignal": "SIGTERM",
    "Healthcheck": {"Test": ["CMD", "true"], "Interval": 30000000000},
}


def test_podman_inspect_of_the_recorded_image() -> None:
    image = image_from_podman_inspect(json.loads((DATA / "podman-inspect.json").read_text()))
    assert (image.size, image.layers) == (77895203, 2)
    assert image.config == EXPECTED_CONFIG


def test_buildah_inspect_of_the_same_image() -> None:
    image = image_from_buildah_inspect(json.loads((DATA / "buildah-inspect.json").read_text()))
    assert image.layers == 2 and 77_800_000 < image.size < 78_000_000
    assert image.config == EXPECTED_CONFIG


def test_docker_inspect_of_the_same_image() -> None:
    image = image_from_docker_inspect(json.loads((DATA / "docker-inspect.json").read_text()))
    assert (image.size, image.layers) == (74815547, 3)  # docker counts content bytes; BuildKit made a WORKDIR layer
    assert image.config["Healthcheck"]["Test"] == ["CMD", "true"]
    assert {k: v for k, v in image.config.items() if k != "Labels"} == {
        k: v for k, v in EXPECTED_CONFIG.items() if k != "Labels"
    }


# --------------------------------------------------------------------------- comparisons


def test_config_changes_field_by_field_and_env_key_by_key() -> None:
    before = normalise_config({"User": "", "Env": ["A=1", "B=2"], "Cmd": ["run"], "Labels": {"x": "1"}})
    after = normalise_config({"User": "10001", "Env": ["A=1", "B=3", "C=4"], "Cmd": ["run"], "Volumes": {}})
    changes = [(c.field, c.before, c.after) for c in config_changes(before, after)]
    assert changes == [
        ("User", None, "10001"),
        ("Env.B", "2", "3"),
        ("Env.C", None, "4"),
        ("Labels.x", "1", None),
    ]
    assert config_changes(before, before) == []


def test_compare_files_groups_by_directory_and_finds_missing_programs() -> None:
    original = {
        "/var/lib/apt/lists/deb.debian.org_bookworm_Packages": FileEntry(9_000_000, REG | 0o644),
        "/var/lib/apt/lists/deb.debian.org_bookworm_Release": FileEntry(150_000, REG | 0o644),
        "/usr/bin/curl": FileEntry(250_000, EXE),
        "/usr/bin/python3": FileEntry(0, LNK, "python3.11"),
        "/usr/lib/x86_64-linux-gnu/libcurl.so.4": FileEntry(600_000, REG | 0o644),
        "/var/lib/dpkg/info/curl.postinst": FileEntry(200, EXE),
        "/opt/app/run": FileEntry(100, EXE),
        "/etc/hostname": FileEntry(10, REG | 0o644),
    }
    rewritten = {
        "/usr/bin/python3": FileEntry(0, LNK, "python3.11"),
        "/etc/hostname": FileEntry(12, REG | 0o644),
        "/tmp/new": FileEntry(5, REG | 0o644),
    }
    comparison = compare_files(original, rewritten)
    gone = comparison.only_in_original
    assert (gone.count, gone.bytes) == (6, 10_000_300)
    assert gone.by_directory[0] == ("/var/lib/apt", 2, 9_150_000)
    assert [row[0] for row in gone.by_directory] == [
        "/var/lib/apt",
        "/usr/lib/x86_64-linux-gnu",
        "/usr/bin",
        "/var/lib/dpkg",
        "/opt/app",
    ]
    assert comparison.only_in_rewritten.by_directory == (("/tmp", 1, 5),)
    assert comparison.changed == 1
    assert comparison.missing_executables == ("/opt/app/run", "/usr/bin/curl")


def test_listing_from_a_container_export() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, kind, mode, data, link in [
            ("./", tarfile.DIRTYPE, 0o755, b"", ""),
            ("./.bashrc", tarfile.REGTYPE, 0o644, b"x" * 7, ""),
            ("usr/bin/tool", tarfile.REGTYPE, 0o755, b"#!/bin/sh\n", ""),
            ("usr/bin/alias", tarfile.SYMTYPE, 0o777, b"", "tool"),
            ("usr/bin/hard", tarfile.LNKTYPE, 0o755, b"", "usr/bin/tool"),
        ]:
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.size, info.linkname = kind, mode, len(data), link
            archive.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    with tarfile.open(fileobj=buffer, mode="r") as archive:
        listing = listing_from_tar(archive)
    assert set(listing) == {"/.bashrc", "/usr/bin/tool", "/usr/bin/alias", "/usr/bin/hard"}
    assert listing["/.bashrc"].size == 7 and not listing["/.bashrc"].executable
    assert listing["/usr/bin/tool"].executable and listing["/usr/bin/alias"].link == "tool"
    assert listing["/usr/bin/hard"].executable


def test_listing_from_a_mounted_directory(tmp_path: Path) -> None:
    (tmp_path / "usr" / "bin").mkdir(parents=True)
    (tmp_path / "usr" / "bin" / "tool").write_text("#!/bin/sh\n")
    (tmp_path / "usr" / "bin" / "tool").chmod(0o755)
    (tmp_path / "usr" / "bin" / "alias").symlink_to("tool")
    (tmp_path / "lib").symlink_to("usr/lib")
    listing = listing_from_directory(tmp_path)
    assert set(listing) == {"/usr/bin/tool", "/usr/bin/alias", "/lib"}
    assert listing["/usr/bin/tool"].executable and listing["/lib"].link == "usr/lib"


# --------------------------------------------------------------------------- orchestration


class FakeEngine:
    """Builds nothing: each Dockerfile's text decides the outcome and the image."""

    def __init__(
        self,
        name="podman",
        binary="/usr/bin/podman",
        version="podman version 4.3.1",
        config_for=None,
        fail_when="@@never@@",
        listing=None,
    ) -> None:
        self.name, self.binary, self.version = name, binary, version
        self.images: dict[str, Image] = {}
        self.built: list[str] = []
        self.removed: list[str] = []
        self.labels: list[dict] = []  # the labels of each build
        self.removed_labelled: list[tuple[str, str]] = []
        self.config_for = config_for or {}
        self.fail_when = fail_when
        self.listing = listing or {}

    def build(self, dockerfile, context, tag, progress, labels=None):
        text = Path(dockerfile).read_text()
        progress(f"STEP 1/1: {tag}")
        self.built.append(tag)
        self.labels.append(labels or {})
        if self.fail_when in text:
            return BuildResult(False, 1.0, "E: Unable to locate package nope")
        side = "rewritten" if tag.endswith("rewritten") else "original"
        self.images[tag] = Image(
            100_000_000 if side == "original" else 60_000_000,
            5 if side == "original" else 3,
            normalise_config(self.config_for.get(side, {"User": "root"})),
        )
        return BuildResult(True, 2.0 if side == "original" else 1.5, "")

    def inspect(self, tag):
        return self.images[tag]

    def files(self, tag):
        return self.listing.get("rewritten" if tag.endswith("rewritten") else "original", {})

    def remove(self, tag):
        self.removed.append(tag)

    def remove_labelled(self, label, value):
        self.removed_labelled.append((label, value))


def fake(**kwargs) -> FakeEngine:
    return FakeEngine(**kwargs)


SMELLY = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\nRUN echo done\n"
MERGES = (lookup("merge-runs"), lookup("apt-lists-cleanup"))


def run_verify(tmp_path: Path, engine: FakeEngine, text: str = SMELLY, transforms=MERGES):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(text)
    lines: list[str] = []
    report = verify(dockerfile, None, engine, transforms, False, lines.append)
    return report, lines


def test_a_rewrite_that_builds_with_the_same_config_exits_0(tmp_path: Path) -> None:
    engine = fake(listing={"original": {"/var/lib/apt/lists/x": FileEntry(50_000_000, REG | 0o644)}})
    report, lines = run_verify(tmp_path, engine)
    assert report.exit_code == EXIT_OK and report.changes == []
    assert report.fixes == {"DO101 merge-runs": 1, "DO205 apt-lists-cleanup": 1}
    assert report.files.only_in_original.by_directory == (("/var/lib/apt", 1, 50_000_000),)
    assert sorted(engine.removed) == sorted(engine.built) and len(engine.built) == 2
    # both builds carry one label, and every image carrying it (the stages too) is removed
    assert engine.labels[0] == engine.labels[1] and len(engine.labels[0]) == 1
    assert engine.removed_labelled == list(engine.labels[0].items())
    assert lines[0] == "building the original with podman (no cache)" and "comparing the images" in lines
    assert (tmp_path / "Dockerfile").read_text() == SMELLY  # nothing written


def test_original_that_does_not_build_exits_2(tmp_path: Path) -> None:
    engine = fake(fail_when="echo done")
    report, _ = run_verify(tmp_path, engine)
    assert report.exit_code == EXIT_CANNOT and report.message.startswith("the original does not build")
    assert "Unable to locate package" in report.message and len(engine.removed) == 2


def test_rewrite_that_does_not_build_exits_1(tmp_path: Path) -> None:
    engine = fake(fail_when="rm -rf /var/lib/apt/lists")
    report, _ = run_verify(tmp_path, engine)
    assert report.exit_code == EXIT_DRIFT and report.message.startswith("the original builds but the rewrite does not")


def test_config_drift_exits_1_unless_a_transform_announces_it(tmp_path: Path) -> None:
    configs = {"original": {"User": ""}, "rewritten": {"User": "10001:10001"}}
    report, _ = run_verify(tmp_path, fake(config_for=configs))
    assert report.exit_code == EXIT_DRIFT and [c.field for c in report.changes] == ["User"]

    @transform(
        code="DO399", name="test-user", config_changes=("User",), applicability=Applicability.SAFE, severity="warning"
    )
    def test_user(df, context):
        """Add a USER (for the test)."""
        if "USER" not in df.text:
            yield Finding("user", 0, 0, Fix((Edit.insert(len(df.text), "USER 10001:10001\n"),), Applicability.SAFE))

    report, _ = run_verify(tmp_path, fake(config_for=configs), "FROM debian:bookworm-slim\nRUN true\n", (test_user,))
    assert report.exit_code == EXIT_OK and report.changes == [] and [c.field for c in report.expected] == ["User"]


def test_nothing_to_rewrite_builds_the_file_once_and_reports_its_size(tmp_path: Path) -> None:
    engine = fake()
    report, _ = run_verify(tmp_path, engine, "FROM debian:bookworm-slim\nRUN echo hi\n")
    assert report.exit_code == EXIT_OK and len(engine.built) == 1 and engine.removed == engine.built
    assert engine.removed_labelled == list(engine.labels[0].items()) and len(engine.labels[0]) == 1
    assert report.rewritten is None and report.original.image.size == 100_000_000
    assert "dockopt changes nothing in this file" in report.message
    assert "image size 100.0 MB, 5 layers, built in 2.0 s" in render_text(report)
    assert json.loads(render_json(report))["original"]["image"]["layers"] == 5


def test_nothing_to_rewrite_and_the_file_does_not_build_exits_2(tmp_path: Path) -> None:
    engine = fake(fail_when="echo hi")
    report, _ = run_verify(tmp_path, engine, "FROM debian:bookworm-slim\nRUN echo hi\n")
    assert report.exit_code == EXIT_CANNOT and report.message.startswith("the file does not build")
    assert "Unable to locate package" in report.message and engine.removed == engine.built
    assert engine.removed_labelled == list(engine.labels[0].items())


def test_engine_failure_while_comparing_exits_2_and_cleans_up(tmp_path: Path) -> None:
    class Broken(FakeEngine):
        def files(self, tag):
            raise EngineError("podman create failed: no space left on device")

    engine = Broken()
    report, _ = run_verify(tmp_path, engine)
    assert report.exit_code == EXIT_CANNOT and "no space left" in report.message
    assert len(engine.removed) == 2


def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    report = verify(tmp_path / "missing", None, fake(), MERGES, False, lambda line: None)
    assert report.exit_code == EXIT_CANNOT and report.message.endswith("no such file")


# --------------------------------------------------------------------------- rendering


def test_text_report(tmp_path: Path) -> None:
    engine = fake(
        listing={
            "original": {"/var/lib/apt/lists/x": FileEntry(52_900_000, REG | 0o644), "/usr/bin/jq": FileEntry(10, EXE)}
        }
    )
    report, _ = run_verify(tmp_path, engine)
    text = render_text(report)
    assert text.splitlines()[1:8] == [
        "fixes: DO101 merge-runs ×1, DO205 apt-lists-cleanup ×1",
        "            original  rewritten  change",
        "image size  100.0 MB  60.0 MB    -40.0 MB (-40.0%)",
        "layers      5         3          -2",
        "build time  2.0 s     1.5 s      -0.5 s",
        "runtime config: identical",
        "files only in the original: 2 (52.9 MB)",
    ]
    assert "executables in the original, missing from the rewrite: 1\n  /usr/bin/jq\n" in text
    assert text.endswith("the rewrite builds and runs with the same configuration\n")


def test_json_report_is_one_object_with_everything(tmp_path: Path) -> None:
    report, _ = run_verify(tmp_path, fake(config_for={"original": {"User": ""}, "rewritten": {"User": "app"}}))
    data = json.loads(render_json(report))
    assert data["exit_code"] == EXIT_DRIFT
    assert data["original"]["image"]["size"] == 100_000_000 and data["rewritten"]["image"]["layers"] == 3
    assert data["changes"] == [{"field": "User", "before": None, "after": "app"}]
    assert data["files"]["only_in_original"]["by_directory"] == []
    assert set(data) >= {"dockerfile", "context", "engine", "fixes", "message"}


def test_recorded_data_is_documented() -> None:
    readme = (DATA / "README.md").read_text()
    for name in ("podman-inspect.json", "buildah-inspect.json", "docker-inspect.json", "inspected.Dockerfile"):
        assert (DATA / name).exists() and name in readme
    assert ROOT in DATA.parents


def test_build_command_of_each_engine_with_target_cache_and_labels(monkeypatch, tmp_path: Path) -> None:
    """A rebuild (`cache=True`) drops --no-cache; --target and --label come before the context."""
    commands = []

    class FakePopen:
        def __init__(self, command, **kwargs):
            commands.append(command)
            self.stdout = io.StringIO("STEP 1/1: FROM scratch\n")

        def wait(self):
            return 0

    monkeypatch.setattr(subprocess, "Popen", FakePopen)
    dockerfile, context = tmp_path / "Dockerfile", tmp_path
    Engine("podman", "podman").build(dockerfile, context, "t", lambda line: None)
    Engine("podman", "podman").build(
        dockerfile,
        context,
        "t",
        lambda line: None,
        target="production",
        cache=True,
        labels={"org.dockopt.bench": "ab12"},
    )
    Engine("docker", "docker").build(dockerfile, context, "t", lambda line: None, target="build")
    assert commands[0] == [
        "podman",
        "build",
        "--layers",
        "--no-cache",
        "--force-rm",
        "--format",
        "docker",
        "-f",
        str(dockerfile),
        "-t",
        "t",
        str(context),
    ]
    assert commands[1] == [
        "podman",
        "build",
        "--layers",
        "--force-rm",
        "--format",
        "docker",
        "--target",
        "production",
        "--label",
        "org.dockopt.bench=ab12",
        "-f",
        str(dockerfile),
        "-t",
        "t",
        str(context),
    ]
    assert commands[2] == [
        "docker",
        "build",
        "--no-cache",
        "--force-rm",
        "--target",
        "build",
        "-f",
        str(dockerfile),
        "-t",
        "t",
        str(context),
    ]


def test_an_ignore_file_is_passed_to_podman_and_buildah_docker_reads_it_beside_the_dockerfile(
    monkeypatch, tmp_path: Path
) -> None:
    commands = []

    class FakePopen:
        def __init__(self, command, **kwargs):
            commands.append(command)
            self.stdout = io.StringIO("")

        def wait(self):
            return 0

    monkeypatch.setattr(subprocess, "Popen", FakePopen)
    ignore = tmp_path / "Dockerfile.dockerignore"
    for name in ("podman", "buildah", "docker"):
        Engine(name, name).build(tmp_path / "Dockerfile", tmp_path, "t", lambda line: None, ignorefile=ignore)
    assert [c[c.index("--ignorefile") + 1] for c in commands[:2]] == [str(ignore), str(ignore)]
    assert "--ignorefile" not in commands[2]


def test_images_carrying_a_label_are_removed_children_first(monkeypatch) -> None:
    """`remove_labelled` asks again until no image carries the label (a parent is refused while
    a child exists), and names only the images that carry it."""
    answers = [["c1", "p1"], ["p1"], []]
    calls = []

    def fake_run(command, **kwargs):
        calls.append(command)
        if command[1] == "images":
            return subprocess.CompletedProcess(command, 0, "\n".join(answers.pop(0)), "")
        return subprocess.CompletedProcess(command, 0, "removed", "")

    monkeypatch.setattr(subprocess, "run", fake_run)
    Engine("podman", "podman").remove_labelled("org.dockopt.verify", "ab12")
    assert calls[0][-2:] == ["--filter", "label=org.dockopt.verify=ab12"]
    assert [c[3:] for c in calls if c[1] == "image"] == [["c1", "p1"], ["p1"]]
    assert answers == []


def test_the_programs_a_container_starts_exec_and_shell_form() -> None:
    assert entry_programs({"Entrypoint": ["/docker-entrypoint.sh"], "Cmd": ["nginx", "-g", "daemon off;"]}) == (
        "/docker-entrypoint.sh",
    )
    assert entry_programs({"Cmd": ["/bin/sh", "-c", "exec PORT=80 gunicorn app:app"]}) == ("/bin/sh", "gunicorn")
    assert entry_programs({"Cmd": ["/bin/sh", "-c", "$APP serve"]}) == ("/bin/sh",)  # not plain
    assert entry_programs({"Cmd": ["/bin/sh", "-c", "cd /app && node server.js"]}) == ("/bin/sh",)  # a builtin
    assert entry_programs({"Cmd": ["bash", "-ec", "python -m app"]}) == ("bash", "python")
    assert entry_programs({"Cmd": ["python", "-c", "print(1)"]}) == ("python",)
    assert entry_programs({}) == ()


def test_programs_are_resolved_on_path_and_workdir_through_symbolic_links() -> None:
    listing = {
        "/bin": FileEntry(0, LNK, "usr/bin"),  # merged /usr: a link to a directory
        "/usr/bin/dash": FileEntry(100, REG | 0o755),
        "/usr/bin/sh": FileEntry(0, LNK, "dash"),
        "/usr/local/bin/python": FileEntry(0, LNK, "/usr/bin/python3.11"),
        "/usr/bin/python3.11": FileEntry(100, REG | 0o755),
        "/app/run.sh": FileEntry(10, REG | 0o755),
        "/usr/local/bin/dangling": FileEntry(0, LNK, "../lib/gone"),
    }
    env = {"PATH": "/usr/local/bin:/usr/bin"}
    assert resolve_programs({"Cmd": ["/bin/sh", "-c", "python app.py"], "Env": env}, listing) == {
        "/bin/sh": "/bin/sh",
        "python": "/usr/local/bin/python",
    }
    assert resolve_programs({"Entrypoint": ["./run.sh"], "WorkingDir": "/app"}, listing) == {"./run.sh": "/app/run.sh"}
    assert resolve_programs({"Cmd": ["gunicorn"], "Env": env}, listing) == {"gunicorn": None}
    assert resolve_programs({"Cmd": ["dangling"], "Env": env}, listing) == {"dangling": None}
    assert resolve_programs({"Cmd": ["/usr/bin"]}, listing) == {"/usr/bin": None}  # a directory runs nothing
