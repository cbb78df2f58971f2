"""Benchmark of the edge node: cold start, memory, throughput and latency under simulated
learners, issuance rate, page sizes.

The server runs pinned to core 0 (``taskset -c 0 python -m fieldcred edge serve``: what
the ``fieldcred`` console script runs, so its memory counts every package's CLI that the
script loads), with the environment the centre admin's guide sets in the node's systemd
unit, on a demo node with the shipped modules; its idle memory is also measured without
that environment. This driver runs on core 1 with a
small keep-alive HTTP/1.1 client, so the load generator costs the server nothing. Each
simulated learner joins a session, fetches and answers every item, submits, and the worker
scores the checklist, which issues the credential. A "hostile neighbour" phase runs the
same 50 learners while another client on the hotspot posts, in a loop, a photo made to cost
the most to read (a 308 KB PNG of 6,300 x 6,300 16-bit RGBA pixels, made here) and wrong
passwords (the node's lockout is raised for the run, so each one costs a full argon2 check,
as from a client that changes its address). The last line of output is one JSON object.

    python bench/edge.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from content.grading import correct_answer  # noqa: E402
from content.model import Module  # noqa: E402
from edge_node.demo import prepare_demo  # noqa: E402
from edge_node.node import open_node  # noqa: E402

MODULE = "soil-health"
GUIDE = ROOT / "docs" / "guide-centre-admin.md"


# -- a minimal keep-alive HTTP/1.1 client ---------------------------------------------------


class Connection:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, bytes, float]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        payload = b"" if body is None else json.dumps(body).encode()
        head = [f"{method} {path} HTTP/1.1", "Host: bench", f"Content-Length: {len(payload)}"]
        if body is not None:
            head.append("Content-Type: application/json")
        if token:
            head.append(f"Authorization: Bearer {token}")
        started = time.perf_counter()
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        status_line = await self.reader.readline()
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
        data = await self.reader.readexactly(length)
        elapsed = time.perf_counter() - started
        return int(status_line.split()[1]), data, elapsed


# -- measurements ------------------------------------------------------------------------


def worst_case_png(side: int = 6300) -> bytes:
    """A PNG of ``side`` x ``side`` 16-bit RGBA pixels, all zero: about 300 KB on the wire,
    320 MB once decoded."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", side, side, 16, 6, 0, 0, 0)
    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + side * 8)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants, in MB."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except OSError:
            continue
    total_kb = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        stack.extend(children.get(current, []))
        try:
            with open(f"/proc/{current}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


def high_water_mb(pid: int) -> float:
    """The most resident memory ``pid`` has held since it started (VmHWM), in MB: a
    peak no sampling can miss, however short the burst (a log-in's argon2 hash)."""
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def guide_environment() -> dict[str, str]:
    """The ``Environment=`` lines of the systemd unit in the centre admin's guide."""
    text = GUIDE.read_text(encoding="utf-8")
    return dict(re.findall(r"^Environment=(\w+)=(\S*)$", text, re.MULTILINE))


def start_server(command: list[str], port: int, environment: dict[str, str]) -> tuple[Any, float]:
    """Start the server; it and the seconds to its first 200."""
    import httpx

    started = time.perf_counter()
    server = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, env={**os.environ, **environment}
    )
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                return server, time.perf_counter() - started
        except httpx.TransportError:
            pass
        if server.poll() is not None:
            raise SystemExit("the server exited during start-up")
        time.sleep(0.01)


def idle_rss(server: Any) -> float:
    time.sleep(1.0)
    return tree_rss_mb(server.pid)


class Bench:
    def __init__(self, port: int, module: Module) -> None:
        self.port = port
        self.module = module
        self.latencies: list[float] = []
        self.requests = 0
        self.errors = 0
        self.worker_token = ""
        self.session_code = ""

    async def call(
        self, conn: Connection, method: str, path: str, body: Any = None, token: str | None = None
    ) -> Any:
        status, data, elapsed = await conn.request(method, path, body, token)
        self.latencies.append(elapsed)
        self.requests += 1
        if status >= 400:
            self.errors += 1
            raise RuntimeError(f"{method} {path}: {status} {data[:200]!r}")
        return json.loads(data) if data[:1] in (b"{", b"[") else data

    async def setup(self) -> None:
        conn = Connection(self.port)
        login = await self.call(
            conn, "POST", "/api/v1/login", {"username": "worker", "password": "fieldcred-worker"}
        )
        self.worker_token = login["token"]
        session = await self.call(
            conn, "POST", "/api/v1/sessions", {"module_id": MODULE}, self.worker_token
        )
        self.session_code = session["code"]

    async def register(self, count: int, *, pin: str | None = None) -> list[str]:
        conn = Connection(self.port)
        codes = []
        for index in range(count):
            details = {"name": f"Bench Learner {index}", "consent": True, "language": "sw"}
            learner = await self.call(
                conn,
                "POST",
                "/api/v1/learners",
                {**details, **({"pin": pin} if pin else {})},
                self.worker_token,
            )
            codes.append(learner["code"])
        return codes

    async def join(self, conn: Connection, code: str, pin: str | None = None) -> tuple[str, str]:
        body = {"session_code": self.session_code, "learner_code": code}
        joined = await self.call(
            conn, "POST", "/api/v1/join", {**body, **({"pin": pin} if pin else {})}
        )
        return joined["token"], joined["sitting_id"]

    async def sit(self, conn: Connection, code: str, *, score: bool = True) -> str:
        token, sitting = await self.join(conn, code)
        state = await self.call(conn, "GET", f"/api/v1/sittings/{sitting}", token=token)
        for position in range(state["total"]):
            page = await self.call(
                conn, "GET", f"/api/v1/sittings/{sitting}/items/{position}", token=token
            )
            answer = correct_answer(self.module.item(page["item"]["id"]))
            await self.call(
                conn,
                "PUT",
                f"/api/v1/sittings/{sitting}/items/{position}",
                {"answer": answer},
                token,
            )
        await self.call(conn, "POST", f"/api/v1/sittings/{sitting}/submit", token=token)
        if score:
            await self.score(conn, sitting)
        return sitting

    async def score(self, conn: Connection, sitting: str) -> None:
        marks = {c.id: max(level.score for level in c.levels) for c in self.module.checklist}
        await self.call(
            conn,
            "POST",
            f"/api/v1/sittings/{sitting}/checklist",
            {"scores": marks},
            self.worker_token,
        )

    async def load(self, concurrency: int, codes: list[str], duration_s: float) -> dict[str, float]:
        self.latencies, self.requests = [], 0
        pool = iter(codes)
        deadline = time.perf_counter() + duration_s

        async def user() -> None:
            conn = Connection(self.port)
            while time.perf_counter() < deadline:
                code = next(pool, None)
                if code is None:
                    return
                await self.sit(conn, code)

        started = time.perf_counter()
        await asyncio.gather(*(user() for _ in range(concurrency)))
        wall = time.perf_counter() - started
        ordered = sorted(self.latencies)

        def pct(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

        return {
            "rps": self.requests / wall,
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "requests": self.requests,
        }


async def hostile(port: int, stop: asyncio.Event, tally: dict[str, int]) -> None:
    """Another client on the hotspot: two tabs post the worst photo to ``/verify``, two
    post wrong passwords to the API, each as soon as its last answer came."""
    import httpx

    photo = worst_case_png()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
        form = (await client.get("/verify")).text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]

        async def photos() -> None:
            while not stop.is_set():
                answer = await client.post(
                    "/verify",
                    data={"csrf": csrf, "text": ""},
                    files={"photo": ("qr.png", photo, "image/png")},
                )
                tally[f"photo_{answer.status_code}"] = (
                    tally.get(f"photo_{answer.status_code}", 0) + 1
                )

        async def passwords() -> None:
            while not stop.is_set():
                answer = await client.post(
                    "/api/v1/login", json={"username": "worker", "password": "wrong guess"}
                )
                tally[f"login_{answer.status_code}"] = (
                    tally.get(f"login_{answer.status_code}", 0) + 1
                )

        await asyncio.gather(photos(), photos(), passwords(), passwords())


async def hostile_phase(
    bench: Bench, pid: int, codes: list[str], duration: float
) -> tuple[dict[str, float], float, dict[str, int]]:
    """The 50 learners' latencies while :func:`hostile` runs, and the server's peak RSS."""
    stop = asyncio.Event()
    tally: dict[str, int] = {}
    neighbour = asyncio.create_task(hostile(bench.port, stop, tally))
    peak = 0.0

    async def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss_mb(pid))
            await asyncio.sleep(0.1)

    sampler = asyncio.create_task(sample())
    await asyncio.sleep(0.5)  # the neighbour is at work before the learners start
    figures = await bench.load(50, codes, duration)
    stop.set()
    await sampler
    await neighbour
    return figures, peak, tally


async def join_at_once(bench: Bench, codes: list[str], pin: str | None = None) -> float:
    """Seconds until every learner of ``codes``, all joining at the same moment, is in."""
    conns = [Connection(bench.port) for _ in codes]
    started = time.perf_counter()
    await asyncio.gather(*(bench.join(c, code, pin) for c, code in zip(conns, codes, strict=True)))
    return time.perf_counter() - started


async def run_phases(
    bench: Bench, pid: int, quick: bool
) -> tuple[dict[int, dict[str, float]], float, dict[str, float], float, tuple[Any, ...]]:
    await bench.setup()
    duration = 3.0 if quick else 12.0
    per_level = {1: 15 if quick else 60, 10: 60 if quick else 250, 50: 120 if quick else 500}
    hostile_count = 120 if quick else 500
    codes = await bench.register(
        sum(per_level.values()) + 50 + (40 if quick else 150) + hostile_count
    )
    pin_codes = await bench.register(50, pin="2468")
    hostile_codes = codes[-hostile_count:]
    codes = codes[:-hostile_count]
    results: dict[int, dict[str, float]] = {}
    peak_rss = 0.0
    sampler_stop = asyncio.Event()

    async def sample() -> None:
        nonlocal peak_rss
        while not sampler_stop.is_set():
            peak_rss = max(peak_rss, tree_rss_mb(pid))
            await asyncio.sleep(0.2)

    # The peak covers every phase: the load levels, the joins and the issuance.
    sampler = asyncio.create_task(sample())
    offset = 0
    for concurrency, count in per_level.items():
        chunk = codes[offset : offset + count]
        offset += count
        results[concurrency] = await bench.load(concurrency, chunk, duration)
        print(
            f"c={concurrency:>2}: {results[concurrency]['rps']:7.1f} req/s  "
            f"p50 {results[concurrency]['p50_ms']:6.1f} ms  "
            f"p95 {results[concurrency]['p95_ms']:6.1f} ms  "
            f"p99 {results[concurrency]['p99_ms']:6.1f} ms  "
            f"({results[concurrency]['requests']} requests)"
        )
    # 50 learners join at the same moment.
    joins = {"join50_s": await join_at_once(bench, codes[offset : offset + 50])}
    offset += 50
    # And 50 whose cards have a PIN (each checked on the way in).
    joins["join50_pin_s"] = await join_at_once(bench, pin_codes, "2468")
    # Issuance: submitted sittings, then the worker scores them as fast as the node issues.
    waiting = codes[offset:]
    conns = [Connection(bench.port) for _ in range(10)]
    sittings: list[str] = []

    async def prepare(conn: Connection, batch: list[str]) -> None:
        for code in batch:
            sittings.append(await bench.sit(conn, code, score=False))

    await asyncio.gather(*(prepare(c, waiting[i::10]) for i, c in enumerate(conns)))
    started = time.perf_counter()

    async def scorer(conn: Connection, batch: list[str]) -> None:
        for sitting in batch:
            await bench.score(conn, sitting)

    await asyncio.gather(*(scorer(c, sittings[i::4]) for i, c in enumerate(conns[:4])))
    issued_per_s = len(sittings) / (time.perf_counter() - started)
    sampler_stop.set()
    await sampler
    errors_before = bench.errors
    neighbour = await hostile_phase(bench, pid, hostile_codes, duration)
    figures, hostile_rss, tally = neighbour
    print(
        f"c=50 beside a hostile neighbour: p50 {figures['p50_ms']:6.1f} ms  "
        f"p99 {figures['p99_ms']:6.1f} ms  ({figures['requests']} requests, "
        f"{bench.errors - errors_before} failed); peak RSS {hostile_rss:.1f} MB; "
        f"neighbour's answers {dict(sorted(tally.items()))}"
    )
    return results, peak_rss, joins, issued_per_s, neighbour


def page_sizes(port: int, data_dir: Path) -> dict[str, int]:
    """Bytes of every page a learner and a worker load, fetched as a browser would."""
    import httpx

    node = open_node(data_dir)
    credential_id = node.db.execute("SELECT id FROM credentials LIMIT 1").fetchone()[0]
    session_id = node.db.execute("SELECT id FROM sessions LIMIT 1").fetchone()[0]
    node.close()
    sizes: dict[str, int] = {}
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base) as client:
        for path in ("/", "/login", "/join", "/verify"):
            sizes[path] = len(client.get(path).content)
        sizes["/static/app.css"] = len(client.get("/static/app.css").content)
        page = client.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        client.post(
            "/login", data={"csrf": csrf, "username": "worker", "password": "fieldcred-worker"}
        )
        for path in (
            "/dashboard",
            "/learners/new",
            "/sessions/new",
            f"/sessions/{session_id}",
            f"/credentials/{credential_id}",
            f"/credentials/{credential_id}/certificate",
            f"/credentials/{credential_id}/card",
        ):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            sizes[re.sub(r"/[0-9a-f]{16,}", "/ID", path)] = len(response.content)
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (under a minute)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity") and os.cpu_count() and os.cpu_count() > 1:  # type: ignore[operator]
        os.sched_setaffinity(0, {1})
    workdir = Path(tempfile.mkdtemp(prefix="fieldcred-bench-edge-"))
    data_dir = workdir / "node"
    prepare_demo(data_dir)
    node = open_node(data_dir)
    module = node.modules[MODULE]
    node.close()
    port = free_port()
    command = [
        "taskset",
        "-c",
        "0",
        sys.executable,
        "-m",
        "fieldcred",  # what the console script runs: `fieldcred edge serve`
        "edge",
        "serve",
        "--data",
        str(data_dir),
        "--port",
        str(port),
    ]
    environment = guide_environment()
    plain, _ = start_server(command, port, {})
    try:
        plain_rss = idle_rss(plain)
    finally:
        plain.terminate()
        plain.wait(timeout=10)
    # Every wrong password of the hostile phase costs a full check, none is cut short.
    lockout = {"FIELDCRED_EDGE_LOGIN_MAX_FAILURES": "1000000000"}
    server, cold_start = start_server(command, port, {**environment, **lockout})
    try:
        guide_rss = idle_rss(server)
        settings = " ".join(f"{k}={v}" for k, v in environment.items()) or "no environment"
        print(
            f"cold start to first 200: {cold_start:.2f} s; idle RSS {guide_rss:.1f} MB "
            f"as the guide runs it ({settings}), {plain_rss:.1f} MB without"
        )
        bench = Bench(port, module)
        phases = asyncio.run(run_phases(bench, server.pid, args.quick))
        results, load_rss, joins, issued, (hostile_figures, hostile_rss, _) = phases
        print(f"RSS under load: {load_rss:.1f} MB")
        print(f"50 learners joining at once: all in after {joins['join50_s']:.2f} s")
        print(f"50 learners with PINs joining at once: in after {joins['join50_pin_s']:.2f} s")
        print(f"credentials issued: {issued:.1f}/s")
        sizes = page_sizes(port, data_dir)
        for path, size in sorted(sizes.items()):
            print(f"page {path:<28} {size / 1024:6.1f} KB")
        peak_rss = high_water_mb(server.pid)
        print(f"peak RSS of the node over the whole run (VmHWM): {peak_rss:.1f} MB")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
    figures = {
        "cold_start_s": round(cold_start, 3),
        "idle_rss_mb": round(guide_rss, 1),
        "idle_rss_plain_mb": round(plain_rss, 1),
        "load_rss_mb": round(load_rss, 1),
        "rps_c1": round(results[1]["rps"], 1),
        "rps_c10": round(results[10]["rps"], 1),
        "rps_c50": round(results[50]["rps"], 1),
        "p50_ms_c50": round(results[50]["p50_ms"], 1),
        "p95_ms_c50": round(results[50]["p95_ms"], 1),
        "p99_ms_c50": round(results[50]["p99_ms"], 1),
        "join50_s": round(joins["join50_s"], 2),
        "join50_pin_s": round(joins["join50_pin_s"], 2),
        "peak_rss_mb": round(peak_rss, 1),
        "issued_per_s": round(issued, 1),
        "hostile_p99_ms_c50": round(hostile_figures["p99_ms"], 1),
        "hostile_rss_mb": round(hostile_rss, 1),
        "max_page_kb": round(max(sizes.values()) / 1024, 1),
        "errors": bench.errors,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
