"""Offline verification: bytes or QR text in, a verdict out, never an exception."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from credentials.catalogue import CatalogueEntry
from credentials.certificates import NodeCertificate
from credentials.claims import MicroCredential, decode_claims
from credentials.cose import Sign1, decode_sign1, verify_sign1
from credentials.errors import (
    CredentialError,
    MalformedInput,
    NotDeterministic,
    UnsupportedAlgorithm,
)
from credentials.qr import PREFIX, from_qr_text, is_qr_text
from credentials.trust import TrustList

MAX_INPUT_CHARS = 8192


class Reason(StrEnum):
    GENUINE = "genuine"
    MALFORMED = "malformed"
    UNSUPPORTED_ALG = "unsupported_alg"
    UNKNOWN_ISSUER = "unknown_issuer"
    BAD_SIGNATURE = "bad_signature"
    NODE_CERT_EXPIRED = "node_cert_expired"
    NODE_CERT_NOT_YET_VALID = "node_cert_not_yet_valid"
    NODE_CERT_OUT_OF_SCOPE = "node_cert_out_of_scope"
    NODE_REVOKED = "node_revoked"
    CREDENTIAL_REVOKED = "credential_revoked"
    EXPIRED = "expired"
    UNKNOWN_MODULE = "unknown_module"
    NOT_DETERMINISTIC = "not_deterministic"


EXPLANATIONS: dict[Reason, str] = {
    Reason.GENUINE: "Signed by a certified learning centre and not revoked.",
    Reason.MALFORMED: "Not a readable fieldcred credential.",
    Reason.UNSUPPORTED_ALG: "Signed with an algorithm fieldcred does not accept.",
    Reason.UNKNOWN_ISSUER: "Signed by a key that no trusted university has certified.",
    Reason.BAD_SIGNATURE: "The signature does not match: the credential was altered or forged.",
    Reason.NODE_CERT_EXPIRED: "The issuing centre's certificate had expired when this was issued.",
    Reason.NODE_CERT_NOT_YET_VALID: (
        "The issuing centre's certificate was not yet valid when this was issued."
    ),
    Reason.NODE_CERT_OUT_OF_SCOPE: "The issuing centre is not certified for this module.",
    Reason.NODE_REVOKED: "The issuing centre's certificate was revoked before this was issued.",
    Reason.CREDENTIAL_REVOKED: "This credential has been revoked.",
    Reason.EXPIRED: "This credential has expired.",
    Reason.UNKNOWN_MODULE: "The module it names is not in the trusted catalogue.",
    Reason.NOT_DETERMINISTIC: (
        "Not in deterministic encoding: the same credential written in other bytes than "
        "any centre writes it."
    ),
}
"""One plain sentence per reason, for people."""


@dataclass(frozen=True)
class Verdict:
    genuine: bool
    reason: Reason
    message: str
    credential: MicroCredential | None = None
    entry: CatalogueEntry | None = None
    node: NodeCertificate | None = None


def _fail(
    reason: Reason,
    detail: str = "",
    credential: MicroCredential | None = None,
    node: NodeCertificate | None = None,
) -> Verdict:
    message = EXPLANATIONS[reason] + (f" ({detail})" if detail else "")
    return Verdict(False, reason, message, credential=credential, node=node)


def _envelope(data: bytes | str) -> Sign1:
    if len(data) > MAX_INPUT_CHARS:
        raise MalformedInput(f"input is longer than {MAX_INPUT_CHARS}")
    if isinstance(data, bytes | bytearray) and (
        data.startswith(PREFIX.encode()) or (data.isascii() and is_qr_text(data.decode()))
    ):
        data = bytes(data).decode("ascii", errors="replace")
    if isinstance(data, str):
        data = from_qr_text(data)
    envelope = decode_sign1(bytes(data))
    # Explicit typing (RFC 9596): certificates, trust lists and packs carry a typ, credentials none.
    if envelope.typ is not None:
        raise MalformedInput(f"its type is {envelope.typ}, not a credential")
    return envelope


def verify(data: bytes | str, trust: TrustList, *, now: datetime | None = None) -> Verdict:
    """Check a credential (COSE bytes or QR text) against a trust list, offline.

    ``now`` (default: the current time; naive means UTC) only decides expiry.
    """
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    try:
        envelope = _envelope(data)
    except UnsupportedAlgorithm as exc:
        return _fail(Reason.UNSUPPORTED_ALG, str(exc))
    except NotDeterministic as exc:
        return _fail(Reason.NOT_DETERMINISTIC, str(exc))
    except (CredentialError, ValueError, TypeError) as exc:
        return _fail(Reason.MALFORMED, str(exc))
    certs = trust.nodes_for(envelope.kid)
    if not certs:
        return _fail(Reason.UNKNOWN_ISSUER, f"key id {envelope.kid.hex()}")
    if not verify_sign1(envelope, certs[0].public_key):
        return _fail(Reason.BAD_SIGNATURE)
    try:
        credential = decode_claims(envelope.payload)
    except NotDeterministic as exc:
        return _fail(Reason.NOT_DETERMINISTIC, str(exc))
    except (CredentialError, ValueError, TypeError) as exc:
        return _fail(Reason.MALFORMED, str(exc))
    return _check(credential, certs, trust, now)


def issuing_certificate(
    credential: MicroCredential, certs: Sequence[NodeCertificate]
) -> NodeCertificate | Verdict:
    """The certificate, among ``certs`` (every one issued to the signing key), under which
    the credential was issued: naming its issuer, valid at its issue time and covering its
    module. Otherwise the failing verdict. The hub judges what a node sends by this too."""
    issued = credential.issued_at
    named = [cert for cert in certs if cert.node_id == credential.issuer]
    if not named:
        return _fail(Reason.UNKNOWN_ISSUER, f"no certificate for node {credential.issuer}")
    current = [cert for cert in named if cert.valid_at(issued)]
    if not current:
        if all(cert.not_after < issued for cert in named):
            return _fail(Reason.NODE_CERT_EXPIRED, credential=credential, node=named[-1])
        return _fail(Reason.NODE_CERT_NOT_YET_VALID, credential=credential, node=named[0])
    scoped = [cert for cert in current if cert.covers(credential.module_id)]
    if not scoped:
        return _fail(Reason.NODE_CERT_OUT_OF_SCOPE, credential.module_id, credential, current[0])
    return scoped[0]


def _check(
    credential: MicroCredential,
    certs: tuple[NodeCertificate, ...],
    trust: TrustList,
    now: datetime,
) -> Verdict:
    issued = credential.issued_at
    node = issuing_certificate(credential, certs)
    if isinstance(node, Verdict):
        return node
    since = trust.revoked_nodes.get(node.node_id)
    if since is not None and issued >= since:
        return _fail(Reason.NODE_REVOKED, f"since {since.isoformat()}", credential, node)
    entry = trust.entry(credential.module_id, credential.module_version)
    if entry is None:
        detail = f"{credential.module_id} {credential.module_version}"
        return _fail(Reason.UNKNOWN_MODULE, detail, credential, node)
    if len(entry.outcomes) != len(credential.outcomes):
        detail = f"the catalogue lists {len(entry.outcomes)} outcomes"
        return _fail(Reason.UNKNOWN_MODULE, detail, credential, node)
    status = trust.status_lists.get(node.node_id)
    if status is not None and status.is_set(credential.status_index):
        return _fail(Reason.CREDENTIAL_REVOKED, credential=credential, node=node)
    if credential.expires_at is not None and now >= credential.expires_at:
        detail = f"on {credential.expires_at.date().isoformat()}"
        return _fail(Reason.EXPIRED, detail, credential, node)
    return Verdict(True, Reason.GENUINE, EXPLANATIONS[Reason.GENUINE], credential, entry, node)
