"""Pages a learner sees: one item per page, review and submit, results and credentials."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from content.model import localize
from edge_node import assessment, certificates, issuance, recognition, standing
from edge_node.errors import BadRequest, Forbidden
from edge_node.web.context import Ctx, CtxDep
from edge_node.web.render import render
from sync import pools

router = APIRouter(include_in_schema=False)


def _redirect(ctx: Ctx, url: str) -> Response:
    return ctx.finish(RedirectResponse(url, status_code=303))


def _own_sitting(ctx: Ctx, sitting_id: str) -> assessment.Sitting:
    learner_id = ctx.require_learner()
    return assessment.get_sitting(ctx.node, sitting_id, learner_id=learner_id)


@router.get("/sit/{sitting_id}")
async def sit(ctx: CtxDep, sitting_id: str, q: int | None = None) -> Response:
    sitting = _own_sitting(ctx, sitting_id)
    if sitting.submitted_at is not None:
        return _redirect(ctx, f"/sit/{sitting_id}/result")
    page = assessment.item_page(ctx.node, sitting, q, ctx.lang)
    return render(ctx, "item.html", page=page)


@router.post("/sit/{sitting_id}")
async def sit_answer(ctx: CtxDep, sitting_id: str) -> Response:
    sitting = _own_sitting(ctx, sitting_id)
    await ctx.form()
    raw = await ctx.request.form()
    try:
        position = int(str(raw.get("position", "")))
    except ValueError:
        position = -1
    values = [v for v in raw.getlist("answer") if isinstance(v, str)]
    answer: object = values if len(values) != 1 else values[0]
    if not values:
        answer = ""
    try:
        sitting = assessment.answer(ctx.node, sitting, position=position, raw=answer)
    except BadRequest as error:
        page = assessment.item_page(ctx.node, sitting, max(0, position), ctx.lang)
        return render(ctx, "item.html", status=400, page=page, error=error.message)
    if sitting.answered == sitting.total and position == sitting.total - 1:
        return _redirect(ctx, f"/sit/{sitting_id}/review")
    return _redirect(ctx, f"/sit/{sitting_id}?q={sitting.position}")


@router.get("/sit/{sitting_id}/review")
async def review(ctx: CtxDep, sitting_id: str) -> Response:
    sitting = _own_sitting(ctx, sitting_id)
    if sitting.submitted_at is not None:
        return _redirect(ctx, f"/sit/{sitting_id}/result")
    return render(ctx, "review.html", sitting=sitting)


@router.post("/sit/{sitting_id}/submit")
async def submit(ctx: CtxDep, sitting_id: str) -> Response:
    sitting = _own_sitting(ctx, sitting_id)
    await ctx.form()
    assessment.submit(ctx.node, sitting)
    return _redirect(ctx, f"/sit/{sitting_id}/result")


@router.get("/sit/{sitting_id}/result")
async def result(ctx: CtxDep, sitting_id: str) -> Response:
    sitting = _own_sitting(ctx, sitting_id)
    if sitting.submitted_at is None:  # it would say the answers are in: they are not
        return _redirect(ctx, f"/sit/{sitting_id}/review")
    session = assessment.get_session(ctx.node, sitting.session_id)
    module = assessment.session_module(ctx.node, session)
    outcome = issuance.result_for_sitting(ctx.node, sitting_id)
    missed = issuance.failed_key_tasks(ctx.node, outcome.id) if outcome else []
    return render(
        ctx,
        "result.html",
        sitting=sitting,
        module=module,
        result=outcome,
        key_tasks=[c for c in module.checklist if c.id in missed],
        clock=ctx.node.clock.status(),
        localize=localize,
    )


@router.get("/me")
async def me(ctx: CtxDep) -> Response:
    learner_id = ctx.require_learner()
    sittings = assessment.learner_sittings(ctx.node, learner_id)
    return render(
        ctx,
        "me.html",
        sittings=sittings,
        module_of={
            s.id: assessment.get_session(ctx.node, s.session_id).module_id for s in sittings
        },
        credentials=[
            certificates.view(ctx.node, c, ctx.lang)
            for c in issuance.learner_credentials(ctx.node, learner_id)
        ],
        recognised=recognition.learner_recognised(ctx.node, learner_id),
        recognised_standings=standing.recognised_standings(ctx.node, learner_id),
        modules=ctx.node.modules,
        localize=localize,
    )


def _visible_credential(ctx: Ctx, credential_id: str) -> issuance.CredentialRecord:
    record = issuance.credential(ctx.node, credential_id)
    if not ctx.principal.is_staff and ctx.require_learner() != record.learner_id:
        raise Forbidden("This credential belongs to someone else")
    return record


async def _drawn(ctx: Ctx, credential_id: str) -> certificates.CertificateView:
    """The credential's view, with its QR code drawn off the event loop when it is
    active (a revoked, replaced or expired one's code is not shown)."""
    view = certificates.view(ctx.node, _visible_credential(ctx, credential_id), ctx.lang)
    if not view.standing.active:
        return view
    return await pools.DRAWING.run(certificates.with_qr_drawn, view)


@router.get("/credentials/{credential_id}")
async def credential_page(ctx: CtxDep, credential_id: str) -> Response:
    return render(ctx, "credential.html", c=await _drawn(ctx, credential_id))


async def _printed(ctx: Ctx, credential_id: str, template: str) -> Response:
    """A print page; for a credential revoked, replaced or expired, its page saying why
    it is not printed instead: paper marked revoked is still paper that looks valid."""
    view = await _drawn(ctx, credential_id)
    if not view.standing.active:
        return render(ctx, "credential.html", status=standing.NotValid.status, c=view)
    return render(ctx, template, c=view)


@router.get("/credentials/{credential_id}/certificate")
async def certificate_page(ctx: CtxDep, credential_id: str) -> Response:
    return await _printed(ctx, credential_id, "certificate.html")


@router.get("/credentials/{credential_id}/card")
async def pocket_card(ctx: CtxDep, credential_id: str) -> Response:
    return await _printed(ctx, credential_id, "pocket_card.html")


@router.get("/credentials/{credential_id}/credential.cose")
async def download_cose(ctx: CtxDep, credential_id: str) -> Response:
    record = _visible_credential(ctx, credential_id)
    standing.require_valid(ctx.node, record)
    return ctx.finish(
        Response(
            record.cose,
            media_type="application/cose; cose-type=cose-sign1",
            headers={"Content-Disposition": f'attachment; filename="{record.id}.cose"'},
        )
    )


@router.get("/credentials/{credential_id}/badge.json")
async def download_badge(ctx: CtxDep, credential_id: str) -> Response:
    record = _visible_credential(ctx, credential_id)
    return ctx.finish(
        Response(
            certificates.open_badge_json(ctx.node, record, ctx.lang),
            media_type="application/vc+ld+json",
            headers={"Content-Disposition": f'attachment; filename="{record.id}.json"'},
        )
    )
