"""What a printed certificate, a pocket card and a learner's phone show for a credential,
and its Open Badges 3.0 form for a wallet."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from content.model import Module, localize
from credentials.claims import MicroCredential, decode_claims
from credentials.cose import decode_sign1
from edge_node.errors import NotFound
from edge_node.issuance import CredentialRecord
from edge_node.node import Node
from edge_node.standing import ACTIVE, Standing, require_valid, standing


@dataclass(frozen=True)
class CertificateView:
    id: str
    holder_name: str
    title: str
    outcomes: list[str]
    level_eqf: int | None
    workload_hours: float | None
    issued_on: str
    expires_on: str | None
    centre: str
    awarding_body: str
    route: str
    score_percent: int
    pathway: bool
    qr_text: str
    qr_svg: str = ""
    """Drawn by :func:`with_qr_drawn`, where a page shows the code (15 ms, off the loop)."""
    verify_at: str | None = None
    """The hub's public ``/verify`` page, as printed under the QR (no scheme)."""
    standing: Standing = ACTIVE
    """Active, or revoked, replaced or expired: what every page shows first."""


def claims_of(record: CredentialRecord) -> MicroCredential:
    return decode_claims(decode_sign1(record.cose).payload)


def with_qr_drawn(view: CertificateView) -> CertificateView:
    from credentials.qr import qr_svg  # with segno and Pillow: loaded on first use

    return replace(view, qr_svg=qr_svg(view.qr_text))


def view(node: Node, record: CredentialRecord, lang: str) -> CertificateView:
    """What the credential says, in ``lang``; its QR code is not drawn yet."""
    from credentials.qr import printed_qr_text

    claims = claims_of(record)
    module: Module | None = node.module_at(record.module_id, record.module_version)
    if record.pathway:
        pathway = node.pathways.get(record.module_id)
        title = localize(pathway.title, lang) if pathway else record.module_id
        outcomes = (
            [localize(node.modules[m].title, lang) for m in pathway.modules if m in node.modules]
            if pathway
            else []
        )
        level = pathway.level.eqf if pathway else None
        workload = (
            sum(node.modules[m].workload_hours for m in pathway.modules if m in node.modules)
            if pathway
            else None
        )
        body = pathway.awarding_body.name if pathway else ""
    elif module is not None:
        title = localize(module.title, lang)
        outcomes = [
            localize(outcome.text, lang)
            for outcome, achieved in zip(module.outcomes, claims.outcomes, strict=False)
            if achieved
        ]
        level = module.level.eqf
        workload = module.workload_hours
        body = module.awarding_body.name
    else:
        title, outcomes, level, workload, body = record.module_id, [], None, None, ""
    text = printed_qr_text(record.cose, node.settings.hub_url)
    return CertificateView(
        id=record.id,
        holder_name=claims.holder_name,
        title=title,
        outcomes=outcomes,
        level_eqf=level,
        workload_hours=workload,
        issued_on=claims.issued_at.date().isoformat(),
        expires_on=claims.expires_at.date().isoformat() if claims.expires_at else None,
        centre=node.settings.node_name,
        awarding_body=body,
        route=claims.route,
        score_percent=claims.score_percent,
        pathway=record.pathway,
        qr_text=text,
        verify_at=verify_address(node.settings.hub_url),
        standing=standing(node, record),
    )


def verify_address(hub_url: str | None) -> str | None:
    """``hub.example.org/verify`` for ``https://hub.example.org/``: what a person types."""
    if not hub_url:
        return None
    bare = hub_url.strip().split("://", 1)[-1].rstrip("/")
    return f"{bare}/verify" if bare else None


def open_badge_json(node: Node, record: CredentialRecord, lang: str) -> bytes:
    """The credential as a signed Open Badges 3.0 AchievementCredential (JSON bytes);
    :class:`~edge_node.standing.NotValid` for one revoked, replaced or expired."""
    from content.catalogue import catalogue_entry, pathway_entry
    from credentials.ob3 import IssuerProfile, open_badge

    require_valid(node, record)
    claims = claims_of(record)
    if record.pathway:
        pathway = node.pathways[record.module_id]
        entry = pathway_entry(pathway, [node.modules[m] for m in pathway.modules])
        url = pathway.awarding_body.url
    else:
        module = node.module_at(record.module_id, record.module_version)
        if module is None:
            raise NotFound("The module of this credential is not installed on this node")
        entry = catalogue_entry(module)
        url = module.awarding_body.url
    document = open_badge(
        claims,
        entry,
        issuer_key=node.key,
        issuer_profile=IssuerProfile(url=url or f"urn:fieldcred:node:{node.node_id}"),
        lang=lang,
    )
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
