"""Files the hub and the key tools create: who else on the machine may read them, and
what a link planted in a data directory makes them write."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sync.hub.settings import init_data_dir, open_hub


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
