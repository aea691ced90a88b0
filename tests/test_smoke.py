"""The pure parts of dockopt/smoke.py: what counts as the same smoke result, the ports probed."""

from __future__ import annotations

from dockopt import smoke
from dockopt.smoke import Smoke


def test_same_smoke_result_needs_the_same_state_and_http_statuses() -> None:
    server = Smoke("running", {"80/tcp": "200"}, "[2026-12-06 06:42:13] Listening at: http://0.0.0.0:80 (1)")
    assert server.same_as(Smoke("running", {"80/tcp": "200"}, "something else entirely"))
    assert not server.same_as(Smoke("running", {"80/tcp": "500"}))
    assert not server.same_as(Smoke("running", {"80/tcp": "no answer"}))
    assert not server.same_as(Smoke("exited 1", {"80/tcp": "no answer"}))
    assert not server.same_as(Smoke("did not start: exec: python: not found"))


def test_an_exited_container_must_end_with_the_same_line_digits_aside() -> None:
    worker = Smoke("exited 1", {}, "ConnectionError: Error 111 connecting to redis:6379.")
    assert worker.same_as(Smoke("exited 1", {}, "ConnectionError: Error 113 connecting to redis:6380."))
    assert not worker.same_as(Smoke("exited 1", {}, "ModuleNotFoundError: No module named 'redis'"))
    assert not worker.same_as(Smoke("exited 2", {}, "ConnectionError: Error 111 connecting to redis:6379."))


def test_the_ports_probed_are_the_exposed_ones_or_else_port() -> None:
    assert smoke.probed_ports({"ExposedPorts": ["80/tcp", "53/udp"], "Env": {"PORT": "8080"}}) == ["80/tcp"]
    assert smoke.probed_ports({"ExposedPorts": None, "Env": {"PORT": "8080"}}) == ["8080/tcp"]
    assert smoke.probed_ports({"ExposedPorts": None, "Env": {"PORT": "$X"}}) == []
    assert smoke.probed_ports({}) == []


def test_the_summary_names_the_state_and_each_port_s_status() -> None:
    assert Smoke("running", {"8080/tcp": "200"}).summary() == "running 8080:200"
    assert Smoke("exited 127", {}, "exec: gunicorn: not found").summary() == "exited 127"
