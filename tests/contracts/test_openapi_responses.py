"""Every operation of every service documents its success response with a schema (issue 22), so a client
generated from the OpenAPI documents gets types instead of `object`: a named model, a list of them, or a
file (binary). The operations still without one are listed here by name; the list only shrinks: the test
fails on a new operation without a schema and on a listed one that has gained its schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from seteli.embedded import build_suite

SERVICES = ("registry", "applications", "vouchers", "events", "settlement", "notifications")

# Not yet described (issue 22, item 2). Remove an entry when its operation gets its response model.
STILL_UNDESCRIBED: dict[str, set[str]] = {
}


def _described(operation: dict[str, Any]) -> bool:
    for code, response in operation.get("responses", {}).items():
        if not code.startswith("2"):
            continue
        if code == "204":
            return True
        for body in response.get("content", {}).values():
            schema = body.get("schema", {})
            items = schema.get("items", {})
            if any("$ref" in branch for branch in schema.get("anyOf", [])):  # a model or null
                return True
            if "$ref" in schema or schema.get("format") == "binary" or "$ref" in items \
                    or (schema.get("type") == "array" and items.get("type") in ("string", "integer")):
                return True
    return False


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    suite = build_suite(Path(tmp_path_factory.mktemp("openapi")), with_portal=False)
    return {name: suite.apps[name].openapi() for name in SERVICES}


def _undescribed(document: dict[str, Any]) -> set[str]:
    return {f"{method.upper()} {path}" for path, operations in document["paths"].items()
            for method, operation in operations.items() if not _described(operation)}


@pytest.mark.parametrize("service", SERVICES)
def test_every_success_response_has_a_schema(documents: dict[str, dict[str, Any]], service: str) -> None:
    undescribed = _undescribed(documents[service])
    listed = STILL_UNDESCRIBED.get(service, set())
    assert undescribed - listed == set(), f"{service}: give these a response model: {sorted(undescribed - listed)}"
    assert listed - undescribed == set(), \
        f"{service}: described now, remove from the list: {sorted(listed - undescribed)}"


def test_the_check_tells_a_described_operation_from_a_bare_one() -> None:
    named = {"responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/c/S"}}}}}}
    bare = {"responses": {"200": {"content": {"application/json": {"schema": {}}}}}}
    pdf = {"responses": {"200": {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}}
    assert _described(named) and _described(pdf) and _described({"responses": {"204": {}}})
    assert not _described(bare) and not _described({"responses": {"200": {"description": "ok"}}})
