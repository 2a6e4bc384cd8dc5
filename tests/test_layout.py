"""The house's shape: modules import downwards only, without cycles, and each stays small enough to hold."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

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


def imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the project modules it imports (at module level or inside a function: a cycle is one either way).
    `from package import name` counts as importing the submodule when `name` is one."""
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                           for a in node.names]
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
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c"]]


def test_components_and_config_never_import_the_tools_or_the_pack() -> None:
    edges = imports(_modules())
    lower = [m for m in edges if m.startswith("components") or m in ("stack_config", "wiring", "__main__")]
    upward = {m: sorted(t for t in edges[m] if t.startswith(("tools", "policies", "tests"))) for m in lower}
    assert {m: t for m, t in upward.items() if t} == {}


@pytest.mark.xfail(reason="issue 25: policies/rules.py, tools/harness.py, stack_config.py and others still exceed "
                          "800 lines; remove this mark when they are split", strict=True)
def test_no_source_file_over_800_lines() -> None:
    long = {str(p.relative_to(PROJECT_DIR)): n for p in _modules().values()
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}
