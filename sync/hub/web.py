"""Staff pages, the organisation-scoped JSON API and public verification, on top of the
sync app. Staff log in; nothing is public except ``/verify`` and ``/trust-list``.

Pages (in English, Kiswahili or French: ``?lang=``, then a cookie, then the browser's
Accept-Language) work without JavaScript. ``GET /verify`` is a form anyone may use
(QR text or a photo); its form post answers with a page, while a raw body still gets
JSON. Staff forms carry a CSRF token bound to the session cookie. A node's forks are
resolved at ``/centres/{node_id}/forks`` (``sync.hub.forks``). A credential sharing its
revocation slot is revoked at ``/credentials/{id}/revoke`` only after a warning listing
every credential on the slot, or first issued again by its centre on a slot of its own
(``/credentials/{id}/reissue``, ``sync.hub.nodes.request_reissue``).

JSON API (``Authorization: Bearer <token>``, tokens from ``fieldcred hub add-token``),
every answer limited to the token's organisation:

* ``GET /api/v1/modules/{module_id}/results`` — every sitting of the module synced from
  the organisation's centres, with its credential id and status (the LMS plugin's view
  of offline results);
* ``GET /api/v1/credentials/{credential_id}`` — one registry entry;
* ``GET /api/v1/credentials/{credential_id}/ob3`` — the same achievement as a signed
  Open Badges 3.0 credential;
* ``GET /api/v1/equity`` — learners, sittings, passes and credentials by gender, age
  band and centre.
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
from urllib.parse import urlencode

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
from credentials.verifier import VerifierApp
from sync import alerts
from sync.errors import BadRequest, NotFound, SyncError, TooLarge
from sync.hub import forks, nodes, reports, xapi
from sync.hub.app import create_app, is_form
from sync.hub.ingest import Hub
from sync.hub.projection import PRESENTED
from sync.hub.settings import HubSettings
from sync.hub.staff import (
    LoginLocked,
    NotAuthenticated,
    log_in,
    staff_organisation,
    token_organisation,
)
from sync.hub.store import Store
from sync.hub.translations import (
    LANG_COOKIE,
    LANGUAGE_NAMES,
    LANGUAGES,
    pick_language,
    translator,
)

SESSION_COOKIE = "fieldcred_hub"
SESSION_MAX_AGE_S = 12 * 3600
MAX_PHOTO_BYTES = 8 * 1024 * 1024
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


def _staff(request: Request) -> tuple[str, str]:
    """The logged-in staff member and their organisation, from the signed session cookie."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    try:
        username = str(request.app.state.signer.loads(cookie, max_age=SESSION_MAX_AGE_S))
    except BadSignature:
        raise NotAuthenticated("please log in") from None
    organisation = staff_organisation(request.app.state.hub.store, username)
    if organisation is None:
        raise NotAuthenticated("please log in")
    return username, organisation


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
    """Why two learners are linked (``sync.hub.projection``), in the reader's language."""
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
    credential_id: str,
    shared: list[nodes.SharedSlot],
) -> dict[str, Any]:
    """This credential and every one on its slot: what one revocation revokes."""
    ids = [credential_id, *(s.other_id for s in shared)]
    entries = [reports.credential(store, organisation, c) for c in ids]
    return {
        "heading": "Credentials on the same revocation slot",
        "columns": ["Credential", "Centre", "Module", "Issued (node clock)", "Status"],
        "rows": [
            [
                _link(e["credential_id"], f"/credentials/{e['credential_id']}"),
                e["centre"],
                e["module_id"],
                _when(e["issued_at"]),
                t(e["status"]),
            ]
            for e in entries
            if e is not None
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
    t: Callable[..., str], credential_id: str, reissue: nodes.Reissue
) -> dict[str, Any]:
    """Staff asked the centre to issue this credential again on a slot of its own: who,
    when, why, and the replacement once it has arrived (or what it replaced)."""
    if reissue.credential_id != credential_id:
        other = _link(reissue.credential_id, f"/credentials/{reissue.credential_id}")
        done = [[t("Replaces"), other]]
    elif reissue.replacement_id is None:
        done = [[t("Replacement"), t("Waiting for the centre's next sync")]]
    else:
        replacement = _link(reissue.replacement_id, f"/credentials/{reissue.replacement_id}")
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

    @app.exception_handler(SyncError)
    async def sync_error(request: Request, error: SyncError) -> Response:
        from sync.hub.app import _sync_error

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
        result = await run_in_threadpool(
            verdicts.check,
            nodes.latest_trust(store),
            text=text,
            image=image or None,
            lang=_lang(request),
            now=datetime.now(UTC),
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
    def login(
        request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()]
    ) -> Response:
        client = request.client.host if request.client else ""
        try:
            log_in(store, username, password, client=client, now=int(time.time()))
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
            signer.dumps(username),
            max_age=SESSION_MAX_AGE_S,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",  # behind TLS (or a proxy that says so)
        )
        return response

    @app.post("/logout")
    def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
        # Another site cannot log staff out; a session already gone needs no token.
        if _csrf(request) and not _csrf_ok(request, csrf):
            raise FormExpired("This form has expired. Go back, reload the page and try again.")
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

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
                            _link(r["credential_id"], f"/credentials/{r['credential_id']}")
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
                            _link(r["credential_id"], f"/credentials/{r['credential_id']}"),
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
    def credential_page(request: Request, credential_id: str, who: Staff) -> HTMLResponse:
        user, organisation = who
        t = _tr(request)
        entry = reports.credential(store, organisation, credential_id)
        if entry is None:
            raise NotFound(f"no credential {credential_id}")
        fields = [
            (t(ENTRY_LABELS.get(k, k)), _entry_value(t, k, v))
            for k, v in entry.items()
            if k != "cose"
        ]
        shared = nodes.shared_slots(store, entry["node_id"], credential_id)
        sections = [{"heading": "Registry entry", "columns": ["Field", "Value"], "rows": fields}]
        if shared:
            sections.append(_shared_section(store, t, organisation, credential_id, shared))
        reissue = nodes.reissue(store, entry["node_id"], credential_id)
        if reissue is not None:
            sections.append(_reissue_section(t, credential_id, reissue))
        active = entry["status"] == "active"
        return page(
            request,
            user,
            t("Credential {credential_id}", credential_id=credential_id),
            alerts=_shared_alerts(t, shared),
            sections=sections,
            revoke=f"/credentials/{credential_id}/revoke" if active else None,
            reissue=f"/credentials/{credential_id}/reissue"
            if active and shared and reissue is None
            else None,
        )

    @app.post("/credentials/{credential_id}/reissue")
    def ask_reissue(credential_id: str, reason: Annotated[str, Form()], who: StaffForm) -> Response:
        user, organisation = who
        entry = reports.credential(store, organisation, credential_id)
        if entry is None:
            raise NotFound(f"no credential {credential_id}")
        nodes.request_reissue(
            store, entry["node_id"], credential_id, staff=user, reason=reason, now=datetime.now(UTC)
        )
        return RedirectResponse(f"/credentials/{credential_id}", status_code=303)

    @app.post("/credentials/{credential_id}/revoke")
    def revoke(
        request: Request,
        credential_id: str,
        reason: Annotated[str, Form()],
        who: StaffForm,
        confirm: Annotated[str, Form()] = "",
    ) -> Response:
        user, organisation = who
        entry = reports.credential(store, organisation, credential_id)
        if entry is None:
            raise NotFound(f"no credential {credential_id}")
        reason = nodes.check_reason(reason)
        shared = nodes.shared_slots(store, entry["node_id"], credential_id)
        listed = " ".join(sorted(s.other_id for s in shared))
        if shared and confirm != listed:
            # One bit per slot: the format cannot revoke one of them alone. Say so first,
            # and again if another credential reached the slot since the warning was shown.
            t = _tr(request)
            return page(
                request,
                user,
                "Revoking this credential revokes others too",
                alerts=_shared_alerts(t, shared),
                sections=[_shared_section(store, t, organisation, credential_id, shared)],
                revoke=f"/credentials/{credential_id}/revoke",
                confirm=listed,
                reason=reason,
                here=f"/credentials/{credential_id}",
            )
        nodes.revoke_credential(
            store, hub.root_key, entry["node_id"], credential_id, reason, now=datetime.now(UTC)
        )
        return RedirectResponse(f"/credentials/{credential_id}", status_code=303)

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

    @app.get("/api/v1/modules/{module_id}/results")
    def api_module_results(module_id: str, organisation: Scope) -> dict[str, Any]:
        return {
            "module_id": module_id,
            "results": reports.module_results(store, organisation, module_id),
        }

    @app.get("/api/v1/credentials/{credential_id}")
    def api_credential(credential_id: str, organisation: Scope) -> dict[str, Any]:
        entry = reports.credential(store, organisation, credential_id)
        if entry is None:
            raise NotFound(f"no credential {credential_id}")
        entry["cose"] = bytes(entry["cose"]).hex()
        return entry

    @app.get("/api/v1/credentials/{credential_id}/ob3")
    def api_open_badge(credential_id: str, organisation: Scope) -> dict[str, Any]:
        from sync.hub.exports import open_badge_for

        entry = reports.credential(store, organisation, credential_id)
        if entry is None:
            raise NotFound(f"no credential {credential_id}")
        return open_badge_for(store, bytes(entry["cose"]), hub.root_key, settings)

    @app.get("/api/v1/equity")
    def api_equity(organisation: Scope) -> dict[str, Any]:
        rows = reports.equity(store, organisation, year=datetime.now(UTC).year)
        return {"equity": [row.__dict__ for row in rows]}

    return app
