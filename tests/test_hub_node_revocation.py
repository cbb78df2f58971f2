"""A centre revoking one of its credentials (``credential.revoked``): the hub publishes
a trust list at once, so verifiers elsewhere learn it with their next download, and a
credential on the same slot is marked revoked too, as the bit makes it. On SQLite and
PostgreSQL."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from tests.helpers.restores import restored_after_backup
from tests.helpers.shared_slots import NODE, Shared, revoked_slots, status

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from credentials.claims import decode_claims
from credentials.cose import decode_sign1
from hub.ingest import Hub
from hub.nodes import latest_trust_list
from hub.settings import HubSettings
from hub.simulate import enrol, push
from hub.staff import add_staff
from hub.web.app import create_web_app
from sync.eventlog import EventType
from sync.simulate import ScriptedNode


def events(node: ScriptedNode) -> int:
    return len(node.db.execute("SELECT seq FROM events").fetchall())


def test_a_centres_revocation_is_published_at_once(hub: Hub) -> None:
    node = ScriptedNode.create(NODE, seed=2)
    enrol(hub, node)
    cose = node.sit_and_issue(node.register())
    push(hub, node)
    published = latest_trust_list(hub.store)
    credential = decode_claims(decode_sign1(cose).payload)
    head = events(node)
    node._append(
        EventType.credential_revoked, {"id": credential.credential_id, "reason": "wrong learner"}
    )
    push(hub, node, after=head)
    assert latest_trust_list(hub.store) != published
    assert revoked_slots(hub) == [credential.status_index]
    assert status(hub, credential.credential_id.hex()) == "revoked"


def test_a_centres_revocation_marks_the_credential_sharing_its_slot(
    hub: Hub, shared_slot: Shared
) -> None:
    head = events(shared_slot.node)
    shared_slot.node._append(
        EventType.credential_revoked, {"id": bytes.fromhex(shared_slot.again), "reason": "error"}
    )
    push(hub, shared_slot.node, after=head)
    assert revoked_slots(hub) == [2]
    assert (status(hub, shared_slot.again), status(hub, shared_slot.original)) == (
        "revoked",
        "revoked",
    )
    reason = hub.store.scalar(
        "SELECT revocation_reason FROM credentials WHERE credential_id = ?", [shared_slot.original]
    )
    again = shared_slot.again
    assert (
        reason == f"shares revocation slot 2 with credential {again}, revoked by the centre: error"
    )


def test_a_revocation_on_an_accepted_branch_is_published(hub: Hub, tmp_path: Path) -> None:
    _, restored = restored_after_backup(hub, tmp_path, seed=8, node_id=NODE)
    cose = restored.sit_and_issue(restored.register())
    credential = decode_claims(decode_sign1(cose).payload)
    restored._append(
        EventType.credential_revoked, {"id": credential.credential_id, "reason": "typo"}
    )
    push(hub, restored, after=3)  # held: a fork
    assert revoked_slots(hub) == []
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    client = TestClient(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))
    client.post("/login", data={"username": "wanjiru", "password": "correct horse"})
    page = client.get(f"/centres/{NODE}/forks").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    accepted = client.post(
        f"/centres/{NODE}/forks/1/accept",
        data={"reason": "restored from backup", "csrf": csrf.group(1)},
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    assert revoked_slots(hub) == [credential.status_index]
