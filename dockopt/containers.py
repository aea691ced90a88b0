"""The container engines `dockopt verify` builds with: docker, podman or buildah.

Each engine is driven through its command line. Everything an engine prints about an image
is parsed by pure functions (``image_from_*``) that are tested on recorded output.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tarfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .imagediff import FileEntry, Image, listing_from_tar, normalise_config

ENGINES = ("docker", "podman", "buildah")
PROBE_SECONDS = 30
TAIL_LINES = 25


class EngineError(Exception):
    """The engine cannot be used, or an operation failed: a one-line reason."""


@dataclass(frozen=True)
class BuildResult:
    ok: bool
    seconds: float
    tail: str  # the last lines of the build output, to explain a failure


Runner = Callable[..., subprocess.CompletedProcess]


@dataclass(frozen=True)
class Engine:
    name: str
    binary: str
    version: str = ""

    # ----------------------------------------------------------------- building

    def build(
        self,
        dockerfile: Path,
        context: Path,
        tag: str,
        progress: Callable[[str], None],
        target: str | None = None,
        cache: bool = False,
        labels: dict[str, str] | None = None,
        ignorefile: Path | None = None,
    ) -> BuildResult:
        """Build (without cache unless ``cache``: a rebuild); each output line goes to ``progress``.

        ``target`` is the stage to build, as `--target` (default: the last); ``labels`` are set
        with `--label` (buildah and podman set them on the images of every stage, so that
        the images a build made can be found and removed: ``remove_labelled``); ``ignorefile``
        is the `.dockerignore` to use instead of the context's (`--ignorefile`; docker's BuildKit
        reads `<Dockerfile>.dockerignore` beside the Dockerfile instead: put it there)."""
        no_cache = [] if cache else ["--no-cache"]
        if self.name == "buildah":
            command = [self.binary, "bud", "--layers", *no_cache, "--force-rm", "--format", "docker"]
        elif self.name == "podman":
            command = [self.binary, "build", "--layers", *no_cache, "--force-rm", "--format", "docker"]
        else:
            command = [self.binary, "build", *no_cache, "--force-rm"]
        if target:
            command += ["--target", target]
        for name, value in (labels or {}).items():
            command += ["--label", f"{name}={value}"]
        if ignorefile is not None and self.name != "docker":
            command += ["--ignorefile", str(ignorefile)]
        command += ["-f", str(dockerfile), "-t", tag, str(context)]
        start = time.perf_counter()
        tail: deque[str] = deque(maxlen=TAIL_LINES)
        try:
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                errors="replace",
            )
        except OSError as exc:
            raise EngineError(f"{self.name}: cannot run {self.binary}: {exc.strerror or exc}") from None
        assert process.stdout is not None
        for line in process.stdout:
            line = line.rstrip("\n")
            tail.append(line)
            progress(line)
        code = process.wait()
        return BuildResult(code == 0, time.perf_counter() - start, "\n".join(tail))

    # ----------------------------------------------------------------- inspecting

    def inspect(self, tag: str) -> Image:
        if self.name == "buildah":
            out = self._run("inspect", "--type", "image", tag)
            return image_from_buildah_inspect(json.loads(out))
        out = self._run("image", "inspect", tag)
        data = json.loads(out)
        return image_from_podman_inspect(data) if self.name == "podman" else image_from_docker_inspect(data)

    def files(self, tag: str) -> dict[str, FileEntry]:
        """path -> FileEntry for every non-directory in the image's filesystem."""
        if self.name == "buildah":
            container = self._run("from", "--pull=never", "--quiet", tag).strip().splitlines()[-1]
            try:
                root = self._run("mount", container).strip()
                return listing_from_directory(Path(root))
            finally:
                self._run("umount", container, check=False)
                self._run("rm", container, check=False)
        container = self._run("create", tag, "true").strip().splitlines()[-1]
        try:
            process = subprocess.Popen(
                [self.binary, "export", container], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL
            )
            assert process.stdout is not None
            with tarfile.open(fileobj=process.stdout, mode="r|") as archive:
                listing = listing_from_tar(archive)
            process.wait()
            return listing
        finally:
            self._run("rm", "-f", container, check=False)

    def remove(self, tag: str) -> None:
        if self.name == "buildah":
            self._run("rmi", "-f", tag, check=False)
        else:
            self._run("image", "rm", "-f", tag, check=False)

    def remove_labelled(self, label: str, value: str) -> None:
        """Every image carrying the label with this value (the stages and intermediate images
        of the builds that set it); nobody else's images are touched."""
        binary = self.binary if self.name != "buildah" else (shutil.which("podman") or self.binary)
        for _ in range(20):  # children before parents: a parent is refused while a child exists
            ids = subprocess.run(
                [binary, "images", "-a", "-q", "--no-trunc", "--filter", f"label={label}={value}"],
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
            ).stdout.split()
            if not ids:
                return
            removed = subprocess.run(
                [binary, "image", "rm", *dict.fromkeys(ids)], capture_output=True, text=True, stdin=subprocess.DEVNULL
            )
            if removed.returncode != 0 and not removed.stdout.strip():
                return  # nothing could go (an image still in use): leave the rest

    def _run(self, *args: str, check: bool = True) -> str:
        run = subprocess.run(
            [self.binary, *args], capture_output=True, text=True, stdin=subprocess.DEVNULL, errors="replace"
        )
        if check and run.returncode != 0:
            message = (run.stderr or run.stdout).strip().splitlines()
            raise EngineError(
                f"{self.name} {args[0]} failed: {message[-1] if message else 'exit ' + str(run.returncode)}"
            )
        return run.stdout


# --------------------------------------------------------------------------- discovery


def find_engine(name: str | None = None, which=shutil.which, runner: Runner = subprocess.run) -> Engine:
    """The first usable engine (or the one named); EngineError says why none is."""
    candidates = (name,) if name else ENGINES
    reasons = []
    for candidate in candidates:
        if candidate not in ENGINES:
            raise EngineError(f"unknown engine '{candidate}' (choose from {', '.join(ENGINES)})")
        binary = which(candidate)
        if binary is None:
            reasons.append(f"{candidate} is not installed")
            continue
        reason = _probe(candidate, binary, runner)
        if reason is None:
            return Engine(candidate, binary, _version(binary, runner))
        reasons.append(f"{candidate}: {reason}")
    raise EngineError("no container engine can build here: " + "; ".join(reasons))


def _probe(name: str, binary: str, runner: Runner) -> str | None:
    """None when the engine answers, else the reason it cannot build."""
    if name == "docker":
        command = [binary, "version", "--format", "{{.Server.Version}}"]
    elif name == "podman":
        command = [binary, "info", "--format", "{{.Version.Version}}"]
    else:
        command = [binary, "info", "--format", "{{.store.GraphDriverName}}"]
    try:
        run = runner(command, capture_output=True, text=True, timeout=PROBE_SECONDS, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return f"`{' '.join(command[:2])}` did not answer within {PROBE_SECONDS} s"
    except OSError as exc:
        return f"cannot run {binary}: {exc.strerror or exc}"
    if run.returncode != 0:
        lines = (run.stderr or run.stdout or "").strip().splitlines()
        if name == "docker":
            return "the docker client is installed but no docker daemon answers" + (f" ({lines[-1]})" if lines else "")
        return lines[-1] if lines else f"`{' '.join(command[:2])}` exited {run.returncode}"
    return None


def _version(binary: str, runner: Runner) -> str:
    try:
        run = runner(
            [binary, "--version"], capture_output=True, text=True, timeout=PROBE_SECONDS, stdin=subprocess.DEVNULL
        )
    except (subprocess.TimeoutExpired, OSError):
        return ""
    return (run.stdout or "").strip().splitlines()[0] if (run.stdout or "").strip() else ""


# --------------------------------------------------------------------------- parsing what engines print


def image_from_docker_inspect(data: list[dict[str, Any]]) -> Image:
    """`docker image inspect`: Size, RootFS.Layers, Config (Healthcheck inside Config)."""
    item = data[0]
    return Image(
        int(item.get("Size") or 0),
        len((item.get("RootFS") or {}).get("Layers") or []),
        normalise_config(item.get("Config")),
    )


def image_from_podman_inspect(data: list[dict[str, Any]]) -> Image:
    """`podman image inspect`: like docker's, but Healthcheck is beside Config."""
    item = data[0]
    return Image(
        int(item.get("Size") or 0),
        len((item.get("RootFS") or {}).get("Layers") or []),
        normalise_config(item.get("Config"), item.get("Healthcheck")),
    )


def image_from_buildah_inspect(data: dict[str, Any]) -> Image:
    """`buildah inspect --type image`: the size is the manifest's layers plus its config."""
    manifest = data.get("Manifest") or "{}"
    manifest = json.loads(manifest) if isinstance(manifest, str) else manifest
    layers = manifest.get("layers") or []
    size = sum(int(layer.get("size") or 0) for layer in layers) + int((manifest.get("config") or {}).get("size") or 0)
    docker = (data.get("Docker") or {}).get("config")
    config = docker if docker else ((data.get("OCIv1") or {}).get("config") or {})
    return Image(size, len(layers), normalise_config(config))


def listing_from_directory(root: Path) -> dict[str, FileEntry]:
    """A listing of a mounted image filesystem (directories left out, links not followed)."""
    listing = {}
    prefix = len(str(root).rstrip("/"))
    for directory, dirnames, filenames in os.walk(root):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(directory, d))]:
            path = os.path.join(directory, name)
            info = os.lstat(path)
            link = os.readlink(path) if stat.S_ISLNK(info.st_mode) else None
            size = info.st_size if stat.S_ISREG(info.st_mode) else 0
            listing[path[prefix:] or "/"] = FileEntry(size, info.st_mode, link)
    return listing
