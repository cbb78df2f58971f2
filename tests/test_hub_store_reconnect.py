"""PostgreSQL restarted, failed over or dropped the hub's connection: the request in
flight gets a 503 (the node retries, staff reload) and the next one connects again,
instead of every request failing with a 500 until the hub is restarted."""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Iterator

import psycopg
import pytest

from hub.app import create_app
from hub.ingest import Hub
from hub.simulate import enrol, simulated_hub
from hub.store import PostgresStore, StoreUnavailable
from sync.simulate import ScriptedNode
from tests.helpers.stores import PG_URL, postgres_or_skip

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def drop_connection(store: PostgresStore) -> None:
    pid = store.scalar("SELECT pg_backend_pid()")
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.fixture
def pg_hub() -> Iterator[Hub]:
    """A hub on a PostgreSQL schema of its own (a SQLite file has no connection to lose)."""
    postgres_or_skip()
    schema = f"hub_test_{secrets.token_hex(4)}"
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    store = PostgresStore(f"{PG_URL}?options=-csearch_path%3D{schema}")
    try:
        hub = simulated_hub(store)
        enrol(hub, ScriptedNode.create("node-pg"))
        yield hub
    finally:
        store.close()
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def test_a_lost_connection_is_a_503_then_the_hub_connects_again(pg_hub: Hub) -> None:
    assert isinstance(pg_hub.store, PostgresStore)
    client = TestClient(create_app(pg_hub), raise_server_exceptions=False)
    assert client.get("/trust-list").status_code == 200
    drop_connection(pg_hub.store)
    lost = client.get("/trust-list")
    assert lost.status_code == 503 and lost.json()["error"] == "store_unavailable"
    assert client.get("/trust-list").status_code == 200


def test_a_transaction_cut_off_is_refused_whole_and_the_next_one_works(pg_hub: Hub) -> None:
    store = pg_hub.store
    assert isinstance(store, PostgresStore)
    with pytest.raises(StoreUnavailable), store.transaction():
        store.execute("UPDATE nodes SET name = 'changed' WHERE node_id = 'node-pg'")
        drop_connection(store)
        store.execute("UPDATE nodes SET alert = 'x' WHERE node_id = 'node-pg'")
    assert store.scalar("SELECT name FROM nodes WHERE node_id = 'node-pg'") != "changed"
    with store.transaction():
        store.execute("UPDATE nodes SET name = 'later' WHERE node_id = 'node-pg'")
    assert store.scalar("SELECT name FROM nodes WHERE node_id = 'node-pg'") == "later"
