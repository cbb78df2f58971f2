"""Write ``vectors.json``: the shared vectors of the browser verifier and
``credentials.verification`` (fixed seeds and times, so the file is byte-stable).

    PYTHONPATH=. python tests/vectors/verifier/make_vectors.py

Credentials are QR text judged against a named trust list at a time ``now``; a flip is
the reference credential's COSE with one bit flipped. Trust list cases are signed lists
read with the pinned root. Each records the reason (or the exception) Python gives.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cbor2

from credentials.cbor import dumps_canonical, loads_deterministic
from credentials.certificates import NodeCertificate, issue_node_certificate
from credentials.claims import claims_map
from credentials.cose import sign1
from credentials.errors import CredentialError
from credentials.issuance import issue
from credentials.keys import SigningKey
from credentials.qr import to_qr_text
from credentials.sample import SAMPLE_ENTRY, sample_credential
from credentials.status import StatusList
from credentials.trust import TYP_TRUST_LIST, TrustList, read_trust_list, trust_list_payload
from credentials.verification import verify

HERE = Path(__file__).parent
T0 = datetime(2027, 3, 12, 9, 0, tzinfo=UTC)
NOW = int((T0 + timedelta(days=5)).timestamp())
MODULE = SAMPLE_ENTRY.module_id


def key(seed: int) -> SigningKey:
    return SigningKey.from_seed(bytes([seed]) * 32)


ROOT, WRONG_ROOT = key(101), key(102)
NODES = {  # node id: (key, modules, not_before, not_after)
    "ke-ksm-01": (key(1), (MODULE,), T0 - timedelta(days=30), T0 + timedelta(days=1095)),
    "ke-old-02": (key(2), (MODULE,), T0 - timedelta(days=400), T0 - timedelta(days=35)),
    "ke-new-03": (key(3), (MODULE,), T0 + timedelta(days=10), T0 + timedelta(days=400)),
    "ke-other-04": (
        key(4),
        ("water-harvesting",),
        T0 - timedelta(days=30),
        T0 + timedelta(days=365),
    ),
    "ke-struck-05": (key(5), (MODULE,), T0 - timedelta(days=30), T0 + timedelta(days=365)),
    "ke-all-06": (key(6), ("*",), T0 - timedelta(days=30), T0 + timedelta(days=365)),
}
STRANGER = key(7)
REVOKED_SLOT = 77


def certificate(node_id: str, signer: SigningKey = ROOT) -> bytes:
    node_key, modules, start, end = NODES[node_id]
    cert = NodeCertificate(node_id, f"Centre {node_id}", node_key.public_key, modules, start, end)
    return issue_node_certificate(signer, cert)


def main_trust() -> TrustList:
    status = StatusList()
    status.set(REVOKED_SLOT)
    return TrustList(
        version=3,
        issued_at=T0,
        roots=(ROOT.public_key,),
        node_certificates=tuple(certificate(node) for node in NODES),
        catalogue=(SAMPLE_ENTRY,),
        revoked_nodes={"ke-struck-05": T0 - timedelta(days=1)},
        status_lists={"ke-ksm-01": status},
    )


def signed_list(payload: dict[int, Any], signer: SigningKey = ROOT) -> bytes:
    return sign1(signer, dumps_canonical(payload), typ=TYP_TRUST_LIST)


def list_payload(trust: TrustList) -> dict[int, Any]:
    payload: dict[int, Any] = cbor2.loads(trust_list_payload(trust))
    return payload


def credential(node: str = "ke-ksm-01", **changes: Any) -> Any:
    return replace(sample_credential(T0, b"\x42" * 16), issuer=node, **changes)


def qr(node_key: SigningKey, cred: Any) -> str:
    return to_qr_text(issue(node_key, cred))


def envelope(
    payload: bytes,
    *,
    protected: bytes | None = None,
    signer: SigningKey | None = None,
    unprotected: Any = None,
    signature: bytes | None = None,
) -> bytes:
    """A COSE_Sign1 built by hand, signed by ``signer`` (ke-ksm-01 by default) over the
    protected header given."""
    signer = signer or NODES["ke-ksm-01"][0]
    protected = protected if protected is not None else dumps_canonical({1: -8, 4: signer.kid})
    if signature is None:
        signature = signer.sign(cbor2.dumps(["Signature1", protected, b"", payload]))
    parts = [protected, {} if unprotected is None else unprotected, payload, signature]
    return cbor2.dumps(cbor2.CBORTag(18, parts))


def claims_with(change: Callable[[dict[Any, Any]], None]) -> bytes:
    """The reference claims changed, in deterministic encoding (so that the case is
    judged on the change, not on the key order)."""
    claims = claims_map(credential())
    change(claims)
    return dumps_canonical(claims)


def raw_claims(data: bytes) -> str:
    return to_qr_text(envelope(data))


def micro(name: str, value: Any) -> Callable[[dict[Any, Any]], None]:
    def change(claims: dict[Any, Any]) -> None:
        claims[-65537][
            {
                "module": 1,
                "version": 2,
                "outcomes": 3,
                "score": 4,
                "route": 5,
                "holder": 6,
                "status": 7,
                "evidence": 8,
                "pathway": 9,
            }[name]
        ] = value

    return change


def claim(label: int, value: Any) -> Callable[[dict[Any, Any]], None]:
    def change(claims: dict[Any, Any]) -> None:
        claims[label] = value

    return change


def without(label: int) -> Callable[[dict[Any, Any]], None]:
    return lambda claims: claims.pop(label)


def nested(depth: int) -> bytes:
    return b"\x81" * depth + b"\x00"


def credential_cases() -> dict[str, str]:
    k1 = NODES["ke-ksm-01"][0]
    kid = k1.kid
    reference = qr(k1, credential())
    header = lambda h: dumps_canonical(h)  # noqa: E731
    payload = cbor2.dumps(claims_map(credential()))
    cases = {
        "reference": reference,
        "reference with spaces around": "\u3000\n " + reference + "\x1c\x85",
        "reference with a byte-order mark": "\ufeff" + reference,
        "lower case": reference.lower(),
        "no prefix": reference[4:],
        "truncated by one": reference[:-1],
        "truncated by two": reference[:-2],
        "base45 triple too large": "FC1:GGW",
        "base45 pair too large": "FC1:GGWGG",
        "empty": "",
        "prefix only": "FC1:",
        "revoked": qr(k1, credential(status_index=REVOKED_SLOT)),
        "slot beyond the status list": qr(k1, credential(status_index=2**24 - 1)),
        "expired credential": qr(k1, credential(expires_at=T0 + timedelta(days=1))),
        "credential valid until later": qr(k1, credential(expires_at=T0 + timedelta(days=9))),
        "node certificate expired": qr(NODES["ke-old-02"][0], credential("ke-old-02")),
        "node certificate not yet valid": qr(NODES["ke-new-03"][0], credential("ke-new-03")),
        "node certificate out of scope": qr(NODES["ke-other-04"][0], credential("ke-other-04")),
        "centre struck off": qr(NODES["ke-struck-05"][0], credential("ke-struck-05")),
        "centre struck off later": qr(
            NODES["ke-struck-05"][0],
            credential("ke-struck-05", issued_at=T0 - timedelta(days=2)),
        ),
        "certified for every module": qr(NODES["ke-all-06"][0], credential("ke-all-06")),
        "unknown issuer": qr(STRANGER, credential("ke-ksm-01")),
        "known key, another centre's name": qr(k1, credential("ke-all-06")),
        "unknown module": qr(k1, credential(module_id="bee-keeping")),
        "unknown module, a centre certified for all": qr(
            NODES["ke-all-06"][0], credential("ke-all-06", module_id="bee-keeping")
        ),
        "unknown module version": qr(k1, credential(module_version="2.0.0")),
        "outcome count differs": qr(k1, credential(outcomes=(True, False))),
        "pathway credential": qr(k1, credential(pathway=True)),
        "evidence hash": qr(k1, credential(evidence_hash=b"\x01" * 32)),
        "holder name of 100 characters with emoji": qr(k1, credential(holder_name="😀" * 100)),
        # The envelope.
        "not tagged": to_qr_text(cbor2.dumps([header({1: -8, 4: kid}), {}, payload, b"s" * 64])),
        "wrong tag 17": to_qr_text(
            cbor2.dumps(cbor2.CBORTag(17, [header({1: -8, 4: kid}), {}, payload, b"s" * 64]))
        ),
        "tag 1 around the tag": to_qr_text(b"\xc1" + envelope(payload)),
        "self-described": to_qr_text(b"\xd9\xd9\xf7" + envelope(payload)),
        "tag 18 twice": to_qr_text(b"\xd2" + envelope(payload)),
        "three parts": to_qr_text(
            cbor2.dumps(cbor2.CBORTag(18, [header({1: -8, 4: kid}), {}, payload]))
        ),
        "indefinite array": to_qr_text(
            b"\xd2\x9f"
            + cbor2.dumps([header({1: -8, 4: kid}), {}, payload, b"s" * 64])[1:]
            + b"\xff"
        ),
        "trailing byte": to_qr_text(envelope(payload) + b"\x00"),
        "unprotected header not empty": to_qr_text(envelope(payload, unprotected={4: kid})),
        "unprotected header an array": to_qr_text(envelope(payload, unprotected=[])),
        "signature of 63 bytes": to_qr_text(envelope(payload, signature=b"s" * 63)),
        "signature as text": to_qr_text(envelope(payload, signature="s" * 64)),
        "payload as text": to_qr_text(
            cbor2.dumps(cbor2.CBORTag(18, [header({1: -8, 4: kid}), {}, "text", b"s" * 64]))
        ),
        "alg ES256": to_qr_text(envelope(payload, protected=header({1: -7, 4: kid}))),
        "alg Ed25519 (-19)": to_qr_text(envelope(payload, protected=header({1: -19, 4: kid}))),
        "alg ES256 and a short kid": to_qr_text(
            envelope(payload, protected=header({1: -7, 4: b"k"}))
        ),
        "alg as text": to_qr_text(envelope(payload, protected=header({1: "EdDSA", 4: kid}))),
        "alg true": to_qr_text(envelope(payload, protected=cbor2.dumps({1: True, 4: kid}))),
        "alg missing": to_qr_text(envelope(payload, protected=header({4: kid}))),
        "alg under key 1.0": to_qr_text(
            envelope(payload, protected=b"\xa2\xf9\x3c\x00\x27\x04\x48" + kid)
        ),
        "alg under key true": to_qr_text(
            envelope(payload, protected=b"\xa2\xf5\x27\x04\x48" + kid)
        ),
        "alg twice": to_qr_text(envelope(payload, protected=b"\xa3\x01\x27\x01\x27\x04\x48" + kid)),
        "alg and 1.0 both": to_qr_text(
            envelope(payload, protected=b"\xa3\x01\x27\xf9\x3c\x00\x27\x04\x48" + kid)
        ),
        "header with a content type": to_qr_text(
            envelope(payload, protected=header({1: -8, 3: 0, 4: kid}))
        ),
        "header with a typ": to_qr_text(
            envelope(payload, protected=header({1: -8, 4: kid, 16: "application/cwt"}))
        ),
        "header with a null typ": to_qr_text(
            envelope(payload, protected=header({1: -8, 4: kid, 16: None}))
        ),
        "header with a numeric typ": to_qr_text(
            envelope(payload, protected=header({1: -8, 4: kid, 16: 61}))
        ),
        "header nested a level": to_qr_text(
            envelope(payload, protected=header({1: -8, 4: kid, 16: ["x"]}))
        ),
        "header indefinite map": to_qr_text(
            envelope(payload, protected=b"\xbf\x01\x27\x04\x48" + kid + b"\xff")
        ),
        "header of 257 bytes": to_qr_text(
            envelope(payload, protected=header({1: -8, 4: kid, 16: "t" * 240}))
        ),
        "kid of 9 bytes": to_qr_text(envelope(payload, protected=header({1: -8, 4: kid + b"x"}))),
        "header has trailing bytes": to_qr_text(
            envelope(payload, protected=header({1: -8, 4: kid}) + b"\x00")
        ),
        "header empty": to_qr_text(envelope(payload, protected=b"")),
        "deep nesting": to_qr_text(nested(200)),
        "nesting four deep in the envelope": to_qr_text(
            cbor2.dumps(cbor2.CBORTag(18, [[[b""]], {}, payload, b"s" * 64]))
        ),
        "byte string of 2**32 declared": to_qr_text(
            b"\xd2\x84\x5b\x00\x00\x00\x01\x00\x00\x00\x00"
        ),
        "array of 2**63 declared": to_qr_text(b"\xd2\x9b\x80\x00\x00\x00\x00\x00\x00\x00"),
        "reserved additional information": to_qr_text(b"\xd2\x84\x5c"),
        "break where an item belongs": to_qr_text(b"\xd2\x84\xff"),
        "simple value 24 with a small number": to_qr_text(b"\xd2\x84\xf8\x10"),
        "credential over 4096 bytes": to_qr_text(envelope(b"\x00" * 4100)),
        # The claims, signed by a certified centre.
        "claims deeply nested": raw_claims(nested(60)),
        "claims indefinite map": raw_claims(b"\xbf" + payload[1:] + b"\xff"),
        "claims duplicate iss": raw_claims(b"\xa6\x01\x61x" + payload[1:]),
        "claims iss under key true": raw_claims(claims_with(lambda c: c.update({True: c.pop(1)}))),
        "claims iss under key 1.0": raw_claims(claims_with(lambda c: c.update({1.0: c.pop(1)}))),
        "claims iss as 1 and 1.0": raw_claims(b"\xa6\xf9\x3c\x00\x69ke-ksm-01" + payload[1:]),
        "claims iat as a date tag": raw_claims(
            claims_with(claim(6, cbor2.CBORTag(1, int(T0.timestamp()))))
        ),
        "claims iat as a float": raw_claims(claims_with(claim(6, T0.timestamp()))),
        "claims iat negative": raw_claims(claims_with(claim(6, -1))),
        "claims iat past 2**37": raw_claims(claims_with(claim(6, 2**37))),
        "claims iat missing": raw_claims(claims_with(without(6))),
        "claims exp null": raw_claims(claims_with(claim(4, None))),
        "claims exp undefined": raw_claims(claims_with(claim(4, cbor2.undefined))),
        "claims exp before iat": raw_claims(claims_with(claim(4, int(T0.timestamp()) - 1))),
        "claims unknown claim 3": raw_claims(claims_with(claim(3, "aud"))),
        "claims cti of 7 bytes": raw_claims(claims_with(claim(7, b"c" * 7))),
        "claims cti as text": raw_claims(claims_with(claim(7, "c" * 16))),
        "claims issuer of 65 characters": raw_claims(claims_with(claim(1, "k" * 65))),
        "claims subject empty": raw_claims(claims_with(claim(2, ""))),
        "claims holder name of 101 characters": raw_claims(claims_with(micro("holder", "n" * 101))),
        "claims version of four parts": raw_claims(claims_with(micro("version", [1, 0, 0, 0]))),
        "claims version part a million": raw_claims(claims_with(micro("version", [1, 0, 10**6]))),
        "claims version part true": raw_claims(claims_with(micro("version", [1, 0, True]))),
        "claims version part negative": raw_claims(claims_with(micro("version", [1, -1, 0]))),
        "claims outcome bitmap 1": raw_claims(claims_with(micro("outcomes", 1))),
        "claims outcome bitmap 2**65": raw_claims(claims_with(micro("outcomes", 2**65))),
        "claims score 101": raw_claims(claims_with(micro("score", 101))),
        "claims score true": raw_claims(claims_with(micro("score", True))),
        "claims score 85.0": raw_claims(claims_with(micro("score", 85.0))),
        "claims status index 2**24": raw_claims(claims_with(micro("status", 2**24))),
        "claims route 2": raw_claims(claims_with(micro("route", 2))),
        "claims route false": raw_claims(claims_with(micro("route", False))),
        "claims pathway null": raw_claims(claims_with(micro("pathway", None))),
        "claims pathway 1": raw_claims(claims_with(micro("pathway", 1))),
        "claims evidence null": raw_claims(claims_with(micro("evidence", None))),
        "claims evidence of 15 bytes": raw_claims(claims_with(micro("evidence", b"e" * 15))),
        "claims micro key 10": raw_claims(claims_with(lambda c: c[-65537].update({10: 1}))),
        "claims micro key 3.0": raw_claims(
            claims_with(lambda c: c[-65537].update({3.0: c[-65537].pop(3)}))
        ),
        "claims micro as an array": raw_claims(claims_with(claim(-65537, [1, 2]))),
        "claims as an array": raw_claims(cbor2.dumps([1, 2, 3])),
        "claims trailing byte": raw_claims(payload + b"\x00"),
        "claims over 1024 bytes": raw_claims(claims_with(claim(3, "a" * 1100))),
        "claims with simple value 32": raw_claims(claims_with(claim(3, cbor2.CBORSimpleValue(32)))),
        "claims key simple 1 and 1": raw_claims(b"\xa6\xe1\x61x" + payload[1:]),
        "claims text of invalid UTF-8": raw_claims(b"\xa6\x03\x62\xc3\x28" + payload[1:]),
        "claims text of a surrogate": raw_claims(b"\xa6\x03\x63\xed\xa0\x80" + payload[1:]),
        "claims half-float key": raw_claims(b"\xa6\xf9\x3e\x00\x01" + payload[1:]),
        "claims NaN keys twice": raw_claims(b"\xa7\xf9\x7e\x00\x01\xf9\x7e\x00\x02" + payload[1:]),
        "claims text of 2**32 declared": raw_claims(b"\xa1\x01\x7a\xff\xff\xff\xff"),
        "claims map of 2**32 entries declared": raw_claims(b"\xba\xff\xff\xff\xff"),
        "claims array key": raw_claims(b"\xa6\x81\x01\x01" + payload[1:]),
        "claims map key": raw_claims(b"\xa6\xa1\x01\x01\x01" + payload[1:]),
        **not_deterministic_credentials(),
    }
    return cases


def swap(data: bytes, old: bytes, new: bytes) -> bytes:
    """``data`` with the one occurrence of ``old`` replaced by ``new``."""
    assert data.count(old) == 1, old
    return data.replace(old, new)


def not_deterministic_credentials() -> dict[str, str]:
    """Credentials in another encoding than the one deterministic form (RFC 8949 §4.2.1 as
    cbor2 writes it), or with a claim written out with the value its absence means."""
    k1 = NODES["ke-ksm-01"][0]
    kid = k1.kid
    cose = issue(k1, credential())
    payload = dumps_canonical(claims_map(credential()))
    protected = dumps_canonical({1: -8, 4: kid})
    late_exp = claims_map(credential(expires_at=T0 + timedelta(days=9)))  # exp inserted last
    reversed_micro = claims_map(credential())
    reversed_micro[-65537] = dict(reversed(reversed_micro[-65537].items()))
    score = struct.pack(">d", 85.0)
    return {
        "tag 18 in two bytes": to_qr_text(b"\xd8\x12" + cose[1:]),
        "protected header length in two bytes": to_qr_text(
            swap(cose, b"\x84\x4d", b"\x84\x58\x0d")
        ),
        "unprotected header in two bytes": to_qr_text(swap(cose, b"\xa0", b"\xb8\x00")),
        "signature length in three bytes": to_qr_text(cose[:-66] + b"\x59\x00\x40" + cose[-64:]),
        "alg -8 in two bytes": to_qr_text(
            envelope(payload, protected=b"\xa2\x01\x38\x07\x04\x48" + kid)
        ),
        "header kid before alg": to_qr_text(
            envelope(payload, protected=b"\xa2\x04\x48" + kid + b"\x01\x27")
        ),
        "header typ first": to_qr_text(
            envelope(payload, protected=swap(protected, b"\xa2", b"\xa3\x10\x63cwt"))
        ),
        "claims exp after the micro-credential": raw_claims(cbor2.dumps(late_exp)),
        "claims micro-credential keys reversed": raw_claims(cbor2.dumps(reversed_micro)),
        "claims iat in nine bytes": raw_claims(swap(payload, b"\x06\x1a", b"\x06\x1b\0\0\0\0")),
        "claims iss length in two bytes": raw_claims(swap(payload, b"\x01\x69", b"\x01\x78\x09")),
        "claims route in two bytes": raw_claims(
            swap(payload, b"\x05\x00\x06", b"\x05\x18\x00\x06")
        ),
        "claims status index in five bytes": raw_claims(
            swap(payload, b"\x07\x19\x04\xd2", b"\x07\x1a\0\0\x04\xd2")
        ),
        "claims score 85.0 in eight bytes": raw_claims(
            swap(payload, b"\x04\x18\x55", b"\x04\xfb" + score)
        ),
        "claims exp undefined after the micro-credential": raw_claims(
            cbor2.dumps({**claims_map(credential()), 4: cbor2.undefined})
        ),
        "claims iss under key true, out of order": raw_claims(
            cbor2.dumps(
                {**{k: v for k, v in claims_map(credential()).items() if k != 1}, True: "ke-ksm-01"}
            )
        ),
        "claims pathway false": raw_claims(claims_with(micro("pathway", False))),
        "claims pathway false under key 9.0": raw_claims(
            claims_with(lambda c: c[-65537].update({9.0: False}))
        ),
        "claims pathway 0": raw_claims(claims_with(micro("pathway", 0))),
        "claims exp null under key 4.0": raw_claims(claims_with(claim(4.0, None))),  # type: ignore[arg-type]
        "claims evidence null, exp too": raw_claims(
            claims_with(lambda c: (c.update({4: None}), c[-65537].update({8: None})))
        ),
        "claims exp undefined, canonical": raw_claims(claims_with(claim(4, cbor2.undefined))),
    }


def trust_list_cases() -> dict[str, tuple[bytes, bytes]]:
    """Each list with the root a verifier pins."""
    cases = {name: (data, ROOT.public_key) for name, data in signed_lists().items()}
    cases["trust list read with another root pinned"] = (
        cases["trust list"][0],
        WRONG_ROOT.public_key,
    )
    return cases


def signed_lists() -> dict[str, bytes]:
    trust = main_trust()
    payload = list_payload(trust)
    good = signed_list(payload)
    bad_cert = issue_node_certificate(
        WRONG_ROOT,
        NodeCertificate("ke-x", "X", STRANGER.public_key, ("*",), T0, T0 + timedelta(days=9)),
    )

    flipped = bytearray(good)
    flipped[-1] ^= 1
    raw = dumps_canonical(payload)  # a map of 7: 0xa7, then key 1
    x_key = key(8)

    def odd_certificate(body: bytes) -> bytes:
        """A certificate for key 8 whose payload is ``body``, signed by the root."""
        return sign1(ROOT, body, typ="application/vnd.fieldcred.node-cert+cose")

    cert_fields = {
        1: "ke-odd-08",
        2: "Odd",
        3: x_key.public_key,
        4: ["*"],
        5: int(T0.timestamp()),
        6: int(T0.timestamp()) + 86400,
    }
    cert_raw = dumps_canonical(cert_fields)
    return {
        "trust list": good,
        "trust list with a duplicate key": sign1(
            ROOT, b"\xa8\x01\x00" + raw[1:], typ=TYP_TRUST_LIST
        ),
        "trust list of indefinite length": sign1(
            ROOT, b"\xbf" + raw[1:] + b"\xff", typ=TYP_TRUST_LIST
        ),
        "trust list nested too deep": signed_list(
            {**payload, 5: [{**payload[5][0], 12: [[["a", "b", ["c"]]]]}]}
        ),
        "trust list with a certificate keyed 1.0": signed_list(
            {**payload, 4: [odd_certificate(b"\xa6\xf9\x3c\x00" + cert_raw[2:])]}
        ),
        "trust list with a certificate of a duplicate key": signed_list(
            {**payload, 4: [odd_certificate(b"\xa7\x01\x61x" + cert_raw[1:])]}
        ),
        "trust list with a certificate of the legacy typ": signed_list(
            {
                **payload,
                4: [sign1(ROOT, cert_raw, typ="fieldcred-node-cert")],
            }
        ),
        "trust list with a certificate for no module": signed_list(
            {**payload, 4: [odd_certificate(dumps_canonical({**cert_fields, 4: []}))]}
        ),
        "trust list signed by another root": signed_list(
            {**payload, 3: [WRONG_ROOT.public_key]}, WRONG_ROOT
        ),
        "trust list signed by its own root, not the pinned one": signed_list(
            {**payload, 3: [ROOT.public_key, WRONG_ROOT.public_key]}, WRONG_ROOT
        ),
        "trust list with a flipped signature bit": bytes(flipped),
        "trust list with a certificate from another root": signed_list(
            {**payload, 4: [*payload[4], bad_cert]}
        ),
        "trust list with a status list that is not zlib": signed_list(
            {**payload, 7: {"ke-ksm-01": b"not zlib"}}
        ),
        "trust list with a status list of 8 KiB": signed_list(
            {**payload, 7: {"ke-ksm-01": zlib.compress(bytes(8192))}}
        ),
        "trust list with bytes after a status list": signed_list(
            {**payload, 7: {"ke-ksm-01": zlib.compress(bytes(16384)) + b"x"}}
        ),
        "trust list with a truncated status list": signed_list(
            {**payload, 7: {"ke-ksm-01": zlib.compress(bytes(16384))[:-3]}}
        ),
        "trust list with a status list over 2 MiB": signed_list(
            {**payload, 7: {"ke-ksm-01": zlib.compress(bytes(2**21 + 16384))}}
        ),
        "trust list with an EQF level of 9": signed_list({**payload, 5: [{**payload[5][0], 5: 9}]}),
        "trust list with an eighth key": signed_list({**payload, 8: 0}),
        "trust list with a negative version": signed_list({**payload, 1: -1}),
        "trust list with a revoked centre as a number": signed_list({**payload, 6: {5: 0}}),
        "trust list with no roots": signed_list({**payload, 3: []}),
        **not_deterministic_lists(payload, cert_fields, odd_certificate),
    }


def not_deterministic_lists(
    payload: dict[int, Any],
    cert_fields: dict[int, Any],
    odd_certificate: Callable[[bytes], bytes],
) -> dict[str, bytes]:
    """Trust lists, and lists holding certificates, in another encoding than the
    deterministic one; and catalogue entries written out with the values their absence
    means (the catalogue has no such rule: they are read)."""
    raw = dumps_canonical(payload)
    cert_raw = dumps_canonical(cert_fields)
    status = zlib.compress(bytes(16384))
    two_status = (
        b"\xa2"
        + dumps_canonical("ke-ksm-01")
        + dumps_canonical(status)
        + dumps_canonical("ke-all-06")
        + dumps_canonical(status)
    )
    with_empty_status = dumps_canonical({**payload, 7: {}})
    assert with_empty_status.endswith(b"\x07\xa0")
    root_kid = ROOT.kid

    def unsorted_header(typ: str) -> bytes:
        return b"\xa3\x04\x48" + root_kid + b"\x01\x27\x10" + dumps_canonical(typ)

    cert_typ = "application/vnd.fieldcred.node-cert+cose"
    entry = payload[5][0]
    return {
        "trust list version in two bytes": sign1(
            ROOT, swap(raw[:3], b"\x01\x03", b"\x01\x18\x03") + raw[3:], typ=TYP_TRUST_LIST
        ),
        "trust list keys reversed": sign1(
            ROOT,
            b"\xa7"
            + b"".join(
                dumps_canonical(k) + dumps_canonical(v) for k, v in sorted(payload.items())[::-1]
            ),
            typ=TYP_TRUST_LIST,
        ),
        "trust list with a workload of eight bytes": sign1(
            ROOT,
            swap(raw, b"\x06\xf9\x46\x00", b"\x06\xfb" + struct.pack(">d", 6.0)),
            typ=TYP_TRUST_LIST,
        ),
        "trust list with two status lists out of order": sign1(
            ROOT, with_empty_status[:-1] + two_status, typ=TYP_TRUST_LIST
        ),
        "trust list with two status lists in order": sign1(
            ROOT,
            dumps_canonical({**payload, 7: {"ke-ksm-01": status, "ke-all-06": status}}),
            typ=TYP_TRUST_LIST,
        ),
        "trust list with an unsorted header": envelope(
            raw, protected=unsorted_header(TYP_TRUST_LIST), signer=ROOT
        ),
        "trust list with a catalogue entry of no pathway modules written out": signed_list(
            {**payload, 5: [{**entry, 11: []}]}
        ),
        "trust list with a catalogue entry of EQF level null": signed_list(
            {**payload, 5: [{**entry, 5: None}]}
        ),
        "trust list with a certificate's time in nine bytes": signed_list(
            {**payload, 4: [odd_certificate(swap(cert_raw, b"\x05\x1a", b"\x05\x1b\0\0\0\0"))]}
        ),
        "trust list with a certificate's keys reversed": signed_list(
            {**payload, 4: [odd_certificate(cbor2.dumps(dict(reversed(cert_fields.items()))))]}
        ),
        "trust list with a certificate of an unsorted header": signed_list(
            {**payload, 4: [envelope(cert_raw, protected=unsorted_header(cert_typ), signer=ROOT)]}
        ),
    }


def cbor_cases() -> dict[str, bytes]:
    """Bare CBOR items, read as credentials.cbor.loads_deterministic reads them."""
    return {
        name: bytes.fromhex(data)
        for name, data in {
            "0": "00",
            "1 in two bytes": "1801",
            "23 in two bytes": "1817",
            "24 in two bytes": "1818",
            "255 in three bytes": "1900ff",
            "256 in three bytes": "190100",
            "65535 in five bytes": "1a0000ffff",
            "2**32-1 in nine bytes": "1b00000000ffffffff",
            "2**32 in nine bytes": "1b0000000100000000",
            "-1 in two bytes": "3800",
            "-25 in two bytes": "3818",
            "tag 18 not allowed, in two bytes": "d81200",
            "empty text in two bytes": "7800",
            "text of one in two bytes": "780161",
            "empty bytes in three bytes": "590000",
            "empty array in two bytes": "9800",
            "empty map in two bytes": "b800",
            "1.0 half": "f93c00",
            "1.0 single": "fa3f800000",
            "1.0 double": "fb3ff0000000000000",
            "0.1 double": "fb3fb999999999999a",
            "0.1 single": "fa3dcccccd",
            "-0.0 half": "f98000",
            "-0.0 single": "fa80000000",
            "65504.0 half": "f97bff",
            "65504.0 single": "fa477fe000",
            "65520.0 single": "fa477ff000",
            "2**-24 half": "f90001",
            "2**-24 single": "fa33800000",
            "2**-25 single": "fa33000000",
            "2**-14 half": "f90400",
            "largest single": "fa7f7fffff",
            "largest single in eight bytes": "fb47efffffe0000000",
            "infinity half": "f97c00",
            "infinity single": "fa7f800000",
            "minus infinity double": "fbfff0000000000000",
            "NaN half": "f97e00",
            "NaN with a payload": "f97e01",
            "NaN negative": "f9fe00",
            "NaN single": "fa7fc00000",
            "NaN double": "fb7ff8000000000000",
            "undefined": "f7",
            "simple 1": "e1",
            "simple 40": "f828",
            "keys 1 then 2": "a201000200",
            "keys 2 then 1": "a202000100",
            "keys -1 then 24 (length first)": "a22000181800",
            "keys 24 then -1 (bytewise)": "a21818002000",
            "keys 4 then 1.0": "a20400f93c0000",
            "keys 1.0 then 4": "a2f93c00000400",
            "keys 4 then true": "a20400f500",
            "keys true then 4": "a2f5000400",
            "keys b then ab": "a261620062616200",
            "keys ab then b": "a262616200616200",
            "keys NaN twice": "a2f97e0000f97e0001",
            "keys simple 1 then 1.0": "a2e100f93c0000",
            "keys 1.0 then simple 1": "a2f93c0000e100",
            "keys simple 1 then 1": "a2e1000100",
            "keys [simple 1] then [1.0]": "a281e10081f93c0000",
            "keys 1 then [1]": "a20100810100",
            "keys [1] then 1": "a28101000100",
            "keys {2: 0, 1: 0} as a key": "a1a20200010000",
            "a nested map unsorted": "81a202000100",
            "an unsorted map after an indefinite array": "829f00ffa202000100",
            "an unsorted map, then a trailing byte": "a20200010000",
            "an unsorted map, a duplicate key later": "82a202000100a201000100",
        }.items()
    }


def python_reason(text: str, trust: TrustList, now: int) -> str:
    return str(verify(text, trust, now=datetime.fromtimestamp(now, UTC)).reason)


def python_cbor_outcome(data: bytes) -> str:
    try:
        loads_deterministic(data)
    except CredentialError as error:
        return type(error).__name__
    return "ok"


def python_trust_outcome(data: bytes, pinned: bytes) -> str:
    try:
        read_trust_list(data, pinned_roots=[pinned])
    except CredentialError as error:
        return type(error).__name__
    return "ok"


def build() -> dict[str, Any]:
    trust = main_trust()
    signed = signed_list(list_payload(trust))
    cases = credential_cases()
    reference = cases["reference"]
    credentials = [
        {"name": name, "text": text, "reason": python_reason(text, trust, NOW)}
        for name, text in cases.items()
    ]
    cose = issue(NODES["ke-ksm-01"][0], credential())
    flips = []
    for bit in range(len(cose) * 8):
        flipped = bytearray(cose)
        flipped[bit // 8] ^= 0x80 >> (bit % 8)
        flips.append(python_reason(to_qr_text(bytes(flipped)), trust, NOW))
    assert to_qr_text(cose) == reference
    return {
        "about": "credentials.verification and the browser verifier: see make_vectors.py",
        "pinned_root": ROOT.public_key.hex(),
        "trust_list": signed.hex(),
        "now": NOW,
        "credentials": credentials,
        "flips": {"cose": cose.hex(), "reasons": flips},
        "trust_lists": [
            {
                "name": name,
                "data": data.hex(),
                "pinned": pinned.hex(),
                "outcome": python_trust_outcome(data, pinned),
            }
            for name, (data, pinned) in trust_list_cases().items()
        ],
        "cbor": [
            {"name": name, "data": data.hex(), "outcome": python_cbor_outcome(data)}
            for name, data in cbor_cases().items()
        ],
    }


if __name__ == "__main__":
    (HERE / "vectors.json").write_text(json.dumps(build(), indent=1, ensure_ascii=False) + "\n")
