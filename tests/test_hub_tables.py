"""The staff pages' tables, built from the store without HTTP (``hub.tables``): the rows
each page shows, their links, the alerts, and which credential a bare id names."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub import tables
from hub.ingest import Hub
from hub.simulate import simulated_hub
from hub.store import SqliteStore
from hub.translations import translator
from sync import alerts
from sync.errors import Ambiguous, NotFound

ORG = "university"
SHARED_ID = "ab" * 16


@pytest.fixture
def hub_of_three_centres(tmp_path: Path) -> Iterator[Hub]:
    """Two centres of the university, each with one learner who passed soil-health and
    holds a credential; both credentials have the same id. A third centre elsewhere."""
    store = SqliteStore(tmp_path / "hub.db")
    hub = simulated_hub(store)
    store.executemany(
        "INSERT INTO nodes (node_id, name, organisation, enrolled_at) VALUES (?, ?, ?, 0)",
        [("node-a", "Centre A", ORG), ("node-b", "Centre B", ORG), ("node-x", "X", "other")],
    )
    nodes = ("node-a", "node-b", "node-x")
    store.executemany(
        "INSERT INTO learners (node_id, learner_id, code, name, match_key, gender, birth_year, "
        "language, registered_at) VALUES (?, 'L1', '000001', 'Amina', 'amina|1990', "
        "'female', 1990, 'sw', 0)",
        [(n,) for n in nodes],
    )
    store.executemany(
        "INSERT INTO sittings (node_id, sitting_id, learner_id, module_id, module_version, "
        "route, score_percent, passed, submitted_at) "
        "VALUES (?, 'S1', 'L1', 'soil-health', '1.0.0', 'course', 80, 1, 0)",
        [(n,) for n in nodes],
    )
    store.executemany(
        "INSERT INTO credentials (credential_id, node_id, seq, learner_id, subject, module_id, "
        "module_version, pathway, score_percent, issued_at, received_at, time_flag, "
        "status_index, status, cose) VALUES (?, ?, 3, 'L1', 'L1', 'soil-health', '1.0.0', 0, "
        "80, 0, 60, ?, 1, ?, ?)",
        [
            (SHARED_ID, "node-a", 1, "active", b"\xa0"),
            (SHARED_ID, "node-b", 0, "revoked", b"\xa0"),
            ("cd" * 16, "node-x", 0, "active", b"\xa0"),
        ],
    )
    try:
        yield hub
    finally:
        store.close()


def test_the_registry_lists_the_organisations_credentials_linked_by_centre(
    hub_of_three_centres: Hub,
) -> None:
    section, more = tables.registry_page(hub_of_three_centres.store, ORG, translator("en"), 0)
    assert not more
    assert section["heading"] == "Credentials from 1"
    links = sorted(row[0]["href"] for row in section["rows"])
    assert links == [f"/credentials/node-a/{SHARED_ID}", f"/credentials/node-b/{SHARED_ID}"]
    flagged = [row for row in section["rows"] if row[0]["href"].startswith("/credentials/node-a")]
    assert flagged[0][3] == "1970-01-01 00:00 ⚠ clock"
    assert sorted(row[6] for row in section["rows"]) == ["✓ active", "✗ revoked"]
    after, _ = tables.registry_page(hub_of_three_centres.store, ORG, translator("en"), 2)
    assert after["rows"] == []


def test_a_modules_sittings_link_each_learner_and_credential(hub_of_three_centres: Hub) -> None:
    section, more = tables.module_page(
        hub_of_three_centres.store, ORG, "soil-health", translator("sw"), 0
    )
    assert not more
    assert len(section["rows"]) == 2
    row = next(r for r in section["rows"] if r[0] == "Centre A")
    assert row[1] == {"text": "L1", "href": "/centres/node-a/learners/L1"}
    assert row[3] == translator("sw")("yes") != "yes"
    assert row[5] == {"text": SHARED_ID, "href": f"/credentials/node-a/{SHARED_ID}"}


def test_the_overview_warns_of_a_nodes_alert_and_of_an_id_two_centres_issued(
    hub_of_three_centres: Hub,
) -> None:
    alert = alerts.fork(branch=1, seq=4)
    hub_of_three_centres.store.execute(
        "UPDATE nodes SET alert = ?, alert_detail = ? WHERE node_id = 'node-a'",
        [alert.english(), alert.to_json()],
    )
    t = translator("fr")
    found, sections = tables.overview(hub_of_three_centres.store, ORG, t)
    assert found[0]["text"] == f"Centre A: {t(alert.template, **alert.params)}"
    assert found[0]["text"] != f"Centre A: {alert.english()}"
    assert found[1]["href"] == f"/credentials/{SHARED_ID}"
    assert [s["heading"] for s in sections][:3] == [
        "Centres (nodes)",
        "Results by module",
        "Results by centre",
    ]
    assert [r[0] for r in sections[0]["rows"]] == ["node-a", "node-b"]


def test_a_credential_page_offers_revocation_only_while_active(hub_of_three_centres: Hub) -> None:
    t = translator("en")
    active = tables.credential_page(hub_of_three_centres.store, ORG, "node-a", SHARED_ID, t)
    assert active["revoke"] == f"/credentials/node-a/{SHARED_ID}/revoke"
    assert active["reissue"] is None
    holders = active["sections"][-1]
    assert holders["rows"][0][0]["href"] == f"/credentials/node-b/{SHARED_ID}"
    assert "Two centres issued the same credential id" in active["alerts"][0]["text"]
    revoked = tables.credential_page(hub_of_three_centres.store, ORG, "node-b", SHARED_ID, t)
    assert revoked["revoke"] is None
    with pytest.raises(NotFound):
        tables.credential_page(hub_of_three_centres.store, ORG, "node-x", "cd" * 16, t)


def test_a_bare_id_names_its_one_centre_or_lists_them_all(hub_of_three_centres: Hub) -> None:
    with pytest.raises(Ambiguous) as several:
        tables.only_holder(hub_of_three_centres.store, ORG, SHARED_ID, tables.credential_path)
    assert sorted(c["href"] for c in several.value.candidates) == [
        f"/credentials/node-a/{SHARED_ID}",
        f"/credentials/node-b/{SHARED_ID}",
    ]
    with pytest.raises(NotFound):
        tables.only_holder(hub_of_three_centres.store, ORG, "cd" * 16, tables.credential_path)
    assert (
        tables.only_holder(hub_of_three_centres.store, "other", "cd" * 16, tables.credential_path)
        == "node-x"
    )
