"""when a provider's name was stated

Vouchers now hears `registry.provider.renamed` (a booking, the resident's list of their providers and the
provider's client views named the company by its name at registration for ever). Of a registration and a
rename, or two renames, the one stated last wins whatever order they arrive in.

Revision ID: e2b7c4d9f1a6
Revises: d5e1a7c3b9f2
Create Date: 2026-12-06 09:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "e2b7c4d9f1a6"
down_revision = "d5e1a7c3b9f2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("named_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.drop_column("named_at")
