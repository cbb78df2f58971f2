"""Validation reports every mistake with its file, line and field.

Each folder under ``tests/fixtures/content/`` is a small tree with one class of
mistake; the line of each expected problem carries a ``# expect: FIELD`` comment.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from content.documents import MAX_NODES, read_document
from content.errors import InvalidContent, Problem
from content.loading import SHIPPED, load_catalogue
from content.validation import validate_tree

FIXTURES = Path(__file__).parent / "fixtures" / "content"
MARKER = re.compile(r"#\s*expect:\s*(\S+)")

BROKEN = {
    "yaml-syntax": "YAML syntax error",
    "schema": "Input should be|version must be semantic",  # incl. "a finite number" for .nan
    "unknown-kind": "unknown kind 'course'",
    "unknown-outcome": "unknown outcome|outcome 'O1' twice",
    "unassessed-outcome": "assessed by no item or criterion",
    "missing-translation": "missing translation",
    "items-drawn": "draws 5 items from a bank of 4",
    "threshold": "",
    "must-pass-minimum": "tops out at 2, below the must-pass minimum 3",
    "outcome-minimum": "cannot cover the 2 outcomes only items assess",
    "duplicate-ids": "duplicate (id|score)",
    "item-kinds": "item",
    "images": "image",
    "pathway-references": "module 'composting' does not exist",
    "module-pathway": "pathway 'green-farming' does not exist",
    "duplicate-module-id": "duplicate id 'mulching': module in",
}


def expected_problems(folder: Path) -> set[tuple[str, int, str]]:
    expected = set()
    for file in sorted(folder.rglob("*.yaml")):
        for number, text in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            match = MARKER.search(text)
            if match:
                expected.add((file.name, number, match.group(1)))
    return expected


def test_every_fixture_folder_is_covered() -> None:
    folders = {path.name for path in FIXTURES.iterdir() if path.is_dir()}
    assert folders == set(BROKEN) | {"valid", "declared-language"}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_fixture_reports_file_line_and_field(name: str) -> None:
    folder = FIXTURES / name
    problems = validate_tree(folder)
    expected = expected_problems(folder)
    assert expected, f"{name} has no '# expect:' marker"
    assert {(p.file.name, p.line, p.field) for p in problems} == expected
    assert all(re.search(BROKEN[name], p.message) for p in problems)
    assert all(p.file.is_relative_to(folder) for p in problems)


def test_threshold_message_explains_what_can_be_reached() -> None:
    (problem,) = [p for p in validate_tree(FIXTURES / "threshold") if "threshold" in p.field]
    assert "0.62" in problem.message
    assert "out of 13 points" in problem.message


def test_declared_language_is_required_everywhere_but_where_written() -> None:
    problems = validate_tree(FIXTURES / "declared-language")
    fields = {p.field for p in problems}
    assert {p.message for p in problems} == {"missing translation: rw"}
    assert "title" not in fields
    assert {
        "summary",
        "items[0].prompt",
        "items[3].numeric.unit",
        "checklist[1].levels[1].text",
    } <= (fields)
    assert len(problems) == 27


def test_valid_fixture_has_no_problem_and_loads() -> None:
    assert validate_tree(FIXTURES / "valid") == []
    catalogue = load_catalogue(FIXTURES / "valid")
    assert sorted(catalogue.modules) == ["cover-crops", "mulching"]
    assert catalogue.pathways["soil-cover"].modules == ["mulching", "cover-crops"]
    assert catalogue.media("mulching")["images/depth.svg"].startswith(b"<svg")


def test_a_single_file_validates_on_its_own() -> None:
    problems = validate_tree(FIXTURES / "unknown-outcome" / "mulching.yaml")
    assert [p.field for p in problems] == [
        "items[1].outcomes[2]",
        "items[2].outcomes[1]",
        "checklist[0].outcomes[1]",
    ]


def test_load_catalogue_raises_with_every_problem() -> None:
    with pytest.raises(InvalidContent) as raised:
        load_catalogue(FIXTURES / "duplicate-ids")
    assert len(raised.value.problems) == 5
    assert raised.value.status == 422
    assert "duplicate-ids/mulching.yaml:53: items[2].id: duplicate id 'q1'" in str(raised.value)


def test_broken_files_do_not_hide_problems_in_other_files(tmp_path: Path) -> None:
    for name in ("yaml-syntax", "unknown-outcome", "module-pathway"):
        (tmp_path / f"{name}.yaml").write_text(
            (FIXTURES / name / "mulching.yaml")
            .read_text(encoding="utf-8")
            .replace("id: mulching", f"id: {name}"),
            encoding="utf-8",
        )
    fields = [(p.file.name, p.field) for p in validate_tree(tmp_path)]
    assert fields == [
        ("module-pathway.yaml", "pathways[0]"),
        ("unknown-outcome.yaml", "items[1].outcomes[2]"),
        ("unknown-outcome.yaml", "items[2].outcomes[1]"),
        ("unknown-outcome.yaml", "checklist[0].outcomes[1]"),
        ("yaml-syntax.yaml", "(syntax)"),
    ]


def one_problem(tmp_path: Path, text: str) -> Problem:
    file = tmp_path / "m.yaml"
    file.write_text(text, encoding="utf-8")
    document, problems = read_document(file)
    assert document is None
    (problem,) = problems
    return problem


def test_duplicate_keys_are_reported_where_repeated(tmp_path: Path) -> None:
    problem = one_problem(tmp_path, "kind: module\nid: a\nitems:\n  - id: q1\n    id: q2\n")
    assert (problem.line, problem.field) == (5, "items[0].id")
    assert "duplicate key" in problem.message


def test_alias_bomb_is_refused_not_expanded(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]
    problem = one_problem(tmp_path, "\n".join(lines) + "\n")
    assert str(MAX_NODES) in problem.message


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    assert "nested deeper than" in one_problem(tmp_path, "a: &a [*a]\n").message


def test_deep_nesting_is_refused_without_a_crash(tmp_path: Path) -> None:
    problem = one_problem(tmp_path, "a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert problem.file.name == "m.yaml"


def test_empty_and_oversized_files(tmp_path: Path) -> None:
    assert "empty" in one_problem(tmp_path, "# nothing\n").message
    assert "bytes" in one_problem(tmp_path, "a: " + "x" * 2_000_001 + "\n").message


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    (tmp_path / "list.yaml").write_text("- kind: module\n", encoding="utf-8")
    (problem,) = validate_tree(tmp_path)
    assert (problem.line, problem.field) == (1, "(file)")


def test_unquoted_no_gets_a_hint(tmp_path: Path) -> None:
    text = (FIXTURES / "valid" / "mulching.yaml").read_text(encoding="utf-8")
    (tmp_path / "m.yaml").write_text(
        text.replace('{en: "No", sw', "{en: No, sw").replace("pathways: [soil-cover]\n", ""),
        encoding="utf-8",
    )
    shutil_images(tmp_path)
    (problem,) = validate_tree(tmp_path)
    assert problem.field == "checklist[1].levels[0].text.en"
    assert "quote it" in problem.message


def shutil_images(target: Path) -> None:
    (target / "images").mkdir()
    (target / "images" / "depth.svg").write_bytes(
        (FIXTURES / "valid" / "images" / "depth.svg").read_bytes()
    )


def test_every_shipped_module_validates() -> None:
    if not list(SHIPPED.glob("*.yaml")):
        pytest.skip(f"no module files under {SHIPPED} yet")
    assert [str(p) for p in validate_tree(SHIPPED)] == []
