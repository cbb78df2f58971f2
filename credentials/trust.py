"""The trust list: one signed, versioned file a verifier caches.

It holds the root keys, the node certificates they signed, the module
catalogue, revoked node certificates (with the time from which they are
revoked) and one status list per issuing node. A root key signs it (``typ``
``application/vnd.fieldcred.trust-list+cose``); verifiers keep the newest version they have.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from credentials.catalogue import CatalogueEntry, entry_from_cbor, entry_to_cbor
from credentials.cbor import dumps_canonical, loads_deterministic
from credentials.certificates import NodeCertificate, check_node_certificate
from credentials.claims import MAX_NUMERIC_DATE
from credentials.cose import decode_sign1, sign1, verify_sign1
from credentials.errors import InvalidSignature, MalformedInput, UntrustedSigner
from credentials.keys import KEY_BYTES, SigningKey, key_id
from credentials.status import StatusList

TYP_TRUST_LIST = "application/vnd.fieldcred.trust-list+cose"
MAX_TRUST_LIST_BYTES = 4 * 1024 * 1024
STALE_AFTER_DAYS = 30
"""A list older than this may miss revocations and newly certified centres: fetch a newer one."""
_VERSION, _ISSUED_AT, _ROOTS, _NODE_CERTS, _CATALOGUE, _REVOKED, _STATUS = range(1, 8)


@dataclass(frozen=True)
class TrustList:
    """Every node certificate must chain to one of ``roots``; construction checks it."""

    version: int
    issued_at: datetime
    roots: tuple[bytes, ...]
    node_certificates: tuple[bytes, ...] = ()
    catalogue: tuple[CatalogueEntry, ...] = ()
    revoked_nodes: Mapping[str, datetime] = field(default_factory=dict)
    status_lists: Mapping[str, StatusList] = field(default_factory=dict)
    _nodes: dict[bytes, tuple[NodeCertificate, ...]] = field(init=False, repr=False, compare=False)
    _entries: dict[tuple[str, str], CatalogueEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if type(self.version) is not int or self.version < 0:
            raise MalformedInput("trust list version must be a non-negative integer")
        _seconds(self.issued_at)
        if not self.roots or not all(
            isinstance(root, bytes) and len(root) == KEY_BYTES for root in self.roots
        ):
            raise MalformedInput("a trust list names at least one 32-byte root key")
        nodes: dict[bytes, list[NodeCertificate]] = {}
        for data in self.node_certificates:
            cert = check_node_certificate(data, self.roots)
            nodes.setdefault(cert.kid, []).append(cert)
        object.__setattr__(self, "_nodes", {kid: tuple(certs) for kid, certs in nodes.items()})
        object.__setattr__(self, "_entries", {entry.key: entry for entry in self.catalogue})

    def nodes_for(self, kid: bytes) -> tuple[NodeCertificate, ...]:
        """Certificates (checked against the roots) of the node key with this key id."""
        return self._nodes.get(kid, ())

    def entry(self, module_id: str, version: str) -> CatalogueEntry | None:
        return self._entries.get((module_id, version))

    def certificates(self) -> tuple[NodeCertificate, ...]:
        """Every node certificate the list holds, checked against its roots, in list order."""
        return tuple(cert for certs in self._nodes.values() for cert in certs)

    def age_days(self, now: datetime) -> int:
        """Whole days since the list was issued (0 for a list from the future)."""
        return max(0, (now - self.issued_at).days)

    def newer_than(self, other: TrustList) -> bool:
        return (self.version, self.issued_at) > (other.version, other.issued_at)


def _seconds(moment: object) -> int:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise MalformedInput("trust list times must be aware datetimes")
    return int(moment.timestamp())


def _moment(value: object) -> datetime:
    if type(value) is not int or not 0 <= value < MAX_NUMERIC_DATE:
        raise MalformedInput("trust list times must be integer seconds")
    return datetime.fromtimestamp(value, UTC)


def trust_list_payload(trust: TrustList) -> bytes:
    payload: dict[int, Any] = {
        _VERSION: trust.version,
        _ISSUED_AT: _seconds(trust.issued_at),
        _ROOTS: list(trust.roots),
        _NODE_CERTS: list(trust.node_certificates),
        _CATALOGUE: [entry_to_cbor(entry) for entry in trust.catalogue],
        _REVOKED: {node: _seconds(since) for node, since in trust.revoked_nodes.items()},
        _STATUS: {node: status.compressed() for node, status in trust.status_lists.items()},
    }
    return dumps_canonical(payload)


def sign_trust_list(root_key: SigningKey, trust: TrustList) -> bytes:
    """The trust list signed by one of its own roots."""
    if root_key.public_key not in trust.roots:
        raise UntrustedSigner("the signing key must be one of the trust list's roots")
    return sign1(root_key, trust_list_payload(trust), typ=TYP_TRUST_LIST)


def read_trust_list(data: bytes, *, pinned_roots: Iterable[bytes] | None = None) -> TrustList:
    """Parse and verify a trust list.

    With ``pinned_roots`` the signer must be one of them (the verifier's own
    anchors); without, it must be one of the list's own roots, which only
    proves the file is intact, not that it comes from the right university.
    """
    envelope = decode_sign1(data, max_bytes=MAX_TRUST_LIST_BYTES)
    if not envelope.is_a(TYP_TRUST_LIST):
        raise MalformedInput(f"not a trust list (typ is {envelope.typ!r})")
    payload = loads_deterministic(envelope.payload, max_bytes=MAX_TRUST_LIST_BYTES, max_depth=5)
    if not isinstance(payload, dict) or set(payload) != set(range(_VERSION, _STATUS + 1)):
        raise MalformedInput("a trust list payload is a map with keys 1 to 7")
    roots = _bytes_list(payload[_ROOTS], "roots")
    anchors = roots if pinned_roots is None else tuple(pinned_roots)
    signer = next((root for root in anchors if key_id(root) == envelope.kid), None)
    if signer is None or signer not in roots:
        raise UntrustedSigner("the trust list is not signed by a trusted root key")
    if not verify_sign1(envelope, signer):
        raise InvalidSignature("the trust list signature does not verify")
    revoked = payload[_REVOKED]
    status = payload[_STATUS]
    catalogue = payload[_CATALOGUE]
    if not isinstance(revoked, dict) or not isinstance(status, dict):
        raise MalformedInput("revoked nodes and status lists must be maps by node id")
    if not isinstance(catalogue, list):
        raise MalformedInput("the catalogue must be a list")
    return TrustList(
        version=payload[_VERSION],
        issued_at=_moment(payload[_ISSUED_AT]),
        roots=roots,
        node_certificates=_bytes_list(payload[_NODE_CERTS], "node certificates"),
        catalogue=tuple(entry_from_cbor(entry) for entry in catalogue),
        revoked_nodes={_node_id(node): _moment(since) for node, since in revoked.items()},
        status_lists={
            _node_id(node): StatusList.from_compressed(_bytes(bits, "status list"))
            for node, bits in status.items()
        },
    )


def _bytes(value: object, name: str) -> bytes:
    if not isinstance(value, bytes):
        raise MalformedInput(f"{name} must be a byte string")
    return value


def _bytes_list(value: object, name: str) -> tuple[bytes, ...]:
    if not isinstance(value, list):
        raise MalformedInput(f"{name} must be a list of byte strings")
    return tuple(_bytes(item, name) for item in value)


def _node_id(value: object) -> str:
    if not isinstance(value, str):
        raise MalformedInput("node ids must be text")
    return value
