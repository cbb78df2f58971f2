"""Photos made to cost the most to read: a few hundred KB on the wire, hundreds of MB
once decoded. Written chunk by chunk, so making one costs the tests little memory."""

from __future__ import annotations

import functools
import io
import struct
import zlib

from PIL import Image

WORST_SIDE = 6300
SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png(
    width: int, height: int, *, bit_depth: int, colour_type: int, palette: bool = False
) -> bytes:
    """A PNG of zero pixels; ``colour_type`` as the PNG header has it (0 grey, 2 RGB,
    3 palette, 4 grey and alpha, 6 RGBA)."""
    bands = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour_type]
    row = b"\x00" * (1 + (width * bands * bit_depth + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    chunks = [chunk(b"IHDR", header)]
    if palette or colour_type == 3:
        chunks.append(chunk(b"PLTE", b"\x00\x00\x00\xff\xff\xff"))
    chunks += [chunk(b"IDAT", data), chunk(b"IEND", b"")]
    return SIGNATURE + b"".join(chunks)


def chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def worst_png() -> bytes:
    """6,300 x 6,300 16-bit RGBA: about 310 KB, under the pixel limit, 160 MB as Pillow
    holds it (then 40 MB more in grey)."""
    return png(WORST_SIDE, WORST_SIDE, bit_depth=16, colour_type=6)


@functools.cache
def made(name: str) -> bytes:
    """Photos under the pixel and byte limits whose decoded form would not be."""
    side = WORST_SIDE
    if name == "16-bit RGBA PNG":
        return worst_png()
    if name == "16-bit grey PNG":
        return png(side, side, bit_depth=16, colour_type=0)
    if name == "1-bit palette PNG":
        return png(side, side, bit_depth=1, colour_type=3)
    if name == "progressive JPEG":
        buffer = io.BytesIO()
        Image.new("L", (side, side), 255).save(buffer, "JPEG", quality=10, progressive=True)
        return buffer.getvalue()
    if name == "CMYK JPEG":
        buffer = io.BytesIO()
        Image.new("CMYK", (5000, 4000)).save(buffer, "JPEG", quality=10)
        return buffer.getvalue()
    if name == "TIFF":
        buffer = io.BytesIO()
        Image.new("L", (64, 64), 255).save(buffer, "TIFF")
        return buffer.getvalue()
    raise KeyError(name)
