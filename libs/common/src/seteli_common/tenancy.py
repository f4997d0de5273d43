"""Row-level security in PostgreSQL: the second line of tenant isolation, behind the repositories'
`WHERE tenant_id = ...` (docs/architecture.md, "Tenant isolation").

- Every table with a `tenant_id` column (except the kernel's `outbox`, read by the cross-tenant relay)
  has ROW LEVEL SECURITY enabled and FORCED, with two policies:
  `tenant_isolation` (every role): only rows whose tenant is the transaction's `seteli.tenant_id`
  (plus rows with no tenant at all where the column is nullable: a provider user, a platform admin);
  `system_scope` (only the role `<service>_system`): every row, for work that spans tenants.
- The services connect and `SET ROLE <service>_app` (`<SVC>_DATABASE_ROLE`): not a superuser, not the
  tables' owner, no BYPASSRLS, and not a member of `<service>_system`.
- The boundary sets the scope per transaction (`Database.transaction(tenant_id=...)`, transaction-local,
  so a pooled connection never carries it into the next unit of work); cross-tenant work enters the
  named system scope with `Database.system_transaction()`, i.e. `SET LOCAL ROLE <service>_system`.
- With no scope set, a tenant table shows nothing and accepts nothing.

SQLite (embedded mode) has no row-level security: there the scope calls do nothing.
"""

from __future__ import annotations

import re
from typing import Any, Final

TENANT_SETTING = "seteli.tenant_id"
# What a tenant id may be (the registry creates tenants with it): lower-case letters, digits and hyphens,
# 2-63 characters, not starting with a hyphen. A path naming anything else names no tenant.
TENANT_ID_RE: Final = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")
EXEMPT_TABLES = frozenset({"outbox"})  # kernel infrastructure: written in the unit of work, read by the relay
SYSTEM_SUFFIX = "_system"
APP_SUFFIX = "_app"


def app_role(service: str) -> str:
    return f"{service}{APP_SUFFIX}"


def system_role(service: str) -> str:
    return f"{service}{SYSTEM_SUFFIX}"


def quote_ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return f'"{name}"'


def create_role_sql(role: str) -> str:
    # Roles are cluster-wide: another database of the same cluster (or a DBA, see docs/operations.md)
    # may have created it already, and two migrations may race on it.
    return f"""
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
    BEGIN
      CREATE ROLE {quote_ident(role)} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  IF NOT pg_has_role(current_user, '{role}', 'MEMBER') THEN
    EXECUTE 'GRANT {quote_ident(role)} TO ' || quote_ident(current_user);
  END IF;
END $$"""


def _policy_condition(nullable: bool) -> str:
    own = f"tenant_id = current_setting('{TENANT_SETTING}', true)"
    return f"(tenant_id IS NULL OR {own})" if nullable else f"({own})"


def tenant_tables(connection: Any) -> list[tuple[str, bool]]:
    """(table, tenant_id nullable) for every table of the public schema with a tenant_id column."""
    from sqlalchemy import text

    rows = connection.execute(text(
        "SELECT c.table_name, c.is_nullable = 'YES' FROM information_schema.columns c "
        "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
        "WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE' "
        "ORDER BY c.table_name")).all()
    return [(str(name), bool(nullable)) for name, nullable in rows if name not in EXEMPT_TABLES]


def enable_row_level_security(op: Any, service: str, tables: list[str] | None = None) -> None:
    """Alembic helper: the roles, their grants, and RLS forced with both policies on `tables` (default:
    every tenant table there is now). A later migration adding a tenant table calls it with that table."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    app, system = quote_ident(app_role(service)), quote_ident(system_role(service))
    for role in (app_role(service), system_role(service)):
        op.execute(create_role_sql(role))
    op.execute(f"GRANT USAGE ON SCHEMA public TO {app}, {system}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}, {system}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}, {system}")
    # Readable, so that a start-up `upgrade head` at head is a no-op for a login that is only these roles.
    op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {app}, {system}")
    # Tables of later migrations (created by the same migrating role) get the same grants.
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES "
               f"TO {app}, {system}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {app}, {system}")
    nullable = dict(tenant_tables(bind))
    for table in tables if tables is not None else list(nullable):
        name, condition = quote_ident(table), _policy_condition(nullable.get(table, False))
        op.execute(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY")
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {name}")
        op.execute(f"CREATE POLICY tenant_isolation ON {name} USING {condition} WITH CHECK {condition}")
        op.execute(f"DROP POLICY IF EXISTS system_scope ON {name}")
        op.execute(f"CREATE POLICY system_scope ON {name} TO {system} USING (true) WITH CHECK (true)")


def disable_row_level_security(op: Any, tables: list[str] | None = None) -> None:
    """Downgrade: policies dropped and RLS off; the roles stay (other databases may use them)."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in tables if tables is not None else [t for t, _ in tenant_tables(bind)]:
        name = quote_ident(table)
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {name}")
        op.execute(f"DROP POLICY IF EXISTS system_scope ON {name}")
        op.execute(f"ALTER TABLE {name} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {name} DISABLE ROW LEVEL SECURITY")
