"""``fieldcred edge init``: the data directory, settings, key, migrations, first admin."""

from __future__ import annotations

import json
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from edge_node.config import CERT_REQUEST_FILE, NODE_KEY_FILE, SETTINGS_FILE, load_settings
from edge_node.errors import NodeNotReady, StorageError
from edge_node.node import init_node, open_node
from edge_node.storage import get_state, migrations, open_database, set_state, transaction
from fieldcred.cli import app

runner = CliRunner()


def _init(data: Path, *extra: str) -> object:
    return runner.invoke(
        app,
        [
            "edge",
            "init",
            "--data",
            str(data),
            "--name",
            "Kisumu CLC",
            "--admin-user",
            "admin",
            "--admin-password",
            "correct horse",
            *extra,
        ],
    )


def test_init_creates_a_complete_data_directory(tmp_path: Path) -> None:
    data = tmp_path / "node"
    result = _init(data)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE((data / NODE_KEY_FILE).stat().st_mode) == 0o600
    assert (data / CERT_REQUEST_FILE).stat().st_size > 0
    settings = json.loads((data / SETTINGS_FILE).read_text())
    assert settings["node_name"] == "Kisumu CLC"
    node = open_node(data)
    try:
        assert node.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert node.db.execute("SELECT username, role FROM accounts").fetchall() == [
            ("admin", "admin")
        ]
        assert set(node.modules) >= {"climate-smart-agriculture", "soil-health"}
        hashed = node.db.execute("SELECT password_hash FROM accounts").fetchone()[0]
        assert hashed.startswith("$argon2id$") and "correct horse" not in hashed
    finally:
        node.close()


def test_init_again_keeps_the_node_and_adds_an_admin_or_refuses_a_known_one(
    tmp_path: Path,
) -> None:
    """Run again with the same admin it changed nothing and said so, though it asked for
    a password it then ignored; now it refuses in plain words, and names the command that
    changes a password, before asking for one."""
    data = tmp_path / "node"
    assert _init(data).exit_code == 0
    key = (data / NODE_KEY_FILE).read_bytes()
    again = runner.invoke(app, ["edge", "init", "--data", str(data), "--name", "Kisumu CLC",
                                "--admin-user", "admin"], input="")  # fmt: skip
    assert again.exit_code == 1, again.output
    assert "already exists" in again.output and "edge set-password admin" in again.output
    assert "Admin password" not in again.output
    added = _init(data, "--admin-user", "second")
    assert added.exit_code == 0, added.output
    assert "kept as it was; admin account second added" in added.output
    assert (data / NODE_KEY_FILE).read_bytes() == key
    db = open_database(data / "edge.db")
    assert [m.name for m in migrations.applied(db)] == [m.name for m in migrations._migrations]
    assert not migrations.pending(db)
    db.close()


def test_init_never_prompts_when_flags_are_given_and_rejects_bad_input(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "edge",
            "init",
            "--data",
            str(tmp_path / "n"),
            "--name",
            "X",
            "--admin-user",
            "a",
            "--admin-password",
            "short",
        ],
        input="",
    )
    assert result.exit_code == 1
    assert "Error:" in result.output and "Traceback" not in result.output
    # refused before anything is made: no half-made node to clean up
    assert not (tmp_path / "n").exists()


def test_init_prompts_for_what_is_missing(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["edge", "init", "--data", str(tmp_path / "n"), "--name", "Centre"],
        input="admin\nlong enough\nlong enough\n",
    )
    assert result.exit_code == 0, result.output
    assert "Admin username" in result.output


def test_init_refuses_a_foreign_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "photo.jpg").write_bytes(b"x")
    with pytest.raises(NodeNotReady):
        init_node(tmp_path, name="C", admin_user="admin", admin_password="long enough")


def test_environment_overrides_the_settings_file(tmp_path: Path, monkeypatch) -> None:
    data = tmp_path / "node"
    assert _init(data).exit_code == 0
    monkeypatch.setenv("FIELDCRED_EDGE_PORT", "9191")
    assert load_settings(data).port == 9191


def test_a_damaged_database_is_reported_and_left_untouched(tmp_path: Path) -> None:
    data = tmp_path / "node"
    assert _init(data).exit_code == 0
    db_file = data / "edge.db"
    for extra in ("edge.db-wal", "edge.db-shm"):
        (data / extra).unlink(missing_ok=True)
    damaged = b"this is not a database" * 100
    db_file.write_bytes(damaged)
    with pytest.raises(StorageError, match="damaged"):
        open_node(data)
    assert db_file.read_bytes() == damaged
    result = _serve(data)
    assert result.returncode == 1 and "damaged" in result.stderr


def test_a_change_that_reads_first_waits_for_no_one_and_is_not_refused(tmp_path: Path) -> None:
    """The web's state change reads, then writes, while the sync thread's own connection
    writes too: the second writer waits its turn; neither is refused as "locked"."""
    path = tmp_path / "node.db"
    web, sync_thread = open_database(path, create=True), open_database(path)

    def other_write() -> None:
        with transaction(sync_thread):
            set_state(sync_thread, "last_sync_at", "2026-11-23T12:00:00")

    with transaction(web):
        assert get_state(web, "learners_seen") is None
        other = threading.Thread(target=other_write)
        other.start()
        other.join(0.3)  # it waits for the write lock this transaction holds
        set_state(web, "learners_seen", "1")
    other.join(10)
    assert not other.is_alive()
    assert get_state(web, "learners_seen") == "1"
    assert get_state(web, "last_sync_at") == "2026-11-23T12:00:00"


def test_a_change_whose_commit_fails_is_undone_and_the_next_one_commits(tmp_path: Path) -> None:
    """A commit refused (here by a deferred constraint; on a board, a full or failing card)
    ends its transaction: the next change is committed, not left in a savepoint of it."""
    path = tmp_path / "node.db"
    db, reader = open_database(path, create=True), open_database(path)
    db.execute(
        "CREATE TABLE refused (id INTEGER PRIMARY KEY, "
        "ref TEXT REFERENCES accounts(id) DEFERRABLE INITIALLY DEFERRED)"
    )
    with pytest.raises(sqlite3.IntegrityError), transaction(db):
        set_state(db, "first", "lost")
        db.execute("INSERT INTO refused VALUES (1, 'no such account')")
    assert not db.conn.in_transaction
    with transaction(db):
        set_state(db, "second", "kept")
    assert get_state(reader, "second") == "kept"
    assert get_state(reader, "first") is None


def _serve(data: Path) -> subprocess.CompletedProcess[str]:
    """``fieldcred edge serve`` as a user runs it: the command replaces its own process."""
    command = [sys.executable, "-m", "fieldcred", "edge", "serve", "--data", str(data)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_serve_on_a_missing_directory_says_so(tmp_path: Path) -> None:
    result = _serve(tmp_path / "none")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ") and "edge init" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "command", ["init", "serve", "install-cert", "import-pack", "set-password"]
)
def test_every_edge_command_has_help(command: str) -> None:
    result = runner.invoke(app, ["edge", command, "--help"])
    assert result.exit_code == 0 and len(result.output) > 80


def test_an_admin_who_forgot_the_password_sets_a_new_one_at_the_terminal(tmp_path: Path) -> None:
    """Without it no one could set the clock after a power cut, nor add a worker."""
    from edge_node.accounts import Throttle, authenticate
    from edge_node.errors import Locked, Unauthorized

    data = tmp_path / "node"
    assert _init(data).exit_code == 0
    node = open_node(data)
    for _ in range(5):
        with pytest.raises(Unauthorized):
            authenticate(node.db, username="admin", password="guess", client="phone")
    with pytest.raises(Locked):
        authenticate(node.db, username="admin", password="correct horse", client="phone")
    node.close()
    args = ["edge", "set-password", "admin", "--data", str(data)]
    result = runner.invoke(app, args, input="new long secret\nnew long secret\n")
    assert result.exit_code == 0, result.output
    node = open_node(data)
    account = authenticate(
        node.db, username="admin", password="new long secret", client="other", throttle=Throttle()
    )
    assert account.username == "admin"
    node.close()
    unknown = runner.invoke(
        app, ["edge", "set-password", "nobody", "--data", str(data), "--password", "long enough"]
    )
    assert unknown.exit_code == 1 and "nobody" in unknown.output
    short = runner.invoke(app, [*args, "--password", "short"])
    assert short.exit_code == 1 and "at least 8" in short.output
