"""A credential's address at the hub is its issuing node and its id: a node chooses its
ids, so a rogue centre can sync a credential with another centre's id. Every page, API
answer, export and revocation goes by the node and the id; an address by id alone answers
when one centre holds it and lists the centres (409) when several do, and staff see the
collision. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from credentials.claims import MicroCredential
from credentials.issuance import issue
from credentials.ob3 import verify_open_badge
from hub.ingest import Hub
from hub.settings import HubSettings
from hub.simulate import enrol, push
from hub.staff import add_staff, add_token
from hub.web.app import create_web_app
from lms_plugin.hub_results import parse_results, results_csv
from sync.eventlog import EventType
from sync.simulate import ScriptedNode

SHADOWED = "5a" * 16
"""The credential id both centres use."""


def _issue_with_id(node: ScriptedNode, credential_id: bytes) -> bytes:
    """A learner of ``node`` passes and gets a credential with the given id."""
    learner = node.register()
    node.status_index += 1
    node._append(
        EventType.sitting_submitted,
        {
            "id": f"S{node.status_index}",
            "learner": learner,
            "module": "soil-health",
            "module_version": "1.0.0",
            "route": "course",
            "answers": {},
            "score_percent": 90,
            "passed": True,
        },
    )
    cose = issue(
        node.key,
        MicroCredential(
            issuer=node.node_id,
            subject=learner,
            issued_at=node.clock,
            credential_id=credential_id,
            module_id="soil-health",
            module_version="1.0.0",
            outcomes=(True,) * 7,
            score_percent=90,
            route="course",
            holder_name="A",
            status_index=node.status_index,
        ),
    )
    node._append(EventType.credential_issued, {"cose": cose, "learner": learner})
    return cose


@dataclass
class Collision:
    client: TestClient
    token: str
    genuine: bytes
    """Centre ``bondo``'s credential."""
    shadow: bytes
    """Centre ``rogue``'s credential with the same id, which it revoked itself."""
    alone: str
    """The id of a credential only ``bondo`` holds."""


@pytest.fixture
def collision(hub: Hub) -> Collision:
    bondo = ScriptedNode.create("bondo", seed=1)
    rogue = ScriptedNode.create("rogue", seed=2)
    enrol(hub, bondo)
    enrol(hub, rogue)
    genuine = _issue_with_id(bondo, bytes.fromhex(SHADOWED))
    alone = bondo.sit_and_issue(bondo.register())
    assert push(hub, bondo)["quarantined"] == []
    shadow = _issue_with_id(rogue, bytes.fromhex(SHADOWED))
    rogue._append(
        EventType.credential_revoked, {"id": bytes.fromhex(SHADOWED), "reason": "mistake"}
    )
    assert push(hub, rogue)["quarantined"] == []
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    client = TestClient(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))
    client.post("/login", data={"username": "wanjiru", "password": "correct horse"})
    alone_id = str(hub.store.scalar("SELECT credential_id FROM credentials WHERE seq = 6"))
    assert alone_id != SHADOWED and alone is not None
    return Collision(client, add_token(hub.store, "lms", "university"), genuine, shadow, alone_id)


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def _status(hub: Hub, node_id: str) -> str:
    return str(
        hub.store.scalar(
            "SELECT status FROM credentials WHERE node_id = ? AND credential_id = ?",
            [node_id, SHADOWED],
        )
    )


def _verify(client: TestClient, cose: bytes) -> str:
    return str(client.post("/verify", content=cose).json()["reason"])


def test_each_centres_credential_has_its_own_page_and_staff_see_the_collision(
    hub: Hub, collision: Collision
) -> None:
    client = collision.client
    genuine = client.get(f"/credentials/bondo/{SHADOWED}?lang=en")
    shadow = client.get(f"/credentials/rogue/{SHADOWED}?lang=en")
    assert (genuine.status_code, shadow.status_code) == (200, 200)
    assert "<tr><td>Status</td><td>✓ active</td></tr>" in genuine.text
    assert "<tr><td>Status</td><td>✗ revoked</td></tr>" in shadow.text
    # Each page warns of the other centre's credential and links it.
    warning = f"Two centres issued the same credential id {SHADOWED}"
    assert warning in genuine.text and f'href="/credentials/rogue/{SHADOWED}"' in genuine.text
    assert warning in shadow.text and f'href="/credentials/bondo/{SHADOWED}"' in shadow.text
    # The overview says so too, in the reader's language, with a link to the centres.
    overview = client.get("/?lang=sw").text
    assert f"Vituo viwili vimetoa cheti chenye namba ileile {SHADOWED}" in overview
    assert f'href="/credentials/{SHADOWED}"' in overview
    # The address by id alone lists both centres instead of picking one.
    listed = client.get(f"/credentials/{SHADOWED}?lang=en", follow_redirects=False)
    assert listed.status_code == 409
    assert f'href="/credentials/bondo/{SHADOWED}"' in listed.text
    assert f'href="/credentials/rogue/{SHADOWED}"' in listed.text
    # Registry rows link each centre's own credential.
    registry = client.get("/credentials").text
    assert f'href="/credentials/bondo/{SHADOWED}"' in registry
    assert f'href="/credentials/rogue/{SHADOWED}"' in registry


def test_staff_revoke_the_centre_they_chose(hub: Hub, collision: Collision) -> None:
    client = collision.client
    assert _verify(client, collision.genuine) == "genuine"
    assert _verify(client, collision.shadow) == "credential_revoked"
    page = client.get(f"/credentials/bondo/{SHADOWED}").text
    assert f'action="/credentials/bondo/{SHADOWED}/revoke"' in page
    # By id alone the hub does not guess which centre's credential to revoke.
    guessed = client.post(
        f"/credentials/{SHADOWED}/revoke",
        data={"reason": "fraud", "csrf": _csrf(page)},
        follow_redirects=False,
    )
    assert guessed.status_code == 409
    assert _status(hub, "bondo") == "active"
    revoked = client.post(
        f"/credentials/bondo/{SHADOWED}/revoke",
        data={"reason": "fraud", "csrf": _csrf(page)},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    assert revoked.headers["location"] == f"/credentials/bondo/{SHADOWED}"
    assert (_status(hub, "bondo"), _status(hub, "rogue")) == ("revoked", "revoked")
    assert _verify(client, collision.genuine) == "credential_revoked"


def test_the_api_answers_by_node_and_lists_the_candidates_by_id(
    hub: Hub, collision: Collision
) -> None:
    client = collision.client
    auth = {"authorization": f"Bearer {collision.token}"}
    entry = client.get(f"/api/v1/nodes/bondo/credentials/{SHADOWED}", headers=auth)
    assert entry.status_code == 200
    assert (entry.json()["node_id"], entry.json()["status"]) == ("bondo", "active")
    assert entry.json()["cose"] == collision.genuine.hex()
    rogue = client.get(f"/api/v1/nodes/rogue/credentials/{SHADOWED}", headers=auth).json()
    assert (rogue["node_id"], rogue["status"]) == ("rogue", "revoked")
    badge = client.get(f"/api/v1/nodes/bondo/credentials/{SHADOWED}/ob3", headers=auth)
    assert badge.status_code == 200 and verify_open_badge(badge.json(), hub.root_key.public_key)
    for suffix in ("", "/ob3"):
        ambiguous = client.get(f"/api/v1/credentials/{SHADOWED}{suffix}", headers=auth)
        assert ambiguous.status_code == 409
        assert ambiguous.json()["error"] == "ambiguous"
        assert [(c["node_id"], c["href"]) for c in ambiguous.json()["candidates"]] == [
            ("bondo", f"/api/v1/nodes/bondo/credentials/{SHADOWED}{suffix}"),
            ("rogue", f"/api/v1/nodes/rogue/credentials/{SHADOWED}{suffix}"),
        ]
    missing = client.get(f"/api/v1/nodes/rogue/credentials/{collision.alone}", headers=auth)
    assert missing.status_code == 404


def test_an_id_one_centre_holds_keeps_its_old_addresses(hub: Hub, collision: Collision) -> None:
    client = collision.client
    auth = {"authorization": f"Bearer {collision.token}"}
    entry = client.get(f"/api/v1/credentials/{collision.alone}", headers=auth)
    assert entry.status_code == 200 and entry.json()["node_id"] == "bondo"
    assert client.get(f"/api/v1/credentials/{collision.alone}/ob3", headers=auth).status_code == 200
    page = client.get(f"/credentials/{collision.alone}?lang=fr", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == f"/credentials/bondo/{collision.alone}?lang=fr"
    assert client.get("/credentials/nothing-here").status_code == 404
    # The LMS plugin's view: each sitting with its own centre's credential.
    results = client.get("/api/v1/modules/soil-health/results", headers=auth).json()["results"]
    shadowed = sorted(
        (r["node_id"], r["credential_status"]) for r in results if r["credential_id"] == SHADOWED
    )
    assert shadowed == [("bondo", "active"), ("rogue", "revoked")]


def test_the_lms_export_names_each_credentials_centre(hub: Hub, collision: Collision) -> None:
    auth = {"authorization": f"Bearer {collision.token}"}
    answer = collision.client.get("/api/v1/modules/soil-health/results", headers=auth)
    exported = results_csv(parse_results(answer.content)).splitlines()
    assert exported[0].endswith(",credential_id,credential_status,node")
    nodes = sorted(line.rsplit(",", 1)[1] for line in exported if SHADOWED in line)
    assert nodes == ["bondo", "rogue"]
