"""Byte-stable sync formats: a node's log and batch from fixed keys, times and nonce.

The files in ``tests/vectors/sync/`` fix the event record, the hash chain and the signed
batch message (before compression). Changing the format means regenerating them on purpose:
``FIELDCRED_WRITE_VECTORS=1 pytest tests/test_sync_vectors.py``.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from credentials.claims import MicroCredential
from credentials.issuance import issue
from credentials.keys import SigningKey
from hub.ingest import answer
from hub.nodes import enrol_node
from hub.simulate import simulated_hub
from hub.store import SqliteStore
from sync.compression import compress, decompress
from sync.eventlog import append_event, genesis_hash, head, migrate_events, read_events
from sync.protocol import read_signed, seal
from sync.simulate import ScriptedNode

VECTORS = Path(__file__).parent / "vectors" / "sync"
NODE = "node-vector"
KEY = SigningKey.from_seed(bytes(range(32)))
AT = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)


def build_log() -> Database:
    db = Database(memory=True)
    migrate_events(db)
    credential = MicroCredential(
        issuer=NODE,
        subject="L1",
        issued_at=AT,
        credential_id=bytes(16),
        module_id="soil-health",
        module_version="1.0.0",
        outcomes=(True,) * 7,
        score_percent=90,
        route="course",
        holder_name="Amina Otieno",
        status_index=1,
    )
    for event_type, body in (
        (
            "learner.registered",
            {
                "id": "L1",
                "code": "000001",
                "name": "Amina Otieno",
                "language": "sw",
                "birth_year": 1990,
                "gender": "f",
            },
        ),
        (
            "sitting.submitted",
            {
                "id": "S1",
                "learner": "L1",
                "module": "soil-health",
                "module_version": "1.0.0",
                "route": "course",
                "answers": {"q1": 2, "q2": 0},
                "score_percent": 90,
                "passed": True,
            },
        ),
        ("credential.issued", {"cose": issue(KEY, credential), "learner": "L1", "sitting": "S1"}),
    ):
        with db.atomic():
            append_event(db, node_id=NODE, type=event_type, body=body, at=AT, clock_quality="hub")
    return db


def batch_bytes(db: Database) -> bytes:
    events = read_events(db, after=0)
    return seal(
        KEY,
        {
            "m": "batch",
            "v": 1,
            "node": NODE,
            "nonce": bytes(8),
            "time": 1773480413,
            "prev": genesis_hash(NODE),
            "events": [[e.seq, e.type, e.at, e.clock_quality, e.body] for e in events],
        },
    )


def check(name: str, data: bytes) -> None:
    path = VECTORS / name
    if os.environ.get("FIELDCRED_WRITE_VECTORS"):
        path.write_bytes(data)
    assert path.read_bytes() == data, f"{name} changed: the format is not byte-stable"


def test_chain_head_is_stable() -> None:
    seq, digest = head(build_log())
    assert seq == 3
    check("head-3.hash", digest)


def test_batch_message_is_stable_and_accepted(tmp_path: Path) -> None:
    # The COSE_Sign1 is the stable part; zstd's output may differ between library versions.
    check("batch-v1.cose", decompress(batch_bytes(build_log()), max_output=1 << 20))
    store = SqliteStore(tmp_path / "hub.db")
    hub = simulated_hub(store)
    node = ScriptedNode(Database(memory=True), KEY, NODE)
    # A certificate valid when the vector's credential was issued (March 2026), as the
    # hub judges a credential by its node's certificate at that date.
    enrol_node(
        hub.store,
        hub.root_key,
        node.request(),
        modules=("soil-health",),
        not_before=datetime(2026, 1, 1, tzinfo=UTC),
        not_after=datetime.now(UTC) + timedelta(days=365),
        organisation="university",
        now=datetime.now(UTC),
    )
    reply = read_signed(
        answer(hub, compress((VECTORS / "batch-v1.cose").read_bytes())),
        hub.root_key.public_key,
        "hub",
    ).fields
    assert reply["ack"] == 3 and reply["quarantined"] == []
    assert store.scalar("SELECT count(*) FROM credentials") == 1
