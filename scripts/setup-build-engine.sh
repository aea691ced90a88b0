#!/usr/bin/env bash
# Make this machine able to build images for `dockopt verify` and its integration tests,
# with no registry and no daemon (see ../shared/notes/real-builds.md):
#   - buildah, podman and runc from Debian's packages,
#   - a private storage and configuration under $DOCKOPT_BUILD_HOME,
#   - a local debian:bookworm-slim base image made with debootstrap,
#   - a local busybox:static base image made from Debian's busybox-static.
# Prints the environment to use as `export` lines on stdout (for `eval`); progress on stderr.
# Needs root and Debian (apt-get, the Debian mirror). Idempotent: done steps are skipped.
set -euo pipefail

HOME_DIR=${DOCKOPT_BUILD_HOME:-/var/tmp/dockopt-build}
BASE=localhost/debian:bookworm-slim
log() { echo "[setup-build-engine] $*" >&2; }

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  log "skipped: needs root and apt-get"
  exit 0
fi
MIRROR=${MIRROR:-$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${SECURITY_MIRROR:-$(awk '/^URIs:/{u=$2} END{print u}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)}
SECURITY_MIRROR=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}

start=$(date +%s)
if ! command -v buildah >/dev/null || ! command -v podman >/dev/null || ! command -v debootstrap >/dev/null; then
  log "installing buildah, podman, runc, debootstrap"
  apt-get update -q >&2
  # runc, not crun: crun refuses the hybrid cgroup layout of these machines
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    buildah podman runc debootstrap uidmap >&2
fi

mkdir -p "$HOME_DIR/conf"
cat > "$HOME_DIR/conf/storage.conf" <<EOF
[storage]
driver = "overlay"
runroot = "$HOME_DIR/run"
graphroot = "$HOME_DIR/storage"
EOF
cat > "$HOME_DIR/conf/registries.conf" <<'EOF'
unqualified-search-registries = []
short-name-mode = "permissive"
EOF
# podman and buildah raise RLIMIT_NOFILE/NPROC above the hard limits otherwise, which fails
# without CAP_SYS_RESOURCE; runc because crun cannot run on a hybrid cgroup layout
cat > "$HOME_DIR/conf/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=32768:32768"]

[engine]
runtime = "runc"
EOF
export CONTAINERS_STORAGE_CONF=$HOME_DIR/conf/storage.conf
export CONTAINERS_REGISTRIES_CONF=$HOME_DIR/conf/registries.conf
export CONTAINERS_CONF=$HOME_DIR/conf/containers.conf
export BUILDAH_ISOLATION=chroot

if ! podman image exists "$BASE"; then
  if [ ! -s "$HOME_DIR/rootfs.tar" ]; then
    log "debootstrap bookworm (minbase) from $MIRROR"
    R=$HOME_DIR/rootfs
    rm -rf "$R"
    debootstrap --variant=minbase bookworm "$R" "$MIRROR" >"$HOME_DIR/debootstrap.log" 2>&1
    # like the official debian:bookworm-slim: no docs, no locales, apt cleans after itself
    cat > "$R/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
    cat > "$R/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    echo 'Acquire::Languages "none";' > "$R/etc/apt/apt.conf.d/docker-no-languages"
    rm -f "$R/etc/apt/sources.list"
    cat > "$R/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/cache/apt/*.bin "$R"/var/lib/apt/lists/* \
      "$R"/var/log/*.log "$R"/var/log/apt/* "$R"/dev/*
    mkdir -p "$R/var/lib/apt/lists/partial"
    find "$R/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    find "$R/usr/share/doc" -depth -mindepth 1 -type d -empty -delete
    rm -rf "$R"/usr/share/man/* "$R"/usr/share/info/* "$R"/usr/share/groff/* "$R"/usr/share/lintian/*
    find "$R/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
    : > "$R/etc/resolv.conf"
    tar --numeric-owner -C "$R" -cf "$HOME_DIR/rootfs.tar.tmp" . && mv "$HOME_DIR/rootfs.tar.tmp" "$HOME_DIR/rootfs.tar"
    rm -rf "$R"
  fi
  log "importing $BASE"
  podman import -q --change 'CMD ["bash"]' "$HOME_DIR/rootfs.tar" "$BASE" >/dev/null
fi
# so that an unmodified `FROM debian:bookworm-slim` builds without a registry
podman tag "$BASE" docker.io/library/debian:bookworm-slim

# a BusyBox base (there is no route to Alpine's CDN): Debian's busybox-static, every applet
# linked, a root and a nobody user
BUSYBOX=localhost/busybox:static
if ! podman image exists "$BUSYBOX"; then
  log "making $BUSYBOX from Debian's busybox-static"
  if [ ! -x /bin/busybox ] || ! /bin/busybox --list >/dev/null 2>&1 || ! ldd /bin/busybox 2>&1 | grep -q "not a dynamic"; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends busybox-static >&2
  fi
  B=$HOME_DIR/busybox-root
  rm -rf "$B" && mkdir -p "$B/bin" "$B/etc" "$B/root" "$B/tmp" && chmod 1777 "$B/tmp"
  cp /bin/busybox "$B/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$B/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$B/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$B/etc/group"
  tar --numeric-owner -C "$B" -cf "$HOME_DIR/busybox.tar" . && rm -rf "$B"
  podman import -q --change 'CMD ["/bin/sh"]' "$HOME_DIR/busybox.tar" "$BUSYBOX" >/dev/null
  rm -f "$HOME_DIR/busybox.tar"
fi
log "ready in $(( $(date +%s) - start )) s: $(buildah --version)"

echo "export CONTAINERS_STORAGE_CONF=$CONTAINERS_STORAGE_CONF"
echo "export CONTAINERS_REGISTRIES_CONF=$CONTAINERS_REGISTRIES_CONF"
echo "export CONTAINERS_CONF=$CONTAINERS_CONF"
echo "export BUILDAH_ISOLATION=chroot"
