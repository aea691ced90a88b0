"""non-root-user (DO301) with its options, which the golden files (run with the defaults) cannot set."""

from __future__ import annotations

import pytest

from dockopt.context import Context, Options
from dockopt.engine import find_source, fix_source
from dockopt.transforms.non_root_user import non_root_user

PORT_80 = """\
FROM python:3.12-slim
WORKDIR /srv
COPY . .
EXPOSE 80
CMD ["gunicorn", "-b", "0.0.0.0:80", "app:app"]
"""

LOW_PORTS = Context(options=Options.of({"non-root-user": {"unprivileged-low-ports": True}}))


def test_a_low_port_keeps_root_by_default() -> None:
    assert fix_source(PORT_80, (non_root_user,), unsafe=True).output == PORT_80
    (finding,) = find_source(PORT_80, (non_root_user,))
    assert "it exposes port 80, which only root can bind" in finding.message
    assert "unprivileged-low-ports" in finding.message


def test_unprivileged_low_ports_switches_the_server_to_the_user() -> None:
    fixed = fix_source(PORT_80, (non_root_user,), unsafe=True, context=LOW_PORTS).output
    assert (
        fixed
        == """\
FROM python:3.12-slim
RUN groupadd --gid 10001 app \\
    && useradd --no-log-init --uid 10001 --gid 10001 --create-home app \\
    && mkdir -p /srv && chown 10001:10001 /srv
USER 10001:10001
WORKDIR /srv
COPY --chown=10001:10001 . .
EXPOSE 80
CMD ["gunicorn", "-b", "0.0.0.0:80", "app:app"]
"""
    )
    (finding,) = find_source(PORT_80, (non_root_user,), context=LOW_PORTS)
    assert finding.message.endswith(
        "it listens on port 80: unprivileged-low-ports says the runtime lets any user bind it"
    )


@pytest.mark.parametrize(
    "source",
    [
        # the image's own service writes where only root can, whatever the ports
        "FROM nginx:1.27\nCOPY site/ /usr/share/nginx/html/\n",
        # a server that starts as root on purpose
        'FROM debian:bookworm-slim\nRUN apt-get update\nEXPOSE 22\nCMD ["/usr/sbin/sshd", "-D"]\n',
    ],
)
def test_unprivileged_low_ports_leaves_what_needs_root_for_other_reasons(source: str) -> None:
    assert fix_source(source, (non_root_user,), unsafe=True, context=LOW_PORTS).output == source


def test_a_port_from_1024_up_is_no_reason_either_way() -> None:
    source = PORT_80.replace("EXPOSE 80", "EXPOSE 80 8080")
    assert "USER 10001:10001" in fix_source(source, (non_root_user,), unsafe=True).output
