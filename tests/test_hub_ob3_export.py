"""Open Badges 3.0 export of any credential in the registry: a pathway credential too,
described by the catalogue entry the hub's trust list publishes (the one verifiers use),
not only the shipped modules."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime

from credentials.claims import MicroCredential, decode_claims
from credentials.cose import decode_sign1
from credentials.issuance import issue
from credentials.ob3 import verify_open_badge
from hub.ingest import Hub
from hub.settings import HubSettings
from hub.simulate import enrol, push
from hub.staff import add_token
from hub.web.app import create_web_app
from sync.eventlog import EventType
from sync.simulate import ScriptedNode

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PATHWAY = "green-farming-practitioner"


def _id(cose: bytes) -> str:
    """A credential's id in hex, as a pathway.issued event's ``from`` lists it."""
    return decode_claims(decode_sign1(cose).payload).credential_id.hex()


def test_a_pathway_credential_exports_as_an_open_badge(hub: Hub) -> None:
    node = ScriptedNode.create("node-ob", seed=4)
    enrol(hub, node, modules=("*",))
    learner = node.register()
    modules = ("climate-smart-agriculture", "sustainable-irrigation", "soil-health")
    parts = [node.sit_and_issue(learner, module=m) for m in modules]
    pathway = MicroCredential(
        issuer=node.node_id,
        subject=learner,
        issued_at=datetime.now(UTC).replace(microsecond=0),
        credential_id=b"p" * 16,
        module_id=PATHWAY,
        module_version="1.0.0",
        outcomes=(True, True, True),
        score_percent=80,
        route="course",
        holder_name="A",
        status_index=99,
        pathway=True,
    )
    node._append(
        EventType.pathway_issued,
        {"cose": issue(node.key, pathway), "learner": learner, "from": [_id(p) for p in parts]},
    )
    push(hub, node)
    assert hub.store.scalar("SELECT status FROM credentials WHERE pathway = 1") == "active"
    token = add_token(hub.store, "lms", "university")
    client = TestClient(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))
    response = client.get(
        f"/api/v1/credentials/{(b'p' * 16).hex()}/ob3",
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    badge = response.json()
    assert verify_open_badge(badge, hub.root_key.public_key)
    assert PATHWAY in str(badge["credentialSubject"]["achievement"]["id"])
