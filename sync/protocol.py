"""The messages of ``/sync/v1``: their fields, signing, compression and bounded decoding.

Every message is a CBOR map signed as COSE_Sign1 and zstd-compressed on the wire.
Node messages (``hello``, ``batch``, ``pull``) are signed by the node key; hub answers
(``welcome``, ``ack``, ``items``) by the university root key, so a node can trust the
hub's acks and its time. Each request carries a random ``nonce`` that the answer
echoes, so an old answer cannot be replayed to a node. See docs/sync-protocol.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from credentials.cbor import dumps_canonical, loads_untrusted
from credentials.cose import decode_sign1, sign1, verify_sign1
from credentials.errors import CredentialError
from credentials.keys import SigningKey
from sync.compression import compress, decompress
from sync.errors import MalformedBatch, TooLarge, Unauthenticated, UpgradeRequired

VERSIONS = (1,)
"""Protocol versions this code speaks, oldest first."""
MEDIA_TYPE = "application/cose"
MAX_WIRE_BYTES = 512 * 1024
"""Largest compressed request or answer accepted."""
MAX_MESSAGE_BYTES = 2 * 1024 * 1024
"""Largest decompressed message accepted."""
MAX_ANSWER_BYTES = 24 * 1024 * 1024
"""Largest hub answer a node accepts: one pulled item may be a whole content pack."""
MAX_DEPTH = 6
"""Map ▸ events ▸ event ▸ field is as deep as a message goes; event bodies stay bytes."""
NONCE_BYTES = 8
MAX_INT = 2**63 - 1
"""Integers in messages and event bodies fit a signed 64-bit database column."""


@dataclass(frozen=True)
class Signed:
    """A verified message: who signed it (key id) and its fields."""

    kid: bytes
    fields: dict[str, Any]


def new_nonce() -> bytes:
    return os.urandom(NONCE_BYTES)


def seal(key: SigningKey, fields: dict[str, Any]) -> bytes:
    """Sign and compress one message for the wire."""
    return compress(sign1(key, dumps_canonical(fields)))


def open_envelope(
    wire: bytes, *, max_wire: int = MAX_WIRE_BYTES, max_message: int = MAX_MESSAGE_BYTES
) -> tuple[bytes, Any]:
    """Decompress and parse the COSE_Sign1 of ``wire`` (not yet verified): (kid, sign1)."""
    if len(wire) > max_wire:
        raise TooLarge(f"the message is {len(wire)} bytes, over {max_wire}")
    raw = decompress(wire, max_output=max_message)
    try:
        envelope = decode_sign1(raw, max_bytes=max_message)
    except CredentialError as error:
        raise MalformedBatch(f"the message is not a COSE_Sign1 ({error})") from None
    return bytes(envelope.kid), envelope


def verified_fields(
    envelope: Any, public_key: bytes, kind: str, *, max_message: int = MAX_MESSAGE_BYTES
) -> dict[str, Any]:
    """Check the signature of an opened envelope, then decode its payload with limits."""
    if not verify_sign1(envelope, public_key):
        raise Unauthenticated(f"the {kind} signature does not verify")
    try:
        fields = loads_untrusted(envelope.payload, max_bytes=max_message, max_depth=MAX_DEPTH)
    except CredentialError as error:
        raise MalformedBatch(f"the {kind} payload is not valid CBOR ({error})") from None
    if not isinstance(fields, dict) or not isinstance(fields.get("m"), str):
        raise MalformedBatch(f"the {kind} payload is not a message map")
    return fields


def read_signed(wire: bytes, public_key: bytes, kind: str) -> Signed:
    """Open, verify and decode a hub answer (signed by the pinned root key) on a node."""
    kid, envelope = open_envelope(wire, max_wire=MAX_ANSWER_BYTES, max_message=MAX_ANSWER_BYTES)
    return Signed(kid, verified_fields(envelope, public_key, kind, max_message=MAX_ANSWER_BYTES))


def require(fields: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    """One field of a decoded message, type-checked; :class:`MalformedBatch` otherwise."""
    value = fields.get(name)
    if not isinstance(value, kind) or (
        isinstance(value, int) and (isinstance(value, bool) or abs(value) > MAX_INT)
    ):
        raise MalformedBatch(
            f"the message field {name!r} is missing, has the wrong type or is out of range"
        )
    return value


def negotiate(offered: object) -> int:
    """The highest version both sides speak, or :class:`UpgradeRequired` (nothing applied)."""
    if isinstance(offered, int) and not isinstance(offered, bool):
        offered = [offered]
    if not isinstance(offered, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in offered
    ):
        raise MalformedBatch("the message does not state its protocol versions")
    common = set(offered) & set(VERSIONS)
    if not common:
        newer = max(offered, default=0) > max(VERSIONS)
        raise UpgradeRequired(
            "upgrade required: "
            + ("this hub is older than the node" if newer else "this node is older than the hub")
            + f" (node speaks {sorted(offered)}, hub speaks {list(VERSIONS)})"
        )
    return int(max(common))
