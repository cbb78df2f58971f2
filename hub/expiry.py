"""A credential's expiry as the hub's registry keeps it: the ``expires_at`` column, taken
from the claims when the credential is stored (``hub.projection``) and, for credentials
stored before the column, from their bytes once (migration 0016, ``hub.store``)."""

from __future__ import annotations

from datetime import datetime

from credentials.claims import MAX_NUMERIC_DATE, decode_claims
from credentials.cose import decode_sign1
from credentials.errors import CredentialError

NEVER_EXPIRES = MAX_NUMERIC_DATE
"""``expires_at`` of a credential without an expiry (or whose stored bytes do not read)."""


def expiry_column(expires_at: datetime | None) -> int:
    """A credential's expiry as the registry keeps it (whole seconds since the epoch)."""
    return NEVER_EXPIRES if expires_at is None else int(expires_at.timestamp())


def stored_expiry(cose: bytes) -> int:
    """The column's value for a credential's stored bytes."""
    try:
        return expiry_column(decode_claims(decode_sign1(cose).payload).expires_at)
    except CredentialError:
        return NEVER_EXPIRES
