"""The installed module catalogue as the block sees it, and the author's options on a module."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from pathlib import Path

from content.errors import InvalidContent
from content.loading import Catalogue, load_catalogue
from content.model import Module
from lms_plugin.errors import BadRequest, NotConfigured


@functools.lru_cache(maxsize=4)
def _load(path: Path | None) -> Catalogue:
    return load_catalogue(path)


def installed_catalogue(path: Path | None) -> Catalogue:
    """The catalogue under ``path`` (default: the shipped modules), loaded once per process."""
    try:
        return _load(path)
    except InvalidContent as exc:
        raise NotConfigured(f"the installed module catalogue does not validate: {exc}") from exc
    except OSError as exc:
        raise NotConfigured(f"the module catalogue cannot be read: {exc}") from exc


def find_module(catalogue: Catalogue, module_id: str) -> Module:
    try:
        return catalogue.modules[module_id]
    except KeyError:
        raise BadRequest(f"no module {module_id!r} is installed") from None


def check_threshold(module: Module, threshold: object) -> float | None:
    """An author's pass threshold: ``None`` (the module's own) or a fraction from the
    module's threshold up to 1. A course may be stricter than the published rule, never
    laxer, so every credential still means what the catalogue says it means."""
    if threshold is None:
        return None
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise BadRequest("the pass threshold must be a number or null")
    floor = module.pass_rule.overall_threshold
    if not floor <= float(threshold) <= 1:
        raise BadRequest(
            f"the pass threshold must be between the module's own {floor:g} and 1, "
            f"not {threshold:g}"
        )
    return float(threshold)


def olx_number(name: str, text: str, *, minimum: float = -math.inf) -> float:
    """A number attribute of an OLX element: finite and at least ``minimum``."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < minimum:
        at_least = "" if minimum == -math.inf else f" of {minimum:g} or more"
        raise BadRequest(f"{name} must be a number{at_least}, not {text!r}")
    return value


def check_languages(module: Module, languages: object) -> list[str]:
    """The languages offered: a non-empty subset of the module's, in the module's order."""
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        raise BadRequest("languages must be a list of language codes")
    unknown = sorted(set(languages) - set(module.languages))
    if unknown:
        raise BadRequest(f"module {module.id} is not written in {', '.join(unknown)}")
    if not languages:
        raise BadRequest("offer at least one language")
    return [lang for lang in module.languages if lang in languages]


def effective_module(module: Module, threshold: float | None) -> Module:
    """The module with the author's stricter threshold applied (for grading only)."""
    if threshold is None:
        return module
    rule = module.pass_rule.model_copy(update={"overall_threshold": threshold})
    return module.model_copy(update={"pass_rule": rule})


def knowledge_part(module: Module) -> Module:
    """The module without its practical checklist: what an online sitting can grade."""
    return module.model_copy(update={"checklist": []})


def offered_languages(module: Module, chosen: Sequence[str]) -> list[str]:
    """The author's choice still valid for the module, else all the module's languages."""
    kept = [lang for lang in module.languages if lang in chosen]
    return kept or list(module.languages)
