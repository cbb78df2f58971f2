"""Learners registered by a worker: who they are, their printed code and optional PIN.

A learner's id, which is also the subject of their credentials, is random: it is
never derived from their name, phone or any other personal data.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from credentials.claims import MAX_HOLDER_NAME
from credentials.languages import LANGUAGES
from edge_node import events
from edge_node.clock import RELEASE_FLOOR
from edge_node.errors import BadRequest, Conflict, NotFound, Unauthorized
from edge_node.events import EventType
from edge_node.node import Node
from edge_node.pin_hashes import hash_pin, needs_argon2
from edge_node.storage import Row, first, transaction

# Crockford's base32 alphabet: no I, L, O or U, so a code read aloud or from paper
# is hard to get wrong.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
GENDERS = ("female", "male", "other", "unstated")


def new_learner_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """Upper-case, without spaces and dashes, with look-alike letters mapped to digits."""
    cleaned = re.sub(r"[\s-]", "", text.upper())
    return cleaned.translate(str.maketrans("OIL", "011"))


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _printable(value: str | None) -> str | None:
    # A control character (a pasted NUL, a line break) would end up signed into the
    # learner's credentials and printed on their certificate.
    if value is not None and any(unicodedata.category(c) == "Cc" for c in value):
        raise ValueError("must not contain control characters or line breaks")
    return value


class LearnerName(BaseModel):
    """A learner's name alone, as the learner card's form shortens one."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=MAX_HOLDER_NAME)

    @field_validator("name")
    @classmethod
    def _printable(cls, value: str) -> str:
        return str(_printable(value))


class LearnerDetails(BaseModel):
    """What a worker records about a learner."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=MAX_HOLDER_NAME)
    phone: str | None = Field(default=None, max_length=32, pattern=r"^\+?[0-9 ()-]{4,31}$")
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    gender: str | None = Field(default=None)
    village: str | None = Field(default=None, max_length=120)
    language: str = "en"
    consent: bool
    pin: str | None = Field(default=None, pattern=r"^[0-9]{4,8}$")

    @field_validator("phone", "village", "gender", "pin", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("name", "village")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        return _printable(value)

    @field_validator("birth_year")
    @classmethod
    def _born(cls, value: int | None) -> int | None:
        # The node's clock may be in 1970 after a power cut: never count on a year before
        # this software was released.
        this_year = max(datetime.now(UTC).year, RELEASE_FLOOR.year)
        if value is not None and value > this_year:
            raise ValueError(f"the birth year cannot be after {this_year}")
        return value

    @field_validator("gender")
    @classmethod
    def _gender(cls, value: str | None) -> str | None:
        if value is not None and value not in GENDERS:
            raise ValueError(f"gender must be one of {', '.join(GENDERS)}")
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("consent")
    @classmethod
    def _consent(cls, value: bool) -> bool:
        if not value:
            raise ValueError("the learner's consent to store their data is required")
        return value


class LearnerPublic(BaseModel):
    """A learner as shown to workers and in the API (never the PIN hash)."""

    id: str
    code: str
    name: str
    phone: str | None
    birth_year: int | None
    gender: str | None
    village: str | None
    language: str
    has_pin: bool
    created_at: str


_COLUMNS = "id, code, name, phone, birth_year, gender, village, language, pin_hash, created_at"


def _public(row: Row) -> LearnerPublic:
    return LearnerPublic(
        id=row["id"],
        code=format_code(row["code"]),
        name=row["name"],
        phone=row["phone"],
        birth_year=row["birth_year"],
        gender=row["gender"],
        village=row["village"],
        language=row["language"],
        has_pin=row["pin_hash"] is not None,
        created_at=row["created_at"],
    )


def register(node: Node, details: LearnerDetails, *, by: str) -> LearnerPublic:
    now = node.clock.now().isoformat()
    learner_id = secrets.token_hex(8)
    pin_hash = hash_pin(node.pin_secret, details.pin) if details.pin else None
    with transaction(node.db):
        code = new_learner_code()
        while first(node.db, "SELECT 1 FROM learners WHERE code = ?", [code]):
            code = new_learner_code()
        node.db.table("learners").insert(
            {
                "id": learner_id,
                "code": code,
                "pin_hash": pin_hash,
                "name": details.name,
                "phone": details.phone,
                "birth_year": details.birth_year,
                "gender": details.gender,
                "village": details.village,
                "language": details.language,
                "consent": 1,
                "consent_at": now,
                "created_at": now,
                "created_by": by,
            }
        )
        events.record(
            node.db,
            node_id=node.node_id,
            clock=node.clock,
            type=EventType.learner_registered,
            body={"id": learner_id, "code": code, "by": by, **_event_details(details)},
        )
    return get(node, learner_id)


def _event_details(details: LearnerDetails) -> dict[str, Any]:
    data = details.model_dump(exclude={"pin", "consent"})
    return {key: value for key, value in data.items() if value is not None}


def get(node: Node, learner_id: str) -> LearnerPublic:
    row = first(
        node.db,
        f"SELECT {_COLUMNS} FROM learners WHERE id = ? AND merged_into IS NULL",
        [learner_id],
    )
    if row is None:
        raise NotFound("No such learner")
    return _public(row)


def search(
    node: Node, query: str = "", *, limit: int = 200, offset: int = 0
) -> list[LearnerPublic]:
    """Learners by name, village or code, in name order (``offset`` pages through them)."""
    query = query.strip()[:60]
    pattern = f"%{query}%"
    found = node.db.query(
        f"SELECT {_COLUMNS} FROM learners WHERE merged_into IS NULL "
        "AND (? = '' OR name LIKE ? OR village LIKE ? OR code LIKE ?) "
        "ORDER BY name COLLATE NOCASE, id LIMIT ? OFFSET ?",
        [query, pattern, pattern, normalise_code(query) + "%", limit, offset],
    )
    return [_public(row) for row in found]


def update(node: Node, learner_id: str, details: LearnerDetails, *, by: str) -> LearnerPublic:
    get(node, learner_id)
    values: dict[str, Any] = details.model_dump(exclude={"pin", "consent"})
    if details.pin:
        values["pin_hash"] = hash_pin(node.pin_secret, details.pin)
    with transaction(node.db):
        node.db.table("learners").update(learner_id, values)
        events.record(
            node.db,
            node_id=node.node_id,
            clock=node.clock,
            type=EventType.learner_updated,
            body={"id": learner_id, "by": by, "changes": _event_details(details)},
        )
    return get(node, learner_id)


def rename(node: Node, learner_id: str, name: LearnerName, *, by: str) -> LearnerPublic:
    """Give a learner the name their credentials will carry (the learner card's way out
    for a name registered before the credential's limit applied). The caller then issues
    a credential that waited for it (:func:`edge_node.issuance.issue_for_learner`)."""
    get(node, learner_id)
    with transaction(node.db):
        node.db.execute("UPDATE learners SET name = ? WHERE id = ?", [name.name, learner_id])
        events.record(
            node.db,
            node_id=node.node_id,
            clock=node.clock,
            type=EventType.learner_updated,
            body={"id": learner_id, "by": by, "changes": {"name": name.name}},
        )
    return get(node, learner_id)


NAME_TOO_LONG_TO_KEEP = (
    "The record to keep has a name of more than {limit} characters, more than a credential "
    "holds. Shorten it on that learner's card first, then merge."
)


_MOVED = ("sittings", "results", "credentials", "recognised")


@dataclass(frozen=True)
class MergePlan:
    """Two records a merge would fold together, and how many of each kind of record
    would move from the duplicate to the one kept."""

    keep: LearnerPublic
    duplicate: LearnerPublic
    moves: dict[str, int]


def merge_plan(node: Node, *, keep_id: str, duplicate_id: str) -> MergePlan:
    """What :func:`merge` would do, refused as it would be (shown before a worker
    confirms: a merge cannot be undone)."""
    keep = get(node, keep_id)
    duplicate = get(node, duplicate_id)
    if keep_id == duplicate_id:
        raise BadRequest("A learner cannot be merged with themselves")
    if len(keep.name) > MAX_HOLDER_NAME:
        raise BadRequest(NAME_TOO_LONG_TO_KEEP, params={"limit": MAX_HOLDER_NAME})
    db = node.db
    clash = first(
        db,
        "SELECT 1 FROM sittings a JOIN sittings b ON a.session_id = b.session_id "
        "WHERE a.learner_id = ? AND b.learner_id = ?",
        [keep_id, duplicate_id],
    )
    if clash:
        raise Conflict("Both records sat the same session; they cannot be merged")
    moves = {
        table: db.table(table).count_where("learner_id = ?", [duplicate_id]) for table in _MOVED
    }
    return MergePlan(keep=keep, duplicate=duplicate, moves=moves)


def merge(node: Node, *, keep_id: str, duplicate_id: str, by: str) -> LearnerPublic:
    """Fold a duplicate registration into ``keep_id``: its sittings, results,
    credentials and recognised credentials move over (credentials keep the subject they
    were signed with), so do records merged into it before. The caller then issues what
    became due (:func:`edge_node.issuance.issue_for_learner`): a pathway the two complete
    together, a pass that waited for a name a credential can hold."""
    merge_plan(node, keep_id=keep_id, duplicate_id=duplicate_id)
    db = node.db
    with transaction(db):
        for table in _MOVED:
            db.execute(
                f"UPDATE {table} SET learner_id = ? WHERE learner_id = ?", [keep_id, duplicate_id]
            )
        db.execute(
            "UPDATE learners SET merged_into = ? WHERE id = ? OR merged_into = ?",
            [keep_id, duplicate_id, duplicate_id],
        )
        events.record(
            db,
            node_id=node.node_id,
            clock=node.clock,
            type=EventType.learner_merged,
            body={"id": duplicate_id, "into": keep_id, "by": by},
        )
    return get(node, keep_id)


@dataclass(frozen=True)
class CodeHolder:
    """Whose printed code this is: the record it stands for now (after merges), and the
    hash of the PIN the card was given, if any."""

    learner_id: str
    pin_hash: str | None


def holder_of(node: Node, code: str) -> CodeHolder:
    row = first(
        node.db,
        "SELECT id, pin_hash, merged_into FROM learners WHERE code = ?",
        [normalise_code(code)],
    )
    if row is None:
        raise Unauthorized("Unknown learner code")
    learner_id = current_id(node, row["id"]) if row["merged_into"] else row["id"]
    return CodeHolder(learner_id=learner_id, pin_hash=row["pin_hash"])


def pin_needs_argon2(node: Node, code: str) -> bool:
    """Whether joining as the learner of this code checks an argon2 hash of their PIN
    (one from before PINs were keyed hashes): then the web app does it in its pool of
    password workers, not on its event loop."""
    return needs_argon2(node.db, normalise_code(code))


def current_id(node: Node, learner_id: str) -> str:
    """The record a learner id stands for now: the one it was merged into, if it was
    (through the chain an older node may hold: merges were not flattened before)."""
    for _ in range(64):
        row = first(node.db, "SELECT merged_into FROM learners WHERE id = ?", [learner_id])
        if row is None or not row["merged_into"]:
            break
        learner_id = str(row["merged_into"])
    return learner_id


def get_any(node: Node, learner_id: str) -> LearnerPublic:
    """A learner even if merged into another record (for history and results)."""
    row = first(node.db, f"SELECT {_COLUMNS} FROM learners WHERE id = ?", [learner_id])
    if row is None:
        raise NotFound("No such learner")
    return _public(row)
