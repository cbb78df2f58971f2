"""Staff logins (argon2 password hashes) and API tokens scoped to one organisation."""

from __future__ import annotations

import hashlib
import secrets
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sync.errors import BadRequest, SyncError
from sync.hub.store import Store

_hasher = PasswordHasher()
_UNKNOWN = _hasher.hash("no staff member has this password")
MIN_PASSWORD = 8
MAX_FAILURES = 5
LOCKOUT_S = 15 * 60


class NotAuthenticated(SyncError):
    status = 401
    reason = "not_authenticated"


def add_staff(store: Store, username: str, password: str, organisation: str) -> None:
    if not username.strip():
        raise BadRequest("the username is empty")
    if len(password) < MIN_PASSWORD:
        raise BadRequest(f"the password must have {MIN_PASSWORD} characters or more")
    with store.transaction():
        if store.one("SELECT 1 FROM staff WHERE username = ?", [username]) is not None:
            raise BadRequest(f"staff account {username!r} exists already")
        store.execute(
            "INSERT INTO staff (username, password_hash, organisation, created_at) "
            "VALUES (?, ?, ?, ?)",
            [username, _hasher.hash(password), organisation, int(time.time())],
        )


def check_login(store: Store, username: str, password: str) -> str:
    """The staff member's organisation, or :class:`NotAuthenticated` (same words either way)."""
    row = store.one("SELECT password_hash, organisation FROM staff WHERE username = ?", [username])
    try:
        # An unknown name costs the same hashing as a wrong password: the time taken must
        # not tell which usernames exist.
        _hasher.verify(_UNKNOWN if row is None else str(row[0]), password)
        if row is None:
            raise VerificationError
    except (VerificationError, InvalidHashError):
        raise NotAuthenticated("wrong username or password") from None
    return str(row[1])


class LoginLocked(SyncError):
    """Too many failed log-ins for this username or from this address: refused for a while,
    whatever the password."""

    status = 429
    reason = "locked"
    template = "Too many failed log-ins. Try again in {n} minute(s)."

    def __init__(self, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        self.params = {"n": -(-retry_after_s // 60)}
        super().__init__(self.template.format(**self.params))


def log_in(store: Store, username: str, password: str, *, client: str, now: int) -> str:
    """:func:`check_login`, throttled: after ``MAX_FAILURES`` failures within
    ``LOCKOUT_S`` for the username, or from the client's address, either is refused for
    ``LOCKOUT_S`` (:class:`LoginLocked`). A success forgets both's failures."""
    keys = [f"user:{username[:200]}", f"client:{client[:100]}"]
    marks = ", ".join("?" * len(keys))
    locked = store.scalar(
        f"SELECT max(locked_until) FROM login_failures WHERE key IN ({marks})", keys
    )
    if locked is not None and int(locked) > now:
        raise LoginLocked(int(locked) - now)
    try:
        organisation = check_login(store, username, password)
    except NotAuthenticated:
        _record_failure(store, keys, now)
        raise
    if store.one(f"SELECT 1 FROM login_failures WHERE key IN ({marks})", keys) is not None:
        with store.transaction():
            store.execute(f"DELETE FROM login_failures WHERE key IN ({marks})", keys)
    return organisation


def _record_failure(store: Store, keys: list[str], now: int) -> None:
    with store.transaction():
        for key in keys:
            row = store.one("SELECT failures, first_at FROM login_failures WHERE key = ?", [key])
            failures, first_at = (0, now) if row is None else (int(row[0]), int(row[1]))
            if now - first_at > LOCKOUT_S:
                failures, first_at = 0, now
            failures += 1
            locked_until = now + LOCKOUT_S if failures >= MAX_FAILURES else 0
            store.execute(
                "INSERT INTO login_failures (key, failures, first_at, locked_until) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                "failures = excluded.failures, first_at = excluded.first_at, "
                "locked_until = excluded.locked_until",
                [key, failures, first_at, locked_until],
            )


def staff_organisation(store: Store, username: str) -> str | None:
    value = store.scalar("SELECT organisation FROM staff WHERE username = ?", [username])
    return None if value is None else str(value)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_token(store: Store, label: str, organisation: str) -> str:
    """A new API token (shown once; only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    store.execute(
        "INSERT INTO api_tokens (token_hash, organisation, label, created_at) VALUES (?, ?, ?, ?)",
        [_token_hash(token), organisation, label, int(time.time())],
    )
    return token


def token_organisation(store: Store, token: str) -> str:
    value = store.scalar(
        "SELECT organisation FROM api_tokens WHERE token_hash = ?", [_token_hash(token)]
    )
    if value is None:
        raise NotAuthenticated("the API token is unknown")
    return str(value)
