"""What anyone may use: the verification form (``/verify``; a raw body's post is the sync
app's, ``hub.app``) and the offline verifier a phone installs (``/verifier``)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.types import Message

from credentials import verdicts
from credentials.qr import read_qr_photo
from credentials.verifier import LinkApp, VerifierApp
from hub import nodes
from hub.ingest import Hub
from hub.web.context import MAX_PHOTO_BYTES, Ctx, HubCtx
from sync import pools
from sync.errors import BadRequest, TooLarge

router = APIRouter()


def mount_verifier(app: FastAPI, hub: Hub) -> None:
    """The offline verifier a phone installs (credentials/verifier): the hub's root, its
    list."""
    roots = (hub.root_key.public_key,)
    verifier = VerifierApp(
        roots=lambda: roots, trust_list=lambda: nodes.latest_trust_list(hub.store)
    )
    app.mount("/verifier", verifier)
    # A printed credential's link, HTTPS://HUB/V/<digits>: the verifier's page, which reads
    # the digits from its own address and checks them in the phone.
    app.mount("/V", LinkApp(verifier))
    app.mount("/v", LinkApp(verifier))


async def verify_page(request: Request, body: bytes) -> Response:
    """The public verification form's answer: the verdict in plain words (the sync app
    calls it for a form post to ``/verify``, its body already read and bounded)."""
    ctx = HubCtx.of(request)

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
    trust = await run_in_threadpool(nodes.latest_trust, ctx.store)
    result = verdicts.check(trust, text=text, photo=reading, lang=ctx.lang, now=datetime.now(UTC))
    return ctx.page("Check a credential", template="verify.html", result=result, text=text or "")


@router.get("/verify", response_class=HTMLResponse)
def verify_form(ctx: Ctx) -> HTMLResponse:
    return ctx.page("Check a credential", template="verify.html", text="")
