"""Commands of ``credentials``: keys, sample sets, verification."""

from __future__ import annotations

import typer

credentials_app = typer.Typer(no_args_is_help=True, help="Credential sample sets and tools.")
keys_app = typer.Typer(no_args_is_help=True, help="University and node keys, node certificates.")


def verify(source: str = typer.Argument(..., metavar="INPUT")) -> None:
    """Check a credential offline."""
    raise typer.Exit(2)
