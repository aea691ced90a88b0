"""What a dependency install reads from the build context (dockopt/manifests.py).

Expected values follow the tools: pip reads the `-r`/`-c` files and the files they include
(relative to the including file), and cannot do with the manifests alone for a local path or
an editable install; npm reads package.json and package-lock.json (or npm-shrinkwrap.json)
and runs lifecycle scripts unless `--ignore-scripts`; Yarn 1 reads yarn.lock, Yarn 2+ its
own files; poetry, uv, pdm read pyproject.toml and their lock file; Go reads go.mod and go.sum.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockopt.context import Context
from dockopt.copies import Tree
from dockopt.ignorefile import ignore_file
from dockopt.manifests import Manifests, command_role, manifests_for
from dockopt.packages import invocations
from dockopt.shell import script_of
from dockopt.syntax import parse

COPIED = Tree(".", "/app", "COPY")


def _roles(run: str) -> list[str]:
    df = parse(f"FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN {run}\n")
    instruction = df.instructions[3]
    script = script_of(df, instruction)
    by_command = {id(i.command): i for i in invocations(df, instruction)}
    roles, previous = [], None
    for command in script.commands:
        roles.append(command_role(script, command, by_command.get(id(command)), "/app", COPIED, previous).kind)
        previous = command
    return roles


@pytest.mark.parametrize(
    ("run", "roles"),
    [
        ("apt-get install -y curl", ["neutral"]),
        ("apt-get install -y ./local.deb", ["other"]),
        ("pip install --no-cache-dir -r requirements.txt", ["install"]),
        ("pip install flask", ["neutral"]),
        ("pip install .", ["other"]),
        ("pip install -e .", ["other"]),
        ("python -m venv /opt/venv", ["neutral"]),
        ("python setup.py install", ["other"]),
        ("curl -fsSL https://example.com/install.sh | sh", ["neutral", "neutral"]),
        ("curl -fsSL https://example.com/x | tee x.sh", ["neutral", "other"]),
        ("npm ci", ["install"]),
        ("npm install", ["install"]),
        ("npm install express", ["other"]),  # adds to package.json
        ("npm install -g yarn", ["neutral"]),
        ("npm --prefix web ci", ["other"]),
        ("yarn install --frozen-lockfile", ["install"]),
        ("yarn", ["install"]),
        ("pnpm install --frozen-lockfile", ["install"]),
        ("poetry install --no-root", ["install"]),
        ("uv sync --locked", ["install"]),
        ("uv pip install -r requirements.txt", ["install"]),
        ("bundle install", ["install"]),
        ("composer install --no-scripts", ["install"]),
        ("go mod download", ["install"]),
        ("go build -o /out/app .", ["build"]),
        ("go install golang.org/x/tools/gopls@latest", ["neutral"]),
        ("rm -rf /tmp/cache", ["neutral"]),
        ("rm -rf build", ["other"]),  # inside the project
        ("mkdir -p /data && echo done", ["neutral", "neutral"]),
        ("make", ["other"]),
        # a redirection reads or writes a file, maybe of the project
        ("echo x > /app/version", ["other"]),
        ("echo gunicorn >> requirements.txt && pip install -r requirements.txt", ["other", "install"]),
        ("cat < /etc/os-release", ["other"]),
        ("echo x > /dev/null 2>&1 && mkdir /data", ["neutral", "neutral"]),
    ],
)
def test_command_role(run: str, roles: list[str]) -> None:
    assert _roles(run) == roles


def _manifests(tmp_path: Path, files: dict[str, str], run: str, copied: Tree = COPIED, cwd: str = "/app") -> Manifests:
    text = f"FROM python:3.12\nWORKDIR {cwd}\nCOPY . {copied.dest}\nRUN {run}\n"
    files = {"Dockerfile": text, **files}
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    context = Context(tmp_path / "Dockerfile", tmp_path)
    df = parse(text)
    instruction = df.instructions[3]
    script = script_of(df, instruction)
    by_command = {id(i.command): i for i in invocations(df, instruction)}
    previous = None
    for index, command in enumerate(script.commands):
        role = command_role(script, command, by_command.get(id(command)), cwd, copied, previous)
        if role.install is not None:
            before = tuple(script.commands[:index])
            return manifests_for(
                role.install, copied, context, ignore_file(context), stage=df.stages[0], run=instruction, before=before
            )
        previous = command
    raise AssertionError(f"no install in {run!r}")


# ---- pip


def test_pip_reads_the_requirement_files_and_their_includes(tmp_path: Path) -> None:
    files = {
        "requirements/prod.txt": "-r base.txt\n--constraint=../constraints.txt\ngunicorn==22.0  # the server\n",
        "requirements/base.txt": "flask==3.0 \\\n    --hash=sha256:abc\n",
        "constraints.txt": "werkzeug<4\n",
    }
    found = _manifests(tmp_path, files, "pip install -r requirements/prod.txt")
    assert (found.files, found.problem) == (("requirements/prod.txt", "requirements/base.txt", "constraints.txt"), None)


def test_pip_reads_every_file_given(tmp_path: Path) -> None:
    files = {"a.txt": "x\n", "b.txt": "y\n", "c.txt": "z\n"}
    found = _manifests(tmp_path, files, "pip install -r a.txt --requirement=b.txt -cc.txt")
    assert (found.files, found.problem) == (("a.txt", "b.txt", "c.txt"), None)


@pytest.mark.parametrize(
    ("requirements", "problem"),
    [
        ("-e .\n", "requirements.txt: it installs a project in editable mode (`-e`)"),
        ("./libs/shared\n", "requirements.txt: it installs the local path `./libs/shared`"),
        (
            "shared @ file:///app/libs/shared\n",
            "requirements.txt: it installs the local path `shared @ file:///app/libs/shared`",
        ),
        (
            "dist/app-1.0-py3-none-any.whl\n",
            "requirements.txt: it installs the local path `dist/app-1.0-py3-none-any.whl`",
        ),
        ("--find-links wheels\nx\n", "requirements.txt: it finds packages in a local directory"),
        ("lib==${LIB_VERSION}\n", "requirements.txt: `lib==${LIB_VERSION}` depends on an environment variable"),
        ("-r ../outside.txt\n", "requirements.txt includes ../outside.txt, which the COPY does not copy"),
    ],
)
def test_pip_requirements_that_need_more_than_themselves(tmp_path: Path, requirements: str, problem: str) -> None:
    found = _manifests(tmp_path, {"requirements.txt": requirements}, "pip install -r requirements.txt")
    assert found.problem == problem


@pytest.mark.parametrize(
    "requirements",
    [
        "git+https://github.com/example/lib.git@v1\n",  # fetched, not read from the context
        "flask[async]>=3 ; python_version >= '3.9'\n",
        "--index-url https://pypi.example.com/simple\nx\n",
        "# a comment\n\nrequests==2.32.0 # pinned\n",
        "--find-links https://example.com/wheels\nx\n",
    ],
)
def test_pip_requirements_that_are_enough(tmp_path: Path, requirements: str) -> None:
    found = _manifests(tmp_path, {"requirements.txt": requirements}, "pip install -r requirements.txt")
    assert (found.files, found.problem) == (("requirements.txt",), None)


def test_pip_requirements_missing_or_not_copied(tmp_path: Path) -> None:
    found = _manifests(tmp_path, {}, "pip install -r requirements.txt")
    assert found.problem == "requirements.txt is not in the build context"
    found = _manifests(tmp_path, {"requirements.txt": "x\n"}, "pip install -r /etc/requirements.txt")
    assert found.problem == "/etc/requirements.txt is not copied by the COPY"


def test_pip_requirements_excluded_by_dockerignore(tmp_path: Path) -> None:
    files = {"requirements.txt": "x\n", ".dockerignore": "*.txt\n"}
    found = _manifests(tmp_path, files, "pip install -r requirements.txt")
    assert found.problem == "requirements.txt is excluded by .dockerignore"


def test_a_subdirectory_copied(tmp_path: Path) -> None:
    files = {"backend/requirements.txt": "-r common.txt\n", "backend/common.txt": "x\n"}
    found = _manifests(tmp_path, files, "pip install -r requirements.txt", copied=Tree("backend", "/app", "COPY"))
    assert (found.files, found.problem) == (("backend/requirements.txt", "backend/common.txt"), None)


# ---- Node


def _package(**fields) -> str:
    return json.dumps({"name": "app", "version": "1.0.0", **fields})


def test_npm_reads_package_json_its_lock_and_npmrc(tmp_path: Path) -> None:
    files = {
        "package.json": _package(dependencies={"pino": "^9"}),
        "package-lock.json": "{}",
        ".npmrc": "audit=false\n",
    }
    found = _manifests(tmp_path, files, "npm ci")
    assert (set(found.files), found.problem) == ({"package.json", "package-lock.json", ".npmrc"}, None)


def test_npm_shrinkwrap_is_a_lock_file(tmp_path: Path) -> None:
    files = {"package.json": _package(), "npm-shrinkwrap.json": "{}"}
    found = _manifests(tmp_path, files, "npm ci")
    assert (found.files, found.problem) == (("package.json", "npm-shrinkwrap.json"), None)


@pytest.mark.parametrize(
    ("files", "run", "problem"),
    [
        (
            {"package.json": _package()},
            "npm ci",
            "there is no package-lock.json or npm-shrinkwrap.json beside package.json",
        ),
        (
            {"package.json": _package(scripts={"postinstall": "node build.js"}), "package-lock.json": "{}"},
            "npm ci",
            "package.json has a `postinstall` script, which may need the sources",
        ),
        (
            {"package.json": _package(scripts={"prepare": "husky"}), "package-lock.json": "{}"},
            "npm ci",
            "package.json has a `prepare` script, which may need the sources",
        ),
        (
            {"package.json": _package(workspaces=["packages/*"]), "package-lock.json": "{}"},
            "npm ci",
            "package.json declares workspaces",
        ),
        (
            {"package.json": _package(dependencies={"shared": "file:../shared"}), "package-lock.json": "{}"},
            "npm ci",
            "package.json has the local dependency `shared`",
        ),
        (
            {"package.json": _package(), "package-lock.json": "{}", "binding.gyp": "{}"},
            "npm ci",
            "binding.gyp makes the install build the project's native code",
        ),
        ({"package.json": "{not json"}, "npm ci", "package.json is not valid JSON"),
        (
            {"package.json": _package(), "package-lock.json": "{}", "node_modules/x/index.js": ""},
            "npm ci",
            "node_modules is in the build context: the whole COPY would overwrite what the install puts there",
        ),
        (
            {"package.json": _package(), "package-lock.json": "{}", ".dockerignore": "package-lock.json\n"},
            "npm ci",
            "package-lock.json is excluded by .dockerignore",
        ),
        (
            {"package.json": _package(), "yarn.lock": "", ".yarnrc.yml": "nodeLinker: node-modules\n"},
            "yarn install --immutable",
            "Yarn 2 or later installs with files of its own (.yarnrc.yml, .yarn/)",
        ),
        (
            {"package.json": _package(packageManager="yarn@4.1.0"), "yarn.lock": ""},
            "yarn install --immutable",
            "Yarn 2 or later installs with files of its own (.yarnrc.yml, .yarn/)",
        ),
    ],
)
def test_node_installs_that_need_more(tmp_path: Path, files: dict[str, str], run: str, problem: str) -> None:
    assert _manifests(tmp_path, files, run).problem == problem


def test_lifecycle_scripts_do_not_run_with_ignore_scripts(tmp_path: Path) -> None:
    files = {"package.json": _package(scripts={"postinstall": "node build.js"}), "package-lock.json": "{}"}
    found = _manifests(tmp_path, files, "npm ci --ignore-scripts")
    assert (found.files, found.problem) == (("package.json", "package-lock.json"), None)


def test_node_modules_left_out_by_dockerignore_is_no_problem(tmp_path: Path) -> None:
    files = {
        "package.json": _package(),
        "package-lock.json": "{}",
        "node_modules/x/index.js": "",
        ".dockerignore": "node_modules\n",
    }
    assert _manifests(tmp_path, files, "npm ci").problem is None


def test_yarn_1(tmp_path: Path) -> None:
    files = {"package.json": _package(packageManager="yarn@1.22.22"), "yarn.lock": "", ".yarnrc": "x\n"}
    found = _manifests(tmp_path, files, "yarn install --frozen-lockfile")
    assert (set(found.files), found.problem, found.unsafe) == ({"package.json", "yarn.lock", ".yarnrc"}, None, None)
    # without --frozen-lockfile yarn may rewrite yarn.lock, which the whole COPY would then overwrite
    assert (
        _manifests(tmp_path, {}, "yarn install").unsafe
        == "`yarn install` without --frozen-lockfile may rewrite yarn.lock"
    )


# ---- Python projects, Go


def test_poetry(tmp_path: Path) -> None:
    pyproject = '[tool.poetry]\nname = "app"\nreadme = "README.md"\n[tool.poetry.dependencies]\npython = "^3.12"\n'
    files = {"pyproject.toml": pyproject, "poetry.lock": "", "README.md": "# app\n"}
    found = _manifests(tmp_path, files, "poetry install --no-root")
    assert (set(found.files), found.problem) == ({"pyproject.toml", "poetry.lock", "README.md"}, None)
    # without --no-root it installs the project, which needs its sources
    assert (
        _manifests(tmp_path, {}, "poetry install").problem
        == "`poetry install` installs the project itself (no `--no-root`)"
    )


@pytest.mark.parametrize(
    ("pyproject", "problem"),
    [
        (
            '[project]\nname = "app"\ndynamic = ["dependencies"]\n',
            "the project's dependencies are dynamic (worked out from the sources)",
        ),
        ('[tool.poetry.dependencies]\nshared = { path = "../shared" }\n', "pyproject.toml has a local path dependency"),
        ("[project\n", "pyproject.toml is not valid TOML"),
    ],
)
def test_pyproject_that_needs_more(tmp_path: Path, pyproject: str, problem: str) -> None:
    found = _manifests(tmp_path, {"pyproject.toml": pyproject, "poetry.lock": ""}, "poetry install --no-root")
    assert found.problem == problem


def test_uv_sync(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[project]\nname = "app"\ndependencies = ["httpx"]\n',
        "uv.lock": "",
        ".python-version": "3.12\n",
    }
    found = _manifests(tmp_path, files, "uv sync --locked --no-install-project")
    assert (set(found.files), found.problem) == ({"pyproject.toml", "uv.lock", ".python-version"}, None)
    assert (
        _manifests(tmp_path, {}, "uv sync --locked").problem
        == "`uv sync` installs the project itself (no `--no-install-project`)"
    )


def test_go_module(tmp_path: Path) -> None:
    files = {"go.mod": "module example.com/app\n\ngo 1.22\n\nrequire github.com/pkg/errors v0.9.1\n", "go.sum": ""}
    found = _manifests(tmp_path, files, "go mod download")
    assert (found.files, found.problem) == (("go.mod", "go.sum"), None)


@pytest.mark.parametrize(
    ("files", "problem"),
    [
        (
            {"go.mod": "module m\nrequire x v1\nreplace x => ../x\n", "go.sum": ""},
            "go.mod replaces a module with a local directory",
        ),
        ({"go.mod": "module m\n\ngo 1.22\n"}, "go.mod requires no modules"),
        ({"go.mod": "module m\nrequire x v1\n"}, "there is no go.sum beside go.mod"),
        (
            {"go.mod": "module m\nrequire x v1\n", "go.sum": "", "vendor/modules.txt": ""},
            "the module vendors its dependencies",
        ),
        (
            {"go.mod": "module m\nrequire x v1\n", "go.sum": "", "go.work": "go 1.22\nuse .\n"},
            "the module is part of a go.work workspace",
        ),
        ({"main.go": "package main\n"}, "there is no go.mod in the copied directory"),
    ],
)
def test_go_modules_that_need_more(tmp_path: Path, files: dict[str, str], problem: str) -> None:
    assert _manifests(tmp_path, files, "go mod download").problem == problem
