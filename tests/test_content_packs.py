"""Signed content packs: round trip, refusal of tampered and untrusted packs, fuzzing."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import Sign1Message

from content.catalogue import catalogue_entry, pathway_entry
from content.errors import MalformedPack, PackError, TamperedPack, UntrustedPack
from content.loading import Catalogue, load_catalogue
from content.packs import TYP_CONTENT_PACK, build_pack, read_pack
from credentials.cbor import dumps_canonical
from credentials.cose import sign1
from credentials.keys import SigningKey
from credentials.trust import read_trust_list
from tests.helpers.packs import CATALOGUE, KEY, PACK, media_of, pack_of, trust_for

OTHER = SigningKey.from_seed(b"o" * 32)


def resign(payload: dict[int, Any], key: SigningKey = KEY) -> bytes:
    return sign1(key, dumps_canonical(payload), typ=TYP_CONTENT_PACK)


def payload_of(pack: bytes) -> dict[int, Any]:
    payload = cbor2.loads(cbor2.loads(pack).value[2])
    assert isinstance(payload, dict)
    return payload


def test_round_trip_keeps_modules_pathways_media_and_trust() -> None:
    pack = read_pack(PACK, pinned_roots=[OTHER.public_key, KEY.public_key])
    assert {m.id: m for m in pack.modules} == CATALOGUE.modules
    assert [m.content_hash for m in pack.modules] == [
        CATALOGUE.modules[m.id].content_hash for m in pack.modules
    ]
    assert list(pack.pathways) == list(CATALOGUE.pathways.values())
    assert pack.media == {
        "mulching": {"images/depth.svg": CATALOGUE.media("mulching")["images/depth.svg"]},
        "cover-crops": {},
    }
    assert pack.trust_list.version == 3
    assert pack.signer == KEY.public_key


def test_packs_are_deterministic() -> None:
    assert pack_of() == PACK


def test_an_independent_cose_implementation_verifies_the_pack() -> None:
    tagged = cbor2.loads(PACK)
    assert tagged.tag == 18
    message = Sign1Message.from_cose_obj(cbor2.loads(PACK[1:]), True)
    message.key = OKPKey(crv=Ed25519, x=KEY.public_key)
    assert message.verify_signature()
    assert (
        cbor2.loads(message.phdr_encoded)[16] == TYP_CONTENT_PACK
        if hasattr(message, "phdr_encoded")
        else True
    )


def test_shipped_catalogue_packs_and_reads(catalogue: Catalogue) -> None:
    pack = read_pack(pack_of(catalogue), pinned_roots=[KEY.public_key])
    assert {m.id for m in pack.modules} == set(catalogue.modules)
    images = [i.image for m in catalogue.modules.values() for i in m.items if i.image]
    assert sum(len(files) for files in pack.media.values()) == len(set(images))


def test_unpinned_signer_is_untrusted() -> None:
    with pytest.raises(UntrustedPack, match="not signed by a pinned university key") as raised:
        read_pack(PACK, pinned_roots=[OTHER.public_key])
    assert raised.value.status == 403


def test_trust_list_signed_by_an_unpinned_root_is_untrusted() -> None:
    modules = list(CATALOGUE.modules.values())
    trust = trust_for(modules, roots=(KEY.public_key, OTHER.public_key), signer=OTHER)
    pack = build_pack(modules, [], trust, media_of(CATALOGUE), KEY)
    with pytest.raises(UntrustedPack, match="trust list"):
        read_pack(pack, pinned_roots=[KEY.public_key])


def test_changed_signature_or_payload_is_tampered() -> None:
    with pytest.raises(TamperedPack, match="changed after signing") as raised:
        read_pack(PACK[:-1] + bytes([PACK[-1] ^ 1]), pinned_roots=[KEY.public_key])
    assert raised.value.status == 422
    at = PACK.index(b"Mulching")
    altered = PACK[:at] + b"Mulchinf" + PACK[at + 8 :]
    with pytest.raises(TamperedPack):
        read_pack(altered, pinned_roots=[KEY.public_key])


def test_module_differing_from_the_trust_list_is_tampered() -> None:
    payload = payload_of(PACK)
    payload[2][1]["title"]["en"] = "Mulching, edited after the catalogue was signed"
    with pytest.raises(TamperedPack, match=r"mulching 1\.0\.0 differs from the content hash"):
        read_pack(resign(payload), pinned_roots=[KEY.public_key])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.update({1: 2}), "unsupported pack format 2"),
        (lambda p: p.pop(4), "keys 1 to 5"),
        (lambda p: p.update({2: {}}), "modules must be a list"),
        (lambda p: p[2][0].update({"version": "one"}), "module 0 does not validate: version"),
        (lambda p: p.update({2: p[2] + p[2][:1]}), "module id twice"),
        (lambda p: p.update({4: {"mulching": {}}}), "image images/depth.svg is missing"),
        (lambda p: p[4].update({"compost": {}}), "media for module compost"),
        (lambda p: p[4].update({"mulching": {"x": "text"}}), "path .text. and its bytes"),
        (
            lambda p: p.update({2: p[2][1:], 4: {"mulching": p[4]["mulching"]}}),
            "pathway soil-cover names modules not in the pack",
        ),
        (lambda p: p.update({5: b"\xa0"}), "trust list does not read"),
    ],
)
def test_malformed_contents_are_refused(
    change: Callable[[dict[int, Any]], object], message: str
) -> None:
    payload = payload_of(PACK)
    change(payload)
    with pytest.raises(MalformedPack, match=message) as raised:
        read_pack(resign(payload), pinned_roots=[KEY.public_key])
    assert raised.value.status == 400


def test_unsigned_packs_and_other_documents_are_refused() -> None:
    trust = trust_for(list(CATALOGUE.modules.values()))
    with pytest.raises(MalformedPack, match="not a content pack"):
        read_pack(trust, pinned_roots=[KEY.public_key])
    with pytest.raises(MalformedPack, match="not a signed content pack"):
        read_pack(b"PK\x03\x04 a zip file", pinned_roots=[KEY.public_key])
    unsigned = dumps_canonical(payload_of(PACK))
    with pytest.raises(MalformedPack, match="not a signed content pack"):
        read_pack(unsigned, pinned_roots=[KEY.public_key])


def test_build_refuses_what_read_would_refuse() -> None:
    modules = list(CATALOGUE.modules.values())
    pathways = list(CATALOGUE.pathways.values())
    trust = trust_for(modules)
    with pytest.raises(PackError, match="not a root"):
        build_pack(modules, pathways, trust, media_of(CATALOGUE), OTHER)
    with pytest.raises(PackError, match="not in the trust list's catalogue"):
        build_pack(modules, pathways, trust_for(modules[:1]), media_of(CATALOGUE), KEY)
    with pytest.raises(PackError, match="missing from the pack"):
        build_pack(modules, pathways, trust, {}, KEY)
    with pytest.raises(PackError, match="does not read"):
        build_pack(modules, pathways, b"", media_of(CATALOGUE), KEY)


def test_pathway_entry_stacks_its_modules() -> None:
    entry = pathway_entry(CATALOGUE.pathways["soil-cover"], list(CATALOGUE.modules.values()))
    assert entry.pathway_modules == ("mulching", "cover-crops")
    assert entry.workload_hours == 6
    assert entry.credit_points_ects is None  # mulching declares none
    assert entry.outcomes_in("fr") == ("Paillage", "Cultures de couverture")
    with pytest.raises(ValueError, match="needs modules cover-crops"):
        pathway_entry(CATALOGUE.pathways["soil-cover"], [CATALOGUE.modules["mulching"]])


def test_catalogue_entry_names_outcomes_in_module_order() -> None:
    entry = catalogue_entry(CATALOGUE.modules["mulching"])
    assert entry.key == ("mulching", "1.0.0")
    assert entry.outcomes_in("sw") == (
        "Eleza matandazo.",
        "Weka matandazo.",
        "Shiriki na majirani.",
    )
    assert (entry.level_eqf, entry.country, entry.workload_hours) == (3, "KE", 4)
    assert entry.content_hash == CATALOGUE.modules["mulching"].content_hash


def test_catalogue_entry_carries_the_module_alignments_through_the_trust_list() -> None:
    module = load_catalogue().modules["soil-health"]
    entry = catalogue_entry(module)
    expected = [*module.field_of_education]
    for outcome in module.outcomes:
        expected += [a for a in outcome.alignments if a not in expected]
    assert [(a.framework, a.code, a.label, a.uri) for a in entry.alignments] == [
        (a.framework, a.code, a.label, a.uri) for a in expected
    ]
    assert {a.framework for a in entry.alignments} == {"ISCED-F 2013", "ESCO v1.2.0"}
    read = read_trust_list(trust_for([module]), pinned_roots=[KEY.public_key])
    assert read.catalogue == (entry,)
    # An alignment written with an empty URI has none, in the module and in the trust list.
    field = module.field_of_education[0].model_copy(update={"uri": ""})
    blank = module.model_copy(update={"field_of_education": [field]})
    read = read_trust_list(trust_for([blank]), pinned_roots=[KEY.public_key])
    assert read.catalogue == (catalogue_entry(blank),)
    assert read.catalogue[0].alignments[0].uri is None


# --- fuzzing: untrusted bytes only ever raise PackError --------------------------------


def read_or_pack_error(data: bytes) -> None:
    with contextlib.suppress(PackError):
        read_pack(data, pinned_roots=[KEY.public_key])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512))
def test_fuzz_random_bytes(data: bytes) -> None:
    read_or_pack_error(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(PACK) - 1), st.integers(1, 255), st.integers(0, len(PACK)))
def test_fuzz_mutated_packs(position: int, flip: int, cut: int) -> None:
    read_or_pack_error(PACK[:position] + bytes([PACK[position] ^ flip]) + PACK[position + 1 :])
    read_or_pack_error(PACK[:cut])


cbor_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64)
    | st.floats()
    | st.text(max_size=8)
    | st.binary(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=6) | st.integers(0, 6), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.integers(0, 6), cbor_values, max_size=6) | cbor_values)
def test_fuzz_signed_payloads(payload: Any) -> None:
    """Correctly signed, arbitrary contents: the shape checks alone must hold."""
    read_or_pack_error(sign1(KEY, cbor2.dumps(payload), typ=TYP_CONTENT_PACK))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([2, 3, 4]), cbor_values)
def test_fuzz_one_part_of_a_valid_payload(key: int, value: Any) -> None:
    payload = payload_of(PACK)
    payload[key] = value
    read_or_pack_error(resign(payload))
