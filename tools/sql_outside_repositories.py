"""Which modules build or run SQL although they are not a repository (issue 18: one shape for every service).

Queries live only in a service's repository module(s): ``repository.py``, ``repo.py``,
``*_repository.py`` or any module inside a ``repository/`` package. Everything else (APIs,
consumers, jobs, reports) calls the repository's named functions and owns only the transaction.

The analysis reads the source with :mod:`ast` (nothing is imported) and reports, per service, the
modules that

* run SQL: ``<x>.execute(...)``, ``.scalar(...)``, ``.scalars(...)``, ``.stream(...)`` or
  ``.stream_scalars(...)`` on a receiver named like a session or connection;
* build SQL: call ``select``/``insert``/``update``/``delete``/``text``/``exists``/``union``/
  ``union_all`` imported from SQLAlchemy (also through ``import sqlalchemy as sa``), a dialect's
  ``insert``, or ``seteli_common.sql``'s ``insert_for``/``upsert``;
* use a table's columns (``<table>.c.<column>``, the table imported from the service's models):
  a filter or an ordering is a piece of a query;
* shape a statement: ``.where(...)``, ``.values(...)``, ``.on_conflict_do_update/nothing(...)``,
  ``.returning(...)`` on anything, or ``<table>.select()/.insert()/.update()/.delete()`` with no
  arguments, in a module that imports SQLAlchemy.

``text(...)`` used as a column's ``server_default`` (table definitions) is not a query.

Usage: ``python tools/sql_outside_repositories.py [--with-migrations] [ROOT]`` prints the findings
(without the migrations unless asked) and exits 1 when there are any. ``find()`` gives them to
tests (tests/contracts/test_sql_in_repositories.py).
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SQL_BUILDERS = {"select", "insert", "update", "delete", "text", "exists", "union", "union_all"}
KERNEL_SQL = {"insert_for", "upsert"}
RUNNERS = {"execute", "scalar", "scalars", "stream", "stream_scalars"}
RECEIVER_HINTS = ("session", "conn", "connection", "db")
SHAPERS = {"where", "values", "on_conflict_do_update", "on_conflict_do_nothing", "returning"}
TABLE_METHODS = {"select", "insert", "update", "delete"}
DDL_KEYWORDS = {"server_default", "server_onupdate", "postgresql_where", "sqlite_where"}


@dataclass(frozen=True)
class Finding:
    service: str
    module: str  # path relative to ROOT, with forward slashes
    lines: tuple[int, ...] = field(default=())
    reasons: tuple[str, ...] = field(default=())


def is_repository(path: Path) -> bool:
    """A repository module by name: repository.py, repo.py, *_repository.py, or inside repository/."""
    if "repository" in path.parent.parts[-1:]:
        return True
    name = path.stem
    return name in ("repository", "repo") or name.endswith("_repository")


def _receiver_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):  # e.g. self.session().execute or db.session().execute
        return _receiver_name(node.func)
    return ""


class _Visitor(ast.NodeVisitor):
    def __init__(self) -> None:
        self.sql_names: set[str] = set()  # local names bound to SQLAlchemy/kernel SQL builders
        self.sa_modules: set[str] = set()  # local names bound to the sqlalchemy module (import sqlalchemy as sa)
        self.imports_sqlalchemy = False
        self.table_names: set[str] = set()  # names imported from the service's models (its tables)
        self.hits: list[tuple[int, str]] = []
        self._ddl_depth = 0

    # imports ---------------------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "sqlalchemy" or alias.name.startswith("sqlalchemy."):
                self.imports_sqlalchemy = True
                if alias.name == "sqlalchemy":
                    self.sa_modules.add(alias.asname or alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if module == "sqlalchemy" or module.startswith("sqlalchemy."):
            self.imports_sqlalchemy = True
            for alias in node.names:
                if alias.name in SQL_BUILDERS:
                    self.sql_names.add(alias.asname or alias.name)
        elif module == "models" and node.level or module.endswith(".models"):
            self.table_names.update(alias.asname or alias.name for alias in node.names)
        elif module.endswith("seteli_common.sql") or (module == "sql" and node.level):
            for alias in node.names:
                if alias.name in KERNEL_SQL:
                    self.sql_names.add(alias.asname or alias.name)

    # calls -----------------------------------------------------------------------------------
    def visit_keyword(self, node: ast.keyword) -> None:
        if node.arg in DDL_KEYWORDS:
            self._ddl_depth += 1
            self.generic_visit(node)
            self._ddl_depth -= 1
        else:
            self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if self._ddl_depth == 0:
            if isinstance(func, ast.Name) and func.id in self.sql_names:
                self.hits.append((node.lineno, f"{func.id}("))
            elif isinstance(func, ast.Attribute):
                base = func.value
                if isinstance(base, ast.Name) and base.id in self.sa_modules and func.attr in SQL_BUILDERS:
                    self.hits.append((node.lineno, f"{base.id}.{func.attr}("))
                elif func.attr in RUNNERS and any(h in _receiver_name(base).lower() for h in RECEIVER_HINTS):
                    self.hits.append((node.lineno, f"{_receiver_name(base)}.{func.attr}("))
                elif self.imports_sqlalchemy and func.attr in SHAPERS and (node.args or node.keywords):
                    self.hits.append((node.lineno, f".{func.attr}("))
                elif self.imports_sqlalchemy and func.attr in TABLE_METHODS and not node.args and not node.keywords:
                    self.hits.append((node.lineno, f".{func.attr}()"))
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        # <table>.c.<column>: a column expression, i.e. a piece of a query (a filter, an ordering)
        if (
            self.table_names
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "c"
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id in self.table_names
        ):
            self.hits.append((node.lineno, f"{node.value.value.id}.c.*"))
        self.generic_visit(node)


def analyse(path: Path) -> list[tuple[int, str]]:
    """The SQL-building or SQL-running calls in one module: (line, what)."""
    visitor = _Visitor()
    visitor.visit(ast.parse(path.read_text(), filename=str(path)))
    return sorted(set(visitor.hits))


def _packages(root: Path) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    for service_dir in sorted((root / "services").glob("*/src")):
        found.append((service_dir.parent.name, service_dir))
    for lib_dir in sorted((root / "libs").glob("*/src")):
        found.append((f"libs/{lib_dir.parent.name}", lib_dir))
    if (root / "src").is_dir():
        found.append(("suite", root / "src"))
    return found


def find(root: Path = ROOT) -> list[Finding]:
    """Every non-repository module with SQL, per service (migrations included: the caller allows them)."""
    findings: list[Finding] = []
    for service, src in _packages(root):
        for path in sorted(src.rglob("*.py")):
            if is_repository(path.relative_to(src)):
                continue
            hits = analyse(path)
            if hits:
                findings.append(
                    Finding(
                        service=service,
                        module=path.relative_to(root).as_posix(),
                        lines=tuple(line for line, _ in hits),
                        reasons=tuple(sorted({what for _, what in hits})),
                    )
                )
    return findings


def report(findings: list[Finding]) -> str:
    lines: list[str] = []
    service = None
    for f in findings:
        if f.service != service:
            service = f.service
            lines.append(f"{service}:")
        shown = ", ".join(str(n) for n in f.lines[:8]) + (" ..." if len(f.lines) > 8 else "")
        lines.append(f"  {f.module}  ({len(f.lines)} calls: {' '.join(f.reasons)}; lines {shown})")
    return "\n".join(lines)


def is_migration(module: str) -> bool:
    """Alembic's environment and versions, and the kernel's migration runner: schema changes, not queries."""
    return "/migrations/" in module or module.endswith("/migrations.py")


def main(argv: list[str]) -> int:
    args = [a for a in argv[1:] if not a.startswith("--")]
    root = Path(args[0]).resolve() if args else ROOT
    findings = find(root)
    if "--with-migrations" not in argv:
        findings = [f for f in findings if not is_migration(f.module)]
    if findings:
        print(report(findings))
        print(f"\n{len(findings)} modules with SQL outside a repository")
        return 1
    print("no SQL outside the repositories")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
