"""QR text and images: ``FC1:`` + base45 (RFC 9285) of the COSE bytes, alphanumeric mode, ECC Q;
or the link form, ``HTTPS://<HUB>/V/`` + the COSE bytes as digits, which a phone's own camera
offers to open (an alphanumeric segment, then a numeric one).

zlib is not used: on our credentials (about 190 bytes, a third of them
signature, key id, credential id and hashes) it makes the payload larger; see
docs/credential-format.md for the measurement.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from credentials import base45
from credentials.errors import MalformedInput

if TYPE_CHECKING:
    import segno
    from PIL import Image

# segno (drawing) and Pillow with zxing-cpp (reading photos) are imported by the functions
# that use them: reading QR text loads neither, and drawing does not load the photo reader.

PREFIX = "FC1:"
ERROR_CORRECTION = "q"
MAX_QR_TEXT = 4296
"""Alphanumeric capacity of a version 40 QR code at ECC L: nothing longer can come from a QR."""
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
MAX_DECODED_BYTES = 48 * 1024 * 1024
"""The memory a photo may take while it is read, counted from its header before any pixel
is decoded (:func:`decoded_bytes`): a PNG of 300 KB can stand for 300 MB of pixels."""
PHOTO_FORMATS = ("PNG", "JPEG", "WEBP")
"""What phones send; any other format is refused unread."""
JPEG_READ_SIDE = 2048
"""A JPEG is decoded straight to grey at 1/2, 1/4 or 1/8 scale while both sides stay at
least this long: a QR code in a phone's photo still reads, at a fraction of the memory."""
PRINT_DPI = 300

LINK_PATH = "/V/"
MAX_LINK_TEXT = 7089 + 256
"""Numeric capacity of a version 40 QR code at ECC L, and room for the hub's address."""
BLOCK_BYTES = 7
BLOCK_DIGITS = 17
"""Seven bytes (below 2**56) written as 17 decimal digits: 8.1 bits a byte in numeric mode."""
_DIGITS_FOR = {size: len(str(256**size - 1)) for size in range(1, BLOCK_BYTES + 1)} | {0: 0}
_BYTES_FOR = {digits: size for size, digits in _DIGITS_FOR.items()}
_LINK = re.compile(r"(https?://[^/?#\s]+)/v/([0-9]*)", re.IGNORECASE | re.ASCII)
_HOST = re.compile(r"[0-9A-Z.\-]+(:[0-9]{1,5})?", re.ASCII)
"""A host (and port) the QR alphanumeric set can hold once upper-cased."""


def to_qr_text(cose: bytes) -> str:
    return PREFIX + base45.encode(cose)


def to_digits(data: bytes) -> str:
    """``data`` as decimal digits: each block of seven bytes as 17 digits, a last shorter
    block of k bytes as the fewest digits that hold any k bytes (3, 5, 8, 10, 13, 15), so
    leading zero bytes and the length come back exactly."""
    blocks = (data[i : i + BLOCK_BYTES] for i in range(0, len(data), BLOCK_BYTES))
    return "".join(str(int.from_bytes(b, "big")).zfill(_DIGITS_FOR[len(b)]) for b in blocks)


def from_digits(digits: str) -> bytes:
    """The bytes :func:`to_digits` wrote; anything it cannot have written is refused."""
    if not isinstance(digits, str) or not re.fullmatch(r"[0-9]*", digits, re.ASCII):
        raise MalformedInput("the link's credential must be digits only")
    if len(digits) % BLOCK_DIGITS not in _BYTES_FOR:
        raise MalformedInput("the link's credential has a wrong number of digits")
    out = bytearray()
    for start in range(0, len(digits), BLOCK_DIGITS):
        block = digits[start : start + BLOCK_DIGITS]
        size = _BYTES_FOR[len(block)]
        value = int(block)
        if value >= 256**size:
            raise MalformedInput("the link's credential has a block out of range")
        out += value.to_bytes(size, "big")
    return bytes(out)


def link_origin(base_url: str) -> str:
    """``HTTPS://HUB.EXAMPLE.ORG`` for ``https://hub.example.org/``: upper case, so the link's
    first part is one alphanumeric segment. A hub under a path, with a query, a user or a
    host outside letters, digits, dots and hyphens is refused (a path is case-sensitive)."""
    scheme, _, rest = base_url.strip().partition("://")
    host = rest.removesuffix("/").upper()
    if scheme.lower() not in ("http", "https") or not _HOST.fullmatch(host):
        raise ValueError(f"not a hub address a link can start with: {base_url!r}")
    return f"{scheme.upper()}://{host}"


def to_qr_link(cose: bytes, base_url: str) -> str:
    """The link form: ``HTTPS://<HUB>/V/`` and the COSE bytes as digits (:func:`to_digits`)."""
    return link_origin(base_url) + LINK_PATH + to_digits(cose)


def printed_qr_text(cose: bytes, hub_url: str | None) -> str:
    """What a printed card's QR holds: the link when the hub's address is known, a link
    can start with it (a phone's own camera opens it) and its QR is no larger than the
    plain form's, else ``FC1:`` text (the cards are sized for the plain form; measured in
    docs/credential-format.md)."""
    if hub_url:
        return _printed(bytes(cose), hub_url)
    return to_qr_text(cose)


@lru_cache(maxsize=1024)
def _printed(cose: bytes, hub_url: str) -> str:
    """Cached: a credential's pages ask again and again, and sizing a QR takes a few ms."""
    plain = to_qr_text(cose)
    try:
        link = to_qr_link(cose, hub_url)
    except ValueError:
        return plain
    return link if qr_version(link) <= qr_version(plain) else plain


def is_qr_text(text: str) -> bool:
    """Whether ``text`` (white space around it aside) has the shape of either QR form."""
    text = text.strip()
    return text.startswith(PREFIX) or _LINK.fullmatch(text) is not None


def from_qr_text(text: str) -> bytes:
    """The COSE bytes of QR text, ``FC1:`` + base45 or the link form (scheme and host in
    any case, ``/V/`` or ``/v/``); surrounding white space is ignored."""
    if not isinstance(text, str):
        raise MalformedInput("QR text must be a string")
    if len(text) > MAX_LINK_TEXT:
        raise MalformedInput("QR text is longer than any QR code can hold")
    stripped = text.strip()
    link = _LINK.fullmatch(stripped)
    if link:
        return from_digits(link[2])
    if len(text) > MAX_QR_TEXT + 16:
        raise MalformedInput("QR text is longer than any QR code can hold")
    if not stripped.startswith(PREFIX):
        raise MalformedInput(f"QR text must start with {PREFIX} or be a verify link")
    return base45.decode(stripped[len(PREFIX) :])


def _segments(text: str) -> list[tuple[str, int | None]]:
    """A link as its address (alphanumeric when upper case) and its digits (numeric mode);
    any other text as one segment in the mode that suits it."""
    from segno.consts import MODE_NUMERIC

    link = _LINK.fullmatch(text)
    if link and link[2]:
        return [(text[: link.start(2)], None), (link[2], MODE_NUMERIC)]
    return [(text, None)]


def _symbol(text: str) -> segno.QRCode:
    import segno

    # segno takes a list of (content, mode) segments; its annotation names only one value.
    segments: Any = _segments(text)
    return segno.make(segments, error=ERROR_CORRECTION, boost_error=False, micro=False)


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


@dataclass(frozen=True)
class PhotoReading:
    """What a photo gave: the QR text found, if any; ``too_large`` when it was refused
    unread for what decoding it would cost."""

    text: str | None
    too_large: bool = False


_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}
"""Pillow's bytes per pixel in memory for a decoded mode; 4 for every other one (it holds
RGB, two-band and 16-bit colour images as 4 bytes a pixel)."""
_SCAN_BYTES_PER_PIXEL = 2
"""The QR reader's own copies of the grey picture (a binarised one, smaller scales)."""


def decoded_bytes(image: Image.Image, *, full_size: tuple[int, int] | None = None) -> int:
    """The bytes reading ``image`` will take, from its header only: the decoded picture in
    its mode, the grey copy made from it, the QR reader's copies; for a progressive JPEG,
    libjpeg's coefficients of the whole picture at ``full_size`` (before any draft scale)."""
    pixels = image.width * image.height
    per_pixel = _BYTES_PER_PIXEL.get(image.mode, 4)
    if image.format == "WEBP":
        per_pixel *= 2  # decoded into a buffer, then copied into the image
    grey = 0 if image.mode == "L" else 1
    total = pixels * (per_pixel + grey + _SCAN_BYTES_PER_PIXEL)
    if image.format == "JPEG" and image.info.get("progressive"):
        width, height = full_size or image.size
        layers = getattr(image, "layer", None) or [("", 1, 1, 0)] * len(image.getbands())
        most = max(h * v for _, h, v, _ in layers) or 1
        # 64 coefficients of 2 bytes for each 8 x 8 block of each component.
        total += sum(width * height * h * v // most * 2 for _, h, v, _ in layers)
    return total


def read_qr_photo(image_bytes: bytes) -> PhotoReading:
    """The text of the first QR code found in a PNG, JPEG or WebP photo; never raises.

    The photo's header is read first: a format outside :data:`PHOTO_FORMATS`, more than
    :data:`MAX_IMAGE_PIXELS`, or more than :data:`MAX_DECODED_BYTES` to decode (a JPEG
    after its draft scale) is refused before any pixel is decoded."""
    if not isinstance(image_bytes, bytes) or len(image_bytes) > MAX_IMAGE_BYTES:
        return PhotoReading(None, too_large=isinstance(image_bytes, bytes))
    import zxingcpp
    from PIL import Image

    try:
        with Image.open(io.BytesIO(image_bytes), formats=PHOTO_FORMATS) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                return PhotoReading(None, too_large=True)
            full_size = image.size
            if image.format == "JPEG":
                image.draft("L", (JPEG_READ_SIDE, JPEG_READ_SIDE))
            if decoded_bytes(image, full_size=full_size) > MAX_DECODED_BYTES:
                return PhotoReading(None, too_large=True)
            image.load()
            grey = image if image.mode == "L" else image.convert("L")
            barcodes = zxingcpp.read_barcodes(
                grey, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
            )
    except (OSError, ValueError, Image.DecompressionBombError, RuntimeError, EOFError):
        return PhotoReading(None)
    texts = [barcode.text for barcode in barcodes if barcode.valid]
    preferred = [text for text in texts if is_qr_text(text)]
    found = preferred or texts
    return PhotoReading(found[0] if found else None)


def decode_qr_image(image_bytes: bytes) -> str | None:
    """The text of the first QR code found in a photo (:func:`read_qr_photo`), or None;
    never raises."""
    return read_qr_photo(image_bytes).text
