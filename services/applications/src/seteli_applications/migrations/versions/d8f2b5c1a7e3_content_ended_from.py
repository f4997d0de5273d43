"""a content of a service can be ended from a day on

Revision ID: d8f2b5c1a7e3
Revises: b4e7d2a9c6f1
Create Date: 2026-12-05 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d8f2b5c1a7e3"
down_revision = "b4e7d2a9c6f1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("service_contents", sa.Column("ended_from", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("service_contents", "ended_from")
