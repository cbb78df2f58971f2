"""Credentials a learner earned at another centre, added by a worker so they count here.

The worker pastes the QR text (or a photo of the QR) of a module credential another node
issued. The node checks it offline against its own trust list, as any verifier would
(genuine, not revoked, not expired, issued under a root this node trusts), refuses a
pathway credential and one whose holder name is not the learner's, and then keeps it,
with an event in the same transaction, so that pathways count it
(:func:`edge_node.issuance.issue_pathways`). The hub checks the credential again when
the event arrives.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from credentials import verdicts
from credentials.names import same_name
from credentials.qr import PhotoReading
from edge_node import events, learners, trust
from edge_node.errors import EdgeError
from edge_node.events import EventType
from edge_node.issuance import issue_pathways
from edge_node.node import Node
from edge_node.storage import Row, first, transaction

MAX_TEXT = 8000

EMPTY = "Paste the QR text or choose a photo."
NO_QR = "No QR code could be read in the photo. Take it again, closer and sharper."
PHOTO_TOO_LARGE = verdicts.VERDICTS["photo_too_large"][1]
NO_TRUST_LIST = (
    "This node has no trust list yet, so it cannot check credentials from other centres: "
    "import a content pack or sync first."
)
NOT_GENUINE = "This credential cannot be added: {reason}"
OWN = "This credential was issued by this centre: it is already on this node's records."
PATHWAY = "This is a pathway credential: only module credentials can be added."
NAME_MISMATCH = (
    "The credential is for {holder}, but this learner is {learner}. If they are the same "
    "person, correct the learner's name first."
)
OTHER_LEARNER = "This credential is already recognised for another learner, {learner}."


class NotRecognised(EdgeError):
    """A presented credential this node will not add; the message says why in plain words.

    ``template`` and ``params`` let a page say it in the reader's language."""

    status = 422
    code = "not_recognised"

    def __init__(self, template: str, **params: str) -> None:
        super().__init__(template, params=dict(params))


class Unreadable(NotRecognised):
    status = 400
    code = "unreadable"


class AlreadyOnRecord(NotRecognised):
    status = 409
    code = "already_on_record"


@dataclass(frozen=True)
class Recognised:
    """A credential from another node, as kept for a learner here."""

    id: str
    issuer_node: str
    centre: str
    learner_id: str
    module_id: str
    module_version: str
    score_percent: int
    issued_at: str
    expires_at: str | None
    recognised_by: str
    recognised_at: str


@dataclass(frozen=True)
class Outcome:
    record: Recognised
    already: bool
    """True when the same credential was recognised for this learner before (nothing added)."""
    pathways: list[str]
    """Ids of the pathway credentials this recognition completed, issued at once."""


_COLUMNS = (
    "id, issuer_node, centre, learner_id, module_id, module_version, score_percent, "
    "issued_at, expires_at, recognised_by, recognised_at"
)


def _record(row: Row) -> Recognised:
    return Recognised(**row)


def text_of_photo(photo: PhotoReading) -> str:
    """The QR text a photo gave, or :class:`Unreadable` saying why there is none."""
    if photo.too_large:
        raise Unreadable(PHOTO_TOO_LARGE)
    if photo.text is None:
        raise Unreadable(NO_QR)
    return photo.text


def _qr_text(text: str | None, image: bytes | None) -> str:
    from credentials.qr import read_qr_photo

    if image:
        return text_of_photo(read_qr_photo(image))
    if not text or not text.strip():
        raise Unreadable(EMPTY)
    return text.strip()[:MAX_TEXT]


def recognise(
    node: Node, learner_id: str, *, text: str | None = None, image: bytes | None = None, by: str
) -> Outcome:
    """Check a credential presented for ``learner_id`` and keep it; raises
    :class:`NotRecognised` (or a subclass) with the reason when it is refused."""
    from credentials.qr import from_qr_text
    from credentials.verification import verify

    learner = learners.get(node, learner_id)
    qr_text = _qr_text(text, image)
    trust_list = trust.current(node)
    if trust_list is None:
        raise NotRecognised(NO_TRUST_LIST)
    verdict = verify(qr_text, trust_list, now=node.clock.now())
    credential = verdict.credential
    if credential is not None and credential.issuer == node.node_id:
        raise AlreadyOnRecord(OWN)
    if not verdict.genuine or credential is None or verdict.node is None:
        raise NotRecognised(NOT_GENUINE, reason=verdict.message)
    if credential.pathway:
        raise NotRecognised(PATHWAY)
    credential_id = credential.credential_id.hex()
    existing = first(
        node.db,
        f"SELECT {_COLUMNS} FROM recognised WHERE issuer_node = ? AND id = ?",
        [credential.issuer, credential_id],
    )
    if existing is not None:
        if existing["learner_id"] != learner_id:
            other = learners.get_any(node, existing["learner_id"])
            raise AlreadyOnRecord(OTHER_LEARNER, learner=other.name)
        return Outcome(_record(existing), already=True, pathways=[])
    if not same_name(credential.holder_name, learner.name):
        raise NotRecognised(NAME_MISMATCH, holder=credential.holder_name, learner=learner.name)
    record = Recognised(
        id=credential_id,
        issuer_node=credential.issuer,
        centre=verdict.node.node_name,
        learner_id=learner_id,
        module_id=credential.module_id,
        module_version=credential.module_version,
        score_percent=credential.score_percent,
        issued_at=credential.issued_at.isoformat(),
        expires_at=credential.expires_at.isoformat() if credential.expires_at else None,
        recognised_by=by,
        recognised_at=node.clock.now().isoformat(),
    )
    cose = from_qr_text(qr_text)
    with transaction(node.db):
        node.db.table("recognised").insert(
            {**asdict(record), "status_index": credential.status_index, "cose": cose}
        )
        events.record(
            node.db,
            node_id=node.node_id,
            clock=node.clock,
            type=EventType.credential_recognised,
            body={"cose": cose, "learner": learner_id, "by": by},
        )
        pathways = (
            issue_pathways(node, learner_id, credential.module_id)
            if node.clock.status().trusted
            else []
        )
    return Outcome(record, already=False, pathways=pathways)


def learner_recognised(node: Node, learner_id: str) -> list[Recognised]:
    """The credentials recognised for a learner, newest first."""
    found = node.db.query(
        f"SELECT {_COLUMNS} FROM recognised WHERE learner_id = ? ORDER BY issued_at DESC",
        [learner_id],
    )
    return [_record(row) for row in found]
