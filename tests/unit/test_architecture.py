"""The house's shape, kept by tests: the import-linter contracts, the plugin API, no imports hidden in functions."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import core.plugin_api

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORE = os.path.join(ROOT, "core")
#: Modules that import lazily on purpose: the command starts fast whatever it is asked, and the test
#: support builds what each fixture needs.
LAZY_BY_DESIGN = {"core/cli.py", "core/testing"}


def test_the_import_contracts_hold():
    """Layers of the core, plugins through the plugin API only, no plugin imports another, the core no plugin."""
    lint = os.path.join(os.path.dirname(sys.executable), "lint-imports")
    result = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_the_plugin_api_exports_exactly_what_it_imports():
    tree = ast.parse(open(core.plugin_api.__file__, encoding="utf-8").read())
    imported = {
        alias.asname or alias.name for node in tree.body if isinstance(node, ast.ImportFrom) for alias in node.names
    }
    assert set(core.plugin_api.__all__) == imported
    assert len(core.plugin_api.__all__) == len(set(core.plugin_api.__all__))


def core_modules():
    for folder, _dirs, files in os.walk(CORE):
        for name in files:
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, ROOT)
            if (
                name.endswith(".py")
                and "migrations" not in relative.split(os.sep)
                and not any(relative == lazy or relative.startswith(lazy + os.sep) for lazy in LAZY_BY_DESIGN)
            ):
                yield relative, path


def test_no_core_module_hides_an_import_of_the_core_in_a_function():
    """An import inside a function is how an import cycle hides; the layers make none necessary. The one
    kind allowed says why on its line (``# deferred: ...``): a module whose library reads the environment
    when imported (prometheus_client and its multiprocess folder)."""
    hidden = []
    for relative, path in core_modules():
        source = open(path, encoding="utf-8").read()
        lines = source.splitlines()
        tree = ast.parse(source)
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(function):
                    if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("core", "plugins"):
                        if "# deferred: " not in lines[node.lineno - 1]:
                            hidden.append(f"{relative}:{node.lineno} {ast.unparse(node)}")
    assert hidden == []


def test_the_top_of_the_core_holds_only_its_entry_points():
    """Everything else lives in a domain package that says what it owns."""
    modules = sorted(name for name in os.listdir(CORE) if name.endswith(".py"))
    assert modules == ["__init__.py", "cli.py", "hookspecs.py", "plugin_api.py"]
    for name in os.listdir(CORE):
        package = os.path.join(CORE, name, "__init__.py")
        if os.path.exists(package) and name != "migrations":
            assert ast.get_docstring(ast.parse(open(package, encoding="utf-8").read())), (
                f"core/{name} says what it owns"
            )
