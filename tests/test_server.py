"""`dockopt server` driven as an editor drives it: JSON-RPC over the pipes of a subprocess.

Each test starts the server, initializes a session, opens a Dockerfile, and reads what comes
back; what the editor would show is compared with what the command line says for the same
file (``dockopt check --output-format json``, ``dockopt fix -``), never with numbers copied
from the server. With ``DOCKOPT_LSP_RECORD=<file>`` the session of ``test_fix_all_is_dockopt_fix``
is written there as JSON lines (the example of docs/editors.md).
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest

from dockopt.fix import Edit, apply_edits

SAMPLE = "FROM debian:12\nRUN apt-get update\nRUN apt-get install curl\n  COPY . /app\nCMD python3 /app/main.py\n"
TIMEOUT = 30


class Client:
    """A minimal LSP client: requests wait for their response, notifications are queued."""

    def __init__(self, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dockopt", "server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.transcript: list[tuple[str, dict[str, Any]]] = []  # ("->" sent or "<-" received, message)
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            headers = {}
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                headers[name.strip().lower()] = value.strip()
            self.messages.put(json.loads(stream.read(int(headers["content-length"]))))

    def send(self, message: dict[str, Any]) -> None:
        message = {"jsonrpc": "2.0", **message}
        self.transcript.append(("->", message))
        body = json.dumps(message).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def receive(self) -> dict[str, Any]:
        try:
            message = self.messages.get(timeout=TIMEOUT)
        except queue.Empty:
            pytest.fail(f"no message from the server in {TIMEOUT} s")
        self.transcript.append(("<-", message))
        return message

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        while True:
            message = self.receive()
            if message.get("id") == self.next_id and "method" not in message:
                assert "error" not in message, message
                return message["result"]
            self.pending.append(message)

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    pending: list[dict[str, Any]]

    def notification(self, method: str) -> dict[str, Any]:
        """The next notification ``method`` (those received meanwhile by requests first)."""
        while self.pending:
            message = self.pending.pop(0)
            if message.get("method") == method:
                return message["params"]  # type: ignore[no-any-return]
        while True:
            message = self.receive()
            if message.get("method") == method:
                return message["params"]  # type: ignore[no-any-return]

    def start(self, root: Path, files: bool = False) -> dict[str, Any]:
        """Initialize the session; ``files``: the client applies edits that create files."""
        self.pending = []
        capabilities: dict[str, Any] = {
            "textDocument": {
                "codeAction": {
                    "codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "source.fixAll"]}}
                }
            }
        }
        if files:
            capabilities["workspace"] = {"workspaceEdit": {"documentChanges": True, "resourceOperations": ["create"]}}
        result = self.request(
            "initialize", {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": capabilities}
        )
        self.notify("initialized", {})
        return result  # type: ignore[no-any-return]

    def open(self, path: Path, text: str) -> list[dict[str, Any]]:
        """Open ``path`` with ``text``; its diagnostics."""
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": path.as_uri(), "languageId": "dockerfile", "version": 1, "text": text}},
        )
        return self.diagnostics(path)

    def diagnostics(self, path: Path) -> list[dict[str, Any]]:
        while True:
            params = self.notification("textDocument/publishDiagnostics")
            if params["uri"] == path.as_uri():
                return params["diagnostics"]  # type: ignore[no-any-return]

    def actions(
        self, path: Path, start: int = 0, end: int = 10_000, only: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """The code actions on lines ``start`` to ``end`` (0-based, both whole)."""
        context: dict[str, Any] = {"diagnostics": []}
        if only is not None:
            context["only"] = only
        whole = {"start": {"line": start, "character": 0}, "end": {"line": end + 1, "character": 0}}
        return self.request(  # type: ignore[no-any-return]
            "textDocument/codeAction", {"textDocument": {"uri": path.as_uri()}, "range": whole, "context": context}
        )

    def stop(self) -> None:
        self.request("shutdown", None)
        self.notify("exit", None)
        self.process.wait(timeout=TIMEOUT)


@pytest.fixture
def client(tmp_path: Path):
    started = Client(tmp_path)
    started.start(tmp_path)
    yield started
    if started.process.poll() is None:
        started.stop()


def applied(text: str, edits: list[dict[str, Any]]) -> str:
    """``text`` with LSP text edits applied (positions in UTF-16 units of an ASCII text here)."""
    assert text.isascii()
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def offset(position: dict[str, int]) -> int:
        return starts[position["line"]] + position["character"] if position["line"] < len(starts) else len(text)

    return apply_edits(
        text, [Edit(offset(e["range"]["start"]), offset(e["range"]["end"]), e["newText"]) for e in edits]
    )


def dockopt(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dockopt", *args], input=stdin, capture_output=True, text=True, cwd=cwd, check=False
    )


def test_diagnostics_on_open_are_those_of_check(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(SAMPLE)
    found = client.open(path, SAMPLE)
    checked = json.loads(dockopt("check", "--output-format", "json", "Dockerfile", cwd=tmp_path).stdout)["findings"]
    assert checked, "the sample has findings"

    starts = [0] + [i + 1 for i, c in enumerate(SAMPLE) if c == "\n"]

    def lsp(position: dict[str, int]) -> int:  # 0-based line, character: an ASCII text
        return starts[position["line"]] + position["character"]

    def cli(position: dict[str, int]) -> int:  # 1-based line, column
        return starts[position["line"] - 1] + position["column"] - 1

    assert sorted((d["code"], lsp(d["range"]["start"]), lsp(d["range"]["end"])) for d in found) == sorted(
        (c["code"], cli(c["start"]), cli(c["end"])) for c in checked
    )
    assert {d["source"] for d in found} == {"dockopt"}
    # each finding's severity as check gives it: error 1, warning 2, info (LSP's information) 3
    lsp_severity = {"error": 1, "warning": 2, "info": 3}
    assert sorted((d["code"], d["severity"]) for d in found) == sorted(
        (c["code"], lsp_severity[c["severity"]]) for c in checked
    )
    assert {d["severity"] for d in found} == {2, 3}  # the sample has warnings and info (merge-runs)
    assert all(d["message"].endswith(f"(dockopt explain {d['code']})") for d in found)


def test_fix_all_is_dockopt_fix(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(SAMPLE)
    client.open(path, SAMPLE)
    at_cursor = client.actions(
        path, 2, 2
    )  # what a light bulb on `RUN apt-get install curl` lists (the record shows it)
    assert "Ignore DO203 here" in [a["title"] for a in at_cursor]
    actions = client.actions(path, 0, 4, only=["source.fixAll"])
    assert [a["title"] for a in actions] == ["Fix all safe (dockopt)"]
    assert actions[0]["kind"] == "source.fixAll.dockopt"
    fixed = applied(SAMPLE, actions[0]["edit"]["changes"][path.as_uri()])
    expected = dockopt("fix", "-", "--stdin-filename", "Dockerfile", cwd=tmp_path, stdin=SAMPLE).stdout
    assert fixed == expected != SAMPLE
    client.stop()
    record = os.environ.get("DOCKOPT_LSP_RECORD")
    if record:
        with open(record, "w", encoding="utf-8") as out:
            for direction, message in client.transcript:
                text = json.dumps(message).replace(tmp_path.as_uri(), "file:///project")
                out.write(f"{direction} {text}\n")


def test_nothing_to_fix_offers_no_fix_all(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    fixed = dockopt("fix", "-", "--stdin-filename", "Dockerfile", cwd=tmp_path, stdin=SAMPLE).stdout
    client.open(path, fixed)
    assert client.actions(path, only=["source.fixAll"]) == []


def test_quick_fixes_per_finding(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    found = client.open(path, SAMPLE)
    actions = client.actions(path, 2, 2, only=["quickfix"])  # the line `RUN apt-get install curl`
    fixes = {a["diagnostics"][0]["code"]: a for a in actions if a["title"].startswith("Fix: ")}
    on_line = {d["code"] for d in found if d["range"]["start"]["line"] <= 2 <= d["range"]["end"]["line"]}
    assert set(fixes) <= on_line
    yes = fixes["DO203"]  # apt-assume-yes: a safe fix
    assert yes["isPreferred"] is True and not yes["title"].endswith("(unsafe)")
    assert "apt-get install -y curl" in applied(SAMPLE, yes["edit"]["changes"][path.as_uri()])
    recommends = fixes["DO204"]  # apt-no-install-recommends: unsafe
    assert recommends["title"].endswith("(unsafe)") and recommends["isPreferred"] is False
    assert "--no-install-recommends" in applied(SAMPLE, recommends["edit"]["changes"][path.as_uri()])
    assert "DO301" not in fixes or fixes["DO301"]["title"].endswith("(unsafe)")


def test_ignore_adds_the_comment_and_the_finding_goes(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    client.open(path, SAMPLE)
    actions = client.actions(path, 3, 3, only=["quickfix"])  # `  COPY . /app`: DO104, indented
    ignore = next(a for a in actions if a["title"] == "Ignore DO104 here")
    text = applied(SAMPLE, ignore["edit"]["changes"][path.as_uri()])
    assert text == SAMPLE.replace("  COPY", "  # dockopt: ignore=DO104\n  COPY")
    client.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": path.as_uri(), "version": 2}, "contentChanges": [{"text": text}]},
    )
    after = client.diagnostics(path)
    assert after and "DO104" not in {d["code"] for d in after}
    client.notify("textDocument/didSave", {"textDocument": {"uri": path.as_uri()}})
    assert client.diagnostics(path) == after
    client.notify("textDocument/didClose", {"textDocument": {"uri": path.as_uri()}})
    assert client.diagnostics(path) == []


def test_changes_in_a_burst_are_analysed_once(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    client.open(path, SAMPLE)
    for version in (2, 3, 4):  # sent at once: well within the debounce delay of each other
        text = SAMPLE + "RUN true\n" * (version - 1)
        client.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": path.as_uri(), "version": version}, "contentChanges": [{"text": text}]},
        )
    while True:
        params = client.notification("textDocument/publishDiagnostics")
        if params["uri"] == path.as_uri():
            break
    assert params["version"] == 4


def test_refusals_are_errors_and_configuration_applies(client: Client, tmp_path: Path) -> None:
    (tmp_path / ".dockopt.toml").write_text('ignore = ["DO101"]\n')
    path = tmp_path / "Dockerfile"
    found = client.open(path, SAMPLE + "FROBNICATE now\n")
    codes = {d["code"]: d["severity"] for d in found}
    refused = [code for code, severity in codes.items() if severity == 1]
    assert refused and all(code.startswith("DO0") for code in refused)
    assert "DO101" not in codes and "DO203" in codes


def test_a_file_that_does_not_parse_gets_one_error(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    found = client.open(path, "FROM alpine\nRUN <<EOF\necho\n")
    assert len(found) == 1 and found[0]["severity"] == 1 and "code" not in found[0]


def apply_document_changes(changes: list[dict[str, Any]]) -> None:
    """Apply a workspace edit's ``documentChanges`` to the files, as an editor would (ASCII texts)."""
    for change in changes:
        if change.get("kind") == "create":
            target = Path(unquote(urlparse(change["uri"]).path))
            if not (target.exists() and change.get("options", {}).get("ignoreIfExists")):
                target.write_text("")
        else:
            target = Path(unquote(urlparse(change["textDocument"]["uri"]).path))
            target.write_text(applied(target.read_text(), change["edits"]), newline="")


def test_fix_all_writes_what_dockopt_fix_writes_beside_the_dockerfile(tmp_path: Path) -> None:
    project, copy = tmp_path / "editor", tmp_path / "cli"
    for directory in (project, copy):
        directory.mkdir()
        (directory / ".dockopt.toml").write_text("unsafe-fixes = true\n")
        (directory / "Dockerfile").write_text(SAMPLE)
    client = Client(project)
    client.start(project, files=True)
    path = project / "Dockerfile"
    client.open(path, SAMPLE)
    quick = client.actions(path, 3, 3, only=["quickfix"])
    dockerignore = next(a for a in quick if a["diagnostics"][0]["code"] == "DO104" and a["title"].startswith("Fix: "))
    assert dockerignore["title"].endswith("(unsafe)")
    assert [c.get("kind") for c in dockerignore["edit"]["documentChanges"]] == ["create", None]
    actions = client.actions(path, only=["source.fixAll"])
    assert [a["title"] for a in actions] == ["Fix all (dockopt, unsafe fixes included)"]
    client.stop()
    apply_document_changes(actions[0]["edit"]["documentChanges"])
    done = dockopt("fix", "Dockerfile", cwd=copy)
    assert done.returncode == 0, done.stderr
    assert (copy / ".dockerignore").exists()
    for name in ("Dockerfile", ".dockerignore"):
        assert (project / name).read_text() == (copy / name).read_text(), name


def test_positions_are_in_utf16_units(client: Client, tmp_path: Path) -> None:
    text = "FROM debian:12-slim\nRUN echo \U0001f433 && apt-get install curl\n"
    found = client.open(tmp_path / "Dockerfile", text)
    line = text.splitlines()[1]
    in_characters = line.index("apt-get")
    assume_yes = next(d for d in found if d["code"] == "DO203")  # it starts at apt-get, after the whale
    assert assume_yes["range"]["start"] == {"line": 1, "character": in_characters + 1}  # the whale is 2 UTF-16 units


def test_version_does_not_import_pygls() -> None:
    code = "import sys; from dockopt import cli; sys.argv = ['dockopt', '--version']\ntry: cli.run()\nexcept SystemExit: pass\nassert 'pygls' not in sys.modules, 'pygls imported'"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("dockopt ")
