"""Bounded thread pools for the servers' CPU-heavy work, so that it never runs on the event
loop and never takes more than its share of memory.

Each pool runs at most ``workers`` calls at once; a call that finds them all taken waits
in line for at most ``queue_wait_s``, and when the line is already ``queue`` long, or the
wait runs out, it is refused with :class:`Busy` (the servers answer 503 with
``Retry-After``). The pools belong to the process: the bound holds whatever app or event
loop calls them. Their threads run at a lower priority (nice +10) than the event loop's:
on a board's few cores, a learner's next question comes before a stranger's photo.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class Busy(Exception):
    """Every worker of a pool stayed taken: try again in ``retry_after_s`` seconds."""

    def __init__(self, pool: str, retry_after_s: int) -> None:
        super().__init__(f"the {pool} pool is busy")
        self.pool = pool
        self.retry_after_s = retry_after_s


WORKER_NICENESS = 10


def _lower_priority() -> None:
    """Lower this worker thread's priority (Linux schedules threads one by one); where
    that is not possible, it keeps the loop's."""
    with contextlib.suppress(AttributeError, OSError):
        thread = threading.get_native_id()
        niceness = os.getpriority(os.PRIO_PROCESS, thread) + WORKER_NICENESS
        os.setpriority(os.PRIO_PROCESS, thread, min(19, niceness))


class Pool:
    def __init__(
        self, name: str, *, workers: int, queue: int, queue_wait_s: float, retry_after_s: int
    ) -> None:
        self.name = name
        self.workers = workers
        self.queue = queue
        self.queue_wait_s = queue_wait_s
        self.retry_after_s = retry_after_s
        self.in_flight = 0
        """Calls running or waiting in line, from any event loop (under ``_counting``)."""
        self._counting = threading.Lock()
        self._executor = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix=name, initializer=_lower_priority
        )

    async def run(self, fn: Callable[..., T], /, *args: object) -> T:
        """``fn(*args)`` on one of the pool's threads, or :class:`Busy`."""
        with self._counting:
            if self.in_flight >= self.workers + self.queue:
                raise Busy(self.name, self.retry_after_s)
            self.in_flight += 1
        try:
            future = self._executor.submit(fn, *args)
            waiting = asyncio.wrap_future(future)
            try:
                return await asyncio.wait_for(asyncio.shield(waiting), self.queue_wait_s)
            except TimeoutError:
                if future.cancel():  # still in line: it never started
                    raise Busy(self.name, self.retry_after_s) from None
                return await waiting  # started: let it finish
            except asyncio.CancelledError:
                waiting.cancel()  # the client went away: dropped if it has not started
                raise
        finally:
            with self._counting:
                self.in_flight -= 1


PHOTOS = Pool("photos", workers=2, queue=4, queue_wait_s=3.0, retry_after_s=5)
"""Photos of QR codes: each may take up to ``credentials.qr.MAX_DECODED_BYTES`` (48 MiB)
while it is read, so two at once."""
PASSWORDS = Pool("passwords", workers=2, queue=48, queue_wait_s=15.0, retry_after_s=10)
"""argon2 hashes and checks of passwords (and of learners' PINs hashed with argon2 before
they were keyed hashes, each once): at the edge node's cost 12 MiB and about 0.12 s each
(docs/security.md), so two at once; a burst of log-ins waits its turn in line (a waiting
call costs next to nothing)."""
DRAWING = Pool("drawing", workers=2, queue=16, queue_wait_s=5.0, retry_after_s=5)
"""QR codes drawn for pages (about 15 ms each) and other page rendering too slow for the
loop."""
