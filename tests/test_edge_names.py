"""A learner's name fits the credential: at most ``MAX_HOLDER_NAME`` characters at
registration, edit and merge, in words the worker reads; a learner registered before the
limit is told to the worker (never a 500), and their credential waits until the worker
shortens the name on the learner's card."""

from __future__ import annotations

import html
import warnings

import pytest

from credentials.claims import MAX_HOLDER_NAME, decode_claims
from credentials.cose import decode_sign1
from edge_node import issuance, learners
from edge_node.i18n import gettext
from edge_node.node import Node
from edge_node.web.app import create_app
from tests.helpers.nodes import (
    MODULE,
    WORKER,
    answer_all,
    full_marks,
    join,
    login,
    open_session,
    register,
)
from tests.helpers.pages import csrf_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


LONGEST = "A" * (MAX_HOLDER_NAME - 2) + " Z"
TOO_LONG = "B" * MAX_HOLDER_NAME + " Y"
LEGACY = "Halima " + "Achieng " * 13 + "Otieno"  # 117 characters: the old form allowed 120


def test_the_limit_is_the_credential_s() -> None:
    assert MAX_HOLDER_NAME == 100 and len(LEGACY) > MAX_HOLDER_NAME


def test_the_api_registers_the_longest_name_and_refuses_a_longer_one(
    worker: TestClient,
) -> None:
    assert register(worker, LONGEST)["name"] == LONGEST
    refused = worker.post(
        "/api/v1/learners", json={"name": TOO_LONG, "language": "sw", "consent": True}
    )
    # The API answers in pydantic's English words, naming the field (pages translate).
    assert refused.status_code == 422, refused.text
    assert (
        refused.json()["message"]
        == f"name: String should have at most {MAX_HOLDER_NAME} characters"
    )


def test_the_api_refuses_an_edit_to_a_longer_name(worker: TestClient) -> None:
    learner = register(worker)
    edited = worker.put(
        f"/api/v1/learners/{learner['id']}",
        json={"name": TOO_LONG, "language": "sw", "consent": True},
    )
    assert edited.status_code == 422, edited.text
    assert worker.get(f"/api/v1/learners/{learner['id']}").json()["name"] == "Amina"


def _legacy_learner(node: Node, worker: TestClient) -> dict[str, str]:
    """A learner registered when the form allowed 120 characters."""
    learner = register(worker)
    with node.db.conn:
        node.db.execute("UPDATE learners SET name = ? WHERE id = ?", [LEGACY, learner["id"]])
    return {**learner, "name": LEGACY}


def _pass(node: Node, worker: TestClient, learner: dict[str, str]) -> tuple[TestClient, str]:
    session = open_session(worker)
    client, sitting_id = join(node, session["code"], learner["code"])
    module = node.modules[MODULE]
    answer_all(client, sitting_id, module)
    assert client.post(f"/api/v1/sittings/{sitting_id}/submit").status_code == 200
    scored = worker.post(
        f"/api/v1/sittings/{sitting_id}/checklist", json={"scores": full_marks(module)}
    )
    assert scored.status_code == 200, scored.text
    return client, sitting_id


def test_a_learner_with_a_longer_name_passes_and_the_credential_waits(
    node: Node, worker: TestClient
) -> None:
    learner = _legacy_learner(node, worker)
    client, sitting_id = _pass(node, worker, learner)
    result = client.get(f"/api/v1/sittings/{sitting_id}").json()["result"]
    assert result["passed"] is True and result["credential_id"] is None
    assert f"longer than the {MAX_HOLDER_NAME} characters" in result["withheld"]
    assert client.get("/api/v1/credentials").json() == []
    withheld = issuance.unissued(node).withheld
    assert [r.learner_id for r in withheld] == [learner["id"]]


def test_the_card_offers_to_shorten_the_name_and_then_issues(
    node: Node, worker: TestClient
) -> None:
    learner = _legacy_learner(node, worker)
    _pass(node, worker, learner)
    page = TestClient(create_app(node))
    login(page, *WORKER)
    page.get("/lang/sw")
    card = page.get(f"/learners/{learner['id']}/card")
    assert card.status_code == 200
    text = html.unescape(card.text)
    explained = gettext(
        "sw",
        "A credential holds a name of at most {limit} characters; this one has {length}. "
        "Write the name as it should appear on the learner's credentials.",
    ).format(limit=MAX_HOLDER_NAME, length=len(LEGACY))
    assert explained in text
    assert f'value="{LEGACY[:MAX_HOLDER_NAME].rstrip()}"' in text
    action = f"/learners/{learner['id']}/name"
    assert f'action="{action}"' in text
    too_long = page.post(action, data={"csrf": csrf_of(card.text), "name": TOO_LONG})
    assert too_long.status_code == 400
    assert str(MAX_HOLDER_NAME) in too_long.text
    short = "Halima Achieng Otieno"
    done = page.post(
        action, data={"csrf": csrf_of(card.text), "name": short}, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    issued = issuance.learner_credentials(node, learner["id"])
    assert [c.module_id for c in issued] == [MODULE]
    holder = decode_claims(decode_sign1(issued[0].cose).payload).holder_name
    assert holder == short
    assert issuance.unissued(node).withheld == []
    again = html.unescape(page.get(f"/learners/{learner['id']}/card").text)
    assert f'action="{action}"' not in again


def test_the_registration_page_refuses_a_longer_name_in_its_language(node: Node) -> None:
    page = TestClient(create_app(node))
    login(page, *WORKER)
    page.get("/lang/fr")
    token = csrf_of(page.get("/learners/new").text)
    form = page.get("/learners/new").text
    assert f'maxlength="{MAX_HOLDER_NAME}"' in form
    answer = page.post("/learners/new", data={"csrf": token, "name": TOO_LONG, "consent": "yes"})
    assert answer.status_code == 400
    said = gettext("fr", "{field} must be at most {limit} characters.").format(
        field=gettext("fr", "Name"), limit=MAX_HOLDER_NAME
    )
    assert said in html.unescape(answer.text)


def test_a_merge_into_a_record_with_a_longer_name_is_refused(
    node: Node, worker: TestClient
) -> None:
    keep = _legacy_learner(node, worker)
    duplicate = register(worker, "Halima Otieno")
    merged = worker.post(
        "/api/v1/learners/merge", json={"keep": keep["id"], "duplicate": duplicate["id"]}
    )
    assert merged.status_code == 400, merged.text
    assert merged.json()["message"] == learners.NAME_TOO_LONG_TO_KEEP.format(limit=MAX_HOLDER_NAME)
    assert worker.get(f"/api/v1/learners/{duplicate['id']}").status_code == 200


@pytest.mark.parametrize("lang", ["en", "sw", "fr"])
def test_the_withheld_reason_reads_in_each_language(lang: str) -> None:
    english = issuance.NAME_TOO_LONG
    assert gettext(lang, english) != english or lang == "en"
    assert "{limit}" in gettext(lang, english)


def test_an_edit_through_the_api_that_shortens_the_name_issues(
    node: Node, worker: TestClient
) -> None:
    learner = _legacy_learner(node, worker)
    _pass(node, worker, learner)
    assert issuance.learner_credentials(node, learner["id"]) == []
    edited = worker.put(
        f"/api/v1/learners/{learner['id']}",
        json={"name": "Halima Otieno", "language": "sw", "consent": True},
    )
    assert edited.status_code == 200, edited.text
    issued = issuance.learner_credentials(node, learner["id"])
    assert [c.module_id for c in issued] == [MODULE]
