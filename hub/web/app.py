"""The hub's web app: the sync app (``hub.app``: ``/sync/v1`` for nodes, the trust list,
``/verify`` for scripts) with the staff pages, the organisation-scoped JSON API and the
public verification pages on top. Staff log in; nothing is public except ``/verify``,
``/verifier`` and ``/trust-list``.

How it runs (``hub.server``): one process, one asyncio event loop, under uvicorn.

* On the loop: reading request bodies (bounded), parsing forms, rendering error pages,
  and checking a credential's signature (well under a millisecond). Nothing that takes
  the store's lock or waits on the database.
* In Starlette's thread pool (40 threads): every plain ``def`` route (staff pages, the
  JSON API, the trust list) and every database call of an ``async def`` one
  (``run_in_threadpool``: a sync batch, the verify pages' trust list). The store
  (``hub.store``) is one connection behind one lock: the hub has one writer at a
  time, in whichever thread holds the lock.
* In bounded pools (``sync.pools``), answered 503 with ``Retry-After`` when full for
  a few seconds: photos of QR codes, 2 at once, each refused from its header when
  reading it would take over 48 MiB (``credentials.qr``); argon2 checks of staff
  passwords at log-in, 2 at once (64 MiB each).

The routes, by area: ``pages_public`` (the verification form, the offline verifier),
``pages_staff`` (the staff pages, their tables from ``hub.tables``), ``api`` (the JSON
API). Each takes one ``HubCtx`` (``context``).

Pages (in English, Kiswahili or French: ``?lang=``, then a cookie, then the browser's
Accept-Language) work without JavaScript. ``GET /verify`` is a form anyone may use
(QR text or a photo); its form post answers with a page, while a raw body still gets
JSON. Staff sessions live on the hub (``hub.staff``): the signed cookie names a
session row, and logging out ends it. Staff forms carry a CSRF token bound to the
session cookie; the log-in form refuses a post another site's page sent. A node's forks
are resolved at ``/centres/{node_id}/forks`` (``hub.forks``).

A credential's address is its issuing node and its id (a node chooses its ids, so two
centres may use the same one): its page is ``/credentials/{node_id}/{credential_id}``.
``/credentials/{credential_id}`` leads there when one centre holds that id, and lists
the centres when several do. A credential sharing its revocation slot is revoked at
``.../revoke`` only after a warning listing every credential on the slot, or first
issued again by its centre on a slot of its own (``.../reissue``,
``hub.nodes.request_reissue``).

JSON API (``Authorization: Bearer <token>``, tokens from ``fieldcred hub add-token``),
every answer limited to the token's organisation:

* ``GET /api/v1/modules/{module_id}/results`` — every sitting of the module synced from
  the organisation's centres, with its credential id and status (the LMS plugin's view
  of offline results);
* ``GET /api/v1/nodes/{node_id}/credentials/{credential_id}`` — one registry entry;
* ``GET /api/v1/nodes/{node_id}/credentials/{credential_id}/ob3`` — the same
  achievement as a signed Open Badges 3.0 credential;
* ``GET /api/v1/credentials/{credential_id}`` (and ``/ob3``) — the same, when one centre
  holds that id; 409 ``ambiguous`` with each centre's address when several do;
* ``GET /api/v1/equity`` — learners, sittings, passes and credentials by gender, age
  band and centre;
* ``POST /api/v1/logout`` — ends the staff session of the session cookie (no token).

``/openapi.json`` describes the JSON API, ``/sync/v1``, ``/verify`` and ``/trust-list``.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from itsdangerous import URLSafeTimedSerializer

from hub.app import create_app, sync_error_response
from hub.ingest import Hub
from hub.settings import HubSettings
from hub.staff import NotAuthenticated
from hub.tables import collision_alerts, holders_section
from hub.web import api, pages_public, pages_staff
from hub.web.context import BUSY, HubCtx, WebState
from sync import pools
from sync.errors import Ambiguous, SyncError


async def not_authenticated(request: Request, error: NotAuthenticated) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": error.reason, "message": str(error)}, 401)
    if request.method in ("GET", "HEAD"):
        return RedirectResponse("/login", status_code=303)
    return HubCtx.of(request).page(
        "Staff login", 401, template="login.html", error="Please log in."
    )


async def ambiguous(request: Request, error: Ambiguous) -> Response:
    """An address naming several credentials: each one's own address."""
    ctx = HubCtx.of(request)
    if not ctx.wants_page():
        return JSONResponse(
            {"error": error.reason, "message": str(error), "candidates": error.candidates},
            error.status,
        )
    t = ctx.t
    credential_id = error.candidates[0]["credential_id"]
    return ctx.page(
        t("Centres holding credential {credential_id}", credential_id=credential_id),
        error.status,
        alerts=collision_alerts(t, credential_id, error.candidates),
        sections=[holders_section(t, credential_id, error.candidates)],
    )


async def sync_error(request: Request, error: SyncError) -> Response:
    if request.url.path.startswith("/sync/"):
        return sync_error_response(error.status, error.reason, str(error))
    ctx = HubCtx.of(request)
    if not ctx.wants_page():
        return JSONResponse({"error": error.reason, "message": str(error)}, error.status)
    return ctx.page("Something went wrong", error.status, template="error.html", message=str(error))


async def busy(request: Request, error: pools.Busy) -> Response:
    ctx = HubCtx.of(request)
    if ctx.wants_page():
        answer: Response = ctx.page(
            "Something went wrong", 503, template="error.html", message=BUSY
        )
    else:
        answer = JSONResponse({"error": "busy", "message": BUSY}, 503)
    answer.headers["Retry-After"] = str(error.retry_after_s)
    return answer


async def invalid_input(request: Request, error: RequestValidationError) -> Response:
    """A page asked with a missing or malformed field: a page saying which, in the
    reader's language; the JSON API keeps FastAPI's detailed 422."""
    ctx = HubCtx.of(request)
    if not ctx.wants_page():
        return await request_validation_exception_handler(request, error)
    fields = sorted({str(item.get("loc", ("", ""))[-1]) for item in error.errors()})
    message = ctx.t(
        "This page was asked with a missing or malformed value: {fields}.",
        fields=", ".join(fields[:6]),
    )
    return ctx.page("Something went wrong", 422, template="error.html", message=message)


def create_web_app(hub: Hub, settings: HubSettings) -> FastAPI:
    # Without a configured secret (a settings file written by hand), one for this process:
    # staff log in again after a restart. Never the hub's name, which every page shows.
    secret = settings.session_secret or secrets.token_urlsafe(32)
    app = create_app(hub, title=settings.name, verify_form=pages_public.verify_page)
    pages_public.mount_verifier(app, hub)
    app.state.web = WebState(
        hub=hub,
        settings=settings,
        signer=URLSafeTimedSerializer(secret, salt="staff"),
        known_devices=URLSafeTimedSerializer(secret, salt="known-device"),
        csrf_secret=secret.encode(),
    )
    app.add_exception_handler(NotAuthenticated, not_authenticated)  # type: ignore[arg-type]
    app.add_exception_handler(Ambiguous, ambiguous)  # type: ignore[arg-type]
    app.add_exception_handler(SyncError, sync_error)  # type: ignore[arg-type]
    app.add_exception_handler(pools.Busy, busy)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, invalid_input)  # type: ignore[arg-type]
    for router in (pages_public.router, pages_staff.router, api.router):
        add_routes(app, router)
    return app


def add_routes(app: FastAPI, router: APIRouter) -> None:
    """Add the router's routes to the app's own list, in order. (``include_router`` keeps a
    router as one opaque entry of that list: the OpenAPI filter of ``hub.app``, which
    reads the app's routes, would not see the JSON API's.)"""
    app.router.routes.extend(router.routes)
