"""In Debian's Chromium at 360×640: a worker logs in, registers a learner and opens a session;
the learner (a second browser context) joins and answers; the worker scores the checklist;
the learner sees the result and the QR, which decodes and verifies."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from content.model import localize
from credentials.qr import decode_qr_image
from edge_node.demo import DemoInfo, prepare_demo
from edge_node.node import Node, open_node

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
MODULE = "soil-health"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, DemoInfo, Node]]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    data = tmp_path_factory.mktemp("browser") / "node"
    info = prepare_demo(data)
    node = open_node(data)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "edge_node", "serve", "--data", str(data), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(base + "/", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    yield base, info, node
    process.terminate()
    process.wait(timeout=10)
    node.close()


def go(page: Any, selector: str) -> None:
    """Click a submit button or link and wait until the next page has loaded."""
    with page.expect_navigation():
        page.click(selector)
    page.wait_for_load_state()


def worker_at_320_px(
    browser: Any, base: str, worker: tuple[str, str], lang: str
) -> tuple[Any, Any]:
    """A 320 px phone with JavaScript off, in ``lang``, signed in as the worker."""
    context = browser.new_context(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    context.add_cookies([{"name": "fc_lang", "value": lang, "url": base}])
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#username", worker[0])
    page.fill("#password", worker[1])
    go(page, "button.wide")
    return context, page


def test_a_session_in_a_real_browser(server: tuple[str, DemoInfo, Node]) -> None:
    from playwright.sync_api import sync_playwright

    base, info, node = server
    module = node.modules[MODULE]
    by_prompt = {localize(item.prompt, "en"): item for item in module.items}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        size = {"width": 360, "height": 640}
        worker = browser.new_context(viewport=size).new_page()
        worker.goto(base + "/login")
        worker.fill("#username", info.worker[0])
        worker.fill("#password", info.worker[1])
        go(worker, "button.wide")
        assert worker.url.endswith("/dashboard")
        # nothing overflows a 360 px screen
        assert worker.evaluate("document.documentElement.scrollWidth") <= 360
        worker.goto(base + "/learners/new")
        worker.fill("#name", "Neema Browser")
        worker.select_option("#language", "en")
        worker.check("input[name=consent]")
        go(worker, "button.wide")
        learner_code = worker.inner_text(".card .code")
        worker.goto(base + "/sessions/new")
        worker.check(f"input[name=module][value={MODULE}]")
        go(worker, "button.wide")
        session_code = worker.inner_text("main .code")
        session_url = worker.url

        learner = browser.new_context(viewport=size).new_page()
        learner.goto(base + "/join")
        learner.fill("#session", session_code)
        learner.fill("#learner", learner_code)
        go(learner, "button.wide")
        for _ in range(module.pass_rule.items_drawn):
            assert learner.evaluate("document.documentElement.scrollWidth") <= 360
            item = by_prompt[learner.inner_text("legend h1").strip()]
            if item.kind == "single_choice":
                right = next(o.id for o in item.options if o.correct)
                learner.check(f"input[name=answer][value='{right}']")
            elif item.kind == "multiple_choice":
                for option in item.options:
                    if option.correct:
                        learner.check(f"input[name=answer][value='{option.id}']")
            elif item.kind == "true_false":
                learner.check(f"input[name=answer][value={'true' if item.answer else 'false'}]")
            else:
                assert item.numeric is not None
                learner.fill("#answer", str(item.numeric.value))
            go(learner, "form button.wide")
        assert "/review" in learner.url
        go(learner, "form button.wide")
        assert "/result" in learner.url

        worker.goto(session_url)
        go(worker, "a.button[href$='/score']")
        for criterion in module.checklist:
            top = max(level.score for level in criterion.levels)
            worker.check(f"input[name='c-{criterion.id}'][value='{top}']")
        go(worker, "button.wide")

        learner.reload()
        assert learner.locator("p.ok strong").count() == 1
        go(learner, "a.button.wide[href^='/credentials/']")
        qr = learner.locator(".qr svg")
        qr.scroll_into_view_if_needed()
        text = decode_qr_image(qr.screenshot())
        assert text is not None and text.startswith("FC1:")
        verdict = httpx.post(base + "/api/v1/verify", json={"text": text}).json()
        assert verdict["genuine"] is True, verdict
        # the printed A4 certificate: one page, and its QR scales down and still reads
        credential_url = learner.url
        worker.goto(credential_url + "/certificate")
        pdf = worker.pdf(format="A4", print_background=True, prefer_css_page_size=True)
        assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
        worker.emulate_media(media="print")
        worker.reload()
        assert decode_qr_image(worker.locator(".qr svg").screenshot()) == text
        # the A6 pocket card: one A6 landscape page (148 × 105 mm), whose QR reads
        worker.goto(credential_url + "/card")
        pdf = worker.pdf(print_background=True, prefer_css_page_size=True)
        assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
        box = re.search(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]", pdf)
        assert box is not None
        mm = [round(float(points) / 72 * 25.4) for points in box.groups()]
        assert mm == [148, 105], mm
        assert decode_qr_image(worker.locator(".qr svg").screenshot()) == text
        browser.close()


def test_every_page_fits_a_320_px_phone_in_every_language(
    server: tuple[str, DemoInfo, Node],
) -> None:
    """Long unbroken names and the session table in Kiswahili and French included, with
    JavaScript off: nothing scrolls sideways."""
    from playwright.sync_api import sync_playwright

    base, info, _ = server
    api = httpx.Client(base_url=base)
    login = api.post("/api/v1/login", json={"username": info.worker[0], "password": info.worker[1]})
    api.headers["Authorization"] = f"Bearer {login.json()['token']}"
    long_name = "Nyamwezi" * 12  # 96 characters: a credential holds at most 100
    learner = api.post(
        "/api/v1/learners", json={"name": long_name, "village": "K" * 120, "consent": True}
    ).json()
    session = api.post("/api/v1/sessions", json={"module_id": MODULE}).json()
    joined = httpx.post(
        base + "/api/v1/join",
        json={"session_code": session["code"], "learner_code": learner["code"]},
    )
    assert joined.status_code == 200, joined.text
    pages = [
        "/sessions/new",
        "/dashboard",
        "/learners",
        f"/learners?q={long_name[:20]}",
        f"/learners/{learner['id']}/card",
        f"/learners/{learner['id']}/edit",
        f"/sessions/{session['id']}",
        f"/sittings/{joined.json()['sitting_id']}/score",
    ]
    # Without its certificate the node says, under each module, why it cannot issue.
    certificate = info.data_dir / "node-certificate.cbor"
    kept = certificate.read_bytes()
    certificate.unlink()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            for lang in ("en", "sw", "fr"):
                context, page = worker_at_320_px(browser, base, info.worker, lang)
                for path in pages:
                    page.goto(base + path)
                    width = page.evaluate("document.scrollingElement.scrollWidth")
                    assert width <= 320, (lang, path, width)
                    if path.endswith("/card"):  # no Print button that does nothing
                        assert not page.is_visible("button[onclick]")
                        assert page.is_visible(".print-hint")
                context.close()
            browser.close()
    finally:
        certificate.write_bytes(kept)


def test_the_printed_learner_card_s_qr_opens_the_join_page_with_the_code(
    server: tuple[str, DemoInfo, Node],
) -> None:
    """A farmer scans their card with the phone's camera: the join page opens with their
    learner code filled in, and only the session code is left to type."""
    from playwright.sync_api import sync_playwright

    base, info, _ = server
    api = httpx.Client(base_url=base)
    login = api.post("/api/v1/login", json={"username": info.worker[0], "password": info.worker[1]})
    api.headers["Authorization"] = f"Bearer {login.json()['token']}"
    learner = api.post("/api/v1/learners", json={"name": "Card Scanner", "consent": True}).json()
    session = api.post("/api/v1/sessions", json={"module_id": MODULE}).json()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        size = {"width": 360, "height": 640}
        worker = browser.new_context(viewport=size).new_page()
        worker.goto(base + "/login")
        worker.fill("#username", info.worker[0])
        worker.fill("#password", info.worker[1])
        go(worker, "button.wide")
        worker.goto(f"{base}/learners/{learner['id']}/card")
        scanned = decode_qr_image(worker.locator(".card .qr svg").screenshot())
        assert scanned is not None and scanned.startswith(base + "/join?"), scanned
        farmer = browser.new_context(viewport=size, java_script_enabled=False).new_page()
        farmer.goto(scanned)
        assert farmer.input_value("#learner") == learner["code"]
        farmer.fill("#session", session["code"])
        go(farmer, "button.wide")
        assert "/sit/" in farmer.url
        browser.close()


def test_the_admin_merge_and_join_pages_fit_320_px_without_javascript(
    server: tuple[str, DemoInfo, Node],
) -> None:
    """The accounts with their Disable buttons, a merge's confirmation and the join page's
    language buttons, in every language, on the narrowest phone."""
    from playwright.sync_api import sync_playwright

    from edge_node import learners

    base, info, node = server
    keep, duplicate = (
        learners.register(
            node, learners.LearnerDetails(name="Nyaboke Wanjiru-Odhiambo", consent=True), by="t"
        )
        for _ in range(2)
    )
    pages = [
        "/admin",
        f"/learners/merge?keep={keep.id}&duplicate={duplicate.id}",
        f"/join?learner={keep.code}",
    ]
    shows = [
        "form[action$='/disable'] button",
        "form[action='/learners/merge'] button",
        "nav.languages a[lang=sw]",
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        for lang in ("en", "sw", "fr"):
            context = browser.new_context(
                viewport={"width": 320, "height": 640}, java_script_enabled=False
            )
            context.add_cookies([{"name": "fc_lang", "value": lang, "url": base}])
            page = context.new_page()
            page.goto(base + "/login")
            page.fill("#username", info.admin[0])
            page.fill("#password", info.admin[1])
            go(page, "button.wide")
            for path, shown in zip(pages, shows, strict=True):
                page.goto(base + path)
                assert page.is_visible(shown), (lang, path)
                width = page.evaluate("document.scrollingElement.scrollWidth")
                assert width <= 320, (lang, path, width)
            context.close()
        browser.close()


def test_a_revoked_credential_s_pages_fit_320_px_and_say_so_first(
    server: tuple[str, DemoInfo, Node],
) -> None:
    """After the university's revocation reaches the node: the credential's page, its
    refused certificate and pocket card, the learner card and the dashboard, in every
    language, on the narrowest phone, the verdict at the top and no print button."""
    from playwright.sync_api import sync_playwright

    from tests.helpers.nodes import issued, pass_module, revoke_on_node, staff

    base, info, node = server
    worker = staff(node, info)
    code = worker.post("/api/v1/learners", json={"name": "Akinyi Revoked", "consent": True}).json()[
        "code"
    ]
    holder = pass_module(node, worker, code, MODULE)
    credential_id, learner_id, slot = issued(node, holder)
    revoke_on_node(node, slot)
    pages = [
        f"/credentials/{credential_id}",
        f"/credentials/{credential_id}/certificate",
        f"/credentials/{credential_id}/card",
        f"/learners/{learner_id}/card",
        "/dashboard",
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        for lang in ("en", "sw", "fr"):
            context, page = worker_at_320_px(browser, base, info.worker, lang)
            for path in pages:
                page.goto(base + path)
                width = page.evaluate("document.scrollingElement.scrollWidth")
                assert width <= 320, (lang, path, width)
                if path.startswith("/credentials/"):
                    verdict = page.locator("main [role=alert]").first
                    assert verdict.is_visible() and "✗" in verdict.inner_text()
                    box = verdict.bounding_box()
                    assert box is not None and box["y"] < 640, (lang, path)
                    assert page.locator(f"a[href^='/credentials/{credential_id}/']").count() == 0
                    assert page.locator(".qr").count() == 0
            context.close()
        browser.close()
