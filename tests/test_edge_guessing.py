"""Guessing learners' PINs and staff passwords at the centre: every wrong guess makes the
next one wait longer; a learner's PIN locks until a worker lifts it; no one's success
clears the count of someone else; and guesses made together are all counted."""

from __future__ import annotations

import re
import threading
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from edge_node import accounts
from edge_node.clock import Clock
from edge_node.node import Node
from edge_node.storage import open_database
from edge_node.web.app import create_app
from tests.helpers.nodes import ADMIN, WORKER, client_at, login, open_session, register
from tests.helpers.pages import csrf_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch, node: Node) -> None:
    """Hundreds of guesses are checked here: with argon2's cheapest settings (a hash
    carries its own, so the accounts are given theirs again)."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "_hasher", cheap)
    for username, password in (ADMIN, WORKER):
        accounts.set_password(node.db, username, password, at=START)


class Hands:
    """The node's clock, moved by the test instead of by sleeping."""

    def __init__(self, node: Node) -> None:
        self.now = START
        node.clock = Clock(node.db, system_now=lambda: self.now, boot="test-boot")

    def wait(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    @property
    def elapsed_s(self) -> float:
        return (self.now - START).total_seconds()


def staff(node: Node, username: str, password: str, address: str) -> TestClient:
    client = client_at(node, address)
    token = client.post("/api/v1/login", json={"username": username, "password": password})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['token']}"
    return client


def guesses_within(
    hands: Hands, seconds: float, guess: Any, *, between: Any = None
) -> tuple[int, Any]:
    """Guess as fast as the node allows for ``seconds`` of the node's time, waiting each
    Retry-After out; the number of guesses the node judged, and the answer that ended it."""
    judged = 0
    while True:
        answer = guess(judged)
        if answer.status_code == 429 and "retry-after" in answer.headers:
            wait = int(answer.headers["retry-after"])
            assert 0 < wait <= 3600, wait
            if hands.elapsed_s + wait > seconds:
                return judged, answer
            hands.wait(wait)
            continue
        if answer.status_code != 401:
            return judged, answer
        judged += 1
        if between is not None:
            between(judged)


# -- learners' PINs --------------------------------------------------------------------------


def test_a_learner_s_pin_gets_ten_guesses_then_waits_for_a_worker(node: Node) -> None:
    """The review's attack: one address guesses a victim's PIN and joins as itself every
    few guesses. Each wrong PIN of the victim makes the next try wait longer; after ten the
    PIN is locked until a worker lifts it, whoever joins in between."""
    hands = Hands(node)
    worker = staff(node, *WORKER, "10.0.0.2")
    victim = register(worker, "Victim", pin="4821")
    own = register(worker, "Attacker", pin="1357")
    session = open_session(worker)
    attacker = client_at(node, "10.0.0.66")
    body = {"session_code": session["code"], "learner_code": victim["code"]}

    def guess(i: int) -> Any:
        return attacker.post("/api/v1/join", json={**body, "pin": f"{9000 + i:04}"})

    def join_as_self(judged: int) -> None:
        if judged % 2 == 0:
            mine = {**body, "learner_code": own["code"], "pin": "1357"}
            assert attacker.post("/api/v1/join", json=mine).status_code == 200

    judged, last = guesses_within(hands, 3600, guess, between=join_as_self)
    assert judged == 10
    assert last.status_code == 429 and last.json()["error"] == "pin_locked"
    assert "retry-after" not in last.headers
    # Days later the PIN is still locked, and the right PIN is refused as well.
    hands.wait(3 * 86400)
    right = attacker.post("/api/v1/join", json={**body, "pin": "4821"})
    assert right.status_code == 429 and right.json()["error"] == "pin_locked"
    assert "worker" in right.json()["message"]

    # The worker sees it on the learner's record, the list and the card, and lifts it.
    seen = worker.get(f"/api/v1/learners/{victim['id']}/pin")
    assert seen.status_code == 200 and seen.json()["locked"] is True
    assert seen.json()["wrong_guesses"] == 10
    page = TestClient(create_app(node))
    assert login(page, *WORKER).status_code == 303
    assert "PIN locked" in page.get("/learners").text
    card = page.get(f"/learners/{victim['id']}/card")
    assert "PIN locked" in card.text
    assert f'action="/learners/{victim["id"]}/unlock-pin"' in card.text
    done = page.post(f"/learners/{victim['id']}/unlock-pin", data={"csrf": csrf_of(card.text)})
    assert done.status_code == 200 and "PIN locked" not in done.text
    assert "PIN unlocked by worker" in done.text
    assert worker.get(f"/api/v1/learners/{victim['id']}/pin").json()["locked"] is False
    assert attacker.post("/api/v1/join", json={**body, "pin": "4821"}).status_code == 200


def test_the_learner_s_own_join_and_the_worker_s_api_lift_the_lock(node: Node) -> None:
    hands = Hands(node)
    worker = staff(node, *WORKER, "10.0.0.2")
    learner = register(worker, "Amina", pin="4821")
    session = open_session(worker)
    tablet = client_at(node, "10.0.0.9")
    body = {"session_code": session["code"], "learner_code": learner["code"]}
    for _ in range(3):
        assert tablet.post("/api/v1/join", json={**body, "pin": "0000"}).status_code == 401
    # Even the right PIN waits: an answer during the wait would tell a guess apart.
    early = tablet.post("/api/v1/join", json={**body, "pin": "4821"})
    assert early.status_code == 429 and early.json()["error"] == "locked"
    assert int(early.headers["retry-after"]) == 60
    # She is in front of the worker, who lifts the wait rather than make her sit it out.
    waiting = worker.get(f"/api/v1/learners/{learner['id']}/pin").json()
    assert waiting["waiting"] is True and waiting["locked"] is False
    assert worker.post(f"/api/v1/learners/{learner['id']}/pin/unlock").status_code == 200
    assert tablet.post("/api/v1/join", json={**body, "pin": "4821"}).status_code == 200
    # Her own join forgets her typos too: two are nothing to lift.
    for _ in range(2):
        assert tablet.post("/api/v1/join", json={**body, "pin": "0000"}).status_code == 401
    refused = worker.post(f"/api/v1/learners/{learner['id']}/pin/unlock")
    assert refused.status_code == 409

    for _ in range(8):
        hands.wait(3600)
        assert tablet.post("/api/v1/join", json={**body, "pin": "0000"}).status_code == 401
    hands.wait(3600)
    locked = tablet.post("/api/v1/join", json={**body, "pin": "4821"})
    assert locked.status_code == 429 and locked.json()["error"] == "pin_locked"
    # A learner cannot lift a lock; a worker can.
    assert tablet.post(f"/api/v1/learners/{learner['id']}/pin/unlock").status_code == 401
    lifted = worker.post(f"/api/v1/learners/{learner['id']}/pin/unlock")
    assert lifted.status_code == 200 and lifted.json()["locked"] is False
    assert [u["by"] for u in lifted.json()["unlocked"]] == [WORKER[0], WORKER[0]]
    assert lifted.json()["unlocked"][0]["at"].startswith(hands.now.isoformat()[:16])
    assert tablet.post("/api/v1/join", json={**body, "pin": "4821"}).status_code == 200
    assert worker.get("/api/v1/learners/nobody/pin").status_code == 404


def test_the_join_page_counts_wrong_pins_too(node: Node) -> None:
    hands = Hands(node)
    worker = staff(node, *WORKER, "10.0.0.2")
    learner = register(worker, "Amina", pin="4821")
    session = open_session(worker)
    phone = client_at(node, "10.0.0.7")

    def guess(i: int) -> Any:
        token = csrf_of(phone.get("/join").text)
        form = {
            "csrf": token,
            "session": session["code"],
            "learner": learner["code"],
            "pin": f"{1000 + i}",
        }
        return phone.post("/join", data=form, follow_redirects=False)

    judged, last = guesses_within(hands, 3600, guess)
    assert judged == 10 and last.status_code == 429
    assert "Ask your worker to unlock your PIN" in last.text
    phone.get("/lang/sw")
    again = guess(0)
    assert again.status_code == 429 and "Mwombe mwezeshaji wako afungue PIN yako" in again.text


def test_another_learner_s_join_does_not_clear_an_address_s_failures(node: Node) -> None:
    """Unknown learner codes are counted per address; joining as oneself in between
    (a success, but someone else's) does not wipe the count."""
    Hands(node)
    worker = staff(node, *WORKER, "10.0.0.2")
    own = register(worker, "Attacker")
    session = open_session(worker)
    guesser = client_at(node, "10.0.0.66")
    body = {"session_code": session["code"], "learner_code": own["code"]}
    statuses = []
    for i in range(node.settings.login_max_failures * 4):
        if i % 5 == 4:
            assert guesser.post("/api/v1/join", json=body).status_code == 200
        wrong = {**body, "learner_code": f"ZZZZ{i:04}"}
        statuses.append(guesser.post("/api/v1/join", json=wrong).status_code)
    assert set(statuses) == {401}
    refused = guesser.post("/api/v1/join", json={**body, "learner_code": "ZZZZ9999"})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) == 60
    # Another address (the next tablet) is not held up.
    other = client_at(node, "10.0.0.67")
    assert other.post("/api/v1/join", json=body).status_code == 200


def test_a_tablet_s_typos_over_a_morning_do_not_add_up(node: Node) -> None:
    """A centre's tablet is one address: a few typos every hour, all morning, never
    make its learners wait (the count of an address is forgotten after an hour)."""
    hands = Hands(node)
    worker = staff(node, *WORKER, "10.0.0.2")
    learner = register(worker)
    session = open_session(worker)
    tablet = client_at(node, "10.0.0.9")
    mistyped = {"session_code": session["code"], "learner_code": "ZZZZ0000"}
    right = {**mistyped, "learner_code": learner["code"]}
    for _ in range(5):
        for _ in range(node.settings.login_max_failures * 4 - 1):
            assert tablet.post("/api/v1/join", json=mistyped).status_code == 401
        assert tablet.post("/api/v1/join", json=right).status_code == 200
        hands.wait(3601)


# -- staff passwords ------------------------------------------------------------------------


def test_an_address_guessing_the_admin_password_does_not_keep_the_admin_out(node: Node) -> None:
    """One phone on the hotspot guesses the admin's password for a day: each wrong guess
    beyond five makes its next one wait longer (up to 15 minutes); the admin logs in from
    their own phone all along."""
    hands = Hands(node)
    attacker = client_at(node, "10.0.0.66")

    def guess(i: int) -> Any:
        return attacker.post("/api/v1/login", json={"username": "admin", "password": f"g{i:07}"})

    def admin_logs_in(judged: int) -> None:
        if judged % 4 == 0:
            admin = client_at(node, "10.0.0.2")
            answer = admin.post("/api/v1/login", json={"username": ADMIN[0], "password": ADMIN[1]})
            assert answer.status_code == 200, answer.text

    first_hour, last = guesses_within(hands, 3600, guess, between=admin_logs_in)
    assert first_hour == 12
    assert last.status_code == 429 and int(last.headers["retry-after"]) <= 900
    day, _ = guesses_within(hands, 86400, guess, between=admin_logs_in)
    assert first_hour + day <= 12 + 4 * 23 + 1
    assert re.search(r"Try again in \d+ minutes?\.$", last.json()["message"])
    # The admin's page log-in works too, from another address.
    page = client_at(node, "10.0.0.3")
    assert login(page, *ADMIN).status_code == 303


def test_guesses_from_many_addresses_slow_down_but_never_lock_the_admin_out(
    node: Node,
) -> None:
    """Twenty wrong guesses an hour at one username, from any addresses, are allowed; past
    them everyone waits, longer each time, and then gets in with the right password."""
    hands = Hands(node)
    for i in range(20):
        guess = client_at(node, f"10.0.1.{i}").post(
            "/api/v1/login", json={"username": "admin", "password": "a wrong one"}
        )
        assert guess.status_code == 401
    slowed = client_at(node, "10.0.0.2").post(
        "/api/v1/login", json={"username": ADMIN[0], "password": ADMIN[1]}
    )
    assert slowed.status_code == 429 and int(slowed.headers["retry-after"]) == 60
    hands.wait(60)
    admin = client_at(node, "10.0.0.2")
    answer = admin.post("/api/v1/login", json={"username": ADMIN[0], "password": ADMIN[1]})
    assert answer.status_code == 200, answer.text


def test_all_addresses_together_get_twenty_seven_guesses_an_hour_at_one_account(
    node: Node,
) -> None:
    """Each guess from a new address: only the account's ceiling holds them back."""
    hands = Hands(node)
    judged = 0
    while True:
        try:
            accounts.authenticate(
                node.db,
                username="admin",
                password="a wrong one",
                client=f"10.1.{judged // 250}.{judged % 250}",
                now=_now(node),
            )
        except accounts.Locked as wait:
            if hands.elapsed_s + wait.retry_after_s > 3600:
                break
            hands.wait(wait.retry_after_s)
        except accounts.Unauthorized:
            judged += 1
    assert judged == 27


def test_set_password_at_the_terminal_clears_every_count(node: Node) -> None:
    Hands(node)
    for i in range(30):
        with pytest.raises((accounts.Unauthorized, accounts.Locked)):
            accounts.authenticate(
                node.db, username="admin", password="wrong", client=f"10.0.2.{i}", now=_now(node)
            )
    with pytest.raises(accounts.Locked):
        accounts.authenticate(
            node.db, username="admin", password=ADMIN[1], client="10.0.2.1", now=_now(node)
        )
    accounts.set_password(node.db, "admin", "a brand new one", at=START)
    found = accounts.authenticate(
        node.db, username="admin", password="a brand new one", client="10.0.2.1", now=_now(node)
    )
    assert found.username == "admin"


def _now(node: Node) -> float:
    return node.clock.now().timestamp()


# -- guesses made together ------------------------------------------------------------------


def _hammer(targets: list[Any], rounds: int) -> list[BaseException]:
    errors: list[BaseException] = []
    throttle = accounts.Throttle(max_failures=10**6)
    start = threading.Barrier(len(targets))

    def run(db: Any) -> None:
        try:
            start.wait()
            for _ in range(rounds):
                accounts.record_failure(db, ["race"], 1_800_000_000.0, throttle)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(db,)) for db in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def _count(db: Any) -> int:
    row = db.execute("SELECT failures FROM login_failures WHERE key = 'race'").fetchone()
    return int(row[0])


def test_wrong_guesses_made_together_on_one_connection_are_all_counted(node: Node) -> None:
    """The web's threads share the node's connection."""
    errors = _hammer([node.db] * 8, 25)
    assert errors == [] and _count(node.db) == 200


def test_wrong_guesses_made_together_on_several_connections_are_all_counted(
    tmp_path: Path,
) -> None:
    path = tmp_path / "node.db"
    first = open_database(path, create=True)
    others = [open_database(path) for _ in range(5)]
    errors = _hammer([first, *others], 20)
    assert errors == [] and _count(first) == 120
