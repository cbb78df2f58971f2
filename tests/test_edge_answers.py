"""An answer sent as JSON is judged by its question's kind: the numbers 0 and 1 are
numbers (not the booleans false and true), and true and false are booleans."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from content.model import Item
from edge_node.node import Node
from tests.helpers.nodes import join, open_session, register

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


KINDS = ("numeric", "true_false", "single_choice", "multiple_choice")


def _items_by_kind(
    node: Node, worker: TestClient
) -> tuple[TestClient, str, dict[str, tuple[int, Item]]]:
    """A learner's sitting of a module with every kind of question, and the position of
    one question of each kind (a sitting draws some of the module's questions: learners
    join until one drew every kind)."""
    module_id, module = next(
        (mid, m) for mid, m in node.modules.items() if set(KINDS) <= {i.kind for i in m.items}
    )
    session = open_session(worker, module_id)
    for attempt in range(20):
        learner = register(worker, f"Learner {attempt}")
        client, sitting_id = join(node, session["code"], learner["code"])
        total = client.get(f"/api/v1/sittings/{sitting_id}").json()["total"]
        found: dict[str, tuple[int, Item]] = {}
        for position in range(total):
            page = client.get(f"/api/v1/sittings/{sitting_id}/items/{position}").json()
            item = module.item(page["item"]["id"])
            found.setdefault(item.kind, (position, item))
        if set(found) == set(KINDS):
            return client, sitting_id, found
    raise AssertionError("no sitting drew every kind of question")


def _put(client: TestClient, sitting_id: str, position: int, value: Any) -> Any:
    return client.put(f"/api/v1/sittings/{sitting_id}/items/{position}", json={"answer": value})


def _saved(client: TestClient, sitting_id: str, position: int) -> Any:
    return client.get(f"/api/v1/sittings/{sitting_id}/items/{position}").json()["answer"]


@pytest.mark.parametrize(
    ("sent", "kept"), [(0, 0.0), (1, 1.0), (1.0, 1.0), ("1", 1.0), (-2.5, -2.5), ("0,5", 0.5)]
)
def test_a_number_is_a_numeric_answer(
    node: Node, worker: TestClient, sent: Any, kept: float
) -> None:
    client, sitting_id, found = _items_by_kind(node, worker)
    position, _ = found["numeric"]
    response = _put(client, sitting_id, position, sent)
    assert response.status_code == 200, response.text
    assert _saved(client, sitting_id, position) == kept


@pytest.mark.parametrize("sent", [True, False])
def test_a_boolean_is_no_numeric_answer(node: Node, worker: TestClient, sent: bool) -> None:
    client, sitting_id, found = _items_by_kind(node, worker)
    position, _ = found["numeric"]
    response = _put(client, sitting_id, position, sent)
    assert response.status_code == 400, response.text
    assert response.json()["message"] == "Enter a number"
    assert _saved(client, sitting_id, position) is None


@pytest.mark.parametrize(("sent", "kept"), [(True, True), (False, False), ("true", True)])
def test_true_and_false_answer_a_true_false_question(
    node: Node, worker: TestClient, sent: Any, kept: bool
) -> None:
    client, sitting_id, found = _items_by_kind(node, worker)
    position, _ = found["true_false"]
    response = _put(client, sitting_id, position, sent)
    assert response.status_code == 200, response.text
    assert _saved(client, sitting_id, position) is kept


@pytest.mark.parametrize("sent", [0, 1, 1.0, "1"])
def test_a_number_is_no_true_false_answer(node: Node, worker: TestClient, sent: Any) -> None:
    client, sitting_id, found = _items_by_kind(node, worker)
    position, _ = found["true_false"]
    response = _put(client, sitting_id, position, sent)
    assert response.status_code == 400, response.text
    assert response.json()["message"] == "Answer true or false"


@pytest.mark.parametrize("sent", [0, 1, 1.0, True, False, "1"])
def test_a_number_or_boolean_is_no_choice(node: Node, worker: TestClient, sent: Any) -> None:
    client, sitting_id, found = _items_by_kind(node, worker)
    single, _ = found["single_choice"]
    several, _ = found["multiple_choice"]
    one = _put(client, sitting_id, single, sent)
    assert one.status_code == 400, one.text
    assert one.json()["message"] == "Choose one of the answers"
    many = _put(client, sitting_id, several, sent)
    assert many.status_code == 400, many.text
    assert many.json()["message"] in (
        "Choose at least one answer",
        "Choose among the answers shown",
    )


def test_a_choice_is_kept_as_sent(node: Node, worker: TestClient) -> None:
    client, sitting_id, found = _items_by_kind(node, worker)
    single, item = found["single_choice"]
    several, other = found["multiple_choice"]
    assert _put(client, sitting_id, single, item.options[0].id).status_code == 200
    assert _saved(client, sitting_id, single) == item.options[0].id
    assert _put(client, sitting_id, several, [other.options[0].id]).status_code == 200
    assert _saved(client, sitting_id, several) == [other.options[0].id]
