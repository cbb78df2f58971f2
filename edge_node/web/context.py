"""The per-request context every page and API route receives: node, principal, language."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Response, UploadFile
from pydantic import BaseModel, ValidationError

from credentials.languages import from_accept_language
from credentials.qr import PhotoReading, read_qr_photo
from edge_node.accounts import session_role
from edge_node.errors import BadRequest, Forbidden, Unauthorized
from edge_node.i18n import LANGUAGES, N_, gettext
from edge_node.learners import current_id
from edge_node.node import Node
from edge_node.sessions import end_session, session_ended
from edge_node.web.security import LANG_COOKIE, SESSION_COOKIE, Principal, SessionCodec, anonymous
from sync import pools

T = TypeVar("T")

MAX_FORM_BYTES = 64 * 1024
MAX_PHOTO_BYTES = 8 * 1024 * 1024
"""A phone's photo of a QR code (1-3 MB is usual)."""


def pick_language(request: Request, default: str) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return str(chosen)
    return from_accept_language(request.headers.get("accept-language", ""), default)


@dataclass
class Ctx:
    request: Request
    node: Node
    codec: SessionCodec
    principal: Principal
    lang: str
    fresh: bool = False
    set_lang: str | None = None
    forget_lang: bool = False
    _form: dict[str, str] | None = field(default=None, repr=False)

    @property
    def csrf(self) -> str:
        return self.codec.csrf_token(self.principal)

    def sign_in(self, principal: Principal) -> None:
        self.principal = principal
        self.fresh = True

    def sign_out(self) -> None:
        """End this session on the node (its cookie's or token's copies stop working) and
        start an anonymous one."""
        if self.principal.is_staff or self.principal.is_learner:
            now = time.time()
            end_session(
                self.node.db,
                self.principal.nonce,
                now=now,
                expires_at=now + self.codec.max_age_s,
            )
        self.principal = anonymous()
        self.fresh = True

    def choose_language(self, lang: str) -> None:
        if lang in LANGUAGES:
            self.lang = lang
            self.set_lang = lang

    def forget_language(self) -> None:
        """Drop the language cookie: the device's own language applies again."""
        self.forget_lang = True

    def finish(self, response: Response) -> Response:
        """Attach the cookies this request changed."""
        secure = self.node.settings.secure_cookies
        if self.fresh:
            response.set_cookie(
                SESSION_COOKIE,
                self.codec.dumps(self.principal),
                max_age=self.codec.max_age_s,
                httponly=True,
                samesite="lax",
                secure=secure,
            )
        if self.set_lang:
            response.set_cookie(
                LANG_COOKIE, self.set_lang, max_age=365 * 86400, samesite="lax", secure=secure
            )
        elif self.forget_lang:
            response.delete_cookie(LANG_COOKIE, samesite="lax", secure=secure)
        return response

    async def form(self) -> dict[str, str]:
        """The posted form's text fields, after its CSRF token is checked. Files are not
        read here: a route that takes a photo declares it (``File``). The body's size was
        bounded before the route ran (``web.app``: a form, or a photo on the photo routes)."""
        if self._form is None:
            raw = await self.request.form(max_files=0, max_fields=200)
            data = {k: v for k, v in raw.items() if isinstance(v, str)}
            if not self.codec.check_csrf(self.principal, data.get("csrf")):
                raise Forbidden(
                    "This form has expired or cookies are switched off. "
                    "Go back, reload the page and try again."
                )
            self._form = data
        return self._form

    async def form_with_photo(
        self, photo: UploadFile | None
    ) -> tuple[dict[str, str], bytes | None]:
        """The form's text fields and the uploaded photo, if any (at most 8 MB)."""
        form = await self.form()
        if photo is None or not photo.filename:
            return form, None
        image = await photo.read(MAX_PHOTO_BYTES + 1)
        if len(image) > MAX_PHOTO_BYTES:
            raise BadRequest("The photo is too large (8 MB at most)")
        return form, image

    async def read_photo(self, image: bytes | None) -> PhotoReading | None:
        """The photo read in the pool of photo readers (:data:`sync.pools.PHOTOS`)."""
        return await pools.PHOTOS.run(read_qr_photo, image) if image else None

    async def with_passwords(self, work: Callable[[Node], T], *, hashing: bool = True) -> T:
        """``work`` (an argon2 check or hash, and what it reads and writes) in the pool of
        password workers, on a database connection of its own; here, on the loop's, when
        it is ``hashing`` nothing (a learner with no PIN joins or is registered)."""
        if not hashing:
            return work(self.node)

        def run() -> T:
            with self.node.own_connection() as node:
                return work(node)

        return await pools.PASSWORDS.run(run)

    def require_staff(self) -> str:
        if not self.principal.account_id:
            raise Unauthorized("Please log in as a worker")
        return self.principal.account_id

    def require_admin(self) -> str:
        account_id = self.require_staff()
        if not self.principal.is_admin:
            raise Forbidden("Only an admin may do this")
        return account_id

    def require_learner(self) -> str:
        if not self.principal.learner_id:
            raise Unauthorized("Please join a session with your learner code")
        # A worker may have merged the record this learner joined with into another.
        return current_id(self.node, self.principal.learner_id)


async def get_ctx(request: Request) -> Ctx:
    app_state = request.app.state
    codec: SessionCodec = app_state.codec
    node: Node = app_state.node
    principal = None
    fresh = False
    authorization = request.headers.get("authorization", "")
    bearer = authorization[7:] if authorization.lower().startswith("bearer ") else None
    if bearer:
        principal = _current(node, codec.loads(bearer))
        if principal is None:
            raise Unauthorized("The bearer token is invalid or has expired")
    else:
        principal = _current(node, codec.loads(request.cookies.get(SESSION_COOKIE)))
        if principal is None:
            principal, fresh = anonymous(), True
        elif (
            # A forged request can only abuse a signed-in session; anonymous calls are public.
            (principal.is_staff or principal.is_learner)
            and request.method not in ("GET", "HEAD", "OPTIONS")
            and request.url.path.startswith("/api/")
            and not codec.check_csrf(principal, request.headers.get("x-csrf-token"))
        ):
            raise Forbidden("Send the X-CSRF-Token header (from GET /api/v1/me) with cookies")
    return Ctx(
        request=request,
        node=node,
        codec=codec,
        principal=principal,
        lang=pick_language(request, node.settings.default_language),
        fresh=fresh,
    )


def _current(node: Node, principal: Principal | None) -> Principal | None:
    """The principal, or None for a session ended by logging out, or a staff session whose
    account was disabled or given a new password since it began (the role is the
    account's own, as stored)."""
    if principal is None or not (principal.is_staff or principal.is_learner):
        return principal
    if session_ended(node.db, principal.nonce):
        return None
    if principal.account_id is None:
        return principal
    role = session_role(node.db, principal.account_id, principal.epoch)
    return None if role is None else replace(principal, role=role.value)


CtxDep = Annotated[Ctx, Depends(get_ctx)]


def parse(model: type[BaseModel], data: dict[str, Any], lang: str | None = None) -> Any:
    """Validate form data into a model; errors become one plain :class:`BadRequest`, in
    ``lang`` for a page (:func:`describe_errors`)."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise BadRequest(describe_errors(error.errors(), lang)) from None


FIELD_LABELS = {
    "name": N_("Name"),
    "phone": N_("Phone"),
    "birth_year": N_("Year of birth"),
    "gender": N_("Gender"),
    "village": N_("Village"),
    "language": N_("Preferred language"),
    "pin": N_("PIN"),
    "consent": N_("Consent"),
    "page": N_("Page"),
}
"""The label a page gives each field a form or an address can get wrong."""

_NUMBER = N_("{field} must be a number.")
SENTENCES = {
    "missing": N_("{field} is required."),
    "string_too_short": N_("{field} must be at least {limit} characters."),
    "string_too_long": N_("{field} must be at most {limit} characters."),
    "int_parsing": _NUMBER,
    "int_type": _NUMBER,
    "int_from_float": _NUMBER,
    "float_parsing": _NUMBER,
    "float_type": _NUMBER,
    "greater_than_equal": N_("{field} must be {limit} or more."),
    "greater_than": N_("{field} must be more than {limit}."),
    "less_than_equal": N_("{field} must be {limit} or less."),
    "less_than": N_("{field} must be less than {limit}."),
    "string_pattern_mismatch": N_("{field} is not written as asked."),
}
"""Pydantic's common error types as a sentence a page translates (``credentials.i18n``)."""


def describe_errors(errors: list[Any], lang: str | None = None) -> str:
    """Validation errors as one message: for the API (``lang`` None) as pydantic words
    them, with the field's name; for a page, sentences in ``lang`` naming the field's
    label."""
    parts = []
    for item in errors[:6]:
        if lang is None:
            where = ".".join(str(p) for p in item["loc"] if p != "body")
            message = str(item["msg"]).removeprefix("Value error, ")
            parts.append(f"{where}: {message}" if where else message)
        else:
            parts.append(_sentence(item, lang))
    return "; ".join(parts)


def _sentence(item: Any, lang: str) -> str:
    names = [str(p) for p in item["loc"] if p not in ("body", "query", "path")]
    field = names[-1] if names else ""
    label = gettext(lang, FIELD_LABELS.get(field, field))
    limits = item.get("ctx") or {}
    limit = next(
        (limits[k] for k in ("min_length", "max_length", "ge", "gt", "le", "lt") if k in limits),
        None,
    )
    kind = "missing" if item["type"] == "string_too_short" and limit == 1 else item["type"]
    if kind in SENTENCES:
        return gettext(lang, SENTENCES[kind]).format(field=label, limit=limit)
    message = gettext(lang, str(item["msg"]).removeprefix("Value error, "))
    return f"{label}: {message}" if label else message
