"""Staff logins (argon2 password hashes), their sessions, and API tokens scoped to one
organisation.

A staff session is a row of ``staff_sessions`` (created, last seen, ended); the signed
cookie carries only its random id. Logging out ends that session alone; a new password
or disabling the account ends every session of the account.
"""

from __future__ import annotations

import hashlib
import secrets
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from credentials.i18n import counted, english
from hub.store import Store
from sync.errors import BadRequest, NotFound, SyncError

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
    row = store.record(
        "SELECT password_hash, organisation FROM staff WHERE username = ? AND disabled = 0",
        [username],
    )
    try:
        # An unknown name costs the same hashing as a wrong password: the time taken must
        # not tell which usernames exist.
        _hasher.verify(_UNKNOWN if row is None else str(row["password_hash"]), password)
        if row is None:
            raise VerificationError
    except (VerificationError, InvalidHashError):
        raise NotAuthenticated("wrong username or password") from None
    return str(row["organisation"])


class LoginLocked(SyncError):
    """Too many failed log-ins for this username from this address, or for this username
    from everywhere: refused for a while, whatever the password."""

    status = 429
    reason = "locked"
    template = counted(
        "Too many failed log-ins. Try again in {n} minute.",
        "Too many failed log-ins. Try again in {n} minutes.",
    )

    def __init__(self, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        self.params = {"n": -(-retry_after_s // 60)}
        super().__init__(english(self.template, **self.params))


FREE_FAILURES = 10
"""Failures for a username, from every address together, before each further guess waits."""
MAX_DELAY_S = 120
"""The longest wait between two guesses at one username: it slows guessing, never locks."""
QUIET_S = 3600
"""A username whose last failure is this old starts counting again from zero."""


def _pair_key(username: str, client: str) -> str:
    # Length-prefixed: no username or address can pass for another pair.
    client = client[:100]
    return f"pair:{len(client)}:{client}:{username[:200]}"


def _user_key(username: str) -> str:
    return f"user:{username[:200]}"


def user_delay_s(failures: int) -> int:
    """The wait after a username's ``failures`` recent failures: none for the first
    ``FREE_FAILURES``, then 1, 2, 4 ... seconds up to ``MAX_DELAY_S``."""
    if failures < FREE_FAILURES:
        return 0
    return int(min(2 ** min(failures - FREE_FAILURES, 16), MAX_DELAY_S))


def log_in(
    store: Store,
    username: str,
    password: str,
    *,
    client: str,
    now: int,
    known_device: bool = False,
) -> str:
    """:func:`check_login`, throttled two ways (:class:`LoginLocked`, before any password
    is checked):

    * one username from one address: after ``MAX_FAILURES`` failures within ``LOCKOUT_S``,
      refused for ``LOCKOUT_S``;
    * one username from every address together: after ``FREE_FAILURES`` failures each
      guess waits longer, up to ``MAX_DELAY_S``, until the username has had no failure
      for ``QUIET_S``. This slows guessing (30 an hour at most) but never locks: the
      staff member gets in from another address within ``MAX_DELAY_S``, and at once from
      a ``known_device`` (a browser that has logged in as them before), which the
      username's wait does not hold back.

    A success forgets its own address's failures for the username, and is not counted
    against the username."""
    pair, user = _pair_key(username, client), _user_key(username)
    with store.transaction():
        # Checked and counted in one transaction, before the password is: guesses sent
        # together each find the others' counts (the store takes one at a time).
        keys = [pair] if known_device else [pair, user]
        marks = ", ".join("?" * len(keys))
        locked = store.scalar(
            f"SELECT max(locked_until) FROM login_failures WHERE key IN ({marks})", keys
        )
        if locked is not None and int(locked) > now:
            raise LoginLocked(int(locked) - now)
        _record_failures(store, pair, user, now)
    organisation = check_login(store, username, password)
    with store.transaction():
        # Not a failure after all.
        store.execute("DELETE FROM login_failures WHERE key = ?", [pair])
        store.execute(
            "UPDATE login_failures SET failures = failures - 1 WHERE key = ? AND failures > 0",
            [user],
        )
    return organisation


def _record_failures(store: Store, pair: str, user: str, now: int) -> None:
    with store.transaction():
        failures, first_at = _failures(store, pair)
        if now - first_at > LOCKOUT_S:
            failures, first_at = 0, now
        failures += 1
        _set_failures(
            store, pair, failures, first_at, now + LOCKOUT_S if failures >= MAX_FAILURES else 0
        )
        # For the username, ``first_at`` holds its latest failure.
        failures, last_at = _failures(store, user)
        failures = 1 if now - last_at > QUIET_S else failures + 1
        _set_failures(store, user, failures, now, now + user_delay_s(failures))


def _failures(store: Store, key: str) -> tuple[int, int]:
    row = store.record("SELECT failures, first_at FROM login_failures WHERE key = ?", [key])
    return (0, 0) if row is None else (int(row["failures"]), int(row["first_at"]))


def _set_failures(store: Store, key: str, failures: int, first_at: int, locked_until: int) -> None:
    store.execute(
        "INSERT INTO login_failures (key, failures, first_at, locked_until) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
        "failures = excluded.failures, first_at = excluded.first_at, "
        "locked_until = excluded.locked_until",
        [key, failures, first_at, locked_until],
    )


SESSION_MAX_AGE_S = 12 * 3600
SEEN_EVERY_S = 60
"""A session's ``last_seen_at`` is written at most this often (not on every page)."""
KEEP_SESSIONS_S = 30 * 86400
"""Session rows older than this are deleted when a new session starts."""


def start_session(store: Store, username: str, *, now: int) -> str:
    """A new session for a staff member who has just logged in: its id, for the cookie."""
    session_id = secrets.token_urlsafe(24)
    with store.transaction():
        store.execute("DELETE FROM staff_sessions WHERE created_at < ?", [now - KEEP_SESSIONS_S])
        store.execute(
            "INSERT INTO staff_sessions (id, username, created_at, last_seen_at) "
            "VALUES (?, ?, ?, ?)",
            [session_id, username, now, now],
        )
    return session_id


def session_staff(store: Store, session_id: str, *, now: int) -> tuple[str, str] | None:
    """The username and organisation of a session still running (not ended, not older
    than ``SESSION_MAX_AGE_S``, its account not disabled), or None."""
    row = store.record(
        "SELECT s.username, st.organisation, s.last_seen_at FROM staff_sessions s "
        "JOIN staff st ON st.username = s.username "
        "WHERE s.id = ? AND s.ended_at IS NULL AND s.created_at > ? AND st.disabled = 0",
        [session_id[:100], now - SESSION_MAX_AGE_S],
    )
    if row is None:
        return None
    if now - int(row["last_seen_at"]) >= SEEN_EVERY_S:
        with store.transaction():
            store.execute(
                "UPDATE staff_sessions SET last_seen_at = ? WHERE id = ?", [now, session_id]
            )
    return str(row["username"]), str(row["organisation"])


def end_session(store: Store, session_id: str, *, now: int) -> None:
    """Log out: this session ends; the account's other sessions go on."""
    with store.transaction():
        store.execute(
            "UPDATE staff_sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL",
            [now, session_id[:100]],
        )


def _end_every_session(store: Store, username: str, now: int) -> None:
    store.execute(
        "UPDATE staff_sessions SET ended_at = ? WHERE username = ? AND ended_at IS NULL",
        [now, username],
    )


def _existing(store: Store, username: str) -> None:
    if store.one("SELECT 1 FROM staff WHERE username = ?", [username]) is None:
        raise NotFound(f"no staff account {username!r}")


def set_password(store: Store, username: str, password: str, *, now: int) -> None:
    """A new password: every session of the account ends, and its failed log-ins are
    forgotten."""
    if len(password) < MIN_PASSWORD:
        raise BadRequest(f"the password must have {MIN_PASSWORD} characters or more")
    password_hash = _hasher.hash(password)
    with store.transaction():
        _existing(store, username)
        store.execute(
            "UPDATE staff SET password_hash = ? WHERE username = ?", [password_hash, username]
        )
        _end_every_session(store, username, now)
        store.execute("DELETE FROM login_failures WHERE key = ?", [_user_key(username)])


def set_disabled(store: Store, username: str, disabled: bool, *, now: int) -> None:
    """Disable an account (it cannot log in; every session of it ends) or enable it again."""
    with store.transaction():
        _existing(store, username)
        store.execute("UPDATE staff SET disabled = ? WHERE username = ?", [int(disabled), username])
        _end_every_session(store, username, now)


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


def remove_tokens(store: Store, label: str) -> int:
    """Remove the API tokens with this label (a leaked one, a retired system): they are
    refused from then on. How many there were."""
    with store.transaction():
        count = int(store.scalar("SELECT count(*) FROM api_tokens WHERE label = ?", [label]))
        store.execute("DELETE FROM api_tokens WHERE label = ?", [label])
    return count


def token_organisation(store: Store, token: str) -> str:
    value = store.scalar(
        "SELECT organisation FROM api_tokens WHERE token_hash = ?", [_token_hash(token)]
    )
    if value is None:
        raise NotAuthenticated("the API token is unknown")
    return str(value)
