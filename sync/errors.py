"""The one exception tree of ``sync``: each class carries the HTTP status the hub answers
with and a stable machine-readable ``reason`` (documented in ``docs/sync-protocol.md``)."""

from __future__ import annotations


class SyncError(Exception):
    """Base of every sync failure; ``str(error)`` is a plain-words message."""

    status = 500
    reason = "internal"


class BadRequest(SyncError, ValueError):
    status = 400
    reason = "bad_request"


class InvalidEvent(BadRequest):
    """An event body that does not match its type's documented fields."""

    reason = "invalid_event"


class MalformedBatch(BadRequest):
    """Bytes that do not decode as a batch: truncated, bit-flipped, nested too deep."""

    reason = "malformed_batch"


class TooLarge(SyncError, ValueError):
    """A request, a declared length or a decompressed body beyond the hub's limits."""

    status = 413
    reason = "too_large"


class Unauthenticated(SyncError):
    """No valid node certificate or signature: an unknown or forged key."""

    status = 401
    reason = "unauthenticated"


class Forbidden(SyncError):
    """A known node doing what it may not: revoked, expired, outside its module scope."""

    status = 403
    reason = "forbidden"


class NotFound(SyncError, LookupError):
    status = 404
    reason = "not_found"


class Ambiguous(SyncError, LookupError):
    """An address that names several things (a credential id two centres issued): the
    answer lists each one's own address."""

    status = 409
    reason = "ambiguous"

    def __init__(self, message: str, candidates: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.candidates = candidates


class ChainBroken(SyncError, ValueError):
    """The batch does not continue the node's hash chain where the hub's copy ends."""

    status = 409
    reason = "chain_broken"


class UpgradeRequired(SyncError):
    """The two sides share no protocol version; nothing was applied."""

    status = 426
    reason = "upgrade_required"


class Unreachable(SyncError, ConnectionError):
    """The hub could not be reached or the link broke mid-request (node side only)."""

    status = 503
    reason = "unreachable"
