"""row-level security: every tenant table admits only the transaction's tenant

Roles registry_app (what the service acts as) and registry_system (the named cross-tenant scope), their grants,
and on every table with a tenant_id (except the outbox) RLS enabled and forced with the policies
tenant_isolation and system_scope. See seteli_common.tenancy and docs/architecture.md.

Revision ID: e1a5f0c3b7d2
Revises: b7c41e2d9a10
Create Date: 2026-12-02 03:30:00
"""

from alembic import op
from seteli_common.tenancy import disable_row_level_security, enable_row_level_security

revision = "e1a5f0c3b7d2"
down_revision = "b7c41e2d9a10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    enable_row_level_security(op, "registry")


def downgrade() -> None:
    disable_row_level_security(op)
