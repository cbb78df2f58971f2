"""xAPI outbox: deterministic statement ids, retries with back-off, never a duplicate."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx

from hub.ingest import Hub, answer
from hub.simulate import enrol
from hub.xapi import FIRST_RETRY_S, MAX_RETRY_S, backoff_s, deliver_due, outbox_status
from sync.client import batch_message
from sync.eventlog import read_events
from sync.simulate import ScriptedNode
from tests.helpers.lrs import BASE, FakeLrs


def ingest(hub: Hub, node: ScriptedNode) -> None:
    answer(
        hub, batch_message(node.db, node.key, node.node_id, read_events(node.db, after=0), b"n" * 8)
    )


def test_every_sitting_and_credential_becomes_one_statement(
    sqlite_hub: Hub, lrs: tuple[FakeLrs, str]
) -> None:
    fake, url = lrs
    node = ScriptedNode.create("node-x")
    enrol(sqlite_hub, node)
    for _ in range(5):
        node.sit_and_issue(node.register())
    ingest(sqlite_hub, node)
    ingest(sqlite_hub, node)  # a re-sent batch queues nothing new
    assert outbox_status(sqlite_hub.store) == {"statements": 10, "pending": 10}
    with httpx.Client() as client:
        assert deliver_due(sqlite_hub.store, client, lrs_url=url, base_url=BASE, now=10**10) == (
            10,
            0,
        )
        assert deliver_due(sqlite_hub.store, client, lrs_url=url, base_url=BASE, now=10**10) == (
            0,
            0,
        )
    assert len(fake.statements) == 10
    verbs = sorted(json.loads(s)["verb"]["id"].rsplit("/", 1)[1] for s in fake.statements.values())
    assert verbs == ["earned"] * 5 + ["passed"] * 5
    for sid, text in fake.statements.items():
        statement: dict[str, Any] = json.loads(text)
        assert uuid.UUID(sid).version == 5
        assert statement["actor"]["account"]["name"].startswith("node-x/")
        assert "Amina" not in text  # pseudonymous: no names travel


def test_retries_back_off_and_never_duplicate(sqlite_hub: Hub, lrs: tuple[FakeLrs, str]) -> None:
    fake, url = lrs
    node = ScriptedNode.create("node-y")
    enrol(sqlite_hub, node)
    node.sit_and_issue(node.register())
    ingest(sqlite_hub, node)
    fake.down = True
    now = int(time.time())
    with httpx.Client() as client:
        assert deliver_due(sqlite_hub.store, client, lrs_url=url, base_url=BASE, now=now) == (0, 2)
        assert deliver_due(sqlite_hub.store, client, lrs_url=url, base_url=BASE, now=now + 1) == (
            0,
            0,
        )  # backing off
        row = sqlite_hub.store.one(
            "SELECT attempts, next_attempt_at, last_error FROM xapi_outbox LIMIT 1"
        )
        assert row is not None and row[0] == 1 and "503" in row[2]
        # Jittered by +-25 %, in whole seconds (truncated).
        assert now + int(FIRST_RETRY_S * 0.75) <= row[1] <= now + FIRST_RETRY_S * 1.25
        fake.down = False
        assert deliver_due(
            sqlite_hub.store, client, lrs_url=url, base_url=BASE, now=now + 3600
        ) == (2, 0)
    assert len(fake.statements) == 2
    # The LRS already holding a statement (our earlier attempt got through, its answer did
    # not) answers 204 for the same id and content: still exactly one.
    sqlite_hub.store.execute("UPDATE xapi_outbox SET sent_at = NULL")
    with httpx.Client() as client:
        assert deliver_due(
            sqlite_hub.store, client, lrs_url=url, base_url=BASE, now=now + 7200
        ) == (2, 0)
    assert len(fake.statements) == 2


def test_backoff_doubles_and_caps() -> None:
    middle = [backoff_s(n, rng=lambda: 0.5) for n in range(1, 12)]
    assert middle[:4] == [FIRST_RETRY_S, 2 * FIRST_RETRY_S, 4 * FIRST_RETRY_S, 8 * FIRST_RETRY_S]
    assert max(middle) == MAX_RETRY_S
