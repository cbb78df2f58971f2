"""A credential revoked by the university, or expired, shows as such on every page of
the centre, and is neither printed nor exported: the trust list that sync brings sets its
revocation bit, the node's clock passes its expiry."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime, timedelta

import pytest

from edge_node.clock import ClockSource
from edge_node.node import Node
from edge_node.web.app import create_app
from tests.helpers.nodes import issued, pass_module, revoke_on_node, staff

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

MODULE = "soil-health"


def links_to_print_or_download(html: str, credential_id: str) -> list[str]:
    return re.findall(rf"/credentials/{credential_id}/[a-z.]+", html)


def assert_shown_as(word: str, node: Node, worker: TestClient, learner: TestClient) -> None:
    credential_id, learner_id, _ = issued(node, learner)
    own = learner.get(f"/credentials/{credential_id}")
    assert own.status_code == 200 and word in own.text
    assert links_to_print_or_download(own.text, credential_id) == []
    assert len(own.content) < 50_000
    mine = learner.get("/me")
    assert word in mine.text
    card = worker.get(f"/learners/{learner_id}/card")
    assert word in card.text and links_to_print_or_download(card.text, credential_id) == []
    session_id = node.db.execute(
        "SELECT s.session_id FROM credentials c JOIN results r ON r.id = c.result_id "
        "JOIN sittings s ON s.id = r.sitting_id WHERE c.id = ?",
        [credential_id],
    ).fetchone()[0]
    session = worker.get(f"/sessions/{session_id}")
    assert word in session.text
    assert links_to_print_or_download(session.text, credential_id) == []
    dashboard = worker.get("/dashboard")
    assert word in dashboard.text
    assert links_to_print_or_download(dashboard.text, credential_id) == []
    for path in ("certificate", "card"):
        page = learner.get(f"/credentials/{credential_id}/{path}")
        assert page.status_code == 410, page.text
        assert "print-a" not in page.text and "<svg" not in page.text
        assert "cannot be printed" in page.text
    for path in ("badge.json", "credential.cose"):
        refused = learner.get(f"/credentials/{credential_id}/{path}")
        assert refused.status_code == 410 and "cannot be printed or downloaded" in refused.text
    listed = learner.get("/api/v1/credentials").json()[0]
    assert listed["state"] == word.lower()


def test_a_credential_revoked_by_the_university_shows_revoked_everywhere(demo) -> None:
    node, info = demo
    worker = staff(node, info)
    learner = pass_module(node, worker, info.learners[0][1], MODULE)
    credential_id, _, slot = issued(node, learner)
    before = learner.get(f"/credentials/{credential_id}")
    assert "badge.json" in before.text and "Revoked" not in before.text
    revoke_on_node(node, slot)
    assert_shown_as("Revoked", node, worker, learner)
    learner.cookies.set("fc_lang", "sw")
    swahili = learner.get(f"/credentials/{credential_id}/certificate")
    assert swahili.status_code == 410 and "cannot be printed" not in swahili.text


def test_an_expired_credential_shows_expired_everywhere(demo) -> None:
    node, info = demo
    node.modules[MODULE] = node.modules[MODULE].model_copy(update={"validity_years": 1})
    worker = staff(node, info)
    learner = pass_module(node, worker, info.learners[1][1], MODULE)
    credential_id, _, _ = issued(node, learner)
    assert learner.get(f"/credentials/{credential_id}/badge.json").status_code == 200
    node.clock.set_time(datetime.now(UTC) + timedelta(days=800), ClockSource.hub)
    assert_shown_as("Expired", node, worker, learner)


@pytest.mark.parametrize("lang", ["sw", "fr"])
def test_the_state_is_in_the_reader_s_language(demo, lang: str) -> None:
    node, info = demo
    worker = staff(node, info)
    learner = pass_module(node, worker, info.learners[2][1], MODULE)
    credential_id, _, slot = issued(node, learner)
    revoke_on_node(node, slot)
    learner.cookies.set("fc_lang", lang)
    page = learner.get(f"/credentials/{credential_id}")
    assert "Revoked" not in page.text and "The university has revoked" not in page.text
    assert "✗" in page.text
    reader = TestClient(create_app(node))
    assert reader.get(f"/credentials/{credential_id}").status_code == 401
