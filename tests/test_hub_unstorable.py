"""A value in a page's address, a form or an API path that the database cannot hold (NUL
in PostgreSQL text) is a 400 page or JSON error, never a 500. SQLite holds it: there it is
a value like any other, answered as the same address without the NUL is."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hub.ingest import Hub
from hub.settings import HubSettings
from hub.staff import add_staff, add_token
from hub.web.app import create_web_app


@pytest.fixture
def client(hub: Hub) -> TestClient:
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    return TestClient(
        create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)),
        raise_server_exceptions=False,
    )


def holds_nul(hub_store_url: str) -> bool:
    return not hub_store_url.startswith("postgresql")


def test_nul_in_a_login_form_is_a_400_page_or_an_unknown_user(
    hub_store_url: str, client: TestClient
) -> None:
    response = client.post("/login", data={"username": "wan\x00jiru", "password": "x" * 9})
    assert response.status_code == (401 if holds_nul(hub_store_url) else 400), response.text
    assert "text/html" in response.headers["content-type"]


@pytest.mark.parametrize(
    "path",
    [
        "/credentials/a%00b",
        "/credentials/a%00b/c",
        "/modules/a%00b",
        "/centres/a%00b/forks",
        "/centres/a%00b/learners/b",
    ],
)
def test_nul_in_a_page_address_is_a_400_page_where_the_store_cannot_hold_it(
    hub_store_url: str, client: TestClient, path: str
) -> None:
    login = client.post("/login", data={"username": "wanjiru", "password": "correct horse"})
    assert login.status_code == 200
    response = client.get(path)
    if holds_nul(hub_store_url):
        assert response.status_code == client.get(path.replace("%00", "")).status_code
    else:
        assert response.status_code == 400, response.text
    assert "text/html" in response.headers["content-type"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/credentials/a%00b",
        "/api/v1/nodes/a%00b/credentials/c",
        "/api/v1/nodes/n/credentials/a%00b/ob3",
        "/api/v1/modules/a%00b/results",
    ],
)
def test_nul_in_an_api_path_is_a_json_400_where_the_store_cannot_hold_it(
    hub_store_url: str, hub: Hub, client: TestClient, path: str
) -> None:
    token = add_token(hub.store, "lms", "university")
    headers = {"authorization": f"Bearer {token}"}
    response = client.get(path, headers=headers)
    if holds_nul(hub_store_url):
        without = client.get(path.replace("%00", ""), headers=headers)
        assert response.status_code == without.status_code, response.text
        assert response.json().get("error") == without.json().get("error")
    else:
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "bad_request"
