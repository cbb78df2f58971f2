"""The JSON API under ``/api/v1``: everything the pages do, for a phone app or a script.

Authenticate with ``POST /api/v1/login`` (workers) or ``POST /api/v1/join`` (learners)
and send the returned token as ``Authorization: Bearer <token>``; or use the session
cookie and send ``X-CSRF-Token`` on writes. ``POST /api/v1/logout`` ends the session:
the token (or cookie) and its copies are refused from then on.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from content.public import PublicItem, PublicModule, public_module
from credentials.claims import MAX_HOLDER_NAME
from edge_node import (
    accounts,
    assessment,
    certificates,
    events,
    issuance,
    learners,
    pins,
    recognition,
    syncing,
    verifying,
)
from edge_node.clock import ClockSource
from edge_node.errors import BadRequest, NotFound, Unauthorized
from edge_node.learners import LearnerDetails, LearnerPublic
from edge_node.web.context import CtxDep, parse
from edge_node.web.security import learner_principal, staff_principal

router = APIRouter(prefix="/api/v1", tags=["api"])

Id = Annotated[str, Field(min_length=1, max_length=64)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(_In):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


class TokenOut(BaseModel):
    token: str
    csrf: str
    role: str
    learner_id: str | None = None
    sitting_id: str | None = None


class MeOut(BaseModel):
    kind: Literal["anonymous", "staff", "learner"]
    account_id: str | None
    role: str | None
    learner: LearnerPublic | None
    csrf: str


class StatusOut(BaseModel):
    node_id: str
    node_name: str
    clock_trusted: bool
    clock_source: str
    time: datetime


class LearnerIn(_In):
    name: str = Field(min_length=1, max_length=MAX_HOLDER_NAME)
    phone: str | None = Field(default=None, max_length=32)
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    gender: str | None = Field(default=None, max_length=16)
    village: str | None = Field(default=None, max_length=120)
    language: str = Field(default="en", max_length=2)
    consent: bool
    pin: str | None = Field(default=None, max_length=8)


class MergeIn(_In):
    keep: Id
    duplicate: Id


class SessionIn(_In):
    module_id: Id
    route: Literal["course", "prior_learning"] = "course"


class SessionOut(BaseModel):
    id: str
    code: str
    module_id: str
    module_version: str
    route: str
    opened_at: str
    closed_at: str | None


class ResultOut(BaseModel):
    module_id: str
    passed: bool
    score_percent: int
    outcomes: list[bool]
    credential_id: str | None
    graded_at: str
    withheld: str | None = Field(
        default=None, description="Why a pass has no credential: the node's certificate"
    )


class SittingOut(BaseModel):
    id: str
    session_id: str
    learner_id: str
    position: int
    total: int
    answered: int
    submitted: bool
    checklist_scored: bool
    result: ResultOut | None


class ParticipantOut(BaseModel):
    learner: LearnerPublic
    sitting: SittingOut


class SessionDetailOut(SessionOut):
    participants: list[ParticipantOut]


class JoinIn(_In):
    session_code: str = Field(min_length=1, max_length=12)
    learner_code: str = Field(min_length=1, max_length=16)
    pin: str | None = Field(default=None, max_length=8)


class ItemOut(BaseModel):
    sitting_id: str
    position: int
    total: int
    item: PublicItem
    answer: Any = None


class AnswerIn(_In):
    # Strict booleans: in lax mode 0, 1 and 1.0 would become false and true before the
    # number could be tried, and a numeric question would refuse them.
    answer: StrictStr | list[Annotated[StrictStr, Field(max_length=64)]] | StrictBool | float = (
        Field(union_mode="left_to_right")
    )


class ChecklistIn(_In):
    scores: dict[Annotated[str, Field(max_length=64)], int] = Field(max_length=100)


class CredentialOut(BaseModel):
    id: str
    module_id: str
    module_version: str
    pathway: bool
    issued_at: str
    title: str
    holder_name: str
    qr_text: str
    state: str = Field(description="active, revoked, replaced or expired")


class RecogniseIn(_In):
    text: str = Field(min_length=1, max_length=8000, description="The QR text, FC1:...")


class RecognisedOut(BaseModel):
    id: str
    issuer_node: str
    centre: str
    learner_id: str
    module_id: str
    module_version: str
    score_percent: int
    issued_at: str
    expires_at: str | None
    recognised_by: str
    recognised_at: str


class RecognitionOut(BaseModel):
    recognised: RecognisedOut
    already: bool
    pathways_issued: list[str]


class ErrorOut(BaseModel):
    error: str
    message: str


class VerifyIn(_In):
    text: str = Field(min_length=1, max_length=8000)


class VerifyOut(BaseModel):
    genuine: bool
    reason: str
    headline: str
    message: str
    details: list[tuple[str, str | list[str]]]
    trust_list_issued_on: str | None = Field(
        default=None, description="Date of the trust list checked against (YYYY-MM-DD)"
    )


class ClockIn(_In):
    time: datetime


class ClockOut(BaseModel):
    time: datetime
    trusted: bool
    source: str
    last_good: datetime | None
    reason: str
    issued_pending: int = 0


class AccountIn(_In):
    username: str = Field(max_length=32)
    password: str = Field(max_length=256)
    role: Literal["admin", "worker"] = "worker"


class AccountOut(BaseModel):
    id: str
    username: str
    role: str
    disabled: bool


def _account_out(account: accounts.Account) -> AccountOut:
    return AccountOut(
        id=account.id, username=account.username, role=account.role, disabled=account.disabled
    )


class SyncAlertOut(BaseModel):
    """The hub's alert about this node: ``text`` in the caller's language when the hub sent
    its ``code`` and ``params`` (``docs/sync-protocol.md``), else the hub's English text
    with ``code`` null."""

    code: str | None
    params: dict[str, int]
    text: str


class DashboardOut(BaseModel):
    sessions_today: list[SessionOut]
    learner_count: int
    results: list[ResultOut]
    pending_sync: int
    last_sync: str | None
    last_sync_error: str | None
    sync_alert: SyncAlertOut | None
    pending_issuance: int
    withheld: list[ResultOut]
    clock_trusted: bool


def _session_out(s: assessment.Session) -> SessionOut:
    return SessionOut(
        id=s.id,
        code=s.code,
        module_id=s.module_id,
        module_version=s.module_version,
        route=s.route,
        opened_at=s.opened_at,
        closed_at=s.closed_at,
    )


def _result_out(r: issuance.ResultView | None) -> ResultOut | None:
    if r is None:
        return None
    return ResultOut(
        module_id=r.module_id,
        passed=r.passed,
        score_percent=r.score_percent,
        outcomes=r.outcomes,
        credential_id=r.credential_id,
        graded_at=r.graded_at,
        withheld=r.withheld.text if r.withheld else None,
    )


def _sitting_out(ctx: CtxDep, s: assessment.Sitting) -> SittingOut:
    return SittingOut(
        id=s.id,
        session_id=s.session_id,
        learner_id=s.learner_id,
        position=s.position,
        total=s.total,
        answered=s.answered,
        submitted=s.submitted_at is not None,
        checklist_scored=s.checklist is not None,
        result=_result_out(issuance.result_for_sitting(ctx.node, s.id)),
    )


def _client(ctx: CtxDep) -> str:
    return ctx.request.client.host if ctx.request.client else "unknown"


@router.post("/login", response_model=TokenOut)
async def login(ctx: CtxDep, body: LoginIn) -> TokenOut:
    node = ctx.node
    throttle = accounts.Throttle(node.settings.login_max_failures, node.settings.login_lockout_s)
    client = _client(ctx)
    account = await ctx.with_passwords(
        lambda mine: accounts.authenticate(
            mine.db,
            username=body.username,
            password=body.password,
            client=client,
            throttle=throttle,
            now=mine.clock.now().timestamp(),
            hasher=accounts.hasher_for(mine.settings),
        )
    )
    principal = staff_principal(account)
    return TokenOut(
        token=ctx.codec.dumps(principal), csrf=ctx.codec.csrf_token(principal), role=account.role
    )


@router.post("/join", response_model=TokenOut)
async def join(ctx: CtxDep, body: JoinIn) -> TokenOut:
    client = _client(ctx)
    learner, sitting = await ctx.with_passwords(
        lambda mine: assessment.join(
            mine,
            session_code=body.session_code,
            learner_code=body.learner_code,
            pin=body.pin,
            client=client,
        ),
        hashing=learners.pin_needs_argon2(ctx.node, body.learner_code),
    )
    principal = learner_principal(learner.id)
    return TokenOut(
        token=ctx.codec.dumps(principal),
        csrf=ctx.codec.csrf_token(principal),
        role="learner",
        learner_id=learner.id,
        sitting_id=sitting.id,
    )


class LoggedOut(BaseModel):
    ended: bool


@router.post("/logout", response_model=LoggedOut)
async def logout(ctx: CtxDep) -> LoggedOut:
    """End this session, the bearer token's (or the cookie's, with ``X-CSRF-Token``): it
    and every copy of it stop working; the account's other sessions go on."""
    if not (ctx.principal.is_staff or ctx.principal.is_learner):
        raise Unauthorized("No one is signed in with this session")
    ctx.sign_out()
    return LoggedOut(ended=True)


@router.get("/me", response_model=MeOut)
async def me(ctx: CtxDep) -> MeOut:
    p = ctx.principal
    learner = learners.get(ctx.node, ctx.require_learner()) if p.learner_id else None
    kind: Literal["anonymous", "staff", "learner"] = (
        "staff" if p.is_staff else "learner" if p.is_learner else "anonymous"
    )
    ctx_csrf = ctx.csrf
    return MeOut(kind=kind, account_id=p.account_id, role=p.role, learner=learner, csrf=ctx_csrf)


@router.get("/status", response_model=StatusOut)
async def status(ctx: CtxDep) -> StatusOut:
    clock = ctx.node.clock.status()
    return StatusOut(
        node_id=ctx.node.node_id,
        node_name=ctx.node.settings.node_name,
        clock_trusted=clock.trusted,
        clock_source=clock.source,
        time=clock.now,
    )


@router.get("/modules", response_model=list[PublicModule])
async def modules(ctx: CtxDep) -> list[PublicModule]:
    return [public_module(m, ctx.lang) for m in ctx.node.modules.values()]


@router.get("/learners", response_model=list[LearnerPublic])
async def learner_list(
    ctx: CtxDep,
    q: Annotated[str, Query(max_length=60)] = "",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[LearnerPublic]:
    """At most 200 learners in name order; ``offset`` gives the next ones."""
    ctx.require_staff()
    return learners.search(ctx.node, q, offset=offset)


@router.post("/learners", response_model=LearnerPublic, status_code=201)
async def learner_create(ctx: CtxDep, body: LearnerIn) -> LearnerPublic:
    by = ctx.require_staff()
    details = parse(LearnerDetails, body.model_dump())
    return learners.register(ctx.node, details, by=by)  # a PIN's keyed hash takes microseconds


@router.get("/learners/{learner_id}", response_model=LearnerPublic)
async def learner_get(ctx: CtxDep, learner_id: Id) -> LearnerPublic:
    ctx.require_staff()
    return learners.get(ctx.node, learner_id)


@router.put("/learners/{learner_id}", response_model=LearnerPublic)
async def learner_update(ctx: CtxDep, learner_id: Id, body: LearnerIn) -> LearnerPublic:
    by = ctx.require_staff()
    details = parse(LearnerDetails, body.model_dump())
    learners.update(ctx.node, learner_id, details, by=by)
    issuance.issue_for_learner(ctx.node, learner_id)
    return learners.get(ctx.node, learner_id)


@router.post("/learners/merge", response_model=LearnerPublic)
async def learner_merge(ctx: CtxDep, body: MergeIn) -> LearnerPublic:
    by = ctx.require_staff()
    keep = learners.merge(ctx.node, keep_id=body.keep, duplicate_id=body.duplicate, by=by)
    issuance.issue_for_learner(ctx.node, keep.id)
    return learners.get(ctx.node, keep.id)


class UnlockedOut(BaseModel):
    at: str
    by: str


class PinOut(BaseModel):
    locked: bool
    waiting: bool
    wrong_guesses: int
    unlocked: list[UnlockedOut]


def _pin_out(state: pins.PinState) -> PinOut:
    return PinOut(
        locked=state.locked,
        waiting=state.waiting,
        wrong_guesses=state.wrong_guesses,
        unlocked=[UnlockedOut(at=u.at, by=u.by) for u in state.unlocked],
    )


@router.get("/learners/{learner_id}/pin", response_model=PinOut)
async def learner_pin(ctx: CtxDep, learner_id: Id) -> PinOut:
    """Whether the learner's PIN is locked after ten wrong guesses (``locked``) or makes
    each try wait after three (``waiting``), and who unlocked it lately."""
    ctx.require_staff()
    return _pin_out(pins.state(ctx.node, learner_id))


@router.post("/learners/{learner_id}/pin/unlock", response_model=PinOut)
async def learner_pin_unlock(ctx: CtxDep, learner_id: Id) -> PinOut:
    """Unlock a learner's locked or waiting PIN (409 when it is neither); the unlock is
    recorded."""
    by = ctx.require_staff()
    return _pin_out(pins.unlock(ctx.node, learner_id, by=by))


@router.get("/sessions", response_model=list[SessionOut])
async def session_list(ctx: CtxDep, open_only: bool = False) -> list[SessionOut]:
    ctx.require_staff()
    return [_session_out(s) for s in assessment.list_sessions(ctx.node, open_only=open_only)]


@router.post("/sessions", response_model=SessionOut, status_code=201)
async def session_create(ctx: CtxDep, body: SessionIn) -> SessionOut:
    by = ctx.require_staff()
    return _session_out(
        assessment.open_session(ctx.node, module_id=body.module_id, route=body.route, by=by)
    )


@router.get("/sessions/{session_id}", response_model=SessionDetailOut)
async def session_get(ctx: CtxDep, session_id: Id) -> SessionDetailOut:
    ctx.require_staff()
    session = assessment.get_session(ctx.node, session_id)
    people = [
        ParticipantOut(learner=p.learner, sitting=_sitting_out(ctx, p.sitting))
        for p in assessment.participants(ctx.node, session_id)
    ]
    return SessionDetailOut(**_session_out(session).model_dump(), participants=people)


@router.post("/sessions/{session_id}/close", response_model=SessionOut)
async def session_close(ctx: CtxDep, session_id: Id) -> SessionOut:
    ctx.require_staff()
    return _session_out(assessment.close_session(ctx.node, session_id))


def _sitting_for(ctx: CtxDep, sitting_id: str) -> assessment.Sitting:
    if ctx.principal.is_staff:
        return assessment.get_sitting(ctx.node, sitting_id)
    return assessment.get_sitting(ctx.node, sitting_id, learner_id=ctx.require_learner())


@router.get("/sittings/{sitting_id}", response_model=SittingOut)
async def sitting_get(ctx: CtxDep, sitting_id: Id) -> SittingOut:
    return _sitting_out(ctx, _sitting_for(ctx, sitting_id))


@router.get("/sittings/{sitting_id}/items/{position}", response_model=ItemOut)
async def item_get(ctx: CtxDep, sitting_id: Id, position: int) -> ItemOut:
    sitting = assessment.get_sitting(ctx.node, sitting_id, learner_id=ctx.require_learner())
    page = assessment.item_page(ctx.node, sitting, position, ctx.lang)
    return ItemOut(
        sitting_id=sitting.id,
        position=page.position,
        total=page.total,
        item=page.item,
        answer=page.answer,
    )


@router.put("/sittings/{sitting_id}/items/{position}", response_model=SittingOut)
async def item_answer(ctx: CtxDep, sitting_id: Id, position: int, body: AnswerIn) -> SittingOut:
    sitting = assessment.get_sitting(ctx.node, sitting_id, learner_id=ctx.require_learner())
    return _sitting_out(
        ctx, assessment.answer(ctx.node, sitting, position=position, raw=body.answer)
    )


@router.post("/sittings/{sitting_id}/submit", response_model=SittingOut)
async def sitting_submit(ctx: CtxDep, sitting_id: Id) -> SittingOut:
    sitting = assessment.get_sitting(ctx.node, sitting_id, learner_id=ctx.require_learner())
    return _sitting_out(ctx, assessment.submit(ctx.node, sitting))


@router.post("/sittings/{sitting_id}/checklist", response_model=SittingOut)
async def sitting_checklist(ctx: CtxDep, sitting_id: Id, body: ChecklistIn) -> SittingOut:
    by = ctx.require_staff()
    sitting = assessment.get_sitting(ctx.node, sitting_id)
    return _sitting_out(ctx, assessment.score_checklist(ctx.node, sitting, body.scores, by=by))


def _credential_out(ctx: CtxDep, record: issuance.CredentialRecord) -> CredentialOut:
    view = certificates.view(ctx.node, record, ctx.lang)
    return CredentialOut(
        id=record.id,
        module_id=record.module_id,
        module_version=record.module_version,
        pathway=record.pathway,
        issued_at=record.issued_at,
        title=view.title,
        holder_name=view.holder_name,
        qr_text=view.qr_text,
        state=view.standing.state.value,
    )


@router.get("/credentials", response_model=list[CredentialOut])
async def credential_list(
    ctx: CtxDep, learner_id: Annotated[str | None, Query(max_length=64)] = None
) -> list[CredentialOut]:
    """A learner's own credentials; staff name the learner with ``learner_id``."""
    if ctx.principal.is_staff:
        if not learner_id:
            raise BadRequest("Give the learner whose credentials to list: ?learner_id=...")
        owner = learner_id
    else:
        owner = ctx.require_learner()
    return [_credential_out(ctx, r) for r in issuance.learner_credentials(ctx.node, owner)]


@router.get("/credentials/{credential_id}", response_model=CredentialOut)
async def credential_get(ctx: CtxDep, credential_id: Id) -> CredentialOut:
    record = issuance.credential(ctx.node, credential_id)
    owner = ctx.require_learner() if ctx.principal.is_learner else None
    if not ctx.principal.is_staff and owner != record.learner_id:
        raise NotFound("No such credential")
    return _credential_out(ctx, record)


def _recognised_out(record: recognition.Recognised) -> RecognisedOut:
    return RecognisedOut(**asdict(record))


@router.get("/learners/{learner_id}/recognised", response_model=list[RecognisedOut])
async def recognised_list(ctx: CtxDep, learner_id: Id) -> list[RecognisedOut]:
    """Credentials from other centres recognised for a learner (staff, or the learner)."""
    if not ctx.principal.is_staff and ctx.require_learner() != learner_id:
        raise NotFound("No such learner")
    learners.get(ctx.node, learner_id)
    return [_recognised_out(r) for r in recognition.learner_recognised(ctx.node, learner_id)]


@router.post(
    "/learners/{learner_id}/recognised",
    response_model=RecognitionOut,
    status_code=201,
    responses={
        200: {"model": RecognitionOut, "description": "Already recognised: nothing added"},
        400: {"model": ErrorOut, "description": "No readable QR text"},
        409: {"model": ErrorOut, "description": "Issued by this node, or held by another"},
        422: {"model": ErrorOut, "description": "Not genuine, a pathway, or another name"},
    },
)
async def recognised_add(
    ctx: CtxDep, learner_id: Id, body: RecogniseIn, response: Response
) -> RecognitionOut:
    """Add a module credential the learner earned at another centre (its QR text); the
    node verifies it offline and issues any pathway it completes."""
    by = ctx.require_staff()
    outcome = recognition.recognise(ctx.node, learner_id, text=body.text, by=by)
    if outcome.already:
        response.status_code = 200
    return RecognitionOut(
        recognised=_recognised_out(outcome.record),
        already=outcome.already,
        pathways_issued=outcome.pathways,
    )


@router.post("/verify", response_model=VerifyOut)
async def verify(ctx: CtxDep, body: VerifyIn) -> VerifyOut:
    result = verifying.check_here(ctx.node, text=body.text, lang=ctx.lang)
    return VerifyOut(
        genuine=result.genuine,
        reason=result.reason,
        headline=result.headline,
        message=result.sentence,
        details=result.details,
        trust_list_issued_on=result.trust_issued_on,
    )


def _clock_out(ctx: CtxDep, issued: int = 0) -> ClockOut:
    c = ctx.node.clock.status()
    return ClockOut(
        time=c.now,
        trusted=c.trusted,
        source=c.source,
        last_good=c.last_good,
        reason=c.reason,
        issued_pending=issued,
    )


@router.get("/clock", response_model=ClockOut)
async def clock_get(ctx: CtxDep) -> ClockOut:
    ctx.require_staff()
    return _clock_out(ctx)


@router.put("/clock", response_model=ClockOut)
async def clock_set(ctx: CtxDep, body: ClockIn) -> ClockOut:
    ctx.require_admin()
    ctx.node.clock.set_time(body.time, ClockSource.admin)
    return _clock_out(ctx, issuance.issue_pending(ctx.node))


@router.get("/accounts", response_model=list[AccountOut])
async def account_list(ctx: CtxDep) -> list[AccountOut]:
    ctx.require_admin()
    return [_account_out(a) for a in accounts.list_accounts(ctx.node.db)]


@router.post("/accounts", response_model=AccountOut, status_code=201)
async def account_create(ctx: CtxDep, body: AccountIn) -> AccountOut:
    ctx.require_admin()
    account = await ctx.with_passwords(
        lambda mine: accounts.create_account(
            mine.db,
            username=body.username,
            password=body.password,
            role=accounts.Role(body.role),
            hasher=accounts.hasher_for(mine.settings),
        )
    )
    return _account_out(account)


@router.post("/accounts/{account_id}/{action}", response_model=AccountOut)
async def account_set_disabled(
    ctx: CtxDep, account_id: Id, action: Literal["disable", "enable"]
) -> AccountOut:
    """Disable an account (every session and token it holds ends at once) or enable it
    again; the last enabled admin cannot be disabled (409)."""
    by = ctx.require_admin()
    return _account_out(
        accounts.set_disabled(
            ctx.node.db, account_id, action == "disable", by=by, at=ctx.node.clock.now()
        )
    )


@router.get("/dashboard", response_model=DashboardOut)
async def dashboard(ctx: CtxDep) -> DashboardOut:
    ctx.require_staff()
    node = ctx.node
    since = (node.clock.now() - timedelta(hours=24)).isoformat()
    sync = syncing.problems(node, ctx.lang)
    backlog = issuance.unissued(node)
    return DashboardOut(
        sessions_today=[_session_out(s) for s in assessment.list_sessions(node, since=since)],
        learner_count=node.db["learners"].count,
        results=[r for r in (_result_out(x) for x in issuance.results(node, limit=50)) if r],
        pending_sync=events.pending_count(node.db),
        last_sync=events.last_sync(node.db),
        last_sync_error=sync.last_error,
        sync_alert=None
        if sync.alert is None
        else SyncAlertOut(code=sync.alert.code, params=sync.alert.params, text=sync.alert.text),
        pending_issuance=len(backlog.waiting),
        withheld=[r for r in (_result_out(x) for x in backlog.withheld) if r],
        clock_trusted=node.clock.status().trusted,
    )
