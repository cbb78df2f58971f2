"""The modules and pathways installed on the node (shipped ones, or from signed packs)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime

from sqlite_utils import Database

from content.model import Module, Pathway
from edge_node.storage import first, transaction


def installed(db: Database) -> tuple[dict[str, Module], dict[str, Pathway]]:
    modules = {
        row["id"]: Module.model_validate_json(row["definition"])
        for row in db.query("SELECT id, definition FROM modules ORDER BY id")
    }
    pathways = {
        row["id"]: Pathway.model_validate_json(row["definition"])
        for row in db.query("SELECT id, definition FROM pathways ORDER BY id")
    }
    return modules, pathways


def earlier_version(db: Database, module_id: str, version: str) -> Module | None:
    """A version of a module installed here before the current one, if any."""
    row = first(
        db,
        "SELECT definition FROM module_versions WHERE id = ? AND version = ?",
        [module_id, version],
    )
    return None if row is None else Module.model_validate_json(row["definition"])


Media = Mapping[str, Mapping[str, bytes]]
"""Image files by module id, then by the path the module's items name them with."""

MEDIA_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg"}


def store(
    db: Database, modules: list[Module], pathways: list[Pathway], media: Media | None = None
) -> None:
    """Install or replace modules, pathways and their images, in one transaction."""
    now = datetime.now(UTC).isoformat()
    with transaction(db):
        for module_id, files in (media or {}).items():
            for path, data in files.items():
                db.table("media").upsert(
                    {"module_id": module_id, "path": path, "data": data},
                    pk=("module_id", "path"),
                )
        for module in modules:
            definition = json.dumps(module.model_dump(mode="json"))
            db.table("modules").upsert(
                {
                    "id": module.id,
                    "version": module.version,
                    "content_hash": module.content_hash,
                    "definition": definition,
                    "installed_at": now,
                },
                pk="id",
            )
            db.table("module_versions").upsert(
                {"id": module.id, "version": module.version, "definition": definition},
                pk=("id", "version"),
            )
        for pathway in pathways:
            db.table("pathways").upsert(
                {
                    "id": pathway.id,
                    "version": pathway.version,
                    "definition": json.dumps(pathway.model_dump(mode="json")),
                    "installed_at": now,
                },
                pk="id",
            )


def install_shipped(db: Database) -> None:
    """Install the modules shipped with fieldcred, so a new node can run the demo at once."""
    from content.loading import load_catalogue

    catalogue = load_catalogue()
    modules = list(catalogue.modules.values())
    store(db, modules, list(catalogue.pathways.values()), shipped_media(modules))


def shipped_media(modules: list[Module]) -> dict[str, dict[str, bytes]]:
    """The image files the shipped modules' items name, read from the shipped tree."""
    from content.loading import SHIPPED

    return {
        module.id: {
            item.image: (SHIPPED / item.image).read_bytes() for item in module.items if item.image
        }
        for module in modules
    }


def media_file(db: Database, module_id: str, path: str) -> tuple[bytes, str] | None:
    """An item image and its media type, if the node has it."""
    row = first(db, "SELECT data FROM media WHERE module_id = ? AND path = ?", [module_id, path])
    suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if row is None or suffix not in MEDIA_TYPES:
        return None
    return bytes(row["data"]), MEDIA_TYPES[suffix]
