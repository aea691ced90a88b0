"""What dockopt knows about base images: their family, shell, users, and the user a stage runs as.

A stage's base is followed through ``FROM <stage>`` to the image it starts from. The image
reference (with the global ARG defaults substituted) names a *family*, which decides how a
user is created and which shell RUN has:

=============  ==========================================  ==========================
family         examples                                     user creation
=============  ==========================================  ==========================
debian         debian, ubuntu, python, node, golang,        groupadd / useradd
               mcr.microsoft.com/dotnet/* (not chiseled)
alpine         alpine, python:3-alpine, node:*-alpine,      addgroup / adduser (BusyBox)
               cgr.dev/chainguard/*:*-dev, wolfi-base
busybox        busybox                                      addgroup / adduser (BusyBox)
rhel           fedora, centos, rockylinux, ubi8/ubi         groupadd / useradd
suse           opensuse/leap                                groupadd / useradd
minimal        ubi-minimal, ubi-micro                       none (numeric USER only)
distroless     the images without a shell (below)           none (numeric USER only)
scratch        scratch                                      none (numeric USER only)
windows        mcr.microsoft.com/windows/*,                 (not handled)
               microsoft/dotnet-framework
unknown        anything else                                -
=============  ==========================================  ==========================

When the image is not known, the package managers the stages run decide (``apt-get``: debian,
``apk``: alpine, ``dnf``/``yum``: rhel, ``zypper``: suse).

**The shell.** RUN in shell form runs ``/bin/sh -c`` unless a SHELL says otherwise, and
these images have no ``/bin/sh`` (``Base.has_shell`` is False; ``Base.variant`` says why):

====================  =====================================================  ===========
variant               images (any registry, any tag form)                    runs as
====================  =====================================================  ===========
scratch               ``scratch``                                            root
chiseled              a name or tag with ``chiseled``/``chiselled``:         1654 (.NET)
                      ``mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled``,
                      ``…/runtime-deps:8.0.30-jammy-chiseled-extra-amd64``,
                      ``…:10.0-noble-chiseled-aot``
distroless            ``gcr.io/distroless/*``, a name or tag with             65532 with
                      ``distroless`` (``mcr.microsoft.com/azurelinux/         ``nonroot``;
                      distroless/*``, ``…/dotnet/aspnet:8.0-azurelinux3.0-    1654 (.NET)
                      distroless``, ``cbl-mariner/distroless/*``),
                      every tag of ``mcr.microsoft.com/dotnet/monitor``,
                      ``…/monitor/base`` and ``…/aspire-dashboard``
distroless debug      ``gcr.io/distroless/*:debug*``: BusyBox is only in     as above
                      ``/busybox`` (``SHELL ["/busybox/sh", "-c"]`` works)
Chainguard            ``cgr.dev/*/*`` and ``chainguard/*`` without a         65532
                      ``-dev`` tag (not wolfi-base, busybox)
Docker Hardened       ``dhi.io/*`` without a ``dev``/``sdk`` tag             nonroot
scratch-like          hello-world, the Kubernetes ``pause`` images, nats     root
                      (not its ``-alpine`` tags)
Windows               the windows family: RUN runs ``cmd``                   -
====================  =====================================================  ===========

Where dockopt cannot tell (``has_shell`` is None): a reference whose variables have no
default (``FROM $REPO:8.0`` without ``ARG REPO=...``), an image it does not know, a
``-static`` tag, ubi-micro, a distroless ``debug`` image of another vendor. An image it
knows otherwise has ``/bin/sh`` (True). ``new_run_blocker`` is the one rule every transform
that adds a RUN instruction follows: no new RUN unless the shell is known to be there, by
the image or by a RUN in shell form the stage already has.

Users: the images that set a non-root ``USER`` themselves (the table above, Jenkins,
Bitnami, ...: ``Base.configured_user``) and those that ship one without switching to it
(node's ``node``, .NET 8 and later's ``app`` 1654: ``Base.shipped_user``).

The tables below only hold facts that are stable across tags; they are a best guess, which
is why the transforms that use them are unsafe.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .syntax import Dockerfile, Stage, user_and_group
from .variables import global_args

ROOT_USERS = frozenset({"root", "0"})


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Official images (Docker Hub "library/") by the distribution of their default variant.
_DEBIAN_IMAGES = _names("""debian buildpack-deps python node golang ruby php perl openjdk maven gradle rust gcc haskell
    julia r-base elixir erlang clojure httpd nginx postgres redis memcached wordpress drupal joomla
    ghost tomcat jetty pypy dart mono groovy sbt hylang rakudo-star nextcloud odoo redmine
    matomo phpmyadmin znc bonita xwiki friendica kong varnish haproxy influxdb telegraf chronograf
    kapacitor cassandra couchdb solr zookeeper flink spark storm nats-streaming elasticsearch
    kibana logstash sonarqube convertigo geonetwork liquibase neo4j plone yourls lightstreamer
    mediawiki percona postfixadmin rocket.chat silverpeas teamspeak backdrop""")
_UBUNTU_IMAGES = _names(
    "ubuntu java ros eclipse-temurin ibm-semeru-runtimes ibmjava mariadb mongo rabbitmq swift open-liberty websphere-liberty"
)
_ALPINE_IMAGES = _names("alpine composer docker traefik caddy vault consul nats registry adminer eggdrop")
_RHEL_IMAGES = _names(
    "centos fedora rockylinux almalinux oraclelinux amazonlinux amazoncorretto mysql photon clearlinux"
)
_RHEL_PATHS = (
    "ubi7",
    "ubi8",
    "ubi9",
    "ubi10",
    "rhel7",
    "rhel8",
    "rhel9",
    "centos/",
    "rockylinux/",
    "almalinux/",
    "fedora/",
)
_SUSE_PATHS = ("opensuse/", "suse/", "bci/")
_DEBIAN_TAGS = ("slim", "bookworm", "bullseye", "buster", "stretch", "jessie", "trixie", "sid", "wheezy")
_UBUNTU_TAGS = (
    "focal",
    "jammy",
    "noble",
    "bionic",
    "xenial",
    "trusty",
    "oracular",
    "plucky",
    "lunar",
    "mantic",
    "kinetic",
)
_DEBIAN_PREFIXES = (
    "mcr.microsoft.com/dotnet/",
    "mcr.microsoft.com/devcontainers/",
    "microsoft/dotnet",
    "continuumio/",
    "rocker/",
    "phusion/",
    "tiangolo/",
    "jupyter/",
    "nvidia/cuda",
    "pytorch/",
    "tensorflow/tensorflow",
    "circleci/",
    "cimg/",
    "selenium/",
    "heroku/",
    "osrf/",
)
# words of an image reference that name a Windows image (its RUN runs cmd, not /bin/sh)
_WINDOWS_WORDS = (
    "windows",
    "nanoserver",
    "servercore",
    "ltsc20",
    "mcr.microsoft.com/dotnet/framework",
    "dotnet-framework",
)

# Images that ship a non-root user they do not switch to themselves: (name, uid, gid).
_SHIPPED_USERS = {"node": ("node", 1000, 1000)}
# .NET 8 and later create `app` (APP_UID=1654) in every image; chiseled and distroless ones run as it
_DOTNET = re.compile(r"mcr\.microsoft\.com/dotnet/(nightly/)?(runtime-deps|runtime|aspnet|sdk)")
_DOTNET_APP = ("app", 1654, 1654)
# .NET images that are all chiseled or distroless, whatever the tag (built on aspnet's, they run as app too)
_DOTNET_SHELL_LESS = re.compile(r"mcr\.microsoft\.com/dotnet/(nightly/)?(monitor|monitor/base|aspire-dashboard)")

# Images whose configured user is already not root (the stage runs as it unless it says USER).
_CONFIGURED_USERS = {
    "jenkins/jenkins": "1000:1000",
    "jenkins/inbound-agent": "1000:1000",
    "jenkins/agent": "1000:1000",
    "nginxinc/nginx-unprivileged": "101:101",
    "memcached": "11211:11211",
    "sonarqube": "1000:1000",
    "grafana/grafana": "472:0",
    "prom/prometheus": "65534:65534",
    "solr": "8983:8983",
    "odoo": "101:101",
}
_CONFIGURED_USER_PREFIXES = {"bitnami/": "1001:0"}

# Images whose entrypoint starts as root and drops to its own user (gosu, su-exec, ...).
_SELF_DROPPING = _names(
    "postgres mysql mariadb redis mongo rabbitmq cassandra couchdb elasticsearch zookeeper influxdb ghost percona neo4j"
)
# Official images that set a WORKDIR of their own (the others start in /).
_WORKDIRS = {
    "golang": "/go",
    "php": "/var/www/html",
    "wordpress": "/var/www/html",
    "joomla": "/var/www/html",
    "nextcloud": "/var/www/html",
    "drupal": "/opt/drupal",
    "tomcat": "/usr/local/tomcat",
    "httpd": "/usr/local/apache2",
    "composer": "/app",
    "ghost": "/var/lib/ghost",
    "elasticsearch": "/usr/share/elasticsearch",
    "kibana": "/usr/share/kibana",
    "logstash": "/usr/share/logstash",
    "sonarqube": "/opt/sonarqube",
}

# Images whose default service listens on a privileged port as root.
_PRIVILEGED_SERVICES = frozenset(
    {
        "nginx",
        "httpd",
        "haproxy",
        "varnish",
        "wordpress",
        "drupal",
        "joomla",
        "nextcloud",
        "mediawiki",
        "matomo",
        "phpmyadmin",
        "traefik",
        "caddy",
    }
)

# images without /bin/sh that are no distribution's (see the module's table)
_CHAINGUARD_WITH_SHELL = frozenset({"wolfi-base", "busybox"})
_PAUSE = re.compile(r"(registry\.k8s\.io|k8s\.gcr\.io|gcr\.io/google[_-]containers)/pause(-[a-z0-9]+)?")
_SCRATCH_LIKE = frozenset({"hello-world"})
# official images whose default variant is built FROM scratch (their -alpine tags have a shell)
_SCRATCH_BY_DEFAULT = frozenset({"nats", "nats-streaming"})

_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


@dataclass(frozen=True)
class ImageRef:
    """An image reference split as Docker does: ``registry/path:tag@digest``."""

    text: str
    registry: str  # "" for Docker Hub
    path: str  # "python", "bitnami/redis", "distroless/static-debian12" ("library/" dropped)
    tag: str | None
    digest: str | None

    @property
    def name(self) -> str:
        """The registry and path, as written without tag and digest: "gcr.io/distroless/static"."""
        return f"{self.registry}/{self.path}" if self.registry else self.path

    @property
    def official(self) -> bool:
        return not self.registry and "/" not in self.path


def parse_image(text: str) -> ImageRef | None:
    """Split an image reference; None when it holds an unresolved variable or is empty."""
    if not text or "$" in text or any(c.isspace() for c in text):
        return None
    rest, _, digest = text.partition("@")
    registry = ""
    first, slash, remainder = rest.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, rest = first.lower(), remainder
    path, tag = rest, None
    colon = rest.rfind(":")
    if colon > rest.rfind("/"):
        path, tag = rest[:colon], rest[colon + 1 :]
    if registry in ("docker.io", "index.docker.io", "registry-1.docker.io"):
        registry = ""
    path = path.lower()
    if not registry and path.startswith("library/"):
        path = path[len("library/") :]
    return ImageRef(text, registry, path, tag or None, digest or None)


def _substitute(match: re.Match[str], values: Mapping[str, str]) -> str:
    """One variable of a FROM line with its value; unknown ones stay as written."""
    name = match.group(1) or match.group(4)
    operator, word = match.group(2), match.group(3) or ""
    value = values.get(name)
    if operator in (":-", "-"):
        return value if value or (operator == "-" and value is not None) else word
    if operator in (":+", "+"):
        return word if value or (operator == "+" and value is not None) else ""
    return value if value is not None else match.group(0)


def resolved_reference(df: Dockerfile, stage: Stage) -> str:
    """The stage's FROM reference with the global ARG defaults substituted (unknown ones stay)."""
    return "".join(resolved for _, resolved in reference_pieces(df, stage))


def reference_pieces(df: Dockerfile, stage: Stage) -> list[tuple[str, str]]:
    """The stage's FROM reference as pieces ``(written, resolved)``: literal text stands for
    itself, each variable for its value with the global ARG defaults (unknown ones stay)."""
    defaults = global_args(df)
    pieces: list[tuple[str, str]] = []
    position = 0
    for match in _VARIABLE.finditer(stage.base):
        if match.start() > position:
            literal = stage.base[position : match.start()]
            pieces.append((literal, literal))
        pieces.append((match.group(0), _substitute(match, defaults)))
        position = match.end()
    if position < len(stage.base):
        pieces.append((stage.base[position:], stage.base[position:]))
    return pieces


def unresolved_variables(reference: str) -> list[str]:
    """The variables a resolved reference still holds: those without a default."""
    return [match.group(1) or match.group(4) for match in _VARIABLE.finditer(reference)]


@dataclass(frozen=True)
class Base:
    """What a stage starts from."""

    image: ImageRef | None  # None: scratch, or a reference that could not be resolved
    family: str  # see the module's table
    configured_user: str | None  # the USER the image itself sets when it is not root ("1000:1000")
    shipped_user: tuple[str, int, int] | None  # a non-root user the image has but does not switch to
    drops_root: bool  # the image's entrypoint starts as root and switches user itself
    privileged_service: bool  # the image's own service binds a port below 1024
    has_shell: bool | None = None  # /bin/sh is there (RUN's default shell); None: cannot tell
    variant: str | None = None  # what kind of image it is when it has no /bin/sh ("chiseled", ...)
    reference: str = ""  # the FROM reference, global ARG defaults substituted


@dataclass(frozen=True)
class _ShellLess:
    variant: str  # "chiseled", "distroless", ...
    has_shell: bool | None  # False: no /bin/sh; None: cannot tell
    family: str | None  # None: as the name and tag say otherwise


def shell_less(image: ImageRef) -> _ShellLess | None:
    """What the module's shell table says of an image: None when it is not one of those."""
    name, tag = image.name.lower(), (image.tag or "").lower()
    tail = name.rsplit("/", 1)[-1]
    words = set(re.split(r"[-_.]", tag)) | set(re.split(r"[-_.]", tail))
    if "chisel" in name or "chisel" in tag:
        return _ShellLess("chiseled", False, "distroless")
    if _DOTNET_SHELL_LESS.fullmatch(name):
        return _ShellLess("distroless", False, "distroless")
    if _chainguard(image):
        if tail in _CHAINGUARD_WITH_SHELL or "dev" in words:
            return None
        return _ShellLess("Chainguard", False, "distroless")
    if image.registry == "dhi.io":
        if "dev" in words or "sdk" in words:
            return None
        return _ShellLess("Docker Hardened", False, "distroless")
    if name.startswith("gcr.io/distroless/"):
        if "debug" in words:
            return _ShellLess("distroless debug: BusyBox only in /busybox", False, "distroless")
        return _ShellLess("distroless", False, "distroless")
    if "distroless" in name or "distroless" in tag:
        if "debug" in words:
            return _ShellLess("distroless debug", None, "distroless")
        return _ShellLess("distroless", False, "distroless")
    if image.official and tail in _SCRATCH_BY_DEFAULT and "alpine" not in words and "windowsservercore" not in words:
        return _ShellLess("scratch-like", False, "distroless")
    if (image.official and tail in _SCRATCH_LIKE) or _PAUSE.fullmatch(name):
        return _ShellLess("scratch-like", False, "distroless")
    if "ubi-micro" in name or (tail.endswith("-micro") and "ubi" in name):
        return _ShellLess("ubi-micro", None, "minimal")
    if "static" in set(re.split(r"[-_.]", tag)):
        return _ShellLess("static", None, None)
    return None


def base_from_reference(text: str) -> Base:
    """What an image reference (variables substituted where known) says of the image. The
    family is "unknown" when the tables do not say (the stage model then reads it from the
    package managers the stages run: ``model.base_of``)."""
    if text.lower() == "scratch":
        return Base(None, "scratch", None, None, False, False, False, "scratch", text)
    image = parse_image(text)
    if image is None:
        # a variable without a default in the tag only: the literal words still tell a shell-less image
        partial = _tag_words_only(text)
        known = shell_less(partial) if partial is not None else None
        if known is not None and known.has_shell is False:
            image = partial
    family = family_of(image) if image is not None else "unknown"
    known = shell_less(image) if image is not None else None
    # only what the image says: a family read from the stage's commands proves no /bin/sh
    has_shell: bool | None = True
    variant = known.variant if known is not None else None
    if known is not None:
        has_shell = known.has_shell
    elif family == "unknown":
        has_shell = None
    elif family == "windows":
        has_shell, variant = False, "Windows"
    if image is None:
        return Base(None, family, None, None, False, False, None, None, text)
    configured = _configured_user(image, known)
    shipped = _SHIPPED_USERS.get(image.path) if image.official else None
    if shipped is None and known is None and _DOTNET.fullmatch(image.name) and _dotnet_major(image.tag) >= 8:
        shipped = _DOTNET_APP
    tail = image.path.rsplit("/", 1)[-1]
    official_like = image.official or image.registry in ("public.ecr.aws", "mirror.gcr.io")
    return Base(
        image,
        family,
        configured,
        shipped,
        official_like and tail in _SELF_DROPPING,
        official_like and tail in _PRIVILEGED_SERVICES,
        has_shell,
        variant,
        text,
    )


def _tag_words_only(text: str) -> ImageRef | None:
    """The reference with its unresolved variables left out, when they all stand in its tag."""
    first = _VARIABLE.search(text)
    if first is None or ":" not in text[: first.start()].rsplit("/", 1)[-1] or "@" in text:
        return None
    literal = _VARIABLE.sub("", text)
    if "$" in literal:
        return None
    image = parse_image(literal)
    return ImageRef(text, image.registry, image.path, image.tag, None) if image is not None else None


def _configured_user(image: ImageRef, known: _ShellLess | None) -> str | None:
    """The non-root USER the image sets itself, as ``UID:GID`` where known."""
    configured = _CONFIGURED_USERS.get(image.name)
    if configured is None:
        configured = next((u for p, u in _CONFIGURED_USER_PREFIXES.items() if image.name.startswith(p)), None)
    if configured is not None:
        return configured
    if _chainguard(image) and image.path.rsplit("/", 1)[-1] not in _CHAINGUARD_WITH_SHELL:
        return "65532:65532"  # their -dev variants too
    if known is None:
        return None
    tag = (image.tag or "").lower()
    if image.name.startswith("mcr.microsoft.com/dotnet/") and known.variant in ("chiseled", "distroless"):
        # .NET 6's CBL-Mariner distroless images made `app` with uid 101
        return "101:101" if tag.startswith("6.0") and "cbl-mariner" in tag else "1654:1654"
    if known.variant == "Docker Hardened":
        return "nonroot"
    if known.variant.startswith("distroless") and "nonroot" in tag:
        return "65532:65532"
    return None


def _chainguard(image: ImageRef) -> bool:
    return image.registry == "cgr.dev" or (not image.registry and image.path.startswith("chainguard/"))


def _dotnet_major(tag: str | None) -> int:
    """The .NET major version a tag names: 99 for none (``latest``), 0 when it names another thing."""
    if tag is None or tag == "latest":
        return 99
    match = re.match(r"(\d+)\.\d", tag)
    return int(match.group(1)) if match else 0


def is_windows(reference: str) -> bool:
    """Whether an image reference (as written, or with its variables substituted) names a
    Windows image: `mcr.microsoft.com/windows/servercore:ltsc2022`, `...:nanoserver-1809`,
    `mcr.microsoft.com/dotnet/framework/sdk`, a variable named `${WINDOWS_IMAGE}`."""
    lowered = reference.lower()
    return any(word in lowered for word in _WINDOWS_WORDS)


def family_of(image: ImageRef) -> str:
    """The family an image reference names, "unknown" when the tables do not say."""
    name, tag = image.name.lower(), (image.tag or "").lower()
    if is_windows(f"{name}:{tag}"):
        return "windows"
    if name == "scratch":
        return "scratch"
    known = shell_less(image)
    if known is not None and known.family is not None:
        return known.family
    if _chainguard(image):
        return "alpine"  # wolfi: BusyBox and apk
    if "ubi-minimal" in name or (name.endswith("-minimal") and "ubi" in name):
        return "minimal"
    if "alpine" in tag or "alpine" in name.rsplit("/", 1)[-1]:
        return "alpine"
    tail = name.rsplit("/", 1)[-1]
    if tail == "busybox" or "busybox" in tag:
        return "busybox"
    if any(re.search(rf"(^|[-.]){word}($|[-.0-9])", tag) for word in _UBUNTU_TAGS):
        return "debian"
    if any(re.search(rf"(^|[-.]){word}($|[-.0-9])", tag) for word in _DEBIAN_TAGS):
        return "debian"
    if any(p in name for p in _RHEL_PATHS) or (image.official and tail in _RHEL_IMAGES):
        return "rhel"
    if any(name.startswith(p) or f"/{p}" in name for p in _SUSE_PATHS):
        return "suse"
    if image.official or image.registry in ("public.ecr.aws", "mirror.gcr.io"):
        if tail in _DEBIAN_IMAGES or tail in _UBUNTU_IMAGES:
            return "debian"
        if tail in _ALPINE_IMAGES:
            return "alpine"
        if tail in _RHEL_IMAGES:
            return "rhel"
    if name.startswith(_DEBIAN_PREFIXES):
        return "debian"
    if name.startswith(("archlinux", "base/archlinux", "archlinux/")):
        return "arch"
    return "unknown"


# --------------------------------------------------------------------------- users


def is_root(user: str) -> bool | None:
    """Whether a USER value means root; None when it is an expansion."""
    if "$" in user:
        return None
    return user_and_group(user)[0] in ROOT_USERS


def image_workdir(image: ImageRef | None) -> str:
    """The working directory an image sets: / unless the image is known to set another
    (golang: /go)."""
    if image is not None and (image.official or image.registry in ("public.ecr.aws", "mirror.gcr.io")):
        return _WORKDIRS.get(image.path.rsplit("/", 1)[-1], "/")
    return "/"


# ENV that official images set and a Dockerfile may expand (`WORKDIR $GOPATH/src/app`)
_IMAGE_ENV: dict[str, Mapping[str, str]] = {"golang": MappingProxyType({"GOPATH": "/go"})}


def image_env(image: ImageRef | None) -> Mapping[str, str]:
    """The ENV an image is known to set (golang: GOPATH=/go, where `go install` writes to
    /go/bin); empty when none is known."""
    if image is not None and (image.official or image.registry in _MIRRORS):
        return _IMAGE_ENV.get(image.path.rsplit("/", 1)[-1], MappingProxyType({}))
    return MappingProxyType({})


# --------------------------------------------------------------------------- slim variants

# Debian releases for which Docker Hub publishes a slim tag beside every versioned tag
# (python, node, ruby, perl, openjdk); older ones (wheezy, jessie, stretch) have gaps.
_SUITES = r"(?:buster|bullseye|bookworm|trixie|forky)"
_VERSION = r"\d+(?:\.\d+){0,2}"
_NODE_ALIASES = r"(?:lts|current|argon|boron|carbon|dubnium|erbium|fermium|gallium|hydrogen|iron|jod|krypton)"
_DEBIAN_NAMES = frozenset(
    "wheezy jessie stretch buster bullseye bookworm trixie forky sid stable oldstable oldoldstable testing unstable".split()
)
_TEMURIN_SUFFIXES = r"(?:focal|jammy|noble|resolute|alpine(?:-3\.\d+)?|ubi9-minimal|ubi10-minimal|centos7)"

_PATTERNS = {
    # python:3.12, python:3.12-bookworm -> python:3.12-slim, python:3.12-slim-bookworm
    # (pre-releases too: python:3.14.0rc1 -> python:3.14.0rc1-slim)
    "python": re.compile(rf"(?P<at>{_VERSION}(?:(?:a|b|rc)\d+)?)(?:-{_SUITES})?"),
    "ruby": re.compile(rf"(?P<at>{_VERSION})(?:-{_SUITES})?"),
    # perl:5.38-threaded-bookworm -> perl:5.38-slim-threaded-bookworm
    "perl": re.compile(rf"(?P<at>{_VERSION})(?:-threaded)?(?:-{_SUITES})?"),
    # node:20-bookworm -> node:20-bookworm-slim (node puts -slim last)
    "node": re.compile(rf"(?:{_VERSION}|{_NODE_ALIASES})(?:-{_SUITES})?(?P<at>)"),
    # openjdk:11-jdk-bullseye -> openjdk:11-jdk-slim-bullseye
    "openjdk": re.compile(
        rf"(?P<at>(?P<major>\d+)(?:u\d+(?:-b\d+)?|(?:\.\d+){{1,3}}(?:[-_]\d+)?)?(?:-jdk|-jre)?)(?P<suite>-{_SUITES})?"
    ),
    # eclipse-temurin:17-jdk-jammy -> eclipse-temurin:17-jre-jammy
    "eclipse-temurin": re.compile(
        rf"(?P<at>(?P<major>\d+)(?:\.\d+\.\d+(?:\.\d+)?_\d+|\.\d+\.\d+)?|(?P<eight>8)u\d+-b\d+(?:\.\d+)?)"
        rf"(?P<jdk>-jdk)?(?:-{_TEMURIN_SUFFIXES})?"
    ),
}
# versioned tags Docker Hub published without a slim twin (found in docker-library/official-images)
_NO_SLIM = {
    "python": frozenset({"2.7.7", "3.3.5", "3.4.1"}),
    "node": frozenset({"0.10.28", "0.10.30", "0.10.31", "0.11.13"}),
    "ruby": frozenset({"2.1.2", "2.1.3", "2.1.4"}),
    "perl": frozenset({"5.24.0", "5.24.1", "5.24.2", "5.24.3", "5.26.0", "5.26.1", "5.28.1"}),
    "openjdk": frozenset({"7u111", "7u121", "8u102", "8u111", "8u121"}),
}
# the registries that mirror Docker Hub's official images, with the path prefix they use
_MIRRORS = {"public.ecr.aws": "docker/library/", "mirror.gcr.io": "library/"}


def official_name(image: ImageRef) -> str | None:
    """The name of an official Docker Hub image (`python`), written there or on a mirror of it; None for others."""
    if image.official:
        return image.path
    prefix = _MIRRORS.get(image.registry)
    if prefix and image.path.startswith(prefix) and "/" not in image.path[len(prefix) :]:
        return image.path[len(prefix) :]
    return None


def slim_tag_edit(name: str, tag: str) -> tuple[int, int, str] | None:
    """The edit of a tag of the official image ``name`` that names its slim variant, as
    Docker Hub publishes it: (start, end, new text) in the tag; None when no slim variant
    is known. python, ruby, perl, node and debian get `-slim` (node and debian at the end:
    `20-bookworm-slim`; the others before the release: `3.12-slim-bookworm`), openjdk
    `-slim`, eclipse-temurin its JRE (`17-jdk-jammy` -> `17-jre-jammy`). A floating tag
    (`latest`, or none) has none: its twin may be pulled at another time and hold another
    major version."""
    if name == "debian":
        return _debian_edit(tag)
    pattern = _PATTERNS.get(name)
    match = pattern.fullmatch(tag) if pattern is not None else None
    if match is None:
        return None
    at = match.end("at")
    if tag[:at].removesuffix("-jdk").removesuffix("-jre") in _NO_SLIM.get(name, ()):
        return None
    if name == "perl" and "." in tag[:at] and int(tag[:at].split(".")[1]) < 24:
        return None  # perl's slim variant started with 5.24
    if name == "openjdk":
        if match.group("suite") is None and int(match.group("major")) > 11:
            return None  # openjdk:12 and later are Oracle Linux; only their slim variant is Debian
        return at, at, "-slim"
    if name == "eclipse-temurin":
        if match.group("eight") is None and int(match.group("major")) == 16:
            return None  # Temurin 16 had no JRE images
        if match.group("jdk"):
            return match.start("jdk"), match.end("jdk"), "-jre"
        return at, at, "-jre"
    return at, at, "-slim"


def _debian_edit(tag: str) -> tuple[int, int, str] | None:
    if tag in _DEBIAN_NAMES:
        return len(tag), len(tag), "-slim"
    match = re.fullmatch(r"(\d+)(\.\d+)?", tag)
    if match is None:
        return None
    major = int(match.group(1))
    if major < 7 or (match.group(2) and major < 10):
        return None  # the point releases of Debian 7 to 9 mostly had no slim tag
    return len(tag), len(tag), "-slim"


# Debian's releases from jessie on, and the first version of each image published after
# each came out (buster July 2019, bullseye August 2021, bookworm June 2023): a tag without a
# release has pointed to that release and the later ones only
_ERAS = (
    ("buster", {"python": (3, 8), "node": (13,), "ruby": (2, 7), "perl": (5, 32)}),
    ("bullseye", {"python": (3, 10), "node": (17,), "ruby": (3, 1), "perl": (5, 36)}),
    ("bookworm", {"python": (3, 12), "node": (21,), "ruby": (3, 3), "perl": (5, 38)}),
)
_RELEASES = ("jessie", "stretch", "buster", "bullseye", "bookworm", "trixie")
_NEW_NODE_ALIASES = frozenset({"lts", "current", "jod", "krypton"})


def tag_releases(name: str, tag: str) -> tuple[str, ...]:
    """The Debian releases a tag of the official image ``name`` (python, node, ruby, perl)
    may point to: the one it names (`3.12-bookworm`, `20-bullseye-slim`); for a tag without
    one, the releases from the one in whose time the version came out (python 3.12, node
    21, ruby 3.3, perl 5.38 and later: bookworm and trixie; node's `lts`, `current`, `jod`,
    `krypton` too), every release from jessie on for a tag that names no minor version
    (`python:3`) or a version older than buster. Each tag was rebuilt on the releases of
    its life; a later Debian release (forky) is not known yet."""
    named = re.search(r"(?:^|-)(jessie|stretch|buster|bullseye|bookworm|trixie)(?:-|$)", tag)
    if named is not None:
        return (named.group(1),)
    if name == "node" and tag.split("-", 1)[0] in _NEW_NODE_ALIASES:
        return ("bookworm", "trixie")
    version = re.match(r"(\d+)(?:\.(\d+))?", tag)
    start = 0
    if version is not None:
        numbers = tuple(int(n) for n in version.groups() if n is not None)
        for release, firsts in _ERAS:
            first = firsts.get(name)
            if first is None:
                continue
            # `python:3` names no minor version: it has pointed to every release of python 3
            if numbers[0] > first[0] or (len(numbers) >= len(first) and numbers[: len(first)] >= first):
                start = _RELEASES.index(release)
    return _RELEASES[start:]


def slim_variant(reference: str) -> str | None:
    """The slim variant of an official image's reference (``slim_tag_edit``), the registry
    and repository as written: `node:20` -> `node:20-slim`, `python:3.12-bookworm` ->
    `python:3.12-slim-bookworm`; None when none is known (no tag, `latest`, a digest, a
    variant, an image without one)."""
    image = parse_image(reference)
    if image is None or image.tag is None or image.digest is not None:
        return None
    name = official_name(image)
    edit = slim_tag_edit(name, image.tag) if name is not None else None
    if edit is None:
        return None
    start, end, text = edit
    at = len(reference) - len(image.tag)
    return reference[: at + start] + text + reference[at + end :]
