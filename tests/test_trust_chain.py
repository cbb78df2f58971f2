"""Node certificates, certificate requests and the signed trust list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import cbor2
import pytest

from credentials.certificates import (
    TYP_NODE_CERT,
    TYP_NODE_REQUEST,
    NodeCertificate,
    check_node_certificate,
    issue_node_certificate,
    make_request,
    read_node_certificate,
    read_request,
)
from credentials.cose import sign1
from credentials.errors import InvalidSignature, MalformedInput, UntrustedSigner
from credentials.keys import SigningKey
from credentials.sample import SAMPLE_ENTRY
from credentials.status import StatusList
from credentials.trust import TrustList, read_trust_list, sign_trust_list

ROOT = SigningKey.from_seed(bytes(range(32)))
OTHER_ROOT = SigningKey.from_seed(bytes(range(1, 33)))
NODE = SigningKey.from_seed(bytes(range(32, 64)))
T0 = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
CERT = NodeCertificate(
    node_id="ke-ksm-01",
    node_name="Kisumu centre",
    public_key=NODE.public_key,
    modules=("soil-health-basics", "drip-irrigation"),
    not_before=T0,
    not_after=T0 + timedelta(days=365),
)


def test_node_certificate_round_trip() -> None:
    data = issue_node_certificate(ROOT, CERT)
    cert, envelope = read_node_certificate(data)
    assert cert == NodeCertificate(**{**CERT.__dict__, "root_kid": ROOT.kid})
    assert envelope.typ == TYP_NODE_CERT
    assert cert.kid == NODE.kid
    assert check_node_certificate(data, (OTHER_ROOT.public_key, ROOT.public_key)) == cert


def test_node_certificate_from_another_root_is_refused() -> None:
    data = issue_node_certificate(OTHER_ROOT, CERT)
    with pytest.raises(InvalidSignature):
        check_node_certificate(data, (ROOT.public_key,))


def test_node_certificate_scope_and_window() -> None:
    assert CERT.covers("drip-irrigation")
    assert not CERT.covers("agroforestry")
    assert CERT.valid_at(T0) and CERT.valid_at(CERT.not_after)
    assert not CERT.valid_at(T0 - timedelta(seconds=1))


@pytest.mark.parametrize(
    "change",
    [{"modules": ()}, {"not_after": T0}, {"public_key": b"short"}, {"node_id": ""}],
)
def test_invalid_node_certificates(change: dict[str, object]) -> None:
    with pytest.raises(MalformedInput):
        NodeCertificate(**{**CERT.__dict__, **change})  # type: ignore[arg-type]


def test_a_credential_is_not_a_node_certificate() -> None:
    with pytest.raises(MalformedInput, match="typ"):
        read_node_certificate(sign1(ROOT, cbor2.dumps({1: "x"})))


def test_request_proves_key_possession() -> None:
    request = read_request(make_request(NODE, "ke-ksm-01", "Kisumu centre"))
    assert (request.node_id, request.public_key) == ("ke-ksm-01", NODE.public_key)


def test_request_signed_by_another_key_is_refused() -> None:
    payload = cbor2.dumps({1: "ke-ksm-01", 2: "Kisumu", 3: NODE.public_key}, canonical=True)
    forged = sign1(ROOT, payload, typ=TYP_NODE_REQUEST)
    with pytest.raises(InvalidSignature):
        read_request(forged)


def _trust(**changes: object) -> TrustList:
    status = StatusList()
    status.set(7)
    fields: dict[str, object] = {
        "version": 3,
        "issued_at": T0,
        "roots": (ROOT.public_key,),
        "node_certificates": (issue_node_certificate(ROOT, CERT),),
        "catalogue": (SAMPLE_ENTRY,),
        "revoked_nodes": {"ke-old-01": T0},
        "status_lists": {"ke-ksm-01": status},
    }
    return TrustList(**{**fields, **changes})  # type: ignore[arg-type]


def test_trust_list_round_trip() -> None:
    trust = _trust()
    read = read_trust_list(sign_trust_list(ROOT, trust), pinned_roots=[ROOT.public_key])
    assert read == trust
    assert read.nodes_for(NODE.kid)[0].node_id == "ke-ksm-01"
    assert read.entry("soil-health-basics", "1.0.0") == SAMPLE_ENTRY
    assert read.status_lists["ke-ksm-01"].is_set(7)


def test_trust_list_is_deterministic() -> None:
    assert sign_trust_list(ROOT, _trust()) == sign_trust_list(ROOT, _trust())


def test_trust_list_signer_must_be_pinned() -> None:
    data = sign_trust_list(ROOT, _trust())
    with pytest.raises(UntrustedSigner):
        read_trust_list(data, pinned_roots=[OTHER_ROOT.public_key])


def test_trust_list_signed_by_a_key_outside_its_roots_is_refused() -> None:
    with pytest.raises(UntrustedSigner):
        sign_trust_list(OTHER_ROOT, _trust())
    forged = sign1(OTHER_ROOT, cbor2.loads(sign_trust_list(ROOT, _trust())).value[2])
    with pytest.raises((UntrustedSigner, MalformedInput)):
        read_trust_list(forged)


def test_tampered_trust_list_is_refused() -> None:
    parts = list(cbor2.loads(sign_trust_list(ROOT, _trust())).value)
    payload = cbor2.loads(parts[2])
    payload[6] = {}  # drop the revocations
    parts[2] = cbor2.dumps(payload, canonical=True)
    with pytest.raises(InvalidSignature):
        read_trust_list(cbor2.dumps(cbor2.CBORTag(18, parts)))


def test_trust_list_refuses_node_certificate_of_an_unknown_root() -> None:
    with pytest.raises(InvalidSignature):
        _trust(node_certificates=(issue_node_certificate(OTHER_ROOT, CERT),))


def test_trust_list_needs_a_root() -> None:
    with pytest.raises(MalformedInput):
        _trust(roots=())
