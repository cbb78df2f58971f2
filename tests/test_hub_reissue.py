"""A credential sharing its revocation slot, issued again on a slot of its own: staff ask
on its page, the node learns it from its next ``welcome`` (online or in a USB answer),
signs the same claims with a new id and slot, and the hub records the old one as
replaced, so revoking either holder no longer revokes the other. On SQLite and
PostgreSQL."""

from __future__ import annotations

import warnings

import pytest

from credentials.claims import decode_claims
from credentials.cose import decode_sign1
from credentials.issuance import issue
from hub import reports
from hub.ingest import Hub, answer
from hub.nodes import (
    pending_reissues,
    request_reissue,
    revoke_credential,
    shared_slots,
)
from hub.settings import HubSettings
from hub.simulate import push
from hub.staff import add_staff
from hub.web.app import create_web_app
from sync.bundles import export_bundle, import_answer, import_bundle
from sync.client import (
    ReissueRequest,
    SyncReport,
    apply_welcome,
    hello_message,
    reissue_requests,
)
from sync.errors import BadRequest
from sync.eventlog import EventType
from sync.protocol import read_signed
from sync.simulate import ScriptedNode
from tests.helpers.pages import csrf_of
from tests.helpers.shared_slots import NODE, NOW, Shared, revoked_slots, status

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def hello(hub: Hub, node: ScriptedNode) -> SyncReport:
    """One welcome, applied by the node's real client code."""
    wire = answer(hub, hello_message(node.db, node.key, node.node_id, b"h" * 8))
    fields = read_signed(wire, hub.root_key.public_key, "hub").fields
    report = SyncReport(ok=True, pending=0, last_ack=0)
    apply_welcome(node.db, node.node_id, fields, report)
    return report


def staff_client(hub: Hub) -> TestClient:
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    client = TestClient(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))
    client.post("/login", data={"username": "wanjiru", "password": "correct horse"})
    return client


def test_staff_give_one_holder_a_slot_of_its_own_and_revoke_the_other_alone(
    hub: Hub, shared_slot: Shared
) -> None:
    # The credential the restored node lost with its card: the hub still holds it, and the
    # request carries it, so the node can sign it again.
    lost, kept = shared_slot.original, shared_slot.again
    client = staff_client(hub)
    page = client.get(f"/credentials/{lost}").text
    assert "Give this holder a credential on a revocation slot of its own" in page
    assert f'action="/credentials/{NODE}/{lost}/reissue"' in page
    asked = client.post(
        f"/credentials/{lost}/reissue",
        data={"reason": "two holders on slot 2", "csrf": csrf_of(page)},
        follow_redirects=False,
    )
    assert asked.status_code == 303
    waiting = client.get(f"/credentials/{lost}?lang=sw").text
    assert "Kinasubiri usawazishaji ujao wa kituo" in waiting
    assert f'action="/credentials/{NODE}/{lost}/reissue"' not in waiting

    # The node learns it from its next welcome and issues the same claims on a new slot.
    hello(hub, shared_slot.node)
    (request,) = reissue_requests(shared_slot.node.db)
    assert request.credential_id.hex() == lost
    head = len(shared_slot.node.db.execute("SELECT seq FROM events").fetchall())
    cose = shared_slot.node.reissue(request)
    push(hub, shared_slot.node, after=head)
    new = decode_claims(decode_sign1(cose).payload)
    old_cose = hub.store.scalar("SELECT cose FROM credentials WHERE credential_id = ?", [lost])
    old = decode_claims(decode_sign1(bytes(old_cose)).payload)
    assert (new.status_index, old.status_index) == (3, 2)
    assert (new.subject, new.module_id, new.score_percent, new.issued_at) == (
        old.subject,
        old.module_id,
        old.score_percent,
        old.issued_at,
    )
    replacement = new.credential_id.hex()
    assert (status(hub, lost), status(hub, replacement)) == ("replaced", "active")
    assert shared_slots(hub.store, NODE) == []
    # The next welcome asks for nothing more.
    hello(hub, shared_slot.node)
    assert reissue_requests(shared_slot.node.db) == []

    # Staff see both ends; the other holder's credential now revokes alone, at once.
    done = client.get(f"/credentials/{lost}?lang=en").text
    assert f'href="/credentials/{NODE}/{replacement}"' in done and "replaced" in done
    assert f'href="/credentials/{NODE}/{lost}"' in client.get(f"/credentials/{replacement}").text
    other = client.get(f"/credentials/{kept}").text
    assert "Shares revocation slot" not in other
    revoked = client.post(
        f"/credentials/{kept}/revoke",
        data={"reason": "wrong learner", "csrf": csrf_of(other)},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    assert status(hub, kept) == "revoked"
    assert (status(hub, lost), status(hub, replacement)) == ("replaced", "active")
    assert revoked_slots(hub) == [2]
    # The LMS sees the replacement for the reissued holder's sitting, not both.
    results = reports.module_results(hub.store, "university", "soil-health")
    credential_ids = [r["credential_id"] for r in results]
    assert replacement in credential_ids and lost not in credential_ids


def test_a_usb_answer_carries_the_request(hub: Hub, shared_slot: Shared) -> None:
    request_reissue(hub.store, NODE, shared_slot.again, staff="w", reason="slot 2", now=_now())
    bundle = export_bundle(db=shared_slot.node.db, node_key=shared_slot.node.key, node_id=NODE)
    reply, errors = import_bundle(lambda wire: answer(hub, wire), bundle)
    assert errors == []
    report = import_answer(
        db=shared_slot.node.db, data=reply, node_id=NODE, hub_key=hub.root_key.public_key
    )
    assert report.ok, report.last_error
    assert [r.credential_id.hex() for r in reissue_requests(shared_slot.node.db)] == [
        shared_slot.again
    ]


def test_a_credential_revoked_before_its_replacement_arrives_revokes_the_replacement(
    hub: Hub, shared_slot: Shared
) -> None:
    request_reissue(hub.store, NODE, shared_slot.again, staff="w", reason="slot 2", now=_now())
    hello(hub, shared_slot.node)
    (request,) = reissue_requests(shared_slot.node.db)
    revoke_credential(
        hub.store, hub.root_key, NODE, shared_slot.again, "fraud", staff="registrar", now=_now()
    )
    assert pending_reissues(hub.store, NODE) == []
    head = len(shared_slot.node.db.execute("SELECT seq FROM events").fetchall())
    cose = shared_slot.node.reissue(request)  # the node had not heard of the revocation
    push(hub, shared_slot.node, after=head)
    replacement = decode_claims(decode_sign1(cose).payload).credential_id.hex()
    assert status(hub, replacement) == "revoked"
    reason = hub.store.scalar(
        "SELECT revocation_reason FROM credentials WHERE credential_id = ?", [replacement]
    )
    assert reason == f"replaces credential {shared_slot.again}, revoked: fraud"
    assert revoked_slots(hub) == [2, 3]


def test_a_reissued_holder_is_revoked_through_the_replacement(
    hub: Hub, shared_slot: Shared
) -> None:
    request_reissue(hub.store, NODE, shared_slot.again, staff="w", reason="slot 2", now=_now())
    hello(hub, shared_slot.node)
    (request,) = reissue_requests(shared_slot.node.db)
    head = len(shared_slot.node.db.execute("SELECT seq FROM events").fetchall())
    cose = shared_slot.node.reissue(request)
    push(hub, shared_slot.node, after=head)
    replacement = decode_claims(decode_sign1(cose).payload).credential_id.hex()
    # Setting slot 2 for the replaced one would revoke the other holder's credential too.
    with pytest.raises(BadRequest, match=f"replaced by credential {replacement}"):
        revoke_credential(
            hub.store, hub.root_key, NODE, shared_slot.again, "fraud", staff="registrar", now=_now()
        )
    revoke_credential(
        hub.store, hub.root_key, NODE, replacement, "fraud", staff="registrar", now=_now()
    )
    assert (status(hub, replacement), status(hub, shared_slot.original)) == ("revoked", "active")
    assert revoked_slots(hub) == [3]


def test_a_replacement_with_other_claims_or_unasked_is_an_ordinary_credential(
    hub: Hub, shared_slot: Shared
) -> None:
    request_reissue(hub.store, NODE, shared_slot.again, staff="w", reason="slot 2", now=_now())
    hello(hub, shared_slot.node)
    (request,) = reissue_requests(shared_slot.node.db)
    node = shared_slot.node
    head = len(node.db.execute("SELECT seq FROM events").fetchall())
    from dataclasses import replace

    better = replace(
        request.replacement(node.key, credential_id=b"x" * 16, status_index=7), score_percent=100
    )
    node._append(
        EventType.credential_issued,
        {"cose": issue(node.key, better), "learner": request.learner, "replaces": b"\x01" * 16},
    )
    node._append(
        EventType.credential_issued,
        {
            "cose": issue(node.key, replace(better, credential_id=b"y" * 16, status_index=8)),
            "learner": request.learner,
            "replaces": request.credential_id,
        },
    )
    push(hub, node, after=head)
    assert status(hub, shared_slot.again) == "active"
    assert status(hub, (b"y" * 16).hex()) == "active"
    assert [e["id"].hex() for e in pending_reissues(hub.store, NODE)] == [shared_slot.again]


def test_only_an_active_credential_sharing_its_slot_can_be_reissued(
    hub: Hub, shared_slot: Shared
) -> None:
    alone = hub.store.scalar(
        "SELECT credential_id FROM credentials WHERE node_id = ? AND status_index = 1", [NODE]
    )
    with pytest.raises(BadRequest, match="slot of its own"):
        request_reissue(hub.store, NODE, str(alone), staff="w", reason="x", now=_now())
    with pytest.raises(BadRequest, match="reason"):
        request_reissue(hub.store, NODE, shared_slot.again, staff="w", reason=" ", now=_now())
    client = staff_client(hub)
    page = client.get(f"/credentials/{shared_slot.again}").text
    forged = client.post(f"/credentials/{shared_slot.again}/reissue", data={"reason": "x"})
    assert forged.status_code == 403
    missing = client.post(
        "/credentials/nothing/reissue", data={"reason": "x", "csrf": csrf_of(page)}
    )
    assert missing.status_code == 404
    request_reissue(hub.store, NODE, shared_slot.again, staff="w", reason="x", now=_now())
    request_reissue(hub.store, NODE, shared_slot.again, staff="w", reason="again", now=_now())
    assert len(pending_reissues(hub.store, NODE)) == 1
    add_staff(hub.store, "other", "correct horse", "another university")
    stranger = TestClient(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))
    stranger.post("/login", data={"username": "other", "password": "correct horse"})
    theirs = stranger.get(f"/credentials/{shared_slot.original}")
    assert theirs.status_code == 404


def test_a_request_for_a_credential_another_key_signed_is_refused() -> None:
    node = ScriptedNode.create("node-x", seed=3)
    other = ScriptedNode.create("node-y", seed=4)
    cose = other.sit_and_issue(other.register())
    credential_id = decode_claims(decode_sign1(cose).payload).credential_id
    request = ReissueRequest(credential_id, cose, "L1")
    with pytest.raises(BadRequest, match="did not sign"):
        request.replacement(node.key, credential_id=b"z" * 16, status_index=9)
    with pytest.raises(BadRequest, match="another credential"):
        ReissueRequest(b"q" * 16, cose, "L1").replacement(
            other.key, credential_id=b"z" * 16, status_index=9
        )


def test_a_welcome_with_a_malformed_request_list_keeps_what_it_can() -> None:
    node = ScriptedNode.create("node-z", seed=5)
    cose = node.sit_and_issue(node.register())
    good = {"id": b"i" * 16, "cose": cose, "learner": "L1"}
    fields = {"ack": 0, "tip": [0, b""], "reissue": [good, {"id": "text"}, 7, None]}
    apply_welcome(node.db, "node-z", fields, SyncReport(ok=True, pending=0, last_ack=0))
    assert [r.learner for r in reissue_requests(node.db)] == ["L1"]
    apply_welcome(node.db, "node-z", {"ack": 0, "tip": [0, b""]}, SyncReport(True, 0, 0))
    assert len(reissue_requests(node.db)) == 1  # an older hub's welcome changes nothing
    apply_welcome(node.db, "node-z", {**fields, "reissue": []}, SyncReport(True, 0, 0))
    assert reissue_requests(node.db) == []


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.fromtimestamp(NOW, UTC)
