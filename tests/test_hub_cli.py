"""`fieldcred hub`: init, enrol-node, revoke-node, import-bundle, add-staff,
set-staff-password, disable-staff, add-token, remove-token."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from credentials.certificates import read_node_certificate
from credentials.keys import load_private_key, load_public_key
from hub.settings import open_hub
from sync.bundles import export_bundle, import_answer
from sync.errors import SyncError
from sync.simulate import ScriptedNode
from tests.helpers.cli import hub_cli


def test_init_makes_a_private_root_key(hub_data: Path) -> None:
    assert stat.S_IMODE((hub_data / "root.key").stat().st_mode) == 0o600
    public = load_public_key(hub_data / "root.jwk")
    assert public == load_private_key(hub_data / "root.key").public_key
    assert (hub_data / "hub.db").exists()
    code, out = hub_cli("init", "--data", str(hub_data), "--name", "Again")
    assert code == 1 and "already" in out


def test_every_command_has_help() -> None:
    for command in (
        "init",
        "serve",
        "enrol-node",
        "revoke-node",
        "import-bundle",
        "add-staff",
        "set-staff-password",
        "disable-staff",
        "add-token",
        "remove-token",
    ):
        code, out = hub_cli(command, "--help")
        assert code == 0 and len(out) > 80, command


def test_enrol_bundle_round_trip(hub_data: Path, tmp_path: Path) -> None:
    node = ScriptedNode.create("node-k")
    request = tmp_path / "node.request"
    request.write_bytes(node.request())
    code, out = hub_cli(
        "enrol-node",
        str(request),
        "--data",
        str(hub_data),
        "--modules",
        "soil-health",
        "--days",
        "30",
    )
    assert code == 0, out
    cert, _ = read_node_certificate((tmp_path / "node.cert").read_bytes())
    assert cert.node_id == "node-k" and cert.modules == ("soil-health",)
    for _ in range(3):
        node.sit_and_issue(node.register())
    bundle = tmp_path / "stick.bundle"
    bundle.write_bytes(export_bundle(db=node.db, node_key=node.key, node_id="node-k"))
    code, out = hub_cli("import-bundle", str(bundle), "--data", str(hub_data))
    assert code == 0, out
    hub, _ = open_hub(hub_data)
    report = import_answer(
        db=node.db,
        data=(tmp_path / "stick.answer").read_bytes(),
        node_id="node-k",
        hub_key=hub.root_key.public_key,
    )
    assert report.ok and report.pending == 0 and report.last_ack == 9
    assert hub.store.scalar("SELECT count(*) FROM credentials") == 3
    # The same stick again is a no-op.
    code, out = hub_cli("import-bundle", str(bundle), "--data", str(hub_data))
    assert code == 0 and hub.store.scalar("SELECT count(*) FROM events") == 9


def test_bad_input_gets_clear_messages(hub_data: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk"
    junk.write_bytes(b"\x00" * 10)
    code, out = hub_cli("enrol-node", str(junk), "--data", str(hub_data), "--modules", "x")
    assert code == 1 and "request was refused" in out
    code, out = hub_cli(
        "enrol-node", str(tmp_path / "missing"), "--data", str(hub_data), "--modules", "x"
    )
    assert code == 2 and "missing" in out
    code, out = hub_cli("import-bundle", str(junk), "--data", str(hub_data))
    assert code == 1 and "not a sync bundle" in out
    code, out = hub_cli("revoke-node", "nobody", "--data", str(hub_data))
    assert code == 1 and "no node" in out
    code, out = hub_cli("serve", "--data", str(tmp_path / "nowhere"))
    assert code == 1 and "hub init" in out
    assert "Traceback" not in out


def test_publish_pack_reaches_nodes_and_keeps_the_catalogue(hub_data: Path, tmp_path: Path) -> None:
    from content.loading import load_catalogue
    from credentials.trust import read_trust_list
    from hub.ingest import answer
    from hub.nodes import latest_trust_list
    from lms_plugin.publishing import export_pack
    from sync.client import SyncReport, apply_items
    from sync.errors import SyncError
    from sync.protocol import read_signed, seal

    hub, _ = open_hub(hub_data)
    pack, _, _ = export_pack(load_catalogue(), ["soil-health"], hub.root_key)
    (tmp_path / "soil.pack").write_bytes(pack)
    code, out = hub_cli("publish-pack", str(tmp_path / "soil.pack"), "--data", str(hub_data))
    assert code == 0, out
    trust = read_trust_list(latest_trust_list(hub.store) or b"")
    assert trust.entry("soil-health", "1.0.0") is not None
    node = ScriptedNode.create("node-q")
    request = tmp_path / "q.request"
    request.write_bytes(node.request())
    assert hub_cli("enrol-node", str(request), "--data", str(hub_data), "--modules", "*")[0] == 0
    pull = seal(node.key, {"m": "pull", "v": 1, "node": "node-q", "nonce": b"n" * 8, "after": 0})
    fields = read_signed(answer(hub, pull), hub.root_key.public_key, "hub").fields
    kinds = [kind for _, kind, _ in fields["items"]]
    assert "pack" in kinds and kinds[-1] == "trust"
    received: list[str] = []

    def refuse_packs(kind: str, _: bytes) -> None:
        if kind == "pack":
            raise ValueError("no room for packs")
        received.append(kind)

    report = SyncReport(ok=False, pending=0, last_ack=0)
    with pytest.raises(SyncError, match="could not install the pack from the hub: no room"):
        apply_items(node.db, fields, refuse_packs, report)
    row = node.db.execute("SELECT value FROM sync_state WHERE key = 'pull_cursor'").fetchone()
    # The cursor stays before the refused pack, so it comes again next time.
    assert (int(row[0]) if row else 0) < fields["items"][kinds.index("pack")][0]


def test_publish_pack_refuses_a_foreign_pack(hub_data: Path, tmp_path: Path) -> None:
    from content.loading import load_catalogue
    from credentials.keys import SigningKey
    from lms_plugin.publishing import export_pack

    pack, _, _ = export_pack(load_catalogue(), ["soil-health"], SigningKey.from_seed(b"f" * 32))
    (tmp_path / "foreign.pack").write_bytes(pack)
    code, out = hub_cli("publish-pack", str(tmp_path / "foreign.pack"), "--data", str(hub_data))
    assert code == 1 and "refused" in out


def test_the_demo_hub_is_created_once_and_reopened(tmp_path: Path) -> None:
    from credentials.trust import read_trust_list
    from hub.demo import TOKEN_FILE, enrol_demo_node, prepare_hub_demo
    from hub.staff import check_login, token_organisation

    first = prepare_hub_demo(tmp_path / "hub")
    again = prepare_hub_demo(tmp_path / "hub")
    assert again.token == first.token and again.root_public_key == first.root_public_key
    assert stat.S_IMODE((tmp_path / "hub" / TOKEN_FILE).stat().st_mode) == 0o600
    hub, settings = open_hub(tmp_path / "hub")
    assert check_login(hub.store, *first.staff) == settings.organisation
    assert token_organisation(hub.store, first.token) == settings.organisation
    node = ScriptedNode.create("node-d")
    certificate, trust_list = enrol_demo_node(tmp_path / "hub", node.request())
    cert, _ = read_node_certificate(certificate)
    assert cert.node_id == "node-d" and cert.modules == ("*",)
    assert hub.store.scalar("SELECT organisation FROM nodes WHERE node_id = 'node-d'") == (
        settings.organisation
    )
    listing = read_trust_list(trust_list, pinned_roots=[first.root_public_key])
    assert certificate in listing.node_certificates
    hub.store.execute("DELETE FROM api_tokens")  # a token the hub no longer knows is replaced
    hub.store.close()
    assert prepare_hub_demo(tmp_path / "hub").token != first.token


def test_a_new_password_or_disabling_ends_the_staff_login(hub_data: Path) -> None:
    assert (
        hub_cli("add-staff", "wanjiru", "--data", str(hub_data), "--password", "correct horse")[0]
        == 0
    )
    hub, _ = open_hub(hub_data)
    from hub.staff import check_login, session_staff, start_session

    session = start_session(hub.store, "wanjiru", now=1_000_000_000)
    code, out = hub_cli(
        "set-staff-password", "wanjiru", "--data", str(hub_data), "--password", "a new horse"
    )
    assert code == 0, out
    assert session_staff(hub.store, session, now=1_000_000_001) is None
    assert check_login(hub.store, "wanjiru", "a new horse") == "university"
    code, out = hub_cli("disable-staff", "wanjiru", "--data", str(hub_data))
    assert code == 0 and "disabled" in out
    with pytest.raises(SyncError):
        check_login(hub.store, "wanjiru", "a new horse")
    assert hub_cli("disable-staff", "wanjiru", "--data", str(hub_data), "--enable")[0] == 0
    assert check_login(hub.store, "wanjiru", "a new horse") == "university"
    code, out = hub_cli("disable-staff", "nobody", "--data", str(hub_data))
    assert code == 1 and "no staff account" in out


def test_a_removed_api_token_is_refused(hub_data: Path) -> None:
    from hub.staff import NotAuthenticated, token_organisation

    code, token = hub_cli("add-token", "open edx", "--data", str(hub_data))
    assert code == 0
    hub, _ = open_hub(hub_data)
    assert token_organisation(hub.store, token.strip()) == "university"
    code, out = hub_cli("remove-token", "open edx", "--data", str(hub_data))
    assert code == 0 and "1 API token" in out
    with pytest.raises(NotAuthenticated):
        token_organisation(hub.store, token.strip())
    code, out = hub_cli("remove-token", "open edx", "--data", str(hub_data))
    assert code == 1 and "no API token" in out
