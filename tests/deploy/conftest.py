"""Fixtures for the deployment tests: the services found under services/*, the rendered kustomizations
and compose.yaml. The helpers live in deploy_support.py (this directory is put on sys.path for it)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))

from deploy_support import K8S, OVERLAYS, ROOT, SERVICES, load_script  # noqa: E402


@pytest.fixture(scope="session")
def services() -> list[str]:
    assert SERVICES, "no services under services/*"
    return SERVICES


@pytest.fixture(scope="session")
def renderer() -> ModuleType:
    return load_script(K8S / "render.py")


@pytest.fixture(scope="session")
def rendered(renderer: ModuleType) -> dict[str, list[dict[str, Any]]]:
    """base and every overlay, rendered by the Python renderer."""
    result = {"base": renderer.render(K8S / "base")}
    for overlay in OVERLAYS:
        result[overlay] = renderer.render(K8S / "overlays" / overlay)
    return result


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(data, dict)
    return data
