"""/sync/v1 end to end over HTTP: push, acks, idempotence, pull, versions, forks, poison."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from credentials.keys import SigningKey
from hub.app import create_app
from hub.ingest import Hub
from hub.server import BackgroundServer
from hub.simulate import enrol
from sync.client import SyncReport, status, sync_once
from sync.eventlog import EventType, append_event, verify_log
from sync.simulate import ScriptedNode


@pytest.fixture
def server(hub: Hub) -> Iterator[BackgroundServer]:
    running = BackgroundServer(create_app(hub)).start()
    yield running
    running.stop()


def make_node(hub: Hub, node_id: str = "node-a", seed: int = 1) -> ScriptedNode:
    node = ScriptedNode.create(node_id, seed=seed)
    enrol(hub, node)
    return node


def sync(node: ScriptedNode, hub: Hub, server: BackgroundServer, **options: Any) -> SyncReport:
    return sync_once(
        db=node.db,
        node_key=node.key,
        node_id=node.node_id,
        hub_url=server.url,
        hub_key=hub.root_key.public_key,
        **options,
    )


def hub_seqs(hub: Hub, node_id: str, branch: int = 0) -> list[int]:
    return [
        int(r[0])
        for r in hub.store.query(
            "SELECT seq FROM events WHERE node_id = ? AND branch = ? ORDER BY seq",
            [node_id, branch],
        )
    ]


def test_push_everything_then_nothing(hub: Hub, server: BackgroundServer) -> None:
    node = make_node(hub)
    node.backlog(40)
    report = sync(node, hub, server, max_batch_bytes=2048)
    assert report.ok, report.last_error
    assert (report.pending, report.last_ack, report.events_sent) == (0, 120, 120)
    assert report.batches > 3  # sized by bytes, not all at once
    assert hub_seqs(hub, "node-a") == list(range(1, 121))
    assert hub.store.scalar("SELECT count(*) FROM credentials") == 40
    assert hub.store.scalar("SELECT count(*) FROM learners") == 40
    again = sync(node, hub, server)
    assert again.ok and again.events_sent == 0 and again.batches == 0
    assert status(node.db).pending == 0 and status(node.db).last_error is None


def test_pull_brings_trust_list_and_hub_time(hub: Hub, server: BackgroundServer) -> None:
    node = make_node(hub)
    received: list[tuple[str, bytes]] = []
    report = sync(node, hub, server, apply_item=lambda kind, data: received.append((kind, data)))
    assert report.ok and report.items_pulled == len(received) >= 1
    assert received[-1][0] == "trust"
    assert report.hub_time is not None
    again = sync(node, hub, server, apply_item=lambda kind, data: received.append((kind, data)))
    assert again.items_pulled == 0


def test_unknown_key_is_refused_and_reported(hub: Hub, server: BackgroundServer) -> None:
    stranger = ScriptedNode.create("node-x", seed=9)
    stranger.backlog(1)
    report = sync(stranger, hub, server)
    assert not report.ok
    assert "not enrolled" in (report.last_error or "")
    assert report.pending == 3 and report.last_ack == 0


def test_wrong_hub_key_is_not_believed(hub: Hub, server: BackgroundServer) -> None:
    node = make_node(hub)
    node.backlog(2)
    report = sync_once(
        db=node.db,
        node_key=node.key,
        node_id=node.node_id,
        hub_url=server.url,
        hub_key=SigningKey.from_seed(b"x" * 32).public_key,
    )
    assert not report.ok and "signature" in (report.last_error or "")
    assert report.last_ack == 0 and report.pending == 6


def test_poison_event_is_quarantined_alone(hub: Hub, server: BackgroundServer) -> None:
    node = make_node(hub)
    node.backlog(2)
    forged = ScriptedNode.create("node-a", seed=5)  # same id, another key
    forged_cose = forged.sit_and_issue("node-a-L1")
    with node.db.atomic():
        append_event(
            node.db,
            node_id="node-a",
            type=EventType.credential_issued,
            body={"cose": forged_cose, "learner": "node-a-L1"},
            at=node.clock,
            clock_quality="hub",
        )
    node.backlog(1)
    report = sync(node, hub, server)
    assert report.ok and report.pending == 0
    assert [seq for seq, _ in report.quarantined] == [7]
    assert "signature" in report.quarantined[0][1]
    assert hub.store.scalar("SELECT count(*) FROM credentials") == 3
    assert status(node.db).quarantined == report.quarantined


def test_restored_backup_forks_and_keeps_both(
    hub: Hub, server: BackgroundServer, tmp_path: Path
) -> None:
    node = make_node(hub)
    node.backlog(3)
    backup = tmp_path / "backup.db"
    node.db.conn.execute(f"VACUUM INTO '{backup}'")
    node.backlog(2)
    assert sync(node, hub, server).ok
    from sqlite_utils import Database

    restored = ScriptedNode(Database(backup), node.key, "node-a", rng=node.rng)
    restored.clock = node.clock
    restored.backlog(2)  # seqs 10..15 again, different content
    report = sync(restored, hub, server)
    assert not report.ok and "fork" in (report.last_error or "")
    assert report.pending == 0  # what it made after the restore arrived
    assert hub_seqs(hub, "node-a", 0) == list(range(1, 16))
    assert hub_seqs(hub, "node-a", 1) == list(range(10, 16))
    assert "fork" in hub.store.scalar("SELECT alert FROM nodes WHERE node_id = 'node-a'")
    # Held: the fork's credentials stay out of the registry until staff decide.
    assert hub.store.scalar("SELECT count(*) FROM credentials") == 5
    again = sync(restored, hub, server)
    assert again.events_sent == 0 and "fork" in (again.last_error or "")
    assert verify_log(restored.db, "node-a") == 15


def test_a_checklist_scored_after_submission_gives_the_final_grade(
    hub: Hub, server: BackgroundServer
) -> None:
    node = make_node(hub)
    learner = node.register()
    for type, body in (
        (
            EventType.sitting_submitted,
            {
                "id": "S-practical",
                "learner": learner,
                "module": "soil-health",
                "module_version": "1.0.0",
                "route": "course",
                "answers": {"q1": 1},
                "score_percent": 42,
                "passed": False,
            },
        ),
        (
            EventType.checklist_scored,
            {"sitting": "S-practical", "checklist": {"c1": 2}, "score_percent": 91, "passed": True},
        ),
    ):
        with node.db.atomic():
            append_event(
                node.db, node_id=node.node_id, type=type, body=body, at=node.clock,
                clock_quality="hub",
            )  # fmt: skip
    assert sync(node, hub, server).ok
    row = hub.store.one(
        "SELECT score_percent, passed, checklist_score FROM sittings WHERE sitting_id = ?",
        ["S-practical"],
    )
    assert tuple(row) == (91, 1, 91)


def test_renewed_certificate_reaches_only_its_node(hub: Hub, server: BackgroundServer) -> None:
    from credentials.certificates import read_node_certificate

    node = make_node(hub)
    other = make_node(hub, "node-b", seed=2)
    assert sync(node, hub, server).ok and sync(other, hub, server).ok
    enrol(hub, node, modules=("soil-health", "sustainable-irrigation"))  # renewal, wider scope
    mine: list[tuple[str, bytes]] = []
    theirs: list[tuple[str, bytes]] = []
    assert sync(node, hub, server, apply_item=lambda k, d: mine.append((k, d))).ok
    assert sync(other, hub, server, apply_item=lambda k, d: theirs.append((k, d))).ok
    certificates = [data for kind, data in mine if kind == "certificate"]
    assert len(certificates) == 1
    cert, _ = read_node_certificate(certificates[0])
    assert cert.modules == ("soil-health", "sustainable-irrigation")
    assert [kind for kind, _ in theirs] == ["trust"]
    node.sit_and_issue(node.register(), module="sustainable-irrigation")
    assert sync(node, hub, server).ok  # the new scope holds at once


def test_staff_see_what_was_set_aside(hub: Hub, server: BackgroundServer) -> None:
    from hub.reports import quarantined

    node = make_node(hub)
    node.backlog(1)
    with node.db.atomic():
        append_event(
            node.db,
            node_id="node-a",
            type=EventType.credential_issued,
            body={"cose": b"not a credential", "learner": "node-a-L1"},
            at=node.clock,
            clock_quality="hub",
        )
    assert sync(node, hub, server).ok
    rows = quarantined(hub.store, "university")
    assert [(r["seq"], r["type"]) for r in rows] == [(4, "credential.issued")]
    assert "malformed" in rows[0]["reason"]
