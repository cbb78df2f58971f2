"""Shared, generic fixtures: the shipped content loaded once, deterministic keys."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from content.documents import content_files
from content.loading import SHIPPED, Catalogue, load_catalogue
from credentials.keys import SigningKey
from edge_node.node import Node
from hub.ingest import Hub
from hub.simulate import simulated_hub
from hub.store import open_store


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
    from test_hub_store import PG_URL, postgres_or_skip

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
    from tests.test_edge_assessment import make_template

    return make_template(tmp_path_factory.mktemp("edge-template"))


@pytest.fixture
def node(template: Path, tmp_path: Path) -> Iterator[Node]:
    from tests.test_edge_assessment import copied_node

    yield from copied_node(template, tmp_path)
