#!/usr/bin/env bash
# Local stand-ins for the official images the real projects of ../shared/projects name
# (python, node, golang, eclipse-temurin, maven, nginx, distroless static), made from Debian
# 12 packages on top of the local debian:bookworm-slim that scripts/setup-build-engine.sh
# makes, and tagged with the official names so that the projects' Dockerfiles build
# unchanged without a registry. What each one holds, and how it differs from the official
# image (the versions above all), is in docs/real-projects.md.
#
#   eval "$(bash scripts/setup-build-engine.sh)"
#   bash scripts/make-base-images.sh [GROUP...]   # groups: python node golang java nginx distroless
#                                                 # (default: all of them)
#                                                 # (python-slim: only python:3.X-slim, for dockopt's own image)
#
# A "slim" image carries only the runtime; the "full" one is built FROM it and adds the
# compilers and -dev headers, as the official full images (on buildpack-deps) do. Each image
# is built once (FORCE=1 builds again); the tags are always set again. Needs root, an engine
# set up by setup-build-engine.sh, and the Debian mirror (plus PyPI and npm for pip and yarn).
set -euo pipefail

log() { echo "[make-base-images] $*" >&2; }
BASE=localhost/debian:bookworm-slim
PREFIX=localhost/dockopt-stand-in
FORCE=${FORCE:-0}
GROUPS_WANTED=("$@")
[ ${#GROUPS_WANTED[@]} -gt 0 ] || GROUPS_WANTED=(python node golang java nginx distroless)

if [ "$(id -u)" != 0 ] || ! command -v podman >/dev/null; then
  log "skipped: needs root and podman (run scripts/setup-build-engine.sh first)"
  exit 1
fi
if [ -z "${CONTAINERS_STORAGE_CONF:-}" ]; then
  eval "$(bash "$(dirname "$0")/setup-build-engine.sh")"
fi
if ! podman image exists "$BASE"; then
  log "no $BASE: run scripts/setup-build-engine.sh first"
  exit 1
fi

WORK=$(mktemp -d /tmp/make-base-images.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# build_image NAME: builds $PREFIX:NAME from the Dockerfile on stdin, unless it exists
build_image() {
  local name=$1 dir=$WORK/$1
  if [ "$FORCE" != 1 ] && podman image exists "$PREFIX:$name"; then
    cat >/dev/null
    log "$PREFIX:$name exists"
    return
  fi
  mkdir -p "$dir/ca"
  # the certificate authorities this machine adds to Debian's (a TLS-intercepting proxy in
  # front of PyPI and npm, for one): trusted in the images as on the machine
  touch "$dir/ca/.keep"
  cp /usr/local/share/ca-certificates/*.crt "$dir/ca/" 2>/dev/null || true
  cat > "$dir/Dockerfile"
  log "building $PREFIX:$name"
  local start=$SECONDS
  buildah bud --layers --force-rm --format docker -t "$PREFIX:$name" "$dir" > "$WORK/$name.log" 2>&1 || {
    tail -n 30 "$WORK/$name.log" >&2
    log "failed: $PREFIX:$name"
    return 1
  }
  log "built $PREFIX:$name in $((SECONDS - start)) s: $(podman image inspect --format '{{.Size}}' "$PREFIX:$name") bytes"
}

# tag NAME REFERENCE...: the official names (Docker Hub's without a registry are docker.io/library/)
tag() {
  local name=$1; shift
  for reference in "$@"; do
    case "$reference" in
      */*) ;;
      *) reference=docker.io/library/$reference ;;
    esac
    podman tag "$PREFIX:$name" "$reference"
  done
}

APT_INSTALL='apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends'
APT_CLEAN='rm -rf /var/lib/apt/lists/*'
LOCAL_CA='COPY ca/ /usr/local/share/ca-certificates/'
# pip (its own certifi) and npm read the system bundle, where the local authorities are
TRUST_LOCAL_CA='update-ca-certificates >/dev/null && printf "[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n" > /etc/pip.conf && printf "cafile=/etc/ssl/certs/ca-certificates.crt\n" > /etc/npmrc'
# what buildpack-deps:bookworm (the base of every official full image) adds: curl, version
# control, compilers and the common -dev headers
BUILDPACK_DEPS='ca-certificates curl wget gnupg dirmngr netbase git mercurial openssh-client subversion procps
  autoconf automake bzip2 dpkg-dev file g++ gcc imagemagick libbz2-dev libc6-dev libcurl4-openssl-dev
  libdb-dev libevent-dev libffi-dev libgdbm-dev libglib2.0-dev libgmp-dev libjpeg-dev libkrb5-dev
  liblzma-dev libmagickcore-dev libmagickwand-dev libmaxminddb-dev libncurses-dev libncursesw5-dev
  libpng-dev libpq-dev libreadline-dev libsqlite3-dev libssl-dev libtool libwebp-dev libxml2-dev
  libxslt1-dev libyaml-dev make patch unzip xz-utils zlib1g-dev default-libmysqlclient-dev'
BUILDPACK_DEPS=$(echo $BUILDPACK_DEPS)
# the official golang image is on buildpack-deps:bookworm-scm, with only a C toolchain added
SCM_AND_CC='ca-certificates curl wget gnupg dirmngr netbase git mercurial openssh-client subversion procps
  g++ gcc libc6-dev make pkg-config'
SCM_AND_CC=$(echo $SCM_AND_CC)

for group in "${GROUPS_WANTED[@]}"; do
  case "$group" in
  python | python-slim)
    # Debian's python3 is 3.11.2: every python:3.X tag below is that Python. pip comes from
    # PyPI (as in the official image: upgradable, no "externally managed" refusal)
    build_image python-slim <<EOF
FROM $BASE
$LOCAL_CA
ENV LANG=C.UTF-8 PYTHON_VERSION=3.11.2
RUN $APT_INSTALL python3 python3-venv python3-pip ca-certificates netbase tzdata \\
 && $TRUST_LOCAL_CA \\
 && rm -f /usr/lib/python3.*/EXTERNALLY-MANAGED \\
 && python3 -m pip install --no-cache-dir --ignore-installed pip setuptools wheel \\
 && ln -sf /usr/bin/python3 /usr/local/bin/python && ln -sf /usr/bin/python3-config /usr/local/bin/python-config \\
 && $APT_CLEAN
LABEL org.dockopt.stand-in="python:3.X-slim from Debian 12 python3 3.11.2"
CMD ["python3"]
EOF
    tag python-slim python:3.11-slim python:3.12-slim python:3.13-slim python:3.14-slim python:3-slim python:slim \
      python:3.11-slim-bookworm python:3.12-slim-bookworm python:3.13-slim-bookworm python:3.14-slim-bookworm
    [ "$group" = python ] || continue
    build_image python <<EOF
FROM $PREFIX:python-slim
RUN $APT_INSTALL $BUILDPACK_DEPS python3-dev && $APT_CLEAN
LABEL org.dockopt.stand-in="python:3.X from Debian 12 python3 3.11.2 and buildpack-deps"
EOF
    tag python python:3.11 python:3.12 python:3.13 python:3.14 python:3 python:latest \
      python:3.11-bookworm python:3.12-bookworm python:3.13-bookworm python:3.14-bookworm
    ;;
  node)
    # Debian's nodejs is 18.19 with npm 9.2; yarn 1 from npm; the `node` user (1000) and
    # /usr/local/bin/node of the official image
    build_image node-slim <<EOF
FROM $BASE
$LOCAL_CA
ENV NODE_VERSION=18.19.0
RUN $APT_INSTALL nodejs npm ca-certificates && $TRUST_LOCAL_CA \\
 && npm install -g --no-fund --no-audit yarn@1 && npm cache clean --force \\
 && ln -sf /usr/bin/node /usr/local/bin/node && ln -sf /usr/bin/node /usr/local/bin/nodejs \\
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \\
 && $APT_CLEAN
LABEL org.dockopt.stand-in="node:X-slim from Debian 12 nodejs 18.19"
CMD ["node"]
EOF
    build_image node <<EOF
FROM $PREFIX:node-slim
RUN $APT_INSTALL $BUILDPACK_DEPS python3 && $APT_CLEAN
LABEL org.dockopt.stand-in="node:X from Debian 12 nodejs 18.19 and buildpack-deps"
EOF
    tag node-slim node:18-slim node:20-slim node:22-slim node:24-slim node:current-slim node:lts-slim node:slim \
      node:18-bookworm-slim node:20-bookworm-slim node:22-bookworm-slim
    tag node node:18 node:20 node:22 node:24 node:current node:lts node:latest node:18-bookworm node:20-bookworm node:22-bookworm
    ;;
  golang)
    # Debian's golang-go is 1.19 (no toolchain downloads: GOTOOLCHAIN is 1.21+)
    build_image golang <<EOF
FROM $BASE
$LOCAL_CA
RUN $APT_INSTALL $SCM_AND_CC golang-go && $TRUST_LOCAL_CA && $APT_CLEAN \\
 && mkdir -p /go/src /go/bin && chmod -R 1777 /go && mkdir -p /usr/local/go && ln -s /usr/lib/go/bin /usr/local/go/bin
ENV GOLANG_VERSION=1.19.8 GOPATH=/go PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /go
LABEL org.dockopt.stand-in="golang:X from Debian 12 golang-go 1.19 and buildpack-deps"
CMD ["bash"]
EOF
    tag golang golang:1.19 golang:1.20 golang:1.21 golang:1.22 golang:1.23 golang:1.24 golang:1.25 golang:1.26 \
      golang:1.26.2 golang:1 golang:latest golang:bookworm
    ;;
  java)
    # Debian's OpenJDK 17 and Maven 3.8.7; JAVA_HOME at the official /opt/java/openjdk
    build_image jre <<EOF
FROM $BASE
$LOCAL_CA
RUN mkdir -p /usr/share/man/man1 && $APT_INSTALL openjdk-17-jre-headless ca-certificates p11-kit tzdata && $TRUST_LOCAL_CA \\
 && mkdir -p /opt/java && ln -s /usr/lib/jvm/java-17-openjdk-amd64 /opt/java/openjdk && $APT_CLEAN
ENV JAVA_HOME=/opt/java/openjdk LANG=C.UTF-8 JAVA_VERSION=jdk-17
LABEL org.dockopt.stand-in="eclipse-temurin:17-jre from Debian 12 openjdk-17-jre-headless"
EOF
    build_image jdk <<EOF
FROM $PREFIX:jre
RUN $APT_INSTALL openjdk-17-jdk-headless binutils && $APT_CLEAN
LABEL org.dockopt.stand-in="eclipse-temurin:17-jdk from Debian 12 openjdk-17-jdk-headless"
CMD ["jshell"]
EOF
    build_image maven <<EOF
FROM $PREFIX:jdk
RUN $APT_INSTALL maven git openssh-client && $APT_CLEAN && mkdir -p /root/.m2
ENV MAVEN_HOME=/usr/share/maven MAVEN_CONFIG=/root/.m2
LABEL org.dockopt.stand-in="maven:3-eclipse-temurin-17 from Debian 12 maven 3.8.7"
CMD ["mvn"]
EOF
    tag jre eclipse-temurin:17-jre eclipse-temurin:17-jre-focal eclipse-temurin:17-jre-jammy eclipse-temurin:17-jre-noble
    tag jdk eclipse-temurin:17 eclipse-temurin:17-jdk eclipse-temurin:17-jdk-focal eclipse-temurin:17-jdk-jammy openjdk:17 openjdk:17-jdk openjdk:17-jdk-slim
    tag maven maven:3-eclipse-temurin-17 maven:3.8.5-eclipse-temurin-17 maven:3.8-eclipse-temurin-17 maven:3.8.7-eclipse-temurin-17
    ;;
  nginx)
    # Debian's nginx 1.22 laid out as the official image: conf.d/default.conf serving
    # /usr/share/nginx/html, logs to the container's output, nginx in the foreground
    build_image nginx <<EOF
FROM $BASE
$LOCAL_CA
RUN $APT_INSTALL nginx-light ca-certificates && $TRUST_LOCAL_CA && $APT_CLEAN \\
 && rm -f /etc/nginx/sites-enabled/default && mkdir -p /etc/nginx/conf.d /usr/share/nginx/html \\
 && printf 'server {\n    listen 80;\n    listen [::]:80;\n    server_name localhost;\n    location / {\n        root /usr/share/nginx/html;\n        index index.html index.htm;\n    }\n    error_page 500 502 503 504 /50x.html;\n    location = /50x.html {\n        root /usr/share/nginx/html;\n    }\n}\n' > /etc/nginx/conf.d/default.conf \\
 && echo '<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>' > /usr/share/nginx/html/index.html \\
 && echo '<!DOCTYPE html><html><body><h1>An error occurred.</h1></body></html>' > /usr/share/nginx/html/50x.html \\
 && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 80
STOPSIGNAL SIGQUIT
LABEL org.dockopt.stand-in="nginx from Debian 12 nginx-light 1.22 (also tagged nginx:alpine: no Alpine inside)"
CMD ["nginx", "-g", "daemon off;"]
EOF
    tag nginx nginx:latest nginx:stable nginx:1.22 nginx:alpine nginx:stable-alpine
    ;;
  distroless)
    # gcr.io/distroless/static-debian12: no shell, no libc; root, nobody and nonroot (65532),
    # CA certificates, time zones, /tmp
    build_image distroless-static <<EOF
FROM $BASE AS files
$LOCAL_CA
RUN $APT_INSTALL ca-certificates tzdata && update-ca-certificates >/dev/null && $APT_CLEAN \\
 && mkdir -p /out/etc/ssl/certs /out/usr/share /out/tmp /out/home/nonroot /out/root \\
 && chmod 1777 /out/tmp && chown 65532:65532 /out/home/nonroot && chmod 700 /out/root \\
 && cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ && cp -a /usr/share/zoneinfo /out/usr/share/ \\
 && printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > /out/etc/passwd \\
 && printf 'root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n' > /out/etc/group \\
 && printf 'hosts: files dns\n' > /out/etc/nsswitch.conf
FROM scratch
COPY --from=files /out/ /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
LABEL org.dockopt.stand-in="gcr.io/distroless/static-debian12 from Debian 12 ca-certificates and tzdata"
EOF
    tag distroless-static gcr.io/distroless/static-debian12 gcr.io/distroless/static-debian12:latest gcr.io/distroless/static
    ;;
  *)
    log "unknown group '$group' (python node golang java nginx distroless)"
    exit 2
    ;;
  esac
done
log "done: $(podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -c "^$PREFIX") stand-ins"
