"""COSE_Sign1 (RFC 9052 §4.2) with Ed25519: signing, bounded decoding, verification.

We emit tag 18, a protected header ``{1: -8, 4: kid}`` (plus ``16: typ`` for
documents other than credentials, RFC 9596) and an empty unprotected header.
Verification accepts alg -8 (EdDSA) and -19 (Ed25519, RFC 9864) and always runs
over the protected header bytes as received.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import cbor2

from credentials.cbor import dumps_canonical, loads_deterministic
from credentials.errors import MalformedInput, UnsupportedAlgorithm
from credentials.keys import KID_BYTES, SigningKey, verify_signature

COSE_SIGN1_TAG = 18
ALG_EDDSA = -8
ALG_ED25519 = -19
ACCEPTED_ALGS = (ALG_EDDSA, ALG_ED25519)
SIGNATURE_BYTES = 64
MAX_SIGN1_BYTES = 4096

# Header labels: alg, kid, typ (RFC 9052 §3.1, RFC 9596).
HEADER_ALG, HEADER_KID, HEADER_TYP = 1, 4, 16
_ALLOWED_HEADERS = frozenset((HEADER_ALG, HEADER_KID, HEADER_TYP))


@dataclass(frozen=True)
class Sign1:
    """A decoded, not yet verified, COSE_Sign1."""

    protected: bytes
    alg: int
    kid: bytes
    typ: str | None
    payload: bytes
    signature: bytes

    def is_a(self, media_type: str) -> bool:
        """Whether the document's ``typ`` is ``media_type``, or the bare name documents of
        that kind carried before typ became a media type (``fieldcred-node-cert`` for
        ``application/vnd.fieldcred.node-cert+cose``): certificates, trust lists and
        packs signed then, and stored by nodes and hubs, stay readable."""
        earlier = media_type.removeprefix("application/vnd.").removesuffix("+cose")
        return self.typ in (media_type, earlier.replace(".", "-"))


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


@functools.lru_cache(maxsize=64)
def _protected_header(kid: bytes, typ: str | None) -> bytes:
    header: dict[int, Any] = {HEADER_ALG: ALG_EDDSA, HEADER_KID: kid}
    if typ is not None:
        header[HEADER_TYP] = typ
    return dumps_canonical(header)


def sign1(key: SigningKey, payload: bytes, *, typ: str | None = None) -> bytes:
    """COSE_Sign1 bytes: tag 18, protected ``{1: -8, 4: kid}`` (+ ``16: typ`` if given)."""
    protected = _protected_header(key.kid, typ)
    signature = key.sign(_sig_structure(protected, payload))
    # Byte strings and an empty map have one encoding: no canonical sorting is needed.
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))


def decode_sign1(data: bytes, *, max_bytes: int = MAX_SIGN1_BYTES) -> Sign1:
    """Decode the COSE_Sign1 structure; raise ``MalformedInput`` (``NotDeterministic`` for
    a document or protected header not in deterministic encoding) or
    ``UnsupportedAlgorithm``."""
    item = loads_deterministic(
        data, max_bytes=max_bytes, max_depth=3, allowed_tags=(COSE_SIGN1_TAG,)
    )
    if not isinstance(item, cbor2.CBORTag) or item.tag != COSE_SIGN1_TAG:
        raise MalformedInput("not a COSE_Sign1 (CBOR tag 18)")
    parts = item.value
    if not isinstance(parts, list | tuple) or len(parts) != 4:
        raise MalformedInput("a COSE_Sign1 is an array of four items")
    protected, unprotected, payload, signature = parts
    if not isinstance(protected, bytes) or not isinstance(payload, bytes):
        raise MalformedInput("protected header and payload must be byte strings")
    if unprotected != {}:
        raise MalformedInput("the unprotected header must be an empty map")
    if not isinstance(signature, bytes) or len(signature) != SIGNATURE_BYTES:
        raise MalformedInput("the signature must be 64 bytes")
    alg, kid, typ = _protected_fields(protected)
    return Sign1(protected, alg, kid, typ, payload, signature)


@functools.lru_cache(maxsize=256)
def _protected_fields(protected: bytes) -> tuple[int, bytes, str | None]:
    """alg, kid and typ of a protected header (a node's headers repeat: parsed once)."""
    header = loads_deterministic(protected, max_bytes=256, max_depth=1)
    if not isinstance(header, dict) or not set(header) <= _ALLOWED_HEADERS:
        raise MalformedInput("protected header must be a map of alg, kid and typ only")
    alg = header.get(HEADER_ALG)
    if type(alg) is not int:
        raise MalformedInput("protected header lacks an integer alg")
    if alg not in ACCEPTED_ALGS:
        raise UnsupportedAlgorithm(f"COSE algorithm {alg} is not Ed25519")
    kid = header.get(HEADER_KID)
    if not isinstance(kid, bytes) or len(kid) != KID_BYTES:
        raise MalformedInput("protected header kid must be 8 bytes")
    typ = header.get(HEADER_TYP)
    if typ is not None and not isinstance(typ, str):
        raise MalformedInput("protected header typ must be text")
    return alg, kid, typ


def verify_sign1(sign1: Sign1, public_key: bytes) -> bool:
    """True when the signature verifies over the received protected header and payload."""
    return verify_signature(
        public_key, _sig_structure(sign1.protected, sign1.payload), sign1.signature
    )
