"""Staff sessions on the hub live on the hub: logging out (the page's button or
``POST /api/v1/logout``) ends the session, so a copy of its cookie (from a shared
computer, or read off an open network) stops working; other devices' sessions go on; a
new password or a disabled account ends them all. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
import time
import warnings

import pytest

from hub.ingest import Hub
from hub.settings import HubSettings
from hub.staff import add_staff, set_disabled, set_password
from hub.web.app import create_web_app
from hub.web.context import SESSION_COOKIE

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.usefixtures("cheap_staff_hashing")


def device(hub: Hub) -> TestClient:
    return TestClient(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))


def logged_in(hub: Hub, username: str = "wanjiru") -> TestClient:
    client = device(hub)
    response = client.post(
        "/login", data={"username": username, "password": "correct horse"}, follow_redirects=False
    )
    assert response.status_code == 303
    return client


def copy_of(hub: Hub, client: TestClient) -> TestClient:
    """Another device holding the same session cookie."""
    thief = device(hub)
    thief.cookies.set(SESSION_COOKIE, client.cookies[SESSION_COOKIE])
    return thief


def works(client: TestClient) -> bool:
    response = client.get("/", follow_redirects=False)
    assert response.status_code in (200, 303), response.status_code
    return response.status_code == 200


def csrf_of(client: TestClient) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
    assert found
    return found.group(1)


@pytest.fixture
def staff(hub: Hub) -> Hub:
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    add_staff(hub.store, "otieno", "correct horse", "university")
    return hub


def test_a_copied_cookie_is_refused_after_logging_out_on_the_page(staff: Hub) -> None:
    client = logged_in(staff)
    thief = copy_of(staff, client)
    assert works(thief)
    response = client.post("/logout", data={"csrf": csrf_of(client)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert not works(thief)
    refused = thief.get("/api/v1/logout")
    assert refused.status_code == 405
    assert thief.post("/api/v1/logout").status_code == 401


def test_a_copied_cookie_is_refused_after_logging_out_through_the_api(staff: Hub) -> None:
    client = logged_in(staff)
    thief = copy_of(staff, client)
    response = client.post("/api/v1/logout")
    assert response.status_code == 200 and response.json() == {"ended": True}
    assert not works(thief)
    again = thief.post("/api/v1/logout")
    assert again.status_code == 401 and again.json()["error"] == "not_authenticated"


def test_logging_out_ends_that_session_only(staff: Hub) -> None:
    office, phone, colleague = logged_in(staff), logged_in(staff), logged_in(staff, "otieno")
    copied = copy_of(staff, office)
    assert office.post("/api/v1/logout").status_code == 200
    assert not works(copied)
    assert works(phone) and works(colleague)
    row = staff.store.one(
        "SELECT created_at, last_seen_at, ended_at FROM staff_sessions "
        "WHERE username = 'wanjiru' AND ended_at IS NOT NULL"
    )
    assert row is not None and row[0] <= row[1] <= row[2] <= time.time()


def test_a_new_password_ends_every_session_of_the_account(staff: Hub) -> None:
    office, phone, colleague = logged_in(staff), logged_in(staff), logged_in(staff, "otieno")
    set_password(staff.store, "wanjiru", "a new horse", now=int(time.time()))
    assert not works(office) and not works(phone)
    assert works(colleague)


def test_a_disabled_account_has_no_session_and_cannot_log_in(staff: Hub) -> None:
    office = logged_in(staff)
    set_disabled(staff.store, "wanjiru", True, now=int(time.time()))
    assert not works(office)
    refused = device(staff).post(
        "/login", data={"username": "wanjiru", "password": "correct horse"}
    )
    assert refused.status_code == 401
    set_disabled(staff.store, "wanjiru", False, now=int(time.time()))
    assert not works(office)
    assert works(logged_in(staff))


def test_a_session_older_than_twelve_hours_is_refused(staff: Hub) -> None:
    client = logged_in(staff)
    with staff.store.transaction():
        staff.store.execute("UPDATE staff_sessions SET created_at = created_at - 12 * 3600")
    assert not works(client)


def test_a_cookie_from_before_sessions_is_refused(staff: Hub) -> None:
    """The cookie once held the username alone; such a cookie names no session."""
    client = device(staff)
    signer = client.app.state.web.signer  # type: ignore[attr-defined]
    client.cookies.set(SESSION_COOKIE, signer.dumps("wanjiru"))
    assert not works(client)
