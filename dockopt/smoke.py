"""The smoke test of a built image: does the container start and answer as the original's does?

The container is started with no network (`--network none`); where the image exposes TCP
ports (or names one in PORT), `/` is fetched on each from inside the container's network
namespace (this machine's Python under `nsenter`, so that the image needs no HTTP client)
and the HTTP status is recorded; the container's state after a few seconds (still running,
or exited with a code) and the last line of its output are recorded too. Two results are
the same (``Smoke.same_as``) when the state and the HTTP statuses are, and, for a container
that exited, the last line with its digits masked.

Containers run with podman (for the podman and buildah engines, which share its storage) or
docker. Fetching over HTTP needs root and `nsenter`; without them every port says
"no answer", for the original and the rewrite alike.

Used by `dockopt fix --verify` and by `benchmarks/bench_projects.py`.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

SMOKE_SECONDS = 20  # how long a server gets to answer, and a command to finish
SERVICE_SECONDS = 8  # a command without ports still running after this is a service


@dataclass(frozen=True)
class Smoke:
    state: str  # "running", "exited 1", "did not start: ..."
    http: dict[str, str] = field(default_factory=dict)  # "8080/tcp" -> "200" or "no answer"
    last_line: str = ""  # the last line of the container's output

    def same_as(self, other: Smoke) -> bool:
        if self.state != other.state or self.http != other.http:
            return False
        if self.state.startswith("exited"):
            return masked(self.last_line) == masked(other.last_line)
        return True

    def summary(self) -> str:
        """One short phrase: `running 8080:200`, `exited 127`."""
        return self.state + "".join(f" {port.split('/')[0]}:{status}" for port, status in self.http.items())


def runner_for(engine_name: str) -> str:
    """The program that runs the containers of an engine's images."""
    return "docker" if engine_name == "docker" else "podman"


def smoke_test(tag: str, config: dict[str, Any], runner: str = "podman", seconds: float = SMOKE_SECONDS) -> Smoke:
    """Start the container without network; fetch `/` on each exposed port from inside its
    network namespace; its state and last line of output after that."""
    name = f"dockopt-smoke-{secrets.token_hex(4)}"
    ports = probed_ports(config)
    start = subprocess.run(
        [runner, "run", "-d", "--name", name, "--network", "none", tag],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        errors="replace",
    )
    if start.returncode != 0:
        return Smoke("did not start: " + last_lines(start.stderr, 1))
    try:
        http: dict[str, str] = {}
        began = time.monotonic()
        while time.monotonic() < began + seconds:
            running, pid = _state(runner, name)
            if not running:
                break
            for port in ports:
                if http.get(port, "no answer") == "no answer":
                    http[port] = _http_status(pid, int(port.split("/")[0]))
            if ports and all(status != "no answer" for status in http.values()):
                time.sleep(2)  # a server that answers once and then dies is not up
                break
            time.sleep(1 if ports else 2)
            if not ports and time.monotonic() > began + SERVICE_SECONDS:
                break
        for port in ports:
            http.setdefault(port, "no answer")
        running, _ = _state(runner, name)
        if running:
            state = "running"
        else:
            code = subprocess.run(
                [runner, "inspect", "--format", "{{.State.ExitCode}}", name], capture_output=True, text=True
            ).stdout.strip()
            state = f"exited {code}"
        logs = subprocess.run([runner, "logs", name], capture_output=True, text=True, errors="replace")
        lines = [line for line in (logs.stdout + logs.stderr).splitlines() if line.strip()]
        return Smoke(state, dict(sorted(http.items())), lines[-1][:300] if lines else "")
    finally:
        remove = [runner, "rm", "-f", *(["-t", "2"] if runner == "podman" else []), name]
        subprocess.run(remove, capture_output=True)


def probed_ports(config: dict[str, Any]) -> list[str]:
    """The TCP ports the image exposes, or else the one its PORT variable names."""
    ports = [p for p in (config.get("ExposedPorts") or []) if p.endswith("/tcp")]
    port = str((config.get("Env") or {}).get("PORT") or "")
    if not ports and port.isdigit():
        ports.append(f"{port}/tcp")
    return ports


def masked(line: str) -> str:
    return re.sub(r"\d+", "N", line)


def last_lines(text: str, count: int = 3) -> str:
    """The last non-blank lines of a build or run output, joined by ` | `."""
    lines = [line for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-count:])[-600:]


def _state(runner: str, name: str) -> tuple[bool, int]:
    out = subprocess.run(
        [runner, "inspect", "--format", "{{.State.Running}} {{.State.Pid}}", name], capture_output=True, text=True
    ).stdout.split()
    return (out[:1] == ["true"], int(out[1]) if len(out) > 1 and out[1].isdigit() else 0)


_GET = (
    "import sys, urllib.request, urllib.error\n"
    "try:\n"
    "    print(urllib.request.urlopen(f'http://127.0.0.1:{sys.argv[1]}/', timeout=5).status)\n"
    "except urllib.error.HTTPError as e:\n"
    "    print(e.code)\n"
    "except Exception:\n"
    "    print('no answer')\n"
)


def _http_status(pid: int, port: int) -> str:
    """GET / on the port, from inside the container's network namespace (loopback only)."""
    if not pid:
        return "no answer"
    try:
        run = subprocess.run(
            ["nsenter", "--target", str(pid), "--net", sys.executable, "-c", _GET, str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "no answer"
    return run.stdout.strip() or "no answer"
