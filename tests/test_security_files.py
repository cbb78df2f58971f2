"""Files the hub and the key tools create: who else on the machine may read them, and
what a link planted in a data directory makes them write."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from credentials.keys import SigningKey, load_private_key, save_private_key
from hub.settings import init_data_dir, open_hub


def _others_may_read(path: Path) -> bool:
    return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))


def test_a_new_hub_keeps_its_database_to_its_own_user(tmp_path: Path) -> None:
    """hub.db (learners' names, phones and villages, staff password hashes) was created
    world-readable (0644) in a world-listable directory."""
    old = os.umask(0o022)
    try:
        data = tmp_path / "hub"
        init_data_dir(data, name="Maseno")
        hub, _ = open_hub(data)
        with hub.store.transaction():
            hub.store.execute("CREATE TABLE probe (x INTEGER)")
        # The root's public key is meant to be handed out; the rest is the hub's alone.
        shared = {p.name for p in data.iterdir() if p.name != "root.jwk" and _others_may_read(p)}
        written = {p.name for p in data.iterdir()}
        hub.store.close()
    finally:
        os.umask(old)
    assert {"hub.db", "hub.db-wal", "root.key", "settings.json"} <= written
    assert shared == set()
    assert not _others_may_read(data)


def test_saving_a_key_never_follows_a_link_planted_in_its_place(tmp_path: Path) -> None:
    """A symbolic link at the key's path made the private key be written wherever it
    pointed (and that file's mode changed to 0600)."""
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("someone else's file\n")
    (tmp_path / "node.key").symlink_to(elsewhere)
    with pytest.raises(OSError):
        save_private_key(SigningKey.generate(), tmp_path / "node.key")
    assert elsewhere.read_text() == "someone else's file\n"


def test_a_key_saved_over_an_old_one_still_loads(tmp_path: Path) -> None:
    first, second = SigningKey.generate(), SigningKey.generate()
    save_private_key(first, tmp_path / "node.key")
    save_private_key(second, tmp_path / "node.key")
    assert load_private_key(tmp_path / "node.key").public_key == second.public_key
