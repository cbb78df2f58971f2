"""The micro-credential module model.

A module carries every element a recognised micro-credential needs (EU Council
Recommendation 2022/C 243/02 Annex I, UNESCO 2022, the 2023 Micro-Credentials
Summit Declaration), so a credential that names only a module id and version can
be expanded by any verifier holding the signed catalogue.

Stored models carry answer keys; ``content.public`` derives the shapes that may
be sent to a learner.
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from credentials.claims import MAX_OUTCOMES, MODULE_VERSION
from credentials.languages import LANGUAGES as LANGUAGES

# LANGUAGES (credentials.languages): every learner-facing string is written in each;
# English is the fallback.

FALLBACK_LANGUAGE = "en"

_ID = r"^[a-z0-9][a-z0-9-]{1,62}$"
_LOCAL_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$"


def _check_semver(value: str) -> str:
    # The credential's own pattern: a version it could not carry would fail at issuance.
    if not MODULE_VERSION.match(value):
        raise ValueError("version must be semantic, MAJOR.MINOR.PATCH")
    return value


ModuleId = Annotated[str, Field(pattern=_ID)]
SemVer = Annotated[str, AfterValidator(_check_semver)]
LocalId = Annotated[str, Field(pattern=_LOCAL_ID)]
LocalText = dict[str, str]
"""A learner-facing string by language code: ``{"en": ..., "sw": ..., "fr": ...}``."""


def localize(text: LocalText, language: str) -> str:
    """The text in ``language``, falling back to English, then to any language."""
    if text.get(language):
        return text[language]
    if text.get(FALLBACK_LANGUAGE):
        return text[FALLBACK_LANGUAGE]
    return next(iter(text.values()), "")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Domain(StrEnum):
    """UNESCO Greening Curriculum Guidance (2024) learning domains."""

    cognitive = "cognitive"
    socio_emotional = "socio_emotional"
    behavioural = "behavioural"


class Participation(StrEnum):
    """EU Annex I element 10, form of participation (ELM learning modes)."""

    in_person = "in_person"
    blended = "blended"
    online = "online"


class AssessmentType(StrEnum):
    """EU Annex I element 9 (ELM assessment types we use)."""

    quiz = "quiz"
    practical = "practical"
    recognition_of_prior_learning = "recognition_of_prior_learning"


class IdentityVerification(StrEnum):
    """EU Annex I optional element: supervision and identity verification."""

    unsupervised_no_id = "unsupervised_no_id"
    supervised_no_id = "supervised_no_id"
    supervised_online_with_id = "supervised_online_with_id"
    supervised_onsite_with_id = "supervised_onsite_with_id"


class Alignment(_Strict):
    """A link from an outcome or module to an external taxonomy entry."""

    framework: str = Field(min_length=1, description='e.g. "ESCO v1.2.0", "ISCED-F 2013", "EQF"')
    code: str = Field(min_length=1)
    uri: str | None = None
    label: str = Field(min_length=1)


class Source(_Strict):
    """A public source the module's content is grounded in."""

    title: str = Field(min_length=1)
    url: str | None = None
    publisher: str | None = None


class AwardingBody(_Strict):
    name: str = Field(min_length=1)
    url: str | None = None
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    region: str | None = None


class Level(_Strict):
    eqf: int | None = Field(default=None, ge=1, le=8)
    nqf_framework: str | None = None
    nqf_level: str | None = None


class Outcome(_Strict):
    id: LocalId
    domain: Domain
    text: LocalText
    alignments: list[Alignment] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list, description="e.g. csa_pillar:adaptation")


class Option(_Strict):
    id: LocalId
    text: LocalText
    correct: bool = False


class NumericAnswer(_Strict):
    value: float
    tolerance: float = Field(ge=0)
    unit: LocalText | None = None


ItemKind = Literal["single_choice", "multiple_choice", "true_false", "numeric"]


class Item(_Strict):
    """A knowledge item. ``options[*].correct``, ``answer`` and ``numeric`` are answer keys."""

    id: LocalId
    kind: ItemKind
    outcomes: list[LocalId] = Field(min_length=1)
    prompt: LocalText
    options: list[Option] = Field(default_factory=list)
    answer: bool | None = Field(default=None, description="the key of a true_false item")
    numeric: NumericAnswer | None = None
    image: str | None = Field(default=None, description="path relative to the module file")
    feedback: LocalText | None = Field(default=None, description="shown after submission")


class RubricLevel(_Strict):
    score: int = Field(ge=0)
    text: LocalText


class Criterion(_Strict):
    """A practical observation criterion an extension worker scores."""

    id: LocalId
    outcomes: list[LocalId] = Field(min_length=1)
    text: LocalText
    levels: list[RubricLevel] = Field(min_length=2)
    must_pass: bool = False


class PassRule(_Strict):
    """How a sitting is drawn and graded.

    Scores are fractions of the points available: each knowledge item is worth one
    point, each criterion its highest rubric score.
    """

    items_drawn: int = Field(ge=1)
    overall_threshold: float = Field(gt=0, le=1, description="fraction of all points")
    outcome_minimum: float = Field(ge=0, le=1, description="fraction per outcome")
    must_pass_minimum_score: int = Field(
        ge=0, description="rubric score every must-pass criterion needs"
    )


class PriorLearning(_Strict):
    """Recognition of prior learning: an assessment-only route."""

    allowed: bool
    description: LocalText


class Module(_Strict):
    kind: Literal["module"] = "module"
    id: ModuleId
    version: SemVer
    title: LocalText
    summary: LocalText
    awarding_body: AwardingBody
    languages: list[str] = Field(min_length=1)
    outcomes: list[Outcome] = Field(min_length=1, max_length=MAX_OUTCOMES)
    field_of_education: list[Alignment] = Field(min_length=1, description="ISCED-F 2013")
    level: Level
    workload_hours: float = Field(gt=0)
    credit_points_ects: float | None = Field(default=None, ge=0)
    participation: Participation
    assessment_types: list[AssessmentType] = Field(min_length=1)
    quality_assurance: LocalText
    prerequisites: LocalText
    identity_verification: IdentityVerification
    grading_scheme: LocalText
    pathways: list[ModuleId] = Field(default_factory=list, description="stackability")
    prior_learning: PriorLearning
    validity_years: int | None = Field(
        default=None, ge=1, le=100, description="None: never expires"
    )
    assessment_summary: LocalText = Field(description="public criteria and QA, for non-experts")
    items: list[Item] = Field(min_length=1)
    checklist: list[Criterion] = Field(default_factory=list)
    pass_rule: PassRule
    sources: list[Source] = Field(min_length=1)

    @property
    def content_hash(self) -> str:
        """SHA-256 over the canonical JSON of the whole definition (keys sorted)."""
        return canonical_hash(self)

    def outcome_index(self, outcome_id: str) -> int:
        """Position of an outcome in module order (its bit in a credential's bitmap)."""
        for index, outcome in enumerate(self.outcomes):
            if outcome.id == outcome_id:
                return index
        raise KeyError(outcome_id)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.checklist:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)


class Pathway(_Strict):
    """A stack of modules that together earn a larger credential."""

    kind: Literal["pathway"] = "pathway"
    id: ModuleId
    version: SemVer
    title: LocalText
    summary: LocalText
    awarding_body: AwardingBody
    modules: list[ModuleId] = Field(
        min_length=2, max_length=MAX_OUTCOMES, description="one outcome of its credential each"
    )
    level: Level
    sources: list[Source] = Field(default_factory=list)


def canonical_hash(model: BaseModel) -> str:
    data = model.model_dump(mode="json")
    encoded = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()
