"""The edge node's one exception tree; each class carries the HTTP status it maps to.

The web layer has a single handler that renders these as JSON under ``/api/v1``
and as an HTML page elsewhere; the CLI prints ``str(error)``.
"""

from __future__ import annotations

import math

from credentials.i18n import counted


class EdgeError(Exception):
    """Base of every error the edge node raises on purpose."""

    status = 500
    code = "error"

    def __init__(
        self, message: str, *, code: str | None = None, params: dict[str, object] | None = None
    ) -> None:
        self.template = message
        """The English text before its ``{placeholders}`` are filled: what pages translate."""
        self.params = params or {}
        self.message = message.format(**self.params) if params else message
        super().__init__(self.message)
        if code is not None:
            self.code = code


class BadRequest(EdgeError, ValueError):
    status = 400
    code = "bad_request"


class Unauthorized(EdgeError):
    status = 401
    code = "unauthorized"


class Forbidden(EdgeError):
    status = 403
    code = "forbidden"


class NotFound(EdgeError, LookupError):
    status = 404
    code = "not_found"


class Conflict(EdgeError):
    status = 409
    code = "conflict"


class Busy(EdgeError):
    """Every worker of a bounded pool (photos, passwords) stayed taken: try again soon."""

    status = 503
    code = "busy"

    def __init__(self, *, retry_after_s: int) -> None:
        super().__init__("The node is busy. Try again in a few seconds.")
        self.retry_after_s = retry_after_s


TRY_AGAIN_IN = counted(
    "Too many failed log-ins. Try again in {n} minute.",
    "Too many failed log-ins. Try again in {n} minutes.",
)


class Locked(EdgeError):
    """Too many failed log-ins: the account or address is locked for a while."""

    status = 429
    code = "locked"

    def __init__(self, *, retry_after_s: int) -> None:
        super().__init__(
            TRY_AGAIN_IN,
            params={"n": max(1, math.ceil(retry_after_s / 60))},
        )
        self.retry_after_s = retry_after_s


class PinLocked(EdgeError):
    """Too many wrong PINs for one learner: only a worker can unlock it."""

    status = 429
    code = "pin_locked"

    def __init__(self) -> None:
        super().__init__("Too many wrong PINs. Ask your worker to unlock your PIN.")


class ClockUntrusted(EdgeError):
    """The node's clock cannot be trusted, so it refuses to date a credential."""

    status = 503
    code = "clock_untrusted"


class StorageError(EdgeError):
    """The database cannot be written (disk full, read-only card) or is damaged."""

    status = 503
    code = "storage"


class NodeNotReady(EdgeError):
    """The data directory is missing, incomplete or of another kind."""

    status = 503
    code = "node_not_ready"
