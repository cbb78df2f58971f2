"""The plugin's settings, read in one place.

An Open edX site sets them in its Django settings as ``FIELDCRED = {...}`` (Tutor:
a plugin patch of ``openedx-common-settings``); any key left out is read from the
environment variable ``FIELDCRED_<KEY>``. Keys are file paths, never key material:
no signing key ever travels in course content or OLX.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lms_plugin.errors import NotConfigured

KEYS = (
    "ISSUER_KEY",
    "ISSUER_CERTIFICATE",
    "ISSUER_URL",
    "DATA_DIR",
    "CONTENT_DIR",
    "HUB_URL",
    "HUB_TOKEN",
    "STAFF_VIEW_FOR_ALL",
)


@dataclass(frozen=True)
class PluginSettings:
    issuer_key: Path | None = None
    """The online issuer's private key (a private JWK, mode 0600)."""
    issuer_certificate: Path | None = None
    """The online issuer's node certificate, signed by the university root key."""
    issuer_url: str = "https://example.org"
    """The awarding body's home page; Open Badges achievements get IRIs under it."""
    data_dir: Path = Path("var/fieldcred")
    """Where the online ledger lives (issued credentials, status indexes, checklist scores)."""
    content_dir: Path | None = None
    """The installed module catalogue; ``None``: the modules shipped with fieldcred."""
    hub_url: str | None = None
    hub_token: str | None = None
    staff_view_for_all: bool = False
    """Development only (the workbench has no staff role): show the staff view to everyone."""

    @property
    def ledger_path(self) -> Path:
        return self.data_dir / "online-ledger.sqlite3"

    def require_issuer(self) -> tuple[Path, Path]:
        if self.issuer_key is None or self.issuer_certificate is None:
            raise NotConfigured(
                "this site has no online issuer: set FIELDCRED ISSUER_KEY and ISSUER_CERTIFICATE"
            )
        return self.issuer_key, self.issuer_certificate


def settings_from(django_settings: Mapping[str, Any], environ: Mapping[str, str]) -> PluginSettings:
    """Settings from a ``FIELDCRED`` mapping, each missing key from ``FIELDCRED_<KEY>``."""
    unknown = sorted(set(django_settings) - set(KEYS))
    if unknown:
        raise NotConfigured(f"unknown FIELDCRED setting(s): {', '.join(unknown)}")
    raw: dict[str, Any] = {}
    for key in KEYS:
        value = django_settings.get(key, environ.get(f"FIELDCRED_{key}"))
        if value not in (None, ""):
            raw[key] = value
    defaults = PluginSettings()
    return PluginSettings(
        issuer_key=_path(raw.get("ISSUER_KEY")),
        issuer_certificate=_path(raw.get("ISSUER_CERTIFICATE")),
        issuer_url=str(raw.get("ISSUER_URL", defaults.issuer_url)),
        data_dir=_path(raw.get("DATA_DIR")) or defaults.data_dir,
        content_dir=_path(raw.get("CONTENT_DIR")),
        hub_url=None if raw.get("HUB_URL") is None else str(raw["HUB_URL"]).rstrip("/"),
        hub_token=None if raw.get("HUB_TOKEN") is None else str(raw["HUB_TOKEN"]),
        staff_view_for_all=str(raw.get("STAFF_VIEW_FOR_ALL", "")).lower() in ("1", "true", "yes"),
    )


def _path(value: object) -> Path | None:
    return None if value is None else Path(str(value)).expanduser()


def load_settings() -> PluginSettings:
    """The running site's settings (Django's ``settings.FIELDCRED`` when Django is set up)."""
    return settings_from(_django_fieldcred(), os.environ)


def _django_fieldcred() -> Mapping[str, Any]:
    try:
        from django.conf import settings
    except ImportError:
        return {}
    if not settings.configured:
        return {}
    value = getattr(settings, "FIELDCRED", {})
    if not isinstance(value, Mapping):
        raise NotConfigured("settings.FIELDCRED must be a dict")
    return value
