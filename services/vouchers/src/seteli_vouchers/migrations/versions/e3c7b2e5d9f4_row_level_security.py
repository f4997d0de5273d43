"""row-level security: every tenant table admits only the transaction's tenant

Roles vouchers_app (what the service acts as) and vouchers_system (the named cross-tenant scope), their grants,
and on every table with a tenant_id (except the outbox) RLS enabled and forced with the policies
tenant_isolation and system_scope. See seteli_common.tenancy and docs/architecture.md.

Revision ID: e3c7b2e5d9f4
Revises: ab8d87585da7
Create Date: 2026-12-02 03:30:00
"""

from alembic import op
from seteli_common.tenancy import disable_row_level_security, enable_row_level_security

revision = "e3c7b2e5d9f4"
down_revision = "ab8d87585da7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    enable_row_level_security(op, "vouchers")


def downgrade() -> None:
    disable_row_level_security(op)
