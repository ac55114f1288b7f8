#!/usr/bin/env python3
"""Figures of the house's shape, for notes and reviews: ``python3 scripts/house_figures.py [-v]``.

Prints the modules at the top of core/, the imports inside functions (core, plugins), the largest import
cycle among the project's modules (a strongly connected set of the module-level import graph), and the
README's length. ``-v`` lists each import inside a function and each cycle.
"""

from __future__ import annotations

import ast
import os
import sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKIP = {"migrations", "node_modules", "__pycache__", ".venv"}


def project_modules() -> dict[str, str]:
    # (folder, what import names are relative to): the core and built-in plugins from the root, a
    # separately installed distribution (plugin_*/) from its own folder, as Python imports them
    tops = [("core", ROOT), ("plugins", ROOT)]
    for distribution in sorted(d for d in os.listdir(ROOT) if d.startswith("plugin_")):
        base = os.path.join(ROOT, distribution)
        tops += [
            (os.path.join(distribution, d), base)
            for d in os.listdir(base)
            if os.path.exists(os.path.join(base, d, "__init__.py"))
        ]
    modules = {}
    for top, base in tops:
        for folder, dirs, files in os.walk(os.path.join(ROOT, top)):
            dirs[:] = [d for d in dirs if d not in SKIP]
            for name in files:
                if name.endswith(".py"):
                    dotted = os.path.relpath(os.path.join(folder, name), base)[:-3].replace(os.sep, ".")
                    modules[dotted.removesuffix(".__init__")] = os.path.join(folder, name)
    return modules


def main(verbose: bool) -> None:
    modules = project_modules()

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    def targets(module: str, path: str, node) -> list[str]:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                parts = module.split(".")[: None if path.endswith("__init__.py") else -1]
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            # "from package import module" depends on the module; "from module import name" on the module
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        return [t for t in map(known, names) if t and t != module]

    graph, every, inside = defaultdict(set), defaultdict(set), []
    for module, path in modules.items():
        tree = ast.parse(open(path, encoding="utf-8").read())
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(function):
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        inside.append((module, node.lineno, ast.unparse(node)))
                        every[module].update(targets(module, path, node))

        def top_level(body, module=module, path=path):
            for node in body:
                if isinstance(node, ast.Import | ast.ImportFrom):
                    graph[module].update(targets(module, path, node))
                    every[module].update(targets(module, path, node))
                elif isinstance(node, ast.If | ast.Try):
                    if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                        continue  # not imported at run time
                    for block in (node.body, node.orelse, getattr(node, "finalbody", [])):
                        top_level(block, module, path)
                    for handler in getattr(node, "handlers", []):
                        top_level(handler.body, module, path)

        top_level(tree.body)

    cycles = strongly_connected(list(modules), graph)
    hidden = strongly_connected(list(modules), every)
    top = sorted(n for n in os.listdir(os.path.join(ROOT, "core")) if n.endswith(".py") and n != "__init__.py")
    of_core = [i for i in inside if i[0].split(".")[0] == "core"]
    print(f"modules at the top of core/ (besides __init__.py): {len(top)} ({', '.join(top)})")
    print(
        f"imports inside functions: {len(inside)} ({len(of_core)} in core/, "
        f"{sum(1 for i in of_core if i[0] == 'core.cli' or i[0].startswith('core.testing'))} of them in "
        "core.cli and core.testing, lazy by design)"
    )
    print(
        f"largest import cycle: {max((len(c) for c in cycles), default=0)} modules at module level, "
        f"{max((len(c) for c in hidden), default=0)} counting the imports inside functions"
    )
    print(f"README.md: {sum(1 for _ in open(os.path.join(ROOT, 'README.md'), encoding='utf-8'))} lines")
    if verbose:
        for module, line, text in inside:
            print(f"  inside a function: {module}:{line} {text}")
        for cycle in hidden:
            print("  cycle (imports inside functions included):", ", ".join(sorted(cycle)))


def strongly_connected(nodes, graph) -> list[list[str]]:
    """Tarjan's algorithm; the sets of more than one module."""
    sys.setrecursionlimit(10000)
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in nodes:
        if v not in index:
            visit(v)
    return found


if __name__ == "__main__":
    main("-v" in sys.argv)
