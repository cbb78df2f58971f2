"""The micro-credential as CWT claims (RFC 8392) with integer keys.

Registered claims: iss 1 (issuing node id), sub 2 (pseudonymous learner id),
exp 4 (only when the module sets a validity), iat 6, cti 7 (credential id).
Private claim -65537 holds the micro-credential itself as a map with small
integer keys; names, descriptions and criteria live in the signed catalogue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from credentials.cbor import dumps_canonical, loads_deterministic
from credentials.errors import MalformedInput, NotDeterministic

CLAIM_ISS, CLAIM_SUB, CLAIM_EXP, CLAIM_IAT, CLAIM_CTI = 1, 2, 4, 6, 7
CLAIM_MICRO_CREDENTIAL = -65537
"""Private-use claim key (RFC 8392 §9.1: integers below -65536)."""

MC_MODULE, MC_VERSION, MC_OUTCOMES, MC_SCORE, MC_ROUTE = 1, 2, 3, 4, 5
MC_HOLDER, MC_STATUS_INDEX, MC_EVIDENCE, MC_PATHWAY = 6, 7, 8, 9

Route = Literal["course", "prior_learning"]
ROUTES: tuple[Route, ...] = ("course", "prior_learning")
"""Assessment routes; the credential carries the index."""

MAX_CLAIMS_BYTES = 1024
MAX_OUTCOMES = 64
MAX_TEXT = 64
MAX_HOLDER_NAME = 100
MAX_STATUS_INDEX = 2**24 - 1
MAX_NUMERIC_DATE = 2**37
"""Times in credentials, certificates and trust lists are integer seconds below this (the
year 6325): a larger one is no date any page could show."""
CTI_BYTES = (8, 16)
EVIDENCE_HASH_BYTES = (16, 32)
MODULE_VERSION = re.compile(r"^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$")
"""A module or pathway version a credential can carry: MAJOR.MINOR.PATCH, each part below
a million (content and event bodies are held to the same)."""


@dataclass(frozen=True)
class MicroCredential:
    """What a node asserts about a learner; times are aware UTC datetimes, whole seconds."""

    issuer: str
    subject: str
    issued_at: datetime
    credential_id: bytes
    module_id: str
    module_version: str
    outcomes: tuple[bool, ...]
    score_percent: int
    route: Route
    holder_name: str
    status_index: int
    expires_at: datetime | None = None
    evidence_hash: bytes | None = None
    pathway: bool = False

    def __post_init__(self) -> None:
        _text(self.issuer, "issuer", MAX_TEXT)
        _text(self.subject, "subject", MAX_TEXT)
        _text(self.module_id, "module_id", MAX_TEXT)
        _text(self.holder_name, "holder_name", MAX_HOLDER_NAME)
        _timestamp(self.issued_at, "issued_at")
        if self.expires_at is not None and _timestamp(self.expires_at, "expires_at") <= (
            _timestamp(self.issued_at, "issued_at")
        ):
            raise MalformedInput("expires_at must be after issued_at")
        _bytes(self.credential_id, "credential_id", CTI_BYTES)
        if self.evidence_hash is not None:
            _bytes(self.evidence_hash, "evidence_hash", EVIDENCE_HASH_BYTES)
        if not MODULE_VERSION.match(self.module_version):
            raise MalformedInput("module_version must be MAJOR.MINOR.PATCH")
        if not isinstance(self.outcomes, tuple) or not 1 <= len(self.outcomes) <= MAX_OUTCOMES:
            raise MalformedInput(f"outcomes must be a tuple of 1 to {MAX_OUTCOMES} booleans")
        if not all(isinstance(flag, bool) for flag in self.outcomes):
            raise MalformedInput("outcomes must be booleans")
        _int(self.score_percent, "score_percent", 100)
        _int(self.status_index, "status_index", MAX_STATUS_INDEX)
        if self.route not in ROUTES:
            raise MalformedInput(f"route must be one of {', '.join(ROUTES)}")
        if not isinstance(self.pathway, bool):
            raise MalformedInput("pathway must be a boolean")


def _text(value: object, field: str, limit: int) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= limit:
        raise MalformedInput(f"{field} must be text of 1 to {limit} characters")
    return value


def _int(value: object, field: str, limit: int) -> int:
    if type(value) is not int or not 0 <= value <= limit:
        raise MalformedInput(f"{field} must be an integer from 0 to {limit}")
    return value


def _bytes(value: object, field: str, sizes: tuple[int, int]) -> bytes:
    if not isinstance(value, bytes) or not sizes[0] <= len(value) <= sizes[1]:
        raise MalformedInput(f"{field} must be {sizes[0]} to {sizes[1]} bytes")
    return value


def _timestamp(value: object, field: str) -> int:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise MalformedInput(f"{field} must be an aware datetime")
    if value.microsecond:
        raise MalformedInput(f"{field} must be whole seconds")
    return int(value.timestamp())


def _from_timestamp(value: object, field: str) -> datetime:
    if type(value) is not int or not 0 <= value < MAX_NUMERIC_DATE:
        raise MalformedInput(f"{field} must be a NumericDate (integer seconds)")
    return datetime.fromtimestamp(value, UTC)


def _version_triple(version: str) -> list[int]:
    return [int(part) for part in version.split(".")]


def outcomes_bitmap(outcomes: tuple[bool, ...]) -> int:
    """Bit i set when outcome i (module order) is achieved, plus a leading 1 bit above
    the last outcome so that the number of outcomes survives the encoding."""
    bitmap = 1 << len(outcomes)
    for index, achieved in enumerate(outcomes):
        if achieved:
            bitmap |= 1 << index
    return bitmap


def outcomes_from_bitmap(bitmap: object) -> tuple[bool, ...]:
    if type(bitmap) is not int or not 2 <= bitmap < 1 << (MAX_OUTCOMES + 1):
        raise MalformedInput("outcome bitmap out of range")
    count = bitmap.bit_length() - 1
    return tuple(bool(bitmap >> index & 1) for index in range(count))


def claims_map(credential: MicroCredential) -> dict[int, Any]:
    """The CWT claims set as a CBOR-ready map."""
    micro: dict[int, Any] = {
        MC_MODULE: credential.module_id,
        MC_VERSION: _version_triple(credential.module_version),
        MC_OUTCOMES: outcomes_bitmap(credential.outcomes),
        MC_SCORE: credential.score_percent,
        MC_ROUTE: ROUTES.index(credential.route),
        MC_HOLDER: credential.holder_name,
        MC_STATUS_INDEX: credential.status_index,
    }
    if credential.evidence_hash is not None:
        micro[MC_EVIDENCE] = credential.evidence_hash
    if credential.pathway:
        micro[MC_PATHWAY] = True
    claims: dict[int, Any] = {
        CLAIM_ISS: credential.issuer,
        CLAIM_SUB: credential.subject,
        CLAIM_IAT: _timestamp(credential.issued_at, "issued_at"),
        CLAIM_CTI: credential.credential_id,
        CLAIM_MICRO_CREDENTIAL: micro,
    }
    if credential.expires_at is not None:
        claims[CLAIM_EXP] = _timestamp(credential.expires_at, "expires_at")
    return claims


def encode_claims(credential: MicroCredential) -> bytes:
    """Deterministic CBOR of the claims set (the COSE payload)."""
    return dumps_canonical(claims_map(credential))


_CLAIM_KEYS = frozenset((CLAIM_ISS, CLAIM_SUB, CLAIM_EXP, CLAIM_IAT, CLAIM_CTI))
_MC_KEYS = frozenset(range(MC_MODULE, MC_PATHWAY + 1))


def _required(mapping: dict[Any, Any], key: int) -> Any:
    if key not in mapping:
        raise MalformedInput(f"claim {key} is missing")
    return mapping[key]


_DEFAULTS = ((CLAIM_EXP, None),)
_MC_DEFAULTS = ((MC_EVIDENCE, None), (MC_PATHWAY, False))
"""Claims :func:`claims_map` leaves out when they hold these values (no expiry, no
evidence, not a pathway): written out, they would give one credential a second byte form."""


def _no_explicit_defaults(claims: dict[Any, Any], micro: dict[Any, Any]) -> None:
    for mapping, defaults in ((claims, _DEFAULTS), (micro, _MC_DEFAULTS)):
        for key, default in defaults:
            if key in mapping and mapping[key] is default:
                raise NotDeterministic(
                    f"not in deterministic encoding: claim {key} is written out with its "
                    f"default value ({default!r}), which is left out"
                )


def decode_claims(data: bytes) -> MicroCredential:
    """Parse an untrusted claims set; raise ``MalformedInput`` if any field is off."""
    claims = loads_deterministic(data, max_bytes=MAX_CLAIMS_BYTES, max_depth=3)
    if not isinstance(claims, dict) or not set(claims) <= _CLAIM_KEYS | {CLAIM_MICRO_CREDENTIAL}:
        raise MalformedInput("claims must be a map of iss, sub, exp, iat, cti and -65537")
    micro = claims.get(CLAIM_MICRO_CREDENTIAL)
    if not isinstance(micro, dict) or not set(micro) <= _MC_KEYS:
        raise MalformedInput("the micro-credential claim must be a map with keys 1 to 9")
    _no_explicit_defaults(claims, micro)
    version = micro.get(MC_VERSION)
    if (
        not isinstance(version, list)
        or len(version) != 3
        or not all(type(part) is int and part >= 0 for part in version)
    ):
        raise MalformedInput("module version must be [major, minor, patch]")
    route = micro.get(MC_ROUTE)
    if type(route) is not int or not 0 <= route < len(ROUTES):
        raise MalformedInput("unknown assessment route")
    pathway = micro.get(MC_PATHWAY, False)
    if not isinstance(pathway, bool):
        raise MalformedInput("pathway flag must be a boolean")
    exp = claims.get(CLAIM_EXP)
    return MicroCredential(
        issuer=_required(claims, CLAIM_ISS),  # types checked in __post_init__
        subject=_required(claims, CLAIM_SUB),
        issued_at=_from_timestamp(claims.get(CLAIM_IAT), "iat"),
        credential_id=_required(claims, CLAIM_CTI),
        expires_at=None if exp is None else _from_timestamp(exp, "exp"),
        module_id=_required(micro, MC_MODULE),
        module_version=".".join(str(part) for part in version),
        outcomes=outcomes_from_bitmap(micro.get(MC_OUTCOMES)),
        score_percent=_required(micro, MC_SCORE),
        route=ROUTES[route],
        holder_name=_required(micro, MC_HOLDER),
        status_index=_required(micro, MC_STATUS_INDEX),
        evidence_hash=micro.get(MC_EVIDENCE),
        pathway=pathway,
    )
