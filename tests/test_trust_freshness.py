"""How fresh the trust list is, everywhere a credential is checked: `fieldcred verify` says
the list's date and age and warns when it is old, `fieldcred trust show` says what a list
holds, `fieldcred trust fetch` keeps only a list the pinned root signed."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from credentials.keys import SigningKey, public_jwk
from credentials.sample import SAMPLE_NODE_ID, build_sample
from credentials.status import StatusList
from credentials.trust import TrustList, read_trust_list, sign_trust_list
from fieldcred.cli import app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

runner = CliRunner()
NOW = datetime.now(UTC).replace(microsecond=0)


def flat(output: str) -> str:
    return " ".join(output.split())


def _sample(tmp_path: Path, *, days_old: int) -> tuple[Path, Path, str, SigningKey]:
    """A trust list issued ``days_old`` days ago, the root's JWK, and a credential's QR text."""
    root = SigningKey.from_seed(b"r" * 32)
    sample = build_sample(
        root,
        SigningKey.from_seed(b"n" * 32),
        issued_at=NOW - timedelta(days=days_old),
        credential_id=b"c" * 8,
    )
    trust, jwk = tmp_path / "trust.cbor", tmp_path / "root.jwk"
    trust.write_bytes(sample.trust_list)
    jwk.write_text(json.dumps(public_jwk(root.public_key)))
    return trust, jwk, sample.qr_text, root


def test_verify_prints_the_list_s_date_and_age(tmp_path: Path) -> None:
    trust, jwk, text, _ = _sample(tmp_path, days_old=3)
    result = runner.invoke(app, ["verify", "--trust", str(trust), "--root", str(jwk), text])
    assert result.exit_code == 0, result.output
    day = (NOW - timedelta(days=3)).date().isoformat()
    assert f"trust list: {day} (3 days old)" in result.stdout
    assert "WARNING" not in result.output


def test_verify_warns_when_the_list_is_older_than_30_days(tmp_path: Path) -> None:
    trust, _, text, _ = _sample(tmp_path, days_old=45)
    result = runner.invoke(app, ["verify", "--trust", str(trust), text])
    assert result.exit_code == 0, result.output
    assert "WARNING: the trust list is 45 days old" in flat(result.stderr)
    assert "fieldcred trust fetch" in result.stderr
    assert "WARNING" not in result.stdout  # scripts reading stdout see the verdict only
    relaxed = runner.invoke(app, ["verify", "--trust", str(trust), "--max-age-days", "60", text])
    assert relaxed.exit_code == 0 and "WARNING" not in relaxed.output
    strict = runner.invoke(app, ["verify", "--trust", str(trust), text, "--json"])
    listing = json.loads(strict.stdout)["trust_list"]
    assert listing["age_days"] == 45 and listing["stale"] is True
    assert listing["issued_at"] == (NOW - timedelta(days=45)).isoformat()


def test_an_unknown_issuer_verdict_names_the_list_s_date(tmp_path: Path) -> None:
    trust, _, _, _ = _sample(tmp_path, days_old=10)
    other = build_sample(
        SigningKey.from_seed(b"o" * 32),
        SigningKey.from_seed(b"m" * 32),
        issued_at=NOW,
        credential_id=b"d" * 8,
    )
    result = runner.invoke(app, ["verify", "--trust", str(trust), other.qr_text])
    assert result.exit_code == 1
    day = (NOW - timedelta(days=10)).date().isoformat()
    assert f"This centre may have joined after your list of {day}: fetch a newer list" in flat(
        result.stdout
    )


def test_trust_show_says_what_the_list_holds(tmp_path: Path) -> None:
    _, jwk, _, root = _sample(tmp_path, days_old=2)
    sample_list = read_trust_list((tmp_path / "trust.cbor").read_bytes())
    revoked = StatusList()
    for index in (3, 17, 1234):
        revoked.set(index)
    listing = TrustList(
        version=7,
        issued_at=sample_list.issued_at,
        roots=sample_list.roots,
        node_certificates=sample_list.node_certificates,
        catalogue=sample_list.catalogue,
        revoked_nodes={"ke-old-01": datetime(2026, 5, 1, tzinfo=UTC)},
        status_lists={SAMPLE_NODE_ID: revoked},
    )
    path = tmp_path / "shown.cbor"
    path.write_bytes(sign_trust_list(root, listing))
    result = runner.invoke(app, ["trust", "show", str(path), "--root", str(jwk)])
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    day = sample_list.issued_at.date().isoformat()
    assert f"Trust list version 7, issued {day}" in out and "(2 days old)" in out
    assert f"Roots (1): {root.kid.hex()}" in out
    assert f"Centres (1): {SAMPLE_NODE_ID} Kisumu community learning centre" in out
    assert "may certify: soil-health-basics" in out and "valid now" in out
    assert f"{SAMPLE_NODE_ID}: 3 of {revoked.size} slots revoked" in out
    assert "Centres struck off (1): ke-old-01 since 2026-05-01" in out
    assert "Catalogue (1 entries): soil-health-basics 1.0.0 Soil health basics" in out
    unpinned = runner.invoke(app, ["trust", "show", str(path)])
    assert unpinned.exit_code == 0 and "--root" in unpinned.stderr
    wrong = runner.invoke(app, ["trust", "show", str(jwk)])
    assert wrong.exit_code == 2 and "root.jwk" in flat(wrong.output)


# -- trust fetch, against the hub's web app served over HTTP ---------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def hub_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A hub with one enrolled node, served by uvicorn; yields (URL, its root's JWK)."""
    import uvicorn

    from hub.settings import HubSettings
    from hub.simulate import enrol, simulated_hub
    from hub.store import SqliteStore
    from hub.web.app import create_web_app
    from sync.simulate import ScriptedNode

    folder = tmp_path_factory.mktemp("hub")
    store = SqliteStore(folder / "hub.db")
    hub = simulated_hub(store)
    enrol(hub, ScriptedNode.create("ke-01"), modules=("mulching",))
    jwk = folder / "root.jwk"
    jwk.write_text(json.dumps(public_jwk(hub.root_key.public_key)))
    web = create_web_app(hub, HubSettings(name="hub", session_secret="s" * 32))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}", jwk
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


def _fetch(url: str, root: Path, out: Path) -> tuple[int, str, str]:
    args = ["trust", "fetch", "--hub", url, "--root", str(root), "--out", str(out)]
    result = runner.invoke(app, [*args, "--timeout", "5"])
    return result.exit_code, flat(result.stdout), flat(result.stderr)


def test_trust_fetch_writes_the_hub_s_list_once_it_verifies(
    hub_url: tuple[str, Path], tmp_path: Path
) -> None:
    url, jwk = hub_url
    out = tmp_path / "trust.cbor"
    code, stdout, stderr = _fetch(url + "/", jwk, out)
    assert code == 0, stderr
    assert f"{out} written: trust list version" in stdout and "1 centres" in stdout
    fetched = read_trust_list(out.read_bytes())
    assert [cert.node_id for cert in fetched.certificates()] == ["ke-01"]
    assert [p.name for p in tmp_path.iterdir()] == ["trust.cbor"]  # no temporary file left
    shown = runner.invoke(app, ["trust", "show", str(out), "--root", str(jwk)])
    assert shown.exit_code == 0 and "ke-01" in shown.stdout


def test_trust_fetch_under_the_wrong_root_leaves_the_old_file(
    hub_url: tuple[str, Path], tmp_path: Path
) -> None:
    url, _ = hub_url
    old, wrong_root, _, _ = _sample(tmp_path, days_old=1)
    before = old.read_bytes()
    code, _, stderr = _fetch(url, wrong_root, old)
    assert code == 1
    assert "refused" in stderr and "not signed by a trusted root key" in stderr
    assert f"{old} was not changed" in stderr
    assert old.read_bytes() == before


def test_trust_fetch_never_replaces_a_newer_list(hub_url: tuple[str, Path], tmp_path: Path) -> None:
    url, jwk = hub_url
    out = tmp_path / "trust.cbor"
    assert _fetch(url, jwk, out)[0] == 0
    hubs = read_trust_list(out.read_bytes())
    from hub.simulate import ROOT_SEED

    newer = TrustList(
        version=hubs.version + 1,
        issued_at=hubs.issued_at,
        roots=hubs.roots,
        node_certificates=hubs.node_certificates,
        catalogue=hubs.catalogue,
    )
    kept = sign_trust_list(SigningKey.from_seed(ROOT_SEED), newer)
    out.write_bytes(kept)
    code, _, stderr = _fetch(url, jwk, out)
    assert code == 1 and "holds a newer list" in stderr and "it was kept" in stderr
    assert out.read_bytes() == kept


class _Garbage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html>captive portal: please log in</html>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_trust_fetch_refuses_garbage_and_says_when_the_hub_is_unreachable(
    tmp_path: Path,
) -> None:
    old, jwk, _, _ = _sample(tmp_path, days_old=1)
    before = old.read_bytes()
    server = HTTPServer(("127.0.0.1", 0), _Garbage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        code, _, stderr = _fetch(f"http://127.0.0.1:{server.server_port}", jwk, old)
    finally:
        server.shutdown()
        server.server_close()
    assert code == 1 and "refused" in stderr and f"{old} was not changed" in stderr
    assert old.read_bytes() == before
    code, _, stderr = _fetch(f"http://127.0.0.1:{_free_port()}", jwk, old)
    assert code == 1 and "could not reach http://127.0.0.1:" in stderr
    assert f"{old} was not changed" in stderr and old.read_bytes() == before
    bad = runner.invoke(
        app,
        ["trust", "fetch", "--hub", "file:///etc/passwd", "--root", str(jwk), "--out", str(old)],
    )
    assert bad.exit_code == 1 and "not an http:// or https:// address" in flat(bad.stderr)
    assert old.read_bytes() == before


def test_every_trust_command_is_in_the_verifier_guide() -> None:
    from credentials.cli import trust_app

    guide = (Path(__file__).parents[1] / "docs" / "guide-verifier.md").read_text()
    for command in trust_app.registered_commands:
        assert f"fieldcred trust {command.name} " in guide, command.name
        assert command.callback is not None and command.callback.__doc__, command.name
    assert "--max-age-days" in guide


# -- the /verify pages say which list they used -------------------------------------------


def test_the_hub_s_verify_page_shows_the_date_of_its_list(tmp_path: Path) -> None:
    from credentials.qr import to_qr_text
    from hub.nodes import latest_trust
    from hub.settings import HubSettings
    from hub.simulate import enrol, simulated_hub
    from hub.store import SqliteStore
    from hub.web.app import create_web_app
    from sync.simulate import ScriptedNode

    store = SqliteStore(tmp_path / "hub.db")
    hub = simulated_hub(store)
    node = ScriptedNode.create("ke-02")
    enrol(hub, node)
    cose = node.sit_and_issue(node.register())
    client = TestClient(create_web_app(hub, HubSettings(name="hub", session_secret="s" * 32)))
    listing = latest_trust(store)
    assert listing is not None
    day = listing.issued_at.date().isoformat()
    page = client.post("/verify", data={"text": to_qr_text(cose)})
    assert 'class="ok"' in page.text
    assert f"Checked against the university&#39;s trust list of {day}." in page.text
    _, _, stranger, _ = _sample(tmp_path, days_old=0)
    unknown = client.post("/verify", data={"text": stranger}, headers={"accept-language": "fr"})
    assert "Émetteur inconnu" in unknown.text
    assert f"Vérifiée avec la liste de confiance de l&#39;université du {day}." in unknown.text
    assert f"Un centre agréé après le {day} n&#39;est pas encore dans cette liste." in unknown.text
    store.close()


def test_the_centre_s_verify_page_shows_the_date_of_its_list(tmp_path: Path) -> None:
    from credentials.qr import to_qr_text
    from edge_node import trust
    from edge_node.demo import prepare_demo
    from edge_node.node import open_node
    from edge_node.web.app import create_app

    prepare_demo(tmp_path / "node", seed=True)
    node = open_node(tmp_path / "node")
    try:
        listing = trust.current(node)
        assert listing is not None
        day = listing.issued_at.date().isoformat()
        cose = node.db.execute("SELECT cose FROM credentials").fetchone()[0]
        client = TestClient(create_app(node))
        client.cookies.set("fc_lang", "sw")
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/verify").text)
        assert csrf is not None
        page = client.post("/verify", data={"csrf": csrf.group(1), "text": to_qr_text(cose)})
        assert "Halali" in page.text
        assert f"Imehakikiwa kwa orodha ya uaminifu ya chuo kikuu ya tarehe {day}." in page.text
        assert "Kituo kilichojiunga baada ya" not in page.text
        _, _, stranger, _ = _sample(tmp_path, days_old=0)
        unknown = client.post("/verify", data={"csrf": csrf.group(1), "text": stranger})
        assert "Mtoaji asiyejulikana" in unknown.text
        assert f"Kituo kilichojiunga baada ya {day} bado hakimo kwenye orodha hii." in unknown.text
    finally:
        node.close()


def test_the_json_verify_answers_carry_the_list_s_date(tmp_path: Path) -> None:
    from credentials.qr import to_qr_text
    from edge_node import trust
    from edge_node.demo import prepare_demo
    from edge_node.node import open_node
    from edge_node.web.app import create_app
    from hub.nodes import latest_trust
    from hub.settings import HubSettings
    from hub.simulate import enrol, simulated_hub
    from hub.store import SqliteStore
    from hub.web.app import create_web_app
    from sync.simulate import ScriptedNode

    store = SqliteStore(tmp_path / "hub.db")
    hub = simulated_hub(store)
    scripted = ScriptedNode.create("ke-03")
    enrol(hub, scripted)
    hub_client = TestClient(create_web_app(hub, HubSettings(name="hub", session_secret="s" * 32)))
    answer = hub_client.post("/verify", content=to_qr_text(scripted.sit_and_issue("x"))).json()
    listing = latest_trust(store)
    assert listing is not None and answer["genuine"] is True
    assert answer["trust_list_issued_at"] == listing.issued_at.isoformat()
    store.close()
    prepare_demo(tmp_path / "node", seed=True)
    node = open_node(tmp_path / "node")
    try:
        cose = node.db.execute("SELECT cose FROM credentials").fetchone()[0]
        edge = TestClient(create_app(node)).post("/api/v1/verify", json={"text": to_qr_text(cose)})
        held = trust.current(node)
        assert held is not None and edge.json()["genuine"] is True
        assert edge.json()["trust_list_issued_on"] == held.issued_at.date().isoformat()
    finally:
        node.close()
