"""The catalogue as plain data, for ``fieldcred content list`` and for scripts."""

from __future__ import annotations

from typing import Any

from content.loading import Catalogue
from content.model import localize


def catalogue_listing(
    catalogue: Catalogue, language: str = "en"
) -> dict[str, list[dict[str, Any]]]:
    """``{"modules": [...], "pathways": [...]}``, sorted by id, titles in ``language``."""
    modules = [
        {
            "id": module.id,
            "version": module.version,
            "title": localize(module.title, language),
            "item_count": len(module.items),
            "checklist_count": len(module.checklist),
            "languages": list(module.languages),
            "workload_hours": module.workload_hours,
            "level": module.level.model_dump(mode="json"),
        }
        for module in sorted(catalogue.modules.values(), key=lambda m: m.id)
    ]
    pathways = [
        {
            "id": pathway.id,
            "version": pathway.version,
            "title": localize(pathway.title, language),
            "modules": list(pathway.modules),
        }
        for pathway in sorted(catalogue.pathways.values(), key=lambda p: p.id)
    ]
    return {"modules": modules, "pathways": pathways}
