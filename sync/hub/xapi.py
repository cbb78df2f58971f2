"""xAPI: every sitting and credential becomes a statement, forwarded to a Learning Record
Store through an outbox.

Statements are queued in the same transaction that stores their events, so none is
lost. Their ids are UUIDv5 of our own ids (node, kind, id), so a retry (ours, or a
re-sent batch) is never a duplicate: the LRS answers 204 for an id it already has.
Delivery is one ``PUT /statements?statementId=...`` per statement (xAPI 1.0.3 §2.1.1),
so one refused statement does not hold back the rest; failures back off
exponentially up to an hour.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from sync.hub.store import Store

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


def sitting_statement(
    base_url: str, node_id: str, body: dict[str, Any], at: int
) -> tuple[str, dict[str, Any]]:
    passed = bool(body["passed"])
    sid = statement_id(node_id, "sitting", str(body["id"]))
    return sid, {
        "id": sid,
        "actor": _actor(base_url, node_id, str(body["learner"])),
        "verb": {"id": VERB_PASSED if passed else VERB_FAILED},
        "object": _activity(base_url, str(body["module"]), str(body["module_version"])),
        "result": {
            "score": {"scaled": int(body["score_percent"]) / 100},
            "success": passed,
            "completion": True,
        },
        "timestamp": _iso(at),
    }


def credential_statement(
    base_url: str,
    node_id: str,
    learner_id: str,
    credential_id: str,
    module_id: str,
    version: str,
    issued_at: int,
) -> tuple[str, dict[str, Any]]:
    sid = statement_id(node_id, "credential", credential_id)
    return sid, {
        "id": sid,
        "actor": _actor(base_url, node_id, learner_id),
        "verb": {"id": VERB_EARNED},
        "object": _activity(base_url, module_id, version),
        "context": {"extensions": {f"{base_url.rstrip('/')}/xapi/credential-id": credential_id}},
        "timestamp": _iso(issued_at),
    }


def enqueue(store: Store, statements: list[tuple[str, dict[str, Any]]], now: int) -> None:
    """Queue statements (inside the caller's transaction); a known id is left as it is."""
    store.executemany(
        "INSERT INTO xapi_outbox (statement_id, statement, created_at, attempts, "
        "next_attempt_at) VALUES (?, ?, ?, 0, ?) ON CONFLICT DO NOTHING",
        [
            (sid, json.dumps(body, separators=(",", ":"), sort_keys=True), now, now)
            for sid, body in statements
        ],
    )


def backoff_s(attempts: int, rng: Callable[[], float] = random.random) -> int:
    """Seconds before retry number ``attempts`` (1-based): doubling, jittered, capped."""
    base = min(MAX_RETRY_S, FIRST_RETRY_S * 2 ** (attempts - 1))
    return int(base * (0.75 + 0.5 * rng()))


def deliver_due(store: Store, client: httpx.Client, *, lrs_url: str, now: int) -> tuple[int, int]:
    """Send the statements that are due; return (sent, failed)."""
    due = store.query(
        "SELECT statement_id, statement, attempts FROM xapi_outbox WHERE sent_at IS NULL "
        "AND next_attempt_at <= ? ORDER BY created_at, statement_id LIMIT ?",
        [now, BATCH],
    )
    sent = failed = 0
    for sid, statement, attempts in due:
        error = None
        try:
            response = client.put(
                f"{lrs_url.rstrip('/')}/statements",
                params={"statementId": sid},
                content=statement,
                headers={
                    "content-type": "application/json",
                    "x-experience-api-version": XAPI_VERSION,
                },
            )
            if response.status_code not in (200, 204):
                error = f"the LRS answered HTTP {response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as exc:
            error = f"the LRS could not be reached ({exc})"
        if error is None:
            store.execute(
                "UPDATE xapi_outbox SET sent_at = ?, last_error = NULL WHERE statement_id = ?",
                [now, sid],
            )
            sent += 1
        else:
            tries = int(attempts) + 1
            store.execute(
                "UPDATE xapi_outbox SET attempts = ?, next_attempt_at = ?, last_error = ? "
                "WHERE statement_id = ?",
                [tries, now + backoff_s(tries), error, sid],
            )
            failed += 1
    return sent, failed


def outbox_status(store: Store) -> dict[str, int]:
    row = store.one(
        "SELECT count(*), sum(CASE WHEN sent_at IS NULL THEN 1 ELSE 0 END) FROM xapi_outbox"
    )
    total, pending = row or (0, 0)
    return {"statements": int(total or 0), "pending": int(pending or 0)}


def forward_forever(
    store: Store,
    *,
    lrs_url: str,
    auth: tuple[str, str] | None,
    stop: Callable[[], bool],
    interval_s: float = 10.0,
) -> None:
    """The hub's background forwarder: deliver what is due every ``interval_s``."""
    import time

    with httpx.Client(auth=auth, timeout=30) as client:
        while not stop():
            deliver_due(store, client, lrs_url=lrs_url, now=int(time.time()))
            time.sleep(interval_s)
