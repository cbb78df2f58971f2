"""Open Badges 3.0 export: the same achievement as a W3C Verifiable Credential.

A learner's wallet or a registrar's system that speaks Open Badges gets an
``AchievementCredential`` (VC Data Model 2.0 + OB 3.0.3 contexts) built from the
compact credential and its catalogue entry, secured with a Data Integrity proof
of the ``eddsa-rdfc-2022`` cryptosuite (W3C vc-di-eddsa): the Ed25519 suite that
1EdTech's OB 3.0 conformance tests exercise, verifiable without any JOSE stack.
The verification method is a ``did:key`` of the signing key, so the badge names
its own key and needs no DID resolution over the network.
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from credentials.catalogue import CatalogueEntry
from credentials.claims import MicroCredential
from credentials.errors import MalformedInput
from credentials.jsonld import OB_V3P0_CONTEXT, VC_V2_CONTEXT, canonicalize
from credentials.keys import SigningKey

CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_PURPOSE = "assertionMethod"
EQF_LEVELS_URL = "https://europa.eu/europass/en/description-eight-eqf-levels"
# A badge larger than this is not one of ours; refuse before canonicalizing.
MAX_BADGE_BYTES = 256 * 1024

# The badge's own sentences, in the language of its title (``inLanguage``); English otherwise.
_WORDING: dict[str, dict[str, str]] = {
    "description": {
        "en": "Micro-credential awarded by {body}: {title}. {facts}.",
        "sw": "Cheti kidogo kilichotolewa na {body}: {title}. {facts}.",
        "fr": "Micro-certification délivrée par {body} : {title}. {facts}.",
    },
    "eqf": {"en": "EQF level {level}", "sw": "kiwango cha EQF {level}", "fr": "niveau CEC {level}"},
    "hours": {
        "en": "{hours} hours of learning",
        "sw": "saa {hours} za kujifunza",
        "fr": "{hours} heures d'apprentissage",
    },
    "ects": {
        "en": "ECTS credits: {credits} (the unit of creditsAvailable)",
        "sw": "alama za ECTS: {credits} (kipimo cha creditsAvailable)",
        "fr": "crédits ECTS : {credits} (l'unité de creditsAvailable)",
    },
    "criteria": {
        "en": "The learner demonstrated these learning outcomes in an assessment:",
        "sw": "Mwanafunzi alionyesha matokeo haya ya kujifunza katika tathmini:",
        "fr": "L'apprenant a démontré ces acquis d'apprentissage lors d'une évaluation :",
    },
    "course": {
        "en": "Assessed after completing the course.",
        "sw": "Alitathminiwa baada ya kumaliza kozi.",
        "fr": "Évaluation à l'issue de la formation.",
    },
    "prior_learning": {
        "en": "Assessed through recognition of prior learning.",
        "sw": "Alitathminiwa kupitia utambuzi wa ujuzi wa awali.",
        "fr": "Évaluation par la reconnaissance des acquis de l'expérience.",
    },
    "score": {"en": "Assessment score", "sw": "Alama ya tathmini", "fr": "Note de l'évaluation"},
}

_ED25519_PUB_MULTICODEC = b"\xed\x01"
_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@dataclass(frozen=True)
class IssuerProfile:
    """The web identity of the awarding body named in the catalogue entry.

    ``url`` is its home page; achievements get IRIs under it. ``id`` is the
    issuer IRI; left empty, the ``did:key`` of the signing key is used, which
    ties the issuer to the proof's key without any lookup.
    """

    url: str
    id: str | None = None
    email: str | None = None


def did_key(public_key: bytes) -> str:
    """The ``did:key`` of a raw Ed25519 public key (multicodec ed25519-pub, base58btc)."""
    if len(public_key) != 32:
        raise MalformedInput("The public key must be exactly 32 bytes long")
    return "did:key:" + _multibase_base58btc(_ED25519_PUB_MULTICODEC + public_key)


def open_badge(
    credential: MicroCredential,
    entry: CatalogueEntry,
    *,
    issuer_key: SigningKey,
    issuer_profile: IssuerProfile,
    lang: str = "en",
    salt: str | None = None,
    signed_at: datetime | None = None,
) -> dict[str, Any]:
    """A signed Open Badges 3.0 AchievementCredential for ``credential``.

    The learner appears only as a salted SHA-256 of the pseudonymous subject id
    (an OB ``IdentityObject``; a ``did:`` subject is used as the subject ``id``
    instead); the holder's name is left out. ``salt`` defaults to a fresh
    random one; ``signed_at`` (the proof's ``created``) to now.
    """
    if (credential.module_id, credential.module_version) != (entry.module_id, entry.version):
        raise MalformedInput("the catalogue entry is for another module or version")
    if len(credential.outcomes) != len(entry.outcomes):
        raise MalformedInput("the credential and its catalogue entry differ in outcome count")
    lang = _language(entry.title, lang)
    issuer_id = issuer_profile.id or did_key(issuer_key.public_key)
    achievement_id = (
        f"{issuer_profile.url.rstrip('/')}/achievements/{entry.module_id}/{entry.version}"
    )
    document: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT, OB_V3P0_CONTEXT],
        "id": _credential_iri(credential.credential_id),
        "type": ["VerifiableCredential", "AchievementCredential"],
        "name": _localized(entry.title, lang),
        "issuer": _issuer(entry, issuer_profile, issuer_id),
        "validFrom": _timestamp(credential.issued_at),
        "awardedDate": _timestamp(credential.issued_at),
        "credentialSubject": _subject(credential, entry, achievement_id, lang, salt),
    }
    if credential.expires_at is not None:
        document["validUntil"] = _timestamp(credential.expires_at)
    verification_method = _verification_method(issuer_key.public_key)
    return add_proof(
        document,
        issuer_key,
        verification_method=verification_method,
        created=signed_at or datetime.now(UTC),
    )


def verify_open_badge(doc: Mapping[str, Any], public_key: bytes) -> bool:
    """Whether ``doc`` carries an eddsa-rdfc-2022 proof by ``public_key`` over its content.

    The proof must name the ``did:key`` of ``public_key`` as its verification
    method and ``assertionMethod`` as its purpose (a proof the key made for another
    purpose asserts nothing). Never raises on a malformed document: it is simply not
    verified.
    """
    try:
        expected = {"verificationMethod": _verification_method(public_key)}
    except MalformedInput:
        return False
    expected["proofPurpose"] = PROOF_PURPOSE
    proofs = doc.get("proof")
    if not isinstance(proofs, list) or not proofs:
        return False
    if not all(
        isinstance(proof, Mapping) and all(proof.get(k) == v for k, v in expected.items())
        for proof in proofs
    ):
        return False
    return verify_proof(doc, public_key)


def add_proof(
    document: Mapping[str, Any],
    key: SigningKey,
    *,
    verification_method: str,
    created: datetime,
    contexts: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``document`` with an ``eddsa-rdfc-2022`` DataIntegrityProof appended to its ``proof`` set.

    ``contexts`` maps context URLs to documents for canonicalization (default:
    the shipped copies; nothing is ever fetched).
    """
    unsecured = {name: value for name, value in document.items() if name != "proof"}
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": _timestamp(created),
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    signature = key.sign(_hash_data(unsecured, options, contexts))
    secured = copy.deepcopy(dict(document))
    existing = secured.get("proof", [])
    secured["proof"] = [*existing] if isinstance(existing, list) else [existing]
    secured["proof"].append({**options, "proofValue": _multibase_base58btc(signature)})
    return secured


def verify_proof(
    document: Mapping[str, Any],
    public_key: bytes,
    *,
    contexts: Mapping[str, Any] | None = None,
) -> bool:
    """Whether every proof in ``document`` is a valid ``eddsa-rdfc-2022`` proof by ``public_key``.

    Follows the vc-di-eddsa verification algorithm (each proof of a set covers
    the document without its ``proof`` property). Never raises on bad input.
    """
    try:
        if len(json.dumps(document, ensure_ascii=False).encode()) > MAX_BADGE_BYTES:
            return False
        verify_key = VerifyKey(public_key)
        proofs = document.get("proof")
        if isinstance(proofs, Mapping):
            proofs = [proofs]
        if not isinstance(proofs, list) or not proofs:
            return False
        unsecured = {name: value for name, value in document.items() if name != "proof"}
        for proof in proofs:
            if not isinstance(proof, Mapping):
                return False
            options = {name: value for name, value in proof.items() if name != "proofValue"}
            if options.get("type") != "DataIntegrityProof":
                return False
            if options.get("cryptosuite") != CRYPTOSUITE:
                return False
            if "@context" in options and not _starts_with(
                unsecured.get("@context"), options["@context"]
            ):
                return False
            proof_value = proof.get("proofValue")
            if not isinstance(proof_value, str):
                return False
            signature = _from_multibase_base58btc(proof_value)
            if len(signature) != 64:
                return False
            verify_key.verify(_hash_data(unsecured, options, contexts), signature)
    except (BadSignatureError, MalformedInput, TypeError, ValueError, RecursionError):
        return False
    return True


def _hash_data(
    unsecured: Mapping[str, Any],
    options: Mapping[str, Any],
    contexts: Mapping[str, Any] | None,
) -> bytes:
    """vc-di-eddsa "hashing": SHA-256 of the canonical proof configuration, then of the document."""
    proof_config = {**options, "@context": unsecured.get("@context")}
    proof_hash = hashlib.sha256(canonicalize(proof_config, contexts=contexts).encode()).digest()
    document_hash = hashlib.sha256(canonicalize(unsecured, contexts=contexts).encode()).digest()
    return proof_hash + document_hash


def _starts_with(document_context: object, proof_context: object) -> bool:
    documents = document_context if isinstance(document_context, list) else [document_context]
    proofs = proof_context if isinstance(proof_context, list) else [proof_context]
    return documents[: len(proofs)] == proofs


def _issuer(entry: CatalogueEntry, profile: IssuerProfile, issuer_id: str) -> dict[str, Any]:
    issuer: dict[str, Any] = {
        "id": issuer_id,
        "type": ["Profile"],
        "name": entry.awarding_body,
        "url": profile.url,
    }
    if profile.email:
        issuer["email"] = profile.email
    if entry.country:
        issuer["address"] = {"type": ["Address"], "addressCountryCode": entry.country}
    return issuer


def _subject(
    credential: MicroCredential,
    entry: CatalogueEntry,
    achievement_id: str,
    lang: str,
    salt: str | None,
) -> dict[str, Any]:
    subject: dict[str, Any] = {"type": ["AchievementSubject"]}
    if credential.subject.startswith("did:"):
        subject["id"] = credential.subject
    else:
        salt = salt if salt is not None else secrets.token_hex(16)
        digest = hashlib.sha256((credential.subject + salt).encode()).hexdigest()
        subject["identifier"] = [
            {
                "type": "IdentityObject",
                "hashed": True,
                "identityHash": f"sha256${digest}",
                "identityType": "systemId",
                "salt": salt,
            }
        ]
    subject["achievement"] = _achievement(entry, achievement_id, lang)
    subject["narrative"] = _words(credential.route, lang)
    results: list[dict[str, Any]] = [
        {
            "type": ["Result"],
            "resultDescription": f"{achievement_id}#score",
            "value": str(credential.score_percent),
        }
    ]
    results += [
        {
            "type": ["Result"],
            "resultDescription": f"{achievement_id}#outcome-{number}",
            "status": "Completed",
        }
        for number, achieved in enumerate(credential.outcomes, start=1)
        if achieved
    ]
    subject["result"] = results
    return subject


def _achievement(entry: CatalogueEntry, achievement_id: str, lang: str) -> dict[str, Any]:
    title = _localized(entry.title, lang)
    outcomes = [_localized(outcome, lang) for outcome in entry.outcomes]
    facts = [_words("hours", lang, hours=_json_number(entry.workload_hours))]
    achievement: dict[str, Any] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": title,
        "criteria": {
            "narrative": _words("criteria", lang)
            + "\n\n"
            + "\n".join(f"{number}. {text}" for number, text in enumerate(outcomes, start=1))
        },
    }
    # OB 3.0 requires a targetUrl: an alignment the catalogue gives no URI for stays out.
    alignments = [
        _alignment(a.label, a.framework, a.code, a.uri) for a in entry.alignments if a.uri
    ]
    if entry.level_eqf is not None:
        facts.insert(0, _words("eqf", lang, level=entry.level_eqf))
        eqf = _alignment(
            f"EQF level {entry.level_eqf}",
            "European Qualifications Framework",
            str(entry.level_eqf),
            EQF_LEVELS_URL,
        )
        alignments.insert(0, eqf)
    if alignments:
        achievement["alignment"] = alignments
    if entry.credit_points_ects is not None:
        credits = _json_number(entry.credit_points_ects)
        facts.append(_words("ects", lang, credits=credits))
        achievement["creditsAvailable"] = credits
    achievement["description"] = _words(
        "description", lang, body=entry.awarding_body, title=title, facts=", ".join(facts)
    )
    achievement.update(
        {
            "humanCode": entry.module_id,
            "version": entry.version,
            "inLanguage": lang,
            "resultDescription": [
                {
                    "id": f"{achievement_id}#score",
                    "type": ["ResultDescription"],
                    "name": _words("score", lang),
                    "resultType": "Percent",
                    "valueMin": "0",
                    "valueMax": "100",
                },
                *(
                    {
                        "id": f"{achievement_id}#outcome-{number}",
                        "type": ["ResultDescription"],
                        "name": text,
                        "resultType": "Status",
                    }
                    for number, text in enumerate(outcomes, start=1)
                ),
            ],
        }
    )
    return achievement


def _alignment(name: str, framework: str, code: str, url: str) -> dict[str, Any]:
    return {
        "type": ["Alignment"],
        "targetName": name,
        "targetFramework": framework,
        "targetCode": code,
        "targetUrl": url,
    }


def _words(name: str, lang: str, **values: object) -> str:
    wording = _WORDING[name]
    return wording.get(lang, wording["en"]).format(**values)


def _localized(texts: Mapping[str, str], lang: str) -> str:
    return texts[_language(texts, lang)]


def _language(texts: Mapping[str, str], lang: str) -> str:
    """``lang`` if the texts have it, else English, else the first language given."""
    for candidate in (lang, "en"):
        if candidate in texts:
            return candidate
    return next(iter(texts))


def _json_number(value: float) -> int | float:
    # A whole number must be written without a fraction: JavaScript reads 2.0 as 2,
    # and a JSON-LD processor turns 2 and 2.0 into different RDF literals.
    return int(value) if float(value).is_integer() else float(value)


def _credential_iri(credential_id: bytes) -> str:
    if len(credential_id) == 16:
        return f"urn:uuid:{uuid.UUID(bytes=credential_id)}"
    return f"urn:fieldcred:credential:{credential_id.hex()}"


def _verification_method(public_key: bytes) -> str:
    identifier = did_key(public_key)
    return f"{identifier}#{identifier.removeprefix('did:key:')}"


def _timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise MalformedInput("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _multibase_base58btc(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    encoded = ""
    while number:
        number, digit = divmod(number, 58)
        encoded = _BASE58_ALPHABET[digit] + encoded
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "z" + "1" * leading_zeros + encoded


def _from_multibase_base58btc(text: str) -> bytes:
    if not text.startswith("z") or len(text) > 200:
        raise MalformedInput("not a base58btc multibase value")
    number = 0
    for character in text[1:]:
        digit = _BASE58_ALPHABET.find(character)
        if digit < 0:
            raise MalformedInput("not a base58btc multibase value")
        number = number * 58 + digit
    body = text[1:]
    leading_zeros = len(body) - len(body.lstrip("1"))
    return b"\0" * leading_zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")
