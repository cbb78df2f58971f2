"""Keys: RFC 8032/8037 known answers, key ids, private key files, JWK and COSE_Key export."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from pathlib import Path

import cbor2
import pytest

from credentials.errors import InsecureKeyFile, MalformedInput
from credentials.keys import (
    SigningKey,
    key_id,
    load_private_key,
    load_public_key,
    public_cose_key,
    public_jwk,
    save_private_key,
    verify_signature,
)

# RFC 8032 §7.1 TEST 1, the same key as RFC 8037 Appendix A.1.
SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
EMPTY_MESSAGE_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)


def test_rfc_8032_known_answer() -> None:
    key = SigningKey.from_seed(SEED)
    assert key.public_key == PUBLIC
    assert key.sign(b"") == EMPTY_MESSAGE_SIGNATURE
    assert verify_signature(PUBLIC, b"", EMPTY_MESSAGE_SIGNATURE)
    assert not verify_signature(PUBLIC, b"x", EMPTY_MESSAGE_SIGNATURE)


def test_rfc_8037_jwk_members() -> None:
    jwk = public_jwk(PUBLIC)
    assert jwk["kty"] == "OKP"
    assert jwk["crv"] == "Ed25519"
    assert jwk["x"] == "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"  # RFC 8037 A.1
    assert "d" not in jwk


def test_key_id_is_first_8_bytes_of_sha256() -> None:
    assert key_id(PUBLIC) == hashlib.sha256(PUBLIC).digest()[:8]
    assert SigningKey.from_seed(SEED).kid == key_id(PUBLIC)


@pytest.mark.parametrize("seed", [b"", bytes(31), bytes(33), "x" * 32])
def test_seed_must_be_32_bytes(seed: bytes) -> None:
    with pytest.raises(MalformedInput, match="exactly 32 bytes"):
        SigningKey.from_seed(seed)


def test_private_key_file_is_0600_and_loads(tmp_path: Path) -> None:
    key = SigningKey.generate()
    path = tmp_path / "node.key"
    save_private_key(key, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_private_key(path).seed == key.seed
    assert json.loads(path.read_text())["d"]


def test_save_tightens_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "node.key"
    path.write_text("old")
    path.chmod(0o644)
    save_private_key(SigningKey.generate(), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_refuses_group_or_world_readable_key(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "node.key"
    save_private_key(SigningKey.generate(), path)
    os.chmod(path, mode)
    with pytest.raises(InsecureKeyFile, match="chmod 600"):
        load_private_key(path)


def test_refuses_mismatched_private_jwk(tmp_path: Path) -> None:
    path = tmp_path / "node.key"
    save_private_key(SigningKey.from_seed(SEED), path)
    jwk = json.loads(path.read_text())
    jwk["x"] = public_jwk(SigningKey.generate().public_key)["x"]
    path.write_text(json.dumps(jwk))
    with pytest.raises(MalformedInput, match="do not belong together"):
        load_private_key(path)


def test_cose_key_export(tmp_path: Path) -> None:
    data = public_cose_key(PUBLIC)
    assert cbor2.loads(data) == {1: 1, 2: key_id(PUBLIC), 3: -8, -1: 6, -2: PUBLIC}
    path = tmp_path / "node.cose_key"
    path.write_bytes(data)
    assert load_public_key(path) == PUBLIC


def test_jwk_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "root.jwk"
    path.write_text(json.dumps(public_jwk(PUBLIC)))
    assert load_public_key(path) == PUBLIC


@pytest.mark.parametrize(
    "content",
    [
        b'{"kty": "EC", "crv": "P-256", "x": "AA"}',
        b'{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}',
        b'{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo="}',
        b"{not json",
        cbor2.dumps({1: 2, -1: 1, -2: PUBLIC}),
        b"\xff",
    ],
)
def test_bad_public_key_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.key"
    path.write_bytes(content)
    with pytest.raises(MalformedInput):
        load_public_key(path)


def test_jwk_x_is_unpadded_base64url() -> None:
    x = public_jwk(PUBLIC)["x"]
    assert "=" not in x
    assert base64.urlsafe_b64decode(x + "=") == PUBLIC
