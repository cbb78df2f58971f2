"""The printed certificate (A4) and pocket card (A6): a QR large enough to scan, and under it
a line saying which credential it is and where to check it, which is what the `/verify`
pages ask for. `bench/scan.py` measures how well the printed pages read."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from credentials.qr import qr_version, to_qr_text
from edge_node.config import SETTINGS_FILE, EdgeSettings, write_settings
from edge_node.demo import WORKER, prepare_demo
from edge_node.node import Node, open_node
from edge_node.web.app import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

STATIC = Path(__file__).resolve().parents[1] / "edge_node" / "static"
MIN_MODULE_MM = 0.6
WORST_VERSION = 15
"""A 40-character name gives version 13 at ECC Q today; two versions of head room."""


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("paper") / "node"
    prepare_demo(data, seed=True)
    return data


def _open(data: Path, hub_url: str | None) -> Iterator[tuple[Node, TestClient, str]]:
    raw = json.loads((data / SETTINGS_FILE).read_text(encoding="utf-8"))
    raw["hub_url"] = hub_url
    write_settings(data, EdgeSettings(**raw))
    node = open_node(data)
    client = TestClient(create_app(node))
    token = client.post(
        "/api/v1/login", json={"username": WORKER[0], "password": WORKER[1]}
    ).json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    credential_id = node.db.execute("SELECT id FROM credentials").fetchone()[0]
    try:
        yield node, client, credential_id
    finally:
        node.close()


def _printed_width_mm(css: str, selector: str) -> float:
    found = re.search(re.escape(selector) + r"\{[^}]*?width:([\d.]+)mm", css)
    assert found, selector
    return float(found.group(1))


@pytest.mark.parametrize(
    ("sheet", "selector"),
    [("print-a4.css", ".certificate .qr svg"), ("print-a6.css", ".pocket .qr svg")],
)
def test_the_printed_qr_keeps_modules_of_0_6_mm_up_to_version_15(sheet: str, selector: str) -> None:
    width_mm = _printed_width_mm((STATIC / sheet).read_text(), selector)
    modules = 4 * WORST_VERSION + 17 + 2 * 4  # the symbol and its quiet zone
    assert width_mm / modules >= MIN_MODULE_MM, (sheet, width_mm)


def test_a_40_character_name_fits_the_versions_planned_for(seeded: Path) -> None:
    node = open_node(seeded)
    try:
        cose = node.db.execute("SELECT cose FROM credentials").fetchone()[0]
    finally:
        node.close()
    assert qr_version(to_qr_text(cose)) <= WORST_VERSION


def test_under_each_qr_the_credential_id_and_any_verifier(seeded: Path) -> None:
    for _, client, credential_id in _open(seeded, None):
        for page in ("certificate", "card"):
            html = client.get(f"/credentials/{credential_id}/{page}").text
            caption = re.search(r"<figcaption>(.*?)</figcaption>", html, re.S)
            assert caption is not None, page
            assert f"Credential {credential_id}" in caption.group(1)
            assert "scan this code with any fieldcred verifier" in caption.group(1)
        client.cookies.set("fc_lang", "sw")
        card = client.get(f"/credentials/{credential_id}/card").text
        assert f"Cheti {credential_id}" in card and "kihakiki chochote cha fieldcred" in card


def test_under_each_qr_the_hub_s_verify_address(seeded: Path) -> None:
    for _, client, credential_id in _open(seeded, "https://hub.example.org/"):
        client.cookies.set("fc_lang", "fr")
        for page in ("certificate", "card"):
            html = client.get(f"/credentials/{credential_id}/{page}").text
            assert f"Attestation {credential_id}" in html
            assert "ouvrez hub.example.org/verify et photographiez ce code" in html


def test_no_verify_page_asks_for_text_the_paper_does_not_carry(seeded: Path) -> None:
    from hub.settings import HubSettings
    from hub.simulate import simulated_hub
    from hub.store import SqliteStore
    from hub.web.app import create_web_app

    hub_store = SqliteStore(seeded.parent / "hub.db")
    hub = TestClient(create_web_app(simulated_hub(hub_store), HubSettings(name="hub")))
    hub_page = hub.get("/verify").text
    hub_store.close()
    for _, client, _ in _open(seeded, None):
        edge_page = client.get("/verify").text
        for html in (hub_page, edge_page):
            assert "under its QR" not in html and "text of the QR code" not in html
            assert "Take a photo of the QR code" in html
            assert "the text a QR scanner app read from the code" in html
        assert "take a photo of the QR code on the certificate or the pocket card" in hub_page
