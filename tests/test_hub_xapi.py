"""xAPI outbox: deterministic statement ids, retries with back-off, never a duplicate."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from hub.ingest import Hub, answer
from hub.server import BackgroundServer
from hub.simulate import enrol, simulated_hub
from hub.store import SqliteStore
from hub.xapi import FIRST_RETRY_S, MAX_RETRY_S, backoff_s, deliver_due, outbox_status
from sync.client import batch_message
from sync.eventlog import read_events
from sync.simulate import ScriptedNode

BASE = "https://hub.example.org"


class FakeLrs:
    """Keeps statements by id; 204 for the same content again, 409 for different content
    (as Ralph does); answers 503 while ``down``."""

    def __init__(self) -> None:
        self.statements: dict[str, str] = {}
        self.requests = 0
        self.down = False
        self.app = FastAPI()

        @self.app.put("/xapi/statements")
        async def put(request: Request, statementId: str) -> Response:
            self.requests += 1
            if self.down:
                return Response(status_code=503)
            assert request.headers["x-experience-api-version"] == "1.0.3"
            body = (await request.body()).decode()
            assert json.loads(body)["id"] == statementId
            if statementId in self.statements and self.statements[statementId] != body:
                return Response(status_code=409)
            self.statements[statementId] = body
            return Response(status_code=204)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    store = SqliteStore(tmp_path / "hub.db")
    yield simulated_hub(store)
    store.close()


@pytest.fixture
def lrs() -> Iterator[tuple[FakeLrs, str]]:
    fake = FakeLrs()
    server = BackgroundServer(fake.app).start()
    yield fake, f"{server.url}/xapi"
    server.stop()


def ingest(hub: Hub, node: ScriptedNode) -> None:
    answer(
        hub, batch_message(node.db, node.key, node.node_id, read_events(node.db, after=0), b"n" * 8)
    )


def test_every_sitting_and_credential_becomes_one_statement(
    hub: Hub, lrs: tuple[FakeLrs, str]
) -> None:
    fake, url = lrs
    node = ScriptedNode.create("node-x")
    enrol(hub, node)
    for _ in range(5):
        node.sit_and_issue(node.register())
    ingest(hub, node)
    ingest(hub, node)  # a re-sent batch queues nothing new
    assert outbox_status(hub.store) == {"statements": 10, "pending": 10}
    with httpx.Client() as client:
        assert deliver_due(hub.store, client, lrs_url=url, base_url=BASE, now=10**10) == (10, 0)
        assert deliver_due(hub.store, client, lrs_url=url, base_url=BASE, now=10**10) == (0, 0)
    assert len(fake.statements) == 10
    verbs = sorted(json.loads(s)["verb"]["id"].rsplit("/", 1)[1] for s in fake.statements.values())
    assert verbs == ["earned"] * 5 + ["passed"] * 5
    for sid, text in fake.statements.items():
        statement: dict[str, Any] = json.loads(text)
        assert uuid.UUID(sid).version == 5
        assert statement["actor"]["account"]["name"].startswith("node-x/")
        assert "Amina" not in text  # pseudonymous: no names travel


def test_retries_back_off_and_never_duplicate(hub: Hub, lrs: tuple[FakeLrs, str]) -> None:
    fake, url = lrs
    node = ScriptedNode.create("node-y")
    enrol(hub, node)
    node.sit_and_issue(node.register())
    ingest(hub, node)
    fake.down = True
    now = int(time.time())
    with httpx.Client() as client:
        assert deliver_due(hub.store, client, lrs_url=url, base_url=BASE, now=now) == (0, 2)
        assert deliver_due(hub.store, client, lrs_url=url, base_url=BASE, now=now + 1) == (
            0,
            0,
        )  # backing off
        row = hub.store.one("SELECT attempts, next_attempt_at, last_error FROM xapi_outbox LIMIT 1")
        assert row is not None and row[0] == 1 and "503" in row[2]
        # Jittered by +-25 %, in whole seconds (truncated).
        assert now + int(FIRST_RETRY_S * 0.75) <= row[1] <= now + FIRST_RETRY_S * 1.25
        fake.down = False
        assert deliver_due(hub.store, client, lrs_url=url, base_url=BASE, now=now + 3600) == (2, 0)
    assert len(fake.statements) == 2
    # The LRS already holding a statement (our earlier attempt got through, its answer did
    # not) answers 204 for the same id and content: still exactly one.
    hub.store.execute("UPDATE xapi_outbox SET sent_at = NULL")
    with httpx.Client() as client:
        assert deliver_due(hub.store, client, lrs_url=url, base_url=BASE, now=now + 7200) == (2, 0)
    assert len(fake.statements) == 2


def test_backoff_doubles_and_caps() -> None:
    middle = [backoff_s(n, rng=lambda: 0.5) for n in range(1, 12)]
    assert middle[:4] == [FIRST_RETRY_S, 2 * FIRST_RETRY_S, 4 * FIRST_RETRY_S, 8 * FIRST_RETRY_S]
    assert max(middle) == MAX_RETRY_S
