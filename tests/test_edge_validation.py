"""A form filled in wrongly is answered in the page's language, naming the field by its
label ("Jina: ..."), not with the validator's English ("name: String should have...")."""

from __future__ import annotations

import html
import warnings

import pytest

from credentials.claims import MAX_HOLDER_NAME
from edge_node.i18n import gettext
from edge_node.node import Node
from edge_node.web.app import create_app
from edge_node.web.context import FIELD_LABELS
from tests.helpers.nodes import WORKER, login
from tests.helpers.pages import csrf_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def said(lang: str, sentence: str, field: str, **values: object) -> str:
    label = gettext(lang, FIELD_LABELS[field])
    return gettext(lang, sentence).format(field=label, **values)


@pytest.mark.parametrize(
    ("lang", "form", "sentence", "field", "values"),
    [
        ("sw", {"name": ""}, "{field} is required.", "name", {}),
        (
            "fr",
            {"name": "x" * (MAX_HOLDER_NAME + 1)},
            "{field} must be at most {limit} characters.",
            "name",
            {"limit": MAX_HOLDER_NAME},
        ),
        ("fr", {"birth_year": "nineteen"}, "{field} must be a number.", "birth_year", {}),
        (
            "sw",
            {"birth_year": "1850"},
            "{field} must be {limit} or more.",
            "birth_year",
            {"limit": 1900},
        ),
        ("fr", {"pin": "12"}, "{field} is not written as asked.", "pin", {}),
    ],
)
def test_a_wrong_learner_form_is_answered_in_the_page_s_language(
    node: Node,
    lang: str,
    form: dict[str, str],
    sentence: str,
    field: str,
    values: dict[str, object],
) -> None:
    worker = TestClient(create_app(node))
    login(worker, *WORKER)
    worker.get(f"/lang/{lang}")
    token = csrf_of(worker.get("/learners/new").text)
    data = {"csrf": token, "name": "Amina", "consent": "yes", **form}
    answer = worker.post("/learners/new", data=data)
    assert answer.status_code == 400
    text = html.unescape(answer.text)
    assert said(lang, sentence, field, **values) in text
    assert "String should" not in text and "Input should" not in text


def test_a_validator_s_own_message_is_translated_too(node: Node) -> None:
    worker = TestClient(create_app(node))
    login(worker, *WORKER)
    worker.get("/lang/sw")
    token = csrf_of(worker.get("/learners/new").text)
    answer = worker.post("/learners/new", data={"csrf": token, "name": "Amina"})
    assert answer.status_code == 400
    consent = "the learner's consent to store their data is required"
    assert gettext("sw", consent) in html.unescape(answer.text)


def test_a_wrong_address_on_a_page_is_answered_in_its_language(node: Node) -> None:
    worker = TestClient(create_app(node))
    login(worker, *WORKER)
    worker.get("/lang/fr")
    answer = worker.get("/learners?page=deux")
    assert answer.status_code == 422
    assert said("fr", "{field} must be a number.", "page") in html.unescape(answer.text)
    api = worker.get("/api/v1/learners?offset=x")
    assert api.status_code == 422 and "offset" in api.json()["message"]
