"""A credential earned at another centre counts towards a pathway here: two real nodes
under one root, the worker's page and API, the hub's check of the recognition, and the
node's own certificate deciding what it may issue."""

from __future__ import annotations

import io
import re
import shutil
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credentials.keys import SigningKey
from credentials.qr import from_qr_text, qr_png, to_qr_text
from credentials.status import StatusList
from credentials.trust import TrustList, sign_trust_list
from credentials.verification import verify
from edge_node import events, issuance, trust
from edge_node.config import CERT_FILE, CERT_REQUEST_FILE
from edge_node.events import EventType
from edge_node.node import Node, open_node
from edge_node.syncing import sync_now
from edge_node.web.app import create_app
from hub.app import create_app as create_hub_app
from hub.nodes import enrol_node
from hub.server import BackgroundServer
from hub.simulate import simulated_hub
from hub.store import SqliteStore
from tests.helpers.nodes import TEST_ROOT, WORKER, enrol, make_template, pass_module
from tests.helpers.pages import csrf_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PATHWAY = "green-farming-practitioner"
HERE = "soil-health"
ELSEWHERE = ("climate-smart-agriculture", "sustainable-irrigation")
HALIMA = "Halima Achieng"


def staff(node: Node) -> TestClient:
    client = TestClient(create_app(node))
    token = client.post("/api/v1/login", json={"username": WORKER[0], "password": WORKER[1]})
    client.headers["Authorization"] = f"Bearer {token.json()['token']}"
    return client


def register(worker: TestClient, name: str) -> dict[str, Any]:
    response = worker.post("/api/v1/learners", json={"name": name, "consent": True})
    assert response.status_code == 201, response.text
    return dict(response.json())


def qr_texts(worker: TestClient, learner_id: str) -> dict[str, str]:
    listed = worker.get("/api/v1/credentials", params={"learner_id": learner_id}).json()
    return {c["module_id"]: c["qr_text"] for c in listed}


@dataclass(frozen=True)
class Bondo:
    """The other centre: Halima's two modules, and Peter's three and his pathway."""

    data: Path
    node_id: str
    cert: bytes
    halima: dict[str, str]
    peter: dict[str, str]


@pytest.fixture(scope="module")
def bondo(tmp_path_factory: pytest.TempPathFactory) -> Bondo:
    data = make_template(tmp_path_factory.mktemp("bondo"), name="Bondo Centre")
    node = open_node(data)
    worker = staff(node)
    halima = register(worker, HALIMA)
    for module_id in ELSEWHERE:
        pass_module(node, worker, halima["code"], module_id)
    peter = register(worker, "Peter Otieno")
    for module_id in (*ELSEWHERE, HERE):
        pass_module(node, worker, peter["code"], module_id)
    cert = trust.node_certificate(node)
    assert cert is not None
    found = Bondo(
        data=data,
        node_id=node.node_id,
        cert=cert,
        halima=qr_texts(worker, halima["id"]),
        peter=qr_texts(worker, peter["id"]),
    )
    node.close()
    assert set(found.halima) == set(ELSEWHERE) and PATHWAY in found.peter
    return found


@pytest.fixture(scope="module")
def kisumu_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template(tmp_path_factory.mktemp("kisumu"), name="Kisumu Centre")


def install_trust(
    node: Node,
    bondo: Bondo,
    *,
    revoked: int | None = None,
    bondo_revoked: bool = False,
    without_bondo: bool = False,
    version: int | None = None,
) -> None:
    """The university's trust list as sync brings it: both centres (or only this one),
    and any revocation of a credential or of the other centre itself."""
    own = trust.node_certificate(node)
    assert own is not None
    status = {}
    if revoked is not None:
        bits = StatusList()
        bits.set(revoked)
        status[bondo.node_id] = bits
    listing = TrustList(
        version=version or int(datetime.now(UTC).timestamp()),
        issued_at=datetime.now(UTC),
        roots=(TEST_ROOT.public_key,),
        node_certificates=(own,) if without_bondo else (own, bondo.cert),
        catalogue=trust.local_entries(node),
        revoked_nodes={bondo.node_id: datetime(2020, 1, 1, tzinfo=UTC)} if bondo_revoked else {},
        status_lists=status,
    )
    trust.install_trust_list(node, sign_trust_list(TEST_ROOT, listing))


@pytest.fixture
def kisumu(kisumu_template: Path, bondo: Bondo, tmp_path: Path) -> Iterator[Node]:
    data = tmp_path / "kisumu"
    shutil.copytree(kisumu_template, data)
    node = open_node(data)
    install_trust(node, bondo)
    yield node
    node.close()


def add(worker: TestClient, learner_id: str, text: str) -> Any:
    return worker.post(f"/api/v1/learners/{learner_id}/recognised", json={"text": text})


def test_two_credentials_from_another_centre_and_one_here_earn_the_pathway(
    kisumu: Node, bondo: Bondo
) -> None:
    worker = staff(kisumu)
    # Written differently here (case, spacing, an accent): still her name.
    learner = register(worker, "  HALIMA  Achiéng ")
    for module_id in ELSEWHERE:
        added = add(worker, learner["id"], bondo.halima[module_id])
        assert added.status_code == 201, added.text
        body = added.json()
        assert body["already"] is False and body["pathways_issued"] == []
        assert body["recognised"]["centre"] == "Bondo Centre"
        assert body["recognised"]["issuer_node"] == bondo.node_id
    listed = worker.get(f"/api/v1/learners/{learner['id']}/recognised").json()
    assert {r["module_id"] for r in listed} == set(ELSEWHERE)
    logged = [e for e in _events(kisumu) if e[0] == EventType.credential_recognised]
    assert len(logged) == 2 and all(body["learner"] == learner["id"] for _, body in logged)

    phone = pass_module(kisumu, worker, learner["code"], HERE)
    mine = phone.get("/api/v1/credentials").json()
    pathway = [c for c in mine if c["pathway"]]
    assert [c["module_id"] for c in pathway] == [PATHWAY], mine
    verdict = verify(pathway[0]["qr_text"], _current(kisumu))
    assert verdict.genuine, verdict.message
    issued = [body for kind, body in _events(kisumu) if kind == EventType.pathway_issued]
    ids_elsewhere = {_credential_id(bondo.halima[m]) for m in ELSEWHERE}
    assert ids_elsewhere < set(issued[0]["from"]) and len(issued[0]["from"]) == 3

    me = phone.get("/me")
    assert me.status_code == 200 and me.text.count("Earned at Bondo Centre") == 2


def test_recognising_the_last_module_issues_the_pathway_at_once(kisumu: Node, bondo: Bondo) -> None:
    worker = staff(kisumu)
    learner = register(worker, HALIMA)
    pass_module(kisumu, worker, learner["code"], HERE)
    assert add(worker, learner["id"], bondo.halima[ELSEWHERE[0]]).json()["pathways_issued"] == []
    last = add(worker, learner["id"], bondo.halima[ELSEWHERE[1]])
    assert last.status_code == 201 and len(last.json()["pathways_issued"]) == 1
    again = add(worker, learner["id"], bondo.halima[ELSEWHERE[1]])
    assert again.status_code == 200 and again.json()["already"] is True
    assert again.json()["pathways_issued"] == []
    assert kisumu.db["recognised"].count == 2
    assert len([e for e in _events(kisumu) if e[0] == EventType.credential_recognised]) == 2
    pathways = kisumu.db.execute("SELECT count(*) FROM credentials WHERE pathway = 1").fetchone()
    assert pathways[0] == 1


def _flipped(text: str) -> str:
    cose = bytearray(from_qr_text(text))
    cose[-5] ^= 0x01  # inside the signature
    return to_qr_text(bytes(cose))


def _other_root_credential(tmp_path: Path) -> str:
    data = make_template(tmp_path / "elsewhere", name="Unknown Centre")
    node = open_node(data)
    enrol(node, SigningKey.from_seed(b"\x09" * 32))
    worker = staff(node)
    learner = register(worker, HALIMA)
    pass_module(node, worker, learner["code"], ELSEWHERE[0])
    text = qr_texts(worker, learner["id"])[ELSEWHERE[0]]
    node.close()
    return text


@pytest.mark.parametrize(
    ("case", "status", "words"),
    [
        ("bit-flipped", 422, "signature does not match"),
        ("other root", 422, "no trusted university"),
        ("another name", 422, "Peter Otieno"),
        ("a pathway", 422, "pathway credential"),
        ("garbage", 422, "Not a readable"),
        ("blank", 422, "at least 1 character"),
        ("spaces", 400, "Paste the QR text"),
    ],
)
def test_what_is_refused_and_why(
    kisumu: Node, bondo: Bondo, tmp_path: Path, case: str, status: int, words: str
) -> None:
    worker = staff(kisumu)
    learner = register(worker, HALIMA)
    text = {
        "bit-flipped": lambda: _flipped(bondo.halima[ELSEWHERE[0]]),
        "other root": lambda: _other_root_credential(tmp_path),
        "another name": lambda: bondo.peter[ELSEWHERE[0]],
        "a pathway": lambda: bondo.peter[PATHWAY],
        "garbage": lambda: "FC1:not a credential at all",
        "blank": lambda: "",
        "spaces": lambda: "   ",
    }[case]()
    refused = add(worker, learner["id"], text)
    assert refused.status_code == status, refused.text
    assert re.search(words, refused.json()["message"], re.IGNORECASE), refused.text
    if case == "another name":
        assert HALIMA in refused.json()["message"]
    assert kisumu.db["recognised"].count == 0
    assert not [e for e in _events(kisumu) if e[0] == EventType.credential_recognised]


def test_a_revoked_credential_is_refused(kisumu: Node, bondo: Bondo) -> None:
    from credentials.claims import decode_claims
    from credentials.cose import decode_sign1

    text = bondo.halima[ELSEWHERE[0]]
    index = decode_claims(decode_sign1(from_qr_text(text)).payload).status_index
    install_trust(kisumu, bondo, revoked=index)
    worker = staff(kisumu)
    learner = register(worker, HALIMA)
    refused = add(worker, learner["id"], text)
    assert refused.status_code == 422 and "revoked" in refused.json()["message"]
    assert add(worker, learner["id"], bondo.halima[ELSEWHERE[1]]).status_code == 201


@pytest.mark.parametrize("change", ["credential revoked", "centre revoked", "centre dropped"])
def test_a_later_trust_list_is_checked_again_when_the_pathway_is_issued(
    kisumu: Node, bondo: Bondo, change: str
) -> None:
    worker = staff(kisumu)
    learner = register(worker, HALIMA)
    for module_id in ELSEWHERE:
        assert add(worker, learner["id"], bondo.halima[module_id]).status_code == 201
    first = _credential_index(bondo.halima[ELSEWHERE[0]])
    install_trust(
        kisumu,
        bondo,
        revoked=first if change == "credential revoked" else None,
        bondo_revoked=change == "centre revoked",
        without_bondo=change == "centre dropped",
        version=int(datetime.now(UTC).timestamp()) + 1,
    )
    pass_module(kisumu, worker, learner["code"], HERE)
    pathways = kisumu.db.execute("SELECT count(*) FROM credentials WHERE pathway = 1").fetchone()
    assert pathways[0] == 0


def _credential_index(text: str) -> int:
    from credentials.claims import decode_claims
    from credentials.cose import decode_sign1

    return decode_claims(decode_sign1(from_qr_text(text)).payload).status_index


def test_a_name_typed_with_another_apostrophe_or_accent_is_still_the_name(
    kisumu: Node, bondo: Bondo, tmp_path: Path
) -> None:
    # Bondo's laptop typed a straight apostrophe; the phone here a curly one and an accent.
    data = tmp_path / "bondo"
    shutil.copytree(bondo.data, data)
    there = open_node(data)
    issuer = staff(there)
    holder = register(issuer, "Wanjiru Ng'ang'a")
    pass_module(there, issuer, holder["code"], ELSEWHERE[0])
    text = qr_texts(issuer, holder["id"])[ELSEWHERE[0]]
    there.close()
    worker = staff(kisumu)
    spelt_otherwise = register(worker, "Wanjiru Nganga")
    assert add(worker, spelt_otherwise["id"], text).status_code == 422
    learner = register(worker, "Wanjir\u0169 Ng\u2019ang\u2019a")
    added = add(worker, learner["id"], text)
    assert added.status_code == 201, added.text


def test_a_credential_of_this_node_is_already_on_its_records(kisumu: Node) -> None:
    worker = staff(kisumu)
    learner = register(worker, HALIMA)
    pass_module(kisumu, worker, learner["code"], HERE)
    own = qr_texts(worker, learner["id"])[HERE]
    refused = add(worker, learner["id"], own)
    assert refused.status_code == 409 and "already on this node" in refused.json()["message"]


def test_the_same_credential_cannot_count_for_two_learners(kisumu: Node, bondo: Bondo) -> None:
    worker = staff(kisumu)
    first, second = register(worker, HALIMA), register(worker, HALIMA)
    assert add(worker, first["id"], bondo.halima[ELSEWHERE[0]]).status_code == 201
    refused = add(worker, second["id"], bondo.halima[ELSEWHERE[0]])
    assert refused.status_code == 409 and "another learner" in refused.json()["message"]


def test_the_same_credential_added_twice_for_one_learner_is_kept_once(
    kisumu: Node, bondo: Bondo
) -> None:
    worker = staff(kisumu)
    learner = register(worker, HALIMA)
    assert add(worker, learner["id"], bondo.halima[ELSEWHERE[0]]).status_code == 201
    again = add(worker, learner["id"], bondo.halima[ELSEWHERE[0]])
    assert again.status_code == 200
    assert kisumu.db["recognised"].count == 1
    logged = [e for e in _events(kisumu) if e[0] == EventType.credential_recognised]
    assert len(logged) == 1


def test_a_credential_issued_after_its_centre_was_revoked_is_refused(
    kisumu: Node, bondo: Bondo
) -> None:
    install_trust(kisumu, bondo, bondo_revoked=True)
    worker = staff(kisumu)
    learner = register(worker, HALIMA)
    refused = add(worker, learner["id"], bondo.halima[ELSEWHERE[0]])
    assert refused.status_code == 422 and "revoked" in refused.json()["message"]
    assert kisumu.db["recognised"].count == 0
    assert not [e for e in _events(kisumu) if e[0] == EventType.credential_recognised]


def phone_photo(text: str) -> bytes:
    """A JPEG the size a phone camera sends (hundreds of kilobytes), the QR in it."""
    import random

    from PIL import Image

    qr = Image.open(io.BytesIO(qr_png(text, scale=10))).convert("L")
    noise = random.Random(7).randbytes(1400 * 1000)
    photo = Image.frombytes("L", (1400, 1000), noise)
    photo.paste(qr, (300, 150))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=90)
    assert len(out.getvalue()) > 500 * 1024
    return out.getvalue()


def test_the_worker_page_takes_text_or_a_photo_and_says_why_not(kisumu: Node, bondo: Bondo) -> None:
    client = TestClient(create_app(kisumu))
    token = csrf_of(client.get("/login").text)
    client.post("/login", data={"csrf": token, "username": WORKER[0], "password": WORKER[1]})
    learner = register(staff(kisumu), HALIMA)
    card = f"/learners/{learner['id']}/card"
    token = csrf_of(client.get(card).text)
    target = f"/learners/{learner['id']}/recognise"
    by_text = client.post(target, data={"csrf": token, "text": bondo.halima[ELSEWHERE[0]]})
    assert by_text.status_code == 200 and "Added:" in by_text.text
    by_photo = client.post(
        target,
        data={"csrf": token, "text": ""},
        files={"photo": ("qr.jpg", phone_photo(bondo.halima[ELSEWHERE[1]]), "image/jpeg")},
    )
    assert by_photo.status_code == 200 and "Added:" in by_photo.text
    assert by_photo.text.count("Earned at Bondo Centre") == 2
    blurred = client.post(
        target,
        data={"csrf": token, "text": ""},
        files={"photo": ("qr.jpg", b"\xff\xd8 not a photo", "image/jpeg")},
    )
    assert blurred.status_code == 400 and "No QR code could be read" in blurred.text
    client.cookies.set("fc_lang", "sw")
    mismatch = client.post(target, data={"csrf": token, "text": bondo.peter[HERE]})
    assert mismatch.status_code == 422
    assert "Cheti ni cha Peter Otieno, lakini mwanafunzi huyu ni Halima Achieng" in mismatch.text
    forged = client.post(target, data={"csrf": "nope", "text": bondo.peter[HERE]})
    assert forged.status_code == 403


def test_the_public_verify_page_reads_a_phone_photo_too(kisumu: Node, bondo: Bondo) -> None:
    client = TestClient(create_app(kisumu))
    token = csrf_of(client.get("/verify").text)
    photo = phone_photo(bondo.halima[ELSEWHERE[0]])
    checked = client.post(
        "/verify",
        data={"csrf": token, "text": ""},
        files={"photo": ("qr.jpg", photo, "image/jpeg")},
    )
    assert checked.status_code == 200, checked.text[:300]
    assert "Halima Achieng" in checked.text


@pytest.fixture(scope="module")
def fuzz_target(
    kisumu_template: Path, bondo: Bondo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, str]]:
    data = tmp_path_factory.mktemp("fuzz") / "kisumu"
    shutil.copytree(kisumu_template, data)
    node = open_node(data)
    install_trust(node, bondo)
    worker = staff(node)
    yield worker, register(worker, HALIMA)["id"]
    node.close()


@settings(max_examples=150, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=300),
        st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", max_size=300).map(
            lambda t: "FC1:" + t
        ),
    )
)
def test_any_text_that_is_no_credential_is_refused_with_its_reason_and_a_message(
    fuzz_target: tuple[TestClient, str], text: str
) -> None:
    worker, learner_id = fuzz_target
    response = add(worker, learner_id, text)
    if not text:  # the request's schema wants at least one character
        expected = (422, "invalid")
    elif not text.strip():
        expected = (400, "unreadable")
    else:
        expected = (422, "not_recognised")
    assert (response.status_code, response.json()["error"]) == expected, response.text
    assert response.json()["message"]


# -- the hub believes a recognition only after checking it itself ----------------------


@pytest.fixture
def hub_server(tmp_path: Path) -> Iterator[tuple[Any, str]]:
    store = SqliteStore(tmp_path / "hub.db")
    hub = simulated_hub(store, root_key=TEST_ROOT)
    server = BackgroundServer(create_hub_app(hub)).start()
    try:
        yield hub, server.url
    finally:
        server.stop()
        store.close()


def _enrol_at(hub: Any, data: Path) -> None:
    now = datetime.now(UTC)
    enrol_node(
        hub.store,
        hub.root_key,
        (data / CERT_REQUEST_FILE).read_bytes(),
        modules=("*",),
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=365),
        organisation="university",
        now=now,
    )


@pytest.mark.parametrize("bondo_first", [True, False])
def test_the_hub_checks_the_recognition_and_links_the_learners(
    kisumu: Node, bondo: Bondo, hub_server: tuple[Any, str], tmp_path: Path, bondo_first: bool
) -> None:
    store, url = hub_server[0].store, hub_server[1]
    other = tmp_path / "bondo"
    shutil.copytree(bondo.data, other)
    _enrol_at(hub_server[0], other)
    _enrol_at(hub_server[0], kisumu.data_dir)
    worker = staff(kisumu)
    learner = register(worker, HALIMA)
    for module_id in ELSEWHERE:
        assert add(worker, learner["id"], bondo.halima[module_id]).status_code == 201
    pass_module(kisumu, worker, learner["code"], HERE)

    def sync_bondo() -> None:
        node = open_node(other)
        assert sync_now(node, hub_url=url).ok
        node.close()

    if bondo_first:
        sync_bondo()
    report = sync_now(kisumu, hub_url=url)
    assert report.ok and not report.quarantined, report
    if not bondo_first:
        sync_bondo()

    held = store.query("SELECT issuer_node, module_id FROM recognitions")
    assert sorted(held) == sorted((bondo.node_id, m) for m in ELSEWHERE)
    holder = store.scalar(
        "SELECT learner_id FROM credentials WHERE node_id = ? AND module_id = ?",
        [bondo.node_id, ELSEWHERE[0]],
    )
    links = store.query("SELECT node_a, learner_a, node_b, learner_b, basis FROM learner_links")
    assert links == [
        (
            bondo.node_id,
            holder,
            kisumu.node_id,
            learner["id"],
            f"presented a credential issued at {bondo.node_id}",
        )
    ]
    pathways = store.query(
        "SELECT learner_id FROM credentials WHERE node_id = ? AND pathway = 1", [kisumu.node_id]
    )
    assert pathways == [(learner["id"],)]
    assert store.scalar("SELECT count(*) FROM events WHERE quarantine IS NOT NULL") == 0


def test_the_hub_quarantines_a_recognition_it_cannot_believe(
    kisumu: Node, bondo: Bondo, hub_server: tuple[Any, str]
) -> None:
    _enrol_at(hub_server[0], kisumu.data_dir)
    worker = staff(kisumu)
    learner = register(worker, HALIMA)
    # A node that skipped its own check (or was tampered with) logs a forged credential.
    forged = from_qr_text(_flipped(bondo.halima[ELSEWHERE[0]]))
    with kisumu.db.atomic():
        events.record(
            kisumu.db,
            node_id=kisumu.node_id,
            clock=kisumu.clock,
            type=EventType.credential_recognised,
            body={"cose": forged, "learner": learner["id"]},
        )
    report = sync_now(kisumu, hub_url=hub_server[1])
    assert report.ok and len(report.quarantined) == 1, report
    store = hub_server[0].store
    reason = store.scalar("SELECT quarantine FROM events WHERE type = 'credential.recognised'")
    assert "presented credential" in reason
    assert store.query("SELECT * FROM recognitions") == []
    assert store.scalar("SELECT count(*) FROM learners WHERE node_id = ?", [kisumu.node_id]) == 1


# -- the node issues only what its certificate allows ---------------------------------


def test_a_module_outside_the_certificate_is_recorded_but_not_issued(
    kisumu: Node,
) -> None:
    enrol(kisumu, modules=(HERE,))
    worker = staff(kisumu)
    page = TestClient(create_app(kisumu))
    token = csrf_of(page.get("/login").text)
    page.post("/login", data={"csrf": token, "username": WORKER[0], "password": WORKER[1]})
    offered = page.get("/sessions/new").text
    assert offered.count("does not cover") == 2  # the two modules outside the scope
    learner = register(worker, HALIMA)
    phone = pass_module(kisumu, worker, learner["code"], ELSEWHERE[0])
    sitting = phone.get("/me").text
    result = kisumu.db.execute("SELECT passed, sitting_id FROM results").fetchone()
    assert result[0] == 1 and kisumu.db["credentials"].count == 0
    state = worker.get(f"/api/v1/sittings/{result[1]}").json()
    assert state["result"]["credential_id"] is None
    assert ELSEWHERE[0] in state["result"]["withheld"]
    dashboard = worker.get("/api/v1/dashboard").json()
    assert dashboard["pending_issuance"] == 0 and len(dashboard["withheld"]) == 1
    assert "does not cover" in page.get("/dashboard").text
    session_id = kisumu.db.execute("SELECT id FROM sessions").fetchone()[0]
    assert "does not cover" in page.get(f"/sessions/{session_id}").text
    assert "does not cover" in phone.get(f"/sit/{result[1]}/result").text
    assert sitting  # the learner's page still opens
    assert not [e for e in _events(kisumu) if e[0] == EventType.credential_issued]

    # A certificate that covers the module arrives: the kept result is issued.
    enrol(kisumu)
    assert issuance.issue_pending(kisumu) == 1
    assert kisumu.db["credentials"].count == 1


def test_a_pathway_outside_the_certificate_is_issued_once_a_certificate_covers_it(
    kisumu: Node,
) -> None:
    enrol(kisumu, modules=(HERE, *ELSEWHERE))
    worker = staff(kisumu)
    learner = register(worker, HALIMA)
    for module_id in (HERE, *ELSEWHERE):
        pass_module(kisumu, worker, learner["code"], module_id)
    assert kisumu.db["credentials"].count == 3  # the modules, not the pathway

    enrol(kisumu)
    assert issuance.issue_pending(kisumu) == 1
    pathways = kisumu.db.execute("SELECT module_id FROM credentials WHERE pathway = 1").fetchall()
    assert pathways == [(PATHWAY,)]
    assert issuance.issue_pending(kisumu) == 0


def test_no_credential_outside_the_certificate_validity_or_without_one(kisumu: Node) -> None:
    enrol(kisumu, valid_from=datetime.now(UTC) + timedelta(days=10))
    reason = issuance.withheld_reason(kisumu, HERE)
    assert reason is not None and "valid from" in reason.text
    worker = staff(kisumu)
    learner = register(worker, HALIMA)
    pass_module(kisumu, worker, learner["code"], HERE)
    assert kisumu.db["credentials"].count == 0
    (kisumu.data_dir / CERT_FILE).unlink()
    reason = issuance.withheld_reason(kisumu, HERE)
    assert reason is not None and "no certificate" in reason.text


def _events(node: Node) -> list[tuple[str, dict[str, Any]]]:
    rows = node.db.execute("SELECT type, body FROM events ORDER BY seq").fetchall()
    return [(str(kind), cbor2.loads(body)) for kind, body in rows]


def _current(node: Node) -> TrustList:
    listing = trust.current(node)
    assert listing is not None
    return listing


def _credential_id(text: str) -> str:
    from credentials.claims import decode_claims
    from credentials.cose import decode_sign1

    return decode_claims(decode_sign1(from_qr_text(text)).payload).credential_id.hex()


def test_a_recognised_credential_revoked_later_shows_revoked_on_the_learner_card(
    kisumu: Node, bondo: Bondo
) -> None:
    worker = staff(kisumu)
    learner = register(worker, HALIMA)
    text = bondo.halima[ELSEWHERE[0]]
    assert add(worker, learner["id"], text).status_code == 201
    card = f"/learners/{learner['id']}/card"
    assert "Revoked" not in worker.get(card).text
    install_trust(
        kisumu,
        bondo,
        revoked=_credential_index(text),
        version=int(datetime.now(UTC).timestamp()) + 1,
    )
    assert "✗</span> Revoked" in worker.get(card).text
