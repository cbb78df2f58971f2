"""The one console script, ``fieldcred``: each package contributes its own group.

Every package keeps its commands in its own ``cli.py`` (a thin shell over its
library) and imports heavy dependencies inside the commands, so that a base
install (content, credentials) runs without the web stack.
"""

from __future__ import annotations

import typer

from content.cli import app as content_app
from credentials.cli import credentials_app, keys_app, verify
from edge_node.cli import app as edge_app
from fieldcred.demo import demo
from lms_plugin.cli import app as lms_app
from sync.cli import app as hub_app

app = typer.Typer(
    name="fieldcred",
    help="Offline-first green-skills micro-credentials: content, credentials, edge, hub, LMS.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(content_app, name="content")
app.add_typer(credentials_app, name="credentials")
app.add_typer(keys_app, name="keys")
app.command("verify")(verify)
app.add_typer(edge_app, name="edge")
app.add_typer(hub_app, name="hub")
app.add_typer(lms_app, name="lms")
app.command("demo")(demo)
