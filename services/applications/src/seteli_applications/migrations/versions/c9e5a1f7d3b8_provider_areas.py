"""applications: the providers' operating areas too (registry.provider.areas_changed)

An application's operating areas step took any name: another company's area was read by the officer as where this
company works. It now takes only the company's own, kept in provider_parts as "area:<name>"; an area's name has up
to 100 characters, so the part is widened from 100 to 120. The areas there were before are told once by the
registry's migration f1d7b3a9c6e2.

Revision ID: c9e5a1f7d3b8
Revises: b7d3f1a9c5e2
Create Date: 2026-12-07 20:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c9e5a1f7d3b8"
down_revision = "b7d3f1a9c5e2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("provider_parts") as batch_op:
        batch_op.alter_column("part", existing_type=sa.String(length=100), type_=sa.String(length=120),
                              existing_nullable=False)


def downgrade() -> None:
    op.execute("DELETE FROM provider_parts WHERE part LIKE 'area:%'")
    with op.batch_alter_table("provider_parts") as batch_op:
        batch_op.alter_column("part", existing_type=sa.String(length=120), type_=sa.String(length=100),
                              existing_nullable=False)
