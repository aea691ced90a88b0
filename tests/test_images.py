"""Base image knowledge (dockopt.images) and opt-in transforms."""

from __future__ import annotations

import pytest

from dockopt.images import base_of, family_of, parse_image, resolved_reference
from dockopt.model import runs_as_root
from dockopt.registry import all_transforms, select
from dockopt.syntax import parse


@pytest.mark.parametrize(
    "text, registry, path, tag, digest",
    [
        ("python:3.12-slim", "", "python", "3.12-slim", None),
        ("library/debian", "", "debian", None, None),
        ("docker.io/library/node:20", "", "node", "20", None),
        ("localhost:5000/team/app:1.0", "localhost:5000", "team/app", "1.0", None),
        ("gcr.io/distroless/static@sha256:abc", "gcr.io", "distroless/static", None, "sha256:abc"),
        ("Registry.Example.com/Team/App", "registry.example.com", "team/app", None, None),
    ],
)
def test_parse_image(text: str, registry: str, path: str, tag: str | None, digest: str | None) -> None:
    image = parse_image(text)
    assert image is not None
    assert (image.registry, image.path, image.tag, image.digest) == (registry, path, tag, digest)


def test_unresolved_references_are_not_parsed() -> None:
    assert parse_image("${BASE}") is None
    assert parse_image("") is None


@pytest.mark.parametrize(
    "text, family",
    [
        ("python:3.12", "debian"),
        ("python:3.12-alpine", "alpine"),
        ("node:20-bookworm-slim", "debian"),
        ("ubuntu:24.04", "debian"),
        ("busybox:1.36", "busybox"),
        ("fedora:40", "rhel"),
        ("registry.access.redhat.com/ubi9/ubi", "rhel"),
        ("registry.access.redhat.com/ubi9/ubi-minimal", "minimal"),
        ("opensuse/leap:15", "suse"),
        ("gcr.io/distroless/base-debian12", "distroless"),
        ("mcr.microsoft.com/windows/servercore:ltsc2022", "windows"),
        ("mcr.microsoft.com/dotnet/aspnet:8.0", "debian"),
        ("example.com/some/thing:1", "unknown"),
    ],
)
def test_family_of(text: str, family: str) -> None:
    image = parse_image(text)
    assert image is not None and family_of(image) == family


def test_global_args_and_defaults_are_substituted() -> None:
    df = parse("ARG V=3.12\nARG T\nFROM python:${V}-slim\nFROM node:${T:-20}\nFROM ${NOPE}\n")
    assert [resolved_reference(df, s) for s in df.stages] == ["python:3.12-slim", "node:20", "${NOPE}"]


def test_unknown_image_family_comes_from_its_package_manager() -> None:
    df = parse("FROM example.com/base:1 AS a\nRUN apk add --no-cache curl\nFROM a\n")
    assert base_of(df, df.stages[1]).family == "alpine"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("FROM debian\n", True),
        ("FROM debian\nUSER app\n", False),
        ("FROM debian\nUSER app\nUSER root:root\n", True),
        ("FROM debian\nUSER 0\n", True),
        ("FROM debian\nUSER $NAME\n", None),
        ("FROM debian AS a\nUSER 1000\nFROM a\n", False),
        ("FROM jenkins/jenkins:lts\n", False),
        ("FROM gcr.io/distroless/static:nonroot\n", False),
        ("FROM scratch\n", True),
        ("FROM $BASE\n", None),
    ],
)
def test_runs_as_root(text: str, expected: bool | None) -> None:
    df = parse(text)
    assert runs_as_root(df, df.stages[-1]) is expected


def test_opt_in_transforms_run_only_when_named() -> None:
    opt_in = [t for t in all_transforms() if t.opt_in]
    assert opt_in, "strip-setuid is opt-in"
    transform = opt_in[0]
    assert transform not in select()
    assert transform not in select(["ALL"])
    assert transform not in select([transform.code[:3]])
    assert transform in select([transform.code])
    assert transform in select([transform.name])
    assert transform not in select([transform.code], [transform.name])
