"""A credential's link in a real Chromium against a real hub: the first visit opens the
verifier's page and checks it; after that the link opens with the network off, answered
by the service worker, and the digits are read in the page, never sent."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from credentials.errors import MalformedInput
from credentials.qr import from_qr_text, to_digits, to_qr_link
from credentials.verification import Reason
from tests.helpers.browsers import (
    PHONE,
    Hubside,
    chromium,
    hub_with_credentials,
    open_verifier,
    shown,
)

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


def test_after_a_visit_to_the_verifier_a_link_opens_offline(hubside: Hubside, browser: Any) -> None:
    context, page = open_verifier(browser, hubside.url)
    _wait_for_workers(page)
    context.set_offline(True)
    opened = page.goto(to_qr_link(from_qr_text(hubside.genuine), hubside.url))
    assert opened is not None and opened.from_service_worker
    seen = _verdict(page)
    assert (seen["outcome"], seen["reason"]) == ("genuine", Reason.GENUINE)
    context.close()


READ = """async (texts) => {
  const { fromQrText } = await import("/verifier/verify.js");
  return texts.map((text) => {
    try {
      return Array.from(fromQrText(text));
    } catch (error) {
      return error.kind;
    }
  });
}"""


def _python_reads(text: str) -> list[int] | str:
    try:
        return list(from_qr_text(text))
    except MalformedInput:
        return "MalformedInput"


def test_verify_js_reads_links_as_python_does(hubside: Hubside, browser: Any) -> None:
    digits = to_digits(from_qr_text(hubside.genuine))
    texts = [
        f"HTTPS://HUB.ORG/V/{digits}",
        f" https://hub.org:8443/v/{digits}\n",
        f"http://Hub.Org/V/{digits}",
        "HTTPS://HUB.ORG/V/",
        "HTTPS://HUB.ORG/V/000" + "0" * 17,
        "HTTPS://HUB.ORG/V/255" + str(2**56 - 1),
        "HTTPS://HUB.ORG/V/256",
        "HTTPS://HUB.ORG/V/" + str(2**56).zfill(17),
        "HTTPS://HUB.ORG/V/1234",
        "HTTPS://HUB.ORG/V/12a",
        "HTTPS://HUB.ORG/V/\uff11\uff12\uff13",
        "HTTPS://HUB.ORG/V/123?x",
        "HTTPS://HUB.ORG/X/123",
        "HTTPS://HUB ORG/V/123",
        "HTTPS:///V/123",
        "FTP://HUB.ORG/V/123",
        "HTTPS://HUB.ORG/V/" + "0" * 7400,
        hubside.genuine,
    ]
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{hubside.url}/verifier/")
    page.wait_for_selector("body[data-ready]")
    assert page.evaluate(READ, texts) == [_python_reads(text) for text in texts]
    context.close()
