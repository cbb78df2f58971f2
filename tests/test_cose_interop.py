"""An independent COSE implementation (pycose) and ours agree on COSE_Sign1 with Ed25519."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycose.algorithms import EdDSA
from pycose.headers import KID, Algorithm
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import Sign1Message

from credentials.claims import MicroCredential, decode_claims
from credentials.cose import _sig_structure, decode_sign1, verify_sign1
from credentials.issuance import issue
from credentials.keys import SigningKey

NODE_KEY = SigningKey.from_seed(
    bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
)
OTHER_KEY = SigningKey.from_seed(bytes(32))


def pycose_key(public_key: bytes, seed: bytes | None = None) -> OKPKey:
    if seed is None:
        return OKPKey(crv=Ed25519, x=public_key)
    return OKPKey(crv=Ed25519, x=public_key, d=seed)


def pycose_decode(data: bytes) -> Sign1Message:
    """pycose's own parsing of a tagged COSE_Sign1.

    ``Sign1Message.decode`` cannot read tagged input under cbor2 6, which hands
    back a tag's array as an immutable tuple; so the tag is checked here and
    pycose parses the untagged structure.
    """
    tagged = cbor2.loads(data)
    assert isinstance(tagged, cbor2.CBORTag) and tagged.tag == 18
    return Sign1Message.from_cose_obj(cbor2.loads(data[1:]), True)


def credential(**changes: Any) -> MicroCredential:
    fields: dict[str, Any] = {
        "issuer": "node-7",
        "subject": "L-4F2K9Q",
        "issued_at": datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
        "credential_id": bytes.fromhex("0f1e2d3c4b5a6978"),
        "module_id": "soil-health",
        "module_version": "1.2.0",
        "outcomes": (True, True, False, True, True, True),
        "score_percent": 87,
        "route": "course",
        "holder_name": "Wanjiru Achieng Otieno-Ka",
        "status_index": 41,
    }
    fields.update(changes)
    return MicroCredential(**fields)


def test_pycose_verifies_an_issued_credential() -> None:
    data = issue(NODE_KEY, credential())
    message = pycose_decode(data)
    message.key = pycose_key(NODE_KEY.public_key)
    assert message.phdr == {Algorithm: EdDSA, KID: NODE_KEY.kid}
    assert message.uhdr == {}
    assert message.verify_signature()
    assert decode_claims(message.payload) == credential()


def test_pycose_rejects_an_issued_credential_under_another_key() -> None:
    message = pycose_decode(issue(NODE_KEY, credential()))
    message.key = pycose_key(OTHER_KEY.public_key)
    assert not message.verify_signature()


@settings(max_examples=40, deadline=None)
@given(
    score=st.integers(0, 100),
    outcomes=st.lists(st.booleans(), min_size=1, max_size=12),
    name=st.text(min_size=1, max_size=40),
    expires=st.booleans(),
)
def test_pycose_verifies_any_issued_credential(
    score: int, outcomes: list[bool], name: str, expires: bool
) -> None:
    issued = credential(
        score_percent=score,
        outcomes=tuple(outcomes),
        holder_name=name,
        expires_at=datetime(2030, 1, 1, tzinfo=UTC) if expires else None,
    )
    message = pycose_decode(issue(NODE_KEY, issued))
    message.key = pycose_key(NODE_KEY.public_key)
    assert message.verify_signature()


def test_a_flipped_payload_bit_fails_in_pycose_too() -> None:
    data = bytearray(issue(NODE_KEY, credential()))
    data[-70] ^= 0x01  # inside the payload, just before the 64-byte signature
    message = pycose_decode(bytes(data))
    message.key = pycose_key(NODE_KEY.public_key)
    assert not message.verify_signature()


def pycose_sign(payload: bytes, key: SigningKey) -> bytes:
    message = Sign1Message(phdr={Algorithm: EdDSA, KID: key.kid}, payload=payload)
    message.key = pycose_key(key.public_key, key.seed)
    encoded: bytes = message.encode(tag=True)
    return encoded


def test_our_verifier_accepts_a_pycose_signed_message() -> None:
    payload = cbor2.dumps({1: "node-7", 6: 1795426200})
    data = pycose_sign(payload, NODE_KEY)
    sign1 = decode_sign1(data)
    assert sign1.alg == -8 and sign1.kid == NODE_KEY.kid and sign1.payload == payload
    assert verify_sign1(sign1, NODE_KEY.public_key)
    assert not verify_sign1(sign1, OTHER_KEY.public_key)


def test_our_verifier_reads_a_pycose_signed_credential_payload() -> None:
    payload = issue(NODE_KEY, credential())
    claims = decode_sign1(payload).payload
    sign1 = decode_sign1(pycose_sign(claims, NODE_KEY))
    assert verify_sign1(sign1, NODE_KEY.public_key)
    assert decode_claims(sign1.payload) == credential()


def test_pycose_signature_is_byte_identical_to_ours() -> None:
    # Ed25519 is deterministic: both libraries must build the same Sig_structure.
    ours = issue(NODE_KEY, credential())
    theirs = pycose_sign(decode_sign1(ours).payload, NODE_KEY)
    assert theirs == ours


@pytest.mark.parametrize("flip", [0, 7, 20])
def test_our_verifier_rejects_a_tampered_pycose_message(flip: int) -> None:
    payload = cbor2.dumps({1: "node-7", 2: "L-4F2K9Q", 6: 1795426200})
    data = bytearray(pycose_sign(payload, NODE_KEY))
    start = bytes(data).index(payload)
    data[start + flip % len(payload)] ^= 0x40
    assert not verify_sign1(decode_sign1(bytes(data)), NODE_KEY.public_key)


def test_sig_structure_matches_the_cose_working_group_examples() -> None:
    # cose-wg/Examples eddsa-examples (eddsa-sig-01/-02, Sign1): protected {1: -8}, payload
    # "This is the content.", no external data; "ToBeSign_hex" is the Sig_structure of
    # RFC 9052 §4.4 they sign.
    to_be_signed = bytes.fromhex(
        "846A5369676E61747572653143A101274054546869732069732074686520636F6E74656E742E"
    )
    payload = b"This is the content."
    assert _sig_structure(bytes.fromhex("A10127"), payload) == to_be_signed
