"""The hub's side of ``/sync/v1``: authenticate a node message, then answer it.

``answer(hub, wire) -> bytes`` is the whole protocol: HTTP routes and USB bundles
both call it. A batch is verified in full (node certificate, signature, protocol
version, the hash chain from the hub's own copy, every event's shape) and stored in
one transaction; the answer states what is now durably stored.

Forks: the hub keeps every chain a node identity has produced as *branches*. Branch
0 is the first; a different event at a seq the hub already holds (a node restored
from an old backup, a cloned card) opens a child branch from the common prefix. A
branch other than 0 is *held*: stored and acknowledged, so nothing is lost and the
node stops resending, but kept out of results until staff resolve it.

Revocation slots: the hub notes the highest status index it has seen in a node's own
credentials on any branch, and its ``welcome`` carries it (``slot_floor``), so a node
restored from an old backup learns which slots its lost credentials took. The
``welcome`` also carries the credentials staff asked the node to issue again on a slot
of their own (``reissue``, ``hub.nodes.request_reissue``): the node answers with a
``credential.issued`` event whose body names the one it ``replaces``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from credentials.cbor import loads_deterministic
from credentials.certificates import (
    ALL_MODULES,
    NodeCertificate,
    check_node_certificate,
    read_node_certificate,
)
from credentials.claims import MAX_NUMERIC_DATE, MicroCredential, decode_claims
from credentials.cose import decode_sign1, verify_sign1
from credentials.errors import CredentialError, NotDeterministic
from credentials.keys import SigningKey
from credentials.verification import Verdict, issuing_certificate
from hub.incoming import Incoming, SetAside
from hub.nodes import pending_reissues, publish_trust_list
from hub.projection import project_events
from hub.store import Store
from sync import alerts
from sync.alerts import Alert
from sync.errors import (
    ChainBroken,
    Forbidden,
    InvalidEvent,
    MalformedBatch,
    TooLarge,
    Unauthenticated,
)
from sync.eventlog import (
    HASH_BYTES,
    ClockQuality,
    EventType,
    chain_hash,
    check_body,
    genesis_hash,
    record_bytes,
)
from sync.protocol import (
    MAX_INT,
    MAX_WIRE_BYTES,
    negotiate,
    open_envelope,
    require,
    seal,
    verified_fields,
)

MAX_EVENTS_PER_BATCH = 20_000
MAX_BODY_BYTES = 16 * 1024
MAX_BODY_DEPTH = 8
MAX_LOCATOR = 64
CLOCK_TOLERANCE_S = 300
PULL_BUDGET_BYTES = MAX_WIRE_BYTES // 2
_QUALITIES = frozenset(ClockQuality)
REJECTED = 2
"""``branches.held`` of a branch staff rejected (``hub.forks``); 1 is held for review."""
_SIGNED_HERE = frozenset((EventType.credential_issued, EventType.pathway_issued))
"""Event types whose credential this node itself signed."""


@dataclass
class Hub:
    """What answering needs: the store, the root key that signs answers, a clock."""

    store: Store
    root_key: SigningKey
    clock: Callable[[], float] = time.time
    after_store: Callable[[], None] | None = None
    """Called between storing a batch and answering (tests use it to kill the hub there)."""


@dataclass(frozen=True)
class NodeCert:
    node_id: str
    public_key: bytes
    certificate: NodeCertificate
    revoked_at: int | None
    kid: bytes
    store: Store

    @cached_property
    def history(self) -> tuple[NodeCertificate, ...]:
        """Every certificate the hub issued this key, renewals included, oldest first."""
        return tuple(
            read_node_certificate(bytes(data))[0]
            for (data,) in self.store.query(
                "SELECT certificate FROM node_cert_history WHERE kid = ? ORDER BY seq", [self.kid]
            )
        )

    @cached_property
    def granted(self) -> frozenset[str]:
        """Every module any certificate of this key ever let the node certify (a renewal
        that narrows the scope must not refuse credentials issued under the wider one)."""
        return frozenset(module for cert in self.history for module in cert.modules)

    def may_certify(self, module_id: str) -> bool:
        # The current certificate almost always answers: the history is read only when
        # it does not (a renewal narrowed the scope), not on every request a node makes.
        return (
            self.certificate.covers(module_id)
            or ALL_MODULES in self.granted
            or module_id in self.granted
        )


class OutsideCertificate(InvalidEvent):
    """A credential this node signed, dated when none of its key's certificates was valid
    for the module: a verifier refuses it, so the hub keeps it out of results too."""


def lookup_node(hub: Hub, kid: bytes) -> NodeCert:
    """The node whose key has id ``kid``, its stored certificate re-checked against the root."""
    row = hub.store.record(
        "SELECT c.certificate, n.revoked_at FROM node_certs c "
        "JOIN nodes n ON n.node_id = c.node_id WHERE c.kid = ?",
        [kid],
    )
    if row is None:
        raise Unauthenticated(f"unknown key {kid.hex()}: this node is not enrolled with this hub")
    try:
        cert = check_node_certificate(bytes(row["certificate"]), (hub.root_key.public_key,))
    except CredentialError as error:
        raise Unauthenticated(f"the node's certificate does not check out ({error})") from None
    revoked_at = None if row["revoked_at"] is None else int(row["revoked_at"])
    return NodeCert(cert.node_id, cert.public_key, cert, revoked_at, kid, hub.store)


def authenticate(hub: Hub, wire: bytes) -> tuple[NodeCert, dict[str, Any]]:
    """The enrolled, unrevoked node that signed ``wire``, and the message's fields."""
    kid, envelope = open_envelope(wire)
    node = lookup_node(hub, kid)
    fields = verified_fields(envelope, node.public_key, "node")
    if fields.get("node") != node.node_id:
        raise Unauthenticated("the message names a different node than its signing key")
    if node.revoked_at is not None:
        raise Forbidden(f"node {node.node_id} was revoked; its messages are refused")
    return node, fields


def answer(hub: Hub, wire: bytes) -> bytes:
    """Answer one node message (``hello``, ``batch`` or ``pull``) with a signed message."""
    node, fields = authenticate(hub, wire)
    version = negotiate(fields.get("v"))
    nonce = require(fields, "nonce", bytes)
    kind = fields["m"]
    if kind == "hello":
        reply = hello(hub, node, fields)
    elif kind == "batch":
        reply = push(hub, node, fields)
        if hub.after_store is not None:
            hub.after_store()
    elif kind == "pull":
        reply = pull(hub, node, fields)
    else:
        raise MalformedBatch(f"unknown message kind {kind!r}")
    reply.update(v=version, node=node.node_id, nonce=nonce, time=int(hub.clock()))
    return seal(hub.root_key, reply)


# -- branches and the chain -------------------------------------------------------------


def _branches(store: Store, node_id: str) -> dict[int, tuple[int | None, int, int, bytes, int]]:
    rows = store.query(
        "SELECT branch, parent, base_seq, tip_seq, tip_hash, held FROM branches "
        "WHERE node_id = ? ORDER BY branch",
        [node_id],
    )
    return {
        int(branch): (parent, int(base), int(tip), bytes(tip_hash), int(held))
        for branch, parent, base, tip, tip_hash, held in rows
    }


def _hash_at(store: Store, node_id: str, branch: int, seq: int) -> bytes | None:
    """The hub's hash at ``seq`` on ``branch`` (inherited from parents below the base)."""
    if seq == 0:
        return genesis_hash(node_id)
    branches = _branches(store, node_id)
    current: int | None = branch
    while current is not None and current in branches:
        parent, base, tip, _, _ = branches[current]
        if seq > tip:
            return None
        if seq > base:
            value = store.scalar(
                "SELECT hash FROM events WHERE node_id = ? AND branch = ? AND seq = ?",
                [node_id, current, seq],
            )
            return None if value is None else bytes(value)
        current = parent
    return None


def _ensure_main(store: Store, node_id: str, now: int) -> None:
    store.execute(
        "INSERT INTO branches (node_id, branch, parent, base_seq, tip_seq, tip_hash, held, "
        "created_at) VALUES (?, 0, NULL, 0, 0, ?, 0, ?) ON CONFLICT DO NOTHING",
        [node_id, genesis_hash(node_id), now],
    )


def lock_branches(store: Store, node_id: str) -> None:
    """Hold the node's branch rows until the transaction ends, so a batch and a staff
    decision on a branch (``hub.forks``) never interleave. Several hub processes may
    share one PostgreSQL database; SQLite's ``BEGIN IMMEDIATE`` (``Store.transaction``)
    already takes the one write lock before anything is read."""
    if store.dialect == "postgresql":
        store.query("SELECT branch FROM branches WHERE node_id = ? FOR UPDATE", [node_id])


def slot_floor(store: Store, node_id: str) -> int | None:
    """The highest status index the hub has seen in this node's credentials, on any
    branch (held and rejected ones too): the node must not hand out a slot at or below it."""
    value = store.scalar("SELECT slot_floor FROM nodes WHERE node_id = ?", [node_id])
    return None if value is None else int(value)


def _alert(store: Store, node_id: str, alert: Alert) -> None:
    store.execute(
        "UPDATE nodes SET alert = ?, alert_detail = ? WHERE node_id = ?",
        [alert.english(), alert.to_json(), node_id],
    )


def _out_of_results(branch: int, base: int, held: int) -> Alert:
    """What a node whose events land on a branch kept out of results is told."""
    if held == REJECTED:
        return alerts.rejected(branch=branch, seq=base)
    return alerts.fork(branch=branch, seq=base)


def _answer_alert(alert: Alert | None) -> dict[str, Any]:
    """An answer's ``alert`` (English, for nodes of every version) and ``alert_detail``
    (the code and its parameters, which a node renders in its worker's language)."""
    if alert is None:
        return {"alert": None, "alert_detail": None}
    return {"alert": alert.english(), "alert_detail": alert.wire()}


def _written_before_hub_held(
    store: Store, node_id: str, branches: list[int], fields: dict[str, Any], head: int
) -> bool:
    """A ``hello`` the node wrote (by its own clock) before the hub received anything past
    its ``head``: a USB bundle carried in after an online sync, or a captured message sent
    again. It tells nothing about the node now, so it is no sign of a restored backup and
    no anchor; a node restored from a backup writes its hello after."""
    written = fields.get("time")
    if type(written) is not int:
        return False
    marks = ", ".join("?" * len(branches))
    received = store.scalar(
        f"SELECT min(received_at) FROM events WHERE node_id = ? AND branch IN ({marks}) "
        "AND seq = ?",
        [node_id, *branches, head + 1],
    )
    return received is not None and written + CLOCK_TOLERANCE_S < int(received)


def hello(hub: Hub, node: NodeCert, fields: dict[str, Any]) -> dict[str, Any]:
    """Tell the node what the hub holds of its chain, judged from the node's locator."""
    store = hub.store
    now = int(hub.clock())
    head = require(fields, "head", int)
    locator = require(fields, "loc", list)
    if len(locator) > MAX_LOCATOR:
        raise TooLarge(f"the locator lists more than {MAX_LOCATOR} entries")
    with store.transaction():
        _ensure_main(store, node.node_id, now)
        branches = _branches(store, node.node_id)
        match_seq, match_branch = 0, 0
        for entry in [*locator, [0, genesis_hash(node.node_id)]]:
            if (
                not isinstance(entry, list)
                or len(entry) != 2
                or not isinstance(entry[0], int)
                or not isinstance(entry[1], bytes)
            ):
                raise MalformedBatch("a locator entry is not [seq, hash]")
            found = [b for b in branches if _hash_at(store, node.node_id, b, entry[0]) == entry[1]]
            if found:
                # Prefer the branch the node's own chain goes furthest on.
                match_seq = entry[0]
                match_branch = max(found, key=lambda b: (branches[b][2], -b))
                break
        _, base, tip, tip_hash, held = branches[match_branch]
        stale = tip > head and _written_before_hub_held(
            store, node.node_id, [*branches], fields, head
        )
        if not stale:
            # An anchor: at hub time `now`, the node's log ended at `head`, so every later
            # event was made after `now`, whatever the node's clock said.
            store.execute(
                "INSERT INTO anchors (node_id, head_seq, hub_time) VALUES (?, ?, ?) "
                "ON CONFLICT (node_id, head_seq) DO UPDATE SET hub_time = excluded.hub_time",
                [node.node_id, head, now],
            )
        alert = None
        if held:
            alert = _out_of_results(match_branch, base, held)
        elif head == match_seq and tip > head and not stale:
            alert = alerts.restored(head=head, tip=tip)
            _alert(store, node.node_id, alert)
        floor = slot_floor(store, node.node_id)
        reissue = pending_reissues(store, node.node_id)
    return {
        "m": "welcome",
        "ack": match_seq,
        "branch": match_branch,
        "tip": [tip, tip_hash],
        **_answer_alert(alert),
        "slot_floor": floor,
        "reissue": reissue,
    }


def _incoming(fields: dict[str, Any]) -> tuple[bytes, list[Incoming]]:
    """The batch's previous hash and its events, shape-checked and chained in one pass."""
    prev = require(fields, "prev", bytes)
    events = require(fields, "events", list)
    if len(prev) != HASH_BYTES:
        raise MalformedBatch("the batch's previous hash is not 32 bytes")
    if not events:
        raise MalformedBatch("the batch holds no events")
    if len(events) > MAX_EVENTS_PER_BATCH:
        raise TooLarge(f"the batch holds more than {MAX_EVENTS_PER_BATCH} events")
    first = 0
    incoming: list[Incoming] = []
    running = prev
    for index, event in enumerate(events):
        if (
            not isinstance(event, list)
            or len(event) != 5
            or type(event[0]) is not int
            or not isinstance(event[1], str)
            or type(event[2]) is not int
            or event[0] > MAX_INT
            or not -MAX_INT <= event[2] <= MAX_INT
            or not isinstance(event[3], str)
            or not isinstance(event[4], bytes)
        ):
            raise MalformedBatch(
                f"event {index} of the batch is not [seq, type, at, quality, body]"
            )
        seq, type_, at, quality, body = event
        if index == 0:
            first = seq
            if first < 1:
                raise MalformedBatch("event seqs start at 1")
        elif seq != first + index:
            raise MalformedBatch("the batch's seqs are not consecutive")
        running = chain_hash(running, record_bytes(seq, type_, at, quality, body))
        incoming.append(Incoming(seq, type_, at, quality, body, running))
    return prev, incoming


def _check_event(node: NodeCert, event: Incoming) -> None:
    """Shape and content of one event; poison is marked, out-of-scope raises."""
    try:
        if len(event.body) > MAX_BODY_BYTES:
            raise InvalidEvent(f"the body is over {MAX_BODY_BYTES} bytes")
        if event.quality not in _QUALITIES:
            raise InvalidEvent(f"unknown clock quality {event.quality!r}")
        # As credential times: beyond it no date can be shown (pages, xAPI statements).
        if not 0 <= event.at < MAX_NUMERIC_DATE:
            raise InvalidEvent(f"the event time {event.at} is not a date (seconds since 1970)")
        try:
            body = loads_deterministic(
                event.body, max_bytes=MAX_BODY_BYTES, max_depth=MAX_BODY_DEPTH
            )
        except NotDeterministic as error:
            raise InvalidEvent(f"the body is {error}") from None
        except CredentialError as error:
            raise InvalidEvent(f"the body is not valid CBOR ({error})") from None
        event_type = check_body(event.type, body)
        event.fields = body
        if event_type in _SIGNED_HERE:
            event.credential = _verified_credential(node, body["cose"])
    except OutsideCertificate as error:
        event.quarantine = str(error)
        event.alert = alerts.outside_certificate(seq=event.seq)
    except InvalidEvent as error:
        event.quarantine = str(error)


def _verified_credential(node: NodeCert, cose: bytes) -> MicroCredential:
    try:
        envelope = decode_sign1(cose)
        credential = decode_claims(envelope.payload)
    except CredentialError as error:
        raise InvalidEvent(f"the credential is malformed ({error})") from None
    if not verify_sign1(envelope, node.public_key):
        raise InvalidEvent("the credential's signature is not this node's")
    if credential.issuer != node.node_id:
        raise InvalidEvent("the credential names another issuer")
    if not node.may_certify(credential.module_id):
        raise Forbidden(
            f"node {node.node_id} may not certify module {credential.module_id!r}; "
            "the batch was refused"
        )
    # The verifier's own judgement: a certificate of this key valid when the credential
    # says it was issued, covering its module (a renewal's window does not reach back).
    found = issuing_certificate(credential, node.history)
    if isinstance(found, Verdict):
        raise OutsideCertificate(
            f"the credential is dated {credential.issued_at.isoformat()}, when no certificate "
            f"of this node was valid for module {credential.module_id} ({found.reason})"
        )
    return credential


def push(hub: Hub, node: NodeCert, fields: dict[str, Any]) -> dict[str, Any]:
    """Verify and store one batch; answer the cursor through which the hub now holds."""
    store = hub.store
    now = int(hub.clock())
    prev, incoming = _incoming(fields)
    first, last = incoming[0].seq, incoming[-1].seq
    with store.transaction():
        _ensure_main(store, node.node_id, now)
        lock_branches(store, node.node_id)
        branches = _branches(store, node.node_id)
        candidates = [b for b in branches if _hash_at(store, node.node_id, b, first - 1) == prev]
        if not candidates:
            raise ChainBroken(
                f"the batch does not continue the hub's copy of this node's log at seq "
                f"{first - 1}; say hello again to learn what the hub holds"
            )

        def matched(b: int) -> int:
            count = 0
            for event in incoming:
                if _hash_at(store, node.node_id, b, event.seq) != event.hash:
                    break
                count += 1
            return count

        branch = max(candidates, key=lambda b: (matched(b), -b))
        new: list[Incoming] = []
        for index, event in enumerate(incoming):
            if event.seq > branches[branch][2]:
                # Past the branch's tip every event is new: nothing more to compare.
                new.extend(incoming[index:])
                break
            if _hash_at(store, node.node_id, branch, event.seq) == event.hash:
                continue
            branch = _fork(store, node.node_id, branch, event, branches, now)
            new.append(event)
            _advance(branches, branch, event)
        if new:
            _advance(branches, branch, new[-1])
        for event in new:
            _check_event(node, event)
        _raise_slot_floor(store, node.node_id, new)
        held = branches[branch][4]
        if new:
            _store_events(hub, node, branch, held, new, now)
        raised = [e.alert for e in new if e.alert is not None]
        alert = _out_of_results(branch, branches[branch][1], held) if held else None
        if raised and not held:
            alert = raised[-1]
            _alert(store, node.node_id, alert)
        tip = branches[branch][2]
        quarantined = store.query(
            "SELECT seq, quarantine FROM events WHERE node_id = ? AND branch = ? AND seq >= ? "
            "AND seq <= ? AND quarantine IS NOT NULL ORDER BY seq",
            [node.node_id, branch, first, last],
        )
    reply: dict[str, Any] = {
        "m": "ack",
        "ack": tip,
        "branch": branch,
        "quarantined": [[int(seq), str(reason)] for seq, reason in quarantined],
        **_answer_alert(alert),
    }
    return reply


def _raise_slot_floor(store: Store, node_id: str, new: list[Incoming]) -> None:
    """Note the highest status index among the node's own new credentials, on any branch."""
    slots = [
        e.credential.status_index for e in new if e.credential is not None and not e.quarantine
    ]
    if slots:
        top = max(slots)
        store.execute(
            "UPDATE nodes SET slot_floor = ? WHERE node_id = ? "
            "AND (slot_floor IS NULL OR slot_floor < ?)",
            [top, node_id, top],
        )


def _advance(
    branches: dict[int, tuple[int | None, int, int, bytes, int]], branch: int, event: Incoming
) -> None:
    """Move ``branch``'s tip to ``event``."""
    parent, base, _, _, held = branches[branch]
    branches[branch] = (parent, base, event.seq, event.hash, held)


def _fork(
    store: Store,
    node_id: str,
    parent: int,
    event: Incoming,
    branches: dict[int, tuple[int | None, int, int, bytes, int]],
    now: int,
) -> int:
    """The child branch of ``parent`` that ``event`` starts (found again, or opened now)."""
    base = event.seq - 1
    for b, (p, b_base, b_tip, _, _) in branches.items():
        if (
            p == parent
            and b_base == base
            and b_tip >= event.seq
            and _hash_at(store, node_id, b, event.seq) == event.hash
        ):
            return b
    child = max(branches) + 1
    base_hash = _hash_at(store, node_id, parent, base)
    assert base_hash is not None
    store.execute(
        "INSERT INTO branches (node_id, branch, parent, base_seq, tip_seq, tip_hash, held, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
        [node_id, child, parent, base, base, base_hash, now],
    )
    branches[child] = (parent, base, base, base_hash, 1)
    _alert(store, node_id, alerts.fork(branch=child, seq=base))
    return child


def _store_events(
    hub: Hub, node: NodeCert, branch: int, held: int, new: list[Incoming], now: int
) -> None:
    store = hub.store
    # The latest hub time at which the node's log was known to end before these events
    # (a hello's head, or the enrolment itself) is when they were made at the earliest.
    not_before = store.scalar(
        "SELECT max(t) FROM (SELECT max(hub_time) AS t FROM anchors WHERE node_id = ? "
        "AND head_seq < ? UNION ALL SELECT enrolled_at AS t FROM nodes WHERE node_id = ?) a",
        [node.node_id, new[0].seq, node.node_id],
    )
    rows = []
    flags = []
    for event in new:
        flagged = event.quality == ClockQuality.untrusted or event.at > now + CLOCK_TOLERANCE_S
        if not_before is not None and event.at < not_before - CLOCK_TOLERANCE_S:
            flagged = True
        flags.append(flagged)
        rows.append(
            (
                node.node_id,
                branch,
                event.seq,
                event.type,
                event.at,
                event.quality,
                event.body,
                event.hash,
                now,
                not_before,
                int(flagged),
                held,
                event.quarantine,
            )
        )
    store.executemany(
        "INSERT INTO events (node_id, branch, seq, type, at, clock_quality, body, hash, "
        "received_at, not_before, time_flag, held, quarantine) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    last = new[-1]
    store.execute(
        "UPDATE branches SET tip_seq = ?, tip_hash = ? WHERE node_id = ? AND branch = ?",
        [last.seq, last.hash, node.node_id, branch],
    )
    if held:
        return
    projected = project_events(
        store,
        node.node_id,
        [(e, f) for e, f in zip(new, flags, strict=True) if e.quarantine is None],
        received_at=now,
        not_before=not_before,
    )
    quarantine_set_aside(store, node.node_id, projected.set_aside)
    if projected.revoked:
        publish_trust_list(store, hub.root_key, now=datetime.fromtimestamp(now, UTC))


def quarantine_set_aside(store: Store, node_id: str, set_aside: list[SetAside]) -> None:
    """Quarantine events already stored that projection set aside, as poison: kept in
    the chain, out of results."""
    if set_aside:
        store.executemany(
            "UPDATE events SET quarantine = ? WHERE node_id = ? AND seq = ? AND hash = ?",
            [(s.reason, node_id, s.seq, s.hash) for s in set_aside],
        )


def pull(hub: Hub, node: NodeCert, fields: dict[str, Any]) -> dict[str, Any]:
    """Items for this node after its pull cursor: the latest trust list, packs, its renewed
    certificate."""
    after = require(fields, "after", int)
    # A trust list is a whole snapshot: one a later list supersedes is not sent (a node
    # offline through many revocations would otherwise download every list in between).
    rows = hub.store.query(
        "SELECT item_id, kind, data FROM pull_items WHERE item_id > ? "
        "AND (node_id IS NULL OR node_id = ?) AND (kind <> 'trust' OR item_id = "
        "(SELECT max(item_id) FROM pull_items WHERE kind = 'trust')) ORDER BY item_id LIMIT 200",
        [after, node.node_id],
    )
    items: list[list[Any]] = []
    budget = PULL_BUDGET_BYTES
    cursor = after
    for item_id, kind, data in rows:
        data = bytes(data)
        if items and len(data) > budget:
            break
        items.append([int(item_id), str(kind), data])
        budget -= len(data)
        cursor = int(item_id)
    more = len(items) < len(rows) or len(rows) == 200
    return {"m": "items", "items": items, "cursor": cursor, "more": more}
