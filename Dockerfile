# dockopt's own image: `podman build -t dockopt .`, then
# `podman run --rm -v "$PWD:/src" dockopt check` (README.md, "Running from the image").

# build: a virtual environment with dockopt and its dependencies, from this checkout
FROM python:3.13-slim AS build
WORKDIR /build
RUN python3 -m venv /opt/dockopt
COPY pyproject.toml README.md ./
COPY dockopt/ dockopt/
RUN /opt/dockopt/bin/pip install --no-cache-dir . \
    && /opt/dockopt/bin/pip uninstall --yes pip setuptools

# run: the same Python with that environment only, as a user who owns nothing,
# with no setuid or setgid program to become root again
FROM python:3.13-slim
COPY --from=build /opt/dockopt /opt/dockopt
RUN useradd --no-log-init --create-home --uid 10001 dockopt \
    && find / -xdev -perm /6000 -type f -exec chmod a-s {} +
USER 10001:10001
ENV PATH=/opt/dockopt/bin:$PATH PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
ENTRYPOINT ["dockopt"]
CMD ["check", "."]
