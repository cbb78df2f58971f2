"""What each verification verdict means, in words for someone who has never heard of a
signature: a headline and a sentence per :class:`~credentials.verification.Reason`, and the
two a verify page adds (no QR in the photo, nothing entered). The English is the message
id; ``TRANSLATIONS`` gives Kiswahili and French, which the hub's and the centre's
translation tables both take in."""

from __future__ import annotations

from credentials.verification import Reason

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
    "no_qr": (
        "No QR code found",
        "No QR code could be read in the photo. Take it again, closer and sharper, in good light.",
    ),
    "empty": (
        "Nothing to check",
        "Paste the text of the QR code or choose a photo of it.",
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
    "Nothing to check": (
        "Hakuna cha kuhakiki",
        "Rien à vérifier",
    ),
    "Paste the text of the QR code or choose a photo of it.": (
        "Bandika maandishi ya msimbo wa QR au chagua picha yake.",
        "Collez le texte du code QR ou choisissez une photo de celui-ci.",
    ),
}
"""Each English headline and sentence in Kiswahili and French."""
