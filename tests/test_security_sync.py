"""An attacker at the sync boundary: a rogue (or broken) enrolled node signing values the
hub would choke on later, and a hostile hub (or whoever answers in its place) sending a
node more than it may hold."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import cbor2
import httpx
import pytest
from fastapi.testclient import TestClient

from credentials.trust import read_trust_list
from hub import reports, xapi
from hub.app import create_app
from hub.ingest import Hub, answer
from hub.nodes import enrol_node, latest_trust, latest_trust_list, revoke_node
from hub.simulate import enrol, push
from sync.bundles import export_bundle, import_bundle
from sync.client import batch_message, locator, sync_once
from sync.errors import BadRequest
from sync.eventlog import hash_at, read_events
from sync.protocol import MAX_ANSWER_BYTES, VERSIONS, seal
from sync.simulate import ScriptedNode


def _synced_node(hub: Hub, client: TestClient) -> ScriptedNode:
    node = ScriptedNode.create(f"node-{secrets.token_hex(3)}")
    enrol(hub, node)
    node.sit_and_issue(node.register())
    wire = batch_message(node.db, node.key, node.node_id, read_events(node.db, after=0), b"n" * 8)
    assert client.post("/sync/v1/push", content=wire).status_code == 200
    return node


def test_a_sitting_dated_past_any_calendar_is_quarantined_and_xapi_keeps_flowing(
    hub: Hub,
) -> None:
    """A sitting stamped in the year 36812 was stored as a result: every page and xAPI
    statement built from it failed (no date that far), and the hub's xAPI forwarder
    stopped at it for good, for every centre."""
    client = TestClient(create_app(hub), raise_server_exceptions=False)
    node = _synced_node(hub, client)
    last = read_events(node.db, after=0)[-1]
    sitting = {
        "id": "S-far",
        "learner": f"{node.node_id}-L1",
        "module": "soil-health",
        "module_version": "1.0.0",
        "route": "course",
        "answers": {},
        "score_percent": 90,
        "passed": True,
    }
    event = [last.seq + 1, "sitting.submitted", 2**40, "hub", cbor2.dumps(sitting, canonical=True)]
    wire = seal(
        node.key,
        {
            "m": "batch",
            "v": VERSIONS[-1],
            "node": node.node_id,
            "nonce": b"n" * 8,
            "prev": hash_at(node.db, last.seq, node.node_id),
            "events": [event],
        },
    )
    response = client.post("/sync/v1/push", content=wire)
    assert response.status_code == 200
    quarantine = hub.store.scalar(
        "SELECT quarantine FROM events WHERE node_id = ? AND seq = ?", [node.node_id, last.seq + 1]
    )
    assert quarantine is not None and "not a date" in quarantine
    assert hub.store.scalar("SELECT count(*) FROM sittings WHERE sitting_id = 'S-far'") == 0

    lrs = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(204)))
    sent, failed = xapi.deliver_due(
        hub.store, lrs, lrs_url="http://lrs.example", base_url="http://hub.example", now=2**35
    )
    assert sent >= 2 and failed == 0


def test_a_node_stops_reading_a_hub_answer_past_its_limit(hub: Hub) -> None:
    """Whoever answers in the hub's place (a captive portal, a hostile hub address) could
    send an endless body: the node read all of it into memory before checking its size."""
    node = ScriptedNode.create("node-endless")
    served = 0

    def endless() -> Iterator[bytes]:
        nonlocal served
        chunk = b"\0" * 65536
        while served < 4 * MAX_ANSWER_BYTES:
            served += len(chunk)
            yield chunk

    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=endless()))
    report = sync_once(
        db=node.db,
        node_key=node.key,
        node_id=node.node_id,
        hub_url="http://hub.example",
        hub_key=hub.root_key.public_key,
        transport=transport,
    )
    assert not report.ok and report.last_error is not None
    assert "too large" in report.last_error
    assert served <= MAX_ANSWER_BYTES + 2 * 65536


def _enrol_in(hub: Hub, node: ScriptedNode, organisation: str) -> None:
    now = datetime.now(UTC)
    enrol_node(
        hub.store,
        hub.root_key,
        node.request(),
        modules=("soil-health",),
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=30),
        organisation=organisation,
        now=now,
    )


def test_staff_never_see_another_organisations_learners_through_links(hub: Hub) -> None:
    """Two organisations' centres each registered a Mary Atieno born 1990: the hub linked
    them, and each organisation's overview listed the other's centre and learner id."""
    client = TestClient(create_app(hub), raise_server_exceptions=False)
    ours = ScriptedNode.create("ours-01", seed=3)
    theirs = ScriptedNode.create("theirs-01", seed=4)
    _enrol_in(hub, ours, "university")
    _enrol_in(hub, theirs, "other-university")
    mine = ScriptedNode.create("ours-02", seed=5)
    _enrol_in(hub, mine, "university")
    for node in (theirs, ours, mine):
        node.register("Mary Atieno", birth_year=1990)
        events = read_events(node.db, after=0)
        wire = batch_message(node.db, node.key, node.node_id, events, b"n" * 8)
        assert client.post("/sync/v1/push", content=wire).status_code == 200
    assert hub.store.scalar("SELECT count(*) FROM learner_links") == 3
    seen = reports.links(hub.store, "university", limit=100)
    assert {(row["node_a"], row["node_b"]) for row in seen} == {("ours-01", "ours-02")}
    assert reports.links(hub.store, "other-university", limit=100) == []


def _alert(hub: Hub, node_id: str) -> str | None:
    value = hub.store.scalar("SELECT alert FROM nodes WHERE node_id = ?", [node_id])
    return None if value is None else str(value)


def test_a_stale_bundle_is_no_sign_of_a_restored_backup(hub: Hub) -> None:
    """A USB bundle written before an online sync and carried in an hour later (or a
    captured hello sent again) raised "restored from an old backup" on the node's record,
    which no staff decision could clear, and moved the node's time anchor to now."""
    node = ScriptedNode.create("node-stick")
    enrol(hub, node)
    node.sit_and_issue(node.register())
    bundle = export_bundle(db=node.db, node_key=node.key, node_id=node.node_id)
    head = read_events(node.db, after=0)[-1].seq
    node.sit_and_issue(node.register())
    hub.clock = lambda: time.time() + 3600
    push(hub, node)
    _, errors = import_bundle(lambda wire: answer(hub, wire), bundle)
    assert errors == []
    assert _alert(hub, node.node_id) is None
    anchored = hub.store.scalar(
        "SELECT count(*) FROM anchors WHERE node_id = ? AND head_seq = ?", [node.node_id, head]
    )
    assert anchored == 0

    # A node that did lose its last events, and says hello after, is still reported.
    node.db.execute("DELETE FROM events WHERE seq > ?", [head])
    hello = {
        "m": "hello",
        "v": list(VERSIONS),
        "node": node.node_id,
        "nonce": b"n" * 8,
        "time": int(time.time()) + 7200,
        "head": head,
        "loc": locator(node.db, node.node_id, head),
    }
    client = TestClient(create_app(hub), raise_server_exceptions=False)
    assert client.post("/sync/v1/hello", content=seal(node.key, hello)).status_code == 200
    assert "restored from an old backup" in (_alert(hub, node.node_id) or "")


def test_one_key_is_never_enrolled_as_a_second_node(hub: Hub) -> None:
    """Enrolling a node's key again under another id re-pointed the key's certificate to
    the new id: the first node was shut out (401), and once the second id was revoked its
    batches were still accepted, the revocation being looked up on the first id."""
    client = TestClient(create_app(hub), raise_server_exceptions=False)
    first = ScriptedNode.create("centre-a", seed=9)
    second = ScriptedNode.create("centre-b", seed=9)
    enrol(hub, first)
    with pytest.raises(BadRequest, match="enrolled already as node centre-a"):
        enrol(hub, second)
    first.sit_and_issue(first.register())
    wire = batch_message(
        first.db, first.key, first.node_id, read_events(first.db, after=0), b"n" * 8
    )
    assert client.post("/sync/v1/push", content=wire).status_code == 200
    second.sit_and_issue(second.register())
    wire = batch_message(
        second.db, second.key, second.node_id, read_events(second.db, after=0), b"n" * 8
    )
    assert client.post("/sync/v1/push", content=wire).status_code == 401


def test_a_request_in_an_enrolled_nodes_name_with_another_key_is_refused(hub: Hub) -> None:
    """A centre could ask for a 'renewal' naming another centre's id with its own key: once
    signed, its key spoke and issued credentials as that centre."""
    genuine = ScriptedNode.create("centre-a", seed=9)
    impostor = ScriptedNode.create("centre-a", seed=10)
    enrol(hub, genuine)
    with pytest.raises(BadRequest, match="enrolled with another key"):
        enrol(hub, impostor)
    assert hub.store.scalar("SELECT count(*) FROM node_certs") == 1


def test_a_stored_row_no_statement_can_be_built_from_waits_alone(hub: Hub) -> None:
    """A sitting dated past any calendar, stored before the hub refused such events, made
    every round of the xAPI forwarder fail at it: nothing after it was ever sent."""
    client = TestClient(create_app(hub), raise_server_exceptions=False)
    node = _synced_node(hub, client)
    with hub.store.transaction():
        hub.store.execute(
            "INSERT INTO sittings (node_id, sitting_id, learner_id, module_id, module_version, "
            "route, score_percent, passed, submitted_at) VALUES (?, 'S-far', ?, 'soil-health', "
            "'1.0.0', 'course', 90, 1, ?)",
            [node.node_id, f"{node.node_id}-L1", 2**40],
        )
        xapi.enqueue(hub.store, [(node.node_id, "sitting", "S-far")], now=0)
    lrs = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(204)))
    sent, failed = xapi.deliver_due(
        hub.store, lrs, lrs_url="http://lrs.example", base_url="http://hub.example", now=2**35
    )
    assert (sent, failed) == (2, 1)
    error = hub.store.scalar("SELECT last_error FROM xapi_outbox WHERE ref = 'S-far'")
    assert error is not None and "cannot be built" in error


def test_public_verification_reads_the_trust_list_once_per_publication(hub: Hub) -> None:
    """Every anonymous POST /verify read the latest trust list again, checking every node
    certificate in it (25 ms with 250 centres): a cheap way to keep a hub's cores busy."""
    for index in range(160):
        enrol(hub, ScriptedNode.create(f"centre-{index:03d}", seed=index + 1))
    data = latest_trust_list(hub.store)
    assert data is not None
    started = time.perf_counter()
    read_trust_list(data)
    one_read = time.perf_counter() - started
    client = TestClient(create_app(hub), raise_server_exceptions=False)
    started = time.perf_counter()
    for _ in range(20):  # the same list fetched, not read: what a request costs anyway
        assert client.get("/trust-list").status_code == 200
    fetching = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(20):
        assert client.post("/verify", content=b"FC1:not a credential").status_code == 200
    assert time.perf_counter() - started < fetching + 5 * one_read

    first = latest_trust(hub.store)
    assert first is not None and latest_trust(hub.store) is first
    revoke_node(hub.store, hub.root_key, "centre-007", now=datetime.now(UTC))
    after = latest_trust(hub.store)
    assert after is not None and "centre-007" in after.revoked_nodes
