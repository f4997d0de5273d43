"""events: the fingerprint of the request an Idempotency-Key was first used for

The same key sent with another request (other dates, another booking) is refused instead of answered with the
first event. Events keyed before this have none and are replayed as before.

Revision ID: d5a8c2e7f3b4
Revises: e9b4c2f6a8d1
Create Date: 2026-12-06 06:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d5a8c2e7f3b4"
down_revision = "e9b4c2f6a8d1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("idempotency_fingerprint", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("events", "idempotency_fingerprint")
