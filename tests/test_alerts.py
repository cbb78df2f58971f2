"""The hub's alerts about a node travel as a code and its parameters beside the English
sentence: staff read them on the hub's overview, and workers on the node's dashboard, in
their own language; a node of today prints the English, and text from an older hub is
shown as it came. On SQLite and PostgreSQL."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from sqlite_utils import Database
from typer.testing import CliRunner

from edge_node.node import open_node
from edge_node.syncing import problems, sync_now
from fieldcred.cli import app as cli
from hub.forks import accept_branch
from hub.ingest import Hub
from hub.server import BackgroundServer
from hub.settings import HubSettings
from hub.simulate import enrol, push
from hub.staff import add_staff
from hub.store import MIGRATIONS
from hub.web.app import create_web_app
from sync import alerts
from sync.client import apply_ack, status
from sync.eventlog import head
from sync.simulate import ScriptedNode
from tests.helpers.nodes import staff
from tests.helpers.restores import demo_node, issue_one, synced_then_restored

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

NODE = "node-a"
NOW = 1_900_000_000


def fork(hub: Hub, tmp_path: Path) -> dict[str, object]:
    """Three credentials, a backup, two more synced; the node restored from the backup
    pushes new work: branch 1 from seq 9, held. The hub's answer to that batch."""
    node = ScriptedNode.create(NODE, seed=7)
    enrol(hub, node)
    node.backlog(3)
    backup = tmp_path / "backup.db"
    node.db.conn.execute(f"VACUUM INTO '{backup}'")
    node.backlog(2)
    push(hub, node)
    restored = ScriptedNode(Database(backup), node.key, NODE, rng=node.rng)
    restored.clock, restored.learners = node.clock, node.learners
    restored.status_index = node.status_index
    restored.backlog(1)
    return push(hub, restored, after=9)


def staff_client(hub: Hub) -> TestClient:
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    client = TestClient(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))
    client.post("/login", data={"username": "wanjiru", "password": "correct horse"})
    return client


def test_a_fork_is_sent_with_its_code_and_shown_to_staff_in_their_language(
    hub: Hub, tmp_path: Path
) -> None:
    ack = fork(hub, tmp_path)
    assert ack["alert_detail"] == {"code": "fork", "branch": 1, "seq": 9}
    assert str(ack["alert"]).startswith("fork: this node's log differs") and "(branch 1)" in str(
        ack["alert"]
    )
    client = staff_client(hub)
    english = client.get("/?lang=en").text
    assert "after seq 9 (restored from an old backup" in english
    swahili = client.get("/?lang=sw").text
    assert "mgawanyiko: kumbukumbu za kituo hiki" in swahili and "baada ya namba 9" in swahili
    assert "(tawi 1)" in swahili and "after seq" not in swahili
    french = client.get("/?lang=fr").text
    assert "après le n° 9" in french and "(branche 1)" in french
    # Staff accept the branch: the alert and its code are gone, the next answer has none.
    accept_branch(hub.store, "university", NODE, 1, staff="wanjiru", reason="restored", now=NOW)
    assert hub.store.one("SELECT alert, alert_detail FROM nodes WHERE node_id = ?", [NODE]) == (
        None,
        None,
    )
    assert "mgawanyiko: kumbukumbu" not in client.get("/?lang=sw").text


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        (
            alerts.fork(branch=1, seq=9).english(),
            {"code": "fork", "branch": 1, "seq": 9},
        ),
        (
            alerts.restored(head=12, tip=30).english(),
            {"code": "restored", "head": 12, "tip": 30},
        ),
        # Not what the hub wrote for its newest branch, or not an alert it knows: text.
        (alerts.fork(branch=1, seq=8).english(), None),
        (
            "this node's log ends at seq twelve but the hub holds up to 30: it was restored "
            "from an old backup; what it records next will be held for review",
            None,
        ),
        ("the centre was moved", None),
    ],
)
def test_alerts_stored_as_text_gain_their_code_when_they_read_as_one(
    hub: Hub, tmp_path: Path, text: str, detail: dict[str, object] | None
) -> None:
    fork(hub, tmp_path)
    store = hub.store
    store.execute("UPDATE nodes SET alert = ?, alert_detail = NULL", [text])
    statements = dict(MIGRATIONS)["0009_alert_detail"]
    with store.transaction():
        for statement in statements[1:]:  # the column is there already
            store.execute(statement)
    stored = store.one("SELECT alert, alert_detail FROM nodes WHERE node_id = ?", [NODE])
    assert stored is not None and stored[0] == text
    alert = alerts.from_json(stored[1])
    assert (None if alert is None else alert.wire()) == detail
    overview = staff_client(hub).get("/?lang=sw").text
    if detail is None:
        assert text.replace("'", "&#39;") in overview
    else:
        assert "kumbukumbu za kituo hiki" in overview


def test_a_restored_node_shows_the_hubs_alert_in_the_workers_language(
    hub: Hub, served: BackgroundServer, tmp_path: Path
) -> None:
    info = synced_then_restored(hub, served, tmp_path)
    data = info.data_dir
    tip = int(hub.store.scalar("SELECT max(seq) FROM events WHERE node_id = ?", [info.node_id]))
    node = open_node(data)  # restored from the backup; it syncs
    restored_head = head(node.db)[0]
    report = sync_now(node)
    assert not report.ok and report.alert == alerts.restored(head=restored_head, tip=tip).english()
    assert report.last_error == report.alert
    worker = staff(node, info)
    swahili = worker.get("/dashboard", headers={"accept-language": "sw"}).text
    assert "Usawazishaji wa mwisho haukufaulu" in swahili
    assert f"kumbukumbu za kituo hiki zinaishia namba {restored_head}" in swahili
    assert f"kitovu kina hadi namba {tip}" in swahili and "the hub holds" not in swahili
    french = worker.get("/dashboard", headers={"accept-language": "fr"}).text
    assert f"mais le hub détient tout jusqu&#39;au n° {tip}" in french
    assert "restauré depuis une ancienne sauvegarde" in french
    figures = worker.get("/api/v1/dashboard", headers={"accept-language": "sw"}).json()
    assert figures["sync_alert"]["code"] == "restored"
    assert figures["sync_alert"]["params"] == {"head": restored_head, "tip": tip}
    assert figures["sync_alert"]["text"].startswith("kumbukumbu za kituo hiki")
    assert figures["last_sync_error"] == figures["sync_alert"]["text"]
    node.close()

    # `fieldcred edge sync` prints the hub's English words.
    result = CliRunner().invoke(cli, ["edge", "sync", "--data", str(data)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"this node's log ends at seq {restored_head}" in result.output

    # New work on the restored node forks; the alert becomes the fork's.
    issue_one(info, 2)
    node = open_node(data)
    sync_now(node)
    shown = problems(node, "sw")
    assert shown.alert is not None and shown.alert.code == "fork"
    assert shown.alert.params == {"branch": 1, "seq": restored_head}
    assert "(tawi 1)" in staff(node, info).get("/dashboard", headers={"accept-language": "sw"}).text
    node.close()


def test_an_alert_from_an_older_hub_is_shown_as_its_text(
    hub: Hub, served: BackgroundServer, tmp_path: Path
) -> None:
    info = demo_node(hub, served, tmp_path / "node")
    node = open_node(info.data_dir)
    assert sync_now(node).ok
    # An older hub's ack: the alert as text only, no alert_detail.
    old = "fork: something a hub of last year says about this node"
    apply_ack(node.db, {"ack": head(node.db)[0], "alert": old}, status(node.db))
    assert status(node.db).alert == old and status(node.db).alert_detail is None
    worker = staff(node, info)
    page = worker.get("/dashboard", headers={"accept-language": "sw"}).text
    assert "Kitovu kinaripoti kuhusu kituo hiki" in page and old in page
    figures = worker.get("/api/v1/dashboard", headers={"accept-language": "fr"}).json()
    assert figures["sync_alert"] == {"code": None, "params": {}, "text": old}
    # An alert_detail this node does not know (a newer hub) is shown as the text too.
    apply_ack(
        node.db,
        {"ack": head(node.db)[0], "alert": old, "alert_detail": {"code": "moved", "to": 3}},
        status(node.db),
    )
    assert problems(node, "fr").alert == problems(node, "en").alert
    assert problems(node, "fr").alert is not None and problems(node, "fr").alert.text == old
    node.close()


def test_every_alert_code_is_documented_with_its_sentence() -> None:
    text = (Path(__file__).parent.parent / "docs" / "sync-protocol.md").read_text()
    for code, sentence in alerts.TEMPLATES.items():
        assert f"| `{code}` |" in text and sentence in text, code
