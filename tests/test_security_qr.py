"""A photo posted to a public verify page (the centre's, on a Raspberry Pi) is untrusted:
what it may cost to read, and that a real photo still reads."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from PIL import Image

from credentials.qr import decode_qr_image, qr_png, to_qr_text

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
