"""A link emulator for tests and the benchmark: a TCP proxy that limits bandwidth, adds
delay and cuts connections at chosen byte offsets, in order and without reordering.

Each direction is a pipe: a chunk leaves the sender when the link is free
(bandwidth), then arrives ``delay_s`` later (latency). ``cuts`` are offsets in the
total byte count carried so far (both directions, every connection): when the count
reaches one, the connection carrying that byte is aborted right after it, mid-request
or mid-answer, as a dropped mobile link does.

``loss`` models TCP over a lossy link as the application sees it: bytes still arrive
whole and in order, but each TCP segment (``segment_bytes``) is lost with probability
``loss``. The sender notices after ``loss_stall_s`` (by default RTT x 1.25: the
acknowledgement of a later segment plus RACK's reorder window of a quarter RTT,
RFC 8985) and sends the segment again, taking link time again; the bytes behind it wait
for it (head-of-line blocking). While it recovers the sender goes on at 70 % of its
rate (CUBIC's decrease with proportional rate reduction, RFC 6937), so the link also
loses 30 % of the stall. A lost retransmission doubles the stall (RTO back-off).
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

RECOVERY_IDLE = 0.3
"""Share of a loss stall the link stays idle (CUBIC sends at 0.7 of its rate meanwhile)."""


@dataclass
class LinkStats:
    bytes_up: int = 0
    bytes_down: int = 0
    connections: int = 0
    cuts_done: int = 0
    segments_lost: int = 0
    """Segment transmissions lost (a retransmission lost again counts again)."""

    @property
    def total(self) -> int:
        return self.bytes_up + self.bytes_down


@dataclass
class _Direction:
    rate_bytes_s: float | None
    free_at: float = 0.0


@dataclass
class LinkEmulator:
    target_port: int
    rate_bits_s: float | None = None
    delay_s: float = 0.0
    cuts: list[int] = field(default_factory=list)
    loss: float = 0.0
    segment_bytes: int = 1460
    loss_stall_s: float | None = None
    seed: int = 0
    stats: LinkStats = field(default_factory=LinkStats)
    port: int = 0

    def __post_init__(self) -> None:
        rate = None if self.rate_bits_s is None else self.rate_bits_s / 8
        self._up = _Direction(rate)
        self._down = _Direction(rate)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.cuts = sorted(self.cuts)
        if not 0.0 <= self.loss < 1.0:
            raise ValueError("loss must be a probability below 1")
        if self.loss_stall_s is None:
            self.loss_stall_s = 2.5 * self.delay_s
        self._rng = random.Random(self.seed)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_cuts(self, offsets: Iterable[int]) -> None:
        """Cut at these offsets counted from now."""
        base = self.stats.total
        self.cuts = sorted([*self.cuts, *(base + offset for offset in offsets)])

    def clear_cuts(self) -> None:
        self.cuts = []

    def start(self) -> LinkEmulator:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result(timeout=10)
        return self

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            # Abort the open connections; their pumps then end on their own.
            for writer in list(self._writers):
                writer.transport.abort()
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            if others:
                await asyncio.wait(others, timeout=2)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def _count(self, up: bool, size: int) -> None:
        if up:
            self.stats.bytes_up += size
        else:
            self.stats.bytes_down += size

    def _send(self, direction: _Direction, size: int) -> float:
        """When ``size`` bytes sent now are all through the link, losses included."""
        rate = direction.rate_bytes_s
        start = max(time.monotonic(), direction.free_at)
        end = start + (size / rate if rate else 0.0)
        whole = end
        if self.loss:
            assert self.loss_stall_s is not None
            segment_s = self.segment_bytes / rate if rate else 0.0
            for index in range(-(-size // self.segment_bytes)):
                sent = start + (index + 1) * segment_s
                stall = self.loss_stall_s
                while self._rng.random() < self.loss:
                    self.stats.segments_lost += 1
                    end += segment_s + RECOVERY_IDLE * stall
                    sent += stall + segment_s
                    whole = max(whole, sent)
                    stall *= 2
        direction.free_at = end
        return max(end, whole)

    def _allowance(self) -> int | None:
        """Bytes that may pass before the next cut (None: no cut pending)."""
        while self.cuts and self.cuts[0] <= self.stats.total:
            self.cuts.pop(0)
        return self.cuts[0] - self.stats.total if self.cuts else None

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.stats.connections += 1
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_w.transport.abort()
            return
        cut = asyncio.Event()
        self._writers.update((client_w, server_w))

        def abort() -> None:
            cut.set()
            client_w.transport.abort()
            server_w.transport.abort()

        async def pump(
            reader: asyncio.StreamReader,
            writer: asyncio.StreamWriter,
            direction: _Direction,
            up: bool,
        ) -> None:
            queue: asyncio.Queue[tuple[float, bytes, bool] | None] = asyncio.Queue()

            async def deliver() -> None:
                while (item := await queue.get()) is not None:
                    arrive_at, chunk, last = item
                    await asyncio.sleep(max(0.0, arrive_at - time.monotonic()))
                    writer.write(chunk)
                    await writer.drain()
                    if last:
                        self.stats.cuts_done += 1
                        abort()
                        return
                if not writer.is_closing() and writer.can_write_eof():
                    writer.write_eof()

            delivery = asyncio.create_task(deliver())
            try:
                while not cut.is_set():
                    chunk = await reader.read(4096)
                    if not chunk:
                        break
                    allowance = self._allowance()
                    last = allowance is not None and len(chunk) >= allowance
                    if last and allowance is not None:
                        chunk = chunk[:allowance]
                    self._count(up, len(chunk))
                    sent_at = self._send(direction, len(chunk))
                    await queue.put((sent_at + self.delay_s, chunk, last))
                    if last:
                        break
            except (ConnectionError, OSError):
                pass
            await queue.put(None)
            try:
                await delivery
            except (ConnectionError, OSError):
                abort()

        await asyncio.gather(
            pump(client_r, server_w, self._up, True),
            pump(server_r, client_w, self._down, False),
            return_exceptions=True,
        )
        for writer in (client_w, server_w):
            writer.close()
            self._writers.discard(writer)
