"""row-level security: every tenant table admits only the transaction's tenant

Roles events_app (what the service acts as) and events_system (the named cross-tenant scope), their grants,
and on every table with a tenant_id (except the outbox) RLS enabled and forced with the policies
tenant_isolation and system_scope. See seteli_common.tenancy and docs/architecture.md.

Revision ID: e4d8c3f6ea05
Revises: f4939e913c80
Create Date: 2026-12-02 03:30:00
"""

from alembic import op
from seteli_common.tenancy import disable_row_level_security, enable_row_level_security

revision = "e4d8c3f6ea05"
down_revision = "f4939e913c80"
branch_labels = None
depends_on = None


def upgrade() -> None:
    enable_row_level_security(op, "events")


def downgrade() -> None:
    disable_row_level_security(op)
