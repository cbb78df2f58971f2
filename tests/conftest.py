"""Shared, generic fixtures: the shipped content loaded once, deterministic keys."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from content.documents import content_files
from content.loading import SHIPPED, Catalogue, load_catalogue
from credentials.keys import SigningKey


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The shipped green-skills modules and pathways, validated, loaded once per session."""
    if not content_files(SHIPPED):
        pytest.skip(f"no module or pathway files under {SHIPPED} yet")
    return load_catalogue()


def _seeded_key(label: str) -> SigningKey:
    return SigningKey.from_seed(hashlib.sha256(label.encode("utf-8")).digest())


@pytest.fixture
def seeded_key() -> Callable[[str], SigningKey]:
    """A function giving the same Ed25519 key for the same label: ``seeded_key("university")``."""
    return _seeded_key
