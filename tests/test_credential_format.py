"""The credential format: CWT claims, COSE_Sign1 structure, deterministic and compact encoding."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from content.packs import TYP_CONTENT_PACK
from credentials.cbor import dumps_canonical
from credentials.certificates import TYP_NODE_CERT, TYP_NODE_REQUEST, make_request
from credentials.claims import (
    CLAIM_CTI,
    CLAIM_EXP,
    CLAIM_IAT,
    CLAIM_ISS,
    CLAIM_MICRO_CREDENTIAL,
    CLAIM_SUB,
    decode_claims,
    encode_claims,
    outcomes_bitmap,
    outcomes_from_bitmap,
)
from credentials.cose import decode_sign1, sign1, verify_sign1
from credentials.errors import MalformedInput, NotDeterministic, UnsupportedAlgorithm
from credentials.issuance import issue
from credentials.keys import SigningKey
from credentials.qr import qr_version, to_qr_text
from credentials.sample import build_sample, sample_credential
from credentials.trust import TYP_TRUST_LIST

KEY = SigningKey.from_seed(bytes(range(32)))
ISSUED = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
CREDENTIAL = sample_credential(ISSUED, bytes.fromhex("0123456789abcdef"))


def test_reference_credential_is_compact() -> None:
    assert len(CREDENTIAL.holder_name) == 24
    cose = issue(KEY, CREDENTIAL)
    assert len(cose) <= 200
    assert qr_version(to_qr_text(cose)) <= 13


def test_issue_is_deterministic() -> None:
    assert issue(KEY, CREDENTIAL) == issue(KEY, CREDENTIAL)


def test_sign1_structure() -> None:
    cose = issue(KEY, CREDENTIAL)
    item = cbor2.loads(cose)
    assert item.tag == 18
    protected, unprotected, payload, signature = item.value
    assert protected == bytes.fromhex("a201270448") + KEY.kid  # {1: -8, 4: kid}
    assert unprotected == {}
    assert len(signature) == 64
    claims = cbor2.loads(payload)
    assert claims[1] == "ke-ksm-01"
    assert claims[2] == "L7Q2M4X9"
    assert claims[6] == int(ISSUED.timestamp())
    assert claims[7] == bytes.fromhex("0123456789abcdef")
    assert 4 not in claims  # no exp unless the module sets a validity
    assert claims[CLAIM_MICRO_CREDENTIAL] == {
        1: "soil-health-basics",
        2: [1, 0, 0],
        3: 0b11011,
        4: 85,
        5: 0,
        6: "Achieng Wanjiru Otieno-K",
        7: 1234,
    }


def test_claims_are_deterministic_cbor() -> None:
    payload = encode_claims(CREDENTIAL)
    assert cbor2.dumps(cbor2.loads(payload), canonical=True) == payload
    keys = list(cbor2.loads(payload))
    encoded_keys = [cbor2.dumps(key) for key in keys]
    assert encoded_keys == sorted(encoded_keys)  # RFC 8949 §4.2.1 bytewise order


optional_fields = st.fixed_dictionaries(
    {
        "expires_at": st.one_of(
            st.none(), st.integers(1, 10**8).map(lambda s: ISSUED + timedelta(seconds=s))
        ),
        "evidence_hash": st.one_of(st.none(), st.binary(min_size=16, max_size=32)),
        "pathway": st.booleans(),
        "outcomes": st.lists(st.booleans(), min_size=1, max_size=64).map(tuple),
        "score_percent": st.integers(0, 100),
        "route": st.sampled_from(["course", "prior_learning"]),
        "holder_name": st.text(min_size=1, max_size=100),
        "status_index": st.integers(0, 2**24 - 1),
        "module_version": st.tuples(*[st.integers(0, 999)] * 3).map(
            lambda v: ".".join(map(str, v))
        ),
        "credential_id": st.binary(min_size=8, max_size=16),
    }
)


@given(optional_fields)
def test_claims_round_trip(fields: dict[str, object]) -> None:
    credential = dataclasses.replace(CREDENTIAL, **fields)  # type: ignore[arg-type]
    assert decode_claims(encode_claims(credential)) == credential


@given(st.lists(st.booleans(), min_size=1, max_size=64).map(tuple))
def test_outcome_bitmap_keeps_order_and_count(outcomes: tuple[bool, ...]) -> None:
    bitmap = outcomes_bitmap(outcomes)
    assert bitmap >> len(outcomes) == 1
    assert outcomes_from_bitmap(bitmap) == outcomes


@pytest.mark.parametrize(
    "change",
    [
        {"score_percent": 101},
        {"score_percent": True},
        {"outcomes": ()},
        {"outcomes": (1, 0)},
        {"route": "exam"},
        {"holder_name": ""},
        {"credential_id": b"short"},
        {"evidence_hash": bytes(8)},
        {"module_version": "1.0"},
        {"module_version": "01.0.0"},
        {"issued_at": datetime(2026, 3, 14, 9, 30)},
        {"issued_at": ISSUED.replace(microsecond=5)},
        {"expires_at": ISSUED},
        {"status_index": -1},
    ],
)
def test_invalid_credentials_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(MalformedInput):
        dataclasses.replace(CREDENTIAL, **change)  # type: ignore[arg-type]


def _claims_with(**changes: object) -> bytes:
    claims = cbor2.loads(encode_claims(CREDENTIAL))
    for path, value in changes.items():
        target = claims if not path.startswith("mc") else claims[CLAIM_MICRO_CREDENTIAL]
        key = int(path.removeprefix("mc"))
        if value is None:
            del target[key]
        else:
            target[key] = value
    return cbor2.dumps(claims)


@pytest.mark.parametrize(
    "changes",
    [
        {"1": 5},  # iss not text
        {"6": None},  # iat missing
        {"6": -1},
        {"6": 1.5},
        {"8": 1},  # unknown claim
        {"mc2": "1.0.0"},  # version must be a triple
        {"mc3": 1},  # bitmap without an outcome
        {"mc5": 2},  # unknown route
        {"mc9": 1},  # pathway flag not a boolean
        {"mc10": 0},  # unknown micro-credential key
        {"mc6": None},  # holder name missing
    ],
)
def test_decode_refuses_off_claims(changes: dict[str, object]) -> None:
    with pytest.raises(MalformedInput):
        decode_claims(_claims_with(**changes))


def test_decode_refuses_non_map() -> None:
    with pytest.raises(MalformedInput):
        decode_claims(cbor2.dumps([1, 2]))


def _raw_sign1(protected: dict[int, object], unprotected: dict[int, object] | None = None) -> bytes:
    protected_bytes = cbor2.dumps(protected)
    payload = encode_claims(CREDENTIAL)
    signature = KEY.sign(cbor2.dumps(["Signature1", protected_bytes, b"", payload]))
    return cbor2.dumps(cbor2.CBORTag(18, [protected_bytes, unprotected or {}, payload, signature]))


def test_accepts_alg_minus_19() -> None:
    envelope = decode_sign1(_raw_sign1({1: -19, 4: KEY.kid}))
    assert envelope.alg == -19
    assert verify_sign1(envelope, KEY.public_key)


def test_verifies_over_received_protected_bytes() -> None:
    # A header we never write (alg -19): verification must not rebuild ours (alg -8).
    envelope = decode_sign1(_raw_sign1({1: -19, 4: KEY.kid}))
    assert envelope.protected == bytes.fromhex("a201320448") + KEY.kid
    assert verify_sign1(envelope, KEY.public_key)


def test_a_protected_header_out_of_deterministic_order_is_refused() -> None:
    # Its signature verifies, but a second byte form of one header is a second credential.
    with pytest.raises(NotDeterministic):
        decode_sign1(_raw_sign1({4: KEY.kid, 1: -8}))


@pytest.mark.parametrize("alg", [-7, -35, 1])
def test_other_algorithms_are_unsupported(alg: int) -> None:
    with pytest.raises(UnsupportedAlgorithm):
        decode_sign1(_raw_sign1({1: alg, 4: KEY.kid}))


@pytest.mark.parametrize(
    "data",
    [
        _raw_sign1({1: -8, 4: KEY.kid}, {4: KEY.kid}),  # unprotected header not empty
        _raw_sign1({1: -8}),  # no kid
        _raw_sign1({1: -8, 4: b"short"}),
        _raw_sign1({1: "EdDSA", 4: KEY.kid}),
        _raw_sign1({1: -8, 4: KEY.kid, 2: [1]}),  # crit is not allowed
        cbor2.dumps(cbor2.CBORTag(17, cbor2.loads(sign1(KEY, b"x")).value)),  # COSE_Mac0 tag
        cbor2.dumps(cbor2.loads(sign1(KEY, b"x")).value),  # untagged
        sign1(KEY, b"x")[:-1],
        sign1(KEY, b"x") + b"\x00",
    ],
)
def test_malformed_sign1(data: bytes) -> None:
    with pytest.raises(MalformedInput):
        decode_sign1(data)


def test_typ_header_for_other_documents() -> None:
    envelope = decode_sign1(sign1(KEY, b"payload", typ=TYP_TRUST_LIST))
    assert envelope.typ == TYP_TRUST_LIST
    assert verify_sign1(envelope, KEY.public_key)
    assert decode_sign1(issue(KEY, CREDENTIAL)).typ is None


# RFC 9596 §2: typ takes the syntax of the content type header parameter (RFC 9052 §3.1),
# a CoAP Content-Format number or "<type-name>/<subtype-name>" (names per RFC 6838 §4.2).
_NAME = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
MEDIA_TYPE = re.compile(f"{_NAME}/{_NAME}")


def test_every_document_type_is_a_media_type() -> None:
    sample = build_sample(
        KEY, SigningKey.from_seed(b"n" * 32), issued_at=ISSUED, credential_id=bytes(8)
    )
    request = make_request(KEY, "ke-ksm-01", "Kisumu")
    documents = {
        TYP_NODE_CERT: sample.node_certificate,
        TYP_TRUST_LIST: sample.trust_list,
        TYP_NODE_REQUEST: request,
    }
    for typ, document in documents.items():
        assert decode_sign1(document, max_bytes=1 << 20).typ == typ
    for typ in (*documents, TYP_CONTENT_PACK):
        assert MEDIA_TYPE.fullmatch(typ), typ


# RFC 8392 Appendix A.1 (claims set) and A.3 (the same, signed with ES256).
RFC8392_CLAIMS = bytes.fromhex(
    "a70175636f61703a2f2f61732e6578616d706c652e636f6d02656572696b77037818636f61703a2f2f6c69"
    "6768742e6578616d706c652e636f6d041a5612aeb0051a5610d9f0061a5610d9f007420b71"
)
RFC8392_SIGNED = bytes.fromhex(
    "d28443a10126a104524173796d6d657472696345434453413235365850"
    + RFC8392_CLAIMS.hex()
    + "58405427c1ff28d23fbad1f29c4c7c6a555e601d6fa29f9179bc3d7438bacaca5acd08c8d4d4f96131680c"
    "429a01f85951ecee743a52b9b63632c57209120e1c9e30"
)


def test_rfc_8392_claims_keep_their_keys_and_deterministic_bytes() -> None:
    claims = cbor2.loads(RFC8392_CLAIMS)
    assert (CLAIM_ISS, CLAIM_SUB, CLAIM_EXP, CLAIM_IAT, CLAIM_CTI) == (1, 2, 4, 6, 7)
    assert claims[CLAIM_SUB] == "erikw" and claims[CLAIM_CTI] == bytes.fromhex("0b71")
    assert dumps_canonical(claims) == RFC8392_CLAIMS


def test_the_rfc_8392_es256_cwt_is_refused_with_a_verdict() -> None:
    # Ours accept Ed25519 only, with kid protected: the RFC's token has alg -7 (ES256)
    # and kid in the unprotected header.
    with pytest.raises(MalformedInput):
        decode_sign1(RFC8392_SIGNED)
    _, _, payload, signature = cbor2.loads(RFC8392_SIGNED).value
    moved = cbor2.dumps(
        cbor2.CBORTag(18, [cbor2.dumps({1: -7, 4: KEY.kid}), {}, payload, signature])
    )
    with pytest.raises(UnsupportedAlgorithm):
        decode_sign1(moved)
