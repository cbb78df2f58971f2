"""verify(): one test per verdict reason; a genuine verdict joins its catalogue entry."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import cbor2

from credentials.certificates import TYP_NODE_CERT
from credentials.claims import MicroCredential, encode_claims
from credentials.cose import sign1
from credentials.issuance import issue
from credentials.keys import SigningKey
from credentials.sample import SAMPLE_ENTRY, SAMPLE_NODE_ID
from credentials.status import StatusList
from credentials.trust import sign_trust_list
from credentials.verification import EXPLANATIONS, Reason, verify
from tests.helpers.trust import CREDENTIAL, NODE, ROOT, T0, node_cert, trust


def reason(credential: MicroCredential = CREDENTIAL, **trust_options: object) -> Reason:
    return verify(issue(NODE, credential), trust(**trust_options), now=T0).reason  # type: ignore[arg-type]


def test_genuine_joins_catalogue_entry() -> None:
    verdict = verify(issue(NODE, CREDENTIAL), trust(), now=T0 + timedelta(days=3000))
    assert verdict.genuine
    assert verdict.reason is Reason.GENUINE
    assert verdict.credential == CREDENTIAL
    assert verdict.entry == SAMPLE_ENTRY
    assert verdict.entry.title_in("sw") == "Misingi ya afya ya udongo"
    assert verdict.entry.outcomes_in("sw")[0] == "Read soil structure with a slake test"
    assert verdict.node is not None and verdict.node.node_id == SAMPLE_NODE_ID


def test_bytes_that_are_no_credential_are_malformed() -> None:
    verdict = verify(b"\x00" * 10, trust())
    assert verdict.reason is Reason.MALFORMED
    assert not verdict.genuine
    assert verdict.message.startswith(EXPLANATIONS[Reason.MALFORMED])


def test_malformed_claims_under_a_valid_signature() -> None:
    signed_garbage = sign1(NODE, cbor2.dumps({1: "x"}))
    assert verify(signed_garbage, trust()).reason is Reason.MALFORMED


def test_a_signed_document_of_another_type_is_not_a_credential() -> None:
    # Explicit typing (RFC 8725 §3.11, RFC 9596): a certificate or trust list, even one
    # signed by a key the trust list knows, is refused as a credential by its typ.
    for document in (
        node_cert(),
        sign_trust_list(ROOT, trust()),
        sign1(NODE, encode_claims(CREDENTIAL), typ=TYP_NODE_CERT),
    ):
        verdict = verify(document, trust())
        assert verdict.reason is Reason.MALFORMED, verdict
        assert "not a credential" in verdict.message


def _replace_part(index: int, value: bytes) -> bytes:
    parts = list(cbor2.loads(issue(NODE, CREDENTIAL)).value)
    parts[index] = value
    return cbor2.dumps(cbor2.CBORTag(18, parts))


def test_an_es256_signature_is_an_unsupported_alg() -> None:
    es256 = _replace_part(0, cbor2.dumps({1: -7, 4: NODE.kid}))
    assert verify(es256, trust()).reason is Reason.UNSUPPORTED_ALG


def test_a_key_no_certificate_names_is_an_unknown_issuer() -> None:
    stranger = SigningKey.from_seed(bytes(32))
    assert verify(issue(stranger, CREDENTIAL), trust()).reason is Reason.UNKNOWN_ISSUER


def test_unknown_issuer_when_iss_names_another_node() -> None:
    other = dataclasses.replace(CREDENTIAL, issuer="ke-other-02")
    assert reason(other) is Reason.UNKNOWN_ISSUER


def test_claims_changed_under_the_signature_are_a_bad_signature() -> None:
    better = _replace_part(2, encode_claims(dataclasses.replace(CREDENTIAL, score_percent=100)))
    assert verify(better, trust()).reason is Reason.BAD_SIGNATURE


def test_a_credential_issued_after_its_node_certificate_ended_is_node_cert_expired() -> None:
    late = dataclasses.replace(CREDENTIAL, issued_at=T0 + timedelta(days=366))
    assert reason(late) is Reason.NODE_CERT_EXPIRED


def test_node_cert_not_yet_valid() -> None:
    early = dataclasses.replace(CREDENTIAL, issued_at=T0 - timedelta(days=31))
    assert reason(early) is Reason.NODE_CERT_NOT_YET_VALID


def test_renewed_certificate_covers_later_credentials() -> None:
    renewed = node_cert(not_before=T0 + timedelta(days=365), not_after=T0 + timedelta(days=730))
    late = dataclasses.replace(CREDENTIAL, issued_at=T0 + timedelta(days=400))
    assert reason(late, certs=(node_cert(), renewed)) is Reason.GENUINE


def test_node_cert_out_of_scope() -> None:
    narrow = node_cert(modules=("drip-irrigation",))
    assert reason(certs=(narrow,)) is Reason.NODE_CERT_OUT_OF_SCOPE
    assert reason(certs=(node_cert(modules=("*",)),)) is Reason.GENUINE


def test_node_revoked_only_from_since() -> None:
    revoked = {SAMPLE_NODE_ID: T0 + timedelta(days=10)}
    assert reason(revoked=revoked) is Reason.GENUINE  # issued before the compromise
    after = dataclasses.replace(CREDENTIAL, issued_at=T0 + timedelta(days=10))
    assert reason(after, revoked=revoked) is Reason.NODE_REVOKED


def test_a_credential_is_revoked_only_when_its_own_slot_is_set() -> None:
    status = StatusList()
    status.set(CREDENTIAL.status_index + 1)
    assert reason(status=status) is Reason.GENUINE
    status.set(CREDENTIAL.status_index)
    assert reason(status=status) is Reason.CREDENTIAL_REVOKED


def test_a_credential_is_genuine_until_its_expiry_then_expired() -> None:
    expiring = dataclasses.replace(CREDENTIAL, expires_at=T0 + timedelta(days=730))
    cose = issue(NODE, expiring)
    assert verify(cose, trust(), now=T0 + timedelta(days=729)).genuine
    assert verify(cose, trust(), now=T0 + timedelta(days=730)).reason is Reason.EXPIRED


def test_a_module_or_version_the_catalogue_lacks_is_an_unknown_module() -> None:
    assert reason(catalogue=()) is Reason.UNKNOWN_MODULE
    newer = dataclasses.replace(CREDENTIAL, module_version="1.1.0")
    assert reason(newer) is Reason.UNKNOWN_MODULE
    fewer = dataclasses.replace(CREDENTIAL, outcomes=(True,))
    assert reason(fewer) is Reason.UNKNOWN_MODULE


def test_every_reason_is_explained() -> None:
    assert set(EXPLANATIONS) == set(Reason)


def test_every_reason_is_documented() -> None:
    doc = (Path(__file__).parents[1] / "docs" / "credential-format.md").read_text()
    for reason in Reason:
        assert f"`{reason}`" in doc, reason
