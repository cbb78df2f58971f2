"""A verify page's work, shared by the hub's and the centre's: read a QR (pasted text or
a photo), check it against a trust list, and say in words for someone who has never heard
of a signature what it is and what it claims. Each :class:`~credentials.verification.Reason`
and each page case (no QR in the photo, nothing entered, no trust list yet) has a headline
and a sentence; the English is the message id of the
project's catalogues (:mod:`credentials.i18n`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from credentials.i18n import N_
from credentials.qr import PhotoReading, read_qr_photo
from credentials.trust import TrustList
from credentials.verification import Reason, verify

MAX_TEXT = 8000
TRUST_LIST_DATE = N_("Checked against the university's trust list of {date}.")
JOINED_LATER = N_("A centre that joined after {date} is not in this list yet.")
"""Under an unknown issuer's verdict: the list may simply be older than the centre."""
DETAIL_LABELS = (
    N_("Name"),
    N_("Module"),
    N_("Outcomes achieved"),
    N_("Level (EQF)"),
    N_("Date"),
    N_("Valid until"),
    N_("Issuing centre"),
)
"""What a verdict's details may name: the labels of :attr:`Check.details`."""

VERDICTS: dict[str, tuple[str, str]] = {
    Reason.GENUINE: (
        N_("Genuine"),
        N_(
            "This credential is genuine: a learning centre certified by the university "
            "issued it, nobody has changed it since, and it has not been withdrawn."
        ),
    ),
    Reason.MALFORMED: (
        N_("Not a credential"),
        N_(
            "This is not a credential this page can read. Check that you pasted all of "
            "the text, or take the photo again."
        ),
    ),
    Reason.UNSUPPORTED_ALG: (
        N_("Cannot be trusted"),
        N_("This credential is signed in a way the university does not accept. Do not rely on it."),
    ),
    Reason.UNKNOWN_ISSUER: (
        N_("Unknown issuer"),
        N_("No learning centre known to the university signed this. Do not rely on it."),
    ),
    Reason.BAD_SIGNATURE: (
        N_("Forged or altered"),
        N_(
            "The signature does not match what the credential says: it was changed after "
            "it was issued, or it is a forgery. Do not rely on it."
        ),
    ),
    Reason.NODE_CERT_EXPIRED: (
        N_("Issued without a valid licence"),
        N_(
            "The centre's licence from the university had run out when this was issued. "
            "Do not rely on it."
        ),
    ),
    Reason.NODE_CERT_NOT_YET_VALID: (
        N_("Issued without a valid licence"),
        N_(
            "The centre's licence from the university had not started yet when this was "
            "issued. Do not rely on it."
        ),
    ),
    Reason.NODE_CERT_OUT_OF_SCOPE: (
        N_("Issued without a valid licence"),
        N_("The centre is not licensed by the university to award this module. Do not rely on it."),
    ),
    Reason.NODE_REVOKED: (
        N_("Issuing centre struck off"),
        N_(
            "The university had withdrawn the centre's licence before this was issued. Do"
            " not rely on it."
        ),
    ),
    Reason.CREDENTIAL_REVOKED: (
        N_("Revoked"),
        N_("The university has withdrawn this credential. It is no longer valid."),
    ),
    Reason.EXPIRED: (
        N_("Expired"),
        N_("This credential has passed its expiry date."),
    ),
    Reason.UNKNOWN_MODULE: (
        N_("Unknown module"),
        N_("It names a module that is not in the university's catalogue. Do not rely on it."),
    ),
    Reason.NOT_DETERMINISTIC: (
        N_("Altered copy"),
        N_(
            "This credential was rewritten after it was signed, in a way no learning "
            "centre writes one. Do not rely on it: ask the holder for the credential as "
            "the centre printed it."
        ),
    ),
    "no_qr": (
        N_("No QR code found"),
        N_(
            "No QR code could be read in the photo. Take it again, closer and sharper, in"
            " good light."
        ),
    ),
    "photo_too_large": (
        N_("Photo too large"),
        N_(
            "This photo is too large to read here. Take a new photo of just the QR code, "
            "or send a smaller copy."
        ),
    ),
    "empty": (
        N_("Nothing to check"),
        N_("Take a photo of the QR code, or paste the text a QR scanner app read from it."),
    ),
    "no_trust_list": (
        N_("Cannot check yet"),
        N_(
            "No trust list from the university has reached this place yet, so it cannot "
            "check credentials."
        ),
    ),
}
"""Headline and sentence for every reason and page case; a test checks each is translated."""

"""Each English headline and sentence in Kiswahili and French."""


@dataclass(frozen=True)
class Check:
    genuine: bool
    reason: str
    details: list[tuple[str, str | list[str]]] = field(default_factory=list)
    """(label message id, value) pairs: what the credential says; outcomes as a list."""
    trust_issued_on: str | None = None
    """The date (YYYY-MM-DD) of the trust list the verdict was reached with."""

    @property
    def notes(self) -> list[str]:
        """Message ids (with ``{date}``) about the list used: its date, and what it may miss."""
        if self.trust_issued_on is None:
            return []
        if self.reason == Reason.UNKNOWN_ISSUER:
            return [TRUST_LIST_DATE, JOINED_LATER]
        return [TRUST_LIST_DATE]

    @property
    def headline(self) -> str:
        return VERDICTS[self.reason][0]

    @property
    def sentence(self) -> str:
        return VERDICTS[self.reason][1]


def check(
    trust: TrustList | None,
    *,
    text: str | None,
    image: bytes | None = None,
    lang: str,
    now: datetime,
    photo: PhotoReading | None = None,
) -> Check:
    """The verdict on a pasted QR text or a photo of the QR (``image``, or ``photo`` when
    a server read it in its pool of photo readers); never raises."""
    if image:
        photo = read_qr_photo(image)
    if photo is not None:
        if photo.too_large:
            return Check(False, "photo_too_large")
        if photo.text is None:
            return Check(False, "no_qr")
        text = photo.text
    text = (text or "").strip()
    if not text:
        return Check(False, "empty")
    if trust is None:
        return Check(False, "no_trust_list")
    verdict = verify(text[:MAX_TEXT], trust, now=now)
    details: list[tuple[str, str | list[str]]] = []
    credential = verdict.credential
    if credential is not None:
        details.append((N_("Name"), credential.holder_name))
        entry = verdict.entry
        if entry is not None:
            details.append((N_("Module"), entry.title_in(lang)))
            achieved = [
                outcome
                for outcome, flag in zip(entry.outcomes_in(lang), credential.outcomes, strict=False)
                if flag
            ]
            if achieved:
                details.append((N_("Outcomes achieved"), achieved))
            if entry.level_eqf is not None:
                details.append((N_("Level (EQF)"), str(entry.level_eqf)))
        else:
            details.append((N_("Module"), credential.module_id))
        details.append((N_("Date"), credential.issued_at.date().isoformat()))
        if credential.expires_at is not None:
            details.append((N_("Valid until"), credential.expires_at.date().isoformat()))
        if verdict.node is not None:
            details.append((N_("Issuing centre"), verdict.node.node_name))
    return Check(verdict.genuine, str(verdict.reason), details, trust.issued_at.date().isoformat())
