"""Offline results for a module, read from the hub's token-authenticated JSON API.

The endpoint this client reads (the hub's organisation-scoped API)::

    GET {HUB_URL}/api/v1/modules/{module_id}/results[?centre={node_id}]
    Authorization: Bearer {HUB_TOKEN}

    200 {"module_id": "...", "results": [
          {"node_id": "ke-ksm-01", "node_name": "Kisumu centre", "learner_id": "...",
           "learner_name": "...", "module_version": "1.0.0", "score_percent": 80,
           "passed": true, "submitted_at": 1763900000, "credential_id": "ab12..." | null}]}

Every field is checked; a row that does not fit makes the whole answer unreadable,
so staff never see a silently partial list.
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

    @property
    def submitted(self) -> str:
        return datetime.fromtimestamp(self.submitted_at, UTC).strftime("%Y-%m-%d %H:%M")


def results_url(hub_url: str, module_id: str, centre: str | None) -> str:
    url = f"{hub_url}/api/v1/modules/{urllib.parse.quote(module_id, safe='')}/results"
    return url if not centre else url + "?" + urllib.parse.urlencode({"centre": centre})


def fetch_offline_results(
    hub_url: str | None, token: str | None, module_id: str, centre: str | None = None
) -> list[ResultRow]:
    if not hub_url or not token:
        raise NotConfigured("no hub is configured: set FIELDCRED HUB_URL and HUB_TOKEN")
    request = urllib.request.Request(
        results_url(hub_url, module_id, centre),
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
    text = {
        key: row[key]
        for key in ("node_id", "learner_id", "module_version")
        if isinstance(row[key], str)
    }
    if len(text) != 3:
        raise TypeError("node_id, learner_id and module_version must be text")
    score, passed, at = row["score_percent"], row["passed"], row["submitted_at"]
    if type(score) is not int or not 0 <= score <= 100:
        raise TypeError("score_percent must be an integer from 0 to 100")
    if not isinstance(passed, bool) or type(at) is not int or at < 0:
        raise TypeError("passed must be a boolean and submitted_at integer seconds")
    name = row.get("learner_name")
    centre = row.get("node_name")
    credential = row.get("credential_id")
    return ResultRow(
        route="offline",
        centre=centre if isinstance(centre, str) and centre else text["node_id"],
        learner=name if isinstance(name, str) and name else text["learner_id"],
        module_version=text["module_version"],
        score_percent=score,
        passed=passed,
        submitted_at=at,
        credential_id=credential if isinstance(credential, str) else "",
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
                row.module_version,
                row.score_percent,
                "yes" if row.passed else "no",
                row.submitted,
                row.credential_id,
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    """Keep a spreadsheet from reading a learner's name as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
