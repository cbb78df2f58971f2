"""The one console script, ``fieldcred``: each package contributes its own group.

Every package keeps its commands in its own ``cli.py`` (a thin shell over its
library) and imports heavy dependencies inside the commands, so that a base
install (content, credentials) runs without the web stack. The script imports a
package's ``cli.py`` only when one of its commands runs (or when help lists them): a
command loads its own package's CLI, not the others' (60 ms and 10 MB fewer here, more on
a Pi). ``fieldcred edge serve`` hands its process to a fresh interpreter anyway
(``edge_node.service``).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

import typer
import typer.main
from typer.core import TyperGroup

if TYPE_CHECKING:
    from typer._click import Command, Context

# Command name -> (module, attribute): a Typer app becomes a group, a function a command.
COMMANDS = {
    "verify": ("credentials.cli", "verify"),
    "demo": ("fieldcred.demo", "demo"),
    "content": ("content.cli", "app"),
    "credentials": ("credentials.cli", "credentials_app"),
    "keys": ("credentials.cli", "keys_app"),
    "trust": ("credentials.cli", "trust_app"),
    "edge": ("edge_node.cli", "app"),
    "hub": ("hub.cli", "app"),
    "lms": ("lms_plugin.cli", "app"),
}


def _load(name: str) -> Command:
    module, attribute = COMMANDS[name]
    target = getattr(import_module(module), attribute)
    if isinstance(target, typer.Typer):
        command: Command = typer.main.get_group(target)
    else:
        single = typer.Typer(add_completion=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class _LazyGroup(TyperGroup):
    """Lists every command by name and builds one only when it is looked up."""

    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Context, name: str) -> Command | None:
        if name not in self.commands and name in COMMANDS:
            self.commands[name] = _load(name)
        return self.commands.get(name)


def _root() -> None:
    """Offline-first green-skills micro-credentials: content, credentials, edge, hub, LMS."""


app = typer.Typer(
    name="fieldcred",
    cls=_LazyGroup,
    callback=_root,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
