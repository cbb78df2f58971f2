"""The one console script, ``fieldcred``: each package contributes its own group.

Every package keeps its commands in its own ``cli.py`` (a thin shell over its
library) and imports heavy dependencies inside the commands, so that a base
install (content, credentials) runs without the web stack. The script imports a
package's ``cli.py`` only when one of its commands runs (or when help lists them),
so that a long-running ``fieldcred edge serve`` holds no other package's CLI.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from importlib import import_module
from typing import TYPE_CHECKING, Any

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
    "edge": ("edge_node.cli", "app"),
    "hub": ("sync.cli", "app"),
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


class _Commands(MutableMapping[str, "Command"]):
    """The script's commands by name, each built the first time it is looked up."""

    def __init__(self) -> None:
        self._names = list(COMMANDS)
        self._built: dict[str, Command] = {}

    def __getitem__(self, name: str) -> Command:
        if name not in self._built:
            if name not in self._names:
                raise KeyError(name)
            self._built[name] = _load(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Command) -> None:
        if name not in self._names:
            self._names.append(name)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        self._names.remove(name)
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


class _LazyGroup(TyperGroup):
    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _Commands()

    def list_commands(self, ctx: Context) -> list[str]:
        return list(self.commands)  # names only: listing builds no command


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
