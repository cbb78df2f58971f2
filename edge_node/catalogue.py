"""The modules and pathways installed on the node (shipped ones, or from signed packs)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlite_utils import Database

from content.model import Module, Pathway
from edge_node.storage import transaction


def installed(db: Database) -> tuple[dict[str, Module], dict[str, Pathway]]:
    modules = {
        row[0]: Module.model_validate_json(row[1])
        for row in db.execute("SELECT id, definition FROM modules ORDER BY id")
    }
    pathways = {
        row[0]: Pathway.model_validate_json(row[1])
        for row in db.execute("SELECT id, definition FROM pathways ORDER BY id")
    }
    return modules, pathways


def store(db: Database, modules: list[Module], pathways: list[Pathway]) -> None:
    """Install or replace modules and pathways, in one transaction."""
    now = datetime.now(UTC).isoformat()
    with transaction(db):
        for module in modules:
            db.table("modules").upsert(
                {
                    "id": module.id,
                    "version": module.version,
                    "content_hash": module.content_hash,
                    "definition": json.dumps(module.model_dump(mode="json")),
                    "installed_at": now,
                },
                pk="id",
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
    store(db, list(catalogue.modules.values()), list(catalogue.pathways.values()))
