"""Staff log-ins to the hub (which faces the internet) are throttled: after five failures
for a username, or from one address, within 15 minutes, log-ins are refused for 15
minutes whatever the password (429, Retry-After, in the reader's language). A success
forgets the failures. The session cookie is Secure when the page came over HTTPS. On
SQLite and PostgreSQL."""

from __future__ import annotations

import time
import warnings

import httpx
import pytest

from sync.hub.ingest import Hub
from sync.hub.settings import HubSettings
from sync.hub.staff import LOCKOUT_S, LoginLocked, NotAuthenticated, add_staff, log_in
from sync.hub.web import create_web_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def client_at(hub: Hub, address: str, base_url: str = "http://testserver") -> TestClient:
    app = create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32))
    return TestClient(app, base_url=base_url, client=(address, 50000))


def attempt(client: TestClient, username: str, password: str, lang: str = "en") -> httpx.Response:
    return client.post(
        "/login",
        data={"username": username, "password": password},
        headers={"Accept-Language": lang},
        follow_redirects=False,
    )


def test_five_failures_lock_the_username_and_the_address(hub: Hub) -> None:
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    add_staff(hub.store, "otieno", "battery staple", "university")
    guesser = client_at(hub, "203.0.113.9")
    for _ in range(5):
        assert attempt(guesser, "wanjiru", "guess").status_code == 401
    locked = attempt(guesser, "wanjiru", "correct horse", "sw")
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= LOCKOUT_S
    assert "Jaribu tena baada ya dakika 15" in locked.text
    assert "session" not in locked.headers.get("set-cookie", "")
    # The address is locked for every username; the username from every address.
    assert attempt(guesser, "otieno", "battery staple").status_code == 429
    elsewhere = client_at(hub, "198.51.100.4")
    assert attempt(elsewhere, "wanjiru", "correct horse").status_code == 429
    assert attempt(elsewhere, "otieno", "battery staple").status_code == 303


def test_the_lock_ends_and_a_success_forgets_the_failures(hub: Hub) -> None:
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    now = int(time.time())
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            log_in(hub.store, "wanjiru", "guess", client="a", now=now)
    with pytest.raises(LoginLocked) as refused:
        log_in(hub.store, "wanjiru", "correct horse", client="b", now=now + 60)
    assert refused.value.retry_after_s == LOCKOUT_S - 60
    later = now + LOCKOUT_S + 1
    assert log_in(hub.store, "wanjiru", "correct horse", client="a", now=later) == "university"
    assert hub.store.scalar("SELECT count(*) FROM login_failures") == 0
    # Four failures after a success do not lock.
    for _ in range(4):
        with pytest.raises(NotAuthenticated):
            log_in(hub.store, "wanjiru", "guess", client="a", now=later)
    assert log_in(hub.store, "wanjiru", "correct horse", client="a", now=later) == "university"


def test_the_session_cookie_is_secure_over_https(hub: Hub) -> None:
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    over_tls = attempt(
        client_at(hub, "192.0.2.1", "https://hub.example.org"), "wanjiru", "correct horse"
    )
    plain = attempt(client_at(hub, "192.0.2.2"), "wanjiru", "correct horse")
    assert "secure" in over_tls.headers["set-cookie"].lower()
    assert "secure" not in plain.headers["set-cookie"].lower()
