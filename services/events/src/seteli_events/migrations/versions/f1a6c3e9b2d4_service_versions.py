"""service versions: the contents of a service from the dates of its scheduled changes

Revision ID: f1a6c3e9b2d4
Revises: b8d2f4a6c1e3
Create Date: 2026-12-05 15:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f1a6c3e9b2d4"
down_revision = "b8d2f4a6c1e3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("services", sa.Column("versions", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("services", "versions")
