"""A signed content pack of the test catalogue (tests/fixtures/content/valid), its key and
the trust list naming its modules."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from content.catalogue import catalogue_entry
from content.loading import Catalogue, load_catalogue
from content.model import Module
from content.packs import build_pack
from credentials.keys import SigningKey
from credentials.trust import TrustList, sign_trust_list

FIXTURES = Path(__file__).parent.parent / "fixtures" / "content"
CATALOGUE = load_catalogue(FIXTURES / "valid")
KEY = SigningKey.from_seed(b"u" * 32)


def trust_for(
    modules: list[Module], *, roots: tuple[bytes, ...] = (KEY.public_key,), signer: SigningKey = KEY
) -> bytes:
    trust = TrustList(
        version=3,
        issued_at=datetime(2026, 11, 23, tzinfo=UTC),
        roots=roots,
        catalogue=tuple(catalogue_entry(m) for m in modules),
    )
    return sign_trust_list(signer, trust)


def media_of(catalogue: Catalogue) -> dict[str, dict[str, bytes]]:
    return {module_id: catalogue.media(module_id) for module_id in catalogue.modules}


def pack_of(catalogue: Catalogue = CATALOGUE, key: SigningKey = KEY) -> bytes:
    modules = list(catalogue.modules.values())
    return build_pack(
        modules, list(catalogue.pathways.values()), trust_for(modules), media_of(catalogue), key
    )


PACK = pack_of()
