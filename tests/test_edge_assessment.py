"""A whole assessment through the JSON API, in process: join, answer, submit, score, issue."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta

import pytest

from content.grading import correct_answer
from edge_node.node import Node
from edge_node.web.app import create_app
from tests.helpers.nodes import (
    MODULE,
    answer_all,
    full_marks,
    join,
    open_session,
    register,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def test_a_learner_passes_and_the_credential_is_issued(node: Node, worker: TestClient) -> None:
    learner = register(worker)
    session = open_session(worker)
    client, sitting_id = join(node, session["code"], learner["code"])
    module = node.modules[MODULE]
    answer_all(client, sitting_id, module)
    submitted = client.post(f"/api/v1/sittings/{sitting_id}/submit")
    assert submitted.json()["submitted"] is True and submitted.json()["result"] is None
    scored = worker.post(
        f"/api/v1/sittings/{sitting_id}/checklist", json={"scores": full_marks(module)}
    )
    assert scored.status_code == 200, scored.text
    result = client.get(f"/api/v1/sittings/{sitting_id}").json()["result"]
    assert result["passed"] is True and result["score_percent"] == 100
    assert all(result["outcomes"])
    credentials = client.get("/api/v1/credentials").json()
    assert [c["module_id"] for c in credentials] == [MODULE]
    assert credentials[0]["qr_text"].startswith("FC1:")
    types = [row[0] for row in node.db.execute("SELECT type FROM events ORDER BY seq")]
    assert types == [
        "learner.registered",
        "sitting.submitted",
        "checklist.scored",
        "credential.issued",
    ]


def test_answers_are_final_after_submission(node: Node, worker: TestClient) -> None:
    learner = register(worker)
    session = open_session(worker)
    client, sitting_id = join(node, session["code"], learner["code"])
    answer_all(client, sitting_id, node.modules[MODULE], right=False)
    client.post(f"/api/v1/sittings/{sitting_id}/submit")
    again = client.put(f"/api/v1/sittings/{sitting_id}/items/0", json={"answer": "x"})
    assert again.status_code == 409


def test_rejoining_resumes_the_same_sitting(node: Node, worker: TestClient) -> None:
    learner = register(worker)
    session = open_session(worker)
    first, sitting_id = join(node, session["code"], learner["code"])
    item = first.get(f"/api/v1/sittings/{sitting_id}/items/0").json()
    value = correct_answer(node.modules[MODULE].item(item["item"]["id"]))
    first.put(f"/api/v1/sittings/{sitting_id}/items/0", json={"answer": value})
    second, again = join(node, session["code"], learner["code"].lower())
    assert again == sitting_id
    state = second.get(f"/api/v1/sittings/{sitting_id}").json()
    assert state["position"] == 1 and state["answered"] == 1
    same = second.get(f"/api/v1/sittings/{sitting_id}/items/0").json()
    assert same["item"] == item["item"] and same["answer"] == value


def test_a_failed_attempt_issues_nothing(node: Node, worker: TestClient) -> None:
    learner = register(worker)
    session = open_session(worker)
    client, sitting_id = join(node, session["code"], learner["code"])
    module = node.modules[MODULE]
    answer_all(client, sitting_id, module, right=False)
    client.post(f"/api/v1/sittings/{sitting_id}/submit")
    worker.post(f"/api/v1/sittings/{sitting_id}/checklist", json={"scores": full_marks(module)})
    result = client.get(f"/api/v1/sittings/{sitting_id}").json()["result"]
    assert result["passed"] is False and result["credential_id"] is None
    assert client.get("/api/v1/credentials").json() == []


def test_bad_answers_items_and_scores_are_refused_each_with_its_status_and_a_message(
    node: Node, worker: TestClient
) -> None:
    learner = register(worker)
    session = open_session(worker)
    client, sitting_id = join(node, session["code"], learner["code"])
    # A choice the item does not offer is a 400; a body of the wrong shape a 422.
    for bad, status in (
        ({"answer": "no-such-option"}, 400),
        ({"answer": []}, 400),
        ({}, 422),
        ({"answer": None}, 422),
    ):
        response = client.put(f"/api/v1/sittings/{sitting_id}/items/0", json=bad)
        assert response.status_code == status, (bad, response.text)
        assert response.json()["message"]
    assert client.get(f"/api/v1/sittings/{sitting_id}/items/999").status_code == 404
    bad_score = worker.post(
        f"/api/v1/sittings/{sitting_id}/checklist", json={"scores": {"nope": 1}}
    )
    assert bad_score.status_code == 400


def test_learners_cannot_see_each_others_sittings(node: Node, worker: TestClient) -> None:
    session = open_session(worker)
    a = register(worker, "A")
    b = register(worker, "B")
    _client_a, sitting_a = join(node, session["code"], a["code"])
    client_b, _ = join(node, session["code"], b["code"])
    assert client_b.get(f"/api/v1/sittings/{sitting_a}").status_code == 404
    assert client_b.get("/api/v1/learners").status_code == 401


def test_prior_learning_route_is_recorded(node: Node, worker: TestClient) -> None:
    module = node.modules[MODULE]
    if not module.prior_learning.allowed:
        pytest.skip("the module offers no prior-learning route")
    response = worker.post(
        "/api/v1/sessions", json={"module_id": MODULE, "route": "prior_learning"}
    )
    assert response.status_code == 201
    learner = register(worker)
    client, sitting_id = join(node, response.json()["code"], learner["code"])
    answer_all(client, sitting_id, module)
    client.post(f"/api/v1/sittings/{sitting_id}/submit")
    worker.post(f"/api/v1/sittings/{sitting_id}/checklist", json={"scores": full_marks(module)})
    route = node.db.execute("SELECT route FROM results").fetchone()[0]
    assert route == "prior_learning"


def test_merging_duplicates_moves_history(node: Node, worker: TestClient) -> None:
    keep = register(worker, "Amina Otieno")
    dup = register(worker, "Amina Otieno ")
    session = open_session(worker)
    join(node, session["code"], dup["code"])
    merged = worker.post(
        "/api/v1/learners/merge", json={"keep": keep["id"], "duplicate": dup["id"]}
    )
    assert merged.status_code == 200
    assert worker.get(f"/api/v1/learners/{dup['id']}").status_code == 404
    owner = node.db.execute("SELECT learner_id FROM sittings").fetchone()[0]
    assert owner == keep["id"]
    # the duplicate's printed code still opens the kept record
    _, sitting = join(node, session["code"], dup["code"])
    assert sitting


def test_learner_ids_are_random_not_derived(node: Node, worker: TestClient) -> None:
    a = register(worker, "Same Name", village="X")
    b = register(worker, "Same Name", village="X")
    assert a["id"] != b["id"] and a["code"] != b["code"]
    assert len(a["id"]) == 16


def test_the_dashboard_counts_sessions_results_and_pending_sync(
    node: Node, worker: TestClient
) -> None:
    learner = register(worker)
    session = open_session(worker)
    client, sitting_id = join(node, session["code"], learner["code"])
    answer_all(client, sitting_id, node.modules[MODULE])
    client.post(f"/api/v1/sittings/{sitting_id}/submit")
    worker.post(
        f"/api/v1/sittings/{sitting_id}/checklist",
        json={"scores": full_marks(node.modules[MODULE])},
    )
    board = worker.get("/api/v1/dashboard").json()
    assert [s["code"] for s in board["sessions_today"]] == [session["code"]]
    assert board["learner_count"] == 1 and len(board["results"]) == 1
    assert board["pending_sync"] == 4 and board["last_sync"] is None
    page = worker.get("/dashboard")
    assert page.status_code == 200 and session["code"] in page.text


def test_guessing_learner_codes_gets_the_address_locked(node: Node, worker: TestClient) -> None:
    session = open_session(worker)
    guesser = TestClient(create_app(node))
    statuses = [
        guesser.post(
            "/api/v1/join", json={"session_code": session["code"], "learner_code": f"ZZZZ{i:04}"}
        ).status_code
        for i in range(node.settings.login_max_failures * 4 + 1)
    ]
    assert set(statuses[:-1]) == {401} and statuses[-1] == 429


def test_a_pin_is_required_when_the_learner_chose_one(node: Node, worker: TestClient) -> None:
    learner = register(worker, pin="4821")
    session = open_session(worker)
    client = TestClient(create_app(node))
    body = {"session_code": session["code"], "learner_code": learner["code"]}
    assert client.post("/api/v1/join", json=body).status_code == 401
    assert client.post("/api/v1/join", json={**body, "pin": "1111"}).status_code == 401
    assert client.post("/api/v1/join", json={**body, "pin": "4821"}).status_code == 200


def test_a_card_merged_twice_still_opens_the_record_it_ended_in(
    node: Node, worker: TestClient
) -> None:
    first = register(worker, "Halima Achieng")
    second = register(worker, "Halima Achieng")
    third = register(worker, "Halima  Achieng")
    for keep, duplicate in ((second, first), (third, second)):
        merged = worker.post(
            "/api/v1/learners/merge", json={"keep": keep["id"], "duplicate": duplicate["id"]}
        )
        assert merged.status_code == 200, merged.text
    session = open_session(worker)
    _, sitting = join(node, session["code"], first["code"])
    owner = node.db.execute("SELECT learner_id FROM sittings WHERE id = ?", [sitting])
    assert owner.fetchone()[0] == third["id"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("birth_year", datetime.now(UTC).year + 1),
        ("name", "Amina\x00Otieno"),
        ("name", "Amina\nOtieno"),
        ("village", "Kisumu\x1b[31m"),
    ],
)
def test_impossible_learner_details_are_refused(
    worker: TestClient, field: str, value: object
) -> None:
    body = {"name": "Amina", "consent": True, field: value}
    created = worker.post("/api/v1/learners", json=body)
    assert created.status_code == 400, created.text
    assert field in created.json()["message"]


def test_sessions_sittings_and_consent_are_dated_by_the_node_s_clock(
    node: Node, worker: TestClient
) -> None:
    """The board's own clock is days behind after a power cut; the admin set the node's
    time. What the node records is dated by that time, and today's sessions are its today."""
    from edge_node.clock import ClockSource

    true_now = datetime.now(UTC) + timedelta(days=3)
    node.clock.set_time(true_now, ClockSource.admin)
    learner = register(worker)
    session = open_session(worker)
    client, sitting_id = join(node, session["code"], learner["code"])
    answer_all(client, sitting_id, node.modules[MODULE])
    client.post(f"/api/v1/sittings/{sitting_id}/submit")
    worker.post(
        f"/api/v1/sittings/{sitting_id}/checklist",
        json={"scores": full_marks(node.modules[MODULE])},
    )
    worker.post(f"/api/v1/sessions/{session['id']}/close")
    stamps = node.db.execute(
        "SELECT l.created_at, l.consent_at, s.opened_at, s.closed_at, t.joined_at, "
        "t.submitted_at, t.scored_at FROM learners l, sessions s, sittings t"
    ).fetchone()
    for stamp in stamps:
        assert abs(datetime.fromisoformat(stamp) - true_now) < timedelta(minutes=5), stamps
    board = worker.get("/api/v1/dashboard").json()
    assert [s["code"] for s in board["sessions_today"]] == [session["code"]]


def test_a_module_revised_during_a_session_leaves_its_open_sittings_on_their_version(
    node: Node, worker: TestClient
) -> None:
    """The sync loop may install a university's revised module while farmers answer: their
    sittings carry on with the questions they drew, and are graded and issued by them."""
    from edge_node import catalogue

    learner = register(worker)
    session = open_session(worker)
    client, sitting_id = join(node, session["code"], learner["code"])
    drawn = node.modules[MODULE]
    revised = drawn.model_copy(
        update={
            "version": "1.1.0",
            "items": [item.model_copy(update={"id": f"{item.id}-r"}) for item in drawn.items],
        }
    )
    catalogue.store(node.db, [revised], [])
    node.reload_content()
    assert node.modules[MODULE].version == "1.1.0"
    answer_all(client, sitting_id, drawn)
    assert client.post(f"/api/v1/sittings/{sitting_id}/submit").status_code == 200
    scored = worker.post(
        f"/api/v1/sittings/{sitting_id}/checklist", json={"scores": full_marks(drawn)}
    )
    assert scored.status_code == 200, scored.text
    result = scored.json()["result"]
    assert result["passed"] is True and result["credential_id"], result
    credential = client.get(f"/api/v1/credentials/{result['credential_id']}").json()
    assert credential["module_version"] == "1.0.0"
    assert client.get(f"/credentials/{result['credential_id']}").status_code == 200
    later = open_session(worker)
    assert later["module_version"] == "1.1.0"


def test_a_learner_merged_mid_sitting_carries_on(node: Node, worker: TestClient) -> None:
    """A worker merges the record a farmer joined with while they answer: their phone
    keeps going, as the record it was merged into."""
    keep = register(worker, "Neema Chebet")
    duplicate = register(worker, "Neema Chebet")
    session = open_session(worker)
    client, sitting_id = join(node, session["code"], duplicate["code"])
    merged = worker.post(
        "/api/v1/learners/merge", json={"keep": keep["id"], "duplicate": duplicate["id"]}
    )
    assert merged.status_code == 200
    assert client.get("/api/v1/me").json()["learner"]["id"] == keep["id"]
    answer_all(client, sitting_id, node.modules[MODULE])
    assert client.post(f"/api/v1/sittings/{sitting_id}/submit").status_code == 200
    assert client.get("/me").status_code == 200


def test_a_card_from_a_chain_of_merges_made_before_they_were_flattened_still_opens(
    node: Node, worker: TestClient
) -> None:
    first, second, third = (register(worker, "Baraka Mwangi") for _ in range(3))
    with node.db.conn:  # what merging A into B, then B into C, left on a node
        node.db.execute(
            "UPDATE learners SET merged_into = ? WHERE id = ?", [second["id"], first["id"]]
        )
        node.db.execute(
            "UPDATE learners SET merged_into = ? WHERE id = ?", [third["id"], second["id"]]
        )
    session = open_session(worker)
    _, sitting = join(node, session["code"], first["code"])
    owner = node.db.execute("SELECT learner_id FROM sittings WHERE id = ?", [sitting])
    assert owner.fetchone()[0] == third["id"]


def test_a_session_code_typed_in_groups_is_understood(node: Node, worker: TestClient) -> None:
    learner = register(worker)
    session = open_session(worker)
    spaced = f" {session['code'][:3]} {session['code'][3:]}-"
    _, sitting = join(node, spaced, learner["code"])
    assert sitting


def test_a_worker_listing_credentials_is_asked_for_the_learner(
    node: Node, worker: TestClient
) -> None:
    learner = register(worker)
    asked = worker.get("/api/v1/credentials")
    assert asked.status_code == 400 and "learner_id" in asked.json()["message"]
    listed = worker.get("/api/v1/credentials", params={"learner_id": learner["id"]})
    assert listed.status_code == 200 and listed.json() == []
    assert TestClient(create_app(node)).get("/api/v1/credentials").status_code == 401
