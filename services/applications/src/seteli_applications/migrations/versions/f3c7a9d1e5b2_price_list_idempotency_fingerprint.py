"""applications: the fingerprint of the request a price list's Idempotency-Key was first used for

The same key sent with another request (another application, start or price) is refused instead of answered
with the first list. Lists keyed before this have none and are replayed as before.

Revision ID: f3c7a9d1e5b2
Revises: f3c7a9e2d5b4
Create Date: 2026-12-06 06:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f3c7a9d1e5b2"
down_revision = "f3c7a9e2d5b4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("price_lists", sa.Column("idempotency_fingerprint", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("price_lists", "idempotency_fingerprint")
