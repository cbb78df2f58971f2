"""The browser verifier's own words: its buttons, what it says about the list it checked
against, and the one verdict only a phone can reach (a list older than the centre). The
English is the message id; each has Kiswahili and French. The verdicts themselves come
from :mod:`credentials.verdicts`, the same sentences the CLI and the ``/verify`` pages say.
"""

from __future__ import annotations

NEWER_THAN_LIST = "newer_than_list"

VERDICTS: dict[str, tuple[str, str]] = {
    NEWER_THAN_LIST: (
        "Cannot check yet",
        "This centre may have joined after the university's list on this phone was made. "
        "Connect to the internet once to refresh the list, then check again.",
    ),
}
"""Headline and sentence of the verdicts only the browser gives."""

TRANSLATIONS: dict[str, tuple[str, str]] = {
    "Check a credential": ("Hakiki cheti", "Vérifier une attestation"),
    "Scan with the camera": ("Changanua kwa kamera", "Scanner avec l'appareil photo"),
    "Stop the camera": ("Zima kamera", "Arrêter l'appareil photo"),
    "Take or choose a photo": ("Piga au chagua picha", "Prendre ou choisir une photo"),
    "Paste the text of the QR code": (
        "Bandika maandishi ya msimbo wa QR",
        "Collez le texte du code QR",
    ),
    "Check": ("Hakiki", "Vérifier"),
    "Point the camera at the QR code.": (
        "Elekeza kamera kwenye msimbo wa QR.",
        "Dirigez l'appareil photo vers le code QR.",
    ),
    "The camera could not be opened. Take or choose a photo instead.": (
        "Kamera haikuweza kufunguliwa. Piga au chagua picha badala yake.",
        "L'appareil photo n'a pas pu s'ouvrir. Prenez ou choisissez plutôt une photo.",
    ),
    "Checked against the university's list of {date}, made today.": (
        "Imehakikiwa kwa orodha ya chuo kikuu ya {date}, iliyotolewa leo.",
        "Vérifié avec la liste de l'université du {date}, publiée aujourd'hui.",
    ),
    "Checked against the university's list of {date} (1 day old).": (
        "Imehakikiwa kwa orodha ya chuo kikuu ya {date} (ya siku 1 iliyopita).",
        "Vérifié avec la liste de l'université du {date} (vieille d'un jour).",
    ),
    "Checked against the university's list of {date} ({days} days old).": (
        "Imehakikiwa kwa orodha ya chuo kikuu ya {date} (ya siku {days} zilizopita).",
        "Vérifié avec la liste de l'université du {date} (vieille de {days} jours).",
    ),
    "List from the university on this phone: {date}.": (
        "Orodha ya chuo kikuu kwenye simu hii: {date}.",
        "Liste de l'université sur ce téléphone : {date}.",
    ),
    "Looking for a newer list…": (
        "Inatafuta orodha mpya zaidi…",
        "Recherche d'une liste plus récente…",
    ),
    "Offline: using the list kept on this phone.": (
        "Nje ya mtandao: inatumia orodha iliyohifadhiwa kwenye simu hii.",
        "Hors ligne : la liste gardée sur ce téléphone est utilisée.",
    ),
    "Connect to the internet once to get the university's list.": (
        "Unganisha kwenye intaneti mara moja ili kupata orodha ya chuo kikuu.",
        "Connectez-vous à internet une fois pour obtenir la liste de l'université.",
    ),
    "Works without internet after this first visit.": (
        "Inafanya kazi bila intaneti baada ya ziara hii ya kwanza.",
        "Fonctionne sans internet après cette première visite.",
    ),
    "Name": ("Jina", "Nom"),
    "Module": ("Moduli", "Module"),
    "Outcomes achieved": ("Malengo yaliyofikiwa", "Acquis obtenus"),
    "Date": ("Tarehe", "Date"),
    "Valid until": ("Halali hadi", "Valable jusqu'au"),
    "This centre may have joined after the university's list on this phone was made. "
    "Connect to the internet once to refresh the list, then check again.": (
        "Huenda kituo hiki kilijiunga baada ya orodha ya chuo kikuu iliyo kwenye simu hii "
        "kutolewa. Unganisha kwenye intaneti mara moja ili kusasisha orodha, kisha hakiki tena.",
        "Ce centre a peut-être été agréé après la liste de l'université gardée sur ce "
        "téléphone. Connectez-vous à internet une fois pour la mettre à jour, puis vérifiez "
        "de nouveau.",
    ),
}
"""Each English phrase of the page in Kiswahili and French."""
