"""What every page and API route of the hub receives: one ``HubCtx``.

It holds the hub (its store and root key), the settings, the session signers, the
reader's language and, on staff routes, the logged-in staff member and their
organisation. Routes take it through FastAPI's dependencies: ``Ctx`` (anyone),
``StaffCtx`` (a staff session), ``StaffFormCtx`` (a staff session posting a form this
session's page gave them, CSRF-checked) and ``Scope`` (the JSON API's bearer token).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, Form, Header, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer

from hub.app import is_form
from hub.ingest import Hub
from hub.settings import HubSettings
from hub.staff import (
    SESSION_MAX_AGE_S,
    NotAuthenticated,
    end_session,
    session_staff,
    token_organisation,
)
from hub.store import Store
from hub.tables import PAGE_ROWS
from hub.translations import LANG_COOKIE, LANGUAGE_NAMES, LANGUAGES, pick_language, translator
from sync.errors import SyncError

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
Offset = Annotated[int, Query(ge=0, le=MAX_NUMBER)]
templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))


class FormExpired(SyncError):
    """A staff form without the CSRF token of the session that sent it."""

    status = 403
    reason = "form_expired"


@dataclass(frozen=True)
class WebState:
    """What the web app keeps for its life (``app.state.web``)."""

    hub: Hub
    settings: HubSettings
    signer: URLSafeTimedSerializer
    """Signs the session cookie: the id of a staff session row (``hub.staff``)."""
    known_devices: URLSafeTimedSerializer
    csrf_secret: bytes


@dataclass
class HubCtx:
    """One request as a route sees it: the hub, the reader's language and, on staff
    routes, who is logged in (``user``) and their ``organisation``."""

    request: Request
    web: WebState
    lang: str
    user: str | None = None
    organisation: str = ""

    @classmethod
    def of(cls, request: Request) -> HubCtx:
        """The anonymous context of ``request`` (error handlers build theirs so too)."""
        lang = pick_language(
            request.query_params.get("lang"),
            request.cookies.get(LANG_COOKIE),
            request.headers.get("accept-language", ""),
        )
        return cls(request, request.app.state.web, lang)

    @property
    def staff(self) -> str:
        """The logged-in staff member (on staff routes, whose dependency sets ``user``)."""
        if self.user is None:
            raise NotAuthenticated("please log in")
        return self.user

    @property
    def hub(self) -> Hub:
        return self.web.hub

    @property
    def store(self) -> Store:
        return self.web.hub.store

    @property
    def settings(self) -> HubSettings:
        return self.web.settings

    @property
    def t(self) -> Callable[..., str]:
        """The reader's translator."""
        return translator(self.lang)

    @property
    def csrf(self) -> str:
        """The token staff forms carry: bound to this session's cookie, so a page of another
        site (which cannot read it) cannot post a staff form."""
        cookie = self.request.cookies.get(SESSION_COOKIE, "")
        if not cookie:
            return ""
        key = hashlib.sha256(b"fieldcred-hub-csrf" + self.web.csrf_secret).digest()
        return hmac.new(key, cookie.encode(), hashlib.sha256).hexdigest()[:32]

    def csrf_ok(self, token: str) -> bool:
        expected = self.csrf.encode()
        return bool(expected) and hmac.compare_digest(expected, token.encode()[:64])

    @property
    def session_id(self) -> str | None:
        """The id of the staff session the signed cookie names (whether or not it still
        runs)."""
        cookie = self.request.cookies.get(SESSION_COOKIE, "")
        if not cookie or len(cookie) > 512:
            return None
        try:
            value = self.web.signer.loads(cookie, max_age=SESSION_MAX_AGE_S)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    def end_session(self) -> bool:
        """End the staff session the cookie names; whether one was running."""
        session_id = self.session_id
        now = int(time.time())
        if session_id is None or session_staff(self.store, session_id, now=now) is None:
            return False
        end_session(self.store, session_id, now=now)
        return True

    def known_device(self, username: str) -> bool:
        """Whether this browser logged in as ``username`` before (its signed cookie)."""
        cookie = self.request.cookies.get(KNOWN_DEVICE_COOKIE, "")
        if not cookie or len(cookie) > 512:
            return False
        try:
            return bool(
                self.web.known_devices.loads(cookie, max_age=KNOWN_DEVICE_MAX_AGE_S) == username
            )
        except BadSignature:
            return False

    def same_origin(self) -> bool:
        """Whether a browser's post came from one of the hub's own pages. Browsers name
        where a post comes from (``Sec-Fetch-Site``, or in older ones ``Origin``); a script
        that names nothing is not a browser carrying someone's cookies. Only the host is
        compared: behind a proxy that ends TLS the hub may see its own address as
        ``http``."""
        site = self.request.headers.get("sec-fetch-site")
        if site is not None:
            return site in ("same-origin", "none")
        origin = self.request.headers.get("origin")
        if origin is None:
            return True
        return urlsplit(origin).netloc == self.request.headers.get("host", "")

    def wants_page(self) -> bool:
        """Pages answer errors with a page; the API, nodes and scripts with JSON or CBOR."""
        request = self.request
        path = request.url.path
        if path.startswith(("/api/", "/sync/")):
            return False
        return path != "/verify" or request.method != "POST" or is_form(request)

    def pages(self, offset: int, more: bool) -> dict[str, str | None]:
        """The addresses of the previous and next pages of a long table, the rest of the
        address kept."""
        request = self.request

        def at(start: int) -> str:
            kept = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
            return f"{request.url.path}?{urlencode([*kept, ('offset', start)])}"

        return {
            "previous": at(max(0, offset - PAGE_ROWS)) if offset else None,
            "next": at(offset + PAGE_ROWS) if more else None,
        }

    def page(self, title: str, status: int = 200, **context: Any) -> HTMLResponse:
        """A page in the reader's language (``template``: ``tables.html`` unless named)."""
        request = self.request
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
                "hub_name": self.settings.name,
                "user": self.user,
                "alerts": [],
                "lang": self.lang,
                "languages": LANGUAGE_NAMES,
                "_": translator(self.lang),
                "csrf": self.csrf,
                "here": here,
                **context,
            },
            status_code=status,
        )
        if request.query_params.get("lang") in LANGUAGES:
            response.set_cookie(LANG_COOKIE, self.lang, max_age=365 * 86400, samesite="lax")
        return response


def anyone(request: Request) -> HubCtx:
    return HubCtx.of(request)


def staff(request: Request) -> HubCtx:
    """The logged-in staff member and their organisation, from the session the signed
    cookie names: refused once that session has ended (log-out, a new password, the
    account disabled)."""
    ctx = HubCtx.of(request)
    session_id = ctx.session_id
    found = None
    if session_id is not None:
        found = session_staff(ctx.store, session_id, now=int(time.time()))
    if found is None:
        raise NotAuthenticated("please log in")
    ctx.user, ctx.organisation = found
    return ctx


def staff_form(ctx: Annotated[HubCtx, Depends(staff)], csrf: Annotated[str, Form()] = "") -> HubCtx:
    """A logged-in staff member posting a form this session's page gave them."""
    if not ctx.csrf_ok(csrf):
        raise FormExpired("This form has expired. Go back, reload the page and try again.")
    return ctx


def api_scope(request: Request, authorization: Annotated[str, Header()] = "") -> str:
    """The organisation of the bearer token."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthenticated("send Authorization: Bearer <token>")
    web: WebState = request.app.state.web
    return token_organisation(web.hub.store, token.strip())


Ctx = Annotated[HubCtx, Depends(anyone)]
StaffCtx = Annotated[HubCtx, Depends(staff)]
StaffFormCtx = Annotated[HubCtx, Depends(staff_form)]
Scope = Annotated[str, Depends(api_scope)]
