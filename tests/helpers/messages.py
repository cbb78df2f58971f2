"""Sync messages in a scripted node's name, to a hub's sync API."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi.testclient import TestClient

from hub.ingest import Hub
from hub.simulate import enrol
from sync.client import batch_message
from sync.eventlog import read_events
from sync.protocol import VERSIONS, seal
from sync.simulate import ScriptedNode


def synced_node(hub: Hub, client: TestClient) -> ScriptedNode:
    node = ScriptedNode.create(f"node-{secrets.token_hex(3)}")
    enrol(hub, node)
    node.sit_and_issue(node.register())
    wire = batch_message(node.db, node.key, node.node_id, read_events(node.db, after=0), b"n" * 8)
    assert client.post("/sync/v1/push", content=wire).status_code == 200
    return node


def message(node: ScriptedNode, **fields: Any) -> bytes:
    base = {"v": VERSIONS[-1], "node": node.node_id, "nonce": b"n" * 8}
    return seal(node.key, {**base, **fields})
