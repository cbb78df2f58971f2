"""The ``fieldcred`` script loads a package's CLI only when one of its commands runs (or
help lists them), and the libraries only some commands use when those commands run."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("PIL", "lxml", "pyld", "requests", "segno", "yaml", "zxingcpp")


def test_the_script_loads_no_library_that_only_some_commands_use() -> None:
    probe = (
        "import json, sys, fieldcred.cli; "
        f"print(json.dumps([name for name in {HEAVY!r} if name in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


OTHER_CLIS = ("content.cli", "credentials.cli", "fieldcred.demo", "lms_plugin.cli", "sync.cli")


def test_edge_serve_loads_no_other_package_cli() -> None:
    probe = (
        "import json, sys, typer.main, fieldcred.cli; "
        "root = typer.main.get_command(fieldcred.cli.app); ctx = typer.Context(root); "
        "edge = root.get_command(ctx, 'edge'); "
        "assert edge.get_command(ctx, 'serve').callback is not None; "
        f"print(json.dumps([name for name in {OTHER_CLIS!r} if name in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


def test_help_lists_every_package_command() -> None:
    from typer.testing import CliRunner

    from fieldcred.cli import app

    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    listed = {line.split()[1] for line in result.output.splitlines() if line.startswith("│ ")}
    assert {"verify", "demo", "content", "credentials", "keys", "edge", "hub", "lms"} <= listed
