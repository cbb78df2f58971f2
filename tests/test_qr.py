"""QR text and images: prefix + base45, alphanumeric mode at ECC Q, print-size PNG read back."""

from __future__ import annotations

import dataclasses
import io
import re
import zlib
from datetime import UTC, datetime

import pytest
import segno
import zxingcpp
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageFilter

from credentials.issuance import issue
from credentials.keys import SigningKey
from credentials.qr import (
    PREFIX,
    decode_qr_image,
    from_qr_text,
    qr_png,
    qr_svg,
    qr_version,
    to_qr_text,
)
from credentials.sample import sample_credential

COSE = issue(
    SigningKey.from_seed(bytes(range(32))),
    sample_credential(datetime(2026, 3, 14, 9, 30, tzinfo=UTC), bytes(8)),
)
TEXT = to_qr_text(COSE)


@given(st.binary(max_size=400))
def test_text_round_trip(data: bytes) -> None:
    text = to_qr_text(data)
    assert text.startswith(PREFIX)
    assert re.fullmatch(r"[0-9A-Z $%*+\-./:]*", text)  # QR alphanumeric set only
    assert from_qr_text(text) == data
    assert from_qr_text(f"  {text}\n") == data


def test_symbol_is_alphanumeric_at_ecc_q() -> None:
    symbol = segno.make(TEXT, error="q", boost_error=False, micro=False)
    assert symbol.mode == "alphanumeric"
    assert symbol.error == "Q"
    assert qr_version(TEXT) == symbol.version <= 13


def test_print_size_png_decodes_to_identical_bytes() -> None:
    png = qr_png(TEXT)
    with Image.open(io.BytesIO(png)) as image:
        assert round(image.info["dpi"][0]) == 300
        assert image.width >= 500  # about 4 cm at 300 dpi
    decoded = decode_qr_image(png)
    assert decoded == TEXT
    assert from_qr_text(decoded) == COSE


def test_photo_like_jpeg_decodes() -> None:
    with Image.open(io.BytesIO(qr_png(TEXT, scale=6))) as image:
        photo = Image.new("RGB", (image.width + 400, image.height + 300), (205, 200, 190))
        photo.paste(image.convert("RGB"), (180, 120))
    photo = photo.rotate(7, expand=True, fillcolor=(205, 200, 190))
    photo = photo.filter(ImageFilter.GaussianBlur(1.2))
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=70)
    assert decode_qr_image(buffer.getvalue()) == TEXT


def test_svg() -> None:
    svg = qr_svg(TEXT)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg
    assert 'viewBox="0 0 ' in svg and 'width="' in svg  # scales under CSS, never crops


def test_images_without_a_qr_code_give_none() -> None:
    blank = io.BytesIO()
    Image.new("L", (200, 200), 255).save(blank, format="PNG")
    assert decode_qr_image(blank.getvalue()) is None
    assert decode_qr_image(b"\x89PNG\r\n\x1a\n broken") is None
    assert decode_qr_image(b"") is None


def test_zlib_does_not_pay_on_a_credential() -> None:
    # The measurement behind the format's choice (docs/credential-format.md §2).
    compressed = zlib.compress(COSE, 9)
    assert len(compressed) > len(COSE)
    assert qr_version(to_qr_text(compressed)) >= qr_version(TEXT)


LARGEST = issue(
    SigningKey.from_seed(bytes(range(32))),
    dataclasses.replace(
        sample_credential(datetime(2026, 3, 14, 9, 30, tzinfo=UTC), bytes(16)),
        issuer="n" * 64,
        subject="s" * 64,
        module_id="m" * 64,
        holder_name=("Ngʼangʼa Wanjirũ " * 6)[:100],  # two-byte letters, the longest name
        outcomes=(True,) * 64,
        expires_at=datetime(2031, 3, 14, 9, 30, tzinfo=UTC),
        evidence_hash=bytes(32),
        pathway=True,
    ),
)


@pytest.mark.parametrize("cose", [COSE, LARGEST], ids=["reference", "largest"])
def test_printed_symbol_reads_back_at_ecc_q_and_fits_an_a6_card(cose: bytes) -> None:
    # A phone reads modules of 0.5 mm or more; an A6 card is 105 mm wide.
    text = to_qr_text(cose)
    png = qr_png(text)
    with Image.open(io.BytesIO(png)) as image:
        dpi = image.info["dpi"][0]
        symbol_mm = image.width / dpi * 25.4
        module_mm = symbol_mm / (4 * qr_version(text) + 17 + 8)
        (barcode,) = zxingcpp.read_barcodes(image.convert("L"))
    assert barcode.valid and barcode.text == text and barcode.ec_level == "Q"
    assert module_mm >= 0.5 and symbol_mm <= 90
    assert qr_version(text) <= (13 if cose is COSE else 22)
