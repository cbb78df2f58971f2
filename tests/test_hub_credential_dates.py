"""The hub judges a node's credentials as a verifier would: one dated when no certificate
of the node's key was valid for its module is set aside (quarantined, with an alert for
staff and the node), never stored as active nor counted in module results. Every way a
credential comes in is judged so: a batch, a USB bundle, a pathway credential, a
replacement staff asked for, and a credential another centre recognised. On SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from credentials.claims import MicroCredential
from credentials.i18n import gettext
from credentials.issuance import issue
from hub import reports
from hub.ingest import Hub, answer
from hub.nodes import enrol_node
from hub.settings import HubSettings
from hub.simulate import push
from hub.staff import add_staff
from hub.web.app import create_web_app
from sync import alerts
from sync.bundles import export_bundle, import_bundle
from sync.eventlog import EventType
from sync.simulate import ScriptedNode

NOW = datetime.now(UTC).replace(microsecond=0)
FUTURE = datetime(2035, 6, 1, tzinfo=UTC)
PAST = datetime(2000, 6, 1, tzinfo=UTC)


def _enrolled(hub: Hub, node_id: str, seed: int) -> ScriptedNode:
    """A node with a certificate of 30 days around now."""
    node = ScriptedNode.create(node_id, seed=seed)
    node.clock = NOW
    enrol_node(
        hub.store,
        hub.root_key,
        node.request(),
        modules=("soil-health",),
        not_before=NOW - timedelta(days=1),
        not_after=NOW + timedelta(days=29),
        organisation="university",
        now=NOW,
    )
    return node


def _issue_at(node: ScriptedNode, moment: datetime) -> tuple[str, bytes]:
    """A learner who passes and gets a credential with the node's clock at ``moment``."""
    node.clock = moment
    learner = node.register()
    return learner, node.sit_and_issue(learner)


def _verdict(hub: Hub, cose: bytes) -> str:
    client = TestClient(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))
    response = client.post("/verify", content=cose)
    assert response.status_code == 200, response.text
    return str(response.json()["reason"])


def _quarantined_seqs(hub: Hub, node_id: str) -> list[int]:
    return [
        int(seq)
        for (seq,) in hub.store.query(
            "SELECT seq FROM events WHERE node_id = ? AND quarantine IS NOT NULL ORDER BY seq",
            [node_id],
        )
    ]


def test_credentials_dated_outside_the_certificate_are_set_aside(hub: Hub) -> None:
    node = _enrolled(hub, "bondo", 1)
    _, good = _issue_at(node, NOW)
    _, future = _issue_at(node, FUTURE)
    _, past = _issue_at(node, PAST)
    reply = push(hub, node)
    # Events 1-3 are the good learner, sitting and credential; 6 and 9 the two credentials.
    assert [seq for seq, _ in reply["quarantined"]] == [6, 9]  # type: ignore[attr-defined]
    assert "node_cert_expired" in reply["quarantined"][0][1]  # type: ignore[index]
    assert "node_cert_not_yet_valid" in reply["quarantined"][1][1]  # type: ignore[index]
    # The node is told, in words and as a code it renders in its worker's language.
    assert reply["alert_detail"] == alerts.outside_certificate(seq=9).wire()
    stored = hub.store.query("SELECT status FROM credentials WHERE node_id = 'bondo'")
    assert stored == [("active",)]
    results = reports.module_results(hub.store, "university", "soil-health")
    # In order of the sittings' dates: 2000, now, 2035; only today's has its credential.
    assert [r["credential_id"] is not None for r in results] == [False, True, False]
    # The hub's own verification agrees with what it stored.
    assert _verdict(hub, good) == "genuine"
    assert _verdict(hub, future) == "node_cert_expired"
    assert _verdict(hub, past) == "node_cert_not_yet_valid"


def test_the_alert_is_on_the_overview_in_the_readers_language(hub: Hub) -> None:
    node = _enrolled(hub, "bondo", 1)
    _issue_at(node, FUTURE)
    push(hub, node)
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    client = TestClient(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))
    client.post("/login", data={"username": "wanjiru", "password": "correct horse"})
    sentence = alerts.TEMPLATES[alerts.OUTSIDE_CERTIFICATE]
    kiswahili, french = gettext("sw", sentence), gettext("fr", sentence)
    for lang, text in (("en", sentence), ("sw", kiswahili), ("fr", french)):
        page = client.get(f"/?lang={lang}").text
        assert text.format(seq=3).replace("'", "&#39;") in page, lang


def test_a_usb_bundle_is_judged_the_same(hub: Hub) -> None:
    node = _enrolled(hub, "bondo", 1)
    _issue_at(node, FUTURE)
    bundle = export_bundle(db=node.db, node_key=node.key, node_id=node.node_id)
    _, errors = import_bundle(lambda wire: answer(hub, wire), bundle)
    assert errors == []
    assert _quarantined_seqs(hub, "bondo") == [3]
    assert hub.store.scalar("SELECT count(*) FROM credentials") == 0


def _signed(node: ScriptedNode, learner: str, moment: datetime, **claims: object) -> bytes:
    node.status_index += 1
    fields: dict[str, object] = {
        "issuer": node.node_id,
        "subject": learner,
        "issued_at": moment,
        "credential_id": node.rng.randbytes(16),
        "module_id": "soil-health",
        "module_version": "1.0.0",
        "outcomes": (True,) * 7,
        "score_percent": 90,
        "route": "course",
        "holder_name": "A",
        "status_index": node.status_index,
    }
    fields.update(claims)
    return issue(node.key, MicroCredential(**fields))  # type: ignore[arg-type]


def test_a_pathway_credential_and_a_replacement_are_judged_the_same(hub: Hub) -> None:
    node = _enrolled(hub, "bondo", 1)
    learner, _ = _issue_at(node, NOW)
    assert push(hub, node)["quarantined"] == []
    pathway = _signed(
        node,
        learner,
        FUTURE,
        module_id="green-farming-practitioner",
        outcomes=(True, True, True),
        pathway=True,
    )
    node.clock = FUTURE
    pathway_seq = node._append(
        EventType.pathway_issued, {"cose": pathway, "learner": learner, "from": []}
    )
    replacement = _signed(node, learner, PAST)
    replacement_seq = node._append(
        EventType.credential_issued,
        {"cose": replacement, "learner": learner, "replaces": bytes(16)},
    )
    enrol_node(
        hub.store,
        hub.root_key,
        node.request(),
        modules=("soil-health", "green-farming-practitioner"),
        not_before=NOW - timedelta(days=1),
        not_after=NOW + timedelta(days=29),
        organisation="university",
        now=NOW,
    )
    reply = push(hub, node, after=3)
    assert [seq for seq, _ in reply["quarantined"]] == [pathway_seq, replacement_seq]  # type: ignore[attr-defined]
    assert hub.store.scalar("SELECT count(*) FROM credentials") == 1


def test_a_recognised_credential_is_judged_by_the_same_rule(hub: Hub) -> None:
    issuer = _enrolled(hub, "bondo", 1)
    _, future = _issue_at(issuer, FUTURE)
    push(hub, issuer)
    kisumu = _enrolled(hub, "kisumu", 2)
    learner = kisumu.register("A")
    seq = kisumu._append(EventType.credential_recognised, {"cose": future, "learner": learner})
    reply = push(hub, kisumu)
    assert reply["quarantined"] == [
        [seq, "node bondo's certificate was not valid when the credential was issued"]
    ]
    assert hub.store.scalar("SELECT count(*) FROM recognitions") == 0
