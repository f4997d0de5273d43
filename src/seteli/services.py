"""Where the suite finds each service's settings and wiring (by convention, see docs/architecture.md)."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from types import ModuleType
from typing import Any

from seteli_common.config import ServiceSettings

SERVICES = ("registry", "applications", "vouchers", "events", "settlement", "notifications")


def bootstrap(service: str) -> ModuleType:
    if service not in SERVICES:
        raise SystemExit(f"unknown service {service!r}; choose from {', '.join(SERVICES)}")
    return importlib.import_module(f"seteli_{service}.bootstrap")


def settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"seteli_{service}.config")
    for _, value in inspect.getmembers(module, inspect.isclass):
        if issubclass(value, ServiceSettings) and value is not ServiceSettings and value.__module__ == module.__name__:
            return value
    raise SystemExit(f"seteli_{service}.config has no ServiceSettings subclass")


def settings(service: str, **overrides: Any) -> ServiceSettings:
    return settings_class(service)(**overrides)


def migrations_dir(service: str) -> Path:
    module = importlib.import_module(f"seteli_{service}")
    assert module.__file__
    return Path(module.__file__).parent / "migrations"
