"""The suite kept as a library: no test module imports another (what they share is in
tests/helpers, fixtures in conftest.py), and no fixture hides another of the same name."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def python_files() -> list[Path]:
    return sorted(TESTS.rglob("*.py"))


def imported_modules(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
    return found


def is_test_module(name: str) -> bool:
    return name.rsplit(".", 1)[-1].startswith("test_")


def fixtures_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(target, ast.Attribute) and target.attr == "fixture":
                    names.add(node.name)
    return names


def test_no_test_module_imports_another() -> None:
    reaching = []
    for path in python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        reaching += [(path.name, m) for m in imported_modules(tree) if is_test_module(m)]
    assert reaching == []


def test_no_fixture_shares_its_name_with_one_in_a_conftest_above_it() -> None:
    conftests = {path.parent: fixtures_of(path) for path in TESTS.rglob("conftest.py")}
    hidden = []
    for path in python_files():
        above = [names for folder, names in conftests.items() if folder in path.parents]
        if path.name == "conftest.py":
            above = [
                names
                for folder, names in conftests.items()
                if folder in path.parent.parents  # a conftest further up
            ]
        for name in sorted(fixtures_of(path)):
            if any(name in names for names in above):
                hidden.append((str(path.relative_to(TESTS)), name))
    assert hidden == []


def test_the_checks_see_a_cross_import_and_a_hidden_fixture(tmp_path: Path) -> None:
    module = "from tests.test_hub_store import PG_URL\nimport test_edge_pages\n"
    assert [m for m in imported_modules(ast.parse(module)) if is_test_module(m)] == [
        "tests.test_hub_store",
        "test_edge_pages",
    ]
    fixture = tmp_path / "test_x.py"
    fixture.write_text("import pytest\n\n@pytest.fixture(scope='module')\ndef hub():\n    pass\n")
    assert fixtures_of(fixture) == {"hub"}
    assert "hub" in fixtures_of(TESTS / "conftest.py")
