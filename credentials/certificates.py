"""Node certificates (university root ▸ node key) and node certificate requests.

A node certificate is a COSE_Sign1 by a root key (``typ``
``application/vnd.fieldcred.node-cert+cose``) over the node's key, id, name, the
modules it may certify (``*`` for all) and a validity window. A request is self-signed
by the node key (``typ`` ``application/vnd.fieldcred.node-request+cose``), proving
possession of the key it names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from credentials.cbor import dumps_canonical, loads_deterministic
from credentials.claims import MAX_NUMERIC_DATE
from credentials.cose import Sign1, decode_sign1, sign1, verify_sign1
from credentials.errors import InvalidSignature, MalformedInput
from credentials.keys import KEY_BYTES, SigningKey, key_id

TYP_NODE_CERT = "application/vnd.fieldcred.node-cert+cose"
TYP_NODE_REQUEST = "application/vnd.fieldcred.node-request+cose"
ALL_MODULES = "*"
MAX_CERT_BYTES = 8192
_NODE_ID, _NODE_NAME, _PUBLIC_KEY, _MODULES, _NOT_BEFORE, _NOT_AFTER = range(1, 7)


@dataclass(frozen=True)
class NodeCertificate:
    """What a root says about a node key. ``root_kid`` is the signer's key id."""

    node_id: str
    node_name: str
    public_key: bytes
    modules: tuple[str, ...]
    not_before: datetime
    not_after: datetime
    root_kid: bytes = b""

    def __post_init__(self) -> None:
        _node_identity(self.node_id, self.node_name, self.public_key)
        if not isinstance(self.modules, tuple) or not self.modules:
            raise MalformedInput("a node certificate names at least one module (or '*')")
        if not all(isinstance(module, str) and module for module in self.modules):
            raise MalformedInput("certificate modules must be module ids")
        if _seconds(self.not_after) <= _seconds(self.not_before):
            raise MalformedInput("not_after must be after not_before")

    @property
    def kid(self) -> bytes:
        return key_id(self.public_key)

    def covers(self, module_id: str) -> bool:
        return ALL_MODULES in self.modules or module_id in self.modules

    def valid_at(self, moment: datetime) -> bool:
        return self.not_before <= moment <= self.not_after


@dataclass(frozen=True)
class NodeCertificateRequest:
    node_id: str
    node_name: str
    public_key: bytes

    def __post_init__(self) -> None:
        _node_identity(self.node_id, self.node_name, self.public_key)


def _node_identity(node_id: object, node_name: object, public_key: object) -> None:
    if not isinstance(node_id, str) or not 1 <= len(node_id) <= 64:
        raise MalformedInput("node id must be text of 1 to 64 characters")
    if not isinstance(node_name, str) or not 1 <= len(node_name) <= 200:
        raise MalformedInput("node name must be text of 1 to 200 characters")
    if not isinstance(public_key, bytes) or len(public_key) != KEY_BYTES:
        raise MalformedInput("node public key must be 32 bytes")


def _seconds(moment: object) -> int:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise MalformedInput("certificate times must be aware datetimes")
    return int(moment.timestamp())


def _moment(value: object) -> datetime:
    if type(value) is not int or not 0 <= value < MAX_NUMERIC_DATE:
        raise MalformedInput("certificate times must be integer seconds")
    return datetime.fromtimestamp(value, UTC)


def issue_node_certificate(root_key: SigningKey, cert: NodeCertificate) -> bytes:
    """The certificate signed by ``root_key``."""
    if cert.root_kid and cert.root_kid != root_key.kid:
        raise MalformedInput("root_kid does not name the signing root key")
    payload: dict[int, Any] = {
        _NODE_ID: cert.node_id,
        _NODE_NAME: cert.node_name,
        _PUBLIC_KEY: cert.public_key,
        _MODULES: list(cert.modules),
        _NOT_BEFORE: _seconds(cert.not_before),
        _NOT_AFTER: _seconds(cert.not_after),
    }
    return sign1(root_key, dumps_canonical(payload), typ=TYP_NODE_CERT)


def _decode(data: bytes, typ: str) -> tuple[Sign1, dict[Any, Any]]:
    envelope = decode_sign1(data, max_bytes=MAX_CERT_BYTES)
    if not envelope.is_a(typ):
        raise MalformedInput(f"not a {typ} (typ is {envelope.typ!r})")
    payload = loads_deterministic(envelope.payload, max_bytes=MAX_CERT_BYTES, max_depth=2)
    if not isinstance(payload, dict):
        raise MalformedInput(f"{typ} payload must be a map")
    return envelope, payload


def read_node_certificate(data: bytes) -> tuple[NodeCertificate, Sign1]:
    """Parse a node certificate; the caller checks the signature against a root key."""
    envelope, payload = _decode(data, TYP_NODE_CERT)
    if set(payload) != set(range(_NODE_ID, _NOT_AFTER + 1)):
        raise MalformedInput("node certificate must hold keys 1 to 6")
    modules = payload[_MODULES]
    if not isinstance(modules, list):
        raise MalformedInput("certificate modules must be a list")
    cert = NodeCertificate(
        node_id=payload[_NODE_ID],
        node_name=payload[_NODE_NAME],
        public_key=payload[_PUBLIC_KEY],
        modules=tuple(modules),
        not_before=_moment(payload[_NOT_BEFORE]),
        not_after=_moment(payload[_NOT_AFTER]),
        root_kid=envelope.kid,
    )
    return cert, envelope


def check_node_certificate(data: bytes, roots: tuple[bytes, ...]) -> NodeCertificate:
    """Parse a node certificate and verify it against one of ``roots`` (raw public keys)."""
    cert, envelope = read_node_certificate(data)
    for root in roots:
        if key_id(root) == envelope.kid and verify_sign1(envelope, root):
            return cert
    raise InvalidSignature(f"node certificate of {cert.node_id} is not signed by a trusted root")


def make_request(node_key: SigningKey, node_id: str, node_name: str) -> bytes:
    """A certificate request, signed by the node key it names."""
    request = NodeCertificateRequest(node_id, node_name, node_key.public_key)
    payload: dict[int, Any] = {
        _NODE_ID: request.node_id,
        _NODE_NAME: request.node_name,
        _PUBLIC_KEY: request.public_key,
    }
    return sign1(node_key, dumps_canonical(payload), typ=TYP_NODE_REQUEST)


def read_request(data: bytes) -> NodeCertificateRequest:
    """Parse a request and check that the key it names signed it."""
    envelope, payload = _decode(data, TYP_NODE_REQUEST)
    if set(payload) != {_NODE_ID, _NODE_NAME, _PUBLIC_KEY}:
        raise MalformedInput("node certificate request must hold keys 1 to 3")
    request = NodeCertificateRequest(payload[_NODE_ID], payload[_NODE_NAME], payload[_PUBLIC_KEY])
    if envelope.kid != key_id(request.public_key) or not verify_sign1(envelope, request.public_key):
        raise InvalidSignature("the request is not signed by the key it names")
    return request
