"""Account control: an admin disables and enables worker and admin accounts; a disabled
account, or one given a new password, loses every session and token it held at once."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime

from typer.testing import CliRunner

from edge_node import accounts
from edge_node.node import Node
from edge_node.web.app import create_app
from fieldcred.cli import app as cli
from tests.helpers.nodes import ADMIN, WORKER, login
from tests.helpers.pages import csrf_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def bearer(node: Node, username: str, password: str) -> TestClient:
    client = TestClient(create_app(node))
    token = client.post("/api/v1/login", json={"username": username, "password": password})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['token']}"
    return client


def account_id(admin: TestClient, username: str) -> str:
    found = [a for a in admin.get("/api/v1/accounts").json() if a["username"] == username]
    assert len(found) == 1, found
    return str(found[0]["id"])


def test_a_disabled_worker_loses_every_session_at_once_and_cannot_log_in(node: Node) -> None:
    page_worker = TestClient(create_app(node))
    assert login(page_worker, *WORKER).status_code == 303
    api_worker = bearer(node, *WORKER)
    assert page_worker.get("/dashboard").status_code == 200
    assert api_worker.get("/api/v1/learners").status_code == 200

    admin = TestClient(create_app(node))
    assert login(admin, *ADMIN).status_code == 303
    worker_id = account_id(bearer(node, *ADMIN), WORKER[0])
    page = admin.get("/admin")
    assert f'action="/admin/accounts/{worker_id}/disable"' in page.text
    done = admin.post(f"/admin/accounts/{worker_id}/disable", data={"csrf": csrf_of(page.text)})
    assert done.status_code == 200 and f'action="/admin/accounts/{worker_id}/enable"' in done.text

    assert page_worker.get("/dashboard").status_code == 401
    assert api_worker.get("/api/v1/learners").status_code == 401
    assert login(TestClient(create_app(node)), *WORKER).status_code == 401
    refused = TestClient(create_app(node)).post(
        "/api/v1/login", json={"username": WORKER[0], "password": WORKER[1]}
    )
    assert refused.status_code == 401
    # Who did it, and when, stays on the admin page.
    assert "admin · disabled · worker" in admin.get("/admin").text

    enabled = bearer(node, *ADMIN).post(f"/api/v1/accounts/{worker_id}/enable")
    assert enabled.status_code == 200 and enabled.json()["disabled"] is False
    # Enabling again does not bring back the sessions it held before.
    assert api_worker.get("/api/v1/learners").status_code == 401
    assert page_worker.get("/dashboard").status_code == 401
    assert bearer(node, *WORKER).get("/api/v1/learners").status_code == 200


def test_the_last_enabled_admin_cannot_be_disabled(node: Node) -> None:
    admin = bearer(node, *ADMIN)
    own_id = account_id(admin, "admin")
    refused = admin.post(f"/api/v1/accounts/{own_id}/disable")
    assert refused.status_code == 409 and "last" in refused.json()["message"]
    assert admin.get("/api/v1/learners").status_code == 200
    added = admin.post(
        "/api/v1/accounts",
        json={"username": "second", "password": "second-password", "role": "admin"},
    )
    assert added.status_code == 201, added.text
    second = bearer(node, "second", "second-password")
    assert second.post(f"/api/v1/accounts/{own_id}/disable").json()["disabled"] is True
    assert admin.get("/api/v1/learners").status_code == 401
    last = second.post(f"/api/v1/accounts/{added.json()['id']}/disable")
    assert last.status_code == 409


def test_disabling_the_last_admin_on_the_page_says_why_on_the_admin_page(node: Node) -> None:
    """It answered "409 · conflict" and a Home button; now the admin page itself says
    why, in the reader's language, and nothing changed."""
    own_id = account_id(bearer(node, *ADMIN), "admin")
    page = TestClient(create_app(node))
    login(page, *ADMIN)
    page.get("/lang/sw")
    refused = page.post(
        f"/admin/accounts/{own_id}/disable", data={"csrf": csrf_of(page.get("/admin").text)}
    )
    assert refused.status_code == 409
    assert 'role="alert">Msimamizi wa mwisho aliye hai hawezi kuzimwa' in refused.text
    assert f'action="/admin/accounts/{own_id}/disable"' in refused.text  # still enabled
    assert page.get("/admin").status_code == 200


def test_only_an_admin_disables_and_an_unknown_account_is_a_404(node: Node) -> None:
    admin = bearer(node, *ADMIN)
    worker_id = account_id(admin, WORKER[0])
    worker = bearer(node, *WORKER)
    assert worker.post(f"/api/v1/accounts/{worker_id}/disable").status_code == 403
    assert admin.post("/api/v1/accounts/nobody/disable").status_code == 404
    page = TestClient(create_app(node))
    login(page, *ADMIN)
    token = csrf_of(page.get("/admin").text)
    assert page.post("/admin/accounts/nobody/enable", data={"csrf": token}).status_code == 404


def test_a_new_password_ends_the_sessions_the_account_held(node: Node) -> None:
    api_worker = bearer(node, *WORKER)
    page_worker = TestClient(create_app(node))
    login(page_worker, *WORKER)
    result = CliRunner().invoke(
        cli,
        [
            "edge",
            "set-password",
            WORKER[0],
            "--data",
            str(node.data_dir),
            "--password",
            "a new password",
        ],
    )
    assert result.exit_code == 0, result.output
    assert api_worker.get("/api/v1/learners").status_code == 401
    assert page_worker.get("/dashboard").status_code == 401
    assert bearer(node, WORKER[0], "a new password").get("/api/v1/learners").status_code == 200


def test_a_disabled_account_can_be_given_a_new_password_and_stays_disabled(node: Node) -> None:
    """A worker's password got out: the admin disables the account, sets a new password
    at the terminal, and enables it again once the worker has it."""
    from edge_node import accounts
    from edge_node.clock import ClockSource

    # The board's clock is wrong after a power cut; the audit keeps the node's time.
    node.clock.set_time(datetime(2026, 11, 23, 9, 30, tzinfo=UTC), ClockSource.admin)
    admin = bearer(node, *ADMIN)
    worker_id = account_id(admin, WORKER[0])
    admin.post(f"/api/v1/accounts/{worker_id}/disable")
    args = ["edge", "set-password", WORKER[0], "--data", str(node.data_dir)]
    result = CliRunner().invoke(cli, [*args, "--password", "a new password"])
    assert result.exit_code == 0 and "disabled" in result.output, result.output
    assert login(TestClient(create_app(node)), WORKER[0], "a new password").status_code == 401
    admin.post(f"/api/v1/accounts/{worker_id}/enable")
    assert login(TestClient(create_app(node)), WORKER[0], "a new password").status_code == 303
    changes = [(c.by, c.change, c.username) for c in accounts.recent_changes(node.db)]
    assert {c.at[:13] for c in accounts.recent_changes(node.db)} == {"2026-11-23T09"}
    assert changes == [
        ("admin", "enabled", "worker"),
        ("terminal", "password set", "worker"),
        ("admin", "disabled", "worker"),
    ]


def test_enabling_an_enabled_account_keeps_its_sessions_and_logs_nothing(node: Node) -> None:
    admin = bearer(node, *ADMIN)
    worker = bearer(node, *WORKER)
    worker_id = account_id(admin, WORKER[0])
    before = accounts.recent_changes(node.db)
    again = admin.post(f"/api/v1/accounts/{worker_id}/enable")
    assert again.status_code == 200 and again.json()["disabled"] is False
    assert worker.get("/api/v1/learners").status_code == 200
    assert accounts.recent_changes(node.db) == before

    assert admin.post(f"/api/v1/accounts/{worker_id}/disable").status_code == 200
    epoch = accounts.get_account(node.db, worker_id).session_epoch
    assert admin.post(f"/api/v1/accounts/{worker_id}/disable").json()["disabled"] is True
    assert accounts.get_account(node.db, worker_id).session_epoch == epoch
    changes = [c.change for c in accounts.recent_changes(node.db)]
    assert changes[: len(changes) - len(before)] == ["disabled"]
