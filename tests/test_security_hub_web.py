"""The hub's staff side seen from the internet: what an anonymous sender can make it read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.ingest import Hub
from hub.settings import HubSettings
from hub.simulate import enrol, simulated_hub
from hub.staff import add_staff
from hub.store import SqliteStore
from hub.web.app import create_web_app
from sync.simulate import ScriptedNode

PART = b"x" * 65536


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    store = SqliteStore(tmp_path / "hub.db")
    hub: Hub = simulated_hub(store)
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    yield TestClient(
        create_web_app(hub, HubSettings(name="Maseno hub", session_secret="s" * 32)),
        raise_server_exceptions=False,
    )
    store.close()


def test_an_anonymous_upload_to_the_login_form_is_refused_unread(client: TestClient) -> None:
    """Form parsing took a file part of any size (spooled to the hub's disk) on the public
    log-in form: 50 MiB were read before the answer 'wrong username or password'."""
    read = 0

    def upload() -> Iterator[bytes]:
        nonlocal read
        yield b'--B\r\nContent-Disposition: form-data; name="f"; filename="x"\r\n\r\n'
        for _ in range(800):
            read += len(PART)
            yield PART
        yield b"\r\n--B--\r\n"

    response = client.post(
        "/login", content=upload(), headers={"content-type": "multipart/form-data; boundary=B"}
    )
    assert response.status_code == 413 and response.json()["error"] == "too_large"
    assert read <= 2 * len(PART)


def test_a_declared_length_past_a_form_is_refused(client: TestClient) -> None:
    body = b"username=wanjiru&password=" + b"p" * (1024 * 1024)
    response = client.post(
        "/login", content=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413


def test_staff_still_log_in_and_the_verify_form_takes_a_photo(client: TestClient) -> None:
    response = client.post(
        "/login", data={"username": "wanjiru", "password": "correct horse"}, follow_redirects=False
    )
    assert response.status_code == 303
    photo = {"photo": ("qr.jpg", b"\xff\xd8" + b"\0" * (2 * 1024 * 1024), "image/jpeg")}
    assert client.post("/verify", files=photo).status_code == 200


def test_a_stored_time_past_any_calendar_leaves_the_pages_readable(client: TestClient) -> None:
    """A sitting dated 2^40, stored before the hub refused such events, made the module's
    results page a server error for every member of staff."""
    hub: Hub = client.app.state.hub
    node = ScriptedNode.create("centre-far", seed=11)
    enrol(hub, node)
    with hub.store.transaction():
        hub.store.execute(
            "INSERT INTO sittings (node_id, sitting_id, learner_id, module_id, module_version, "
            "route, score_percent, passed, submitted_at) VALUES ('centre-far', 'S1', 'L1', "
            "'soil-health', '1.0.0', 'course', 90, 1, ?)",
            [2**40],
        )
    client.post("/login", data={"username": "wanjiru", "password": "correct horse"})
    response = client.get("/modules/soil-health")
    assert response.status_code == 200 and "L1" in response.text
