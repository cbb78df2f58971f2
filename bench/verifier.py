"""Benchmark of the offline web verifier: what a phone's first visit costs and how fast a
verdict comes.

A hub with some centres (and credentials, one revoked) runs on a port; Debian's Chromium
visits ``/verifier/`` once, on a 360x640 screen. The first load is every byte the server
sent until the service worker kept everything and the background refresh was done
(bodies as sent, gzipped where the browser asked, plus header bytes). The verdict time
is from the QR text in hand to the verdict on screen, with the CPU throttled 4x (CDP
``Emulation.setCPUThrottlingRate``), over several pasted credentials, genuine and revoked.
Last, with the network off, the page is opened again: the time until it is ready (its
kept list read and checked). The last line of output is one JSON object of the figures.

    python bench/verifier.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from credentials.qr import to_qr_text
from hub.nodes import revoke_credential
from hub.server import BackgroundServer
from hub.settings import HubSettings
from hub.simulate import enrol, push, simulated_hub
from hub.store import SqliteStore
from hub.web.app import create_web_app
from sync.simulate import ScriptedNode

CHROMIUM = "/usr/bin/chromium"
GOALS = {"first_load_kb": 150, "verdict_ms": 100}


class Counted:
    """ASGI middleware counting the bytes the server sends: bodies and header lines."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.sent = 0
        self.requests: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.requests.append(scope["path"])

        async def counting(message: Any) -> None:
            if message["type"] == "http.response.start":
                self.sent += len("HTTP/1.1 200 OK\r\n\r\n")
                self.sent += sum(len(k) + len(v) + 4 for k, v in message.get("headers", []))
            elif message["type"] == "http.response.body":
                self.sent += len(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, counting)


def build_hub(folder: Path, centres: int) -> tuple[Any, list[str]]:
    """A hub with ``centres`` enrolled centres, two credentials each, the second revoked."""
    hub = simulated_hub(SqliteStore(folder / "hub.db"))
    texts = []
    for number in range(centres):
        node = ScriptedNode.create(f"centre-{number:03d}", seed=number + 1)
        enrol(hub, node)
        for name in ("Amina Otieno", "Baraka Mwangi"):
            texts.append(to_qr_text(node.sit_and_issue(node.register(), name=name)))
        push(hub, node)
        credential_id = hub.store.scalar(
            "SELECT credential_id FROM credentials WHERE node_id = ? AND status_index = 2",
            [node.node_id],
        )
        revoke_credential(
            hub.store, hub.root_key, node.node_id, str(credential_id), "bench", staff="bench",
            now=datetime.now(UTC),
        )  # fmt: skip
    return hub, texts


def measure(url: str, counter: Counted, texts: list[str], rounds: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(viewport={"width": 360, "height": 640})
        page = context.new_page()
        counter.sent = 0
        counter.requests.clear()
        page.goto(f"{url}/verifier/")
        page.wait_for_selector("body[data-refreshed]")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.wait_for_timeout(300)  # any fetch the worker started on activation
        first_load = counter.sent
        requests = len(counter.requests)

        cdp = context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        times = []
        reasons: dict[str, int] = {}
        for turn in range(rounds):
            text = texts[turn % len(texts)]
            page.fill("#text", text)
            page.click("#check")
            page.wait_for_function(
                f"document.getElementById('verdict').dataset.count === '{turn + 1}'"
            )
            times.append(float(page.get_attribute("#verdict", "data-ms") or "nan"))
            reason = page.get_attribute("#verdict", "data-reason") or ""
            reasons[reason] = reasons.get(reason, 0) + 1
        context.set_offline(True)
        page.reload()
        page.wait_for_selector("body[data-ready]")
        offline_open_ms = float(page.get_attribute("body", "data-ready-ms") or "nan")
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        browser.close()
    return {
        "first_load_bytes": first_load,
        "first_load_requests": requests,
        "verdict_ms": times,
        "reasons": reasons,
        "offline_open_ms": offline_open_ms,
    }


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer centres and verdicts")
    options = parser.parse_args()
    centres, rounds = (10, 10) if options.quick else (100, 40)
    with tempfile.TemporaryDirectory() as folder:
        hub, texts = build_hub(Path(folder), centres)
        counter = Counted(create_web_app(hub, HubSettings(name="Bench", session_secret="s" * 32)))
        server = BackgroundServer(counter).start()
        try:
            trust_list_bytes = len(hub.store.scalar(
                "SELECT data FROM pull_items WHERE kind = 'trust' ORDER BY item_id DESC LIMIT 1"
            ))  # fmt: skip
            result = measure(server.url, counter, texts, rounds)
        finally:
            server.stop()
            hub.store.close()
    times = result["verdict_ms"]
    figures = {
        "centres": centres,
        "trust_list_bytes": trust_list_bytes,
        "first_load_kb": round(result["first_load_bytes"] / 1024, 1),
        "first_load_requests": result["first_load_requests"],
        "verdict_ms_median": round(statistics.median(times), 1),
        "verdict_ms_max": round(max(times), 1),
        "verdicts": len(times),
        "offline_open_ms": round(result["offline_open_ms"]),
        "cpu_throttling": 4,
        "reasons": result["reasons"],
    }
    rows = [
        ("hub", f"{centres} centres, trust list {trust_list_bytes:,} B"),
        (
            "first load",
            f"{figures['first_load_kb']} KB in {figures['first_load_requests']} requests, "
            f"everything kept for offline (goal <= {GOALS['first_load_kb']} KB)",
        ),
        (
            "verdict",
            f"median {figures['verdict_ms_median']} ms, max {figures['verdict_ms_max']} ms over "
            f"{len(times)} pasted credentials, CPU 4x throttled "
            f"(goal <= {GOALS['verdict_ms']} ms)",
        ),
        (
            "offline",
            f"opens and has checked its kept list in {figures['offline_open_ms']} ms, network "
            "off, CPU 4x throttled",
        ),
        ("reasons", ", ".join(f"{k} {v}" for k, v in sorted(result["reasons"].items()))),
    ]
    for name, text in rows:
        print(f"{name:>12}  {text}")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
