"""reminders: the reminder on the 1st of drafts and interruptions without an end, sent once per provider and month

Revision ID: e7c1d9a4b2f8
Revises: d2b7c4e8a913
Create Date: 2026-12-05 10:40:00
"""

import sqlalchemy as sa
from alembic import op
from seteli_common.tenancy import enable_row_level_security

revision = "e7c1d9a4b2f8"
down_revision = "d2b7c4e8a913"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "provider_id", "month", name=op.f("pk_reminders")),
    )
    enable_row_level_security(op, "events", ["reminders"])


def downgrade() -> None:
    op.drop_table("reminders")
