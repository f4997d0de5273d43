"""approvals approved_at: when applications stated a provider's approval in a service

An approval and a change of it (every site approved so far) heard in the other order left the older site list:
a booking at a site the change approved was refused (or one at a site the change removed accepted). The
approval now keeps when it was stated, and an older statement changes nothing. Existing rows have none: any
approval heard from now on is newer.

Revision ID: b7e3a9d5c2f8
Revises: a2d6f8c4b1e7
Create Date: 2026-12-06 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b7e3a9d5c2f8"
down_revision = "a2d6f8c4b1e7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("approvals", sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("approvals") as batch:
        batch.drop_column("approved_at")
