"""An OpenAPI fuzzer (schemathesis) against the node's API: no answer is a server error."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from edge_node.node import Node
from edge_node.web.app import create_app
from tests.helpers.nodes import WORKER, copied_node, make_template


@pytest.fixture(scope="module")
def fuzz_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template(tmp_path_factory.mktemp("edge-fuzz"))


@pytest.fixture(scope="module")
def fuzz_node(fuzz_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    yield from copied_node(fuzz_template, tmp_path_factory.mktemp("edge-fuzz-node"))


@pytest.fixture(scope="module")
def api_schema(fuzz_node: Node) -> object:
    app = create_app(fuzz_node)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module")
def worker_token(api_schema: object, fuzz_node: Node) -> str:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    client = TestClient(create_app(fuzz_node))
    response = client.post("/api/v1/login", json={"username": WORKER[0], "password": WORKER[1]})
    return str(response.json()["token"])


def test_no_edge_api_operation_answers_a_server_error(
    api_schema: schemathesis.BaseSchema, worker_token: str
) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    # Logging out ends the worker's token: last, so the rest is fuzzed signed in.
    operations.sort(key=lambda operation: operation.path.endswith("/logout"))
    assert len(operations) > 20
    statuses: Counter[int] = Counter()
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=int(os.environ.get("FIELDCRED_FUZZ_EXAMPLES", "8")),
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=os.environ.get("FIELDCRED_FUZZ_RANDOM") is None,
            database=None,
        )
        def check(case: schemathesis.Case) -> None:
            for headers in ({"Authorization": f"Bearer {worker_token}"}, {}):
                response = case.call(headers=headers)
                assert response.status_code < 500, (case.method, case.path, response.text[:300])
                statuses[response.status_code // 100] += 1

        check()
    print(f"edge fuzz: {sum(statuses.values())} calls, by class {dict(sorted(statuses.items()))}")
    # The fuzzer reached past validation and auth, not only 4xx walls.
    assert statuses[2] > 20 and statuses[4] > 20, statuses
