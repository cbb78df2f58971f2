"""Offline results for a module, read from the hub's token-authenticated JSON API.

The endpoint (``hub.web``, scoped to the token's organisation)::

    GET {HUB_URL}/api/v1/modules/{module_id}/results
    Authorization: Bearer {HUB_TOKEN}

    200 {"module_id": "...", "results": [
          {"node_id": "ke-ksm-01", "centre": "Kisumu centre", "learner_id": "...",
           "sitting_id": "...", "module_version": "1.0.0", "route": "course",
           "score_percent": 80, "passed": 1, "submitted_at": 1763900000,
           "credential_id": "ab12..." | null,
           "credential_status": "active" | "revoked" | "expired" | null}]}

Every field the staff view shows is checked; a row that does not fit makes the whole
answer unreadable, so staff never see a silently partial list.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from credentials.claims import MAX_NUMERIC_DATE
from lms_plugin.errors import HubUnavailable, NotConfigured
from lms_plugin.ledger import OnlineResult

MAX_RESPONSE_BYTES = 8 * 1024 * 1024
TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class ResultRow:
    """One learner's result as the staff view lists it, offline or online."""

    route: str
    """``offline`` (synced from a centre) or ``online`` (earned in this course)."""
    centre: str
    learner: str
    module_version: str
    score_percent: int
    passed: bool
    submitted_at: int
    credential_id: str = ""
    credential_status: str = ""
    node: str = ""
    """The centre's node id: with ``credential_id``, the credential's address at the hub
    (ids are unique per node only)."""

    @property
    def submitted(self) -> str:
        return datetime.fromtimestamp(self.submitted_at, UTC).strftime("%Y-%m-%d %H:%M")


def results_url(hub_url: str, module_id: str) -> str:
    return f"{hub_url}/api/v1/modules/{urllib.parse.quote(module_id, safe='')}/results"


def fetch_offline_results(
    hub_url: str | None, token: str | None, module_id: str
) -> list[ResultRow]:
    """Every offline result of the module that the token's organisation may see."""
    if not hub_url or not token:
        raise NotConfigured("no hub is configured: set FIELDCRED HUB_URL and HUB_TOKEN")
    request = urllib.request.Request(
        results_url(hub_url, module_id),
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            body = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise HubUnavailable(f"the hub answered {exc.code} for the results of {module_id}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise HubUnavailable(f"the hub cannot be reached: {exc}") from exc
    if len(body) > MAX_RESPONSE_BYTES:
        raise HubUnavailable("the hub's answer is too large")
    return parse_results(body)


def parse_results(body: bytes) -> list[ResultRow]:
    try:
        document = json.loads(body.decode("utf-8"))
        rows = document["results"]
        if not isinstance(rows, list):
            raise TypeError("results is not a list")
        return [_row(row) for row in rows]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise HubUnavailable(f"the hub's answer is not a results list: {exc}") from exc


def _row(row: Any) -> ResultRow:
    if not isinstance(row, dict):
        raise TypeError("a result is not an object")
    node, learner, version = row["node_id"], row["learner_id"], row["module_version"]
    if not all(isinstance(value, str) for value in (node, learner, version)):
        raise TypeError("node_id, learner_id and module_version must be text")
    score, passed, at = row["score_percent"], row["passed"], row["submitted_at"]
    if type(score) is not int or not 0 <= score <= 100:
        raise TypeError("score_percent must be an integer from 0 to 100")
    if passed not in (True, False) or type(at) is not int or not 0 <= at < MAX_NUMERIC_DATE:
        raise TypeError("passed must be a boolean (or 0/1) and submitted_at integer seconds")
    centre = row.get("centre")
    credential, status = row.get("credential_id"), row.get("credential_status")
    return ResultRow(
        route="offline",
        centre=centre if isinstance(centre, str) and centre else node,
        learner=learner,
        module_version=version,
        score_percent=score,
        passed=bool(passed),
        submitted_at=at,
        credential_id=credential if isinstance(credential, str) else "",
        credential_status=status if isinstance(status, str) else "",
        node=node,
    )


def online_rows(results: Iterable[OnlineResult]) -> list[ResultRow]:
    return [
        ResultRow(
            route="online",
            centre="online",
            learner=result.holder_name,
            module_version=result.module_version,
            score_percent=result.score_percent,
            passed=result.passed,
            submitted_at=result.submitted_at,
        )
        for result in results
    ]


def filter_centre(rows: Iterable[ResultRow], centre: str | None) -> list[ResultRow]:
    return [row for row in rows if not centre or row.centre == centre]


CSV_COLUMNS = (
    "route",
    "centre",
    "learner",
    "module_version",
    "score_percent",
    "passed",
    "submitted",
    "credential_id",
    "credential_status",
    "node",
)


def results_csv(rows: Iterable[ResultRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.route,
                _cell(row.centre),
                _cell(row.learner),
                _cell(row.module_version),
                row.score_percent,
                "yes" if row.passed else "no",
                row.submitted,
                _cell(row.credential_id),
                _cell(row.credential_status),
                _cell(row.node),
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    """Keep a spreadsheet from reading a learner's name as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
