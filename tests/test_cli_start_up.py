"""The ``fieldcred`` script loads a package's CLI only when one of its commands runs (or
help lists them), and the libraries only some commands use when those commands run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from edge_node.node import init_node

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


OTHER_CLIS = ("content.cli", "credentials.cli", "fieldcred.demo", "lms_plugin.cli", "hub.cli")


def test_the_server_process_holds_no_command_line_framework(tmp_path: Path) -> None:
    """What ``fieldcred edge serve`` becomes (edge_node.service) loads no CLI, changes no
    other library's modules, and validates requests and describes its API."""
    init_node(tmp_path, name="Probe", admin_user="admin", admin_password="probe-password")
    probe = f"""
import json, sys
import edge_node.service
from pathlib import Path
from starlette.testclient import TestClient
from edge_node.node import open_node
from edge_node.web.app import create_app

client = TestClient(create_app(open_node(Path({str(tmp_path)!r}))))
login = client.post("/api/v1/login", json={{"username": "admin", "password": "probe-password"}})
refused = client.post("/api/v1/login", json={{"username": "admin"}})
schema = client.get("/openapi.json").json()
loaded = [name for name in ("typer", *{OTHER_CLIS!r}) if name in sys.modules]
print(json.dumps([login.status_code, refused.status_code, "/api/v1/login" in schema["paths"],
                  [name for name, module in sys.modules.items() if module is None], loaded]))
"""
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out.splitlines()[-1]) == [200, 422, True, [], []]


def test_help_lists_every_package_command() -> None:
    from typer.testing import CliRunner

    from fieldcred.cli import app

    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    listed = {line.split()[1] for line in result.output.splitlines() if line.startswith("│ ")}
    assert {
        "verify",
        "demo",
        "content",
        "credentials",
        "keys",
        "trust",
        "edge",
        "hub",
        "lms",
    } <= listed
