"""The examples the OpenAPI documents show are valid answers (issue 22, item 2): every example of an API model
(the model's own `examples`, and a field's) passes the model's validation as JSON, and names no field the model
lacks (pydantic would ignore a misspelt one), so an example cannot rot when its model changes."""

from __future__ import annotations

import importlib
import json
import pkgutil
from types import ModuleType
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

SERVICES = ("registry", "applications", "vouchers", "events", "settlement", "notifications")


def _api_modules(service: str) -> list[ModuleType]:
    """The service's modules that hold API models: schemas.py and the api*.py modules."""
    package = importlib.import_module(f"seteli_{service}")
    names = [info.name for info in pkgutil.iter_modules(package.__path__)
             if info.name == "schemas" or info.name.startswith("api")]
    return [importlib.import_module(f"{package.__name__}.{name}") for name in names]


def _models(service: str) -> list[type[BaseModel]]:
    return [value for module in _api_modules(service) for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == module.__name__]


def _model_examples(model: type[BaseModel]) -> list[Any]:
    extra = model.model_config.get("json_schema_extra")
    return list(extra.get("examples", [])) if isinstance(extra, dict) else []


def _unknown_keys(example: Any, dumped: Any, where: str = "") -> list[str]:
    """The keys of the example that the validated model does not answer (recursively)."""
    if isinstance(example, dict) and isinstance(dumped, dict):
        return [found for key, value in example.items()
                for found in ([f"{where}{key}"] if key not in dumped
                              else _unknown_keys(value, dumped[key], f"{where}{key}."))]
    if isinstance(example, list) and isinstance(dumped, list):
        return [found for number, (value, answered) in enumerate(zip(example, dumped, strict=False))
                for found in _unknown_keys(value, answered, f"{where}{number}.")]
    return []


@pytest.mark.parametrize("service", SERVICES)
def test_every_model_example_is_valid_for_its_model(service: str) -> None:
    checked = 0
    for model in _models(service):
        for example in _model_examples(model):
            valid = model.model_validate_json(json.dumps(example))
            dumped = valid.model_dump(mode="json", by_alias=True)
            assert _unknown_keys(example, dumped) == [], f"{model.__name__}: fields it does not have"
            checked += 1
        for field in model.model_fields.values():
            for example in field.examples or []:
                TypeAdapter(field.annotation).validate_json(json.dumps(example))
                checked += 1
    assert checked, f"{service}: no examples found"


def test_the_check_finds_a_misspelt_key() -> None:
    assert _unknown_keys({"a": 1, "b": [{"c": 1, "x": 2}]}, {"a": 1, "b": [{"c": 1}]}) == ["b.0.x"]
    assert _unknown_keys({"a": {"b": 1}}, {"a": {"b": 2}}) == []
