"""The hub's view of each node's learners, sittings and credentials, rebuilt from events.

Applied in the same transaction that stores the events. Two nodes registering the
same person are *linked* (same normalised name and birth year), never merged: a
merge is a staff decision.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from sync.eventlog import EventType
from sync.hub import xapi
from sync.hub.store import Store

if TYPE_CHECKING:
    from sync.hub.ingest import Incoming

_UPDATABLE = ("code", "name", "gender", "birth_year", "village", "language")


def match_key(name: str, birth_year: object) -> str:
    """Name without accents, case or spacing differences, plus the birth year."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(folded.split()) + f"|{birth_year if isinstance(birth_year, int) else ''}"


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _learner_row(node_id: str, body: dict[str, Any], at: int) -> tuple[Any, ...]:
    return (
        node_id,
        body["id"],
        body["code"],
        body["name"],
        match_key(body["name"], body.get("birth_year")),
        _str_or_none(body.get("gender")),
        _int_or_none(body.get("birth_year")),
        _str_or_none(body.get("village")),
        body["language"],
        at,
    )


def _flush_learners(store: Store, node_id: str, rows: list[tuple[Any, ...]]) -> None:
    """Insert registered learners, then link each to same-looking learners elsewhere."""
    if not rows:
        return
    store.executemany(
        "INSERT INTO learners (node_id, learner_id, code, name, match_key, gender, birth_year, "
        "village, language, registered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        rows,
    )
    # Without a birth year a name alone is too weak to suggest a link.
    keys = {row[4]: row[1] for row in rows if not str(row[4]).endswith("|")}
    for start in range(0, len(keys), 500):
        chunk = list(keys)[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        matches = store.query(
            f"SELECT node_id, learner_id, match_key FROM learners WHERE node_id <> ? "
            f"AND match_key IN ({marks})",
            [node_id, *chunk],
        )
        _insert_links(store, [(n, learner, node_id, keys[k]) for n, learner, k in matches])
    rows.clear()


def _insert_links(store: Store, links: list[tuple[Any, ...]]) -> None:
    store.executemany(
        "INSERT INTO learner_links (node_a, learner_a, node_b, learner_b, basis, status) "
        "VALUES (?, ?, ?, ?, 'same name and birth year', 'possible') ON CONFLICT DO NOTHING",
        links,
    )


def _update(store: Store, node_id: str, body: dict[str, Any]) -> None:
    changes = {k: v for k, v in body["changes"].items() if k in _UPDATABLE}
    for column, value in changes.items():
        store.execute(
            f"UPDATE learners SET {column} = ? WHERE node_id = ? AND learner_id = ?",
            [value, node_id, body["id"]],
        )
    if "name" in changes or "birth_year" in changes:
        row = store.one(
            "SELECT name, birth_year FROM learners WHERE node_id = ? AND learner_id = ?",
            [node_id, body["id"]],
        )
        if row is not None:
            key = match_key(str(row[0]), row[1])
            store.execute(
                "UPDATE learners SET match_key = ? WHERE node_id = ? AND learner_id = ?",
                [key, node_id, body["id"]],
            )
            if not key.endswith("|"):
                matches = store.query(
                    "SELECT node_id, learner_id FROM learners WHERE match_key = ? AND node_id <> ?",
                    [key, node_id],
                )
                _insert_links(store, [(n, lid, node_id, body["id"]) for n, lid in matches])


def project_events(
    store: Store,
    node_id: str,
    events: list[tuple[Incoming, bool]],
    *,
    received_at: int,
    not_before: int | None,
) -> None:
    """Apply accepted, unheld events (each with its clock flag) to the hub's tables, and
    queue their xAPI statements in the same transaction."""
    credentials: list[tuple[Any, ...]] = []
    sittings: list[tuple[Any, ...]] = []
    learners: list[tuple[Any, ...]] = []
    statements: list[tuple[str, str, str]] = []
    for event, time_flag in events:
        body = event.fields
        kind = EventType(event.type)
        if kind is EventType.learner_registered:
            learners.append(_learner_row(node_id, body, event.at))
        elif kind is EventType.learner_updated:
            _flush_learners(store, node_id, learners)
            _update(store, node_id, body)
        elif kind is EventType.learner_merged:
            _flush_learners(store, node_id, learners)
            store.execute(
                "UPDATE learners SET merged_into = ? WHERE node_id = ? AND learner_id = ?",
                [body["into"], node_id, body["id"]],
            )
        elif kind is EventType.sitting_submitted:
            sittings.append(
                (
                    node_id,
                    body["id"],
                    body["learner"],
                    body["module"],
                    body["module_version"],
                    body["route"],
                    body["score_percent"],
                    int(body["passed"]),
                    event.at,
                )
            )
            statements.append((node_id, "sitting", body["id"]))
        elif kind is EventType.checklist_scored:
            if sittings:
                _flush_sittings(store, sittings)
            # A sitting already here was submitted before the practical was scored, so
            # this grade (answers and checklist) is its final one.
            store.execute(
                "UPDATE sittings SET checklist_score = ?, checklist_passed = ?, "
                "score_percent = ?, passed = ? WHERE node_id = ? AND sitting_id = ?",
                [
                    body["score_percent"],
                    int(body["passed"]),
                    body["score_percent"],
                    int(body["passed"]),
                    node_id,
                    body["sitting"],
                ],
            )
        elif kind in (EventType.credential_issued, EventType.pathway_issued):
            credential = event.credential
            assert credential is not None
            credentials.append(
                (
                    credential.credential_id.hex(),
                    node_id,
                    event.seq,
                    body["learner"],
                    credential.subject,
                    credential.module_id,
                    credential.module_version,
                    int(credential.pathway),
                    credential.score_percent,
                    int(credential.issued_at.timestamp()),
                    not_before,
                    received_at,
                    int(time_flag),
                    credential.status_index,
                    body["cose"],
                )
            )
            statements.append((node_id, "credential", credential.credential_id.hex()))
        elif kind is EventType.credential_revoked:
            if credentials:
                _flush_credentials(store, credentials)
            store.execute(
                "UPDATE credentials SET status = 'revoked', revoked_at = ?, "
                "revocation_reason = ? WHERE credential_id = ? AND node_id = ?",
                [event.at, body["reason"], body["id"].hex(), node_id],
            )
    _flush_learners(store, node_id, learners)
    _flush_sittings(store, sittings)
    _flush_credentials(store, credentials)
    xapi.enqueue(store, statements, received_at)


def _flush_sittings(store: Store, rows: list[tuple[Any, ...]]) -> None:
    store.executemany(
        "INSERT INTO sittings (node_id, sitting_id, learner_id, module_id, module_version, "
        "route, score_percent, passed, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        rows,
    )
    rows.clear()


def _flush_credentials(store: Store, rows: list[tuple[Any, ...]]) -> None:
    store.executemany(
        "INSERT INTO credentials (credential_id, node_id, seq, learner_id, subject, module_id, "
        "module_version, pathway, score_percent, issued_at, not_before, received_at, "
        "time_flag, status_index, status, cose) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?) ON CONFLICT DO NOTHING",
        rows,
    )
    rows.clear()
