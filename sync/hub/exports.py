"""A registry credential in other systems' formats: Open Badges 3.0 (via ``credentials.ob3``)."""

from __future__ import annotations

from typing import Any

from content.catalogue import catalogue_entry
from content.loading import load_catalogue
from credentials.claims import decode_claims
from credentials.cose import decode_sign1
from credentials.keys import SigningKey
from credentials.ob3 import IssuerProfile, open_badge
from sync.errors import NotFound
from sync.hub.settings import HubSettings


def open_badge_for(cose: bytes, root_key: SigningKey, settings: HubSettings) -> dict[str, Any]:
    """The credential as a signed OB 3.0 AchievementCredential issued by the university."""
    credential = decode_claims(decode_sign1(cose).payload)
    module = load_catalogue().modules.get(credential.module_id)
    if module is None or module.version != credential.module_version:
        raise NotFound(
            f"module {credential.module_id} {credential.module_version} is not in the catalogue"
        )
    profile = IssuerProfile(url=settings.public_url)
    return open_badge(
        credential, catalogue_entry(module), issuer_key=root_key, issuer_profile=profile
    )
