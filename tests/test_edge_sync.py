"""A demo node syncs with a hub over HTTP: its events are acknowledged, the hub's time
becomes the node's trusted time, and the dashboard shows the count and the time."""

from __future__ import annotations

import json
import re
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
from edge_node.demo import DEMO_ROOT_KEY_FILE, WORKER, HubLink, prepare_demo
from edge_node.errors import BadRequest
from edge_node.node import open_node
from edge_node.server import sync_loop
from edge_node.syncing import item_installer, sync_now
from edge_node.trust import install_trust_list
from edge_node.web.app import create_app as create_edge_app
from fieldcred.cli import app as cli
from hub.app import create_app
from hub.demo import enrol_demo_node, prepare_hub_demo
from hub.nodes import enrol_node
from hub.server import BackgroundServer
from hub.settings import open_hub
from hub.simulate import simulated_hub
from hub.store import SqliteStore


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


TERMINAL = {"FORCE_COLOR": "1", "COLUMNS": "160"}
"""Makes rich take CliRunner's output for a terminal, so the bar is drawn."""


def _plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def hub_and_node(tmp_path: Path) -> tuple[Path, Path]:
    """A hub data directory and a node enrolled with it, with the demo's seeded pass."""
    hub_dir, node_dir = tmp_path / "hub", tmp_path / "node"
    hub = prepare_hub_demo(hub_dir)
    link = HubLink(
        url=f"http://127.0.0.1:{closed_port()}",
        root_public_key=hub.root_public_key,
        enrol=lambda request: enrol_demo_node(hub_dir, request),
    )
    prepare_demo(node_dir, hub=link, seed=True)
    return hub_dir, node_dir


def test_edge_sync_draws_a_bar_on_a_terminal_that_ends_as_the_report_does(
    tmp_path: Path,
) -> None:
    hub_dir, node_dir = hub_and_node(tmp_path)
    node = open_node(node_dir)
    pending = events.pending_count(node.db)
    node.close()
    assert pending > 5  # registrations, the session, the sitting, the credential
    command = ["edge", "sync", "--data", str(node_dir)]
    offline = CliRunner().invoke(cli, command, env=TERMINAL)
    assert offline.exit_code == 1
    assert "Sync incomplete" in _plain(offline.output) and "Synced" not in offline.output

    hub, _ = open_hub(hub_dir)
    server = BackgroundServer(create_app(hub)).start()
    try:
        result = CliRunner().invoke(cli, [*command, "--hub", server.url], env=TERMINAL)
        assert result.exit_code == 0, result.output
        text = _plain(result.output)
        assert re.search(rf"Synced .*━.* {pending}/{pending} events, [\d.]+ kB", text), text
        assert f"Synced: {pending} event(s) sent, 0 still pending" in text
        quiet = CliRunner().invoke(cli, [*command, "--hub", server.url])
        assert quiet.exit_code == 0, quiet.output
        assert quiet.output.startswith("Synced: 0 event(s) sent") and "━" not in quiet.output
    finally:
        server.stop()
        hub.store.close()


def test_a_usb_round_trip_ends_with_edge_import_bundle(tmp_path: Path) -> None:
    hub_dir, node_dir = hub_and_node(tmp_path)
    bundle, answer = tmp_path / "stick.fcsync", tmp_path / "stick.answer"
    runner = CliRunner()
    exported = runner.invoke(cli, ["edge", "export-bundle", str(bundle), "--data", str(node_dir)])
    assert exported.exit_code == 0, exported.output
    hub = ["hub", "import-bundle", str(bundle), "--data", str(hub_dir), "--answer", str(answer)]
    assert runner.invoke(cli, hub).exit_code == 0
    result = runner.invoke(cli, ["edge", "import-bundle", str(answer), "--data", str(node_dir)])
    assert result.exit_code == 0, result.output
    assert "Synced:" in result.output and "0 still pending" in result.output
    # the earlier name still works, and is no longer shown
    again = runner.invoke(cli, ["edge", "import-answer", str(answer), "--data", str(node_dir)])
    assert again.exit_code == 0 and "0 still pending" in again.output
    listing = runner.invoke(cli, ["edge", "--help"]).output
    assert "import-bundle" in listing and "import-answer" not in listing


def test_the_demo_node_points_at_its_hub_without_writing_the_environment_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIELDCRED_EDGE_DEFAULT_LANGUAGE", "sw")
    _, node_dir = hub_and_node(tmp_path)
    written = json.loads((node_dir / "settings.json").read_text())
    assert written["sync_interval_s"] == 15 and written["hub_url"].startswith("http://127.0.0.1:")
    assert written["default_language"] == "en"
    assert load_settings(node_dir).default_language == "sw"
