"""What a course publishes: the modules it offers, its OLX checked, signed content packs.

Plain functions behind ``fieldcred lms list|validate|export-pack``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree

from content.catalogue import catalogue_entry, pathway_entry
from content.errors import PackError
from content.loading import Catalogue
from content.model import Module, Pathway, localize
from content.packs import build_pack
from credentials.catalogue import CatalogueEntry
from credentials.errors import CredentialError
from credentials.keys import SigningKey
from credentials.trust import TrustList, read_trust_list, sign_trust_list
from lms_plugin.errors import BadRequest
from lms_plugin.modules import check_languages, check_threshold, effective_module, olx_number

BLOCK_TAG = "green_skills_module"
MAX_OLX_BYTES = 4 * 1024 * 1024


def module_rows(catalogue: Catalogue, lang: str = "en") -> list[dict[str, Any]]:
    """Each installed module as a course would offer it, with the OLX that places it."""
    return [
        {
            "id": module.id,
            "version": module.version,
            "title": localize(module.title, lang),
            "languages": list(module.languages),
            "items": f"{module.pass_rule.items_drawn} of {len(module.items)}",
            "practical": len(module.checklist),
            "threshold": module.pass_rule.overall_threshold,
            "content_hash": module.content_hash,
            "olx": f'<{BLOCK_TAG} module="{module.id}"/>',
        }
        for module in sorted(catalogue.modules.values(), key=lambda m: m.id)
    ]


@dataclass(frozen=True, order=True)
class OlxProblem:
    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def olx_files(path: Path) -> list[Path]:
    return [path] if path.is_file() else sorted(path.rglob("*.xml"))


def _read_olx(files: Iterable[Path]) -> tuple[list[tuple[Path, Any]], list[OlxProblem]]:
    """Every ``green_skills_module`` element with its file, and the files that do not read.
    Untrusted XML: no entities resolved, no network, no huge trees."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    elements: list[tuple[Path, Any]] = []
    problems: list[OlxProblem] = []
    for file in files:
        try:
            data = file.read_bytes()
            if len(data) > MAX_OLX_BYTES:
                raise ValueError(f"larger than {MAX_OLX_BYTES} bytes")
            root = etree.fromstring(data, parser)
        except (OSError, ValueError, etree.XMLSyntaxError) as exc:
            problems.append(OlxProblem(file, 0, f"not readable OLX: {exc}"))
            continue
        elements += [(file, element) for element in root.iter(BLOCK_TAG)]
    return elements, problems


def check_olx(files: Iterable[Path], catalogue: Catalogue) -> tuple[int, list[OlxProblem]]:
    """Every ``green_skills_module`` element in ``files`` checked against the catalogue:
    an installed module, a threshold within its rule, languages it is written in.
    Returns the number of blocks found and the problems."""
    elements, problems = _read_olx(files)
    for file, element in elements:
        problems += [
            OlxProblem(file, element.sourceline or 0, message)
            for message in _element_problems(element, catalogue)
        ]
    return len(elements), sorted(problems)


def course_thresholds(files: Sequence[Path], catalogue: Catalogue) -> dict[str, float]:
    """The pass thresholds a course's blocks set, by module id, so that a pack makes
    centres grade as the course does. A course that sets two thresholds for one module
    is refused: a centre could only apply one."""
    _, problems = check_olx(files, catalogue)
    if problems:
        raise BadRequest("the course OLX has problems:\n" + "\n".join(map(str, problems)))
    elements, _ = _read_olx(files)
    chosen: dict[str, set[float]] = {}
    for _, element in elements:
        if element.get("pass_threshold") is not None:
            chosen.setdefault(element.get("module"), set()).add(
                float(element.get("pass_threshold"))
            )
    conflicting = sorted(module_id for module_id, values in chosen.items() if len(values) > 1)
    if conflicting:
        raise BadRequest(f"the course sets different pass thresholds for {', '.join(conflicting)}")
    return {module_id: values.pop() for module_id, values in chosen.items()}


def _element_problems(element: Any, catalogue: Catalogue) -> list[str]:
    module_id = element.get("module", "")
    module = catalogue.modules.get(module_id)
    if module is None:
        return [f"module {module_id!r} is not in the catalogue"]
    problems = []
    threshold = element.get("pass_threshold")
    try:
        check_threshold(module, None if threshold is None else float(threshold))
    except (BadRequest, ValueError) as exc:
        problems.append(f"{module_id}: pass_threshold {threshold!r}: {exc}")
    languages = element.get("languages")
    if languages is not None:
        try:
            check_languages(module, languages.split())
        except BadRequest as exc:
            problems.append(f"{module_id}: languages: {exc}")
    if element.get("weight") is not None:
        try:
            olx_number("weight", element.get("weight"), minimum=0)
        except BadRequest as exc:
            problems.append(f"{module_id}: {exc}")
    return problems


def select(catalogue: Catalogue, module_ids: Sequence[str]) -> tuple[list[Module], list[Pathway]]:
    """The named modules, and every pathway whose modules are all among them."""
    unknown = [module_id for module_id in module_ids if module_id not in catalogue.modules]
    if unknown:
        raise BadRequest(f"not in the catalogue: {', '.join(unknown)}")
    modules = [catalogue.modules[module_id] for module_id in dict.fromkeys(module_ids)]
    chosen = {module.id for module in modules}
    pathways = [p for p in catalogue.pathways.values() if set(p.modules) <= chosen]
    return modules, pathways


def pack_trust_list(
    key: SigningKey,
    modules: Sequence[Module],
    pathways: Sequence[Pathway],
    *,
    node_certificates: Sequence[bytes] = (),
    base: bytes | None = None,
    now: datetime | None = None,
) -> bytes:
    """A signed trust list for a pack: the university root, the node certificates (from
    ``base`` and given), and catalogue entries for the pack's modules and pathways added
    to those already in ``base``. Its version is one above ``base``'s, else the time."""
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    entries: dict[tuple[str, str], CatalogueEntry] = {}
    old: TrustList | None = None
    try:
        if base is not None:
            old = read_trust_list(base, pinned_roots=[key.public_key])
            entries.update((entry.key, entry) for entry in old.catalogue)
        for module in modules:
            entries[(module.id, module.version)] = catalogue_entry(module)
        for pathway in pathways:
            entries[(pathway.id, pathway.version)] = pathway_entry(pathway, modules)
        certificates = dict.fromkeys([*(old.node_certificates if old else ()), *node_certificates])
        trust = TrustList(
            version=old.version + 1 if old else int(moment.timestamp()),
            issued_at=moment,
            roots=old.roots if old else (key.public_key,),
            node_certificates=tuple(certificates),
            catalogue=tuple(entries[k] for k in sorted(entries)),
            revoked_nodes=dict(old.revoked_nodes) if old else {},
            status_lists=dict(old.status_lists) if old else {},
        )
        return sign_trust_list(key, trust)
    except (CredentialError, ValueError) as exc:
        raise BadRequest(f"the trust list cannot be built: {exc}") from exc


def export_pack(
    catalogue: Catalogue,
    module_ids: Sequence[str],
    key: SigningKey,
    *,
    node_certificates: Sequence[bytes] = (),
    base_trust_list: bytes | None = None,
    thresholds: Mapping[str, float] | None = None,
) -> tuple[bytes, list[Module], list[Pathway]]:
    """A signed content pack of the named modules (their media, the pathways they
    complete, catalogue entries and trust list) for edge nodes.

    ``thresholds`` (from :func:`course_thresholds`) applies a course's stricter pass
    thresholds to the packed definitions; their catalogue entries then carry the
    content hash of the rule the centres actually apply."""
    modules, pathways = select(catalogue, module_ids)
    modules = [effective_module(module, (thresholds or {}).get(module.id)) for module in modules]
    trust = pack_trust_list(
        key, modules, pathways, node_certificates=node_certificates, base=base_trust_list
    )
    try:
        media = {module.id: catalogue.media(module.id) for module in modules}
        return build_pack(modules, pathways, trust, media, key), modules, pathways
    except (PackError, OSError) as exc:
        raise BadRequest(f"the pack cannot be built: {exc}") from exc
