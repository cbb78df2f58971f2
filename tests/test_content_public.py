"""Learner-safe views carry no answer key and no feedback."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from content.grading import draw_sitting
from content.loading import Catalogue, load_catalogue
from content.model import LANGUAGES, Module
from content.public import public_item, public_module

FIXTURES = Path(__file__).parent / "fixtures" / "content"
FORBIDDEN = {"correct", "answer", "numeric", "value", "tolerance", "feedback"}


def keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from keys(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from keys(inner)


def assert_no_key_leaks(module: Module) -> None:
    texts_of_feedback = {
        text for item in module.items if item.feedback for text in item.feedback.values()
    }
    for lang in LANGUAGES:
        views = [public_module(module, lang).model_dump(mode="json")]
        for drawn in draw_sitting(module, random.Random(lang)):
            item = module.item(drawn.item_id)
            views.append(public_item(item, lang, drawn.option_order).model_dump(mode="json"))
        for view in views:
            assert not FORBIDDEN & set(keys(view)), view
            serialized = json.dumps(view, ensure_ascii=False)
            assert not any(text in serialized for text in texts_of_feedback)


def test_fixture_module_views_hold_no_key() -> None:
    assert_no_key_leaks(load_catalogue(FIXTURES / "valid").modules["mulching"])


def test_shipped_module_views_hold_no_key(catalogue: Catalogue) -> None:
    for module in catalogue.modules.values():
        assert_no_key_leaks(module)


def test_public_item_follows_the_option_order_and_language() -> None:
    item = load_catalogue(FIXTURES / "valid").modules["mulching"].item("q2")
    view = public_item(item, "fr", ["c", "a", "b"])
    assert [(o.id, o.text) for o in view.options] == [
        ("c", "Sacs plastiques"),
        ("a", "Paille"),
        ("b", "Feuilles"),
    ]
    assert view.prompt == "Bon paillis ?"
    assert public_item(item, "de").prompt == "Good mulch?"  # English fallback


def test_numeric_item_shows_its_unit_and_image() -> None:
    item = load_catalogue(FIXTURES / "valid").modules["mulching"].item("q4")
    view = public_item(item, "sw", ())
    assert (view.unit, view.image, view.options) == ("sm", "images/depth.svg", ())


@pytest.mark.parametrize("order", [["a"], ["a", "b", "b"], ["a", "b", "x"]])
def test_option_order_must_be_an_order_of_the_options(order: list[str]) -> None:
    item = load_catalogue(FIXTURES / "valid").modules["mulching"].item("q2")
    with pytest.raises(ValueError, match="not an order"):
        public_item(item, "en", order)
