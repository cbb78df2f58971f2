"""The ``/verify`` page's work: the shared check (``credentials.verdicts``) against the
trust list this node holds, with no network."""

from __future__ import annotations

from credentials.qr import PhotoReading
from credentials.verdicts import Check, check
from edge_node import trust
from edge_node.node import Node


def check_here(
    node: Node, *, text: str | None, photo: PhotoReading | None = None, lang: str
) -> Check:
    """Expiry by the node's clock: the board's own may be days behind after a power cut.
    A photo comes already read (``web.context.Ctx.read_photo``: off the event loop)."""
    return check(trust.current(node), text=text, photo=photo, lang=lang, now=node.clock.now())
