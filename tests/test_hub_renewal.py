"""A renewed node certificate (later window, wider scope) adds to what the hub issued the
node key, never replaces it: the trust list carries every certificate, so what the node
issued before the renewal still verifies, and the hub still believes it when another
centre presents it. A credential issued after the node's revocation is not believed.
On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from credentials.certificates import NodeCertificate, issue_node_certificate
from credentials.keys import SigningKey
from credentials.trust import TrustList, read_trust_list
from credentials.verification import Reason, verify
from hub.ingest import Hub
from hub.nodes import enrol_node, latest_trust_list, revoke_node
from hub.simulate import ROOT_SEED, push
from hub.store import MIGRATIONS, migrate, open_store
from sync.errors import Forbidden
from sync.eventlog import EventType, append_event
from sync.simulate import ScriptedNode

NOW = datetime.now(UTC).replace(microsecond=0)
FIRST = (NOW - timedelta(days=30), NOW + timedelta(days=365), ("soil-health",))
RENEWED = (
    NOW + timedelta(days=1),
    NOW + timedelta(days=3 * 365),
    ("soil-health", "sustainable-irrigation"),
)


def _enrol(
    hub: Hub, node: ScriptedNode, window: tuple[datetime, datetime, tuple[str, ...]]
) -> None:
    not_before, not_after, modules = window
    enrol_node(
        hub.store,
        hub.root_key,
        node.request(),
        modules=modules,
        not_before=not_before,
        not_after=not_after,
        organisation="university",
        now=NOW,
    )


def _published(hub: Hub) -> TrustList:
    data = latest_trust_list(hub.store)
    assert data is not None
    return read_trust_list(data, pinned_roots=[hub.root_key.public_key])


def _present(node: ScriptedNode, cose: bytes, learner: str) -> int:
    """``node`` records that a worker recognised ``cose``, another centre's credential."""
    node.clock += timedelta(minutes=1)
    with node.db.atomic():
        return append_event(
            node.db,
            node_id=node.node_id,
            type=EventType.credential_recognised,
            body={"cose": cose, "learner": learner},
            at=node.clock,
            clock_quality=node.clock_quality,
        )


def _issued(hub: Hub) -> tuple[ScriptedNode, bytes, bytes]:
    """Node ``bondo`` issues a credential, is renewed (later window, wider scope), issues
    one for a module only the renewal covers; both are synced. Returns the node and the
    two credentials."""
    bondo = ScriptedNode.create("bondo", seed=1)
    bondo.clock = NOW
    _enrol(hub, bondo, FIRST)
    early = bondo.sit_and_issue(bondo.register())
    assert push(hub, bondo)["quarantined"] == []
    _enrol(hub, bondo, RENEWED)
    _enrol(hub, bondo, RENEWED)  # issued twice by mistake: the same certificate, kept once
    bondo.clock = NOW + timedelta(days=2)
    late = bondo.sit_and_issue(bondo.register(), module="sustainable-irrigation")
    assert push(hub, bondo, after=3)["ack"] == 6
    return bondo, early, late


def _windows(trust: TrustList, node: ScriptedNode) -> list[tuple[Any, ...]]:
    return [
        (cert.not_before, cert.not_after, cert.modules) for cert in trust.nodes_for(node.key.kid)
    ]


def test_the_trust_list_keeps_the_certificate_a_renewal_follows(hub: Hub) -> None:
    bondo, early, late = _issued(hub)
    trust = _published(hub)
    assert _windows(trust, bondo) == [FIRST, RENEWED]
    later = NOW + timedelta(days=3)
    assert verify(early, trust, now=later).reason is Reason.GENUINE
    assert verify(late, trust, now=later).reason is Reason.GENUINE
    # The renewal's wider scope does not reach back before its window.
    bondo.clock = NOW + timedelta(hours=1)
    before = bondo.sit_and_issue(bondo.register(), module="sustainable-irrigation")
    assert verify(before, trust, now=later).reason is Reason.NODE_CERT_OUT_OF_SCOPE


def test_a_credential_presented_after_the_renewal_is_believed_until_the_revocation(
    hub: Hub,
) -> None:
    bondo, early, late = _issued(hub)
    revoked_at = NOW + timedelta(days=10)
    revoke_node(hub.store, hub.root_key, bondo.node_id, now=revoked_at)
    bondo.clock = revoked_at + timedelta(days=1)
    after = bondo.sit_and_issue(bondo.register())

    kisumu = ScriptedNode.create("kisumu", seed=2)
    kisumu.clock = NOW
    _enrol(hub, kisumu, FIRST)
    learner = kisumu.register("A")  # the holder name of the scripted credentials
    _present(kisumu, early, learner)
    _present(kisumu, late, learner)
    refused = _present(kisumu, after, learner)
    answer = push(hub, kisumu)
    assert answer["quarantined"] == [
        [refused, "node bondo was revoked before the credential was issued"]
    ]
    believed = hub.store.query("SELECT issuer_node, module_id FROM recognitions ORDER BY module_id")
    assert believed == [("bondo", "soil-health"), ("bondo", "sustainable-irrigation")]
    assert verify(after, _published(hub), now=bondo.clock).reason is Reason.NODE_REVOKED


def test_a_hub_of_an_older_version_keeps_its_certificates_through_a_renewal(
    hub_store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hub made before certificate history (0001-0009), with an enrolled node, gains it
    with the certificate it holds; a renewal afterwards adds to it."""
    store = open_store(hub_store_url)
    try:
        monkeypatch.setattr("hub.store.MIGRATIONS", MIGRATIONS[:9])
        migrate(store)
        monkeypatch.undo()
        hub = Hub(store, SigningKey.from_seed(ROOT_SEED))
        bondo = ScriptedNode.create("bondo", seed=1)
        bondo.clock = NOW
        not_before, not_after, modules = FIRST
        first = NodeCertificate(
            node_id=bondo.node_id,
            node_name=bondo.node_name,
            public_key=bondo.key.public_key,
            modules=modules,
            not_before=not_before,
            not_after=not_after,
        )
        store.execute(
            "INSERT INTO nodes (node_id, name, organisation, enrolled_at) VALUES (?, ?, ?, ?)",
            [bondo.node_id, bondo.node_name, "university", int(NOW.timestamp())],
        )
        store.execute(
            "INSERT INTO node_certs (kid, node_id, public_key, modules, not_before, not_after, "
            "certificate, issued_at) VALUES (?, ?, ?, '[\"soil-health\"]', ?, ?, ?, ?)",
            [
                first.kid,
                bondo.node_id,
                first.public_key,
                int(not_before.timestamp()),
                int(not_after.timestamp()),
                issue_node_certificate(hub.root_key, first),
                int(NOW.timestamp()),
            ],
        )
        early = bondo.sit_and_issue(bondo.register())
        assert migrate(store) == [name for name, _ in MIGRATIONS[9:]]
        _enrol(hub, bondo, RENEWED)
        trust = _published(hub)
        assert _windows(trust, bondo) == [FIRST, RENEWED]
        assert verify(early, trust, now=NOW + timedelta(days=3)).genuine
        assert migrate(store) == []
    finally:
        store.close()


def test_a_renewal_that_narrows_the_scope_does_not_refuse_what_the_wider_one_allowed(
    hub: Hub,
) -> None:
    """Irrigation dropped from the node's scope while one of its irrigation credentials
    is still unsent: the batch is taken (the node issued it when it was allowed); a module
    no certificate of the key ever covered is still refused."""
    node = ScriptedNode.create("kisumu", seed=3)
    node.clock = NOW
    _enrol(hub, node, (FIRST[0], FIRST[1], RENEWED[2]))
    node.sit_and_issue(node.register(), module="sustainable-irrigation")
    _enrol(hub, node, (FIRST[0], FIRST[1] + timedelta(days=1), ("soil-health",)))
    answer = push(hub, node)
    assert answer["quarantined"] == [] and answer["ack"] == 3, answer
    node.sit_and_issue(node.register(), module="climate-smart-agriculture")
    with pytest.raises(Forbidden):
        push(hub, node, after=3)
