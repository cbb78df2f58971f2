"""Support for the offline verifier's browser tests: a real hub on a port with one centre,
credentials (one genuine, one revoked), and a Chromium whose fake camera shows a QR code."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from credentials.qr import qr_png, to_qr_text
from hub.ingest import Hub
from hub.nodes import revoke_credential
from hub.server import BackgroundServer
from hub.settings import HubSettings
from hub.simulate import enrol, push, simulated_hub
from hub.store import SqliteStore
from hub.web.app import create_web_app
from sync.simulate import ScriptedNode

CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 360, "height": 640}
CENTRE = "centre.test"


@dataclass
class Hubside:
    url: str
    hub: Hub
    genuine: str
    revoked: str


def y4m_of(png: bytes, path: Path, *, width: int = 640, height: int = 480) -> Path:
    """One grey frame (4:2:0) with the picture in its middle: Chromium's fake camera loops it."""
    with Image.open(io.BytesIO(png)) as image:
        picture = image.convert("L")
    picture.thumbnail((height - 40, height - 40))
    frame = Image.new("L", (width, height), 255)
    frame.paste(picture, ((width - picture.width) // 2, (height - picture.height) // 2))
    chroma = bytes([128]) * (width * height // 2)
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"FRAME\n" + frame.tobytes() + chroma)
    return path


@contextmanager
def hub_with_credentials(folder: Path) -> Iterator[Hubside]:
    hub = simulated_hub(SqliteStore(folder / "hub.db"))
    node = ScriptedNode.create("node-v", seed=3)
    enrol(hub, node)
    genuine = node.sit_and_issue(node.register(), name="Amina Otieno")
    revoked = node.sit_and_issue(node.register(), name="Baraka Mwangi")
    push(hub, node)
    credential_id = hub.store.scalar(
        "SELECT credential_id FROM credentials WHERE status_index = 2 AND node_id = 'node-v'"
    )
    revoke_credential(
        hub.store,
        hub.root_key,
        "node-v",
        str(credential_id),
        "fraud",
        staff="registrar",
        now=datetime.now(UTC),
    )
    server = BackgroundServer(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))
    server.start()
    try:
        yield Hubside(server.url, hub, to_qr_text(genuine), to_qr_text(revoked))
    finally:
        server.stop()
        hub.store.close()


@contextmanager
def chromium(camera: Path | None = None) -> Iterator[Any]:
    """Debian's Chromium through Playwright (skips where it is missing); with ``camera``,
    a fake camera showing that Y4M file, granted without asking."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    # centre.test stands for a centre's address on its own network: plain http, not a
    # secure context (127.0.0.1 counts as one), as a phone on the centre's hotspot sees it.
    args = ["--no-sandbox", "--disable-gpu", f"--host-resolver-rules=MAP {CENTRE} 127.0.0.1"]
    if camera is not None:
        args += [
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={camera}",
        ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        try:
            yield browser
        finally:
            browser.close()


def open_verifier(browser: Any, url: str, *, locale: str = "en-GB") -> tuple[Any, Any]:
    """A new phone (context) that visits ``/verifier/`` once and waits until its service
    worker keeps everything and the background refresh is done: (context, page)."""
    context = browser.new_context(viewport=PHONE, locale=locale)
    page = context.new_page()
    page.goto(f"{url}/verifier/")
    page.wait_for_selector("body[data-refreshed]")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    return context, page


def verdict_of(page: Any, text: str) -> dict[str, str]:
    """Paste ``text``, press Check: the verdict's outcome, reason and words."""
    box = page.locator("#verdict")
    before = box.get_attribute("data-count") or "0"
    page.fill("#text", text)
    page.click("#check")
    page.wait_for_function(
        f"document.getElementById('verdict').dataset.count !== '{before}'", timeout=10_000
    )
    return shown(page)


def shown(page: Any) -> dict[str, str]:
    box = page.locator("#verdict")
    return {
        "outcome": box.get_attribute("data-outcome") or "",
        "reason": box.get_attribute("data-reason") or "",
        "headline": box.locator(".words").inner_text(),
        "sentence": box.locator(".sentence").inner_text(),
        "freshness": box.locator(".freshness").inner_text(),
    }


SMALLEST_TEXT = """() => Math.min(...[...document.querySelectorAll("body *")]
  .filter((e) => e.offsetParent !== null)
  .filter((e) => [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
  .map((e) => parseFloat(getComputedStyle(e).fontSize)))"""
"""The size in CSS pixels of the smallest visible text on the page."""


def qr_photo(text: str) -> dict[str, Any]:
    return {"name": "credential.png", "mimeType": "image/png", "buffer": qr_png(text, scale=6)}
