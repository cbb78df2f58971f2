"""A rogue or faulty node logs ``credential.recognised`` and ``pathway.issued`` events the
edge's own checks would refuse (``edge_node.recognition``, ``edge_node.issuance``): the
hub checks again. A credential recognised twice for one learner counts once; for a second
learner at the same centre, or for a learner of another name, it is set aside; so is one
from a revoked centre that the hub never received from it. A pathway credential counts
only credentials its learner holds at its centre, one of each of the pathway's modules.
On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from credentials.claims import MicroCredential, decode_claims
from credentials.cose import decode_sign1
from credentials.issuance import issue
from hub.ingest import Hub
from hub.nodes import revoke_node
from hub.simulate import enrol, push
from sync.eventlog import EventType
from sync.simulate import ScriptedNode

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


PATHWAY = "green-farming-practitioner"


def _id(cose: bytes) -> str:
    return decode_claims(decode_sign1(cose).payload).credential_id.hex()


def _pathway(node: ScriptedNode, learner: str, parts: list[str]) -> int:
    """``node`` issues ``learner`` the pathway credential, counting ``parts``."""
    node.status_index += 1
    node.clock += timedelta(minutes=1)
    credential = MicroCredential(
        issuer=node.node_id,
        subject=learner,
        issued_at=node.clock,
        credential_id=node.rng.randbytes(16),
        module_id=PATHWAY,
        module_version="1.0.0",
        outcomes=(True, True, True),
        score_percent=80,
        route="course",
        holder_name=HOLDER,
        status_index=node.status_index,
        pathway=True,
    )
    return node._append(
        EventType.pathway_issued,
        {"cose": issue(node.key, credential), "learner": learner, "from": parts},
    )


def test_a_pathway_counts_only_what_its_learner_holds_at_its_centre(hub: Hub) -> None:
    _, soil = _issuer(hub)
    kisumu = ScriptedNode.create("kisumu", seed=2)
    enrol(hub, kisumu, modules=("*",))
    halima = kisumu.register(HOLDER)
    _recognise(kisumu, soil, halima)
    own = [
        _id(kisumu.sit_and_issue(halima, module=m, name=HOLDER))
        for m in ("climate-smart-agriculture", "sustainable-irrigation")
    ]
    earned = _pathway(kisumu, halima, [*own, _id(soil)])
    # Another learner's pathway counting Halima's credentials.
    baraka = kisumu.register("Baraka Otieno")
    borrowed = _pathway(kisumu, baraka, [*own, _id(soil)])
    # A learner with two of the three modules, the third made up.
    eshe = kisumu.register("Eshe Kamau")
    hers = [
        _id(kisumu.sit_and_issue(eshe, module=m, name="Eshe Kamau"))
        for m in ("climate-smart-agriculture", "sustainable-irrigation")
    ]
    short = _pathway(kisumu, eshe, hers)
    made_up = _pathway(kisumu, eshe, [*hers, "00" * 16])
    assert push(hub, kisumu)["quarantined"] == [
        [
            borrowed,
            f"the pathway credential counts credential {own[0]}, which learner {baraka} "
            "does not hold at this node",
        ],
        [short, "the pathway credential counts no credential of module soil-health"],
        [
            made_up,
            f"the pathway credential counts credential {'00' * 16}, which learner {eshe} "
            "does not hold at this node",
        ],
    ]
    pathways = hub.store.query("SELECT learner_id FROM credentials WHERE pathway = 1")
    assert pathways == [(halima,)]
    assert earned not in (borrowed, short, made_up)
