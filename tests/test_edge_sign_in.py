"""Signing in starts a new session nonce: a CSRF token issued before the log-in (which a
page of another site, or whoever shares the tablet, may have seen or planted) is refused
after it."""

from __future__ import annotations

import warnings

from edge_node.node import Node
from edge_node.web.app import create_app
from tests.helpers.nodes import WORKER
from tests.helpers.pages import csrf_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def test_a_token_from_before_the_log_in_is_refused_after_it(node: Node) -> None:
    client = TestClient(create_app(node))
    before = csrf_of(client.get("/login").text)
    signed_in = client.post(
        "/login",
        data={"csrf": before, "username": WORKER[0], "password": WORKER[1]},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    form = {"csrf": before, "name": "Amina Odhiambo", "language": "sw", "consent": "yes"}
    stale = client.post("/learners/new", data=form, follow_redirects=False)
    assert stale.status_code == 403
    after = csrf_of(client.get("/learners/new").text)
    assert after != before
    fresh = client.post("/learners/new", data={**form, "csrf": after}, follow_redirects=False)
    assert fresh.status_code == 303, fresh.text
