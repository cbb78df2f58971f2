"""The hub's view of each node's learners, sittings and credentials, rebuilt from events.

Applied in the same transaction that stores the events. Two nodes registering the
same person are *linked* (same normalised name and birth year), never merged: a
merge is a staff decision. A credential entering results on a revocation slot another
credential of the node already holds (a restored node issued before it could sync) is
recorded in ``shared_slots``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from typing import Any

from credentials.certificates import read_node_certificate
from credentials.claims import MicroCredential, decode_claims
from credentials.cose import decode_sign1, verify_sign1
from credentials.errors import CredentialError
from credentials.names import same_name
from credentials.verification import Reason, Verdict, issuing_certificate
from hub import xapi
from hub.expiry import expiry_column
from hub.incoming import Incoming, Projected, SetAside
from hub.nodes import latest_trust
from hub.store import Store
from sync.eventlog import EVENT_TYPES, EventType

PRESENTED = "presented a credential issued at "
"""The basis of a link made by a recognition, before the issuing node's id."""
LEARNER_FIELDS = ("code", "name", "gender", "birth_year", "village", "language")
"""The learner fields a ``learner.updated`` event may change (``birth_year`` an integer,
the others text)."""


def match_key(name: str, birth_year: object) -> str:
    """Name without accents, case or spacing differences, plus the birth year."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(folded.split()) + f"|{birth_year if isinstance(birth_year, int) else ''}"


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _learner_row(node_id: str, body: dict[str, Any], at: int) -> tuple[Any, ...]:
    return (
        node_id,
        body["id"],
        body["code"],
        body["name"],
        match_key(body["name"], body.get("birth_year")),
        _str_or_none(body.get("gender")),
        _int_or_none(body.get("birth_year")),
        _str_or_none(body.get("village")),
        body["language"],
        at,
    )


def _flush_learners(store: Store, node_id: str, rows: list[tuple[Any, ...]]) -> None:
    """Insert registered learners, then link each to same-looking learners elsewhere."""
    if not rows:
        return
    store.executemany(
        "INSERT INTO learners (node_id, learner_id, code, name, match_key, gender, birth_year, "
        "village, language, registered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        rows,
    )
    # Without a birth year a name alone is too weak to suggest a link.
    keys = {key: learner for _, learner, _, _, key, *_ in rows if not str(key).endswith("|")}
    for start in range(0, len(keys), 500):
        chunk = list(keys)[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        matches = store.query(
            f"SELECT node_id, learner_id, match_key FROM learners WHERE node_id <> ? "
            f"AND match_key IN ({marks})",
            [node_id, *chunk],
        )
        _insert_links(store, [(n, learner, node_id, keys[k]) for n, learner, k in matches])
    rows.clear()


def _insert_links(store: Store, links: list[tuple[Any, ...]]) -> None:
    store.executemany(
        "INSERT INTO learner_links (node_a, learner_a, node_b, learner_b, basis, status) "
        "VALUES (?, ?, ?, ?, 'same name and birth year', 'possible') ON CONFLICT DO NOTHING",
        links,
    )


def _update(store: Store, node_id: str, body: dict[str, Any]) -> None:
    changes = {k: v for k, v in body["changes"].items() if k in LEARNER_FIELDS}
    for column, value in changes.items():
        store.execute(
            f"UPDATE learners SET {column} = ? WHERE node_id = ? AND learner_id = ?",
            [value, node_id, body["id"]],
        )
    if "name" in changes or "birth_year" in changes:
        row = store.record(
            "SELECT name, birth_year FROM learners WHERE node_id = ? AND learner_id = ?",
            [node_id, body["id"]],
        )
        if row is not None:
            key = match_key(str(row["name"]), row["birth_year"])
            store.execute(
                "UPDATE learners SET match_key = ? WHERE node_id = ? AND learner_id = ?",
                [key, node_id, body["id"]],
            )
            if not key.endswith("|"):
                matches = store.query(
                    "SELECT node_id, learner_id FROM learners WHERE match_key = ? AND node_id <> ?",
                    [key, node_id],
                )
                _insert_links(store, [(n, lid, node_id, body["id"]) for n, lid in matches])


def project_events(
    store: Store,
    node_id: str,
    events: list[tuple[Incoming, bool]],
    *,
    received_at: int,
    not_before: int | None,
) -> Projected:
    """Apply accepted, unheld events (each with its clock flag) to the hub's tables, and
    queue their xAPI statements in the same transaction. Answers whether a credential was
    revoked (by the node, or a replacement of a revoked one: the caller publishes a trust
    list) and the events set aside, which the caller quarantines (``hub.ingest``)."""
    set_aside: list[SetAside] = []
    credentials: list[tuple[Any, ...]] = []
    replacements: list[tuple[MicroCredential, str]] = []
    revoked = False
    credential_ids: list[str] = []
    sittings: list[tuple[Any, ...]] = []
    learners: list[tuple[Any, ...]] = []
    statements: list[tuple[str, str, str]] = []
    for event, time_flag in events:
        body = event.fields
        kind = EVENT_TYPES[event.type]
        if kind is EventType.learner_registered:
            learners.append(_learner_row(node_id, body, event.at))
        elif kind is EventType.learner_updated:
            _flush_learners(store, node_id, learners)
            _update(store, node_id, body)
        elif kind is EventType.learner_merged:
            _flush_learners(store, node_id, learners)
            store.execute(
                "UPDATE learners SET merged_into = ? WHERE node_id = ? AND learner_id = ?",
                [body["into"], node_id, body["id"]],
            )
        elif kind is EventType.sitting_submitted:
            sittings.append(
                (
                    node_id,
                    body["id"],
                    body["learner"],
                    body["module"],
                    body["module_version"],
                    body["route"],
                    body["score_percent"],
                    int(body["passed"]),
                    event.at,
                )
            )
            statements.append((node_id, "sitting", body["id"]))
        elif kind is EventType.checklist_scored:
            if sittings:
                _flush_sittings(store, sittings)
            # A sitting already here was submitted before the practical was scored, so
            # this grade (answers and checklist) is its final one.
            store.execute(
                "UPDATE sittings SET checklist_score = ?, checklist_passed = ?, "
                "score_percent = ?, passed = ? WHERE node_id = ? AND sitting_id = ?",
                [
                    body["score_percent"],
                    int(body["passed"]),
                    body["score_percent"],
                    int(body["passed"]),
                    node_id,
                    body["sitting"],
                ],
            )
        elif kind in (EventType.credential_issued, EventType.pathway_issued):
            credential = event.credential
            assert credential is not None
            if kind is EventType.pathway_issued:
                # Its parts may be earlier in this batch.
                _flush_learners(store, node_id, learners)
                if credentials:
                    _flush_credentials(store, credentials, received_at)
                try:
                    _pathway_parts(store, node_id, body, credential)
                except _NotBelieved as error:
                    set_aside.append(SetAside(event.seq, event.hash, str(error)))
                    continue
            credentials.append(
                (
                    credential.credential_id.hex(),
                    node_id,
                    event.seq,
                    body["learner"],
                    credential.subject,
                    credential.module_id,
                    credential.module_version,
                    int(credential.pathway),
                    credential.score_percent,
                    int(credential.issued_at.timestamp()),
                    not_before,
                    received_at,
                    int(time_flag),
                    credential.status_index,
                    body["cose"],
                    expiry_column(credential.expires_at),
                )
            )
            credential_ids.append(credential.credential_id.hex())
            statements.append((node_id, "credential", credential_ids[-1]))
            if "replaces" in body:
                replacements.append((credential, body["replaces"].hex()))
        elif kind is EventType.credential_recognised:
            _flush_learners(store, node_id, learners)
            refused = _recognise(store, node_id, event)
            if refused is not None:
                set_aside.append(refused)
        elif kind is EventType.credential_revoked:
            if credentials:
                _flush_credentials(store, credentials, received_at)
            _revoked_by_node(store, node_id, body["id"].hex(), event.at, body["reason"])
            revoked = True
    _flush_learners(store, node_id, learners)
    _flush_sittings(store, sittings)
    if credentials:
        _flush_credentials(store, credentials, received_at)
    if credential_ids:
        _link_recognised(store, node_id, credential_ids)
    xapi.enqueue(store, statements, received_at)
    replaced = [_replace(store, node_id, new, old_id, received_at) for new, old_id in replacements]
    return Projected(revoked or any(replaced), set_aside)


def _revoked_by_node(store: Store, node_id: str, credential_id: str, at: int, reason: str) -> None:
    """The node revoked one of its credentials: its slot's bit, in the next trust list,
    revokes every active credential on the slot too, so the registry says so."""
    store.execute(
        "UPDATE credentials SET status = 'revoked', revoked_at = ?, revocation_reason = ? "
        "WHERE credential_id = ? AND node_id = ?",
        [at, reason, credential_id, node_id],
    )
    partners = store.query(
        "SELECT other_id, status_index FROM shared_slots WHERE node_id = ? "
        "AND credential_id = ? UNION SELECT credential_id, status_index FROM shared_slots "
        "WHERE node_id = ? AND other_id = ?",
        [node_id, credential_id, node_id, credential_id],
    )
    for other, slot in partners:
        store.execute(
            "UPDATE credentials SET status = 'revoked', revoked_at = ?, revocation_reason = ? "
            "WHERE credential_id = ? AND node_id = ? AND status = 'active'",
            [
                at,
                f"shares revocation slot {slot} with credential {credential_id}, revoked by "
                f"the centre: {reason}",
                other,
                node_id,
            ],
        )


def _replace(store: Store, node_id: str, new: MicroCredential, old_id: str, at: int) -> bool:
    """Record ``new`` as the replacement staff asked for of credential ``old_id``: the same
    claims on another slot. The old one becomes 'replaced' (its paper stays valid while
    its slot's bit is unset); if it was revoked meanwhile, the replacement is revoked too
    (True). A replacement nobody asked for, or with other claims, is an ordinary
    credential."""
    row = store.record(
        "SELECT c.cose, c.status, c.revocation_reason FROM reissues r JOIN credentials c "
        "ON c.node_id = r.node_id AND c.credential_id = r.credential_id "
        "WHERE r.node_id = ? AND r.credential_id = ? AND r.replacement_id IS NULL",
        [node_id, old_id],
    )
    if row is None:
        return False
    old = decode_claims(decode_sign1(bytes(row["cose"])).payload)
    if replace(old, credential_id=new.credential_id, status_index=new.status_index) != new:
        return False
    new_id = new.credential_id.hex()
    store.execute(
        "UPDATE reissues SET replacement_id = ?, replaced_at = ? "
        "WHERE node_id = ? AND credential_id = ?",
        [new_id, at, node_id, old_id],
    )
    if row["status"] == "revoked":
        store.execute(
            "UPDATE credentials SET status = 'revoked', revoked_at = ?, revocation_reason = ? "
            "WHERE node_id = ? AND credential_id = ?",
            [at, _replaced_reason(old_id, row["revocation_reason"]), node_id, new_id],
        )
        return True
    store.execute(
        "UPDATE credentials SET status = 'replaced' WHERE node_id = ? AND credential_id = ?",
        [node_id, old_id],
    )
    return False


def _flush_sittings(store: Store, rows: list[tuple[Any, ...]]) -> None:
    store.executemany(
        "INSERT INTO sittings (node_id, sitting_id, learner_id, module_id, module_version, "
        "route, score_percent, passed, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        rows,
    )
    rows.clear()


def _flush_credentials(store: Store, rows: list[tuple[Any, ...]], found_at: int) -> None:
    _record_shared_slots(store, rows, found_at)
    store.executemany(
        "INSERT INTO credentials (credential_id, node_id, seq, learner_id, subject, module_id, "
        "module_version, pathway, score_percent, issued_at, not_before, received_at, "
        "time_flag, status_index, status, cose, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?) ON CONFLICT DO NOTHING",
        rows,
    )
    rows.clear()


_CREDENTIAL_ID, _NODE_ID, _STATUS_INDEX = 0, 1, 13
"""Positions in a credential row of :func:`project_events`."""


def _record_shared_slots(store: Store, rows: list[tuple[Any, ...]], found_at: int) -> None:
    """Before ``rows`` (one node's credentials) enter results: record each that takes a
    revocation slot a different credential already holds there or earlier in ``rows``. A
    node restored from an old backup that issued before it could sync does this; the
    status list has one bit per slot, so revoking either credential revokes both."""
    node_id = rows[0][_NODE_ID]
    by_slot: dict[int, list[str]] = {}
    for row in rows:
        by_slot.setdefault(int(row[_STATUS_INDEX]), []).append(str(row[_CREDENTIAL_ID]))
    pairs = [
        (node_id, slot, later, ids[0], found_at)
        for slot, ids in by_slot.items()
        for later in ids[1:]
        if later != ids[0]
    ]
    # A node's slots rise with each credential: a batch wholly above the highest slot in
    # results (the usual case) needs no lookup.
    top = store.scalar("SELECT max(status_index) FROM credentials WHERE node_id = ?", [node_id])
    if top is not None and min(by_slot) <= int(top):
        slots = [slot for slot in by_slot if slot <= int(top)]
        for start in range(0, len(slots), 500):
            chunk = slots[start : start + 500]
            held = store.query(
                "SELECT status_index, credential_id FROM credentials WHERE node_id = ? "
                f"AND status_index IN ({', '.join('?' * len(chunk))})",
                [node_id, *chunk],
            )
            pairs.extend(
                (node_id, int(slot), later, str(other), found_at)
                for slot, other in held
                for later in by_slot[int(slot)]
                if later != other
            )
    if pairs:
        store.executemany(
            "INSERT INTO shared_slots (node_id, status_index, credential_id, other_id, "
            "found_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            pairs,
        )


def _replaced_reason(credential_id: str, reason: str | None) -> str:
    """Why a replacement is revoked: the credential it replaces was."""
    return f"replaces credential {credential_id}, revoked" + (f": {reason}" if reason else "")


class _NotBelieved(Exception):
    """A presented credential the hub does not believe; the event is quarantined."""


def _presented(store: Store, node_id: str, cose: bytes) -> MicroCredential:
    """Check a credential another node issued, as presented at ``node_id``: signed by a
    node key this hub certified, one of whose certificates (renewals included) names the
    issuer node, was valid when the credential was issued and covers its module; issued
    before any revocation of that node (and received here before it), and not revoked
    here."""
    try:
        envelope = decode_sign1(cose)
        credential = decode_claims(envelope.payload)
    except CredentialError as error:
        raise _NotBelieved(f"the presented credential is malformed ({error})") from None
    rows = store.query(
        "SELECT certificate FROM node_cert_history WHERE kid = ? ORDER BY seq", [envelope.kid]
    )
    if not rows:
        raise _NotBelieved(
            f"the presented credential is signed by key {envelope.kid.hex()}, which no node "
            "enrolled with this hub holds"
        )
    try:
        certs = [read_node_certificate(bytes(certificate))[0] for (certificate,) in rows]
    except CredentialError as error:
        raise _NotBelieved(f"the issuing node's certificate is unreadable ({error})") from None
    if not verify_sign1(envelope, certs[0].public_key):
        raise _NotBelieved(f"the presented credential's signature is not node {certs[0].node_id}'s")
    issuer = credential.issuer
    if not any(cert.node_id == issuer for cert in certs):
        raise _NotBelieved("the presented credential names another issuer than its signer")
    if issuer == node_id:
        raise _NotBelieved("a node cannot recognise a credential it issued itself")
    if credential.pathway:
        raise _NotBelieved("a pathway credential cannot be recognised as a module")
    # The verifier's own judgement, as for the node's own credentials (``hub.ingest``).
    found = issuing_certificate(credential, certs)
    if isinstance(found, Verdict):
        if found.reason is Reason.NODE_CERT_OUT_OF_SCOPE:
            raise _NotBelieved(f"node {issuer} may not certify module {credential.module_id!r}")
        raise _NotBelieved(
            f"node {issuer}'s certificate was not valid when the credential was issued"
        )
    revoked_at = store.scalar("SELECT revoked_at FROM nodes WHERE node_id = ?", [issuer])
    if revoked_at is not None and credential.issued_at.timestamp() >= int(revoked_at):
        raise _NotBelieved(f"node {issuer} was revoked before the credential was issued")
    credential_id = credential.credential_id.hex()
    status = store.scalar(
        "SELECT status FROM credentials WHERE credential_id = ? AND node_id = ?",
        [credential_id, issuer],
    )
    if status == "revoked":
        raise _NotBelieved("the presented credential is revoked")
    if revoked_at is not None and status is None:
        # A revoked node's messages are refused, so the hub will never hold it: its date
        # is the node's own word, and the node's key may be in other hands now.
        raise _NotBelieved(f"node {issuer} was revoked and never sent this credential to the hub")
    return credential


def _holder_here(store: Store, node_id: str, learner_id: str, credential: MicroCredential) -> None:
    """The learner it is recognised for, at ``node_id``, is the credential's holder as the
    node's own check has it: the same name, and nobody else there recognised with it."""
    name = store.scalar(
        "SELECT name FROM learners WHERE node_id = ? AND learner_id = ?", [node_id, learner_id]
    )
    if name is None:
        raise _NotBelieved(f"learner {learner_id} is not registered at node {node_id}")
    if not same_name(credential.holder_name, str(name)):
        raise _NotBelieved(
            f"the presented credential is for another person than learner {learner_id}"
        )
    other = store.scalar(
        "SELECT learner_id FROM recognitions WHERE node_id = ? AND issuer_node = ? "
        "AND credential_id = ? AND learner_id <> ?",
        [node_id, credential.issuer, credential.credential_id.hex(), learner_id],
    )
    if other is not None:
        raise _NotBelieved(f"the presented credential is recognised already for learner {other}")


def _pathway_parts(
    store: Store, node_id: str, body: dict[str, Any], pathway: MicroCredential
) -> None:
    """A pathway credential counts (``from``) only credentials its learner holds at this
    node: the node's own, not revoked, or others' it was believed to recognise for them;
    and, when the hub's catalogue knows the pathway, one of each of its modules."""
    learner = body["learner"]
    modules: set[str] = set()
    for part in body["from"]:
        if not isinstance(part, str):
            raise _NotBelieved("the pathway credential's 'from' is not a list of credential ids")
        found = store.query(
            "SELECT module_id FROM credentials WHERE node_id = ? AND learner_id = ? "
            "AND credential_id = ? AND pathway = 0 AND status <> 'revoked' "
            "UNION SELECT module_id FROM recognitions WHERE node_id = ? AND learner_id = ? "
            "AND credential_id = ?",
            [node_id, learner, part, node_id, learner, part],
        )
        if not found:
            raise _NotBelieved(
                f"the pathway credential counts credential {part}, which learner {learner} "
                "does not hold at this node"
            )
        modules.update(str(module_id) for (module_id,) in found)
    trust = latest_trust(store)
    entry = None if trust is None else trust.entry(pathway.module_id, pathway.module_version)
    missing = [] if entry is None else [m for m in entry.pathway_modules if m not in modules]
    if missing:
        raise _NotBelieved(
            f"the pathway credential counts no credential of module {', '.join(missing)}"
        )


def _recognise(store: Store, node_id: str, event: Incoming) -> SetAside | None:
    """Record a recognition the hub believes, and link the learner with the holder's record
    at the issuing node; set aside one it does not (poison, like any malformed event)."""
    body = event.fields
    try:
        credential = _presented(store, node_id, body["cose"])
        _holder_here(store, node_id, body["learner"], credential)
    except _NotBelieved as error:
        return SetAside(event.seq, event.hash, str(error))
    issuer, credential_id = credential.issuer, credential.credential_id.hex()
    store.execute(
        "INSERT INTO recognitions (node_id, seq, learner_id, issuer_node, credential_id, "
        "module_id, recognised_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [
            node_id,
            event.seq,
            body["learner"],
            issuer,
            credential_id,
            credential.module_id,
            event.at,
        ],
    )
    _link_recognised(store, issuer, [credential_id])
    return None


def _link_recognised(store: Store, issuer: str, credential_ids: list[str]) -> None:
    """Link each learner who presented one of ``credential_ids`` (credentials of
    ``issuer``) with the holder's record there, once the hub knows both (the issuing node
    may sync after the presenting one). Only the batch's credentials are looked at, so
    the work does not grow with the hub."""
    basis = PRESENTED + issuer
    for start in range(0, len(credential_ids), 500):
        chunk = credential_ids[start : start + 500]
        rows = store.query(
            "SELECT c.node_id, c.learner_id, r.node_id, r.learner_id FROM recognitions r "
            "JOIN credentials c ON c.node_id = r.issuer_node "
            "AND c.credential_id = r.credential_id WHERE r.issuer_node = ? "
            f"AND r.credential_id IN ({', '.join('?' * len(chunk))}) AND NOT EXISTS "
            "(SELECT 1 FROM learner_links k WHERE k.node_a = c.node_id "
            "AND k.learner_a = c.learner_id AND k.node_b = r.node_id "
            "AND k.learner_b = r.learner_id AND k.basis = ?)",
            [issuer, *chunk, basis],
        )
        if rows:
            store.executemany(
                "INSERT INTO learner_links (node_a, learner_a, node_b, learner_b, basis, "
                "status) VALUES (?, ?, ?, ?, ?, 'possible') ON CONFLICT (node_a, learner_a, "
                "node_b, learner_b) DO UPDATE SET basis = excluded.basis",
                [(*row, basis) for row in rows],
            )
