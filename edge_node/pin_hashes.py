"""Learners' PINs, kept as keyed hashes: HMAC-SHA256 under the node's PIN secret.

A PIN has 4 to 8 digits: at most a hundred million values, ten thousand for most. No hash
slow enough for a board to bear would hold them long against a copy of the database, so
their guard at the centre is the limit on guesses (``edge_node.pins``), and against a
stolen copy it is a secret kept outside the database, in ``pin.secret`` beside the node
key: without it a stored hash gives nothing to guess against. A check costs microseconds,
so a class joining at once with their PINs does not wait in line for the password pool.

A stored hash reads ``hmac-sha256$<salt hex>$<mac hex>``, the mac taken over a random
per-learner salt and the PIN. PINs hashed before (argon2, ``$argon2id$...``) are checked
with argon2 one last time, in the password pool, and rewritten on the learner's next
join. See ``docs/security.md``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from sqlite_utils import Database

from credentials.errors import InsecureKeyFile
from credentials.keys import read_owner_only
from edge_node.accounts import verify_secret
from edge_node.config import PIN_SECRET_FILE
from edge_node.errors import NodeNotReady
from edge_node.storage import first, transaction

SCHEME = "hmac-sha256"
SECRET_BYTES = 32
SALT_BYTES = 16


def _write_secret(path: Path) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # made meanwhile by another process opening the node
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_bytes(SECRET_BYTES))
        handle.flush()
        os.fsync(handle.fileno())


def load_secret(data_dir: Path, db: Database) -> bytes:
    """The node's PIN secret, made on first use (a node initialised before it had one);
    refused when other users may read it, when it is not 32 bytes, or when it is missing
    though PINs were hashed with it (a new one would turn every PIN away)."""
    path = data_dir / PIN_SECRET_FILE
    if not path.exists():
        keyed = f"{SCHEME}$%"
        if first(db, "SELECT 1 FROM learners WHERE pin_hash LIKE ?", [keyed]):
            raise NodeNotReady(
                f"{path} is missing, and learners' PINs were hashed with it: restore it "
                "from the backup (without it, no learner's PIN can be checked)"
            )
        _write_secret(path)
    try:
        secret = read_owner_only(path, what="the PIN secret file", max_bytes=SECRET_BYTES)
    except InsecureKeyFile as error:
        raise NodeNotReady(str(error)) from None
    if len(secret) != SECRET_BYTES:
        raise NodeNotReady(
            f"{path}: the PIN secret must be exactly {SECRET_BYTES} bytes; restore it from "
            "the backup (without it, learners' PINs cannot be checked)"
        )
    return secret


def _mac(secret: bytes, salt: bytes, pin: str) -> str:
    return hmac.new(secret, salt + pin.encode("utf-8"), hashlib.sha256).hexdigest()


def hash_pin(secret: bytes, pin: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    return f"{SCHEME}${salt.hex()}${_mac(secret, salt, pin)}"


def is_legacy(stored: str) -> bool:
    """Whether this stored PIN hash is an argon2 one, from before PINs had their own."""
    return not stored.startswith(f"{SCHEME}$")


def pin_matches(secret: bytes, stored: str, pin: str) -> bool:
    """Whether ``pin`` is the PIN of this (keyed) hash; compared in constant time."""
    parts = stored.split("$")
    if len(parts) != 3 or parts[0] != SCHEME:
        return False
    try:
        salt = bytes.fromhex(parts[1])
    except ValueError:
        return False
    return hmac.compare_digest(_mac(secret, salt, pin), parts[2])


def needs_argon2(db: Database, code: str) -> bool:
    """Whether the PIN of the learner of this (normalised) code is still an argon2 hash:
    only then does checking it take the password pool."""
    row = first(db, "SELECT pin_hash FROM learners WHERE code = ?", [code])
    return bool(row and row["pin_hash"] and is_legacy(row["pin_hash"]))


def check_and_upgrade(db: Database, secret: bytes, code: str, stored: str, pin: str) -> bool:
    """Check a learner's PIN; an argon2 hash that matches is rewritten as a keyed one."""
    if not is_legacy(stored):
        return pin_matches(secret, stored, pin)
    if not verify_secret(stored, pin):
        return False
    with transaction(db):
        db.execute(
            "UPDATE learners SET pin_hash = ? WHERE code = ? AND pin_hash = ?",
            [hash_pin(secret, pin), code, stored],
        )
    return True
