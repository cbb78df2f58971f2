"""A registry credential in other systems' formats: Open Badges 3.0 (via ``credentials.ob3``)."""

from __future__ import annotations

from typing import Any

from credentials.claims import decode_claims
from credentials.cose import decode_sign1
from credentials.keys import SigningKey
from credentials.ob3 import IssuerProfile, open_badge
from hub.nodes import latest_trust
from hub.settings import HubSettings
from hub.store import Store
from sync.errors import NotFound


def open_badge_for(
    store: Store, cose: bytes, root_key: SigningKey, settings: HubSettings
) -> dict[str, Any]:
    """The credential as a signed OB 3.0 AchievementCredential issued by the university,
    described by the catalogue entry of the hub's trust list (the one verifiers use: shipped
    modules, pathways and those of published packs)."""
    credential = decode_claims(decode_sign1(cose).payload)
    latest = latest_trust(store)
    entry = (
        None if latest is None else latest.entry(credential.module_id, credential.module_version)
    )
    if entry is None:
        raise NotFound(
            f"module {credential.module_id} {credential.module_version} is not in the catalogue"
        )
    profile = IssuerProfile(url=settings.public_url)
    return open_badge(credential, entry, issuer_key=root_key, issuer_profile=profile)
