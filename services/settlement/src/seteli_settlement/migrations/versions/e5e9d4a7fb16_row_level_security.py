"""row-level security: every tenant table admits only the transaction's tenant

Roles settlement_app (what the service acts as) and settlement_system (the named cross-tenant scope), their grants,
and on every table with a tenant_id (except the outbox) RLS enabled and forced with the policies
tenant_isolation and system_scope. See seteli_common.tenancy and docs/architecture.md.

Revision ID: e5e9d4a7fb16
Revises: 6b7bc2698bef
Create Date: 2026-12-02 03:30:00
"""

from alembic import op
from seteli_common.tenancy import create_role_sql, disable_row_level_security, enable_row_level_security

revision = "e5e9d4a7fb16"
down_revision = "6b7bc2698bef"
branch_labels = None
depends_on = None


JOBS_READER = "settlement_jobs_reader"


def upgrade() -> None:
    enable_row_level_security(op, "settlement")
    if op.get_bind().dialect.name != "postgresql":
        return
    # KEDA counts the pending jobs of every tenant (docs/operations.md, "Scale settlement"): a role that may
    # only read run_jobs, admitted to all its rows by a policy of its own.
    op.execute(create_role_sql(JOBS_READER))
    op.execute(f'GRANT SELECT ON run_jobs TO "{JOBS_READER}"')
    op.execute(f'CREATE POLICY jobs_reader ON run_jobs FOR SELECT TO "{JOBS_READER}" USING (true)')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS jobs_reader ON run_jobs")
        op.execute(f'REVOKE ALL ON run_jobs FROM "{JOBS_READER}"')
    disable_row_level_security(op)
