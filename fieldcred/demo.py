"""``fieldcred demo``: the whole system on its embedded defaults (SQLite, shipped modules).

A university hub, a learning centre's edge node enrolled with it and syncing to it in
the background, and the LMS workbench whose online issuer the same university root
certifies and whose staff view reads the hub's results. Everything lives in one data
folder and is created or reopened, so a second run carries on where the first stopped.

Each server runs in its own process group, so stopping the demo (Ctrl-C or SIGTERM)
stops every process it started, the workbench's Django server included.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from edge_node.demo import DemoInfo
    from hub.demo import HubDemo

EDGE_PORT = 8080
HUB_PORT = 8400
WORKBENCH_PORT = 8000
HOST = "127.0.0.1"
SYNC_INTERVAL_S = 15
READY_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 15.0


class ServerFailed(Exception):
    """A server exited or did not answer in time."""


def demo(
    data: Path = typer.Option(
        Path("demo-data"), help="Folder for the demo's data (kept between runs)."
    ),
    edge_port: int = typer.Option(EDGE_PORT, min=1, max=65535, help="The edge node's port."),
    hub_port: int = typer.Option(HUB_PORT, min=1, max=65535, help="The hub's port."),
    workbench_port: int = typer.Option(
        WORKBENCH_PORT, min=1, max=65535, help="The LMS workbench's port."
    ),
) -> None:
    """Serve a hub, an edge node enrolled with it and syncing, and the LMS workbench."""
    from content.cli import list_catalogue, validate

    ports = {"--edge-port": edge_port, "--hub-port": hub_port, "--workbench-port": workbench_port}
    if len(set(ports.values())) < len(ports):
        raise typer.BadParameter("the three ports must differ", param_hint="--edge-port")
    for option, port in ports.items():
        if not _port_free(port):
            raise typer.BadParameter(f"port {port} is in use: choose another", param_hint=option)
    validate(path=None)
    list_catalogue(path=None, as_json=False, language="en")
    hub, node = _prepare(data, edge_port=edge_port, hub_port=hub_port)
    hub_url = f"http://{HOST}:{hub_port}"
    command = [sys.executable, "-m", "fieldcred"]
    servers = {
        "hub": [*command, "hub", "serve", "--data", str(hub.data_dir), "--port", str(hub_port)],
        "edge node": [
            *command, "edge", "serve", "--data", str(node.data_dir), "--port", str(edge_port),
        ],
        "workbench": [
            *command, "lms", "workbench", "--port", str(workbench_port),
            "--dir", str(data / "workbench"), "--root-key", str(hub.root_key_path),
            "--hub-url", hub_url, "--staff-view",
        ],
    }  # fmt: skip
    # The token goes through the environment, not the command line that `ps` shows.
    environments = {"workbench": {**os.environ, "FIELDCRED_HUB_TOKEN": hub.token}}
    terminate = signal.signal(signal.SIGTERM, signal.default_int_handler)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, argv in servers.items():
            processes[name] = subprocess.Popen(
                argv, env=environments.get(name), start_new_session=True
            )
        _wait_until_answering(
            processes,
            {
                "hub": f"{hub_url}/login",
                "edge node": node.url,
                "workbench": f"http://{HOST}:{workbench_port}/",
            },
        )
        typer.echo(
            f"\nfieldcred demo is running (data in {data}/):\n"
            f"  Hub (university):    {hub_url}/  staff {hub.staff[0]}/{hub.staff[1]}\n"
            f"  Edge node (centre):  {node.url}  admin {node.admin[0]}/{node.admin[1]}, "
            f"worker {node.worker[0]}/{node.worker[1]}"
        )
        for name, code in node.learners:
            typer.echo(f"    learner {name}: code {code}")
        typer.echo(
            f"  LMS workbench:       http://{HOST}:{workbench_port}/  "
            "(each module's staff view lists the centre's results from the hub)\n"
            f"{node.centre} syncs with the hub every {SYNC_INTERVAL_S} s. "
            "Ctrl-C stops all three."
        )
        while all(process.poll() is None for process in processes.values()):
            time.sleep(0.5)
        stopped = next(name for name, process in processes.items() if process.poll() is not None)
        typer.echo(f"Error: the {stopped} stopped; stopping the others.", err=True)
        raise typer.Exit(1)
    except KeyboardInterrupt:
        typer.echo("Stopping the demo.")
    except (ServerFailed, OSError) as error:
        typer.echo(f"Error: {error}", err=True)
        raise typer.Exit(1) from None
    finally:
        # A second Ctrl-C must not cut the stopping short and leave servers behind.
        interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            _stop_all(list(processes.values()))
        finally:
            signal.signal(signal.SIGINT, interrupt)
            signal.signal(signal.SIGTERM, terminate)


def _prepare(data: Path, *, edge_port: int, hub_port: int) -> tuple[HubDemo, DemoInfo]:
    """Create or reopen the hub, then the node enrolled with it (one university root)."""
    from credentials.errors import CredentialError
    from edge_node.demo import HubLink, prepare_demo
    from edge_node.errors import EdgeError
    from hub.demo import enrol_demo_node, prepare_hub_demo
    from sync.errors import SyncError

    hub_dir = data / "hub"
    try:
        hub = prepare_hub_demo(hub_dir)
        node = prepare_demo(
            data / "edge",
            port=edge_port,
            hub=HubLink(
                url=f"http://{HOST}:{hub_port}",
                root_public_key=hub.root_public_key,
                enrol=lambda request: enrol_demo_node(hub_dir, request),
                sync_interval_s=SYNC_INTERVAL_S,
            ),
            seed=True,
        )
    except (SyncError, EdgeError, CredentialError) as error:
        typer.echo(f"Error: {error}", err=True)
        raise typer.Exit(1) from None
    except OSError as error:
        typer.echo(f"Error: {data}: {error.strerror or error}", err=True)
        raise typer.Exit(1) from None
    return hub, node


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        # As the servers do: a port held only by closed connections (TIME_WAIT) is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _wait_until_answering(
    processes: dict[str, subprocess.Popen[bytes]], urls: dict[str, str]
) -> None:
    """Wait until every server answers HTTP (any status); a server that exits is an error."""
    waiting = dict(urls)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while waiting:
        for name, url in list(waiting.items()):
            if processes[name].poll() is not None:
                raise ServerFailed(f"the {name} did not start (see its messages above)")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    pass
            except urllib.error.HTTPError:
                pass  # it answers
            except OSError:
                continue
            del waiting[name]
        if waiting and time.monotonic() > deadline:
            raise ServerFailed(f"no answer within {READY_TIMEOUT_S:g} s from {', '.join(waiting)}")
        if waiting:
            time.sleep(0.3)


def _stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    """Stop every server and everything in its process group."""
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # whatever did not stop in time
        process.wait()
