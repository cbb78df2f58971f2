"""Staff log-ins to the hub (which faces the internet) are throttled without handing anyone
a way to lock staff out: five failures for a username from one address, within 15
minutes, refuse that username from that address for 15 minutes whatever the password
(429, Retry-After, in the reader's language); across every address, a username's
failures past ten make each further guess wait longer, up to two minutes: guessing is
slowed to 30 an hour, never locked, so the staff member still gets in from elsewhere.
The session cookie is Secure when the page came over HTTPS. On SQLite and PostgreSQL."""

from __future__ import annotations

import time
import warnings

import httpx
import pytest

from hub.ingest import Hub
from hub.settings import HubSettings
from hub.staff import (
    FREE_FAILURES,
    LOCKOUT_S,
    MAX_DELAY_S,
    LoginLocked,
    NotAuthenticated,
    add_staff,
    log_in,
)
from hub.web.app import create_web_app

pytestmark = pytest.mark.usefixtures("cheap_staff_hashing")

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


def test_five_failures_lock_the_username_from_that_address_only(hub: Hub) -> None:
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
    # The guesser's failures lock neither wanjiru elsewhere nor otieno: a stranger's
    # wrong guesses are no way to keep staff out.
    assert attempt(guesser, "otieno", "battery staple").status_code == 303
    elsewhere = client_at(hub, "198.51.100.4")
    assert attempt(elsewhere, "wanjiru", "correct horse").status_code == 303


def test_guesses_from_many_addresses_are_slowed_not_locked(hub: Hub) -> None:
    """A botnet guessing one username from a new address each time: after the free
    failures each guess waits 1, 2, 4 ... seconds, at most two minutes, and the real
    staff member gets in once the wait is over."""
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    now = int(time.time())
    for n in range(FREE_FAILURES - 1):
        with pytest.raises(NotAuthenticated):
            log_in(hub.store, "wanjiru", "guess", client=f"bot-{n}", now=now)
    waits = []
    for n in range(FREE_FAILURES, FREE_FAILURES + 12):
        with pytest.raises(NotAuthenticated):
            log_in(hub.store, "wanjiru", "guess", client=f"bot-{n}", now=now)
        with pytest.raises(LoginLocked) as slowed:
            log_in(hub.store, "wanjiru", "correct horse", client=f"bot-{n}-again", now=now)
        waits.append(slowed.value.retry_after_s)
        now += slowed.value.retry_after_s
    assert waits == [1, 2, 4, 8, 16, 32, 64, *[MAX_DELAY_S] * 5]
    assert log_in(hub.store, "wanjiru", "correct horse", client="office", now=now) == "university"


def test_guesses_per_hour_per_username_are_bounded(hub: Hub) -> None:
    """The figure the security notes give: an attacker answering every Retry-After at once,
    from as many addresses as they like, gets at most 45 guesses in the first hour and 30
    in each hour after."""
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    start = now = int(time.time())
    hours = [0, 0]
    n = 0
    while now < start + 2 * 3600:
        n += 1
        try:
            log_in(hub.store, "wanjiru", "guess", client=f"bot-{n}", now=now)
        except NotAuthenticated:
            hours[(now - start) // 3600] += 1
        except LoginLocked as slowed:
            now += slowed.retry_after_s
    assert hours[0] <= 45 and hours[1] <= 30, hours


def test_the_lock_ends_and_a_success_forgets_the_failures(hub: Hub) -> None:
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    now = int(time.time())
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            log_in(hub.store, "wanjiru", "guess", client="a", now=now)
    with pytest.raises(LoginLocked) as refused:
        log_in(hub.store, "wanjiru", "correct horse", client="a", now=now + 60)
    assert refused.value.retry_after_s == LOCKOUT_S - 60
    assert log_in(hub.store, "wanjiru", "correct horse", client="b", now=now + 60) == "university"
    later = now + LOCKOUT_S + 1
    assert log_in(hub.store, "wanjiru", "correct horse", client="a", now=later) == "university"
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


def test_a_browser_that_logged_in_before_is_not_held_back_by_strangers(hub: Hub) -> None:
    """Under a steady guessing attack the username's wait never ends (each guess starts
    the next one); the browser the staff member logged in with before still gets in at
    once, while a browser new to the username waits like the guessers."""
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    add_staff(hub.store, "otieno", "battery staple", "university")
    office = client_at(hub, "192.0.2.10")
    assert attempt(office, "wanjiru", "correct horse").status_code == 303
    now = int(time.time())
    for n in range(FREE_FAILURES + 8):
        try:
            log_in(hub.store, "wanjiru", "guess", client=f"bot-{n}", now=now)
        except NotAuthenticated:
            pass
        except LoginLocked as slowed:
            now += slowed.retry_after_s
    # The guessers' next turn is still to come.
    assert hub.store.scalar("SELECT max(locked_until) FROM login_failures") > time.time()
    stranger = attempt(client_at(hub, "192.0.2.11"), "wanjiru", "correct horse")
    assert stranger.status_code == 429
    assert 0 < int(stranger.headers["Retry-After"]) <= MAX_DELAY_S
    office.cookies.delete("fieldcred_hub")
    assert attempt(office, "wanjiru", "correct horse").status_code == 303
    # A browser is known for its own username only: a guesser's own login is no way round.
    guesser = client_at(hub, "192.0.2.12")
    assert attempt(guesser, "otieno", "battery staple").status_code == 303
    assert attempt(guesser, "wanjiru", "correct horse").status_code == 429


def test_guesses_sent_together_are_all_counted(hub: Hub) -> None:
    """Thirty guesses sent at once from thirty addresses: each is counted before its
    password is checked, so no more get through than one at a time would."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    add_staff(hub.store, "wanjiru", "correct horse", "university")
    now = int(time.time())
    start = Barrier(30)

    def guess(n: int) -> str:
        start.wait()
        try:
            log_in(hub.store, "wanjiru", f"guess {n}", client=f"bot-{n}", now=now)
        except NotAuthenticated:
            return "wrong"
        except LoginLocked:
            return "slowed"
        return "in"

    with ThreadPoolExecutor(30) as pool:
        answers = list(pool.map(guess, range(30)))
    assert answers.count("wrong") == FREE_FAILURES, answers
    assert answers.count("slowed") == 30 - FREE_FAILURES
