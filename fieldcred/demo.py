"""``fieldcred demo``: the whole system on its embedded defaults."""

from __future__ import annotations

import typer


def demo() -> None:
    """Show the shipped catalogue (later: start an edge node, a hub and the LMS workbench)."""
    from content.cli import list_catalogue, validate

    validate(path=None)
    list_catalogue(path=None, as_json=False)
    typer.echo("")
