"""The house's shape: modules import downwards only, without cycles, and each stays small enough to hold."""

from __future__ import annotations

import ast
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: mypy brings tomli
    import tomli as tomllib  # type: ignore[no-redef]

from tools.harness import PROJECT_DIR

SKIP = {".venv", "venv", "build", "node_modules", ".git"}
MAX_LINES = 800
"""Issue 25: no source file over 800 lines."""


def _modules() -> dict[str, Path]:
    found = {}
    for path in PROJECT_DIR.rglob("*.py"):
        relative = path.relative_to(PROJECT_DIR)
        if SKIP & set(relative.parts):
            continue
        name = ".".join(relative.with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the project modules it imports (at module level or inside a function: a cycle is one either way).
    `from package import name` counts as importing the submodule when `name` is one."""
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text())
        # Imports only the type checker runs (`if TYPE_CHECKING:`) never execute: no cycle at import time.
        typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If) and _is_type_checking(block.test)
                       for stmt in block.body for n in ast.walk(stmt)}
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # `from . import rds`, `from .types import X`, `from ..framework import Rule`
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)] if package else []
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            edges[name] |= {t for t in targets if t in modules and t != name}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_no_import_cycle() -> None:
    assert cycles(imports(_modules())) == []


def test_the_cycle_finder_finds_one() -> None:
    # The check above can fail: two modules importing each other, and a three-module ring.
    assert cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c"]]


def test_relative_imports_are_edges(tmp_path: Path) -> None:
    # A package's modules importing each other relatively (`from . import b`, `from .a import x`) can close a ring
    # too: the graph resolves them against the importing module's package.
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from . import a\n")
    (package / "a.py").write_text("from .b import x\n")
    (package / "b.py").write_text("from . import a\nx = 1\n")
    modules = {"pkg": package / "__init__.py", "pkg.a": package / "a.py", "pkg.b": package / "b.py"}
    assert imports(modules) == {"pkg": {"pkg.a"}, "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.a"}}
    assert cycles(imports(modules)) == [["pkg.a", "pkg.b"]]
    # The same ring through an import only the type checker runs is none.
    (package / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import a\nx = 1\n")
    assert imports(modules) == {"pkg": {"pkg.a"}, "pkg.a": {"pkg.b"}, "pkg.b": set()}
    assert cycles(imports(modules)) == []


def test_components_and_config_never_import_the_tools_or_the_pack() -> None:
    edges = imports(_modules())
    lower = [m for m in edges if m.startswith("components") or m in ("stack_config", "config_errors", "stack_settings", "wiring", "__main__")]
    upward = {m: sorted(t for t in edges[m] if t.startswith(("tools", "policies", "tests"))) for m in lower}
    assert {m: t for m, t in upward.items() if t} == {}


def test_no_source_file_over_800_lines() -> None:
    long = {str(p.relative_to(PROJECT_DIR)): n for p in _modules().values()
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_every_module_of_the_program_is_type_checked() -> None:
    # A new top-level module or component is checked without anyone remembering to add it.
    mypy = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["tool"]["mypy"]
    program = {p.name for p in PROJECT_DIR.glob("*.py")} | {"components"}
    assert program <= set(mypy["files"]), "add the module to [tool.mypy] files in pyproject.toml"
    strict = mypy["overrides"][0]
    assert strict["module"] == ["components", "components.*"] and strict["disallow_untyped_defs"] is True


def test_the_test_command_lints_and_type_checks_first() -> None:
    # `./run test` (the README's command, and CI's through .ci/run) runs ruff and mypy before the suite.
    line = next(line for line in (PROJECT_DIR / "run").read_text().splitlines() if line.strip().startswith("test)"))
    assert line.index("ruff check") < line.index("mypy") < line.index("pytest")
