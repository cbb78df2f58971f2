"""A learner's online sitting as plain JSON-ready data, and the checks on what a browser sends.

The block stores what these functions return in ``Scope.user_state`` fields; nothing
here touches XBlock. Every check runs before any state changes, so a refused request
leaves the sitting exactly as it was.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any

from content.errors import GradingError
from content.grading import Answer, DrawnItem, Grade, draw_sitting, grade_attempt
from content.model import Item, Module
from content.public import public_item
from lms_plugin.errors import BadRequest
from lms_plugin.modules import knowledge_part

MAX_ANSWERS = 200


def draw(module: Module, rng: random.Random) -> list[dict[str, Any]]:
    """A new sitting: the drawn items and each one's option order, as stored."""
    return [
        {"item": entry.item_id, "options": list(entry.option_order)}
        for entry in draw_sitting(module, rng)
    ]


def drawn_items(stored: list[dict[str, Any]]) -> list[DrawnItem]:
    return [DrawnItem(entry["item"], tuple(entry["options"])) for entry in stored]


def learner_items(module: Module, stored: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The drawn items as a learner may see them: prompt, options in the drawn order, no key."""
    return [
        public_item(module.item(entry["item"]), lang, entry["options"]).model_dump(mode="json")
        for entry in stored
    ]


def check_answer(
    module: Module, stored: list[dict[str, Any]], item_id: object, answer: object
) -> Answer:
    """The answer if it fits an item of this sitting, else ``BadRequest``."""
    if not isinstance(item_id, str) or item_id not in {entry["item"] for entry in stored}:
        raise BadRequest(f"item {item_id!r} is not in this sitting")
    item = module.item(item_id)
    return _shape(item, answer)


def check_answers(
    module: Module, stored: list[dict[str, Any]], answers: object
) -> dict[str, Answer]:
    """A whole answer sheet (item id → answer); unanswered items may be left out."""
    if not isinstance(answers, dict):
        raise BadRequest("answers must be an object of item id to answer")
    if len(answers) > MAX_ANSWERS:
        raise BadRequest("too many answers")
    return {key: check_answer(module, stored, key, value) for key, value in answers.items()}


def _shape(item: Item, answer: object) -> Answer:
    options = {option.id for option in item.options}
    if item.kind == "single_choice":
        if not isinstance(answer, str) or answer not in options:
            raise BadRequest(f"item {item.id} takes one of its option ids")
        return answer
    if item.kind == "multiple_choice":
        if (
            not isinstance(answer, list)
            or not all(isinstance(choice, str) and choice in options for choice in answer)
            or len(set(answer)) != len(answer)
        ):
            raise BadRequest(f"item {item.id} takes a list of distinct option ids")
        return list(answer)
    if item.kind == "true_false":
        if not isinstance(answer, bool):
            raise BadRequest(f"item {item.id} takes true or false")
        return answer
    if isinstance(answer, bool) or not isinstance(answer, int | float):
        raise BadRequest(f"item {item.id} takes a number")
    try:
        number = float(answer)
    except OverflowError:
        raise BadRequest(f"item {item.id} takes a number of sensible size") from None
    if not math.isfinite(number):
        raise BadRequest(f"item {item.id} takes a finite number")
    return number


def grade_online(
    module: Module,
    stored: list[dict[str, Any]],
    answers: Mapping[str, Answer],
    checklist: Mapping[str, int] | None,
) -> Grade:
    """Grade the sitting on the server; without checklist scores, only the knowledge part."""
    graded = module if checklist is not None else knowledge_part(module)
    try:
        return grade_attempt(
            module=graded, drawn=drawn_items(stored), answers=answers, checklist=checklist or {}
        )
    except GradingError as exc:
        raise BadRequest(str(exc)) from exc


def result_record(module: Module, grade: Grade, *, practical_pending: bool) -> dict[str, Any]:
    """What the learner's state keeps of a grade (no answer key, no per-item verdict)."""
    return {
        "module_id": module.id,
        "module_version": module.version,
        "passed": grade.passed and not practical_pending,
        "knowledge_passed": grade.passed,
        "score_percent": grade.score_percent,
        "points_earned": grade.points_earned,
        "points_available": grade.points_available,
        "outcomes_achieved": list(grade.outcomes_achieved),
        "practical_pending": practical_pending,
    }
