"""Does the paper scan? The real A4 certificate and A6 pocket card, as a phone would see them.

A demo node (``prepare_demo(seed=True)``) issues a credential to a learner with a
40-character name; its print pages are rendered by Debian's Chromium with the print
style sheet at 150 dpi (a screenshot of the printed element at 150/96 device pixels
per CSS pixel). Each picture is then degraded over a grid of phone-like conditions
(scale of the 150 dpi picture, rotation, Gaussian blur, uneven lighting, JPEG quality)
and read by zxing-cpp directly and by ``credentials.qr.decode_qr_image`` (what the
``/verify`` pages use). It prints the module size in mm, the QR version, the decode rate
per card and condition, and ends with one JSON line. The goal: at least 95 % read in the
cells with scale >= 50 %, blur <= 1 px and JPEG quality >= 60, on both cards.

    python bench/scan.py [--quick] [--keep DIR]
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import math
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.edge import free_port, start_server  # noqa: E402
from credentials.languages import LANGUAGES  # noqa: E402
from credentials.qr import decode_qr_image, qr_version, to_qr_text  # noqa: E402
from edge_node import learners  # noqa: E402
from edge_node.demo import SEED_LEARNER, WORKER, _pass_one_module, prepare_demo  # noqa: E402
from edge_node.node import open_node  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
DPI = 150
LONG_NAME = "Achieng Wanjiru Otieno-Kamau Nyambura Ak"
assert len(LONG_NAME) == 40
LONGEST_MODULE = "soil-health"
"""The shipped module with the most outcome text (in French): the fullest certificate."""
CARDS = {
    # card: (page suffix, printed element, printable width in mm: page less its margins)
    "A4": ("/certificate", ".certificate", 210 - 2 * 12),
    "A6": ("/card", ".pocket", 148 - 2 * 5),
}
FULL = {
    "scale": (0.3, 0.4, 0.5, 0.7, 1.0),
    "angle": (0, 5, 15),
    "blur": (0.0, 0.5, 1.0, 1.5),
    "quality": (40, 60, 90),
    "lighting": ("even", "uneven"),
}
QUICK = {
    "scale": (0.3, 0.5, 1.0),
    "angle": (0, 15),
    "blur": (0.0, 1.0),
    "quality": (60,),
    "lighting": ("uneven",),
}


@dataclass(frozen=True)
class Printed:
    card: str
    image: Image.Image
    qr_mm: float
    version: int
    clipped: tuple[str, ...]
    """Languages in which the QR, its line or an outcome does not fit on the printed card."""

    @property
    def module_mm(self) -> float:
        return self.qr_mm / (4 * self.version + 17 + 8)  # the symbol and its quiet zone


def issue_credentials(data_dir: Path) -> dict[str, tuple[str, str]]:
    """The demo's seeded credential and one for a 40-character name: label -> (id, QR text)."""
    prepare_demo(data_dir, seed=True)
    node = open_node(data_dir)
    try:
        details = learners.LearnerDetails(
            name=LONG_NAME, village="Kisumu", language="en", consent=True
        )
        learner = learners.register(node, details, by="bench")
        worker = node.db.execute("SELECT id FROM accounts WHERE username = ?", [WORKER[0]])
        _pass_one_module(node, learner.code, by=worker.fetchone()[0], module_id=LONGEST_MODULE)
        rows = node.db.execute(
            "SELECT c.id, c.cose, l.name FROM credentials c JOIN learners l "
            "ON l.id = c.learner_id WHERE l.name IN (?, ?)",
            [SEED_LEARNER, LONG_NAME],
        ).fetchall()
    finally:
        node.close()
    labels = {SEED_LEARNER: "reference", LONG_NAME: "40-character name"}
    return {labels[name]: (cid, to_qr_text(bytes(cose))) for cid, cose, name in rows}


def render(base: str, credential_id: str, text: str) -> list[Printed]:
    """Both print pages of one credential at 150 dpi, as the print style sheet lays them out."""
    from playwright.sync_api import sync_playwright

    printed = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        for card, (suffix, element, width_mm) in CARDS.items():
            width = math.ceil(width_mm / 25.4 * 96)
            context = browser.new_context(
                viewport={"width": width, "height": 1200}, device_scale_factor=DPI / 96
            )
            page = context.new_page()
            page.goto(base + "/login")
            page.fill("#username", WORKER[0])
            page.fill("#password", WORKER[1])
            with page.expect_navigation():
                page.click("button.wide")
            page.emulate_media(media="print")
            clipped = []
            for lang in reversed(LANGUAGES):  # English last: the one scanned
                context.add_cookies([{"name": "fc_lang", "value": lang, "url": base}])
                page.goto(f"{base}/credentials/{credential_id}{suffix}")
                if not _inside(page, element):
                    clipped.append(lang)
            shot = page.locator(element).screenshot()
            box = page.locator(f"{element} .qr svg").bounding_box()
            assert box is not None
            image = Image.open(io.BytesIO(shot)).convert("L")
            mm = box["width"] * 25.4 / 96
            printed.append(Printed(card, image, mm, qr_version(text), tuple(clipped)))
            context.close()
        browser.close()
    return printed


def _inside(page: Any, element: str) -> bool:
    """Whether the QR, the line under it and every outcome lie wholly inside the printed card."""
    card = page.locator(element).bounding_box()
    inner = [page.locator(f"{element} .qr svg").bounding_box()]
    caption = page.locator(f"{element} .qr + *, {element} .qr figcaption")
    if caption.count():
        inner.append(caption.first.bounding_box())
    overflowing = page.evaluate(
        "sel => [...document.querySelectorAll(sel)].some(e => e.scrollHeight > e.clientHeight + 1)",
        f"{element} ul",
    )
    return not overflowing and all(
        box is not None
        and box["x"] >= card["x"]
        and box["y"] >= card["y"]
        and box["x"] + box["width"] <= card["x"] + card["width"] + 0.5
        and box["y"] + box["height"] <= card["y"] + card["height"] + 0.5
        for box in inner
    )


def _lighting(size: tuple[int, int]) -> Image.Image:
    """A shadow across the card: full light in one corner, 45 % in the opposite one."""
    ramp = Image.linear_gradient("L").rotate(35, resample=Image.Resampling.BILINEAR, expand=True)
    ramp = ramp.crop((60, 60, ramp.width - 60, ramp.height - 60)).resize(size)
    return ramp.point(lambda v: 255 - int(v * 0.55))


def degrade(
    image: Image.Image, scale: float, angle: float, blur: float, quality: int, lighting: str
) -> bytes:
    """The picture as a phone would hand it over: a JPEG."""
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    out = image.resize(size, Image.Resampling.LANCZOS)
    if angle:
        out = out.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=235)
    if blur:
        out = out.filter(ImageFilter.GaussianBlur(blur))
    if lighting == "uneven":
        out = ImageChops.multiply(out, _lighting(out.size))
    buffer = io.BytesIO()
    out.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def read_zxing(jpeg: bytes) -> list[str]:
    import zxingcpp

    with Image.open(io.BytesIO(jpeg)) as image:
        found = zxingcpp.read_barcodes(
            image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
        )
    return [barcode.text for barcode in found if barcode.valid]


def in_goal(cell: dict[str, Any]) -> bool:
    return bool(cell["scale"] >= 0.5 and cell["blur"] <= 1.0 and cell["quality"] >= 60)


def measure(printed: Printed, text: str, grid: dict[str, tuple[Any, ...]]) -> list[dict[str, Any]]:
    cells = []
    for values in itertools.product(*grid.values()):
        cell = dict(zip(grid, values, strict=True))
        jpeg = degrade(printed.image, **cell)
        cell["zxing"] = text in read_zxing(jpeg)
        cell["project"] = decode_qr_image(jpeg) == text
        cells.append(cell)
    return cells


def rate(cells: list[dict[str, Any]], reader: str) -> float:
    return round(100 * sum(cell[reader] for cell in cells) / len(cells), 1) if cells else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smaller grid (under a minute)")
    parser.add_argument("--keep", type=Path, help="save the 150 dpi renderings in this folder")
    args = parser.parse_args()
    grid = QUICK if args.quick else FULL
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is needed to render the print pages (apt install chromium)")
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="fieldcred-bench-scan-"))
    credentials = issue_credentials(workdir / "node")
    versions = {label: qr_version(text) for label, (_, text) in credentials.items()}
    port = free_port()
    command = [sys.executable, "-m", "edge_node", "serve", "--data", str(workdir / "node")]
    server, _ = start_server([*command, "--port", str(port)], port, {})
    try:
        credential_id, text = credentials["40-character name"]
        printed = render(f"http://127.0.0.1:{port}", credential_id, text)
    finally:
        server.terminate()
        server.wait(timeout=10)
    summary: dict[str, Any] = {"bench": "scan", "quick": args.quick, "qr_version": versions}
    print(f"QR version (ECC Q): {versions}")
    for item in printed:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            item.image.save(args.keep / f"{item.card}.png", dpi=(DPI, DPI))
        cells = measure(item, text, grid)
        goal = [cell for cell in cells if in_goal(cell)]
        print(
            f"\n{item.card}: QR {item.qr_mm:.1f} mm wide with its quiet zone, module "
            f"{item.module_mm:.2f} mm, version {item.version}, rendered {item.image.size} px; "
            f"QR, its line or outcomes cut off in: {', '.join(item.clipped) or 'no language'}"
        )
        print("  scale angle blur  jpeg lighting  zxing project")
        for cell in cells:
            print(
                f"  {cell['scale']:>5.0%} {cell['angle']:>5} {cell['blur']:>4} {cell['quality']:>5}"
                f" {cell['lighting']:>8}  {'ok' if cell['zxing'] else '--':>5}"
                f" {'ok' if cell['project'] else '--':>7}"
            )
        by_scale = {
            f"{scale:.0%}": rate([c for c in cells if c["scale"] == scale], "project")
            for scale in grid["scale"]
        }
        summary[item.card] = {
            "qr_mm": round(item.qr_mm, 1),
            "module_mm": round(item.module_mm, 3),
            "clipped_in": list(item.clipped),
            "all_percent": {"zxing": rate(cells, "zxing"), "project": rate(cells, "project")},
            "goal_percent": {"zxing": rate(goal, "zxing"), "project": rate(goal, "project")},
            "goal_cells": len(goal),
            "project_percent_by_scale": by_scale,
        }
        print(
            f"  read in the goal cells: {summary[item.card]['goal_percent']}; by scale {by_scale}"
        )
    summary["goal_met"] = all(
        summary[card]["goal_percent"]["project"] >= 95 for card in CARDS if card in summary
    )
    summary["seconds"] = round(time.perf_counter() - started, 1)
    shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
