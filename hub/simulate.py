"""An in-process hub for a scripted node (``sync.simulate.ScriptedNode``): enrol it and
push its log through the hub's real ingest. Tests, the sync benchmark and demos use it."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from credentials.keys import SigningKey
from hub.ingest import Hub, answer
from hub.nodes import enrol_node
from hub.store import Store, migrate
from sync.client import batch_message
from sync.eventlog import read_events
from sync.protocol import read_signed
from sync.simulate import ScriptedNode

ROOT_SEED = b"fieldcred-simulated-university!!"


def simulated_hub(store: Store, *, root_key: SigningKey | None = None) -> Hub:
    """A migrated hub over ``store`` with a fixed root key unless one is given."""
    migrate(store)
    return Hub(store, root_key or SigningKey.from_seed(ROOT_SEED))


def enrol(hub: Hub, node: ScriptedNode, *, modules: tuple[str, ...] = ("soil-health",)) -> bytes:
    """Enrol ``node`` for a year around now; return its certificate."""
    now = datetime.now(UTC)
    return enrol_node(
        hub.store,
        hub.root_key,
        node.request(),
        modules=modules,
        not_before=now - timedelta(days=30),
        not_after=now + timedelta(days=365),
        organisation="university",
        now=now,
    )


def push(hub: Hub, node: ScriptedNode, *, after: int = 0) -> dict[str, object]:
    """Send the node's events after seq ``after`` through the hub's real ingest; the
    fields of the hub's verified answer."""
    events = read_events(node.db, after=after)
    wire = batch_message(node.db, node.key, node.node_id, events, secrets.token_bytes(8))
    return read_signed(answer(hub, wire), hub.root_key.public_key, "hub").fields
