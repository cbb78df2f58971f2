"""A real edge node answers the hub's reissue request: a restored node handed out slot 1
twice; staff ask for one holder's credential again; at its next sync the node signs the
same claims with a new id on a slot of its own, once, and the hub marks the old one
replaced, so each holder can now be revoked alone. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from credentials.claims import decode_claims
from credentials.cose import decode_sign1
from credentials.verification import verify
from edge_node import trust
from edge_node.demo import DemoInfo
from edge_node.node import Node, open_node
from edge_node.syncing import sync_now
from hub.forks import accept_branch
from hub.ingest import Hub
from hub.nodes import request_reissue, shared_slots
from hub.server import BackgroundServer
from sync.client import reissue_requests
from tests.helpers.nodes import staff
from tests.helpers.restores import issue_one, slots, synced_then_restored


def _hub_status(hub: Hub, node_id: str, credential_id: str) -> str:
    return str(
        hub.store.scalar(
            "SELECT status FROM credentials WHERE node_id = ? AND credential_id = ?",
            [node_id, credential_id],
        )
    )


def staff_page(node: Node, info: DemoInfo, path: str, lang: str) -> str:
    response = staff(node, info).get(path, headers={"Accept-Language": lang})
    assert response.status_code == 200
    return response.text


def _on_slot(node: Node, index: int) -> list[str]:
    rows = node.db.execute("SELECT id FROM credentials WHERE status_index = ?", [index])
    return [str(row[0]) for row in rows]


def test_the_node_issues_the_credential_again_on_a_slot_of_its_own(
    hub: Hub, served: BackgroundServer, tmp_path: Path
) -> None:
    info = synced_then_restored(hub, served, tmp_path)
    node_id = info.node_id
    issue_one(info, 2)  # the restored node issues before it could sync: slot 1 again
    node = open_node(info.data_dir)
    (again,) = _on_slot(node, 1)
    sync_now(node)
    accept_branch(hub.store, "university", node_id, 1, staff="wanjiru", reason="restored", now=0)
    assert [s.status_index for s in shared_slots(hub.store, node_id)] == [1]

    request_reissue(hub.store, node_id, again, staff="wanjiru", reason="slot 1 twice", now=_now())
    sync_now(node)  # the welcome asks; the node issues the replacement at once
    (replacement,) = node.db.execute(
        "SELECT id, learner_id, status_index, cose FROM credentials WHERE replaces = ?", [again]
    ).fetchall()
    new_id, learner_id, new_slot, cose = replacement
    assert new_slot == 2 and slots(node) == [0, 1, 2]
    held = node.db.execute("SELECT learner_id FROM credentials WHERE id = ?", [again]).fetchone()
    assert learner_id == held[0]
    old_claims = decode_claims(
        decode_sign1(
            bytes(
                node.db.execute("SELECT cose FROM credentials WHERE id = ?", [again]).fetchone()[0]
            )
        ).payload
    )
    new_claims = decode_claims(decode_sign1(bytes(cose)).payload)
    assert new_claims.credential_id.hex() == new_id != again
    assert (new_claims.subject, new_claims.module_id, new_claims.issued_at) == (
        old_claims.subject,
        old_claims.module_id,
        old_claims.issued_at,
    )
    trust_list = trust.current(node)
    assert trust_list is not None and verify(bytes(cose), trust_list).genuine
    # The worker's dashboard says to give the holder the new paper, in their language.
    page = staff_page(node, info, "/dashboard", "sw")
    assert "mpe kila mmiliki karatasi mpya" in page
    assert f'href="/credentials/{new_id}/certificate"' in page
    assert new_claims.holder_name in page
    # The old credential says it was replaced, points to the new one, and prints no more.
    worker = staff(node, info)
    old_page = worker.get(f"/credentials/{again}")
    assert "Replaced" in old_page.text and f'href="/credentials/{new_id}"' in old_page.text
    assert f"/credentials/{again}/" not in old_page.text
    refused = worker.get(f"/credentials/{again}/certificate")
    assert refused.status_code == 410 and "Use the new one" in refused.text
    assert worker.get(f"/credentials/{again}/badge.json").status_code == 410
    assert worker.get(f"/credentials/{new_id}/certificate").status_code == 200

    sync_now(node)  # the replacement reaches the hub
    assert _hub_status(hub, node_id, again) == "replaced"
    assert _hub_status(hub, node_id, new_id) == "active"
    assert shared_slots(hub.store, node_id) == []
    # That sync's welcome came before the replacement arrived and asked again: answered
    # once all the same; the next welcome asks no more.
    assert [r.credential_id.hex() for r in reissue_requests(node.db)] == [again]
    sync_now(node)
    count = node.db.execute("SELECT count(*) FROM credentials WHERE replaces IS NOT NULL")
    assert count.fetchone()[0] == 1
    assert reissue_requests(node.db) == []
    node.close()


def _now() -> datetime:
    return datetime.now(UTC)
