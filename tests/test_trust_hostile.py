"""Every parser of signed documents meets random input: a result or a CredentialError, nothing else.

Random payloads are signed with a trusted root, so the parsers behind the signature
check get exercised too.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credentials.catalogue import entry_to_cbor
from credentials.certificates import (
    TYP_NODE_CERT,
    TYP_NODE_REQUEST,
    read_node_certificate,
    read_request,
)
from credentials.claims import decode_claims
from credentials.cose import sign1
from credentials.errors import CredentialError, MalformedInput
from credentials.keys import SigningKey, public_key_from_cose_key
from credentials.sample import SAMPLE_ENTRY
from credentials.status import StatusList
from credentials.trust import TYP_TRUST_LIST, TrustList, read_trust_list, trust_list_payload

ROOT = SigningKey.from_seed(bytes(range(32)))
T0 = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)

leaves = (
    st.none()
    | st.booleans()
    | st.integers(-(2**64) + 1, 2**64 - 1)
    | st.floats()
    | st.binary(max_size=40)
    | st.text(max_size=12)
)
cbor_items = st.recursive(
    leaves,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.integers(-3, 12) | st.text(max_size=3), children, max_size=8)
    ),
    max_leaves=10,
)
# Maps shaped like ours (small integer keys), so parsing gets past the first checks.
shaped = st.dictionaries(st.integers(1, 11), cbor_items, min_size=1, max_size=11)


def _parses_or_refuses(parse: Callable[[bytes], Any], data: bytes) -> None:
    with contextlib.suppress(CredentialError):
        parse(data)


PARSERS: dict[str, Callable[[bytes], Any]] = {
    "trust list": read_trust_list,
    "node certificate": read_node_certificate,
    "request": read_request,
    "claims": decode_claims,
    "COSE_Key": public_key_from_cose_key,
    "status list": StatusList.from_compressed,
}


@pytest.mark.parametrize("parse", PARSERS.values(), ids=PARSERS.keys())
@given(data=st.binary(max_size=400))
def test_random_bytes(parse: Callable[[bytes], Any], data: bytes) -> None:
    _parses_or_refuses(parse, data)


@given(payload=shaped | cbor_items)
@settings(max_examples=150)
def test_signed_random_trust_list_payloads(payload: object) -> None:
    data = cbor2.dumps(payload)
    _parses_or_refuses(read_trust_list, sign1(ROOT, data, typ=TYP_TRUST_LIST))


@given(payload=shaped)
def test_signed_random_certificate_and_request_payloads(payload: object) -> None:
    data = cbor2.dumps(payload)
    _parses_or_refuses(read_node_certificate, sign1(ROOT, data, typ=TYP_NODE_CERT))
    _parses_or_refuses(read_request, sign1(ROOT, data, typ=TYP_NODE_REQUEST))


@given(claims=st.dictionaries(st.sampled_from([1, 2, 4, 6, 7, -65537]), shaped | leaves))
def test_random_claims(claims: dict[int, object]) -> None:
    _parses_or_refuses(decode_claims, cbor2.dumps(claims))


@pytest.mark.parametrize("number", [math.nan, math.inf, -1.0])
def test_a_catalogue_number_must_be_a_finite_amount(number: float) -> None:
    entry = entry_to_cbor(SAMPLE_ENTRY)
    for key in (6, 7):  # workload hours, ECTS credits
        payload = trust_list_payload(TrustList(version=1, issued_at=T0, roots=(ROOT.public_key,)))
        signed = cbor2.loads(payload)
        signed[5] = [{**entry, key: number}]
        data = sign1(ROOT, cbor2.dumps(signed, canonical=True), typ=TYP_TRUST_LIST)
        with pytest.raises(MalformedInput, match="non-negative number"):
            read_trust_list(data)
