"""What dockopt knows about base images: their family, shell, users, and the user a stage runs as.

A stage's base is followed through ``FROM <stage>`` to the image it starts from. The image
reference (with the global ARG defaults substituted) names a *family*, which decides how a
user is created and which shell RUN has:

=============  ======================================  ==========================
family         examples                                 user creation
=============  ======================================  ==========================
debian         debian, ubuntu, python, node, golang     groupadd / useradd
alpine         alpine, python:3-alpine, node:*-alpine   addgroup / adduser (BusyBox)
busybox        busybox                                  addgroup / adduser (BusyBox)
rhel           fedora, centos, rockylinux, ubi8/ubi     groupadd / useradd
suse           opensuse/leap                            groupadd / useradd
minimal        ubi-minimal, ubi-micro                   none (numeric USER only)
distroless     gcr.io/distroless/*                      none (numeric USER only)
scratch        scratch                                  none (numeric USER only)
windows        mcr.microsoft.com/windows/*              (not handled)
unknown        anything else                            -
=============  ======================================  ==========================

When the image is not known, the package managers the stages run decide (``apt-get``: debian,
``apk``: alpine, ``dnf``/``yum``: rhel, ``zypper``: suse). The tables below only hold facts
that are stable across tags; they are a best guess, which is why the transforms that use
them are unsafe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .syntax import Dockerfile, Instruction, Stage

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
_UBUNTU_IMAGES = _names("ubuntu java ros eclipse-temurin ibm-semeru-runtimes ibmjava mariadb mongo rabbitmq swift open-liberty websphere-liberty")
_ALPINE_IMAGES = _names("alpine composer docker traefik caddy vault consul nats registry adminer eggdrop")
_RHEL_IMAGES = _names("centos fedora rockylinux almalinux oraclelinux amazonlinux amazoncorretto mysql photon clearlinux")
_RHEL_PATHS = ("ubi7", "ubi8", "ubi9", "ubi10", "rhel7", "rhel8", "rhel9", "centos/", "rockylinux/", "almalinux/", "fedora/")
_SUSE_PATHS = ("opensuse/", "suse/", "bci/")
_DEBIAN_TAGS = ("slim", "bookworm", "bullseye", "buster", "stretch", "jessie", "trixie", "sid", "wheezy")
_UBUNTU_TAGS = ("focal", "jammy", "noble", "bionic", "xenial", "trusty", "oracular", "plucky", "lunar", "mantic", "kinetic")
_DEBIAN_PREFIXES = ("mcr.microsoft.com/dotnet/", "mcr.microsoft.com/devcontainers/", "microsoft/dotnet", "continuumio/",
                    "rocker/", "phusion/", "tiangolo/", "jupyter/", "nvidia/cuda", "pytorch/", "tensorflow/tensorflow",
                    "circleci/", "cimg/", "selenium/", "heroku/", "osrf/")
_WINDOWS_WORDS = ("windows", "nanoserver", "servercore", "ltsc20", "mcr.microsoft.com/dotnet/framework")

# Images that ship a non-root user they do not switch to themselves: (name, uid, gid).
_SHIPPED_USERS = {"node": ("node", 1000, 1000)}

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
_CONFIGURED_USER_PREFIXES = {"bitnami/": "1001:0", "cgr.dev/chainguard/": "65532:65532"}

# Images whose entrypoint starts as root and drops to its own user (gosu, su-exec, ...).
_SELF_DROPPING = _names(
    "postgres mysql mariadb redis mongo rabbitmq cassandra couchdb elasticsearch zookeeper influxdb ghost "
    "percona neo4j"
)
# Official images that set a WORKDIR of their own (the others start in /).
_WORKDIRS = {
    "golang": "/go", "php": "/var/www/html", "wordpress": "/var/www/html", "joomla": "/var/www/html",
    "nextcloud": "/var/www/html", "drupal": "/opt/drupal", "tomcat": "/usr/local/tomcat", "httpd": "/usr/local/apache2",
    "composer": "/app", "ghost": "/var/lib/ghost", "elasticsearch": "/usr/share/elasticsearch",
    "kibana": "/usr/share/kibana", "logstash": "/usr/share/logstash", "sonarqube": "/opt/sonarqube",
}

# Images whose default service listens on a privileged port as root.
_PRIVILEGED_SERVICES = frozenset({"nginx", "httpd", "haproxy", "varnish", "wordpress", "drupal", "joomla",
                                  "nextcloud", "mediawiki", "matomo", "phpmyadmin", "traefik", "caddy"})

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


def global_args(df: Dockerfile) -> dict[str, str]:
    """The ARGs before the first FROM with their default values (what FROM can expand)."""
    found: dict[str, str] = {}
    for instruction in df.instructions:
        if instruction.command == "FROM":
            break
        if instruction.command == "ARG":
            for word in instruction.words():
                name, eq, value = word.partition("=")
                if eq:
                    found[name] = value.strip("\"'")
    return found


def resolved_reference(df: Dockerfile, stage: Stage) -> str:
    """The stage's FROM reference with the global ARG defaults substituted (unknown ones stay)."""
    return "".join(resolved for _, resolved in reference_pieces(df, stage))


def reference_pieces(df: Dockerfile, stage: Stage) -> list[tuple[str, str]]:
    """The stage's FROM reference as pieces ``(written, resolved)``: literal text stands for
    itself, each variable for its value with the global ARG defaults (unknown ones stay)."""
    defaults = global_args(df)

    def substitute(match: re.Match) -> str:
        name = match.group(1) or match.group(4)
        operator, word = match.group(2), match.group(3) or ""
        value = defaults.get(name)
        if operator in (":-", "-"):
            return value if value or (operator == "-" and value is not None) else word
        if operator in (":+", "+"):
            return word if value or (operator == "+" and value is not None) else ""
        return value if value is not None else match.group(0)

    pieces: list[tuple[str, str]] = []
    position = 0
    for match in _VARIABLE.finditer(stage.base):
        if match.start() > position:
            literal = stage.base[position : match.start()]
            pieces.append((literal, literal))
        pieces.append((match.group(0), substitute(match)))
        position = match.end()
    if position < len(stage.base):
        pieces.append((stage.base[position:], stage.base[position:]))
    return pieces


def root_stage(df: Dockerfile, stage: Stage) -> Stage:
    """The stage of the chain ``FROM <stage>`` that names an image."""
    return df.stages[stage.derives_from[-1]] if stage.derives_from else stage


def chain(df: Dockerfile, stage: Stage) -> list[Stage]:
    """The stages a stage is built on, the image's stage first, the stage itself last."""
    return [df.stages[i] for i in reversed(stage.derives_from)] + [stage]


@dataclass(frozen=True)
class Base:
    """What a stage starts from."""

    image: ImageRef | None  # None: scratch, or a reference that could not be resolved
    family: str  # see the module's table
    configured_user: str | None  # the USER the image itself sets when it is not root ("1000:1000")
    shipped_user: tuple[str, int, int] | None  # a non-root user the image has but does not switch to
    drops_root: bool  # the image's entrypoint starts as root and switches user itself
    privileged_service: bool  # the image's own service binds a port below 1024

    @property
    def has_shell(self) -> bool | None:
        """Whether RUN can run a shell: None when unknown."""
        if self.family in ("scratch", "distroless"):
            return self.image is not None and (self.image.tag or "").startswith("debug")
        if self.family == "unknown":
            return None
        return True


def base_of(df: Dockerfile, stage: Stage) -> Base:
    """What the stage's chain starts from, with the evidence of the package managers it runs."""
    key = ("base_of", stage.index)
    cached = df._cache.get(key)
    if cached is None:
        cached = _base_of(df, stage)
        df._cache[key] = cached
    return cached


def _base_of(df: Dockerfile, stage: Stage) -> Base:
    first = root_stage(df, stage)
    text = resolved_reference(df, first)
    if text.lower() == "scratch":
        return Base(None, "scratch", None, None, False, False)
    image = parse_image(text)
    family = family_of(image) if image is not None else "unknown"
    if family == "unknown":
        family = _family_from_commands(df, chain(df, stage))
    if image is None:
        return Base(None, family, None, None, False, False)
    configured = _CONFIGURED_USERS.get(image.name)
    if configured is None:
        configured = next((u for p, u in _CONFIGURED_USER_PREFIXES.items() if image.name.startswith(p)), None)
    if configured is None and image.name.startswith("gcr.io/distroless/") and "nonroot" in (image.tag or ""):
        configured = "65532:65532"
    shipped = _SHIPPED_USERS.get(image.path) if image.official else None
    tail = image.path.rsplit("/", 1)[-1]
    official_like = image.official or image.registry in ("public.ecr.aws", "mirror.gcr.io")
    return Base(
        image,
        family,
        configured,
        shipped,
        official_like and tail in _SELF_DROPPING,
        official_like and tail in _PRIVILEGED_SERVICES,
    )


def family_of(image: ImageRef) -> str:
    """The family an image reference names, "unknown" when the tables do not say."""
    name, tag = image.name.lower(), (image.tag or "").lower()
    whole = f"{name}:{tag}"
    if any(word in whole for word in _WINDOWS_WORDS):
        return "windows"
    if name == "scratch":
        return "scratch"
    if name.startswith("gcr.io/distroless/"):
        return "distroless"
    if name.startswith("cgr.dev/chainguard/"):
        return "alpine" if tag.endswith("-dev") or tag == "latest-dev" else "distroless"
    if "ubi-minimal" in name or "ubi-micro" in name or name.endswith("-minimal") and "ubi" in name:
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


_MANAGER_FAMILIES = {
    "apt-get": "debian",
    "apt": "debian",
    "aptitude": "debian",
    "apk": "alpine",
    "yum": "rhel",
    "dnf": "rhel",
    "microdnf": "minimal",
    "zypper": "suse",
}


def _family_from_commands(df: Dockerfile, stages: list[Stage]) -> str:
    from .packages import invocations

    for stage in stages:
        for instruction in stage.instructions:
            if (instruction.sub or instruction).command != "RUN" or instruction.sub is not None:
                continue
            if not any(m in instruction.logical for m in _MANAGER_FAMILIES):
                continue
            for invocation in invocations(df, instruction):
                family = _MANAGER_FAMILIES.get(invocation.manager)
                if family is not None:
                    return family
            if re.search(r"(^|[\s;&|])(useradd|groupadd)\s", instruction.logical):
                return "unknown"
    return "unknown"


# --------------------------------------------------------------------------- users


def is_root(user: str) -> bool | None:
    """Whether a USER value means root; None when it is an expansion."""
    if "$" in user:
        return None
    name = user.split(":", 1)[0].strip()
    return name in ROOT_USERS


def initial_workdir(df: Dockerfile, stage: Stage) -> str:
    """The working directory the image a stage starts from sets: / unless the image is known
    to set another (golang: /go). A stage FROM another stage starts where that one ended
    (``model``)."""
    image = base_of(df, stage).image
    if image is not None and (image.official or image.registry in ("public.ecr.aws", "mirror.gcr.io")):
        return _WORKDIRS.get(image.path.rsplit("/", 1)[-1], "/")
    return "/"
