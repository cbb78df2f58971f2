"""The node's trust anchors: the university root it is enrolled with, its own node
certificate, and the signed trust list that packs and sync bring down.

What they say is read and verified once and kept on the node
(:class:`edge_node.node.TrustCache`), until one of them changes: installed here (a
certificate, a trust list, a pinned root, by the CLI, a pack or a sync), or seen changed
on the card or in the database by another process.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from credentials.catalogue import CatalogueEntry
from credentials.certificates import NodeCertificate, check_node_certificate, read_node_certificate
from credentials.errors import CredentialError
from credentials.trust import TrustList, read_trust_list
from edge_node.config import CERT_FILE
from edge_node.errors import BadRequest, NodeNotReady
from edge_node.node import Node
from edge_node.storage import first, get_state, set_state, transaction

T = TypeVar("T")


def pinned_roots(node: Node) -> tuple[bytes, ...]:
    raw = get_state(node.db, "trust.roots")
    return tuple(bytes.fromhex(h) for h in json.loads(raw)) if raw else ()


def pin_root(node: Node, public_key: bytes) -> None:
    if len(public_key) != 32:
        raise BadRequest("A root public key is 32 bytes (Ed25519)")
    roots = list(pinned_roots(node))
    if public_key not in roots:
        roots.append(public_key)
    with transaction(node.db):
        set_state(node.db, "trust.roots", json.dumps([r.hex() for r in roots]))
    node.trust_cache.clear()


def install_certificate(
    node: Node, data: bytes, *, refuse_expired: bool = False
) -> NodeCertificate:
    """Check the certificate the university returned (signed by a pinned root, for
    this node's key) and keep it. ``refuse_expired``: an admin installing a file by hand
    is told it has expired, instead of it replacing the certificate the node issues under
    (sync installs what the hub sends, which is the authority)."""
    roots = pinned_roots(node)
    if not roots:
        raise BadRequest(
            "No university root key is pinned yet: give --root with the university's public key"
        )
    try:
        cert = check_node_certificate(data, roots)
    except CredentialError as error:
        raise BadRequest(f"The node certificate is not valid: {error}") from None
    if cert.public_key != node.key.public_key:
        raise BadRequest("This certificate is for another key, not this node's")
    if cert.node_id != node.node_id:
        raise BadRequest(f"This certificate is for node {cert.node_id}, not {node.node_id}")
    if refuse_expired and cert.not_after <= node.clock.now():
        raise BadRequest(
            f"This certificate expired on {cert.not_after:%Y-%m-%d}; the installed one is "
            "kept. Ask the university for a new one"
        )
    path = node.data_dir / CERT_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    node.trust_cache.clear()
    return cert


def _stamp(node: Node) -> tuple[object, ...]:
    """What the trust state is read from, cheaply: the certificate file's size and times,
    the trust list's version and the pinned roots."""
    try:
        stat = (node.data_dir / CERT_FILE).stat()
        cert: tuple[int, ...] | None = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    except FileNotFoundError:
        cert = None
    row = first(
        node.db,
        "SELECT (SELECT version || ' ' || installed_at FROM trust WHERE id = 1) AS list, "
        "(SELECT value FROM node_state WHERE key = 'trust.roots') AS roots",
    )
    return (cert, row) if row is None else (cert, row["list"], row["roots"])


def _cached(node: Node, key: str, load: Callable[[], T]) -> T:
    return node.trust_cache.get(_stamp(node), key, load)


def node_certificate(node: Node) -> bytes | None:
    def load() -> bytes | None:
        path = node.data_dir / CERT_FILE
        return path.read_bytes() if path.exists() else None

    return _cached(node, "certificate", load)


def own_certificate(node: Node) -> NodeCertificate | None:
    """The node's installed certificate (checked against the root when installed)."""

    def load() -> NodeCertificate | None:
        data = node_certificate(node)
        if data is None:
            return None
        try:
            return read_node_certificate(data)[0]
        except CredentialError:
            return None

    return _cached(node, "own_certificate", load)


def install_trust_list(node: Node, data: bytes, *, keep_newer: bool = False) -> TrustList:
    """Keep a trust list signed by a pinned root (inside the caller's transaction or its own).

    A list older than the installed one is refused, or with ``keep_newer`` left aside:
    sync pulls every list the hub ever published, in order, and a content pack may
    already have brought a newer one.
    """
    trust = read_trust_list(data, pinned_roots=pinned_roots(node) or None)
    current_row = first(node.db, "SELECT version FROM trust WHERE id = 1")
    if current_row is not None and current_row["version"] > trust.version:
        if keep_newer:
            return trust
        raise BadRequest(
            f"This trust list (version {trust.version}) is older than the installed one "
            f"(version {current_row['version']})"
        )
    with transaction(node.db):
        node.db.table("trust").upsert(
            {
                "id": 1,
                "version": trust.version,
                "data": data,
                "installed_at": datetime.now(UTC).isoformat(),
            },
            pk="id",
        )
        if not pinned_roots(node):
            set_state(node.db, "trust.roots", json.dumps([r.hex() for r in trust.roots]))
    node.trust_cache.clear()
    return trust


def local_entries(node: Node) -> tuple[CatalogueEntry, ...]:
    from content.catalogue import catalogue_entry, pathway_entry

    entries = [catalogue_entry(m) for m in node.modules.values()]
    for pathway in node.pathways.values():
        members = [node.modules[m] for m in pathway.modules if m in node.modules]
        if len(members) == len(pathway.modules):
            entries.append(pathway_entry(pathway, members))
    return tuple(entries)


def current(node: Node) -> TrustList | None:
    """What the node verifies against: the installed trust list, completed with the
    node's own certificate and installed modules, or, before any, just those (dated
    today)."""
    today = node.clock.now().date().isoformat()
    return _cached(node, f"current {today}", lambda: _current(node))


def _current(node: Node) -> TrustList | None:
    cert = node_certificate(node)
    row = first(node.db, "SELECT data FROM trust WHERE id = 1")
    if row is not None:
        try:
            trust = read_trust_list(bytes(row["data"]), pinned_roots=pinned_roots(node) or None)
        except CredentialError as error:  # damaged, or written in a format this one refuses
            raise NodeNotReady(
                "The trust list kept on this node cannot be read ({reason}). Sync with the "
                "university hub or import a content pack to replace it.",
                params={"reason": str(error)},
            ) from None
        certs = trust.node_certificates
        if cert is not None and cert not in certs:
            certs = (*certs, cert)
        known = {e.key for e in trust.catalogue}
        extra = tuple(e for e in local_entries(node) if e.key not in known)
        return TrustList(
            version=trust.version,
            issued_at=trust.issued_at,
            roots=trust.roots,
            node_certificates=certs,
            catalogue=trust.catalogue + extra,
            revoked_nodes=trust.revoked_nodes,
            status_lists=trust.status_lists,
        )
    roots = pinned_roots(node)
    if cert is None or not roots:
        return None
    return TrustList(
        version=0,
        issued_at=datetime.now(UTC),
        roots=roots,
        node_certificates=(cert,),
        catalogue=local_entries(node),
    )
