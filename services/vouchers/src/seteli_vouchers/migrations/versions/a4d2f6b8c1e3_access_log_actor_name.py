"""access log: the reader's name beside their user id

An officer auditing a client's access log needs the person, not a user id to look up (which names no one once the
user is removed): the name from the reader's token is kept as it was at the time of reading.

Revision ID: a4d2f6b8c1e3
Revises: e9b4c2d8f1a6
Create Date: 2026-12-06 06:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a4d2f6b8c1e3"
down_revision = "e9b4c2d8f1a6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("access_log", sa.Column("actor_name", sa.String(200), nullable=True))


def downgrade() -> None:
    op.drop_column("access_log", "actor_name")
