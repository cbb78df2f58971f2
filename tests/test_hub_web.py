"""Hub web: staff login and pages, organisation-scoped JSON API, revocation published in
the trust list, OB3 export, public trust list."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from credentials.trust import read_trust_list
from sync.client import batch_message
from sync.eventlog import read_events
from sync.hub.ingest import Hub, answer
from sync.hub.settings import HubSettings
from sync.hub.staff import add_staff, add_token
from sync.hub.store import SqliteStore
from sync.hub.web import create_web_app
from sync.simulate import ScriptedNode, enrol, simulated_hub


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    store = SqliteStore(tmp_path / "hub.db")
    yield simulated_hub(store)
    store.close()


@pytest.fixture
def client(hub: Hub) -> TestClient:
    node = ScriptedNode.create("node-w")
    enrol(hub, node)
    for _ in range(3):
        node.sit_and_issue(node.register())
    answer(hub, batch_message(node.db, node.key, "node-w", read_events(node.db, after=0), b"n" * 8))
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    settings = HubSettings(name="Maseno hub", session_secret="s" * 32)
    return TestClient(create_web_app(hub, settings))


def login(client: TestClient) -> str:
    """Log in; the CSRF token the session's forms carry."""
    response = client.post(
        "/login", data={"username": "wanjiru", "password": "correct horse"}, follow_redirects=False
    )
    assert response.status_code == 303
    return csrf_of(client.get("/").text)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def test_pages_need_a_login(client: TestClient) -> None:
    for path in ("/", "/credentials", "/equity", "/modules/soil-health"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login"
    bad = client.post("/login", data={"username": "wanjiru", "password": "wrong password"})
    assert bad.status_code == 401 and "wrong username or password" in bad.text


def test_staff_pages(client: TestClient, hub: Hub) -> None:
    login(client)
    overview = client.get("/")
    assert overview.status_code == 200 and "soil-health" in overview.text
    assert "Events set aside for review" in overview.text
    assert "node-w" in overview.text
    registry = client.get("/credentials")
    assert registry.text.count("/credentials/") >= 3
    credential_id = hub.store.scalar("SELECT credential_id FROM credentials LIMIT 1")
    detail = client.get(f"/credentials/{credential_id}")
    assert detail.status_code == 200 and "Revoke" in detail.text
    assert client.get("/equity").status_code == 200
    assert "gender" in client.get("/equity").text
    assert client.get("/credentials/nope").status_code == 404


def test_revocation_is_published_in_the_next_trust_list(client: TestClient, hub: Hub) -> None:
    token = login(client)
    credential_id, index = hub.store.one("SELECT credential_id, status_index FROM credentials")
    forged = client.post(f"/credentials/{credential_id}/revoke", data={"reason": "fraud"})
    assert forged.status_code == 403 and "expired" in forged.text
    response = client.post(
        f"/credentials/{credential_id}/revoke",
        data={"reason": "fraud", "csrf": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    public = TestClient(client.app).get("/trust-list")
    assert public.status_code == 200
    trust = read_trust_list(public.content, pinned_roots=[hub.root_key.public_key])
    assert trust.status_lists["node-w"].is_set(index)
    assert (
        hub.store.scalar("SELECT status FROM credentials WHERE credential_id = ?", [credential_id])
        == "revoked"
    )
    assert trust.issued_at <= datetime.now(UTC)


def test_api_is_token_scoped(client: TestClient, hub: Hub) -> None:
    ours = add_token(hub.store, "open edx", "university")
    theirs = add_token(hub.store, "elsewhere", "other-university")
    assert client.get("/api/v1/modules/soil-health/results").status_code == 401
    bad = client.get(
        "/api/v1/modules/soil-health/results", headers={"authorization": "Bearer nope"}
    )
    assert bad.status_code == 401 and bad.json()["error"] == "not_authenticated"
    mine = client.get(
        "/api/v1/modules/soil-health/results", headers={"authorization": f"Bearer {ours}"}
    ).json()
    assert len(mine["results"]) == 3 and all(r["credential_id"] for r in mine["results"])
    other = client.get(
        "/api/v1/modules/soil-health/results", headers={"authorization": f"Bearer {theirs}"}
    ).json()
    assert other["results"] == []
    credential_id = mine["results"][0]["credential_id"]
    hidden = client.get(
        f"/api/v1/credentials/{credential_id}", headers={"authorization": f"Bearer {theirs}"}
    )
    assert hidden.status_code == 404
    equity = client.get("/api/v1/equity", headers={"authorization": f"Bearer {ours}"}).json()
    assert {row["dimension"] for row in equity["equity"]} == {"gender", "age band", "centre"}


def test_open_badges_export(client: TestClient, hub: Hub) -> None:
    token = add_token(hub.store, "wallet", "university")
    credential_id = hub.store.scalar("SELECT credential_id FROM credentials LIMIT 1")
    badge = client.get(
        f"/api/v1/credentials/{credential_id}/ob3", headers={"authorization": f"Bearer {token}"}
    )
    assert badge.status_code == 200, badge.text
    document = badge.json()
    assert "AchievementCredential" in document["type"]
    assert document["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"


def test_public_verification(client: TestClient, hub: Hub) -> None:
    from credentials.qr import to_qr_text

    cose, credential_id = hub.store.one("SELECT cose, credential_id FROM credentials LIMIT 1")
    good = client.post("/verify", content=to_qr_text(bytes(cose)))
    assert good.status_code == 200 and good.json()["genuine"] is True
    assert good.json()["module_id"] == "soil-health"
    token = login(client)
    client.post(f"/credentials/{credential_id}/revoke", data={"reason": "fraud", "csrf": token})
    revoked = client.post("/verify", content=bytes(cose)).json()
    assert revoked["genuine"] is False and revoked["reason"] == "credential_revoked"
    junk = client.post("/verify", content=b"\xff" * 50).json()
    assert junk["genuine"] is False
