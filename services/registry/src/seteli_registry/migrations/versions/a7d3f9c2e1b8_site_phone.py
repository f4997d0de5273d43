"""sites: phone (issue 20)

A site's phone number, shown on the provider's site form and the public provider card; nullable: not given
for every existing site. The rule it follows is domain.normalise_phone's.

Revision ID: a7d3f9c2e1b8
Revises: c6a1e4f8b2d7
Create Date: 2026-12-05 15:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a7d3f9c2e1b8"
down_revision = "c6a1e4f8b2d7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sites", sa.Column("phone", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("phone")
