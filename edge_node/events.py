"""The node's side of the event log: every state change appends one event, inside the
transaction that makes the change (the log format is ``sync.eventlog``'s)."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from edge_node.clock import Clock
from sync.eventlog import EventType, append_event

__all__ = ["EventType", "last_sync", "pending_count", "record"]

# Keys of the sync client's bookkeeping in ``sync_state``.
ACKED_KEY = "acked_seq"
LAST_SYNC_KEY = "last_sync_at"


def record(db: Database, *, node_id: str, clock: Clock, type: str, body: dict[str, Any]) -> int:
    """Append one event; call inside the caller's ``transaction``. Returns its seq."""
    status = clock.status()
    return append_event(
        db,
        node_id=node_id,
        type=type,
        body=body,
        at=status.now,
        clock_quality=status.source.value if status.trusted else "untrusted",
    )


def _sync_value(db: Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM sync_state WHERE key = ?", [key]).fetchone()
    return None if row is None else str(row[0])


def pending_count(db: Database) -> int:
    """How many events the hub has not acknowledged yet."""
    acked = int(_sync_value(db, ACKED_KEY) or 0)
    row = db.execute("SELECT count(*) FROM events WHERE seq > ?", [acked]).fetchone()
    return int(row[0])


def last_sync(db: Database) -> str | None:
    """When the hub last acknowledged events (ISO 8601), if ever."""
    return _sync_value(db, LAST_SYNC_KEY)
