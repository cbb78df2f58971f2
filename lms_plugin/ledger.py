"""The online ledger: what the LMS issued and graded, in one SQLite file.

Learners' own sittings live in XBlock user state; this file holds what must be
shared across learners and staff: the status-list index of every credential issued
online (so the university can revoke one), each learner's latest result per block
(the staff view's online column) and practical checklists scored by staff.
Migrations are named and re-runnable.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lms_plugin.errors import NotConfigured

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_ledger",
        """
        CREATE TABLE credentials (
            credential_id TEXT PRIMARY KEY,
            status_index INTEGER NOT NULL UNIQUE,
            usage_id TEXT NOT NULL,
            subject TEXT NOT NULL,
            module_id TEXT NOT NULL,
            module_version TEXT NOT NULL,
            issued_at INTEGER NOT NULL,
            cose BLOB NOT NULL
        );
        CREATE TABLE results (
            usage_id TEXT NOT NULL,
            subject TEXT NOT NULL,
            holder_name TEXT NOT NULL,
            module_id TEXT NOT NULL,
            module_version TEXT NOT NULL,
            score_percent INTEGER NOT NULL,
            passed INTEGER NOT NULL,
            practical_pending INTEGER NOT NULL,
            submitted_at INTEGER NOT NULL,
            PRIMARY KEY (usage_id, subject)
        );
        CREATE TABLE checklists (
            usage_id TEXT NOT NULL,
            subject TEXT NOT NULL,
            scores TEXT NOT NULL,
            scored_by TEXT NOT NULL,
            scored_at INTEGER NOT NULL,
            PRIMARY KEY (usage_id, subject)
        );
        """,
    ),
)


@dataclass(frozen=True)
class OnlineResult:
    subject: str
    holder_name: str
    module_id: str
    module_version: str
    score_percent: int
    passed: bool
    practical_pending: bool
    submitted_at: int


@contextmanager
def open_ledger(path: Path) -> Iterator[sqlite3.Connection]:
    """The ledger at ``path`` (created and migrated on first use); closed on exit."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=10, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise NotConfigured(f"the online ledger {path} cannot be opened: {exc}") from exc
    try:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            _migrate(db)
        except sqlite3.Error as exc:
            raise NotConfigured(f"the online ledger {path} cannot be written: {exc}") from exc
        yield db
    finally:
        db.close()


def _migrate(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    for name, script in MIGRATIONS:
        db.execute("BEGIN IMMEDIATE")
        try:
            done = db.execute("SELECT 1 FROM migrations WHERE name = ?", [name]).fetchone()
            if not done:
                for statement in script.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(
                    "INSERT INTO migrations VALUES (?, datetime('now'))",
                    [name],
                )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


def issue_with_next_index(
    db: sqlite3.Connection,
    *,
    usage_id: str,
    subject: str,
    module_id: str,
    module_version: str,
    issued_at: int,
    sign: Callable[[int], tuple[str, bytes]],
) -> tuple[int, bytes]:
    """Allocate the next status index and store what ``sign(index)`` returns
    (``(credential id hex, COSE bytes)``) in one transaction: no two online credentials
    share an index, and none is signed without being recorded."""
    db.execute("BEGIN IMMEDIATE")
    try:
        index = db.execute(
            "SELECT coalesce(max(status_index), -1) + 1 FROM credentials"
        ).fetchone()[0]
        credential_id, cose = sign(index)
        db.execute(
            "INSERT INTO credentials VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [credential_id, index, usage_id, subject, module_id, module_version, issued_at, cose],
        )
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return index, cose


def record_result(db: sqlite3.Connection, usage_id: str, result: OnlineResult) -> None:
    db.execute(
        "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            usage_id,
            result.subject,
            result.holder_name,
            result.module_id,
            result.module_version,
            result.score_percent,
            int(result.passed),
            int(result.practical_pending),
            result.submitted_at,
        ],
    )


def online_results(db: sqlite3.Connection, usage_id: str) -> list[OnlineResult]:
    rows = db.execute(
        "SELECT subject, holder_name, module_id, module_version, score_percent, passed, "
        "practical_pending, submitted_at FROM results WHERE usage_id = ? ORDER BY submitted_at",
        [usage_id],
    ).fetchall()
    return [
        OnlineResult(row[0], row[1], row[2], row[3], row[4], bool(row[5]), bool(row[6]), row[7])
        for row in rows
    ]


def record_checklist(
    db: sqlite3.Connection,
    *,
    usage_id: str,
    subject: str,
    scores: dict[str, int],
    scored_by: str,
    scored_at: int,
) -> None:
    db.execute(
        "INSERT OR REPLACE INTO checklists VALUES (?, ?, ?, ?, ?)",
        [usage_id, subject, json.dumps(scores, sort_keys=True), scored_by, scored_at],
    )


def checklist_for(db: sqlite3.Connection, usage_id: str, subject: str) -> dict[str, Any] | None:
    row = db.execute(
        "SELECT scores FROM checklists WHERE usage_id = ? AND subject = ?", [usage_id, subject]
    ).fetchone()
    return None if row is None else dict(json.loads(row[0]))
