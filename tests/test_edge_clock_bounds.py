"""An admin (or whoever holds an admin's session) cannot move the node's clock to a time
the node knows is wrong: before what it has already recorded or the university's last
time, or far past the latest time it knows for sure. A clock set absurdly but within
those bounds still dates no credential outside the node's certificate."""

from __future__ import annotations

import html
import warnings
from datetime import UTC, datetime, timedelta

from edge_node import issuance
from edge_node.clock import ADMIN_AHEAD_LIMIT, BACKWARD_TOLERANCE, ClockSource
from edge_node.i18n import gettext
from edge_node.issuance import OUTSIDE_VALIDITY
from edge_node.node import Node
from edge_node.web.app import create_app
from tests.helpers.nodes import MODULE, answer_all, full_marks, join, login, open_session, register
from tests.helpers.pages import csrf_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def admin_api(node: Node) -> TestClient:
    client = TestClient(create_app(node))
    token = client.post("/api/v1/login", json={"username": "admin", "password": "admin-password"})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['token']}"
    return client


def last_event(node: Node) -> datetime:
    at = node.db.execute("SELECT max(at) FROM events").fetchone()[0]
    return datetime.fromtimestamp(int(at), UTC)


def test_the_clock_cannot_go_back_before_what_the_node_recorded(
    node: Node, worker: TestClient
) -> None:
    register(worker)
    recorded = last_event(node)
    admin = admin_api(node)
    before = node.clock.now()
    back = admin.put("/api/v1/clock", json={"time": (recorded - timedelta(days=2)).isoformat()})
    assert back.status_code == 400, back.text
    assert recorded.strftime("%Y-%m-%d %H:%M") in back.json()["message"]
    assert abs(node.clock.now() - before) < timedelta(minutes=1)
    near = admin.put(
        "/api/v1/clock",
        json={"time": (recorded - BACKWARD_TOLERANCE + timedelta(seconds=30)).isoformat()},
    )
    assert near.status_code == 200, near.text


def test_the_clock_cannot_go_back_before_the_university_s_time(node: Node) -> None:
    hub_time = datetime.now(UTC).replace(microsecond=0)
    node.clock.set_time(hub_time, ClockSource.hub)
    admin = admin_api(node)
    back = admin.put("/api/v1/clock", json={"time": (hub_time - timedelta(days=30)).isoformat()})
    assert back.status_code == 400, back.text
    assert node.clock.status().source is ClockSource.hub


def test_the_clock_cannot_jump_far_past_the_latest_time_known(node: Node) -> None:
    hub_time = datetime.now(UTC).replace(microsecond=0)
    node.clock.set_time(hub_time, ClockSource.hub)
    page = TestClient(create_app(node))
    assert login(page, "admin", "admin-password").status_code == 303
    page.get("/lang/sw")
    token = csrf_of(page.get("/admin").text)
    far = hub_time + ADMIN_AHEAD_LIMIT + timedelta(days=1)
    answer = page.post("/admin/clock", data={"csrf": token, "time": far.isoformat()})
    assert answer.status_code == 400
    english = (
        "This time is more than {days} days after {known} UTC, the latest time this centre "
        "knows for sure. Check the date; a time further ahead comes only from a sync with "
        "the university."
    )
    said = gettext("sw", english).format(
        days=ADMIN_AHEAD_LIMIT.days, known=hub_time.strftime("%Y-%m-%d %H:%M")
    )
    assert said != english and said in html.unescape(answer.text)
    assert node.clock.status().source is ClockSource.hub
    ahead = hub_time + ADMIN_AHEAD_LIMIT - timedelta(days=1)
    fine = page.post("/admin/clock", data={"csrf": token, "time": ahead.isoformat()})
    assert fine.status_code == 200
    assert node.clock.status().source is ClockSource.admin


def test_the_university_s_time_is_taken_whatever_the_node_recorded(
    node: Node, worker: TestClient
) -> None:
    register(worker)
    earlier = last_event(node) - timedelta(days=3)
    node.clock.set_time(earlier, ClockSource.hub)
    assert abs(node.clock.now() - earlier) < timedelta(minutes=1)


def _pass(node: Node, worker: TestClient) -> tuple[TestClient, str]:
    learner = register(worker)
    session = open_session(worker)
    client, sitting_id = join(node, session["code"], learner["code"])
    module = node.modules[MODULE]
    answer_all(client, sitting_id, module)
    client.post(f"/api/v1/sittings/{sitting_id}/submit")
    scored = worker.post(
        f"/api/v1/sittings/{sitting_id}/checklist", json={"scores": full_marks(module)}
    )
    assert scored.status_code == 200, scored.text
    return client, sitting_id


def test_a_clock_past_the_certificate_dates_no_credential(node: Node, worker: TestClient) -> None:
    cert = issuance.own_certificate(node)
    assert cert is not None
    admin = admin_api(node)
    absurd = cert.not_after + timedelta(days=2)
    assert admin.put("/api/v1/clock", json={"time": absurd.isoformat()}).status_code == 200
    client, sitting_id = _pass(node, worker)
    result = client.get(f"/api/v1/sittings/{sitting_id}").json()["result"]
    assert result["passed"] and result["credential_id"] is None
    assert result["withheld"].startswith(OUTSIDE_VALIDITY.split("{")[0])
    assert issuance.issue_pending(node) == 0
    assert node.db.execute("SELECT count(*) FROM credentials").fetchone()[0] == 0
    qualities = {row[0] for row in node.db.execute("SELECT clock_quality FROM events")}
    assert qualities == {"admin"}


def test_a_clock_before_the_certificate_dates_no_credential(node: Node, worker: TestClient) -> None:
    cert = issuance.own_certificate(node)
    assert cert is not None
    admin = admin_api(node)
    early = cert.not_before - timedelta(days=2)
    assert admin.put("/api/v1/clock", json={"time": early.isoformat()}).status_code == 200
    client, sitting_id = _pass(node, worker)
    assert client.get(f"/api/v1/sittings/{sitting_id}").json()["result"]["credential_id"] is None
    assert node.db.execute("SELECT count(*) FROM credentials").fetchone()[0] == 0
