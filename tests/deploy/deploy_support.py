"""Helpers shared by the deployment tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import shutil
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from pydantic_settings import BaseSettings
from seteli_common.config import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "production")
KUBERNETES_VERSION = "1.30.0"  # the oldest minor the manifests must work on
# Settings whose default only suits embedded mode: a production process must be given them.
PRODUCTION_ONLY = {"database_url", "broker_url"}
PRODUCTION_ONLY_BY_SERVICE = {
    # Defaults are relative paths in a read-only container, or localhost links in emails.
    "registry": {"signing_key_path", "attachment_dir", "public_base_url"},
    "notifications": {"smtp_host"},  # empty writes .eml files instead of sending
    "portal": {"service_urls", "session_secret"},  # no URLs: it does not start; the secret's default is dev-only
}


def discover_members() -> list[str]:
    return sorted(p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml"))


def has_migrations(member: str) -> bool:
    return (ROOT / "services" / member / "src" / f"seteli_{member}" / "migrations" / "env.py").is_file()


MEMBERS = discover_members()  # every image: the six services and the portal
# The services: own database, broker, migrations, run by deploy/docker/run.py.
SERVICES = [m for m in MEMBERS if has_migrations(m)]
# Web front ends: no database, no broker; they call the services' HTTP APIs. Checked by their own tests.
WEB = [m for m in MEMBERS if m not in SERVICES]


def load_script(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"seteli_deploy_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def settings_class(service: str) -> type[BaseSettings]:
    """The service's ServiceSettings subclass (the portal's settings are plain BaseSettings)."""
    module = importlib.import_module(f"seteli_{service}.config")
    base = ServiceSettings if service in SERVICES else BaseSettings
    found = [c for _, c in inspect.getmembers(module, inspect.isclass)
             if c.__module__ == module.__name__ and issubclass(c, base)]
    assert len(found) == 1, f"seteli_{service}.config should define one {base.__name__} subclass: {found}"
    return found[0]


def env_prefix(service: str) -> str:
    return str(settings_class(service).model_config.get("env_prefix", "")).upper()


def env_name(service: str, field: str) -> str:
    return f"{env_prefix(service)}{field.upper()}"


def required_env(service: str) -> set[str]:
    """Env vars a production process of `service` must be given."""
    cls = settings_class(service)
    fields = {name for name, info in cls.model_fields.items() if info.is_required()}
    if service in SERVICES:
        fields |= PRODUCTION_ONLY
        if service != "registry":
            fields.add("jwks_url")  # every service but the registry verifies tokens with the registry's keys
    fields |= PRODUCTION_ONLY_BY_SERVICE.get(service, set()) & set(cls.model_fields)
    return {env_name(service, f) for f in fields}


def known_env(service: str) -> set[str]:
    return {env_name(service, f) for f in settings_class(service).model_fields}


def kubectl_kustomize(directory: Path) -> list[dict[str, Any]] | None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return None
    out = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True, text=True, check=True)
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]
