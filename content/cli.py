"""Commands of ``content``: validate and list modules and pathways."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from content.loading import Catalogue
    from content.model import Level

# The commands import the content library (YAML, pydantic models) when they run: the
# ``fieldcred`` script loads this module for every command, ``edge serve`` included.

app = typer.Typer(no_args_is_help=True, help="Green-skills modules and pathways.")

PathArgument = Annotated[
    Path | None,
    typer.Argument(
        help="A folder of module and pathway YAML files, or one file (default: shipped modules).",
        show_default=False,
    ),
]


def _content_path(path: Path | None) -> Path:
    from content.documents import content_files
    from content.loading import SHIPPED

    root = SHIPPED if path is None else path
    if not root.exists():
        raise typer.BadParameter(f"{root} does not exist", param_hint="PATH")
    if not content_files(root):
        raise typer.BadParameter(
            f"{root} holds no module or pathway files (*.yaml)", param_hint="PATH"
        )
    return root


@app.command("validate")
def validate(path: PathArgument = None) -> None:
    """Load every module and pathway under PATH and report every problem at once.

    Each problem is printed as FILE:LINE: FIELD: MESSAGE. Exits 0 when the content
    is valid, 1 when it has problems, 2 on a usage error.
    """
    from content.validation import check_tree

    root = _content_path(path)
    checked = check_tree(root)
    for problem in checked.problems:
        typer.echo(str(problem))
    if checked.problems:
        typer.echo(f"{len(checked.problems)} problem(s) in {root}", err=True)
        raise typer.Exit(1)
    typer.echo(
        f"{root}: {len(checked.modules)} module(s), {len(checked.pathways)} pathway(s), valid"
    )


@app.command("list")
def list_catalogue(
    path: PathArgument = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    language: Annotated[str, typer.Option("--lang", help="Language of the titles.")] = "en",
) -> None:
    """Print the catalogue: each module and pathway with its size, languages and level."""
    from content.errors import InvalidContent
    from content.listing import catalogue_listing
    from content.loading import load_catalogue

    root = _content_path(path)
    try:
        catalogue = load_catalogue(root)
    except InvalidContent as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"{root} has problems: run 'fieldcred content validate'", err=True)
        raise typer.Exit(1) from None
    listing = catalogue_listing(catalogue, language)
    if as_json:
        typer.echo(json.dumps(listing, ensure_ascii=False, indent=2))
    else:
        _print_tables(catalogue, listing)


def _level_text(level: Level) -> str:
    parts = [] if level.eqf is None else [f"EQF {level.eqf}"]
    if level.nqf_level is not None:
        parts.append(f"{level.nqf_framework or 'NQF'} {level.nqf_level}")
    return ", ".join(parts) or "-"


MODULE_COLUMNS = ("id", "version", "title", "items", "checklist", "languages", "hours", "level")
PATHWAY_COLUMNS = ("id", "version", "title", "modules")


def _print_tables(catalogue: Catalogue, listing: dict[str, list[dict[str, object]]]) -> None:
    """Two tables on a terminal; plain tab-separated lines, nothing cut short, when the
    output goes to a file or another program."""
    modules = [
        [
            str(cell)
            for cell in (
                row["id"],
                row["version"],
                row["title"],
                row["item_count"],
                row["checklist_count"],
                " ".join(catalogue.modules[str(row["id"])].languages),
                f"{catalogue.modules[str(row['id'])].workload_hours:g}",
                _level_text(catalogue.modules[str(row["id"])].level),
            )
        ]
        for row in listing["modules"]
    ]
    pathways = [
        [
            str(cell)
            for cell in (
                row["id"],
                row["version"],
                row["title"],
                ", ".join(catalogue.pathways[str(row["id"])].modules),
            )
        ]
        for row in listing["pathways"]
    ]
    if not sys.stdout.isatty():
        for title, columns, rows in (
            ("Modules", MODULE_COLUMNS, modules),
            ("Pathways", PATHWAY_COLUMNS, pathways),
        ):
            typer.echo(title)
            for line in (list(columns), *rows):
                typer.echo("\t".join(line))
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    for title, columns, rows in (
        ("Modules", MODULE_COLUMNS, modules),
        ("Pathways", PATHWAY_COLUMNS, pathways),
    ):
        table = Table(title=title)
        for column in columns:
            table.add_column(column, no_wrap=column in ("id", "version"))
        for line in rows:
            table.add_row(*(escape(cell) for cell in line))
        console.print(table)
