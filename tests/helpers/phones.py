"""The hub's staff pages as a phone shows them: 320 px wide, JavaScript off, logged in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from hub.ingest import Hub
from hub.server import BackgroundServer
from hub.settings import HubSettings
from hub.staff import add_staff
from hub.web.app import create_web_app

CHROMIUM = Path("/usr/bin/chromium")


def fits(page: Any) -> bool:
    """Nothing wider than the 320 px screen."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= 320"))


@contextmanager
def staff_phone(hub: Hub, *, locale: str) -> Iterator[tuple[str, Any]]:
    """A staff member logged in on a 320 px phone without JavaScript: (hub URL, page).
    Skips where Debian's chromium is missing, and on PostgreSQL (the pages are the same)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    if hub.store.dialect != "sqlite":
        pytest.skip("the page is the same on either store")
    from playwright.sync_api import sync_playwright

    add_staff(hub.store, "wanjiru", "correct horse", "university")
    settings = HubSettings(name="Hub", session_secret="s" * 32)
    server = BackgroundServer(create_web_app(hub, settings)).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
            )
            context = browser.new_context(
                viewport={"width": 320, "height": 640}, java_script_enabled=False, locale=locale
            )
            phone = context.new_page()
            phone.goto(f"{server.url}/login")
            assert fits(phone)
            phone.fill("#username", "wanjiru")
            phone.fill("#password", "correct horse")
            with phone.expect_navigation():
                phone.press("#password", "Enter")
            assert "/login" not in phone.url, phone.url
            yield server.url, phone
            browser.close()
    finally:
        server.stop()
