"""The alerts the hub raises about a node: a stable code and its whole-number parameters.

The hub stores an alert this way and sends it in its answers (``alert_detail``) beside
the English sentence (``alert``) that nodes which predate the structured form show.
Each side renders the code in its reader's language from the English template below,
which is also the message id in the catalogues (``credentials.i18n``). An alert from a
hub newer than this code (an unknown code, other parameters) is shown as the hub's
English text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from string import Formatter
from typing import Any

from credentials.i18n import N_

FORK = "fork"
RESTORED = "restored"
REJECTED = "rejected"
OUTSIDE_CERTIFICATE = "outside_certificate"

TEMPLATES: dict[str, str] = {
    FORK: N_(
        "fork: this node's log differs from what the hub already holds after seq {seq} "
        "(restored from an old backup, or a cloned card?). Its events are kept but held "
        "for staff review (branch {branch})"
    ),
    RESTORED: N_(
        "this node's log ends at seq {head} but the hub holds up to {tip}: it was "
        "restored from an old backup; what it records next will be held for review"
    ),
    REJECTED: N_(
        "the university's staff rejected this node's log after seq {seq} (branch {branch}): "
        "its events are kept but stay out of results for good; contact the university"
    ),
    OUTSIDE_CERTIFICATE: N_(
        "this node sent a credential dated outside its certificate's validity (event {seq}): "
        "it is set aside for staff review and not counted in results; check the node's clock"
    ),
}
"""Every alert code, with its English sentence; the placeholders are its parameters."""

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
