"""An edge node to test: a per-module template copied per test, its accounts, and a
learner's way through an assessment by the JSON API; the page forms' CSRF token."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from content.grading import correct_answer
from content.model import Item, Module
from credentials.certificates import ALL_MODULES, NodeCertificate, issue_node_certificate
from credentials.keys import SigningKey, load_private_key
from credentials.status import StatusList
from credentials.trust import TrustList, sign_trust_list
from edge_node import assessment, learners, trust
from edge_node.accounts import Role, create_account, hasher_for
from edge_node.demo import DEMO_ROOT_KEY_FILE, DemoInfo
from edge_node.node import Node, init_node, open_node
from edge_node.trust import install_certificate, pin_root
from edge_node.web.app import create_app
from tests.helpers.pages import csrf_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


MODULE = "soil-health"
WORKER = ("worker", "worker-password")
ADMIN = ("admin", "admin-password")
TEST_ROOT = SigningKey.from_seed(bytes(range(32)))


def enrol(
    node: Node,
    root: SigningKey = TEST_ROOT,
    *,
    modules: tuple[str, ...] = (ALL_MODULES,),
    valid_from: datetime | None = None,
    days: int = 365,
) -> bytes:
    """Certify ``node`` under ``root`` for ``modules`` and install the certificate."""
    start = valid_from or datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    cert = issue_node_certificate(
        root,
        NodeCertificate(
            node_id=node.node_id,
            node_name=node.settings.node_name,
            public_key=node.key.public_key,
            modules=modules,
            not_before=start,
            not_after=start + timedelta(days=days),
            root_kid=root.kid,
        ),
    )
    pin_root(node, root.public_key)
    install_certificate(node, cert)
    return cert


def make_template(data: Path, name: str = "Test Centre") -> Path:
    """A node with the shipped modules and a worker account, certified for every module
    under the test root, to copy per test."""
    init_node(data, name=name, admin_user="admin", admin_password="admin-password")
    node = open_node(data)
    create_account(
        node.db,
        username=WORKER[0],
        password=WORKER[1],
        role=Role.worker,
        hasher=hasher_for(node.settings),
    )
    enrol(node)
    node.close()
    return data


def copied_node(template: Path, tmp_path: Path) -> Iterator[Node]:
    data = tmp_path / "node"
    shutil.copytree(template, data)
    opened = open_node(data)
    yield opened
    opened.close()


def register(worker: TestClient, name: str = "Amina", **extra: Any) -> dict[str, Any]:
    response = worker.post(
        "/api/v1/learners", json={"name": name, "language": "sw", "consent": True, **extra}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def open_session(worker: TestClient, module: str = MODULE) -> dict[str, Any]:
    response = worker.post("/api/v1/sessions", json={"module_id": module})
    assert response.status_code == 201, response.text
    return dict(response.json())


def join(node: Node, session_code: str, learner_code: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(node))
    response = client.post(
        "/api/v1/join", json={"session_code": session_code, "learner_code": learner_code}
    )
    assert response.status_code == 200, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['token']}"
    return client, response.json()["sitting_id"]


def answer_all(
    learner: TestClient, sitting_id: str, module: Module, *, right: bool = True
) -> list[Any]:
    state = learner.get(f"/api/v1/sittings/{sitting_id}").json()
    pages = []
    for position in range(state["total"]):
        page = learner.get(f"/api/v1/sittings/{sitting_id}/items/{position}")
        assert page.status_code == 200, page.text
        pages.append(page.json())
        item = module.item(page.json()["item"]["id"])
        value = correct_answer(item) if right else wrong_answer(item)
        saved = learner.put(
            f"/api/v1/sittings/{sitting_id}/items/{position}", json={"answer": value}
        )
        assert saved.status_code == 200, saved.text
    return pages


def wrong_answer(item: Item) -> Any:
    if item.kind == "single_choice":
        return next(o.id for o in item.options if not o.correct)
    if item.kind == "multiple_choice":
        return [next(o.id for o in item.options if not o.correct)]
    if item.kind == "true_false":
        return not item.answer
    assert item.numeric is not None
    return item.numeric.value + 10 * item.numeric.tolerance + 1000


def full_marks(module: Module) -> dict[str, int]:
    return {c.id: max(level.score for level in c.levels) for c in module.checklist}


def login(client: TestClient, username: str, password: str) -> Any:
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"csrf": token, "username": username, "password": password},
        follow_redirects=False,
    )


def staff(node: Node, info: DemoInfo) -> TestClient:
    client = TestClient(create_app(node))
    token = client.post(
        "/api/v1/login", json={"username": info.worker[0], "password": info.worker[1]}
    ).json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def pass_module(node: Node, worker: TestClient, learner_code: str, module_id: str) -> TestClient:
    session = worker.post("/api/v1/sessions", json={"module_id": module_id}).json()
    client = TestClient(create_app(node))
    joined = client.post(
        "/api/v1/join", json={"session_code": session["code"], "learner_code": learner_code}
    ).json()
    client.headers["Authorization"] = f"Bearer {joined['token']}"
    sitting = joined["sitting_id"]
    module = node.modules[module_id]
    answer_all(client, sitting, module)
    client.post(f"/api/v1/sittings/{sitting}/submit")
    if module.checklist:
        worker.post(f"/api/v1/sittings/{sitting}/checklist", json={"scores": full_marks(module)})
    return client


def client_at(node: Node, address: str) -> TestClient:
    return TestClient(create_app(node), client=(address, 50000))


def answered_sitting(node: Node) -> assessment.Sitting:
    module = node.modules[MODULE]
    session = assessment.open_session(node, module_id=MODULE, route="course", by="test")
    learner = learners.register(node, learners.LearnerDetails(name="Amina", consent=True), by="t")
    _, sitting = assessment.join(
        node,
        session_code=session.code,
        learner_code=learner.code.replace("-", ""),
        pin=None,
        client="test",
    )
    for position, entry in enumerate(sitting.drawn):
        raw = correct_answer(module.item(entry["item"]))
        sitting = assessment.answer(node, sitting, position=position, raw=raw)
    return sitting


def revoke_on_node(node: Node, status_index: int) -> None:
    """The university's next trust list, as sync installs it: this slot's bit set."""
    current = trust.current(node)
    assert current is not None
    bits = StatusList()
    bits.set(status_index)
    listing = TrustList(
        version=current.version + 1,
        issued_at=datetime.now(UTC).replace(microsecond=0),
        roots=current.roots,
        node_certificates=current.node_certificates,
        catalogue=current.catalogue,
        status_lists={node.node_id: bits},
    )
    root = load_private_key(node.data_dir / DEMO_ROOT_KEY_FILE)
    trust.install_trust_list(node, sign_trust_list(root, listing))


def issued(node: Node, learner: TestClient) -> tuple[str, str, int]:
    """The learner's credential: its id, its holder's learner id, its revocation slot."""
    credential_id = learner.get("/api/v1/credentials").json()[0]["id"]
    row = node.db.execute(
        "SELECT learner_id, status_index FROM credentials WHERE id = ?", [credential_id]
    ).fetchone()
    return credential_id, row[0], row[1]
