"""Event bodies the hub's projection cannot read sensibly are quarantined, one by one, as
docs/sync-protocol.md says: integer map keys, floats (NaN and infinities), a route or
module that is no route or module, a name past any limit, a body not in deterministic
encoding. Random bodies are either taken into results or quarantined: never a 500, never
a batch the node cannot get past."""

from __future__ import annotations

from typing import Any

import cbor2
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from content.model import _ID as CONTENT_MODULE_ID
from hub.ingest import Hub
from hub.projection import LEARNER_FIELDS
from sync.errors import InvalidEvent
from sync.eventlog import (
    BODY_FIELDS,
    LEARNER_CHANGES,
    MODULE_ID,
    EventType,
    chain_hash,
    check_body,
    hash_at,
    read_events,
    record_bytes,
)
from tests.helpers.messages import message, synced_node


def _learner(node_id: str) -> str:
    return f"{node_id}-L1"


def sitting(node_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "id": "S9",
        "learner": _learner(node_id),
        "module": "soil-health",
        "module_version": "1.0.0",
        "route": "course",
        "answers": {"q1": "a"},
        "score_percent": 80,
        "passed": True,
        **changes,
    }


def registered(**changes: Any) -> dict[str, Any]:
    return {"id": "L77", "code": "ABCD1234", "name": "Amina", "language": "sw", **changes}


def canonical(fields: dict[Any, Any]) -> bytes:
    return cbor2.dumps(fields, canonical=True)


POISON: dict[str, tuple[str, Any]] = {
    "integer map key": ("sitting.submitted", lambda n: canonical(sitting(n, answers={1: "a"}))),
    "NaN": ("sitting.submitted", lambda n: canonical(sitting(n, answers={"q1": float("nan")}))),
    "infinity": ("sitting.submitted", lambda n: canonical(sitting(n, answers=[float("inf")]))),
    "a float": ("learner.registered", lambda n: canonical(registered(birth_year=1990.0))),
    "no route": ("sitting.submitted", lambda n: canonical(sitting(n, route="elsewhere"))),
    "no module": ("sitting.submitted", lambda n: canonical(sitting(n, module="../../etc"))),
    "long module": ("sitting.submitted", lambda n: canonical(sitting(n, module="m" * 300))),
    "no version": ("sitting.submitted", lambda n: canonical(sitting(n, module_version="1"))),
    "long name": ("learner.registered", lambda n: canonical(registered(name="N" * 201))),
    "empty name": ("learner.registered", lambda n: canonical(registered(name=""))),
    "long id": ("learner.merged", lambda n: canonical({"id": "x" * 65, "into": "y"})),
    "name cleared": (
        "learner.updated",
        lambda n: canonical({"id": _learner(n), "changes": {"name": None}}),
    ),
    "birth year a boolean": (
        "learner.updated",
        lambda n: canonical({"id": _learner(n), "changes": {"birth_year": True}}),
    ),
    "short credential id": (
        "credential.revoked",
        lambda n: canonical({"id": b"\x01", "reason": "mistake"}),
    ),
    "pathway from numbers": (
        "pathway.issued",
        lambda n: canonical({"cose": b"\xd2", "learner": _learner(n), "from": [1, 2]}),
    ),
    "keys out of order": (
        "learner.merged",
        lambda n: cbor2.dumps({"into": "b", "id": "a"}),  # not canonical: "into" is longer
    ),
    "a longer head": (
        "learner.merged",
        lambda n: b"\xb8\x02" + canonical({"id": "a", "into": "b"})[1:],
    ),
}


def push_one(
    client: TestClient, node: Any, kind: str, body: bytes, *, seq: int, prev: bytes, at: int
) -> Any:
    event = [seq, kind, at, "hub", body]
    return client.post("/sync/v1/push", content=message(node, m="batch", prev=prev, events=[event]))


def quarantine_of(hub: Hub, node_id: str, seq: int) -> str | None:
    """Why the hub quarantined the event (None: taken into results); fails if not stored."""
    row = hub.store.one(
        "SELECT quarantine FROM events WHERE node_id = ? AND seq = ?", [node_id, seq]
    )
    assert row is not None, f"event {seq} was not stored"
    return None if row[0] is None else str(row[0])


@pytest.mark.parametrize("case", list(POISON))
def test_a_body_the_projection_cannot_read_is_quarantined(
    hub: Hub, sync_api: TestClient, case: str
) -> None:
    node = synced_node(hub, sync_api)
    last = read_events(node.db, after=0)[-1]
    kind, make = POISON[case]
    prev = hash_at(node.db, last.seq, node.node_id)
    response = push_one(
        sync_api, node, kind, make(node.node_id), seq=last.seq + 1, prev=prev, at=last.at + 5
    )
    assert response.status_code == 200, response.content
    assert quarantine_of(hub, node.node_id, last.seq + 1)
    learner = hub.store.one(
        "SELECT name FROM learners WHERE node_id = ? AND learner_id = ?",
        [node.node_id, _learner(node.node_id)],
    )
    assert learner is not None and learner[0]


def test_the_reasons_say_what_is_wrong() -> None:
    with pytest.raises(InvalidEvent, match="map keys must be text"):
        check_body("sitting.submitted", sitting("n", answers={1: "a"}))
    with pytest.raises(InvalidEvent, match="float is not allowed"):
        check_body("sitting.submitted", sitting("n", answers=[float("nan")]))
    with pytest.raises(InvalidEvent, match="'route' is not a valid value"):
        check_body("sitting.submitted", sitting("n", route="x"))
    with pytest.raises(InvalidEvent, match="'module' is not a valid value"):
        check_body("sitting.submitted", sitting("n", module="Soil Health"))


def test_the_shared_check_knows_what_the_projection_reads() -> None:
    assert set(LEARNER_CHANGES) == set(LEARNER_FIELDS)
    assert MODULE_ID.pattern == CONTENT_MODULE_ID


# -- random bodies ---------------------------------------------------------------------

_VALUE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64) + 1, max_value=2**64 - 1)
    | st.floats()
    | st.text(max_size=80)
    | st.binary(max_size=40)
    | st.sampled_from(["course", "prior_learning", "soil-health", "1.0.0", "node-L1"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=10) | st.integers(0, 3), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[str, dict[Any, Any]]:
    kind = draw(st.sampled_from(list(EventType)))
    body: dict[Any, Any] = {}
    for field in BODY_FIELDS[kind]:
        if draw(st.integers(0, 9)):  # now and then a required field is missing
            body[field] = draw(_VALUE)
    extra = draw(st.dictionaries(st.text(max_size=8) | st.integers(0, 3), _VALUE, max_size=2))
    body.update(extra)
    return str(kind), body


@pytest.mark.parametrize("hub_store_url", ["sqlite"], indirect=True)
def test_random_bodies_are_taken_or_quarantined_never_a_500(hub: Hub, sync_api: TestClient) -> None:
    node = synced_node(hub, sync_api)
    last = read_events(node.db, after=0)[-1]
    state = {"seq": last.seq, "prev": hash_at(node.db, last.seq, node.node_id), "at": last.at}

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(bodies())
    def one(drawn: tuple[str, dict[Any, Any]]) -> None:
        kind, fields = drawn
        try:
            body = canonical(fields)
        except (ValueError, TypeError, cbor2.CBOREncodeError):
            return
        seq, at = state["seq"] + 1, state["at"] + 1
        response = push_one(sync_api, node, kind, body, seq=seq, prev=state["prev"], at=at)
        assert response.status_code == 200, response.content
        quarantine = quarantine_of(hub, node.node_id, seq)
        try:
            check_body(kind, cbor2.loads(body))
        except InvalidEvent:
            assert quarantine
        else:
            # A credential of random bytes is quarantined later, as malformed.
            assert quarantine is None or "credential" in quarantine
        state.update(
            seq=seq, at=at, prev=chain_hash(state["prev"], record_bytes(seq, kind, at, "hub", body))
        )

    one()
