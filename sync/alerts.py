"""The alerts the hub raises about a node: a stable code and its whole-number parameters.

The hub stores an alert this way and sends it in its answers (``alert_detail``) beside
the English sentence (``alert``) that nodes which predate the structured form show.
Each side renders the code in its reader's language from the English template below,
which is also the message id in its translations. An alert from a hub newer than this
code (an unknown code, other parameters) is shown as the hub's English text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from string import Formatter
from typing import Any

FORK = "fork"
RESTORED = "restored"
REJECTED = "rejected"
OUTSIDE_CERTIFICATE = "outside_certificate"

TEMPLATES: dict[str, str] = {
    FORK: (
        "fork: this node's log differs from what the hub already holds after seq {seq} "
        "(restored from an old backup, or a cloned card?). Its events are kept but held "
        "for staff review (branch {branch})"
    ),
    RESTORED: (
        "this node's log ends at seq {head} but the hub holds up to {tip}: it was "
        "restored from an old backup; what it records next will be held for review"
    ),
    REJECTED: (
        "the university's staff rejected this node's log after seq {seq} (branch {branch}): "
        "its events are kept but stay out of results for good; contact the university"
    ),
    OUTSIDE_CERTIFICATE: (
        "this node sent a credential dated outside its certificate's validity (event {seq}): "
        "it is set aside for staff review and not counted in results; check the node's clock"
    ),
}
"""Every alert code, with its English sentence; the placeholders are its parameters."""

TRANSLATIONS: dict[str, tuple[str, str]] = {
    TEMPLATES[FORK]: (
        "mgawanyiko: kumbukumbu za kituo hiki zinatofautiana na zile ambazo kitovu tayari "
        "kinazo baada ya namba {seq} (kimerejeshwa kutoka nakala ya zamani, au kadi "
        "iliyonakiliwa?). Matukio yake yamehifadhiwa lakini yamezuiliwa hadi wafanyakazi "
        "wayakague (tawi {branch})",
        "divergence : le journal de ce centre diffère de ce que le hub détient déjà après "
        "le n° {seq} (restauré depuis une ancienne sauvegarde, ou carte copiée ?). Ses "
        "événements sont conservés mais mis en attente d'examen par le personnel "
        "(branche {branch})",
    ),
    TEMPLATES[RESTORED]: (
        "kumbukumbu za kituo hiki zinaishia namba {head} lakini kitovu kina hadi namba "
        "{tip}: kilirejeshwa kutoka nakala ya zamani; kitakachorekodi sasa kitazuiliwa "
        "hadi kikaguliwe",
        "le journal de ce centre s'arrête au n° {head} mais le hub détient tout jusqu'au "
        "n° {tip} : il a été restauré depuis une ancienne sauvegarde ; ce qu'il "
        "enregistrera ensuite sera mis en attente d'examen",
    ),
    TEMPLATES[REJECTED]: (
        "wafanyakazi wa chuo wamekataa kumbukumbu za kituo hiki baada ya namba {seq} "
        "(tawi {branch}): matukio yake yamehifadhiwa lakini hayataingia kwenye matokeo "
        "kamwe; wasiliana na chuo",
        "le personnel de l'université a rejeté le journal de ce centre après le n° {seq} "
        "(branche {branch}) : ses événements sont conservés mais restent définitivement "
        "hors des résultats ; contactez l'université",
    ),
    TEMPLATES[OUTSIDE_CERTIFICATE]: (
        "kituo hiki kimetuma cheti chenye tarehe nje ya muda wa idhini yake (tukio {seq}): "
        "kimewekwa kando ili wafanyakazi wakikague na hakihesabiwi kwenye matokeo; angalia "
        "saa ya kituo",
        "ce centre a envoyé une attestation datée hors de la validité de son certificat "
        "(événement n° {seq}) : elle est mise de côté pour examen par le personnel et n'est "
        "pas comptée dans les résultats ; vérifiez l'horloge du centre",
    ),
}
"""Each English sentence in Kiswahili and French, for the hub's and the node's tables."""

_PARAMETERS = {
    code: frozenset(name for _, name, _, _ in Formatter().parse(text) if name)
    for code, text in TEMPLATES.items()
}


@dataclass(frozen=True)
class Alert:
    code: str
    params: dict[str, int]

    @property
    def template(self) -> str:
        """The English sentence with its placeholders: the message id to translate."""
        return TEMPLATES[self.code]

    def english(self) -> str:
        return self.template.format(**self.params)

    def wire(self) -> dict[str, Any]:
        """The ``alert_detail`` field: ``{"code": ..., **params}``."""
        return {"code": self.code, **self.params}

    def to_json(self) -> str:
        return json.dumps(self.wire(), sort_keys=True)


def fork(*, branch: int, seq: int) -> Alert:
    """The node sent a different event after ``seq``; its events go to held ``branch``."""
    return Alert(FORK, {"branch": branch, "seq": seq})


def rejected(*, branch: int, seq: int) -> Alert:
    """Staff rejected ``branch`` (from ``seq``), on which the node's events go on arriving."""
    return Alert(REJECTED, {"branch": branch, "seq": seq})


def restored(*, head: int, tip: int) -> Alert:
    """The node's log ends at ``head``, below the ``tip`` the hub holds: events were lost."""
    return Alert(RESTORED, {"head": head, "tip": tip})


def outside_certificate(*, seq: int) -> Alert:
    """The node's credential at ``seq`` is dated when no certificate of its key was valid
    for its module: set aside, as a verifier would refuse it."""
    return Alert(OUTSIDE_CERTIFICATE, {"seq": seq})


def read(value: object) -> Alert | None:
    """The alert in a wire or stored ``{"code": ..., **params}`` map; None unless it is a
    code this side knows with exactly its parameters, each a whole number."""
    if not isinstance(value, dict):
        return None
    code = value.get("code")
    if not isinstance(code, str) or code not in TEMPLATES:
        return None
    params = {k: v for k, v in value.items() if k != "code"}
    if set(params) != _PARAMETERS[code]:
        return None
    if not all(type(v) is int for v in params.values()):
        return None
    return Alert(code, params)


def from_json(text: str | None) -> Alert | None:
    """The alert stored as JSON text (see ``Alert.to_json``); None if absent or unreadable."""
    if not text:
        return None
    try:
        return read(json.loads(text))
    except ValueError:
        return None
