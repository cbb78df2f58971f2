"""The hub's store: one thin interface over SQLite (default) and PostgreSQL (psycopg 3).

Queries are written once, with ``?`` placeholders and portable SQL
(``INSERT ... ON CONFLICT``); the PostgreSQL store rewrites placeholders and the two
column types that differ. Migrations are named and applied once each, in order.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from hub.expiry import stored_expiry
from sync.errors import BadRequest, SyncError


class StoreUnavailable(SyncError):
    status = 503
    reason = "store_unavailable"


Row = tuple[Any, ...]


class Store:
    """A connection plus a lock: the hub serialises writes (SQLite has one writer anyway)."""

    dialect = "sqlite"
    unstorable: tuple[type[Exception], ...] = ()
    """What the driver raises for a value its database cannot hold (an integer past 64
    bits, a NUL in PostgreSQL text): a request's bad input, answered 400, never a 500."""

    unavailable: tuple[type[Exception], ...] = ()
    """What the driver raises when the database went away (restarted, failed over): 503,
    and the next call outside a transaction connects again."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._depth = 0

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self.lock:
            try:
                if not self._depth:
                    self._reconnect()
                yield
            except self.unstorable as error:
                raise BadRequest(f"a value the database cannot hold ({error})") from None
            except self.unavailable as error:
                raise StoreUnavailable(f"the database did not answer ({error})") from None

    def _reconnect(self) -> None:
        """Connect again if the connection was lost (a server database)."""

    def _sql(self, sql: str) -> str:
        return sql

    def _raw_execute(self, sql: str, params: Sequence[Any]) -> list[Row]:
        raise NotImplementedError

    def _raw_executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        raise NotImplementedError

    def _raw_records(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _begin(self) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        raise NotImplementedError

    def _rollback(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._locked():
            return self._raw_execute(self._sql(sql), params)

    def records(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column name (or ``AS`` alias)."""
        with self._locked():
            return self._raw_records(self._sql(sql), params)

    def record(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        """The first row as a dict keyed by column name (or ``AS`` alias), or None."""
        rows = self.records(sql, params)
        return rows[0] if rows else None

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self._locked():
            self._raw_execute(self._sql(sql), params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._locked():
            self._raw_executemany(self._sql(sql), rows)

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """All or nothing; nested calls join the outer transaction."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            with self._locked():
                self._begin()
            self._depth = 1
            try:
                yield self
            except BaseException:
                self._depth = 0
                self._rollback()
                raise
            self._depth = 0
            with self._locked():
                self._commit()


class SqliteStore(Store):
    dialect = "sqlite"
    unstorable = (OverflowError,)

    def __init__(self, path: Path | str) -> None:
        super().__init__()
        if str(path) != ":memory:":
            # Learners' names and phones, staff password hashes: for the hub's user only
            # (SQLite gives its -wal and -shm files the database file's mode).
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            except OSError as error:
                raise StoreUnavailable(
                    f"cannot open the database {path} ({error.strerror})"
                ) from None
        self.conn = sqlite3.connect(
            str(path), isolation_level=None, check_same_thread=False, timeout=30
        )
        self.conn.execute("PRAGMA journal_mode=WAL")
        # A batch is acknowledged only once it is on disk.
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        # The hub is a server, not a Pi: keep the hot B-tree pages of a big registry in RAM.
        self.conn.execute("PRAGMA cache_size=-65536")

    def _raw_execute(self, sql: str, params: Sequence[Any]) -> list[Row]:
        return self.conn.execute(sql, tuple(params)).fetchall()

    def _raw_executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def _raw_records(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, tuple(params))
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def _commit(self) -> None:
        self.conn.execute("COMMIT")

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        # After any statement in flight on another thread (the xAPI forwarder): closing
        # a connection under a running statement is undefined behaviour in SQLite.
        with self.lock:
            self.conn.close()


class PostgresStore(Store):
    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        super().__init__()
        import psycopg

        self.url = url
        self.conn = self._connect()
        self.unstorable = (psycopg.DataError,)
        self.unavailable = (psycopg.OperationalError,)

    def _connect(self) -> Any:
        import psycopg

        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError as error:
            raise StoreUnavailable(f"cannot reach the PostgreSQL database ({error})") from None

    def _reconnect(self) -> None:
        if self.conn.closed:
            self.conn = self._connect()

    def _sql(self, sql: str) -> str:
        return (
            sql.replace("%", "%%")
            .replace("?", "%s")
            .replace(" BLOB", " BYTEA")
            .replace(" INTEGER", " BIGINT")
        )

    def _raw_execute(self, sql: str, params: Sequence[Any]) -> list[Row]:
        cursor = self.conn.execute(sql, tuple(params))
        return [tuple(row) for row in cursor.fetchall()] if cursor.description else []

    def _raw_executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.conn.cursor() as cursor:
            cursor.executemany(sql, [tuple(row) for row in rows])

    def _raw_records(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, tuple(params))
        names = [c.name for c in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _begin(self) -> None:
        self.conn.execute("BEGIN")

    def _commit(self) -> None:
        self.conn.execute("COMMIT")

    def _rollback(self) -> None:
        # A lost connection rolled the transaction back already.
        if not self.conn.closed:
            with suppress(*self.unavailable):
                self.conn.execute("ROLLBACK")

    def close(self) -> None:
        # After any statement in flight on another thread (the xAPI forwarder): closing
        # a connection under a running statement is undefined behaviour in SQLite.
        with self.lock:
            self.conn.close()


def open_store(url: str) -> Store:
    """``postgresql://...`` for PostgreSQL, anything else is a SQLite file path."""
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresStore(url)
    return SqliteStore(url.removeprefix("sqlite:///"))


def _fill_expiry(store: Store) -> None:
    """Credentials stored before their expiry was a column: read it from their bytes."""
    rows = store.records(
        "SELECT credential_id, node_id, cose FROM credentials WHERE expires_at IS NULL"
    )
    store.executemany(
        "UPDATE credentials SET expires_at = ? WHERE credential_id = ? AND node_id = ?",
        [(stored_expiry(bytes(r["cose"])), r["credential_id"], r["node_id"]) for r in rows],
    )


MIGRATIONS: list[tuple[str, list[str | Callable[[Store], None]]]] = [
    (
        "0001_nodes",
        [
            """CREATE TABLE nodes (
                node_id TEXT PRIMARY KEY, name TEXT NOT NULL, organisation TEXT NOT NULL,
                enrolled_at INTEGER NOT NULL, revoked_at INTEGER, alert TEXT)""",
            """CREATE TABLE node_certs (
                kid BLOB PRIMARY KEY, node_id TEXT NOT NULL REFERENCES nodes(node_id),
                public_key BLOB NOT NULL, modules TEXT NOT NULL, not_before INTEGER NOT NULL,
                not_after INTEGER NOT NULL, certificate BLOB NOT NULL,
                issued_at INTEGER NOT NULL)""",
            "CREATE INDEX node_certs_node ON node_certs (node_id)",
        ],
    ),
    (
        "0002_events",
        [
            """CREATE TABLE branches (
                node_id TEXT NOT NULL, branch INTEGER NOT NULL, parent INTEGER,
                base_seq INTEGER NOT NULL, tip_seq INTEGER NOT NULL, tip_hash BLOB NOT NULL,
                held INTEGER NOT NULL, created_at INTEGER NOT NULL,
                PRIMARY KEY (node_id, branch))""",
            """CREATE TABLE events (
                node_id TEXT NOT NULL, branch INTEGER NOT NULL, seq INTEGER NOT NULL,
                type TEXT NOT NULL, at INTEGER NOT NULL, clock_quality TEXT NOT NULL,
                body BLOB NOT NULL, hash BLOB NOT NULL, received_at INTEGER NOT NULL,
                not_before INTEGER, time_flag INTEGER NOT NULL, held INTEGER NOT NULL,
                quarantine TEXT, PRIMARY KEY (node_id, branch, seq))""",
            """CREATE TABLE anchors (
                node_id TEXT NOT NULL, head_seq INTEGER NOT NULL, hub_time INTEGER NOT NULL,
                PRIMARY KEY (node_id, head_seq))""",
        ],
    ),
    (
        "0003_results",
        [
            """CREATE TABLE learners (
                node_id TEXT NOT NULL, learner_id TEXT NOT NULL, code TEXT, name TEXT NOT NULL,
                match_key TEXT, gender TEXT, birth_year INTEGER, village TEXT, language TEXT,
                registered_at INTEGER NOT NULL, merged_into TEXT,
                PRIMARY KEY (node_id, learner_id))""",
            "CREATE INDEX learners_match ON learners (match_key)",
            """CREATE TABLE learner_links (
                node_a TEXT NOT NULL, learner_a TEXT NOT NULL, node_b TEXT NOT NULL,
                learner_b TEXT NOT NULL, basis TEXT NOT NULL, status TEXT NOT NULL,
                PRIMARY KEY (node_a, learner_a, node_b, learner_b))""",
            """CREATE TABLE sittings (
                node_id TEXT NOT NULL, sitting_id TEXT NOT NULL, learner_id TEXT NOT NULL,
                module_id TEXT NOT NULL, module_version TEXT NOT NULL, route TEXT NOT NULL,
                score_percent INTEGER NOT NULL, passed INTEGER NOT NULL,
                submitted_at INTEGER NOT NULL, checklist_score INTEGER, checklist_passed INTEGER,
                PRIMARY KEY (node_id, sitting_id))""",
            "CREATE INDEX sittings_module ON sittings (module_id)",
            """CREATE TABLE credentials (
                credential_id TEXT NOT NULL, node_id TEXT NOT NULL, seq INTEGER NOT NULL,
                learner_id TEXT NOT NULL, subject TEXT NOT NULL, module_id TEXT NOT NULL,
                module_version TEXT NOT NULL, pathway INTEGER NOT NULL,
                score_percent INTEGER NOT NULL, issued_at INTEGER NOT NULL,
                not_before INTEGER, received_at INTEGER NOT NULL, time_flag INTEGER NOT NULL,
                status_index INTEGER NOT NULL, status TEXT NOT NULL, revoked_at INTEGER,
                revocation_reason TEXT, cose BLOB NOT NULL,
                PRIMARY KEY (credential_id, node_id))""",
            "CREATE INDEX credentials_module ON credentials (module_id)",
            "CREATE INDEX credentials_learner ON credentials (node_id, learner_id)",
        ],
    ),
    (
        "0004_outbound",
        [
            """CREATE TABLE pull_items (
                item_id INTEGER PRIMARY KEY, node_id TEXT, kind TEXT NOT NULL,
                data BLOB NOT NULL, created_at INTEGER NOT NULL)""",
            """CREATE TABLE xapi_outbox (
                node_id TEXT NOT NULL, kind TEXT NOT NULL, ref TEXT NOT NULL,
                created_at INTEGER NOT NULL, attempts INTEGER NOT NULL,
                next_attempt_at INTEGER NOT NULL, sent_at INTEGER, last_error TEXT,
                PRIMARY KEY (node_id, kind, ref))""",
            "CREATE INDEX xapi_due ON xapi_outbox (sent_at, next_attempt_at)",
        ],
    ),
    (
        "0005_staff",
        [
            """CREATE TABLE staff (
                username TEXT PRIMARY KEY, password_hash TEXT NOT NULL,
                organisation TEXT NOT NULL, created_at INTEGER NOT NULL)""",
            """CREATE TABLE api_tokens (
                token_hash TEXT PRIMARY KEY, organisation TEXT NOT NULL, label TEXT NOT NULL,
                created_at INTEGER NOT NULL)""",
        ],
    ),
    (
        "0006_fork_decisions",
        [
            # A staff decision on a held fork branch: who, when, why. One per branch.
            """CREATE TABLE fork_decisions (
                node_id TEXT NOT NULL, branch INTEGER NOT NULL, decision TEXT NOT NULL,
                reason TEXT NOT NULL, staff TEXT NOT NULL, decided_at INTEGER NOT NULL,
                PRIMARY KEY (node_id, branch))""",
        ],
    ),
    (
        "0007_recognitions",
        [
            # A node accepted a credential another node issued, for one of its learners.
            """CREATE TABLE recognitions (
                node_id TEXT NOT NULL, seq INTEGER NOT NULL, learner_id TEXT NOT NULL,
                issuer_node TEXT NOT NULL, credential_id TEXT NOT NULL, module_id TEXT NOT NULL,
                recognised_at INTEGER NOT NULL,
                PRIMARY KEY (node_id, learner_id, issuer_node, credential_id))""",
            "CREATE INDEX recognitions_credential ON recognitions (issuer_node, credential_id)",
        ],
    ),
    (
        "0008_status_slots",
        [
            # The highest revocation slot (status index) the hub has seen from a node on
            # any branch; the hub's hello tells the node, which never hands out one below.
            "ALTER TABLE nodes ADD COLUMN slot_floor INTEGER",
            "UPDATE nodes SET slot_floor = (SELECT max(status_index) FROM credentials c "
            "WHERE c.node_id = nodes.node_id)",
            "CREATE INDEX credentials_slot ON credentials (node_id, status_index)",
            # Two credentials in results on one slot (a restored node issued before it
            # synced): revoking either revokes both. Recorded from the later one.
            """CREATE TABLE shared_slots (
                node_id TEXT NOT NULL, status_index INTEGER NOT NULL,
                credential_id TEXT NOT NULL, other_id TEXT NOT NULL, found_at INTEGER NOT NULL,
                PRIMARY KEY (node_id, credential_id, other_id))""",
            "CREATE INDEX shared_slots_other ON shared_slots (node_id, other_id)",
        ],
    ),
    (
        "0009_alert_detail",
        [
            # A node's alert as its code and parameters (JSON, ``sync.alerts``), which the
            # staff pages render in the reader's language; ``alert`` keeps the English.
            "ALTER TABLE nodes ADD COLUMN alert_detail TEXT",
            # A fork alert names the newest branch (each new branch rewrites it); kept as
            # text unless it reads exactly as that branch's alert.
            """UPDATE nodes SET alert_detail = (
                SELECT '{"branch": ' || b.branch || ', "code": "fork", "seq": ' || b.base_seq
                || '}' FROM branches b WHERE b.node_id = nodes.node_id
                AND b.branch = (SELECT max(m.branch) FROM branches m
                    WHERE m.node_id = nodes.node_id)
                AND nodes.alert LIKE 'fork: this node''s log differs from what the hub '
                || 'already holds after seq ' || b.base_seq || ' (restored from an old '
                || 'backup, or a cloned card_). Its events are kept but held for staff '
                || 'review (branch ' || b.branch || ')')
            WHERE alert LIKE 'fork: %'""",
            # The two numbers of a lost-events alert, between its fixed words (anything
            # else between them does not read as an alert and stays text).
            """UPDATE nodes SET alert_detail = '{"code": "restored", "head": '
                || replace(replace(replace(alert, 'this node''s log ends at seq ', ''),
                    ' but the hub holds up to ', ', "tip": '),
                    ': it was restored from an old backup; what it records next will be '
                    || 'held for review', '')
                || '}'
            WHERE alert LIKE 'this node''s log ends at seq % but the hub holds up to %: it '
                || 'was restored from an old backup; what it records next will be held '
                || 'for review'""",
        ],
    ),
    (
        "0010_node_cert_history",
        [
            # Every certificate the hub issued a node key, renewals included (``seq`` 1, 2,
            # ... per key): a credential is checked against the one valid when it was
            # issued, so none may be dropped. ``node_certs`` keeps each key's latest.
            """CREATE TABLE node_cert_history (
                kid BLOB NOT NULL, seq INTEGER NOT NULL,
                node_id TEXT NOT NULL REFERENCES nodes(node_id), certificate BLOB NOT NULL,
                issued_at INTEGER NOT NULL, PRIMARY KEY (kid, seq))""",
            """INSERT INTO node_cert_history (kid, seq, node_id, certificate, issued_at)
                SELECT kid, 1, node_id, certificate, issued_at FROM node_certs""",
        ],
    ),
    (
        "0011_reissues",
        [
            # Staff asked the node to issue this credential again on a revocation slot of
            # its own (it shares one). The node's replacement fills replacement_id and the
            # credential's status becomes 'replaced' (revoked, if it was revoked meanwhile).
            """CREATE TABLE reissues (
                node_id TEXT NOT NULL, credential_id TEXT NOT NULL, staff TEXT NOT NULL,
                reason TEXT NOT NULL, requested_at INTEGER NOT NULL, replacement_id TEXT,
                replaced_at INTEGER, PRIMARY KEY (node_id, credential_id))""",
        ],
    ),
    (
        "0012_sittings_learner",
        [
            # Equity figures and a learner's page look sittings up by learner: without it
            # every learner scanned every sitting (35 s for 10,000 learners).
            "CREATE INDEX sittings_learner ON sittings (node_id, learner_id)",
        ],
    ),
    (
        "0013_login_failures",
        [
            # Failed staff log-ins per username and per client address, for the lockout.
            """CREATE TABLE login_failures (
                key TEXT PRIMARY KEY, failures INTEGER NOT NULL, first_at INTEGER NOT NULL,
                locked_until INTEGER NOT NULL)""",
        ],
    ),
    (
        "0014_staff_sessions",
        [
            # A session per log-in, so that logging out ends it on the hub (a copied cookie
            # stops working), and a new password or a disabled account ends them all.
            "ALTER TABLE staff ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0",
            """CREATE TABLE staff_sessions (
                id TEXT PRIMARY KEY, username TEXT NOT NULL, created_at INTEGER NOT NULL,
                last_seen_at INTEGER NOT NULL, ended_at INTEGER)""",
            "CREATE INDEX staff_sessions_username ON staff_sessions (username, ended_at)",
        ],
    ),
    (
        "0015_revoked_by",
        [
            # Who revoked a credential at the hub, for the audit record (empty for one its
            # centre revoked, or revoked before the hub kept this).
            "ALTER TABLE credentials ADD COLUMN revoked_by TEXT",
        ],
    ),
    (
        "0016_credential_expiry",
        [
            # A credential's expiry as a column, so that pages and the LMS's results need
            # not decode every credential to tell an expired one; NEVER_EXPIRES for none.
            "ALTER TABLE credentials ADD COLUMN expires_at INTEGER",
            _fill_expiry,
        ],
    ),
]


def migrate(store: Store) -> list[str]:
    """Apply pending migrations by name; return the names applied. Safe to re-run."""
    store.execute(
        "CREATE TABLE IF NOT EXISTS hub_migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
    )
    done = {row["name"] for row in store.records("SELECT name FROM hub_migrations")}
    applied = []
    for name, statements in MIGRATIONS:
        if name in done:
            continue
        with store.transaction():
            for statement in statements:
                if callable(statement):
                    statement(store)
                else:
                    store.execute(statement)
            store.execute(
                "INSERT INTO hub_migrations (name, applied_at) VALUES (?, CURRENT_TIMESTAMP)",
                [name],
            )
        applied.append(name)
    return applied
