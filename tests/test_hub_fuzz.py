"""An OpenAPI fuzzer (schemathesis) against the hub's published API (``/openapi.json``):
the sync protocol, public verification, the trust list and the JSON API, signed in with
an API token and a staff session. No answer is a server error. On SQLite and PostgreSQL."""

from __future__ import annotations

import os
import warnings
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from hub.ingest import Hub, answer
from hub.settings import HubSettings
from hub.simulate import enrol
from hub.staff import add_staff, add_token
from hub.web.app import create_web_app
from hub.web.context import SESSION_COOKIE
from sync.client import batch_message
from sync.eventlog import read_events
from sync.simulate import ScriptedNode

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.usefixtures("cheap_staff_hashing")
schemathesis.serializer.alias("application/cose", "application/octet-stream")


def test_the_hub_publishes_its_api() -> None:
    from hub.simulate import simulated_hub
    from hub.store import SqliteStore

    hub = simulated_hub(SqliteStore(":memory:"))
    app = create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32))
    paths = TestClient(app).get("/openapi.json").json()["paths"]
    assert {
        "/sync/v1/push",
        "/verify",
        "/trust-list",
        "/api/v1/logout",
        "/api/v1/credentials/{credential_id}",
        "/api/v1/equity",
    } <= set(paths)
    # Staff pages are HTML forms, not part of the API.
    assert not {"/", "/login", "/credentials", "/equity"} & set(paths)
    results = paths["/api/v1/modules/{module_id}/results"]["get"]["responses"]["200"]
    assert results["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ModuleResults"
    }


def test_no_hub_api_operation_answers_a_server_error(hub: Hub) -> None:
    node = ScriptedNode.create("node-f")
    enrol(hub, node)
    for _ in range(2):
        node.sit_and_issue(node.register())
    answer(hub, batch_message(node.db, node.key, "node-f", read_events(node.db, after=0), b"n" * 8))
    add_staff(hub.store, "wanjiru", "correct horse", "university")
    token = add_token(hub.store, "fuzz", "university")
    app = create_web_app(hub, HubSettings(name="Hub", session_secret="s" * 32))
    staff = TestClient(app)
    staff.post("/login", data={"username": "wanjiru", "password": "correct horse"})
    cookie = f"{SESSION_COOKIE}={staff.cookies[SESSION_COOKIE]}"
    real = {
        "credential_id": hub.store.scalar("SELECT min(credential_id) FROM credentials"),
        "module_id": "soil-health",
    }
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    # Logging out ends the staff session: last, so the rest is fuzzed signed in.
    operations.sort(key=lambda operation: operation.path.endswith("/logout"))
    statuses: Counter[int] = Counter()
    signed_in = {"Authorization": f"Bearer {token}", "Cookie": cookie}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=int(os.environ.get("FIELDCRED_FUZZ_EXAMPLES", "10")),
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=os.environ.get("FIELDCRED_FUZZ_RANDOM") is None,
            database=None,
        )
        def check(case: schemathesis.Case) -> None:
            for headers in (signed_in, {}):
                response = case.call(headers=headers)
                assert response.status_code < 500, (case.method, case.path, response.text[:300])
                statuses[response.status_code // 100] += 1
            if case.path_parameters:
                # And once naming what the hub holds, so the answer's model is checked too.
                case.path_parameters = {k: real.get(k, v) for k, v in case.path_parameters.items()}
                response = case.call(headers=signed_in)
                assert response.status_code < 500, (case.method, case.path, response.text[:300])
                statuses[response.status_code // 100] += 1

        check()
    print(f"hub fuzz: {sum(statuses.values())} calls, by class {dict(sorted(statuses.items()))}")
    # The fuzzer reached past validation and auth, not only 4xx walls.
    assert statuses[2] > 10 and statuses[4] > 10, statuses
