"""Credential status lists after the W3C Bitstring Status List: one bit per status index.

Bit ``i`` is the ``i % 8``-th most significant bit of byte ``i // 8`` (index 0 is
the left-most bit); a set bit means revoked. Lists travel zlib-compressed.
"""

from __future__ import annotations

import zlib

from credentials.errors import MalformedInput

MIN_BYTES = 16 * 1024
"""The W3C minimum (131,072 entries), so a list reveals little about how many were issued."""
MAX_BYTES = 2**21
"""Room for every status index a credential can carry (2**24)."""


class StatusList:
    """A mutable bitstring of credential statuses."""

    __slots__ = ("_bits",)

    def __init__(self, bits: bytes | None = None) -> None:
        if bits is None:
            bits = bytes(MIN_BYTES)
        if not MIN_BYTES <= len(bits) <= MAX_BYTES or len(bits) % MIN_BYTES:
            raise MalformedInput("a status list holds a multiple of 16 KiB, at most 2 MiB")
        self._bits = bytearray(bits)

    @property
    def size(self) -> int:
        """Number of status entries."""
        return len(self._bits) * 8

    def set(self, index: int) -> None:
        """Mark ``index`` revoked, growing the list by 16 KiB steps when needed."""
        if index < 0 or index >= MAX_BYTES * 8:
            raise ValueError(f"status index {index} out of range")
        needed = index // 8 + 1
        if needed > len(self._bits):
            self._bits.extend(bytes(-(-needed // MIN_BYTES) * MIN_BYTES - len(self._bits)))
        self._bits[index // 8] |= 0x80 >> (index % 8)

    def is_set(self, index: int) -> bool:
        if index < 0 or index >= self.size:
            return False
        return bool(self._bits[index // 8] & (0x80 >> (index % 8)))

    def revoked(self) -> list[int]:
        """Every set index, ascending."""
        return [
            index
            for position, byte in enumerate(self._bits)
            if byte
            for index in _bits_of(position, byte)
        ]

    def compressed(self) -> bytes:
        return zlib.compress(bytes(self._bits), 9)

    @classmethod
    def from_compressed(cls, data: bytes) -> StatusList:
        """Inflate untrusted bytes without ever holding more than ``MAX_BYTES``."""
        inflater = zlib.decompressobj()
        try:
            bits = inflater.decompress(data, MAX_BYTES)
        except zlib.error:
            raise MalformedInput("status list is not zlib data") from None
        if inflater.unconsumed_tail or not inflater.eof or inflater.unused_data:
            raise MalformedInput("status list is too large, truncated or followed by other data")
        return cls(bits)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StatusList) and self._bits == other._bits

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"StatusList(size={self.size}, revoked={len(self.revoked())})"


def _bits_of(byte_index: int, byte: int) -> list[int]:
    return [byte_index * 8 + bit for bit in range(8) if byte & (0x80 >> bit)]
