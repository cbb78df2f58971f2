"""Commands of ``sync``: the university hub."""

from __future__ import annotations

import typer

app = typer.Typer(
    no_args_is_help=True, help="The university hub: init, enrol nodes, serve, import bundles."
)
