"""Status lists: Bitstring Status List bit order, growth, compression, bounded inflation."""

from __future__ import annotations

import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credentials.errors import MalformedInput
from credentials.status import MAX_BYTES, MIN_BYTES, StatusList


def test_index_zero_is_the_leftmost_bit() -> None:
    status = StatusList()
    status.set(0)
    status.set(9)
    bits = zlib.decompress(status.compressed())
    assert bits[:2] == bytes([0b1000_0000, 0b0100_0000])
    assert len(bits) == MIN_BYTES


def test_unset_and_out_of_range_indices_are_not_revoked() -> None:
    status = StatusList()
    assert not status.is_set(5)
    assert not status.is_set(status.size + 10)
    assert not status.is_set(-1)


def test_grows_in_16_kib_steps() -> None:
    status = StatusList()
    status.set(MIN_BYTES * 8 + 3)
    assert status.size == 2 * MIN_BYTES * 8
    assert status.is_set(MIN_BYTES * 8 + 3)
    with pytest.raises(ValueError):
        status.set(MAX_BYTES * 8)


@given(st.sets(st.integers(0, 300_000), max_size=50))
def test_compressed_round_trip(indices: set[int]) -> None:
    status = StatusList()
    for index in indices:
        status.set(index)
    again = StatusList.from_compressed(status.compressed())
    assert again == status
    assert again.revoked() == sorted(indices)


def test_empty_list_compresses_small() -> None:
    assert len(StatusList().compressed()) < 64


@pytest.mark.parametrize(
    "data",
    [
        b"not zlib",
        zlib.compress(bytes(100)),  # not a multiple of 16 KiB
        zlib.compress(bytes(MAX_BYTES + MIN_BYTES)),  # inflates beyond the cap
        zlib.compress(bytes(MIN_BYTES))[:-3],  # truncated
        zlib.compress(bytes(MIN_BYTES)) + b"x",  # trailing data
    ],
)
def test_from_compressed_refuses_bad_data(data: bytes) -> None:
    with pytest.raises(MalformedInput):
        StatusList.from_compressed(data)
