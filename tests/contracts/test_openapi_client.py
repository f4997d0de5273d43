"""The suite's combined OpenAPI document and the Python client generated from it (issue 22, item 2):
`tools/openapi_client.py` writes both; the generated package compiles and every module of it imports."""

from __future__ import annotations

import importlib
import importlib.util
import json
import pkgutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _tool() -> Any:
    spec = importlib.util.spec_from_file_location("openapi_client_tool", ROOT / "tools" / "openapi_client.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _schema(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def test_paths_go_under_the_mount_and_a_clashing_schema_name_is_renamed_with_its_references() -> None:
    def document(field: str) -> dict[str, Any]:
        return {"openapi": "3.1.0", "paths": {"/v1/things": {"get": {
                    "operationId": "list_things",
                    "responses": {"200": {"content": {"application/json": {"schema": _schema("Page")}}}}}}},
                "components": {"schemas": {
                    "Page": {"type": "object", "properties": {"items": {"type": "array", "items": _schema("Thing")}}},
                    "Thing": {"type": "object", "properties": {field: {"type": "string"}}},
                    "Problem": {"type": "object"}}}}

    combined = _tool().combine({"registry": document("name"), "events": document("day")})
    assert set(combined["paths"]) == {"/registry/v1/things", "/events/v1/things"}
    events = combined["paths"]["/events/v1/things"]["get"]
    assert events["operationId"] == "events_list_things" and events["tags"] == ["events"]
    # events' Thing differs, so its Page (same text, other Thing) is renamed too; Problem is one schema
    assert set(combined["components"]["schemas"]) == {"Page", "Thing", "Problem", "EventsPage", "EventsThing"}
    assert events["responses"]["200"]["content"]["application/json"]["schema"] == _schema("EventsPage")
    assert combined["components"]["schemas"]["EventsPage"]["properties"]["items"]["items"] == _schema("EventsThing")


def test_the_generated_client_of_the_whole_suite_imports(tmp_path: Path) -> None:
    tool = _tool()
    document_path = tmp_path / "openapi.json"
    tool.main([str(document_path), "--client", str(tmp_path / "seteli_client")])
    document = json.loads(document_path.read_text())
    assert {path.split("/")[1] for path in document["paths"]} == set(tool.SERVICES)
    sys.path.insert(0, str(tmp_path))
    try:
        package = importlib.import_module("seteli_client")
        modules = [info.name for info in pkgutil.walk_packages(package.__path__, "seteli_client.")]
        for name in modules:
            importlib.import_module(name)
        assert {f"seteli_client.api.{service}" for service in tool.SERVICES} <= set(modules)
        assert hasattr(package, "AuthenticatedClient")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name == "seteli_client" or name.startswith("seteli_client.")]:
            del sys.modules[name]
