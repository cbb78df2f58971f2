"""Commands of ``edge_node``."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="The learning centre node: init, import packs, serve, sync.")
