"""The hub's public verification page: read a QR (text or photo), check it against the
hub's latest trust list and say in plain words what it is and what it claims.

Headlines, sentences and labels are English message ids, translated by the page
(``sync.hub.translations``); the details are the credential's own words, in the
reader's language where the catalogue has it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from credentials import verdicts
from credentials.qr import decode_qr_image
from credentials.trust import TrustList
from credentials.verification import verify

MAX_TEXT = 8000

VERDICTS: dict[str, tuple[str, str]] = {
    **verdicts.VERDICTS,
    "no_trust_list": (
        "Cannot check yet",
        "This hub has not published its trust list yet, so it cannot check credentials.",
    ),
}
"""Headline and sentence for every reason, and this page's own case (no trust list yet)."""


@dataclass(frozen=True)
class Check:
    genuine: bool
    reason: str
    details: list[tuple[str, str | list[str]]] = field(default_factory=list)
    """(label message id, value) pairs: what the credential says; outcomes as a list."""

    @property
    def headline(self) -> str:
        return VERDICTS[self.reason][0]

    @property
    def sentence(self) -> str:
        return VERDICTS[self.reason][1]


def check(
    trust: TrustList | None, *, text: str | None, image: bytes | None, lang: str, now: datetime
) -> Check:
    """The verdict on a pasted QR text or a photo of the QR; never raises."""
    if image:
        decoded = decode_qr_image(image)
        if decoded is None:
            return Check(False, "no_qr")
        text = decoded
    text = (text or "").strip()
    if not text:
        return Check(False, "empty")
    if trust is None:
        return Check(False, "no_trust_list")
    verdict = verify(text[:MAX_TEXT], trust, now=now)
    details: list[tuple[str, str | list[str]]] = []
    credential = verdict.credential
    if credential is not None:
        details.append(("Name", credential.holder_name))
        entry = verdict.entry
        if entry is not None:
            details.append(("Module", entry.title_in(lang)))
            achieved = [
                outcome
                for outcome, flag in zip(entry.outcomes_in(lang), credential.outcomes, strict=False)
                if flag
            ]
            if achieved:
                details.append(("Outcomes achieved", achieved))
            if entry.level_eqf is not None:
                details.append(("Level (EQF)", str(entry.level_eqf)))
        else:
            details.append(("Module", credential.module_id))
        details.append(("Date", credential.issued_at.date().isoformat()))
        if credential.expires_at is not None:
            details.append(("Valid until", credential.expires_at.date().isoformat()))
        if verdict.node is not None:
            details.append(("Issuing centre", verdict.node.node_name))
    return Check(verdict.genuine, str(verdict.reason), details)
