"""``fieldcred content validate`` and ``list``, and help text for every command."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import typer.main
from typer.testing import CliRunner

from fieldcred.cli import app
from tests.helpers.cli import subcommands

FIXTURES = Path(__file__).parent / "fixtures" / "content"
runner = CliRunner()
PROBLEM_LINE = re.compile(r"^(?P<file>\S+\.yaml):(?P<line>\d+): (?P<field>\S+): (?P<message>.+)$")


def flat(output: str) -> str:
    """Output without the box and line breaks of a rich error panel."""
    return " ".join(output.replace("│", " ").split())


def test_validate_clean_tree_exits_0() -> None:
    result = runner.invoke(app, ["content", "validate", str(FIXTURES / "valid")])
    assert result.exit_code == 0, result.output
    assert "2 module(s), 1 pathway(s), valid" in result.stdout


def test_validate_prints_each_problem_as_file_line_field_message() -> None:
    result = runner.invoke(app, ["content", "validate", str(FIXTURES / "unknown-outcome")])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    first = PROBLEM_LINE.match(lines[0])
    assert first is not None
    assert Path(first["file"]).name == "mulching.yaml"
    assert (first["line"], first["field"]) == ("44", "items[1].outcomes[2]")
    assert first["message"] == "unknown outcome 'O7'"
    assert "3 problem(s)" in result.stderr


def test_validate_nonexistent_path_is_a_usage_error() -> None:
    result = runner.invoke(app, ["content", "validate", "/nonexistent/modules"])
    assert result.exit_code == 2
    assert "does not exist" in flat(result.output)
    assert "Traceback" not in result.output


def test_validate_folder_without_yaml_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["content", "validate", str(tmp_path)])
    assert result.exit_code == 2
    assert "holds no module or pathway files" in flat(result.output)


def test_validate_default_is_the_shipped_content(catalogue: object) -> None:
    result = runner.invoke(app, ["content", "validate"])
    assert result.exit_code == 0, result.output


def test_list_json_has_the_documented_keys() -> None:
    result = runner.invoke(app, ["content", "list", str(FIXTURES / "valid"), "--json"])
    assert result.exit_code == 0, result.output
    listing = json.loads(result.stdout)
    assert set(listing) == {"modules", "pathways"}
    module_keys = {
        "id",
        "version",
        "title",
        "item_count",
        "checklist_count",
        "languages",
        "workload_hours",
        "level",
    }
    assert [set(m) for m in listing["modules"]] == [module_keys, module_keys]
    mulching = listing["modules"][1]
    assert (mulching["id"], mulching["item_count"], mulching["checklist_count"]) == (
        "mulching",
        4,
        2,
    )
    assert mulching["languages"] == ["en", "sw", "fr"]
    assert listing["pathways"] == [
        {
            "id": "soil-cover",
            "version": "1.0.0",
            "title": "Soil cover practitioner",
            "modules": ["mulching", "cover-crops"],
        }
    ]


def test_list_titles_in_another_language() -> None:
    result = runner.invoke(
        app, ["content", "list", str(FIXTURES / "valid"), "--json", "--lang", "sw"]
    )
    assert json.loads(result.stdout)["modules"][1]["title"] == "Kuweka matandazo"


def test_list_table_names_every_module_and_pathway() -> None:
    result = runner.invoke(
        app, ["content", "list", str(FIXTURES / "valid")], env={"COLUMNS": "120"}
    )
    assert result.exit_code == 0, result.output
    for text in ("mulching", "cover-crops", "soil-cover", "Mulching"):
        assert text in result.stdout


def test_list_to_a_file_is_plain_lines_with_nothing_cut_short() -> None:
    """The demo's start-up listing in a log file read "tit…": away from a terminal the
    tables are tab-separated lines, every title whole."""
    result = runner.invoke(app, ["content", "list", str(FIXTURES / "valid")], env={"COLUMNS": "40"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Modules" and lines[1].split("\t")[:3] == ["id", "version", "title"]
    assert "…" not in result.stdout
    assert any(line.split("\t")[2] == "Mulching" for line in lines[2:])
    assert "Pathways" in lines


def test_list_of_broken_content_exits_1_with_the_problems() -> None:
    result = runner.invoke(app, ["content", "list", str(FIXTURES / "duplicate-ids"), "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "duplicate id 'q1'" in result.stderr


def test_shipped_catalogue_lists_three_modules_and_the_pathway(catalogue: object) -> None:
    result = runner.invoke(app, ["content", "list", "--json"])
    listing = json.loads(result.stdout)
    assert len(listing["modules"]) >= 3
    assert all(m["item_count"] >= 15 and m["checklist_count"] >= 6 for m in listing["modules"])
    assert any(p["id"] == "green-farming-practitioner" for p in listing["pathways"])


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path below ``command``."""
    found = [path]
    for name, sub in subcommands(command).items():
        found += _commands(sub, (*path, name))
    return found


def test_every_fieldcred_command_has_help_text() -> None:
    root = typer.main.get_command(app)
    missing = []
    paths = _commands(root)
    assert len(paths) > 30, paths
    for path in paths:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        command = root
        for name in path:
            command = subcommands(command)[name]
        if not (command.help or command.short_help or "").strip():
            missing.append(" ".join(("fieldcred", *path)))
    assert missing == []
