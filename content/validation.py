"""Validate a tree of module and pathway files, reporting every problem at once.

Each problem names the file, the line and the field. Files that fail the schema
are still counted for the checks across files (their ``id`` is known when it was
written), so one broken module does not make every pathway that names it fail too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ValidationError

from content.coverage import min_items_to_cover
from content.documents import Document, FieldPath, content_files, format_path, read_document
from content.errors import Problem
from content.model import LANGUAGES, Item, Module, Pathway

_Report = Callable[[FieldPath, str], None]


@dataclass
class Checked:
    """The outcome of checking documents: what validated, and every problem found."""

    modules: dict[str, Module] = field(default_factory=dict)
    pathways: dict[str, Pathway] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def validate_tree(path: Path) -> list[Problem]:
    """Every problem in the module and pathway files under ``path`` (a folder or one file)."""
    return check_tree(path).problems


def check_tree(path: Path) -> Checked:
    documents: list[Document] = []
    problems: list[Problem] = []
    for file in content_files(path):
        document, found = read_document(file)
        problems.extend(found)
        if document is not None:
            documents.append(document)
    checked = check_documents(documents)
    checked.problems = sorted(problems + checked.problems)
    return checked


def check_documents(documents: list[Document]) -> Checked:
    checked = Checked()
    module_docs: list[tuple[Module, Document]] = []
    pathway_docs: list[tuple[Pathway, Document]] = []
    declared: dict[str, tuple[str, Document]] = {}  # id -> (kind, first file declaring it)
    for document in documents:
        kind = _kind(document, checked.problems)
        if kind is None:
            continue
        _declare_id(document, kind, declared, checked.problems)
        model: type[Module] | type[Pathway] = Module if kind == "module" else Pathway
        try:
            parsed = model.model_validate(document.data)
        except ValidationError as exc:
            checked.problems.extend(_schema_problems(document, exc))
            continue
        if isinstance(parsed, Module):
            module_docs.append((parsed, document))
        else:
            pathway_docs.append((parsed, document))
    for module, document in module_docs:
        checked.problems.extend(check_module(module, document))
        if declared[module.id][1] is document:
            checked.modules[module.id] = module
            checked.files[module.id] = document.file
    for pathway, document in pathway_docs:
        checked.problems.extend(_translations(pathway, document, set(LANGUAGES)))
        if declared[pathway.id][1] is document:
            checked.pathways[pathway.id] = pathway
            checked.files[pathway.id] = document.file
    checked.problems.extend(_stacking(module_docs, pathway_docs, declared))
    return checked


def _kind(document: Document, problems: list[Problem]) -> str | None:
    if not isinstance(document.data, dict):
        problems.append(
            Problem(document.file, document.line(()), "(file)", "expected a mapping at the top")
        )
        return None
    kind = document.data.get("kind")
    if kind in ("module", "pathway"):
        return str(kind)
    message = "missing kind" if kind is None else f"unknown kind {kind!r}"
    problems.append(
        Problem(document.file, document.line(("kind",)), "kind", f"{message}: module or pathway")
    )
    return None


def _declare_id(
    document: Document, kind: str, declared: dict[str, tuple[str, Document]], out: list[Problem]
) -> None:
    identifier = document.data.get("id")
    if not isinstance(identifier, str):
        return  # the schema check reports it
    if identifier in declared:
        first_kind, first = declared[identifier]
        out.append(
            Problem(
                document.file,
                document.line(("id",)),
                "id",
                f"duplicate id {identifier!r}: {first_kind} in {first.file} already uses it",
            )
        )
    else:
        declared[identifier] = (kind, document)


def _schema_problems(document: Document, exc: ValidationError) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        path: FieldPath = tuple(part for part in error["loc"] if isinstance(part, str | int))
        message = error["msg"]
        if error["type"] == "string_type" and isinstance(error["input"], bool):
            message += " (YAML reads an unquoted yes/no/on/off as true/false: quote it)"
        problems.append(
            Problem(document.file, document.line(path), format_path(path) or "(file)", message)
        )
    return problems


def check_module(module: Module, document: Document) -> list[Problem]:
    """The checks the schema cannot make: references, translations, pass rules, files."""
    out: list[Problem] = []

    def report(path: FieldPath, message: str) -> None:
        out.append(Problem(document.file, document.line(path), format_path(path), message))

    _duplicates(module, report)
    _references(module, report)
    _item_kinds(module, report)
    _pass_rule(module, report)
    _images(module, document, report)
    out.extend(_translations(module, document, set(LANGUAGES) | set(module.languages)))
    return out


def _duplicates(module: Module, report: _Report) -> None:
    groups: list[tuple[FieldPath, list[str]]] = [
        (("outcomes",), [outcome.id for outcome in module.outcomes]),
        (("items",), [item.id for item in module.items]),
        (("checklist",), [criterion.id for criterion in module.checklist]),
    ]
    for index, item in enumerate(module.items):
        groups.append((("items", index, "options"), [option.id for option in item.options]))
    for index, criterion in enumerate(module.checklist):
        scores = [str(level.score) for level in criterion.levels]
        groups.append((("checklist", index, "levels"), scores))
    for prefix, ids in groups:
        seen: set[str] = set()
        field_name = "score" if prefix[-1] == "levels" else "id"
        for position, identifier in enumerate(ids):
            if identifier in seen:
                report((*prefix, position, field_name), f"duplicate {field_name} {identifier!r}")
            seen.add(identifier)


def _references(module: Module, report: _Report) -> None:
    known = {outcome.id for outcome in module.outcomes}
    assessed: set[str] = set()
    evidence: list[tuple[str, int, list[str]]] = [
        ("items", index, item.outcomes) for index, item in enumerate(module.items)
    ] + [
        ("checklist", index, criterion.outcomes) for index, criterion in enumerate(module.checklist)
    ]
    for section, index, outcomes in evidence:
        for position, outcome_id in enumerate(outcomes):
            if outcome_id in outcomes[:position]:
                report((section, index, "outcomes", position), f"outcome {outcome_id!r} twice")
            elif outcome_id in known:
                assessed.add(outcome_id)
            else:
                report((section, index, "outcomes", position), f"unknown outcome {outcome_id!r}")
    for index, outcome in enumerate(module.outcomes):
        if outcome.id not in assessed:
            report(
                ("outcomes", index), f"outcome {outcome.id!r} is assessed by no item or criterion"
            )


def _item_kinds(module: Module, report: _Report) -> None:
    for index, item in enumerate(module.items):
        for path, message in _item_kind_problems(item):
            report(("items", index, *path), message)


def _item_kind_problems(item: Item) -> Iterator[tuple[FieldPath, str]]:
    correct = sum(option.correct for option in item.options)
    choice = item.kind in ("single_choice", "multiple_choice")
    if choice:
        if len(item.options) < 2:
            yield ("options",), f"a {item.kind} item needs at least two options"
        if item.kind == "single_choice" and correct != 1:
            yield (
                ("options",),
                f"a single_choice item needs exactly one correct option, not {correct}",
            )
        if item.kind == "multiple_choice" and correct < 1:
            yield ("options",), "a multiple_choice item needs at least one correct option"
    elif item.options:
        yield ("options",), f"a {item.kind} item takes no options"
    if item.kind == "true_false" and item.answer is None:
        yield ("answer",), "a true_false item needs an answer (true or false)"
    if item.kind != "true_false" and item.answer is not None:
        yield ("answer",), f"a {item.kind} item takes no answer field"
    if item.kind == "numeric" and item.numeric is None:
        yield ("numeric",), "a numeric item needs numeric (value, tolerance)"
    if item.kind != "numeric" and item.numeric is not None:
        yield ("numeric",), f"a {item.kind} item takes no numeric field"


def _pass_rule(module: Module, report: _Report) -> None:
    rule = module.pass_rule
    bank = len(module.items)
    if rule.items_drawn > bank:
        report(
            ("pass_rule", "items_drawn"),
            f"draws {rule.items_drawn} items from a bank of {bank}",
        )
    answerable = sum(not any(True for _ in _item_kind_problems(item)) for item in module.items)
    checklist_points = sum(max(level.score for level in c.levels) for c in module.checklist)
    total = rule.items_drawn + checklist_points
    reachable = Fraction(min(rule.items_drawn, answerable) + checklist_points, total)
    if Fraction(str(rule.overall_threshold)) > reachable:
        report(
            ("pass_rule", "overall_threshold"),
            f"threshold {rule.overall_threshold} is above the best reachable score "
            f"{float(reachable):.2f}: of {rule.items_drawn} items drawn at most "
            f"{min(rule.items_drawn, answerable)} can be answered right, plus "
            f"{checklist_points} checklist points, out of {total} points",
        )
    for index, criterion in enumerate(module.checklist):
        top = max(level.score for level in criterion.levels)
        if criterion.must_pass and rule.must_pass_minimum_score > top:
            report(
                ("pass_rule", "must_pass_minimum_score"),
                f"must-pass criterion {criterion.id!r} (checklist[{index}]) tops out at {top}, "
                f"below the must-pass minimum {rule.must_pass_minimum_score}",
            )
    _outcome_minimum(module, report)


def _outcome_minimum(module: Module, report: _Report) -> None:
    rule = module.pass_rule
    if rule.outcome_minimum == 0:
        return
    scored = {
        o for c in module.checklist if max(lv.score for lv in c.levels) > 0 for o in c.outcomes
    }
    by_items = {o for item in module.items for o in item.outcomes}
    by_criteria = {o for c in module.checklist for o in c.outcomes}
    known = {outcome.id for outcome in module.outcomes}
    for index, outcome in enumerate(module.outcomes):
        if outcome.id in by_criteria - scored - by_items:
            report(
                ("outcomes", index),
                f"outcome {outcome.id!r} can earn no points (its criteria top out at 0), "
                f"so the per-outcome minimum {rule.outcome_minimum} is impossible",
            )
    needed = (by_items & known) - scored
    item_sets = [set(item.outcomes) & needed for item in module.items]
    fewest = min_items_to_cover(needed, item_sets)
    if fewest is not None and fewest > rule.items_drawn:
        report(
            ("pass_rule", "outcome_minimum"),
            f"a sitting of {rule.items_drawn} item(s) cannot cover the {len(needed)} outcomes only "
            f"items assess (it takes at least {fewest}), so some outcome would have no evidence",
        )


def _images(module: Module, document: Document, report: _Report) -> None:
    folder = document.file.parent
    for index, item in enumerate(module.items):
        if item.image is None:
            continue
        relative = PurePosixPath(item.image)
        if relative.is_absolute() or ".." in relative.parts:
            report(
                ("items", index, "image"), "image path must be relative, inside the module's folder"
            )
        elif not (folder / relative).is_file():
            report(("items", index, "image"), f"image {item.image!r} not found in {folder}")


def _translations(model: BaseModel, document: Document, required: set[str]) -> list[Problem]:
    problems = []
    for path, text in _local_texts(model, ()):
        missing = sorted(
            (lang for lang in required if not text.get(lang, "").strip()), key=_language_order
        )
        if missing:
            problems.append(
                Problem(
                    document.file,
                    document.line(path),
                    format_path(path),
                    f"missing translation: {', '.join(missing)}",
                )
            )
    return problems


def _language_order(language: str) -> tuple[int, str]:
    return (LANGUAGES.index(language) if language in LANGUAGES else len(LANGUAGES), language)


def _local_texts(value: Any, path: FieldPath) -> Iterator[tuple[FieldPath, dict[str, str]]]:
    """Every learner-facing text (the model's only mappings are ``LocalText``)."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _local_texts(getattr(value, name), (*path, name))
    elif isinstance(value, list):
        for index, entry in enumerate(value):
            yield from _local_texts(entry, (*path, index))
    elif isinstance(value, dict):
        yield path, value


def _stacking(
    module_docs: list[tuple[Module, Document]],
    pathway_docs: list[tuple[Pathway, Document]],
    declared: dict[str, tuple[str, Document]],
) -> list[Problem]:
    out: list[Problem] = []
    stacks: dict[str, set[str]] = {pathway.id: set(pathway.modules) for pathway, _ in pathway_docs}
    for pathway, document in pathway_docs:
        seen: set[str] = set()
        for index, module_id in enumerate(pathway.modules):
            path: FieldPath = ("modules", index)
            problem = None
            if module_id in seen:
                problem = f"module {module_id!r} is listed twice"
            elif declared.get(module_id, ("",))[0] != "module":
                problem = f"module {module_id!r} does not exist"
            seen.add(module_id)
            if problem:
                out.append(Problem(document.file, document.line(path), format_path(path), problem))
    for module, document in module_docs:
        for index, pathway_id in enumerate(module.pathways):
            path = ("pathways", index)
            if declared.get(pathway_id, ("",))[0] != "pathway":
                problem = f"pathway {pathway_id!r} does not exist"
            elif pathway_id in stacks and module.id not in stacks[pathway_id]:
                problem = f"pathway {pathway_id!r} does not list module {module.id!r}"
            else:
                continue
            out.append(Problem(document.file, document.line(path), format_path(path), problem))
    return out
