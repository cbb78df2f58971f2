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
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import cbor2
from sqlite_utils import Database, Migrations

from credentials.claims import CTI_BYTES, MODULE_VERSION, ROUTES
from credentials.cose import MAX_SIGN1_BYTES
from sync.errors import InvalidEvent
from sync.protocol import MAX_INT

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


MAX_ID = 64
"""Learner, sitting and other record ids, and learner codes (``Id`` in the node's API)."""
MAX_EVENT_TEXT = 200
"""Names, villages: learner names were allowed 120 characters before the credential's
limit of 100 (``credentials.claims.MAX_HOLDER_NAME``) applied, and the hub must take the
events that recorded them."""
MAX_REASON = 1000
MAX_FROM = 64
MODULE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
"""A module or pathway id, as ``content.model`` writes them."""
LEARNER_CHANGES: dict[str, type] = {
    "code": str,
    "name": str,
    "gender": str,
    "birth_year": int,
    "village": str,
    "language": str,
}
"""Learner fields a ``learner.updated`` event may change, and their types (the hub's
``projection.LEARNER_FIELDS``); each may be cleared with null except the name."""


def _text(limit: int, *, minimum: int = 1) -> Callable[[Any], bool]:
    return lambda value: type(value) is str and minimum <= len(value) <= limit


def _bytes(low: int, high: int) -> Callable[[Any], bool]:
    return lambda value: type(value) is bytes and low <= len(value) <= high


def _percent(value: Any) -> bool:
    return type(value) is int and 0 <= value <= 100


def _optional(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: value is None or check(value)


def _ids(value: Any) -> bool:
    return type(value) is list and len(value) <= MAX_FROM and all(map(_text(MAX_ID), value))


_ID = _text(MAX_ID)
_CTI = _bytes(*CTI_BYTES)
_COSE = _bytes(1, MAX_SIGN1_BYTES)
_LEARNER_VALUES: dict[str, Callable[[Any], bool]] = {
    "id": _ID,
    "code": _ID,
    "name": _text(MAX_EVENT_TEXT),
    "language": _text(16),
    "gender": _optional(_text(16)),
    "birth_year": _optional(lambda value: type(value) is int),
    "village": _optional(_text(MAX_EVENT_TEXT, minimum=0)),
}
VALUES: dict[EventType, dict[str, Callable[[Any], bool]]] = {
    EventType.learner_registered: _LEARNER_VALUES,
    EventType.learner_updated: {"id": _ID},
    EventType.learner_merged: {"id": _ID, "into": _ID},
    EventType.sitting_submitted: {
        "id": _ID,
        "learner": _ID,
        "module": lambda value: bool(MODULE_ID.match(value)),
        "module_version": lambda value: bool(MODULE_VERSION.match(value)),
        "route": lambda value: value in ROUTES,
        "score_percent": _percent,
    },
    EventType.checklist_scored: {"sitting": _ID, "score_percent": _percent},
    EventType.credential_issued: {"cose": _COSE, "learner": _ID, "replaces": _CTI},
    EventType.credential_revoked: {"id": _CTI, "reason": _text(MAX_REASON, minimum=0)},
    EventType.pathway_issued: {"cose": _COSE, "learner": _ID, "from": _ids, "replaces": _CTI},
    EventType.credential_recognised: {"cose": _COSE, "learner": _ID},
}
"""What the hub's projection reads of each body, beyond the CBOR type: lengths, ranges and
allowed values (a field listed here but not in ``BODY_FIELDS`` is checked when present)."""


def _check_plain(body: dict[str, Any], event_type: EventType) -> None:
    """Every value in ``body`` is text (without NUL, which PostgreSQL cannot hold), an
    integer within 64 bits, a boolean, bytes, null, a list or a map with text keys: no
    floats (NaN and infinities included), no integer keys. A loop, not recursion: the hub
    runs it for every event it ingests."""
    stack: list[Any] = [body]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            if "\x00" in item:
                raise InvalidEvent(f"{event_type}: text may not contain a NUL character")
        elif kind is int:
            if not -MAX_INT <= item <= MAX_INT:
                raise InvalidEvent(f"{event_type}: an integer is out of range")
        elif kind is dict:
            for key in item:
                if type(key) is not str:
                    raise InvalidEvent(
                        f"{event_type}: map keys must be text, not {type(key).__name__}"
                    )
            stack += item
            stack += item.values()
        elif kind is list or kind is tuple:
            stack += item
        elif kind not in (bool, bytes, type(None)):
            raise InvalidEvent(
                f"{event_type}: {kind.__name__} is not allowed in an event body "
                "(use text, integers, booleans, bytes, null, lists and maps)"
            )


def _check_changes(changes: dict[str, Any], event_type: EventType) -> None:
    for name, expected in LEARNER_CHANGES.items():
        if name not in changes:
            continue
        value = changes[name]
        if value is None and name != "name":
            continue
        if type(value) is not expected or not _LEARNER_VALUES[name](value):
            raise InvalidEvent(f"{event_type}: the change of {name!r} is not a valid value")


def check_body(type: str, body: Mapping[str, Any]) -> EventType:
    """Raise :class:`InvalidEvent` unless ``body`` is what its type requires: every
    required field of its CBOR type, every value plain (:func:`_check_plain`), and every
    field the hub's projection reads within its bounds (``VALUES``). The node checks each
    event before it appends it, the hub each event it ingests: one check, two places."""
    event_type = EVENT_TYPES.get(type) if isinstance(type, str) else None
    if event_type is None:
        raise InvalidEvent(f"unknown event type {type!r}")
    if not isinstance(body, dict | Mapping):
        raise InvalidEvent(f"{event_type}: the body must be a map")
    body = dict(body)
    for field, expected in BODY_FIELDS[event_type].items():
        if field not in body:
            raise InvalidEvent(f"{event_type}: the body lacks the field {field!r}")
        value = body[field]
        # bool is an int in Python; an int field must not accept True.
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise InvalidEvent(f"{event_type}: the field {field!r} has the wrong type")
    _check_plain(body, event_type)
    for field, valid in VALUES[event_type].items():
        if field in body and not valid(body[field]):
            raise InvalidEvent(f"{event_type}: the field {field!r} is not a valid value")
    if event_type is EventType.learner_updated:
        _check_changes(body["changes"], event_type)
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
