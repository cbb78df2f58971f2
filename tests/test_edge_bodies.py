"""Any phone on the centre's hotspot may post to the public pages: a body larger than its
route can take, or of no stated length, is refused before the node reads it (413, in the
reader's language on a page, JSON under /api/), so nothing fills the Pi's memory or card."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge_node.node import Node, init_node, open_node
from edge_node.web.app import create_app
from edge_node.web.context import MAX_FORM_BYTES, MAX_PHOTO_BYTES
from tests.helpers.pages import csrf_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture
def fresh_node(tmp_path: Path) -> Iterator[Node]:
    init_node(tmp_path / "n", name="Bondo", admin_user="admin", admin_password="long enough")
    opened = open_node(tmp_path / "n")
    yield opened
    opened.close()


class Streamed:
    """A multipart body sent in chunks (no Content-Length); counts what the node pulled."""

    def __init__(self, megabytes: int) -> None:
        self.megabytes, self.sent = megabytes, 0

    def __iter__(self) -> Iterator[bytes]:
        yield b'--B\r\nContent-Disposition: form-data; name="photo"; filename="x.jpg"\r\n\r\n'
        for _ in range(self.megabytes * 16):
            self.sent += 65536
            yield b"x" * 65536
        yield b"\r\n--B--\r\n"


@pytest.mark.parametrize("path", ["/verify", "/login", "/join", "/api/v1/login"])
def test_a_body_of_no_stated_length_is_refused_unread(fresh_node: Node, path: str) -> None:
    client = TestClient(create_app(fresh_node))
    body = Streamed(megabytes=50)
    response = client.post(
        path, content=body, headers={"content-type": "multipart/form-data; boundary=B"}
    )
    assert response.status_code == 413
    assert body.sent <= 65536  # the first chunk at most, before the refusal
    if path.startswith("/api/"):
        assert response.json()["error"] == "too_large"


def test_each_route_takes_what_it_needs_and_no_more(fresh_node: Node) -> None:
    client = TestClient(create_app(fresh_node))
    form = {"content-type": "application/x-www-form-urlencoded"}
    too_big = client.post("/login", content=b"a" * (MAX_FORM_BYTES + 1), headers=form)
    assert too_big.status_code == 413
    french = client.post(
        "/login",
        content=b"a" * (MAX_FORM_BYTES + 1),
        headers={**form, "Accept-Language": "fr"},
    )
    assert "Le formulaire est trop volumineux" in french.text
    photo = client.post("/verify", content=b"a" * (MAX_PHOTO_BYTES + MAX_FORM_BYTES + 1))
    assert photo.status_code == 413
    # A photo of up to 8 MB still reaches the verify page (and is judged there).
    allowed = client.post(
        "/verify",
        files={"photo": ("qr.jpg", b"\xff\xd8" + b"x" * (MAX_PHOTO_BYTES - 2), "image/jpeg")},
        data={"text": "", "csrf": csrf_of(client.get("/verify").text)},
    )
    assert allowed.status_code == 200, allowed.text
    assert "No QR code found" in allowed.text
    assert client.post("/api/v1/login", json={"username": "admin"}).status_code == 422
