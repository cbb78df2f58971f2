"""Long tables: the registry and a module's sittings come a page at a time with links to
the next and previous pages (no JavaScript), and the equity figures of a hub with
thousands of learners answer in well under a second. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
import time
import warnings

from hub import reports
from hub.ingest import Hub
from hub.settings import HubSettings
from hub.staff import add_staff
from hub.tables import PAGE_ROWS
from hub.web.app import create_web_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

NODE = "node-long"


def fill(hub: Hub, learners: int) -> None:
    """A centre with ``learners`` learners, each with one passed sitting and a credential
    (written straight into the hub's tables: what ingest would leave there)."""
    store = hub.store
    store.execute(
        "INSERT INTO nodes (node_id, name, organisation, enrolled_at) "
        "VALUES (?, 'Long centre', 'university', 0)",
        [NODE],
    )
    ids = range(learners)
    store.executemany(
        "INSERT INTO learners (node_id, learner_id, code, name, match_key, gender, birth_year, "
        "language, registered_at) VALUES (?, ?, ?, ?, ?, 'female', 1990, 'sw', 0)",
        [(NODE, f"L{i}", f"{i:06d}", f"N {i}", f"n {i}|1990") for i in ids],
    )
    store.executemany(
        "INSERT INTO sittings (node_id, sitting_id, learner_id, module_id, module_version, "
        "route, score_percent, passed, submitted_at) "
        "VALUES (?, ?, ?, 'soil-health', '1.0.0', 'course', 80, 1, ?)",
        [(NODE, f"S{i}", f"L{i}", i) for i in ids],
    )
    store.executemany(
        "INSERT INTO credentials (credential_id, node_id, seq, learner_id, subject, module_id, "
        "module_version, pathway, score_percent, issued_at, received_at, time_flag, "
        "status_index, status, cose) VALUES (?, ?, ?, ?, ?, 'soil-health', '1.0.0', 0, 80, "
        "?, ?, 0, ?, 'active', ?)",
        [(f"{i:032x}", NODE, i + 1, f"L{i}", f"L{i}", i, i, i, b"\xa0") for i in ids],
    )


def staff(hub: Hub) -> TestClient:
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    client = TestClient(create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32)))
    client.post("/login", data={"username": "wanjiru", "password": "correct horse"})
    return client


def links(html: str) -> dict[str, str]:
    return {
        rel: href.replace("&amp;", "&")
        for href, rel in re.findall(r'<a href="([^"]+)" rel="(prev|next)"', html)
    }


def walk(client: TestClient, start: str) -> list[str]:
    """Every credential linked from each page, following the next-page links from ``start``."""
    seen: list[str] = []
    address: str | None = start
    while address is not None:
        html = client.get(address).text
        seen += re.findall(r'<td><a href="/credentials/[^/"]+/([0-9a-f]{32})">', html)
        address = links(html).get("next")
    return seen


def test_the_registry_and_a_module_come_a_page_at_a_time(hub: Hub) -> None:
    fill(hub, PAGE_ROWS * 2 + 5)
    client = staff(hub)
    registry = walk(client, "/credentials?lang=sw")
    assert len(registry) == len(set(registry)) == PAGE_ROWS * 2 + 5
    last = client.get(f"/credentials?offset={PAGE_ROWS * 2}&lang=en").text
    assert links(last) == {"prev": f"/credentials?lang=en&offset={PAGE_ROWS}"}
    assert "Next page" not in last and "Previous page" in last
    module = walk(client, "/modules/soil-health")
    assert len(module) == len(set(module)) == PAGE_ROWS * 2 + 5
    first = client.get("/modules/soil-health?lang=fr").text
    assert "Passages à partir de 1" in first and "Page suivante" in first
    assert "prev" not in links(first)
    # The LMS's API still answers every sitting at once.
    assert len(reports.module_results(hub.store, "university", "soil-health")) == 205


def test_equity_figures_of_thousands_of_learners_answer_quickly(hub: Hub) -> None:
    fill(hub, 4000)
    started = time.perf_counter()
    rows = reports.equity(hub.store, "university", year=2026)
    elapsed = time.perf_counter() - started
    assert {(r.dimension, r.group): r.credentials for r in rows}[("gender", "female")] == 4000
    assert elapsed < 1.0, elapsed


def test_the_overview_lists_a_page_of_links_and_leads_to_all(hub: Hub) -> None:
    fill(hub, 1)
    hub.store.executemany(
        "INSERT INTO learner_links (node_a, learner_a, node_b, learner_b, basis, status) "
        "VALUES (?, ?, 'node-elsewhere', ?, 'same name and birth year', 'possible')",
        [(NODE, f"L{i:04d}", f"E{i}") for i in range(PAGE_ROWS * 2 + 5)],
    )
    client = staff(hub)
    overview = client.get("/?lang=en").text
    assert overview.count("<td>node-elsewhere</td>") == PAGE_ROWS
    assert '<a href="/links">See them all</a>' in overview
    seen: list[str] = []
    address: str | None = "/links"
    while address is not None:
        html = client.get(address).text
        seen += re.findall(r"<td>(E\d+)</td>", html)
        address = links(html).get("next")
    assert len(seen) == len(set(seen)) == PAGE_ROWS * 2 + 5
