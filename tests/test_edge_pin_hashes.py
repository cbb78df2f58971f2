"""Learners' PINs are keyed hashes under a secret kept outside the database: a check costs
next to nothing, a copy of the database alone gives nothing to guess against, PINs
hashed with argon2 before still work once and are rewritten; staff passwords keep argon2
at the cost the node's settings give, made again at log-in when that cost changes."""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from edge_node import learners
from edge_node.errors import NodeNotReady
from edge_node.node import Node, open_node
from edge_node.web.app import create_app
from tests.helpers.nodes import WORKER, client_at, open_session, register

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PIN_SECRET = "pin.secret"


def _staff(node: Node) -> TestClient:
    client = TestClient(create_app(node))
    token = client.post("/api/v1/login", json={"username": WORKER[0], "password": WORKER[1]})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['token']}"
    return client


def _stored_pin(node: Node, learner_id: str) -> str:
    row = node.db.execute("SELECT pin_hash FROM learners WHERE id = ?", [learner_id]).fetchone()
    return str(row[0])


def _join(node: Node, session_code: str, code: str, pin: str) -> int:
    body = {"session_code": session_code, "learner_code": code, "pin": pin}
    return client_at(node, "10.0.0.7").post("/api/v1/join", json=body).status_code


def test_a_pin_is_a_keyed_hash_checked_without_the_password_pool(node: Node) -> None:
    worker = _staff(node)
    learner = register(worker, "Amina", pin="4821")
    stored = _stored_pin(node, learner["id"])
    scheme, salt, mac = stored.split("$")
    assert (scheme, len(salt), len(mac)) == ("hmac-sha256", 32, 64)
    assert not learners.pin_needs_argon2(node, learner["code"])
    session = open_session(worker)["code"]
    assert _join(node, session, learner["code"], "0000") == 401
    assert _join(node, session, learner["code"], "4821") == 200
    # Two learners with the same PIN: their hashes tell nothing of it.
    twin = register(worker, "Baraka", pin="4821")
    assert _stored_pin(node, twin["id"]).split("$")[2] != mac


def test_a_copy_of_the_database_without_the_pin_secret_checks_no_pin(
    node: Node, tmp_path: Path
) -> None:
    worker = _staff(node)
    learner = register(worker, "Amina", pin="4821")
    session = open_session(worker)["code"]
    node.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stolen = tmp_path / "stolen"
    shutil.copytree(node.data_dir, stolen)
    # The thief has the database, not the secret: they try one of their own.
    (stolen / PIN_SECRET).write_bytes(os.urandom(32))
    copy = open_node(stolen)
    try:
        assert (stolen / PIN_SECRET).read_bytes() != (node.data_dir / PIN_SECRET).read_bytes()
        assert _join(copy, session, learner["code"], "4821") == 401
    finally:
        copy.close()
    assert _join(node, session, learner["code"], "4821") == 200


def test_an_argon2_pin_from_before_works_once_and_is_rewritten(node: Node) -> None:
    worker = _staff(node)
    learner = register(worker, "Amina")
    legacy = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash("4821")
    node.db.execute("UPDATE learners SET pin_hash = ? WHERE id = ?", [legacy, learner["id"]])
    node.db.conn.commit()
    assert learners.pin_needs_argon2(node, learner["code"])
    session = open_session(worker)["code"]
    assert _join(node, session, learner["code"], "1234") == 401
    assert _stored_pin(node, learner["id"]) == legacy  # a wrong PIN rewrites nothing
    assert _join(node, session, learner["code"], "4821") == 200
    assert _stored_pin(node, learner["id"]).startswith("hmac-sha256$")
    assert not learners.pin_needs_argon2(node, learner["code"])
    assert _join(node, session, learner["code"], "1234") == 401
    assert _join(node, session, learner["code"], "4821") == 200


def test_the_pin_secret_is_the_owner_s_alone_and_refused_when_others_may_read_it(
    node: Node,
) -> None:
    path = node.data_dir / PIN_SECRET
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(path.read_bytes()) == 32
    os.chmod(path, 0o644)
    with pytest.raises(NodeNotReady, match=r"readable by other users .*chmod 600"):
        open_node(node.data_dir)


def test_a_node_from_before_the_pin_secret_is_given_one_when_opened(node: Node) -> None:
    path = node.data_dir / PIN_SECRET
    path.unlink()
    opened = open_node(node.data_dir)
    opened.close()
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(path.read_bytes()) == 32


def test_a_lost_pin_secret_is_not_silently_replaced_once_pins_were_hashed_with_it(
    node: Node,
) -> None:
    register(_staff(node), "Amina", pin="4821")
    path = node.data_dir / PIN_SECRET
    path.unlink()
    with pytest.raises(NodeNotReady, match=r"pin.secret is missing.*restore it from the backup"):
        open_node(node.data_dir)
    assert not path.exists()


def test_a_staff_password_is_hashed_again_at_log_in_when_the_cost_changes(node: Node) -> None:
    def stored() -> str:
        row = node.db.execute(
            "SELECT password_hash FROM accounts WHERE username = ?", [WORKER[0]]
        ).fetchone()
        return str(row[0])

    _staff(node)
    before = stored()
    assert f"t={node.settings.password_time_cost}," in before
    node.settings = node.settings.model_copy(
        update={"password_time_cost": node.settings.password_time_cost + 1}
    )
    _staff(node)  # the old hash still lets the worker in
    after = stored()
    assert after != before and f"t={node.settings.password_time_cost}," in after
    _staff(node)
    assert stored() == after  # made again only when the cost differs
