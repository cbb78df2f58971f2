"""The command line run in process: `fieldcred hub ...` and a group's subcommands."""

from __future__ import annotations

from typing import Any

import typer
from typer.testing import CliRunner

from fieldcred.cli import app

runner = CliRunner()


def hub_cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["hub", *args])
    return result.exit_code, result.output


def subcommands(command: Any) -> dict[str, Any]:
    """A group's commands by name, through Click's group interface (the script's root
    builds each package's commands only when asked); {} for a command."""
    if not hasattr(command, "list_commands"):
        return {}
    ctx = typer.Context(command)
    return {name: command.get_command(ctx, name) for name in command.list_commands(ctx)}
