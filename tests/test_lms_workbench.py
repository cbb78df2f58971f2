"""The block in a real XBlock runtime: the SDK workbench served over HTTP, driven by Chromium.

A learner answers, submits, sees the score and the QR; the QR read from a screenshot
verifies against the university key; a reload keeps the state.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

pytest.importorskip("workbench")
sync_api = pytest.importorskip("playwright.sync_api")

from content.catalogue import catalogue_entry  # noqa: E402
from content.loading import load_catalogue  # noqa: E402
from credentials.certificates import NodeCertificate, issue_node_certificate  # noqa: E402
from credentials.keys import SigningKey, save_private_key  # noqa: E402
from credentials.qr import PREFIX, decode_qr_image  # noqa: E402
from credentials.trust import TrustList  # noqa: E402
from credentials.verification import verify  # noqa: E402
from fieldcred.cli import app  # noqa: E402
from lms_plugin.workbench import start_workbench, wait_until_ready  # noqa: E402

CONTENT = Path(__file__).parent / "fixtures" / "content" / "valid"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = SigningKey.from_seed(b"\x07" * 32)
ONLINE = SigningKey.from_seed(b"\x08" * 32)

NEEDS_CHROMIUM = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def workbench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, bytes, Path]]:
    """The workbench with an online issuer certified by ROOT: (URL, certificate, workdir)."""
    workdir = tmp_path_factory.mktemp("workbench")
    now = datetime.now(UTC).replace(microsecond=0)
    save_private_key(ONLINE, workdir / "online.jwk")
    certificate = issue_node_certificate(
        ROOT,
        NodeCertificate(
            "online-test", "Test University online", ONLINE.public_key, ("*",),
            now - timedelta(days=1), now + timedelta(days=30),
        ),
    )  # fmt: skip
    (workdir / "online.cert").write_bytes(certificate)
    port = _free_port()
    process = start_workbench(port, workdir, workdir / "online.jwk", content_dir=CONTENT)
    try:
        yield wait_until_ready(process, port), certificate, workdir
    finally:
        process.terminate()
        process.wait(timeout=10)


def _right_answer(item: Any) -> tuple[str, list[str]]:
    """The kind and the input values that answer ``item`` correctly."""
    if item.kind == "true_false":
        return item.kind, ["true" if item.answer else "false"]
    if item.kind == "numeric":
        return item.kind, [repr(item.numeric.value)]
    return item.kind, [option.id for option in item.options if option.correct]


@pytest.mark.slow
@pytest.mark.browser
@NEEDS_CHROMIUM
def test_a_learner_earns_a_credential_in_the_workbench(
    workbench: tuple[str, bytes, Path],
) -> None:
    url, certificate, workdir = workbench
    modules = load_catalogue(CONTENT).modules
    trust = TrustList(
        version=1,
        issued_at=datetime.now(UTC).replace(microsecond=0),
        roots=(ROOT.public_key,),
        node_certificates=(certificate,),
        catalogue=tuple(catalogue_entry(module) for module in modules.values()),
    )
    module = modules["mulching"]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(url)
            page.get_by_role("link", name="Green skills: Cover crops").click()
            page.wait_for_selector(".gsm-item")
            items = page.locator(".gsm-item")
            assert items.count() == 2
            cover = modules["cover-crops"]
            for index in range(items.count()):
                fieldset = items.nth(index)
                kind, values = _right_answer(cover.item(fieldset.get_attribute("data-item") or ""))
                assert kind == "true_false"
                fieldset.locator(f"input[value={values[0]}]").check()
            page.wait_for_load_state("networkidle")
            with page.expect_navigation():
                page.locator(".gsm-submit").click()
            assert "Score: 100%" in page.locator(".gsm-score").inner_text()
            assert page.locator(".gsm-verdict").inner_text() == "Passed"
            qr = page.locator(".gsm-qr svg")
            text = decode_qr_image(qr.screenshot())
            assert text is not None and text.startswith(PREFIX)
            verdict = verify(text, trust)
            assert verdict.genuine, verdict.message
            assert verdict.credential is not None and verdict.credential.module_id == "cover-crops"
            page.reload()
            assert "Score: 100%" in page.locator(".gsm-score").inner_text()
            assert decode_qr_image(page.locator(".gsm-qr svg").screenshot()) == text
            assert page.locator(".gsm-item").count() == 0
            events = (workdir / "var" / "events.log").read_text(encoding="utf-8")
            assert "XBlock event grade for green_skills_module" in events
            assert "'value': 1.0, 'max_value': 1.0" in events

            page.goto(url)
            page.get_by_role("link", name="Green skills: Mulching").click()
            page.wait_for_selector(".gsm-item")
            assert page.locator(".gsm-practical").first.is_visible()
            page.select_option("select[name=gsm-language]", "sw")
            page.wait_for_selector("html:has(.gsm[lang=sw])")
            assert "Wasilisha majibu yangu" in page.locator(".gsm-submit").inner_text()
            assert "correct" not in page.content()

            page.goto(url)
            studio = (
                url
                + (
                    page.get_by_role("link", name="Green skills: Mulching").get_attribute("href")
                    or ""
                ).lstrip("/")
                + "studio_view/"
            )
            page.goto(studio)
            page.fill("input[name=pass_threshold]", "0.1")
            page.locator(".gsm-save").click()
            page.wait_for_selector(".gsm-studio .gsm-error:not([hidden])")
            assert "between the module's own" in page.locator(".gsm-studio .gsm-error").inner_text()
            page.fill("input[name=pass_threshold]", "0.9")
            page.uncheck("input[name=languages][value=fr]")
            with page.expect_response(lambda response: "studio_submit" in response.url) as saved:
                page.locator(".gsm-save").click()
            assert saved.value.status == 200
            page.goto(studio)
            assert page.input_value("input[name=pass_threshold]") == "0.9"
            assert not page.is_checked("input[name=languages][value=fr]")
            assert module.pass_rule.overall_threshold < 0.9
        finally:
            browser.close()


@pytest.mark.parametrize(
    "url",
    ["hub.example.org", "ftp://hub.example.org", "http://", "http://hub:port", "https://hub/?a=1"],
)
def test_a_malformed_hub_url_is_a_usage_error(url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["lms", "workbench", "--dir", str(tmp_path), "--hub-url", url, "--hub-token", "t"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 2, result.output
    assert "--hub-url" in result.output and f"{url!r}" in result.output
    assert not (tmp_path / "var").exists()


def test_the_hub_url_and_its_token_go_together(tmp_path: Path) -> None:
    command = ["lms", "workbench", "--dir", str(tmp_path)]
    wide = {"COLUMNS": "200"}
    result = CliRunner().invoke(app, [*command, "--hub-url", "http://127.0.0.1:8400"], env=wide)
    assert result.exit_code == 2 and "FIELDCRED_HUB_TOKEN" in result.output
    # the token is read from the environment, where `ps` does not show it
    result = CliRunner().invoke(app, command, env={**wide, "FIELDCRED_HUB_TOKEN": "secret"})
    assert result.exit_code == 2 and "needs --hub-url" in result.output
    assert not (tmp_path / "var").exists()
