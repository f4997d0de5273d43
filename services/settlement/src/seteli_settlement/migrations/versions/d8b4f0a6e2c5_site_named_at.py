"""site named_at: when the registry stated the site's name and address kept

Two changes of a site heard in the other order left the older name: the payee of the site's lines was paid
and specified as "company, old site name". The site now keeps when its name was stated, and an older
statement changes it not (its billing stays ordered by `billing_facts`). Existing rows have none: any
statement heard from now on is newer.

Revision ID: d8b4f0a6e2c5
Revises: c6a2e8f4d0b3
Create Date: 2026-12-06 07:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d8b4f0a6e2c5"
down_revision = "c6a2e8f4d0b3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sites", sa.Column("named_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("named_at")
