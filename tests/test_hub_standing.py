"""The hub shows a revoked or expired credential as such first on its page and in its
registry, and refuses its Open Badges export with the reason."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta

from credentials.claims import MicroCredential, decode_claims
from credentials.cose import decode_sign1
from credentials.issuance import issue
from hub.ingest import Hub
from hub.nodes import revoke_credential
from hub.settings import HubSettings
from hub.simulate import enrol, push
from hub.staff import add_staff, add_token
from hub.web.app import create_web_app
from sync.eventlog import EventType
from sync.simulate import ScriptedNode
from tests.helpers.pages import csrf_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def login(client: TestClient) -> str:
    """Log in as the hub's staff member; the CSRF token the session's forms carry."""
    response = client.post(
        "/login", data={"username": "wanjiru", "password": "correct horse"}, follow_redirects=False
    )
    assert response.status_code == 303
    return csrf_of(client.get("/").text)


def _client(hub: Hub) -> tuple[TestClient, dict[str, str]]:
    token = add_token(hub.store, "lms", "university")
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    client = TestClient(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))
    return client, {"authorization": f"Bearer {token}"}


def _expired(node: ScriptedNode, learner: str) -> str:
    """A credential its centre issued ten days ago, valid for a week."""
    issued_at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)
    credential = MicroCredential(
        issuer=node.node_id,
        subject=learner,
        issued_at=issued_at,
        credential_id=b"e" * 16,
        expires_at=issued_at + timedelta(days=7),
        module_id="soil-health",
        module_version="1.0.0",
        outcomes=(True,) * 7,
        score_percent=80,
        route="course",
        holder_name="A",
        status_index=90,
    )
    sitting = {
        "id": "S-expired",
        "learner": learner,
        "module": "soil-health",
        "module_version": "1.0.0",
        "route": "course",
        "answers": {},
        "score_percent": 80,
        "passed": True,
    }
    node._append(EventType.sitting_submitted, sitting)
    node._append(
        EventType.credential_issued,
        {"cose": issue(node.key, credential), "learner": learner, "sitting": "S-expired"},
    )
    return credential.credential_id.hex()


def test_a_revoked_credential_is_shown_revoked_and_not_exported(sqlite_hub: Hub) -> None:
    hub = sqlite_hub
    node = ScriptedNode.create("node-st", seed=5)
    enrol(hub, node, modules=("*",))
    cose = node.sit_and_issue(node.register())
    push(hub, node)
    credential_id = decode_claims(decode_sign1(cose).payload).credential_id.hex()
    client, api = _client(hub)
    address = f"/api/v1/nodes/{node.node_id}/credentials/{credential_id}/ob3"
    assert client.get(address, headers=api).status_code == 200
    revoke_credential(
        hub.store,
        hub.root_key,
        node.node_id,
        credential_id,
        "copied answers",
        staff="registrar",
        now=datetime.now(UTC),
    )
    refused = client.get(address, headers=api)
    assert refused.status_code == 410, refused.text
    assert refused.json()["error"] == "credential_not_valid"
    assert "revoked (copied answers)" in refused.json()["message"]
    by_id = client.get(f"/api/v1/credentials/{credential_id}/ob3", headers=api)
    assert by_id.status_code == 410
    login(client)
    page = client.get(f"/credentials/{node.node_id}/{credential_id}")
    assert page.status_code == 200
    verdict = page.text.index("Revoked: this credential is no longer valid. Reason: copied answers")
    assert verdict < page.text.index("Registry entry") and "✗ revoked" in page.text
    assert "✗ revoked" in client.get("/credentials").text
    client.cookies.set("fieldcred_hub_lang", "sw")
    swahili = client.get(f"/credentials/{node.node_id}/{credential_id}")
    assert "✗ kimefutwa" in swahili.text and "Revoked: this" not in swahili.text
    assert len(page.content) < 50_000


def test_an_expired_credential_is_shown_expired_and_not_exported(sqlite_hub: Hub) -> None:
    hub = sqlite_hub
    node = ScriptedNode.create("node-ex", seed=6)
    enrol(hub, node, modules=("*",))
    credential_id = _expired(node, node.register())
    push(hub, node)
    client, api = _client(hub)
    refused = client.get(f"/api/v1/credentials/{credential_id}/ob3", headers=api)
    assert refused.status_code == 410 and "expired on" in refused.json()["message"]
    results = client.get("/api/v1/modules/soil-health/results", headers=api).json()["results"]
    states = {r["credential_id"]: r["credential_status"] for r in results}
    assert states[credential_id] == "expired"
    login(client)
    page = client.get(f"/credentials/{node.node_id}/{credential_id}")
    assert "Expired on" in page.text and "⌛ expired" in page.text
    assert "⌛ expired" in client.get("/modules/soil-health").text


def test_the_expiry_is_a_column_filled_once_for_credentials_stored_before_it(
    sqlite_hub: Hub,
) -> None:
    """Pages and the LMS's results read ``expires_at`` instead of decoding every
    credential; a hub from before the column fills it from the stored bytes on start."""
    hub = sqlite_hub
    from hub.expiry import NEVER_EXPIRES
    from hub.store import MIGRATIONS, migrate

    node = ScriptedNode.create("node-col", seed=7)
    enrol(hub, node, modules=("*",))
    expired = _expired(node, node.register())
    node.backlog(1)  # a credential without expiry
    push(hub, node)
    stored = dict(hub.store.query("SELECT credential_id, expires_at FROM credentials"))
    claims_exp = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    assert abs(stored[expired] - int(claims_exp.timestamp())) <= 5
    assert sorted(v for k, v in stored.items() if k != expired) == [NEVER_EXPIRES]
    # As on a hub from before 0016: the column empty, the migration not yet applied.
    hub.store.execute("UPDATE credentials SET expires_at = NULL")
    hub.store.execute("DELETE FROM hub_migrations WHERE name = ?", [MIGRATIONS[-1][0]])
    hub.store.execute("ALTER TABLE credentials DROP COLUMN expires_at")
    assert migrate(hub.store) == ["0016_credential_expiry"]
    assert dict(hub.store.query("SELECT credential_id, expires_at FROM credentials")) == stored
