"""Values an enrolled but rogue (or broken) node may sign that no database column can
hold: integers past 64 bits, NUL in text, a score that is no percentage, a learner
update of the wrong type. Each is a clear 4xx or a quarantined event, never a 500, on
SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import cbor2
import pytest
from fastapi.testclient import TestClient

from hub.ingest import Hub
from sync.eventlog import Event, hash_at, read_events
from sync.protocol import MAX_INT
from sync.simulate import ScriptedNode
from tests.helpers.messages import message, synced_node

TOO_BIG = 2**64 - 1
"""The largest integer CBOR encodes without a bignum tag (which the hub refuses)."""


def send(client: TestClient, path: str, wire: bytes) -> tuple[int, dict[str, Any]]:
    response = client.post(f"/sync/v1/{path}", content=wire)
    if response.status_code == 200:
        return 200, {}
    return response.status_code, cbor2.loads(response.content)


def body(fields: dict[str, Any]) -> bytes:
    return cbor2.dumps(fields, canonical=True)


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("hello", {"m": "hello", "head": TOO_BIG, "loc": []}),
        ("hello", {"m": "hello", "head": -TOO_BIG, "loc": []}),
        ("pull", {"m": "pull", "after": TOO_BIG}),
        ("pull", {"m": "pull", "after": MAX_INT + 1}),
    ],
)
def test_a_cursor_past_64_bits_is_refused(
    hub: Hub, sync_api: TestClient, path: str, fields: dict[str, Any]
) -> None:
    node = synced_node(hub, sync_api)
    status, error = send(sync_api, path, message(node, **fields))
    assert status == 400 and error["error"] == "malformed_batch"
    assert "out of range" in error["message"]


@pytest.mark.parametrize("at", [TOO_BIG, -TOO_BIG])
def test_an_event_time_past_64_bits_refuses_the_batch(
    hub: Hub, sync_api: TestClient, at: int
) -> None:
    node = synced_node(hub, sync_api)
    last = read_events(node.db, after=0)[-1]
    event = [last.seq + 1, "learner.merged", at, "hub", body({"id": "a", "into": "b"})]
    wire = message(node, m="batch", prev=hash_at(node.db, last.seq, node.node_id), events=[event])
    status, error = send(sync_api, "push", wire)
    assert status == 400 and error["error"] == "malformed_batch"
    tip = hub.store.scalar("SELECT tip_seq FROM branches WHERE node_id = ?", [node.node_id])
    assert tip == last.seq


def _learner(node: ScriptedNode) -> str:
    return f"{node.node_id}-L1"


POISON: dict[str, tuple[str, Any]] = {
    "score past 64 bits": (
        "sitting.submitted",
        lambda n: {
            "id": "S9",
            "learner": _learner(n),
            "module": "soil-health",
            "module_version": "1.0.0",
            "route": "course",
            "answers": {},
            "score_percent": TOO_BIG,
            "passed": True,
        },
    ),
    "score no percentage": (
        "checklist.scored",
        lambda n: {"sitting": "S1", "checklist": {}, "score_percent": 250, "passed": True},
    ),
    "birth year past 64 bits": (
        "learner.registered",
        lambda n: {"id": "x", "code": "1", "name": "N", "language": "sw", "birth_year": TOO_BIG},
    ),
    "NUL in a name": (
        "learner.registered",
        lambda n: {"id": "x", "code": "1", "name": "A\x00B", "language": "sw"},
    ),
    "NUL in a map key": (
        "sitting.submitted",
        lambda n: {
            "id": "S9",
            "learner": _learner(n),
            "module": "soil-health",
            "module_version": "1.0.0",
            "route": "course",
            "answers": {"q\x001": 1},
            "score_percent": 80,
            "passed": True,
        },
    ),
    "name changed to a list": (
        "learner.updated",
        lambda n: {"id": _learner(n), "changes": {"name": ["A"]}},
    ),
    "birth year changed to text": (
        "learner.updated",
        lambda n: {"id": _learner(n), "changes": {"birth_year": "1990"}},
    ),
}


@pytest.mark.parametrize("case", list(POISON))
def test_an_unstorable_value_quarantines_its_event_alone(
    hub: Hub, sync_api: TestClient, case: str
) -> None:
    node = synced_node(hub, sync_api)
    last = read_events(node.db, after=0)[-1]
    kind, make = POISON[case]
    poison = Event(last.seq + 1, kind, last.at + 5, "hub", body(make(node)))
    fine = Event(last.seq + 2, "learner.merged", last.at + 6, "hub", body({"id": "a", "into": "b"}))
    prev = hash_at(node.db, last.seq, node.node_id)
    events = [[e.seq, e.type, e.at, e.clock_quality, e.body] for e in (poison, fine)]
    response = sync_api.post(
        "/sync/v1/push", content=message(node, m="batch", prev=prev, events=events)
    )
    assert response.status_code == 200, response.content
    rows = hub.store.query(
        "SELECT seq, quarantine FROM events WHERE node_id = ? AND seq > ? ORDER BY seq",
        [node.node_id, last.seq],
    )
    assert [r[0] for r in rows] == [poison.seq, fine.seq]
    assert rows[0][1] and rows[1][1] is None
    # The learner the node registered first is unchanged by a refused update.
    learner = hub.store.one(
        "SELECT name, birth_year FROM learners WHERE node_id = ? AND learner_id = ?",
        [node.node_id, _learner(node)],
    )
    assert learner is not None and isinstance(learner[0], str)
    assert learner[1] is None or isinstance(learner[1], int)
