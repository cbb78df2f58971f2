"""A node offline through many revocations pulls the latest trust list only: each is a
whole snapshot, so the ones a later list supersedes would only cost link time. Other
items (packs, its renewed certificate) still come in order. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from credentials.trust import read_trust_list
from hub.ingest import Hub, answer
from hub.nodes import enrol_node, latest_trust_list, publish_trust_list
from hub.simulate import enrol
from sync.client import pull_message
from sync.protocol import read_signed
from sync.simulate import ScriptedNode


def pull(hub: Hub, node: ScriptedNode, after: int) -> dict[str, object]:
    wire = answer(hub, pull_message(node.key, node.node_id, b"p" * 8, after))
    return read_signed(wire, hub.root_key.public_key, "hub").fields


def test_only_the_latest_trust_list_travels(hub: Hub) -> None:
    node = ScriptedNode.create("node-p")
    enrol(hub, node)
    now = datetime.now(UTC)
    for minutes in range(1, 21):  # twenty staff revocations while the node is offline
        publish_trust_list(hub.store, hub.root_key, now=now + timedelta(minutes=minutes))
    renewed = enrol_node(
        hub.store,
        hub.root_key,
        node.request(),
        modules=("soil-health", "water"),
        not_before=now,
        not_after=now + timedelta(days=30),
        organisation="university",
        now=now + timedelta(minutes=30),
    )
    fields = pull(hub, node, 0)
    items = fields["items"]
    assert isinstance(items, list)
    kinds = [kind for _, kind, _ in items]
    assert kinds == ["certificate", "trust"]
    assert items[0][2] == renewed and items[1][2] == latest_trust_list(hub.store)
    assert read_trust_list(items[1][2]).version >= int((now + timedelta(minutes=30)).timestamp())
    assert fields["more"] is False
    again = pull(hub, node, int(fields["cursor"]))  # type: ignore[call-overload]
    assert again["items"] == [] and again["cursor"] == fields["cursor"]
