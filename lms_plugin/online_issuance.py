"""Issuing credentials online, signed by the university's online issuer.

Trust model: verifiers trust a university root key, and a credential's signer must
hold a node certificate from that root (``credentials.verification`` looks the
signer up among the trust list's node certificates). The LMS is therefore one more
"node": the university keeps its root key offline and certifies an online issuer key
with ``fieldcred keys node-cert``, scoped to the modules it may award. A credential
earned online then verifies exactly like one earned at a centre, and the online
issuer can be renewed, limited or revoked like any centre, without ever exposing the
root key on a web server.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from content.catalogue import catalogue_entry
from content.model import Module
from credentials.certificates import (
    ALL_MODULES,
    NodeCertificate,
    issue_node_certificate,
    read_node_certificate,
)
from credentials.claims import MicroCredential
from credentials.errors import CredentialError
from credentials.issuance import issue
from credentials.keys import SigningKey, load_private_key, save_private_key
from credentials.ob3 import IssuerProfile, open_badge
from lms_plugin.config import PluginSettings
from lms_plugin.errors import NotConfigured
from lms_plugin.ledger import issue_with_next_index, open_ledger

MAX_CERTIFICATE_BYTES = 8192
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class OnlineIssuer:
    key: SigningKey
    certificate: NodeCertificate
    profile: IssuerProfile

    @property
    def node_id(self) -> str:
        return self.certificate.node_id


def load_issuer(settings: PluginSettings) -> OnlineIssuer:
    """The configured issuer key and its certificate; ``NotConfigured`` names what is wrong."""
    key_path, cert_path = settings.require_issuer()
    try:
        key = load_private_key(key_path)
        certificate, _ = read_node_certificate(_read(cert_path))
    except (OSError, CredentialError, ValueError) as exc:
        raise NotConfigured(f"the online issuer cannot be loaded: {exc}") from exc
    if certificate.public_key != key.public_key:
        raise NotConfigured(f"{cert_path} certifies another key than {key_path}")
    return OnlineIssuer(key, certificate, IssuerProfile(url=settings.issuer_url))


def _read(path: Path) -> bytes:
    with open(path, "rb") as handle:
        data = handle.read(MAX_CERTIFICATE_BYTES + 1)
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise NotConfigured(f"{path} is too large for a node certificate")
    return data


def certify_online_issuer(
    root_key: SigningKey,
    folder: Path,
    *,
    node_id: str = "lms-online",
    node_name: str = "Online courses",
    modules: tuple[str, ...] = (ALL_MODULES,),
    days: int = 365,
    now: datetime | None = None,
) -> tuple[Path, Path]:
    """A fresh online issuer key certified by ``root_key``, written to ``folder`` as
    ``online.key`` (mode 0600) and ``online.cert``. For demos and tests: a university
    runs ``fieldcred keys new|request|node-cert`` where its root key is kept."""
    start = (now or datetime.now(UTC)).replace(microsecond=0)
    key = SigningKey.generate()
    certificate = NodeCertificate(
        node_id, node_name, key.public_key, modules, start, start + timedelta(days=days)
    )
    folder.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = folder / "online.key", folder / "online.cert"
    save_private_key(key, key_path)
    cert_path.write_bytes(issue_node_certificate(root_key, certificate))
    return key_path, cert_path


def subject_id(anonymous_user_id: str) -> str:
    """A pseudonymous CWT subject for an LMS learner (fits the 64-character claim)."""
    return "lms:" + hashlib.sha256(anonymous_user_id.encode()).hexdigest()[:32]


def issue_online(
    issuer: OnlineIssuer,
    *,
    ledger_path: Path,
    usage_id: str,
    module: Module,
    result: dict[str, Any],
    subject: str,
    holder_name: str,
    now: datetime | None = None,
) -> bytes:
    """Sign and record the credential of a passed result; returns its COSE_Sign1 bytes."""
    issued_at = (now or datetime.now(UTC)).replace(microsecond=0)
    certificate = issuer.certificate
    if not certificate.covers(module.id):
        raise NotConfigured(f"the online issuer's certificate does not cover {module.id}")
    if not certificate.valid_at(issued_at):
        raise NotConfigured("the online issuer's certificate is not valid now; renew it")
    expires_at = (
        None
        if module.validity_years is None
        else issued_at + timedelta(days=round(module.validity_years * DAYS_PER_YEAR))
    )

    def sign(status_index: int) -> tuple[str, bytes]:
        credential = MicroCredential(
            issuer=issuer.node_id,
            subject=subject,
            issued_at=issued_at,
            credential_id=secrets.token_bytes(16),
            expires_at=expires_at,
            module_id=module.id,
            module_version=module.version,
            outcomes=tuple(bool(flag) for flag in result["outcomes_achieved"]),
            score_percent=int(result["score_percent"]),
            route="course",
            holder_name=holder_name[:100] or "Learner",
            status_index=status_index,
        )
        return credential.credential_id.hex(), issue(issuer.key, credential)

    with open_ledger(ledger_path) as db:
        _, cose = issue_with_next_index(
            db,
            usage_id=usage_id,
            subject=subject,
            module_id=module.id,
            module_version=module.version,
            issued_at=int(issued_at.timestamp()),
            sign=sign,
        )
    return cose


def open_badge_json(
    issuer: OnlineIssuer, module: Module, credential: MicroCredential, lang: str
) -> str:
    """The same achievement as a signed Open Badges 3.0 credential (JSON text)."""
    document = open_badge(
        credential,
        catalogue_entry(module),
        issuer_key=issuer.key,
        issuer_profile=issuer.profile,
        lang=lang,
    )
    return json.dumps(document, ensure_ascii=False, indent=2)
