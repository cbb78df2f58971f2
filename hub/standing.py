"""Where a registry credential stands: its ``status`` column (active, revoked, replaced),
and expired once its claims' expiry has passed. The one place the hub's pages and exports
ask before they treat a credential as valid."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from credentials.claims import decode_claims
from credentials.cose import decode_sign1
from credentials.errors import CredentialError
from credentials.i18n import N_
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


def expires_on(cose: bytes) -> datetime | None:
    """The credential's expiry; None for one without, or whose stored bytes do not read."""
    try:
        return decode_claims(decode_sign1(cose).payload).expires_at
    except CredentialError:
        return None


def state(entry: dict[str, Any], now: datetime) -> str:
    """``entry``'s state: its registry status, or ``expired`` for an active credential
    whose expiry has passed (read from its ``cose`` when the entry has it)."""
    status = str(entry["status"])
    cose = entry.get("cose")
    if status != ACTIVE or cose is None:
        return status
    expiry = expires_on(bytes(cose))
    return EXPIRED if expiry is not None and now >= expiry else ACTIVE


def word(t: Any, found: str) -> str:
    """The state's icon and word in the reader's language (``t``: a page's translator)."""
    return f"{ICONS.get(found, '')} {t(found)}".strip()


def alert(t: Any, entry: dict[str, Any], found: str) -> str | None:
    if found == ACTIVE or found not in ALERTS:
        return None
    expiry = expires_on(bytes(entry["cose"])) if found == EXPIRED else None
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
        expiry = expires_on(bytes(entry["cose"]))
        day = expiry.date().isoformat() if expiry else "?"
        raise NotValid(f"credential {credential} expired on {day}: it is not exported")


def with_states(rows: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """A module's results (:func:`hub.reports.module_results`) with each credential's
    state in ``credential_status`` (expired included) and its bytes left out."""
    shown = []
    for row in rows:
        cose = row.pop("credential_cose", None)
        status = row.get("credential_status")
        if status is not None:
            row["credential_status"] = state({"status": status, "cose": cose}, now)
        shown.append(row)
    return shown
