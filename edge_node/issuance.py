"""Results and credentials: :mod:`edge_node.assessment` grades a sitting and records its
result, and a pass is issued here at once (:func:`issue_result`), signed by the node key,
in the same transaction as the result and its event.

When the clock cannot be trusted the result is still recorded, and the credential
waits (:func:`issue_pending`) until an admin or the hub sets the time: the node
never dates a credential by a clock it does not trust.

Likewise the node issues only what its own certificate allows: a module (or pathway)
within the certificate's scope, while the certificate is valid. Otherwise the result is
kept, *withheld* (:func:`withheld_reason` says why in plain words), and issued by
:func:`issue_pending` once a certificate that covers it arrives; the hub would refuse
it anyway.

A pathway counts the learner's module credentials from this node and those a worker
recognised from other nodes (:mod:`edge_node.recognition`), if unexpired and not revoked
as far as the node's trust list says (a recognised one is verified again against it).
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from content.model import Pathway
from credentials.certificates import NodeCertificate
from credentials.claims import MAX_HOLDER_NAME, MicroCredential, decode_claims
from credentials.cose import decode_sign1
from credentials.errors import CredentialError
from credentials.issuance import issue
from credentials.trust import TrustList
from credentials.verification import verify
from edge_node import events, trust
from edge_node.errors import ClockUntrusted, NotFound
from edge_node.events import EventType
from edge_node.storage import Row, first, rows, transaction

log = logging.getLogger("edge_node.sync")

CREDENTIAL_ID_BYTES = 8
"""Random credential ids (cti): unique per node, and the node is named by the key id.

Credentials carry no evidence hash: the hub finds the sitting behind a credential by
its id in the synced event log, so the bytes on paper stay few.
"""

if TYPE_CHECKING:
    from edge_node.node import Node


@dataclass(frozen=True)
class ResultView:
    id: str
    sitting_id: str
    learner_id: str
    module_id: str
    module_version: str
    route: str
    passed: bool
    score_percent: int
    outcomes: list[bool]
    graded_at: str
    credential_id: str | None
    withheld: Withheld | None = None
    """Why a pass has no credential, when the node's certificate is the reason."""


@dataclass(frozen=True)
class Withheld:
    """Why the node may not issue a credential, in words a worker can act on: an English
    template (translated by the pages) and its values."""

    template: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.template.format(**self.params)


NOT_ENROLLED = (
    "This centre has no certificate yet, so it cannot issue credentials. The result is "
    "kept; the credential is issued once the certificate is installed."
)
OUT_OF_SCOPE = (
    "This centre's certificate does not cover {module}, so no credential is issued. The "
    "result is kept; the credential is issued if a certificate that covers it arrives."
)
OUTSIDE_VALIDITY = (
    "This centre's certificate is valid from {start} to {end}, so no credential is issued "
    "now. The result is kept; the credential is issued once a valid certificate arrives."
)

NAME_TOO_LONG = (
    "This learner's name is longer than the {limit} characters a credential holds, so no "
    "credential is issued. The result is kept; shorten the name on the learner's card and "
    "the credential is issued."
)


def name_withheld(node: Node, learner_id: str) -> Withheld | None:
    """Why no credential can carry this learner's name (one registered before the limit),
    or None."""
    row = first(node.db, "SELECT name FROM learners WHERE id = ?", [learner_id])
    if row is not None and len(str(row["name"])) > MAX_HOLDER_NAME:
        return Withheld(NAME_TOO_LONG, {"limit": str(MAX_HOLDER_NAME)})
    return None


def own_certificate(node: Node) -> NodeCertificate | None:
    """The node's installed certificate (read once, kept by :mod:`edge_node.trust`)."""
    return trust.own_certificate(node)


def withheld_reason(
    node: Node, module_id: str, *, cert: NodeCertificate | None = None, at: datetime | None = None
) -> Withheld | None:
    """Why this node may not issue for ``module_id`` (a module or pathway id) now, or None."""
    cert = cert if cert is not None else own_certificate(node)
    if cert is None:
        return Withheld(NOT_ENROLLED)
    if not cert.covers(module_id):
        return Withheld(OUT_OF_SCOPE, {"module": module_id})
    if not cert.valid_at(at or node.clock.now()):
        return Withheld(
            OUTSIDE_VALIDITY,
            {"start": cert.not_before.date().isoformat(), "end": cert.not_after.date().isoformat()},
        )
    return None


_RESULT_COLUMNS = (
    "r.id, r.sitting_id, r.learner_id, r.module_id, r.module_version, r.route, r.passed, "
    "r.score_percent, r.outcomes, r.graded_at, "
    "(SELECT c.id FROM credentials c WHERE c.result_id = r.id AND c.pathway = 0) "
    "AS credential_id"
)


def _result(row: Row, node: Node, cert: NodeCertificate | None) -> ResultView:
    withheld = None
    if row["passed"] and row["credential_id"] is None:
        withheld = withheld_reason(node, row["module_id"], cert=cert) or name_withheld(
            node, row["learner_id"]
        )
    return ResultView(
        id=row["id"],
        sitting_id=row["sitting_id"],
        learner_id=row["learner_id"],
        module_id=row["module_id"],
        module_version=row["module_version"],
        route=row["route"],
        passed=bool(row["passed"]),
        score_percent=row["score_percent"],
        outcomes=json.loads(row["outcomes"]),
        graded_at=row["graded_at"],
        credential_id=row["credential_id"],
        withheld=withheld,
    )


def result_for_sitting(node: Node, sitting_id: str) -> ResultView | None:
    row = first(
        node.db, f"SELECT {_RESULT_COLUMNS} FROM results r WHERE r.sitting_id = ?", [sitting_id]
    )
    return None if row is None else _result(row, node, own_certificate(node))


def failed_key_tasks(node: Node, result_id: str) -> list[str]:
    """The must-pass practical criteria (ids) a result fell short on."""
    row = first(node.db, "SELECT detail FROM results WHERE id = ?", [result_id])
    detail = json.loads(row["detail"]) if row is not None and row["detail"] else {}
    return [str(c) for c in detail.get("failed_must_pass", [])]


def results(node: Node, *, learner_id: str | None = None, limit: int = 200) -> list[ResultView]:
    found = rows(
        node.db,
        f"SELECT {_RESULT_COLUMNS} FROM results r WHERE (? IS NULL OR r.learner_id = ?) "
        "ORDER BY r.graded_at DESC LIMIT ?",
        [learner_id, learner_id, limit],
    )
    cert = own_certificate(node)
    return [_result(row, node, cert) for row in found]


def issue_result(node: Node, result_id: str) -> str | None:
    """Issue the credential of a recorded result that passed, when the clock is trusted
    (else it waits for :func:`issue_pending`); inside the caller's transaction. The new
    credential's id, or None."""
    if not node.clock.status().trusted:
        return None
    return _issue_module(node, result_id)


def _next_status_index(node: Node) -> int:
    """One above every slot this node used, and above every slot the hub has seen from it:
    a node restored from an old backup has forgotten what it issued since, the hub has not
    (its hello answer carries the floor)."""
    from sync.client import slot_floor

    row = first(node.db, "SELECT coalesce(max(status_index), -1) + 1 AS next FROM credentials")
    floor = slot_floor(node.db)
    return max(int(row["next"]) if row else 0, -1 if floor is None else floor + 1)


def _holder(node: Node, learner_id: str) -> tuple[str, str]:
    row = first(node.db, "SELECT id, name FROM learners WHERE id = ?", [learner_id])
    if row is None:
        raise NotFound("No such learner")
    return str(row["id"]), str(row["name"])


def _expiry(issued_at: datetime, years: int | None) -> datetime | None:
    if years is None:
        return None
    try:
        return issued_at.replace(year=issued_at.year + years)
    except ValueError:  # 29 February
        return issued_at.replace(year=issued_at.year + years, day=28)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _store_credential(
    node: Node,
    *,
    credential: MicroCredential,
    learner_id: str,
    result_id: str | None,
    event: EventType,
    event_body: dict[str, object],
    replaces: str | None = None,
) -> str:
    """Sign, store and log one credential; inside the caller's transaction."""
    cose = issue(node.key, credential)
    credential_id = credential.credential_id.hex()
    node.db.table("credentials").insert(
        {
            "replaces": replaces,
            "reissued_at": node.clock.now().isoformat() if replaces else None,
            "id": credential_id,
            "learner_id": learner_id,
            "subject": credential.subject,
            "module_id": credential.module_id,
            "module_version": credential.module_version,
            "pathway": int(credential.pathway),
            "result_id": result_id,
            "status_index": credential.status_index,
            "issued_at": credential.issued_at.isoformat(),
            "expires_at": _iso(credential.expires_at),
            "cose": cose,
        }
    )
    events.record(
        node.db,
        node_id=node.node_id,
        clock=node.clock,
        type=event,
        body={"cose": cose, "learner": learner_id, **event_body},
    )
    return credential_id


def _issue_module(node: Node, result_id: str) -> str | None:
    """Issue the credential of a passed result, unless the node's certificate does not
    allow it now (the result stays withheld) or it has its credential already (another
    connection, the sync loop's or a CLI's, issued it first); inside the caller's
    transaction."""
    row = first(
        node.db,
        "SELECT learner_id, module_id, module_version, route, score_percent, outcomes "
        "FROM results r WHERE id = ? AND passed = 1 AND NOT EXISTS "
        "(SELECT 1 FROM credentials c WHERE c.result_id = r.id)",
        [result_id],
    )
    if row is None:
        return None
    learner_id, module_id = row["learner_id"], row["module_id"]
    module = node.module_at(module_id, row["module_version"]) or node.modules[module_id]
    clock = node.clock.trusted_now()
    if withheld_reason(node, module_id, at=clock.now) is not None:
        return None
    if name_withheld(node, learner_id) is not None:
        return None
    subject, holder_name = _holder(node, learner_id)
    credential = MicroCredential(
        issuer=node.node_id,
        subject=subject,
        issued_at=clock.now.replace(microsecond=0),
        credential_id=secrets.token_bytes(CREDENTIAL_ID_BYTES),
        expires_at=_expiry(clock.now.replace(microsecond=0), module.validity_years),
        module_id=module_id,
        module_version=row["module_version"],
        outcomes=tuple(bool(x) for x in json.loads(row["outcomes"])),
        score_percent=row["score_percent"],
        route=row["route"],
        holder_name=holder_name,
        status_index=_next_status_index(node),
        pathway=False,
    )
    credential_id = _store_credential(
        node,
        credential=credential,
        learner_id=learner_id,
        result_id=result_id,
        event=EventType.credential_issued,
        event_body={"result": result_id},
    )
    issue_pathways(node, learner_id, module_id)
    return credential_id


def issue_replacements(node: Node) -> list[str]:
    """Issue each credential the hub's staff asked this node to issue again (``reissue`` in
    the hub's last welcome): the same claims with a new id on the next free slot, so the
    holder can be given paper that can be revoked on its own. One transaction each; a
    request already answered is skipped. The new credentials' ids.

    The learner is the one who holds the replaced credential here, or the hub's record of
    them when a restored node has lost it."""
    from sync.client import reissue_requests
    from sync.errors import SyncError

    issued = []
    for request in reissue_requests(node.db):
        old_id = request.credential_id.hex()
        with transaction(node.db):
            if first(node.db, "SELECT 1 FROM credentials WHERE replaces = ?", [old_id]):
                continue
            try:
                credential = request.replacement(
                    node.key,
                    credential_id=secrets.token_bytes(CREDENTIAL_ID_BYTES),
                    status_index=_next_status_index(node),
                )
            except (SyncError, CredentialError) as error:  # signed by the hub, yet unusable
                log.warning("reissue of %s refused: %s", old_id, error)
                continue
            held = first(
                node.db, "SELECT learner_id, result_id FROM credentials WHERE id = ?", [old_id]
            )
            learner_id = held["learner_id"] if held else request.learner
            result_id = held["result_id"] if held else None
            issued.append(
                _store_credential(
                    node,
                    credential=credential,
                    learner_id=learner_id,
                    result_id=result_id,
                    event=EventType.credential_issued,
                    event_body={"replaces": request.credential_id},
                    replaces=old_id,
                )
            )
    return issued


@dataclass(frozen=True)
class Replacement:
    credential_id: str
    holder_name: str
    module_id: str
    pathway: bool


def recent_replacements(node: Node, *, days: int = 30) -> list[Replacement]:
    """Credentials issued again in the last ``days``: new paper for the worker to give."""
    since = (node.clock.now() - timedelta(days=days)).isoformat()
    found = rows(
        node.db,
        "SELECT id, module_id, pathway, cose FROM credentials "
        "WHERE replaces IS NOT NULL AND reissued_at >= ? ORDER BY reissued_at DESC LIMIT 20",
        [since],
    )
    return [
        Replacement(
            credential_id=row["id"],
            holder_name=decode_claims(decode_sign1(bytes(row["cose"])).payload).holder_name,
            module_id=row["module_id"],
            pathway=bool(row["pathway"]),
        )
        for row in found
    ]


def issue_pathways(node: Node, learner_id: str, module_id: str) -> list[str]:
    """Issue every pathway containing ``module_id`` that the learner now completes (inside
    the caller's transaction); the new credential ids."""
    issued = []
    for pathway in node.pathways.values():
        if module_id in pathway.modules:
            credential_id = _maybe_issue_pathway(node, pathway, learner_id)
            if credential_id is not None:
                issued.append(credential_id)
    return issued


def issue_completed_pathways(node: Node, learner_id: str) -> list[str]:
    """Issue every pathway the learner now completes but does not hold (inside the
    caller's transaction); the new credential ids."""
    issued = (_maybe_issue_pathway(node, p, learner_id) for p in node.pathways.values())
    return [credential_id for credential_id in issued if credential_id is not None]


def _usable(
    trust_list: TrustList | None,
    issuer: str,
    status_index: int,
    expires_at: datetime | None,
    now: datetime,
) -> bool:
    """Unexpired and not revoked, as far as this node's trust list says."""
    if expires_at is not None and now >= expires_at:
        return False
    status = trust_list.status_lists.get(issuer) if trust_list is not None else None
    return status is None or not status.is_set(status_index)


def _countable(node: Node, learner_id: str, now: datetime) -> dict[str, tuple[str, int]]:
    """The learner's module credentials a pathway may count: module id → (credential id
    in hex, score), this node's own first, then those recognised from other nodes."""
    trust_list = trust.current(node)
    earned: dict[str, tuple[str, int]] = {}
    for own in node.db.query(
        "SELECT c.module_id, c.id, r.score_percent, c.status_index, c.expires_at "
        "FROM credentials c JOIN results r ON r.id = c.result_id "
        "WHERE c.learner_id = ? AND c.pathway = 0 ORDER BY c.issued_at",
        [learner_id],
    ):
        expiry = own["expires_at"]
        expires_at = None if expiry is None else datetime.fromisoformat(expiry)
        index = own["status_index"]
        if own["module_id"] not in earned and _usable(
            trust_list, node.node_id, index, expires_at, now
        ):
            earned[own["module_id"]] = (own["id"], int(own["score_percent"]))
    for other in node.db.query(
        "SELECT module_id, id, score_percent, cose FROM recognised WHERE learner_id = ? "
        "ORDER BY issued_at",
        [learner_id],
    ):
        # Checked again in full: a later trust list may have revoked the issuing centre
        # or dropped its certificate, not only revoked the credential.
        if (
            other["module_id"] not in earned
            and trust_list is not None
            and verify(bytes(other["cose"]), trust_list, now=now).genuine
        ):
            earned[other["module_id"]] = (other["id"], int(other["score_percent"]))
    return earned


def _maybe_issue_pathway(node: Node, pathway: Pathway, learner_id: str) -> str | None:
    already = first(
        node.db,
        "SELECT 1 FROM credentials WHERE learner_id = ? AND module_id = ? AND pathway = 1",
        [learner_id, pathway.id],
    )
    if already:
        return None
    # Most issuances complete no pathway: leave before reading the trust list.
    held = {
        row["module_id"]
        for row in node.db.query(
            "SELECT module_id FROM credentials WHERE learner_id = ? AND pathway = 0 "
            "UNION SELECT module_id FROM recognised WHERE learner_id = ?",
            [learner_id, learner_id],
        )
    }
    if not held.issuperset(pathway.modules):
        return None
    clock = node.clock.trusted_now()
    if withheld_reason(node, pathway.id, at=clock.now) is not None:
        return None
    if name_withheld(node, learner_id) is not None:
        return None
    countable = _countable(node, learner_id, clock.now)
    if not all(module_id in countable for module_id in pathway.modules):
        return None
    earned = {m: countable[m][0] for m in pathway.modules}
    scores = {m: countable[m][1] for m in pathway.modules}
    subject, holder_name = _holder(node, learner_id)
    issued_at = clock.now.replace(microsecond=0)
    from_ids = [earned[m] for m in pathway.modules]
    credential = MicroCredential(
        issuer=node.node_id,
        subject=subject,
        issued_at=issued_at,
        credential_id=secrets.token_bytes(CREDENTIAL_ID_BYTES),
        expires_at=None,
        module_id=pathway.id,
        module_version=pathway.version,
        # A pathway's "outcomes" are its modules, all achieved; its score their mean.
        outcomes=tuple(True for _ in pathway.modules),
        score_percent=sum(scores[m] for m in pathway.modules) // len(pathway.modules),
        route="course",
        holder_name=holder_name,
        status_index=_next_status_index(node),
        pathway=True,
    )
    credential_id = _store_credential(
        node,
        credential=credential,
        learner_id=learner_id,
        result_id=None,
        event=EventType.pathway_issued,
        event_body={"from": from_ids},
    )
    return credential_id


def issue_for_learner(node: Node, learner_id: str) -> list[str]:
    """Issue what one learner passed but was not given (their name was too long, say) and
    the pathways they now complete, when the clock is trusted; the new credential ids."""
    if not node.clock.status().trusted:
        return []
    issued = []
    passed = rows(
        node.db,
        "SELECT id FROM results r WHERE learner_id = ? AND passed = 1 AND NOT EXISTS "
        "(SELECT 1 FROM credentials c WHERE c.result_id = r.id) ORDER BY graded_at",
        [learner_id],
    )
    for result in passed:
        with transaction(node.db):
            credential_id = _issue_module(node, str(result["id"]))
        if credential_id is not None:
            issued.append(credential_id)
    with transaction(node.db):
        issued += issue_completed_pathways(node, learner_id)
    return issued


def issue_pending(node: Node) -> int:
    """Issue every passed result still waiting for a trusted clock or a certificate that
    allows it, and every pathway its learner completes but does not hold yet (recognised
    credentials, or a certificate that did not cover the pathway then); returns how many
    credentials were issued."""
    if not node.clock.status().trusted:
        raise ClockUntrusted("The clock is still not trusted; set the time first")
    issued = 0
    for view in reversed(unissued(node).waiting):  # oldest first
        with transaction(node.db):
            issued += _issue_module(node, view.id) is not None
    cert = own_certificate(node)
    for pathway in node.pathways.values():
        if withheld_reason(node, pathway.id, cert=cert) is not None:
            continue  # no transaction per learner for a pathway the node may not issue
        for learner_id in _pathway_candidates(node, pathway):
            with transaction(node.db):
                issued += _maybe_issue_pathway(node, pathway, learner_id) is not None
    return issued


def _pathway_candidates(node: Node, pathway: Pathway) -> list[str]:
    """Learners holding a credential (own or recognised) for each of the pathway's
    modules but not the pathway's own."""
    marks = ", ".join("?" * len(pathway.modules))
    found = node.db.query(
        f"SELECT learner_id FROM (SELECT learner_id, module_id FROM credentials "
        f"WHERE pathway = 0 AND module_id IN ({marks}) UNION SELECT learner_id, module_id "
        f"FROM recognised WHERE module_id IN ({marks})) GROUP BY learner_id "
        "HAVING count(*) = ? AND learner_id NOT IN "
        "(SELECT learner_id FROM credentials WHERE pathway = 1 AND module_id = ?)",
        [*pathway.modules, *pathway.modules, len(set(pathway.modules)), pathway.id],
    )
    return [str(row["learner_id"]) for row in found]


@dataclass(frozen=True)
class Unissued:
    """Passed results without their credential, newest first."""

    waiting: list[ResultView]
    """Waiting for a trusted clock: issued as soon as the time is set."""
    withheld: list[ResultView]
    """Outside what the node's certificate allows: issued when a certificate covers them."""


def unissued(node: Node) -> Unissued:
    found = rows(
        node.db,
        f"SELECT {_RESULT_COLUMNS} FROM results r WHERE r.passed = 1 AND NOT EXISTS "
        "(SELECT 1 FROM credentials c WHERE c.result_id = r.id) ORDER BY r.graded_at DESC",
    )
    cert = own_certificate(node)
    views = [_result(row, node, cert) for row in found]
    return Unissued(
        waiting=[view for view in views if view.withheld is None],
        withheld=[view for view in views if view.withheld is not None],
    )


@dataclass(frozen=True)
class CredentialRecord:
    id: str
    learner_id: str
    subject: str
    module_id: str
    module_version: str
    pathway: bool
    status_index: int
    issued_at: str
    cose: bytes
    expires_at: str | None = None


def credential(node: Node, credential_id: str) -> CredentialRecord:
    row = first(
        node.db,
        f"SELECT {_CREDENTIAL_COLUMNS} FROM credentials WHERE id = ?",
        [credential_id[:64]],
    )
    if row is None:
        raise NotFound("No such credential")
    return _credential_record(row)


_CREDENTIAL_COLUMNS = (
    "id, learner_id, subject, module_id, module_version, pathway, status_index, issued_at, "
    "cose, expires_at"
)


def _credential_record(row: Row) -> CredentialRecord:
    return CredentialRecord(
        id=row["id"],
        learner_id=row["learner_id"],
        subject=row["subject"],
        module_id=row["module_id"],
        module_version=row["module_version"],
        pathway=bool(row["pathway"]),
        status_index=row["status_index"],
        issued_at=row["issued_at"],
        cose=bytes(row["cose"]),
        expires_at=row["expires_at"],
    )


def learner_credentials(node: Node, learner_id: str) -> list[CredentialRecord]:
    found = node.db.query(
        f"SELECT {_CREDENTIAL_COLUMNS} FROM credentials WHERE learner_id = ? "
        "ORDER BY issued_at DESC",
        [learner_id],
    )
    return [_credential_record(row) for row in found]
