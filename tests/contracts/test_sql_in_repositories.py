"""Queries live only in each service's repository module(s) (issue 18: one shape for every service).

The analysis is tools/sql_outside_repositories.py (stdlib ast, nothing imported); what truly cannot move
is listed below, each with its reason."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _tool() -> Any:
    path = ROOT / "tools" / "sql_outside_repositories.py"
    spec = importlib.util.spec_from_file_location("sql_outside_repositories", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


ALLOWED = {
    # The kernel's own database machinery in libs/common: it is what the repositories stand on.
    "libs/common/src/seteli_common/db.py": "the engine, sessions, roles and SQLite pragmas",
    "libs/common/src/seteli_common/sql.py": "the dialect's INSERT and the upsert the repositories call",
    "libs/common/src/seteli_common/tenancy.py": "sets the tenant of a connection (row-level security)",
    "libs/common/src/seteli_common/messaging/outbox.py": "the transactional outbox's own table",
    "libs/common/src/seteli_common/messaging/consumer.py": "the inbox of handled messages (exactly-once)",
    "libs/common/src/seteli_common/revocation.py": "the revoked-sessions table every service keeps",
    "libs/common/src/seteli_common/testing.py": "test databases: created, emptied and dropped",
}


def _is_migration(module: str) -> bool:
    # Alembic's environment and versions, and the kernel's migration runner: schema changes, not queries.
    return "/migrations/" in module or module == "libs/common/src/seteli_common/migrations.py"


def test_no_sql_outside_the_repositories() -> None:
    tool = _tool()
    findings = tool.find(ROOT)
    assert any(f.module.endswith("messaging/outbox.py") for f in findings), "the analysis finds nothing: broken"
    outside = [f for f in findings if f.module not in ALLOWED and not _is_migration(f.module)]
    assert not outside, "SQL outside a repository (move it into the service's repository):\n" + tool.report(outside)


def test_the_allow_list_has_no_stale_entries() -> None:
    found = {f.module for f in _tool().find(ROOT)}
    stale = sorted(set(ALLOWED) - found)
    assert not stale, f"no longer has SQL, take it off ALLOWED: {stale}"


def test_the_analysis_sees_each_kind_of_sql(tmp_path: Path) -> None:
    service = tmp_path / "services" / "demo" / "src" / "seteli_demo"
    (service / "repository").mkdir(parents=True)
    (service / "repository" / "topic.py").write_text("from sqlalchemy import select\nq = select(1)\n")
    (service / "repo.py").write_text("from sqlalchemy import text\nq = text('SELECT 1')\n")
    (service / "runs.py").write_text("async def f(session):\n    await session.execute(q)\n")
    (service / "builds.py").write_text("import sqlalchemy as sa\nq = sa.select(1)\n")
    (service / "filters.py").write_text("from .models import things\nq = [things.c.id == 1]\n")
    (service / "shapes.py").write_text("from sqlalchemy import Table\ndef f(q):\n    return q.where(1)\n")
    (service / "plain.py").write_text("d = {}\nv = d.values()\nd.update()\n")
    (service / "models.py").write_text(
        "from sqlalchemy import Column, Index, text\n"
        "c = Column('x', server_default=text('0'))\ni = Index('i', 'x', postgresql_where=text('x > 0'))\n"
    )
    found = {Path(f.module).name for f in _tool().find(tmp_path)}
    assert found == {"runs.py", "builds.py", "filters.py", "shapes.py"}
