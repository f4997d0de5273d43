"""when a service's names were stated

Of two definitions of a service (names in mail subjects and bodies), the one stated last wins whatever order
they arrive in: an older definition heard late no longer brings back the old name.

Revision ID: b9d4f6a2c8e1
Revises: a5c7e9b1d3f2
Create Date: 2026-12-06 09:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b9d4f6a2c8e1"
down_revision = "a5c7e9b1d3f2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("defined_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_column("defined_at")
