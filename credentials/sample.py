"""A complete, self-consistent sample set to build and test a verifier against.

The catalogue entry is a small built-in one (``credentials`` imports no content).
Keys are fresh unless given; with fixed keys and time the set is byte-stable.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from credentials.catalogue import CatalogueEntry
from credentials.certificates import NodeCertificate, issue_node_certificate
from credentials.claims import MicroCredential
from credentials.issuance import issue
from credentials.keys import SigningKey, public_jwk
from credentials.ob3 import IssuerProfile, open_badge
from credentials.qr import qr_png, to_qr_text
from credentials.status import StatusList
from credentials.trust import TrustList, sign_trust_list

SAMPLE_NODE_ID = "ke-ksm-01"
SAMPLE_ISSUER_URL = "https://university.example.org"

SAMPLE_ENTRY = CatalogueEntry(
    module_id="soil-health-basics",
    version="1.0.0",
    title={
        "en": "Soil health basics",
        "sw": "Misingi ya afya ya udongo",
        "fr": "Les bases de la santé des sols",
    },
    outcomes=(
        {"en": "Read soil structure with a slake test", "fr": "Lire la structure du sol"},
        {"en": "Plan cover crops for a season", "fr": "Planifier des cultures de couverture"},
        {"en": "Apply compost at the right rate", "fr": "Épandre le compost à la bonne dose"},
        {"en": "Keep a field record", "fr": "Tenir un registre de parcelle"},
    ),
    level_eqf=3,
    workload_hours=6.0,
    credit_points_ects=None,
    awarding_body="Sample University",
    country="KE",
    content_hash=hashlib.sha256(b"fieldcred sample module").hexdigest(),
)


def sample_credential(issued_at: datetime, credential_id: bytes) -> MicroCredential:
    """The reference credential: every field a real issuance fills, a 24-character name."""
    return MicroCredential(
        issuer=SAMPLE_NODE_ID,
        subject="L7Q2M4X9",
        issued_at=issued_at,
        credential_id=credential_id,
        module_id=SAMPLE_ENTRY.module_id,
        module_version=SAMPLE_ENTRY.version,
        outcomes=(True, True, False, True),
        score_percent=85,
        route="course",
        holder_name="Achieng Wanjiru Otieno-K",
        status_index=1234,
    )


@dataclass(frozen=True)
class SampleSet:
    root_key: SigningKey
    node_key: SigningKey
    node_certificate: bytes
    trust_list: bytes
    credential: MicroCredential
    cose: bytes
    qr_text: str


def build_sample(
    root_key: SigningKey, node_key: SigningKey, *, issued_at: datetime, credential_id: bytes
) -> SampleSet:
    node_certificate = issue_node_certificate(
        root_key,
        NodeCertificate(
            node_id=SAMPLE_NODE_ID,
            node_name="Kisumu community learning centre",
            public_key=node_key.public_key,
            modules=(SAMPLE_ENTRY.module_id,),
            not_before=issued_at - timedelta(days=30),
            not_after=issued_at + timedelta(days=3 * 365),
        ),
    )
    trust = TrustList(
        version=1,
        issued_at=issued_at,
        roots=(root_key.public_key,),
        node_certificates=(node_certificate,),
        catalogue=(SAMPLE_ENTRY,),
        status_lists={SAMPLE_NODE_ID: StatusList()},
    )
    credential = sample_credential(issued_at, credential_id)
    cose = issue(node_key, credential)
    return SampleSet(
        root_key=root_key,
        node_key=node_key,
        node_certificate=node_certificate,
        trust_list=sign_trust_list(root_key, trust),
        credential=credential,
        cose=cose,
        qr_text=to_qr_text(cose),
    )


def write_sample(out: Path, sample: SampleSet, *, signed_at: datetime | None = None) -> list[Path]:
    """Write the set's files into ``out`` (created if needed); return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    badge = open_badge(
        sample.credential,
        SAMPLE_ENTRY,
        issuer_key=sample.root_key,
        issuer_profile=IssuerProfile(url=SAMPLE_ISSUER_URL),
        signed_at=signed_at,
    )
    files: dict[str, bytes] = {
        "root.jwk": _json(public_jwk(sample.root_key.public_key)),
        "node.jwk": _json(public_jwk(sample.node_key.public_key)),
        "node-cert.cose": sample.node_certificate,
        "trust.cbor": sample.trust_list,
        "credential.cose": sample.cose,
        "credential.txt": (sample.qr_text + "\n").encode("ascii"),
        "credential.png": qr_png(sample.qr_text, scale=10),
        "credential.ob3.json": _json(badge),
    }
    paths = []
    for name, data in files.items():
        path = out / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def _json(value: object) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
