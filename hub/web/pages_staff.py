"""The staff pages: log-in and log-out, the overview, the links between learners, a
node's forks, a module's sittings, a learner's, the credential registry, a credential
(its revocation and its reissue) and the equity figures. Their tables are built by
``hub.tables``; a route here reads the request, calls it, and renders the page."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi import Path as UrlPath
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub import forks, nodes, tables
from hub.staff import (
    SESSION_MAX_AGE_S,
    LoginLocked,
    NotAuthenticated,
    log_in,
    start_session,
)
from hub.tables import credential_path, only_holder, registry_entry
from hub.web.context import (
    KNOWN_DEVICE_COOKIE,
    KNOWN_DEVICE_MAX_AGE_S,
    MAX_NUMBER,
    SESSION_COOKIE,
    Ctx,
    FormExpired,
    HubCtx,
    Offset,
    StaffCtx,
    StaffFormCtx,
)
from sync import pools
from sync.errors import NotFound

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
def login_form(ctx: Ctx) -> HTMLResponse:
    return ctx.page("Staff login", template="login.html")


@router.post("/login")
async def login(
    ctx: Ctx, username: Annotated[str, Form()], password: Annotated[str, Form()]
) -> Response:
    if not ctx.same_origin():
        # Another site's page must not log a visitor in as someone (login CSRF).
        raise FormExpired("This form has expired. Go back, reload the page and try again.")
    request = ctx.request
    client = request.client.host if request.client else ""
    now = int(time.time())
    store = ctx.store
    try:
        known_device = ctx.known_device(username)
        await pools.PASSWORDS.run(
            lambda: log_in(
                store, username, password, client=client, now=now, known_device=known_device
            )
        )
    except NotAuthenticated as error:
        return ctx.page("Staff login", 401, template="login.html", error=str(error))
    except LoginLocked as error:
        locked = ctx.page(
            "Staff login",
            429,
            template="login.html",
            error=error.template,
            error_params=error.params,
        )
        locked.headers["Retry-After"] = str(error.retry_after_s)
        return locked
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        ctx.web.signer.dumps(start_session(store, username, now=now)),
        max_age=SESSION_MAX_AGE_S,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",  # behind TLS (or a proxy that says so)
    )
    response.set_cookie(
        KNOWN_DEVICE_COOKIE,
        ctx.web.known_devices.dumps(username),
        max_age=KNOWN_DEVICE_MAX_AGE_S,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout(ctx: Ctx, csrf: Annotated[str, Form()] = "") -> Response:
    # Another site cannot log staff out; a session already gone needs no token.
    if ctx.csrf and not ctx.csrf_ok(csrf):
        raise FormExpired("This form has expired. Go back, reload the page and try again.")
    ctx.end_session()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def overview(ctx: StaffCtx) -> HTMLResponse:
    alerts, sections = tables.overview(
        ctx.store, ctx.organisation, ctx.t, forwarding=bool(ctx.settings.xapi_url)
    )
    return ctx.page("Overview", alerts=alerts, sections=sections)


@router.get("/links", response_class=HTMLResponse)
def links_page(ctx: StaffCtx, offset: Offset = 0) -> HTMLResponse:
    section, more = tables.links_page(ctx.store, ctx.organisation, ctx.t, offset)
    return ctx.page(
        "Possibly the same person at two centres (linked, not merged)",
        pages=ctx.pages(offset, more),
        sections=[section],
    )


@router.get("/centres/{node_id}/forks", response_class=HTMLResponse)
def forks_page(ctx: StaffCtx, node_id: str) -> HTMLResponse:
    t = ctx.t
    return ctx.page(
        t("Forks of {node}", node=node_id),
        template="forks.html",
        node_id=node_id,
        forks=forks.node_forks(ctx.store, ctx.organisation, node_id),
        shared=nodes.shared_slots(ctx.store, node_id),
        when=tables.when,
    )


@router.post("/centres/{node_id}/forks/{branch}/{decision}")
def decide_fork(
    node_id: str,
    branch: Annotated[int, UrlPath(ge=0, le=MAX_NUMBER)],
    decision: str,
    ctx: StaffFormCtx,
    reason: Annotated[str, Form()] = "",
) -> Response:
    user, organisation = ctx.staff, ctx.organisation
    now = int(datetime.now(UTC).timestamp())
    if decision == "accept":
        forks.accept_branch(
            ctx.store,
            organisation,
            node_id,
            branch,
            staff=user,
            reason=reason,
            now=now,
            root_key=ctx.hub.root_key,
        )
    elif decision == "reject":
        forks.reject_branch(
            ctx.store, organisation, node_id, branch, staff=user, reason=reason, now=now
        )
    else:
        raise NotFound(f"no decision {decision!r}: accept or reject")
    return RedirectResponse(f"/centres/{node_id}/forks", status_code=303)


@router.get("/modules/{module_id}", response_class=HTMLResponse)
def module_page(ctx: StaffCtx, module_id: str, offset: Offset = 0) -> HTMLResponse:
    t = ctx.t
    section, more = tables.module_page(ctx.store, ctx.organisation, module_id, t, offset)
    return ctx.page(
        t("Module {module_id}", module_id=module_id),
        pages=ctx.pages(offset, more),
        sections=[section],
    )


@router.get("/centres/{node_id}/learners/{learner_id}", response_class=HTMLResponse)
def learner_page(ctx: StaffCtx, node_id: str, learner_id: str) -> HTMLResponse:
    t = ctx.t
    section = tables.learner_section(ctx.store, ctx.organisation, node_id, learner_id, t)
    return ctx.page(t("Learner {learner_id}", learner_id=learner_id), sections=[section])


@router.get("/credentials", response_class=HTMLResponse)
def registry_page(ctx: StaffCtx, offset: Offset = 0) -> HTMLResponse:
    section, more = tables.registry_page(ctx.store, ctx.organisation, ctx.t, offset)
    return ctx.page("Credential registry", pages=ctx.pages(offset, more), sections=[section])


@router.get("/credentials/{credential_id}", response_class=HTMLResponse)
def credential_by_id(ctx: StaffCtx, credential_id: str) -> Response:
    """An address without its node: the credential's page when one centre holds the
    id, the list of centres (409) when several do."""
    node_id = only_holder(ctx.store, ctx.organisation, credential_id, credential_path)
    target = credential_path(node_id, credential_id)
    if ctx.request.url.query:
        target += "?" + ctx.request.url.query
    return RedirectResponse(target, status_code=303)


@router.get("/credentials/{node_id}/{credential_id}", response_class=HTMLResponse)
def credential_page(ctx: StaffCtx, node_id: str, credential_id: str) -> HTMLResponse:
    t = ctx.t
    shown = tables.credential_page(ctx.store, ctx.organisation, node_id, credential_id, t)
    return ctx.page(t("Credential {credential_id}", credential_id=credential_id), **shown)


def ask_reissue(ctx: HubCtx, node_id: str, credential_id: str, reason: str) -> Response:
    registry_entry(ctx.store, ctx.organisation, node_id, credential_id)
    nodes.request_reissue(
        ctx.store,
        node_id,
        credential_id,
        staff=ctx.staff,
        reason=reason,
        now=datetime.now(UTC),
    )
    return RedirectResponse(credential_path(node_id, credential_id), status_code=303)


@router.post("/credentials/{node_id}/{credential_id}/reissue")
def reissue_at(
    node_id: str, credential_id: str, reason: Annotated[str, Form()], ctx: StaffFormCtx
) -> Response:
    return ask_reissue(ctx, node_id, credential_id, reason)


@router.post("/credentials/{credential_id}/reissue")
def reissue_by_id(
    credential_id: str, reason: Annotated[str, Form()], ctx: StaffFormCtx
) -> Response:
    node_id = only_holder(ctx.store, ctx.organisation, credential_id, credential_path)
    return ask_reissue(ctx, node_id, credential_id, reason)


def revoke(ctx: HubCtx, node_id: str, credential_id: str, reason: str, confirm: str) -> Response:
    store, organisation = ctx.store, ctx.organisation
    registry_entry(store, organisation, node_id, credential_id)
    reason = nodes.check_reason(reason)
    shared = nodes.shared_slots(store, node_id, credential_id)
    listed = " ".join(sorted(s.other_id for s in shared))
    here = credential_path(node_id, credential_id)
    if shared and confirm != listed:
        # One bit per slot: the format cannot revoke one of them alone. Say so first,
        # and again if another credential reached the slot since the warning was shown.
        t = ctx.t
        return ctx.page(
            "Revoking this credential revokes others too",
            alerts=tables.shared_alerts(t, shared),
            sections=[
                tables.shared_section(store, t, organisation, node_id, credential_id, shared)
            ],
            revoke=f"{here}/revoke",
            confirm=listed,
            reason=reason,
            here=here,
        )
    nodes.revoke_credential(
        store,
        ctx.hub.root_key,
        node_id,
        credential_id,
        reason,
        staff=ctx.staff,
        now=datetime.now(UTC),
    )
    return RedirectResponse(here, status_code=303)


@router.post("/credentials/{node_id}/{credential_id}/revoke")
def revoke_at(
    node_id: str,
    credential_id: str,
    reason: Annotated[str, Form()],
    ctx: StaffFormCtx,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    return revoke(ctx, node_id, credential_id, reason, confirm)


@router.post("/credentials/{credential_id}/revoke")
def revoke_by_id(
    credential_id: str,
    reason: Annotated[str, Form()],
    ctx: StaffFormCtx,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    node_id = only_holder(ctx.store, ctx.organisation, credential_id, credential_path)
    return revoke(ctx, node_id, credential_id, reason, confirm)


@router.get("/equity", response_class=HTMLResponse)
def equity_page(ctx: StaffCtx) -> HTMLResponse:
    section = tables.equity_section(ctx.store, ctx.organisation, ctx.t, datetime.now(UTC).year)
    return ctx.page("Equity figures", sections=[section])
