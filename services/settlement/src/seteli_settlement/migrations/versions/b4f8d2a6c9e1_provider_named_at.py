"""provider named_at: when the registry stated the company name kept

Two renames of a company (a typo corrected at once), handled side by side (registry facts of no tenant are)
or one retried, could leave the older name: the payment file and specification paid the company under the
name it had corrected. The name now keeps when it was stated, and an older rename changes nothing. Existing
rows have none: any rename heard from now on is newer.

Revision ID: b4f8d2a6c9e1
Revises: a8c3e1f04b27
Create Date: 2026-12-06 07:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b4f8d2a6c9e1"
down_revision = "a8c3e1f04b27"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("providers", sa.Column("named_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("providers") as batch:
        batch.drop_column("named_at")
