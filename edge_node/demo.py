"""A ready-to-try node: ``fieldcred demo`` calls :func:`prepare_demo`.

By default the node is enrolled with a local "demo university" root made on the spot
(its private key stays in the data directory), so every credential it issues verifies.
Given a :class:`HubLink`, it is enrolled with that hub instead and syncs to it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from content.grading import correct_answer
from content.model import Module
from credentials.certificates import (
    ALL_MODULES,
    NodeCertificate,
    check_node_certificate,
    issue_node_certificate,
)
from credentials.errors import CredentialError
from credentials.keys import SigningKey, load_private_key, public_jwk, save_private_key
from credentials.trust import TrustList, sign_trust_list
from edge_node import assessment, learners, trust
from edge_node.accounts import Role, create_account, hasher_for
from edge_node.config import CERT_REQUEST_FILE, SETTINGS_FILE, EdgeSettings, write_settings
from edge_node.errors import NodeNotReady
from edge_node.node import Node, init_node, open_node
from edge_node.storage import first

DEMO_ROOT_KEY_FILE = "demo-university-root.key"
ADMIN = ("admin", "fieldcred-admin")
WORKER = ("worker", "fieldcred-worker")
DEMO_LEARNERS = (
    ("Amina Otieno", "Kisumu", "sw", "female", 1988),
    ("Jean Habimana", "Musanze", "fr", "male", 1975),
    ("Grace Wanjiru", "Nyeri", "en", "female", 1996),
)
SEED_LEARNER = "Grace Wanjiru"


@dataclass(frozen=True)
class HubLink:
    """The hub a demo node is enrolled with and syncs to."""

    url: str
    root_public_key: bytes
    enrol: Callable[[bytes], tuple[bytes, bytes]]
    """Signs the node's certificate request: returns (certificate, signed trust list)."""
    sync_interval_s: int = 15


@dataclass(frozen=True)
class DemoInfo:
    data_dir: Path
    url: str
    admin: tuple[str, str]
    worker: tuple[str, str]
    learners: list[tuple[str, str]] = field(default_factory=list)
    """(name, learner code) of each demo learner."""
    root_public_key: bytes = b""
    node_id: str = ""
    centre: str = ""


def prepare_demo(
    data_dir: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    hub: HubLink | None = None,
    seed: bool = False,
) -> DemoInfo:
    """Create (or reopen) a demo node at ``data_dir``; safe to call again.

    With ``seed``, one demo learner passes one module on the first run (a sitting answered,
    submitted and scored as a worker would), so results and a credential exist at once.
    """
    init_node(data_dir, name="Demo Learning Centre", admin_user=ADMIN[0], admin_password=ADMIN[1])
    node = open_node(data_dir)
    try:
        if hub is None:
            root_public_key = _enrol_with_local_root(node)
        else:
            _enrol_with_hub(node, hub)
            root_public_key = hub.root_public_key
            _point_at_hub(data_dir, hub)
        row = first(node.db, "SELECT id FROM accounts WHERE username = ?", [WORKER[0]])
        worker_id = (
            row["id"]
            if row
            else create_account(
                node.db,
                username=WORKER[0],
                password=WORKER[1],
                role=Role.worker,
                hasher=hasher_for(node.settings),
            ).id
        )
        people = [_learner(node, *details) for details in DEMO_LEARNERS]
        if seed and not node.db.execute("SELECT 1 FROM results").fetchone():
            code = next(code for name, code in people if name == SEED_LEARNER)
            _pass_one_module(node, code, by=worker_id)
        return DemoInfo(
            data_dir=data_dir,
            url=f"http://{host}:{port}/",
            admin=ADMIN,
            worker=WORKER,
            learners=people,
            root_public_key=root_public_key,
            node_id=node.node_id,
            centre=node.settings.node_name,
        )
    finally:
        node.close()


def _enrol_with_local_root(node: Node) -> bytes:
    root_path = node.data_dir / DEMO_ROOT_KEY_FILE
    if root_path.exists():
        root = load_private_key(root_path)
    else:
        root = SigningKey.generate()
        save_private_key(root, root_path)
    (node.data_dir / "demo-university-root.jwk.json").write_text(
        json.dumps(public_jwk(root.public_key))
    )
    trust.pin_root(node, root.public_key)
    if trust.node_certificate(node) is None:
        now = datetime.now(UTC).replace(microsecond=0)
        cert = issue_node_certificate(
            root,
            NodeCertificate(
                node_id=node.node_id,
                node_name=node.settings.node_name,
                public_key=node.key.public_key,
                modules=(ALL_MODULES,),
                not_before=now - timedelta(days=1),
                not_after=now + timedelta(days=3 * 365),
                root_kid=root.kid,
            ),
        )
        trust.install_certificate(node, cert)
        listing = TrustList(
            version=1,
            issued_at=now,
            roots=(root.public_key,),
            node_certificates=(cert,),
            catalogue=trust.local_entries(node),
        )
        trust.install_trust_list(node, sign_trust_list(root, listing))
    return root.public_key


def _enrol_with_hub(node: Node, hub: HubLink) -> None:
    """Enrol once; on a later run, check the node still belongs to this hub's root."""
    installed = trust.node_certificate(node)
    if installed is not None:
        try:
            check_node_certificate(installed, (hub.root_public_key,))
        except CredentialError:
            raise NodeNotReady(
                f"{node.data_dir} holds a node enrolled with another university root; "
                "remove the demo's data folder to start afresh"
            ) from None
        return
    trust.pin_root(node, hub.root_public_key)
    certificate, trust_list = hub.enrol((node.data_dir / CERT_REQUEST_FILE).read_bytes())
    trust.install_certificate(node, certificate)
    trust.install_trust_list(node, trust_list, keep_newer=True)


def _point_at_hub(data_dir: Path, hub: HubLink) -> None:
    """Set the hub's address and the sync interval in the settings file; the file's own
    values, not the environment's overrides, are written back."""
    raw = json.loads((data_dir / SETTINGS_FILE).read_text(encoding="utf-8"))
    raw.update(hub_url=hub.url, sync_interval_s=hub.sync_interval_s)
    write_settings(data_dir, EdgeSettings(**raw))


def _learner(
    node: Node, name: str, village: str, lang: str, gender: str, year: int
) -> tuple[str, str]:
    found = [x for x in learners.search(node, name) if x.name == name]
    learner = (
        found[0]
        if found
        else learners.register(
            node,
            learners.LearnerDetails(
                name=name,
                village=village,
                language=lang,
                gender=gender,
                birth_year=year,
                consent=True,
            ),
            by="demo",
        )
    )
    return learner.name, learner.code


def _pass_one_module(
    node: Node, learner_code: str, *, by: str, module_id: str | None = None
) -> None:
    """A sitting of the first module (or ``module_id``), answered right, submitted and
    scored in full."""
    module = node.modules[module_id or min(node.modules)]
    session = assessment.open_session(node, module_id=module.id, route="course", by=by)
    _, sitting = assessment.join(
        node, session_code=session.code, learner_code=learner_code, pin=None, client="demo"
    )
    for position, entry in enumerate(sitting.drawn):
        raw = correct_answer(module.item(entry["item"]))
        sitting = assessment.answer(node, sitting, position=position, raw=raw)
    sitting = assessment.submit(node, sitting)
    if module.checklist:
        assessment.score_checklist(node, sitting, _full_marks(module), by=by)
    assessment.close_session(node, session.id)


def _full_marks(module: Module) -> dict[str, Any]:
    return {c.id: max(level.score for level in c.levels) for c in module.checklist}
