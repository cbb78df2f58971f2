"""A ready-to-try hub for ``fieldcred demo``: created or reopened in a data directory, with
a staff login and an API token for the LMS workbench, and demo nodes enrolled through the
same code path as ``fieldcred hub enrol-node``.

The API token is shown once by ``fieldcred hub add-token``; the demo keeps it in a file
(mode 0600) beside the root key, so a second run reuses it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from credentials.certificates import ALL_MODULES
from hub import nodes
from hub.settings import ROOT_KEY_FILE, SETTINGS_FILE, init_data_dir, open_hub
from hub.staff import (
    NotAuthenticated,
    add_staff,
    add_token,
    staff_organisation,
    token_organisation,
)
from hub.store import Store

NAME = "Demo University"
STAFF = ("staff", "fieldcred-staff")
TOKEN_FILE = "demo-api-token"
TOKEN_LABEL = "demo LMS workbench"
CERTIFICATE_DAYS = 3 * 365


@dataclass(frozen=True)
class HubDemo:
    data_dir: Path
    staff: tuple[str, str]
    """(username, password) of the staff login for the hub's pages."""
    token: str
    """A JSON API token scoped to the hub's organisation."""
    root_key_path: Path
    root_public_key: bytes


def prepare_hub_demo(data_dir: Path) -> HubDemo:
    """Create (or reopen) the demo hub at ``data_dir``; safe to call again."""
    if not (data_dir / SETTINGS_FILE).exists():
        init_data_dir(data_dir, name=NAME)
    hub, settings = open_hub(data_dir)
    try:
        if staff_organisation(hub.store, STAFF[0]) is None:
            add_staff(hub.store, STAFF[0], STAFF[1], settings.organisation)
        token = _api_token(hub.store, data_dir / TOKEN_FILE, settings.organisation)
        return HubDemo(
            data_dir=data_dir,
            staff=STAFF,
            token=token,
            root_key_path=data_dir / ROOT_KEY_FILE,
            root_public_key=hub.root_key.public_key,
        )
    finally:
        hub.store.close()


def _api_token(store: Store, path: Path, organisation: str) -> str:
    if path.exists():
        token = path.read_text(encoding="utf-8").strip()
        try:
            token_organisation(store, token)
            return token
        except NotAuthenticated:
            path.unlink()
    token = add_token(store, TOKEN_LABEL, organisation)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    return token


def enrol_demo_node(data_dir: Path, request: bytes) -> tuple[bytes, bytes]:
    """Enrol a node for every module from its certificate request, as staff do with
    ``fieldcred hub enrol-node``; returns (its certificate, the signed trust list)."""
    hub, settings = open_hub(data_dir)
    try:
        now = datetime.now(UTC)
        certificate = nodes.enrol_node(
            hub.store,
            hub.root_key,
            request,
            modules=(ALL_MODULES,),
            not_before=now - timedelta(minutes=5),
            not_after=now + timedelta(days=CERTIFICATE_DAYS),
            organisation=settings.organisation,
            now=now,
        )
        trust_list = nodes.latest_trust_list(hub.store)
    finally:
        hub.store.close()
    assert trust_list is not None, "enrol_node publishes a trust list"
    return certificate, trust_list
