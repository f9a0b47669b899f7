"""The import graph of our packages: no cycles, one direction, small folders.

Every ``import`` and ``from ... import`` in ``scenarios/``, ``optimize/``, ``sim/``
and ``experiments/`` counts, wherever it is written (inside a function, under
``if TYPE_CHECKING:``): a cycle that only a late import hides is still a cycle.
The direction is ``experiments -> sim -> optimize``; everything may read
``scenarios``, which reads none of the others (STYLE.md, "Layout").
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("scenarios", "optimize", "sim", "experiments")
MAX_MODULES_PER_FOLDER = 12
LARGER_FOLDERS: dict[str, int] = {}
"""Folders over the limit, at most this size until they are split into sub-packages."""

KNOWN_CYCLES: list[list[str]] = []
"""Cycles that exist today and are being removed; no other cycle may appear."""

# package -> the packages of ours it may import (besides itself)
ALLOWED = {
    "scenarios": set(),
    "optimize": set(),
    "sim": {"scenarios", "optimize"},
    "experiments": {"scenarios", "optimize", "sim"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def our_modules() -> dict[str, Path]:
    return {module_name(path): path
            for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Our modules that ``name`` imports: ``from a import b`` is ``a.b`` when that is a module."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in modules else base)
    return {target for target in found if target in modules and target != name}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = our_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_walk_sees_late_and_type_checking_imports(graph):
    assert "sim.model" in graph["sim"]  # sim/__init__.py
    assert "sim.state" in graph["sim.metrics"]
    assert "experiments.simulation.run" in graph["experiments.cli"]  # inside a handler


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles(graph):
    new = [cycle for cycle in cycles(graph) if cycle not in KNOWN_CYCLES]
    assert new == [], "break these import cycles (a late import does not break a cycle)"


def test_the_known_cycles_are_still_there(graph):
    gone = [cycle for cycle in KNOWN_CYCLES if cycle not in cycles(graph)]
    assert gone == [], "broken at last: remove these from KNOWN_CYCLES"


@pytest.mark.parametrize("package", PACKAGES)
def test_dependencies_point_one_way(graph, package):
    wrong = sorted(f"{name} -> {target}" for name, targets in graph.items()
                   if name.split(".")[0] == package for target in targets
                   if target.split(".")[0] not in {package, *ALLOWED[package]})
    assert not wrong, f"{package} may import only {sorted(ALLOWED[package]) or 'itself'}"


def test_no_folder_holds_too_many_modules():
    sizes = {}
    for package in PACKAGES:
        for folder in [ROOT / package, *(ROOT / package).rglob("*/")]:
            if (folder / "__init__.py").is_file():
                modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
                sizes[module_name(folder / "__init__.py")] = len(modules)
    over = {name: size for name, size in sizes.items()
            if size > LARGER_FOLDERS.get(name, MAX_MODULES_PER_FOLDER)}
    assert not over, f"split these folders into sub-packages: {over}"
