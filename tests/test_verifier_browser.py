"""The offline verifier in a real Chromium against a real hub: installed by one visit, it
checks pasted text, a photo and the camera with the network off, says which list it used,
and says "cannot check yet" (not "forged") for a centre newer than its list."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from credentials import verdicts
from credentials.i18n import gettext
from credentials.qr import from_qr_text, qr_png, to_qr_text
from credentials.trust import read_trust_list
from credentials.verification import Reason, verify
from credentials.verifier import words
from hub.nodes import latest_trust
from hub.simulate import enrol, push
from sync.simulate import ScriptedNode
from tests.helpers.browsers import (
    CENTRE,
    PHONE,
    SMALLEST_TEXT,
    Hubside,
    chromium,
    hub_with_credentials,
    open_verifier,
    qr_photo,
    shown,
    verdict_of,
    y4m_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def hubside(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hubside]:
    with hub_with_credentials(tmp_path_factory.mktemp("verifier")) as side:
        yield side


@pytest.fixture(scope="module")
def browser(hubside: Hubside, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    camera = y4m_of(qr_png(hubside.genuine), tmp_path_factory.mktemp("camera") / "qr.y4m")
    with chromium(camera) as launched:
        yield launched


def tampered(text: str) -> str:
    """The credential with one byte of its claims changed (the holder's name)."""
    cose = bytearray(from_qr_text(text))
    at = bytes(cose).index(b"Amina")
    cose[at] ^= 0x02  # "Amina" becomes "Cmina"
    return to_qr_text(bytes(cose))


def test_installed_by_one_visit_it_checks_offline(hubside: Hubside, browser: Any) -> None:
    context, page = open_verifier(browser, hubside.url)
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("body[data-ready]")
    trust = latest_trust(hubside.hub.store)
    assert trust is not None
    forged = tampered(hubside.genuine)
    cases = {
        hubside.genuine: ("genuine", Reason.GENUINE),
        forged: ("not_genuine", Reason.BAD_SIGNATURE),
        hubside.revoked: ("not_genuine", Reason.CREDENTIAL_REVOKED),
    }
    for text, (outcome, reason) in cases.items():
        assert verify(text, trust).reason == reason  # the hub's own verdict
        seen = verdict_of(page, text)
        assert (seen["outcome"], seen["reason"]) == (outcome, reason), seen
        assert (seen["headline"], seen["sentence"]) == verdicts.VERDICTS[reason]
        assert seen["freshness"].startswith("Checked against the university's list of "), seen
        assert "made today" in seen["freshness"], seen
    genuine = verdict_of(page, hubside.genuine)
    assert page.locator("#verdict dd").first.inner_text() == "Amina Otieno"
    page.click("#languages a[lang=sw]")
    headline, sentence = verdicts.VERDICTS[Reason.GENUINE]
    in_swahili = shown(page)
    assert in_swahili["headline"] == gettext("sw", headline)
    assert in_swahili["sentence"] == gettext("sw", sentence)
    assert genuine["outcome"] == "genuine"
    # A phone's screen: nothing wider, no text under 16 px, the verdict above the ways in.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate(SMALLEST_TEXT) >= 16
    verdict_box = page.locator("#verdict").bounding_box()
    assert verdict_box is not None and page.locator(".icon").is_visible()
    assert verdict_box["y"] < page.locator("#check").bounding_box()["y"]  # type: ignore[index]
    page.click("#languages a[lang=fr]")
    assert shown(page)["headline"] == gettext("fr", headline)
    context.close()


def test_a_copy_written_in_other_bytes_is_not_genuine_in_every_language(
    hubside: Hubside, browser: Any
) -> None:
    """The genuine credential with its COSE tag written in two bytes instead of one: the
    same signed content, but not the one form a centre writes. The page says so as the
    hub does, in its words in English, Kiswahili and French."""
    rewritten = to_qr_text(b"\xd8\x12" + from_qr_text(hubside.genuine)[1:])
    trust = latest_trust(hubside.hub.store)
    assert trust is not None and verify(rewritten, trust).reason == Reason.NOT_DETERMINISTIC
    context, page = open_verifier(browser, hubside.url)
    seen = verdict_of(page, rewritten)
    assert (seen["outcome"], seen["reason"]) == ("not_genuine", Reason.NOT_DETERMINISTIC), seen
    headline, sentence = verdicts.VERDICTS[Reason.NOT_DETERMINISTIC]
    assert (seen["headline"], seen["sentence"]) == (headline, sentence)
    for lang in ("sw", "fr"):
        page.click(f"#languages a[lang={lang}]")
        words_shown = shown(page)
        assert words_shown["headline"] == gettext(lang, headline) != headline
        assert words_shown["sentence"] == gettext(lang, sentence) != sentence
    context.close()


def test_it_can_be_installed(hubside: Hubside, browser: Any) -> None:
    context, page = open_verifier(browser, hubside.url)
    cdp = context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # Playwright's browser contexts are incognito ones, where nothing installs.
    assert [error["errorId"] for error in errors if error["errorId"] != "in-incognito"] == []
    manifest = cdp.send("Page.getAppManifest")
    assert not manifest.get("errors"), manifest
    context.close()


def test_a_centre_s_plain_http_page_checks_photos_and_text(hubside: Hubside, browser: Any) -> None:
    """Without a secure context there is no camera, no service worker and no WebCrypto:
    the photo and the text still work, through the vendored Ed25519."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(hubside.url.replace("127.0.0.1", CENTRE) + "/verifier/")
    page.wait_for_selector("body[data-refreshed]")
    assert page.evaluate("isSecureContext") is False
    assert page.locator("#scan").is_hidden()
    assert verdict_of(page, hubside.revoked)["reason"] == Reason.CREDENTIAL_REVOKED
    page.set_input_files("#photo", files=[qr_photo(hubside.genuine)])
    page.wait_for_selector("#verdict[data-count='2']")
    assert shown(page)["reason"] == Reason.GENUINE
    assert page.evaluate("Boolean(globalThis.nacl)")  # the fallback did the checking
    context.close()


def test_a_photo_of_the_qr_code(hubside: Hubside, browser: Any) -> None:
    context, page = open_verifier(browser, hubside.url)
    context.set_offline(True)
    page.set_input_files("#photo", files=[qr_photo(hubside.revoked)])
    page.wait_for_selector("#verdict[data-reason]")
    assert shown(page)["reason"] == Reason.CREDENTIAL_REVOKED
    page.set_input_files(
        "#photo", files=[{"name": "x.png", "mimeType": "image/png", "buffer": qr_png("hello")}]
    )
    page.wait_for_selector("#verdict[data-count='2']")
    assert shown(page)["reason"] == Reason.MALFORMED
    context.close()


def test_the_camera_reads_a_genuine_credential_and_then_closes(
    hubside: Hubside, browser: Any
) -> None:
    context, page = open_verifier(browser, hubside.url)
    context.grant_permissions(["camera"])
    page.click("#scan")
    page.wait_for_selector("#verdict[data-reason]", timeout=15_000)
    assert shown(page)["reason"] == Reason.GENUINE
    assert page.locator("#camera").is_hidden()
    context.close()


def test_a_centre_newer_than_the_list_cannot_be_checked_yet(hubside: Hubside, browser: Any) -> None:
    context, page = open_verifier(browser, hubside.url)
    context.set_offline(True)
    newcomer = ScriptedNode.create("node-new", seed=9)
    enrol(hubside.hub, newcomer)
    text = to_qr_text(newcomer.sit_and_issue(newcomer.register(), name="Chausiku"))
    push(hubside.hub, newcomer)
    seen = verdict_of(page, text)
    assert (seen["outcome"], seen["reason"]) == ("cannot_check", words.NEWER_THAN_LIST), seen
    assert (seen["headline"], seen["sentence"]) == words.VERDICTS[words.NEWER_THAN_LIST]
    context.set_offline(False)
    page.reload()
    page.wait_for_selector("body[data-refreshed]")
    newest = read_trust_list(
        hubside.hub.store.scalar(
            "SELECT data FROM pull_items WHERE kind = 'trust' ORDER BY item_id DESC LIMIT 1"
        )
    )
    assert page.get_attribute("body", "data-list-version") == str(newest.version)
    assert verdict_of(page, text)["reason"] == Reason.GENUINE
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("body[data-ready]")
    assert verdict_of(page, text)["reason"] == Reason.GENUINE  # the newer list was kept
    assert newest.issued_at <= datetime.now(UTC)
    context.close()


def test_the_page_needs_nothing_from_elsewhere(hubside: Hubside, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(f"{hubside.url}/verifier/")
    page.wait_for_selector("body[data-refreshed]")
    page.set_input_files("#photo", files=[qr_photo(hubside.genuine)])
    page.wait_for_selector("#verdict[data-reason]")
    assert asked and all(url.startswith(hubside.url + "/verifier/") for url in asked), asked
    context.close()
