"""Signed content packs: modules, pathways, their images and the trust list, in one file.

A pack travels to edge nodes by download or USB stick. It is a COSE_Sign1 (``typ``
``application/vnd.fieldcred.content-pack+cose``) signed by a university root key over the
deterministic CBOR (RFC 8949 §4.2) of::

    {1: format version, 2: [module definitions], 3: [pathway definitions],
     4: {module id: {image path: bytes}}, 5: signed trust list bytes}

Definitions are the JSON-compatible dumps of ``content.model``. A reader checks the
signature against its pinned roots, then that every module matches the content
hash the trust list's catalogue gives for its id and version, so a credential
naming a module version always means the content the node assessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import ValidationError

from content.errors import MalformedPack, PackError, TamperedPack, UntrustedPack
from content.model import Module, Pathway
from credentials.cbor import dumps_canonical, loads_deterministic
from credentials.cose import decode_sign1, sign1, verify_sign1
from credentials.errors import CredentialError, InvalidSignature, UntrustedSigner
from credentials.keys import SigningKey, key_id
from credentials.trust import TrustList, read_trust_list

TYP_CONTENT_PACK = "application/vnd.fieldcred.content-pack+cose"
PACK_FORMAT = 1
MAX_PACK_BYTES = 16 * 1024 * 1024
"""Largest pack read: three modules with a few drawings weigh about 100 kB."""
MAX_PACK_DEPTH = 12
_FORMAT, _MODULES, _PATHWAYS, _MEDIA, _TRUST = range(1, 6)

_Definition = TypeVar("_Definition", Module, Pathway)

Media = Mapping[str, Mapping[str, bytes]]
"""Image files by module id, then by the path the module's items name them with."""


@dataclass(frozen=True)
class Pack:
    """A verified pack. ``trust`` is the signed trust list as shipped, ready to install."""

    modules: tuple[Module, ...]
    pathways: tuple[Pathway, ...]
    media: Mapping[str, Mapping[str, bytes]]
    trust: bytes
    trust_list: TrustList
    signer: bytes


def build_pack(
    modules: Sequence[Module],
    pathways: Sequence[Pathway],
    trust: bytes,
    media: Media,
    key: SigningKey,
) -> bytes:
    """Sign a pack with ``key``, which must be a root of the ``trust`` list it carries.

    Refuses (``PackError``) a pack its own reader would refuse: a module missing
    from the trust list's catalogue or differing from it, a missing image, a
    pathway naming a module not in the pack.
    """
    try:
        trust_list = read_trust_list(trust)
    except CredentialError as exc:
        raise PackError(f"the trust list does not read: {exc}") from None
    if key.public_key not in trust_list.roots:
        raise PackError("the signing key is not a root of the trust list in the pack")
    ordered = sorted(modules, key=lambda module: module.id)
    _check_contents(ordered, list(pathways), media, trust_list, PackError, PackError)
    payload = {
        _FORMAT: PACK_FORMAT,
        _MODULES: [module.model_dump(mode="json") for module in ordered],
        _PATHWAYS: [p.model_dump(mode="json") for p in sorted(pathways, key=lambda p: p.id)],
        _MEDIA: {module_id: dict(files) for module_id, files in media.items()},
        _TRUST: trust,
    }
    return sign1(key, dumps_canonical(payload), typ=TYP_CONTENT_PACK)


def read_pack(data: bytes, *, pinned_roots: Iterable[bytes]) -> Pack:
    """Verify and open a pack; raise ``MalformedPack``, ``UntrustedPack`` or ``TamperedPack``."""
    roots = tuple(pinned_roots)
    try:
        envelope = decode_sign1(data, max_bytes=MAX_PACK_BYTES)
    except CredentialError as exc:
        raise MalformedPack(f"not a signed content pack: {exc}") from None
    if not envelope.is_a(TYP_CONTENT_PACK):
        raise MalformedPack(f"not a content pack (typ is {envelope.typ!r})")
    signer = next((root for root in roots if key_id(root) == envelope.kid), None)
    if signer is None:
        raise UntrustedPack("the pack is not signed by a pinned university key")
    if not verify_sign1(envelope, signer):
        raise TamperedPack("the pack's signature does not verify: it was changed after signing")
    try:
        payload = loads_deterministic(
            envelope.payload, max_bytes=MAX_PACK_BYTES, max_depth=MAX_PACK_DEPTH
        )
    except CredentialError as exc:
        raise MalformedPack(f"the pack's contents are not well-formed CBOR: {exc}") from None
    if not isinstance(payload, dict) or set(payload) != set(range(_FORMAT, _TRUST + 1)):
        raise MalformedPack("a pack's contents are a map with keys 1 to 5")
    if payload[_FORMAT] != PACK_FORMAT or type(payload[_FORMAT]) is not int:
        raise MalformedPack(f"unsupported pack format {payload[_FORMAT]!r}")
    trust = payload[_TRUST]
    if not isinstance(trust, bytes):
        raise MalformedPack("the pack's trust list must be a byte string")
    trust_list = _read_trust(trust, roots)
    modules = tuple(_parse_list(payload[_MODULES], Module, "module"))
    pathways = tuple(_parse_list(payload[_PATHWAYS], Pathway, "pathway"))
    media = _parse_media(payload[_MEDIA])
    _check_contents(list(modules), list(pathways), media, trust_list, MalformedPack, TamperedPack)
    return Pack(modules, pathways, media, trust, trust_list, signer)


def _read_trust(trust: bytes, roots: tuple[bytes, ...]) -> TrustList:
    try:
        return read_trust_list(trust, pinned_roots=roots)
    except UntrustedSigner:
        raise UntrustedPack("the pack's trust list is not signed by a pinned key") from None
    except InvalidSignature:
        raise TamperedPack("the pack's trust list signature does not verify") from None
    except CredentialError as exc:
        raise MalformedPack(f"the pack's trust list does not read: {exc}") from None


def _parse_list(value: Any, model: type[_Definition], what: str) -> list[_Definition]:
    if not isinstance(value, list):
        raise MalformedPack(f"the pack's {what}s must be a list")
    parsed = []
    for index, definition in enumerate(value):
        try:
            parsed.append(model.model_validate(definition))
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(part) for part in first["loc"])
            raise MalformedPack(
                f"{what} {index} does not validate: {where}: {first['msg']}"
            ) from None
    ids = [entry.id for entry in parsed]
    if len(set(ids)) != len(ids):
        raise MalformedPack(f"the pack holds a {what} id twice")
    return parsed


def _parse_media(value: Any) -> dict[str, dict[str, bytes]]:
    if not isinstance(value, dict):
        raise MalformedPack("the pack's media must be a map by module id")
    media: dict[str, dict[str, bytes]] = {}
    for module_id, files in value.items():
        if not isinstance(module_id, str) or not isinstance(files, dict):
            raise MalformedPack("the pack's media must map module ids to maps of files")
        for path, content in files.items():
            if not isinstance(path, str) or not isinstance(content, bytes):
                raise MalformedPack("a media file is a path (text) and its bytes")
        media[module_id] = dict(files)
    return media


def _check_contents(
    modules: list[Module],
    pathways: list[Pathway],
    media: Media,
    trust: TrustList,
    error: type[PackError],
    mismatch: type[PackError],
) -> None:
    by_id = {module.id: module for module in modules}
    for module in modules:
        entry = trust.entry(module.id, module.version)
        if entry is None:
            raise error(f"module {module.id} {module.version} is not in the trust list's catalogue")
        if entry.content_hash != module.content_hash:
            raise mismatch(
                f"module {module.id} {module.version} differs from the content hash "
                "the trust list gives for it"
            )
        files = media.get(module.id, {})
        for item in module.items:
            if item.image is not None and item.image not in files:
                raise error(f"module {module.id}: image {item.image} is missing from the pack")
    for module_id in media:
        if module_id not in by_id:
            raise error(f"media for module {module_id}, which is not in the pack")
    for pathway in pathways:
        missing = [module_id for module_id in pathway.modules if module_id not in by_id]
        if missing:
            raise error(f"pathway {pathway.id} names modules not in the pack: {', '.join(missing)}")
