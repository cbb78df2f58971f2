"""Node enrolment, renewal and revocation, and the trust list the hub publishes.

Staff sign a node's certificate request with the university root key, choosing the
modules it may certify and a validity window. A renewed certificate reaches the node
on its next pull; a revocation (of a node or of one credential) is published in the
next trust list, which every node pulls and every verifier can download.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from credentials.catalogue import CatalogueEntry
from credentials.certificates import (
    NodeCertificate,
    issue_node_certificate,
    read_request,
)
from credentials.errors import CredentialError
from credentials.keys import SigningKey
from credentials.status import StatusList
from credentials.trust import TrustList, read_trust_list, sign_trust_list
from hub.store import Store
from sync.errors import BadRequest, NotFound

MAX_REASON = 500
"""Characters in the reason staff give for a revocation or a fork decision."""


def check_reason(reason: str) -> str:
    """A staff decision's reason, kept in the audit record: required, and bounded."""
    reason = reason.strip()
    if not reason:
        raise BadRequest("give a reason for the decision; it is kept in the audit record")
    if len(reason) > MAX_REASON:
        raise BadRequest(f"the reason is longer than {MAX_REASON} characters")
    return reason


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def enrol_node(
    store: Store,
    root_key: SigningKey,
    request: bytes,
    *,
    modules: tuple[str, ...],
    not_before: datetime,
    not_after: datetime,
    organisation: str,
    now: datetime,
) -> bytes:
    """Sign the node's request (first enrolment or renewal); return its certificate."""
    try:
        asked = read_request(request)
        cert = NodeCertificate(
            node_id=asked.node_id,
            node_name=asked.node_name,
            public_key=asked.public_key,
            modules=modules,
            not_before=not_before,
            not_after=not_after,
            root_kid=root_key.kid,
        )
        data = issue_node_certificate(root_key, cert)
    except CredentialError as error:
        raise BadRequest(f"the certificate request was refused: {error}") from None
    with store.transaction():
        known = store.record("SELECT revoked_at FROM nodes WHERE node_id = ?", [cert.node_id])
        if known is not None and known["revoked_at"] is not None:
            raise BadRequest(f"node {cert.node_id} was revoked; enrol it under a new id")
        # One key, one node: the hub finds a node by its key, and a revocation by its id.
        holder = store.scalar("SELECT node_id FROM node_certs WHERE kid = ?", [cert.kid])
        if holder is not None and holder != cert.node_id:
            raise BadRequest(f"this key is enrolled already as node {holder}; one key, one node")
        if known is not None and holder is None:
            raise BadRequest(
                f"node {cert.node_id} is enrolled with another key: a renewal is asked with the "
                "node's own key (a node with a new key is enrolled under a new id)"
            )
        if known is None:
            store.execute(
                "INSERT INTO nodes (node_id, name, organisation, enrolled_at) VALUES (?, ?, ?, ?)",
                [cert.node_id, cert.node_name, organisation, _ts(now)],
            )
        else:
            # A renewal travels to the node on its next pull.
            store.execute(
                "INSERT INTO pull_items (item_id, node_id, kind, data, created_at) "
                "VALUES (?, ?, 'certificate', ?, ?)",
                [_next_item_id(store), cert.node_id, data, _ts(now)],
            )
        store.execute(
            "INSERT INTO node_certs (kid, node_id, public_key, modules, not_before, not_after, "
            "certificate, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (kid) DO UPDATE SET modules = excluded.modules, "
            "not_before = excluded.not_before, not_after = excluded.not_after, "
            "certificate = excluded.certificate, issued_at = excluded.issued_at",
            [
                cert.kid,
                cert.node_id,
                cert.public_key,
                json.dumps(list(cert.modules)),
                _ts(not_before),
                _ts(not_after),
                data,
                _ts(now),
            ],
        )
        _keep_certificate(store, cert, data, now=now)
        publish_trust_list(store, root_key, now=now)
    return data


def _keep_certificate(store: Store, cert: NodeCertificate, data: bytes, *, now: datetime) -> None:
    """Add ``data`` to every certificate the hub issued the key: the trust list carries
    them all, so a renewal never invalidates what the node issued before it. Signing is
    deterministic: the same certificate issued again is kept once."""
    held = store.query("SELECT seq, certificate FROM node_cert_history WHERE kid = ?", [cert.kid])
    if any(bytes(certificate) == data for _, certificate in held):
        return
    store.execute(
        "INSERT INTO node_cert_history (kid, seq, node_id, certificate, issued_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [cert.kid, max((int(seq) for seq, _ in held), default=0) + 1, cert.node_id, data, _ts(now)],
    )


def revoke_node(store: Store, root_key: SigningKey, node_id: str, *, now: datetime) -> None:
    with store.transaction():
        if store.one("SELECT 1 FROM nodes WHERE node_id = ?", [node_id]) is None:
            raise NotFound(f"no node {node_id!r} is enrolled")
        store.execute(
            "UPDATE nodes SET revoked_at = ? WHERE node_id = ? AND revoked_at IS NULL",
            [_ts(now), node_id],
        )
        publish_trust_list(store, root_key, now=now)


@dataclass(frozen=True)
class SharedSlot:
    """Two credentials of one node in results on one revocation slot: the status list has
    one bit per slot, so revoking either revokes both (nothing can revoke just one)."""

    node_id: str
    status_index: int
    credential_id: str
    other_id: str


_LIVE = (
    "NOT EXISTS (SELECT 1 FROM credentials c WHERE c.node_id = s.node_id "
    "AND c.credential_id IN (s.credential_id, s.other_id) AND c.status = 'replaced')"
)
"""A pair still sharing its slot: neither was replaced by a credential on a slot of its own."""


def shared_slots(store: Store, node_id: str, credential_id: str | None = None) -> list[SharedSlot]:
    """The node's shared slots, or those of one credential with ``other_id`` the partner.
    A pair one of which was replaced on a slot of its own shares nothing any more: setting
    the bit revokes only the credential still on it, and the replaced one's old paper."""
    if credential_id is None:
        rows = store.query(
            "SELECT status_index, credential_id, other_id FROM shared_slots s WHERE node_id = ? "
            f"AND {_LIVE} ORDER BY status_index, credential_id, other_id",
            [node_id],
        )
    else:
        rows = store.query(
            "SELECT status_index, credential_id, other_id FROM shared_slots s "
            f"WHERE node_id = ? AND credential_id = ? AND {_LIVE} UNION "
            "SELECT status_index, other_id, credential_id FROM shared_slots s "
            f"WHERE node_id = ? AND other_id = ? AND {_LIVE} ORDER BY 1, 3",
            [node_id, credential_id, node_id, credential_id],
        )
    return [SharedSlot(node_id, int(slot), str(a), str(b)) for slot, a, b in rows]


def _status(store: Store, node_id: str, credential_id: str) -> str:
    """The registry status of ``node_id``'s credential; :class:`NotFound` if it has none."""
    status = store.scalar(
        "SELECT status FROM credentials WHERE credential_id = ? AND node_id = ?",
        [credential_id, node_id],
    )
    if status is None:
        raise NotFound(f"no credential {credential_id}")
    return str(status)


def revoke_credential(
    store: Store,
    root_key: SigningKey,
    node_id: str,
    credential_id: str,
    reason: str,
    *,
    staff: str,
    now: datetime,
) -> None:
    """Staff revocation of ``node_id``'s credential: marked at once (with who, when and
    why, for the audit record), published in the next trust list. A credential sharing
    the slot is revoked by the same bit, and marked so in the registry. A credential
    replaced on a slot of its own (:func:`request_reissue`) is refused: its holder's
    credential is the replacement. Ids are unique per node only:
    another node's same id is left alone."""
    reason = check_reason(reason)
    with store.transaction():
        if _status(store, node_id, credential_id) == "replaced":
            found = reissue(store, node_id, credential_id)
            raise BadRequest(
                f"credential {credential_id} was replaced by credential "
                f"{found.replacement_id if found else '?'}: revoke that one"
            )
        store.execute(
            "UPDATE credentials SET status = 'revoked', revoked_at = ?, revocation_reason = ?, "
            "revoked_by = ? WHERE credential_id = ? AND node_id = ? AND status <> 'revoked'",
            [_ts(now), reason, staff, credential_id, node_id],
        )
        for shared in shared_slots(store, node_id, credential_id):
            store.execute(
                "UPDATE credentials SET status = 'revoked', revoked_at = ?, "
                "revocation_reason = ?, revoked_by = ? WHERE credential_id = ? AND node_id = ? "
                "AND status <> 'revoked'",
                [
                    _ts(now),
                    f"shares revocation slot {shared.status_index} with credential "
                    f"{credential_id}, revoked: {reason}",
                    staff,
                    shared.other_id,
                    node_id,
                ],
            )
        publish_trust_list(store, root_key, now=now)


@dataclass(frozen=True)
class Reissue:
    """Staff asked the node to issue ``credential_id`` again on a slot of its own."""

    credential_id: str
    staff: str
    reason: str
    requested_at: int
    replacement_id: str | None
    replaced_at: int | None


def request_reissue(
    store: Store, node_id: str, credential_id: str, *, staff: str, reason: str, now: datetime
) -> None:
    """Ask the node, in every ``welcome`` until it answers, to issue this credential again
    with the same claims on a revocation slot of its own (``reissue`` in
    ``docs/sync-protocol.md``): for a credential sharing its slot, so that one holder can
    be revoked without the other. Asking again is a no-op."""
    reason = check_reason(reason)
    with store.transaction():
        status = _status(store, node_id, credential_id)
        if status != "active":
            raise BadRequest(f"credential {credential_id} is {status}; only an active one")
        if not shared_slots(store, node_id, credential_id):
            raise BadRequest(
                f"credential {credential_id} has a revocation slot of its own: nothing to do"
            )
        store.execute(
            "INSERT INTO reissues (node_id, credential_id, staff, reason, requested_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [node_id, credential_id, staff, reason, _ts(now)],
        )


def reissue(store: Store, node_id: str, credential_id: str) -> Reissue | None:
    """The reissue staff asked of this credential, or the one it is the replacement of."""
    row = store.record(
        "SELECT credential_id, staff, reason, requested_at, replacement_id, replaced_at "
        "FROM reissues WHERE node_id = ? AND (credential_id = ? OR replacement_id = ?)",
        [node_id, credential_id, credential_id],
    )
    return None if row is None else Reissue(**row)


MAX_REISSUES = 100
"""Pending reissues one ``welcome`` carries (the rest follow as these are done)."""


def pending_reissues(store: Store, node_id: str) -> list[dict[str, object]]:
    """``{id, cose, learner}`` (credential id, its COSE bytes, the node's learner id) for
    each credential the node is asked to issue again and has not yet: the ``reissue`` field
    of a ``welcome``. A credential revoked meanwhile is no longer asked for."""
    rows = store.query(
        "SELECT c.credential_id, c.cose, c.learner_id FROM reissues r JOIN credentials c "
        "ON c.node_id = r.node_id AND c.credential_id = r.credential_id WHERE r.node_id = ? "
        "AND r.replacement_id IS NULL AND c.status = 'active' "
        "ORDER BY r.requested_at, r.credential_id LIMIT ?",
        [node_id, MAX_REISSUES],
    )
    return [
        {"id": bytes.fromhex(str(cid)), "cose": bytes(cose), "learner": str(learner)}
        for cid, cose, learner in rows
    ]


def publish_pack(store: Store, root_key: SigningKey, data: bytes, *, now: datetime) -> int:
    """Queue a content pack (checked against the root) for every node's next pull."""
    from content.errors import PackError
    from content.packs import read_pack

    try:
        read_pack(data, pinned_roots=[root_key.public_key])
    except PackError as error:
        raise BadRequest(f"the content pack was refused: {error}") from None
    with store.transaction():
        item_id = _next_item_id(store)
        store.execute(
            "INSERT INTO pull_items (item_id, node_id, kind, data, created_at) "
            "VALUES (?, NULL, 'pack', ?, ?)",
            [item_id, data, _ts(now)],
        )
        publish_trust_list(store, root_key, now=now)
    return item_id


def _next_item_id(store: Store) -> int:
    return int(store.scalar("SELECT coalesce(max(item_id), 0) + 1 FROM pull_items"))


@lru_cache(maxsize=1)
def shipped_catalogue() -> tuple[CatalogueEntry, ...]:
    """Catalogue entries of the shipped modules and pathways (loaded once)."""
    from content.catalogue import catalogue_entry, pathway_entry
    from content.loading import load_catalogue

    catalogue = load_catalogue()
    modules = list(catalogue.modules.values())
    return tuple(catalogue_entry(m) for m in modules) + tuple(
        pathway_entry(p, modules) for p in catalogue.pathways.values()
    )


def _catalogue(store: Store, root_key: SigningKey) -> tuple[CatalogueEntry, ...]:
    """The shipped catalogue and the entries of every pack published since (a later pack's
    entry for the same module version wins), so a trust list from the hub never drops an
    entry a node's pack gave it: credentials issued under an earlier version of a module
    keep verifying after the next version is published."""
    from content.packs import read_pack

    entries = {entry.key: entry for entry in shipped_catalogue()}
    for (pack,) in store.query("SELECT data FROM pull_items WHERE kind = 'pack' ORDER BY item_id"):
        trust = read_pack(bytes(pack), pinned_roots=[root_key.public_key]).trust_list
        entries.update((entry.key, entry) for entry in trust.catalogue)
    return tuple(entries[key] for key in sorted(entries))


def current_trust_list(store: Store, root_key: SigningKey, *, now: datetime) -> TrustList:
    # Every certificate ever issued: a verifier picks the one valid when a credential was
    # issued (a renewal's window starts later; the earlier credentials need the old one).
    certs = tuple(
        bytes(certificate)
        for (certificate,) in store.query(
            "SELECT certificate FROM node_cert_history ORDER BY kid, seq"
        )
    )
    revoked = {
        str(node): datetime.fromtimestamp(int(at), UTC)
        for node, at in store.query(
            "SELECT node_id, revoked_at FROM nodes WHERE revoked_at IS NOT NULL"
        )
    }
    status: dict[str, StatusList] = {}
    for node, index in store.query(
        "SELECT node_id, status_index FROM credentials WHERE status = 'revoked'"
    ):
        status.setdefault(str(node), StatusList()).set(int(index))
    # Versions are the issue time in seconds (as packs' trust lists), always increasing.
    version = int(now.timestamp())
    latest = latest_trust(store)
    if latest is not None:
        version = max(version, latest.version + 1)
    return TrustList(
        version=version,
        issued_at=now,
        roots=(root_key.public_key,),
        node_certificates=certs,
        catalogue=_catalogue(store, root_key),
        revoked_nodes=revoked,
        status_lists=status,
    )


def publish_trust_list(store: Store, root_key: SigningKey, *, now: datetime) -> bytes:
    """Sign the current trust list and queue it for every node's next pull."""
    with store.transaction():
        data = sign_trust_list(root_key, current_trust_list(store, root_key, now=now))
        store.execute(
            "INSERT INTO pull_items (item_id, node_id, kind, data, created_at) "
            "VALUES (?, NULL, 'trust', ?, ?)",
            [_next_item_id(store), data, _ts(now)],
        )
    return data


def latest_trust_list(store: Store) -> bytes | None:
    value = store.scalar(
        "SELECT data FROM pull_items WHERE kind = 'trust' ORDER BY item_id DESC LIMIT 1"
    )
    return None if value is None else bytes(value)


_read: tuple[bytes, TrustList] | None = None
"""The last trust list read here, with its bytes."""


def latest_trust(store: Store) -> TrustList | None:
    """The latest trust list, read once per publication: reading checks every node
    certificate (25 ms with 250 centres), which the public verify routes paid each time."""
    global _read
    data = latest_trust_list(store)
    if data is None:
        return None
    known = _read
    if known is None or known[0] != data:
        known = _read = (data, read_trust_list(data))
    return known[1]
