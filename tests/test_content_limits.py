"""A module or pathway the content checks accept can always be issued: its version, its
number of outcomes (or of modules, for a pathway) and its validity fit what a credential
holds (``credentials.claims``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from content.loading import load_catalogue
from content.model import Module, Pathway
from credentials.claims import MAX_OUTCOMES

CATALOGUE = load_catalogue(Path(__file__).parents[1] / "content" / "green_skills")
MODULE = next(iter(CATALOGUE.modules.values()))
PATHWAY = next(iter(CATALOGUE.pathways.values()))


def _module(**changes: Any) -> Module:
    return Module.model_validate({**MODULE.model_dump(), **changes})


def test_the_shipped_content_fits() -> None:
    assert _module() == MODULE


@pytest.mark.parametrize("version", ["1.0.1000000", "1000000.0.0"])
def test_a_version_no_credential_carries_is_refused(version: str) -> None:
    with pytest.raises(ValidationError, match=r"MAJOR\.MINOR\.PATCH"):
        _module(version=version)
    with pytest.raises(ValidationError, match=r"MAJOR\.MINOR\.PATCH"):
        Pathway.model_validate({**PATHWAY.model_dump(), "version": version})


def test_more_outcomes_than_a_credential_carries_are_refused() -> None:
    first = MODULE.outcomes[0].model_dump()
    many = [{**first, "id": f"o{n}"} for n in range(MAX_OUTCOMES + 1)]
    with pytest.raises(ValidationError, match=f"at most {MAX_OUTCOMES} items"):
        _module(outcomes=many)


def test_a_pathway_of_more_modules_than_a_credential_carries_is_refused() -> None:
    modules = [f"m{n}" for n in range(MAX_OUTCOMES + 1)]
    with pytest.raises(ValidationError, match=f"at most {MAX_OUTCOMES} items"):
        Pathway.model_validate({**PATHWAY.model_dump(), "modules": modules})


def test_a_validity_past_any_date_is_refused() -> None:
    with pytest.raises(ValidationError, match="less than or equal to 100"):
        _module(validity_years=5000)
    assert _module(validity_years=100).validity_years == 100
