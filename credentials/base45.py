"""Base45 (RFC 9285): bytes as QR alphanumeric-mode characters."""

from __future__ import annotations

from credentials.errors import MalformedInput

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_INVALID = 0xFF
# Byte value of a character -> its base45 value, or 0xFF: decoding translates in C.
_VALUES = bytes(
    ALPHABET.index(chr(byte)) if chr(byte) in ALPHABET else _INVALID for byte in range(256)
)


def encode(data: bytes) -> str:
    """Two bytes become three characters, a final odd byte two (least significant first)."""
    out: list[str] = []
    for start in range(0, len(data) - 1, 2):
        n = data[start] * 256 + data[start + 1]
        c, n = n % 45, n // 45
        d, e = n % 45, n // 45
        out += (ALPHABET[c], ALPHABET[d], ALPHABET[e])
    if len(data) % 2:
        c, d = data[-1] % 45, data[-1] // 45
        out += (ALPHABET[c], ALPHABET[d])
    return "".join(out)


def decode(text: str) -> bytes:
    """Inverse of ``encode``; raise ``MalformedInput`` on characters or values out of range."""
    if len(text) % 3 == 1:
        raise MalformedInput("base45 text length must not leave one character over")
    if not text.isascii():
        raise MalformedInput("base45 text holds a character outside the alphabet")
    values = text.encode("ascii").translate(_VALUES)
    if _INVALID in values:
        bad = text[values.index(_INVALID)]
        raise MalformedInput(f"{bad!r} is not a base45 character")
    out = bytearray()
    whole = len(values) - len(values) % 3
    for start in range(0, whole, 3):
        n = values[start] + values[start + 1] * 45 + values[start + 2] * 2025
        if n > 0xFFFF:
            raise MalformedInput("base45 triple exceeds two bytes")
        out += n.to_bytes(2, "big")
    if whole < len(values):
        n = values[whole] + values[whole + 1] * 45
        if n > 0xFF:
            raise MalformedInput("base45 pair exceeds one byte")
        out.append(n)
    return bytes(out)
