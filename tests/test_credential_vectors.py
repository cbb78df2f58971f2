"""Test vectors as files: the sample set rebuilt from fixed seeds must match them byte for byte.

A change of format means rewriting the vectors on purpose:
``python -m tests.test_credential_vectors`` rewrites them from the seeds in ``keys.json``.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import cbor2
import pytest

from credentials.certificates import read_node_certificate
from credentials.keys import SigningKey, public_cose_key
from credentials.sample import SampleSet, build_sample
from credentials.trust import read_trust_list
from credentials.verification import verify

VECTORS = Path(__file__).parent / "vectors" / "credentials"
FILES = ("credential.cose", "credential.txt", "node-cert.cose", "trust.cbor", "root.cose_key")


def vector(name: str) -> bytes:
    return (VECTORS / name).read_bytes()


def _inputs() -> dict[str, str]:
    inputs: dict[str, str] = json.loads(vector("keys.json"))
    return inputs


def _build() -> tuple[SampleSet, dict[str, bytes]]:
    inputs = _inputs()
    sample = build_sample(
        SigningKey.from_seed(bytes.fromhex(inputs["root_seed"])),
        SigningKey.from_seed(bytes.fromhex(inputs["node_seed"])),
        issued_at=datetime.fromisoformat(inputs["issued_at"]),
        credential_id=bytes.fromhex(inputs["credential_id"]),
    )
    files = {
        "credential.cose": sample.cose,
        "credential.txt": sample.qr_text.encode("ascii") + b"\n",
        "node-cert.cose": sample.node_certificate,
        "trust.cbor": sample.trust_list,
        "root.cose_key": public_cose_key(sample.root_key.public_key),
    }
    return sample, files


@pytest.mark.parametrize("name", FILES)
def test_vectors_are_byte_stable(name: str) -> None:
    _, files = _build()
    assert files[name] == vector(name)


def test_vector_credential_verifies_and_decodes() -> None:
    trust = read_trust_list(vector("trust.cbor"))
    issued_at = datetime.fromisoformat(_inputs()["issued_at"])
    for data in (vector("credential.cose"), vector("credential.txt").decode()):
        verdict = verify(data, trust, now=issued_at)
        assert verdict.genuine
        assert verdict.credential is not None
        assert verdict.credential.holder_name == "Achieng Wanjiru Otieno-K"
    claims = cbor2.loads(cbor2.loads(vector("credential.cose")).value[2])
    assert claims[-65537][1] == "soil-health-basics"


def test_documents_signed_before_typ_was_a_media_type_still_read() -> None:
    """``earlier/``: the sample's certificate and trust list as signed with the bare
    ``typ`` names (``fieldcred-node-cert``, ``fieldcred-trust-list``) that nodes and hubs
    created then still hold; they read, and the credential verifies against them."""
    earlier = VECTORS / "earlier"
    trust = read_trust_list((earlier / "trust.cbor").read_bytes())
    certificate = (earlier / "node-cert.cose").read_bytes()
    read_node_certificate(certificate)  # raises if refused
    assert certificate in trust.node_certificates
    issued_at = datetime.fromisoformat(_inputs()["issued_at"])
    assert verify(vector("credential.cose"), trust, now=issued_at).genuine


def write_vectors() -> None:
    _, files = _build()
    for name, data in files.items():
        (VECTORS / name).write_bytes(data)


if __name__ == "__main__":
    write_vectors()
