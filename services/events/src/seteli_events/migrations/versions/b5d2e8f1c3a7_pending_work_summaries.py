"""pending work summaries: the daily summary of each provider's pending work, published once per tenant and day

Revision ID: b5d2e8f1c3a7
Revises: e7c1d9a4b2f8
Create Date: 2026-12-05 12:50:00
"""

import sqlalchemy as sa
from alembic import op
from seteli_common.tenancy import enable_row_level_security

revision = "b5d2e8f1c3a7"
down_revision = "e7c1d9a4b2f8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_work_summaries",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "day", name=op.f("pk_pending_work_summaries")),
    )
    enable_row_level_security(op, "events", ["pending_work_summaries"])


def downgrade() -> None:
    op.drop_table("pending_work_summaries")
