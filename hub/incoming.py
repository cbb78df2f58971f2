"""The events a node sends, as the hub's ingest and projection both handle them.

``hub.ingest`` verifies and stores them; ``hub.projection`` applies the stored ones to the
hub's tables and answers which it set aside (``Projected``): ingest, whose table the
events are, records those quarantines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from credentials.claims import MicroCredential
from sync.alerts import Alert


@dataclass(slots=True)
class Incoming:
    """One new event, verified, on its way into the store."""

    seq: int
    type: str
    at: int
    quality: str
    body: bytes
    hash: bytes
    quarantine: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    credential: MicroCredential | None = None
    alert: Alert | None = None
    """What staff and the node are told of this event, beyond its quarantine reason."""


@dataclass(frozen=True, slots=True)
class SetAside:
    """An event projection would not apply (a presented credential the hub does not
    believe): it stays in the chain, quarantined as poison, out of results."""

    seq: int
    hash: bytes
    reason: str


@dataclass(slots=True)
class Projected:
    """What applying a run of events decided: whether a credential was revoked (the caller
    publishes a trust list), and the events set aside (the caller quarantines them)."""

    revoked: bool = False
    set_aside: list[SetAside] = field(default_factory=list)
