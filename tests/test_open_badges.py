"""Open Badges 3.0 export: 1EdTech schema, eddsa-rdfc-2022 vectors, tamper detection."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pyoxigraph
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from content.catalogue import catalogue_entry
from content.loading import load_catalogue
from credentials.catalogue import CatalogueEntry
from credentials.claims import MicroCredential
from credentials.jsonld import (
    OB_V3P0_CONTEXT,
    VC_V2_CONTEXT,
    UnknownContext,
    canonicalize,
    shipped_contexts,
)
from credentials.keys import SigningKey, load_public_key
from credentials.ob3 import (
    IssuerProfile,
    add_proof,
    did_key,
    open_badge,
    verify_open_badge,
    verify_proof,
)
from credentials.ob3 import (
    _hash_data as hash_data,
)
from credentials.ob3 import (
    _multibase_base58btc as multibase,
)
from credentials.sample import build_sample, write_sample

STANDARDS = Path(__file__).parent / "standards"
OB3 = STANDARDS / "ob3"
EDDSA = STANDARDS / "vc-di-eddsa"
# The 1EdTech vector names the context by an older alias URL.
OB3_ALIAS = "https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def base58btc_decode(multibase: str) -> bytes:
    """Independent of the module's encoder, to check it against the published vectors."""
    assert multibase[0] == "z"
    body = multibase[1:]
    number = 0
    for character in body:
        number = number * 58 + BASE58.index(character)
    zeros = len(body) - len(body.lstrip("1"))
    return b"\0" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")


# --- published vectors -------------------------------------------------------------------


def test_canonical_document_reproduces_the_1edtech_vector() -> None:
    contexts = {**shipped_contexts(), OB3_ALIAS: shipped_contexts()[OB_V3P0_CONTEXT]}
    document = read_json(OB3 / "obv3p0-document.json")
    expected = (OB3 / "test-vectors" / "obv3p0-document-canon.txt").read_text(encoding="utf-8")
    assert canonicalize(document, contexts=contexts) == expected


def test_canonical_proof_configuration_reproduces_the_1edtech_vector() -> None:
    contexts = {**shipped_contexts(), OB3_ALIAS: shipped_contexts()[OB_V3P0_CONTEXT]}
    document = read_json(OB3 / "obv3p0-document.json")
    proof_config = {
        **read_json(OB3 / "obv3p0-proof-options.json"),
        "@context": document["@context"],
    }
    expected = (OB3 / "test-vectors" / "obv3p0-proof-canon.txt").read_text(encoding="utf-8")
    assert canonicalize(proof_config, contexts=contexts) == expected


def w3c_vector() -> tuple[SigningKey, dict[str, Any], dict[str, Any]]:
    keys = read_json(EDDSA / "keyPair.json")
    secret = base58btc_decode(keys["privateKeyMultibase"])
    assert secret[:2] == b"\x80\x26"  # multicodec ed25519-priv
    contexts = {
        **shipped_contexts(),
        EXAMPLES_V2: read_json(EDDSA / "credentials-examples-v2.jsonld"),
    }
    return SigningKey.from_seed(secret[2:]), read_json(EDDSA / "signedDataInt.json"), contexts


def test_w3c_eddsa_rdfc_2022_vector_gives_the_published_proof_value() -> None:
    key, signed, contexts = w3c_vector()
    assert (
        did_key(key.public_key)
        == "did:key:" + read_json(EDDSA / "keyPair.json")["publicKeyMultibase"]
    )
    unsigned = {name: value for name, value in signed.items() if name != "proof"}
    published = signed["proof"]
    ours = add_proof(
        unsigned,
        key,
        verification_method=published["verificationMethod"],
        created=datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC),
        contexts=contexts,
    )
    assert ours["proof"] == [published]


def test_w3c_eddsa_rdfc_2022_proof_configuration_canon_matches() -> None:
    _, signed, contexts = w3c_vector()
    options = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    expected = (EDDSA / "proofCanonDataInt.txt").read_text(encoding="utf-8")
    assert canonicalize({**options, "@context": signed["@context"]}, contexts=contexts) == expected


def test_w3c_signed_vector_verifies_and_its_tampered_copy_does_not() -> None:
    key, signed, contexts = w3c_vector()
    assert verify_proof(signed, key.public_key, contexts=contexts)
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["alumniOf"] = "The School of Counterfeits"
    assert not verify_proof(tampered, key.public_key, contexts=contexts)


def test_unknown_context_is_refused_not_fetched() -> None:
    document = read_json(OB3 / "obv3p0-document.json")
    with pytest.raises(UnknownContext, match=r"ob_v3p0\.jsonld"):
        canonicalize(document)


def oxigraph_canon(document: dict[str, Any], contexts: dict[str, Any]) -> str:
    """RDFC-1.0 by Oxigraph, an independent JSON-LD parser and canonicalizer (Rust).

    Oxigraph loads no remote contexts, so each context URL is replaced by the
    context it names, which JSON-LD processing treats alike.
    """
    inlined = {
        **document,
        "@context": [contexts[url]["@context"] for url in document["@context"]],
    }
    dataset = pyoxigraph.Dataset(
        pyoxigraph.parse(json.dumps(inlined).encode(), pyoxigraph.RdfFormat.JSON_LD)
    )
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    nquads = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS).decode()
    return "".join(sorted(line + "\n" for line in nquads.splitlines()))


def test_oxigraph_agrees_on_the_1edtech_vector() -> None:
    contexts = {**shipped_contexts(), OB3_ALIAS: shipped_contexts()[OB_V3P0_CONTEXT]}
    document = read_json(OB3 / "obv3p0-document.json")
    expected = (OB3 / "test-vectors" / "obv3p0-document-canon.txt").read_text(encoding="utf-8")
    assert oxigraph_canon(document, contexts) == expected


# --- our export ------------------------------------------------------------------------------

ISSUED = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
SIGNED = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
ISSUER_KEY = SigningKey.from_seed(bytes(range(32)))
PROFILE = IssuerProfile(url="https://university.example/")


def entry() -> CatalogueEntry:
    return CatalogueEntry(
        module_id="soil-health",
        version="1.0.0",
        title={"en": "Soil health for smallholders", "sw": "Afya ya udongo kwa wakulima wadogo"},
        outcomes=(
            {"en": "Read a soil test report", "sw": "Soma ripoti ya kipimo cha udongo"},
            {"en": "Plan a cover crop rotation"},
            {"en": "Measure soil organic matter in the field"},
        ),
        level_eqf=4,
        workload_hours=25,
        credit_points_ects=1.0,
        awarding_body="University of the Highlands",
        country="KE",
        content_hash="sha256:" + "0" * 64,
        pathway_modules=(),
    )


def credential(**changes: Any) -> MicroCredential:
    fields: dict[str, Any] = {
        "issuer": "node-7",
        "subject": "L-4F2K9Q",
        "issued_at": ISSUED,
        "credential_id": bytes.fromhex("0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
        "expires_at": None,
        "module_id": "soil-health",
        "module_version": "1.0.0",
        "outcomes": (True, False, True),
        "score_percent": 87,
        "route": "course",
        "holder_name": "Wanjiru Achieng Otieno",
        "status_index": 41,
        "evidence_hash": None,
        "pathway": False,
    }
    fields.update(changes)
    return MicroCredential(**fields)


def badge(**changes: Any) -> dict[str, Any]:
    return open_badge(
        credential(**changes),
        entry(),
        issuer_key=ISSUER_KEY,
        issuer_profile=PROFILE,
        salt="5f0c",
        signed_at=SIGNED,
    )


@pytest.fixture(scope="module")
def signed_badge() -> dict[str, Any]:
    return badge()


def test_export_validates_against_the_1edtech_schema(signed_badge: dict[str, Any]) -> None:
    schema = read_json(OB3 / "ob_v3p0_achievementcredential_schema.json")
    jsonschema.Draft201909Validator.check_schema(schema)
    validator = jsonschema.Draft201909Validator(schema)
    errors = [error.message for error in validator.iter_errors(signed_badge)]
    assert errors == []


def test_schema_rejects_a_single_proof_object(signed_badge: dict[str, Any]) -> None:
    schema = read_json(OB3 / "ob_v3p0_achievementcredential_schema.json")
    loose = {**signed_badge, "proof": signed_badge["proof"][0]}
    assert not jsonschema.Draft201909Validator(schema).is_valid(loose)


def test_export_carries_the_achievement(signed_badge: dict[str, Any]) -> None:
    assert signed_badge["validFrom"] == "2026-11-23T09:30:00Z"
    assert signed_badge["id"] == "urn:uuid:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    issuer = signed_badge["issuer"]
    assert issuer["name"] == "University of the Highlands"
    assert issuer["address"]["addressCountryCode"] == "KE"
    assert issuer["id"] == did_key(ISSUER_KEY.public_key)
    subject = signed_badge["credentialSubject"]
    achievement = subject["achievement"]
    assert achievement["achievementType"] == "MicroCredential"
    assert achievement["name"] == "Soil health for smallholders"
    assert achievement["creditsAvailable"] == 1 and "ECTS" in achievement["description"]
    assert "2. Plan a cover crop rotation" in achievement["criteria"]["narrative"]
    assert achievement["alignment"][0]["targetCode"] == "4"
    score, *outcomes = subject["result"]
    assert score["value"] == "87"
    assert [result["resultDescription"].rsplit("#", 1)[1] for result in outcomes] == [
        "outcome-1",
        "outcome-3",
    ]
    described = {description["id"] for description in achievement["resultDescription"]}
    assert {result["resultDescription"] for result in subject["result"]} <= described
    proof = signed_badge["proof"][0]
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["verificationMethod"].startswith("did:key:z6Mk")
    assert proof["created"] == "2026-11-24T08:00:00Z"


def test_a_shipped_module_aligns_to_eqf_isced_f_and_esco() -> None:
    module = load_catalogue().modules["climate-smart-agriculture"]
    issued = credential(
        module_id=module.id,
        module_version=module.version,
        outcomes=(True,) * len(module.outcomes),
    )
    document = open_badge(
        issued, catalogue_entry(module), issuer_key=ISSUER_KEY, issuer_profile=PROFILE
    )
    schema = read_json(OB3 / "ob_v3p0_achievementcredential_schema.json")
    assert list(jsonschema.Draft201909Validator(schema).iter_errors(document)) == []
    assert verify_open_badge(document, ISSUER_KEY.public_key)
    targets = {
        (a["targetFramework"], a["targetCode"], a["targetName"], a["targetUrl"])
        for a in document["credentialSubject"]["achievement"]["alignment"]
    }
    assert ("European Qualifications Framework", "3") in {t[:2] for t in targets}
    assert (
        "ISCED-F 2013",
        "0811",
        "Crop and livestock production",
        "http://data.europa.eu/snb/isced-f/0811",
    ) in targets
    skills = {
        (a.framework, a.code, a.label, a.uri)
        for outcome in module.outcomes
        for a in outcome.alignments
    }
    assert skills and skills <= targets


ENGLISH_WORDING = (
    "awarded by",
    "hours of learning",
    "demonstrated these learning outcomes",
    "Assessed after",
    "Assessment score",
    "ECTS credits:",
)


@pytest.mark.parametrize("lang", ["sw", "fr"])
def test_a_badge_in_kiswahili_or_french_says_everything_in_that_language(lang: str) -> None:
    written = dataclasses.replace(
        entry(),
        title={"en": "Soil health", "sw": "Afya ya udongo", "fr": "Santé des sols"},
        outcomes=tuple({"en": "Read", "sw": "Soma", "fr": "Lire"} for _ in range(3)),
    )
    document = open_badge(
        credential(), written, issuer_key=ISSUER_KEY, issuer_profile=PROFILE, lang=lang
    )
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["inLanguage"] == lang
    text = json.dumps(document, ensure_ascii=False)
    assert [phrase for phrase in ENGLISH_WORDING if phrase in text] == []
    english = json.dumps(
        open_badge(credential(), written, issuer_key=ISSUER_KEY, issuer_profile=PROFILE),
        ensure_ascii=False,
    )
    assert all(phrase in english for phrase in ENGLISH_WORDING)


def test_learner_appears_only_as_a_salted_hash(signed_badge: dict[str, Any]) -> None:
    text = json.dumps(signed_badge)
    assert "Wanjiru" not in text and "L-4F2K9Q" not in text
    (identity,) = signed_badge["credentialSubject"]["identifier"]
    expected = hashlib.sha256(b"L-4F2K9Q" + identity["salt"].encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${expected}"
    assert identity["hashed"] is True


def test_fresh_salt_unlinks_two_exports() -> None:
    first, second = (
        open_badge(credential(), entry(), issuer_key=ISSUER_KEY, issuer_profile=PROFILE)
        for _ in range(2)
    )
    hashes = {
        badge_["credentialSubject"]["identifier"][0]["identityHash"] for badge_ in (first, second)
    }
    assert len(hashes) == 2


def test_did_subject_is_the_subject_id() -> None:
    exported = badge(subject="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
    subject = exported["credentialSubject"]
    assert subject["id"].startswith("did:key:") and "identifier" not in subject
    assert verify_open_badge(exported, ISSUER_KEY.public_key)


def test_expiry_becomes_valid_until() -> None:
    exported = badge(expires_at=datetime(2029, 11, 23, tzinfo=UTC))
    assert exported["validUntil"] == "2029-11-23T00:00:00Z"
    assert verify_open_badge(exported, ISSUER_KEY.public_key)


def test_export_refuses_the_wrong_catalogue_entry() -> None:
    with pytest.raises(ValueError, match="another module"):
        open_badge(
            credential(module_id="water-harvesting"),
            entry(),
            issuer_key=ISSUER_KEY,
            issuer_profile=PROFILE,
        )


def test_proof_verifies_after_a_json_round_trip(signed_badge: dict[str, Any]) -> None:
    assert verify_open_badge(signed_badge, ISSUER_KEY.public_key)
    reread = json.loads(json.dumps(signed_badge, indent=1, sort_keys=True))
    assert verify_open_badge(reread, ISSUER_KEY.public_key)


def test_another_key_does_not_verify(signed_badge: dict[str, Any]) -> None:
    other = SigningKey.from_seed(bytes(32))
    assert not verify_open_badge(signed_badge, other.public_key)
    # Re-signed by another key but still naming ours as the verification method.
    forged = add_proof(
        {k: v for k, v in signed_badge.items() if k != "proof"},
        other,
        verification_method=signed_badge["proof"][0]["verificationMethod"],
        created=SIGNED,
    )
    assert not verify_open_badge(forged, ISSUER_KEY.public_key)


def test_a_proof_made_for_another_purpose_does_not_make_a_badge(
    signed_badge: dict[str, Any],
) -> None:
    # VC Data Integrity: a verifier checks proofPurpose against the one it expects; the
    # issuer's key proving "authentication" (a log-in, say) asserts no achievement.
    unsecured = {k: v for k, v in signed_badge.items() if k != "proof"}
    options = {**signed_badge["proof"][0], "proofPurpose": "authentication"}
    del options["proofValue"]
    signature = ISSUER_KEY.sign(hash_data(unsecured, options, None))
    other_purpose = {**unsecured, "proof": [{**options, "proofValue": multibase(signature)}]}
    assert verify_proof(other_purpose, ISSUER_KEY.public_key)  # a sound proof...
    assert not verify_open_badge(other_purpose, ISSUER_KEY.public_key)  # ...of no badge


def leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for name, item in value.items():
            yield from leaves(item, (*path, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path


def tampered(document: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    parent: Any = changed
    for step in path[:-1]:
        parent = parent[step]
    value = parent[path[-1]]
    if isinstance(value, bool):
        parent[path[-1]] = not value
    elif isinstance(value, int | float):
        parent[path[-1]] = value + 1
    elif value.startswith(("http", "urn:", "did:")):
        parent[path[-1]] = value + "x"
    else:
        parent[path[-1]] = value + " (amended)"
    return changed


def test_changing_any_signed_value_breaks_the_proof(signed_badge: dict[str, Any]) -> None:
    content = {k: v for k, v in signed_badge.items() if k != "proof"}
    paths = [path for path in leaves(content) if path[0] != "@context"]
    assert len(paths) > 40
    for path in paths:
        assert not verify_open_badge(tampered(signed_badge, path), ISSUER_KEY.public_key), path


def test_changing_the_proof_breaks_it(signed_badge: dict[str, Any]) -> None:
    for name in ("created", "proofPurpose", "proofValue", "cryptosuite"):
        changed = copy.deepcopy(signed_badge)
        value = changed["proof"][0][name]
        changed["proof"][0][name] = value[:-1] + ("A" if value[-1] != "A" else "B")
        assert not verify_open_badge(changed, ISSUER_KEY.public_key), name
    assert not verify_open_badge({**signed_badge, "proof": []}, ISSUER_KEY.public_key)
    unsigned = {k: v for k, v in signed_badge.items() if k != "proof"}
    assert not verify_open_badge(unsigned, ISSUER_KEY.public_key)


def test_an_added_statement_breaks_the_proof(signed_badge: dict[str, Any]) -> None:
    changed = copy.deepcopy(signed_badge)
    changed["credentialSubject"]["creditsEarned"] = 30
    assert not verify_open_badge(changed, ISSUER_KEY.public_key)


def test_a_foreign_context_is_not_verified(signed_badge: dict[str, Any]) -> None:
    changed = copy.deepcopy(signed_badge)
    changed["@context"].append("https://attacker.example/context.jsonld")
    assert not verify_open_badge(changed, ISSUER_KEY.public_key)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(["@context", "credentialSubject", "issuer", "proof", "type", "id", "@id"]),
    value=JSON,
)
def test_hostile_documents_get_an_answer_not_an_exception(
    signed_badge: dict[str, Any], name: str, value: Any
) -> None:
    assert verify_open_badge({**signed_badge, name: value}, ISSUER_KEY.public_key) is False


@settings(max_examples=100, deadline=None)
@given(document=JSON, key=st.binary(max_size=40))
def test_arbitrary_json_gets_an_answer_not_an_exception(document: Any, key: bytes) -> None:
    candidate = document if isinstance(document, dict) else {"proof": document}
    assert verify_open_badge(candidate, key) is False


@pytest.mark.parametrize("control", ["\x00", "\x08", "\x0c", "\x1b", "\x7f"])
def test_text_without_a_portable_canonical_form_is_refused(control: str) -> None:
    changed = dataclasses.replace(entry(), title={"en": f"Soil{control}health"})
    with pytest.raises(ValueError, match="control characters"):
        open_badge(credential(), changed, issuer_key=ISSUER_KEY, issuer_profile=PROFILE)


def test_deeply_nested_documents_are_not_verified(signed_badge: dict[str, Any]) -> None:
    nested: Any = "x"
    for _ in range(5000):
        nested = {"a": nested}
    assert not verify_open_badge({**signed_badge, "evidence": nested}, ISSUER_KEY.public_key)


def test_sample_set_badge_validates_and_verifies_with_the_university_key(tmp_path: Path) -> None:
    sample = build_sample(
        SigningKey.from_seed(bytes([1]) * 32),
        SigningKey.from_seed(bytes([2]) * 32),
        issued_at=ISSUED,
        credential_id=bytes(range(16)),
    )
    write_sample(tmp_path, sample, signed_at=SIGNED)
    exported = read_json(tmp_path / "credential.ob3.json")
    schema = read_json(OB3 / "ob_v3p0_achievementcredential_schema.json")
    assert list(jsonschema.Draft201909Validator(schema).iter_errors(exported)) == []
    assert verify_open_badge(exported, load_public_key(tmp_path / "root.jwk"))
    assert not verify_open_badge(exported, load_public_key(tmp_path / "node.jwk"))


def test_oxigraph_canonicalizes_our_export_and_its_proof_configuration_alike(
    signed_badge: dict[str, Any],
) -> None:
    document = {k: v for k, v in signed_badge.items() if k != "proof"}
    options = {k: v for k, v in signed_badge["proof"][0].items() if k != "proofValue"}
    proof_config = {**options, "@context": document["@context"]}
    for item in (document, proof_config):
        assert canonicalize(item) == oxigraph_canon(item, shipped_contexts())


def test_oxigraph_agrees_on_text_with_newlines_tabs_quotes_and_non_latin_script() -> None:
    text = (
        'Mstari wa kwanza\n\t"udongo" \\ r\u00e9colte \u0939\u093f\u0902\u0926\u0940 \U0001f331\r'
    )
    exported = open_badge(
        credential(),
        dataclasses.replace(entry(), title={"en": text}),
        issuer_key=ISSUER_KEY,
        issuer_profile=PROFILE,
        salt="5f0c",
        signed_at=SIGNED,
    )
    document = {k: v for k, v in exported.items() if k != "proof"}
    assert canonicalize(document) == oxigraph_canon(document, shipped_contexts())
    assert verify_open_badge(exported, ISSUER_KEY.public_key)


SCHEMA_VALIDATOR = jsonschema.Draft201909Validator(
    read_json(OB3 / "ob_v3p0_achievementcredential_schema.json")
)


@settings(max_examples=30, deadline=None)
@given(
    score=st.integers(0, 100),
    outcomes=st.tuples(st.booleans(), st.booleans(), st.booleans()),
    subject=st.text(
        st.characters(min_codepoint=0x20, max_codepoint=0x2FFF), min_size=1, max_size=64
    ),
    route=st.sampled_from(["course", "prior_learning"]),
    ects=st.none() | st.sampled_from([0.5, 1.0, 2.5, 3.0]),
    level=st.none() | st.integers(1, 8),
)
def test_any_credential_exports_to_a_valid_verifying_badge(
    score: int,
    outcomes: tuple[bool, bool, bool],
    subject: str,
    route: str,
    ects: float | None,
    level: int | None,
) -> None:
    exported = open_badge(
        credential(score_percent=score, outcomes=outcomes, subject=subject, route=route),
        dataclasses.replace(entry(), credit_points_ects=ects, level_eqf=level),
        issuer_key=ISSUER_KEY,
        issuer_profile=PROFILE,
    )
    assert list(SCHEMA_VALIDATOR.iter_errors(exported)) == []
    assert verify_open_badge(json.loads(json.dumps(exported)), ISSUER_KEY.public_key)


def test_blank_node_cycles_are_refused_before_canonicalization(
    signed_badge: dict[str, Any],
) -> None:
    # Eight blank nodes all linked to each other: RDFC-1.0 would take minutes.
    clique = [
        {"id": f"_:b{i}", "https://example.org/p": [{"id": f"_:b{j}"} for j in range(8) if j != i]}
        for i in range(8)
    ]
    with pytest.raises(ValueError, match="blank node"):
        canonicalize({"@context": [VC_V2_CONTEXT], "@graph": clique})
    started = time.perf_counter()
    hostile = {**signed_badge, "evidence": clique}
    assert not verify_open_badge(hostile, ISSUER_KEY.public_key)
    assert time.perf_counter() - started < 5
