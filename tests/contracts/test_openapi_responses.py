"""Every operation of every service documents its success response with a schema (issue 22), so a client
generated from the OpenAPI documents gets types instead of `object`: a named model, a list of them, or a
file (binary). The operations still without one are listed here by name; the list only shrinks: the test
fails on a new operation without a schema and on a listed one that has gained its schema.

Every JSON success answer also shows an example (issue 22, item 2): the response's media type has `example`
or `examples`, or its schema (through `$ref`; for a page `{items, total}`, the item's schema) has `examples`,
or every required property of it has. `test_openapi_examples.py` checks that the examples are valid."""

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


def _schema_of(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema itself: through a `$ref`, a nullable `anyOf` and a single-branch `allOf`."""
    for _ in range(10):
        if "$ref" in schema:
            schema = document.get("components", {}).get("schemas", {}).get(schema["$ref"].rsplit("/", 1)[-1], {})
        elif branches := [b for b in schema.get("anyOf", schema.get("allOf", [])) if b.get("type") != "null"]:
            if len(branches) != 1:
                return schema
            schema = branches[0]
        else:
            return schema
    return schema


def _schema_has_example(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    schema = _schema_of(document, schema)
    if schema.get("examples") or "example" in schema:
        return True
    if schema.get("type") == "array":
        return _schema_has_example(document, schema.get("items", {}))
    properties = schema.get("properties", {})
    page_items = _schema_of(document, properties.get("items", {}))
    if page_items.get("type") == "array" and _schema_has_example(document, page_items.get("items", {})):
        return True
    required = schema.get("required", [])
    return bool(required) and all(
        properties.get(name, {}).get("examples") or _schema_of(document, properties.get(name, {})).get("examples")
        for name in required)


def _has_example(document: dict[str, Any], operation: dict[str, Any]) -> bool:
    """False when a 2xx JSON answer shows no example (see the module); answers without JSON need none."""
    for code, response in operation.get("responses", {}).items():
        if not code.startswith("2"):
            continue
        for media_type, body in response.get("content", {}).items():
            if media_type != "application/json" and not media_type.endswith("+json"):
                continue
            if "example" in body or body.get("examples"):
                continue
            if not _schema_has_example(document, body.get("schema", {})):
                return False
    return True


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


def _without_example(document: dict[str, Any]) -> set[str]:
    return {f"{method.upper()} {path}" for path, operations in document["paths"].items()
            for method, operation in operations.items() if not _has_example(document, operation)}


@pytest.mark.parametrize("service", SERVICES)
def test_every_json_success_response_has_an_example(documents: dict[str, dict[str, Any]], service: str) -> None:
    missing = _without_example(documents[service])
    assert missing == set(), f"{service}: give these responses an example: {sorted(missing)}"


def test_the_example_check_follows_refs_pages_and_required_properties() -> None:
    def answer(schema: dict[str, Any], **media: Any) -> dict[str, Any]:
        return {"responses": {"200": {"content": {"application/json": {"schema": schema, **media}}}}}

    document = {"components": {"schemas": {
        "Shown": {"type": "object", "examples": [{"id": "1"}]},
        "Bare": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]},
        "Fields": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "examples": ["1"]}}},
        "Page": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/c/Shown"}},
                                                   "total": {"type": "integer"}}, "required": ["items", "total"]},
        "BarePage": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/c/Bare"}}}},
        "Empty": {"type": "object", "properties": {}},
    }}}
    assert _has_example(document, answer({"$ref": "#/c/Shown"}))
    assert _has_example(document, answer({"anyOf": [{"$ref": "#/c/Shown"}, {"type": "null"}]}))
    assert _has_example(document, answer({"type": "array", "items": {"$ref": "#/c/Fields"}}))
    assert _has_example(document, answer({"$ref": "#/c/Page"}))
    assert _has_example(document, answer({"$ref": "#/c/Bare"}, example={"id": "1"}))
    assert _has_example(document, {"responses": {"204": {}}})
    pdf = {"responses": {"200": {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}}
    assert _has_example(document, pdf)
    for bare in ("Bare", "BarePage", "Empty"):
        assert not _has_example(document, answer({"$ref": f"#/c/{bare}"})), bare
    assert not _has_example(document, answer({"type": "array", "items": {"type": "string"}}))


def test_the_check_tells_a_described_operation_from_a_bare_one() -> None:
    named = {"responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/c/S"}}}}}}
    bare = {"responses": {"200": {"content": {"application/json": {"schema": {}}}}}}
    pdf = {"responses": {"200": {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}}
    assert _described(named) and _described(pdf) and _described({"responses": {"204": {}}})
    assert not _described(bare) and not _described({"responses": {"200": {"description": "ok"}}})
