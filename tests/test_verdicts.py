"""credentials.verdicts.check: each way a presented credential can fail gets its own plain
verdict, in English, Kiswahili and French, from pasted QR text or a photo of the QR."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import cbor2
import pytest

from credentials.certificates import NodeCertificate, issue_node_certificate
from credentials.claims import encode_claims
from credentials.i18n import gettext
from credentials.issuance import issue
from credentials.keys import SigningKey
from credentials.qr import qr_png, to_qr_text
from credentials.sample import SAMPLE_ENTRY, SAMPLE_NODE_ID, sample_credential
from credentials.status import StatusList
from credentials.trust import TrustList
from credentials.verdicts import VERDICTS, Check, check
from credentials.verification import Reason

ROOT = SigningKey.from_seed(bytes(range(32)))
OTHER_ROOT = SigningKey.from_seed(bytes(range(1, 33)))
NODE = SigningKey.from_seed(bytes(range(32, 64)))
STRANGER = SigningKey.from_seed(bytes(range(64, 96)))
T0 = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
CREDENTIAL = sample_credential(T0, bytes.fromhex("0123456789abcdef"))


def certificate(
    *, key: SigningKey = NODE, root: SigningKey = ROOT, starts: datetime = T0 - timedelta(days=30)
) -> bytes:
    return issue_node_certificate(
        root,
        NodeCertificate(
            SAMPLE_NODE_ID,
            "Kisumu centre",
            key.public_key,
            (SAMPLE_ENTRY.module_id,),
            starts,
            starts + timedelta(days=365),
        ),
    )


def trust_list(
    *,
    root: SigningKey = ROOT,
    cert: bytes | None = None,
    revoked_slot: int | None = None,
    revoked_node_since: datetime | None = None,
) -> TrustList:
    status = StatusList()
    if revoked_slot is not None:
        status.set(revoked_slot)
    return TrustList(
        version=1,
        issued_at=T0,
        roots=(root.public_key,),
        node_certificates=(cert or certificate(),),
        catalogue=(SAMPLE_ENTRY,),
        revoked_nodes={} if revoked_node_since is None else {SAMPLE_NODE_ID: revoked_node_since},
        status_lists={SAMPLE_NODE_ID: status},
    )


def text_of(key: SigningKey = NODE, **changes: object) -> str:
    return to_qr_text(issue(key, dataclasses.replace(CREDENTIAL, **changes)))  # type: ignore[arg-type]


def forged() -> str:
    """The genuine signature kept under a claim changed afterwards (the score raised)."""
    envelope = cbor2.loads(issue(NODE, CREDENTIAL))
    protected, unprotected, _, signature = envelope.value
    altered = encode_claims(dataclasses.replace(CREDENTIAL, score_percent=99))
    return to_qr_text(cbor2.dumps(cbor2.CBORTag(18, [protected, unprotected, altered, signature])))


def judge(text: str | None = None, image: bytes | None = None, **trust: object) -> Check:
    return check(
        trust_list(**trust),  # type: ignore[arg-type]
        text=text,
        image=image,
        lang="en",
        now=T0 + timedelta(days=1),
    )


CASES = {
    "genuine": (lambda: judge(text_of()), Reason.GENUINE),
    "forged signature": (lambda: judge(forged()), Reason.BAD_SIGNATURE),
    "wrong root": (
        # Another university's trust list: its root certified other centres, not ours.
        lambda: judge(text_of(), root=OTHER_ROOT, cert=certificate(key=STRANGER, root=OTHER_ROOT)),
        Reason.UNKNOWN_ISSUER,
    ),
    "unknown issuer key": (lambda: judge(text_of(STRANGER)), Reason.UNKNOWN_ISSUER),
    "credential revoked": (
        lambda: judge(text_of(), revoked_slot=CREDENTIAL.status_index),
        Reason.CREDENTIAL_REVOKED,
    ),
    "centre revoked": (
        lambda: judge(text_of(), revoked_node_since=T0 - timedelta(days=1)),
        Reason.NODE_REVOKED,
    ),
    "expired": (
        lambda: judge(text_of(expires_at=T0 + timedelta(hours=1))),
        Reason.EXPIRED,
    ),
    "centre licence not yet valid": (
        lambda: judge(text_of(), cert=certificate(starts=T0 + timedelta(days=1))),
        Reason.NODE_CERT_NOT_YET_VALID,
    ),
    "centre licence expired": (
        lambda: judge(text_of(), cert=certificate(starts=T0 - timedelta(days=400))),
        Reason.NODE_CERT_EXPIRED,
    ),
    "truncated QR text": (lambda: judge(text_of()[:-7]), Reason.MALFORMED),
    "photo of the QR": (lambda: judge(image=qr_png(text_of(), scale=4)), Reason.GENUINE),
    "photo without a QR": (lambda: judge(image=qr_png(text_of())[:200]), "no_qr"),
    "nothing entered": (lambda: judge(text="  \n"), "empty"),
}


@pytest.mark.parametrize("case", CASES)
def test_each_failure_gets_its_own_verdict(case: str) -> None:
    make, expected = CASES[case]
    verdict = make()
    assert verdict.reason == expected
    assert verdict.genuine is (expected == Reason.GENUINE)


@pytest.mark.parametrize("case", CASES)
def test_each_verdict_reads_in_english_kiswahili_and_french(case: str) -> None:
    make, _ = CASES[case]
    verdict = make()
    for english in (verdict.headline, verdict.sentence):
        kiswahili, french = gettext("sw", english), gettext("fr", english)
        assert kiswahili.strip() and french.strip()
        assert len({english, kiswahili, french}) == 3


def test_a_verdict_shows_what_the_credential_claims_only_when_it_was_read() -> None:
    genuine = dict(judge(text_of()).details)
    assert genuine["Name"] == CREDENTIAL.holder_name
    assert genuine["Module"] == SAMPLE_ENTRY.title["en"]
    assert genuine["Issuing centre"] == "Kisumu centre"
    assert judge(text_of()[:-7]).details == []
    assert judge(text_of(STRANGER)).details == []


def test_every_truncation_of_the_qr_text_is_refused_as_unreadable() -> None:
    text = text_of()
    for end in range(len(text)):
        verdict = judge(text[:end])
        assert verdict.reason == ("empty" if not text[:end].strip() else Reason.MALFORMED), end


def test_without_a_trust_list_nothing_is_judged() -> None:
    verdict = check(None, text=text_of(), image=None, lang="sw", now=T0)
    assert (verdict.reason, verdict.genuine) == ("no_trust_list", False)
    assert set(VERDICTS) >= {str(reason) for reason in Reason}
