"""A rogue or faulty node logs ``credential.recognised`` events the edge's own checks
would refuse (``edge_node.recognition``): the hub checks the holder again. A credential
recognised twice for one learner counts once; for a second learner at the same centre,
or for a learner of another name, it is set aside; so is one from a revoked centre that
the hub never received from it. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sync.eventlog import EventType
from sync.hub.ingest import Hub
from sync.hub.nodes import revoke_node
from sync.simulate import ScriptedNode, enrol, push

HOLDER = "Halima Achieng"


def _issuer(hub: Hub) -> tuple[ScriptedNode, bytes]:
    """Centre ``bondo`` issues Halima a credential and syncs it."""
    bondo = ScriptedNode.create("bondo", seed=1)
    enrol(hub, bondo)
    cose = bondo.sit_and_issue(bondo.register(HOLDER), name=HOLDER)
    assert push(hub, bondo)["quarantined"] == []
    return bondo, cose


def _centre(hub: Hub, node_id: str, seed: int) -> ScriptedNode:
    node = ScriptedNode.create(node_id, seed=seed)
    enrol(hub, node)
    return node


def _recognise(node: ScriptedNode, cose: bytes, learner: str) -> int:
    return node._append(EventType.credential_recognised, {"cose": cose, "learner": learner})


def _recognitions(hub: Hub) -> list[tuple[str, str]]:
    rows = hub.store.query("SELECT node_id, learner_id FROM recognitions ORDER BY node_id, seq")
    return [(str(n), str(learner)) for n, learner in rows]


def test_recognised_twice_for_one_learner_it_counts_once(hub: Hub) -> None:
    _, cose = _issuer(hub)
    kisumu = _centre(hub, "kisumu", 2)
    learner = kisumu.register("halima  ACHIÉNG")
    _recognise(kisumu, cose, learner)
    _recognise(kisumu, cose, learner)
    assert push(hub, kisumu)["quarantined"] == []
    assert _recognitions(hub) == [("kisumu", learner)]


def test_a_second_learner_at_the_same_centre_is_set_aside(hub: Hub) -> None:
    _, cose = _issuer(hub)
    kisumu = _centre(hub, "kisumu", 2)
    first, second = kisumu.register(HOLDER), kisumu.register(HOLDER)
    _recognise(kisumu, cose, first)
    refused = _recognise(kisumu, cose, second)
    assert push(hub, kisumu)["quarantined"] == [
        [refused, f"the presented credential is recognised already for learner {first}"]
    ]
    assert _recognitions(hub) == [("kisumu", first)]


def test_a_learner_of_another_name_is_set_aside(hub: Hub) -> None:
    _, cose = _issuer(hub)
    kisumu = _centre(hub, "kisumu", 2)
    stranger = kisumu.register("Baraka Otieno")
    refused = _recognise(kisumu, cose, stranger)
    unknown = _recognise(kisumu, cose, "kisumu-L99")
    assert push(hub, kisumu)["quarantined"] == [
        [refused, f"the presented credential is for another person than learner {stranger}"],
        [unknown, "learner kisumu-L99 is not registered at node kisumu"],
    ]
    assert _recognitions(hub) == []
    # The same person moving on to a third centre is recognised there too.
    mbita = _centre(hub, "mbita", 3)
    again = mbita.register(HOLDER)
    _recognise(mbita, cose, again)
    assert push(hub, mbita)["quarantined"] == []
    assert _recognitions(hub) == [("mbita", again)]


def test_a_revoked_centres_credential_the_hub_never_received_is_set_aside(hub: Hub) -> None:
    bondo, synced = _issuer(hub)
    # Issued before the revocation by the node's clock, but never synced: after it, the
    # revoked node's messages are refused, and its key may be in other hands.
    unsynced = bondo.sit_and_issue(bondo.register(HOLDER), name=HOLDER)
    revoked_at = datetime.now(UTC) + timedelta(days=1)
    revoke_node(hub.store, hub.root_key, "bondo", now=revoked_at)
    bondo.clock = revoked_at + timedelta(hours=1)
    after = bondo.sit_and_issue(bondo.register(HOLDER), name=HOLDER)
    kisumu = _centre(hub, "kisumu", 2)
    learner = kisumu.register(HOLDER)
    _recognise(kisumu, synced, learner)
    refused = _recognise(kisumu, unsynced, learner)
    late = _recognise(kisumu, after, learner)
    assert push(hub, kisumu)["quarantined"] == [
        [refused, "node bondo was revoked and never sent this credential to the hub"],
        [late, "node bondo was revoked before the credential was issued"],
    ]
    assert _recognitions(hub) == [("kisumu", learner)]
