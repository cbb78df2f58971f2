"""A content pack never takes a node backwards: a pack whose trust list is older than the
installed one changes nothing (its modules neither), and a module older than the installed
version is refused at the terminal (`edge import-pack`) and left aside in a sync."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from content.loading import load_catalogue
from credentials.keys import load_private_key
from edge_node.demo import DEMO_ROOT_KEY_FILE, prepare_demo
from edge_node.errors import BadRequest
from edge_node.node import Node, open_node
from edge_node.packs import install_pack
from lms_plugin.publishing import export_pack


def _installed_trust(node: Node) -> bytes:
    row = node.db.execute("SELECT data FROM trust WHERE id = 1").fetchone()
    return bytes(row[0])


def pack_with(node: Node, version: str, *, base: bytes | None) -> bytes:
    """A pack of soil-health at ``version``, its trust list one above ``base``."""
    shipped = load_catalogue()
    module = shipped.modules["soil-health"].model_copy(update={"version": version})
    catalogue = replace(shipped, modules={**shipped.modules, "soil-health": module})
    root = load_private_key(node.data_dir / DEMO_ROOT_KEY_FILE)
    pack, _, _ = export_pack(catalogue, ["soil-health"], root, base_trust_list=base)
    return pack


def test_a_pack_never_takes_the_node_backwards(tmp_path: Path) -> None:
    prepare_demo(tmp_path / "node")
    node = open_node(tmp_path / "node")
    first = _installed_trust(node)
    install_pack(node, pack_with(node, "1.0.1", base=first))
    install_pack(node, pack_with(node, "1.0.2", base=_installed_trust(node)))
    assert node.modules["soil-health"].version == "1.0.2"
    newer_trust = _installed_trust(node)  # two versions above the first

    # A newer module carried with a trust list older than the installed one: nothing moves.
    stale = pack_with(node, "1.0.3", base=first)
    with pytest.raises(BadRequest, match="older than the installed"):
        install_pack(node, stale)
    assert node.modules["soil-health"].version == "1.0.2"
    assert _installed_trust(node) == newer_trust

    # An older module: refused at the terminal, named; left aside by a sync.
    older = pack_with(node, "1.0.0", base=newer_trust)
    with pytest.raises(BadRequest, match=r"soil-health 1\.0\.0 \(installed: 1\.0\.2\)"):
        install_pack(node, older)
    assert node.modules["soil-health"].version == "1.0.2"
    install_pack(node, older, keep_newer=True)
    assert node.modules["soil-health"].version == "1.0.2"
    node.close()
