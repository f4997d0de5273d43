"""catalog price lists: the free-text additional information and when it last changed

Revision ID: d5f2a8c1b9e4
Revises: e1a5f0c3b7d2
Create Date: 2026-12-02 03:25:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d5f2a8c1b9e4"
down_revision = "e1a5f0c3b7d2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_price_lists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("additional_info", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("info_changed_at", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("catalog_price_lists", schema=None) as batch_op:
        batch_op.drop_column("info_changed_at")
        batch_op.drop_column("additional_info")
