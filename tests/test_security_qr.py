"""A photo posted to a public verify page (the centre's, on a Raspberry Pi) is untrusted:
what it may cost to read, and that a real photo still reads."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from credentials.qr import MAX_DECODED_BYTES, decode_qr_image, qr_png, read_qr_photo, to_qr_text
from tests.helpers import photos

TEXT = to_qr_text(bytes(range(180)))

READ_WITHIN_100_MIB = """
import resource, sys
import PIL.Image, zxingcpp
from credentials.qr import decode_qr_image
data = open(sys.argv[1], "rb").read()
in_use = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
limit = in_use + 100 * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
print(decode_qr_image(data))
"""

READ_WITHIN_THE_BOUND = """
import resource, sys
import PIL.Image, zxingcpp
from credentials.qr import read_qr_photo
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
reading = read_qr_photo(data)
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(reading.text, reading.too_large, grown * 1024)
"""


def read_bounded(tmp_path: Path, data: bytes) -> str:
    """What reading ``data`` gave (text, refused), in a process of its own, once its peak
    memory is seen to have grown by less than the bound."""
    photo = tmp_path / "photo"
    photo.write_bytes(data)
    read = subprocess.run(
        [sys.executable, "-c", READ_WITHIN_THE_BOUND, str(photo)], capture_output=True, text=True
    )
    assert read.returncode == 0, read.stderr[-400:]
    text, refused, grown = read.stdout.strip().rsplit(" ", 2)
    assert int(grown) < MAX_DECODED_BYTES, f"the peak grew by {int(grown) >> 20} MB"
    return f"{text} {refused}"


@pytest.mark.parametrize(
    "name",
    ["16-bit RGBA PNG", "16-bit grey PNG", "1-bit palette PNG", "progressive JPEG", "CMYK JPEG"],
)
def test_a_small_photo_that_decodes_to_hundreds_of_mb_is_refused_unread(
    tmp_path: Path, name: str
) -> None:
    """A 308 KB PNG of 6,300 x 6,300 16-bit RGBA pixels passed the pixel limit and took
    300 MB to read: what decoding costs is counted from the header, and refused."""
    data = photos.made(name)
    assert len(data) < 2 * 1024 * 1024
    assert read_bounded(tmp_path, data) == "None True"


def test_a_format_phones_do_not_send_is_refused_unread() -> None:
    assert read_qr_photo(photos.made("TIFF")).text is None


def test_a_phone_screenshot_of_a_qr_code_reads_within_the_bound(tmp_path: Path) -> None:
    with Image.open(io.BytesIO(qr_png(TEXT, scale=10))) as symbol:
        screen = Image.new("RGBA", (1080, 2400), (255, 255, 255, 255))
        screen.paste(symbol.convert("RGBA"), (100, 600))
    buffer = io.BytesIO()
    screen.save(buffer, "PNG")
    assert read_bounded(tmp_path, buffer.getvalue()) == f"{TEXT} False"


FUZZ_WITHIN_THE_BOUND = """
import io, resource, struct, sys, zlib
from hypothesis import HealthCheck, given, settings, strategies as st
import PIL.Image, zxingcpp
from PIL import Image
from credentials.qr import MAX_DECODED_BYTES, PhotoReading, read_qr_photo, qr_png, to_qr_text

sys.path.insert(0, sys.argv[1])
from tests.helpers.photos import SIGNATURE, chunk

SEEDS = [qr_png(to_qr_text(bytes(range(60))), scale=2)]
for fmt in ("JPEG", "WEBP"):
    buffer = io.BytesIO()
    Image.open(io.BytesIO(SEEDS[0])).convert("RGB").save(buffer, fmt)
    SEEDS.append(buffer.getvalue())


@st.composite
def png_headers(draw):
    width = draw(st.integers(1, 70_000))
    height = draw(st.integers(1, 70_000))
    depth, colour = draw(st.sampled_from(
        [(1, 0), (8, 0), (16, 0), (8, 2), (16, 2), (1, 3), (8, 3), (8, 4), (16, 4), (8, 6), (16, 6)]
    ))
    body = zlib.compress(draw(st.binary(max_size=200)) + bytes(draw(st.integers(0, 300_000))))
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    chunks = [chunk(b"IHDR", header)]
    if colour == 3:
        chunks.append(chunk(b"PLTE", bytes(6)))
    chunks += [chunk(b"IDAT", body[: draw(st.integers(0, len(body)))]), chunk(b"IEND", b"")]
    return SIGNATURE + b"".join(chunks)


truncated = st.builds(
    lambda seed, cut, junk: seed[:cut] + junk,
    st.sampled_from(SEEDS), st.integers(0, 4000), st.binary(max_size=64),
)

before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@settings(max_examples=150, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(st.one_of(st.binary(max_size=2000), truncated, png_headers()))
def fuzz(data):
    assert isinstance(read_qr_photo(data), PhotoReading)


fuzz()
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
print("ok" if grown < MAX_DECODED_BYTES else f"the peak grew by {grown >> 20} MB")
"""


def test_random_and_truncated_photos_never_raise_nor_pass_the_bound() -> None:
    """Random bytes, real photos cut short, PNG headers of any size and depth over any
    data: an answer every time, and the process's peak memory grows by less than the bound."""
    root = Path(__file__).resolve().parent.parent
    fuzz = subprocess.run(
        [sys.executable, "-c", FUZZ_WITHIN_THE_BOUND, str(root)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert fuzz.returncode == 0 and fuzz.stdout.strip() == "ok", fuzz.stderr[-1500:]


def test_a_small_jpeg_of_many_pixels_is_read_within_100_mib(tmp_path: Path) -> None:
    """A 600 KB JPEG of 6,300 x 6,300 pixels was read whole in colour, then in grey
    (160 MB): a few at once from the hotspot would exhaust a Pi's memory."""
    photo = tmp_path / "flat.jpg"
    Image.new("RGB", (6300, 6300), (200, 200, 200)).save(photo, "JPEG", quality=50)
    assert photo.stat().st_size < 1024 * 1024
    read = subprocess.run(
        [sys.executable, "-c", READ_WITHIN_100_MIB, str(photo)], capture_output=True, text=True
    )
    assert read.returncode == 0 and read.stdout.strip() == "None", read.stderr[-300:]


def test_a_qr_code_in_a_large_phone_photo_still_reads() -> None:
    with Image.open(io.BytesIO(qr_png(TEXT, scale=12))) as symbol:
        photo = Image.new("RGB", (6000, 4500), (205, 200, 190))
        photo.paste(symbol.convert("RGB"), (2400, 1500))
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=80)
    assert decode_qr_image(buffer.getvalue()) == TEXT
