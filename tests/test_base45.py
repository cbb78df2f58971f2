"""Base45 (RFC 9285) against the RFC's own examples, round trips and bad input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credentials import base45
from credentials.errors import MalformedInput

# RFC 9285 §4.3 (encoding) and §4.4 (decoding) examples.
RFC_EXAMPLES = [
    (b"AB", "BB8"),
    (b"Hello!!", "%69 VD92EX0"),
    (b"base-45", "UJCLQE7W581"),
    (b"ietf!", "QED8WEX0"),
]


@pytest.mark.parametrize(("raw", "text"), RFC_EXAMPLES)
def test_rfc_9285_examples_round_trip(raw: bytes, text: str) -> None:
    assert base45.encode(raw) == text
    assert base45.decode(text) == raw


def test_empty() -> None:
    assert base45.encode(b"") == ""
    assert base45.decode("") == b""


@given(st.binary(max_size=300))
def test_round_trip(data: bytes) -> None:
    text = base45.encode(data)
    assert set(text) <= set(base45.ALPHABET)
    assert len(text) == len(data) // 2 * 3 + len(data) % 2 * 2
    assert base45.decode(text) == data


@pytest.mark.parametrize(
    "text",
    [
        "A",  # one character left over
        "ABCD",
        "GGW",  # 16 + 16*45 + 32*2025 = 65536, one more than two bytes hold
        "::",  # 44 + 44*45 > 255
        "ab",  # lower case is not in the alphabet
        "BB8\n",
    ],
)
def test_rejects_invalid_text(text: str) -> None:
    with pytest.raises(MalformedInput):
        base45.decode(text)


@given(st.text(max_size=40))
def test_any_text_decodes_or_raises_malformed(text: str) -> None:
    try:
        data = base45.decode(text)
    except MalformedInput:
        return
    assert base45.encode(data) == text
