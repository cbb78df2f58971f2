"""Commands of ``lms_plugin``."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="The Open edX plugin: content packs and the workbench.")
