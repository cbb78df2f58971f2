"""Assessment sessions: a worker opens one for a module, learners join and answer one item
at a time, the worker scores the practical checklist, and the result is graded.

All state lives in the database, so a phone that dies or a reloaded page resumes where
it was. Answers can be changed until the sitting is submitted; after that they are final.
"""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from content.grading import DrawnItem, Grade, draw_sitting, grade_attempt
from content.model import Item, Module
from content.public import PublicItem, public_item
from edge_node import events, issuance, learners, pins
from edge_node.errors import BadRequest, Conflict, NotFound
from edge_node.events import EventType
from edge_node.learners import LearnerPublic
from edge_node.node import Node
from edge_node.storage import Row, first, rows, transaction

SESSION_CODE_DIGITS = 6
Answer = str | list[str] | bool | float


class Route(StrEnum):
    course = "course"
    prior_learning = "prior_learning"


@dataclass(frozen=True)
class Session:
    id: str
    code: str
    module_id: str
    module_version: str
    route: str
    opened_by: str | None
    opened_at: str
    closed_at: str | None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class Sitting:
    id: str
    session_id: str
    learner_id: str
    drawn: list[dict[str, Any]]
    answers: dict[str, Any]
    position: int
    joined_at: str
    submitted_at: str | None
    checklist: dict[str, int] | None
    scored_at: str | None

    @property
    def total(self) -> int:
        return len(self.drawn)

    @property
    def answered(self) -> int:
        return sum(1 for entry in self.drawn if entry["item"] in self.answers)


_SESSION_COLUMNS = "id, code, module_id, module_version, route, opened_by, opened_at, closed_at"
_SITTING_COLUMNS = (
    "id, session_id, learner_id, drawn, answers, position, joined_at, submitted_at, "
    "checklist, scored_at"
)


def _session(row: Row) -> Session:
    return Session(**row)


def _sitting(row: Row) -> Sitting:
    return Sitting(
        id=row["id"],
        session_id=row["session_id"],
        learner_id=row["learner_id"],
        drawn=json.loads(row["drawn"]),
        answers=json.loads(row["answers"]),
        position=row["position"],
        joined_at=row["joined_at"],
        submitted_at=row["submitted_at"],
        checklist=json.loads(row["checklist"]) if row["checklist"] else None,
        scored_at=row["scored_at"],
    )


def _now(node: Node) -> str:
    """The node's time (its board's clock may be days behind after a power cut)."""
    return node.clock.now().isoformat()


def module_of(node: Node, module_id: str, version: str | None = None) -> Module:
    """The installed module, or with ``version`` the module at that version."""
    module = node.modules.get(module_id) if version is None else node.module_at(module_id, version)
    if module is None:
        raise NotFound(f"The module {module_id!r} is not installed on this node")
    return module


def session_module(node: Node, session: Session) -> Module:
    """The module at the version the session's sittings are drawn from and graded by."""
    return module_of(node, session.module_id, session.module_version)


# Sessions -----------------------------------------------------------------------------


def open_session(node: Node, *, module_id: str, route: str, by: str) -> Session:
    module = module_of(node, module_id)
    try:
        route = Route(route)
    except ValueError:
        raise BadRequest("The route must be 'course' or 'prior_learning'") from None
    if route is Route.prior_learning and not module.prior_learning.allowed:
        raise BadRequest("This module has no prior-learning route")
    with transaction(node.db):
        code = _free_session_code(node)
        session_id = secrets.token_hex(8)
        node.db.table("sessions").insert(
            {
                "id": session_id,
                "code": code,
                "module_id": module.id,
                "module_version": module.version,
                "route": route.value,
                "opened_by": by,
                "opened_at": _now(node),
            }
        )
    return get_session(node, session_id)


def _free_session_code(node: Node) -> str:
    while True:
        code = "".join(secrets.choice("0123456789") for _ in range(SESSION_CODE_DIGITS))
        taken = first(
            node.db, "SELECT 1 FROM sessions WHERE code = ? AND closed_at IS NULL", [code]
        )
        if not taken:
            return code


def get_session(node: Node, session_id: str) -> Session:
    row = first(node.db, f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ?", [session_id])
    if row is None:
        raise NotFound("No such session")
    return _session(row)


def list_sessions(
    node: Node, *, open_only: bool = False, since: str | None = None
) -> list[Session]:
    found = node.db.query(
        f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE (? = 0 OR closed_at IS NULL) "
        "AND (? IS NULL OR opened_at >= ?) ORDER BY opened_at DESC LIMIT 200",
        [int(open_only), since, since],
    )
    return [_session(row) for row in found]


def close_session(node: Node, session_id: str) -> Session:
    session = get_session(node, session_id)
    if session.is_open:
        with transaction(node.db):
            node.db.execute(
                "UPDATE sessions SET closed_at = ? WHERE id = ?", [_now(node), session_id]
            )
    return get_session(node, session_id)


@dataclass(frozen=True)
class Participant:
    sitting: Sitting
    learner: LearnerPublic
    result: issuance.ResultView | None


def participant_count(node: Node, session_id: str) -> int:
    row = first(node.db, "SELECT count(*) AS n FROM sittings WHERE session_id = ?", [session_id])
    return int(row["n"]) if row else 0


def participants(
    node: Node, session_id: str, *, offset: int = 0, limit: int = 1000
) -> list[Participant]:
    """Who joined, those still waiting for their checklist first, then by arrival."""
    found = rows(
        node.db,
        f"SELECT {_SITTING_COLUMNS} FROM sittings WHERE session_id = ? "
        "ORDER BY (checklist IS NOT NULL), joined_at LIMIT ? OFFSET ?",
        [session_id, limit, offset],
    )
    out = []
    for row in found:
        sitting = _sitting(row)
        out.append(
            Participant(
                sitting=sitting,
                learner=learners.get_any(node, sitting.learner_id),
                result=issuance.result_for_sitting(node, sitting.id),
            )
        )
    return out


# Joining and answering ----------------------------------------------------------------


def join(
    node: Node, *, session_code: str, learner_code: str, pin: str | None, client: str
) -> tuple[LearnerPublic, Sitting]:
    """Join an open session: a new sitting is drawn, or the learner's own is resumed.

    Wrong codes count against the address, wrong PINs against the learner too (see
    :mod:`edge_node.pins`); no one's join clears a count of someone else."""
    pins.check_address(node, client)
    code = "".join(c for c in session_code if c.isdigit())  # "834 190" as on the board
    row = first(
        node.db,
        f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE code = ? AND closed_at IS NULL",
        [code],
    )
    if row is None:
        pins.count_address_failure(node, client)
        raise NotFound("No open session has this code. Check the code with your worker.")
    session = _session(row)
    learner = pins.sign_in(node, code=learner_code, pin=pin, client=client)
    existing = first(
        node.db,
        f"SELECT {_SITTING_COLUMNS} FROM sittings WHERE session_id = ? AND learner_id = ?",
        [session.id, learner.id],
    )
    if existing:
        return learner, _sitting(existing)
    module = session_module(node, session)
    drawn = draw_sitting(module, random.Random(secrets.randbits(64)))
    sitting_id = secrets.token_hex(8)
    with transaction(node.db):
        node.db.table("sittings").insert(
            {
                "id": sitting_id,
                "session_id": session.id,
                "learner_id": learner.id,
                "drawn": json.dumps([_drawn_record(d) for d in drawn]),
                "answers": "{}",
                "position": 0,
                "joined_at": _now(node),
            }
        )
    return learner, get_sitting(node, sitting_id)


def _drawn_record(drawn: DrawnItem) -> dict[str, Any]:
    return {"item": drawn.item_id, "options": list(drawn.option_order)}


def _drawn_items(sitting: Sitting) -> list[DrawnItem]:
    return [
        DrawnItem(item_id=entry["item"], option_order=tuple(entry["options"]))
        for entry in sitting.drawn
    ]


def get_sitting(node: Node, sitting_id: str, *, learner_id: str | None = None) -> Sitting:
    row = first(node.db, f"SELECT {_SITTING_COLUMNS} FROM sittings WHERE id = ?", [sitting_id])
    if row is None or (learner_id is not None and row["learner_id"] != learner_id):
        raise NotFound("No such sitting")
    return _sitting(row)


def learner_sittings(node: Node, learner_id: str) -> list[Sitting]:
    found = node.db.query(
        f"SELECT {_SITTING_COLUMNS} FROM sittings WHERE learner_id = ? ORDER BY joined_at DESC",
        [learner_id],
    )
    return [_sitting(row) for row in found]


@dataclass(frozen=True)
class ItemPage:
    """One item as a learner sees it: no answer key, their own answer if any."""

    sitting_id: str
    module_id: str
    position: int
    total: int
    answered: int
    item: PublicItem
    answer: Any
    submitted: bool


def item_page(node: Node, sitting: Sitting, position: int | None, lang: str) -> ItemPage:
    session = get_session(node, sitting.session_id)
    module = session_module(node, session)
    index = sitting.position if position is None else position
    if not 0 <= index < sitting.total:
        raise NotFound("There is no such question in this sitting")
    entry = sitting.drawn[index]
    item = module.item(entry["item"])
    return ItemPage(
        sitting_id=sitting.id,
        module_id=module.id,
        position=index,
        total=sitting.total,
        answered=sitting.answered,
        item=public_item(item, lang, entry["options"]),
        answer=sitting.answers.get(item.id),
        submitted=sitting.submitted_at is not None,
    )


def parse_answer(item: Item, raw: Any) -> Answer:
    """Check an answer against the item's kind and options (never against its key)."""
    option_ids = {option.id for option in item.options}
    if item.kind == "single_choice":
        if not isinstance(raw, str) or raw not in option_ids:
            raise BadRequest("Choose one of the answers")
        return str(raw)
    if item.kind == "multiple_choice":
        values = [raw] if isinstance(raw, str) else raw
        if not isinstance(values, list) or not values:
            raise BadRequest("Choose at least one answer")
        if any(not isinstance(v, str) or v not in option_ids for v in values):
            raise BadRequest("Choose among the answers shown")
        return sorted({str(v) for v in values})
    if item.kind == "true_false":
        if isinstance(raw, bool):
            return raw
        if raw in ("true", "false"):
            return bool(raw == "true")
        raise BadRequest("Answer true or false")
    if isinstance(raw, bool):
        raise BadRequest("Enter a number")
    try:
        value = float(str(raw).strip().replace(",", ".")[:32])
    except ValueError:
        raise BadRequest("Enter a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise BadRequest("Enter a number")
    return value


def answer(node: Node, sitting: Sitting, *, position: int, raw: Any) -> Sitting:
    """Record the answer at ``position`` and move to the next unanswered item."""
    if sitting.submitted_at is not None:
        raise Conflict("This sitting is submitted; answers are final")
    if not 0 <= position < sitting.total:
        raise BadRequest("There is no such question in this sitting")
    session = get_session(node, sitting.session_id)
    module = session_module(node, session)
    item_id = sitting.drawn[position]["item"]
    value = parse_answer(module.item(item_id), raw)
    answers = dict(sitting.answers)
    answers[item_id] = value
    next_position = min(position + 1, sitting.total - 1)
    with transaction(node.db):
        changed = node.db.execute(
            "UPDATE sittings SET answers = ?, position = ? WHERE id = ? AND submitted_at IS NULL",
            [json.dumps(answers), next_position, sitting.id],
        ).rowcount
    if not changed:
        raise Conflict("This sitting is submitted; answers are final")
    return get_sitting(node, sitting.id)


def submit(node: Node, sitting: Sitting) -> Sitting:
    """Make the answers final; grade and issue at once when nothing waits for the worker."""
    if sitting.submitted_at is not None:
        return sitting
    session = get_session(node, sitting.session_id)
    module = session_module(node, session)
    learner = learners.get_any(node, sitting.learner_id)
    submitted_at = _now(node)
    with transaction(node.db):
        changed = node.db.execute(
            "UPDATE sittings SET submitted_at = ? WHERE id = ? AND submitted_at IS NULL",
            [submitted_at, sitting.id],
        ).rowcount
        if not changed:
            return get_sitting(node, sitting.id)
        sitting = get_sitting(node, sitting.id)
        grade = _grade(module, sitting, session.route)
        events.record(
            node.db,
            node_id=node.node_id,
            clock=node.clock,
            type=EventType.sitting_submitted,
            body={
                "id": sitting.id,
                "learner": learner.id,
                "module": module.id,
                "module_version": module.version,
                "route": session.route,
                "answers": _event_answers(sitting.answers),
                "score_percent": grade.score_percent,
                "passed": grade.passed,
                "final": _complete(module, sitting),
            },
        )
        if _complete(module, sitting):
            _record_result(node, sitting=sitting, session=session, module=module, grade=grade)
    return get_sitting(node, sitting.id)


def _event_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers as the event log takes them: numbers as decimal text (it has no floats)."""
    return {k: repr(v) if isinstance(v, float) else v for k, v in answers.items()}


def _complete(module: Module, sitting: Sitting) -> bool:
    """Everything needed for the result is in: answers submitted, checklist scored if any."""
    return sitting.submitted_at is not None and (
        not module.checklist or sitting.checklist is not None
    )


def parse_checklist(module: Module, raw: dict[str, Any]) -> dict[str, int]:
    scores: dict[str, int] = {}
    for criterion in module.checklist:
        value = raw.get(criterion.id)
        allowed = {level.score for level in criterion.levels}
        try:
            score = int(str(value))
        except (TypeError, ValueError):
            raise BadRequest(f"Score every criterion ({criterion.id} is missing)") from None
        if score not in allowed:
            raise BadRequest(f"{criterion.id}: the score must be one of {sorted(allowed)}")
        scores[criterion.id] = score
    unknown = set(raw) - {c.id for c in module.checklist}
    if unknown:
        raise BadRequest(f"Unknown criteria: {', '.join(sorted(unknown)[:5])}")
    return scores


def score_checklist(node: Node, sitting: Sitting, raw: dict[str, Any], *, by: str) -> Sitting:
    """The worker's practical scores; final once given, and graded if the answers are in."""
    session = get_session(node, sitting.session_id)
    module = session_module(node, session)
    if not module.checklist:
        raise BadRequest("This module has no practical checklist")
    if sitting.checklist is not None:
        raise Conflict("The checklist of this sitting is already scored")
    scores = parse_checklist(module, raw)
    with transaction(node.db):
        changed = node.db.execute(
            "UPDATE sittings SET checklist = ?, scored_by = ?, scored_at = ? "
            "WHERE id = ? AND checklist IS NULL",
            [json.dumps(scores), by, _now(node), sitting.id],
        ).rowcount
        if not changed:
            raise Conflict("The checklist of this sitting is already scored")
        sitting = get_sitting(node, sitting.id)
        grade = _grade(module, sitting, session.route)
        events.record(
            node.db,
            node_id=node.node_id,
            clock=node.clock,
            type=EventType.checklist_scored,
            body={
                "sitting": sitting.id,
                "checklist": scores,
                "score_percent": grade.score_percent,
                "passed": grade.passed,
                "by": by,
            },
        )
        if _complete(module, sitting):
            _record_result(node, sitting=sitting, session=session, module=module, grade=grade)
    return get_sitting(node, sitting.id)


# Grading and the result ---------------------------------------------------------------


def _grade(module: Module, sitting: Sitting, route: str) -> Grade:
    """Grade what is known; an unscored checklist counts at its lowest levels."""
    checklist = sitting.checklist
    if checklist is None:
        checklist = {c.id: min(level.score for level in c.levels) for c in module.checklist}
    return grade_attempt(
        module=module,
        drawn=_drawn_items(sitting),
        answers=sitting.answers,
        checklist=checklist,
        route="prior_learning" if route == Route.prior_learning else "course",
    )


def _record_result(
    node: Node, *, sitting: Sitting, session: Session, module: Module, grade: Grade
) -> None:
    """Store the result of a complete sitting, graded by the caller; on a pass, issue. Inside
    the caller's transaction, so the result, the credential and the events commit together."""
    result_id = secrets.token_hex(8)
    node.db.table("results").insert(
        {
            "id": result_id,
            "sitting_id": sitting.id,
            "learner_id": sitting.learner_id,
            "module_id": module.id,
            "module_version": module.version,
            "route": session.route,
            "passed": int(grade.passed),
            "score_percent": grade.score_percent,
            "outcomes": json.dumps(list(grade.outcomes_achieved)),
            "detail": json.dumps(
                {
                    "points_earned": grade.points_earned,
                    "points_available": grade.points_available,
                    "failed_must_pass": list(grade.failed_must_pass),
                    "outcome_fractions": dict(grade.outcome_fractions),
                }
            ),
            "graded_at": node.clock.now().isoformat(),
        }
    )
    if grade.passed:
        issuance.issue_result(node, result_id)
