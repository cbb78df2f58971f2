"""The hub store on SQLite and PostgreSQL: the same code path, named migrations, ingest.

PostgreSQL tests use 127.0.0.1:5432 (database ``test``), each in a schema of its own,
and skip with a message when nothing answers there.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.ingest import answer
from hub.simulate import enrol, simulated_hub
from hub.store import MIGRATIONS, PostgresStore, SqliteStore, Store, migrate, open_store
from sync.client import SyncReport, apply_ack, batch_message
from sync.eventlog import read_events
from sync.protocol import read_signed
from sync.simulate import ScriptedNode
from tests.helpers.stores import postgres_or_skip


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        opened: Store = open_store(str(tmp_path / "hub.db"))
        yield opened
        opened.close()
        return
    import psycopg

    url = postgres_or_skip()
    schema = f"hub_test_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    opened = open_store(f"{url}?options=-csearch_path%3D{schema}")
    assert isinstance(opened, PostgresStore)
    try:
        yield opened
    finally:
        opened.close()
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def test_open_store_picks_the_dialect(tmp_path: Path) -> None:
    assert isinstance(open_store(str(tmp_path / "a.db")), SqliteStore)
    assert isinstance(open_store(f"sqlite:///{tmp_path / 'b.db'}"), SqliteStore)


def test_migrations_are_named_and_run_once(store: Store) -> None:
    assert migrate(store) == [name for name, _ in MIGRATIONS]
    assert migrate(store) == []
    names = [r[0] for r in store.query("SELECT name FROM hub_migrations ORDER BY name")]
    assert names == sorted(name for name, _ in MIGRATIONS)


def test_a_hub_of_an_older_version_migrates_with_its_data(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hub made before fork decisions, revocation slots and alert codes (0001-0005),
    with a forked node and credentials, gains the later migrations on either store."""
    monkeypatch.setattr("hub.store.MIGRATIONS", MIGRATIONS[:5])
    migrate(store)
    monkeypatch.undo()
    fork_alert = (
        "fork: this node's log differs from what the hub already holds after seq 3 "
        "(restored from an old backup, or a cloned card?). Its events are kept but held "
        "for staff review (branch 1)"
    )
    store.executemany(
        "INSERT INTO nodes (node_id, name, organisation, enrolled_at, alert) "
        "VALUES (?, ?, ?, ?, ?)",
        [("n1", "A", "org", 1, fork_alert), ("n2", "B", "org", 1, None)],
    )
    store.executemany(
        "INSERT INTO branches (node_id, branch, parent, base_seq, tip_seq, tip_hash, held, "
        "created_at) VALUES ('n1', ?, ?, ?, 5, ?, ?, 1)",
        [(0, None, 0, b"h" * 32, 0), (1, 0, 3, b"f" * 32, 1)],
    )
    store.executemany(
        "INSERT INTO credentials (credential_id, node_id, seq, learner_id, subject, module_id, "
        "module_version, pathway, score_percent, issued_at, received_at, time_flag, "
        "status_index, status, cose) VALUES (?, 'n1', ?, 'l', 's', 'm', '1', 0, 90, 1, 1, 0, "
        "?, 'active', ?)",
        [("c1", 2, 1, b"c"), ("c2", 4, 5, b"c")],
    )
    assert migrate(store) == [name for name, _ in MIGRATIONS[5:]]
    assert store.query("SELECT node_id, slot_floor, alert_detail FROM nodes ORDER BY 1") == [
        ("n1", 5, '{"branch": 1, "code": "fork", "seq": 3}'),
        ("n2", None, None),
    ]
    assert migrate(store) == []


def test_transaction_rolls_back_everything(store: Store) -> None:
    migrate(store)
    with pytest.raises(RuntimeError), store.transaction():
        store.execute(
            "INSERT INTO nodes (node_id, name, organisation, enrolled_at) VALUES (?, ?, ?, ?)",
            ["n1", "Node", "org", 1],
        )
        with store.transaction():  # nested: joins the outer one
            store.execute(
                "INSERT INTO nodes (node_id, name, organisation, enrolled_at) VALUES (?, ?, ?, ?)",
                ["n2", "Node", "org", 1],
            )
        raise RuntimeError("power cut")
    assert store.scalar("SELECT count(*) FROM nodes") == 0


def test_ingest_and_replay_on_both_stores(store: Store) -> None:
    hub = simulated_hub(store)
    node = ScriptedNode.create("node-p")
    enrol(hub, node)
    for _ in range(20):
        node.sit_and_issue(node.register("Amina Otieno", birth_year=1990))
    wire = batch_message(node.db, node.key, "node-p", read_events(node.db, after=0), b"n" * 8)
    reply = read_signed(answer(hub, wire), hub.root_key.public_key, "hub").fields
    assert reply["ack"] == 60 and reply["quarantined"] == []
    report = SyncReport(ok=False, pending=60, last_ack=0)
    assert apply_ack(node.db, reply, report) == 60
    assert store.scalar("SELECT count(*) FROM credentials") == 20
    assert store.scalar("SELECT count(*) FROM events") == 60
    cose = store.scalar("SELECT cose FROM credentials ORDER BY seq LIMIT 1")
    assert isinstance(cose, bytes) and cose[:1] == b"\xd2"
    again = read_signed(answer(hub, wire), hub.root_key.public_key, "hub").fields
    assert again["ack"] == 60
    assert store.scalar("SELECT count(*) FROM events") == 60
