"""the day a service content is ended (from applications.service.defined)

Revision ID: f4a1c8e2d6b9
Revises: a3e8c1f6d2b9
Create Date: 2026-12-05 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f4a1c8e2d6b9"
down_revision = "a3e8c1f6d2b9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("service_contents", sa.Column("ended_from", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("service_contents", "ended_from")
