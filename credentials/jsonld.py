"""RDF Dataset Canonicalization (RDFC-1.0) of JSON-LD documents, offline.

Contexts are served only from the copies shipped in ``credentials/contexts``
(plus any a caller passes explicitly); a document naming any other context is
refused rather than fetched, so canonicalizing never touches the network and a
document cannot make us load something we have not reviewed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pyld import jsonld
from pyld.context_resolver import ContextResolver

from credentials.errors import MalformedInput

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_V3P0_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

MAX_DEPTH = 32

_CONTEXT_DIR = Path(__file__).parent / "contexts"
_CONTEXT_FILES = {
    VC_V2_CONTEXT: "credentials-v2.jsonld",
    OB_V3P0_CONTEXT: "ob_v3p0_context-3.0.3.json",
}


# Processed shipped contexts, kept apart from PyLD's process-wide cache so that no
# context loaded elsewhere can leak into our canonicalization.
_SHIPPED_RESOLVED: dict[str, Any] = {}


class UnknownContext(MalformedInput):
    """A document refers to a JSON-LD context we hold no local copy of."""


@cache
def _shipped_context(url: str) -> Any:
    return json.loads((_CONTEXT_DIR / _CONTEXT_FILES[url]).read_text(encoding="utf-8"))


def shipped_contexts() -> dict[str, Any]:
    """The context documents shipped with the package, by URL."""
    return {url: _shipped_context(url) for url in _CONTEXT_FILES}


def canonicalize(document: Mapping[str, Any], *, contexts: Mapping[str, Any] | None = None) -> str:
    """The RDFC-1.0 canonical N-Quads of ``document``.

    ``contexts`` maps context URLs to their documents; by default the shipped
    copies. Raises ``UnknownContext`` for any other URL and ``MalformedInput``
    when the document is not valid JSON-LD.
    """
    _check_text(document)
    if contexts is None:
        available, resolved_cache = shipped_contexts(), _SHIPPED_RESOLVED
    else:
        available, resolved_cache = dict(contexts), {}

    def load(url: str, options: Mapping[str, Any]) -> dict[str, Any]:
        if url not in available:
            raise UnknownContext(f"no local copy of the JSON-LD context {url}")
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": available[url],
            # "static" lets the resolver keep the processed context between calls.
            "tag": "static",
        }

    try:
        nquads = jsonld.normalize(
            dict(document),
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": load,
                "contextResolver": ContextResolver(resolved_cache, load),
            },
        )
    except jsonld.JsonLdError as error:
        unknown = _find_cause(error, UnknownContext)
        if unknown is not None:
            raise unknown from error
        raise MalformedInput(f"not a valid JSON-LD document: {error.args[0]}") from error
    if not isinstance(nquads, str):
        raise MalformedInput("JSON-LD canonicalization gave no N-Quads")
    return nquads


# Control characters other than TAB, LF and CR have no portable canonical N-Quads
# form: conforming writers escape them (\b, \f, \uXXXX) while PyLD writes them raw,
# so their hashes would differ. Such text is refused rather than signed.
_AMBIGUOUS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _check_text(value: object, depth: int = 0) -> None:
    """Refuse what canonicalization cannot handle safely, before it starts.

    Blank node identifiers (``_:x``) are the only way a JSON-LD document can make
    blank nodes refer to each other in cycles, and RDFC-1.0 takes factorial time
    on such cycles (an 8-node clique: minutes). Without them every blank node
    hangs in a tree under its one parent, which canonicalizes quickly; our
    badges never need them.
    """
    if depth > MAX_DEPTH:
        raise MalformedInput(f"JSON-LD document nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        if value.startswith("_:"):
            raise MalformedInput("blank node identifiers are not accepted")
        if _AMBIGUOUS.search(value):
            raise MalformedInput("text with control characters has no portable canonical form")
    elif isinstance(value, Mapping):
        for name, item in value.items():
            _check_text(name, depth + 1)
            _check_text(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_text(item, depth + 1)


def _find_cause(error: BaseException, kind: type[UnknownContext]) -> UnknownContext | None:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
