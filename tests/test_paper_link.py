"""The printed certificate (A4) and pocket card (A6) carry the credential's link when the
centre knows its hub's address, so a phone's own camera opens it; the plain ``FC1:`` text
when it does not, or when the address cannot start a link."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from credentials.qr import from_qr_text, qr_svg, qr_version, to_qr_link, to_qr_text
from edge_node.config import SETTINGS_FILE, EdgeSettings, write_settings
from edge_node.demo import WORKER, prepare_demo
from edge_node.node import open_node
from edge_node.web.app import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

HUB = "https://hub.example-university.ac.ke/"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("paper-link") / "node"
    prepare_demo(data, seed=True)
    return data


def _pages(data: Path, hub_url: str | None) -> tuple[bytes, list[str]]:
    """The first credential's COSE bytes, and its A4 and A6 pages as ``hub_url`` prints them."""
    raw = json.loads((data / SETTINGS_FILE).read_text(encoding="utf-8"))
    raw["hub_url"] = hub_url
    write_settings(data, EdgeSettings(**raw))
    node = open_node(data)
    try:
        client = TestClient(create_app(node))
        token = client.post(
            "/api/v1/login", json={"username": WORKER[0], "password": WORKER[1]}
        ).json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        credential_id, cose = node.db.execute("SELECT id, cose FROM credentials").fetchone()
        pages = [
            client.get(f"/credentials/{credential_id}/{page}") for page in ("certificate", "card")
        ]
        assert all(page.status_code == 200 for page in pages)
        return bytes(cose), [page.text for page in pages]
    finally:
        node.close()


def test_a_centre_that_knows_its_hub_prints_the_link(seeded: Path) -> None:
    cose, pages = _pages(seeded, HUB)
    link = to_qr_link(cose, HUB)
    assert link.startswith("HTTPS://HUB.EXAMPLE-UNIVERSITY.AC.KE/V/")
    assert from_qr_text(link) == cose
    for html in pages:
        assert qr_svg(link) in html
        assert qr_svg(to_qr_text(cose)) not in html
    assert qr_version(link) <= 15  # what the printed sizes plan for (tests/test_paper.py)


@pytest.mark.parametrize("hub_url", [None, "https://example.org/fieldcred-hub/"])
def test_otherwise_it_prints_the_plain_form(seeded: Path, hub_url: str | None) -> None:
    cose, pages = _pages(seeded, hub_url)
    for html in pages:
        assert qr_svg(to_qr_text(cose)) in html


def test_the_centre_s_verify_page_takes_the_link(seeded: Path) -> None:
    cose, _ = _pages(seeded, HUB)
    node = open_node(seeded)
    try:
        anyone = TestClient(create_app(node))
        for text in (to_qr_link(cose, HUB), to_qr_link(cose, HUB).lower()):
            verdict = anyone.post("/api/v1/verify", json={"text": text}).json()
            assert verdict["genuine"] is True, verdict
        page = anyone.get("/verify")
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        shown = anyone.post("/verify", data={"csrf": csrf, "text": to_qr_link(cose, HUB)})
        assert shown.status_code == 200 and "This credential is genuine" in shown.text
    finally:
        node.close()
