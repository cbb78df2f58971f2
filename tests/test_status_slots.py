"""Revocation slots after a restore from backup: the hub's hello tells the node the
highest slot it has seen, so a restored node that synced never hands one out twice; a
restored node that issued before it could sync shares a slot, which the hub records,
shows to staff and warns about before revoking. A batch and a staff decision on its
branch never interleave. On SQLite and PostgreSQL."""

from __future__ import annotations

import random
import re
import threading
import time
import warnings
from pathlib import Path

import httpx
import pytest
from sqlite_utils import Database

from credentials.keys import SigningKey
from credentials.trust import read_trust_list
from edge_node.node import open_node
from edge_node.syncing import sync_now
from hub.forks import accept_branch, node_forks
from hub.ingest import Hub, answer, lock_branches
from hub.nodes import latest_trust_list, shared_slots
from hub.server import BackgroundServer
from hub.settings import HubSettings
from hub.simulate import enrol, push, simulated_hub
from hub.staff import add_staff
from hub.store import open_store
from hub.web.app import create_web_app
from sync.bundles import export_bundle, import_answer, import_bundle
from sync.client import SyncReport, apply_welcome, batch_message, slot_floor, sync_once
from sync.eventlog import read_events
from sync.protocol import read_signed, seal
from sync.simulate import ScriptedNode
from tests.helpers.pages import csrf_of
from tests.helpers.phones import fits, staff_phone
from tests.helpers.restores import (
    issue_one,
    restored_after_backup,
    slots,
    synced_then_restored,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

NODE = "node-s"
NOW = 1_900_000_000


# -- a real edge node, restored from a backup of its data folder ------------------------


def test_a_restored_node_that_synced_issues_above_every_slot_the_hub_saw(
    hub: Hub, served: BackgroundServer, tmp_path: Path
) -> None:
    info = synced_then_restored(hub, served, tmp_path)
    data, node_id = info.data_dir, info.node_id
    assert hub.store.scalar("SELECT slot_floor FROM nodes WHERE node_id = ?", [node_id]) == 1
    node = open_node(data)
    assert slots(node) == [0] and slot_floor(node.db) is None
    sync_now(node)
    assert slot_floor(node.db) == 1
    node.close()
    issue_one(info, 2)
    node = open_node(data)
    assert slots(node) == [0, 2]  # not 1: the hub holds a credential on slot 1
    sync_now(node)
    node.close()
    (fork,) = node_forks(hub.store, "university", node_id)
    assert fork.state == "held" and fork.shared_status_slots == []
    assert [c.status_index for c in fork.fork.credentials] == [2]
    accept_branch(hub.store, "university", node_id, 1, staff="wanjiru", reason="restored", now=NOW)
    indexes = hub.store.query(
        "SELECT status_index FROM credentials WHERE node_id = ? ORDER BY status_index", [node_id]
    )
    assert [int(r[0]) for r in indexes] == [0, 1, 2]
    assert shared_slots(hub.store, node_id) == []


class OldHub(httpx.HTTPTransport):
    """The wire as a hub older than ``slot_floor`` answers hello: the same signed welcome
    without the field (the simulated hub's root re-signs it)."""

    def __init__(self, hub: Hub) -> None:
        super().__init__()
        self.hub = hub

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if not request.url.path.endswith("/hello"):
            return response
        fields = read_signed(response.read(), self.hub.root_key.public_key, "hub").fields
        del fields["slot_floor"]
        return httpx.Response(200, content=seal(self.hub.root_key, fields))


def test_a_welcome_without_the_floor_still_syncs(hub: Hub, served: BackgroundServer) -> None:
    node = ScriptedNode.create(NODE, seed=3)
    enrol(hub, node)
    node.backlog(2)
    common = {
        "db": node.db,
        "node_key": node.key,
        "node_id": NODE,
        "hub_url": served.url,
        "hub_key": hub.root_key.public_key,
    }
    report = sync_once(**common, transport=OldHub(hub))  # type: ignore[arg-type]
    assert report.ok and report.pending == 0, report.last_error
    assert slot_floor(node.db) is None
    report = sync_once(**common)  # type: ignore[arg-type]
    assert report.ok and slot_floor(node.db) == 2


def test_a_usb_answer_carries_the_floor(hub: Hub, tmp_path: Path) -> None:
    _, restored = restored_after_backup(hub, tmp_path, seed=4, after_backup=2)
    bundle = export_bundle(db=restored.db, node_key=restored.key, node_id=NODE)
    answers, errors = import_bundle(lambda wire: answer(hub, wire), bundle)
    assert errors == []
    import_answer(db=restored.db, data=answers, node_id=NODE, hub_key=hub.root_key.public_key)
    assert slot_floor(restored.db) == 3


# -- a restored node that issued before it could sync -----------------------------------


@pytest.fixture
def shared(hub: Hub, tmp_path: Path) -> tuple[str, str]:
    """Slot 2 used twice: once before the card died (synced), once by the restored node
    before it could sync. Staff accept the restored branch. (original id, restored id)"""
    _, restored = restored_after_backup(hub, tmp_path, seed=6)
    restored.backlog(1)  # slot 2 again: the node did not know
    push(hub, restored, after=3)
    assert hub.store.scalar("SELECT slot_floor FROM nodes WHERE node_id = ?", [NODE]) == 2
    assert node_forks(hub.store, "university", NODE)[0].shared_status_slots == [2]
    assert shared_slots(hub.store, NODE) == []  # held: not in results yet
    (original,) = on_slot_2(hub)
    accept_branch(hub.store, "university", NODE, 1, staff="wanjiru", reason="restored", now=NOW)
    (again,) = on_slot_2(hub) - {original}
    return original, again


def on_slot_2(hub: Hub) -> set[str]:
    rows = hub.store.query(
        "SELECT credential_id FROM credentials WHERE node_id = ? AND status_index = 2", [NODE]
    )
    return {str(row[0]) for row in rows}


def test_the_hub_records_a_shared_slot_when_it_enters_results(
    hub: Hub, shared: tuple[str, str]
) -> None:
    original, again = shared
    found = shared_slots(hub.store, NODE)
    assert [(s.status_index, {s.credential_id, s.other_id}) for s in found] == [
        (2, {original, again})
    ]
    (from_original,) = shared_slots(hub.store, NODE, original)
    (from_again,) = shared_slots(hub.store, NODE, again)
    assert (from_original.other_id, from_again.other_id) == (again, original)
    # Projecting the branch again (a retried batch) records nothing new.
    accept_branch(hub.store, "university", NODE, 1, staff="wanjiru", reason="again", now=NOW)
    assert len(shared_slots(hub.store, NODE)) == 1


def confirm_of(html: str) -> str:
    found = re.search(r'name="confirm" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def test_staff_see_the_shared_slot_and_revoking_warns_first(
    hub: Hub, shared: tuple[str, str]
) -> None:
    original, again = shared
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    client = TestClient(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))
    client.post("/login", data={"username": "wanjiru", "password": "correct horse"})
    page = client.get(f"/credentials/{again}").text
    assert f"Shares revocation slot 2 with credential {original}: revoking one revokes both" in (
        page
    )
    assert f'href="/credentials/{NODE}/{original}"' in page
    forks_page = client.get(f"/centres/{NODE}/forks").text
    assert "shares revocation slot 2" in forks_page and original in forks_page
    assert f'href="/credentials/{NODE}/{again}"' in forks_page
    swahili = client.get(f"/credentials/{original}?lang=sw").text
    assert f"Kinatumia nafasi ya kufuta 2 pamoja na cheti {again}" in swahili
    client.get("/?lang=en")

    token = csrf_of(page)
    warned = client.post(
        f"/credentials/{again}/revoke", data={"reason": "wrong learner", "csrf": token}
    )
    assert warned.status_code == 200
    assert "Revoke them all" in warned.text and "cannot be revoked alone" in warned.text
    assert original in warned.text and again in warned.text
    assert f'name="confirm" value="{original}"' in warned.text
    assert 'value="wrong learner"' in warned.text
    statuses = hub.store.query("SELECT DISTINCT status FROM credentials WHERE node_id = ?", [NODE])
    assert statuses == [("active",)]

    # Meanwhile a third credential of the node reaches slot 2: the confirmation covered
    # only the one listed, so the warning comes again, listing both others.
    third = "ab" * 16
    hub.store.execute(
        "INSERT INTO credentials (credential_id, node_id, seq, learner_id, subject, "
        "module_id, module_version, pathway, score_percent, issued_at, not_before, "
        "received_at, time_flag, status_index, status, revoked_at, revocation_reason, cose) "
        "SELECT ?, node_id, seq + 100, learner_id, subject, "
        "module_id, module_version, pathway, score_percent, issued_at, not_before, "
        "received_at, time_flag, status_index, status, revoked_at, revocation_reason, cose "
        "FROM credentials WHERE credential_id = ?",
        [third, again],
    )
    hub.store.execute(
        "INSERT INTO shared_slots (node_id, status_index, credential_id, other_id, found_at) "
        "VALUES (?, 2, ?, ?, 0)",
        [NODE, third, again],
    )
    stale = client.post(
        f"/credentials/{again}/revoke",
        data={"reason": "wrong learner", "csrf": token, "confirm": confirm_of(warned.text)},
    )
    assert stale.status_code == 200 and third in stale.text and "Revoke them all" in stale.text
    assert hub.store.scalar("SELECT count(*) FROM credentials WHERE status = 'revoked'") == 0
    done = client.post(
        f"/credentials/{again}/revoke",
        data={"reason": "wrong learner", "csrf": token, "confirm": confirm_of(stale.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    both = dict(
        hub.store.query(
            "SELECT credential_id, revocation_reason FROM credentials WHERE status_index = 2"
        )
    )
    assert both[again] == "wrong learner"
    assert both[original].startswith(f"shares revocation slot 2 with credential {again}")
    trust = latest_trust_list(hub.store)
    assert trust is not None
    status = read_trust_list(trust).status_lists[NODE]
    assert [i for i in range(4) if status.is_set(i)] == [2]


def test_the_language_links_of_a_page_answering_a_form_lead_to_a_page(
    hub: Hub, shared: tuple[str, str]
) -> None:
    """The revocation warning and an error after a form post: their language links are
    GETs of a page that exists (not of the form's address, which only takes a post)."""
    _, again = shared
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    client = TestClient(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))
    client.post("/login", data={"username": "wanjiru", "password": "correct horse"})
    token = csrf_of(client.get(f"/credentials/{again}").text)
    warned = client.post(f"/credentials/{again}/revoke", data={"reason": "x", "csrf": token})
    refused = client.post(f"/credentials/{again}/revoke", data={"reason": " ", "csrf": token})
    assert (warned.status_code, refused.status_code) == (200, 400)
    for page in (warned, refused):
        links = re.findall(r'href="([^"]*\?lang=sw)"', page.text)
        assert links
        for link in links:
            assert client.get(link).status_code == 200, link
    assert re.search(rf'href="/credentials/{NODE}/{again}\?lang=fr"', warned.text)


def test_a_credential_alone_on_its_slot_is_revoked_at_once(hub: Hub) -> None:
    node = ScriptedNode.create(NODE, seed=7)
    enrol(hub, node)
    node.backlog(2)
    push(hub, node)
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    client = TestClient(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))
    client.post("/login", data={"username": "wanjiru", "password": "correct horse"})
    credential_id = str(hub.store.scalar("SELECT credential_id FROM credentials LIMIT 1"))
    page = client.get(f"/credentials/{credential_id}").text
    assert "revocation slot" not in page
    done = client.post(
        f"/credentials/{credential_id}/revoke",
        data={"reason": "error", "csrf": csrf_of(page)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert hub.store.scalar("SELECT count(*) FROM credentials WHERE status = 'revoked'") == 1


# -- a batch and a staff decision on its branch, from two hub processes -----------------


def test_a_batch_waits_for_a_decision_on_its_branch(hub_store_url: str, tmp_path: Path) -> None:
    """Two hub processes share the database: one accepts the held branch while the other
    stores the node's next batch on it. The batch waits for the decision and is then
    projected, instead of being stored as held just as the branch was accepted."""
    deciding = simulated_hub(open_store(hub_store_url))
    ingesting = Hub(open_store(hub_store_url), deciding.root_key)
    try:
        _, restored = restored_after_backup(deciding, tmp_path, seed=8)
        restored.backlog(1)
        push(deciding, restored, after=3)
        restored.backlog(1)
        wire = batch_message(
            restored.db, restored.key, NODE, read_events(restored.db, after=6), b"8 bytes!"
        )
        result: list[bytes] = []
        # On SQLite the transaction's BEGIN IMMEDIATE already holds the one write lock.
        with deciding.store.transaction():
            lock_branches(deciding.store, NODE)
            worker = threading.Thread(target=lambda: result.append(answer(ingesting, wire)))
            worker.start()
            time.sleep(0.5)
            assert worker.is_alive(), "the batch did not wait for the decision"
            accept_branch(
                deciding.store, "university", NODE, 1, staff="wanjiru", reason="restored", now=NOW
            )
        worker.join(timeout=30)
        assert result, "the batch was not stored"
        ack = read_signed(result[0], deciding.root_key.public_key, "hub").fields
        assert ack["ack"] == 9 and ack["alert"] is None
        assert deciding.store.scalar("SELECT count(*) FROM events WHERE held <> 0") == 0
        assert deciding.store.scalar("SELECT count(*) FROM credentials") == 4
    finally:
        deciding.store.close()
        ingesting.store.close()


def test_a_phone_without_javascript_is_warned_before_revoking_both(
    hub: Hub, shared: tuple[str, str]
) -> None:
    """At 320 px with JavaScript off: the credential page, the warning, the revocation."""
    original, again = shared
    with staff_phone(hub, locale="fr") as (url, phone):
        phone.goto(f"{url}/credentials/{original}")
        assert "Partage la case de révocation 2" in phone.locator("main").inner_text()
        assert fits(phone)
        phone.fill("#reason", "erreur de saisie")
        with phone.expect_navigation():
            phone.get_by_role("button", name="Révoquer cette attestation").click()
        assert again in phone.locator("main").inner_text() and fits(phone)
        with phone.expect_navigation():
            phone.get_by_role("button", name="Les révoquer toutes").click()
        assert phone.url.endswith(f"/credentials/{NODE}/{original}") and fits(phone)
    assert hub.store.scalar("SELECT count(*) FROM credentials WHERE status = 'revoked'") == 2


def test_revoking_leaves_another_centres_credential_with_the_same_id_alone(hub: Hub) -> None:
    """Credential ids are the issuing node's choice, unique per node only: staff revoke the
    one of their own centre, never the same id issued by a centre of another university."""
    node = ScriptedNode.create(NODE, seed=7)
    enrol(hub, node)
    node.backlog(2)
    push(hub, node)
    # Another university's node whose ids repeat this one's (the same random draws).
    elsewhere = ScriptedNode(Database(memory=True), SigningKey.from_seed(b"\x09" * 32), "node-x")
    elsewhere.rng = random.Random(7)
    enrol(hub, elsewhere)
    hub.store.execute("UPDATE nodes SET organisation = 'other' WHERE node_id = 'node-x'")
    elsewhere.backlog(2)
    push(hub, elsewhere)
    ids = hub.store.query("SELECT node_id, credential_id FROM credentials ORDER BY seq, node_id")
    assert ids[0][1] == ids[1][1]
    credential_id = str(ids[0][1])

    add_staff(hub.store, "wanjiru", "correct horse", "university")
    client = TestClient(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))
    client.post("/login", data={"username": "wanjiru", "password": "correct horse"})
    page = client.get(f"/credentials/{credential_id}").text
    done = client.post(
        f"/credentials/{credential_id}/revoke",
        data={"reason": "error", "csrf": csrf_of(page)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    revoked = hub.store.query(
        "SELECT node_id, credential_id FROM credentials WHERE status <> 'active'"
    )
    assert revoked == [(NODE, credential_id)]
    trust = latest_trust_list(hub.store)
    assert trust is not None and "node-x" not in read_trust_list(trust).status_lists


def test_the_floor_only_rises_whatever_order_welcomes_arrive_in() -> None:
    """An answer file brought back late (an older, lower floor) cannot lower it."""
    node = ScriptedNode.create("node-late")
    for floor in (7, 3, None, 12, 9):
        welcome = {"ack": 0, "tip": [0, b""], "slot_floor": floor}
        apply_welcome(node.db, node.node_id, welcome, SyncReport(ok=False, pending=0, last_ack=0))
    assert slot_floor(node.db) == 12
