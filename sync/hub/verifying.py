"""The hub's public verification page: read a QR (text or photo), check it against the
hub's latest trust list and say in plain words what it is and what it claims.

Headlines, sentences and labels are English message ids, translated by the page
(``sync.hub.translations``); the details are the credential's own words, in the
reader's language where the catalogue has it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from credentials.qr import decode_qr_image
from credentials.trust import TrustList
from credentials.verification import Reason, verify

MAX_TEXT = 8000

# Each reason: a headline and a sentence someone who has never heard of a signature
# understands. A test checks every Reason has both, in every language.
VERDICTS: dict[str, tuple[str, str]] = {
    Reason.GENUINE: (
        "Genuine",
        "This credential is genuine: a learning centre certified by the university issued "
        "it, nobody has changed it since, and it has not been withdrawn.",
    ),
    Reason.MALFORMED: (
        "Not a credential",
        "This is not a credential this page can read. Check that you pasted all of the text, "
        "or take the photo again.",
    ),
    Reason.UNSUPPORTED_ALG: (
        "Cannot be trusted",
        "This credential is signed in a way the university does not accept. Do not rely on it.",
    ),
    Reason.UNKNOWN_ISSUER: (
        "Unknown issuer",
        "No learning centre known to the university signed this. Do not rely on it.",
    ),
    Reason.BAD_SIGNATURE: (
        "Forged or altered",
        "The signature does not match what the credential says: it was changed after it was "
        "issued, or it is a forgery. Do not rely on it.",
    ),
    Reason.NODE_CERT_EXPIRED: (
        "Issued without a valid licence",
        "The centre's licence from the university had run out when this was issued. "
        "Do not rely on it.",
    ),
    Reason.NODE_CERT_NOT_YET_VALID: (
        "Issued without a valid licence",
        "The centre's licence from the university had not started yet when this was issued. "
        "Do not rely on it.",
    ),
    Reason.NODE_CERT_OUT_OF_SCOPE: (
        "Issued without a valid licence",
        "The centre is not licensed by the university to award this module. Do not rely on it.",
    ),
    Reason.NODE_REVOKED: (
        "Issuing centre struck off",
        "The university had withdrawn the centre's licence before this was issued. "
        "Do not rely on it.",
    ),
    Reason.CREDENTIAL_REVOKED: (
        "Revoked",
        "The university has withdrawn this credential. It is no longer valid.",
    ),
    Reason.EXPIRED: ("Expired", "This credential has passed its expiry date."),
    Reason.UNKNOWN_MODULE: (
        "Unknown module",
        "It names a module that is not in the university's catalogue. Do not rely on it.",
    ),
    "no_qr": (
        "No QR code found",
        "No QR code could be read in the photo. Take it again, closer and sharper, in good light.",
    ),
    "empty": ("Nothing to check", "Paste the text of the QR code or choose a photo of it."),
    "no_trust_list": (
        "Cannot check yet",
        "This hub has not published its trust list yet, so it cannot check credentials.",
    ),
}


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
