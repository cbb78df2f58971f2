"""The ``/verify`` page's work: the shared check (``credentials.verdicts``) against the
trust list this node holds, with no network."""

from __future__ import annotations

from datetime import UTC, datetime

from credentials.verdicts import Check, check
from edge_node import trust
from edge_node.node import Node


def check_here(node: Node, *, text: str | None, image: bytes | None, lang: str) -> Check:
    return check(trust.current(node), text=text, image=image, lang=lang, now=datetime.now(UTC))
