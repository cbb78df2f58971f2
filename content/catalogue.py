"""Catalogue entries: what a credential's module id and version mean, for the trust list."""

from __future__ import annotations

from collections.abc import Sequence

from content.model import Module, Pathway, canonical_hash
from credentials.catalogue import Alignment, CatalogueEntry


def catalogue_entry(module: Module) -> CatalogueEntry:
    """The module as a verifier shows it: title, outcomes in module order, level, workload,
    and its alignments: fields of education (ISCED-F), then each distinct alignment of its
    outcomes (ESCO skills...) in module order."""
    alignments = [*module.field_of_education]
    for outcome in module.outcomes:
        alignments += [a for a in outcome.alignments if a not in alignments]
    return CatalogueEntry(
        module_id=module.id,
        version=module.version,
        title=dict(module.title),
        outcomes=tuple(dict(outcome.text) for outcome in module.outcomes),
        level_eqf=module.level.eqf,
        workload_hours=module.workload_hours,
        credit_points_ects=module.credit_points_ects,
        awarding_body=module.awarding_body.name,
        country=module.awarding_body.country,
        content_hash=module.content_hash,
        alignments=tuple(
            Alignment(a.framework, a.code, a.label, a.uri or None) for a in alignments
        ),
    )


def pathway_entry(pathway: Pathway, modules: Sequence[Module]) -> CatalogueEntry:
    """A pathway's entry: its "outcomes" are its modules, in pathway order.

    Workload and credit points are the sums over the modules (credit points only
    when every module has them); the content hash covers the pathway definition.
    """
    by_id = {module.id: module for module in modules}
    missing = [module_id for module_id in pathway.modules if module_id not in by_id]
    if missing:
        raise ValueError(f"pathway {pathway.id} needs modules {', '.join(missing)}")
    members = [by_id[module_id] for module_id in pathway.modules]
    credits = [module.credit_points_ects for module in members]
    return CatalogueEntry(
        module_id=pathway.id,
        version=pathway.version,
        title=dict(pathway.title),
        outcomes=tuple(dict(module.title) for module in members),
        level_eqf=pathway.level.eqf,
        workload_hours=sum(module.workload_hours for module in members),
        credit_points_ects=None if None in credits else sum(c for c in credits if c is not None),
        awarding_body=pathway.awarding_body.name,
        country=pathway.awarding_body.country,
        content_hash=canonical_hash(pathway),
        pathway_modules=tuple(pathway.modules),
    )
