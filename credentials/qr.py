"""QR text and images: ``FC1:`` + base45 (RFC 9285) of the COSE bytes, alphanumeric mode, ECC Q.

zlib is not used: on our credentials (about 190 bytes, a third of them
signature, key id, credential id and hashes) it makes the payload larger; see
docs/credential-format.md for the measurement.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from credentials import base45
from credentials.errors import MalformedInput

if TYPE_CHECKING:
    import segno

# segno (drawing) and Pillow with zxing-cpp (reading photos) are imported by the functions
# that use them: reading QR text loads neither, and drawing does not load the photo reader.

PREFIX = "FC1:"
ERROR_CORRECTION = "q"
MAX_QR_TEXT = 4296
"""Alphanumeric capacity of a version 40 QR code at ECC L: nothing longer can come from a QR."""
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
JPEG_READ_SIDE = 2048
"""A JPEG is decoded straight to grey at 1/2, 1/4 or 1/8 scale while both sides stay at
least this long: a QR code in a phone's photo still reads, at a fraction of the memory."""
PRINT_DPI = 300


def to_qr_text(cose: bytes) -> str:
    return PREFIX + base45.encode(cose)


def from_qr_text(text: str) -> bytes:
    """The COSE bytes of QR text; surrounding white space is ignored."""
    if not isinstance(text, str):
        raise MalformedInput("QR text must be a string")
    if len(text) > MAX_QR_TEXT + 16:
        raise MalformedInput("QR text is longer than any QR code can hold")
    text = text.strip()
    if not text.startswith(PREFIX):
        raise MalformedInput(f"QR text must start with {PREFIX}")
    return base45.decode(text[len(PREFIX) :])


def _symbol(text: str) -> segno.QRCode:
    import segno

    return segno.make(text, error=ERROR_CORRECTION, boost_error=False, micro=False)


def qr_version(text: str) -> int:
    """The QR version (1-40) ``text`` needs at ECC Q."""
    version = _symbol(text).version
    assert isinstance(version, int)
    return version


def qr_svg(text: str, *, scale: int = 4) -> str:
    """An inline SVG of the QR code (no XML declaration), quiet zone included.

    It has a ``viewBox`` as well as its size, so CSS that resizes it (a print page
    does) scales the whole symbol instead of cropping it.
    """
    symbol = _symbol(text)
    width, height = symbol.symbol_size(scale=scale, border=4)
    svg = symbol.svg_inline(scale=scale, border=4, omitsize=True)
    assert isinstance(svg, str) and svg.startswith("<svg ")
    return f'<svg width="{width}" height="{height}" {svg[len("<svg ") :]}'


def qr_png(text: str, *, scale: int = 8, dpi: int = PRINT_DPI) -> bytes:
    """A PNG of the QR code, ``scale`` pixels per module, quiet zone of four modules."""
    buffer = io.BytesIO()
    _symbol(text).save(buffer, kind="png", scale=scale, border=4, dpi=dpi)
    return buffer.getvalue()


def decode_qr_image(image_bytes: bytes) -> str | None:
    """The text of the first QR code found in a PNG or JPEG, or None; never raises."""
    if not isinstance(image_bytes, bytes) or len(image_bytes) > MAX_IMAGE_BYTES:
        return None
    import zxingcpp
    from PIL import Image

    try:
        with Image.open(io.BytesIO(image_bytes)) as image:
            if image.format not in ("PNG", "JPEG") or (
                image.width * image.height > MAX_IMAGE_PIXELS
            ):
                return None
            if image.format == "JPEG":
                image.draft("L", (JPEG_READ_SIDE, JPEG_READ_SIDE))
            grey = image.convert("L")
        barcodes = zxingcpp.read_barcodes(
            grey, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
        )
    except (OSError, ValueError, Image.DecompressionBombError, RuntimeError):
        return None
    texts = [barcode.text for barcode in barcodes if barcode.valid]
    preferred = [text for text in texts if text.startswith(PREFIX)]
    found = preferred or texts
    return found[0] if found else None
