"""Running the node's web app under uvicorn, with a background sync loop when a hub is set."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from edge_node.node import Node, open_node
from edge_node.web.app import Lifespan, create_app

log = logging.getLogger("edge_node.sync")


def sync_loop(node: Node, stop: threading.Event, on_done: Callable[[], None]) -> None:
    """Sync every ``sync_interval_s`` on the loop's own database connection (SQLite in WAL
    lets it write beside the server), until ``stop`` is set."""
    from edge_node.syncing import sync_now

    worker = open_node(node.data_dir)
    try:
        while not stop.wait(node.settings.sync_interval_s):
            try:
                report = sync_now(worker)
                log.info("sync: ok=%s error=%s", report.ok, report.last_error)
            except Exception:  # a broken link or hub must never stop the node
                log.exception("sync attempt failed")
            on_done()
    finally:
        worker.close()


def run(node: Node, *, host: str, port: int) -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app(node, lifespan=_with_sync(node) if node.settings.hub_url else None)
    # One process, one event loop: the node is a single SQLite writer on a small board.
    # h11 and asyncio: measured as fast here as httptools and uvloop, and lighter.
    uvicorn.run(
        app,
        host=host,
        port=port,
        http="h11",
        loop="asyncio",
        ws="none",  # no WebSocket route: load no WebSocket library even where one is installed
        log_level="warning",
        access_log=False,
    )


def _with_sync(node: Node) -> Lifespan:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        stop = threading.Event()
        thread = threading.Thread(
            target=sync_loop,
            args=(node, stop, lambda: loop.call_soon_threadsafe(node.reload_content)),
            name="sync",
            daemon=True,
        )
        thread.start()
        yield
        stop.set()

    return lifespan
