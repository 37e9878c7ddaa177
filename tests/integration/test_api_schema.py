"""Property test (schemathesis) of the JSON API against its own OpenAPI (issue 9, "Fuzzing in
CI with a fixed budget"): every operation under /api/v1, with requests generated from the
schema the node serves, answers no 5xx, only the status codes it documents, and bodies and
content types that conform to the schema.

The node is a real `migrantnet serve` process on loopback (`tests/nodes.py`) and the requests
carry the admin's token (a role on the association), so they get past the token check. Paths
are pinned to what exists: the association's slug, and for an object route an object of that
kind made through the API first (a fresh one for each DELETE), or else every example would be
a 404 before any code under test ran; the rest (bodies, query strings, and the path itself
one time in four) is generated. The budget is fixed: `max_examples` per operation,
derandomized, so CI and a laptop run the same examples.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from nodes import Node

SLUG = "schema_fuzz"
API_ROOT = "/api/v1"
API = f"{API_ROOT}/associations"
GROUP = "schema_assembly"  # a group of the node, for the /groups operations
MAX_EXAMPLES = 12
SLOWEST_SECONDS = 5.0
TEXTS = {"title": {"fr": "Titre"}, "body": {"fr": "Un texte."}}
CREATE: dict[str, dict[str, Any]] = {
    "notes": {"text": {"fr": "Permanence juridique"}},
    "declarations": {"texts": TEXTS, "adopted_on": "2025-03-21"},
    "struggles": {"texts": TEXTS},
    "events": {
        "texts": TEXTS,
        "starts": "2027-06-20T18:00:00",
        "ends": "2027-06-20T20:00:00",
        "timezone": "Africa/Tunis",
        "place": {"name": "Maison des associations", "locality": "Tunis"},
    },
    "resources": {"texts": TEXTS, "kind": "guide"},
    "practices": {"texts": TEXTS, "outcome": "victory"},
}
CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)


class ApiNode:
    """The running node, its token's headers, and one object of each kind to point paths at."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.headers = node.auth()
        self.client = httpx.Client(base_url=node.base_url, headers=self.headers, timeout=30)
        self.existing = {kind: self.create(kind) for kind in CREATE}

    def create(self, kind: str) -> str:
        response = self.client.post(f"{API}/{SLUG}/{kind}", json=CREATE[kind])
        assert response.status_code == 201, response.text
        return str(response.json()["public_id"])

    def pin(self, case: schemathesis.Case, example: int) -> None:
        """Point the case's path at rows that exist, except one example in four."""
        if example % 4 == 3 or not case.path_parameters:
            return
        under_groups = case.operation.path.startswith(f"{API_ROOT}/groups/")
        case.path_parameters["slug"] = GROUP if under_groups else SLUG
        if "association" in case.path_parameters:
            case.path_parameters["association"] = SLUG
        if "public_id" in case.path_parameters:
            kind = case.operation.path.split("/")[5]
            public_id = self.create(kind) if case.method == "DELETE" else self.existing[kind]
            case.path_parameters["public_id"] = public_id


@pytest.fixture(scope="module")
def api_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiNode]:
    node = Node("api", Path(tmp_path_factory.mktemp("api_schema")))
    node.init(SLUG)
    node.cli("groups", "create", GROUP, "--name", "Coordination", "--admin-email", node.admin_email)
    node.cli("follow", SLUG, f"{node.base_url}/@{GROUP}")  # a member, so leaving reaches code
    node.start(worker=False)
    try:
        api = ApiNode(node)
        yield api
        api.client.close()
    finally:
        node.close()


def run_operation(api: ApiNode, operation: Any, statuses: list[int]) -> None:
    """`MAX_EXAMPLES` generated requests to one operation, valid and invalid ones."""
    strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
        GenerationMode.NEGATIVE
    )
    label = f"{operation.method.upper()} {operation.path}"
    count = 0

    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,  # a real process over HTTP; the bound is asserted per request
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is shown as found
        suppress_health_check=list(HealthCheck),
    )
    def one(case: schemathesis.Case) -> None:
        nonlocal count
        count += 1
        api.pin(case, count)
        response = case.call(headers=api.headers, timeout=30)
        statuses.append(response.status_code)
        assert response.elapsed < SLOWEST_SECONDS, label
        case.validate_response(response, checks=CHECKS)

    one()


def api_operations(api: ApiNode) -> set[str]:
    """Every operation the served OpenAPI document lists under /api/v1, read as plain JSON."""
    spec = api.client.get("/api/openapi.json").json()
    return {
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        if path.startswith("/api/v1/")
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_every_api_operation_keeps_to_its_schema(api_node: ApiNode) -> None:
    url = f"{api_node.node.base_url}/api/openapi.json"
    schema = schemathesis.openapi.from_url(url).include(path_regex="^/api/v1/")
    failures: dict[str, str] = {}
    reached: dict[str, list[int]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        statuses = reached.setdefault(label, [])
        try:
            run_operation(api_node, operation, statuses)
        except Exception as error:
            failures[label] = f"{type(error).__name__}: {error}"[:3000]
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())
    # Every operation of /api/v1, each reaching its code (not only the token check or a 404).
    assert set(reached) == api_operations(api_node), sorted(reached)
    stopped_early = [
        label for label, statuses in reached.items() if not set(statuses) - {401, 403, 404}
    ]
    assert not stopped_early


# -- what the fuzzing found, each on the real server ------------------------------------------


def test_a_body_that_is_not_utf8_is_a_documented_400(api_node: ApiNode) -> None:
    """FastAPI answers 400 to JSON that is not UTF-8 text (invalid JSON is 422): it was
    missing from every write operation's documented answers."""
    response = api_node.client.post(
        f"{API}/{SLUG}/notes",
        content=b'{"text": {"fr": "\xff\xfe"}}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]
    spec = api_node.client.get("/api/openapi.json").json()
    writes = [
        operation
        for path, operations in spec["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in operations.items()
        if method in {"post", "put"}
    ]
    assert len(writes) >= 13  # 6 kinds x 2, media, and what came since
    assert all("400" in operation["responses"] for operation in writes)


def test_the_longest_documented_search_fits_in_a_url(api_node: ApiNode) -> None:
    """The server refuses a URL of 64 KB or more with a plain-text 400 before the node reads
    it; the API documented a `q` of 11,264 characters, which percent-encoded can take 135 KB.
    Now the longest `q` the schema allows, in the widest characters, is answered."""
    spec = api_node.client.get("/api/openapi.json").json()
    (q,) = [p for p in spec["paths"]["/api/v1/search"]["get"]["parameters"] if p["name"] == "q"]
    longest = q["schema"]["maxLength"]
    widest = "\U0001d11e"  # four bytes of UTF-8, twelve percent-encoded
    answered = api_node.client.get("/api/v1/search", params={"q": widest * longest})
    assert answered.status_code == 200, answered.text
    assert answered.json()["items"] == []
    refused = api_node.client.get("/api/v1/search", params={"q": widest * (longest + 1)})
    assert refused.status_code == 422
    assert refused.json()["error"].startswith("query.q:")
