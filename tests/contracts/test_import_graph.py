"""No import circles: inside a package (seteli_common, each service, the suite CLI) no module imports, even
lazily inside a function or under TYPE_CHECKING, one that imports it back; and no package imports one that
imports it back. The analysis is tools/import_graph.py (`python tools/import_graph.py` prints the graph's
circles and the deferred imports)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def import_graph() -> ModuleType:
    spec = importlib.util.spec_from_file_location("seteli_import_graph", ROOT / "tools" / "import_graph.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def test_every_package_is_read(import_graph: ModuleType) -> None:
    names = {package.name for package in import_graph.find_packages(ROOT)}
    assert names >= {"seteli_common", "seteli_registry", "seteli_applications", "seteli_vouchers", "seteli_events",
                     "seteli_settlement", "seteli_notifications", "seteli_portal", "seteli"}


def test_no_import_circles(import_graph: ModuleType) -> None:
    lines, count = import_graph.report(ROOT)
    assert count == 0, "import circles (move the shared piece into a module both import):\n" + "\n".join(lines)


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_lazy_or_type_only_import_back_is_a_circle_too(import_graph: ModuleType, tmp_path: Path) -> None:
    """The analysis itself: what it must catch, and what it must not take for a circle."""
    base = "services/demo/src/seteli_demo"
    _write(tmp_path, f"{base}/__init__.py", "from .api import router\n")  # re-exporting a submodule is fine
    _write(tmp_path, f"{base}/api.py", "from . import parts\nrouter = parts.router\n")
    _write(tmp_path, f"{base}/parts.py", "def build():\n    from .api import router\n    return router\n")
    _write(tmp_path, f"{base}/runtime.py", "from .metrics import count\n")
    _write(tmp_path, f"{base}/metrics.py",
           "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .runtime import Runtime\ncount = 0\n")
    _write(tmp_path, f"{base}/leaf.py", "from seteli_demo import api\nimport seteli_demo.metrics\n")
    _write(tmp_path, "libs/common/src/seteli_common/__init__.py", "import seteli_demo.api\n")
    _write(tmp_path, f"{base}/kernel_user.py", "from seteli_common import anything\n")

    lines, count = import_graph.report(tmp_path)
    assert [line for line in lines if line.startswith("circle")] == [
        "circle between packages: seteli_common, seteli_demo",
        "circle in seteli_demo: seteli_demo.api, seteli_demo.parts",
        "circle in seteli_demo: seteli_demo.metrics, seteli_demo.runtime",
    ]
    assert count == 3
    assert "    seteli_demo.parts -> seteli_demo.api  line 2 (deferred)" in lines
    assert "    seteli_demo.metrics -> seteli_demo.runtime  line 3 (typing)" in lines
