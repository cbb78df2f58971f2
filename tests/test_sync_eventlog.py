"""The node's event log: seqs, the hash chain, body checks, transactions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import cbor2
import pytest
from sqlite_utils import Database

from sync.errors import InvalidEvent
from sync.eventlog import (
    BODY_FIELDS,
    EventType,
    append_event,
    chain_hash,
    genesis_hash,
    head,
    migrate_events,
    read_events,
    verify_log,
)

AT = datetime(2026, 5, 4, 10, 30, tzinfo=UTC)
NODE = "node-a"


def sample_body(event_type: EventType) -> dict[str, object]:
    samples: dict[type | tuple[type, ...], object] = {
        str: "x",
        dict: {},
        int: 80,
        bool: True,
        bytes: b"\x01\x02",
        list: [],
        (dict, list): {"q1": 2},
    }
    # Fields whose values the body check bounds beyond their type.
    valid: dict[str, object] = {
        "module": "soil-health",
        "module_version": "1.0.0",
        "route": "course",
        "id": b"\x01" * 8 if event_type is EventType.credential_revoked else "x",
    }
    return {
        field: valid.get(field, samples[kind]) for field, kind in BODY_FIELDS[event_type].items()
    }


@pytest.fixture
def db() -> Database:
    database = Database(memory=True)
    migrate_events(database)
    return database


def test_migration_is_named_and_rerunnable(db: Database) -> None:
    migrate_events(db)
    assert {"events", "sync_state", "sync_quarantine"} <= set(db.table_names())
    names = {row["name"] for row in db["_sqlite_migrations"].rows}
    assert {"0001_events", "0002_sync_state"} <= names


def test_every_type_appends_and_chains(db: Database) -> None:
    for index, event_type in enumerate(EventType, start=1):
        seq = append_event(
            db,
            node_id=NODE,
            type=event_type,
            body=sample_body(event_type),
            at=AT + timedelta(minutes=index),
            clock_quality="hub",
        )
        assert seq == index
    assert verify_log(db, NODE) == len(EventType)
    events = read_events(db, after=0)
    prev = genesis_hash(NODE)
    for event in events:
        prev = chain_hash(prev, event.record())
    assert head(db) == (len(EventType), prev)
    assert events[0].at == int(AT.timestamp()) + 60


def test_genesis_binds_the_node_id() -> None:
    assert genesis_hash("node-a") != genesis_hash("node-b")


def test_body_is_deterministic_cbor(db: Database) -> None:
    body = {"into": "L2", "id": "L1"}
    append_event(db, node_id=NODE, type="learner.merged", body=body, at=AT, clock_quality="admin")
    stored = read_events(db, after=0)[0].body
    assert stored == cbor2.dumps({"id": "L1", "into": "L2"}, canonical=True)


def test_tampering_is_found(db: Database) -> None:
    for i in range(3):
        append_event(
            db,
            node_id=NODE,
            type="learner.merged",
            body={"id": f"L{i}", "into": "L9"},
            at=AT,
            clock_quality="system",
        )
    db.execute("UPDATE events SET at = at + 1 WHERE seq = 2")
    with pytest.raises(InvalidEvent, match="event 2"):
        verify_log(db, NODE)


@pytest.mark.parametrize(
    ("type", "body", "message"),
    [
        ("learner.exploded", {}, "unknown event type"),
        ("learner.merged", {"id": "L1"}, "lacks the field 'into'"),
        ("learner.merged", {"id": 1, "into": "L2"}, "wrong type"),
        (
            "checklist.scored",
            {"sitting": "s", "checklist": {}, "score_percent": True, "passed": True},
            "wrong type",
        ),
        ("learner.merged", {"id": "L1", "into": "L2", "when": AT}, "datetime is not allowed"),
        ("learner.merged", {"id": "L1", "into": "L2", "m": {1: 2}}, "keys must be text"),
    ],
)
def test_bad_bodies_are_refused(
    db: Database, type: str, body: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidEvent, match=message):
        append_event(db, node_id=NODE, type=type, body=body, at=AT, clock_quality="hub")
    assert head(db) == (0, b"")


def test_naive_time_and_unknown_quality_are_refused(db: Database) -> None:
    body = {"id": "L1", "into": "L2"}
    with pytest.raises(InvalidEvent, match="timezone-aware"):
        append_event(
            db,
            node_id=NODE,
            type="learner.merged",
            body=body,
            at=datetime(2026, 1, 2),
            clock_quality="hub",
        )
    with pytest.raises(InvalidEvent, match="clock quality"):
        append_event(
            db, node_id=NODE, type="learner.merged", body=body, at=AT, clock_quality="sundial"
        )


def test_append_joins_the_callers_transaction(db: Database) -> None:
    db["learners"].create({"id": str}, pk="id")
    with pytest.raises(RuntimeError), db.atomic():
        db["learners"].insert({"id": "L1"})
        append_event(
            db,
            node_id=NODE,
            type="learner.registered",
            body={"id": "L1", "code": "AB12", "name": "Amina", "language": "sw"},
            at=AT,
            clock_quality="hub",
        )
        raise RuntimeError("power cut")
    assert db["learners"].count == 0
    assert head(db) == (0, b"")
    with db.atomic():
        db["learners"].insert({"id": "L1"})
        seq = append_event(
            db,
            node_id=NODE,
            type="learner.registered",
            body={"id": "L1", "code": "AB12", "name": "Amina", "language": "sw"},
            at=AT,
            clock_quality="hub",
        )
    assert seq == 1 and db["learners"].count == 1


def test_every_event_type_is_documented() -> None:
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "sync-protocol.md").read_text()
    for event_type in EventType:
        assert f"`{event_type}`" in text, event_type
        for field in BODY_FIELDS[event_type]:
            assert f"`{field}`" in text


def test_every_error_reason_is_documented() -> None:
    from pathlib import Path

    import sync.errors
    from hub.staff import NotAuthenticated
    from hub.store import StoreUnavailable

    text = (Path(__file__).parent.parent / "docs" / "sync-protocol.md").read_text()
    classes = [
        value
        for value in vars(sync.errors).values()
        if isinstance(value, type) and issubclass(value, sync.errors.SyncError)
    ]
    for error in [*classes, NotAuthenticated, StoreUnavailable]:
        assert f"| `{error.reason}` | {error.status} |" in text, error
