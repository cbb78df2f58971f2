"""The link form of a credential, ``HTTPS://<HUB>/V/<digits>``, that a phone's own camera
offers to open: the digits round-trip exactly and are read strictly, the QR drawn from a
link is an alphanumeric then a numeric segment no larger than the plain form's, every
verifier takes either form, and the hub serves the page for a link without logging it."""

from __future__ import annotations

import dataclasses
import logging
import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import segno
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from segno import encoder
from segno.consts import MODE_ALPHANUMERIC, MODE_NUMERIC
from typer.testing import CliRunner

from credentials.errors import MalformedInput
from credentials.issuance import issue
from credentials.keys import SigningKey
from credentials.qr import (
    BLOCK_DIGITS,
    _segments,
    _symbol,
    decode_qr_image,
    from_digits,
    from_qr_text,
    printed_qr_text,
    qr_png,
    qr_svg,
    qr_version,
    to_digits,
    to_qr_link,
    to_qr_text,
)
from credentials.sample import sample_credential
from credentials.verifier.serve import HideLinks
from fieldcred.cli import app
from hub.ingest import Hub
from hub.server import BackgroundServer
from hub.settings import HubSettings
from hub.simulate import enrol, push, simulated_hub
from hub.store import SqliteStore
from hub.web.app import create_web_app
from sync.simulate import ScriptedNode

HUB = "https://hub.example-university.ac.ke"
KEY = SigningKey.from_seed(bytes(range(32)))
ISSUED = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


def cose_for(name: str) -> bytes:
    credential = dataclasses.replace(sample_credential(ISSUED, bytes(8)), holder_name=name)
    return issue(KEY, credential)


REFERENCE = cose_for("Achieng Wanjiru Otieno-K")
LONG_NAME = cose_for("Nyambura Wairimu Achieng-Otieno Kamau Mw")
assert len("Nyambura Wairimu Achieng-Otieno Kamau Mw") == 40


@given(st.binary(max_size=600))
def test_digits_round_trip_exactly(data: bytes) -> None:
    digits = to_digits(data)
    assert re.fullmatch(r"[0-9]*", digits)
    assert from_digits(digits) == data


@given(st.integers(0, 40), st.binary(max_size=40))
def test_leading_zero_bytes_are_kept(zeros: int, rest: bytes) -> None:
    data = bytes(zeros) + rest
    assert from_digits(to_digits(data)) == data


@given(st.binary(min_size=1, max_size=400))
def test_links_round_trip_in_any_case(data: bytes) -> None:
    link = to_qr_link(data, HUB)
    assert link.startswith("HTTPS://HUB.EXAMPLE-UNIVERSITY.AC.KE/V/")
    assert re.fullmatch(r"[0-9A-Z $%*+\-./:]*", link[: link.index("/V/") + 3])
    assert from_qr_text(link) == data
    assert from_qr_text(f" {link.lower()}\n") == data
    digits = link.split("/V/")[1]
    assert from_qr_text(f"https://Hub.Example-University.ac.ke/v/{digits}") == data


def test_the_digits_have_the_block_sizes() -> None:
    assert to_digits(b"") == ""
    assert to_digits(b"\x00") == "000"
    assert to_digits(b"\xff" * 7) == str(2**56 - 1)
    assert len(to_digits(bytes(7))) == BLOCK_DIGITS
    assert [len(to_digits(bytes(n))) for n in range(1, 8)] == [3, 5, 8, 10, 13, 15, 17]


@pytest.mark.parametrize(
    "digits",
    [
        "12a",  # not a digit
        "１２３",  # digits, but not ASCII ones
        "12 3",
        "+123",
        "1",  # no block is one digit long
        "1234",  # nor four
        "0" * 18,
        "256",  # one byte above 255
        "65536",  # two bytes above 65535
        str(2**56).zfill(17),  # seven bytes above 2**56 - 1
        "0" * 17 + "999",
    ],
)
def test_digits_are_read_strictly(digits: str) -> None:
    with pytest.raises(MalformedInput):
        from_digits(digits)


@pytest.mark.parametrize(
    "text",
    [
        "HTTPS://HUB/X/000",  # another path
        "HTTPS://HUB/V/000?x=1",  # a query
        "HTTPS://HUB/V/000/",
        "HTTPS://HUB/V/000#x",
        "FTP://HUB/V/000",
        "HTTPS:///V/000",  # no host
        "HTTPS://HUB/PATH/V/000",
        "HTTPS://HUB/V/0001",  # four digits
        "HTTPS://HUB/V/256",
        "HTTPS://HUB/V/" + "0" * 8000,  # longer than any QR code
    ],
)
def test_other_links_are_refused(text: str) -> None:
    with pytest.raises(MalformedInput):
        from_qr_text(text)


@pytest.mark.parametrize(
    "base", ["ftp://hub.example.org", "https://hub.example.org/uni/", "https://a_b.org", "hub.org"]
)
def test_a_hub_address_a_link_cannot_start_with_is_refused(base: str) -> None:
    with pytest.raises(ValueError, match="not a hub address"):
        to_qr_link(REFERENCE, base)


def test_the_plain_form_still_reads() -> None:
    assert from_qr_text(to_qr_text(REFERENCE)) == REFERENCE


@pytest.mark.parametrize("cose", [REFERENCE, LONG_NAME], ids=["reference", "40-character-name"])
def test_a_drawn_link_reads_back_as_an_alphanumeric_then_a_numeric_segment(cose: bytes) -> None:
    link = to_qr_link(cose, HUB)
    assert decode_qr_image(qr_png(link)) == link
    assert "<svg " in qr_svg(link)
    segments = encoder.prepare_data(_segments(link), None, None)
    assert [segment.mode for segment in segments] == [MODE_ALPHANUMERIC, MODE_NUMERIC]
    assert _symbol(link).mode is None  # more than one mode
    one_mode = segno.make(link, error="q", boost_error=False, micro=False)
    assert qr_version(link) <= one_mode.version - 4  # 13 or less against 17 or more


def test_the_link_needs_no_version_above_the_plain_form_s_worst_case() -> None:
    """Measured at ECC Q with a 36-character hub address: the reference credential is
    version 12 plain and 13 as a link; a 40-character name is version 13 both ways, the
    size the printed cards plan for."""
    plain_worst = qr_version(to_qr_text(LONG_NAME))
    assert qr_version(to_qr_link(LONG_NAME, HUB)) <= plain_worst == 13
    assert qr_version(to_qr_link(REFERENCE, HUB)) <= plain_worst
    assert qr_version(to_qr_text(REFERENCE)) == 12


def test_a_card_prints_the_link_only_where_its_qr_is_no_larger() -> None:
    """The budget: no printed QR above the plain form's version. A 40-character name
    takes the link (version 13 both ways); the reference credential keeps ``FC1:``, whose
    version 12 a link would raise to 13; without a hub address, ``FC1:``."""
    assert printed_qr_text(LONG_NAME, HUB) == to_qr_link(LONG_NAME, HUB)
    assert printed_qr_text(REFERENCE, HUB) == to_qr_text(REFERENCE)
    assert printed_qr_text(REFERENCE, None) == to_qr_text(REFERENCE)


def test_fieldcred_verify_takes_the_link(tmp_path: Path) -> None:
    runner = CliRunner()
    sample = tmp_path / "sample"
    made = runner.invoke(app, ["credentials", "sample", "--out", str(sample)])
    assert made.exit_code == 0, made.output
    cose = (sample / "credential.cose").read_bytes()
    trust = str(sample / "trust.cbor")
    link = to_qr_link(cose, HUB)
    result = runner.invoke(app, ["verify", "--trust", trust, link])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("GENUINE")
    saved = tmp_path / "link.txt"
    saved.write_text(link.lower() + "\n")
    result = runner.invoke(app, ["verify", "--trust", trust, str(saved)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("GENUINE")


@pytest.fixture(scope="module")
def hub_and_client(tmp_path_factory: pytest.TempPathFactory) -> tuple[Hub, TestClient]:
    hub = simulated_hub(SqliteStore(tmp_path_factory.mktemp("hub") / "hub.db"))
    node = ScriptedNode.create("node-l")
    enrol(hub, node)
    node.sit_and_issue(node.register(), name="Amina Otieno")
    push(hub, node)
    return hub, TestClient(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))


@pytest.fixture(scope="module")
def hub_client(hub_and_client: tuple[Hub, TestClient]) -> TestClient:
    return hub_and_client[1]


def test_the_hub_s_verify_page_and_api_take_the_link(
    hub_and_client: tuple[Hub, TestClient],
) -> None:
    hub, client = hub_and_client
    cose = bytes(hub.store.scalar("SELECT cose FROM credentials LIMIT 1"))
    link = to_qr_link(cose, HUB)
    for text in (link, link.lower(), to_qr_text(cose)):
        pasted = client.post("/verify", data={"text": text})
        assert pasted.status_code == 200 and 'class="ok"' in pasted.text, text
        assert "Amina Otieno" in pasted.text
        assert client.post("/verify", content=text).json()["reason"] == "genuine"
    photo = client.post("/verify", files={"photo": ("qr.png", qr_png(link), "image/png")})
    assert photo.status_code == 200 and 'class="ok"' in photo.text
    broken = client.post("/verify", data={"text": link[:-1]})
    assert broken.status_code == 200 and 'class="error"' in broken.text


@pytest.mark.parametrize("path", ["/V/", "/v/"])
def test_the_hub_serves_the_verifier_page_for_a_link(hub_client: TestClient, path: str) -> None:
    answer = hub_client.get(path + to_digits(REFERENCE))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert '<base href="/verifier/">' in answer.text
    assert 'src="app.js"' in answer.text
    assert "base-uri 'self'" in answer.headers["content-security-policy"]
    kept = hub_client.get("/verifier/link")
    assert kept.status_code == 200 and kept.text == answer.text  # what the worker keeps
    assert hub_client.get("/verifier/sw.js").headers["service-worker-allowed"] == "/"


@pytest.mark.parametrize("path", ["/V/12a", "/V/", "/V/1/2", "/v/" + "1" * 9000])
def test_the_hub_answers_other_link_paths_with_not_found(hub_client: TestClient, path: str) -> None:
    answer = hub_client.get(path)
    assert answer.status_code == 404
    assert answer.text == "Not found.\n"


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_uvicorn_logging_requests_writes_no_credential(
    hub_and_client: tuple[Hub, TestClient],
) -> None:
    hub, _ = hub_and_client
    app = create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32))
    access = logging.getLogger("uvicorn.access")
    level = access.level
    server = BackgroundServer(app)
    # What `uvicorn --log-level info` does: every request in the access log.
    server.server.config.log_level = logging.INFO
    server.server.config.configure_logging()
    kept = _Kept()
    access.addHandler(kept)
    server.start()
    try:
        digits = to_digits(REFERENCE)
        for path in (f"/V/{digits}", f"/v/{digits}?lang=sw", "/verifier/"):
            assert httpx.get(server.url + path).status_code == 200
    finally:
        server.stop()
        access.removeHandler(kept)
        access.setLevel(level)
    assert len(kept.lines) == 3, kept.lines
    assert not any(digits[:40] in line for line in kept.lines), kept.lines
    assert '"GET /V/… HTTP/1.1" 200' in kept.lines[0]
    assert '"GET /v/…?lang=sw HTTP/1.1" 200' in kept.lines[1]
    assert '"GET /verifier/ HTTP/1.1" 200' in kept.lines[2]


def test_the_hub_s_access_log_does_not_hold_the_credential(
    hub_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    access = logging.getLogger("uvicorn.access")
    assert any(isinstance(kept, HideLinks) for kept in access.filters)
    digits = to_digits(REFERENCE)
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        # The call uvicorn's h11 and httptools protocols make for each request.
        access.info('%s - "%s %s HTTP/%s" %d', "10.0.0.7:5000", "GET", f"/V/{digits}", "1.1", 200)
        access.info('%s - "%s %s HTTP/%s" %d', "10.0.0.7:5000", "GET", "/verifier/", "1.1", 200)
    lines = [record.getMessage() for record in caplog.records]
    assert lines == [
        '10.0.0.7:5000 - "GET /V/… HTTP/1.1" 200',
        '10.0.0.7:5000 - "GET /verifier/ HTTP/1.1" 200',
    ]
