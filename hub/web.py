"""Staff pages, the organisation-scoped JSON API and public verification, on top of the
sync app. Staff log in; nothing is public except ``/verify`` and ``/trust-list``.

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

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import Depends, FastAPI, Form, Header, Query, Request
from fastapi import Path as UrlPath
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.types import Message

from credentials import verdicts
from credentials.qr import read_qr_photo
from credentials.verifier import VerifierApp
from fieldcred import pools
from hub import forks, nodes, reports, xapi
from hub.api_models import ERRORS, CredentialEntry, EquityOut, LoggedOut, ModuleResults
from hub.app import create_app, is_form
from hub.ingest import Hub
from hub.projection import PRESENTED
from hub.settings import HubSettings
from hub.staff import (
    SESSION_MAX_AGE_S,
    LoginLocked,
    NotAuthenticated,
    end_session,
    log_in,
    session_staff,
    start_session,
    token_organisation,
)
from hub.store import Store
from hub.translations import (
    LANG_COOKIE,
    LANGUAGE_NAMES,
    LANGUAGES,
    pick_language,
    translator,
)
from sync import alerts
from sync.errors import Ambiguous, BadRequest, NotFound, SyncError, TooLarge

SESSION_COOKIE = "fieldcred_hub"
KNOWN_DEVICE_COOKIE = "fieldcred_hub_known"
"""Set on a successful log-in: this browser has logged in as this username before, so a
stranger's guesses at the username do not slow its log-in (``staff.log_in``)."""
KNOWN_DEVICE_MAX_AGE_S = 180 * 86400
MAX_PHOTO_BYTES = 8 * 1024 * 1024
BUSY = "The server is busy. Try again in a few seconds."
"""The answer (503) when every worker of a bounded pool (photos, passwords) stayed taken."""
MAX_NUMBER = 2**62
"""Bound of a number in a URL: larger ones fit no database integer (422, not a 500)."""
PAGE_ROWS = 100
"""Rows of a long table (the registry, a module's sittings) on one page."""
Offset = Annotated[int, Query(ge=0, le=MAX_NUMBER)]
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


class FormExpired(SyncError):
    """A staff form without the CSRF token of the session that sent it."""

    status = 403
    reason = "form_expired"


def _when(epoch: object) -> str:
    """A time as staff read it; none for a value past any calendar (stored before the hub
    refused events dated so)."""
    if not isinstance(epoch, int):
        return ""
    try:
        return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M")
    except (OverflowError, OSError, ValueError):
        return ""


def _link(text: object, href: str) -> dict[str, str]:
    return {"text": str(text), "href": href}


def credential_path(node_id: str, credential_id: str) -> str:
    """A credential's page: the node that issued it, then its id."""
    return f"/credentials/{quote(node_id, safe='')}/{quote(credential_id, safe='')}"


def api_credential_path(node_id: str, credential_id: str) -> str:
    """A credential's registry entry in the JSON API."""
    node, credential = quote(node_id, safe=""), quote(credential_id, safe="")
    return f"/api/v1/nodes/{node}/credentials/{credential}"


def _credential_link(node_id: str, credential_id: str) -> dict[str, str]:
    return _link(credential_id, credential_path(node_id, credential_id))


def _entry(store: Store, organisation: str, node_id: str, credential_id: str) -> dict[str, Any]:
    entry = reports.credential(store, organisation, node_id, credential_id)
    if entry is None:
        raise NotFound(f"no credential {credential_id} of node {node_id}")
    return entry


def _only_holder(
    store: Store, organisation: str, credential_id: str, path: Callable[[str, str], str]
) -> str:
    """The node of the one centre holding ``credential_id`` (an address without its node);
    409 listing each centre's address (``path``) when several do."""
    found = reports.holders(store, organisation, credential_id)
    if not found:
        raise NotFound(f"no credential {credential_id}")
    if len(found) > 1:
        raise Ambiguous(
            f"{len(found)} centres issued a credential with the id {credential_id}: "
            "choose one by its centre",
            [
                {
                    "node_id": str(h["node_id"]),
                    "centre": str(h["centre"]),
                    "credential_id": credential_id,
                    "status": str(h["status"]),
                    "href": path(str(h["node_id"]), credential_id),
                }
                for h in found
            ],
        )
    return str(found[0]["node_id"])


def _lang(request: Request) -> str:
    return pick_language(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language", ""),
    )


def _tr(request: Request) -> Callable[..., str]:
    return translator(_lang(request))


def _csrf(request: Request) -> str:
    """The token staff forms carry: bound to this session's cookie, so a page of another
    site (which cannot read it) cannot post a staff form."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    if not cookie:
        return ""
    key = hashlib.sha256(b"fieldcred-hub-csrf" + request.app.state.csrf_secret).digest()
    return hmac.new(key, cookie.encode(), hashlib.sha256).hexdigest()[:32]


def _session_id(request: Request) -> str | None:
    """The id of the staff session the signed cookie names (whether or not it still runs)."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    if not cookie or len(cookie) > 512:
        return None
    try:
        value = request.app.state.signer.loads(cookie, max_age=SESSION_MAX_AGE_S)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


def _staff(request: Request) -> tuple[str, str]:
    """The logged-in staff member and their organisation, from the session the signed
    cookie names: refused once that session has ended (log-out, a new password, the
    account disabled)."""
    session_id = _session_id(request)
    found = None
    if session_id is not None:
        found = session_staff(request.app.state.hub.store, session_id, now=int(time.time()))
    if found is None:
        raise NotAuthenticated("please log in")
    return found


def _known_device(signer: URLSafeTimedSerializer, cookie: str, username: str) -> bool:
    if not cookie or len(cookie) > 512:
        return False
    try:
        return bool(signer.loads(cookie, max_age=KNOWN_DEVICE_MAX_AGE_S) == username)
    except BadSignature:
        return False


def _same_origin(request: Request) -> bool:
    """Whether a browser's post came from one of the hub's own pages. Browsers name where
    a post comes from (``Sec-Fetch-Site``, or in older ones ``Origin``); a script that
    names nothing is not a browser carrying someone's cookies. Only the host is compared:
    behind a proxy that ends TLS the hub may see its own address as ``http``."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _api_scope(request: Request, authorization: Annotated[str, Header()] = "") -> str:
    """The organisation of the bearer token."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthenticated("send Authorization: Bearer <token>")
    return token_organisation(request.app.state.hub.store, token.strip())


Staff = Annotated[tuple[str, str], Depends(_staff)]
Scope = Annotated[str, Depends(_api_scope)]


def _csrf_ok(request: Request, token: str) -> bool:
    expected = _csrf(request).encode()
    return bool(expected) and hmac.compare_digest(expected, token.encode()[:64])


def _staff_form(request: Request, who: Staff, csrf: Annotated[str, Form()] = "") -> tuple[str, str]:
    """A logged-in staff member posting a form this session's page gave them."""
    if not _csrf_ok(request, csrf):
        raise FormExpired("This form has expired. Go back, reload the page and try again.")
    return who


StaffForm = Annotated[tuple[str, str], Depends(_staff_form)]


def _html_error(request: Request) -> bool:
    """Pages answer errors with a page; the API, nodes and scripts with JSON or CBOR."""
    path = request.url.path
    if path.startswith(("/api/", "/sync/")):
        return False
    return path != "/verify" or request.method != "POST" or is_form(request)


def _paged(
    request: Request, rows: list[dict[str, Any]], offset: int
) -> tuple[list[dict[str, Any]], dict[str, str | None]]:
    """One page of ``rows`` (fetched one longer than a page, to know there is more) and the
    addresses of the previous and next pages, the rest of the address kept."""

    def at(start: int) -> str:
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
        return f"{request.url.path}?{urlencode([*kept, ('offset', start)])}"

    return rows[:PAGE_ROWS], {
        "previous": at(max(0, offset - PAGE_ROWS)) if offset else None,
        "next": at(offset + PAGE_ROWS) if len(rows) > PAGE_ROWS else None,
    }


def _basis(t: Callable[..., str], basis: str) -> str:
    """Why two learners are linked (``hub.projection``), in the reader's language."""
    node = basis.removeprefix(PRESENTED)
    return t(basis) if node == basis else t(PRESENTED + "{node}", node=node)


def _links_section(
    t: Callable[..., str], links: list[dict[str, Any]], *, more: bool
) -> dict[str, Any]:
    """Learners who may be one person at two centres; ``more``: a link to all of them."""
    return {
        "heading": "Possibly the same person at two centres (linked, not merged)",
        "columns": ["Node", "Learner", "Node", "Learner", "Basis"],
        "rows": [
            [k["node_a"], k["learner_a"], k["node_b"], k["learner_b"], _basis(t, k["basis"])]
            for k in links
        ],
        "more": "/links" if more else None,
    }


def _node_alert(t: Callable[..., str], node: dict[str, Any]) -> str:
    """A node's alert in the reader's language; an alert stored before alerts had codes,
    or one this hub cannot read, as its stored text."""
    alert = alerts.from_json(node["alert_detail"])
    return str(node["alert"]) if alert is None else t(alert.template, **alert.params)


def _shared_alerts(t: Callable[..., str], shared: list[nodes.SharedSlot]) -> list[Any]:
    return [
        {
            "text": t(
                "Shares revocation slot {slot} with credential {other}: revoking one revokes both.",
                slot=s.status_index,
                other=s.other_id,
            ),
            "href": None,
        }
        for s in shared
    ]


def _shared_section(
    store: Store,
    t: Callable[..., str],
    organisation: str,
    node_id: str,
    credential_id: str,
    shared: list[nodes.SharedSlot],
) -> dict[str, Any]:
    """This credential and every one on its slot (the same node's): what one revocation
    revokes."""
    ids = [credential_id, *(s.other_id for s in shared)]
    entries = [reports.credential(store, organisation, node_id, c) for c in ids]
    return {
        "heading": "Credentials on the same revocation slot",
        "columns": ["Credential", "Centre", "Module", "Issued (node clock)", "Status"],
        "rows": [
            [
                _credential_link(e["node_id"], e["credential_id"]),
                e["centre"],
                e["module_id"],
                _when(e["issued_at"]),
                t(e["status"]),
            ]
            for e in entries
            if e is not None
        ],
    }


def _collision(t: Callable[..., str], credential_id: object) -> str:
    return t(
        "Two centres issued the same credential id {credential_id}: one may be shadowing "
        "the other's credential. Check each centre's credential before revoking either.",
        credential_id=credential_id,
    )


def _collision_alerts(
    t: Callable[..., str], credential_id: str, others: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The warning that other centres hold a credential with this id, if any do."""
    return [{"text": _collision(t, credential_id), "href": None}] if others else []


def _holders_section(
    t: Callable[..., str], credential_id: str, holders: list[dict[str, Any]]
) -> dict[str, Any]:
    """The centres holding a credential with this id, each linked to its own."""
    return {
        "heading": t("Centres holding credential {credential_id}", credential_id=credential_id),
        "columns": ["Credential", "Node", "Centre", "Status"],
        "rows": [
            [
                _credential_link(str(h["node_id"]), credential_id),
                h["node_id"],
                h["centre"],
                t(str(h["status"])),
            ]
            for h in holders
        ],
    }


ENTRY_LABELS = {
    "credential_id": "Credential",
    "node_id": "Node",
    "centre": "Centre",
    "learner_id": "Learner",
    "module_id": "Module",
    "module_version": "Module version",
    "score_percent": "Score %",
    "issued_at": "Issued (node clock)",
    "not_before": "Made after (hub)",
    "received_at": "Received",
    "time_flag": "Node clock in doubt",
    "status": "Status",
    "revocation_reason": "Reason for revocation",
}
"""The registry entry's fields as the credential page names them (``reports.credential``)."""


def _entry_value(t: Callable[..., str], key: str, value: Any) -> Any:
    if key.endswith("_at") or key == "not_before":
        return _when(value)
    if key == "status":
        return t(value)
    if key == "time_flag":
        return t("yes") if value else t("no")
    return value


def _reissue_section(
    t: Callable[..., str], node_id: str, credential_id: str, reissue: nodes.Reissue
) -> dict[str, Any]:
    """Staff asked the centre to issue this credential again on a slot of its own: who,
    when, why, and the replacement once it has arrived (or what it replaced)."""
    if reissue.credential_id != credential_id:
        done = [[t("Replaces"), _credential_link(node_id, reissue.credential_id)]]
    elif reissue.replacement_id is None:
        done = [[t("Replacement"), t("Waiting for the centre's next sync")]]
    else:
        replacement = _credential_link(node_id, reissue.replacement_id)
        done = [[t("Replacement"), replacement], [t("Received"), _when(reissue.replaced_at)]]
    return {
        "heading": "Issued again on a revocation slot of its own",
        "columns": ["Field", "Value"],
        "rows": [
            [t("Asked by"), reissue.staff],
            [t("Asked on"), _when(reissue.requested_at)],
            [t("Reason"), reissue.reason],
            *done,
        ],
    }


def create_web_app(hub: Hub, settings: HubSettings) -> FastAPI:
    # Without a configured secret (a settings file written by hand), one for this process:
    # staff log in again after a restart. Never the hub's name, which every page shows.
    secret = settings.session_secret or secrets.token_urlsafe(32)
    app = create_app(hub, title=settings.name, verify_form=lambda r, b: verify_page(r, b))
    # The offline verifier a phone installs (credentials/verifier): the hub's root, its list.
    roots = (hub.root_key.public_key,)
    app.mount(
        "/verifier",
        VerifierApp(roots=lambda: roots, trust_list=lambda: nodes.latest_trust_list(hub.store)),
    )
    signer = URLSafeTimedSerializer(secret, salt="staff")
    app.state.signer = signer
    known_devices = URLSafeTimedSerializer(secret, salt="known-device")
    app.state.csrf_secret = secret.encode()
    store = hub.store

    def page(
        request: Request, user: str | None, title: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        lang = _lang(request)
        path = request.url.path
        # The language links GET this page again; a form's address may take only posts.
        here = context.pop("here", None) or (
            path if request.method in ("GET", "HEAD") or path in ("/verify", "/login") else "/"
        )
        if here == path and request.method in ("GET", "HEAD"):
            # Switching language keeps the rest of the address (the registry's offset).
            kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
            here += "?" + urlencode([*kept, ("lang", "")]) if kept else "?lang="
        else:
            here += "?lang="
        response = templates.TemplateResponse(
            request,
            context.pop("template", "tables.html"),
            {
                "title": title,
                "hub_name": settings.name,
                "user": user,
                "alerts": [],
                "lang": lang,
                "languages": LANGUAGE_NAMES,
                "_": translator(lang),
                "csrf": _csrf(request),
                "here": here,
                **context,
            },
            status_code=status,
        )
        if request.query_params.get("lang") in LANGUAGES:
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
        return response

    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(request: Request, error: NotAuthenticated) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": error.reason, "message": str(error)}, 401)
        if request.method in ("GET", "HEAD"):
            return RedirectResponse("/login", status_code=303)
        return page(
            request, None, "Staff login", 401, template="login.html", error="Please log in."
        )

    @app.exception_handler(Ambiguous)
    async def ambiguous(request: Request, error: Ambiguous) -> Response:
        """An address naming several credentials: each one's own address."""
        if not _html_error(request):
            return JSONResponse(
                {"error": error.reason, "message": str(error), "candidates": error.candidates},
                error.status,
            )
        t = _tr(request)
        credential_id = error.candidates[0]["credential_id"]
        return page(
            request,
            None,
            t("Centres holding credential {credential_id}", credential_id=credential_id),
            error.status,
            alerts=_collision_alerts(t, credential_id, error.candidates),
            sections=[_holders_section(t, credential_id, error.candidates)],
        )

    @app.exception_handler(SyncError)
    async def sync_error(request: Request, error: SyncError) -> Response:
        from hub.app import _sync_error

        if request.url.path.startswith("/sync/"):
            return _sync_error(error.status, error.reason, str(error))
        if not _html_error(request):
            return JSONResponse({"error": error.reason, "message": str(error)}, error.status)
        return page(
            request,
            None,
            "Something went wrong",
            error.status,
            template="error.html",
            message=str(error),
        )

    @app.exception_handler(pools.Busy)
    async def busy(request: Request, error: pools.Busy) -> Response:
        if _html_error(request):
            answer: Response = page(
                request, None, "Something went wrong", 503, template="error.html", message=BUSY
            )
        else:
            answer = JSONResponse({"error": "busy", "message": BUSY}, 503)
        answer.headers["Retry-After"] = str(error.retry_after_s)
        return answer

    @app.exception_handler(RequestValidationError)
    async def invalid_input(request: Request, error: RequestValidationError) -> Response:
        """A page asked with a missing or malformed field: a page saying which, in the
        reader's language; the JSON API keeps FastAPI's detailed 422."""
        if not _html_error(request):
            return await request_validation_exception_handler(request, error)
        fields = sorted({str(item.get("loc", ("", ""))[-1]) for item in error.errors()})
        message = translator(_lang(request))(
            "This page was asked with a missing or malformed value: {fields}.",
            fields=", ".join(fields[:6]),
        )
        return page(
            request, None, "Something went wrong", 422, template="error.html", message=message
        )

    async def verify_page(request: Request, body: bytes) -> Response:
        """The public verification form's answer: the verdict in plain words."""

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        try:
            form = await Request(request.scope, replay).form(max_files=1, max_fields=8)
        except HTTPException as error:
            raise BadRequest(f"the form could not be read ({error.detail})") from None
        text = form.get("text")
        text = text[: verdicts.MAX_TEXT] if isinstance(text, str) else None
        photo = form.get("photo")
        image = await photo.read(MAX_PHOTO_BYTES + 1) if isinstance(photo, UploadFile) else None
        if image is not None and len(image) > MAX_PHOTO_BYTES:
            raise TooLarge("The photo is too large.")
        reading = await pools.PHOTOS.run(read_qr_photo, image) if image else None
        trust = await run_in_threadpool(nodes.latest_trust, store)
        result = verdicts.check(
            trust, text=text, photo=reading, lang=_lang(request), now=datetime.now(UTC)
        )
        return page(
            request,
            None,
            "Check a credential",
            template="verify.html",
            result=result,
            text=text or "",
        )

    @app.get("/verify", response_class=HTMLResponse)
    def verify_form(request: Request) -> HTMLResponse:
        return page(request, None, "Check a credential", template="verify.html", text="")

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request) -> HTMLResponse:
        return page(request, None, "Staff login", template="login.html")

    @app.post("/login")
    async def login(
        request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()]
    ) -> Response:
        if not _same_origin(request):
            # Another site's page must not log a visitor in as someone (login CSRF).
            raise FormExpired("This form has expired. Go back, reload the page and try again.")
        client = request.client.host if request.client else ""
        now = int(time.time())
        known = request.cookies.get(KNOWN_DEVICE_COOKIE, "")
        try:
            known_device = _known_device(known_devices, known, username)
            await pools.PASSWORDS.run(
                lambda: log_in(
                    store,
                    username,
                    password,
                    client=client,
                    now=now,
                    known_device=known_device,
                )
            )
        except NotAuthenticated as error:
            return page(request, None, "Staff login", 401, template="login.html", error=str(error))
        except LoginLocked as error:
            locked = page(
                request,
                None,
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
            signer.dumps(start_session(store, username, now=now)),
            max_age=SESSION_MAX_AGE_S,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",  # behind TLS (or a proxy that says so)
        )
        response.set_cookie(
            KNOWN_DEVICE_COOKIE,
            known_devices.dumps(username),
            max_age=KNOWN_DEVICE_MAX_AGE_S,
            path="/login",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    def end_this_session(request: Request) -> bool:
        """End the session the cookie names; whether one was running."""
        session_id = _session_id(request)
        now = int(time.time())
        if session_id is None or session_staff(store, session_id, now=now) is None:
            return False
        end_session(store, session_id, now=now)
        return True

    @app.post("/logout")
    def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
        # Another site cannot log staff out; a session already gone needs no token.
        if _csrf(request) and not _csrf_ok(request, csrf):
            raise FormExpired("This form has expired. Go back, reload the page and try again.")
        end_this_session(request)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @app.post("/api/v1/logout", response_model=LoggedOut, responses=ERRORS)
    def api_logout(request: Request, response: Response) -> LoggedOut:
        """End the staff session of the session cookie (its copies stop working too)."""
        if not _same_origin(request):
            raise FormExpired("This form has expired. Go back, reload the page and try again.")
        if not end_this_session(request):
            raise NotAuthenticated("no staff session is running")
        response.delete_cookie(SESSION_COOKIE)
        return LoggedOut(ended=True)

    @app.get("/", response_class=HTMLResponse)
    def overview(request: Request, who: Staff) -> HTMLResponse:
        user, organisation = who
        t = _tr(request)
        node_rows = reports.nodes(store, organisation)
        held = forks.nodes_with_held_forks(store, organisation)
        linked = reports.links(store, organisation, limit=PAGE_ROWS + 1)
        return page(
            request,
            user,
            "Overview",
            alerts=[
                {
                    "text": f"{n['name']}: {_node_alert(t, n)}",
                    "href": f"/centres/{n['node_id']}/forks" if n["node_id"] in held else None,
                }
                for n in node_rows
                if n["alert"]
            ]
            + [
                {
                    "text": _collision(t, c["credential_id"]),
                    "href": f"/credentials/{quote(str(c['credential_id']), safe='')}",
                    "link": "See the centres",
                }
                for c in reports.collisions(store, organisation)
            ],
            sections=[
                {
                    "heading": "Centres (nodes)",
                    "columns": ["Node", "Centre", "Synced through", "Revoked"],
                    "rows": [
                        [n["node_id"], n["name"], n["acked"], _when(n["revoked_at"])]
                        for n in node_rows
                    ],
                },
                {
                    "heading": "Results by module",
                    "columns": ["Module", "Sittings", "Passed", "Centres"],
                    "rows": [
                        [
                            _link(r["module_id"], f"/modules/{r['module_id']}"),
                            r["sittings"],
                            r["passed"],
                            r["centres"],
                        ]
                        for r in reports.results_by_module(store, organisation)
                    ],
                },
                {
                    "heading": "Results by centre",
                    "columns": ["Centre", "Sittings", "Passed"],
                    "rows": [
                        [r["centre"], r["sittings"], r["passed"]]
                        for r in reports.results_by_centre(store, organisation)
                    ],
                },
                {
                    "heading": "Events set aside for review",
                    "columns": ["Node", "Branch", "Seq", "Type", "Reason", "Received"],
                    "rows": [
                        [
                            _link(e["node_id"], f"/centres/{e['node_id']}/forks")
                            if e["branch"]
                            else e["node_id"],
                            e["branch"],
                            e["seq"],
                            e["type"],
                            t(e["reason"]),
                            _when(e["received_at"]),
                        ]
                        for e in reports.quarantined(store, organisation)
                    ],
                },
                {
                    "heading": "xAPI outbox",
                    "columns": ["Statements", "Waiting to be sent"],
                    "rows": [list(xapi.outbox_status(store, organisation).values())],
                },
                _links_section(t, linked[:PAGE_ROWS], more=len(linked) > PAGE_ROWS),
            ],
        )

    @app.get("/links", response_class=HTMLResponse)
    def links_page(request: Request, who: Staff, offset: Offset = 0) -> HTMLResponse:
        user, organisation = who
        t = _tr(request)
        found = reports.links(store, organisation, limit=PAGE_ROWS + 1, offset=offset)
        rows, pages = _paged(request, found, offset)
        return page(
            request,
            user,
            "Possibly the same person at two centres (linked, not merged)",
            pages=pages,
            sections=[_links_section(t, rows, more=False)],
        )

    @app.get("/centres/{node_id}/forks", response_class=HTMLResponse)
    def forks_page(request: Request, node_id: str, who: Staff) -> HTMLResponse:
        user, organisation = who
        return page(
            request,
            user,
            _tr(request)("Forks of {node}", node=node_id),
            template="forks.html",
            node_id=node_id,
            forks=forks.node_forks(store, organisation, node_id),
            shared=nodes.shared_slots(store, node_id),
            when=_when,
        )

    @app.post("/centres/{node_id}/forks/{branch}/{decision}")
    def decide_fork(
        node_id: str,
        branch: Annotated[int, UrlPath(ge=0, le=MAX_NUMBER)],
        decision: str,
        who: StaffForm,
        reason: Annotated[str, Form()] = "",
    ) -> Response:
        user, organisation = who
        now = int(datetime.now(UTC).timestamp())
        if decision == "accept":
            forks.accept_branch(
                store,
                organisation,
                node_id,
                branch,
                staff=user,
                reason=reason,
                now=now,
                root_key=hub.root_key,
            )
        elif decision == "reject":
            forks.reject_branch(
                store, organisation, node_id, branch, staff=user, reason=reason, now=now
            )
        else:
            raise NotFound(f"no decision {decision!r}: accept or reject")
        return RedirectResponse(f"/centres/{node_id}/forks", status_code=303)

    @app.get("/modules/{module_id}", response_class=HTMLResponse)
    def module_page(
        request: Request, module_id: str, who: Staff, offset: Offset = 0
    ) -> HTMLResponse:
        user, organisation = who
        t = _tr(request)
        found = reports.module_results(
            store, organisation, module_id, limit=PAGE_ROWS + 1, offset=offset
        )
        rows, pages = _paged(request, found, offset)
        return page(
            request,
            user,
            t("Module {module_id}", module_id=module_id),
            pages=pages,
            sections=[
                {
                    "heading": t("Sittings from {start}", start=offset + 1),
                    "columns": [
                        "Centre",
                        "Learner",
                        "Score %",
                        "Passed",
                        "Submitted",
                        "Credential",
                    ],
                    "rows": [
                        [
                            r["centre"],
                            _link(
                                r["learner_id"],
                                f"/centres/{r['node_id']}/learners/{r['learner_id']}",
                            ),
                            r["score_percent"],
                            t("yes") if r["passed"] else t("no"),
                            _when(r["submitted_at"]),
                            _credential_link(r["node_id"], r["credential_id"])
                            if r["credential_id"]
                            else None,
                        ]
                        for r in rows
                    ],
                }
            ],
        )

    @app.get("/centres/{node_id}/learners/{learner_id}", response_class=HTMLResponse)
    def learner_page(request: Request, node_id: str, learner_id: str, who: Staff) -> HTMLResponse:
        user, organisation = who
        t = _tr(request)
        rows = reports.learner_results(store, organisation, node_id, learner_id)
        return page(
            request,
            user,
            t("Learner {learner_id}", learner_id=learner_id),
            sections=[
                {
                    "heading": "Sittings",
                    "columns": ["Module", "Score %", "Passed", "Submitted"],
                    "rows": [
                        [
                            r["module_id"],
                            r["score_percent"],
                            t("yes") if r["passed"] else t("no"),
                            _when(r["submitted_at"]),
                        ]
                        for r in rows
                    ],
                }
            ],
        )

    @app.get("/credentials", response_class=HTMLResponse)
    def registry_page(request: Request, who: Staff, offset: Offset = 0) -> HTMLResponse:
        user, organisation = who
        t = _tr(request)
        rows, pages = _paged(
            request,
            reports.registry(store, organisation, limit=PAGE_ROWS + 1, offset=offset),
            offset,
        )
        return page(
            request,
            user,
            "Credential registry",
            pages=pages,
            sections=[
                {
                    "heading": t("Credentials from {start}", start=offset + 1),
                    "columns": [
                        "Credential",
                        "Centre",
                        "Module",
                        "Issued (node clock)",
                        "Made after (hub)",
                        "Received",
                        "Status",
                    ],
                    "rows": [
                        [
                            _credential_link(r["node_id"], r["credential_id"]),
                            r["centre"],
                            r["module_id"],
                            _when(r["issued_at"]) + (f" ⚠ {t('clock')}" if r["time_flag"] else ""),
                            _when(r["not_before"]),
                            _when(r["received_at"]),
                            t(r["status"]),
                        ]
                        for r in rows
                    ],
                }
            ],
        )

    @app.get("/credentials/{credential_id}", response_class=HTMLResponse)
    def credential_by_id(request: Request, credential_id: str, who: Staff) -> Response:
        """An address without its node: the credential's page when one centre holds the
        id, the list of centres (409) when several do."""
        _, organisation = who
        node_id = _only_holder(store, organisation, credential_id, credential_path)
        target = credential_path(node_id, credential_id)
        if request.url.query:
            target += "?" + request.url.query
        return RedirectResponse(target, status_code=303)

    @app.get("/credentials/{node_id}/{credential_id}", response_class=HTMLResponse)
    def credential_page(
        request: Request, node_id: str, credential_id: str, who: Staff
    ) -> HTMLResponse:
        user, organisation = who
        t = _tr(request)
        entry = _entry(store, organisation, node_id, credential_id)
        fields = [
            (t(ENTRY_LABELS.get(k, k)), _entry_value(t, k, v))
            for k, v in entry.items()
            if k != "cose"
        ]
        shared = nodes.shared_slots(store, node_id, credential_id)
        sections = [{"heading": "Registry entry", "columns": ["Field", "Value"], "rows": fields}]
        if shared:
            sections.append(_shared_section(store, t, organisation, node_id, credential_id, shared))
        reissue = nodes.reissue(store, node_id, credential_id)
        if reissue is not None:
            sections.append(_reissue_section(t, node_id, credential_id, reissue))
        others = [
            h
            for h in reports.holders(store, organisation, credential_id)
            if h["node_id"] != node_id
        ]
        if others:
            sections.append(_holders_section(t, credential_id, others))
        active = entry["status"] == "active"
        here = credential_path(node_id, credential_id)
        return page(
            request,
            user,
            t("Credential {credential_id}", credential_id=credential_id),
            alerts=[*_collision_alerts(t, credential_id, others), *_shared_alerts(t, shared)],
            sections=sections,
            revoke=f"{here}/revoke" if active else None,
            reissue=f"{here}/reissue" if active and shared and reissue is None else None,
        )

    def ask_reissue(
        node_id: str, credential_id: str, reason: str, who: tuple[str, str]
    ) -> Response:
        user, organisation = who
        _entry(store, organisation, node_id, credential_id)
        nodes.request_reissue(
            store, node_id, credential_id, staff=user, reason=reason, now=datetime.now(UTC)
        )
        return RedirectResponse(credential_path(node_id, credential_id), status_code=303)

    @app.post("/credentials/{node_id}/{credential_id}/reissue")
    def reissue_at(
        node_id: str, credential_id: str, reason: Annotated[str, Form()], who: StaffForm
    ) -> Response:
        return ask_reissue(node_id, credential_id, reason, who)

    @app.post("/credentials/{credential_id}/reissue")
    def reissue_by_id(
        credential_id: str, reason: Annotated[str, Form()], who: StaffForm
    ) -> Response:
        node_id = _only_holder(store, who[1], credential_id, credential_path)
        return ask_reissue(node_id, credential_id, reason, who)

    def revoke(
        request: Request,
        node_id: str,
        credential_id: str,
        reason: str,
        who: tuple[str, str],
        confirm: str,
    ) -> Response:
        user, organisation = who
        _entry(store, organisation, node_id, credential_id)
        reason = nodes.check_reason(reason)
        shared = nodes.shared_slots(store, node_id, credential_id)
        listed = " ".join(sorted(s.other_id for s in shared))
        here = credential_path(node_id, credential_id)
        if shared and confirm != listed:
            # One bit per slot: the format cannot revoke one of them alone. Say so first,
            # and again if another credential reached the slot since the warning was shown.
            t = _tr(request)
            return page(
                request,
                user,
                "Revoking this credential revokes others too",
                alerts=_shared_alerts(t, shared),
                sections=[_shared_section(store, t, organisation, node_id, credential_id, shared)],
                revoke=f"{here}/revoke",
                confirm=listed,
                reason=reason,
                here=here,
            )
        nodes.revoke_credential(
            store, hub.root_key, node_id, credential_id, reason, now=datetime.now(UTC)
        )
        return RedirectResponse(here, status_code=303)

    @app.post("/credentials/{node_id}/{credential_id}/revoke")
    def revoke_at(
        request: Request,
        node_id: str,
        credential_id: str,
        reason: Annotated[str, Form()],
        who: StaffForm,
        confirm: Annotated[str, Form()] = "",
    ) -> Response:
        return revoke(request, node_id, credential_id, reason, who, confirm)

    @app.post("/credentials/{credential_id}/revoke")
    def revoke_by_id(
        request: Request,
        credential_id: str,
        reason: Annotated[str, Form()],
        who: StaffForm,
        confirm: Annotated[str, Form()] = "",
    ) -> Response:
        node_id = _only_holder(store, who[1], credential_id, credential_path)
        return revoke(request, node_id, credential_id, reason, who, confirm)

    @app.get("/equity", response_class=HTMLResponse)
    def equity_page(request: Request, who: Staff) -> HTMLResponse:
        user, organisation = who
        t = _tr(request)
        rows = reports.equity(store, organisation, year=datetime.now(UTC).year)
        return page(
            request,
            user,
            "Equity figures",
            sections=[
                {
                    "heading": "By gender, age band and centre",
                    "columns": [
                        "Dimension",
                        "Group",
                        "Learners",
                        "Sittings",
                        "Passed",
                        "Credentials",
                    ],
                    "rows": [
                        [
                            t(r.dimension),
                            r.group if r.dimension == "centre" else t(r.group),
                            r.learners,
                            r.sittings,
                            r.passed,
                            r.credentials,
                        ]
                        for r in rows
                    ],
                }
            ],
        )

    @app.get("/api/v1/modules/{module_id}/results", response_model=ModuleResults, responses=ERRORS)
    def api_module_results(module_id: str, organisation: Scope) -> dict[str, Any]:
        """Every sitting of the module synced from the organisation's centres."""
        return {
            "module_id": module_id,
            "results": reports.module_results(store, organisation, module_id),
        }

    def api_entry(organisation: str, node_id: str, credential_id: str) -> dict[str, Any]:
        entry = _entry(store, organisation, node_id, credential_id)
        entry["cose"] = bytes(entry["cose"]).hex()
        return entry

    def api_badge(organisation: str, node_id: str, credential_id: str) -> dict[str, Any]:
        from hub.exports import open_badge_for

        entry = _entry(store, organisation, node_id, credential_id)
        return open_badge_for(store, bytes(entry["cose"]), hub.root_key, settings)

    @app.get(
        "/api/v1/nodes/{node_id}/credentials/{credential_id}",
        response_model=CredentialEntry,
        responses=ERRORS,
    )
    def api_credential(node_id: str, credential_id: str, organisation: Scope) -> dict[str, Any]:
        """One credential of the registry, by its centre and its id."""
        return api_entry(organisation, node_id, credential_id)

    @app.get("/api/v1/nodes/{node_id}/credentials/{credential_id}/ob3", responses=ERRORS)
    def api_open_badge(node_id: str, credential_id: str, organisation: Scope) -> dict[str, Any]:
        """The credential as a signed Open Badges 3.0 AchievementCredential."""
        return api_badge(organisation, node_id, credential_id)

    @app.get(
        "/api/v1/credentials/{credential_id}", response_model=CredentialEntry, responses=ERRORS
    )
    def api_credential_by_id(credential_id: str, organisation: Scope) -> dict[str, Any]:
        """One credential, when one centre holds that id (409 ``ambiguous`` otherwise)."""
        node_id = _only_holder(store, organisation, credential_id, api_credential_path)
        return api_entry(organisation, node_id, credential_id)

    @app.get("/api/v1/credentials/{credential_id}/ob3", responses=ERRORS)
    def api_open_badge_by_id(credential_id: str, organisation: Scope) -> dict[str, Any]:
        """The Open Badges export, when one centre holds that id."""
        node_id = _only_holder(
            store, organisation, credential_id, lambda n, c: api_credential_path(n, c) + "/ob3"
        )
        return api_badge(organisation, node_id, credential_id)

    @app.get("/api/v1/equity", response_model=EquityOut, responses=ERRORS)
    def api_equity(organisation: Scope) -> dict[str, Any]:
        """Learners, sittings, passes and credentials by gender, age band and centre."""
        rows = reports.equity(store, organisation, year=datetime.now(UTC).year)
        return {"equity": [row.__dict__ for row in rows]}

    return app
