"""``fieldcred demo``: the system on its embedded defaults (SQLite, shipped modules)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer

EDGE_PORT = 8080
WORKBENCH_PORT = 8000


def demo(
    data: Path = typer.Option(
        Path("demo-data"), help="Folder for the demo's data (kept between runs)."
    ),
) -> None:
    """Validate the shipped catalogue, then serve a demo edge node and the LMS workbench."""
    from content.cli import list_catalogue, validate
    from edge_node.demo import DEMO_ROOT_KEY_FILE, prepare_demo

    validate(path=None)
    list_catalogue(path=None, as_json=False, language="en")
    node_dir = data / "edge"
    info = prepare_demo(node_dir, port=EDGE_PORT)
    command = [sys.executable, "-m", "fieldcred"]
    processes = [
        subprocess.Popen(
            [*command, "edge", "serve", "--data", str(node_dir), "--port", str(EDGE_PORT)]
        ),
        subprocess.Popen(
            [
                *command,
                "lms",
                "workbench",
                "--port",
                str(WORKBENCH_PORT),
                "--dir",
                str(data / "workbench"),
                "--root-key",
                str(node_dir / DEMO_ROOT_KEY_FILE),
            ]
        ),
    ]
    typer.echo(
        f"\nEdge node:    {info.url}  admin {info.admin[0]}/{info.admin[1]}, "
        f"worker {info.worker[0]}/{info.worker[1]}"
    )
    for name, code in info.learners:
        typer.echo(f"  learner {name}: code {code}")
    typer.echo(f"LMS workbench: http://127.0.0.1:{WORKBENCH_PORT}/\nCtrl-C stops both.")
    try:
        for process in processes:
            process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            process.terminate()
