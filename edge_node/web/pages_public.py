"""Pages anyone on the centre's Wi-Fi may open: home, language, log-in, join, verify."""

from __future__ import annotations

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import RedirectResponse, Response

from credentials.languages import LANGUAGES
from edge_node import accounts, assessment, catalogue, learners, verifying
from edge_node.errors import BadRequest, NotFound, Unauthorized
from edge_node.web.context import CtxDep
from edge_node.web.render import render
from edge_node.web.security import learner_principal, staff_principal

router = APIRouter(include_in_schema=False)


def redirect(ctx: CtxDep, url: str) -> Response:
    return ctx.finish(RedirectResponse(url, status_code=303))


def safe_next(url: str | None, default: str = "/") -> str:
    """Only same-site paths: never redirect to another host."""
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url[:300]
    return default


@router.get("/")
async def home(ctx: CtxDep) -> Response:
    return render(ctx, "home.html")


@router.get("/lang/{code}")
async def choose_language(ctx: CtxDep, code: str, next: str | None = None) -> Response:
    if code not in LANGUAGES:
        raise BadRequest("Unknown language")
    ctx.choose_language(code)
    return redirect(ctx, safe_next(next))


@router.get("/login")
async def login_page(ctx: CtxDep, next: str | None = None) -> Response:
    return render(ctx, "login.html", next=safe_next(next, ""))


@router.post("/login")
async def login(ctx: CtxDep) -> Response:
    form = await ctx.form()
    node = ctx.node
    throttle = accounts.Throttle(node.settings.login_max_failures, node.settings.login_lockout_s)
    client = ctx.request.client.host if ctx.request.client else "unknown"

    try:
        account = await ctx.with_passwords(
            lambda mine: accounts.authenticate(
                mine.db,
                username=form.get("username", "")[:64],
                password=form.get("password", ""),
                client=client,
                throttle=throttle,
                now=mine.clock.now().timestamp(),
                hasher=accounts.hasher_for(mine.settings),
            )
        )
    except Unauthorized as error:
        back_to = safe_next(form.get("next"), "")
        return render(ctx, "login.html", status=401, error=error.message, next=back_to)
    ctx.sign_in(staff_principal(account))
    return redirect(ctx, safe_next(form.get("next"), "/dashboard"))


@router.post("/logout")
async def logout(ctx: CtxDep) -> Response:
    await ctx.form()
    if ctx.principal.is_learner:
        # On the centre's shared tablet the next learner starts in its own language.
        ctx.forget_language()
    ctx.sign_out()
    return redirect(ctx, "/")


@router.get("/join")
async def join_page(ctx: CtxDep, session: str = "", learner: str = "", lang: str = "") -> Response:
    """The join form; ``lang`` is a language the learner chose here, which then wins over
    the one recorded when they registered."""
    ctx.choose_language(lang)
    return render(
        ctx,
        "join.html",
        session_code=session[:12],
        learner_code=learner[:16],
        chosen=ctx.set_lang or "",
    )


@router.post("/join")
async def join(ctx: CtxDep) -> Response:
    form = await ctx.form()
    session_code = form.get("session", "")[:12]
    learner_code = form.get("learner", "")[:16]
    chosen = form.get("lang", "")
    client = ctx.request.client.host if ctx.request.client else "unknown"
    try:
        learner, sitting = await ctx.with_passwords(
            lambda mine: assessment.join(
                mine,
                session_code=session_code,
                learner_code=learner_code,
                pin=form.get("pin") or None,
                client=client,
            ),
            hashing=learners.pin_needs_argon2(ctx.node, learner_code),
        )
    except (Unauthorized, NotFound) as error:
        return render(
            ctx,
            "join.html",
            status=error.status,
            error=error.message,
            session_code=session_code,
            learner_code=learner_code,
            chosen=chosen if chosen in LANGUAGES else "",
        )
    ctx.sign_in(learner_principal(learner.id))
    # Not the language the last person on this tablet left: the one this learner chose
    # on the join page, else the one recorded when they registered.
    ctx.choose_language(chosen if chosen in LANGUAGES else learner.language)
    return redirect(ctx, f"/sit/{sitting.id}")


@router.get("/media/{module_id}/{path:path}")
async def media(ctx: CtxDep, module_id: str, path: str) -> Response:
    found = catalogue.media_file(ctx.node.db, module_id[:64], path[:200])
    if found is None:
        raise NotFound("No such image")
    data, media_type = found
    return Response(
        data,
        media_type=media_type,
        headers={
            "Cache-Control": "public, max-age=86400",
            # Images come from signed packs; still, an SVG opened directly runs nothing.
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
    )


@router.get("/verify")
async def verify_page(ctx: CtxDep) -> Response:
    return render(ctx, "verify.html")


@router.post("/verify")
async def verify(ctx: CtxDep, photo: UploadFile | None = File(None)) -> Response:
    form, image = await ctx.form_with_photo(photo)
    text = form.get("text", "").strip()
    reading = await ctx.read_photo(image)
    result = verifying.check_here(ctx.node, text=text or None, photo=reading, lang=ctx.lang)
    return render(ctx, "verify.html", result=result, text=text)
