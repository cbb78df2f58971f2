"""A node restored from an old backup forks its log; staff see both branches side by side
and accept the branch (its events enter results once, and so do its later batches) or
reject it (it stays out, with an audit record). On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlite_utils import Database

from hub.forks import DecisionConflict, accept_branch, node_forks, reject_branch
from hub.ingest import Hub
from hub.settings import HubSettings
from hub.simulate import enrol, push
from hub.staff import add_staff
from hub.web.app import create_web_app
from sync.simulate import ScriptedNode
from tests.helpers.pages import csrf_of
from tests.helpers.phones import fits, staff_phone

NODE = "node-f"
NOW = 1_900_000_000


def credential_count(hub: Hub) -> int:
    return int(hub.store.scalar("SELECT count(*) FROM credentials WHERE node_id = ?", [NODE]))


@pytest.fixture
def forked(hub: Hub, tmp_path: Path) -> ScriptedNode:
    """Three credentials, a backup, two more synced; then the node is restored from the
    backup and syncs two credentials of new work: branch 1 from seq 9, held."""
    node = ScriptedNode.create(NODE, seed=5)
    enrol(hub, node)
    node.backlog(3)
    backup = tmp_path / "backup.db"
    node.db.conn.execute(f"VACUUM INTO '{backup}'")
    node.backlog(2)
    assert push(hub, node)["ack"] == 15
    restored = ScriptedNode(Database(backup), node.key, NODE, rng=node.rng)
    restored.clock = node.clock
    # The edge node's learner and sitting ids are random: the restored node's new ones
    # do not collide with the lost ones. Its revocation slots do (counted from the backup).
    restored.learners, restored.status_index = node.learners, node.status_index
    restored.backlog(2)
    ack = push(hub, restored, after=9)
    assert ack["branch"] == 1 and ack["ack"] == 15 and "fork" in str(ack["alert"])
    return restored


def test_held_branch_is_out_of_results_and_shown_beside_the_hub_copy(
    hub: Hub, forked: ScriptedNode
) -> None:
    assert credential_count(hub) == 5
    (fork,) = node_forks(hub.store, "university", NODE)
    assert (fork.branch, fork.parent, fork.base_seq, fork.tip_seq, fork.state) == (
        1,
        0,
        9,
        15,
        "held",
    )
    assert fork.decision is None
    for side in (fork.hub, fork.fork):
        assert side.events == 6 and len(side.credentials) == 2
        assert side.by_type == {
            "credential.issued": 2,
            "learner.registered": 2,
            "sitting.submitted": 2,
        }
        assert side.first_at is not None and side.last_at is not None
        assert side.first_at <= side.last_at
    assert {c.credential_id for c in fork.hub.credentials}.isdisjoint(
        {c.credential_id for c in fork.fork.credentials}
    )
    assert fork.shared_status_slots == []
    with pytest.raises(LookupError):
        node_forks(hub.store, "other-university", NODE)


def test_accept_projects_the_branch_once_and_its_later_batches_directly(
    hub: Hub, forked: ScriptedNode
) -> None:
    ids = {
        c.credential_id.hex() for c in node_forks(hub.store, "university", NODE)[0].fork.credentials
    }
    assert accept_branch(
        hub.store, "university", NODE, 1, staff="wanjiru", reason="restored backup", now=NOW
    )
    assert credential_count(hub) == 7
    stored = {r[0] for r in hub.store.query("SELECT credential_id FROM credentials")}
    assert ids <= stored
    assert hub.store.scalar("SELECT count(*) FROM sittings WHERE node_id = ?", [NODE]) == 7
    assert hub.store.scalar("SELECT alert FROM nodes WHERE node_id = ?", [NODE]) is None
    assert not accept_branch(
        hub.store, "university", NODE, 1, staff="wanjiru", reason="again", now=NOW
    )
    assert credential_count(hub) == 7
    assert hub.store.scalar("SELECT count(*) FROM fork_decisions") == 1
    assert node_forks(hub.store, "university", NODE)[0].state == "accepted"

    forked.backlog(1)
    ack = push(hub, forked, after=15)
    assert ack["branch"] == 1 and ack["ack"] == 18 and ack["alert"] is None
    assert credential_count(hub) == 8
    assert hub.store.scalar("SELECT count(*) FROM events WHERE held <> 0") == 0
    with pytest.raises(DecisionConflict):
        reject_branch(hub.store, "university", NODE, 1, staff="wanjiru", reason="no", now=NOW)


def test_reject_keeps_the_branch_out_for_good_with_an_audit_record(
    hub: Hub, forked: ScriptedNode
) -> None:
    with pytest.raises(ValueError, match="reason"):
        reject_branch(hub.store, "university", NODE, 1, staff="wanjiru", reason=" ", now=NOW)
    assert reject_branch(
        hub.store, "university", NODE, 1, staff="wanjiru", reason="cloned card", now=NOW
    )
    assert not reject_branch(
        hub.store, "university", NODE, 1, staff="wanjiru", reason="cloned card", now=NOW
    )
    assert hub.store.one("SELECT decision, reason, staff, decided_at FROM fork_decisions") == (
        "rejected",
        "cloned card",
        "wanjiru",
        NOW,
    )
    with pytest.raises(DecisionConflict):
        accept_branch(hub.store, "university", NODE, 1, staff="wanjiru", reason="oops", now=NOW)
    forked.backlog(1)
    ack = push(hub, forked, after=15)
    assert ack["branch"] == 1 and ack["ack"] == 18
    # The node is told its branch was rejected, not that it waits for a review.
    assert ack["alert_detail"] == {"code": "rejected", "branch": 1, "seq": 9}
    assert "rejected this node's log after seq 9" in str(ack["alert"])
    assert credential_count(hub) == 5
    assert node_forks(hub.store, "university", NODE)[0].state == "rejected"
    with pytest.raises(LookupError):
        accept_branch(hub.store, "university", NODE, 0, staff="wanjiru", reason="x", now=NOW)
    with pytest.raises(LookupError):
        accept_branch(hub.store, "university", NODE, 7, staff="wanjiru", reason="x", now=NOW)


def test_a_branch_from_a_branch_not_in_results_cannot_be_accepted(
    hub: Hub, forked: ScriptedNode, tmp_path: Path
) -> None:
    """The restored node is restored again, from a backup taken on branch 1: branch 2
    grows from branch 1, and enters results only after branch 1 does."""
    backup = tmp_path / "second-backup.db"
    forked.db.conn.execute(f"VACUUM INTO '{backup}'")
    forked.backlog(1)
    assert push(hub, forked, after=15)["branch"] == 1
    again = ScriptedNode(Database(backup), forked.key, NODE, rng=forked.rng)
    again.clock, again.learners = forked.clock, forked.learners
    again.status_index = forked.status_index
    again.backlog(1)
    assert push(hub, again, after=15)["branch"] == 2
    assert [(f.branch, f.parent, f.state) for f in node_forks(hub.store, "university", NODE)] == [
        (1, 0, "held"),
        (2, 1, "held"),
    ]
    with pytest.raises(DecisionConflict, match="decide that first"):
        accept_branch(hub.store, "university", NODE, 2, staff="wanjiru", reason="x", now=NOW)
    reject_branch(hub.store, "university", NODE, 1, staff="wanjiru", reason="cloned", now=NOW)
    # The page offers branch 2 no acceptance that could only be refused.
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    client = TestClient(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))
    login(client)
    page = client.get(f"/centres/{NODE}/forks?lang=fr").text
    assert f"/centres/{NODE}/forks/2/reject" in page
    assert f"/centres/{NODE}/forks/2/accept" not in page
    assert "issue de la branche 1, qui n&#39;est pas dans les résultats" in page
    with pytest.raises(DecisionConflict, match="decide that first"):
        accept_branch(hub.store, "university", NODE, 2, staff="wanjiru", reason="x", now=NOW)
    assert credential_count(hub) == 5
    assert reject_branch(hub.store, "university", NODE, 2, staff="wanjiru", reason="x", now=NOW)
    assert hub.store.scalar("SELECT alert FROM nodes WHERE node_id = ?", [NODE]) is None


def test_shared_revocation_slots_are_pointed_out(hub: Hub, tmp_path: Path) -> None:
    node = ScriptedNode.create(NODE, seed=6)
    enrol(hub, node)
    node.backlog(1)
    backup = tmp_path / "backup.db"
    node.db.conn.execute(f"VACUUM INTO '{backup}'")
    node.backlog(1)
    push(hub, node)
    restored = ScriptedNode(Database(backup), node.key, NODE, rng=node.rng)
    restored.clock, restored.learners, restored.status_index = node.clock, node.learners, 1
    restored.backlog(1)  # the same revocation slot (2) as the lost credential
    push(hub, restored, after=3)
    assert node_forks(hub.store, "university", NODE)[0].shared_status_slots == [2]


# -- the staff page and its forms ------------------------------------------------------


@pytest.fixture
def client(hub: Hub, forked: ScriptedNode) -> TestClient:
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    add_staff(hub.store, "pierre", "correct horse", "other-university")
    return TestClient(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))


def login(client: TestClient, username: str = "wanjiru") -> None:
    client.post("/login", data={"username": username, "password": "correct horse"})


def test_the_fork_page_and_its_forms(client: TestClient, hub: Hub) -> None:
    assert client.get(f"/centres/{NODE}/forks", follow_redirects=False).status_code == 303
    refused = client.post(f"/centres/{NODE}/forks/1/accept", data={"reason": "x"})
    assert refused.status_code == 401 and 'action="/login"' in refused.text
    login(client)
    overview = client.get("/").text
    assert f'href="/centres/{NODE}/forks"' in overview
    page = client.get(f"/centres/{NODE}/forks")
    assert page.status_code == 200
    # Both branches side by side: two credentials each since the common seq.
    assert "credential.\u200bissued</th><td>2</td><td>2</td>" in page.text
    assert "Accept the branch" in page.text and "Reject the branch" in page.text
    token = csrf_of(page.text)
    no_csrf = client.post(f"/centres/{NODE}/forks/1/accept", data={"reason": "restored"})
    assert no_csrf.status_code == 403
    forged = client.post(
        f"/centres/{NODE}/forks/1/accept", data={"reason": "restored", "csrf": "0" * 32}
    )
    assert forged.status_code == 403
    no_reason = client.post(f"/centres/{NODE}/forks/1/accept", data={"reason": "", "csrf": token})
    assert no_reason.status_code == 400, no_reason.text
    assert credential_count(hub) == 5
    done = client.post(
        f"/centres/{NODE}/forks/1/accept",
        data={"reason": "restored backup", "csrf": token},
        follow_redirects=False,
    )
    assert done.status_code == 303 and credential_count(hub) == 7
    after = client.get(f"/centres/{NODE}/forks").text
    assert "restored backup" in after and "wanjiru" in after
    assert hub.store.scalar("SELECT staff FROM fork_decisions") == "wanjiru"
    wrong = client.post(f"/centres/{NODE}/forks/1/reject", data={"reason": "x", "csrf": token})
    assert wrong.status_code == 409


def test_a_branch_number_no_database_holds_is_a_clear_error(client: TestClient) -> None:
    login(client)
    token = csrf_of(client.get("/").text)
    for branch in (str(2**63), "9" * 30):
        answer = client.post(
            f"/centres/{NODE}/forks/{branch}/accept", data={"reason": "x", "csrf": token}
        )
        assert answer.status_code == 422, answer.text


def test_staff_of_another_organisation_see_no_fork(client: TestClient, hub: Hub) -> None:
    login(client, "pierre")
    assert client.get(f"/centres/{NODE}/forks").status_code == 404
    token = csrf_of(client.get("/").text)
    refused = client.post(f"/centres/{NODE}/forks/1/reject", data={"reason": "x", "csrf": token})
    assert refused.status_code == 404
    assert hub.store.scalar("SELECT count(*) FROM fork_decisions") == 0


def test_a_phone_without_javascript_resolves_a_fork(hub: Hub, forked: ScriptedNode) -> None:
    """At 320 px with JavaScript off: log in, follow the overview's alert, accept."""
    with staff_phone(hub, locale="sw") as (url, phone):
        with phone.expect_navigation():
            phone.get_by_role("link", name="Kagua mgawanyiko").click()
        assert phone.url.endswith(f"/centres/{NODE}/forks") and fits(phone)
        phone.fill("#accept-1", "Imerejeshwa kutoka nakala")
        with phone.expect_navigation():
            phone.get_by_role("button", name="Kubali tawi hili").click()
        assert "Limekubaliwa" in phone.locator("main").inner_text() and fits(phone)
        phone.goto(f"{url}/verify")
        assert fits(phone)
    assert credential_count(hub) == 7
