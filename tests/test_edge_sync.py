"""A demo node syncs with a hub over HTTP: its events are acknowledged, the hub's time
becomes the node's trusted time, and the dashboard shows the count and the time."""

from __future__ import annotations

import socket
import threading
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credentials.keys import load_private_key
from credentials.trust import TrustList, sign_trust_list
from edge_node import events
from edge_node.clock import ClockSource
from edge_node.config import CERT_REQUEST_FILE, load_settings, write_settings
from edge_node.demo import DEMO_ROOT_KEY_FILE, WORKER, prepare_demo
from edge_node.errors import BadRequest
from edge_node.node import open_node
from edge_node.server import sync_loop
from edge_node.syncing import item_installer, sync_now
from edge_node.trust import install_trust_list
from edge_node.web.app import create_app as create_edge_app
from fieldcred.cli import app as cli
from sync.hub.app import create_app
from sync.hub.nodes import enrol_node
from sync.hub.server import BackgroundServer
from sync.hub.store import SqliteStore
from sync.simulate import simulated_hub


def test_a_node_syncs_its_events_and_takes_the_hub_time(tmp_path: Path) -> None:
    data = tmp_path / "node"
    prepare_demo(data)
    root = load_private_key(data / DEMO_ROOT_KEY_FILE)
    store = SqliteStore(tmp_path / "hub.db")
    hub = simulated_hub(store, root_key=root)
    now = datetime.now(UTC)
    enrol_node(
        hub.store,
        root,
        (data / CERT_REQUEST_FILE).read_bytes(),
        modules=("*",),
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=365),
        organisation="university",
        now=now,
    )
    server = BackgroundServer(create_app(hub)).start()
    try:
        node = open_node(data)
        before = events.pending_count(node.db)
        assert before >= 3  # the demo learners' registrations
        report = sync_now(node, hub_url=server.url)
        assert getattr(report, "ok", False), getattr(report, "last_error", None)
        assert events.pending_count(node.db) == 0
        assert events.last_sync(node.db) is not None
        assert node.clock.status().source is ClockSource.hub
        node.close()
        settings = load_settings(data)
        write_settings(data, settings.model_copy(update={"hub_url": server.url}))
        result = CliRunner().invoke(cli, ["edge", "sync", "--data", str(data)])
        assert result.exit_code == 0, result.output
        assert "Synced" in result.output
        # the server's background loop: one round on its own connection, then a callback
        node = open_node(data)
        node.settings = node.settings.model_copy(update={"sync_interval_s": 0})
        stop = threading.Event()
        sync_loop(node, stop, stop.set)
        assert stop.is_set()
        last = node.db.execute("SELECT value FROM sync_state WHERE key = 'last_success_at'")
        assert last.fetchone() is not None
        node.close()
    finally:
        server.stop()
        store.close()


def test_sync_without_a_hub_address_is_a_clear_error(tmp_path: Path) -> None:
    data = tmp_path / "node"
    prepare_demo(data)
    result = CliRunner().invoke(cli, ["edge", "sync", "--data", str(data)])
    assert result.exit_code == 1 and "hub" in result.output and "Traceback" not in result.output


def test_a_usb_bundle_is_written(tmp_path: Path) -> None:
    data = tmp_path / "node"
    prepare_demo(data)
    bundle = tmp_path / "bundle.fcsync"
    result = CliRunner().invoke(cli, ["edge", "export-bundle", str(bundle), "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert bundle.stat().st_size > 0


def test_a_pulled_trust_list_older_than_the_installed_one_is_skipped(tmp_path: Path) -> None:
    data = tmp_path / "node"
    prepare_demo(data)
    root = load_private_key(data / DEMO_ROOT_KEY_FILE)
    node = open_node(data)

    def listing(version: int) -> bytes:
        return sign_trust_list(
            root, TrustList(version=version, issued_at=datetime.now(UTC), roots=(root.public_key,))
        )

    install_trust_list(node, listing(5))
    item_installer(node)("trust", listing(3))
    assert node.db.execute("SELECT version FROM trust WHERE id = 1").fetchone()[0] == 5
    with pytest.raises(BadRequest, match="older"):
        install_trust_list(node, listing(3))
    node.close()


def test_the_dashboard_says_why_the_last_sync_failed(tmp_path: Path) -> None:
    data = tmp_path / "node"
    prepare_demo(data)
    node = open_node(data)
    report = sync_now(node, hub_url=f"http://127.0.0.1:{closed_port()}")
    assert not getattr(report, "ok", True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    client = TestClient(create_edge_app(node))
    login = client.post("/api/v1/login", json={"username": WORKER[0], "password": WORKER[1]})
    client.headers["Authorization"] = f"Bearer {login.json()['token']}"
    figures = client.get("/api/v1/dashboard").json()
    assert "could not be reached" in figures["last_sync_error"]
    assert "could not be reached" in client.get("/dashboard").text
    node.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
