"""Running the node's web app under uvicorn."""

from __future__ import annotations

import logging

import uvicorn

from edge_node.node import Node
from edge_node.web.app import create_app


def run(node: Node, *, host: str, port: int) -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app(node)
    # One process, one event loop: the node is a single SQLite writer on a small board.
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
