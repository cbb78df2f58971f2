"""Staff decisions on a node's fork branches: look at both sides, then accept or reject.

Ingest (``hub.ingest``) opens a child branch when a node sends a different event
at a seq the hub already holds, and *holds* it. ``branches.held`` says what happens to
a branch's events, now and for the batches that follow on it:

* ``0`` — in results (branch 0 always; a fork once staff accept it);
* ``1`` — held: stored and acknowledged, kept out of results until staff decide;
* ``2`` — rejected by staff: stored, kept out of results for good.

Accepting a restored backup's branch projects its events into results once, in the
same transaction that records the decision; the node's later batches on it are then
projected as they arrive. Every decision is recorded in ``fork_decisions`` with the
staff member, the time and their reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from credentials.cbor import loads_untrusted
from credentials.claims import MicroCredential, decode_claims
from credentials.cose import decode_sign1
from credentials.errors import CredentialError
from credentials.keys import SigningKey
from hub.incoming import Incoming
from hub.ingest import (
    MAX_BODY_BYTES,
    MAX_BODY_DEPTH,
    REJECTED,
    lock_branches,
    quarantine_set_aside,
)
from hub.nodes import check_reason, publish_trust_list
from hub.projection import project_events
from hub.store import Store
from sync.errors import NotFound, SyncError
from sync.eventlog import EventType

IN_RESULTS, HELD = 0, 1
_CREDENTIAL_TYPES = (EventType.credential_issued, EventType.pathway_issued)


class DecisionConflict(SyncError):
    """A decision that contradicts an earlier one (accepting a rejected branch...)."""

    status = 409
    reason = "decision_conflict"


@dataclass(frozen=True)
class Decision:
    decision: str
    reason: str
    staff: str
    decided_at: int


@dataclass
class Side:
    """One chain after the common seq: the hub's copy, or the fork."""

    branch: int
    events: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    first_at: int | None = None
    last_at: int | None = None
    quarantined: int = 0
    credentials: list[MicroCredential] = field(default_factory=list)


@dataclass
class Fork:
    node_id: str
    branch: int
    parent: int
    base_seq: int
    tip_seq: int
    created_at: int
    state: str
    """``held``, ``accepted`` or ``rejected``."""
    decision: Decision | None
    hub: Side
    fork: Side
    shared_status_slots: list[int]
    """Revocation slots the fork's credentials share with credentials in results."""
    parent_in_results: bool
    """Only then can the branch be accepted: its chain below the base is the parent's."""


def _node_organisation(store: Store, node_id: str) -> str | None:
    value = store.scalar("SELECT organisation FROM nodes WHERE node_id = ?", [node_id])
    return None if value is None else str(value)


def _require_node(store: Store, organisation: str, node_id: str) -> None:
    if _node_organisation(store, node_id) != organisation:
        raise NotFound(f"no centre {node_id}")


def _credential(body: dict[str, Any]) -> MicroCredential | None:
    try:
        return decode_claims(decode_sign1(bytes(body["cose"])).payload)
    except (CredentialError, KeyError, TypeError):
        return None


def _body(raw: bytes) -> dict[str, Any]:
    decoded = loads_untrusted(raw, max_bytes=MAX_BODY_BYTES, max_depth=MAX_BODY_DEPTH)
    return decoded if isinstance(decoded, dict) else {}


def _chain_rows(store: Store, node_id: str, branch: int, after: int) -> list[tuple[Any, ...]]:
    """The events of ``branch``'s chain with seq > ``after``, in seq order, walking up to
    parents for the seqs a branch inherits."""
    rows: list[tuple[Any, ...]] = []
    current: int | None = branch
    upper: int | None = None
    while current is not None:
        row = store.record(
            "SELECT parent, base_seq FROM branches WHERE node_id = ? AND branch = ?",
            [node_id, current],
        )
        if row is None:
            break
        parent, base = row["parent"], int(row["base_seq"])
        rows[:0] = store.query(
            "SELECT seq, type, at, quarantine, body FROM events WHERE node_id = ? "
            "AND branch = ? AND seq > ? AND seq <= ? ORDER BY seq",
            [node_id, current, max(after, base), upper if upper is not None else 2**62],
        )
        if after >= base:
            break
        current, upper = (None if parent is None else int(parent)), base
    return rows


def _side(branch: int, rows: list[tuple[Any, ...]]) -> Side:
    side = Side(branch)
    counts: Counter[str] = Counter()
    for _seq, type_, at, quarantine, body in rows:
        side.events += 1
        counts[str(type_)] += 1
        side.first_at = int(at) if side.first_at is None else min(side.first_at, int(at))
        side.last_at = int(at) if side.last_at is None else max(side.last_at, int(at))
        if quarantine is not None:
            side.quarantined += 1
        elif type_ in _CREDENTIAL_TYPES:
            credential = _credential(_body(bytes(body)))
            if credential is not None:
                side.credentials.append(credential)
    side.by_type = dict(sorted(counts.items()))
    return side


def _decision(store: Store, node_id: str, branch: int) -> Decision | None:
    row = store.record(
        "SELECT decision, reason, staff, decided_at FROM fork_decisions "
        "WHERE node_id = ? AND branch = ?",
        [node_id, branch],
    )
    if row is None:
        return None
    return Decision(
        str(row["decision"]), str(row["reason"]), str(row["staff"]), int(row["decided_at"])
    )


def node_forks(store: Store, organisation: str, node_id: str) -> list[Fork]:
    """Every fork branch of a node (oldest first), each beside the chain it left."""
    _require_node(store, organisation, node_id)
    branches = store.query(
        "SELECT branch, parent, base_seq, tip_seq, held, created_at FROM branches "
        "WHERE node_id = ? AND branch <> 0 ORDER BY branch",
        [node_id],
    )
    in_results = {
        int(index)
        for (index,) in store.query(
            "SELECT status_index FROM credentials WHERE node_id = ?", [node_id]
        )
    }
    held_by_branch = {
        0: IN_RESULTS,
        **{int(branch): int(held) for branch, _, _, _, held, _ in branches},
    }
    forks = []
    for branch, parent, base, tip, held, created_at in branches:
        fork_side = _side(int(branch), _chain_rows(store, node_id, int(branch), int(base)))
        held = int(held)
        state = "accepted" if held == IN_RESULTS else "rejected" if held == REJECTED else "held"
        forks.append(
            Fork(
                node_id=node_id,
                branch=int(branch),
                parent=int(parent),
                base_seq=int(base),
                tip_seq=int(tip),
                created_at=int(created_at),
                state=state,
                decision=_decision(store, node_id, int(branch)),
                hub=_side(int(parent), _chain_rows(store, node_id, int(parent), int(base))),
                fork=fork_side,
                shared_status_slots=sorted(
                    {c.status_index for c in fork_side.credentials} & in_results
                )
                if state == "held"
                else [],
                parent_in_results=held_by_branch.get(int(parent)) == IN_RESULTS,
            )
        )
    return forks


def nodes_with_held_forks(store: Store, organisation: str) -> set[str]:
    """The organisation's nodes with a fork branch waiting for a staff decision."""
    rows = store.query(
        "SELECT DISTINCT b.node_id FROM branches b JOIN nodes n ON n.node_id = b.node_id "
        "WHERE n.organisation = ? AND b.held = ?",
        [organisation, HELD],
    )
    return {str(node_id) for (node_id,) in rows}


def _branch_state(store: Store, node_id: str, branch: int) -> tuple[int, int]:
    """The branch's ``held`` value and its parent's; 404 for branch 0 or an unknown one."""
    row = store.record(
        "SELECT b.held AS held, p.held AS parent_held FROM branches b JOIN branches p "
        "ON p.node_id = b.node_id AND p.branch = b.parent WHERE b.node_id = ? AND b.branch = ?",
        [node_id, branch],
    )
    if row is None:
        raise NotFound(f"centre {node_id} has no fork branch {branch}")
    return int(row["held"]), int(row["parent_held"])


def _record(
    store: Store,
    node_id: str,
    branch: int,
    decision: str,
    held: int,
    reason: str,
    staff: str,
    now: int,
) -> None:
    store.execute(
        "UPDATE branches SET held = ? WHERE node_id = ? AND branch = ?", [held, node_id, branch]
    )
    store.execute(
        "UPDATE events SET held = ? WHERE node_id = ? AND branch = ?", [held, node_id, branch]
    )
    store.execute(
        "INSERT INTO fork_decisions (node_id, branch, decision, reason, staff, decided_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [node_id, branch, decision, reason, staff, now],
    )
    # The node's alert was about the fork; it stays while another branch is undecided.
    store.execute(
        "UPDATE nodes SET alert = NULL, alert_detail = NULL WHERE node_id = ? AND NOT EXISTS "
        "(SELECT 1 FROM branches WHERE node_id = ? AND held = ?)",
        [node_id, node_id, HELD],
    )


def _project_branch(store: Store, node_id: str, branch: int) -> bool:
    """Project the branch's own unquarantined events, in seq order, as ingest would have;
    True if they revoked a credential (``project_events``)."""
    rows = store.query(
        "SELECT seq, type, at, clock_quality, body, hash, received_at, not_before, time_flag "
        "FROM events WHERE node_id = ? AND branch = ? AND quarantine IS NULL ORDER BY seq",
        [node_id, branch],
    )
    # One projection call per stored batch: the batch's receipt time and anchor travel
    # with its credentials into the registry.
    run: list[tuple[Incoming, bool]] = []
    key: tuple[int, int | None] | None = None
    revoked = False
    for seq, type_, at, quality, raw, hash_, received_at, not_before, time_flag in rows:
        body = _body(bytes(raw))
        event = Incoming(int(seq), str(type_), int(at), str(quality), bytes(raw), bytes(hash_))
        event.fields = body
        if type_ in _CREDENTIAL_TYPES:
            event.credential = _credential(body)
            if event.credential is None:
                continue
        batch = (int(received_at), None if not_before is None else int(not_before))
        if run and batch != key:
            assert key is not None
            revoked |= _project_run(store, node_id, run, key)
            run = []
        key = batch
        run.append((event, bool(time_flag)))
    if run and key is not None:
        revoked |= _project_run(store, node_id, run, key)
    return revoked


def _project_run(
    store: Store, node_id: str, run: list[tuple[Incoming, bool]], batch: tuple[int, int | None]
) -> bool:
    """Project one stored batch's events and quarantine those projection set aside."""
    projected = project_events(store, node_id, run, received_at=batch[0], not_before=batch[1])
    quarantine_set_aside(store, node_id, projected.set_aside)
    return projected.revoked


def accept_branch(
    store: Store,
    organisation: str,
    node_id: str,
    branch: int,
    *,
    staff: str,
    reason: str,
    now: int,
    root_key: SigningKey | None = None,
) -> bool:
    """Put a held branch's events into results now, and its later batches as they come.
    True if this call accepted it, False if it was accepted already. With ``root_key``, a
    trust list is published if the branch's events revoke a credential."""
    reason = check_reason(reason)
    _require_node(store, organisation, node_id)
    with store.transaction():
        # A batch on this branch stored by another hub process waits, or is waited for:
        # it is either projected by this acceptance or projected directly.
        lock_branches(store, node_id)
        held, parent_held = _branch_state(store, node_id, branch)
        if held == IN_RESULTS:
            return False
        if held == REJECTED:
            raise DecisionConflict(f"branch {branch} was rejected; it stays out of results")
        if parent_held != IN_RESULTS:
            raise DecisionConflict(
                f"branch {branch} grew from a branch that is not in results: decide that first"
            )
        _record(store, node_id, branch, "accepted", IN_RESULTS, reason, staff, now)
        if _project_branch(store, node_id, branch) and root_key is not None:
            publish_trust_list(store, root_key, now=datetime.fromtimestamp(now, UTC))
    return True


def reject_branch(
    store: Store, organisation: str, node_id: str, branch: int, *, staff: str, reason: str, now: int
) -> bool:
    """Keep a held branch out of results for good. True if this call rejected it, False if
    it was rejected already."""
    reason = check_reason(reason)
    _require_node(store, organisation, node_id)
    with store.transaction():
        lock_branches(store, node_id)
        held, _ = _branch_state(store, node_id, branch)
        if held == REJECTED:
            return False
        if held == IN_RESULTS:
            raise DecisionConflict(f"branch {branch} was accepted; its results are in")
        _record(store, node_id, branch, "rejected", REJECTED, reason, staff, now)
    return True
