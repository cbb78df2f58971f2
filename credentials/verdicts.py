"""A verify page's work, shared by the hub's and the centre's: read a QR (pasted text or
a photo), check it against a trust list, and say in words for someone who has never heard
of a signature what it is and what it claims. Each :class:`~credentials.verification.Reason`
and each page case (no QR in the photo, nothing entered, no trust list yet) has a headline
and a sentence; the English is the message id, ``TRANSLATIONS`` gives Kiswahili and
French, which both pages' translation tables take in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from credentials.qr import PhotoReading, read_qr_photo
from credentials.trust import TrustList
from credentials.verification import Reason, verify

MAX_TEXT = 8000
TRUST_LIST_DATE = "Checked against the university's trust list of {date}."
JOINED_LATER = "A centre that joined after {date} is not in this list yet."
"""Under an unknown issuer's verdict: the list may simply be older than the centre."""

VERDICTS: dict[str, tuple[str, str]] = {
    Reason.GENUINE: (
        "Genuine",
        "This credential is genuine: a learning centre certified by the university issued it, "
        "nobody has changed it since, and it has not been withdrawn.",
    ),
    Reason.MALFORMED: (
        "Not a credential",
        "This is not a credential this page can read. Check that you pasted all of the text, or "
        "take the photo again.",
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
        "The centre's licence from the university had run out when this was issued. Do not rely "
        "on it.",
    ),
    Reason.NODE_CERT_NOT_YET_VALID: (
        "Issued without a valid licence",
        "The centre's licence from the university had not started yet when this was issued. Do "
        "not rely on it.",
    ),
    Reason.NODE_CERT_OUT_OF_SCOPE: (
        "Issued without a valid licence",
        "The centre is not licensed by the university to award this module. Do not rely on it.",
    ),
    Reason.NODE_REVOKED: (
        "Issuing centre struck off",
        "The university had withdrawn the centre's licence before this was issued. Do not rely "
        "on it.",
    ),
    Reason.CREDENTIAL_REVOKED: (
        "Revoked",
        "The university has withdrawn this credential. It is no longer valid.",
    ),
    Reason.EXPIRED: (
        "Expired",
        "This credential has passed its expiry date.",
    ),
    Reason.UNKNOWN_MODULE: (
        "Unknown module",
        "It names a module that is not in the university's catalogue. Do not rely on it.",
    ),
    Reason.NOT_DETERMINISTIC: (
        "Altered copy",
        "This credential was rewritten after it was signed, in a way no learning centre writes "
        "one. Do not rely on it: ask the holder for the credential as the centre printed it.",
    ),
    "no_qr": (
        "No QR code found",
        "No QR code could be read in the photo. Take it again, closer and sharper, in good light.",
    ),
    "photo_too_large": (
        "Photo too large",
        "This photo is too large to read here. Take a new photo of just the QR code, or send "
        "a smaller copy.",
    ),
    "empty": (
        "Nothing to check",
        "Take a photo of the QR code, or paste the text a QR scanner app read from it.",
    ),
    "no_trust_list": (
        "Cannot check yet",
        "No trust list from the university has reached this place yet, so it cannot check "
        "credentials.",
    ),
}
"""Headline and sentence for every reason and page case; a test checks each is translated."""

TRANSLATIONS: dict[str, tuple[str, str]] = {
    "Genuine": (
        "Halali",
        "Authentique",
    ),
    "This credential is genuine: a learning centre certified by the university issued it, "
    "nobody has changed it since, and it has not been withdrawn.": (
        "Cheti hiki ni halali: kilitolewa na kituo cha mafunzo kilichothibitishwa na chuo "
        "kikuu, hakuna aliyekibadilisha tangu hapo, na hakijafutwa.",
        "Cette attestation est authentique : un centre de formation agréé par l'université l'a "
        "délivrée, personne ne l'a modifiée depuis, et elle n'a pas été retirée.",
    ),
    "Not a credential": (
        "Si cheti",
        "Pas une attestation",
    ),
    "This is not a credential this page can read. Check that you pasted all of the text, or "
    "take the photo again.": (
        "Hiki si cheti ambacho ukurasa huu unaweza kusoma. Hakikisha umebandika maandishi yote, "
        "au piga picha tena.",
        "Ce n'est pas une attestation que cette page sait lire. Vérifiez que vous avez collé "
        "tout le texte, ou reprenez la photo.",
    ),
    "Cannot be trusted": (
        "Hakiaminiki",
        "Pas digne de confiance",
    ),
    "This credential is signed in a way the university does not accept. Do not rely on it.": (
        "Cheti hiki kimesainiwa kwa njia ambayo chuo kikuu haikubali. Usikitegemee.",
        "Cette attestation est signée d'une manière que l'université n'accepte pas. Ne vous y "
        "fiez pas.",
    ),
    "Unknown issuer": (
        "Mtoaji asiyejulikana",
        "Émetteur inconnu",
    ),
    "No learning centre known to the university signed this. Do not rely on it.": (
        "Hakuna kituo cha mafunzo kinachojulikana na chuo kikuu kilichosaini hiki. Usikitegemee.",
        "Aucun centre de formation connu de l'université ne l'a signée. Ne vous y fiez pas.",
    ),
    "Forged or altered": (
        "Ni bandia au kimebadilishwa",
        "Falsifiée ou modifiée",
    ),
    "The signature does not match what the credential says: it was changed after it was "
    "issued, or it is a forgery. Do not rely on it.": (
        "Sahihi hailingani na kile cheti kinachosema: kilibadilishwa baada ya kutolewa, au ni "
        "bandia. Usikitegemee.",
        "La signature ne correspond pas au contenu de l'attestation : elle a été modifiée après "
        "sa délivrance, ou c'est un faux. Ne vous y fiez pas.",
    ),
    "Issued without a valid licence": (
        "Kilitolewa bila leseni halali",
        "Délivrée sans agrément valable",
    ),
    "The centre's licence from the university had run out when this was issued. Do not rely "
    "on it.": (
        "Leseni ya kituo kutoka chuo kikuu ilikuwa imekwisha wakati hiki kilipotolewa. "
        "Usikitegemee.",
        "L'agrément du centre par l'université avait expiré quand elle a été délivrée. Ne vous "
        "y fiez pas.",
    ),
    "The centre's licence from the university had not started yet when this was issued. Do "
    "not rely on it.": (
        "Leseni ya kituo kutoka chuo kikuu ilikuwa bado haijaanza wakati hiki kilipotolewa. "
        "Usikitegemee.",
        "L'agrément du centre par l'université n'avait pas encore commencé quand elle a été "
        "délivrée. Ne vous y fiez pas.",
    ),
    "The centre is not licensed by the university to award this module. Do not rely on it.": (
        "Kituo hakina leseni ya chuo kikuu kutoa cheti cha moduli hii. Usikitegemee.",
        "Le centre n'est pas agréé par l'université pour délivrer ce module. Ne vous y fiez pas.",
    ),
    "Issuing centre struck off": (
        "Kituo kilichotoa kimefutiwa leseni",
        "Centre émetteur radié",
    ),
    "The university had withdrawn the centre's licence before this was issued. Do not rely on "
    "it.": (
        "Chuo kikuu kilikuwa kimefuta leseni ya kituo kabla hiki hakijatolewa. Usikitegemee.",
        "L'université avait retiré l'agrément du centre avant sa délivrance. Ne vous y fiez pas.",
    ),
    "Revoked": (
        "Imefutwa",
        "Révoqué",
    ),
    "The university has withdrawn this credential. It is no longer valid.": (
        "Chuo kikuu kimekifuta cheti hiki. Si halali tena.",
        "L'université a retiré cette attestation. Elle n'est plus valable.",
    ),
    "Expired": (
        "Muda wake umekwisha",
        "Expirée",
    ),
    "This credential has passed its expiry date.": (
        "Cheti hiki kimepita tarehe yake ya mwisho.",
        "Cette attestation a dépassé sa date d'expiration.",
    ),
    "Altered copy": (
        "Nakala iliyobadilishwa",
        "Copie modifiée",
    ),
    "This credential was rewritten after it was signed, in a way no learning centre writes "
    "one. Do not rely on it: ask the holder for the credential as the centre printed it.": (
        "Cheti hiki kiliandikwa upya baada ya kusainiwa, kwa namna ambayo hakuna kituo cha "
        "mafunzo kinachoandika. Usikitegemee: mwombe mwenye cheti akupe cheti kama kituo "
        "kilivyokichapisha.",
        "Cette attestation a été réécrite après sa signature, d'une manière dont aucun centre "
        "de formation n'en écrit. Ne vous y fiez pas : demandez à son titulaire l'attestation "
        "telle que le centre l'a imprimée.",
    ),
    "Unknown module": (
        "Moduli isiyojulikana",
        "Module inconnu",
    ),
    "It names a module that is not in the university's catalogue. Do not rely on it.": (
        "Kinataja moduli ambayo haimo kwenye orodha ya chuo kikuu. Usikitegemee.",
        "Elle cite un module absent du catalogue de l'université. Ne vous y fiez pas.",
    ),
    "No QR code found": (
        "Hakuna msimbo wa QR",
        "Aucun code QR trouvé",
    ),
    "No QR code could be read in the photo. Take it again, closer and sharper, in good light.": (
        "Hakuna msimbo wa QR uliosomeka kwenye picha. Piga tena, karibu zaidi na kwa uwazi, "
        "mahali penye mwanga mzuri.",
        "Aucun code QR n'a pu être lu sur la photo. Reprenez-la, plus près et plus nette, avec "
        "une bonne lumière.",
    ),
    "Photo too large": (
        "Picha ni kubwa mno",
        "Photo trop grande",
    ),
    "This photo is too large to read here. Take a new photo of just the QR code, or send "
    "a smaller copy.": (
        "Picha hii ni kubwa mno kusomwa hapa. Piga picha mpya ya msimbo wa QR peke yake, au "
        "tuma nakala ndogo zaidi.",
        "Cette photo est trop grande pour être lue ici. Prenez une nouvelle photo du code QR "
        "seul, ou envoyez une copie plus petite.",
    ),
    "Nothing to check": (
        "Hakuna cha kuhakiki",
        "Rien à vérifier",
    ),
    "Take a photo of the QR code, or paste the text a QR scanner app read from it.": (
        "Piga picha ya msimbo wa QR, au bandika maandishi ambayo programu ya kuchanganua QR "
        "ilisoma kutoka kwake.",
        "Photographiez le code QR, ou collez le texte qu'une application de lecture de QR en "
        "a tiré.",
    ),
    "Cannot check yet": ("Bado haiwezi kuhakiki", "Vérification impossible pour l'instant"),
    "No trust list from the university has reached this place yet, so it cannot check "
    "credentials.": (
        "Orodha ya uaminifu kutoka chuo kikuu bado haijafika hapa, kwa hivyo haiwezi "
        "kuhakiki vyeti.",
        "Aucune liste de confiance de l'université n'est encore arrivée ici : les "
        "attestations ne peuvent pas encore être vérifiées.",
    ),
    "Level (EQF)": ("Kiwango (EQF)", "Niveau (CEC)"),
    "Issuing centre": ("Kituo kilichotoa", "Centre émetteur"),
    TRUST_LIST_DATE: (
        "Imehakikiwa kwa orodha ya uaminifu ya chuo kikuu ya tarehe {date}.",
        "Vérifiée avec la liste de confiance de l'université du {date}.",
    ),
    JOINED_LATER: (
        "Kituo kilichojiunga baada ya {date} bado hakimo kwenye orodha hii.",
        "Un centre agréé après le {date} n'est pas encore dans cette liste.",
    ),
}
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
    return Check(verdict.genuine, str(verdict.reason), details, trust.issued_at.date().isoformat())
