"""What the hub's JSON API answers, as models: FastAPI checks each answer against them and
publishes them in ``/openapi.json``, so the API can be read, and fuzzed, from outside."""

from __future__ import annotations

from pydantic import BaseModel


class ErrorOut(BaseModel):
    """Every error the JSON API answers: a stable reason and plain words."""

    error: str
    message: str


class LoggedOut(BaseModel):
    ended: bool


class SittingResult(BaseModel):
    """One sitting of a module at a centre, with the learner's credential if they passed."""

    node_id: str
    centre: str
    learner_id: str
    sitting_id: str
    module_version: str
    route: str
    score_percent: int
    passed: int
    """1 passed, 0 not."""
    submitted_at: int
    """Seconds since 1970 (UTC), by the node's clock."""
    credential_id: str | None
    credential_status: str | None


class ModuleResults(BaseModel):
    module_id: str
    results: list[SittingResult]


class CredentialEntry(BaseModel):
    """One credential of the registry."""

    credential_id: str
    node_id: str
    centre: str
    learner_id: str
    module_id: str
    module_version: str
    score_percent: int
    issued_at: int
    not_before: int | None
    received_at: int
    time_flag: int
    status: str
    """``active``, ``revoked`` or ``replaced``."""
    revocation_reason: str | None
    revoked_at: int | None
    revoked_by: str | None
    """The staff member who revoked it at the hub (none when its centre did)."""
    expires_at: int | None
    """When it expires (seconds since the epoch); 2**37 for a credential without expiry."""
    cose: str
    """The signed credential (COSE_Sign1), in hexadecimal."""


class EquityRowOut(BaseModel):
    dimension: str
    group: str
    learners: int
    sittings: int
    passed: int
    credentials: int


class EquityOut(BaseModel):
    equity: list[EquityRowOut]


class VerifyOut(BaseModel):
    """The verdict on a credential sent to ``POST /verify``."""

    genuine: bool
    reason: str
    message: str
    module_id: str | None
    issued_at: str | None
    node: str | None


ERRORS: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorOut} for status in (400, 401, 403, 404, 409, 413)
}
"""The error answers every API route may give, for ``responses=``."""
