"""Shared, generic fixtures: the shipped content loaded once, deterministic keys."""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from content.documents import content_files
from content.loading import SHIPPED, Catalogue, load_catalogue
from credentials.keys import SigningKey
from edge_node.demo import DemoInfo, prepare_demo
from edge_node.node import Node, open_node
from edge_node.web.app import create_app
from hub.app import create_app as create_hub_app
from hub.forks import accept_branch
from hub.ingest import Hub
from hub.server import BackgroundServer
from hub.simulate import push, simulated_hub
from hub.store import SqliteStore, open_store
from tests.helpers.cli import hub_cli
from tests.helpers.lrs import FakeLrs
from tests.helpers.nodes import WORKER, copied_node, make_template
from tests.helpers.restores import restored_after_backup
from tests.helpers.shared_slots import NODE as SHARED_NODE
from tests.helpers.shared_slots import NOW, Shared, on_slot_2
from tests.helpers.stores import PG_URL, postgres_or_skip

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Command-line errors are drawn in boxes as wide as the terminal: a long temporary
    path (a worker's own folder when the suite runs in parallel) would break a word the
    tests look for across two lines. Tests of narrow rendering set their own width."""
    monkeypatch.setenv("COLUMNS", "1000")


# Cheap argon2 parameters in tests, set through the nodes' settings (as an operator would):
# the tests check who gets in, not the strength of the hash (tests/test_edge_pin_hashes.py
# changes them).
os.environ.setdefault("FIELDCRED_EDGE_PASSWORD_TIME_COST", "1")
os.environ.setdefault("FIELDCRED_EDGE_PASSWORD_MEMORY_KIB", "64")


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The shipped green-skills modules and pathways, validated, loaded once per session."""
    if not content_files(SHIPPED):
        pytest.skip(f"no module or pathway files under {SHIPPED} yet")
    return load_catalogue()


def _seeded_key(label: str) -> SigningKey:
    return SigningKey.from_seed(hashlib.sha256(label.encode("utf-8")).digest())


@pytest.fixture
def seeded_key() -> Callable[[str], SigningKey]:
    """A function giving the same Ed25519 key for the same label: ``seeded_key("university")``."""
    return _seeded_key


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh hub database on each store: a SQLite file, or a PostgreSQL schema of its
    own (skipped with a message where no PostgreSQL server answers)."""
    if request.param == "sqlite":
        yield str(tmp_path / "hub.db")
        return
    import psycopg

    postgres_or_skip()
    schema = f"hub_test_{secrets.token_hex(4)}"
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def hub(hub_store_url: str) -> Iterator[Hub]:
    """A migrated hub with the simulated university root, on each store."""
    store = open_store(hub_store_url)
    try:
        yield simulated_hub(store)
    finally:
        store.close()


@pytest.fixture
def cheap_staff_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hub staff passwords hashed with argon2 at its lowest cost, for tests that log in
    many times: they check the throttle and the sessions, not the hash's strength."""
    from argon2 import PasswordHasher

    from hub import staff

    cheap = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)
    monkeypatch.setattr(staff, "_hasher", cheap)
    monkeypatch.setattr(staff, "_UNKNOWN", cheap.hash("no staff member has this password"))


# -- an edge node copied from a per-module template (the edge tests' common start) ----------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template(tmp_path_factory.mktemp("edge-template"))


@pytest.fixture
def node(template: Path, tmp_path: Path) -> Iterator[Node]:
    yield from copied_node(template, tmp_path)


@pytest.fixture
def worker(node: Node) -> TestClient:
    """The node's worker, logged in through the JSON API (a bearer token)."""
    client = TestClient(create_app(node))
    token = client.post("/api/v1/login", json={"username": WORKER[0], "password": WORKER[1]})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['token']}"
    return client


@pytest.fixture
def sqlite_hub(tmp_path: Path) -> Iterator[Hub]:
    """A migrated hub with the simulated university root, on a SQLite file only (for tests
    of what the store does not change)."""
    store = SqliteStore(tmp_path / "hub.db")
    try:
        yield simulated_hub(store)
    finally:
        store.close()


@pytest.fixture
def served(hub: Hub) -> Iterator[BackgroundServer]:
    """The hub's sync API served on a local port."""
    server = BackgroundServer(create_hub_app(hub)).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sync_api(hub: Hub) -> TestClient:
    """A client of the hub's sync API that gets the server's answer even to a crash."""
    return TestClient(create_hub_app(hub), raise_server_exceptions=False)


@pytest.fixture
def shared_slot(hub: Hub, tmp_path: Path) -> Shared:
    """A restored node that issued again on the slot its first credential had, and the
    hub's staff accepted the restored branch: two credentials on one slot."""
    _, restored = restored_after_backup(hub, tmp_path, seed=9, node_id=SHARED_NODE)
    restored.backlog(1)
    push(hub, restored, after=3)
    (original,) = on_slot_2(hub)
    accept_branch(
        hub.store, "university", SHARED_NODE, 1, staff="wanjiru", reason="restored", now=NOW
    )
    (again,) = on_slot_2(hub) - {original}
    return Shared(restored, original, again)


@pytest.fixture
def lrs() -> Iterator[tuple[FakeLrs, str]]:
    """A learning record store on a local port, and its statements address."""
    fake = FakeLrs()
    server = BackgroundServer(fake.app).start()
    try:
        yield fake, f"{server.url}/xapi"
    finally:
        server.stop()


@pytest.fixture
def hub_data(tmp_path: Path) -> Path:
    """A hub's data folder made by ``fieldcred hub init``."""
    code, out = hub_cli("init", "--data", str(tmp_path / "hub"), "--name", "Maseno")
    assert code == 0, out
    return tmp_path / "hub"


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoInfo]:
    """A demo centre (shipped modules, a demo root), made once per module."""
    data = tmp_path_factory.mktemp("demo")
    return data, prepare_demo(data)


@pytest.fixture
def demo(demo_template: tuple[Path, DemoInfo], tmp_path: Path) -> Iterator[tuple[Node, DemoInfo]]:
    """A copy of the demo centre of its own, open."""
    data = tmp_path / "node"
    shutil.copytree(demo_template[0], data)
    node = open_node(data)
    yield node, demo_template[1]
    node.close()
