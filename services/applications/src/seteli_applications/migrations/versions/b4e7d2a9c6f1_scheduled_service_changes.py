"""scheduled service changes: a change of a service that takes effect on a later date

Revision ID: b4e7d2a9c6f1
Revises: a7c3e9f1b2d4
Create Date: 2026-12-05 15:30:00
"""

import sqlalchemy as sa
from alembic import op
from seteli_common.tenancy import enable_row_level_security

revision = "b4e7d2a9c6f1"
down_revision = "a7c3e9f1b2d4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_service_changes",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_scheduled_service_changes")),
    )
    op.create_index("ix_scheduled_service_changes_tenant_service", "scheduled_service_changes",
                    ["tenant_id", "service_id", "effective_from"])
    enable_row_level_security(op, "applications", ["scheduled_service_changes"])


def downgrade() -> None:
    op.drop_index("ix_scheduled_service_changes_tenant_service", table_name="scheduled_service_changes")
    op.drop_table("scheduled_service_changes")
