"""Ed25519 keys: generation, key ids, private key files, public key export (JWK, COSE_Key)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

import nacl.bindings
import nacl.exceptions
import nacl.signing

from credentials.cbor import dumps_canonical, loads_untrusted
from credentials.errors import InsecureKeyFile, MalformedInput

KEY_BYTES = 32
KID_BYTES = 8
MAX_KEY_FILE_BYTES = 4096

# COSE_Key labels (RFC 9052 §7, RFC 9053 §7.2) and values.
_KTY, _KID, _ALG, _CRV, _X = 1, 2, 3, -1, -2
_KTY_OKP, _ALG_EDDSA, _CRV_ED25519 = 1, -8, 6


def key_id(public_key: bytes) -> bytes:
    """The key id: the first 8 bytes of SHA-256 of the raw 32-byte public key."""
    _check_public_key(public_key)
    return hashlib.sha256(public_key).digest()[:KID_BYTES]


class SigningKey:
    """An Ed25519 private key; signatures are detached, 64 bytes."""

    __slots__ = ("_key", "_kid", "_public_key")

    def __init__(self, key: nacl.signing.SigningKey) -> None:
        self._key = key
        self._public_key = bytes(key.verify_key)
        self._kid = key_id(self._public_key)

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKey:
        if not isinstance(seed, bytes) or len(seed) != KEY_BYTES:
            raise MalformedInput("The seed must be exactly 32 bytes long")
        return cls(nacl.signing.SigningKey(seed))

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(nacl.signing.SigningKey.generate())

    @property
    def seed(self) -> bytes:
        return bytes(self._key)

    @property
    def public_key(self) -> bytes:
        return self._public_key

    @property
    def kid(self) -> bytes:
        return self._kid

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message).signature

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid.hex()})"


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``message`` by ``public_key``."""
    if not isinstance(public_key, bytes) or len(public_key) != KEY_BYTES:
        return False
    if not isinstance(signature, bytes) or len(signature) != 64:
        return False
    try:
        nacl.bindings.crypto_sign_open(signature + message, public_key)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError, TypeError):
        return False
    return True


def _check_public_key(public_key: bytes) -> None:
    if not isinstance(public_key, bytes) or len(public_key) != KEY_BYTES:
        raise MalformedInput("The public key must be exactly 32 bytes long")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: object, field: str) -> bytes:
    if not isinstance(text, str) or "=" in text:
        raise MalformedInput(f"JWK member {field!r} must be unpadded base64url text")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise MalformedInput(f"JWK member {field!r} is not base64url") from None


def public_jwk(public_key: bytes) -> dict[str, str]:
    """The public key as an RFC 8037 OKP JWK, with its key id."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": _b64url(public_key),
        "kid": _b64url(key_id(public_key)),
        "alg": "EdDSA",
        "use": "sig",
    }


def private_jwk(key: SigningKey) -> dict[str, str]:
    """The private key as an RFC 8037 OKP JWK (member ``d`` holds the seed)."""
    return {**public_jwk(key.public_key), "d": _b64url(key.seed)}


def public_cose_key(public_key: bytes) -> bytes:
    """The public key as a COSE_Key (RFC 9052 §7, OKP Ed25519), deterministic CBOR."""
    _check_public_key(public_key)
    return dumps_canonical(
        {
            _KTY: _KTY_OKP,
            _KID: key_id(public_key),
            _ALG: _ALG_EDDSA,
            _CRV: _CRV_ED25519,
            _X: public_key,
        }
    )


def _okp_member(jwk: Any, name: str) -> bytes:
    value = _b64url_decode(jwk.get(name), name)
    if len(value) != KEY_BYTES:
        raise MalformedInput(f"JWK member {name!r} must hold 32 bytes")
    return value


def public_key_from_jwk(jwk: Any) -> bytes:
    if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise MalformedInput("not an Ed25519 OKP JWK (RFC 8037)")
    return _okp_member(jwk, "x")


def public_key_from_cose_key(data: bytes) -> bytes:
    cose_key = loads_untrusted(data, max_bytes=MAX_KEY_FILE_BYTES, max_depth=2)
    if (
        not isinstance(cose_key, dict)
        or cose_key.get(_KTY) != _KTY_OKP
        or cose_key.get(_CRV) != _CRV_ED25519
        or cose_key.get(_ALG, _ALG_EDDSA) not in (_ALG_EDDSA, -19)
    ):
        raise MalformedInput("not an Ed25519 OKP COSE_Key")
    x = cose_key.get(_X)
    if not isinstance(x, bytes) or len(x) != KEY_BYTES:
        raise MalformedInput("COSE_Key x must hold 32 bytes")
    return x


def save_private_key(key: SigningKey, path: str | Path) -> None:
    """Write the key as a private JWK readable by its owner only (mode 0600)."""
    data = (json.dumps(private_jwk(key), indent=2) + "\n").encode("utf-8")
    # Never through a symbolic link: one planted at ``path`` would choose where the key goes.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
    finally:
        os.close(fd)


def read_owner_only(path: str | Path, *, what: str, max_bytes: int) -> bytes:
    """At most ``max_bytes`` + 1 bytes of a secret file; :class:`InsecureKeyFile` when other
    users may read it (checked on the open file, not on the name)."""
    with open(path, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise InsecureKeyFile(
                f"{path}: {what} is readable by other users "
                f"(mode {stat.S_IMODE(mode):04o}); run: chmod 600 {path}"
            )
        return handle.read(max_bytes + 1)


def load_private_key(path: str | Path) -> SigningKey:
    """Read a private JWK written by ``save_private_key``; refuse one others can read."""
    data = read_owner_only(path, what="private key file", max_bytes=MAX_KEY_FILE_BYTES)
    jwk = _parse_json(data, path)
    public_key = public_key_from_jwk(jwk)
    key = SigningKey.from_seed(_okp_member(jwk, "d"))
    if key.public_key != public_key:
        raise MalformedInput(f"{path}: JWK members 'd' and 'x' do not belong together")
    return key


def _parse_json(data: bytes, path: str | Path) -> Any:
    if len(data) > MAX_KEY_FILE_BYTES:
        raise MalformedInput(f"{path}: key file is too large")
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise MalformedInput(f"{path}: not a JSON key file") from None


def load_public_key(path: str | Path) -> bytes:
    """Read a public key from a JWK (JSON) or COSE_Key (CBOR) file."""
    with open(path, "rb") as handle:
        data = handle.read(MAX_KEY_FILE_BYTES + 1)
    if data.lstrip()[:1] == b"{":
        return public_key_from_jwk(_parse_json(data, path))
    return public_key_from_cose_key(data)
