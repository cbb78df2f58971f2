"""Hostile input at /sync/v1: each gets a clear 4xx and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import cbor2
import pytest
import zstandard
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credentials.cose import sign1
from credentials.keys import SigningKey
from hub.app import create_app
from hub.ingest import Hub, answer
from hub.nodes import revoke_node
from hub.simulate import enrol
from sync.client import batch_message, hello_message
from sync.compression import compress
from sync.errors import SyncError
from sync.eventlog import read_events
from sync.protocol import MEDIA_TYPE, seal
from sync.simulate import ScriptedNode


@pytest.fixture
def client(sqlite_hub: Hub) -> TestClient:
    return TestClient(create_app(sqlite_hub))


@pytest.fixture
def scripted_node(sqlite_hub: Hub) -> ScriptedNode:
    enrolled = ScriptedNode.create("node-h")
    enrol(sqlite_hub, enrolled)
    for _ in range(3):
        enrolled.sit_and_issue(enrolled.register())
    return enrolled


def snapshot(hub: Hub) -> tuple[object, ...]:
    return tuple(
        hub.store.query(f"SELECT * FROM {table} ORDER BY 1, 2")
        for table in ("events", "branches", "credentials", "learners", "nodes")
    )


def batch(node: ScriptedNode, *, key: SigningKey | None = None) -> bytes:
    return batch_message(
        node.db, key or node.key, node.node_id, read_events(node.db, after=0), b"12345678"
    )


def post(client: TestClient, wire: bytes, path: str = "push", **headers: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/sync/v1/{path}", content=wire, headers={"content-type": MEDIA_TYPE, **headers}
    )


def refused(
    client: TestClient, hub: Hub, wire: bytes, status: int, reason: str, path: str = "push"
) -> str:
    before = snapshot(hub)
    response = post(client, wire, path)
    assert response.status_code == status, response.content
    body = cbor2.loads(response.content)
    assert body["error"] == reason and body["message"]
    assert snapshot(hub) == before
    return str(body["message"])


def test_a_batch_signed_by_a_key_not_enrolled_is_unauthenticated(
    client: TestClient, sqlite_hub: Hub, scripted_node: ScriptedNode
) -> None:
    message = refused(
        client,
        sqlite_hub,
        batch(scripted_node, key=SigningKey.from_seed(b"z" * 32)),
        401,
        "unauthenticated",
    )
    assert "not enrolled" in message


def test_a_revoked_node_s_batch_is_forbidden(
    client: TestClient, sqlite_hub: Hub, scripted_node: ScriptedNode
) -> None:
    revoke_node(sqlite_hub.store, sqlite_hub.root_key, "node-h", now=datetime.now(UTC))
    assert "revoked" in refused(client, sqlite_hub, batch(scripted_node), 403, "forbidden")


def test_a_result_in_a_module_outside_the_certificate_is_forbidden(
    client: TestClient, sqlite_hub: Hub, scripted_node: ScriptedNode
) -> None:
    scripted_node.sit_and_issue(scripted_node.register(), module="sustainable-irrigation")
    message = refused(client, sqlite_hub, batch(scripted_node), 403, "forbidden")
    assert "may not certify module 'sustainable-irrigation'" in message


def test_a_message_naming_another_node_is_unauthenticated(
    client: TestClient, sqlite_hub: Hub, scripted_node: ScriptedNode
) -> None:
    other = ScriptedNode.create("node-o", seed=3)
    enrol(sqlite_hub, other)
    wire = batch_message(
        scripted_node.db, other.key, "node-h", read_events(scripted_node.db, after=0), b"n" * 8
    )
    assert "different node" in refused(client, sqlite_hub, wire, 401, "unauthenticated")


def test_replay_is_a_no_op(
    client: TestClient, sqlite_hub: Hub, scripted_node: ScriptedNode
) -> None:
    wire = batch(scripted_node)
    assert post(client, wire).status_code == 200
    before = snapshot(sqlite_hub)
    again = post(client, wire)
    assert again.status_code == 200  # idempotent: a lost ack must be recoverable by resending
    assert snapshot(sqlite_hub) == before


def test_a_truncated_batch_is_malformed(
    client: TestClient, sqlite_hub: Hub, scripted_node: ScriptedNode
) -> None:
    wire = batch(scripted_node)
    for cut in (1, 5, len(wire) // 2, len(wire) - 1):
        refused(client, sqlite_hub, wire[:cut], 400, "malformed_batch")


def test_a_bit_flipped_in_the_signed_payload_is_unauthenticated(
    client: TestClient, sqlite_hub: Hub, scripted_node: ScriptedNode
) -> None:
    raw = bytearray(zstandard.ZstdDecompressor().decompress(batch(scripted_node)))
    raw[len(raw) // 2] ^= 0x01
    refused(client, sqlite_hub, compress(bytes(raw)), 401, "unauthenticated")


def test_a_bit_flipped_in_the_compressed_wire_is_a_malformed_batch(
    client: TestClient, sqlite_hub: Hub, scripted_node: ScriptedNode
) -> None:
    wire = bytearray(batch(scripted_node))
    wire[len(wire) // 2] ^= 0x10
    message = refused(client, sqlite_hub, bytes(wire), 400, "malformed_batch")
    assert "damaged" in message


def test_a_decompression_bomb_is_too_large(client: TestClient, sqlite_hub: Hub) -> None:
    bomb = zstandard.ZstdCompressor().compress(b"\0" * (64 * 1024 * 1024))
    assert len(bomb) < 10_000
    refused(client, sqlite_hub, bomb, 413, "too_large")


def test_a_huge_declared_length_is_refused_unread(
    client: TestClient, sqlite_hub: Hub, scripted_node: ScriptedNode
) -> None:
    before = snapshot(sqlite_hub)
    response = post(client, batch(scripted_node), **{"content-length": str(10**12)})
    assert response.status_code == 413
    assert snapshot(sqlite_hub) == before
    # A CBOR byte string claiming 2**62 bytes inside the message.
    refused(
        client,
        sqlite_hub,
        compress(b"\xd2\x84\x5b" + (2**62).to_bytes(8, "big")),
        400,
        "malformed_batch",
    )


def test_deeply_nested_cbor_is_a_malformed_batch(
    client: TestClient, sqlite_hub: Hub, scripted_node: ScriptedNode
) -> None:
    deep = b"\x81" * 5000 + b"\x00"
    refused(client, sqlite_hub, compress(sign1(scripted_node.key, deep)), 400, "malformed_batch")
    nested: object = 0
    for _ in range(50):
        nested = [nested]
    wire = seal(
        scripted_node.key,
        {
            "m": "batch",
            "v": 1,
            "node": "node-h",
            "nonce": b"x" * 8,
            "prev": b"\0" * 32,
            "events": nested,
        },
    )
    refused(client, sqlite_hub, wire, 400, "malformed_batch")


def test_a_batch_that_does_not_continue_the_chain_is_a_409(
    client: TestClient, sqlite_hub: Hub, scripted_node: ScriptedNode
) -> None:
    events = read_events(scripted_node.db, after=3)
    wire = batch_message(scripted_node.db, scripted_node.key, "node-h", events, b"n" * 8)
    assert "hello again" in refused(client, sqlite_hub, wire, 409, "chain_broken")


def test_upgrade_required_never_half_applies(
    client: TestClient, sqlite_hub: Hub, scripted_node: ScriptedNode
) -> None:
    wire = seal(
        scripted_node.key,
        {"m": "hello", "v": [2, 3], "node": "node-h", "nonce": b"x" * 8, "head": 0, "loc": []},
    )
    assert "hub is older" in refused(client, sqlite_hub, wire, 426, "upgrade_required", "hello")
    events = read_events(scripted_node.db, after=0)
    old = seal(
        scripted_node.key,
        {
            "m": "batch",
            "v": 0,
            "node": "node-h",
            "nonce": b"x" * 8,
            "prev": b"\0" * 32,
            "events": [[e.seq, e.type, e.at, e.clock_quality, e.body] for e in events],
        },
    )
    assert "node is older" in refused(client, sqlite_hub, old, 426, "upgrade_required")


def test_a_hello_with_a_bad_locator_is_a_400(
    client: TestClient, sqlite_hub: Hub, scripted_node: ScriptedNode
) -> None:
    good = hello_message(scripted_node.db, scripted_node.key, "node-h", b"n" * 8)
    assert post(client, good, "hello").status_code == 200
    wire = seal(
        scripted_node.key,
        {"m": "hello", "v": [1], "node": "node-h", "nonce": b"x" * 8, "head": 3, "loc": [["x", 1]]},
    )
    response = post(client, wire, "hello")
    assert response.status_code == 400


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=2048))
def test_fuzz_random_bytes_only_sync_errors(sqlite_hub: Hub, data: bytes) -> None:
    with pytest.raises(SyncError):
        answer(sqlite_hub, data)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(position=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
def test_fuzz_mutated_batches_never_crash(
    sqlite_hub: Hub, scripted_node: ScriptedNode, position: int, flip: int
) -> None:
    raw = bytearray(zstandard.ZstdDecompressor().decompress(batch(scripted_node)))
    raw[position % len(raw)] ^= flip
    before = snapshot(sqlite_hub)
    with pytest.raises(SyncError):
        answer(sqlite_hub, compress(bytes(raw)))
    assert snapshot(sqlite_hub) == before


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=4096))
def test_fuzz_bundle_files_only_sync_errors(data: bytes) -> None:
    from sync.bundles import import_bundle

    def never(wire: bytes) -> bytes:
        raise AssertionError("a garbage file reached the message handler")

    with pytest.raises(SyncError):
        import_bundle(never, data)
