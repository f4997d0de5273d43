"""used signature assertions (single use)

Revision ID: c3a9f0d4e2b1
Revises: 56b22fc6efab
Create Date: 2026-12-02 03:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c3a9f0d4e2b1"
down_revision = "56b22fc6efab"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "used_signatures",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "jti", name=op.f("pk_used_signatures")),
    )
    # row-level security on it comes with the next migration (row_level_security), like every tenant table


def downgrade() -> None:
    op.drop_table("used_signatures")
