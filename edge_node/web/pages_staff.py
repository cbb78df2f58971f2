"""Pages for extension workers and admins: dashboard, learners, sessions, scoring, clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal
from urllib.parse import urlencode

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import RedirectResponse, Response

from content.model import localize
from edge_node import (
    accounts,
    assessment,
    events,
    issuance,
    learners,
    pins,
    recognition,
    standing,
    syncing,
)
from edge_node.clock import ClockSource
from edge_node.errors import BadRequest, Conflict
from edge_node.web.context import CtxDep, parse
from edge_node.web.render import render
from sync import pools

router = APIRouter(include_in_schema=False)


def _redirect(ctx: CtxDep, url: str) -> Response:
    return ctx.finish(RedirectResponse(url, status_code=303))


def learner_form_data(form: dict[str, str]) -> dict[str, object]:
    return {
        "name": form.get("name", ""),
        "phone": form.get("phone", ""),
        "birth_year": form.get("birth_year") or None,
        "gender": form.get("gender", ""),
        "village": form.get("village", ""),
        "language": form.get("language", "en"),
        "consent": form.get("consent") == "yes",
        "pin": form.get("pin", ""),
    }


@router.get("/dashboard")
async def dashboard(ctx: CtxDep) -> Response:
    ctx.require_staff()
    node = ctx.node
    since = (node.clock.now() - timedelta(hours=24)).isoformat()
    sessions = assessment.list_sessions(node, since=since)
    rows = [
        (s, assessment.participant_count(node, s.id), assessment.participants(node, s.id, limit=8))
        for s in sessions[:10]
    ]
    backlog = issuance.unissued(node)
    results = issuance.results(node, limit=10)
    return render(
        ctx,
        "dashboard.html",
        sessions=rows,
        results=results,
        standings=standing.by_ids(node, [r.credential_id for r in results if r.credential_id]),
        learner_count=node.db["learners"].count,
        pending_sync=events.pending_count(node.db),
        last_sync=events.last_sync(node.db),
        sync=syncing.problems(node, ctx.lang),
        pending_issuance=len(backlog.waiting),
        withheld=backlog.withheld[:10],
        replacements=issuance.recent_replacements(node),
        clock=node.clock.status(),
        modules=node.modules,
        pathways=node.pathways,
        localize=localize,
    )


LEARNER_PAGE_ROWS = 100


@router.get("/learners")
async def learner_list(ctx: CtxDep, q: str = "", page: int = 0) -> Response:
    ctx.require_staff()
    page = max(0, min(page, 100_000))
    found = learners.search(
        ctx.node, q, limit=LEARNER_PAGE_ROWS + 1, offset=page * LEARNER_PAGE_ROWS
    )
    return render(
        ctx,
        "learners.html",
        learners=found[:LEARNER_PAGE_ROWS],
        pin_locked=pins.locked_ids(ctx.node),
        q=q[:60],
        page=page,
        more=len(found) > LEARNER_PAGE_ROWS,
    )


@router.get("/learners/new")
async def learner_new(ctx: CtxDep) -> Response:
    ctx.require_staff()
    return render(ctx, "learner_form.html", learner=None, values={"language": ctx.lang})


@router.post("/learners/new")
async def learner_create(ctx: CtxDep) -> Response:
    by = ctx.require_staff()
    form = await ctx.form()
    data = learner_form_data(form)
    try:
        details = parse(learners.LearnerDetails, data, ctx.lang)
    except BadRequest as error:
        return render(
            ctx, "learner_form.html", status=400, learner=None, values=form, error=error.message
        )
    learner = learners.register(ctx.node, details, by=by)
    return _redirect(ctx, f"/learners/{learner.id}/card")


@router.get("/learners/{learner_id}/edit")
async def learner_edit(ctx: CtxDep, learner_id: str) -> Response:
    ctx.require_staff()
    learner = learners.get(ctx.node, learner_id)
    return render(ctx, "learner_form.html", learner=learner, values=learner.model_dump())


@router.post("/learners/{learner_id}/edit")
async def learner_update(ctx: CtxDep, learner_id: str) -> Response:
    by = ctx.require_staff()
    learner = learners.get(ctx.node, learner_id)
    form = await ctx.form()
    try:
        details = parse(learners.LearnerDetails, learner_form_data(form), ctx.lang)
    except BadRequest as error:
        return render(
            ctx, "learner_form.html", status=400, learner=learner, values=form, error=error.message
        )
    learners.update(ctx.node, learner_id, details, by=by)
    issuance.issue_for_learner(ctx.node, learner_id)
    return _redirect(ctx, f"/learners/{learner_id}/card")


@router.post("/learners/{learner_id}/name")
async def learner_rename(ctx: CtxDep, learner_id: str) -> Response:
    """The learner card's form for a name longer than a credential holds."""
    by = ctx.require_staff()
    form = await ctx.form()
    try:
        name = parse(learners.LearnerName, {"name": form.get("name", "")}, ctx.lang)
    except BadRequest as error:
        return await _card(
            ctx, learner_id, status=400, name_error=error.message, short_name=form.get("name")
        )
    learners.rename(ctx.node, learner_id, name, by=by)
    issuance.issue_for_learner(ctx.node, learner_id)
    return _redirect(ctx, f"/learners/{learner_id}/card")


@router.get("/learners/merge")
async def learner_merge_page(ctx: CtxDep, keep: str = "", duplicate: str = "") -> Response:
    """Both records and what would move: a merge cannot be undone."""
    ctx.require_staff()
    plan = learners.merge_plan(ctx.node, keep_id=keep[:64], duplicate_id=duplicate[:64])
    return render(ctx, "merge.html", plan=plan)


@router.post("/learners/merge")
async def learner_merge(ctx: CtxDep) -> Response:
    by = ctx.require_staff()
    form = await ctx.form()
    keep_id, duplicate_id = form.get("keep", "")[:64], form.get("duplicate", "")[:64]
    if form.get("confirm") != "yes":
        query = urlencode({"keep": keep_id, "duplicate": duplicate_id})
        return _redirect(ctx, f"/learners/merge?{query}")
    keep = learners.merge(ctx.node, keep_id=keep_id, duplicate_id=duplicate_id, by=by)
    issuance.issue_for_learner(ctx.node, keep.id)
    return _redirect(ctx, f"/learners/{keep.id}/card")


async def _card(ctx: CtxDep, learner_id: str, *, status: int = 200, **notice: object) -> Response:
    from credentials.qr import qr_svg  # with segno: loaded on first use

    learner = learners.get(ctx.node, learner_id)
    # A phone's camera opens the join page at the address the worker uses, which is
    # the centre's Wi-Fi address, with the learner's code filled in.
    qr = await pools.DRAWING.run(qr_svg, f"{ctx.request.base_url}join?learner={learner.code}")
    history = issuance.results(ctx.node, learner_id=learner_id)
    creds = issuance.learner_credentials(ctx.node, learner_id)
    others = [x for x in learners.search(ctx.node, learner.name[:20]) if x.id != learner.id]
    return render(
        ctx,
        "learner_card.html",
        status=status,
        learner=learner,
        qr=qr,
        results=history,
        credentials=creds,
        standings=standing.standings(ctx.node, creds),
        recognised=recognition.learner_recognised(ctx.node, learner_id),
        recognised_standings=standing.recognised_standings(ctx.node, learner_id),
        pin=pins.state(ctx.node, learner_id),
        duplicates=others,
        modules=ctx.node.modules,
        pathways=ctx.node.pathways,
        localize=localize,
        **notice,
    )


@router.get("/learners/{learner_id}/card")
async def learner_card(ctx: CtxDep, learner_id: str) -> Response:
    ctx.require_staff()
    return await _card(ctx, learner_id)


@router.post("/learners/{learner_id}/unlock-pin")
async def learner_unlock_pin(ctx: CtxDep, learner_id: str) -> Response:
    by = ctx.require_staff()
    await ctx.form()
    pins.unlock(ctx.node, learner_id[:64], by=by)
    return _redirect(ctx, f"/learners/{learner_id[:64]}/card")


@router.post("/learners/{learner_id}/recognise")
async def learner_recognise(
    ctx: CtxDep, learner_id: str, photo: UploadFile | None = File(None)
) -> Response:
    """Add a credential earned elsewhere, from its QR text or a photo of its QR."""
    by = ctx.require_staff()
    form, image = await ctx.form_with_photo(photo)
    text = form.get("text")
    reading = await ctx.read_photo(image)
    try:
        if reading is not None:
            text = recognition.text_of_photo(reading)
        outcome = recognition.recognise(ctx.node, learner_id, text=text, by=by)
    except recognition.NotRecognised as refused:
        status = refused.status
        return await _card(ctx, learner_id, status=status, refused=refused, text=form.get("text"))
    return await _card(ctx, learner_id, outcome=outcome)


@router.get("/sessions/new")
async def session_new(ctx: CtxDep) -> Response:
    ctx.require_staff()
    cert = issuance.own_certificate(ctx.node)
    withheld = {m: issuance.withheld_reason(ctx.node, m, cert=cert) for m in ctx.node.modules}
    return render(
        ctx, "session_new.html", modules=ctx.node.modules, withheld=withheld, localize=localize
    )


@router.post("/sessions/new")
async def session_create(ctx: CtxDep) -> Response:
    by = ctx.require_staff()
    form = await ctx.form()
    session = assessment.open_session(
        ctx.node, module_id=form.get("module", ""), route=form.get("route", "course"), by=by
    )
    return _redirect(ctx, f"/sessions/{session.id}")


SESSION_PAGE_ROWS = 50


@router.get("/sessions/{session_id}")
async def session_view(ctx: CtxDep, session_id: str, page: int = 0) -> Response:
    ctx.require_staff()
    session = assessment.get_session(ctx.node, session_id)
    page = max(0, min(page, 10_000))
    total = assessment.participant_count(ctx.node, session_id)
    shown = assessment.participants(
        ctx.node, session_id, offset=page * SESSION_PAGE_ROWS, limit=SESSION_PAGE_ROWS
    )
    issued = [p.result.credential_id for p in shown if p.result and p.result.credential_id]
    return render(
        ctx,
        "session.html",
        session=session,
        module=assessment.session_module(ctx.node, session),
        participants=shown,
        standings=standing.by_ids(ctx.node, issued),
        total=total,
        page=page,
        more=(page + 1) * SESSION_PAGE_ROWS < total,
        localize=localize,
    )


@router.post("/sessions/{session_id}/close")
async def session_close(ctx: CtxDep, session_id: str) -> Response:
    ctx.require_staff()
    await ctx.form()
    assessment.close_session(ctx.node, session_id)
    return _redirect(ctx, f"/sessions/{session_id}")


@router.get("/sittings/{sitting_id}/score")
async def score_page(ctx: CtxDep, sitting_id: str) -> Response:
    ctx.require_staff()
    return _score_page(ctx, assessment.get_sitting(ctx.node, sitting_id))


def _score_page(
    ctx: CtxDep,
    sitting: assessment.Sitting,
    *,
    kept: dict[str, str] | None = None,
    error: str | None = None,
) -> Response:
    """The checklist form; posted incomplete, again with the scores given kept and each
    task without one marked (they were lost behind an error page)."""
    session = assessment.get_session(ctx.node, sitting.session_id)
    module = assessment.session_module(ctx.node, session)
    given = kept or {}
    missing = [
        c.id
        for c in module.checklist
        if kept is not None and given.get(c.id) not in [str(level.score) for level in c.levels]
    ]
    return render(
        ctx,
        "score.html",
        status=400 if kept is not None else 200,
        sitting=sitting,
        session=session,
        learner=learners.get_any(ctx.node, sitting.learner_id),
        module=module,
        result=issuance.result_for_sitting(ctx.node, sitting.id),
        localize=localize,
        kept=given,
        missing=missing,
        error=error,
    )


@router.post("/sittings/{sitting_id}/score")
async def score(ctx: CtxDep, sitting_id: str) -> Response:
    by = ctx.require_staff()
    form = await ctx.form()
    sitting = assessment.get_sitting(ctx.node, sitting_id)
    scores = {k[2:]: v for k, v in form.items() if k.startswith("c-")}
    try:
        assessment.score_checklist(ctx.node, sitting, scores, by=by)
    except BadRequest as refused:
        return _score_page(ctx, sitting, kept=scores, error=refused.message)
    return _redirect(ctx, f"/sessions/{sitting.session_id}")


@router.get("/admin")
async def admin_page(ctx: CtxDep) -> Response:
    ctx.require_admin()
    return _admin(ctx)


def _admin(ctx: CtxDep, *, status: int = 200, account_error: str | None = None) -> Response:
    """The admin page; a refused account change is said in words above the accounts."""
    return render(
        ctx,
        "admin.html",
        status=status,
        accounts=accounts.list_accounts(ctx.node.db),
        changes=accounts.recent_changes(ctx.node.db),
        clock=ctx.node.clock.status(),
        pending_issuance=len(issuance.unissued(ctx.node).waiting),
        account_error=account_error,
    )


@router.post("/admin/accounts")
async def admin_create_account(ctx: CtxDep) -> Response:
    ctx.require_admin()
    form = await ctx.form()
    try:
        role = accounts.Role(form.get("role", "worker"))
    except ValueError:
        raise BadRequest("The role must be admin or worker") from None
    await ctx.with_passwords(
        lambda mine: accounts.create_account(
            mine.db,
            username=form.get("username", ""),
            password=form.get("password", ""),
            role=role,
            hasher=accounts.hasher_for(mine.settings),
        )
    )
    return _redirect(ctx, "/admin")


@router.post("/admin/accounts/{account_id}/{action}")
async def admin_disable_account(
    ctx: CtxDep, account_id: str, action: Literal["disable", "enable"]
) -> Response:
    by = ctx.require_admin()
    await ctx.form()
    try:
        accounts.set_disabled(
            ctx.node.db, account_id, action == "disable", by=by, at=ctx.node.clock.now()
        )
    except Conflict as error:  # the last enabled admin
        return _admin(ctx, status=error.status, account_error=error.message)
    return _redirect(ctx, "/admin")


def parse_browser_time(form: dict[str, str]) -> datetime:
    """The admin's time: a typed ISO 8601 time, else milliseconds from the browser's clock
    (with JavaScript on the form always carries it; a typed time says the phone is wrong)."""
    millis = form.get("browser_ms", "").strip()
    typed = form.get("time", "").strip()
    try:
        if typed:
            value = datetime.fromisoformat(typed[:40])
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        if millis:
            return datetime.fromtimestamp(int(millis[:16]) / 1000, UTC)
    except (ValueError, OverflowError, OSError):
        pass
    raise BadRequest("Give the time as YYYY-MM-DD HH:MM (UTC)")


@router.post("/admin/clock")
async def admin_clock(ctx: CtxDep) -> Response:
    ctx.require_admin()
    form = await ctx.form()
    ctx.node.clock.set_time(parse_browser_time(form), ClockSource.admin)
    issuance.issue_pending(ctx.node)
    return _redirect(ctx, "/admin")
