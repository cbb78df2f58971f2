"""A credential's link in a real Chromium against a real hub: the first visit opens the
verifier's page and checks it; after that the link opens with the network off, answered
by the service worker, and the digits are read in the page, never sent."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from credentials.qr import from_qr_text, to_digits, to_qr_link
from credentials.verification import Reason
from tests.verifier_browser import PHONE, Hubside, chromium, hub_with_credentials, shown

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WORKERS_READY = """async () => {
  for (const scope of ["/verifier/", "/V/", "/v/"]) {
    const found = await navigator.serviceWorker.getRegistration(scope);
    if (!found || !found.active || found.active.state !== "activated") return false;
  }
  return true;
}"""


@pytest.fixture(scope="module")
def hubside(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hubside]:
    with hub_with_credentials(tmp_path_factory.mktemp("link")) as side:
        yield side


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _verdict(page: Any) -> dict[str, str]:
    page.wait_for_selector("#verdict[data-count='1']", state="attached", timeout=10_000)
    return shown(page)


def _wait_for_workers(page: Any) -> None:
    """Until the verifier's folder and both links' folders have an active worker (the
    page's policy refuses the eval that wait_for_function would use)."""
    deadline = time.monotonic() + 15
    while not page.evaluate(WORKERS_READY):
        assert time.monotonic() < deadline, "the service workers did not start"
        page.wait_for_timeout(100)


def test_a_link_opens_and_checks_offline_after_one_visit(hubside: Hubside, browser: Any) -> None:
    genuine = to_qr_link(from_qr_text(hubside.genuine), hubside.url)
    revoked = to_digits(from_qr_text(hubside.revoked))
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    # A first-time visitor opens the link: the hub's page checks it in the phone.
    page.goto(genuine)
    assert (_verdict(page)["outcome"], _verdict(page)["reason"]) == ("genuine", Reason.GENUINE)
    page.wait_for_selector("body[data-refreshed]")
    _wait_for_workers(page)
    context.set_offline(True)
    for path in ("/V/", "/v/"):
        opened = page.goto(f"{hubside.url}{path}{revoked}")
        assert opened is not None and opened.from_service_worker
        seen = _verdict(page)
        assert (seen["outcome"], seen["reason"]) == ("not_genuine", Reason.CREDENTIAL_REVOKED)
        assert seen["headline"] and seen["freshness"]
    opened = page.goto(genuine.lower())
    assert opened is not None and opened.from_service_worker
    seen = _verdict(page)
    assert (seen["outcome"], seen["reason"]) == ("genuine", Reason.GENUINE)
    assert page.locator("#verdict dd").first.inner_text() == "Amina Otieno"
    context.close()


def test_a_broken_link_cannot_be_checked(hubside: Hubside, browser: Any) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{hubside.url}/V/1234")  # four digits: no credential writes that
    seen = _verdict(page)
    assert (seen["outcome"], seen["reason"]) == ("cannot_check", Reason.MALFORMED)
    context.close()
