"""Base45 (RFC 9285): bytes as QR alphanumeric-mode characters."""

from __future__ import annotations

from credentials.errors import MalformedInput

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUE = {char: index for index, char in enumerate(ALPHABET)}


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
    try:
        values = [_VALUE[char] for char in text]
    except KeyError as exc:
        raise MalformedInput(f"{exc.args[0]!r} is not a base45 character") from None
    out = bytearray()
    for start in range(0, len(values), 3):
        chunk = values[start : start + 3]
        n = sum(value * 45**power for power, value in enumerate(chunk))
        if len(chunk) == 3:
            if n > 0xFFFF:
                raise MalformedInput("base45 triple exceeds two bytes")
            out += n.to_bytes(2, "big")
        else:
            if n > 0xFF:
                raise MalformedInput("base45 pair exceeds one byte")
            out.append(n)
    return bytes(out)
