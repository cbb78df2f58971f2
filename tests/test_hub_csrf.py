"""Every state-changing staff form of the hub refuses a post without the CSRF token of the
session that sends it (none, a wrong one, or one from another staff member's session),
and changes nothing; another site's page can neither log staff out nor log a visitor in
as someone (login CSRF)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from hub.ingest import Hub, answer
from hub.settings import HubSettings
from hub.simulate import enrol, simulated_hub
from hub.staff import add_staff
from hub.store import SqliteStore
from hub.web.app import create_web_app
from hub.web.context import SESSION_COOKIE
from sync.client import batch_message
from sync.eventlog import read_events
from sync.simulate import ScriptedNode

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.usefixtures("cheap_staff_hashing")
NOT_STAFF_FORMS = ("/login", "/logout", "/verify", "/sync/", "/api/")
"""Posts that are not a logged-in staff member's form (each tested on its own)."""


@pytest.fixture
def staffed_hub(tmp_path: Path) -> Iterator[Hub]:
    store = SqliteStore(tmp_path / "hub.db")
    hub = simulated_hub(store)
    node = ScriptedNode.create("node-c")
    enrol(hub, node)
    node.sit_and_issue(node.register())
    answer(hub, batch_message(node.db, node.key, "node-c", read_events(node.db, after=0), b"n" * 8))
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    add_staff(hub.store, "otieno", "correct horse", "university")
    yield hub
    store.close()


def client_for(hub: Hub, username: str | None = None) -> TestClient:
    client = TestClient(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))
    if username is not None:
        response = client.post(
            "/login",
            data={"username": username, "password": "correct horse"},
            follow_redirects=False,
        )
        assert response.status_code == 303
    return client


def csrf_of(client: TestClient) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
    assert found
    return found.group(1)


def staff_forms(hub: Hub, client: TestClient) -> list[str]:
    """The address of every staff form post the app has, filled with a real credential."""
    credential_id = hub.store.scalar("SELECT credential_id FROM credentials")
    values = {
        "credential_id": credential_id,
        "node_id": "node-c",
        "branch": "1",
        "decision": "accept",
    }
    found = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        if not isinstance(route, APIRoute) or "POST" not in route.methods:
            continue
        if route.path.startswith(NOT_STAFF_FORMS):
            continue
        found.append(re.sub(r"{(\w+)}", lambda m: str(values[m.group(1)]), route.path))
    return found


def test_every_staff_form_refuses_a_post_without_its_sessions_token(staffed_hub: Hub) -> None:
    client, other = client_for(staffed_hub, "wanjiru"), client_for(staffed_hub, "otieno")
    others_token = csrf_of(other)
    forms = staff_forms(staffed_hub, client)
    assert len(forms) >= 3, forms
    fields = {"reason": "a learner's complaint"}
    for path in forms:
        for token in (None, "0" * 32, others_token, csrf_of(client)[:-1]):
            data = fields if token is None else {**fields, "csrf": token}
            response = client.post(path, data=data, follow_redirects=False)
            assert response.status_code == 403, (path, token, response.status_code)
            assert "This form has expired" in response.text
    assert (
        staffed_hub.store.scalar("SELECT count(*) FROM credentials WHERE status != 'active'") == 0
    )
    assert staffed_hub.store.scalar("SELECT count(*) FROM reissues") == 0
    # With its own session's token the same form is taken.
    path = next(p for p in forms if p.endswith("/revoke"))
    response = client.post(path, data={**fields, "csrf": csrf_of(client)}, follow_redirects=False)
    assert response.status_code == 303


def test_a_staff_form_without_a_session_asks_to_log_in(staffed_hub: Hub) -> None:
    anonymous = client_for(staffed_hub)
    for path in staff_forms(staffed_hub, anonymous):
        response = anonymous.post(path, data={"reason": "x", "csrf": "0" * 32})
        assert response.status_code == 401 and 'action="/login"' in response.text


def test_logging_out_needs_the_sessions_token(staffed_hub: Hub) -> None:
    client, other = client_for(staffed_hub, "wanjiru"), client_for(staffed_hub, "otieno")
    for token in (None, "0" * 32, csrf_of(other)):
        data = {} if token is None else {"csrf": token}
        assert client.post("/logout", data=data).status_code == 403
        assert client.get("/", follow_redirects=False).status_code == 200
    assert client.post("/logout", data={"csrf": csrf_of(client)}).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://testserver.evil.example"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://testserver"},
    ],
)
def test_another_sites_page_cannot_log_a_visitor_in(
    staffed_hub: Hub, headers: dict[str, str]
) -> None:
    """Login CSRF: a page elsewhere posting the hub's log-in form with the attacker's own
    username would give the visitor the attacker's session (and what they then type
    would land in it)."""
    client = client_for(staffed_hub)
    response = client.post(
        "/login",
        data={"username": "wanjiru", "password": "correct horse"},
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code == 403 and "This form has expired" in response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
    assert staffed_hub.store.scalar("SELECT count(*) FROM staff_sessions") == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
        # Behind a proxy that ends TLS the hub sees http; the browser's page was https.
        {"Origin": "https://testserver"},
    ],
)
def test_the_hubs_own_log_in_page_still_logs_in(staffed_hub: Hub, headers: dict[str, str]) -> None:
    client = client_for(staffed_hub)
    response = client.post(
        "/login",
        data={"username": "wanjiru", "password": "correct horse"},
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code == 303 and SESSION_COOKIE in response.headers["set-cookie"]


def test_another_sites_page_cannot_log_staff_out_through_the_api(staffed_hub: Hub) -> None:
    client = client_for(staffed_hub, "wanjiru")
    refused = client.post("/api/v1/logout", headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200
