"""Logging out of the node ends the session on the node: a copy of the cookie (from the
centre's shared tablet, or read off the open hotspot) or of the API token is refused
afterwards, whether the log-out came from the page or from ``POST /api/v1/logout``; the
account's other sessions go on."""

from __future__ import annotations

import warnings

from edge_node.node import Node
from edge_node.web.app import create_app
from edge_node.web.security import SESSION_COOKIE
from tests.helpers.nodes import WORKER
from tests.helpers.pages import csrf_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def signed_in(node: Node) -> TestClient:
    client = TestClient(create_app(node))
    form = {"csrf": csrf_of(client.get("/login").text), "username": WORKER[0]}
    response = client.post("/login", data={**form, "password": WORKER[1]}, follow_redirects=False)
    assert response.status_code == 303
    return client


def copy_of(node: Node, client: TestClient) -> TestClient:
    thief = TestClient(create_app(node))
    thief.cookies.set(SESSION_COOKIE, client.cookies[SESSION_COOKIE])
    return thief


def on_dashboard(client: TestClient) -> bool:
    response = client.get("/dashboard", follow_redirects=False)
    assert response.status_code in (200, 401), response.status_code
    return response.status_code == 200


def api_token(node: Node) -> str:
    client = TestClient(create_app(node))
    response = client.post("/api/v1/login", json={"username": WORKER[0], "password": WORKER[1]})
    assert response.status_code == 200
    return str(response.json()["token"])


def test_a_copied_cookie_is_refused_after_logging_out_on_the_page(node: Node) -> None:
    tablet, phone = signed_in(node), signed_in(node)
    thief = copy_of(node, tablet)
    assert on_dashboard(thief)
    csrf = csrf_of(tablet.get("/dashboard").text)
    assert tablet.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert not on_dashboard(thief)
    assert not on_dashboard(tablet)
    assert on_dashboard(phone)


def test_a_copied_token_is_refused_after_logging_out_through_the_api(node: Node) -> None:
    token, other = api_token(node), api_token(node)
    client = TestClient(create_app(node))
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/learners", headers=bearer).status_code == 200
    ended = client.post("/api/v1/logout", headers=bearer)
    assert ended.status_code == 200 and ended.json() == {"ended": True}
    refused = client.get("/api/v1/learners", headers=bearer)
    assert refused.status_code == 401
    assert client.post("/api/v1/logout", headers=bearer).status_code == 401
    still = client.get("/api/v1/learners", headers={"Authorization": f"Bearer {other}"})
    assert still.status_code == 200


def test_a_copied_cookie_is_refused_after_logging_out_through_the_api(node: Node) -> None:
    browser = signed_in(node)
    thief = copy_of(node, browser)
    csrf = browser.get("/api/v1/me").json()["csrf"]
    assert browser.post("/api/v1/logout").status_code == 403  # a cookie needs its CSRF token
    assert on_dashboard(thief)
    ended = browser.post("/api/v1/logout", headers={"X-CSRF-Token": csrf})
    assert ended.status_code == 200
    assert not on_dashboard(thief)


def test_logging_out_without_a_session_is_refused(node: Node) -> None:
    refused = TestClient(create_app(node)).post("/api/v1/logout")
    assert refused.status_code == 401
