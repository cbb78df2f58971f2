"""Hostile and damaged input always gets a verdict, quickly, and never a genuine one."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credentials import base45
from credentials.cbor import loads_untrusted
from credentials.errors import MalformedInput
from credentials.keys import SigningKey
from credentials.qr import PREFIX
from credentials.sample import build_sample
from credentials.trust import TrustList, read_trust_list
from credentials.verification import Reason, verify

T0 = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
SAMPLE = build_sample(
    SigningKey.from_seed(bytes(range(32))),
    SigningKey.from_seed(bytes(range(32, 64))),
    issued_at=T0,
    credential_id=bytes.fromhex("0123456789abcdef"),
)
TRUST: TrustList = read_trust_list(SAMPLE.trust_list)


def test_sample_is_genuine() -> None:
    assert verify(SAMPLE.cose, TRUST, now=T0).genuine
    assert verify(SAMPLE.qr_text, TRUST, now=T0).genuine
    assert verify(SAMPLE.qr_text.encode(), TRUST, now=T0).genuine


def test_every_single_bit_flip_is_rejected() -> None:
    cose = SAMPLE.cose
    for bit in range(len(cose) * 8):
        damaged = bytearray(cose)
        damaged[bit // 8] ^= 1 << (bit % 8)
        verdict = verify(bytes(damaged), TRUST, now=T0)
        assert not verdict.genuine, f"bit {bit} flipped still verifies"


def test_every_truncation_is_rejected() -> None:
    for length in range(len(SAMPLE.cose)):
        assert verify(SAMPLE.cose[:length], TRUST, now=T0).reason is Reason.MALFORMED


@given(st.binary(max_size=600))
def test_random_bytes_get_a_verdict(data: bytes) -> None:
    assert not verify(data, TRUST, now=T0).genuine


@given(st.text(max_size=600))
def test_random_text_gets_a_verdict(text: str) -> None:
    assert not verify(text, TRUST, now=T0).genuine
    assert not verify(PREFIX + text, TRUST, now=T0).genuine


@given(st.binary(max_size=300))
def test_random_base45_payloads_get_a_verdict(data: bytes) -> None:
    assert not verify(PREFIX + base45.encode(data), TRUST, now=T0).genuine


# Arbitrary CBOR items, inside and outside tag 18.
cbor_items = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**64) + 1, 2**64 - 1)
    | st.floats()
    | st.binary(max_size=70)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.integers(-70000, 30) | st.text(max_size=3), children, max_size=5)
        | st.builds(cbor2.CBORTag, st.sampled_from([18, 17, 98, 1, 2, 24, 55799]), children)
    ),
    max_leaves=20,
)


@given(cbor_items)
@settings(max_examples=300)
def test_random_cbor_gets_a_verdict(item: object) -> None:
    for candidate in (item, cbor2.CBORTag(18, item)):
        assert not verify(cbor2.dumps(candidate), TRUST, now=T0).genuine


HOSTILE = {
    "deep arrays": b"\x81" * 100_000 + b"\x00",
    "deep maps": b"\xa1\x01" * 50_000 + b"\x00",
    "deep tags": b"\xd2" * 100_000 + b"\x00",
    "huge byte string": b"\xd2\x84\x5b\xff\xff\xff\xff\xff\xff\xff\xff",
    "huge array": b"\xd2\x9b\xff\xff\xff\xff\xff\xff\xff\xff",
    "huge map": b"\xd2\xbb\xff\xff\xff\xff\xff\xff\xff\xff",
    "indefinite array": b"\xd2\x9f\x40\xa0\x40\x40\xff",
    "wrong tag": b"\xd1\x84\x40\xa0\x40\x40",
    "shared reference": b"\xd8\x1c\x81\xd8\x1d\x00",
    "one megabyte of garbage": os.urandom(1024 * 1024),
    "one megabyte of zeros": bytes(1024 * 1024),
    "one megabyte of QR text": PREFIX + "A" * (1024 * 1024),
    "empty": b"",
}


@pytest.mark.parametrize("data", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_gets_a_quick_verdict(data: bytes | str) -> None:
    started = time.perf_counter()
    verdict = verify(data, TRUST, now=T0)
    assert time.perf_counter() - started < 0.5
    assert verdict.reason is Reason.MALFORMED


@pytest.mark.parametrize(
    ("data", "limits"),
    [
        (b"\x81" * 9 + b"\x00", {"max_depth": 8}),
        (b"\x00" * 10, {"max_bytes": 9}),
        (b"\x01\x02", {}),
        (b"\xa2\x01\x01\x01\x02", {}),
        (b"\x9f\xff", {}),
        (b"\xc1\x1a\x00\x00\x00\x00", {}),
        (b"\xd2\x80", {}),
    ],
    ids=["depth", "size", "trailing", "duplicate keys", "indefinite", "date tag", "unlisted tag"],
)
def test_loads_untrusted_limits(data: bytes, limits: dict[str, int]) -> None:
    with pytest.raises(MalformedInput):
        loads_untrusted(data, **limits)


def test_loads_untrusted_allows_listed_tags() -> None:
    item = loads_untrusted(b"\xd2\x80", allowed_tags=(18,))
    assert isinstance(item, cbor2.CBORTag)
    assert (item.tag, list(item.value)) == (18, [])
