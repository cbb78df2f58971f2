"""What staff and the LMS read: the credential page names its fields in the reader's
language, the equity groups are translated, and a failed sitting shows no credential."""

from __future__ import annotations

import warnings
from pathlib import Path

from hub import reports
from hub.ingest import Hub, answer
from hub.settings import HubSettings
from hub.simulate import enrol, push
from hub.staff import add_staff
from hub.tables import ENTRY_LABELS
from hub.web.app import create_web_app
from sync.client import batch_message
from sync.eventlog import EventType, read_events
from sync.simulate import ScriptedNode
from tests.helpers.restores import backup_of, restore

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def synced(hub: Hub) -> ScriptedNode:
    node = ScriptedNode.create("node-words")
    enrol(hub, node)
    learner = node.register(gender="female")
    # A failed first sitting, then a pass and its credential.
    node._append(
        EventType.sitting_submitted,
        {
            "id": "S-failed",
            "learner": learner,
            "module": "soil-health",
            "module_version": "1.0.0",
            "route": "course",
            "answers": {},
            "score_percent": 20,
            "passed": False,
        },
    )
    node.sit_and_issue(learner)
    events = read_events(node.db, after=0)
    answer(hub, batch_message(node.db, node.key, node.node_id, events, b"n" * 8))
    return node


def test_pages_name_fields_and_groups_in_the_readers_language(hub: Hub) -> None:
    synced(hub)
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    client = TestClient(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))
    client.post("/login", data={"username": "wanjiru", "password": "correct horse"})
    credential_id = hub.store.scalar("SELECT credential_id FROM credentials")
    swahili = client.get(f"/credentials/{credential_id}?lang=sw").text
    for key in ENTRY_LABELS:
        assert f"<td>{key}</td>" not in swahili
    assert "<td>Toleo la moduli</td>" in swahili and "<td>Saa ya kituo ina shaka</td>" in swahili
    french = client.get("/equity?lang=fr").text
    assert "<td>femme</td>" in french and "female" not in french
    english = client.get(f"/credentials/{credential_id}?lang=en")
    assert "<td>Module version</td>" in english.text


def test_a_failed_sitting_shows_no_credential(hub: Hub) -> None:
    synced(hub)
    rows = reports.module_results(hub.store, "university", "soil-health")
    by_sitting = {r["sitting_id"]: r["credential_id"] for r in rows}
    assert len(rows) == 2
    assert by_sitting["S-failed"] is None and by_sitting["S1"] is not None


def test_the_overview_says_why_in_the_readers_language(hub: Hub, tmp_path: Path) -> None:
    for node_id, seed in (("node-a", 3), ("node-c", 4)):
        node = ScriptedNode.create(node_id, seed=seed)
        enrol(hub, node)
        node.register("Amina Otieno", birth_year=1990)
        push(hub, node)
    # A centre restored from a backup: what it records next is held for review.
    forked = ScriptedNode.create("node-b", seed=5)
    enrol(hub, forked)
    forked.register()
    backup = backup_of(forked, tmp_path / "backup.db")
    forked.register()
    push(hub, forked)
    restored = restore(forked, backup)
    restored.register()
    assert "fork" in str(push(hub, restored, after=1)["alert"])
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    client = TestClient(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))
    client.post("/login", data={"username": "wanjiru", "password": "correct horse"})
    french = client.get("/?lang=fr").text
    assert "même nom et même année de naissance" in french
    assert "retenu : sur une branche divergente" in french
    assert "same name and birth year" not in french and "held: on a forked" not in french
