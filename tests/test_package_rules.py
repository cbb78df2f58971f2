"""The packages depend on each other one way, read from the code's own imports.

credentials ◀ content ◀ {sync, edge_node, hub, lms_plugin}; sync (what a node and the
hub share) imports neither server; the two servers never import each other; the LMS
plugin reaches the hub over HTTP only. ``fieldcred`` is the command line and the demo
over all of them. Every import
counts, those inside functions and those for type checking too: a layer that needs
another only lazily still needs it. And no modules import each other in a loop.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("credentials", "content", "sync", "hub", "edge_node", "lms_plugin", "fieldcred")

MAY_IMPORT: dict[str, set[str]] = {
    "credentials": set(),
    "content": {"credentials"},
    "sync": {"credentials", "content"},
    "hub": {"credentials", "content", "sync"},
    "edge_node": {"credentials", "content", "sync"},
    "lms_plugin": {"credentials", "content"},
}
"""What each package may import besides itself (``fieldcred`` itself may import all)."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def our_imports(path: Path) -> set[str]:
    """The modules of ours that ``path`` imports, anywhere in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path).rsplit(".", 0 if path.name == "__init__.py" else 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            submodules = {f"{base}.{alias.name}" for alias in node.names}
            # ``from hub import nodes`` imports the module hub.nodes, not hub's __init__
            found.update(submodules)
            if not all(is_module(name) for name in submodules):
                found.add(base)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


MODULES = modules()


def layer(module: str) -> str:
    return module.split(".")[0]


def allowed(importer: str, imported: str) -> bool:
    mine, theirs = layer(importer), layer(imported)
    if mine == "fieldcred":
        return True
    return theirs == mine or theirs in MAY_IMPORT[mine] or imported in MAY_IMPORT[mine]


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_each_package_imports_only_what_lies_below_it(package: str) -> None:
    wrong = sorted(
        f"{name} imports {imported}"
        for name, path in MODULES.items()
        if layer(name) == package
        for imported in our_imports(path)
        if imported in MODULES and not allowed(name, imported)
    )
    assert wrong == []


def import_graph() -> dict[str, set[str]]:
    return {
        name: {imported for imported in our_imports(path) if imported in MODULES} - {name}
        for name, path in MODULES.items()
    }


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for after in sorted(graph.get(node, ())):
            if after not in index:
                visit(after)
                low[node] = min(low[node], low[after])
            elif after in on_stack:
                low[node] = min(low[node], index[after])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def package_faces(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The graph without a package's ``__init__`` as a module of its own: ``from hub import
    nodes`` names both ``hub`` and ``hub.nodes``, and an ``__init__`` that only holds a
    docstring ties nothing together."""
    inits = {name for name, path in MODULES.items() if path.name == "__init__.py"}
    return {
        name: {after for after in afters if after not in inits}
        for name, afters in graph.items()
        if name not in inits
    }


def test_no_modules_import_each_other_in_a_loop() -> None:
    assert circles(package_faces(import_graph())) == []


def test_the_loop_finder_finds_a_loop() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_the_import_reader_sees_lazy_imports() -> None:
    assert "sync.client" in our_imports(ROOT / "edge_node" / "events.py")  # inside a function
    assert allowed("edge_node.web.app", "sync.pools")
    assert not allowed("sync.client", "hub.ingest")
    assert not allowed("edge_node.node", "hub.store")
    assert not allowed("hub.web", "edge_node.node")
    assert not allowed("sync.pools", "edge_node.node")
    assert allowed("fieldcred.cli", "edge_node.node")  # the command line is over all
