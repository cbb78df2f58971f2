"""The ``/verify`` page's work: read a QR (text or photo) and say in plain words whether
the credential is genuine, using the trust list the node holds (no network)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime

from credentials.verdicts import VERDICTS
from edge_node import trust
from edge_node.node import Node

MAX_TEXT = 8000


@dataclass(frozen=True)
class VerifyResult:
    genuine: bool
    reason: str
    headline: str
    message: str
    """English message ids (``credentials.verdicts``), translated by the page."""
    details: list[tuple[str, str]] = dataclasses.field(default_factory=list)


def check(node: Node, *, text: str | None, image: bytes | None, lang: str) -> VerifyResult:
    from credentials.qr import decode_qr_image
    from credentials.verification import verify

    if image:
        try:
            decoded = decode_qr_image(image)
        except Exception:  # an undecodable photo is the sender's problem, never a 500
            decoded = None
        if decoded is None:
            return _plain("no_qr")
        text = decoded
    if not text:
        return _plain("empty")
    trust_list = trust.current(node)
    if trust_list is None:
        return VerifyResult(
            False,
            "no_trust_list",
            "Cannot check yet",
            "This node has no trust list yet: import a content pack or install its certificate.",
        )
    verdict = verify(text[:MAX_TEXT], trust_list, now=datetime.now(UTC))
    details: list[tuple[str, str]] = []
    credential = verdict.credential
    if credential is not None:
        details.append(("Name", credential.holder_name))
        if verdict.entry is not None:
            details.append(("Credential", verdict.entry.title_in(lang)))
            achieved = [
                outcome
                for outcome, flag in zip(
                    verdict.entry.outcomes_in(lang), credential.outcomes, strict=False
                )
                if flag
            ]
            if achieved:
                details.append(("Outcomes achieved", "; ".join(achieved)))
        else:
            details.append(("Credential", credential.module_id))
        details.append(("Date", credential.issued_at.date().isoformat()))
        if verdict.node is not None:
            details.append(("Centre", verdict.node.node_name))
    headline, sentence = VERDICTS[verdict.reason]
    return VerifyResult(verdict.genuine, str(verdict.reason), headline, sentence, details)


def _plain(reason: str) -> VerifyResult:
    """A page case with no credential to speak of (no QR in the photo, nothing entered)."""
    headline, sentence = VERDICTS[reason]
    return VerifyResult(False, reason, headline, sentence)
