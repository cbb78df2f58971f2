"""Catalogue entries: what a module id and version mean, carried in the signed trust list."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from credentials.errors import MalformedInput

# CBOR map keys of an entry in the trust list.
(
    _MODULE_ID,
    _VERSION,
    _TITLE,
    _OUTCOMES,
    _LEVEL_EQF,
    _WORKLOAD,
    _ECTS,
    _AWARDING_BODY,
    _COUNTRY,
    _CONTENT_HASH,
    _PATHWAY_MODULES,
    _ALIGNMENTS,
) = range(1, 13)


@dataclass(frozen=True)
class Alignment:
    """An entry of an external framework the module is aligned to (an ISCED-F 2013 field
    of education, an ESCO skill...): framework name with version, code, label, URI."""

    framework: str
    code: str
    label: str
    uri: str | None = None


@dataclass(frozen=True)
class CatalogueEntry:
    """A module (or pathway) as a verifier shows it; text by language code."""

    module_id: str
    version: str
    title: Mapping[str, str]
    outcomes: tuple[Mapping[str, str], ...]
    level_eqf: int | None
    workload_hours: float
    credit_points_ects: float | None
    awarding_body: str
    country: str
    content_hash: str
    pathway_modules: tuple[str, ...] = field(default=())
    alignments: tuple[Alignment, ...] = field(default=())

    @property
    def key(self) -> tuple[str, str]:
        return (self.module_id, self.version)

    def title_in(self, language: str) -> str:
        return _localized(self.title, language)

    def outcomes_in(self, language: str) -> tuple[str, ...]:
        return tuple(_localized(text, language) for text in self.outcomes)


def _localized(text: Mapping[str, str], language: str) -> str:
    return text.get(language) or text.get("en") or next(iter(text.values()), "")


def entry_to_cbor(entry: CatalogueEntry) -> dict[int, Any]:
    data: dict[int, Any] = {
        _MODULE_ID: entry.module_id,
        _VERSION: entry.version,
        _TITLE: dict(entry.title),
        _OUTCOMES: [dict(text) for text in entry.outcomes],
        _WORKLOAD: entry.workload_hours,
        _AWARDING_BODY: entry.awarding_body,
        _COUNTRY: entry.country,
        _CONTENT_HASH: entry.content_hash,
    }
    if entry.level_eqf is not None:
        data[_LEVEL_EQF] = entry.level_eqf
    if entry.credit_points_ects is not None:
        data[_ECTS] = entry.credit_points_ects
    if entry.pathway_modules:
        data[_PATHWAY_MODULES] = list(entry.pathway_modules)
    if entry.alignments:
        data[_ALIGNMENTS] = [
            [a.framework, a.code, a.label, *([a.uri] if a.uri else [])] for a in entry.alignments
        ]
    return data


def _local_text(value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise MalformedInput("catalogue text must be a non-empty map of language to text")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise MalformedInput("catalogue text must map language codes to text")
    return value


def _str(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise MalformedInput(f"catalogue {name} must be text")
    return value


def _number(value: object, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 <= value < math.inf  # NaN compares false
    ):
        raise MalformedInput(f"catalogue {name} must be a non-negative number")
    return float(value)


def _alignment(value: object) -> Alignment:
    if (
        not isinstance(value, list)
        or len(value) not in (3, 4)
        or not all(isinstance(part, str) and part for part in value)
    ):
        raise MalformedInput("a catalogue alignment is [framework, code, label, ? uri] as text")
    return Alignment(*value)


def entry_from_cbor(data: object) -> CatalogueEntry:
    if not isinstance(data, dict) or not set(data) <= set(range(1, 13)):
        raise MalformedInput("a catalogue entry is a map with keys 1 to 12")
    outcomes = data.get(_OUTCOMES)
    if not isinstance(outcomes, list) or not outcomes:
        raise MalformedInput("catalogue outcomes must be a non-empty list")
    level = data.get(_LEVEL_EQF)
    if level is not None and (type(level) is not int or not 1 <= level <= 8):
        raise MalformedInput("catalogue EQF level must be 1 to 8")
    ects = data.get(_ECTS)
    pathway_modules = data.get(_PATHWAY_MODULES, [])
    if not isinstance(pathway_modules, list):
        raise MalformedInput("catalogue pathway modules must be a list")
    alignments = data.get(_ALIGNMENTS, [])
    if not isinstance(alignments, list):
        raise MalformedInput("catalogue alignments must be a list")
    return CatalogueEntry(
        module_id=_str(data.get(_MODULE_ID), "module id"),
        version=_str(data.get(_VERSION), "version"),
        title=_local_text(data.get(_TITLE)),
        outcomes=tuple(_local_text(text) for text in outcomes),
        level_eqf=level,
        workload_hours=_number(data.get(_WORKLOAD), "workload"),
        credit_points_ects=None if ects is None else _number(ects, "ECTS credits"),
        awarding_body=_str(data.get(_AWARDING_BODY), "awarding body"),
        country=_str(data.get(_COUNTRY), "country"),
        content_hash=_str(data.get(_CONTENT_HASH), "content hash"),
        pathway_modules=tuple(_str(module, "pathway module") for module in pathway_modules),
        alignments=tuple(_alignment(alignment) for alignment in alignments),
    )
