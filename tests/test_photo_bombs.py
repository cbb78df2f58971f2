"""A photo made to cost the most to read (a 308 KB PNG of 6,300 x 6,300 16-bit RGBA pixels,
300 MB once decoded), posted by anyone to the centre's and the hub's verify pages or by a
worker on a learner's card: refused from its header at once, in the reader's language;
and when the photo readers are all taken, a 503 that says to try again soon."""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from edge_node import learners
from edge_node.node import Node
from edge_node.web.app import create_app
from hub.ingest import Hub
from hub.settings import HubSettings
from hub.web.app import create_web_app
from sync import pools
from tests.helpers import photos
from tests.helpers.nodes import WORKER, login
from tests.helpers.pages import csrf_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

TOO_LARGE = {
    "en": "This photo is too large to read here.",
    "sw": "Picha hii ni kubwa mno kusomwa hapa.",
    "fr": "Cette photo est trop grande pour être lue ici.",
}
QUICKLY_S = 2.0
"""The refusal takes milliseconds; decoding the photo took 2 s and 267 MB."""


def bomb(name: str) -> bytes:
    """The 16-bit RGBA PNG, or a 1-bit palette PNG: 5 KB that Pillow holds as 40 MB, then
    40 MB more in grey."""
    return photos.made(f"{name} PNG")


def post_photo(
    client: TestClient, path: str, photo: bytes, *, lang: str, csrf: str = ""
) -> tuple[Any, float]:
    started = time.perf_counter()
    answer = client.post(
        path,
        data={"csrf": csrf, "text": ""},
        files={"photo": ("qr.png", photo, "image/png")},
        headers={"Accept-Language": lang},
    )
    return answer, time.perf_counter() - started


@pytest.mark.parametrize("name", ["16-bit RGBA", "1-bit palette"])
@pytest.mark.parametrize("lang", ["en", "sw", "fr"])
def test_the_centre_verify_page_refuses_a_photo_bomb_at_once(
    node: Node, name: str, lang: str
) -> None:
    client = TestClient(create_app(node))
    csrf = csrf_of(client.get("/verify").text)
    answer, took_s = post_photo(client, "/verify", bomb(name), lang=lang, csrf=csrf)
    assert answer.status_code == 200
    assert TOO_LARGE[lang] in answer.text
    assert took_s < QUICKLY_S


@pytest.mark.parametrize("name", ["16-bit RGBA", "1-bit palette"])
@pytest.mark.parametrize("lang", ["en", "sw", "fr"])
def test_the_hub_verify_page_refuses_a_photo_bomb_at_once(
    sqlite_hub: Hub, name: str, lang: str
) -> None:
    client = TestClient(create_web_app(sqlite_hub, HubSettings(name="Maseno hub")))
    answer, took_s = post_photo(client, "/verify", bomb(name), lang=lang)
    assert answer.status_code == 200
    assert TOO_LARGE[lang] in answer.text
    assert took_s < QUICKLY_S


def test_a_worker_adding_a_credential_by_a_photo_bomb_is_told_at_once(node: Node) -> None:
    learner = learners.register(
        node, learners.LearnerDetails(name="Halima Achieng", consent=True), by="test"
    )
    client = TestClient(create_app(node))
    login(client, *WORKER)
    card = f"/learners/{learner.id}/card"
    csrf = csrf_of(client.get(card).text)
    target = f"/learners/{learner.id}/recognise"
    answer, took_s = post_photo(client, target, bomb("16-bit RGBA"), lang="fr", csrf=csrf)
    assert answer.status_code == 400
    assert TOO_LARGE["fr"] in answer.text
    assert took_s < QUICKLY_S


@pytest.fixture
def readers_all_taken(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """One photo reader, busy with another photo; a photo waits 50 ms in line at most."""
    taken = pools.Pool("photos", workers=1, queue=1, queue_wait_s=0.05, retry_after_s=5)
    monkeypatch.setattr(pools, "PHOTOS", taken)
    release = threading.Event()
    taken._executor.submit(release.wait)
    yield
    release.set()


@pytest.mark.usefixtures("readers_all_taken")
def test_when_every_photo_reader_is_taken_the_centre_says_try_again(node: Node) -> None:
    client = TestClient(create_app(node))
    csrf = csrf_of(client.get("/verify").text)
    answer, _ = post_photo(client, "/verify", bomb("16-bit RGBA"), lang="sw", csrf=csrf)
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "5"
    assert "Jaribu tena baada ya sekunde chache." in answer.text
    # Pasted text needs no photo reader.
    pasted = client.post("/verify", data={"csrf": csrf, "text": "FC1:NOT"})
    assert pasted.status_code == 200


@pytest.mark.usefixtures("readers_all_taken")
def test_when_every_photo_reader_is_taken_the_hub_says_try_again(sqlite_hub: Hub) -> None:
    client = TestClient(create_web_app(sqlite_hub, HubSettings(name="Maseno hub")))
    answer, _ = post_photo(client, "/verify", bomb("16-bit RGBA"), lang="fr")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "5"
    assert "Le serveur est occupé. Réessayez dans quelques secondes." in answer.text
