"""Merging two learner records cannot be undone: the page shows both records and what
moves, and merges only once the worker confirms."""

from __future__ import annotations

import re
import warnings

from edge_node import assessment, learners
from edge_node.node import Node
from edge_node.web.app import create_app
from tests.helpers.nodes import MODULE, WORKER, login
from tests.helpers.pages import csrf_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def two_records(node: Node) -> tuple[learners.LearnerPublic, learners.LearnerPublic]:
    keep = learners.register(
        node, learners.LearnerDetails(name="Halima Achieng", village="Bondo", consent=True), by="t"
    )
    duplicate = learners.register(
        node, learners.LearnerDetails(name="Halima Achieng", village="Usenge", consent=True), by="t"
    )
    session = assessment.open_session(node, module_id=MODULE, route="course", by="t")
    assessment.join(
        node, session_code=session.code, learner_code=duplicate.code, pin=None, client="t"
    )
    return keep, duplicate


def test_a_merge_shows_both_records_and_waits_for_confirmation(node: Node) -> None:
    keep, duplicate = two_records(node)
    worker = TestClient(create_app(node))
    login(worker, *WORKER)
    card = worker.get(f"/learners/{keep.id}/card").text
    link = f"/learners/merge?keep={keep.id}&amp;duplicate={duplicate.id}"
    assert link in card

    page = worker.get(link.replace("&amp;", "&"))
    assert page.status_code == 200
    for shown in (keep.code, duplicate.code, "Bondo", "Usenge"):
        assert shown in page.text
    moves = re.search(r'<li id="moves-sittings">[^<]*?(\d+)', page.text)
    assert moves and moves.group(1) == "1", page.text
    assert "cannot be undone" in page.text
    # Nothing has moved yet.
    assert learners.get(node, duplicate.id).id == duplicate.id

    token = csrf_of(page.text)
    unconfirmed = worker.post(
        "/learners/merge",
        data={"csrf": token, "keep": keep.id, "duplicate": duplicate.id},
        follow_redirects=False,
    )
    assert unconfirmed.status_code == 303
    assert unconfirmed.headers["location"].startswith("/learners/merge?")
    assert learners.get(node, duplicate.id).id == duplicate.id

    done = worker.post(
        "/learners/merge",
        data={"csrf": token, "keep": keep.id, "duplicate": duplicate.id, "confirm": "yes"},
    )
    assert done.status_code == 200 and str(done.url).endswith(f"/learners/{keep.id}/card")
    assert learners.current_id(node, duplicate.id) == keep.id
    assert len(assessment.learner_sittings(node, keep.id)) == 1


def test_a_merge_that_cannot_be_made_is_refused_before_the_confirmation(node: Node) -> None:
    keep, duplicate = two_records(node)
    worker = TestClient(create_app(node))
    login(worker, *WORKER)
    itself = worker.get(f"/learners/merge?keep={keep.id}&duplicate={keep.id}")
    assert itself.status_code == 400 and "themselves" in itself.text
    assert worker.get(f"/learners/merge?keep={keep.id}&duplicate=nobody").status_code == 404
    assert worker.get("/learners/merge").status_code == 404
    anonymous = TestClient(create_app(node))
    page = anonymous.get(f"/learners/merge?keep={keep.id}&duplicate={duplicate.id}")
    assert page.status_code == 401
