"""The server-rendered pages: a whole session by forms alone, no answer key ever shown,
auth (lockout, CSRF, cookies), languages, sizes."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from content.model import Module
from edge_node.i18n import gettext
from edge_node.node import Node
from edge_node.web.app import create_app
from tests.helpers.nodes import MODULE, WORKER, answer_all, full_marks, login
from tests.helpers.pages import csrf_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

TEMPLATES = Path(__file__).resolve().parent.parent / "edge_node" / "templates"


def forbidden_strings(module: Module) -> list[str]:
    """Text that only an answer key or post-submission feedback would put on a page."""
    strings = ['"correct"', "tolerance"]
    for item in module.items:
        for text in (item.feedback or {}).values():
            if len(text) > 12:
                strings.append(text[:40])
    return strings


def assert_no_key(body: str, module: Module) -> None:
    for needle in forbidden_strings(module):
        assert needle not in body, needle


def test_a_whole_session_by_forms_never_shows_an_answer_key(node: Node) -> None:
    app = create_app(node)
    worker = TestClient(app)
    assert login(worker, *WORKER).status_code == 303
    token = csrf_of(worker.get("/learners/new").text)
    card = worker.post(
        "/learners/new",
        data={"csrf": token, "name": "Amina", "language": "fr", "consent": "yes"},
    )
    assert card.status_code == 200 and "<svg" in card.text
    code = re.search(r'class="code">([0-9A-Z-]+)<', card.text).group(1)
    opened = worker.post("/sessions/new", data={"csrf": token, "module": MODULE, "route": "course"})
    session_code = re.search(r'class="code">(\d+)<', opened.text).group(1)

    module = node.modules[MODULE]
    learner = TestClient(app)
    seen: list[str] = []
    home = learner.get("/join")
    ltoken = csrf_of(home.text)
    page = learner.post("/join", data={"csrf": ltoken, "session": session_code, "learner": code})
    assert page.status_code == 200 and 'lang="fr"' in page.text
    seen.append(page.text)
    sitting_url = str(page.url).split("?")[0]
    sitting_id = sitting_url.rsplit("/", 1)[1]
    for _ in range(module.pass_rule.items_drawn):
        position = re.search(r'name="position" value="(\d+)"', page.text).group(1)
        values = re.findall(r'name="answer" value="([^"]+)"', page.text) or ["1"]
        page = learner.post(
            sitting_url,
            data={"csrf": csrf_of(page.text), "position": position, "answer": values[0]},
        )
        assert page.status_code == 200
        seen.append(page.text)
        seen.append(learner.get(f"/api/v1/sittings/{sitting_id}").text)
        seen.append(learner.get(f"/api/v1/sittings/{sitting_id}/items/{position}").text)
    assert "/review" in str(page.url)
    seen.append(learner.get(f"{sitting_url}?q=0").text)
    result = learner.post(f"{sitting_url}/submit", data={"csrf": csrf_of(page.text)})
    seen.append(result.text)
    session_page = worker.get(f"/sessions/{opened.url.path.rsplit('/', 1)[1]}")
    score_url = re.search(r'href="(/sittings/[^"]+/score)"', session_page.text).group(1)
    form = worker.get(score_url).text
    scores: dict[str, str] = {}
    for name, value in re.findall(r'name="(c-[^"]+)" value="(\d+)"', form):
        scores[name] = max(scores.get(name, "0"), value, key=int)
    # Posted with one task unscored: the form again, the others kept, the gap marked.
    _unscored, *rest = sorted(scores)
    partial = worker.post(score_url, data={"csrf": token, **{k: scores[k] for k in rest}})
    assert partial.status_code == 400 and 'role="alert"' in partial.text
    assert partial.text.count("⚠ no score yet") == 1
    for name in rest:
        assert f'name="{name}" value="{scores[name]}" required checked' in partial.text
    assert worker.post(score_url, data={"csrf": token, **scores}).status_code == 200
    seen.append(learner.get(f"{sitting_url}/result").text)
    seen.append(learner.get("/me").text)
    seen.append(learner.get("/api/v1/me").text)
    seen.append(learner.get("/api/v1/modules").text)
    seen.append(learner.get("/api/v1/credentials").text)
    for body in seen:
        assert_no_key(body, module)
        assert len(body.encode()) < 50 * 1024


def test_wrong_passwords_make_the_address_wait_with_retry_after(node: Node) -> None:
    """Five wrong passwords from one address, then it waits (a minute at first; see
    test_edge_guessing.py for how the waits grow), whichever way it logs in."""
    client = TestClient(create_app(node))
    for _ in range(node.settings.login_max_failures):
        assert login(client, WORKER[0], "wrong password").status_code == 401
    locked = login(client, WORKER[0], WORKER[1])
    assert locked.status_code == 429 and 0 < int(locked.headers["retry-after"]) <= 60
    script = TestClient(create_app(node))
    api = script.post("/api/v1/login", json={"username": WORKER[0], "password": WORKER[1]})
    assert api.status_code == 429 and api.json()["error"] == "locked"
    assert re.search(r"Try again in 1 minute\.$", api.json()["message"])
    client.get("/lang/sw")
    in_swahili = login(client, WORKER[0], WORKER[1])
    assert in_swahili.status_code == 429
    assert re.search(r"Jaribu tena baada ya dakika 1\.", in_swahili.text)


def test_unknown_users_and_wrong_passwords_look_the_same(node: Node) -> None:
    client = TestClient(create_app(node))
    a = client.post("/api/v1/login", json={"username": "nobody", "password": "whatever1"})
    b = client.post("/api/v1/login", json={"username": WORKER[0], "password": "whatever1"})
    assert a.status_code == b.status_code == 401 and a.json() == b.json()


def test_forms_without_the_csrf_token_are_refused(node: Node) -> None:
    client = TestClient(create_app(node))
    assert login(client, *WORKER).status_code == 303
    refused = client.post("/learners/new", data={"name": "X", "consent": "yes"})
    assert refused.status_code == 403
    other = TestClient(create_app(node))
    foreign = csrf_of(other.get("/login").text)
    refused = client.post("/learners/new", data={"csrf": foreign, "name": "X", "consent": "yes"})
    assert refused.status_code == 403
    api = client.post("/api/v1/learners", json={"name": "X", "consent": True})
    assert api.status_code == 403


def test_the_session_cookie_is_signed_and_http_only(node: Node) -> None:
    client = TestClient(create_app(node))
    response = login(client, *WORKER)
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    value = client.cookies.get("fc_session")
    client.cookies.set("fc_session", value[:-2] + ("AA" if value[-2:] != "AA" else "BB"))
    assert client.get("/dashboard").status_code == 401
    forged = TestClient(create_app(node), headers={"Authorization": "Bearer nonsense"})
    assert forged.get("/api/v1/learners").status_code == 401


def test_language_choice_sticks_and_every_message_is_translated(node: Node) -> None:
    client = TestClient(create_app(node))
    switched = client.get("/lang/sw?next=/join")
    assert switched.status_code == 200 and 'lang="sw"' in switched.text
    assert gettext("sw", "Join an assessment") in client.get("/").text
    assert client.get("/lang/xx").status_code == 400
    assert client.get("/lang/fr?next=//evil.example").url.path == "/"
    # That every message is translated: tests/test_catalogues.py.


@pytest.mark.parametrize(
    "path",
    ["/", "/login", "/join", "/verify", "/nope", "/sit/x", "/credentials/x", "/media/x/y.svg"],
)
def test_every_public_page_is_small_and_never_a_server_error(node: Node, path: str) -> None:
    client = TestClient(create_app(node))
    response = client.get(path)
    assert response.status_code < 500
    assert len(response.content) < 50 * 1024
    assert "http://" not in response.text.replace("http://www.w3.org", "")


def test_bad_form_input_is_a_400_and_an_unknown_module_or_session_a_404(node: Node) -> None:
    client = TestClient(create_app(node))
    login(client, *WORKER)
    token = csrf_of(client.get("/learners/new").text)
    missing_consent = client.post("/learners/new", data={"csrf": token, "name": "X"})
    assert missing_consent.status_code == 400 and "consent" in missing_consent.text
    bad_year = client.post(
        "/learners/new",
        data={"csrf": token, "name": "X", "birth_year": "nineteen", "consent": "yes"},
    )
    assert bad_year.status_code == 400
    bad_module = client.post("/sessions/new", data={"csrf": token, "module": "x", "route": "c"})
    assert bad_module.status_code == 404
    join = TestClient(create_app(node))
    ltoken = csrf_of(join.get("/join").text)
    wrong = join.post("/join", data={"csrf": ltoken, "session": "000000", "learner": "ZZZZ"})
    assert wrong.status_code == 404 and "session" in wrong.text


def test_a_crowded_session_page_stays_small(node: Node) -> None:
    from edge_node import assessment, learners

    session = assessment.open_session(node, module_id=MODULE, route="course", by="test")
    for index in range(60):
        learner = learners.register(
            node, learners.LearnerDetails(name=f"Learner {index}", consent=True), by="test"
        )
        assessment.join(
            node, session_code=session.code, learner_code=learner.code, pin=None, client="t"
        )
    client = TestClient(create_app(node))
    login(client, *WORKER)
    first = client.get(f"/sessions/{session.id}")
    assert first.status_code == 200 and "?page=1" in first.text
    assert len(first.content) < 50 * 1024
    assert first.text.count("/score") == 50
    second = client.get(f"/sessions/{session.id}?page=1")
    assert second.text.count("/score") == 10
    assert len(client.get("/dashboard").content) < 50 * 1024


def test_a_session_counts_its_learners_in_the_reader_s_plural(node: Node) -> None:
    from edge_node import assessment, learners

    session = assessment.open_session(node, module_id=MODULE, route="course", by="test")
    client = TestClient(create_app(node))
    login(client, *WORKER)
    client.get("/lang/fr")
    for count, words in ((0, "0 apprenant"), (1, "1 apprenant"), (2, "2 apprenants")):
        page = client.get(f"/sessions/{session.id}").text
        assert f"<p>{words}</p>" in page, (count, words)
        assert words in client.get("/dashboard").text, (count, words)
        learner = learners.register(
            node, learners.LearnerDetails(name=f"Learner {count}", consent=True), by="test"
        )
        assessment.join(
            node, session_code=session.code, learner_code=learner.code, pin=None, client="t"
        )
    client.get("/lang/sw")
    assert "<p>wanafunzi 3</p>" in client.get(f"/sessions/{session.id}").text


def test_an_admin_sets_the_time_from_the_browser_and_adds_a_worker(node: Node) -> None:
    import time as clock_time

    client = TestClient(create_app(node))
    assert login(client, "admin", "admin-password").status_code == 303
    page = client.get("/admin")
    assert page.status_code == 200 and "clock.js" in page.text
    token = csrf_of(page.text)
    now_ms = str(int(clock_time.time() * 1000) + 3_600_000)
    done = client.post("/admin/clock", data={"csrf": token, "browser_ms": now_ms})
    assert done.status_code == 200
    status = node.clock.status()
    assert status.source == "admin" and status.trusted
    assert abs(status.now.timestamp() * 1000 - int(now_ms)) < 60_000
    typed = client.post("/admin/clock", data={"csrf": token, "time": "yesterday-ish"})
    assert typed.status_code == 400
    added = client.post(
        "/admin/accounts",
        data={"csrf": token, "username": "amani", "password": "long password", "role": "worker"},
    )
    assert added.status_code == 200 and "amani" in added.text
    worker = TestClient(create_app(node))
    login(worker, *WORKER)
    assert worker.get("/admin").status_code == 403


def test_item_images_are_served_from_the_node(node: Node) -> None:
    client = TestClient(create_app(node))
    image = client.get("/media/soil-health/images/slake-test.svg")
    assert image.status_code == 200
    assert image.headers["content-type"].startswith("image/svg+xml")
    assert "default-src 'none'" in image.headers["content-security-policy"]
    assert client.get("/media/soil-health/../../edge.db").status_code == 404


def test_a_read_only_card_still_lets_staff_log_in_and_read(node: Node) -> None:
    """An SD card that turned read-only keeps what it has: workers log in and read; a
    change says the card is read-only."""
    client = TestClient(create_app(node))
    assert login(client, *WORKER).status_code == 303
    client.post("/logout", data={"csrf": csrf_of(client.get("/dashboard").text)})
    node.db.execute("PRAGMA query_only=ON")
    assert login(client, *WORKER).status_code == 303
    assert client.get("/learners").status_code == 200
    script = TestClient(create_app(node))
    api = script.post("/api/v1/login", json={"username": WORKER[0], "password": WORKER[1]})
    assert api.status_code == 200, api.text
    token = csrf_of(client.get("/learners/new").text)
    refused = client.post("/learners/new", data={"csrf": token, "name": "X", "consent": "yes"})
    assert refused.status_code == 503 and "read-only" in refused.text


def test_a_typed_time_wins_over_the_browser_clock(node: Node) -> None:
    """With JavaScript on, the form always carries the phone's clock; an admin who types
    the time does so because the phone's clock is wrong."""
    import time as clock_time

    client = TestClient(create_app(node))
    assert login(client, "admin", "admin-password").status_code == 303
    token = csrf_of(client.get("/admin").text)
    wrong_phone = str(int(clock_time.time() * 1000) + 400 * 86_400_000)
    done = client.post(
        "/admin/clock",
        data={"csrf": token, "browser_ms": wrong_phone, "time": "2026-11-23 09:30"},
    )
    assert done.status_code == 200
    assert node.clock.now().strftime("%Y-%m-%d %H:%M") == "2026-11-23 09:30"


def test_switching_language_keeps_the_rest_of_the_address(node: Node) -> None:
    client = TestClient(create_app(node))
    login(client, *WORKER)
    page = client.get("/learners?q=Amina")
    assert 'href="/lang/sw?next=/learners%3Fq%3DAmina"' in page.text
    switched = client.get("/lang/sw?next=/learners%3Fq%3DAmina")
    assert switched.url.path == "/learners" and switched.url.query == b"q=Amina"


def test_the_result_page_never_tells_a_learner_who_has_not_submitted_that_all_is_saved(
    node: Node,
) -> None:
    from edge_node import assessment, learners

    session = assessment.open_session(node, module_id=MODULE, route="course", by="test")
    learner = learners.register(
        node, learners.LearnerDetails(name="Early Bird", consent=True), by="test"
    )
    client = TestClient(create_app(node))
    token = csrf_of(client.get("/join").text)
    joined = client.post(
        "/join", data={"csrf": token, "session": session.code, "learner": learner.code}
    )
    sitting_path = joined.url.path
    early = client.get(f"{sitting_path}/result", follow_redirects=False)
    assert early.status_code == 303 and early.headers["location"] == f"{sitting_path}/review"


def test_my_results_name_the_module_of_each_assessment(node: Node) -> None:
    from content.model import localize
    from edge_node import assessment, learners

    session = assessment.open_session(node, module_id=MODULE, route="course", by="test")
    learner = learners.register(
        node, learners.LearnerDetails(name="Two Modules", consent=True), by="test"
    )
    client = TestClient(create_app(node))
    token = csrf_of(client.get("/join").text)
    client.post("/join", data={"csrf": token, "session": session.code, "learner": learner.code})
    client.get("/lang/fr")
    mine = client.get("/me").text
    assert localize(node.modules[MODULE].title, "fr") in mine


def test_the_learner_list_pages_through_a_large_centre(node: Node) -> None:
    """A worker looking down the list for a farmer finds every one, not only the first
    hundreds (else they register the farmer again)."""
    from edge_node import learners

    for index in range(230):
        learners.register(
            node, learners.LearnerDetails(name=f"Farmer {index:03}", consent=True), by="test"
        )
    client = TestClient(create_app(node))
    login(client, *WORKER)
    names: list[str] = []
    url = "/learners"
    while url:
        page = client.get(url)
        assert page.status_code == 200 and len(page.content) < 50 * 1024
        names += re.findall(r">(Farmer \d{3})</a>", page.text)
        more = re.search(r'href="(/learners\?[^"]*page=\d+)">Next<', page.text)
        url = more.group(1).replace("&amp;", "&") if more else ""
    assert sorted(names) == [f"Farmer {index:03}" for index in range(230)]
    api = client.get("/api/v1/learners", params={"offset": 200})
    assert api.status_code == 200 and len(api.json()) == 30


def test_a_learner_who_misses_a_key_task_is_told_which(node: Node) -> None:
    """92 % and "not yet" says nothing to a farmer: the page names the key practical task
    that was not done well enough, and the outcomes they did achieve."""
    from markupsafe import escape

    from content.model import localize
    from edge_node import assessment, learners

    module = node.modules[MODULE]
    key = next(c for c in module.checklist if c.must_pass)
    session = assessment.open_session(node, module_id=MODULE, route="course", by="test")
    learner = learners.register(
        node, learners.LearnerDetails(name="Key Task", consent=True), by="test"
    )
    client = TestClient(create_app(node))
    joined = client.post(
        "/api/v1/join", json={"session_code": session.code, "learner_code": learner.code}
    ).json()
    client.headers["Authorization"] = f"Bearer {joined['token']}"
    answer_all(client, joined["sitting_id"], module)
    client.post(f"/api/v1/sittings/{joined['sitting_id']}/submit")
    scores = {**full_marks(module), key.id: 0}
    sitting = assessment.get_sitting(node, joined["sitting_id"])
    assessment.score_checklist(node, sitting, scores, by="test")
    client.cookies.set("fc_lang", "fr")
    page = client.get(f"/sit/{joined['sitting_id']}/result").text
    assert str(escape(localize(key.text, "fr"))) in page
    assert str(escape(gettext("fr", "Outcomes achieved"))) in page


def test_a_worker_whose_log_in_expired_logs_in_again_and_is_back_on_the_page(
    node: Node,
) -> None:
    client = TestClient(create_app(node))
    expired = client.get("/learners?q=Amina")
    assert expired.status_code == 401
    found = re.search(r'href="(/login\?next=[^"]+)"', expired.text)
    assert found, expired.text
    form = client.get(found.group(1).replace("&amp;", "&"))
    token = csrf_of(form.text)
    back_to = re.search(r'name="next" value="([^"]*)"', form.text)
    assert back_to and back_to.group(1) == "/learners?q=Amina"
    account = {"csrf": token, "username": WORKER[0], "password": WORKER[1]}
    done = client.post("/login", data={**account, "next": back_to.group(1)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/learners?q=Amina"
    again = {**account, "csrf": csrf_of(client.get("/login").text), "next": "//evil.example"}
    elsewhere = client.post("/login", data=again, follow_redirects=False)
    assert elsewhere.headers["location"] == "/dashboard"


def test_a_closed_session_s_page_no_longer_tells_learners_to_join(node: Node) -> None:
    from edge_node import assessment

    session = assessment.open_session(node, module_id=MODULE, route="course", by="test")
    client = TestClient(create_app(node))
    login(client, *WORKER)
    assert "choose Join" in client.get(f"/sessions/{session.id}").text
    assessment.close_session(node, session.id)
    page = client.get(f"/sessions/{session.id}").text
    assert "choose Join" not in page and "This session is closed" in page
    client.get("/lang/sw")
    assert "Kipindi hiki kimefungwa" in client.get(f"/sessions/{session.id}").text
