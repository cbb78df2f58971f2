"""Issuance, certificates, verification, packs and the clock on a demo node."""

from __future__ import annotations

import base64
import json
import re
import warnings
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from content.loading import load_catalogue
from content.packs import build_pack
from credentials.certificates import (
    ALL_MODULES,
    NodeCertificate,
    check_node_certificate,
    issue_node_certificate,
)
from credentials.claims import decode_claims
from credentials.cose import decode_sign1, verify_sign1
from credentials.errors import CredentialError
from credentials.keys import SigningKey, load_private_key, public_jwk
from credentials.qr import decode_qr_image, from_qr_text, qr_png, to_qr_text
from credentials.trust import TrustList, sign_trust_list
from edge_node.catalogue import shipped_media
from edge_node.clock import Clock, ClockSource
from edge_node.demo import DEMO_ROOT_KEY_FILE
from edge_node.node import Node, open_node
from edge_node.trust import local_entries
from edge_node.web.app import create_app
from fieldcred.cli import app as cli
from tests.helpers.nodes import (
    pass_module,
    staff,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def test_an_issued_credential_verifies_from_its_qr_text_and_photo(demo) -> None:
    node, info = demo
    learner = pass_module(node, staff(node, info), info.learners[0][1], "soil-health")
    credential = learner.get("/api/v1/credentials").json()[0]
    anyone = TestClient(create_app(node))
    verdict = anyone.post("/api/v1/verify", json={"text": credential["qr_text"]}).json()
    assert verdict["genuine"] is True, verdict
    assert ("Name", info.learners[0][0]) in [tuple(d) for d in verdict["details"]]
    photo = qr_png(credential["qr_text"], scale=4)
    assert decode_qr_image(photo) == credential["qr_text"]
    page = anyone.get("/verify")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    shown = anyone.post(
        "/verify", data={"csrf": csrf}, files={"photo": ("qr.png", photo, "image/png")}
    )
    assert shown.status_code == 200 and "This credential is genuine" in shown.text
    tampered = credential["qr_text"][:-6] + "AAAAAA"
    bad = anyone.post("/api/v1/verify", json={"text": tampered}).json()
    assert bad["genuine"] is False and bad["message"]
    anyone.cookies.set("fc_lang", "sw")
    page = anyone.get("/verify")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    cose = bytearray(from_qr_text(credential["qr_text"]))
    cose[-1] ^= 1  # the signature's last byte
    forged = anyone.post("/verify", data={"csrf": csrf, "text": to_qr_text(bytes(cose))})
    assert forged.status_code == 200
    assert "Ni bandia au kimebadilishwa" in forged.text and "Sahihi hailingani" in forged.text


def test_the_cose_download_is_signed_by_the_node_key(demo) -> None:
    node, info = demo
    learner = pass_module(node, staff(node, info), info.learners[1][1], "soil-health")
    credential_id = learner.get("/api/v1/credentials").json()[0]["id"]
    cose = learner.get(f"/credentials/{credential_id}/credential.cose")
    assert cose.status_code == 200
    envelope = decode_sign1(cose.content)
    assert verify_sign1(envelope, node.key.public_key)
    claims = decode_claims(envelope.payload)
    assert claims.issuer == node.node_id and claims.module_id == "soil-health"
    assert claims.subject != info.learners[1][0]


def test_the_open_badge_download_is_a_signed_achievement_credential(demo) -> None:
    node, info = demo
    learner = pass_module(node, staff(node, info), info.learners[2][1], "soil-health")
    credential_id = learner.get("/api/v1/credentials").json()[0]["id"]
    badge = learner.get(f"/credentials/{credential_id}/badge.json")
    assert badge.status_code == 200
    document = json.loads(badge.content)
    assert "AchievementCredential" in document["type"]
    assert document["proof"]


def test_certificate_pages_carry_the_qr_and_print_css(demo) -> None:
    node, info = demo
    worker = staff(node, info)
    learner = pass_module(node, worker, info.learners[0][1], "soil-health")
    credential_id = learner.get("/api/v1/credentials").json()[0]["id"]
    for path, css in (("certificate", "print-a4.css"), ("card", "print-a6.css")):
        page = learner.get(f"/credentials/{credential_id}/{path}")
        assert page.status_code == 200
        assert "<svg" in page.text and css in page.text
        assert info.learners[0][0] in page.text
    own = learner.get(f"/credentials/{credential_id}")
    assert "<svg" in own.text and "badge.json" in own.text and "credential.cose" in own.text
    stranger = TestClient(create_app(node))
    assert stranger.get(f"/credentials/{credential_id}/certificate").status_code == 401


def test_passing_every_module_of_a_pathway_issues_the_pathway(demo) -> None:
    node, info = demo
    worker = staff(node, info)
    pathway = next(iter(node.pathways.values()))
    code = info.learners[0][1]
    learner = None
    for module_id in pathway.modules:
        learner = pass_module(node, worker, code, module_id)
    assert learner is not None
    held = learner.get("/api/v1/credentials").json()
    assert [c["module_id"] for c in held if c["pathway"]] == [pathway.id]
    assert len([c for c in held if not c["pathway"]]) == len(pathway.modules)
    pathway_qr = next(c["qr_text"] for c in held if c["pathway"])
    verdict = learner.post("/api/v1/verify", json={"text": pathway_qr}).json()
    assert verdict["genuine"] is True, verdict
    types = [r[0] for r in node.db.execute("SELECT type FROM events WHERE type LIKE 'pathway%'")]
    assert types == ["pathway.issued"]


def test_an_untrusted_clock_defers_issuance_until_an_admin_sets_the_time(demo) -> None:
    node, info = demo
    node.clock = Clock(node.db, system_now=lambda: datetime(1970, 1, 1, 0, 5, tzinfo=UTC))
    worker = staff(node, info)
    learner = pass_module(node, worker, info.learners[0][1], "soil-health")
    sitting = node.db.execute("SELECT id FROM sittings").fetchone()[0]
    result = learner.get(f"/api/v1/sittings/{sitting}").json()["result"]
    assert result["passed"] is True and result["credential_id"] is None
    assert node.db.execute("SELECT count(*) FROM credentials").fetchone()[0] == 0
    admin = TestClient(create_app(node))
    token = admin.post(
        "/api/v1/login", json={"username": info.admin[0], "password": info.admin[1]}
    ).json()["token"]
    admin.headers["Authorization"] = f"Bearer {token}"
    assert worker.put("/api/v1/clock", json={"time": "2026-11-23T10:00:00Z"}).status_code == 403
    set_clock = admin.put("/api/v1/clock", json={"time": datetime.now(UTC).isoformat()})
    assert set_clock.status_code == 200 and set_clock.json()["trusted"] is True
    assert set_clock.json()["issued_pending"] == 1
    issued = learner.get(f"/api/v1/sittings/{sitting}").json()["result"]["credential_id"]
    assert issued is not None


def test_the_clock_never_goes_back_past_the_last_good_time(demo) -> None:
    node, _ = demo
    now = datetime.now(UTC)
    clock = Clock(node.db, system_now=lambda: now)
    clock.trusted_now()
    earlier = Clock(node.db, system_now=lambda: now - timedelta(days=2))
    status = earlier.status()
    assert status.trusted is False and "behind" in status.reason
    rebooted = Clock(node.db, system_now=lambda: now + timedelta(hours=1), boot="another-boot")
    assert rebooted.status().trusted is True


def _pack(root: SigningKey, node: Node) -> bytes:
    cert = node.data_dir.joinpath("node-certificate.cbor").read_bytes()
    try:
        check_node_certificate(cert, (root.public_key,))
    except CredentialError:
        cert = b""
    listing = TrustList(
        version=2,
        issued_at=datetime.now(UTC).replace(microsecond=0),
        roots=(root.public_key,),
        node_certificates=(cert,) if cert else (),
        catalogue=local_entries(node),
    )
    trust = sign_trust_list(root, listing)
    catalogue = load_catalogue()
    modules = list(catalogue.modules.values())
    return build_pack(
        modules, list(catalogue.pathways.values()), trust, shipped_media(modules), root
    )


def test_import_pack_installs_a_signed_pack_and_refuses_a_tampered_one(demo, tmp_path) -> None:
    node, _ = demo
    root = load_private_key(node.data_dir / DEMO_ROOT_KEY_FILE)
    pack = _pack(root, node)
    node.close()
    runner = CliRunner()
    good = tmp_path / "good.fcpack"
    good.write_bytes(pack)
    result = runner.invoke(cli, ["edge", "import-pack", str(good), "--data", str(node.data_dir)])
    assert result.exit_code == 0, result.output
    assert "module(s)" in result.output
    tampered = bytearray(pack)
    tampered[len(tampered) // 2] ^= 0x01
    bad = tmp_path / "bad.fcpack"
    bad.write_bytes(bytes(tampered))
    result = runner.invoke(cli, ["edge", "import-pack", str(bad), "--data", str(node.data_dir)])
    assert result.exit_code == 1 and "refused" in result.output
    stranger = _pack(SigningKey.generate(), open_node(node.data_dir))
    other = tmp_path / "other.fcpack"
    other.write_bytes(stranger)
    result = runner.invoke(cli, ["edge", "import-pack", str(other), "--data", str(node.data_dir)])
    assert result.exit_code == 1 and "not signed by a pinned" in result.output
    unsigned = tmp_path / "unsigned.fcpack"
    unsigned.write_bytes(b"\xa0")
    result = runner.invoke(
        cli, ["edge", "import-pack", str(unsigned), "--data", str(node.data_dir)]
    )
    assert result.exit_code == 1 and "refused" in result.output


def test_install_cert_checks_the_root_and_the_key(demo, tmp_path) -> None:
    node, _ = demo
    root = load_private_key(node.data_dir / DEMO_ROOT_KEY_FILE)
    cert = (node.data_dir / "node-certificate.cbor").read_bytes()
    jwk = tmp_path / "root.jwk"
    jwk.write_text(json.dumps(public_jwk(root.public_key)))
    other = tmp_path / "other.jwk"
    other.write_text(json.dumps(public_jwk(SigningKey.generate().public_key)))
    cert_file = tmp_path / "cert.cbor"
    cert_file.write_bytes(cert)
    node.close()
    runner = CliRunner()
    args = ["edge", "install-cert", str(cert_file), "--data", str(node.data_dir)]
    result = runner.invoke(cli, [*args, "--root", str(jwk)])
    assert result.exit_code == 0, result.output
    assert "Installed the certificate" in result.output
    broken = tmp_path / "broken.cbor"
    broken.write_bytes(base64.b64encode(cert))
    result = runner.invoke(cli, ["edge", "install-cert", str(broken), "--data", str(node.data_dir)])
    assert result.exit_code == 1 and "not valid" in result.output
    missing = runner.invoke(cli, ["edge", "install-cert", "/nonexistent", "--data", "/tmp"])
    assert missing.exit_code == 1 and "Traceback" not in missing.output
    assert "not an edge node data directory" in missing.output
    # an old certificate file, expired: refused with the reason, the current one kept
    opened = open_node(node.data_dir)
    expired = issue_node_certificate(
        root,
        NodeCertificate(
            node_id=opened.node_id,
            node_name=opened.settings.node_name,
            public_key=opened.key.public_key,
            modules=(ALL_MODULES,),
            not_before=datetime.now(UTC) - timedelta(days=400),
            not_after=datetime.now(UTC) - timedelta(days=35),
            root_kid=root.kid,
        ),
    )
    opened.close()
    old_file = tmp_path / "old.cbor"
    old_file.write_bytes(expired)
    result = runner.invoke(
        cli, ["edge", "install-cert", str(old_file), "--data", str(node.data_dir)]
    )
    assert result.exit_code == 1 and "expired on" in result.output, result.output
    assert (node.data_dir / "node-certificate.cbor").read_bytes() == cert


def test_merging_two_records_that_complete_a_pathway_together_issues_it(demo) -> None:
    node, info = demo
    worker = staff(node, info)
    pathway = next(iter(node.pathways.values()))
    first, *rest = pathway.modules
    keep = info.learners[0][1]
    duplicate = worker.post("/api/v1/learners", json={"name": info.learners[0][0], "consent": True})
    pass_module(node, worker, keep, first)
    for module_id in rest:
        pass_module(node, worker, duplicate.json()["code"], module_id)
    assert node.db.execute("SELECT count(*) FROM credentials WHERE pathway = 1").fetchone()[0] == 0
    keep_id = node.db.execute(
        "SELECT learner_id FROM credentials WHERE module_id = ?", [first]
    ).fetchone()[0]
    merged = worker.post(
        "/api/v1/learners/merge", json={"keep": keep_id, "duplicate": duplicate.json()["id"]}
    )
    assert merged.status_code == 200, merged.text
    held = worker.get("/api/v1/credentials", params={"learner_id": keep_id}).json()
    assert [c["module_id"] for c in held if c["pathway"]] == [pathway.id]


def test_the_verify_page_judges_expiry_by_the_node_s_clock(demo) -> None:
    """The Pi's own clock is behind; the admin set the node's time. A credential that
    expired by the node's time is not shown as valid."""
    import secrets

    from credentials.claims import MicroCredential
    from credentials.issuance import issue
    from edge_node.clock import ClockSource

    node, _ = demo
    now = datetime.now(UTC).replace(microsecond=0)
    credential = MicroCredential(
        issuer=node.node_id,
        subject=secrets.token_hex(8),
        issued_at=now,
        credential_id=secrets.token_bytes(8),
        expires_at=now + timedelta(days=1),
        module_id="soil-health",
        module_version=node.modules["soil-health"].version,
        outcomes=tuple(True for _ in node.modules["soil-health"].outcomes),
        score_percent=90,
        route="course",
        holder_name="Amina Otieno",
        status_index=900,
        pathway=False,
    )
    text = to_qr_text(issue(node.key, credential))
    client = TestClient(create_app(node))
    assert client.post("/api/v1/verify", json={"text": text}).json()["genuine"] is True
    node.clock.set_time(now + timedelta(days=3), ClockSource.admin)
    verdict = client.post("/api/v1/verify", json={"text": text}).json()
    assert verdict["genuine"] is False and verdict["reason"] == "expired", verdict


def test_two_issuers_at_once_issue_each_waiting_result_once(demo) -> None:
    """The sync loop (the hub's time) and the admin's clock page both issue what waited
    for the clock, each on its own connection: every result gets one credential."""
    import threading

    from edge_node import issuance

    node, info = demo
    boot_time = datetime(1970, 1, 1, 0, 5, tzinfo=UTC)
    node.clock = Clock(node.db, system_now=lambda: boot_time, boot="b")
    worker = staff(node, info)
    for _, code in info.learners:
        for module_id in node.modules:
            pass_module(node, worker, code, module_id)
    backlog = issuance.unissued(node)  # withheld: the certificate is not valid in 1970
    waiting = len(backlog.waiting) + len(backlog.withheld)
    assert waiting == len(info.learners) * len(node.modules)
    node.clock.set_time(datetime.now(UTC), ClockSource.admin)
    other = open_node(node.data_dir)
    other.clock = Clock(other.db, system_now=lambda: boot_time, boot="b")
    start = threading.Barrier(2)

    def issue(on: Node) -> None:
        start.wait()
        issuance.issue_pending(on)

    threads = [threading.Thread(target=issue, args=(n,)) for n in (node, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.close()
    per_result = node.db.execute(
        "SELECT result_id, count(*) FROM credentials WHERE pathway = 0 GROUP BY result_id"
    ).fetchall()
    assert len(per_result) == waiting and {n for _, n in per_result} == {1}, per_result
    pathways = node.db.execute(
        "SELECT learner_id, count(*) FROM credentials WHERE pathway = 1 GROUP BY learner_id"
    ).fetchall()
    assert {n for _, n in pathways} == {1}, pathways


def test_results_and_credentials_are_listed_by_their_title_in_the_reader_s_language(demo) -> None:
    from content.model import localize

    node, info = demo
    worker = staff(node, info)
    pass_module(node, worker, info.learners[0][1], "soil-health")
    learner_id = node.db.execute("SELECT learner_id FROM credentials").fetchone()[0]
    title = localize(node.modules["soil-health"].title, "sw")
    page = TestClient(create_app(node), cookies={"fc_lang": "sw"})
    token = page.post(
        "/api/v1/login", json={"username": info.worker[0], "password": info.worker[1]}
    ).json()["token"]
    page.headers["Authorization"] = f"Bearer {token}"
    card = page.get(f"/learners/{learner_id}/card").text
    assert f'/certificate">{title}</a>' in card, card[card.find("<h2") :][:800]
    assert f"<tr><td>{title}</td>" in page.get("/dashboard").text


def test_a_stored_trust_list_that_cannot_be_read_is_reported_not_a_server_error(demo) -> None:
    node, _ = demo
    with node.db.conn:
        node.db.execute("UPDATE trust SET data = ? WHERE id = 1", [b"\xa1\x01\x02"])
    client = TestClient(create_app(node), raise_server_exceptions=False)
    verdict = client.post("/api/v1/verify", json={"text": "FC1:ABC"})
    assert verdict.status_code == 503, verdict.text
    assert verdict.json()["error"] == "node_not_ready"
    assert "trust list" in verdict.json()["message"]
    client.get("/lang/sw")
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/verify").text).group(1)
    page = client.post("/verify", data={"csrf": token, "text": "FC1:ABC"})
    assert page.status_code == 503 and "Orodha ya uaminifu" in page.text
