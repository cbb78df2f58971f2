"""A sample credential, the node key that signs it, that node's certificate and a trust
list naming the root: the pieces a verification needs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from credentials.certificates import NodeCertificate, issue_node_certificate
from credentials.keys import SigningKey
from credentials.sample import SAMPLE_ENTRY, SAMPLE_NODE_ID, sample_credential
from credentials.status import StatusList
from credentials.trust import TrustList

ROOT = SigningKey.from_seed(bytes(range(32)))


NODE = SigningKey.from_seed(bytes(range(32, 64)))


T0 = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


CREDENTIAL = sample_credential(T0, bytes.fromhex("0123456789abcdef"))


def node_cert(
    *,
    key: SigningKey = NODE,
    modules: tuple[str, ...] = (SAMPLE_ENTRY.module_id,),
    not_before: datetime = T0 - timedelta(days=30),
    not_after: datetime = T0 + timedelta(days=365),
    root: SigningKey = ROOT,
) -> bytes:
    return issue_node_certificate(
        root,
        NodeCertificate(
            SAMPLE_NODE_ID, "Kisumu centre", key.public_key, modules, not_before, not_after
        ),
    )


def trust(
    *,
    certs: tuple[bytes, ...] | None = None,
    revoked: Mapping[str, datetime] | None = None,
    status: StatusList | None = None,
    catalogue: tuple[object, ...] = (SAMPLE_ENTRY,),
) -> TrustList:
    return TrustList(
        version=1,
        issued_at=T0,
        roots=(ROOT.public_key,),
        node_certificates=(node_cert(),) if certs is None else certs,
        catalogue=catalogue,  # type: ignore[arg-type]
        revoked_nodes=revoked or {},
        status_lists={SAMPLE_NODE_ID: status or StatusList()},
    )
