"""``fieldcred demo`` as a newcomer runs it: a real process serving the hub, an edge node
enrolled with it and syncing, and the LMS workbench whose staff view reads the hub.

The node syncs every 15 s, so its seeded result reaches the hub and the workbench's
staff view within a minute; SIGTERM or Ctrl-C stops every process the demo started; a
second run reopens the same data.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytest.importorskip("workbench")

pytestmark = pytest.mark.slow

CENTRE = "Demo Learning Centre"
READY = "Ctrl-C stops all three."
MODULES = ("climate-smart-agriculture", "soil-health", "sustainable-irrigation")


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class Demo:
    """One ``fieldcred demo`` process, its output in a file."""

    def __init__(self, data: Path, log: Path) -> None:
        self.edge, self.hub, self.workbench = _free_ports(3)
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable, "-m", "fieldcred", "demo", "--data", str(data),
                    "--edge-port", str(self.edge), "--hub-port", str(self.hub),
                    "--workbench-port", str(self.workbench),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip

    @property
    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout_s: float = 90) -> str:
        deadline = time.monotonic() + timeout_s
        while READY not in self.output:
            assert self.process.poll() is None, self.output[-3000:]
            assert time.monotonic() < deadline, self.output[-3000:]
            time.sleep(0.5)
        return self.output

    def stop(self, signum: signal.Signals) -> set[int]:
        """Send ``signum``; return the processes the demo had started (now to be gone)."""
        started = _descendants(self.process.pid)
        assert len(started) >= 4, started  # hub, node, workbench and its Django server
        self.process.send_signal(signum)
        assert self.process.wait(timeout=30) == 0, self.output[-3000:]
        return started


def _parents() -> dict[int, int]:
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    return parents


def _descendants(pid: int) -> set[int]:
    parents = _parents()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _hub_results(hub: httpx.Client, module_id: str) -> list[dict[str, object]]:
    answer = hub.get(f"/api/v1/modules/{module_id}/results")
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, object]] = answer.json()["results"]
    return rows


def _staff_view_csv(workbench: str) -> str:
    """Every green-skills scenario's staff CSV (the link the staff view shows)."""
    index = httpx.get(workbench, timeout=30).text
    csv = []
    for scenario in re.findall(r'href="(/scenario/green_skills_module\.\d+/)"', index):
        page = httpx.get(workbench.rstrip("/") + scenario, timeout=30).text
        link = re.search(r'data-csv-url="([^"]+)"', page)
        assert link, "the staff view is missing from the workbench"
        answer = httpx.get(workbench.rstrip("/") + link.group(1).replace("&amp;", "&"), timeout=30)
        assert answer.status_code == 200, answer.text
        csv.append(answer.text)
    assert len(csv) == len(MODULES)
    return "".join(csv)


def test_the_demo_runs_a_hub_a_syncing_node_and_the_workbench(tmp_path: Path) -> None:
    data = tmp_path / "demo-data"
    demo = Demo(data, tmp_path / "first.log")
    try:
        output = demo.wait_ready()
        assert f"http://127.0.0.1:{demo.hub}/" in output
        assert f"http://127.0.0.1:{demo.workbench}/" in output
        login = re.search(r"worker (\S+)/(\S+)", output)
        assert login and f"http://127.0.0.1:{demo.edge}/" in output
        edge = httpx.Client(base_url=f"http://127.0.0.1:{demo.edge}", timeout=30)
        token = edge.post(
            "/api/v1/login", json={"username": login[1], "password": login[2]}
        ).json()["token"]
        edge.headers["Authorization"] = f"Bearer {token}"
        assert edge.get("/api/v1/dashboard").status_code == 200

        hub_token = (data / "hub" / "demo-api-token").read_text().strip()
        hub = httpx.Client(
            base_url=f"http://127.0.0.1:{demo.hub}",
            headers={"Authorization": f"Bearer {hub_token}"},
            timeout=30,
        )
        deadline = time.monotonic() + 60
        rows: list[dict[str, object]] = []
        while not rows:
            assert time.monotonic() < deadline, "the node's result never reached the hub"
            time.sleep(1)
            rows = [row for m in MODULES for row in _hub_results(hub, m)]
        assert [(row["centre"], row["passed"]) for row in rows] == [(CENTRE, 1)], rows
        assert rows[0]["credential_status"] == "active"
        figures = edge.get("/api/v1/dashboard").json()
        assert figures["last_sync"] is not None and figures["last_sync_error"] is None

        staff = re.search(r"staff (\S+)/(\S+)", output)
        assert staff, output
        pages = httpx.Client(base_url=f"http://127.0.0.1:{demo.hub}", timeout=30)
        overview = pages.post(
            "/login", data={"username": staff[1], "password": staff[2]}, follow_redirects=True
        )
        assert overview.status_code == 200 and CENTRE in overview.text

        csv = _staff_view_csv(f"http://127.0.0.1:{demo.workbench}/")
        assert f"offline,{CENTRE}," in csv
        assert str(rows[0]["credential_id"]) in csv

        started = demo.stop(signal.SIGTERM)
        assert not [pid for pid in started if _alive(pid)], "a server outlived the demo"
    finally:
        if demo.process.poll() is None:
            demo.process.kill()

    node_id = json.loads((data / "edge" / "settings.json").read_text())["node_id"]
    again = Demo(data, tmp_path / "second.log")
    try:
        again.wait_ready()
        settings = json.loads((data / "edge" / "settings.json").read_text())
        assert settings["node_id"] == node_id
        assert settings["hub_url"] == f"http://127.0.0.1:{again.hub}"
        hub = httpx.Client(
            base_url=f"http://127.0.0.1:{again.hub}",
            headers={"Authorization": f"Bearer {hub_token}"},
            timeout=30,
        )
        assert len([row for m in MODULES for row in _hub_results(hub, m)]) == 1
        started = again.stop(signal.SIGINT)
        assert not [pid for pid in started if _alive(pid)], "a server outlived the demo"
    finally:
        if again.process.poll() is None:
            again.process.kill()
