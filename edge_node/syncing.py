"""The node's side of sync: one attempt against the hub (or a USB answer file), the items
the hub sends down installed, and the hub's time taken as the node's trusted time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from edge_node import issuance, packs, trust
from edge_node.clock import ClockSource
from edge_node.errors import BadRequest
from edge_node.i18n import gettext
from edge_node.node import Node

if TYPE_CHECKING:
    from sync.client import Progress, SyncReport


@dataclass(frozen=True)
class HubAlert:
    """The hub's alert about this node, for the worker: ``text`` in their language when the
    hub sent its code (``sync.alerts``), else the hub's own English words."""

    text: str
    code: str | None = None
    params: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SyncProblems:
    last_error: str | None
    """Why the last attempt failed, in plain words; the hub's alert in the worker's
    language when that was why."""
    alert: HubAlert | None


def hub_key(node: Node) -> bytes:
    """The key the hub signs its answers with: the university root the node is enrolled with."""
    if node.settings.hub_key:
        return bytes.fromhex(node.settings.hub_key)
    roots = trust.pinned_roots(node)
    if not roots:
        raise BadRequest("The node is not enrolled yet: no university root key is pinned")
    return roots[0]


def item_installer(node: Node) -> Callable[[str, bytes], None]:
    """Installs what the hub pulls down; raising refuses the item. The hub sends every
    trust list it published, oldest first: one older than the installed list is skipped."""

    def install(kind: str, data: bytes) -> None:
        if kind == "trust":
            trust.install_trust_list(node, data, keep_newer=True)
        elif kind == "pack":
            packs.install_pack(node, data, keep_newer=True)
        elif kind == "certificate":
            trust.install_certificate(node, data)
        else:
            raise BadRequest(f"unknown item kind {kind!r}")

    return install


def problems(node: Node, lang: str) -> SyncProblems:
    """The last sync error and the hub's alert as the node last heard them, for the
    dashboard (no contact with the hub)."""
    from sync.client import status

    report = status(node.db)
    alert = None
    if report.alert is not None:
        detail = report.alert_detail
        if detail is None:
            alert = HubAlert(report.alert)
        else:
            text = gettext(lang, detail.template).format(**detail.params)
            alert = HubAlert(text, detail.code, detail.params)
    error = report.last_error
    if alert is not None and error == report.alert:
        error = alert.text
    return SyncProblems(error, alert)


def _after(node: Node, report: SyncReport) -> None:
    hub_time = report.hub_time
    if hub_time is not None:
        node.clock.set_time(hub_time, ClockSource.hub)
        issuance.issue_pending(node)
    issuance.issue_replacements(node)
    node.reload_content()


def sync_now(
    node: Node, *, hub_url: str | None = None, progress: Progress | None = None
) -> SyncReport:
    """One sync attempt; returns the sync client's report (it never raises for a link fault).

    ``progress`` is called after each batch the hub acknowledges (see ``sync.client``)."""
    from sync.client import sync_once

    url = hub_url or node.settings.hub_url
    if not url:
        raise BadRequest("No hub address: give --hub or set hub_url in the settings")
    report = sync_once(
        db=node.db,
        node_key=node.key,
        node_id=node.node_id,
        hub_url=url,
        hub_key=hub_key(node),
        progress=progress,
        apply_item=item_installer(node),
    )
    _after(node, report)
    return report


def export_bundle(node: Node, path: Path) -> int:
    """Write every unacknowledged event to a file for a USB stick; returns its size."""
    from sync.bundles import export_bundle as export

    data = export(db=node.db, node_key=node.key, node_id=node.node_id)
    path.write_bytes(data)
    return len(data)


def import_answer(node: Node, data: bytes) -> SyncReport:
    """Apply the hub's answer file brought back on a USB stick."""
    from sync.bundles import import_answer as apply

    report = apply(
        db=node.db,
        data=data,
        node_id=node.node_id,
        hub_key=hub_key(node),
        apply_item=item_installer(node),
    )
    _after(node, report)
    return report
