"""The node reads and verifies its certificate and trust list once, not on every request,
and sees at once a certificate installed later; a credential's expiry is a column."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import credentials.trust
from credentials.claims import decode_claims
from credentials.cose import decode_sign1
from edge_node import assessment, issuance, trust
from edge_node.config import CERT_FILE
from edge_node.node import Node, open_node
from edge_node.storage import migrate
from tests.helpers.nodes import MODULE, answered_sitting, enrol, full_marks


def _issue_one(node: Node) -> str:
    sitting = assessment.submit(node, answered_sitting(node))
    assessment.score_checklist(node, sitting, full_marks(node.modules[MODULE]), by="worker")
    row = node.db.execute("SELECT id FROM credentials").fetchone()
    assert row is not None
    return str(row[0])


def test_result_views_read_the_certificate_once(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    _issue_one(node)
    reads: list[str] = []
    read_bytes = Path.read_bytes

    def counted(path: Path) -> bytes:
        if path.name == CERT_FILE:
            reads.append(path.name)
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", counted)
    for _ in range(3):
        assert [r.credential_id is not None for r in issuance.results(node)] == [True]
        assert issuance.unissued(node).withheld == []
    assert len(reads) <= 1


def test_the_trust_state_is_verified_once(node: Node, monkeypatch: pytest.MonkeyPatch) -> None:
    checks: list[bytes] = []
    check = credentials.trust.check_node_certificate

    def counted(data: bytes, roots: tuple[bytes, ...]) -> object:
        checks.append(data)
        return check(data, roots)

    monkeypatch.setattr(credentials.trust, "check_node_certificate", counted)
    lists = [trust.current(node) for _ in range(3)]
    assert lists[0] is not None and len(lists[0].certificates()) == 1
    assert len(checks) == 1


def test_a_certificate_installed_later_is_used_at_once(node: Node) -> None:
    assert issuance.withheld_reason(node, MODULE) is None
    enrol(node, modules=("climate-smart-agriculture",))
    reason = issuance.withheld_reason(node, MODULE)
    assert reason is not None and reason.template == issuance.OUT_OF_SCOPE
    assert trust.current(node) is not None


def test_a_certificate_installed_by_another_process_is_seen(node: Node) -> None:
    assert issuance.withheld_reason(node, MODULE) is None
    other = open_node(node.data_dir)  # the CLI's install-cert, while the server runs
    try:
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
        enrol(other, valid_from=start)
    finally:
        other.close()
    reason = issuance.withheld_reason(node, MODULE)
    assert reason is not None and reason.template == issuance.OUTSIDE_VALIDITY


def _expiring(node: Node) -> None:
    """The module as if its credentials were valid for two years (the shipped ones do
    not expire)."""
    node.modules[MODULE] = node.modules[MODULE].model_copy(update={"validity_years": 2})


def test_a_credential_keeps_its_expiry_in_a_column(node: Node) -> None:
    _expiring(node)
    credential_id = _issue_one(node)
    cose, kept = node.db.execute(
        "SELECT cose, expires_at FROM credentials WHERE id = ?", [credential_id]
    ).fetchone()
    claimed = decode_claims(decode_sign1(bytes(cose)).payload).expires_at
    assert claimed is not None and kept == claimed.isoformat()


def test_the_migration_fills_the_expiry_of_credentials_issued_before(node: Node) -> None:
    _expiring(node)
    credential_id = _issue_one(node)
    kept = node.db.execute("SELECT expires_at FROM credentials").fetchone()[0]
    node.db.execute("ALTER TABLE credentials DROP COLUMN expires_at")
    node.db.execute("DELETE FROM _sqlite_migrations WHERE name = '0014_credential_expiry'")
    migrate(node.db)
    again = node.db.execute(
        "SELECT expires_at FROM credentials WHERE id = ?", [credential_id]
    ).fetchone()
    assert kept is not None and again[0] == kept
