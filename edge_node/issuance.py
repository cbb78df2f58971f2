"""Results and credentials: a graded sitting is recorded, and a pass is issued at once,
signed by the node key, in the same transaction as the result and its event.

When the clock cannot be trusted the result is still recorded, and the credential
waits (:func:`issue_pending`) until an admin or the hub sets the time: the node
never dates a credential by a clock it does not trust.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from content.grading import DrawnItem, Grade, grade_attempt
from content.model import Module, Pathway
from credentials.claims import MicroCredential
from credentials.issuance import issue
from edge_node import events
from edge_node.errors import ClockUntrusted, NotFound
from edge_node.events import EventType
from edge_node.storage import transaction

CREDENTIAL_ID_BYTES = 8
"""Random credential ids (cti): unique per node, and the node is named by the key id.

Credentials carry no evidence hash: the hub finds the sitting behind a credential by
its id in the synced event log, so the bytes on paper stay few.
"""

if TYPE_CHECKING:
    from edge_node.assessment import Session, Sitting
    from edge_node.node import Node


def grade(
    module: Module,
    drawn: list[DrawnItem],
    answers: dict[str, Any],
    checklist: dict[str, int] | None,
    route: str = "course",
) -> Grade:
    """Grade what is known; an unscored checklist counts at its lowest levels."""
    if checklist is None:
        checklist = {c.id: min(level.score for level in c.levels) for c in module.checklist}
    return grade_attempt(
        module=module,
        drawn=drawn,
        answers=answers,
        checklist=checklist,
        route="prior_learning" if route == "prior_learning" else "course",
    )


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


_RESULT_COLUMNS = (
    "r.id, r.sitting_id, r.learner_id, r.module_id, r.module_version, r.route, r.passed, "
    "r.score_percent, r.outcomes, r.graded_at, "
    "(SELECT c.id FROM credentials c WHERE c.result_id = r.id AND c.pathway = 0)"
)


def _result(row: Any) -> ResultView:
    return ResultView(
        id=row[0],
        sitting_id=row[1],
        learner_id=row[2],
        module_id=row[3],
        module_version=row[4],
        route=row[5],
        passed=bool(row[6]),
        score_percent=row[7],
        outcomes=json.loads(row[8]),
        graded_at=row[9],
        credential_id=row[10],
    )


def result_for_sitting(node: Node, sitting_id: str) -> ResultView | None:
    row = node.db.execute(
        f"SELECT {_RESULT_COLUMNS} FROM results r WHERE r.sitting_id = ?", [sitting_id]
    ).fetchone()
    return None if row is None else _result(row)


def results(node: Node, *, learner_id: str | None = None, limit: int = 200) -> list[ResultView]:
    rows = node.db.execute(
        f"SELECT {_RESULT_COLUMNS} FROM results r WHERE (? IS NULL OR r.learner_id = ?) "
        "ORDER BY r.graded_at DESC LIMIT ?",
        [learner_id, learner_id, limit],
    ).fetchall()
    return [_result(row) for row in rows]


def record_result(node: Node, *, sitting: Sitting, session: Session, module: Module) -> None:
    """Grade a complete sitting and store its result; on a pass, issue. Call inside a
    transaction (the caller's), so the result, the credential and the events commit together."""
    from edge_node.assessment import _drawn_items

    result = grade(module, _drawn_items(sitting), sitting.answers, sitting.checklist, session.route)
    result_id = secrets.token_hex(8)
    node.db.table("results").insert(
        {
            "id": result_id,
            "sitting_id": sitting.id,
            "learner_id": sitting.learner_id,
            "module_id": module.id,
            "module_version": module.version,
            "route": session.route,
            "passed": int(result.passed),
            "score_percent": result.score_percent,
            "outcomes": json.dumps(list(result.outcomes_achieved)),
            "detail": json.dumps(
                {
                    "points_earned": result.points_earned,
                    "points_available": result.points_available,
                    "failed_must_pass": list(result.failed_must_pass),
                    "outcome_fractions": dict(result.outcome_fractions),
                }
            ),
            "graded_at": node.clock.now().isoformat(),
        }
    )
    if result.passed and node.clock.status().trusted:
        _issue_module(node, result_id)


def _next_status_index(node: Node) -> int:
    row = node.db.execute("SELECT coalesce(max(status_index), -1) + 1 FROM credentials").fetchone()
    return int(row[0])


def _holder(node: Node, learner_id: str) -> tuple[str, str]:
    row = node.db.execute("SELECT id, name FROM learners WHERE id = ?", [learner_id]).fetchone()
    if row is None:
        raise NotFound("No such learner")
    return str(row[0]), str(row[1])


def _expiry(issued_at: datetime, years: int | None) -> datetime | None:
    if years is None:
        return None
    try:
        return issued_at.replace(year=issued_at.year + years)
    except ValueError:  # 29 February
        return issued_at.replace(year=issued_at.year + years, day=28)


def _store_credential(
    node: Node,
    *,
    credential: MicroCredential,
    learner_id: str,
    result_id: str | None,
    event: EventType,
    event_body: dict[str, object],
) -> str:
    """Sign, store and log one credential; inside the caller's transaction."""
    cose = issue(node.key, credential)
    credential_id = credential.credential_id.hex()
    node.db.table("credentials").insert(
        {
            "id": credential_id,
            "learner_id": learner_id,
            "subject": credential.subject,
            "module_id": credential.module_id,
            "module_version": credential.module_version,
            "pathway": int(credential.pathway),
            "result_id": result_id,
            "status_index": credential.status_index,
            "issued_at": credential.issued_at.isoformat(),
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


def _issue_module(node: Node, result_id: str) -> str:
    """Issue the credential of a passed result; inside the caller's transaction."""
    row = node.db.execute(
        "SELECT learner_id, module_id, module_version, route, score_percent, outcomes "
        "FROM results WHERE id = ? AND passed = 1",
        [result_id],
    ).fetchone()
    learner_id, module_id, module_version, route, score, outcomes = row
    module = node.modules[module_id]
    clock = node.clock.trusted_now()
    subject, holder_name = _holder(node, learner_id)
    credential = MicroCredential(
        issuer=node.node_id,
        subject=subject,
        issued_at=clock.now.replace(microsecond=0),
        credential_id=secrets.token_bytes(CREDENTIAL_ID_BYTES),
        expires_at=_expiry(clock.now.replace(microsecond=0), module.validity_years),
        module_id=module_id,
        module_version=module_version,
        outcomes=tuple(bool(x) for x in json.loads(outcomes)),
        score_percent=score,
        route=route,
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
    for pathway in node.pathways.values():
        if module_id in pathway.modules:
            _maybe_issue_pathway(node, pathway, learner_id)
    return credential_id


def _maybe_issue_pathway(node: Node, pathway: Pathway, learner_id: str) -> str | None:
    already = node.db.execute(
        "SELECT 1 FROM credentials WHERE learner_id = ? AND module_id = ? AND pathway = 1",
        [learner_id, pathway.id],
    ).fetchone()
    if already:
        return None
    earned: dict[str, str] = {}
    scores: dict[str, int] = {}
    for row in node.db.execute(
        "SELECT c.module_id, c.id, r.score_percent FROM credentials c "
        "JOIN results r ON r.id = c.result_id WHERE c.learner_id = ? AND c.pathway = 0 "
        "ORDER BY c.issued_at",
        [learner_id],
    ):
        earned.setdefault(row[0], row[1])
        scores.setdefault(row[0], int(row[2]))
    if not all(module_id in earned for module_id in pathway.modules):
        return None
    clock = node.clock.trusted_now()
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


def issue_pending(node: Node) -> int:
    """Issue every passed result still waiting for a trusted clock; returns how many."""
    if not node.clock.status().trusted:
        raise ClockUntrusted("The clock is still not trusted; set the time first")
    pending = [
        row[0]
        for row in node.db.execute(
            "SELECT r.id FROM results r WHERE r.passed = 1 AND NOT EXISTS "
            "(SELECT 1 FROM credentials c WHERE c.result_id = r.id) ORDER BY r.graded_at"
        )
    ]
    for result_id in pending:
        with transaction(node.db):
            _issue_module(node, result_id)
    return len(pending)


def pending_issuance_count(node: Node) -> int:
    row = node.db.execute(
        "SELECT count(*) FROM results r WHERE r.passed = 1 AND NOT EXISTS "
        "(SELECT 1 FROM credentials c WHERE c.result_id = r.id)"
    ).fetchone()
    return int(row[0])


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


def credential(node: Node, credential_id: str) -> CredentialRecord:
    row = node.db.execute(
        "SELECT id, learner_id, subject, module_id, module_version, pathway, status_index, "
        "issued_at, cose FROM credentials WHERE id = ?",
        [credential_id[:64]],
    ).fetchone()
    if row is None:
        raise NotFound("No such credential")
    return CredentialRecord(
        id=row[0],
        learner_id=row[1],
        subject=row[2],
        module_id=row[3],
        module_version=row[4],
        pathway=bool(row[5]),
        status_index=row[6],
        issued_at=row[7],
        cose=bytes(row[8]),
    )


def learner_credentials(node: Node, learner_id: str) -> list[CredentialRecord]:
    ids = [
        row[0]
        for row in node.db.execute(
            "SELECT id FROM credentials WHERE learner_id = ? ORDER BY issued_at DESC", [learner_id]
        )
    ]
    return [credential(node, i) for i in ids]
