"""Two credentials on one revocation slot (a restored node issued again on a slot
the hub had seen), and what the hub records of them."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from credentials.trust import read_trust_list
from hub.ingest import Hub
from hub.nodes import (
    latest_trust_list,
)
from sync.simulate import ScriptedNode

with warnings.catch_warnings():
    warnings.simplefilter("ignore")


NODE = "node-r"


NOW = 1_900_000_000


@dataclass
class Shared:
    node: ScriptedNode
    """The restored node, which issued ``again`` on the slot ``original`` had."""
    original: str
    again: str


def on_slot_2(hub: Hub) -> set[str]:
    rows = hub.store.query(
        "SELECT credential_id FROM credentials WHERE node_id = ? AND status_index = 2", [NODE]
    )
    return {str(row[0]) for row in rows}


def status(hub: Hub, credential_id: str) -> str:
    return str(
        hub.store.scalar(
            "SELECT status FROM credentials WHERE node_id = ? AND credential_id = ?",
            [NODE, credential_id],
        )
    )


def revoked_slots(hub: Hub) -> list[int]:
    data = latest_trust_list(hub.store)
    assert data is not None
    lists = read_trust_list(data).status_lists
    return [i for i in range(16) if NODE in lists and lists[NODE].is_set(i)]
