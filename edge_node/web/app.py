"""The FastAPI application of a node: pages, the JSON API, and one error handler.

How it runs (``edge_node.server``): one process, one asyncio event loop, under uvicorn.

* On the loop: every route (``async def``), its form parsing, its SQLite reads and
  writes on the node's one serving connection (WAL, ``synchronous=FULL``: a write is
  one short transaction, one fsync), page rendering, signing a credential (Ed25519,
  well under a millisecond). The loop is the database's writer: no route is a plain
  ``def``, whose body would run on a thread beside it on the same connection.
* Off the loop, in bounded pools of threads (``sync.pools``), each call waiting in
  line for a few seconds at most before it is answered 503 with ``Retry-After``:
  photos of QR codes, 2 at once, each refused from its header when reading it would take
  over 48 MiB (``credentials.qr``); argon2 checks and hashes of staff passwords (and of
  a learner's PIN still hashed with argon2, once), 2 at once (19 MiB each), with the
  reads and writes that go with them (the log-in failures, a join's sitting) on a
  database connection of the call's own (``Node.own_connection``); QR codes drawn for
  pages, 2 at once. A PIN's keyed hash (``edge_node.pin_hashes``) takes microseconds:
  on the loop.
* The sync thread (``edge_node.server``) writes on its own connection too; SQLite makes
  writers take turns.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from credentials.i18n import english
from credentials.verifier import LinkApp, VerifierApp
from edge_node.errors import Busy, EdgeError, StorageError
from edge_node.i18n import N_
from edge_node.node import Node
from edge_node.storage import describe_sqlite_error, first
from edge_node.trust import pinned_roots
from edge_node.web import api, pages_learner, pages_public, pages_staff
from edge_node.web.context import MAX_FORM_BYTES, MAX_PHOTO_BYTES, describe_errors, pick_language
from edge_node.web.render import address, render_html
from edge_node.web.security import SessionCodec
from sync import pools

log = logging.getLogger("edge_node")
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]
STATIC = Path(__file__).resolve().parent.parent / "static"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_response(
    request: Request, status: int, code: str, message: str, params: dict[str, object] | None = None
) -> Response:
    """JSON under ``/api/``, else a page: ``message`` is English, with ``{placeholders}``
    filled from ``params`` after the page translates it."""
    if _is_api(request):
        text = english(message, **params) if params else message
        return JSONResponse({"error": code, "message": text}, status_code=status)
    node: Node = request.app.state.node
    return render_html(
        "error.html",
        lang=pick_language(request, node.settings.default_language),
        node_name=node.settings.node_name,
        path=address(request),
        status=status,
        message=message,
        params=params or {},
        code=code,
        status_code=status,
    )


_PHOTO_ROUTES = re.compile(r"^/(verify|learners/[^/]+/recognise)$")


class _BoundBodies:
    """Refuse, before any of it is read, a body larger than its route can take (a photo of
    a QR code on the two photo forms, a form or JSON elsewhere) or of no stated length:
    any phone on the centre's hotspot could otherwise make the board read, and spool to
    its SD card, as much as it sends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH"):
            photo = _PHOTO_ROUTES.match(scope["path"])
            limit = MAX_PHOTO_BYTES + MAX_FORM_BYTES if photo else MAX_FORM_BYTES
            declared = Headers(scope=scope).get("content-length")
            if declared is None or not declared.isdigit() or int(declared) > limit:
                message = (
                    N_("The photo is too large (8 MB at most)")
                    if photo
                    else N_("The form is too large")
                )
                response = _error_response(Request(scope), 413, "too_large", message)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _list(node: Node) -> bytes | None:
    """The installed trust list as the university signed it, for the offline verifier."""
    row = first(node.db, "SELECT data FROM trust WHERE id = 1")
    return None if row is None else bytes(row["data"])


def create_app(node: Node, *, lifespan: Lifespan | None = None) -> FastAPI:
    app = FastAPI(
        lifespan=lifespan,
        title="fieldcred edge node",
        version="1",
        description="A learning centre's offline assessment and credential server.",
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(_BoundBodies)
    app.state.node = node
    app.state.codec = SessionCodec(node.session_secret, max_age_s=node.settings.session_max_age_s)

    @app.exception_handler(EdgeError)
    async def _edge_error(request: Request, error: EdgeError) -> Response:
        response = _error_response(request, error.status, error.code, error.template, error.params)
        retry = getattr(error, "retry_after_s", None)
        if retry:
            response.headers["Retry-After"] = str(retry)
        return response

    @app.exception_handler(pools.Busy)
    async def _busy(request: Request, error: pools.Busy) -> Response:
        return await _edge_error(request, Busy(retry_after_s=error.retry_after_s))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        lang = None if _is_api(request) else pick_language(request, node.settings.default_language)
        message = describe_errors(list(error.errors()), lang)
        return _error_response(request, 422, "invalid", message or "Invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        message = str(error.detail) if error.status_code != 404 else N_("Page not found")
        return _error_response(request, error.status_code, "http", message)

    @app.exception_handler(sqlite3.Error)
    async def _storage(request: Request, error: sqlite3.Error) -> Response:
        log.error("storage failure on %s: %s", request.url.path, error)
        failure = StorageError(describe_sqlite_error(node.data_dir, error))
        return _error_response(request, failure.status, failure.code, failure.message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return _error_response(request, 500, "internal", "Something went wrong on the node")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    verifier = VerifierApp(roots=lambda: pinned_roots(node), trust_list=lambda: _list(node))
    app.mount("/verifier", verifier)
    app.mount("/V", LinkApp(verifier))  # a credential's link opens the verifier here too
    app.mount("/v", LinkApp(verifier))
    app.include_router(api.router)
    app.include_router(pages_public.router)
    app.include_router(pages_staff.router)
    app.include_router(pages_learner.router)
    return app
