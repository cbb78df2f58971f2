"""A node restored from a backup: a scripted node's database copied back, or a demo
edge node's data folder; and the revocation slots it hands out."""

from __future__ import annotations

import shutil
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from edge_node.demo import DemoInfo, HubLink, prepare_demo
from edge_node.node import Node, open_node
from edge_node.syncing import sync_now
from hub.ingest import Hub
from hub.nodes import enrol_node, latest_trust_list
from hub.server import BackgroundServer
from hub.simulate import enrol, push
from sync.simulate import ScriptedNode
from tests.helpers.nodes import pass_module, staff

with warnings.catch_warnings():
    warnings.simplefilter("ignore")


def restore(node: ScriptedNode, backup: Path) -> ScriptedNode:
    """The node as an admin restores it from ``backup``; its slot counter is the backup's."""
    restored = ScriptedNode(Database(backup), node.key, node.node_id, rng=node.rng)
    restored.clock, restored.learners = node.clock, node.learners
    restored.status_index = int(
        restored.db.execute(
            "SELECT count(*) FROM events WHERE type = 'credential.issued'"
        ).fetchone()[0]
    )
    return restored


def backup_of(node: ScriptedNode, path: Path) -> Path:
    node.db.conn.execute(f"VACUUM INTO '{path}'")
    return path


def restored_after_backup(
    hub: Hub, tmp_path: Path, *, seed: int, after_backup: int = 1, node_id: str = "node-s"
) -> tuple[ScriptedNode, ScriptedNode]:
    """A node enrolled with ``hub`` issues one credential, is backed up, issues
    ``after_backup`` more and syncs them; then its card dies and the backup is restored.
    (the node as it was, the restored node): the restored one has not synced yet."""
    node = ScriptedNode.create(node_id, seed=seed)
    enrol(hub, node)
    node.backlog(1)
    backup = backup_of(node, tmp_path / "backup.db")
    node.backlog(after_backup)
    push(hub, node)
    return node, restore(node, backup)


def demo_node(hub: Hub, server: BackgroundServer, data: Path) -> DemoInfo:
    """A demo node enrolled with ``hub`` and pointed at it."""

    def enrol_here(request: bytes) -> tuple[bytes, bytes]:
        now = datetime.now(UTC)
        certificate = enrol_node(
            hub.store,
            hub.root_key,
            request,
            modules=("*",),
            not_before=now - timedelta(days=1),
            not_after=now + timedelta(days=365),
            organisation="university",
            now=now,
        )
        trust = latest_trust_list(hub.store)
        assert trust is not None
        return certificate, trust

    return prepare_demo(
        data, hub=HubLink(url=server.url, root_public_key=hub.root_key.public_key, enrol=enrol_here)
    )


def issue_one(info: DemoInfo, learner: int) -> None:
    """A learner passes the first module on the node's own pages; a credential is issued."""
    node = open_node(info.data_dir)
    try:
        pass_module(node, staff(node, info), info.learners[learner][1], min(node.modules))
    finally:
        node.close()


def synced_then_restored(hub: Hub, server: BackgroundServer, tmp_path: Path) -> DemoInfo:
    """A demo node enrolled with ``hub``: learner 0 passes, the data folder is copied (last
    month's backup, node stopped), learner 1 passes and the node syncs. Then the card dies
    and the admin restores the backup, which knows learner 0's credential only."""
    info = demo_node(hub, server, tmp_path / "node")
    issue_one(info, 0)
    shutil.copytree(info.data_dir, tmp_path / "backup")
    issue_one(info, 1)
    node = open_node(info.data_dir)
    try:
        assert sync_now(node).ok
    finally:
        node.close()
    shutil.rmtree(info.data_dir)
    shutil.copytree(tmp_path / "backup", info.data_dir)
    return info


def slots(node: Node) -> list[int]:
    rows = node.db.execute("SELECT status_index FROM credentials ORDER BY rowid").fetchall()
    return [int(row[0]) for row in rows]
