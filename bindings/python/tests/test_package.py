"""The package as shipped: stubs that cover the API, docstrings, and the install command."""

from __future__ import annotations

import ast
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import loyalty
from conftest import build_dir

PACKAGE = Path(loyalty.__file__).resolve().parent


def stub_tree() -> ast.Module:
    return ast.parse((PACKAGE / "__init__.pyi").read_text())


def test_the_package_is_typed() -> None:
    assert (PACKAGE / "py.typed").exists()


def names_in(body: list[ast.stmt]) -> set[str]:
    """The functions, classes and annotated names a stub body declares."""
    names = set()
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def test_stubs_declare_every_public_name_and_member() -> None:
    tree = stub_tree()
    assert sorted(set(loyalty.__all__) - names_in(tree.body)) == []
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    for name in loyalty.__all__:
        obj = getattr(loyalty, name)
        if inspect.isclass(obj) and not issubclass(obj, BaseException):
            public = {m for m in vars(obj) if not m.startswith("_")}
            assert public - names_in(classes[name].body) == set(), name


def test_every_public_name_has_a_docstring() -> None:
    for name in loyalty.__all__:
        obj = getattr(loyalty, name)
        if callable(obj):
            assert obj.__doc__, name
    for method in ("process", "process_many", "process_file", "dry_run", "explain", "tick",
                   "redeem", "adjust", "member", "stats", "forget", "flush"):
        assert getattr(loyalty.Engine, method).__doc__, method


def cache_value(build: Path, name: str) -> str:
    text = (build / "CMakeCache.txt").read_text()
    match = re.search(rf"^{name}:[A-Z]+=(.*)$", text, re.MULTILINE)
    assert match, name
    return match.group(1)


def test_the_documented_install_command_installs_an_importable_package(tmp_path: Path) -> None:
    build = build_dir()
    # The README's command, into a staging root (DESTDIR) instead of the real site-packages.
    subprocess.run(["cmake", "--install", str(build), "--component", "python"], check=True,
                   capture_output=True, env={**os.environ, "DESTDIR": str(tmp_path)})
    target = Path(cache_value(build, "LOYALTY_PYTHON_INSTALL_DIR"))
    site = tmp_path / target.relative_to(target.anchor)
    assert sorted(p.name for p in (site / "loyalty").iterdir() if p.suffix != ".so") == [
        "__init__.py", "__init__.pyi", "_errors.py", "_records.py", "_simulate.py", "py.typed"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    code = ("import loyalty; "
            "e = loyalty.Engine(loyalty.compile('program \"p\"\\nrule w on enroll { award 5 points }')); "
            "print(loyalty.__file__); "
            "print(e.process({'id':'e','type':'enroll','member':'m','time':'2026-01-01T00:00:00Z'}).points)")
    result = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                            text=True, env=env, cwd=tmp_path)
    module_file, points = result.stdout.split()
    assert Path(module_file).is_relative_to(site) and points == "5"
