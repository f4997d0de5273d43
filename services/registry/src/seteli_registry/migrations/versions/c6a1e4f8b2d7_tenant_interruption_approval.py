"""tenants: interruptions_need_approval (issue 19, 004 §4.3.5.2)

The tenant admin's setting whether finalised interruptions wait for the municipality's approval before
settlement; off for every existing tenant (today's behaviour).

Revision ID: c6a1e4f8b2d7
Revises: b3f8e1d6c4a9
Create Date: 2026-12-05 12:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c6a1e4f8b2d7"
down_revision = "b3f8e1d6c4a9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "tenants", sa.Column("interruptions_need_approval", sa.Boolean(), server_default="0", nullable=False)
    )


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("interruptions_need_approval")
