"""A ready-to-try node: ``fieldcred demo`` calls :func:`prepare_demo`.

The node is enrolled with a local "demo university" root made on the spot (its
private key stays in the data directory), so every credential it issues verifies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from credentials.certificates import ALL_MODULES, NodeCertificate, issue_node_certificate
from credentials.keys import SigningKey, load_private_key, public_jwk, save_private_key
from credentials.trust import TrustList, sign_trust_list
from edge_node import learners, trust
from edge_node.accounts import Role, create_account
from edge_node.node import init_node, open_node

DEMO_ROOT_KEY_FILE = "demo-university-root.key"
ADMIN = ("admin", "fieldcred-admin")
WORKER = ("worker", "fieldcred-worker")
DEMO_LEARNERS = (
    ("Amina Otieno", "Kisumu", "sw", "female", 1988),
    ("Jean Habimana", "Musanze", "fr", "male", 1975),
    ("Grace Wanjiru", "Nyeri", "en", "female", 1996),
)


@dataclass(frozen=True)
class DemoInfo:
    data_dir: Path
    url: str
    admin: tuple[str, str]
    worker: tuple[str, str]
    learners: list[tuple[str, str]] = field(default_factory=list)
    """(name, learner code) of each demo learner."""
    root_public_key: bytes = b""


def prepare_demo(data_dir: Path, *, host: str = "127.0.0.1", port: int = 8080) -> DemoInfo:
    """Create (or reopen) a demo node at ``data_dir``; safe to call again."""
    init_node(data_dir, name="Demo Learning Centre", admin_user=ADMIN[0], admin_password=ADMIN[1])
    node = open_node(data_dir)
    try:
        root_path = data_dir / DEMO_ROOT_KEY_FILE
        if root_path.exists():
            root = load_private_key(root_path)
        else:
            root = SigningKey.generate()
            save_private_key(root, root_path)
        (data_dir / "demo-university-root.jwk.json").write_text(
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
        if not node.db.execute("SELECT 1 FROM accounts WHERE username = ?", [WORKER[0]]).fetchone():
            create_account(node.db, username=WORKER[0], password=WORKER[1], role=Role.worker)
        people: list[tuple[str, str]] = []
        for name, village, lang, gender, year in DEMO_LEARNERS:
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
            people.append((learner.name, learner.code))
        return DemoInfo(
            data_dir=data_dir,
            url=f"http://{host}:{port}/",
            admin=ADMIN,
            worker=WORKER,
            learners=people,
            root_public_key=root.public_key,
        )
    finally:
        node.close()
