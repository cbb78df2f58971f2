"""The node's SQLite store: opening it safely and its named migrations.

Every state change is one transaction (:func:`transaction`); the web's threads share the
node's connection, and their transactions on it take turns. The journal is WAL with
``synchronous=FULL``: a commit returns only once the WAL is on the card, so a
power cut after an acknowledged write loses nothing.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from sqlite_utils import Database, Migrations

from edge_node.errors import StorageError

migrations = Migrations("edge_node")


@migrations(name="0001_accounts")
def _accounts(db: Database) -> None:
    db.table("accounts").create(
        {
            "id": str,
            "username": str,
            "password_hash": str,
            "role": str,
            "created_at": str,
            "disabled": int,
        },
        pk="id",
        not_null={"username", "password_hash", "role", "created_at"},
        defaults={"disabled": 0},
    )
    db.table("accounts").create_index(["username"], unique=True)
    db.table("login_failures").create(
        {"key": str, "failures": int, "first_at": float, "locked_until": float},
        pk="key",
    )


@migrations(name="0002_learners")
def _learners(db: Database) -> None:
    db.table("learners").create(
        {
            "id": str,
            "code": str,
            "pin_hash": str,
            "name": str,
            "phone": str,
            "birth_year": int,
            "gender": str,
            "village": str,
            "language": str,
            "consent": int,
            "consent_at": str,
            "created_at": str,
            "created_by": str,
            "merged_into": str,
        },
        pk="id",
        not_null={"code", "name", "language", "consent", "created_at"},
    )
    db.table("learners").create_index(["code"], unique=True)


@migrations(name="0003_content")
def _content(db: Database) -> None:
    db.table("modules").create(
        {"id": str, "version": str, "content_hash": str, "definition": str, "installed_at": str},
        pk="id",
    )
    db.table("pathways").create(
        {"id": str, "version": str, "definition": str, "installed_at": str}, pk="id"
    )
    db.table("trust").create(
        {"id": int, "version": int, "data": bytes, "installed_at": str}, pk="id"
    )


@migrations(name="0004_assessment")
def _assessment(db: Database) -> None:
    db.table("sessions").create(
        {
            "id": str,
            "code": str,
            "module_id": str,
            "module_version": str,
            "route": str,
            "opened_by": str,
            "opened_at": str,
            "closed_at": str,
        },
        pk="id",
        not_null={"code", "module_id", "module_version", "route", "opened_at"},
    )
    db.table("sessions").create_index(["code"])
    db.table("sittings").create(
        {
            "id": str,
            "session_id": str,
            "learner_id": str,
            "drawn": str,
            "answers": str,
            "position": int,
            "joined_at": str,
            "submitted_at": str,
            "checklist": str,
            "scored_by": str,
            "scored_at": str,
        },
        pk="id",
        not_null={"session_id", "learner_id", "drawn", "answers", "position", "joined_at"},
        foreign_keys=[("session_id", "sessions", "id"), ("learner_id", "learners", "id")],
    )
    db.table("sittings").create_index(["session_id", "learner_id"], unique=True)
    db.table("results").create(
        {
            "id": str,
            "sitting_id": str,
            "learner_id": str,
            "module_id": str,
            "module_version": str,
            "route": str,
            "passed": int,
            "score_percent": int,
            "outcomes": str,
            "detail": str,
            "graded_at": str,
        },
        pk="id",
        foreign_keys=[("sitting_id", "sittings", "id"), ("learner_id", "learners", "id")],
    )
    db.table("results").create_index(["sitting_id"], unique=True)
    db.table("results").create_index(["learner_id"])
    db.table("credentials").create(
        {
            "id": str,
            "learner_id": str,
            "subject": str,
            "module_id": str,
            "module_version": str,
            "pathway": int,
            "result_id": str,
            "status_index": int,
            "issued_at": str,
            "cose": bytes,
        },
        pk="id",
        not_null={"learner_id", "subject", "module_id", "status_index", "issued_at", "cose"},
    )
    db.table("credentials").create_index(["learner_id"])
    db.table("credentials").create_index(["status_index"], unique=True)


@migrations(name="0005_node_state")
def _node_state(db: Database) -> None:
    db.table("node_state").create({"key": str, "value": str}, pk="key")


@migrations(name="0006_media")
def _media(db: Database) -> None:
    db.table("media").create(
        {"module_id": str, "path": str, "data": bytes}, pk=("module_id", "path")
    )


@migrations(name="0007_recognised")
def _recognised(db: Database) -> None:
    # Module credentials another node issued, which a worker added for a learner here.
    db.table("recognised").create(
        {
            "id": str,
            "issuer_node": str,
            "centre": str,
            "learner_id": str,
            "module_id": str,
            "module_version": str,
            "score_percent": int,
            "status_index": int,
            "issued_at": str,
            "expires_at": str,
            "cose": bytes,
            "recognised_by": str,
            "recognised_at": str,
        },
        pk=("issuer_node", "id"),
        not_null={
            "centre",
            "learner_id",
            "module_id",
            "module_version",
            "score_percent",
            "status_index",
            "issued_at",
            "cose",
            "recognised_by",
            "recognised_at",
        },
        foreign_keys=[("learner_id", "learners", "id")],
    )
    db.table("recognised").create_index(["learner_id"])


@migrations(name="0008_credentials_by_result")
def _credentials_by_result(db: Database) -> None:
    # Whether a result has its credential: without it the dashboard took 17 s on a node
    # holding 10,000 credentials (a scan of them for every result).
    db.table("credentials").create_index(["result_id"])


@migrations(name="0009_module_versions")
def _module_versions(db: Database) -> None:
    # Every version a module had here: a session drawn from one, and its credentials, keep
    # it when a pack installs the next.
    db.table("module_versions").create(
        {"id": str, "version": str, "definition": str}, pk=("id", "version")
    )
    db.execute(
        "INSERT INTO module_versions (id, version, definition) "
        "SELECT id, version, definition FROM modules"
    )


@migrations(name="0010_replacements")
def _replacements(db: Database) -> None:
    # A credential issued again, on a slot of its own, at the hub's request names the one it
    # replaces (at most one replacement each) and when it was made (its claims keep the
    # original date).
    db.execute("ALTER TABLE credentials ADD COLUMN replaces TEXT")
    db.execute("ALTER TABLE credentials ADD COLUMN reissued_at TEXT")
    db.table("credentials").create_index(["replaces"], unique=True)


@migrations(name="0011_account_control")
def _account_control(db: Database) -> None:
    # Signed sessions carry the epoch their account had when they began: disabling an
    # account or setting its password moves it on, and every older session stops working.
    db.execute("ALTER TABLE accounts ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0")
    # Who disabled or enabled whom, and when (accounts stay on the node: the hub never
    # sees them).
    db.table("account_changes").create(
        {"id": int, "at": str, "by": str, "account_id": str, "change": str},
        pk="id",
        not_null={"at", "by", "account_id", "change"},
    )


@migrations(name="0012_guessing")
def _guessing(db: Database) -> None:
    # A learner's PIN, locked after too many wrong guesses, is unlocked by a worker: who
    # did, and when, is kept on the node.
    db.table("pin_unlocks").create(
        {"id": int, "at": str, "by": str, "learner_id": str},
        pk="id",
        not_null={"at", "by", "learner_id"},
    )
    db.table("pin_unlocks").create_index(["learner_id"])


@migrations(name="0013_ended_sessions")
def _ended_sessions(db: Database) -> None:
    # Sessions ended by logging out, each kept until it would have expired: a copy of the
    # cookie stops working at once (``edge_node.sessions``).
    db.table("ended_sessions").create(
        {"nonce": str, "ended_at": float, "expires_at": float},
        pk="nonce",
        not_null={"ended_at", "expires_at"},
    )


@migrations(name="0014_credential_expiry")
def _credential_expiry(db: Database) -> None:
    # When each credential expires, as its claims say (ISO 8601, none for a credential that
    # does not): a pathway counts only unexpired ones, and reading the date no longer
    # decodes every credential the learner holds.
    from credentials.claims import decode_claims
    from credentials.cose import decode_sign1

    db.execute("ALTER TABLE credentials ADD COLUMN expires_at TEXT")
    for row in list(db.query("SELECT id, cose FROM credentials")):
        expires_at = decode_claims(decode_sign1(bytes(row["cose"])).payload).expires_at
        if expires_at is not None:
            db.execute(
                "UPDATE credentials SET expires_at = ? WHERE id = ?",
                [expires_at.isoformat(), row["id"]],
            )


def open_database(path: Path, *, create: bool = False) -> Database:
    """Open (or with ``create``, create) the node's database and bring it up to date."""
    if not create and not path.exists():
        raise StorageError(f"{path}: the database is missing")
    try:
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        # A 512 KB page cache, not SQLite's 2 MB: the kernel caches the file anyway, and on a
        # node holding 10,000 credentials the bench's p99 and issuance rate did not change.
        conn.execute("PRAGMA cache_size=-512")
        _check(path)
        db = Database(conn)
        migrate(db)
    except sqlite3.DatabaseError as error:
        raise StorageError(describe_sqlite_error(path, error)) from None
    return db


def connect(path: Path) -> Database:
    """One more connection to a database :func:`open_database` opened and migrated: for a
    pool thread's work beside the server's connection (WAL: readers never wait, writers
    take turns)."""
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA cache_size=-512")
    return Database(conn)


def _check(path: Path) -> None:
    """Refuse a damaged file. The check reads every page: on its own connection, closed at
    once, so the pages do not stay in the serving connection's cache for the node's life."""
    with closing(sqlite3.connect(str(path), timeout=10)) as conn:
        result = conn.execute("PRAGMA quick_check").fetchone()
    if result is None or result[0] != "ok":
        raise StorageError(
            f"{path}: the database is damaged ({result[0] if result else 'no answer'}); "
            "the file has been left untouched — restore it from a backup or sync"
        )


def migrate(db: Database) -> None:
    """Apply the node's pending migrations and those of the event log it shares."""
    from sync.eventlog import migrate_events

    migrations.apply(db)
    migrate_events(db)


def describe_sqlite_error(path: Path | str, error: sqlite3.Error) -> str:
    """Plain words for the storage failures a field node meets."""
    text = str(error)
    lowered = text.lower()
    if "disk is full" in lowered or "database or disk is full" in lowered:
        return f"{path}: the storage card is full; nothing new was saved ({text})"
    if "readonly" in lowered or "read-only" in lowered:
        return f"{path}: the storage card is read-only; nothing new was saved ({text})"
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return (
            f"{path}: the database is damaged ({text}); the file has been left untouched — "
            "restore it from a backup or sync"
        )
    return f"{path}: database error: {text}"


_WRITER_LOCKS: weakref.WeakKeyDictionary[Database, threading.RLock] = weakref.WeakKeyDictionary()
_LOCKS_LOCK = threading.Lock()


def _writer_lock(db: Database) -> threading.RLock:
    """One writer at a time on a connection: the web's threads share the node's, and a
    transaction another thread began would otherwise take this one in as a savepoint."""
    with _LOCKS_LOCK:
        return _WRITER_LOCKS.setdefault(db, threading.RLock())


@contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """One state change: commits all or nothing, storage failures as :class:`StorageError`."""
    with _writer_lock(db):
        try:
            if db.conn.in_transaction:
                with db.atomic():  # nested in this thread's own: a savepoint
                    yield db
                return
            # IMMEDIATE takes the write lock first: a change that reads before it writes
            # would otherwise be refused ("database is locked") when the sync thread's
            # connection commits in between; this way the other writer waits its turn.
            db.conn.execute("BEGIN IMMEDIATE")
            try:
                yield db
                # A commit can fail too (a full or failing card, a deferred constraint)
                # and leave the transaction open: every later change would then be a
                # savepoint inside it, never committed.
                db.conn.commit()
            except BaseException:
                if db.conn.in_transaction:
                    db.conn.rollback()
                raise
        except sqlite3.OperationalError as error:
            raise StorageError(describe_sqlite_error("database", error)) from None


Row = dict[str, Any]
"""A row read by its columns' names (never by their position)."""


def first(db: Database, sql: str, params: Sequence[Any] = ()) -> Row | None:
    """The first row the query finds, by column name, or None."""
    with closing(db.execute(sql, params)) as cursor:
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([column[0] for column in cursor.description], row, strict=True))


def rows(db: Database, sql: str, params: Sequence[Any] = ()) -> list[Row]:
    """Every row the query finds, by column name."""
    return list(db.query(sql, params))


def get_state(db: Database, key: str) -> str | None:
    row = first(db, "SELECT value FROM node_state WHERE key = ?", [key])
    return None if row is None else str(row["value"])


def set_state(db: Database, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO node_state (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )
