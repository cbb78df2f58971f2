"""Sessions ended by logging out: the node's one piece of session state.

A session is a signed cookie or bearer token (``edge_node.web.security``) carrying a
random nonce. Logging out records the nonce here until the session would have expired
anyway, so a copy of the cookie (a shared tablet, an open hotspot) stops working; other
sessions of the same account go on. A new password or a disabled account ends them all
(``accounts.session_role``).
"""

from __future__ import annotations

from sqlite_utils import Database

from edge_node.storage import transaction


def end_session(db: Database, nonce: str, *, now: float, expires_at: float) -> None:
    """Record that the session with ``nonce`` has ended (and forget ended sessions that
    have expired since)."""
    with transaction(db):
        db.execute("DELETE FROM ended_sessions WHERE expires_at < ?", [now])
        db.execute(
            "INSERT OR IGNORE INTO ended_sessions (nonce, ended_at, expires_at) VALUES (?, ?, ?)",
            [nonce[:64], now, expires_at],
        )


def session_ended(db: Database, nonce: str) -> bool:
    row = db.execute("SELECT 1 FROM ended_sessions WHERE nonce = ?", [nonce[:64]]).fetchone()
    return row is not None
