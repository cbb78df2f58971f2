"""Draw a sitting from a module's item bank and grade an attempt against its pass rule.

Plain functions, no I/O. The rule, in full:

- Each drawn knowledge item is worth one point: a single_choice item when the
  chosen option is the correct one, a multiple_choice item when the chosen set is
  exactly the set of correct options, a true_false item when the answer matches,
  a numeric item when it is within the tolerance. Unanswered items score 0.
- Each checklist criterion is worth its highest rubric score; the extension worker
  gives one of the criterion's rubric scores.
- An outcome's fraction is the points earned over the points available on the
  drawn items and the criteria mapped to it (an item or criterion mapped to
  several outcomes counts in full for each). An outcome with no item drawn and no
  criterion has no evidence in this sitting: its fraction is ``None``.
- An outcome is **achieved** when it has evidence, its fraction is at least
  ``outcome_minimum``, and every must-pass criterion mapped to it scored at least
  ``must_pass_minimum_score``.
- The attempt **passes** when the overall fraction (all points earned over all
  points available) is at least ``overall_threshold``, every outcome's fraction is
  at least ``outcome_minimum`` (an outcome without evidence meets only a minimum
  of 0), and every must-pass criterion scored at least ``must_pass_minimum_score``.
- ``score_percent`` is the overall fraction in percent, rounded down, so a score
  shown as 70 never hides a 69.9 that failed a 0.7 threshold.

Fractions are compared exactly (``fractions.Fraction``; thresholds read from their
decimal form), so 7 points of 10 meets a threshold of 0.7.
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from content.coverage import smallest_cover
from content.errors import GradingError
from content.model import Criterion, Item, Module

Route = Literal["course", "prior_learning"]
"""``prior_learning``: the assessment-only route for experienced farmers."""

Answer = str | bool | int | float | Collection[str]
"""An option id (single_choice), option ids (multiple_choice), a bool (true_false) or a number."""

NUMERIC_SLACK = 1e-9
"""Relative slack on numeric tolerances, so 2.6 is within 0.1 of 2.5 despite binary floats."""


@dataclass(frozen=True)
class DrawnItem:
    """One item of a learner's sitting, with the order its options are shown in."""

    item_id: str
    option_order: tuple[str, ...] = ()


@dataclass(frozen=True)
class Grade:
    passed: bool
    score_percent: int
    points_earned: int
    points_available: int
    outcomes_achieved: tuple[bool, ...]
    """In module order: bit ``i`` is ``module.outcomes[i]``."""
    outcome_fractions: Mapping[str, float | None]
    failed_must_pass: tuple[str, ...]
    route: Route = "course"

    def achieved_ids(self, module: Module) -> tuple[str, ...]:
        return tuple(
            outcome.id
            for outcome, achieved in zip(module.outcomes, self.outcomes_achieved, strict=True)
            if achieved
        )


def draw_sitting(module: Module, rng: random.Random) -> list[DrawnItem]:
    """Draw ``items_drawn`` items (or the whole bank if smaller) for one learner.

    Stratified by outcome: every outcome the items assess gets at least one item
    whenever the number drawn allows it, outcomes no scored checklist criterion
    evidences first. Item order and each item's option order are shuffled. The
    same ``rng`` state always gives the same sitting.
    """
    items = module.items
    count = min(module.pass_rule.items_drawn, len(items))
    order = list(range(len(items)))
    rng.shuffle(order)
    observed = {o for c in module.checklist if _top(c) > 0 for o in c.outcomes}
    assessed = sorted({outcome for item in items for outcome in item.outcomes})
    primary = [outcome for outcome in assessed if outcome not in observed]
    secondary = [outcome for outcome in assessed if outcome in observed]
    rng.shuffle(primary)
    rng.shuffle(secondary)
    chosen = _stratify(items, order, [], primary + secondary, count)
    item_outcomes = [set(item.outcomes) for item in items]
    if not set(assessed) <= _covered(items, chosen):
        # Taking one item per outcome in turn fell short: search for a smallest cover,
        # of every outcome if it fits, else of those without checklist evidence.
        for goal in (assessed, primary):
            cover = smallest_cover(set(goal), item_outcomes, order)
            if cover is not None and len(cover) <= count:
                chosen = _stratify(items, order, cover, secondary, count)
                break
    chosen += [i for i in order if i not in chosen][: count - len(chosen)]
    rng.shuffle(chosen)
    sitting = []
    for index in chosen:
        option_ids = [option.id for option in items[index].options]
        rng.shuffle(option_ids)
        sitting.append(DrawnItem(items[index].id, tuple(option_ids)))
    return sitting


def _covered(items: Sequence[Item], chosen: list[int]) -> set[str]:
    return {outcome for index in chosen for outcome in items[index].outcomes}


def _stratify(
    items: Sequence[Item], order: list[int], chosen: list[int], outcomes: list[str], count: int
) -> list[int]:
    """Add, for each outcome not yet covered, the first item in ``order`` assessing it."""
    chosen = list(chosen)
    covered = _covered(items, chosen)
    for outcome in outcomes:
        if outcome in covered or len(chosen) == count:
            continue
        pick = next(i for i in order if i not in chosen and outcome in items[i].outcomes)
        chosen.append(pick)
        covered |= set(items[pick].outcomes)
    return chosen


def grade_attempt(
    *,
    module: Module,
    drawn: Sequence[DrawnItem],
    answers: Mapping[str, Answer],
    checklist: Mapping[str, int],
    route: Route = "course",
) -> Grade:
    """Grade one attempt; raises ``GradingError`` on input that does not fit the module."""
    if route == "prior_learning" and not module.prior_learning.allowed:
        raise GradingError(f"module {module.id} offers no prior-learning route")
    items = _drawn_items(module, drawn)
    unknown = sorted(set(answers) - set(items))
    if unknown:
        raise GradingError(f"answers to items not in the sitting: {', '.join(unknown)}")
    scores = _checklist_scores(module, checklist)
    rule = module.pass_rule

    earned: dict[str, int] = {outcome.id: 0 for outcome in module.outcomes}
    available: dict[str, int] = dict(earned)
    total_earned = total_available = 0
    for item_id, item in items.items():
        point = int(item_id in answers and _is_correct(item, answers[item_id]))
        total_earned += point
        total_available += 1
        for outcome in item.outcomes:
            earned[outcome] += point
            available[outcome] += 1
    for criterion in module.checklist:
        top = _top(criterion)
        total_earned += scores[criterion.id]
        total_available += top
        for outcome in criterion.outcomes:
            earned[outcome] += scores[criterion.id]
            available[outcome] += top

    failed = tuple(
        c.id
        for c in module.checklist
        if c.must_pass and scores[c.id] < rule.must_pass_minimum_score
    )
    minimum = Fraction(str(rule.outcome_minimum))
    fractions = {
        outcome: Fraction(earned[outcome], available[outcome]) if available[outcome] else None
        for outcome in earned
    }
    blocked = {outcome for c in failed for outcome in module.criterion(c).outcomes}
    achieved = tuple(
        _reaches(fractions[o.id], minimum) and o.id not in blocked for o in module.outcomes
    )
    overall = Fraction(total_earned, total_available) if total_available else Fraction(0)
    passed = (
        overall >= Fraction(str(rule.overall_threshold))
        and all((f if f is not None else Fraction(0)) >= minimum for f in fractions.values())
        and not failed
    )
    return Grade(
        passed=passed,
        score_percent=math.floor(overall * 100),
        points_earned=total_earned,
        points_available=total_available,
        outcomes_achieved=achieved,
        outcome_fractions={o: None if f is None else float(f) for o, f in fractions.items()},
        failed_must_pass=failed,
        route=route,
    )


def _drawn_items(module: Module, drawn: Sequence[DrawnItem]) -> dict[str, Item]:
    items: dict[str, Item] = {}
    for entry in drawn:
        if entry.item_id in items:
            raise GradingError(f"item {entry.item_id} is drawn twice")
        try:
            items[entry.item_id] = module.item(entry.item_id)
        except KeyError:
            raise GradingError(f"module {module.id} has no item {entry.item_id}") from None
    return items


def _checklist_scores(module: Module, checklist: Mapping[str, int]) -> dict[str, int]:
    known = {criterion.id: criterion for criterion in module.checklist}
    unknown = sorted(set(checklist) - set(known))
    if unknown:
        raise GradingError(f"module {module.id} has no criterion {', '.join(unknown)}")
    missing = sorted(set(known) - set(checklist))
    if missing:
        raise GradingError(f"criteria not scored: {', '.join(missing)}")
    for criterion_id, score in checklist.items():
        allowed = [level.score for level in known[criterion_id].levels]
        if isinstance(score, bool) or score not in allowed:
            raise GradingError(
                f"criterion {criterion_id} is scored {score!r}, not one of {allowed}"
            )
    return dict(checklist)


def _reaches(fraction: Fraction | None, minimum: Fraction) -> bool:
    return fraction is not None and fraction >= minimum


def _top(criterion: Criterion) -> int:
    return max(level.score for level in criterion.levels)


def _is_correct(item: Item, answer: Answer) -> bool:
    if item.kind == "single_choice":
        if not isinstance(answer, str):
            raise GradingError(f"item {item.id} takes one option id")
        _check_options(item, [answer])
        return any(option.id == answer and option.correct for option in item.options)
    if item.kind == "multiple_choice":
        if isinstance(answer, str | bytes | bool | int | float):
            raise GradingError(f"item {item.id} takes a list of option ids")
        chosen = list(answer)
        _check_options(item, chosen)
        return set(chosen) == {option.id for option in item.options if option.correct}
    if item.kind == "true_false":
        if not isinstance(answer, bool):
            raise GradingError(f"item {item.id} takes true or false")
        return answer is item.answer
    if isinstance(answer, bool) or not isinstance(answer, int | float) or item.numeric is None:
        raise GradingError(f"item {item.id} takes a number")
    key = item.numeric
    slack = NUMERIC_SLACK * max(1.0, abs(key.value))
    return math.isfinite(answer) and abs(answer - key.value) <= key.tolerance + slack


def correct_answer(item: Item) -> Answer:
    """The answer ``item``'s key marks right: for demos, benchmarks and tests that play a
    learner who knows it. Server side only, like every answer key."""
    if item.kind == "single_choice":
        return next(option.id for option in item.options if option.correct)
    if item.kind == "multiple_choice":
        return [option.id for option in item.options if option.correct]
    if item.kind == "true_false":
        if item.answer is None:
            raise GradingError(f"item {item.id} has no true/false key")
        return item.answer
    if item.numeric is None:
        raise GradingError(f"item {item.id} has no numeric key")
    return item.numeric.value


def _check_options(item: Item, chosen: list[str]) -> None:
    options = {option.id for option in item.options}
    for option_id in chosen:
        if not isinstance(option_id, str) or option_id not in options:
            raise GradingError(f"item {item.id} has no option {option_id!r}")
