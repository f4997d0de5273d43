"""row-level security: every tenant table admits only the transaction's tenant

Roles applications_app (what the service acts as) and applications_system (the named cross-tenant scope), their grants,
and on every table with a tenant_id (except the outbox) RLS enabled and forced with the policies
tenant_isolation and system_scope. See seteli_common.tenancy and docs/architecture.md.

Revision ID: e2b6a1d4c8e3
Revises: c3a9f0d4e2b1
Create Date: 2026-12-02 03:30:00
"""

from alembic import op
from seteli_common.tenancy import disable_row_level_security, enable_row_level_security

revision = "e2b6a1d4c8e3"
down_revision = "c3a9f0d4e2b1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    enable_row_level_security(op, "applications")


def downgrade() -> None:
    disable_row_level_security(op)
