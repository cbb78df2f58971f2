"""The node's side of the event log: every state change appends one event, inside the
transaction that makes the change (the log format is ``sync.eventlog``'s)."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from edge_node.clock import Clock
from sync.eventlog import EventType, append_event

__all__ = ["EventType", "last_sync", "pending_count", "record"]


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


def pending_count(db: Database) -> int:
    """How many events the hub has not acknowledged yet."""
    from sync.client import pending_count as pending

    return pending(db)


def last_sync(db: Database) -> str | None:
    """When the node last synced with the hub successfully (ISO 8601), if ever."""
    from sync.client import status

    success = status(db).last_success
    return None if success is None else success.isoformat(timespec="minutes")
