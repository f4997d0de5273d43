"""correction_requests.valid_until: the last valid day a request closed as "removed" lay beyond

A provider's request of paid care removed because the voucher ended showed only its state; the provider's credits
page now answers it with that day. Rows removed before have none: the page says it without the day.

Revision ID: a5d2e8c4f1b7
Revises: f6d2a8c4e1b9
Create Date: 2026-12-07 10:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a5d2e8c4f1b7"
down_revision = "f6d2a8c4e1b9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("correction_requests", sa.Column("valid_until", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("correction_requests") as batch:
        batch.drop_column("valid_until")
