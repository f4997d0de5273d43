"""providers billing_stated_at: when the registry stated the company's billing address and PDF choice

A billing change heard before the company's registration changed nothing and was acked, and of two changes heard
in the other order the older one stayed: the specification PDF was mailed (or not) against the company's
latest choice. A change now waits for the company and applies only when it is newer than the one kept.
Existing rows have none: any change heard from now on is newer.

Revision ID: f1c7d3a9e5b2
Revises: e6b2c8d4f0a5
Create Date: 2026-12-06 07:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f1c7d3a9e5b2"
down_revision = "e6b2c8d4f0a5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("providers", sa.Column("billing_stated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("providers") as batch:
        batch.drop_column("billing_stated_at")
