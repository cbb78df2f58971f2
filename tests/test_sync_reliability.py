"""Exactly once over a bad link: randomized cuts, resume cost, truthful reports."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from hub.app import create_app
from hub.ingest import Hub
from hub.server import BackgroundServer
from hub.simulate import enrol
from sync.client import SyncReport, acked_seq, sync_once
from sync.eventlog import head
from sync.simulate import ScriptedNode
from tests.helpers.links import LinkEmulator


@pytest.fixture
def link(sqlite_hub: Hub) -> Iterator[LinkEmulator]:
    server = BackgroundServer(create_app(sqlite_hub)).start()
    emulator = LinkEmulator(server.port).start()
    yield emulator
    emulator.stop()
    server.stop()


def sync(node: ScriptedNode, hub: Hub, url: str, **options: object) -> SyncReport:
    return sync_once(
        db=node.db,
        node_key=node.key,
        node_id=node.node_id,
        hub_url=url,
        hub_key=hub.root_key.public_key,
        timeout_s=5,
        **options,  # type: ignore[arg-type]
    )


def hub_events(hub: Hub, node_id: str) -> list[tuple[int, bytes]]:
    return [
        (int(seq), bytes(digest))
        for seq, digest in hub.store.query(
            "SELECT seq, hash FROM events WHERE node_id = ? AND branch = 0 ORDER BY seq",
            [node_id],
        )
    ]


def node_events(node: ScriptedNode) -> list[tuple[int, bytes]]:
    return [
        (int(seq), bytes(digest))
        for seq, digest in node.db.execute("SELECT seq, hash FROM events ORDER BY seq")
    ]


def assert_truthful(report: SyncReport, node: ScriptedNode, hub: Hub) -> None:
    """The report never claims more than the hub holds, nor failure after success."""
    held = len(hub_events(hub, node.node_id))
    assert report.last_ack == acked_seq(node.db) <= held
    assert report.pending == head(node.db)[0] - report.last_ack
    if report.ok:
        assert report.last_error is None and report.pending == 0 and held == head(node.db)[0]
    else:
        assert report.last_error


@pytest.mark.slow
def test_randomized_cuts_end_exactly_once(sqlite_hub: Hub, link: LinkEmulator) -> None:
    rng = random.Random(20261123)
    nodes = [ScriptedNode.create(f"node-{i}", seed=i + 1) for i in range(4)]
    for node in nodes:
        enrol(sqlite_hub, node)
    runs = 0
    for _ in range(52):
        for node in nodes:
            new = rng.randint(0, 6)
            for _ in range(new):
                node.sit_and_issue(node.register())
            # The first attempt is cut at a random offset inside its traffic.
            link.add_cuts([rng.randint(1, 2_000 + 500 * new)])
            for _attempt in range(20):
                report = sync(
                    node, sqlite_hub, link.url, max_batch_bytes=rng.choice([2048, 4096, 16384])
                )
                assert_truthful(report, node, sqlite_hub)
                if report.ok:
                    break
            else:
                pytest.fail(f"{node.node_id} never completed: {report.last_error}")
            link.clear_cuts()
            assert hub_events(sqlite_hub, node.node_id) == node_events(node)
            runs += 1
    cuts = link.stats.cuts_done
    assert runs >= 200 and cuts >= 150
    total = sum(head(node.db)[0] for node in nodes)
    assert sqlite_hub.store.scalar("SELECT count(*) FROM events") == total
    credentials = sum(node.status_index for node in nodes)
    assert sqlite_hub.store.scalar("SELECT count(*) FROM credentials") == credentials


def test_resume_costs_at_most_the_batch_in_flight(sqlite_hub: Hub, link: LinkEmulator) -> None:
    node = ScriptedNode.create("node-r")
    enrol(sqlite_hub, node)
    for _ in range(120):
        node.sit_and_issue(node.register())
    link.add_cuts([12_000])
    first = sync(node, sqlite_hub, link.url, max_batch_bytes=4096)
    assert not first.ok and "link broke" in (first.last_error or "")
    assert 0 < first.last_ack < 360
    held_before = len(hub_events(sqlite_hub, "node-r"))
    second = sync(node, sqlite_hub, link.url, max_batch_bytes=4096)
    assert second.ok
    # Re-sent: only what the hub had not acknowledged, i.e. no more than the cut batch.
    assert second.events_sent == 360 - first.last_ack
    assert held_before - first.last_ack <= max(first.events_sent, 1)
    assert hub_events(sqlite_hub, "node-r") == node_events(node)


def test_cut_answer_after_store_is_a_no_op_on_retry(sqlite_hub: Hub, link: LinkEmulator) -> None:
    node = ScriptedNode.create("node-s")
    enrol(sqlite_hub, node)
    for _ in range(10):
        node.sit_and_issue(node.register())
    stored: list[int] = []

    def cut_after_store() -> None:
        stored.append(1)
        if len(stored) == 1:
            link.add_cuts([1])  # the answer to this batch never arrives

    sqlite_hub.after_store = cut_after_store
    first = sync(node, sqlite_hub, link.url)
    assert not first.ok and first.last_ack == 0 and first.pending == 30
    assert len(hub_events(sqlite_hub, "node-s")) == 30  # stored, unacknowledged
    sqlite_hub.after_store = None
    second = sync(node, sqlite_hub, link.url)
    assert second.ok and second.events_sent == 0 and second.last_ack == 30
    assert sqlite_hub.store.scalar("SELECT count(*) FROM credentials") == 10


def test_lossy_link_delivers_exactly_once_and_a_cut_costs_the_batch_in_flight(
    sqlite_hub: Hub,
) -> None:
    server = BackgroundServer(create_app(sqlite_hub)).start()
    # Fast and short so the test is quick, but losing one segment in five.
    lossy = LinkEmulator(
        server.port, rate_bits_s=2_000_000, delay_s=0.002, loss=0.2, segment_bytes=512
    ).start()
    try:
        node = ScriptedNode.create("node-l")
        enrol(sqlite_hub, node)
        for _ in range(60):
            node.sit_and_issue(node.register())
        lossy.add_cuts([6_000])
        first = sync(node, sqlite_hub, lossy.url, max_batch_bytes=2048)
        # The cut usually falls inside a request; when it falls on a kept-alive connection
        # between two, nothing is in flight and the next request opens another.
        assert first.last_ack == 180 if first.ok else 0 < first.last_ack < 180
        second = sync(node, sqlite_hub, lossy.url, max_batch_bytes=2048)
        assert second.ok, second.last_error
        assert second.events_sent == 180 - first.last_ack
        assert lossy.stats.cuts_done == 1 and lossy.stats.segments_lost > 0
        assert hub_events(sqlite_hub, "node-l") == node_events(node)
    finally:
        lossy.stop()
        server.stop()
