"""The hub's xAPI forwarder drains a synced backlog batch after batch instead of one
batch per interval, survives a failed round, and each organisation's overview counts only
its own centres' statements."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from hub.ingest import Hub
from hub.simulate import enrol, push
from hub.xapi import BATCH, forward_forever, outbox_status
from sync.simulate import ScriptedNode
from tests.helpers.lrs import BASE, FakeLrs


@contextmanager
def forwarding(hub: Hub, url: str, *, interval_s: float = 0.5) -> Iterator[threading.Thread]:
    """The forwarder on its own thread, stopped and joined however the test ends (a
    thread left running would use the store after the fixture closed it)."""
    done = threading.Event()
    thread = threading.Thread(
        target=forward_forever,
        kwargs={
            "store": hub.store,
            "lrs_url": url,
            "base_url": BASE,
            "auth": None,
            "stop": done,
            "interval_s": interval_s,
        },
        daemon=True,
    )
    thread.start()
    try:
        yield thread
    finally:
        done.set()
        thread.join(5)


def wait_until_sent(hub: Hub, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if outbox_status(hub.store)["pending"] == 0:
            return True
        time.sleep(0.05)
    return False


def test_a_backlog_is_drained_batch_after_batch(sqlite_hub: Hub, lrs: tuple[FakeLrs, str]) -> None:
    fake, url = lrs
    node = ScriptedNode.create("node-b")
    enrol(sqlite_hub, node)
    node.backlog(BATCH * 3)  # a sitting and a credential each: six full batches
    push(sqlite_hub, node)
    assert outbox_status(sqlite_hub.store) == {"statements": BATCH * 6, "pending": BATCH * 6}
    with forwarding(sqlite_hub, url, interval_s=600):
        # One batch per interval would need an hour; batch after batch, it takes seconds.
        assert wait_until_sent(sqlite_hub, 60.0), outbox_status(sqlite_hub.store)
    assert len(fake.statements) == BATCH * 6


def test_a_failed_round_does_not_end_forwarding(sqlite_hub: Hub, lrs: tuple[FakeLrs, str]) -> None:
    fake, url = lrs
    node = ScriptedNode.create("node-f")
    enrol(sqlite_hub, node)
    node.backlog(2)
    push(sqlite_hub, node)
    sqlite_hub.store.execute("ALTER TABLE xapi_outbox RENAME TO xapi_outbox_away")
    with forwarding(sqlite_hub, url) as thread:
        time.sleep(0.3)  # a round or more fails: no such table
        assert thread.is_alive()
        sqlite_hub.store.execute("ALTER TABLE xapi_outbox_away RENAME TO xapi_outbox")
        assert wait_until_sent(sqlite_hub, 3.0)
    assert len(fake.statements) == 4


def test_the_overview_counts_only_the_organisations_statements(sqlite_hub: Hub) -> None:
    ours = ScriptedNode.create("node-ours", seed=1)
    enrol(sqlite_hub, ours)
    ours.backlog(2)
    push(sqlite_hub, ours)
    theirs = ScriptedNode.create("node-theirs", seed=2)
    enrol(sqlite_hub, theirs)
    sqlite_hub.store.execute(
        "UPDATE nodes SET organisation = 'other' WHERE node_id = 'node-theirs'"
    )
    theirs.backlog(3)
    push(sqlite_hub, theirs)
    assert outbox_status(sqlite_hub.store, "university") == {"statements": 4, "pending": 4}
    assert outbox_status(sqlite_hub.store, "other") == {"statements": 6, "pending": 6}
    assert outbox_status(sqlite_hub.store)["statements"] == 10
