"""Crash safety: a server killed (SIGKILL) in a stream of issuances keeps every credential a
client saw acknowledged; storage failures answer clearly and lose nothing."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from content.grading import correct_answer
from edge_node import assessment, learners
from edge_node.demo import prepare_demo
from edge_node.errors import StorageError
from edge_node.node import open_node
from sync.eventlog import verify_log
from tests.helpers.nodes import full_marks

ROOT = Path(__file__).resolve().parent.parent
MODULE = "soil-health"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _submitted_sittings(data: Path, count: int) -> list[str]:
    node = open_node(data)
    try:
        module = node.modules[MODULE]
        session = assessment.open_session(node, module_id=MODULE, route="course", by="test")
        sittings = []
        for index in range(count):
            learner = learners.register(
                node, learners.LearnerDetails(name=f"L{index}", consent=True), by="test"
            )
            _, sitting = assessment.join(
                node,
                session_code=session.code,
                learner_code=learner.code.replace("-", ""),
                pin=None,
                client=f"test-{index}",
            )
            for position, entry in enumerate(sitting.drawn):
                sitting = assessment.answer(
                    node,
                    sitting,
                    position=position,
                    raw=correct_answer(module.item(entry["item"])),
                )
            sittings.append(assessment.submit(node, sitting).id)
        return sittings
    finally:
        node.close()


@pytest.mark.slow
def test_sigkill_during_issuance_loses_no_acknowledged_credential(tmp_path: Path) -> None:
    data = tmp_path / "node"
    info = prepare_demo(data)
    sittings = _submitted_sittings(data, 60)
    module = open_node(data).modules[MODULE]
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "edge_node", "serve", "--data", str(data), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    acknowledged: list[str] = []
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        token = httpx.post(
            base + "/api/v1/login",
            json={"username": info.worker[0], "password": info.worker[1]},
        ).json()["token"]

        def stream() -> None:
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
                for sitting in sittings:
                    try:
                        answer = c.post(
                            f"/api/v1/sittings/{sitting}/checklist",
                            json={"scores": full_marks(module)},
                        )
                    except httpx.TransportError:
                        return
                    if answer.status_code == 200:
                        acknowledged.append(answer.json()["result"]["credential_id"])

        worker = threading.Thread(target=stream)
        worker.start()
        while len(acknowledged) < 15 and worker.is_alive():
            time.sleep(0.005)
        os.kill(server.pid, signal.SIGKILL)
        worker.join(timeout=30)
    finally:
        server.kill()
        server.wait(timeout=10)
    assert len(acknowledged) >= 15
    assert len(acknowledged) < len(sittings), "the kill came after the stream ended"
    node = open_node(data)
    try:
        stored = {row[0] for row in node.db.execute("SELECT id FROM credentials")}
        assert set(acknowledged) <= stored
        # Consistent: each credential has its result and its event, the chain is whole.
        issued_events = node.db.execute(
            "SELECT count(*) FROM events WHERE type = 'credential.issued'"
        ).fetchone()[0]
        assert issued_events == len(stored)
        assert verify_log(node.db, node.node_id) > 0
    finally:
        node.close()


def test_a_read_only_database_answers_503_and_keeps_what_it_has(tmp_path: Path) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from edge_node.web.app import create_app

    data = tmp_path / "node"
    info = prepare_demo(data)
    node = open_node(data)
    before = node.db.execute("SELECT count(*) FROM learners").fetchone()[0]
    client = TestClient(create_app(node))
    token = client.post(
        "/api/v1/login", json={"username": info.worker[0], "password": info.worker[1]}
    ).json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    node.db.execute("PRAGMA query_only = ON")
    refused = client.post("/api/v1/learners", json={"name": "X", "consent": True})
    assert refused.status_code == 503 and "read-only" in refused.json()["message"]
    assert client.get("/api/v1/learners").status_code == 200
    node.db.execute("PRAGMA query_only = OFF")
    assert node.db.execute("SELECT count(*) FROM learners").fetchone()[0] == before
    node.close()


def test_a_full_disk_is_reported_in_plain_words(tmp_path: Path) -> None:
    data = tmp_path / "node"
    prepare_demo(data)
    node = open_node(data)
    pages = node.db.execute("PRAGMA page_count").fetchone()[0]
    node.db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StorageError, match="full"):
        for index in range(200):
            learners.register(
                node,
                learners.LearnerDetails(name="N" * 90 + str(index), consent=True),
                by="test",
            )
    node.db.execute("PRAGMA max_page_count = 1073741823")
    assert node.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    node.close()
