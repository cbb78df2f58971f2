"""Shared, generic fixtures: the shipped content loaded once."""

from __future__ import annotations

import pytest

from content.documents import content_files
from content.loading import SHIPPED, Catalogue, load_catalogue


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The shipped green-skills modules and pathways, validated, loaded once per session."""
    if not content_files(SHIPPED):
        pytest.skip(f"no module or pathway files under {SHIPPED} yet")
    return load_catalogue()
