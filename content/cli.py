"""Commands of ``content``: validate and list modules and pathways."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(no_args_is_help=True, help="Green-skills modules and pathways.")


@app.command("validate")
def validate(path: Path | None = typer.Argument(None)) -> None:
    """Load every module and pathway under PATH and report every problem at once."""


@app.command("list")
def list_catalogue(
    path: Path | None = typer.Argument(None), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Print the catalogue."""
