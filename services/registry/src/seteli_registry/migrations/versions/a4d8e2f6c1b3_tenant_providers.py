"""tenant_providers: which tenants a provider works with (who of the tenants' staff may read its people,
attachments, liability checks and courses)

A tenant table: row-level security with the same policies as every other one (seteli_common.tenancy).
Back-filled from what the registry already knows: approved registration requests and the applications
approved into the public catalog.

Revision ID: a4d8e2f6c1b3
Revises: f3c9d1e7a2b5
Create Date: 2026-12-02 07:00:00
"""

import sqlalchemy as sa
from alembic import op
from seteli_common.tenancy import disable_row_level_security, enable_row_level_security

revision = "a4d8e2f6c1b3"
down_revision = "f3c9d1e7a2b5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenant_providers",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.String(length=36), nullable=False),
        sa.Column("via", sa.String(length=20), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "provider_id", name=op.f("pk_tenant_providers")),
    )
    op.create_index("ix_tenant_providers_provider", "tenant_providers", ["provider_id"], unique=False)
    op.execute(
        "INSERT INTO tenant_providers (tenant_id, provider_id, via, since) "
        "SELECT tenant_id, provider_id, 'registration', min(created_at) FROM registration_requests "
        "WHERE status = 'approved' AND provider_id IS NOT NULL GROUP BY tenant_id, provider_id"
    )
    op.execute(
        "INSERT INTO tenant_providers (tenant_id, provider_id, via, since) "
        "SELECT DISTINCT a.tenant_id, a.provider_id, 'application', CURRENT_TIMESTAMP FROM catalog_approvals a "
        "WHERE NOT EXISTS (SELECT 1 FROM tenant_providers t "
        "WHERE t.tenant_id = a.tenant_id AND t.provider_id = a.provider_id)"
    )
    enable_row_level_security(op, "registry", ["tenant_providers"])


def downgrade() -> None:
    disable_row_level_security(op, ["tenant_providers"])
    op.drop_index("ix_tenant_providers_provider", table_name="tenant_providers")
    op.drop_table("tenant_providers")
