"""The node's settings: one pydantic model, read from ``settings.json`` in the data
directory and overridden by ``FIELDCRED_EDGE_*`` environment variables (as the hub's)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from edge_node.errors import NodeNotReady

# Staff passwords' argon2id cost, measured for a 1 GB board (docs/security.md).
PASSWORD_TIME_COST = 18
PASSWORD_MEMORY_KIB = 12 * 1024

SETTINGS_FILE = "settings.json"
DATABASE_FILE = "edge.db"
NODE_KEY_FILE = "node.key"
SESSION_SECRET_FILE = "session.secret"
PIN_SECRET_FILE = "pin.secret"
CERT_REQUEST_FILE = "node-certificate-request.cbor"
CERT_FILE = "node-certificate.cbor"


class EdgeSettings(BaseModel):
    """Everything a node needs to know that is not in its database."""

    model_config = ConfigDict(extra="ignore")

    node_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,62}$")
    node_name: str = Field(min_length=1, max_length=120)
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    hub_url: str | None = None
    hub_key: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    """The hub's Ed25519 public key (hex), when it is not the university root."""
    sync_interval_s: int = Field(default=300, ge=10)
    default_language: str = Field(default="en", pattern=r"^(en|sw|fr)$")
    session_max_age_s: int = Field(default=12 * 3600, ge=60)
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_s: int = Field(default=15 * 60, ge=1)
    secure_cookies: bool = False
    """Set when the node is served over HTTPS (a centre hotspot usually is not)."""
    password_time_cost: int = Field(default=PASSWORD_TIME_COST, ge=1, le=100)
    password_memory_kib: int = Field(default=PASSWORD_MEMORY_KIB, ge=8, le=256 * 1024)
    """argon2 cost of staff passwords (see docs/security.md): each hash or check takes
    this much memory, two at once; hashes made at another cost are redone at log-in."""


def load_settings(data_dir: Path) -> EdgeSettings:
    """Read the settings of the node at ``data_dir``, with clear errors for a bad directory."""
    path = data_dir / SETTINGS_FILE
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NodeNotReady(
            f"{data_dir} is not an edge node data directory (no {SETTINGS_FILE}); "
            "run `fieldcred edge init` first"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NodeNotReady(f"{path}: cannot read the settings: {error}") from None
    if not isinstance(raw, dict):
        raise NodeNotReady(f"{path}: the settings must be a JSON object")
    # The environment wins over the file, so an operator can override one value.
    for name in EdgeSettings.model_fields:
        value = os.environ.get(f"FIELDCRED_EDGE_{name.upper()}")
        if value is not None:
            raw[name] = value
    try:
        return EdgeSettings(**raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise NodeNotReady(f"{path}: {problems}") from None


def write_settings(data_dir: Path, settings: EdgeSettings) -> None:
    """Write the settings file atomically (a power cut leaves the old or the new file)."""
    path = data_dir / SETTINGS_FILE
    tmp = path.with_suffix(".tmp")
    data = settings.model_dump(mode="json")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
