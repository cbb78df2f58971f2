"""A value in a page's address, a form or an API path that the database cannot hold (NUL
in PostgreSQL text) is a 400 page or JSON error, never a 500, on both stores."""

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


def test_nul_in_a_login_form_is_refused_plainly(client: TestClient) -> None:
    response = client.post("/login", data={"username": "wan\x00jiru", "password": "x" * 9})
    assert response.status_code in (400, 401), response.text
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
def test_nul_in_a_page_address_is_a_400_page(client: TestClient, path: str) -> None:
    login = client.post("/login", data={"username": "wanjiru", "password": "correct horse"})
    assert login.status_code == 200
    response = client.get(path)
    assert response.status_code in (200, 400, 404), response.text
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
def test_nul_in_an_api_path_is_a_json_400(hub: Hub, client: TestClient, path: str) -> None:
    token = add_token(hub.store, "lms", "university")
    response = client.get(path, headers={"authorization": f"Bearer {token}"})
    assert response.status_code in (200, 400, 404), response.text
    assert response.status_code == 200 or response.json()["error"] in ("bad_request", "not_found")
