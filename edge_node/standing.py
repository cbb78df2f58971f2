"""Where a credential of this node stands: active, revoked, replaced or expired. The one
place every page, print and download asks before it shows a credential as valid.

- revoked: the installed trust list sets the bit of its revocation slot, or revoked this
  centre before it was issued (what ``/verify`` says of it too);
- replaced: the university asked for it to be issued again and the new one is here;
- expired: its ``expires_at`` has passed by the node's clock.

A revoked credential is not printed and not exported: its page says why instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from credentials.i18n import N_
from credentials.trust import TrustList
from credentials.verification import Reason, verify
from edge_node import trust
from edge_node.errors import EdgeError
from edge_node.issuance import CredentialRecord, credential
from edge_node.node import Node
from edge_node.storage import first


class State(StrEnum):
    active = "active"
    revoked = "revoked"
    replaced = "replaced"
    expired = "expired"


WORDS = {
    State.active: N_("Valid"),
    State.revoked: N_("Revoked"),
    State.replaced: N_("Replaced"),
    State.expired: N_("Expired"),
}
"""The word a page shows beside the state's icon."""

ICONS = {State.active: "✓", State.revoked: "✗", State.replaced: "↻", State.expired: "⌛"}

EXPLANATIONS = {
    State.revoked: N_(
        "The university has revoked this credential. It is no longer valid: it cannot be "
        "printed or downloaded."
    ),
    State.replaced: N_(
        "This credential was issued again. Use the new one: the old one is not printed or "
        "downloaded any more."
    ),
    State.expired: N_(
        "This credential expired on {date}. It is no longer valid: it cannot be printed or "
        "downloaded."
    ),
}
"""Why a credential that is not active is not printed nor downloaded, in plain words."""


@dataclass(frozen=True)
class Standing:
    state: State
    replaced_by: str | None = None
    """The replacement's id, for a replaced credential."""
    expired_on: str | None = None
    """The day it expired (``YYYY-MM-DD``), for an expired credential."""

    @property
    def active(self) -> bool:
        return self.state is State.active

    @property
    def word(self) -> str:
        return WORDS[self.state]

    @property
    def icon(self) -> str:
        return ICONS[self.state]

    @property
    def explanation(self) -> str:
        """The English text before ``{date}`` is filled (pages translate it)."""
        return EXPLANATIONS.get(self.state, "")

    @property
    def params(self) -> dict[str, object]:
        return {"date": self.expired_on} if self.expired_on else {}


ACTIVE = Standing(State.active)


class NotValid(EdgeError):
    """A print or a download of a credential that is revoked, replaced or expired."""

    status = 410
    code = "credential_not_valid"


def standing(node: Node, record: CredentialRecord) -> Standing:
    return standings(node, [record])[record.id]


def standings(node: Node, records: list[CredentialRecord]) -> dict[str, Standing]:
    """Each record's standing by its id: one trust list read for all."""
    listing = trust.current(node)
    now = node.clock.now()
    return {r.id: _standing(node, listing, r, now) for r in records}


def _standing(
    node: Node, listing: TrustList | None, record: CredentialRecord, now: datetime
) -> Standing:
    if listing is not None and _revoked(node, listing, record):
        return Standing(State.revoked)
    replacement = first(node.db, "SELECT id FROM credentials WHERE replaces = ?", [record.id])
    if replacement is not None:
        return Standing(State.replaced, replaced_by=str(replacement["id"]))
    if record.expires_at is not None:
        expires_at = datetime.fromisoformat(record.expires_at)
        if now >= expires_at:
            return Standing(State.expired, expired_on=expires_at.date().isoformat())
    return ACTIVE


def _revoked(node: Node, listing: TrustList, record: CredentialRecord) -> bool:
    status = listing.status_lists.get(node.node_id)
    if status is not None and status.is_set(record.status_index):
        return True
    since = listing.revoked_nodes.get(node.node_id)
    return since is not None and datetime.fromisoformat(record.issued_at) >= since


def require_valid(node: Node, record: CredentialRecord) -> Standing:
    """The standing of a credential about to be printed or exported; :class:`NotValid`
    with the reason in plain words when it is not active."""
    found = standing(node, record)
    if not found.active:
        raise NotValid(found.explanation, params=found.params)
    return found


def by_ids(node: Node, ids: list[str]) -> dict[str, Standing]:
    """The standing of each of this node's credentials named (a results table's)."""
    return standings(node, [credential(node, i) for i in dict.fromkeys(ids)])


def recognised_standings(node: Node, learner_id: str) -> dict[str, Standing]:
    """The standing of each credential earned at another centre and recognised here for
    the learner, checked again against the stored trust list: revoked (it, or its centre
    before it was issued), expired, or active."""
    listing = trust.current(node)
    now = node.clock.now()
    found: dict[str, Standing] = {}
    for row in node.db.query("SELECT id, cose FROM recognised WHERE learner_id = ?", [learner_id]):
        verdict = None if listing is None else verify(bytes(row["cose"]), listing, now=now)
        if verdict is not None and verdict.reason in (
            Reason.CREDENTIAL_REVOKED,
            Reason.NODE_REVOKED,
        ):
            found[row["id"]] = Standing(State.revoked)
        elif verdict is not None and verdict.reason is Reason.EXPIRED and verdict.credential:
            expiry = verdict.credential.expires_at
            day = expiry.date().isoformat() if expiry else None
            found[row["id"]] = Standing(State.expired, expired_on=day)
        else:
            found[row["id"]] = ACTIVE
    return found
