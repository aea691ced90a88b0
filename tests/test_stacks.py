"""What multi-stage (DO402) knows per build stack (dockopt/stacks/).

The shared helpers first (what starts the container, which file it runs, which packages a
runtime keeps), then each stack's detection: ``None`` when the stage does not build with
it, a ``Plan`` (the runtime base and what to copy) or a ``Suggestion`` (why not). Expected
values follow Docker (ENTRYPOINT over CMD, the last one wins, exec form has no shell), the
shell's PATH lookup, and what each toolchain writes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockopt import stacks
from dockopt.context import Context
from dockopt.stacks import c, go, java, node, others, python
from dockopt.stacks import common as helpers
from dockopt.stacks.common import Artifact, Plan, Suggestion
from dockopt.syntax import parse


def _stage(text: str):
    df = parse(text)
    return df, df.stages[-1]


# ---- the container's command


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("FROM a\nCMD one\nCMD two\n", 3),  # the last CMD
        ("FROM a\nENTRYPOINT one\nCMD two\n", 2),  # ENTRYPOINT starts the container
        ("FROM a\nENTRYPOINT one\nENTRYPOINT two\nCMD x\n", 3),
        ("FROM a\nRUN make\n", None),
    ],
)
def test_entry(text: str, line: int | None) -> None:
    df, stage = _stage(text)
    found = helpers.entry(df, stage)
    assert (found.start_line if found is not None else None) == line


@pytest.mark.parametrize(
    ("instruction", "words"),
    [
        ('CMD ["node", "dist/server.js"]', ["node", "dist/server.js"]),
        ("CMD node dist/server.js", ["node", "dist/server.js"]),
        ("CMD node $ENTRY", None),  # the shell expands it
        ("CMD a && b", None),
        ("CMD ./app > /tmp/log", None),
        ("CMD 'quoted arg'", None),
        ('CMD ["sh", "-c", "$X"]', ["sh", "-c", "$X"]),  # exec form: no shell, words as they are
    ],
)
def test_entry_words(instruction: str, words: list[str] | None) -> None:
    df = parse(f"FROM a\n{instruction}\n")
    assert helpers.entry_words(df.instructions[1]) == words


@pytest.mark.parametrize(
    ("text", "artifacts", "expected"),
    [
        ('FROM a\nCMD ["app"]\n', ["/usr/local/bin/app"], "/usr/local/bin/app"),  # found on PATH
        ('FROM a\nCMD ["/usr/local/bin/app", "--flag"]\n', ["/usr/local/bin/app"], "/usr/local/bin/app"),
        ('FROM a\nWORKDIR /srv\nCMD ["./app"]\n', ["/srv/app"], "/srv/app"),
        ('FROM a\nWORKDIR /srv\nCMD ["bin/app"]\n', ["/srv/bin/app"], "/srv/bin/app"),
        ('FROM a\nCMD ["app"]\n', ["/out/app"], None),  # /out is not on PATH
        ('FROM a\nCMD ["other"]\n', ["/usr/local/bin/app"], None),
        ('FROM a\nCMD ["sh", "-c", "app"]\n', ["/usr/local/bin/app"], None),
        ("FROM a\nCMD app $FLAGS\n", ["/usr/local/bin/app"], None),
    ],
)
def test_runs_artifact(text: str, artifacts: list[str], expected: str | None) -> None:
    df, stage = _stage(text)
    assert helpers.runs_artifact(df, stage, helpers.entry(df, stage), artifacts) == expected


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["--config", "/etc/app/config.yml"], "/etc/app/config.yml"),
        (["--config=./app.yml"], "--config=./app.yml"),
        (["application.properties"], "application.properties"),
        (["-Dspring.config.location=classpath:app.yml"], None),  # inside the jar
        (["--port", "8080", "--verbose"], None),
        (["--log=/dev/stdout"], None),
        (["--url", "https://example.com/x.json"], None),
        (["--dir", "~/data"], "~/data"),
    ],
)
def test_file_argument(words: list[str], expected: str | None) -> None:
    assert helpers.file_argument(words) == expected


# ---- packages, paths, images


def test_runtime_packages() -> None:
    installed = {"gcc", "build-essential", "libpq-dev", "libpq5", "curl", "ca-certificates", "python3=3.11.2-1", "make"}
    assert helpers.runtime_packages(installed) == ["ca-certificates", "curl", "libpq5"]


def test_apt_install() -> None:
    assert helpers.apt_install(["curl", "libpq5"]) == (
        "RUN apt-get update && apt-get install -y --no-install-recommends curl libpq5 && rm -rf /var/lib/apt/lists/*"
    )


def test_installed_packages() -> None:
    df, stage = _stage(
        "FROM debian\nRUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev\n"
        "RUN apk add musl-dev\nRUN apt-get remove -y vim\nRUN sudo apt install -y curl\n"
    )
    assert helpers.installed_packages(df, stage) == {"gcc", "libc6-dev", "curl"}
    assert helpers.installed_packages(df, stage, ("apk",)) == {"musl-dev"}


@pytest.mark.parametrize(
    ("path", "directory", "expected"),
    [
        ("/app/x", "/app", True),
        ("/app", "/app", True),
        ("/app", "/app/", True),
        ("/apple", "/app", False),
        ("/", "/app", False),
    ],
)
def test_inside(path: str, directory: str, expected: bool) -> None:
    assert helpers.inside(path, directory) is expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/app/bin/server", True),
        ("/a b", False),
        ("$HOME/x", False),
        ("/app/*.jar", False),
        ("/app/'x'", False),
        ("C:\\app", False),
    ],
)
def test_plain_path(path: str, expected: bool) -> None:
    assert helpers.plain_path(path) is expected


@pytest.mark.parametrize(
    ("base", "runtime"),
    [
        ("debian:bookworm", "debian:bookworm-slim"),
        ("debian:12", "debian:12-slim"),
        ("debian:bookworm-slim", "debian:bookworm-slim"),
        ("ubuntu:22.04", "ubuntu:22.04"),
        ("alpine:3.20", None),
        ("golang:1.22-bookworm", None),  # a Debian image, but not one to run on
    ],
)
def test_debian_runtime(base: str, runtime: str | None) -> None:
    df, stage = _stage(f"FROM {base}\nRUN true\n")
    assert helpers.debian_runtime(df, stage) == runtime


def test_stage_commands_follow_cd() -> None:
    df, stage = _stage("FROM debian\nWORKDIR /src\nRUN make && cd build && make install && cd - && ls\n")
    found = [(command.program, cwd) for _, command, cwd in helpers.stage_commands(df, stage)]
    assert found == [("make", "/src"), ("cd", "/src"), ("make", "/src/build"), ("cd", "/src/build"), ("ls", None)]


@pytest.mark.parametrize(
    "run",
    ['RUN ["make"]', "RUN make && (", 'SHELL ["pwsh", "-c"]\nRUN make'],
)
def test_stage_commands_of_runs_that_cannot_be_read(run: str) -> None:
    df, stage = _stage(f"FROM debian\n{run}\n")
    assert helpers.stage_commands(df, stage) is None


def test_redirected_files() -> None:
    df, stage = _stage(
        "FROM debian\nWORKDIR /app\nRUN echo x > /etc/motd 2>&1 && echo y >> log.txt && cat < /dev/null\n"
    )
    assert helpers.redirected_files(df, stage) == [("/etc/motd", "/app"), ("log.txt", "/app")]


def test_copies_left_behind() -> None:
    import re

    marker = re.compile(r"\bgo\s+build\b")
    df, stage = _stage("FROM golang\nCOPY . .\nRUN go build -o /app .\nCOPY config.yml /etc/\n")
    assert helpers.copies_left_behind(df, stage, marker) == "a COPY after the build copies files the program may need"
    df, stage = _stage("FROM golang\nCOPY --from=tools /bin/x /bin/x\nCOPY . .\nRUN go build -o /app .\n")
    assert helpers.copies_left_behind(df, stage, marker) == "a COPY --from copies files the program may need"
    df, stage = _stage("FROM golang\nCOPY . .\nRUN go build -o /app .\n")
    assert helpers.copies_left_behind(df, stage, marker) is None


def test_source_matching(tmp_path: Path) -> None:
    import re

    (tmp_path / "cmd").mkdir()
    (tmp_path / "vendor").mkdir()
    (tmp_path / "cmd" / "main.go").write_text('package main\nfunc main() { os.ReadFile("x") }\n')
    (tmp_path / "vendor" / "lib.go").write_text('os.ReadFile("y")\n')
    (tmp_path / "a_test.go").write_text('os.ReadFile("z")\n')
    context = Context(tmp_path / "Dockerfile", tmp_path)
    pattern = re.compile(r"os\.ReadFile\(")
    assert helpers.source_matching(context, ".", (".go",), pattern) == ("a_test.go", True)
    skip_tests = lambda path: path.endswith("_test.go")  # noqa: E731
    assert helpers.source_matching(context, ".", (".go",), pattern, skip_tests) == ("cmd/main.go", True)
    (tmp_path / "cmd" / "main.go").write_text("package main\n")
    assert helpers.source_matching(context, ".", (".go",), pattern, skip_tests) == (
        None,
        True,
    )  # vendor/ is not searched
    assert helpers.source_matching(context, ".", (".go",), pattern, skip_tests, limit=0) == (None, False)
    assert helpers.source_matching(Context(), ".", (".go",), pattern) == (None, False)  # no build context


# ---- each stack's detection

NO_CONTEXT = Context()


@pytest.mark.parametrize("module", [go, c, python, node, java, others])
def test_a_stage_that_builds_nothing_is_no_stacks(module) -> None:
    df, stage = _stage(
        'FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\nCMD ["curl", "--version"]\n'
    )
    assert module.recognise(df, stage, NO_CONTEXT) is None


def test_go_static_binary() -> None:
    df, stage = _stage(
        'FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /usr/local/bin/app ./cmd/app\nCMD ["app"]\n'
    )
    plan = go.recognise(df, stage, NO_CONTEXT)
    assert isinstance(plan, Plan)
    assert (plan.runtime, plan.has_shell) == ("scratch", False)
    # the golang image has CA certificates, which a static binary reads for TLS
    assert plan.artifacts == (
        Artifact("/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/certs/ca-certificates.crt"),
        Artifact("/usr/local/bin/app", "/usr/local/bin/app"),
    )


def test_go_dynamic_binary_needs_the_release() -> None:
    df, stage = _stage(
        'FROM golang:1.22-bookworm\nCOPY . /src\nWORKDIR /src\nRUN go build -o /usr/local/bin/app .\nCMD ["app"]\n'
    )
    plan = go.recognise(df, stage, NO_CONTEXT)
    assert isinstance(plan, Plan) and plan.runtime == "debian:bookworm-slim"
    df, stage = _stage(
        'FROM golang:1.22\nCOPY . /src\nWORKDIR /src\nRUN go build -o /usr/local/bin/app .\nCMD ["app"]\n'
    )
    assert isinstance(go.recognise(df, stage, NO_CONTEXT), Suggestion)


@pytest.mark.parametrize(
    ("run", "reason"),
    [
        ("go build .", "go.mod is not in the build context"),  # the WORKDIR's name is not enough
        ("go build", "go.mod is not in the build context"),
        ("cd $DIR && go build -o app", "path is not known"),  # relative to a directory dockopt cannot follow
        ("go build ./...", "several packages writes no single binary"),
        ("go build ./cmd/a ./cmd/b", "several packages writes no single binary"),
        ("go build ./api/v2", "named `v2` or after its parent"),  # module mode decides
        ("GOOS=windows go build ./cmd/app", "cross-compiles"),  # app.exe
        ("go build -buildmode=c-shared ./cmd/app", "does not write a program"),
        ("go build -frob ./cmd/app", "`-frob`, which dockopt does not know"),
        ("go build $PKG", "a word that expands"),
        ("go build -o $OUT ./cmd/app", "`go build -o` is given a word that expands"),
        ("go install main.go", "no install directory"),
    ],
)
def test_go_output_unknown(run: str, reason: str) -> None:
    df, stage = _stage(f'FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 {run}\nCMD ["app"]\n')
    suggestion = go.recognise(df, stage, NO_CONTEXT)
    assert isinstance(suggestion, Suggestion) and reason in suggestion.reason


@pytest.mark.parametrize(
    ("run", "binary"),
    [
        # Go's rule: the package's last import path element that is not a major version
        ("go build ./cmd/app", "/src/app"),
        ("go build -v -ldflags '-s -w' -trimpath ./cmd/app/", "/src/app"),
        ('go build -ldflags="-X main.v=$VERSION" ./cmd/app', "/src/app"),  # a flag's value may expand
        ("go build main.go util.go", "/src/main"),  # files: the first one's name
        ("go build /src/main.go", "/src/main"),
        ("cd cmd/app && go build -o app", "/src/cmd/app/app"),
        ("go build -o /out/ ./cmd/app", "/out/app"),  # into a directory: its own name
        ("go build github.com/acme/tool/cmd/app", "/src/app"),
        ("go install ./cmd/app", "/go/bin/app"),  # the golang image's GOPATH is /go
        ("GOBIN=/usr/local/bin go install ./cmd/app", "/usr/local/bin/app"),
        ("go install github.com/acme/app/v3@v3.1.0", "/go/bin/app"),  # module mode: the version is skipped
    ],
)
def test_go_binary_named_by_gos_rule(run: str, binary: str) -> None:
    df, stage = _stage(f'FROM golang:1.22\nWORKDIR /src\nENV CGO_ENABLED=0\nCOPY . .\nRUN {run}\nCMD ["{binary}"]\n')
    plan = go.recognise(df, stage, NO_CONTEXT)
    assert isinstance(plan, Plan) and plan.artifacts[-1] == Artifact(binary, binary)


@pytest.mark.parametrize(
    ("module", "run", "binary"),
    [
        ("example.com/hello", "go build", "/src/hello"),  # the module root: the module path's last element
        ("example.com/hello/v2", "go build .", "/src/hello"),
        ("example.com/hello/v2", "go build ./v3", "/src/v2"),  # example.com/hello/v2/v3
        ('"example.com/quoted"', "go install", "/go/bin/quoted"),
        ("example.com/hello", "cd cmd && go build", "/src/cmd/cmd"),  # below the root: the directory's name
    ],
)
def test_go_binary_named_after_the_module(tmp_path: Path, module: str, run: str, binary: str) -> None:
    (tmp_path / "go.mod").write_text(f"module {module}\n\ngo 1.22\n")
    (tmp_path / "main.go").write_text("package main\n\nfunc main() {}\n")
    text = f'FROM golang:1.22\nWORKDIR /src\nENV CGO_ENABLED=0\nCOPY . .\nRUN {run}\nCMD ["{binary}"]\n'
    (tmp_path / "Dockerfile").write_text(text)
    df, stage = _stage(text)
    plan = go.recognise(df, stage, Context(tmp_path / "Dockerfile", tmp_path))
    assert isinstance(plan, Plan) and plan.artifacts[-1] == Artifact(binary, binary)


def test_go_install_of_a_tool_is_not_the_program() -> None:
    """A stage that installs a Go tool for its program to use is not a Go build."""
    df, stage = _stage(
        'FROM golang:1.22\nRUN go install github.com/acme/migrate@v1.0.0\nCOPY app.py /\nCMD ["python3", "/app.py"]\n'
    )
    assert go.recognise(df, stage, NO_CONTEXT) is None


def test_go_output_after_cd_to_an_absolute_path() -> None:
    df, stage = _stage(
        'FROM golang:1.22\nCOPY . /src\nRUN cd /src && CGO_ENABLED=0 go build -o /usr/local/bin/app .\nCMD ["app"]\n'
    )
    plan = go.recognise(df, stage, NO_CONTEXT)
    assert isinstance(plan, Plan) and plan.artifacts[-1] == Artifact("/usr/local/bin/app", "/usr/local/bin/app")


def test_c_program() -> None:
    df, stage = _stage(
        "FROM debian:bookworm\nRUN apt-get update && apt-get install -y gcc libc6-dev\nCOPY hello.c /src/\n"
        'RUN gcc -O2 -o /usr/local/bin/hello /src/hello.c\nCMD ["hello"]\n'
    )
    plan = c.recognise(df, stage, NO_CONTEXT)
    assert isinstance(plan, Plan)
    assert (plan.runtime, plan.artifacts, plan.setup) == (
        "debian:bookworm-slim",
        (Artifact("/usr/local/bin/hello", "/usr/local/bin/hello"),),
        (),
    )


def _c_with(image: str, packages: str) -> Plan | Suggestion | None:
    df, stage = _stage(
        f"FROM {image}\nRUN apt-get update && apt-get install -y gcc {packages}\nCOPY a.c /src/\n"
        'RUN gcc -o /usr/local/bin/a /src/a.c -lssl\nCMD ["a"]\n'
    )
    return c.recognise(df, stage, NO_CONTEXT)


def test_c_program_with_dev_libraries() -> None:
    plan = _c_with("debian:bookworm", "libssl-dev libcurl4-gnutls-dev curl")
    assert isinstance(plan, Plan)
    install = "RUN apt-get update && apt-get install -y --no-install-recommends curl libcurl3-gnutls libssl3"
    assert plan.setup == (f"{install} && rm -rf /var/lib/apt/lists/*",)


@pytest.mark.parametrize(
    ("image", "packages", "shown", "why"),
    [
        # libssl's soname changed between releases: a tag that names none is not enough
        ("gcc:13", "libssl-dev zlib1g-dev", "libssl-dev", "names no release"),
        ("ubuntu:22.04", "libssl-dev", "libssl-dev", "names no release"),
        # known on Debian 12 only
        ("debian:bullseye", "libreadline-dev", "libreadline-dev", "not known on Debian bullseye"),
        # a -dev package whose library is not known on any release
        ("debian:bookworm", "libboost-all-dev zlib1g-dev", "libboost-all-dev", None),
    ],
)
def test_c_runtime_libraries_not_known(image: str, packages: str, shown: str, why: str | None) -> None:
    suggestion = _c_with(image, packages)
    assert isinstance(suggestion, Suggestion)
    assert f"runtime libraries of {shown}" in suggestion.reason
    assert "zlib1g-dev" not in suggestion.reason  # zlib1g is zlib1g in every release
    assert suggestion.reason.endswith(why) if why else suggestion.reason.endswith(shown)


def test_c_runtime_library_of_a_named_older_release() -> None:
    plan = _c_with("debian:bullseye", "libssl-dev")
    assert isinstance(plan, Plan) and plan.runtime == "debian:bullseye-slim"
    assert "libssl1.1" in str(plan.setup[0]).split()


def test_c_zlib_on_any_release() -> None:
    plan = _c_with("ubuntu:16.04", "zlib1g-dev")
    assert isinstance(plan, Plan) and "zlib1g" in str(plan.setup[0]).split()


def test_python_with_compilers() -> None:
    df, stage = _stage(
        "FROM python:3.12\nRUN apt-get update && apt-get install -y gcc\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN python -m venv /opt/venv && /opt/venv/bin/pip install -r requirements.txt\nCOPY . .\n"
        'CMD ["/opt/venv/bin/python", "app.py"]\n'
    )
    plan = python.recognise(df, stage, NO_CONTEXT)
    assert isinstance(plan, Plan)
    assert plan.runtime == "python:3.12-slim"
    assert plan.artifacts[0] == Artifact("/opt/venv", "/opt/venv")


def test_python_without_compilers_is_slim_bases_business() -> None:
    df, stage = _stage('FROM python:3.12\nRUN pip install flask\nCMD ["flask", "run"]\n')
    assert python.recognise(df, stage, NO_CONTEXT) is None


def test_python_with_compilers_from_apk() -> None:
    df, stage = _stage(
        'FROM python:3.12-alpine\nRUN apk add gcc musl-dev libffi-dev curl && pip install uwsgi\nCMD ["uwsgi"]\n'
    )
    plan = python.recognise(df, stage, NO_CONTEXT)
    assert isinstance(plan, Plan)
    assert plan.runtime == "python:3.12-alpine"
    assert plan.setup[0] == "RUN apk add --no-cache curl libffi libgcc"


def test_python_with_compilers_from_yum() -> None:
    df, stage = _stage(
        "FROM fedora:40\nRUN dnf install -y gcc python3-devel python3 && python3 -m venv /v && /v/bin/pip install uwsgi\n"
        'CMD ["/v/bin/uwsgi"]\n'
    )
    suggestion = python.recognise(df, stage, NO_CONTEXT)
    assert isinstance(suggestion, Suggestion) and "another package manager" in suggestion.reason


def test_node_needs_the_build_context() -> None:
    df, stage = _stage(
        'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nCMD ["node", "dist/server.js"]\n'
    )
    suggestion = node.recognise(df, stage, NO_CONTEXT)
    assert isinstance(suggestion, Suggestion) and "package.json cannot be read" in suggestion.reason


def test_node_build(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(
        '{"name": "app", "scripts": {"build": "tsc"}, "dependencies": {"pino": "^9"}, "devDependencies": {"typescript": "^5"}}'
    )
    (tmp_path / "package-lock.json").write_text("{}")
    (tmp_path / "tsconfig.json").write_text('{"compilerOptions": {"outDir": "dist"}}')
    text = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nCMD ["node", "dist/server.js"]\n'
    (tmp_path / "Dockerfile").write_text(text)
    df, stage = _stage(text)
    plan = node.recognise(df, stage, Context(tmp_path / "Dockerfile", tmp_path))
    assert isinstance(plan, Plan)
    assert plan.runtime == "node:20-slim"
    assert Artifact("/app/dist", "/app/dist") in plan.artifacts


def test_node_without_a_build_step_is_no_node_build() -> None:
    df, stage = _stage('FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "server.js"]\n')
    assert node.recognise(df, stage, NO_CONTEXT) is None


# what each tool does when a package.json script runs it: `tsc --noEmit` only checks types,
# `webpack serve`, `vite` and `next dev` serve, `--watch` never ends; the others write a build
@pytest.mark.parametrize(
    ("scripts", "call", "builds"),
    [
        ({"dist": "webpack --mode production"}, "npm run dist", True),
        ({"dist": "npm run copy & webpack --env=dist", "copy": "cp a b"}, "npm run dist", True),
        ({"dist": "npm run clean && npm run compile", "clean": "rimraf lib", "compile": "tsc"}, "npm run dist", True),
        ({"bundle": "cross-env NODE_ENV=production rollup -c"}, "yarn bundle", True),
        ({"bundle": "vite build"}, "yarn run bundle", True),
        ({"prod": "ng build --configuration production"}, "pnpm run prod", True),
        ({"release": "echo go", "prerelease": "next build"}, "npm run release", True),
        ({"generate": "node scripts/generate.js"}, "npm run generate", False),
        ({"check": "tsc --noEmit"}, "npm run check", False),
        ({"dev": "webpack serve"}, "npm run dev", False),
        ({"dev": "vite"}, "npm run dev", False),
        ({"dev": "next dev"}, "npm run dev", False),
        ({"loop": "npm run loop"}, "npm run loop", False),
        ({"dist": "webpack"}, "npm run other", False),
    ],
)
def test_node_build_scripts(tmp_path: Path, scripts: dict[str, str], call: str, builds: bool) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"name": "app", "scripts": scripts}))
    text = f'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && {call}\nCMD ["node", "dist/main.js"]\n'
    (tmp_path / "Dockerfile").write_text(text)
    df, stage = _stage(text)
    found = node.recognise(df, stage, Context(tmp_path / "Dockerfile", tmp_path))
    assert (found is not None) is builds


def test_node_build_script_without_the_build_context_is_no_node_build() -> None:
    df, stage = _stage(
        'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run dist\nCMD ["node", "dist/main.js"]\n'
    )
    assert node.recognise(df, stage, NO_CONTEXT) is None


def test_java_maven_jar() -> None:
    df, stage = _stage(
        "FROM maven:3.9-eclipse-temurin-17\nWORKDIR /app\nCOPY . .\nRUN mvn -B package -DskipTests\n"
        'CMD ["java", "-jar", "target/app.jar"]\n'
    )
    plan = java.recognise(df, stage, NO_CONTEXT)
    assert isinstance(plan, Plan)
    assert plan.runtime == "eclipse-temurin:17-jre"
    assert any(a.source == "/app/target/app.jar" for a in plan.artifacts)


def test_java_release_with_no_jre_image() -> None:
    df, stage = _stage(
        'FROM maven:3.9-eclipse-temurin-18\nWORKDIR /app\nCOPY . .\nRUN mvn package\nCMD ["java", "-jar", "target/app.jar"]\n'
    )
    suggestion = java.recognise(df, stage, NO_CONTEXT)
    assert isinstance(suggestion, Suggestion) and "no JRE for Java 18" in suggestion.reason


@pytest.mark.parametrize(
    ("run", "detected"),
    [
        ("cargo build --release", True),
        ("cargo install --path . --release", True),
        ("cargo build", False),
        ("cargo test", False),
    ],
)
def test_rust_is_only_suggested(run: str, detected: bool) -> None:
    df, stage = _stage(f'FROM rust:1.79\nWORKDIR /app\nCOPY . .\nRUN {run}\nCMD ["app"]\n')
    found = others.recognise(df, stage, NO_CONTEXT)
    assert (isinstance(found, Suggestion) and found.stack == "rust") if detected else found is None


def test_recognise_asks_each_stack() -> None:
    df, stage = _stage("FROM rust:1.79\nRUN cargo build --release\n")
    assert stacks.recognise(df, stage, NO_CONTEXT).stack == "rust"
    df, stage = _stage('FROM debian\nCMD ["bash"]\n')
    assert stacks.recognise(df, stage, NO_CONTEXT) is None
