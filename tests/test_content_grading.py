"""Drawing sittings and grading attempts by the pass rule."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from content.documents import Document
from content.errors import GradingError
from content.grading import Answer, DrawnItem, correct_answer, draw_sitting, grade_attempt
from content.loading import load_catalogue
from content.model import Item, Module, PassRule
from content.validation import check_module

FIXTURES = Path(__file__).parent / "fixtures" / "content"
MULCHING = load_catalogue(FIXTURES / "valid").modules["mulching"]
ALL_DRAWN = [DrawnItem(item.id, tuple(o.id for o in item.options)) for item in MULCHING.items]
RIGHT: dict[str, Answer] = {"q1": "a", "q2": ["b", "a"], "q3": True, "q4": 6.0}
TOP = {"c1": 2, "c2": 2}


def wrong_answer(item: Item) -> Answer:
    if item.kind == "single_choice":
        return next(option.id for option in item.options if not option.correct)
    if item.kind == "multiple_choice":
        return [item.options[0].id] if len(item.options) > 1 else []
    if item.kind == "true_false":
        return not item.answer
    assert item.numeric is not None
    return item.numeric.value + item.numeric.tolerance + 1


def with_rule(module: Module, **changes: Any) -> Module:
    rule = module.pass_rule.model_copy(update=changes)
    return module.model_copy(update={"pass_rule": PassRule.model_validate(rule.model_dump())})


def test_all_right_passes_with_every_outcome() -> None:
    grade = grade_attempt(module=MULCHING, drawn=ALL_DRAWN, answers=RIGHT, checklist=TOP)
    assert grade.passed
    assert (grade.score_percent, grade.points_earned, grade.points_available) == (100, 8, 8)
    assert grade.outcomes_achieved == (True, True, True)
    assert grade.achieved_ids(MULCHING) == ("O1", "O2", "O3")
    assert grade.route == "course"


def test_exact_threshold_passes_and_score_rounds_down() -> None:
    # 4 items + 4 checklist points; thresholds compared exactly: 6/8 >= 0.75.
    answers = {**RIGHT, "q3": False}
    grade = grade_attempt(
        module=with_rule(MULCHING, overall_threshold=0.75, outcome_minimum=0.5),
        drawn=ALL_DRAWN,
        answers=answers,
        checklist={"c1": 1, "c2": 2},
    )
    assert (grade.points_earned, grade.score_percent, grade.passed) == (6, 75, True)
    grade = grade_attempt(
        module=with_rule(MULCHING, overall_threshold=0.76),
        drawn=ALL_DRAWN,
        answers=answers,
        checklist={"c1": 1, "c2": 2},
    )
    assert not grade.passed
    five_of_seven = grade_attempt(
        module=MULCHING, drawn=ALL_DRAWN[1:], answers={"q2": ["a", "b"], "q3": True}, checklist=TOP
    )
    assert (five_of_seven.points_earned, five_of_seven.points_available) == (6, 7)
    assert five_of_seven.score_percent == 85  # 85.71 rounded down


def test_must_pass_criterion_fails_the_attempt_and_its_outcome() -> None:
    grade = grade_attempt(
        module=MULCHING, drawn=ALL_DRAWN, answers=RIGHT, checklist={"c1": 0, "c2": 2}
    )
    assert not grade.passed
    assert grade.failed_must_pass == ("c1",)
    assert grade.outcomes_achieved == (True, False, True)
    assert grade.score_percent == 75


def test_per_outcome_minimum_fails_the_attempt() -> None:
    # O1 is evidenced by q1, q2, q3, q4: one right of four is below 0.5, yet 5/8 overall.
    wrong = {item.id: wrong_answer(item) for item in MULCHING.items}
    grade = grade_attempt(
        module=with_rule(MULCHING, overall_threshold=0.5),
        drawn=ALL_DRAWN,
        answers={**wrong, "q3": True},
        checklist=TOP,
    )
    assert grade.outcome_fractions["O1"] == 0.25
    assert grade.score_percent == 62
    assert not grade.passed
    assert grade.outcomes_achieved == (False, True, True)  # O3: q2 wrong, c2 2 of 2: 2/3


def test_outcome_without_evidence_is_not_achieved() -> None:
    drawn = [d for d in ALL_DRAWN if d.item_id in ("q1",)]
    module = with_rule(MULCHING, outcome_minimum=0)
    grade = grade_attempt(module=module, drawn=drawn, answers={"q1": "a"}, checklist=TOP)
    assert grade.passed
    assert grade.outcome_fractions == {"O1": 1.0, "O2": 1.0, "O3": 1.0}
    grade = grade_attempt(
        module=module.model_copy(update={"checklist": module.checklist[:1]}),
        drawn=drawn,
        answers={"q1": "a"},
        checklist={"c1": 2},
    )
    assert grade.outcome_fractions["O3"] is None
    assert grade.outcomes_achieved == (True, True, False)
    assert grade.passed  # a minimum of 0 needs no evidence


def test_numeric_tolerance_is_inclusive_and_unanswered_scores_zero() -> None:
    for value, right in ((3, True), (7.0, True), (7.0000001, False), (float("nan"), False)):
        grade = grade_attempt(
            module=MULCHING, drawn=ALL_DRAWN, answers={"q4": value}, checklist=TOP
        )
        assert grade.points_earned == 4 + right, value


def test_multiple_choice_needs_exactly_the_correct_set() -> None:
    for chosen, points in ((["a", "b"], 1), (["a"], 0), (["a", "b", "c"], 0), ([], 0)):
        grade = grade_attempt(
            module=MULCHING, drawn=ALL_DRAWN, answers={"q2": chosen}, checklist=TOP
        )
        assert grade.points_earned == 4 + points


@pytest.mark.parametrize(
    ("answers", "checklist", "message"),
    [
        ({"q9": "a"}, TOP, "not in the sitting"),
        ({"q1": "z"}, TOP, "no option 'z'"),
        ({"q1": ["a"]}, TOP, "one option id"),
        ({"q2": "a"}, TOP, "list of option ids"),
        ({"q3": 1}, TOP, "true or false"),
        ({"q4": True}, TOP, "a number"),
        ({"q4": "5"}, TOP, "a number"),
        (RIGHT, {"c1": 2}, "not scored: c2"),
        (RIGHT, {**TOP, "c9": 1}, "no criterion c9"),
        (RIGHT, {"c1": 2, "c2": 1}, r"not one of \[0, 2\]"),
        (RIGHT, {"c1": True, "c2": 2}, "scored True"),
    ],
)
def test_input_that_does_not_fit_the_module_is_refused(
    answers: dict[str, Answer], checklist: dict[str, int], message: str
) -> None:
    with pytest.raises(GradingError, match=message) as raised:
        grade_attempt(module=MULCHING, drawn=ALL_DRAWN, answers=answers, checklist=checklist)
    assert raised.value.status == 400


def test_drawn_items_must_belong_to_the_module_once() -> None:
    with pytest.raises(GradingError, match="no item"):
        grade_attempt(module=MULCHING, drawn=[DrawnItem("q9")], answers={}, checklist=TOP)
    with pytest.raises(GradingError, match="twice"):
        grade_attempt(module=MULCHING, drawn=ALL_DRAWN[:1] * 2, answers={}, checklist=TOP)


def test_prior_learning_route_passes_through_when_allowed() -> None:
    grade = grade_attempt(
        module=MULCHING, drawn=ALL_DRAWN, answers=RIGHT, checklist=TOP, route="prior_learning"
    )
    assert grade.route == "prior_learning"
    cover_crops = load_catalogue(FIXTURES / "valid").modules["cover-crops"]
    with pytest.raises(GradingError, match="no prior-learning route"):
        grade_attempt(
            module=cover_crops, drawn=[], answers={}, checklist={}, route="prior_learning"
        )


# --- draws -------------------------------------------------------------------------------


def test_draw_is_deterministic_for_a_seed_and_varies_between_seeds() -> None:
    first = draw_sitting(MULCHING, random.Random(7))
    assert first == draw_sitting(MULCHING, random.Random(7))
    sittings = {tuple(draw_sitting(MULCHING, random.Random(seed))) for seed in range(40)}
    assert len(sittings) > 10


def test_draw_covers_outcomes_a_naive_draw_would_miss() -> None:
    # O3 is assessed by items only through q2 (c2 aside): every 3-item sitting must hold q2
    # for O1 and O3 to be covered... O1 is on every item, so q2 is required.
    counts = {item.id: 0 for item in MULCHING.items}
    for seed in range(200):
        for drawn in draw_sitting(MULCHING, random.Random(seed)):
            counts[drawn.item_id] += 1
    assert counts["q2"] == 200
    assert all(counts[i] > 0 for i in ("q1", "q3", "q4"))


@st.composite
def modules(draw: st.DrawFn) -> Module:
    """Variants of the fixture module: random item banks over 1-6 outcomes, random draw size."""
    outcome_count = draw(st.integers(1, 6))
    outcomes = [
        MULCHING.outcomes[0].model_copy(update={"id": f"O{n}"}) for n in range(outcome_count)
    ]
    ids = [o.id for o in outcomes]
    templates = MULCHING.items
    bank = []
    for index in range(draw(st.integers(outcome_count, 12))):
        template = draw(st.sampled_from(templates))
        mapped = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
        if index < outcome_count and ids[index] not in mapped:
            mapped.append(ids[index])
        bank.append(
            template.model_copy(update={"id": f"i{index}", "outcomes": mapped, "image": None})
        )
    rule = PassRule(
        items_drawn=draw(st.integers(1, len(bank))),
        overall_threshold=draw(st.sampled_from([0.1, 0.5, 0.7, 1.0])),
        outcome_minimum=draw(st.sampled_from([0.0, 0.5, 1.0])),
        must_pass_minimum_score=draw(st.integers(0, 2)),
    )
    checklist = [
        c.model_copy(update={"outcomes": [draw(st.sampled_from(ids))]}) for c in MULCHING.checklist
    ]
    module = MULCHING.model_copy(
        update={"outcomes": outcomes, "items": bank, "pass_rule": rule, "checklist": checklist}
    )
    assume(not check_module(module, Document(FIXTURES / "generated.yaml", None)))
    return module


def smallest_cover_size(module: Module) -> int:
    from content.coverage import smallest_cover

    needed = {o for item in module.items for o in item.outcomes}
    cover = smallest_cover(needed, [set(item.outcomes) for item in module.items])
    assert cover is not None
    return len(cover)


@settings(max_examples=150, deadline=None)
@given(module=modules(), seed=st.integers(0, 2**32))
def test_draw_properties(module: Module, seed: int) -> None:
    sitting = draw_sitting(module, random.Random(seed))
    assert sitting == draw_sitting(module, random.Random(seed))
    ids = [d.item_id for d in sitting]
    assert len(ids) == module.pass_rule.items_drawn == len(set(ids))
    for drawn in sitting:
        assert sorted(drawn.option_order) == sorted(
            o.id for o in module.item(drawn.item_id).options
        )
    if smallest_cover_size(module) <= module.pass_rule.items_drawn:
        covered = {o for d in sitting for o in module.item(d.item_id).outcomes}
        assert covered == {o for item in module.items for o in item.outcomes}


@settings(max_examples=150, deadline=None)
@given(module=modules(), seed=st.integers(0, 2**32), data=st.data())
def test_grade_properties(module: Module, seed: int, data: st.DataObject) -> None:
    sitting = draw_sitting(module, random.Random(seed))
    items = [module.item(d.item_id) for d in sitting]
    right = [data.draw(st.booleans()) for _ in items]
    answers = {
        item.id: correct_answer(item) if ok else wrong_answer(item)
        for item, ok in zip(items, right, strict=True)
    }
    scores = {
        c.id: data.draw(st.sampled_from([lv.score for lv in c.levels])) for c in module.checklist
    }
    grade = grade_attempt(module=module, drawn=sitting, answers=answers, checklist=scores)
    assert 0 <= grade.score_percent <= 100
    assert grade.points_earned == sum(right) + sum(scores.values())
    if grade.passed:
        assert not grade.failed_must_pass
        assert grade.score_percent >= int(module.pass_rule.overall_threshold * 100) - 1
    # Getting one more answer right never lowers the score nor turns a pass into a fail.
    for item, ok in zip(items, right, strict=True):
        if not ok:
            better = grade_attempt(
                module=module,
                drawn=sitting,
                answers={**answers, item.id: correct_answer(item)},
                checklist=scores,
            )
            assert better.points_earned == grade.points_earned + 1
            assert better.passed or not grade.passed
            break
    # Everything right and top scores pass whenever the threshold is reachable.
    best = grade_attempt(
        module=module,
        drawn=sitting,
        answers={item.id: correct_answer(item) for item in items},
        checklist={c.id: max(lv.score for lv in c.levels) for c in module.checklist},
    )
    assert best.score_percent == 100
    assert best.passed
