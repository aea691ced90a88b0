"""The import graph of the dockopt package, read from its source: no cycle, and no transform
imports another transform.

Every `import` and `from ... import` counts, those inside functions too (an import deferred
into a function hides a cycle, it does not remove it). A module importing a name from a
package depends on the package's `__init__`; the parent packages Python imports on the way
to a submodule do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TRANSFORMS = "dockopt.transforms"


def modules(root: Path, package: str) -> dict[str, Path]:
    """Every module of ``package`` under ``root``, by dotted name (a package by its own name)."""
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of ``known`` that the module ``name`` (at ``path``) imports, anywhere in it."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # `from pkg import sub` imports the submodule; `from pkg import name`, the package
            targets = [f"{prefix}.{a.name}" if f"{prefix}.{a.name}" in known else prefix for a in node.names]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


def import_graph(root: Path = ROOT, package: str = "dockopt") -> dict[str, set[str]]:
    known = modules(root, package)
    return {name: imported(name, path, known) for name, path in known.items()}


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph (its modules in import order, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return path[path.index(target) :] + [target]
            if target not in state:
                found = visit(target)
                if found is not None:
                    return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state:
            found = visit(module)
            if found is not None:
                return found
    return None


def transform_imports(graph: dict[str, set[str]], package: str = TRANSFORMS) -> set[tuple[str, str]]:
    """(importer, imported) where a module of the transforms ``package`` imports another
    module of it, or the package itself (only the package's ``__init__`` lists them)."""
    return {
        (module, target)
        for module, targets in graph.items()
        if module.startswith(package + ".")
        for target in targets
        if target == package or target.startswith(package + ".")
    }


def test_dockopt_has_no_import_cycle() -> None:
    found = cycle(import_graph())
    assert found is None, "import cycle: " + " -> ".join(found)


def test_no_transform_imports_another_transform() -> None:
    found = transform_imports(import_graph())
    assert not found, "a transform imports another: " + ", ".join(f"{a} imports {b}" for a, b in sorted(found))


def test_the_transforms_package_lists_every_transform_module() -> None:
    graph = import_graph()
    listed = {t for t in graph[TRANSFORMS] if t.startswith(TRANSFORMS + ".")}
    assert listed == {m for m in graph if m.startswith(TRANSFORMS + ".")}


def _package(root: Path, files: dict[str, str]) -> dict[str, set[str]]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return import_graph(root, "pkg")


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # a package and a submodule that takes a helper from it (stacks/__init__ before issue 13)
        (
            {
                "pkg/__init__.py": "",
                "pkg/s/__init__.py": "from . import go\nHELP = 1\n",
                "pkg/s/go.py": "from . import HELP\n",
            },
            ["pkg.s", "pkg.s.go", "pkg.s"],
        ),
        # the import that closes the cycle is inside a function
        (
            {
                "pkg/__init__.py": "",
                "pkg/a.py": "from .b import f\n",
                "pkg/b.py": "def f():\n    from .c import g\n    return g\n",
                "pkg/c.py": "import pkg.a\n",
            },
            ["pkg.a", "pkg.b", "pkg.c", "pkg.a"],
        ),
        # relative imports two levels up, and `from pkg import module`
        (
            {
                "pkg/__init__.py": "",
                "pkg/x/__init__.py": "",
                "pkg/x/y.py": "from ..z import q\n",
                "pkg/z.py": "from pkg.x import y\n",
            },
            ["pkg.x.y", "pkg.z", "pkg.x.y"],
        ),
        # the shared helpers in a module of their own: no cycle
        (
            {
                "pkg/__init__.py": "",
                "pkg/s/__init__.py": "from . import go\n",
                "pkg/s/common.py": "HELP = 1\n",
                "pkg/s/go.py": "from .common import HELP\n",
            },
            None,
        ),
    ],
)
def test_cycle_finds_cycles_through_any_import(
    tmp_path: Path, files: dict[str, str], expected: list[str] | None
) -> None:
    assert cycle(_package(tmp_path, files)) == expected


def test_transform_imports_names_a_transform_importing_another(tmp_path: Path) -> None:
    graph = _package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/transforms/__init__.py": "from .a import a\nfrom .b import b\n",
            "pkg/transforms/a.py": "def a():\n    from .b import helper\n",
            "pkg/transforms/b.py": "from ..shared import x\ndef b(): pass\ndef helper(): pass\n",
            "pkg/shared.py": "x = 1\n",
        },
    )
    assert transform_imports(graph, "pkg.transforms") == {("pkg.transforms.a", "pkg.transforms.b")}
