"""Installing a signed content pack: its modules, pathways and trust list."""

from __future__ import annotations

from edge_node import catalogue
from edge_node.errors import BadRequest
from edge_node.node import Node
from edge_node.storage import transaction
from edge_node.trust import install_trust_list, pinned_roots


def install_pack(node: Node, data: bytes, *, keep_newer: bool = False) -> str:
    """Verify a pack against the node's pinned roots and install it; a summary in words.

    ``keep_newer``: a trust list older than the installed one is left aside, not refused.
    """
    from content.packs import read_pack

    roots = pinned_roots(node)
    if not roots:
        raise BadRequest(
            "No university root key is pinned yet: run `fieldcred edge install-cert` with --root"
        )
    pack = read_pack(data, pinned_roots=roots)
    installed = {module.id: module.version for module in node.modules.values()}
    older = [m for m in pack.modules if _older(m.version, installed.get(m.id))]
    if older and not keep_newer:
        names = ", ".join(f"{m.id} {m.version} (installed: {installed[m.id]})" for m in older)
        raise BadRequest(f"This pack would replace newer modules with older ones: {names}")
    modules = [m for m in pack.modules if m not in older]
    # One transaction: a trust list refused as older leaves the modules as they were.
    with transaction(node.db):
        catalogue.store(node.db, modules, list(pack.pathways), pack.media)
        if pack.trust:
            install_trust_list(node, pack.trust, keep_newer=keep_newer)
    node.reload_content()
    return f"{len(modules)} module(s), {len(pack.pathways)} pathway(s)" + (
        ", trust list" if pack.trust else ""
    )


def _older(version: str, installed: str | None) -> bool:
    """Whether a module version (MAJOR.MINOR.PATCH) is below the installed one."""
    if installed is None:
        return False
    return tuple(map(int, version.split("."))) < tuple(map(int, installed.split(".")))
