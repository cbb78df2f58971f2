"""Where a registry credential stands: its ``status`` column (active, revoked, replaced),
and expired once its ``expires_at`` column (the claims' expiry, kept when the credential
is stored) has passed. The one place the hub's pages and exports ask before they treat a
credential as valid."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from credentials.i18n import N_
from hub.expiry import NEVER_EXPIRES
from sync.errors import SyncError

ACTIVE = "active"
EXPIRED = "expired"

ICONS = {ACTIVE: "✓", "revoked": "✗", "replaced": "↻", EXPIRED: "⌛"}

ALERTS = {
    "revoked": N_("Revoked: this credential is no longer valid. Reason: {reason}"),
    "replaced": N_(
        "Replaced: the centre issued this credential again; the holder's credential is the new one."
    ),
    EXPIRED: N_("Expired on {date}: this credential is no longer valid."),
}
"""What a credential's page says first when it is not active."""


class NotValid(SyncError):
    """An export of a credential that is revoked, replaced or expired."""

    status = 410
    reason = "credential_not_valid"


def _expiry(entry: dict[str, Any]) -> datetime | None:
    value = entry.get("expires_at")
    if value is None or value >= NEVER_EXPIRES:
        return None
    return datetime.fromtimestamp(int(value), UTC)


def state(entry: dict[str, Any], now: datetime) -> str:
    """``entry``'s state: its registry status, or ``expired`` for an active credential
    whose ``expires_at`` has passed."""
    status = str(entry["status"])
    if status != ACTIVE:
        return status
    expiry = _expiry(entry)
    return EXPIRED if expiry is not None and now >= expiry else ACTIVE


def word(t: Any, found: str) -> str:
    """The state's icon and word in the reader's language (``t``: a page's translator)."""
    return f"{ICONS.get(found, '')} {t(found)}".strip()


def alert(t: Any, entry: dict[str, Any], found: str) -> str | None:
    if found == ACTIVE or found not in ALERTS:
        return None
    expiry = _expiry(entry) if found == EXPIRED else None
    return str(
        t(
            ALERTS[found],
            reason=entry.get("revocation_reason") or "",
            date=expiry.date().isoformat() if expiry else "",
        )
    )


def require_valid(entry: dict[str, Any], now: datetime) -> None:
    """:class:`NotValid`, with the reason, for an export of a credential not active."""
    found = state(entry, now)
    credential = entry["credential_id"]
    if found == "revoked":
        reason = entry.get("revocation_reason") or "no reason recorded"
        raise NotValid(f"credential {credential} is revoked ({reason}): it is not exported")
    if found == "replaced":
        raise NotValid(
            f"credential {credential} was issued again on a slot of its own: export the "
            "replacement instead"
        )
    if found == EXPIRED:
        expiry = _expiry(entry)
        day = expiry.date().isoformat() if expiry else "?"
        raise NotValid(f"credential {credential} expired on {day}: it is not exported")


def with_states(rows: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """A module's results (:func:`hub.reports.module_results`) with each credential's
    state in ``credential_status`` (expired included) and its bytes left out."""
    shown = []
    for row in rows:
        expires_at = row.pop("credential_expires_at", None)
        status = row.get("credential_status")
        if status is not None:
            row["credential_status"] = state({"status": status, "expires_at": expires_at}, now)
        shown.append(row)
    return shown
