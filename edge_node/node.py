"""A node's data directory: creating it (``edge init``) and opening it (``edge serve``)."""

from __future__ import annotations

import os
import re
import secrets
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from content.model import Module, Pathway
from credentials.keys import SigningKey, load_private_key, save_private_key
from edge_node import catalogue as node_catalogue
from edge_node import pin_hashes
from edge_node.accounts import Account, Role, check_account, create_account, hasher_for
from edge_node.clock import Clock
from edge_node.config import (
    CERT_REQUEST_FILE,
    DATABASE_FILE,
    NODE_KEY_FILE,
    SESSION_SECRET_FILE,
    EdgeSettings,
    load_settings,
    write_settings,
)
from edge_node.errors import BadRequest, NodeNotReady
from edge_node.storage import connect, first, open_database


def make_node_id(name: str) -> str:
    """A readable, random node id: a short slug of the name and a random suffix.

    Kept short because it is the ``iss`` of every credential the node signs.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower())[:8].strip("-") or "node"
    return f"{slug}-{secrets.token_hex(3)}"


T = TypeVar("T")


class TrustCache:
    """Trust state read from the card and the database and verified once (the node's
    certificate, the trust list), kept while its stamp (what it was read from) is the same
    and until :meth:`clear`: content or certificates changed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamp: Hashable = None
        self._values: dict[str, Any] = {}

    def get(self, stamp: Hashable, key: str, load: Callable[[], T]) -> T:
        with self._lock:
            if stamp != self._stamp:
                self._stamp, self._values = stamp, {}
            if key in self._values:
                value: T = self._values[key]
                return value
        value = load()  # outside the lock: a trust list's signatures take a while
        with self._lock:
            if stamp == self._stamp:
                self._values[key] = value
        return value

    def clear(self) -> None:
        with self._lock:
            self._stamp, self._values = None, {}


@dataclass
class Node:
    """An open node: its settings, database, key and clock, and the installed content."""

    data_dir: Path
    settings: EdgeSettings
    db: Database
    key: SigningKey
    session_secret: bytes
    clock: Clock
    pin_secret: bytes = field(default=b"", repr=False)
    """The key of learners' PIN hashes (``pin.secret``, outside the database)."""
    modules: dict[str, Module] = field(default_factory=dict)
    pathways: dict[str, Pathway] = field(default_factory=dict)
    trust_cache: TrustCache = field(default_factory=TrustCache, repr=False, compare=False)
    """Shared with the node's other connections (:meth:`own_connection`)."""

    @property
    def node_id(self) -> str:
        return self.settings.node_id

    def module_at(self, module_id: str, version: str) -> Module | None:
        """The module as it was at ``version``: what a session drew from and a credential
        was issued for, though a pack may have installed a newer version since."""
        current = self.modules.get(module_id)
        if current is not None and current.version == version:
            return current
        return node_catalogue.earlier_version(self.db, module_id, version)

    def reload_content(self) -> None:
        self.modules, self.pathways = node_catalogue.installed(self.db)
        self.trust_cache.clear()  # the trust list is completed with the installed modules

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def own_connection(self) -> Iterator[Node]:
        """This node through a connection of its own, closed after: for work done on a pool
        thread (a password check, then the failure it records), which must not share the
        server's connection and its transactions."""
        db = connect(self.data_dir / DATABASE_FILE)
        try:
            yield replace(self, db=db, clock=self.clock.over(db))
        finally:
            db.close()


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def init_node(
    data_dir: Path,
    *,
    name: str,
    admin_user: str,
    admin_password: str,
    install_shipped: bool = True,
) -> Account:
    """Create a node's data directory; safe to re-run on a directory it created.

    Re-running keeps the key, settings and database, applies pending migrations and
    adds the admin account only if it does not exist yet.
    """
    from credentials.certificates import make_request

    if not name.strip():
        raise BadRequest("The centre name must not be empty")
    check_account(admin_user, admin_password)  # before anything is made
    data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)
    try:
        settings = load_settings(data_dir)
    except NodeNotReady:
        if any(data_dir.iterdir()):
            raise NodeNotReady(
                f"{data_dir} is not empty and is not an edge node data directory"
            ) from None
        settings = EdgeSettings(node_id=make_node_id(name), node_name=name.strip())
        write_settings(data_dir, settings)
    key_path = data_dir / NODE_KEY_FILE
    if key_path.exists():
        key = load_private_key(key_path)
    else:
        key = SigningKey.generate()
        save_private_key(key, key_path)
    secret_path = data_dir / SESSION_SECRET_FILE
    if not secret_path.exists():
        _write_private(secret_path, secrets.token_bytes(32))
    request_path = data_dir / CERT_REQUEST_FILE
    if not request_path.exists():
        request_path.write_bytes(make_request(key, settings.node_id, settings.node_name))
    db = open_database(data_dir / DATABASE_FILE, create=True)
    try:
        pin_hashes.load_secret(data_dir, db)  # made here, and only the node may read it
        if install_shipped and not db["modules"].count:
            node_catalogue.install_shipped(db)
        existing = first(
            db, "SELECT id, username, role FROM accounts WHERE username = ?", [admin_user]
        )
        if existing:
            return Account(
                id=existing["id"], username=existing["username"], role=Role(existing["role"])
            )
        return create_account(
            db,
            username=admin_user,
            password=admin_password,
            role=Role.admin,
            hasher=hasher_for(settings),
        )
    finally:
        db.close()


def open_node(data_dir: Path) -> Node:
    """Open an initialised node for serving or for a CLI command."""
    settings = load_settings(data_dir)
    try:
        key = load_private_key(data_dir / NODE_KEY_FILE)
        session_secret = (data_dir / SESSION_SECRET_FILE).read_bytes()
    except FileNotFoundError as error:
        raise NodeNotReady(f"{data_dir}: {Path(error.filename).name} is missing") from None
    db = open_database(data_dir / DATABASE_FILE)
    try:
        pin_secret = pin_hashes.load_secret(data_dir, db)  # made for a node from before it
    except NodeNotReady:
        db.close()
        raise
    node = Node(
        data_dir=data_dir,
        settings=settings,
        db=db,
        key=key,
        session_secret=session_secret,
        clock=Clock(db),
        pin_secret=pin_secret,
    )
    node.reload_content()
    # The content is read once, here: its pages need not stay in SQLite's cache.
    db.execute("PRAGMA shrink_memory")
    return node
