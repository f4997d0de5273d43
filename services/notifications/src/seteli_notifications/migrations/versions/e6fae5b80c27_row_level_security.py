"""row-level security: every tenant table admits only the transaction's tenant

Roles notifications_app (what the service acts as) and notifications_system (the cross-tenant scope),
their grants,
and on every table with a tenant_id (except the outbox) RLS enabled and forced with the policies
tenant_isolation and system_scope. See seteli_common.tenancy and docs/architecture.md.

Revision ID: e6fae5b80c27
Revises: 1b2536d1b4a2
Create Date: 2026-12-02 03:30:00
"""

from alembic import op
from seteli_common.tenancy import disable_row_level_security, enable_row_level_security

revision = "e6fae5b80c27"
down_revision = "1b2536d1b4a2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    enable_row_level_security(op, "notifications")


def downgrade() -> None:
    disable_row_level_security(op)
