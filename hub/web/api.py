"""The JSON API (``Authorization: Bearer <token>``, tokens from ``fieldcred hub
add-token``), every answer limited to the token's organisation; and the log-out of a
staff page's script (the session cookie, no token)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response

from hub import reports, standing
from hub.api_models import ERRORS, CredentialEntry, EquityOut, LoggedOut, ModuleResults
from hub.exports import open_badge_for
from hub.staff import NotAuthenticated
from hub.tables import api_credential_path, only_holder, registry_entry
from hub.web.context import SESSION_COOKIE, Ctx, FormExpired, Scope

router = APIRouter()


@router.post("/api/v1/logout", response_model=LoggedOut, responses=ERRORS)
def api_logout(ctx: Ctx, response: Response) -> LoggedOut:
    """End the staff session of the session cookie (its copies stop working too)."""
    if not ctx.same_origin():
        raise FormExpired("This form has expired. Go back, reload the page and try again.")
    if not ctx.end_session():
        raise NotAuthenticated("no staff session is running")
    response.delete_cookie(SESSION_COOKIE)
    return LoggedOut(ended=True)


@router.get("/api/v1/modules/{module_id}/results", response_model=ModuleResults, responses=ERRORS)
def api_module_results(ctx: Ctx, module_id: str, organisation: Scope) -> dict[str, Any]:
    """Every sitting of the module synced from the organisation's centres."""
    return {
        "module_id": module_id,
        "results": standing.with_states(
            reports.module_results(ctx.store, organisation, module_id), datetime.now(UTC)
        ),
    }


def _entry(ctx: Ctx, organisation: str, node_id: str, credential_id: str) -> dict[str, Any]:
    entry = registry_entry(ctx.store, organisation, node_id, credential_id)
    entry["cose"] = bytes(entry["cose"]).hex()
    return entry


def _badge(ctx: Ctx, organisation: str, node_id: str, credential_id: str) -> dict[str, Any]:
    """The Open Badge of an active credential; 410 with the reason for one revoked,
    replaced or expired (a wallet would show it as valid)."""
    entry = registry_entry(ctx.store, organisation, node_id, credential_id)
    standing.require_valid(entry, datetime.now(UTC))
    return open_badge_for(ctx.store, bytes(entry["cose"]), ctx.hub.root_key, ctx.settings)


@router.get(
    "/api/v1/nodes/{node_id}/credentials/{credential_id}",
    response_model=CredentialEntry,
    responses=ERRORS,
)
def api_credential(
    ctx: Ctx, node_id: str, credential_id: str, organisation: Scope
) -> dict[str, Any]:
    """One credential of the registry, by its centre and its id."""
    return _entry(ctx, organisation, node_id, credential_id)


@router.get("/api/v1/nodes/{node_id}/credentials/{credential_id}/ob3", responses=ERRORS)
def api_open_badge(
    ctx: Ctx, node_id: str, credential_id: str, organisation: Scope
) -> dict[str, Any]:
    """The credential as a signed Open Badges 3.0 AchievementCredential."""
    return _badge(ctx, organisation, node_id, credential_id)


@router.get("/api/v1/credentials/{credential_id}", response_model=CredentialEntry, responses=ERRORS)
def api_credential_by_id(ctx: Ctx, credential_id: str, organisation: Scope) -> dict[str, Any]:
    """One credential, when one centre holds that id (409 ``ambiguous`` otherwise)."""
    node_id = only_holder(ctx.store, organisation, credential_id, api_credential_path)
    return _entry(ctx, organisation, node_id, credential_id)


@router.get("/api/v1/credentials/{credential_id}/ob3", responses=ERRORS)
def api_open_badge_by_id(ctx: Ctx, credential_id: str, organisation: Scope) -> dict[str, Any]:
    """The Open Badges export, when one centre holds that id."""
    node_id = only_holder(
        ctx.store, organisation, credential_id, lambda n, c: api_credential_path(n, c) + "/ob3"
    )
    return _badge(ctx, organisation, node_id, credential_id)


@router.get("/api/v1/equity", response_model=EquityOut, responses=ERRORS)
def api_equity(ctx: Ctx, organisation: Scope) -> dict[str, Any]:
    """Learners, sittings, passes and credentials by gender, age band and centre."""
    rows = reports.equity(ctx.store, organisation, year=datetime.now(UTC).year)
    return {"equity": [row.__dict__ for row in rows]}
