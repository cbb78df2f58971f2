"""The node's append-only, hash-chained event log.

Every state change on a node appends one event in the same transaction, so the log
and the node's tables never disagree. An event is ``(seq, type, at, clock_quality,
body)``; its *record* is the deterministic CBOR array of those five (``body`` as the
CBOR bytes of a map), and its hash is ``SHA-256(prev_hash || record)``. The first
event chains from a genesis hash bound to the node id, so one node's chain can never
be spliced into another's. The hub recomputes every hash, so hashes never travel.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import cbor2
from sqlite_utils import Database, Migrations

from sync.errors import InvalidEvent

migrations = Migrations("sync.eventlog")

HASH_BYTES = 32
_GENESIS_DOMAIN = b"fieldcred/events/v1\x00"


class EventType(StrEnum):
    """Every kind of event a node records; bodies are documented in docs/sync-protocol.md."""

    learner_registered = "learner.registered"
    learner_updated = "learner.updated"
    learner_merged = "learner.merged"
    sitting_submitted = "sitting.submitted"
    checklist_scored = "checklist.scored"
    credential_issued = "credential.issued"
    credential_revoked = "credential.revoked"
    pathway_issued = "pathway.issued"
    credential_recognised = "credential.recognised"


class ClockQuality(StrEnum):
    """How far the node trusted its clock when it stamped an event, best first."""

    hub = "hub"
    admin = "admin"
    system = "system"
    untrusted = "untrusted"


# Required body fields per type and their CBOR-level types; extra fields are kept as sent.
BODY_FIELDS: dict[EventType, dict[str, type | tuple[type, ...]]] = {
    EventType.learner_registered: {"id": str, "code": str, "name": str, "language": str},
    EventType.learner_updated: {"id": str, "changes": dict},
    EventType.learner_merged: {"id": str, "into": str},
    EventType.sitting_submitted: {
        "id": str,
        "learner": str,
        "module": str,
        "module_version": str,
        "route": str,
        "answers": (dict, list),
        "score_percent": int,
        "passed": bool,
    },
    EventType.checklist_scored: {
        "sitting": str,
        "checklist": (dict, list),
        "score_percent": int,
        "passed": bool,
    },
    EventType.credential_issued: {"cose": bytes, "learner": str},
    EventType.credential_revoked: {"id": bytes, "reason": str},
    EventType.pathway_issued: {"cose": bytes, "learner": str, "from": list},
    EventType.credential_recognised: {"cose": bytes, "learner": str},
}

_PLAIN = (str, int, bool, bytes, type(None))
EVENT_TYPES = {str(t): t for t in EventType}
"""Each event type by its name (a lookup faster than ``EventType(name)`` on hot paths)."""


@dataclass(frozen=True)
class Event:
    """One event as stored on the node and as the hub re-derives it."""

    seq: int
    type: str
    at: int
    """Seconds since the Unix epoch (UTC), as the node's clock read it."""
    clock_quality: str
    body: bytes
    """Deterministic CBOR of a map."""

    def record(self) -> bytes:
        return record_bytes(self.seq, self.type, self.at, self.clock_quality, self.body)

    def decoded_body(self) -> dict[str, Any]:
        value = cbor2.loads(self.body)
        if not isinstance(value, dict):
            raise InvalidEvent(f"event {self.seq}: the body is not a map")
        return value


def record_bytes(seq: int, type: str, at: int, clock_quality: str, body: bytes) -> bytes:
    return cbor2.dumps([seq, type, at, clock_quality, body], canonical=True)


def genesis_hash(node_id: str) -> bytes:
    """What the first event of ``node_id``'s log chains from."""
    return hashlib.sha256(_GENESIS_DOMAIN + node_id.encode("utf-8")).digest()


def chain_hash(prev_hash: bytes, record: bytes) -> bytes:
    return hashlib.sha256(prev_hash + record).digest()


def _check_plain(value: Any, path: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidEvent(f"{path}: map keys must be text, not {type(key).__name__}")
            _check_plain(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_plain(item, f"{path}[{index}]")
    elif not isinstance(value, _PLAIN):
        raise InvalidEvent(
            f"{path}: {type(value).__name__} is not allowed in an event body "
            "(use text, integers, booleans, bytes, null, lists and maps)"
        )


def check_body(type: str, body: Mapping[str, Any], *, deep: bool = True) -> EventType:
    """Raise :class:`InvalidEvent` unless ``body`` has every field its type requires.

    ``deep`` also checks every nested value is a plain CBOR type (the hub skips it: its
    bounded decoder already refused everything else that matters)."""
    event_type = EVENT_TYPES.get(type) if isinstance(type, str) else None
    if event_type is None:
        raise InvalidEvent(f"unknown event type {type!r}")
    if not isinstance(body, dict | Mapping):
        raise InvalidEvent(f"{event_type}: the body must be a map")
    for field, expected in BODY_FIELDS[event_type].items():
        if field not in body:
            raise InvalidEvent(f"{event_type}: the body lacks the field {field!r}")
        value = body[field]
        # bool is an int in Python; an int field must not accept True.
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise InvalidEvent(f"{event_type}: the field {field!r} has the wrong type")
    if deep:
        _check_plain(dict(body), str(event_type))
    return event_type


@migrations(name="0001_events")
def _events(db: Database) -> None:
    db.table("events").create(
        {
            "seq": int,
            "node_id": str,
            "type": str,
            "body": bytes,
            "at": int,
            "clock_quality": str,
            "prev_hash": bytes,
            "hash": bytes,
        },
        pk="seq",
        not_null={"node_id", "type", "body", "at", "clock_quality", "prev_hash", "hash"},
    )


@migrations(name="0002_sync_state")
def _sync_state(db: Database) -> None:
    # The client's own bookkeeping: the hub's last ack, pull cursor, last error.
    db.table("sync_state").create({"key": str, "value": str}, pk="key")
    db.table("sync_quarantine").create(
        {"seq": int, "reason": str, "message": str, "reported_at": str}, pk="seq"
    )


def migrate_events(db: Database) -> None:
    """Create (or bring up to date) the node's ``events`` and sync bookkeeping tables."""
    migrations.apply(db)


def _epoch_seconds(at: datetime) -> int:
    if at.tzinfo is None:
        raise InvalidEvent("an event time must be timezone-aware (UTC)")
    return int(at.astimezone(UTC).timestamp())


def head(db: Database) -> tuple[int, bytes]:
    """The last seq and its hash (``0`` and nothing before the first event)."""
    row = db.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    return (0, b"") if row is None else (int(row[0]), bytes(row[1]))


def append_event(
    db: Database,
    *,
    node_id: str,
    type: str,
    body: Mapping[str, Any],
    at: datetime,
    clock_quality: str,
) -> int:
    """Append one event and return its seq.

    Runs inside the caller's transaction and never commits: the event and the state
    change it describes are stored together or not at all.
    """
    event_type = check_body(type, body)
    try:
        quality = ClockQuality(clock_quality)
    except ValueError:
        raise InvalidEvent(f"unknown clock quality {clock_quality!r}") from None
    last_seq, last_hash = head(db)
    seq = last_seq + 1
    prev = last_hash if last_seq else genesis_hash(node_id)
    body_bytes = cbor2.dumps(dict(body), canonical=True)
    record = record_bytes(seq, str(event_type), _epoch_seconds(at), str(quality), body_bytes)
    db.execute(
        "INSERT INTO events (seq, node_id, type, body, at, clock_quality, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            seq,
            node_id,
            str(event_type),
            body_bytes,
            _epoch_seconds(at),
            str(quality),
            prev,
            chain_hash(prev, record),
        ],
    )
    return seq


def read_events(db: Database, *, after: int, limit: int = 1000) -> list[Event]:
    """Up to ``limit`` events after seq ``after``, in order."""
    rows = db.execute(
        "SELECT seq, type, at, clock_quality, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
        [after, limit],
    ).fetchall()
    return [Event(int(r[0]), str(r[1]), int(r[2]), str(r[3]), bytes(r[4])) for r in rows]


def hash_at(db: Database, seq: int, node_id: str) -> bytes:
    """The chain hash through ``seq`` (the genesis hash for ``0``)."""
    if seq == 0:
        return genesis_hash(node_id)
    row = db.execute("SELECT hash FROM events WHERE seq = ?", [seq]).fetchone()
    if row is None:
        raise InvalidEvent(f"no event {seq} in this node's log")
    return bytes(row[0])


def verify_log(db: Database, node_id: str) -> int:
    """Recompute the whole chain; return the number of events, or raise at the first break."""
    prev = genesis_hash(node_id)
    count = 0
    for row in db.execute(
        "SELECT seq, type, at, clock_quality, body, prev_hash, hash FROM events ORDER BY seq"
    ):
        event = Event(int(row[0]), str(row[1]), int(row[2]), str(row[3]), bytes(row[4]))
        if event.seq != count + 1 or bytes(row[5]) != prev:
            raise InvalidEvent(f"event {event.seq}: the chain is broken before it")
        prev = chain_hash(prev, event.record())
        if prev != bytes(row[6]):
            raise InvalidEvent(f"event {event.seq}: its stored hash does not match its content")
        count += 1
    return count
