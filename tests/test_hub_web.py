"""Hub web: staff login and pages, organisation-scoped JSON API, revocation published in
the trust list, OB3 export, public trust list."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer

from credentials.trust import read_trust_list
from hub.ingest import Hub, answer
from hub.settings import HubSettings
from hub.simulate import enrol, simulated_hub
from hub.staff import add_staff, add_token
from hub.store import SqliteStore
from hub.web.app import create_web_app
from hub.web.context import SESSION_COOKIE
from sync.client import batch_message
from sync.eventlog import read_events
from sync.simulate import ScriptedNode
from tests.helpers.pages import csrf_of


@pytest.fixture
def client(sqlite_hub: Hub) -> TestClient:
    node = ScriptedNode.create("node-w")
    enrol(sqlite_hub, node)
    for _ in range(3):
        node.sit_and_issue(node.register())
    answer(
        sqlite_hub,
        batch_message(node.db, node.key, "node-w", read_events(node.db, after=0), b"n" * 8),
    )
    add_staff(sqlite_hub.store, "wanjiru", "correct horse", "university")
    settings = HubSettings(name="Maseno hub", session_secret="s" * 32)
    return TestClient(create_web_app(sqlite_hub, settings))


def login(client: TestClient) -> str:
    """Log in; the CSRF token the session's forms carry."""
    response = client.post(
        "/login", data={"username": "wanjiru", "password": "correct horse"}, follow_redirects=False
    )
    assert response.status_code == 303
    return csrf_of(client.get("/").text)


def test_pages_need_a_login(client: TestClient) -> None:
    for path in ("/", "/credentials", "/equity", "/modules/soil-health"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login"
    bad = client.post("/login", data={"username": "wanjiru", "password": "wrong password"})
    assert bad.status_code == 401 and "wrong username or password" in bad.text


def test_a_hub_without_a_session_secret_does_not_sign_with_its_public_name(sqlite_hub: Hub) -> None:
    """Sessions signed with the hub's name (on every page) would let anyone be any staff."""
    add_staff(sqlite_hub.store, "wanjiru", "correct horse", "university")
    client = TestClient(create_web_app(sqlite_hub, HubSettings(name="Maseno hub")))
    forged = URLSafeTimedSerializer("Maseno hub", salt="staff").dumps("wanjiru")
    client.cookies.set(SESSION_COOKIE, forged)
    assert client.get("/", follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert login(client) and client.get("/").status_code == 200


def test_staff_see_the_overview_registry_credential_and_equity_pages(
    client: TestClient, sqlite_hub: Hub
) -> None:
    login(client)
    overview = client.get("/")
    assert overview.status_code == 200 and "soil-health" in overview.text
    assert "Events set aside for review" in overview.text
    assert "node-w" in overview.text
    registry = client.get("/credentials")
    assert registry.text.count("/credentials/") >= 3
    credential_id = sqlite_hub.store.scalar("SELECT credential_id FROM credentials LIMIT 1")
    detail = client.get(f"/credentials/{credential_id}")
    assert detail.status_code == 200 and "Revoke" in detail.text
    assert client.get("/equity").status_code == 200
    assert "gender" in client.get("/equity").text
    assert client.get("/credentials/nope").status_code == 404


def test_a_registry_offset_no_database_holds_is_a_clear_error(client: TestClient) -> None:
    login(client)
    for offset in (str(2**63), "9" * 30, "-1"):
        answer = client.get(f"/credentials?offset={offset}")
        assert answer.status_code == 422, answer.text
    paged = client.get("/credentials?offset=5")
    assert 'href="/credentials?offset=5&amp;lang=fr"' in paged.text, paged.text[:2000]
    page = client.get("/credentials?offset=abc&lang=sw")
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert "Ukurasa huu uliombwa bila thamani au kwa thamani isiyo sahihi: offset." in page.text


def test_revocation_is_published_in_the_next_trust_list(
    client: TestClient, sqlite_hub: Hub
) -> None:
    token = login(client)
    credential_id, index = sqlite_hub.store.one(
        "SELECT credential_id, status_index FROM credentials"
    )
    forged = client.post(f"/credentials/{credential_id}/revoke", data={"reason": "fraud"})
    assert forged.status_code == 403 and "expired" in forged.text
    for reason in ("  ", "x" * 501):  # the audit record needs one, of a readable size
        refused = client.post(
            f"/credentials/{credential_id}/revoke", data={"reason": reason, "csrf": token}
        )
        assert refused.status_code == 400 and "reason" in refused.text
    assert sqlite_hub.store.scalar("SELECT count(*) FROM credentials WHERE status = 'revoked'") == 0
    response = client.post(
        f"/credentials/{credential_id}/revoke",
        data={"reason": "fraud", "csrf": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    public = TestClient(client.app).get("/trust-list")
    assert public.status_code == 200
    trust = read_trust_list(public.content, pinned_roots=[sqlite_hub.root_key.public_key])
    assert trust.status_lists["node-w"].is_set(index)
    assert (
        sqlite_hub.store.scalar(
            "SELECT status FROM credentials WHERE credential_id = ?", [credential_id]
        )
        == "revoked"
    )
    assert trust.issued_at <= datetime.now(UTC)


def test_a_revocation_keeps_who_revoked_it_and_when(client: TestClient, sqlite_hub: Hub) -> None:
    """The audit record: the staff member, the time and the reason, on the credential's
    page and in the API's registry entry."""
    token = login(client)
    credential_id = sqlite_hub.store.scalar("SELECT credential_id FROM credentials")
    client.post(f"/credentials/{credential_id}/revoke", data={"reason": "fraud", "csrf": token})
    row = sqlite_hub.store.record(
        "SELECT revoked_by, revoked_at, revocation_reason FROM credentials WHERE credential_id = ?",
        [credential_id],
    )
    assert row is not None and row["revoked_by"] == "wanjiru" and row["revoked_at"]
    assert row["revocation_reason"] == "fraud"
    page = client.get(f"/credentials/node-w/{credential_id}?lang=en").text
    assert "Revoked by" in page and "wanjiru" in page
    api = client.get(
        f"/api/v1/nodes/node-w/credentials/{credential_id}",
        headers={"Authorization": f"Bearer {add_token(sqlite_hub.store, 'lms', 'university')}"},
    )
    assert api.status_code == 200 and api.json()["revoked_by"] == "wanjiru"


def test_api_is_token_scoped(client: TestClient, sqlite_hub: Hub) -> None:
    ours = add_token(sqlite_hub.store, "open edx", "university")
    theirs = add_token(sqlite_hub.store, "elsewhere", "other-university")
    assert client.get("/api/v1/modules/soil-health/results").status_code == 401
    bad = client.get(
        "/api/v1/modules/soil-health/results", headers={"authorization": "Bearer nope"}
    )
    assert bad.status_code == 401 and bad.json()["error"] == "not_authenticated"
    mine = client.get(
        "/api/v1/modules/soil-health/results", headers={"authorization": f"Bearer {ours}"}
    ).json()
    assert len(mine["results"]) == 3 and all(r["credential_id"] for r in mine["results"])
    other = client.get(
        "/api/v1/modules/soil-health/results", headers={"authorization": f"Bearer {theirs}"}
    ).json()
    assert other["results"] == []
    credential_id = mine["results"][0]["credential_id"]
    hidden = client.get(
        f"/api/v1/credentials/{credential_id}", headers={"authorization": f"Bearer {theirs}"}
    )
    assert hidden.status_code == 404
    equity = client.get("/api/v1/equity", headers={"authorization": f"Bearer {ours}"}).json()
    assert {row["dimension"] for row in equity["equity"]} == {"gender", "age band", "centre"}


def test_a_token_holder_gets_a_signed_open_badge_of_a_credential(
    client: TestClient, sqlite_hub: Hub
) -> None:
    token = add_token(sqlite_hub.store, "wallet", "university")
    credential_id = sqlite_hub.store.scalar("SELECT credential_id FROM credentials LIMIT 1")
    badge = client.get(
        f"/api/v1/credentials/{credential_id}/ob3", headers={"authorization": f"Bearer {token}"}
    )
    assert badge.status_code == 200, badge.text
    document = badge.json()
    assert "AchievementCredential" in document["type"]
    assert document["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"


def test_anyone_verifies_a_credential_genuine_then_revoked_and_junk_not_genuine(
    client: TestClient, sqlite_hub: Hub
) -> None:
    from credentials.qr import to_qr_text

    cose, credential_id = sqlite_hub.store.one(
        "SELECT cose, credential_id FROM credentials LIMIT 1"
    )
    good = client.post("/verify", content=to_qr_text(bytes(cose)))
    assert good.status_code == 200 and good.json()["genuine"] is True
    assert good.json()["module_id"] == "soil-health"
    token = login(client)
    client.post(f"/credentials/{credential_id}/revoke", data={"reason": "fraud", "csrf": token})
    revoked = client.post("/verify", content=bytes(cose)).json()
    assert revoked["genuine"] is False and revoked["reason"] == "credential_revoked"
    junk = client.post("/verify", content=b"\xff" * 50).json()
    assert junk["genuine"] is False


# -- the public verification page ------------------------------------------------------


def test_verify_page_is_public_local_and_scriptless(client: TestClient) -> None:
    page = client.get("/verify")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text and 'name="photo"' in page.text
    assert "<script" not in page.text
    assert not re.search(r'(src|href)="(https?:)?//', page.text)
    assert 'name="viewport"' in page.text


def test_verify_page_says_what_the_credential_is_and_claims(
    client: TestClient, sqlite_hub: Hub
) -> None:
    from credentials.qr import qr_png, to_qr_text

    cose, credential_id = sqlite_hub.store.one(
        "SELECT cose, credential_id FROM credentials LIMIT 1"
    )
    qr_text = to_qr_text(bytes(cose))
    pasted = client.post("/verify", data={"text": qr_text})
    assert pasted.status_code == 200 and 'class="ok"' in pasted.text
    assert "Genuine" in pasted.text and "Soil health" in pasted.text
    assert "Scripted centre" in pasted.text and "Outcomes achieved" in pasted.text
    photo = client.post("/verify", files={"photo": ("qr.png", qr_png(qr_text), "image/png")})
    assert photo.status_code == 200 and 'class="ok"' in photo.text
    blurred = client.post("/verify", files={"photo": ("x.png", b"\x89PNG not really", "image/png")})
    assert blurred.status_code == 200 and "No QR code found" in blurred.text
    assert "Nothing to check" in client.post("/verify", data={"text": " "}).text
    forged = client.post("/verify", data={"text": qr_text[:-6] + "AAAAAA"})
    assert forged.status_code == 200 and 'class="error"' in forged.text
    token = login(client)
    client.post(f"/credentials/{credential_id}/revoke", data={"reason": "fraud", "csrf": token})
    revoked = client.post("/verify", data={"text": qr_text}, headers={"accept-language": "sw"})
    assert "Chuo kikuu kimekifuta cheti hiki." in revoked.text
    assert 'lang="sw"' in revoked.text and 'class="error"' in revoked.text
    assert client.post("/verify", content=qr_text).json()["reason"] == "credential_revoked"


def test_verify_page_bounds_its_input(client: TestClient) -> None:
    big = b"x" * (9 * 1024 * 1024)
    too_big = client.post("/verify", files={"photo": ("big.png", big, "image/png")})
    assert too_big.status_code == 413 and "<html" in too_big.text
    just_over = b"x" * (8 * 1024 * 1024 + 1)
    over = client.post("/verify", files={"photo": ("big.png", just_over, "image/png")})
    assert over.status_code == 413 and "The photo is too large." in over.text
    raw = client.post("/verify", content=b"FC1:" + b"A" * 20_000)
    assert raw.status_code == 413 and raw.json()["error"] == "too_large"
    broken = client.post(
        "/verify",
        content=b"--x\r\nContent-Disposition: form-data\r\n\r\n",
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert broken.status_code == 400, broken.text


def test_a_hub_without_a_trust_list_says_it_cannot_check_yet(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "empty.db")
    empty = TestClient(create_web_app(simulated_hub(store), HubSettings(name="New hub")))
    page = empty.post("/verify", data={"text": "FC1:ABC"}, headers={"accept-language": "fr"})
    assert page.status_code == 200 and "Vérification impossible pour l&#39;instant" in page.text
    assert empty.post("/verify", content="FC1:ABC").status_code == 404
    store.close()


def test_verify_form_never_fails_with_a_server_error(client: TestClient) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @given(
        content_type=st.sampled_from(
            [
                "application/x-www-form-urlencoded",
                "multipart/form-data",
                "multipart/form-data; boundary=fc",
                "multipart/form-data; boundary=",
            ]
        ),
        body=st.one_of(
            st.binary(max_size=600),
            st.builds(
                lambda head, text: (
                    b'--fc\r\nContent-Disposition: form-data; name="'
                    + head
                    + b'"\r\n\r\n'
                    + text
                    + b"\r\n--fc--\r\n"
                ),
                st.sampled_from([b"text", b"photo", b'photo"; filename="a.png', b""]),
                st.binary(max_size=400),
            ),
        ),
    )
    @settings(
        max_examples=150,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(content_type: str, body: bytes) -> None:
        response = client.post("/verify", content=body, headers={"content-type": content_type})
        assert response.status_code < 500, (content_type, body, response.text[:300])

    check()

    @given(text=st.text(max_size=300))
    @settings(max_examples=100, deadline=None, derandomize=True, database=None)
    def check_text(text: str) -> None:
        response = client.post("/verify", data={"text": "FC1:" + text})
        assert response.status_code == 200 and 'class="error"' in response.text

    check_text()


# -- languages -------------------------------------------------------------------------


def test_every_reason_has_a_verdict_and_the_store_s_words_are_translated() -> None:
    """That every message a page marks is in the catalogues: tests/test_catalogues.py."""
    from credentials.i18n import gettext
    from credentials.verdicts import VERDICTS
    from credentials.verification import Reason
    from hub.translations import STORED_WORDS

    assert set(Reason) <= set(VERDICTS)
    for word in STORED_WORDS:
        assert gettext("sw", word) != word, word


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ["Overview", "Results by module"]),
        ("sw", ["Muhtasari", "Matokeo kwa moduli"]),
        ("fr", ["Vue d&#39;ensemble", "Résultats par module"]),
    ],
)
def test_staff_pages_in_each_language(client: TestClient, lang: str, words: list[str]) -> None:
    login(client)
    overview = client.get(f"/?lang={lang}")
    assert overview.status_code == 200 and f'<html lang="{lang}">' in overview.text
    for word in words:
        assert word in overview.text
    # The choice sticks (a cookie) for the next page.
    registry = client.get("/credentials")
    assert f'<html lang="{lang}">' in registry.text
    equity = client.get("/equity", headers={"accept-language": "sw"})
    assert f'<html lang="{lang}">' in equity.text


def test_the_overview_says_when_xapi_forwarding_is_off_and_how_to_turn_it_on(
    client: TestClient, sqlite_hub: Hub
) -> None:
    """It showed statements "waiting to be sent" with no word that nothing would send them."""
    login(client)
    off = client.get("/?lang=en").text
    assert "Forwarding is off" in off and "xapi_url" in off
    assert "Utumaji umezimwa" in client.get("/?lang=sw").text
    forwarding = TestClient(
        create_web_app(
            sqlite_hub,
            HubSettings(name="Hub", session_secret="s" * 32, xapi_url="http://127.0.0.1:9/xapi"),
        )
    )
    login(forwarding)
    assert "Forwarding is off" not in forwarding.get("/?lang=en").text
