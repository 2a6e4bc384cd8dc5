"""The components as a package of their own: versioned, typed, self-contained, with the program's pins."""

from __future__ import annotations

import ast
import shutil
import sys
import zipfile
from pathlib import Path

import tomllib

import components
from tools.harness import PROJECT_DIR

PYPROJECT = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())
MODULES = sorted(p for p in (PROJECT_DIR / "components").glob("*.py"))


def _pins(path: Path) -> dict[str, str]:
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return dict(line.split("==") for line in lines if "==" in line)


def test_the_package_version_is_the_one_the_code_reports() -> None:
    assert PYPROJECT["project"]["version"] == components.__version__


def test_it_pins_exactly_what_the_program_runs_with() -> None:
    # The settings models validate against this cfn-lint's and botocore's AWS data: a looser pin would
    # let a consumer validate against other data than the one the program was tested with.
    declared = dict(d.split("==") for d in PYPROJECT["project"]["dependencies"])
    program = _pins(PROJECT_DIR / "requirements.txt")
    assert declared == {k: v for k, v in program.items() if k not in ("pulumi-policy", "regex")}


def test_components_import_nothing_of_the_program() -> None:
    # Another project gets only components/: an import of stack_config, wiring or tools would break it.
    third_party = {d.split("==")[0].replace("-", "_") for d in PYPROJECT["project"]["dependencies"]}
    imported: set[str] = set()
    for module in MODULES:
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    assert imported - set(sys.stdlib_module_names) - {"components"} <= third_party
    assert not imported & {"stack_config", "wiring", "tools", "policies"}


def test_the_wheel_carries_every_module_and_the_type_marker(tmp_path: Path) -> None:
    from setuptools import build_meta  # requirements-dev.txt pins a setuptools that builds wheels

    source = tmp_path / "src"  # build from a copy: setuptools writes its work files beside the sources
    shutil.copytree(PROJECT_DIR / "components", source / "components",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT_DIR / name, source / name)
    import os

    cwd = os.getcwd()
    os.chdir(source)
    try:
        wheel = build_meta.build_wheel(str(tmp_path / "dist"))
    finally:
        os.chdir(cwd)
    names = set(zipfile.ZipFile(tmp_path / "dist" / wheel).namelist())
    assert {f"components/{m.name}" for m in MODULES} | {"components/py.typed"} <= names
    assert not any(n.startswith(("stack_config", "wiring", "tools/", "policies/", "tests/")) for n in names)
