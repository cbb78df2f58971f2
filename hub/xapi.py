"""xAPI: every sitting and credential becomes a statement, forwarded to a Learning Record
Store through an outbox.

Entries (node, kind, our id) are queued in the same transaction that stores their
events, so none is lost; the statement is built from the hub's tables when sent. Its
id is the UUIDv5 of our own ids, so a retry (ours, or a re-sent batch) is never a
duplicate: the LRS answers 204 for an id it already has.
Delivery is one ``PUT /statements?statementId=...`` per statement (xAPI 1.0.3 §2.1.1),
so one refused statement does not hold back the rest; failures back off
exponentially up to an hour.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from hub.store import Store

log = logging.getLogger(__name__)
NAMESPACE = uuid.UUID("6f1c3c2e-4d0b-5b7e-9a57-1f0d2c6e8a41")
XAPI_VERSION = "1.0.3"
VERB_PASSED = "http://adlnet.gov/expapi/verbs/passed"
VERB_FAILED = "http://adlnet.gov/expapi/verbs/failed"
VERB_EARNED = "https://w3id.org/xapi/openbadges/verbs/earned"
FIRST_RETRY_S = 30
MAX_RETRY_S = 3600
BATCH = 50


def statement_id(node_id: str, kind: str, our_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{node_id}/{kind}/{our_id}"))


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _actor(base_url: str, node_id: str, learner_id: str) -> dict[str, Any]:
    # Pseudonymous: the learner's id at its centre, never a name or phone number.
    return {
        "objectType": "Agent",
        "account": {"homePage": base_url, "name": f"{node_id}/{learner_id}"},
    }


def _activity(base_url: str, module_id: str, version: str) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": f"{base_url.rstrip('/')}/modules/{module_id}/{version}",
        "definition": {"type": "http://adlnet.gov/expapi/activities/assessment"},
    }


def sitting_statement(base_url: str, row: dict[str, Any]) -> dict[str, Any]:
    """A sitting (a row of ``sittings``) as a passed/failed statement with its score."""
    passed = bool(row["passed"])
    return {
        "id": statement_id(row["node_id"], "sitting", row["sitting_id"]),
        "actor": _actor(base_url, row["node_id"], row["learner_id"]),
        "verb": {"id": VERB_PASSED if passed else VERB_FAILED},
        "object": _activity(base_url, row["module_id"], row["module_version"]),
        "result": {
            "score": {"scaled": int(row["score_percent"]) / 100},
            "success": passed,
            "completion": True,
        },
        "timestamp": _iso(int(row["submitted_at"])),
    }


def credential_statement(base_url: str, row: dict[str, Any]) -> dict[str, Any]:
    """A credential (a row of ``credentials``) as an "earned" statement."""
    return {
        "id": statement_id(row["node_id"], "credential", row["credential_id"]),
        "actor": _actor(base_url, row["node_id"], row["learner_id"]),
        "verb": {"id": VERB_EARNED},
        "object": _activity(base_url, row["module_id"], row["module_version"]),
        "context": {
            "extensions": {f"{base_url.rstrip('/')}/xapi/credential-id": row["credential_id"]}
        },
        "timestamp": _iso(int(row["issued_at"])),
    }


_SOURCES = {
    "sitting": (
        "SELECT node_id, sitting_id, learner_id, module_id, module_version, score_percent, "
        "passed, submitted_at FROM sittings WHERE node_id = ? AND sitting_id = ?",
        sitting_statement,
    ),
    "credential": (
        "SELECT node_id, credential_id, learner_id, module_id, module_version, issued_at "
        "FROM credentials WHERE node_id = ? AND credential_id = ?",
        credential_statement,
    ),
}


def statement_for(store: Store, base_url: str, node_id: str, kind: str, ref: str) -> dict[str, Any]:
    """The statement for one outbox entry, built from the hub's tables when it is sent."""
    sql, build = _SOURCES[kind]
    rows = store.records(sql, [node_id, ref])
    if not rows:
        raise LookupError(f"{kind} {ref} of {node_id} is not in the hub's tables")
    return build(base_url, rows[0])


def enqueue(store: Store, entries: list[tuple[str, str, str]], now: int) -> None:
    """Queue (node, kind, our id) entries inside the caller's transaction; known ones stay."""
    store.executemany(
        "INSERT INTO xapi_outbox (node_id, kind, ref, created_at, attempts, next_attempt_at) "
        "VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT DO NOTHING",
        [(node_id, kind, ref, now, now) for node_id, kind, ref in entries],
    )


def backoff_s(attempts: int, rng: Callable[[], float] = random.random) -> int:
    """Seconds before retry number ``attempts`` (1-based): doubling, jittered, capped."""
    base = min(MAX_RETRY_S, FIRST_RETRY_S * 2 ** (attempts - 1))
    return int(base * (0.75 + 0.5 * rng()))


def deliver_due(
    store: Store, client: httpx.Client, *, lrs_url: str, base_url: str, now: int
) -> tuple[int, int]:
    """Send the statements that are due; return (sent, failed)."""
    due = store.query(
        "SELECT node_id, kind, ref, attempts FROM xapi_outbox WHERE sent_at IS NULL "
        "AND next_attempt_at <= ? ORDER BY created_at, node_id, kind, ref LIMIT ?",
        [now, BATCH],
    )
    sent = failed = 0
    for node_id, kind, ref, attempts in due:
        error = None
        try:
            statement = statement_for(store, base_url, node_id, kind, ref)
            response = client.put(
                f"{lrs_url.rstrip('/')}/statements",
                params={"statementId": statement["id"]},
                content=json.dumps(statement, separators=(",", ":")),
                headers={
                    "content-type": "application/json",
                    "x-experience-api-version": XAPI_VERSION,
                },
            )
            if response.status_code not in (200, 204):
                error = f"the LRS answered HTTP {response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as exc:
            error = f"the LRS could not be reached ({exc})"
        except (LookupError, ValueError, OverflowError, OSError) as exc:
            # A row this statement cannot be built from (a date past any calendar, stored
            # before the hub refused such events) waits alone; the others still go.
            error = f"the statement cannot be built ({exc})"
        key = [node_id, kind, ref]
        if error is None:
            store.execute(
                "UPDATE xapi_outbox SET sent_at = ?, last_error = NULL "
                "WHERE node_id = ? AND kind = ? AND ref = ?",
                [now, *key],
            )
            sent += 1
        else:
            tries = int(attempts) + 1
            store.execute(
                "UPDATE xapi_outbox SET attempts = ?, next_attempt_at = ?, last_error = ? "
                "WHERE node_id = ? AND kind = ? AND ref = ?",
                [tries, now + backoff_s(tries), error, *key],
            )
            failed += 1
    return sent, failed


def outbox_status(store: Store, organisation: str | None = None) -> dict[str, int]:
    """Statements queued and still waiting: the hub's, or one organisation's centres'."""
    row = store.one(
        "SELECT count(*), sum(CASE WHEN sent_at IS NULL THEN 1 ELSE 0 END) FROM xapi_outbox o"
        + (
            ""
            if organisation is None
            else " JOIN nodes n ON n.node_id = o.node_id WHERE n.organisation = ?"
        ),
        [] if organisation is None else [organisation],
    )
    total, pending = row or (0, 0)
    return {"statements": int(total or 0), "pending": int(pending or 0)}


def forward_forever(
    store: Store,
    *,
    lrs_url: str,
    base_url: str,
    auth: tuple[str, str] | None,
    stop: threading.Event,
    interval_s: float = 10.0,
) -> None:
    """The hub's background forwarder: deliver what is due, a batch after another while
    full batches come (a synced backlog), then every ``interval_s``, until ``stop`` is set
    (which also ends the wait). A failed round (the database unreachable for a moment) is
    logged and tried again, never the end of it."""
    import time

    with httpx.Client(auth=auth, timeout=30) as client:
        while not stop.is_set():
            try:
                sent, failed = deliver_due(
                    store, client, lrs_url=lrs_url, base_url=base_url, now=int(time.time())
                )
            except Exception:
                log.exception("xAPI forwarding failed; trying again in %s s", interval_s)
                sent = failed = 0
            if sent + failed < BATCH:
                stop.wait(interval_s)
