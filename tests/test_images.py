"""Base image knowledge (dockopt.images) and opt-in transforms."""

from __future__ import annotations

import pytest

from dockopt.images import family_of, parse_image, resolved_reference, tag_releases
from dockopt.model import base_of, new_run_blocker, runs_as_root
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
        ("microsoft/dotnet-framework:4.7.2-runtime", "windows"),
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


# --------------------------------------------------------------------------- shells


@pytest.mark.parametrize(
    "text, family, has_shell, variant, user",
    [
        # .NET: chiseled and distroless images have no shell and run as app (APP_UID=1654)
        ("mcr.microsoft.com/dotnet/runtime-deps:8.0-jammy-chiseled", "distroless", False, "chiseled", "1654:1654"),
        (
            "mcr.microsoft.com/dotnet/runtime-deps:8.0.30-jammy-chiseled-extra-amd64",
            "distroless",
            False,
            "chiseled",
            "1654:1654",
        ),
        ("mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled", "distroless", False, "chiseled", "1654:1654"),
        (
            "mcr.microsoft.com/dotnet/nightly/runtime-deps:9.0-noble-chiseled-aot",
            "distroless",
            False,
            "chiseled",
            "1654:1654",
        ),
        (
            "mcr.microsoft.com/dotnet/aspnet:8.0-azurelinux3.0-distroless",
            "distroless",
            False,
            "distroless",
            "1654:1654",
        ),
        (
            "mcr.microsoft.com/dotnet/runtime:6.0-cbl-mariner2.0-distroless",
            "distroless",
            False,
            "distroless",
            "101:101",
        ),
        ("mcr.microsoft.com/dotnet/monitor:9", "distroless", False, "distroless", "1654:1654"),
        ("mcr.microsoft.com/dotnet/monitor/base:8.1-ubuntu-chiseled", "distroless", False, "chiseled", "1654:1654"),
        ("mcr.microsoft.com/dotnet/aspire-dashboard:9.0", "distroless", False, "distroless", "1654:1654"),
        ("mcr.microsoft.com/dotnet/aspnet:8.0", "debian", True, None, None),
        ("mcr.microsoft.com/dotnet/runtime-deps:8.0-alpine", "alpine", True, None, None),
        # Azure Linux / CBL-Mariner distroless
        ("mcr.microsoft.com/azurelinux/distroless/base:3.0", "distroless", False, "distroless", None),
        (
            "mcr.microsoft.com/cbl-mariner/distroless/minimal:2.0-nonroot",
            "distroless",
            False,
            "distroless",
            "65532:65532",
        ),
        ("mcr.microsoft.com/azurelinux/distroless/debug:3.0", "distroless", None, "distroless debug", None),
        # Google's distroless: debug tags have BusyBox in /busybox, not /bin/sh
        ("gcr.io/distroless/static-debian12", "distroless", False, "distroless", None),
        ("gcr.io/distroless/static-debian12:nonroot", "distroless", False, "distroless", "65532:65532"),
        (
            "gcr.io/distroless/base-debian12:debug",
            "distroless",
            False,
            "distroless debug: BusyBox only in /busybox",
            None,
        ),
        (
            "gcr.io/distroless/java17-debian12:debug-nonroot",
            "distroless",
            False,
            "distroless debug: BusyBox only in /busybox",
            "65532:65532",
        ),
        # Chainguard: no shell without -dev; nonroot (65532) except the bases that run as root
        ("cgr.dev/chainguard/static:latest", "distroless", False, "Chainguard", "65532:65532"),
        ("cgr.dev/chainguard/python:latest", "distroless", False, "Chainguard", "65532:65532"),
        ("chainguard/node", "distroless", False, "Chainguard", "65532:65532"),
        ("cgr.dev/chainguard/python:latest-dev", "alpine", True, None, "65532:65532"),
        ("cgr.dev/chainguard/wolfi-base", "alpine", True, None, None),
        # Docker Hardened Images: runtime variants have no shell, dev variants do
        ("dhi.io/python:3.13", "distroless", False, "Docker Hardened", "nonroot"),
        ("dhi.io/python:3.13-dev", "unknown", None, None, None),
        # other vendors' distroless tags, scratch-like images
        ("denoland/deno:distroless", "distroless", False, "distroless", None),
        ("hello-world", "distroless", False, "scratch-like", None),
        ("nats:latest", "distroless", False, "scratch-like", None),
        ("nats:2.10-alpine", "alpine", True, None, None),
        ("registry.k8s.io/pause:3.9", "distroless", False, "scratch-like", None),
        ("ubuntu/chiselled-jre:8-22.04_edge", "distroless", False, "chiseled", None),
        # cannot tell
        ("registry.access.redhat.com/ubi9/ubi-micro:9.4", "minimal", None, "ubi-micro", None),
        ("registry.example.com/team/app:1.2-static", "unknown", None, "static", None),
        ("registry.example.com/team/app:alpine-static", "alpine", None, "static", None),
        ("registry.example.com/team/app:1.2", "unknown", None, None, None),
        # shells
        ("registry.access.redhat.com/ubi9/ubi-minimal:9.4", "minimal", True, None, None),
        ("busybox:1.36", "busybox", True, None, None),
        ("multiarch/qemu-user-static", "unknown", None, None, None),
    ],
)
def test_shell_and_user_of_images(
    text: str, family: str, has_shell: bool | None, variant: str | None, user: str | None
) -> None:
    df = parse(f"FROM {text}\n")
    base = base_of(df, df.stages[0])
    assert (base.family, base.has_shell, base.variant, base.configured_user) == (family, has_shell, variant, user)


def test_scratch_has_no_shell() -> None:
    df = parse("FROM scratch\n")
    assert (base_of(df, df.stages[0]).has_shell, new_run_blocker(df, df.stages[0])) == (
        False,
        "the base image scratch has no shell (scratch)",
    )


def test_dotnet_8_and_later_ship_the_app_user() -> None:
    def shipped(text: str):
        df = parse(f"FROM {text}\n")
        return base_of(df, df.stages[0]).shipped_user

    assert shipped("mcr.microsoft.com/dotnet/aspnet:8.0") == ("app", 1654, 1654)
    assert shipped("mcr.microsoft.com/dotnet/sdk:10.0-noble") == ("app", 1654, 1654)
    assert shipped("mcr.microsoft.com/dotnet/runtime:latest") == ("app", 1654, 1654)
    assert shipped("mcr.microsoft.com/dotnet/aspnet:7.0") is None
    assert shipped("mcr.microsoft.com/dotnet/core/aspnet:3.1") is None


@pytest.mark.parametrize(
    "text, reference",
    [
        # the repository from an ARG, as the .NET samples write it
        (
            "ARG REPO=mcr.microsoft.com/dotnet/runtime-deps\nFROM $REPO:8.0.30-jammy-chiseled-extra-amd64\n",
            "mcr.microsoft.com/dotnet/runtime-deps:8.0.30-jammy-chiseled-extra-amd64",
        ),
        # both parts, braces, quotes
        (
            'ARG REPO="mcr.microsoft.com/dotnet/aspnet"\nARG TAG=10.0-noble-chiseled\nFROM ${REPO}:${TAG}\n',
            "mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled",
        ),
        # a default made of an earlier ARG
        (
            "ARG DOTNET=8.0\nARG TAG=${DOTNET}-jammy-chiseled\nFROM mcr.microsoft.com/dotnet/runtime:$TAG\n",
            "mcr.microsoft.com/dotnet/runtime:8.0-jammy-chiseled",
        ),
        # ${VAR:-default} with no ARG, and an ARG given after FROM as well
        (
            "FROM ${REPO:-mcr.microsoft.com/dotnet/aspnet}:8.0-noble-chiseled\n",
            "mcr.microsoft.com/dotnet/aspnet:8.0-noble-chiseled",
        ),
    ],
)
def test_arg_named_chiseled_images_have_no_shell(text: str, reference: str) -> None:
    df = parse(text)
    stage = df.stages[-1]
    base = base_of(df, stage)
    assert resolved_reference(df, stage) == reference
    assert (base.has_shell, base.variant, base.configured_user) == (False, "chiseled", "1654:1654")
    assert new_run_blocker(df, stage) == f"the base image {reference} has no shell (chiseled)"


def test_a_stage_local_arg_does_not_name_the_next_image() -> None:
    # FROM sees only the ARGs before the first FROM (BuildKit's meta args)
    df = parse("FROM debian AS a\nARG REPO=mcr.microsoft.com/dotnet/aspnet\nFROM $REPO:8.0\n")
    base = base_of(df, df.stages[1])
    assert (base.image, base.has_shell) == (None, None)
    assert new_run_blocker(df, df.stages[1]) == (
        "the base image $REPO:8.0 may have no shell (cannot tell: $REPO has no default value)"
    )


def test_unknown_variables_in_the_tag_only_still_show_a_chiseled_image() -> None:
    df = parse("ARG VERSION\nFROM mcr.microsoft.com/dotnet/runtime-deps:${VERSION}-jammy-chiseled-${TARGETARCH}\n")
    base = base_of(df, df.stages[0])
    assert (base.has_shell, base.variant, base.configured_user) == (False, "chiseled", "1654:1654")
    # but not a family with a shell: the variable may name anything
    df = parse("ARG VERSION\nFROM python:${VERSION}-slim\n")
    assert base_of(df, df.stages[0]).has_shell is None


@pytest.mark.parametrize(
    "text, blocked",
    [
        ("FROM debian:bookworm-slim\n", False),
        ("FROM gcr.io/distroless/base-debian12\n", True),
        # a RUN in shell form shows the shell of an image dockopt does not know
        ("FROM registry.example.com/base:1\nRUN echo hi\n", False),
        ("FROM registry.example.com/base:1 AS a\nRUN echo hi\nFROM a\nCOPY x /x\n", False),
        # ... not one in exec form, nor one after the point where the RUN would go
        ('FROM registry.example.com/base:1\nRUN ["/app", "init"]\n', True),
        # ... nor one whose shell may come from a bind mount
        ("FROM scratch\nRUN --mount=from=busybox,src=/bin,dst=/bin mkdir /data\n", True),
        ("FROM scratch\nRUN --mount=type=cache,target=/root/.cache mkdir /data\n", False),
        # a SHELL: only a RUN with that shell shows it
        ('FROM gcr.io/distroless/base-debian12:debug\nSHELL ["/busybox/sh", "-c"]\n', True),
        ('FROM gcr.io/distroless/base-debian12:debug\nSHELL ["/busybox/sh", "-c"]\nRUN mkdir /data\n', False),
        ('FROM debian\nSHELL ["/bin/bash", "-c"]\n', True),
        ('FROM debian\nRUN true\nSHELL ["/bin/bash", "-c"]\n', True),
        ('FROM debian\nSHELL ["/bin/bash", "-c"]\nRUN true\n', False),
        # the RUNs transforms add are POSIX shell: not under cmd or PowerShell, RUNs or not
        ("FROM microsoft/dotnet-framework:4.7.2-runtime\nRUN dir\n", True),
        ('FROM debian\nSHELL ["pwsh", "-Command"]\nRUN Get-ChildItem\n', True),
    ],
)
def test_new_run_blocker(text: str, blocked: bool) -> None:
    df = parse(text)
    assert (new_run_blocker(df, df.stages[-1]) is not None) == blocked


def test_new_run_blocker_counts_only_runs_before_the_point() -> None:
    df = parse("FROM registry.example.com/base:1\nCOPY busybox /bin/sh\nRUN echo hi\n")
    stage = df.stages[0]
    copy, run = stage.instructions
    assert new_run_blocker(df, stage, copy) is not None
    assert new_run_blocker(df, stage, run) is not None
    assert new_run_blocker(df, stage, None) is None


def test_multi_stage_splits_to_no_runtime_without_a_shell_that_needs_a_run() -> None:
    from dockopt.stacks.common import Artifact, Plan
    from dockopt.transforms.multi_stage import _blocked

    stage = parse("FROM gcc:13\nRUN make\n").stages[0]
    artifacts = (Artifact("/usr/local", "/usr/local"),)
    ok = Plan("c", "debian:bookworm-slim", artifacts, after=("RUN ldconfig",))
    assert _blocked(stage, ok) is None
    shell_less = Plan("c", "gcr.io/distroless/cc-debian12", artifacts, after=("RUN ldconfig",))
    assert _blocked(stage, shell_less) == (
        "the base image gcr.io/distroless/cc-debian12 has no shell (distroless), and the runtime stage needs a RUN"
    )
    assert _blocked(stage, Plan("c", "gcr.io/distroless/cc-debian12", artifacts)) is None


# --------------------------------------------------------------------------- issue 13: one owner for each image fact


@pytest.mark.parametrize(
    ("reference", "slim"),
    [
        ("node:20", "node:20-slim"),
        ("node:20-bookworm", "node:20-bookworm-slim"),
        ("node:lts", "node:lts-slim"),
        # the node stack moved these to node:slim: a floating tag whose twin may hold another major
        ("node", None),
        ("node:latest", None),
        ("node:20-stretch", None),  # Docker Hub has gaps before buster
        ("python:3.12-bookworm", "python:3.12-slim-bookworm"),
        ("python:3.14.0rc1", "python:3.14.0rc1-slim"),
        ("python:3", "python:3-slim"),
        ("debian:12", "debian:12-slim"),
        ("debian:bookworm", "debian:bookworm-slim"),
        ("debian:latest", None),  # debian_runtime made debian:latest-slim, which does not exist
        ("docker.io/library/node:20", "docker.io/library/node:20-slim"),
        ("public.ecr.aws/docker/library/python:3.12", "public.ecr.aws/docker/library/python:3.12-slim"),
        ("eclipse-temurin:17-jdk-jammy", "eclipse-temurin:17-jre-jammy"),
        ("node:20@sha256:" + "a" * 64, None),
        ("golang:1.22", None),
        ("example.com/node:20", None),
    ],
)
def test_slim_variant(reference: str, slim: str | None) -> None:
    from dockopt.images import slim_variant

    assert slim_variant(reference) == slim


def test_debian_runtime_of_latest_is_latest() -> None:
    from dockopt.stacks.common import debian_runtime

    df = parse("FROM debian:latest\nRUN true\n")
    assert debian_runtime(df, df.stages[0]) == "debian:latest"
    df = parse("FROM debian:12.5\nRUN true\n")
    assert debian_runtime(df, df.stages[0]) == "debian:12.5-slim"


@pytest.mark.parametrize(
    ("reference", "windows"),
    [
        ("mcr.microsoft.com/windows/servercore:ltsc2022", True),
        ("mcr.microsoft.com/dotnet/framework/sdk:4.8", True),
        ("${WINDOWS_IMAGE}", True),
        ("mcr.microsoft.com/dotnet/sdk:8.0", False),
        ("debian:bookworm", False),
    ],
)
def test_is_windows(reference: str, windows: bool) -> None:
    from dockopt.images import is_windows

    assert is_windows(reference) is windows


def test_windows_shell_follows_arg_defaults() -> None:
    """shell.py looked at the FROM as written: a Windows image named by an ARG default ran /bin/sh."""
    from dockopt.shell import WINDOWS_SHELL, effective_shell

    df = parse("ARG BASE=mcr.microsoft.com/windows/servercore:ltsc2022\nFROM ${BASE}\nRUN echo hi\n")
    run = df.stages[0].instructions[-1]
    assert effective_shell(df, run) == WINDOWS_SHELL
    assert base_of(df, df.stages[0]).family == "windows"


def test_image_reference_substitutes_arg_defaults_through_the_chain() -> None:
    """rpm-no-weak-deps and package_caches read the root stage's FROM as written."""
    from dockopt.context import Context
    from dockopt.model import image_reference
    from dockopt.transforms.rpm_no_weak_deps import rpm_no_weak_deps

    text = "ARG IMAGE=centos:7\nFROM ${IMAGE} AS base\nFROM base\nRUN yum install -y git\n"
    df = parse(text)
    run = df.stages[1].instructions[-1]
    assert image_reference(df, run) == "centos:7"
    assert list(rpm_no_weak_deps.run(df, Context())) == []  # yum 3 has no weak dependencies
    assert list(rpm_no_weak_deps.run(parse(text.replace("centos:7", "rockylinux:9")), Context()))


@pytest.mark.parametrize(
    ("name", "tag", "releases"),
    [
        ("python", "3.12-bookworm", ("bookworm",)),
        ("python", "3.12-slim-trixie", ("trixie",)),
        ("node", "20-bullseye-slim", ("bullseye",)),
        ("python", "3.12", ("bookworm", "trixie")),
        ("python", "3.13.1", ("bookworm", "trixie")),
        ("python", "3.11", ("bullseye", "bookworm", "trixie")),
        ("python", "3.9", ("buster", "bullseye", "bookworm", "trixie")),
        ("python", "3", ("jessie", "stretch", "buster", "bullseye", "bookworm", "trixie")),
        ("python", "2.7", ("jessie", "stretch", "buster", "bullseye", "bookworm", "trixie")),
        ("node", "22", ("bookworm", "trixie")),
        ("node", "lts", ("bookworm", "trixie")),
        ("ruby", "3.3", ("bookworm", "trixie")),
        ("ruby", "3", ("buster", "bullseye", "bookworm", "trixie")),
        ("perl", "5.40", ("bookworm", "trixie")),
    ],
)
def test_tag_releases(name: str, tag: str, releases: tuple[str, ...]) -> None:
    assert tag_releases(name, tag) == releases
