"""The hub's data directory: settings file, root key, default SQLite database.

``settings.json`` holds the hub's name and options; ``FIELDCRED_HUB_<FIELD>``
environment variables override it (``FIELDCRED_HUB_DB``, ``FIELDCRED_HUB_XAPI_URL``).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from pydantic import BaseModel, ValidationError

from credentials.errors import CredentialError
from credentials.keys import SigningKey, load_private_key, public_jwk, save_private_key
from hub.ingest import Hub
from hub.store import migrate, open_store
from sync.errors import BadRequest

SETTINGS_FILE = "settings.json"
ROOT_KEY_FILE = "root.key"
ROOT_PUBLIC_KEY_FILE = "root.jwk"
"""The root's public key (JWK): what centres pin and verifiers are given."""
DB_FILE = "hub.db"


class HubSettings(BaseModel):
    name: str
    organisation: str = "university"
    db: str = ""
    """Empty: ``hub.db`` in the data directory; or ``postgresql://...``."""
    session_secret: str = ""
    public_url: str = "https://hub.example.org"
    """The university's web address: achievement and xAPI activity IRIs live under it."""
    xapi_url: str = ""
    xapi_auth: str = ""
    """``user:password`` for the LRS's basic auth."""


def init_data_dir(data: Path, *, name: str, organisation: str = "university") -> HubSettings:
    """Create the data directory (mode 0700 when new): settings, a fresh root key (mode 0600)
    and its public key."""
    if (data / SETTINGS_FILE).exists():
        raise BadRequest(f"{data}: a hub already lives here (settings.json exists)")
    data.mkdir(mode=0o700, parents=True, exist_ok=True)
    settings = HubSettings(
        name=name, organisation=organisation, session_secret=secrets.token_urlsafe(32)
    )
    root_key = SigningKey.generate()
    save_private_key(root_key, data / ROOT_KEY_FILE)
    (data / ROOT_PUBLIC_KEY_FILE).write_text(json.dumps(public_jwk(root_key.public_key)) + "\n")
    fd = os.open(data / SETTINGS_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(settings.model_dump_json(indent=2) + "\n")
    return settings


def load_settings(data: Path) -> HubSettings:
    path = data / SETTINGS_FILE
    try:
        values = json.loads(path.read_text())
    except FileNotFoundError:
        raise BadRequest(f"{data}: no hub here; run `fieldcred hub init` first") from None
    except (OSError, json.JSONDecodeError) as error:
        raise BadRequest(f"{path}: cannot be read ({error})") from None
    for field in HubSettings.model_fields:
        env = os.environ.get(f"FIELDCRED_HUB_{field.upper()}")
        if env is not None:
            values[field] = env
    try:
        return HubSettings(**values)
    except ValidationError as error:
        raise BadRequest(f"{path}: {error.errors()[0]['msg']}") from None


def load_root_key(data: Path) -> SigningKey:
    try:
        return load_private_key(data / ROOT_KEY_FILE)
    except FileNotFoundError:
        raise BadRequest(f"{data / ROOT_KEY_FILE}: the root key is missing") from None
    except (CredentialError, PermissionError) as error:
        raise BadRequest(f"{data / ROOT_KEY_FILE}: {error}") from None


def database_url(data: Path, settings: HubSettings, override: str | None = None) -> str:
    return override or settings.db or str(data / DB_FILE)


def open_hub(data: Path, *, db: str | None = None) -> tuple[Hub, HubSettings]:
    """The hub living in ``data``: settings, root key, migrated store."""
    settings = load_settings(data)
    root_key = load_root_key(data)
    store = open_store(database_url(data, settings, db))
    migrate(store)
    return Hub(store, root_key), settings
