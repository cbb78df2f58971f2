"""Load the catalogue: every module and pathway under a folder, validated."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from content.errors import InvalidContent
from content.model import Module, Pathway
from content.validation import check_tree

SHIPPED = Path(__file__).resolve().parent / "green_skills"
"""The green-skills modules shipped with fieldcred."""


@dataclass(frozen=True)
class Catalogue:
    """Validated modules and pathways by id, with the file each was read from."""

    modules: dict[str, Module] = field(default_factory=dict)
    pathways: dict[str, Pathway] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)

    def media(self, module_id: str) -> dict[str, bytes]:
        """The module's image files by the path its items name them with."""
        folder = self.files[module_id].parent
        return {
            item.image: (folder / PurePosixPath(item.image)).read_bytes()
            for item in self.modules[module_id].items
            if item.image is not None
        }


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Load every module and pathway under ``path`` (default: the shipped modules).

    Raises ``InvalidContent`` listing every problem when anything does not validate.
    """
    checked = check_tree(SHIPPED if path is None else path)
    if checked.problems:
        raise InvalidContent(checked.problems)
    return Catalogue(modules=checked.modules, pathways=checked.pathways, files=checked.files)
