"""The sync app: ``/sync/v1`` for nodes, the public trust list and ``/verify`` for a raw
body, with the request-size bounds and error answers every hub route shares.

A thin shell: each route parses the request, calls one library function and shapes
the answer. Errors of ``sync`` carry their status; nodes get them as CBOR, everyone
else as JSON. The web app (``hub.web.app``) adds the staff pages, the JSON API and the
verification pages on top, renders errors as pages for staff, and states how the hub
runs: which work is on the event loop, which in threads.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from credentials.cbor import dumps_canonical
from credentials.errors import CredentialError
from hub.api_models import ErrorOut, VerifyOut
from hub.ingest import Hub, answer
from hub.nodes import latest_trust, latest_trust_list
from sync.errors import BadRequest, SyncError, TooLarge
from sync.protocol import MAX_WIRE_BYTES, MEDIA_TYPE

log = logging.getLogger(__name__)


async def read_bounded(request: Request, limit: int) -> bytes:
    """The request body, refused as soon as it (or its declared length) passes ``limit``."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise TooLarge(f"the request declares {declared} bytes; the limit is {limit}")
    chunks = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"the request is over {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        raise BadRequest("the node disconnected before its request was complete") from None
    return b"".join(chunks)


def sync_error_response(status: int, reason: str, message: str) -> Response:
    """A refusal as a node reads it: CBOR."""
    return Response(
        dumps_canonical({"error": reason, "message": message}),
        status_code=status,
        media_type="application/cbor",
    )


MAX_FORM_BYTES = 64 * 1024
"""Staff forms (log-in, a revocation's reason, a fork decision) are small."""
_SELF_BOUNDED = ("/sync/", "/verify")
"""Routes that read their body through :func:`read_bounded`, each with its own limit."""


class _BoundBodies:
    """Refuse, before anything is read, a request body a route does not bound itself that
    declares more than ``MAX_FORM_BYTES`` or declares no length at all: form parsing would
    otherwise take any size, a file part spooled to disk, from anyone (the log-in form)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(_SELF_BOUNDED):
            headers = Headers(scope=scope)
            declared = headers.get("content-length")
            unstated = declared is None and "transfer-encoding" in headers
            if unstated or (
                declared is not None and (not declared.isdigit() or int(declared) > MAX_FORM_BYTES)
            ):
                message = f"the request body is over {MAX_FORM_BYTES} bytes or of no stated length"
                response = JSONResponse({"error": TooLarge.reason, "message": message}, 413)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_VERIFY_BYTES = 16 * 1024
MAX_VERIFY_FORM_BYTES = 8 * 1024 * 1024 + 64 * 1024
"""A photo of a QR code of 8 MB at most, and the form around it."""

VerifyForm = Callable[[Request, bytes], Awaitable[Response]]


def is_form(request: Request) -> bool:
    """A browser's form post (answered with a page), not a script's raw body (JSON)."""
    return request.headers.get("content-type", "").lower().startswith(FORM_TYPES)


OPENAPI_DESCRIPTION = (
    "The hub's machine-readable side: the sync protocol for nodes (COSE/CBOR bodies, "
    "docs/sync-protocol.md), public verification and the trust list, and the JSON API "
    "(Authorization: Bearer <token>, tokens from `fieldcred hub add-token`). Staff pages "
    "(HTML forms) are not described here."
)
_PUBLISHED = ("/api/", "/sync/", "/trust-list")


def _published(route: BaseRoute) -> bool:
    """Whether ``/openapi.json`` describes the route: the JSON API, the sync protocol,
    public verification (its raw-body post; the form post answers a page)."""
    if not isinstance(route, APIRoute):
        return False
    verify = route.path == "/verify" and "POST" in (route.methods or set())
    return verify or route.path.startswith(_PUBLISHED)


def _binary(media_type: str, max_bytes: int | None = None, **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "format": "binary"}
    if max_bytes is not None:
        schema["maxLength"] = max_bytes
    return {**extra, "content": {media_type: {"schema": schema}}}


def create_app(
    hub: Hub, *, title: str = "fieldcred hub", verify_form: VerifyForm | None = None
) -> FastAPI:
    """The sync app; ``verify_form`` answers form posts to ``/verify`` (the web app's page)."""
    app = FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.add_middleware(_BoundBodies)
    app.state.hub = hub

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = get_openapi(
                title=title,
                version="1",
                description=OPENAPI_DESCRIPTION,
                routes=[r for r in app.routes if _published(r)],
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(SyncError)
    async def sync_error(request: Request, error: SyncError) -> Response:
        if request.url.path.startswith("/sync/"):
            return sync_error_response(error.status, error.reason, str(error))
        return JSONResponse({"error": error.reason, "message": str(error)}, error.status)

    @app.exception_handler(CredentialError)
    async def credential_error(request: Request, error: CredentialError) -> Response:
        return sync_error_response(400, "malformed_batch", str(error))

    async def sync_route(request: Request) -> Response:
        wire = await read_bounded(request, MAX_WIRE_BYTES)
        reply = await run_in_threadpool(answer, hub, wire)
        return Response(reply, media_type=MEDIA_TYPE)

    for name in ("hello", "push", "pull"):
        app.add_api_route(
            f"/sync/v1/{name}",
            sync_route,
            methods=["POST"],
            name=f"sync_{name}",
            summary=f"A node's {name} message (docs/sync-protocol.md)",
            response_class=Response,
            openapi_extra={
                "requestBody": _binary(MEDIA_TYPE, MAX_WIRE_BYTES, required=True),
                "responses": {
                    "200": {"description": "The hub's answer", **_binary(MEDIA_TYPE)},
                    **{
                        str(status): {"description": "Refused", **_binary("application/cbor")}
                        for status in (400, 401, 403, 409, 413)
                    },
                },
            },
        )

    @app.post(
        "/verify",
        response_class=Response,
        responses={200: {"model": VerifyOut}, 404: {"model": ErrorOut}, 413: {"model": ErrorOut}},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "text/plain": {"schema": {"type": "string", "maxLength": MAX_VERIFY_BYTES}},
                    "application/cose": _binary(MEDIA_TYPE, MAX_VERIFY_BYTES)["content"][
                        MEDIA_TYPE
                    ],
                },
            }
        },
    )
    async def verify_credential(request: Request) -> Response:
        """Public offline-style verification against the hub's current trust list."""
        from credentials.verification import verify

        if verify_form is not None and is_form(request):
            return await verify_form(request, await read_bounded(request, MAX_VERIFY_FORM_BYTES))
        data = await read_bounded(request, MAX_VERIFY_BYTES)
        # The store's lock may be held by a sync: never wait for it on the loop.
        latest = await run_in_threadpool(latest_trust, hub.store)
        if latest is None:
            return JSONResponse({"error": "not_found", "message": "no trust list yet"}, 404)
        # QR text (``FC1:...``) or the raw COSE bytes.
        text: bytes | str = data.decode("ascii").strip() if data.isascii() else data
        verdict = verify(text, latest)
        credential = verdict.credential
        return JSONResponse(
            {
                "genuine": verdict.genuine,
                "reason": str(verdict.reason),
                "message": verdict.message,
                "module_id": credential.module_id if credential else None,
                "issued_at": credential.issued_at.isoformat() if credential else None,
                "node": verdict.node.node_name if verdict.node else None,
                "trust_list_issued_at": latest.issued_at.isoformat(),
            }
        )

    @app.get(
        "/trust-list",
        response_class=Response,
        responses={200: {"description": "The signed trust list", **_binary("application/cose")}},
    )
    def trust_list() -> Response:
        """The signed trust list: public, so anyone can verify offline."""
        data = latest_trust_list(hub.store)
        if data is None:
            return JSONResponse({"error": "not_found", "message": "no trust list yet"}, 404)
        return Response(data, media_type="application/cose")

    return app
