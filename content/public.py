"""Learner-safe views of a module: what may reach a learner's screen before submission.

Stored models (``content.model``) carry answer keys (``correct``, ``answer``,
``numeric``) and feedback; these views are built field by field from what a
learner needs, so a key added to the stored model later cannot leak by default.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from content.model import Item, ItemKind, Module, localize


class _Public(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PublicOption(_Public):
    id: str
    text: str


class PublicItem(_Public):
    id: str
    kind: ItemKind
    prompt: str
    options: tuple[PublicOption, ...] = ()
    unit: str | None = None
    image: str | None = None


class PublicOutcome(_Public):
    id: str
    text: str


class PublicModule(_Public):
    """What a learner reads before starting a module."""

    id: str
    version: str
    title: str
    summary: str
    outcomes: tuple[PublicOutcome, ...]
    prerequisites: str
    assessment_summary: str
    grading_scheme: str
    workload_hours: float
    items_drawn: int
    prior_learning_allowed: bool


def public_item(item: Item, lang: str, option_order: Sequence[str] | None = None) -> PublicItem:
    """``item`` in ``lang`` (English fallback), its options in ``option_order`` (option ids).

    ``option_order`` must name each of the item's options once; ``None`` keeps the
    authored order.
    """
    by_id = {option.id: option for option in item.options}
    order = list(by_id) if option_order is None else list(option_order)
    if sorted(order) != sorted(by_id):
        raise ValueError(f"option_order {order} is not an order of item {item.id}'s options")
    unit = item.numeric.unit if item.numeric is not None else None
    return PublicItem(
        id=item.id,
        kind=item.kind,
        prompt=localize(item.prompt, lang),
        options=tuple(PublicOption(id=oid, text=localize(by_id[oid].text, lang)) for oid in order),
        unit=None if unit is None else localize(unit, lang),
        image=item.image,
    )


def public_module(module: Module, lang: str) -> PublicModule:
    """The module's learner-facing description in ``lang``, without any item."""
    return PublicModule(
        id=module.id,
        version=module.version,
        title=localize(module.title, lang),
        summary=localize(module.summary, lang),
        outcomes=tuple(
            PublicOutcome(id=outcome.id, text=localize(outcome.text, lang))
            for outcome in module.outcomes
        ),
        prerequisites=localize(module.prerequisites, lang),
        assessment_summary=localize(module.assessment_summary, lang),
        grading_scheme=localize(module.grading_scheme, lang),
        workload_hours=module.workload_hours,
        items_drawn=module.pass_rule.items_drawn,
        prior_learning_allowed=module.prior_learning.allowed,
    )
