"""Issuing a credential: deterministic claims, signed by the node key."""

from __future__ import annotations

from credentials.claims import MicroCredential, encode_claims
from credentials.cose import sign1
from credentials.keys import SigningKey


def issue(key: SigningKey, credential: MicroCredential) -> bytes:
    """The credential as COSE_Sign1 bytes (tag 18, protected ``{1: -8, 4: kid}``)."""
    return sign1(key, encode_claims(credential))
