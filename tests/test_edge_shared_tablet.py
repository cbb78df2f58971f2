"""The centre's shared tablet: learners join one after another, each in their own language,
and a learner who leaves takes their language with them."""

from __future__ import annotations

import re
import warnings

import pytest

from edge_node import assessment, learners
from edge_node.node import Node
from edge_node.web.app import create_app
from tests.helpers.nodes import MODULE
from tests.helpers.pages import csrf_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def learner(node: Node, name: str, language: str) -> learners.LearnerPublic:
    details = learners.LearnerDetails(name=name, language=language, consent=True)
    return learners.register(node, details, by="t")


def join(tablet: TestClient, session: str, code: str, *, query: str = "") -> str:
    page = tablet.get(f"/join{query}")
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    done = tablet.post("/join", data={**fields, "session": session, "learner": code})
    assert done.status_code == 200 and "/sit/" in str(done.url), done.text[:300]
    return done.text


def page_language(html: str) -> str:
    found = re.search(r'<html lang="(\w+)"', html)
    assert found
    return found.group(1)


@pytest.fixture
def session_code(node: Node) -> str:
    return assessment.open_session(node, module_id=MODULE, route="course", by="t").code


def test_the_next_learner_gets_their_own_language_not_the_last_ones(
    node: Node, session_code: str
) -> None:
    amina, baraka = learner(node, "Amina", "fr"), learner(node, "Baraka", "sw")
    tablet = TestClient(create_app(node))
    assert page_language(join(tablet, session_code, amina.code)) == "fr"
    # Amina does not press Leave; Baraka opens the join page and joins after her.
    assert page_language(join(tablet, session_code, baraka.code)) == "sw"


def test_leaving_gives_the_tablet_back_its_own_language(node: Node, session_code: str) -> None:
    amina = learner(node, "Amina", "fr")
    tablet = TestClient(create_app(node), headers={"Accept-Language": "sw"})
    assert page_language(tablet.get("/join").text) == "sw"
    page = join(tablet, session_code, amina.code)
    assert page_language(page) == "fr"
    left = tablet.post("/logout", data={"csrf": csrf_of(page)})
    assert left.status_code == 200
    assert "fc_lang" not in tablet.cookies
    assert page_language(tablet.get("/join").text) == "sw"


def test_a_language_chosen_on_the_join_page_wins_over_the_registered_one(
    node: Node, session_code: str
) -> None:
    baraka = learner(node, "Baraka", "sw")
    tablet = TestClient(create_app(node))
    card_link = f"/join?learner={baraka.code}"
    page = tablet.get(card_link).text
    # The choice is at the top of the page and keeps the code the card's QR filled in.
    assert f'href="/join?lang=fr&amp;learner={baraka.code}"' in page
    chosen = tablet.get(f"/join?lang=fr&learner={baraka.code}").text
    assert page_language(chosen) == "fr" and f'value="{baraka.code}"' in chosen
    assert page_language(join(tablet, session_code, baraka.code, query="?lang=fr")) == "fr"
    assert tablet.get("/join?lang=xx").status_code == 200
