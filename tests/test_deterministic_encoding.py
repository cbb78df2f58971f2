"""One document, one byte form: credentials, certificates, trust lists and content packs
are accepted only in deterministic CBOR (RFC 8949 §4.2.1), and a claim written out with
the value its absence means is refused."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from content.errors import MalformedPack
from content.packs import TYP_CONTENT_PACK, read_pack
from credentials.cbor import dumps_canonical, loads_deterministic
from credentials.certificates import TYP_NODE_CERT, read_node_certificate
from credentials.claims import (
    CLAIM_EXP,
    CLAIM_MICRO_CREDENTIAL,
    MC_EVIDENCE,
    MC_PATHWAY,
    claims_map,
    decode_claims,
)
from credentials.cose import COSE_SIGN1_TAG, _sig_structure, decode_sign1, sign1
from credentials.errors import MalformedInput, NotDeterministic
from credentials.i18n import gettext
from credentials.issuance import issue
from credentials.trust import TYP_TRUST_LIST, read_trust_list, sign_trust_list
from credentials.verdicts import VERDICTS
from credentials.verification import Reason, verify
from tests.helpers.packs import KEY as PACK_KEY
from tests.helpers.packs import PACK
from tests.helpers.trust import CREDENTIAL, NODE, ROOT, T0, node_cert, trust

NOT_DETERMINISTIC = [
    b"\x18\x05",  # 5 with a one-byte argument
    b"\x19\x00\x05",  # 5 with a two-byte argument
    b"\x78\x01a",  # "a" with a one-byte length
    b"\xa2\x02\x00\x01\x00",  # keys out of order
    b"\xa2\x61b\x00\x61a\x00",  # text keys out of order
    b"\xfb\x3f\xf8\x00\x00\x00\x00\x00\x00",  # 1.5 as a double (a half holds it)
    b"\xfa\x3f\xc0\x00\x00",  # 1.5 as a single
    b"\xf9\x7e\x01",  # a NaN with a payload
    b"\xd8\x12\x80",  # tag 18 with a one-byte argument
]


@pytest.mark.parametrize("data", NOT_DETERMINISTIC, ids=lambda d: d.hex())
def test_a_longer_form_of_a_value_is_refused(data: bytes) -> None:
    with pytest.raises(NotDeterministic, match="not in deterministic encoding"):
        loads_deterministic(data, allowed_tags=(COSE_SIGN1_TAG,))


_PLAIN = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.binary(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(_PLAIN)
def test_what_we_encode_reads_back(value: Any) -> None:
    assert loads_deterministic(dumps_canonical(value)) == value


def _outer(cose: bytes) -> tuple[bytes, dict[int, Any], bytes, bytes]:
    protected, unprotected, payload, signature = cbor2.loads(cose).value
    return protected, unprotected, payload, signature


def _verdict(cose: bytes) -> Reason:
    return verify(cose, trust(), now=T0).reason


def test_our_credential_is_genuine() -> None:
    assert _verdict(issue(NODE, CREDENTIAL)) is Reason.GENUINE


def test_a_credential_with_a_longer_tag_head_is_refused() -> None:
    cose = issue(NODE, CREDENTIAL)
    assert cose[0] == 0xD2
    # The signature covers the headers and payload, not the envelope's own heads.
    assert _verdict(b"\xd8\x12" + cose[1:]) is Reason.NOT_DETERMINISTIC


def test_a_credential_with_a_longer_payload_length_is_refused() -> None:
    protected, _, payload, signature = _outer(issue(NODE, CREDENTIAL))
    assert len(payload) < 256
    head = b"\x59" + len(payload).to_bytes(2, "big")  # the length in two bytes, not one
    body = cbor2.dumps(protected) + b"\xa0" + head + payload + cbor2.dumps(signature)
    assert _verdict(b"\xd2\x84" + body) is Reason.NOT_DETERMINISTIC


def _signed_claims(payload: bytes) -> bytes:
    return sign1(NODE, payload)


def test_claims_with_a_longer_map_head_are_refused_though_signed() -> None:
    payload = dumps_canonical(claims_map(CREDENTIAL))
    assert payload[0] == 0xA5
    verdict = verify(_signed_claims(b"\xb8\x05" + payload[1:]), trust(), now=T0)
    assert verdict.reason is Reason.NOT_DETERMINISTIC and not verdict.genuine
    assert "deterministic" in verdict.message


def test_claims_in_another_key_order_are_refused_though_signed() -> None:
    claims = claims_map(CREDENTIAL)
    reordered = dict(reversed(list(claims.items())))
    assert _verdict(_signed_claims(cbor2.dumps(reordered))) is Reason.NOT_DETERMINISTIC


@pytest.mark.parametrize(
    ("where", "key", "value"),
    [("micro", MC_PATHWAY, False), ("micro", MC_EVIDENCE, None), ("top", CLAIM_EXP, None)],
)
def test_a_claim_written_out_with_its_default_is_refused(where: str, key: int, value: Any) -> None:
    claims = claims_map(CREDENTIAL)
    target = claims[CLAIM_MICRO_CREDENTIAL] if where == "micro" else claims
    assert key not in target
    target[key] = value
    payload = dumps_canonical(claims)
    with pytest.raises(NotDeterministic, match=f"claim {key}"):
        decode_claims(payload)
    assert _verdict(_signed_claims(payload)) is Reason.NOT_DETERMINISTIC


def test_a_pathway_flag_set_is_kept() -> None:
    pathway = dataclasses.replace(CREDENTIAL, pathway=True)
    assert decode_claims(dumps_canonical(claims_map(pathway))) == pathway


def test_a_protected_header_out_of_order_is_refused() -> None:
    claims = dumps_canonical(claims_map(CREDENTIAL))
    protected = cbor2.dumps({4: NODE.kid, 1: -8})
    signature = NODE.sign(_sig_structure(protected, claims))
    cose = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, claims, signature]))
    with pytest.raises(NotDeterministic):
        decode_sign1(cose)
    assert _verdict(cose) is Reason.NOT_DETERMINISTIC


def test_a_certificate_in_another_key_order_is_refused() -> None:
    good = node_cert()
    assert read_node_certificate(good)[0].node_id
    payload = cbor2.loads(decode_sign1(good).payload)
    bad = sign1(ROOT, cbor2.dumps(dict(reversed(list(payload.items())))), typ=TYP_NODE_CERT)
    with pytest.raises(NotDeterministic):
        read_node_certificate(bad)


def test_a_trust_list_with_a_longer_head_is_refused() -> None:
    good = sign_trust_list(ROOT, trust())
    assert read_trust_list(good, pinned_roots=[ROOT.public_key]).version == 1
    payload = decode_sign1(good, max_bytes=1 << 20).payload
    assert payload[0] == 0xA7
    bad = sign1(ROOT, b"\xb8\x07" + payload[1:], typ=TYP_TRUST_LIST)
    with pytest.raises(NotDeterministic):
        read_trust_list(bad, pinned_roots=[ROOT.public_key])


def test_the_verdict_reads_in_three_languages() -> None:
    headline, sentence = VERDICTS[Reason.NOT_DETERMINISTIC]
    for english in (headline, sentence):
        kiswahili, french = gettext("sw", english), gettext("fr", english)
        assert len({english, kiswahili, french}) == 3


def test_a_credential_issued_later_is_still_genuine() -> None:
    later = dataclasses.replace(CREDENTIAL, issued_at=T0 + timedelta(days=1))
    assert verify(issue(NODE, later), trust(), now=T0).reason is Reason.GENUINE


def test_a_content_pack_in_another_key_order_is_refused() -> None:
    assert read_pack(PACK, pinned_roots=[PACK_KEY.public_key]).modules
    payload = cbor2.loads(decode_sign1(PACK, max_bytes=1 << 24).payload)
    bad = sign1(PACK_KEY, cbor2.dumps(dict(reversed(list(payload.items())))), typ=TYP_CONTENT_PACK)
    with pytest.raises(MalformedPack, match="deterministic"):
        read_pack(bad, pinned_roots=[PACK_KEY.public_key])


@pytest.mark.parametrize("key", [True, 1.0], ids=["true", "1.0"])
def test_a_claim_under_a_key_python_takes_for_an_integer_is_refused(key: Any) -> None:
    """``true`` and ``1.0`` are equal to 1 in Python: under them iss would read as iss, a
    second byte form of one credential."""
    claims = claims_map(CREDENTIAL)
    claims[key] = claims.pop(1)
    payload = dumps_canonical(claims)
    with pytest.raises(MalformedInput, match="integers or text"):
        decode_claims(payload)
    assert _verdict(_signed_claims(payload)) is Reason.MALFORMED
