"""The bounded pools the servers run CPU-heavy work in: never more at once than their
workers, a short line, then a refusal the servers answer 503 with Retry-After."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest

from sync.pools import WORKER_NICENESS, Busy, Pool


def pool(*, workers: int = 1, queue: int = 1, queue_wait_s: float = 5.0) -> Pool:
    return Pool("test", workers=workers, queue=queue, queue_wait_s=queue_wait_s, retry_after_s=7)


def test_no_more_run_at_once_than_the_workers() -> None:
    tested = pool(workers=2, queue=10)
    lock = threading.Lock()
    running, most = 0, 0

    def work() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        threading.Event().wait(0.02)
        with lock:
            running -= 1

    async def main() -> None:
        await asyncio.gather(*(tested.run(work) for _ in range(8)))

    asyncio.run(main())
    assert most == 2
    assert tested.in_flight == 0


def test_a_call_beyond_the_line_is_refused_at_once() -> None:
    tested = pool(workers=1, queue=1)
    release = threading.Event()

    async def main() -> None:
        first = asyncio.ensure_future(tested.run(release.wait))
        second = asyncio.ensure_future(tested.run(release.wait))
        await asyncio.sleep(0)
        with pytest.raises(Busy) as refused:
            await tested.run(release.wait)
        assert refused.value.retry_after_s == 7
        release.set()
        assert await first and await second

    asyncio.run(main())


def test_a_call_that_waited_its_time_in_line_is_refused_and_never_runs() -> None:
    tested = pool(workers=1, queue=1, queue_wait_s=0.05)
    release = threading.Event()
    ran: list[str] = []

    async def main() -> None:
        first = asyncio.ensure_future(tested.run(release.wait))
        await asyncio.sleep(0)
        with pytest.raises(Busy):
            await tested.run(ran.append, "late")
        release.set()
        assert await first

    asyncio.run(main())
    assert ran == []
    assert tested.in_flight == 0


def test_a_started_call_is_not_cut_short_by_the_wait() -> None:
    tested = pool(workers=1, queue_wait_s=0.01)

    def slow() -> str:
        threading.Event().wait(0.1)
        return "done"

    assert asyncio.run(tested.run(slow)) == "done"


def test_an_error_of_the_work_reaches_the_caller() -> None:
    def fails() -> None:
        raise ValueError("bad photo")

    with pytest.raises(ValueError, match="bad photo"):
        asyncio.run(pool().run(fails))


def test_its_threads_give_way_to_the_event_loop() -> None:
    """A worker thread runs at a lower priority than the loop's (on Linux, per thread)."""

    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    assert asyncio.run(pool().run(niceness)) == min(19, niceness() + WORKER_NICENESS)


def test_an_error_of_a_call_longer_than_the_wait_reaches_the_caller() -> None:
    def slow_failure() -> None:
        threading.Event().wait(0.05)
        raise ValueError("wrong password")

    with pytest.raises(ValueError, match="wrong password"):
        asyncio.run(pool(queue_wait_s=0.01).run(slow_failure))
