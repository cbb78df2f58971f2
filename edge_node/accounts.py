"""Worker and admin accounts: argon2 password hashes, throttled log-ins with lockout."""

from __future__ import annotations

import contextlib
import math
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlite_utils import Database

from edge_node.config import PASSWORD_MEMORY_KIB, PASSWORD_TIME_COST, EdgeSettings
from edge_node.errors import BadRequest, Conflict, Locked, NotFound, PinLocked, Unauthorized
from edge_node.storage import Row, first, rows, transaction


@cache
def password_hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    """argon2id at this cost, one lane: the pool already runs two at once on a board's
    few cores (the node's settings give the cost: ``password_time_cost``,
    ``password_memory_kib``)."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)


def hasher_for(settings: EdgeSettings) -> PasswordHasher:
    """The hasher of staff passwords at the cost a node's settings give."""
    return password_hasher(settings.password_time_cost, settings.password_memory_kib)


_hasher = password_hasher(PASSWORD_TIME_COST, PASSWORD_MEMORY_KIB)
"""The cost of hashes made where no node's settings are at hand (argon2 reads the cost of a
hash it checks from the hash itself)."""


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verified against when the username is unknown, so that an unknown user costs the
    same time as a wrong password and the two cannot be told apart (made on first use:
    hashing at import would slow every start-up)."""
    return hasher.hash(secrets.token_hex(16))


USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,31}$"
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256


class Role(StrEnum):
    admin = "admin"
    worker = "worker"


@dataclass(frozen=True)
class Account:
    """An account as the rest of the node sees it: never with its hash."""

    id: str
    username: str
    role: Role
    disabled: bool = False
    session_epoch: int = 0
    """Moves on when the account is disabled or given a new password: sessions signed
    with an earlier epoch no longer count."""


@dataclass(frozen=True)
class Change:
    """One line of the accounts' audit: who (an account's username, or ``terminal``)
    disabled, enabled or set the password of whom, and when."""

    at: str
    by: str
    username: str
    change: str


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadRequest(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise BadRequest(f"The password must be at most {MAX_PASSWORD_LENGTH} characters long")


def check_account(username: str, password: str) -> None:
    """Refuse a username or password an account may not have."""
    if not re.match(USERNAME_PATTERN, username):
        raise BadRequest("The username must be 2–32 letters, digits, dots, dashes or underscores")
    _check_password(password)


def create_account(
    db: Database,
    *,
    username: str,
    password: str,
    role: Role,
    hasher: PasswordHasher | None = None,
) -> Account:
    check_account(username, password)
    account = Account(id=secrets.token_hex(8), username=username, role=Role(role))
    password_hash = (hasher or _hasher).hash(password)
    with transaction(db):
        if first(db, "SELECT 1 FROM accounts WHERE username = ?", [username]):
            raise Conflict(f"The username {username!r} is taken")
        db.table("accounts").insert(
            {
                "id": account.id,
                "username": username,
                "password_hash": password_hash,
                "role": account.role.value,
                "created_at": datetime.now(UTC).isoformat(),
                "disabled": 0,
            }
        )
    return account


_ACCOUNT_COLUMNS = "id, username, role, disabled, session_epoch"


def _account(row: Row) -> Account:
    return Account(
        id=row["id"],
        username=row["username"],
        role=Role(row["role"]),
        disabled=bool(row["disabled"]),
        session_epoch=row["session_epoch"],
    )


def list_accounts(db: Database) -> list[Account]:
    found = db.query(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts ORDER BY username")
    return [_account(r) for r in found]


def get_account(db: Database, account_id: str) -> Account:
    row = first(db, f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE id = ?", [account_id])
    if row is None:
        raise NotFound("No such account")
    return _account(row)


def session_role(db: Database, account_id: str, epoch: int) -> Role | None:
    """The role of a staff session's account, or None when the account is disabled or
    its epoch has moved on since the session began (one primary-key lookup a request)."""
    row = first(
        db,
        "SELECT role FROM accounts WHERE id = ? AND disabled = 0 AND session_epoch = ?",
        [account_id, epoch],
    )
    return None if row is None else Role(row["role"])


def _log_change(db: Database, *, at: datetime, by: str, username: str, change: str) -> None:
    db.execute(
        "INSERT INTO account_changes (at, by, account_id, change) "
        "SELECT ?, ?, id, ? FROM accounts WHERE username = ?",
        [at.isoformat(timespec="seconds"), by, change, username],
    )


def set_disabled(
    db: Database, account_id: str, disabled: bool, *, by: str, at: datetime
) -> Account:
    """Disable (or enable again) an account, by the admin whose id is ``by``, at the
    node's time ``at``; either way the sessions it held end. The last enabled admin
    stays: without one, no one could set the node's clock. Asking for what already is
    (enabling an enabled account) changes nothing and logs nothing."""
    with transaction(db):
        account = get_account(db, account_id)
        if account.disabled == disabled:
            return account
        if disabled and account.role is Role.admin and not account.disabled:
            admins = db.table("accounts").count_where("role = 'admin' AND disabled = 0")
            if admins <= 1:
                raise Conflict(
                    "The last enabled admin cannot be disabled: no one could set the clock"
                )
        db.execute(
            "UPDATE accounts SET disabled = ?, session_epoch = session_epoch + 1 WHERE id = ?",
            [int(disabled), account_id],
        )
        change = "disabled" if disabled else "enabled"
        _log_change(db, at=at, by=by, username=account.username, change=change)
    return get_account(db, account_id)


def recent_changes(db: Database, limit: int = 20) -> list[Change]:
    found = rows(
        db,
        "SELECT c.at, coalesce(b.username, c.by) AS by_name, a.username, c.change "
        "FROM account_changes c JOIN accounts a ON a.id = c.account_id "
        "LEFT JOIN accounts b ON b.id = c.by ORDER BY c.id DESC LIMIT ?",
        [limit],
    )
    return [
        Change(at=r["at"], by=r["by_name"], username=r["username"], change=r["change"])
        for r in found
    ]


def set_password(
    db: Database,
    username: str,
    password: str,
    *,
    at: datetime,
    by: str = "terminal",
    hasher: PasswordHasher | None = None,
) -> Account:
    """Give an account a new password, end its sessions and lift its lockout (``edge
    set-password``, for whoever holds the node's terminal); a disabled account stays
    disabled."""
    _check_password(password)
    row = first(db, f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE username = ?", [username])
    if row is None:
        raise NotFound(f"No account is named {username!r}")
    password_hash = (hasher or _hasher).hash(password)
    with transaction(db):
        db.execute(
            "UPDATE accounts SET password_hash = ?, session_epoch = session_epoch + 1 WHERE id = ?",
            [password_hash, row["id"]],
        )
        _clear_account_failures(db, username)
        _log_change(db, at=at, by=by, username=username, change="password set")
    return get_account(db, row["id"])


@dataclass(frozen=True)
class Throttle:
    """How wrong guesses at one thing (a password, a PIN, codes from one address) are
    slowed. The first ``max_failures`` cost nothing; after each further one the next try
    waits ``first_wait_s``, twice as long each time, never longer than ``lockout_s``. The
    count is forgotten ``window_s`` after its first failure (with None, only when
    cleared); with ``lock_at``, that many failures lock until cleared."""

    max_failures: int = 5
    lockout_s: int = 15 * 60
    first_wait_s: int = 60
    window_s: int | None = 24 * 3600
    lock_at: int | None = None

    def params(self, key: str, now: float) -> dict[str, Any]:
        return {
            "key": key,
            "now": now,
            "free": self.max_failures,
            "first": self.first_wait_s,
            "longest": self.lockout_s,
            "window": self.window_s,
        }


def _wait_after(count: str) -> str:
    """SQL for the wait after the ``count``-th failure (see :class:`Throttle`)."""
    return (
        f"CASE WHEN {count} < :free THEN 0 "
        f"ELSE min(:longest, :first * (1 << min({count} - :free, 30))) END"
    )


_FORGOTTEN = ":window IS NOT NULL AND abs(:now - first_at) > :window"
_COUNT = f"(CASE WHEN {_FORGOTTEN} THEN 1 ELSE failures + 1 END)"
# One statement counts the failure and sets the wait: guesses made at the same moment (the
# web's threads, the node's other connections) are each counted, none lost.
_RECORD_FAILURE = (
    "INSERT INTO login_failures (key, failures, first_at, locked_until) "
    f"VALUES (:key, 1, :now, :now + {_wait_after('1')}) "
    f"ON CONFLICT(key) DO UPDATE SET failures = {_COUNT}, "
    f"first_at = CASE WHEN {_FORGOTTEN} THEN :now ELSE first_at END, "
    f"locked_until = :now + {_wait_after(_COUNT)}"
)


def check_not_locked(
    db: Database, keys: list[str], now: float, throttle: Throttle | None = None
) -> None:
    """Refuse a try while one of ``keys`` must wait (:class:`Locked`, with how long) or is
    locked (:class:`PinLocked`)."""
    throttle = throttle or Throttle()
    for key in keys:
        row = first(
            db, "SELECT failures, first_at, locked_until FROM login_failures WHERE key = ?", [key]
        )
        if row is None:
            continue
        failures, first_at, until = row["failures"], row["first_at"], row["locked_until"]
        forgotten = throttle.window_s is not None and abs(now - first_at) > throttle.window_s
        if throttle.lock_at is not None and failures >= throttle.lock_at and not forgotten:
            raise PinLocked()
        # A wait longer than the longest one means the clock went back (a board after a
        # power cut): it is not kept for years.
        if until and now < until <= now + throttle.lockout_s:
            raise Locked(retry_after_s=math.ceil(until - now))


def record_failure(db: Database, keys: list[str], now: float, throttle: Throttle) -> None:
    with transaction(db):
        for key in keys:
            db.execute(_RECORD_FAILURE, throttle.params(key, now))


def _user_key(username: str) -> str:
    """The key all failed log-ins at an account are counted under (whatever its case)."""
    return f"user:{username.lower()[:64]}"


def _pair_key(username: str, client: str) -> str:
    """The key the failed log-ins at an account from one address are counted under."""
    return f"{_user_key(username)}@{client[:64]}"


def clear_failures(db: Database, keys: list[str]) -> None:
    """Forget the failures of these keys; writes only when there are some, so that staff
    can still log in and read what the node holds when its card has turned read-only."""
    marks = ", ".join("?" * len(keys))
    if first(db, f"SELECT 1 FROM login_failures WHERE key IN ({marks})", keys):
        with transaction(db):
            db.execute(f"DELETE FROM login_failures WHERE key IN ({marks})", keys)


def _clear_account_failures(db: Database, username: str) -> None:
    """Forget every failed log-in at an account, from every address."""
    prefix = _pair_key(username, "")
    db.execute(
        "DELETE FROM login_failures WHERE key = ? OR substr(key, 1, ?) = ?",
        [_user_key(username), len(prefix), prefix],
    )


def account_ceiling(throttle: Throttle) -> Throttle:
    """The limit on failed log-ins at one account from all addresses together: four times
    as many an hour as one address gets without waiting, then waits as long as one
    address's; it slows guessing from many addresses down and never locks anyone out."""
    return replace(throttle, max_failures=throttle.max_failures * 4, window_s=3600)


def authenticate(
    db: Database,
    *,
    username: str,
    password: str,
    client: str,
    throttle: Throttle | None = None,
    now: float | None = None,
    hasher: PasswordHasher | None = None,
) -> Account:
    """Check a username and password. Failures are counted per account and address
    (``throttle``), and per account from all addresses (:func:`account_ceiling`); past
    their free tries each makes the next wait longer. A success clears only the count of
    its own address: someone's log-in elsewhere leaves an attacker's count as it is; and
    a hash made at another cost than ``hasher``'s is made again at its cost."""
    throttle = throttle or Throttle()
    hasher = hasher or _hasher
    now = time.time() if now is None else now
    pair, account = _pair_key(username, client), _user_key(username)
    check_not_locked(db, [pair], now, throttle)
    ceiling = account_ceiling(throttle)
    check_not_locked(db, [account], now, ceiling)
    row = first(
        db,
        f"SELECT {_ACCOUNT_COLUMNS}, password_hash FROM accounts "
        "WHERE username = ? AND disabled = 0",
        [username],
    )
    stored = row["password_hash"] if row else _dummy_hash(hasher)
    ok: bool
    try:
        ok = hasher.verify(stored, password[:MAX_PASSWORD_LENGTH])
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None:
        with transaction(db):
            record_failure(db, [pair], now, throttle)
            record_failure(db, [account], now, ceiling)
        raise Unauthorized("Wrong username or password")
    clear_failures(db, [pair])
    if hasher.check_needs_rehash(stored):
        _rehash(db, row["id"], stored, hasher.hash(password[:MAX_PASSWORD_LENGTH]))
    return _account(row)


def _rehash(db: Database, account_id: str, old: str, new: str) -> None:
    """Store a password's hash made again at the node's cost; on a card turned read-only
    it stays as it was (still checked, made again at a later log-in)."""
    with contextlib.suppress(sqlite3.OperationalError), transaction(db):
        db.execute(
            "UPDATE accounts SET password_hash = ? WHERE id = ? AND password_hash = ?",
            [new, account_id, old],
        )


def verify_secret(stored: str, secret: str) -> bool:
    """Check a secret against its argon2 hash (argon2 compares in constant time): learners'
    PINs hashed before ``edge_node.pin_hashes``."""
    try:
        return _hasher.verify(stored, secret)
    except (VerificationError, InvalidHashError):
        return False
